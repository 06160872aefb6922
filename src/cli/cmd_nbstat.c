/*
 * cmd_nbstat.c - `portier nbstat`: what one UDP packet to port 137 makes a
 * host reveal (the `nbtstat -A` / `nbtscan` / `nmblookup -A` view).
 *
 * The library sweeps the targets (probe module); this file only turns each
 * host's outcome into an nbtscan-like line, an nmblookup-like table (-v) or
 * a JSON object, and says in one line what the host leaks and how to stop
 * it, from the knowledge base's advice for 137/udp.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "portier/probe.h"

#define NBSTAT_MAX_TARGETS 65536

struct nbstat_run {
	struct cli *cli;
	bool json, verbose, all, quiet;
	const char *raw_dir;
	const struct portier_kb_entry *kb137;
	unsigned answered, malformed, silent, refused, failed;
	bool header_done;
};

static void mac_str(const uint8_t mac[6], char *buf, size_t cap)
{
	snprintf(buf, cap, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

/* "file server, master browser" */
static void roles_str(unsigned roles, char *buf, size_t cap)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{PORTIER_NB_ROLE_FILE_SERVER, "file server"},
		{PORTIER_NB_ROLE_DOMAIN_CONTROLLER, "domain controller"},
		{PORTIER_NB_ROLE_DOMAIN_MASTER, "domain master browser"},
		{PORTIER_NB_ROLE_MASTER_BROWSER, "master browser"},
		{PORTIER_NB_ROLE_IIS, "IIS"},
	};
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(roles & names[i].bit))
			continue;
		used += (size_t)snprintf(buf + used, cap - used, "%s%s",
					 used ? ", " : "", names[i].name);
		if (used >= cap)
			break;
	}
}

static const char *role_key(unsigned bit)
{
	switch (bit) {
	case PORTIER_NB_ROLE_FILE_SERVER:
		return "file_server";
	case PORTIER_NB_ROLE_DOMAIN_CONTROLLER:
		return "domain_controller";
	case PORTIER_NB_ROLE_DOMAIN_MASTER:
		return "domain_master_browser";
	case PORTIER_NB_ROLE_MASTER_BROWSER:
		return "master_browser";
	case PORTIER_NB_ROLE_MESSENGER:
		return "messenger";
	default:
		return "iis";
	}
}

/* What the host gives away, in one sentence (no advice). */
static void leak_str(const struct portier_nbstat_summary *s,
		     const struct portier_nbstat_reply *r, char *buf,
		     size_t cap)
{
	char roles[128];
	size_t used;

	roles_str(s->roles, roles, sizeof(roles));
	used = (size_t)snprintf(buf, cap, "gives anyone %u names: computer %s",
				r->n_names, s->computer[0] ? s->computer : "?");
	if (s->workgroup[0] && used < cap)
		used += (size_t)snprintf(buf + used, cap - used,
					 ", workgroup/domain %s", s->workgroup);
	if (s->user[0] && used < cap)
		used += (size_t)snprintf(buf + used, cap - used,
					 ", logged-on user %s", s->user);
	if (roles[0] && used < cap)
		used += (size_t)snprintf(buf + used, cap - used, ", roles: %s",
					 roles);
	if (r->have_mac && !s->mac_zero && used < cap)
		snprintf(buf + used, cap - used, ", its MAC address");
}

/* The advice that fits: Samba sends a zero MAC, Windows a real one. */
static const char *advice(const struct nbstat_run *run,
			  const struct portier_nbstat_summary *s)
{
	if (!run->kb137)
		return "block 137/udp at the edge; disable NetBIOS over TCP/IP "
		       "(Windows) or stop nmbd (Samba)";
	return s->mac_zero ? run->kb137->advice_linux
			   : run->kb137->advice_windows;
}

static const char *status_word(int status)
{
	switch (status) {
	case 0:
		return "ok";
	case PORTIER_EPROTO:
		return "malformed";
	case -ETIMEDOUT:
		return "timeout";
	case -ECONNREFUSED:
		return "refused";
	default:
		return "error";
	}
}

