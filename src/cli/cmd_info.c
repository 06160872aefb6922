/*
 * cmd_info.c - `portier info`: ask the knowledge base about a port, a range,
 * a service name or a keyword; list the trojan ports or the risky ones.
 *
 * A port is shown with everything known about it: IANA's assignment beside
 * portier's own notes, so that a trojan port which is now a real service
 * (31337 eldim, 12345 italk) reads as history, not as a verdict.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

struct info_opts {
	bool json;
	bool trojans;
	bool risky;
	bool all;
	int width;
	uint16_t eph_lo, eph_hi;
	bool have_eph;
};

/* A row of a listing, collected first so that the listing is in port order. */
struct info_row {
	uint16_t port;
	size_t seq; /* arrival order: own entries before IANA rows */
	const struct portier_kb_entry *entry;
	const struct portier_iana_entry *iana;
};

struct info_run {
	struct cli *cli;
	struct portier_kb *kb;
	struct info_opts opt;
	struct cli_table *table;
	struct info_row *rows;
	size_t n_rows, cap_rows;
	int printed;
};

/* ---- JSON ---------------------------------------------------------------- */

static json_t *split_list(const char *csv)
{
	json_t *arr = json_array();

	while (arr && *csv) {
		size_t len = strcspn(csv, ",");
		const char *start = csv;

		while (len && *start == ' ') {
			start++;
			len--;
		}
		if (len)
			json_array_append_new(arr, json_stringn(start, len));
		csv += strcspn(csv, ",");
		if (*csv == ',')
			csv++;
	}
	return arr;
}

/* The next IANA entry from *i on with port <= hi and a protocol in protos. */
static const struct portier_iana_entry *iana_next(size_t *i, uint16_t hi,
						  unsigned protos)
{
	for (; *i < portier_iana_count(); ++*i) {
		const struct portier_iana_entry *e = portier_iana_at(*i);

		if (e->port > hi)
			break;
		if (e->proto & protos) {
			++*i;
			return e;
		}
	}
	return NULL;
}

static json_t *iana_json(uint16_t lo, uint16_t hi, unsigned protos)
{
	json_t *arr = json_array();
	const struct portier_iana_entry *e;
	size_t i = portier_iana_lower_bound(lo);

	while ((e = iana_next(&i, hi, protos)))
		json_array_append_new(
			arr,
			json_pack("{s:i, s:s, s:s, s:s}", "port", e->port,
				  "proto", portier_proto_name(e->proto), "name",
				  e->name, "description", e->description));
	return arr;
}

static const char *const origin_names[] = {"builtin", "site", "user"};

/*
 * An entry as JSON; "iana" lists the assignments of port (the port asked
 * about), or of the entry's own port when port < 0 and it has just one.
 */
static json_t *entry_json(const struct portier_kb_entry *e, long port)
{
	json_t *o = json_pack(
		"{s:i, s:i, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:o,"
		" s:{s:s, s:s}, s:s}",
		"port", e->lo, "port_end", e->hi, "proto",
		portier_proto_name(e->protos), "class",
		portier_port_class_name(portier_port_class(e->lo)), "service",
		e->name, "names", split_list(e->service), "risk",
		portier_risk_name(e->risk), "scope",
		portier_scope_name(e->scope), "summary", e->summary, "danger",
		e->danger, "trojans", split_list(e->trojans), "advice", "linux",
		e->advice_linux, "windows", e->advice_windows, "origin",
		origin_names[e->origin]);

	if (port < 0 && e->lo == e->hi)
		port = e->lo;
	if (o && port >= 0)
		json_object_set_new(
			o, "iana",
			iana_json((uint16_t)port, (uint16_t)port, e->protos));
	else if (o)
		json_object_set_new(o, "iana", json_array());
	return o;
}

/* ---- human output ---------------------------------------------------------- */

static void print_field(const struct info_run *r, const char *label,
			const char *text)
{
	if (!*text)
		return;
	printf("  %-9s ", label);
	if (r->cli->stdout_tty)
		cli_print_wrapped(stdout, text, 12, r->opt.width);
	else
		printf("%s\n", text);
}

static void print_class(const struct info_run *r, uint16_t port)
{
	static const char *const spans[] = {"0-1023", "1024-49151",
					    "49152-65535"};
	enum portier_port_class c = portier_port_class(port);

	printf("  %-9s %s (%s)", "class", portier_port_class_name(c), spans[c]);
	if (r->opt.have_eph && port >= r->opt.eph_lo && port <= r->opt.eph_hi)
		printf("; inside this host's ephemeral range %u-%u, so it is "
		       "also a normal local port of outgoing connections",
		       r->opt.eph_lo, r->opt.eph_hi);
	putchar('\n');
}