static void print_json(const struct nbstat_run *run,
		       const struct portier_nbstat_result *r, const char *ip)
{
	json_t *o = json_pack("{s:s, s:s, s:i}", "host", ip, "status",
			      status_word(r->status), "queries", r->queries);
	struct portier_nbstat_summary s;
	char mac[32], leak[512];
	json_t *names, *roles;
	unsigned bit;
	uint16_t i;
	char *text;

	if (!o)
		return;
	if (r->status != 0) {
		json_object_set_new(o, "error", json_string(r->err.msg));
		goto print;
	}
	portier_nbstat_summarize(&r->reply, &s);
	json_object_set_new(o, "rtt_ms", json_real(r->rtt_us / 1000.0));
	json_object_set_new(o, "computer", s.computer[0]
				   ? json_string(s.computer) : json_null());
	json_object_set_new(o, "workgroup", s.workgroup[0]
				   ? json_string(s.workgroup) : json_null());
	json_object_set_new(o, "user",
			    s.user[0] ? json_string(s.user) : json_null());
	roles = json_array();
	for (bit = 1; bit <= PORTIER_NB_ROLE_IIS; bit <<= 1)
		if (s.roles & bit)
			json_array_append_new(roles, json_string(role_key(bit)));
	json_object_set_new(o, "roles", roles);
	mac_str(r->reply.mac, mac, sizeof(mac));
	json_object_set_new(o, "mac",
			    r->reply.have_mac ? json_string(mac) : json_null());
	names = json_array();
	for (i = 0; i < r->reply.n_names; i++) {
		const struct portier_nb_name *n = &r->reply.names[i];
		char suffix[4];

		snprintf(suffix, sizeof(suffix), "%02X", n->suffix);
		json_array_append_new(
			names,
			json_pack("{s:s, s:s, s:b, s:s, s:b, s:b, s:b, s:b, "
				  "s:i, s:s}",
				  "name", n->name, "suffix", suffix, "group",
				  (n->flags & PORTIER_NB_FLAG_GROUP) != 0,
				  "node_type", portier_nb_node_type(n->flags),
				  "active",
				  (n->flags & PORTIER_NB_FLAG_ACT) != 0,
				  "conflict",
				  (n->flags & PORTIER_NB_FLAG_CNF) != 0,
				  "permanent",
				  (n->flags & PORTIER_NB_FLAG_PRM) != 0,
				  "deregistering",
				  (n->flags & PORTIER_NB_FLAG_DRG) != 0,
				  "flags", n->flags, "meaning",
				  portier_nb_name_meaning(n)));
	}
	json_object_set_new(o, "names", names);
	leak_str(&s, &r->reply, leak, sizeof(leak));
	json_object_set_new(o, "leak", json_string(leak));
	json_object_set_new(o, "advice", json_string(advice(run, &s)));
print:
	text = json_dumps(o, JSON_COMPACT);
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(o);
}

static void print_table(const struct portier_nbstat_result *r, const char *ip)
{
	char mac[32];
	uint16_t i;

	printf("Looking up status of %s\n", ip);
	for (i = 0; i < r->reply.n_names; i++) {
		const struct portier_nb_name *n = &r->reply.names[i];

		printf("\t%-15s <%02x> - %-7s %s%s%s%s%s  %s\n", n->name,
		       n->suffix,
		       (n->flags & PORTIER_NB_FLAG_GROUP) ? "<GROUP>" : "",
		       portier_nb_node_type(n->flags),
		       (n->flags & PORTIER_NB_FLAG_ACT) ? " <ACTIVE>" : "",
		       (n->flags & PORTIER_NB_FLAG_CNF) ? " <CONFLICT>" : "",
		       (n->flags & PORTIER_NB_FLAG_PRM) ? " <PERMANENT>" : "",
		       (n->flags & PORTIER_NB_FLAG_DRG) ? " <DEREGISTERING>"
							 : "",
		       portier_nb_name_meaning(n));
	}
	mac_str(r->reply.mac, mac, sizeof(mac));
	for (i = 0; mac[i]; i++)
		if (mac[i] == ':')
			mac[i] = '-';
	printf("\n\tMAC Address = %s\n",
	       r->reply.have_mac ? mac : "(not sent)");
}

static void save_raw(const struct nbstat_run *run,
		     const struct portier_nbstat_result *r, const char *ip)
{
	char path[4096];
	FILE *f;

	if (!run->raw_dir || !r->raw_len)
		return;
	snprintf(path, sizeof(path), "%s/nbstat-%s.bin", run->raw_dir, ip);
	f = fopen(path, "wb");
	if (!f || fwrite(r->raw, 1, r->raw_len, f) != r->raw_len)
		cli_error(run->cli, "cannot write '%s': %s", path,
			  strerror(errno));
	if (f)
		fclose(f);
}

static void on_result(const struct portier_nbstat_result *r, void *ctx)
{
	struct nbstat_run *run = ctx;
	struct portier_nbstat_summary s;
	char ip[INET6_ADDRSTRLEN], mac[32], leak[512];
	const struct cli *cli = run->cli;

	portier_probe_addr_str(&r->addr, ip, sizeof(ip));
	save_raw(run, r, ip);
	switch (r->status) {
	case 0:
		run->answered++;
		break;
	case PORTIER_EPROTO:
		run->malformed++;
		break;
	case -ETIMEDOUT:
		run->silent++;
		break;
	case -ECONNREFUSED:
		run->refused++;
		break;
	default:
		run->failed++;
		break;
	}
	if (run->json) {
		if (r->status == 0 || r->status == PORTIER_EPROTO || run->all)
			print_json(run, r, ip);
		return;
	}
	if (r->status != 0) {
		/* a malformed reply is always shown: something answered */
		if (r->status == PORTIER_EPROTO || run->all)
			printf("%-16s %s%s: %s%s\n", ip,
			       cli_color_on(cli, CLI_RED),
			       status_word(r->status), r->err.msg,
			       cli_color_off(cli));
		return;
	}
	portier_nbstat_summarize(&r->reply, &s);
	if (run->verbose) {
		if (run->answered + run->malformed > 1)
			putchar('\n');
		print_table(r, ip);
	} else {
		if (!run->header_done && !run->quiet) {
			printf("%-16s %-15s  %-8s  %-15s  %s\n", "IP address",
			       "NetBIOS Name", "Server", "User",
			       "MAC address");
			run->header_done = true;
		}
		mac_str(r->reply.mac, mac, sizeof(mac));
		printf("%-16s %-15s  %-8s  %-15s  %s\n", ip,
		       s.computer[0] ? s.computer : "<unknown>",
		       (s.roles & PORTIER_NB_ROLE_FILE_SERVER) ? "<server>"
							       : "",
		       s.user[0] ? s.user : "<unknown>",
		       r->reply.have_mac ? mac : "-");
	}
	if (!run->quiet) {
		leak_str(&s, &r->reply, leak, sizeof(leak));
		printf("  %sleak:%s %s; %s\n", cli_color_on(cli, CLI_YELLOW),
		       cli_color_off(cli), leak, advice(run, &s));
	}
}