static void print_iana(uint16_t lo, uint16_t hi, unsigned protos)
{
	const struct portier_iana_entry *e;
	size_t i = portier_iana_lower_bound(lo);
	bool first = true;

	while ((e = iana_next(&i, hi, protos))) {
		printf("  %-9s %u/%s %s%s%s\n", first ? "iana" : "", e->port,
		       portier_proto_name(e->proto), e->name,
		       *e->description ? " - " : "", e->description);
		first = false;
	}
	if (first)
		printf("  %-9s no assignment\n", "iana");
}

/* One entry in full; port is the port asked about (inside e's range). */
static void print_entry(struct info_run *r, const struct portier_kb_entry *e,
			uint16_t port)
{
	const struct cli *cli = r->cli;
	char span[16];

	if (e->lo == e->hi)
		snprintf(span, sizeof(span), "%u", e->lo);
	else
		snprintf(span, sizeof(span), "%u-%u", e->lo, e->hi);
	if (r->printed++)
		putchar('\n');
	printf("%s%s/%s %s%s  risk %s%s%s, belongs on %s%s\n",
	       cli_color_on(cli, CLI_BOLD), span, portier_proto_name(e->protos),
	       e->service, cli_color_off(cli),
	       cli_color_on(cli, cli_risk_color(e->risk)),
	       portier_risk_name(e->risk), cli_color_off(cli),
	       e->scope == PORTIER_SCOPE_LOCAL ? "loopback only"
	       : e->scope == PORTIER_SCOPE_LAN ? "a trusted LAN only"
					       : "any network",
	       e->origin == PORTIER_KB_BUILTIN ? ""
	       : e->origin == PORTIER_KB_SITE  ? " (site overlay)"
					       : " (user overlay)");
	print_iana(port, port, e->protos);
	print_class(r, port);
	print_field(r, "what", e->summary);
	print_field(r, "danger", e->danger);
	print_field(r, "trojans", e->trojans);
	print_field(r, "linux", e->advice_linux);
	print_field(r, "windows", e->advice_windows);
}

static void print_bare_port(struct info_run *r, uint16_t port, unsigned protos)
{
	if (r->opt.json) {
		json_t *o = json_pack(
			"{s:i, s:i, s:s, s:s, s:n}", "port", port, "port_end",
			port, "proto", portier_proto_name(protos), "class",
			portier_port_class_name(portier_port_class(port)),
			"risk");

		if (o)
			json_object_set_new(o, "iana",
					    iana_json(port, port, protos));
		(void)cli_json_line(stdout, o);
		return;
	}
	if (r->printed++)
		putchar('\n');
	printf("%s%u%s\n", cli_color_on(r->cli, CLI_BOLD), port,
	       cli_color_off(r->cli));
	print_iana(port, port, protos);
	print_class(r, port);
	printf("  %-9s portier has no notes on this port\n", "notes");
}

/* ---- one row per entry (ranges, searches, lists) ------------------------- */

static const char *const row_headers[] = {"PORT", "PROTO", "SERVICE", "RISK",
					  "WHAT"};

static void add_row(struct info_run *r, const char *port, const char *proto,
		    const char *service, const char *risk, const char *what)
{
	const char *cells[] = {port, proto, service, risk, what};

	if (!r->table)
		r->table = cli_table_new(5, row_headers);
	if (r->table)
		cli_table_add(r->table, cells);
}

static void emit_entry(struct info_run *r, const struct portier_kb_entry *e)
{
	char port[16];

	if (r->opt.json) {
		(void)cli_json_line(stdout, entry_json(e, -1));
		return;
	}
	if (e->lo == e->hi)
		snprintf(port, sizeof(port), "%u", e->lo);
	else
		snprintf(port, sizeof(port), "%u-%u", e->lo, e->hi);
	if (r->opt.trojans) {
		/* today's assignment beside the history: evidence, not proof */
		const char *now =
			portier_kb_service_name(NULL, e->lo, e->protos);

		add_row(r, port, portier_proto_name(e->protos),
			now ? now : "(unassigned)", portier_risk_name(e->risk),
			e->trojans);
		return;
	}
	add_row(r, port, portier_proto_name(e->protos), e->name,
		portier_risk_name(e->risk), e->summary);
}

static void emit_iana(struct info_run *r, const struct portier_iana_entry *e)
{
	char port[8];

	if (r->opt.json) {
		(void)cli_json_line(
			stdout, json_pack("{s:i, s:s, s:s, s:s, s:s}", "port",
					  e->port, "proto",
					  portier_proto_name(e->proto), "class",
					  portier_port_class_name(
						  portier_port_class(e->port)),
					  "service", e->name,
					  "iana_description", e->description));
		return;
	}
	snprintf(port, sizeof(port), "%u", e->port);
	add_row(r, port, portier_proto_name(e->proto), e->name, "-",
		*e->description ? e->description : "(IANA assignment)");
}

static void collect(struct info_run *r, uint16_t port,
		    const struct portier_kb_entry *e,
		    const struct portier_iana_entry *iana)
{
	if (r->n_rows == r->cap_rows) {
		size_t cap = r->cap_rows ? r->cap_rows * 2 : 64;
		struct info_row *grown = realloc(r->rows, cap * sizeof(*grown));

		if (!grown)
			return;
		r->rows = grown;
		r->cap_rows = cap;
	}
	r->rows[r->n_rows] = (struct info_row){port, r->n_rows, e, iana};
	r->n_rows++;
}

static void row_entry(const struct portier_kb_entry *e, void *ctx)
{
	collect(ctx, e->lo, e, NULL);
}

static void row_iana(const struct portier_iana_entry *e, void *ctx)
{
	collect(ctx, e->port, NULL, e);
}

static int row_cmp(const void *a, const void *b)
{
	const struct info_row *x = a, *y = b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* An IANA row adds nothing when a listed own entry covers it. */
static bool covered(const struct info_run *r,
		    const struct portier_iana_entry *e)
{
	size_t i;

	for (i = 0; i < r->n_rows; i++) {
		const struct portier_kb_entry *own = r->rows[i].entry;

		if (own && own->lo <= e->port && own->hi >= e->port &&
		    (own->protos & e->proto))
			return true;
	}
	return false;
}

/* Print the collected rows in port order, as a table or JSON Lines. */
static void flush_table(struct info_run *r)
{
	size_t i;

	if (r->n_rows > 1)
		qsort(r->rows, r->n_rows, sizeof(*r->rows), row_cmp);
	for (i = 0; i < r->n_rows; i++) {
		if (r->rows[i].entry)
			emit_entry(r, r->rows[i].entry);
		else if (!covered(r, r->rows[i].iana))
			emit_iana(r, r->rows[i].iana);
	}
	free(r->rows);
	r->rows = NULL;
	r->n_rows = r->cap_rows = 0;
	if (!r->table)
		return;
	if (r->printed++)
		putchar('\n');
	cli_table_print(r->table, stdout);
	cli_table_free(r->table);
	r->table = NULL;
}

/* ---- queries ---------------------------------------------------------------- */

static void show_port(struct info_run *r, uint16_t port, unsigned protos)
{
	const struct portier_kb_entry *found[16];
	size_t n = portier_kb_find(r->kb, port, protos, found, 16), i;

	if (n > 16)
		n = 16;
	if (!n) {
		print_bare_port(r, port, protos);
		return;
	}
	for (i = 0; i < n; i++) {
		if (r->opt.json)
			(void)cli_json_line(stdout, entry_json(found[i], port));
		else
			print_entry(r, found[i], port);
	}
}

static void show_range(struct info_run *r, uint16_t lo, uint16_t hi,
		       unsigned protos)
{
	const struct portier_iana_entry *ia;
	size_t i;

	for (i = 0; i < portier_kb_count(r->kb); i++) {
		const struct portier_kb_entry *e = portier_kb_at(r->kb, i);

		if (e->lo <= hi && e->hi >= lo && (e->protos & protos))
			row_entry(e, r);
	}
	i = portier_iana_lower_bound(lo);
	while ((ia = iana_next(&i, hi, protos)))
		row_iana(ia, r);
	flush_table(r);
}

static void show_list(struct info_run *r)
{
	size_t i;

	for (i = 0; i < portier_kb_count(r->kb); i++) {
		const struct portier_kb_entry *e = portier_kb_at(r->kb, i);

		if ((r->opt.trojans && *e->trojans) ||
		    (r->opt.risky && e->risk >= PORTIER_RISK_MEDIUM) ||
		    r->opt.all)
			row_entry(e, r);
	}
	flush_table(r);
}

static bool looks_numeric(const char *s)
{
	if (*s == '-')
		s++;
	return *s >= '0' && *s <= '9';
}

static int query(struct info_run *r, const char *arg)
{
	struct portier_err err = {0};
	uint16_t lo, hi;
	unsigned protos;

	if (!*arg) {
		cli_error(r->cli, "empty query ''");
		cli_hint("ask for a port (445), a range (6970-7170), a "
			 "protocol (137/udp) or a word (smb)");
		return EXIT_USAGE;
	}
	if (looks_numeric(arg)) {
		if (cli_parse_port_arg(arg, &lo, &hi, &protos, &err) < 0)
			return cli_report(r->cli, &err);
		if (lo == hi)
			show_port(r, lo, protos);
		else
			show_range(r, lo, hi, protos);
		return EXIT_OK;
	}
	if (!portier_kb_search(r->kb, arg, row_entry, row_iana, r)) {
		cli_error(r->cli, "nothing known matches '%s'", arg);
		cli_hint("search words are matched in service names and "
			 "descriptions, e.g. 'portier info netbios'");
		return EXIT_USAGE;
	}
	flush_table(r);
	return EXIT_OK;
}

static int cmd_info(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"trojans", no_argument, NULL, 'T'},
		{"risky", no_argument, NULL, 'R'},
		{"all", no_argument, NULL, 'A'},
		{NULL, 0, NULL, 0},
	};
	struct info_run r = {.cli = cli};
	int c, i, rc = EXIT_OK;

	/* "-5" is a bad port, not an unknown option */
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (argv[i][0] == '-' && argv[i][1] >= '0' &&
		    argv[i][1] <= '9') {
			cli_error(cli, "bad port '%s'", argv[i]);
			cli_hint("a port is a number from 0 to 65535");
			return EXIT_USAGE;
		}
	}
	while ((c = cli_getopt(cli, argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			r.opt.json = true;
			break;
		case 'T':
			r.opt.trojans = true;
			break;
		case 'R':
			r.opt.risky = true;
			break;
		case 'A':
			r.opt.all = true;
			break;
		default: /* cli_getopt said why */
			return EXIT_USAGE;
		}
	}
	if (optind == argc && !r.opt.trojans && !r.opt.risky && !r.opt.all) {
		cli_error(cli, "nothing to look up");
		cli_hint("try 'portier info 445', 'portier info smb' or "
			 "'portier info --trojans'");
		return EXIT_USAGE;
	}
	r.kb = cli_kb(cli);
	if (!r.kb)
		return EXIT_USAGE;
	r.opt.width = cli_term_width();
	r.opt.have_eph = portier_ephemeral_range(cli->proc_root, &r.opt.eph_lo,
						 &r.opt.eph_hi, NULL) == 0;
	if (r.opt.trojans || r.opt.risky || r.opt.all)
		show_list(&r);
	for (i = optind; i < argc; i++) {
		int one = query(&r, argv[i]);

		if (one != EXIT_OK)
			rc = one;
	}
	return rc;
}