static int parse_num(const struct cli *cli, const char *opt, const char *s,
		     unsigned long lo, unsigned long hi, unsigned *out)
{
	unsigned long v;

	if (portier_parse_ulong(s, lo, hi, &v) < 0) {
		cli_error(cli, "bad %s '%s'", opt, s);
		cli_hint("%s takes a number from %lu to %lu", opt, lo, hi);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int cmd_nbstat(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"rate", required_argument, NULL, 'r'},
		{"retries", required_argument, NULL, 'R'},
		{"timeout", required_argument, NULL, 't'},
		{"verbose", no_argument, NULL, 'v'},
		{"json", no_argument, NULL, 'j'},
		{"all", no_argument, NULL, 'a'},
		{"quiet", no_argument, NULL, 'q'},
		{"raw-dir", required_argument, NULL, 'D'},
		{NULL, 0, NULL, 0},
	};
	struct portier_nbstat_opts opt = {.rate = 0, .retries = 1,
					  .timeout_ms = 1000};
	struct nbstat_run run = {.cli = cli};
	struct portier_err err = {0};
	struct portier_probe_addr *targets = NULL;
	struct portier_kb *kb;
	struct stat st;
	size_t n;
	int c, rc;

	while ((c = getopt_long(argc, argv, "vaq", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (parse_num(cli, "--rate", optarg, 0, 1000000,
				      &opt.rate) < 0)
				return EXIT_USAGE;
			break;
		case 'R':
			if (parse_num(cli, "--retries", optarg, 0, 10,
				      &opt.retries) < 0)
				return EXIT_USAGE;
			break;
		case 't':
			if (parse_num(cli, "--timeout", optarg, 10, 60000,
				      &opt.timeout_ms) < 0)
				return EXIT_USAGE;
			break;
		case 'v':
			run.verbose = true;
			break;
		case 'j':
			run.json = true;
			break;
		case 'a':
			run.all = true;
			break;
		case 'q':
			run.quiet = true;
			break;
		case 'D':
			run.raw_dir = optarg;
			break;
		default:
			cli_hint("see 'portier nbstat --help'");
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		cli_error(cli, "no targets given");
		cli_hint("name the hosts to ask: 'portier nbstat 198.19.1.2' "
			 "or a block 'portier nbstat 198.19.1.0/24'");
		return EXIT_USAGE;
	}
	if (run.raw_dir && (stat(run.raw_dir, &st) < 0 || !S_ISDIR(st.st_mode))) {
		cli_error(cli, "--raw-dir '%s' is not a directory", run.raw_dir);
		cli_hint("create it first (mkdir -p '%s')", run.raw_dir);
		return EXIT_USAGE;
	}
	if (portier_probe_targets_parse(argv + optind, (size_t)(argc - optind),
					NBSTAT_MAX_TARGETS, &targets, &n,
					&err) < 0)
		return cli_report(cli, &err);
	kb = cli_kb(cli);
	run.kb137 = kb ? portier_kb_best(kb, 137, PORTIER_PROTO_UDP) : NULL;
	if (cli->stderr_tty && n > 256 && !run.json)
		cli_notice(cli, "asking %zu hosts", n);
	rc = portier_nbstat_sweep(targets, n, &opt, on_result, &run, &err);
	portier_free(targets);
	if (rc < 0)
		return cli_report(cli, &err);
	if (!run.json && !run.quiet)
		fprintf(stderr,
			"portier nbstat: %zu host%s asked, %u answered, %u "
			"malformed, %u silent, %u refused (137/udp closed)%s\n",
			n, n == 1 ? "" : "s", run.answered, run.malformed,
			run.silent, run.refused, run.failed ? ", errors" : "");
	return run.answered || run.malformed ? EXIT_FINDINGS : EXIT_OK;
}

const struct cli_command cli_cmd_nbstat = {
	.name = "nbstat",
	.run = cmd_nbstat,
	.rank = 50,
	.summary = "what NetBIOS (137/udp) reveals: names, users, MAC "
		   "(nbtstat -A)",
	.help =
	"usage: portier nbstat [-v|--json] [--rate N] [--retries N]\n"
	"                      [--timeout MS] [-a] [-q] [--raw-dir DIR] TARGET...\n"
	"\n"
	"Send one NetBIOS node status query (RFC 1002) for the name '*' to\n"
	"137/udp of every target and show what each host gives away: its\n"
	"computer name, workgroup or domain, logged-on user, roles (file\n"
	"server, domain controller, master browser) and the MAC address,\n"
	"with one line on how to stop the leak.  Like nbtscan, nbtstat -A\n"
	"and nmblookup -A.  Only hosts that answer are listed; a summary\n"
	"goes to stderr.  Nothing is ever sent to a broadcast address.\n"
	"\n"
	"A TARGET is an address (198.19.1.2), a block (198.19.1.0/24: its\n"
	"network and broadcast addresses are skipped) or a range\n"
	"(198.19.1.10-20, 198.19.1.10-198.19.1.20).  IPv4 only: NetBIOS\n"
	"has no IPv6 name service.  At most 65536 targets.\n"
	"\n"
	"options:\n"
	"  --rate N       at most N queries per second (default: unlimited)\n"
	"  --retries N    query a silent host N more times (default 1, 0-10);\n"
	"                 the queries are spread evenly over the timeout\n"
	"  --timeout MS   give a host MS milliseconds from its first query\n"
	"                 (default 1000, 10-60000)\n"
	"  -v, --verbose  every name with its suffix, GROUP flag, node type\n"
	"                 and state, like nmblookup -A\n"
	"  --json         JSON Lines, one object per host (docs/json-probe.md)\n"
	"  -a, --all      also list hosts that did not answer\n"
	"  -q, --quiet    no header, no leak lines, no summary\n"
	"  --raw-dir DIR  save every reply as DIR/nbstat-IP.bin (for bug\n"
	"                 reports and test fixtures)\n"
	"\n"
	"exit status: 0 no host answered, 1 some host revealed its names,\n"
	"2 bad usage, 3 the sweep could not run.\n"
	"\n"
	"examples:\n"
	"  portier nbstat 198.19.1.2\n"
	"  portier nbstat -v 198.19.1.2\n"
	"  portier nbstat --rate 500 --retries 2 198.19.1.0/24\n"
	"  portier nbstat --json 198.19.1.1-50 > names.jsonl\n",
};