const struct cli_command cli_cmd_info = {
	.name = "info",
	.run = cmd_info,
	.rank = 10,
	.summary = "what a port is for, why it is dangerous, how to close it",
	.help = "usage: portier info [--json] QUERY...\n"
		"       portier info [--json] --trojans | --risky | --all\n"
		"\n"
		"Ask the port knowledge base.  A QUERY is\n"
		"  PORT          445          everything known about one port\n"
		"  PORT/PROTO    137/udp      the same, for one protocol\n"
		"  LOW-HIGH      6970-7170    every entry and IANA assignment in a range\n"
		"  WORD          smb          service names and descriptions containing it\n"
		"\n"
		"options:\n"
		"  --trojans   list the ports that trojans and backdoors are known to have\n"
		"              used (evidence, not proof: many are real services today)\n"
		"  --risky     list the ports that are medium or high risk when exposed\n"
		"  --all       list every entry of portier's own notes\n"
		"  --json      JSON Lines, one object per entry (docs/json.md)\n"
		"\n"
		"For each port: IANA's assignment, its class (well-known 0-1023,\n"
		"registered 1024-49151, dynamic 49152-65535, and whether it lies in this\n"
		"host's ephemeral range), what it is for, why it is dangerous when exposed,\n"
		"the trojans known to have used it, and how to close it on Linux and on\n"
		"Windows.  Entries in /etc/portier/ports.tsv and ~/.config/portier/ports.tsv\n"
		"add to or replace the built-in ones (format: data/README.md).\n"
		"\n"
		"examples:\n"
		"  portier info 445\n"
		"  portier info 137/udp 139\n"
		"  portier info netbios\n"
		"  portier info --trojans\n",
};
