/*
 * cmd_diff.c - `portier diff`: what changed between two snapshots of the
 * store (events), or between two scan files (nmap's XML or portier's JSON
 * Lines), printed and judged like nmap's ndiff: exit 0 the same, 1
 * different, 2 error.
 */
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/store_out.h"

static const char diff_help[] =
	"usage: portier diff [--store PATH] [--json] [--scans] [A B]\n"
	"\n"
	"Without arguments: the events between the last two snapshots of the\n"
	"host that took the store's last one (a fleet's store holds many\n"
	"hosts').  With two snapshot ids (see portier history --list): the\n"
	"events from A to B.  With two scan files (portier scan -oJ, or nmap\n"
	"or portier -oX): the port changes, as ndiff prints them.  With\n"
	"--scans: the changes between two scans kept in the store (portier\n"
	"scan --store, portier snapshot --import), the last two without ids,\n"
	"as events: NEW (a port open now), GONE (open before), SERVICE_CHANGED\n"
	"(open on both sides, another service, product or version), CHANGED\n"
	"(anything else ndiff would show).\n"
	"\n"
	"Events: NEW, GONE, REBOUND (the same port on another address),\n"
	"OWNER_CHANGED (another program), BINARY_MODIFIED (the same program\n"
	"path, another SHA-256), each with its risk (the audit's verdict or\n"
	"the port's kb risk; a new listener of a deleted program, or of one\n"
	"no Debian package ships, is high).\n"
	"A new pid of the same program is no event, nor a UDP socket in the\n"
	"ephemeral port range (a client's).\n"
	"\n"
	"  --store PATH   the database (see portier snapshot --help)\n"
	"  --json         one JSON object per event or port change\n"
	"  --scans        A and B are ids of stored scans (printed when\n"
	"                 they were stored)\n"
	"\n"
	"exit: 0 no change, 1 changes, 2 bad usage or an unreadable scan file,\n"
	"3 the store could not be read (a newer, foreign or damaged one)\n";

enum { OPT_STORE = 256, OPT_JSON, OPT_SCANS };

static const struct option long_opts[] = {
	{"store", required_argument, NULL, OPT_STORE},
	{"json", no_argument, NULL, OPT_JSON},
	{"scans", no_argument, NULL, OPT_SCANS},
	{NULL, 0, NULL, 0},
};

struct diff_args {
	const char *store;
	bool json, scans;
	const char *a, *b;
};

static int parse_args(struct cli *cli, int argc, char **argv,
		      struct diff_args *a)
{
	int c;

	optind = 1;
	while ((c = cli_getopt(cli, argc, argv, "", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_STORE:
			a->store = optarg;
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_SCANS:
			a->scans = true;
			break;
		default: /* cli_getopt said why */
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 0 && argc - optind != 2) {
		cli_error(cli, "diff takes no argument or two (snapshot ids or "
			       "scan files)");
		cli_usage_hint(cli);
		return EXIT_USAGE;
	}
	if (argc - optind == 2) {
		a->a = argv[optind];
		a->b = argv[optind + 1];
	}
	return -1;
}

/* ---- two scan files ------------------------------------------------------ */

static void port_line(char mark, const struct portier_scan_port *p, FILE *f)
{
	char svc[PORTIER_TEXT_MAX(128)];

	portier_text_clean(svc, sizeof svc, p->service, PORTIER_TEXT_TERM);
	fprintf(f, "%c%u/%s %s%s%s\n", mark, p->port,
		portier_proto_name(p->proto), p->state, *svc ? " " : "", svc);
}

/* "closed=998;filtered=2" as ndiff says it: "998 closed ports, 2 ..." */
static void extra_line(char mark, const char *extra, FILE *f)
{
	const char *p = extra;

	fprintf(f, "%cNot shown: ", mark);
	while (*p) {
		size_t n = strcspn(p, "=");
		const char *count = p + n + (p[n] == '=');
		size_t m = strcspn(count, ";");

		fprintf(f, "%s%.*s %.*s ports", p == extra ? "" : ", ", (int)m,
			count, (int)n, p);
		p = count + m + (count[m] == ';');
	}
	fputc('\n', f);
}

static void host_text(const struct portier_scan_change *c, FILE *f)
{
	const struct portier_scan_host *ha = c->ha, *hb = c->hb;

	if (!c->a && !c->b) {
		if (strcmp(ha ? ha->state : "", hb ? hb->state : "")) {
			if (ha && *ha->state)
				fprintf(f, "-Host is %s.\n", ha->state);
			if (hb && *hb->state)
				fprintf(f, "+Host is %s.\n", hb->state);
		}
		if (strcmp(ha ? ha->extraports : "",
			   hb ? hb->extraports : "")) {
			if (ha && *ha->extraports)
				extra_line('-', ha->extraports, f);
			if (hb && *hb->extraports)
				extra_line('+', hb->extraports, f);
		}
		return;
	}
	/* ndiff leaves out the side whose state is an extra-ports one. */
	if (c->show_a)
		port_line('-', c->a, f);
	if (c->show_b)
		port_line('+', c->b, f);
}

static int change_json(const struct portier_scan_change *c, FILE *f)
{
	const struct portier_scan_host *h = c->ha ? c->ha : c->hb;
	const struct portier_scan_port *p = c->a ? c->a : c->b;
	int kind = portier_scan_change_kind(c);
	json_t *o;

	if (!p)
		o = json_pack("{s:s, s:o, s:s, s:s, s:s, s:s}", "type",
			      "host-change", "host", cli_json_string(h->name),
			      "state_a", c->ha ? c->ha->state : "", "state_b",
			      c->hb ? c->hb->state : "", "extraports_a",
			      c->ha ? c->ha->extraports : "", "extraports_b",
			      c->hb ? c->hb->extraports : "");
	else
		o = json_pack("{s:s, s:o, s:i, s:s, s:o, s:o}", "type",
			      "port-change", "host", cli_json_string(h->name),
			      "port", p->port, "proto",
			      portier_proto_name(p->proto), "a",
			      store_out_scan_port_json(c->a), "b",
			      store_out_scan_port_json(c->b));
	if (o && p)
		json_object_set_new(
			o, "event",
			kind < 0 ? json_null()
				 : json_string(portier_event_name(
					   (enum portier_event_kind)kind)));
	return cli_json_line(f, o);
}

static int diff_files(struct cli *cli, const struct diff_args *a)
{
	struct portier_err err = {0};
	struct portier_scan_file *fa = NULL, *fb = NULL;
	struct portier_scan_change *ch = NULL;
	size_t n = 0;
	int rc;

	if ((rc = portier_scan_file_read(a->a, &fa, &err)) ||
	    (rc = portier_scan_file_read(a->b, &fb, &err)) ||
	    (rc = portier_scan_file_diff(fa, fb, &ch, &n, &err))) {
		cli_report(cli, &err);
		rc = EXIT_USAGE; /* ndiff's "error" */
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct portier_scan_host *h =
			ch[i].ha ? ch[i].ha : ch[i].hb;

		if (a->json) {
			if (change_json(&ch[i], stdout) < 0) {
				cli_error(cli, "out of memory writing JSON");
				rc = EXIT_USAGE;
				goto out;
			}
			continue;
		}
		if (!i || ch[i - 1].ha != ch[i].ha ||
		    ch[i - 1].hb != ch[i].hb) {
			char name[PORTIER_TEXT_MAX(400)];

			portier_text_clean(name, sizeof name, h->name,
					   PORTIER_TEXT_TERM);
			printf("%s%c%s:\n", i ? "\n" : "",
			       !ch[i].ha   ? '+'
			       : !ch[i].hb ? '-'
					   : ' ',
			       name);
		}
		host_text(&ch[i], stdout);
	}
	rc = n ? EXIT_FINDINGS : EXIT_OK;
out:
	portier_free(ch);
	portier_scan_file_free(fa);
	portier_scan_file_free(fb);
	return rc;
}

/* ---- two snapshots ------------------------------------------------------- */

static int snapshot_id(struct cli *cli, const char *s, int64_t *id)
{
	unsigned long v;

	if (portier_parse_ulong(s, 1, INT64_MAX, &v)) {
		cli_error(cli, "'%s' is neither a snapshot id nor a scan file",
			  s);
		cli_hint("'portier history --list' lists the snapshots");
		return EXIT_USAGE;
	}
	*id = (int64_t)v;
	return 0;
}

/* The ids A and B when given (0 otherwise), and the store opened. */
static int open_ids(struct cli *cli, const struct diff_args *a,
		    struct portier_store **st, int64_t *ia, int64_t *ib)
{
	int rc;

	if (a->a && ((rc = snapshot_id(cli, a->a, ia)) ||
		     (rc = snapshot_id(cli, a->b, ib))))
		return rc;
	return store_out_open(cli, a->store, false, st);
}

/* The ids of the last snapshot and of the one before it of its host. */
static int last_two(struct cli *cli, struct portier_store *st, int64_t *a,
		    int64_t *b)
{
	struct portier_err err = {0};
	struct portier_snapshot_info *info;
	size_t n, i = 0;

	if (portier_store_list(st, &info, &n, &err))
		return cli_report(cli, &err);
	for (i = n > 1 ? n - 1 : 0; i-- > 0;)
		if (portier_snapshot_same_host(&info[i], &info[n - 1]))
			break;
	if (i == (size_t)-1) {
		if (n < 2)
			cli_error(cli,
				  "the store holds %zu snapshot%s: nothing to "
				  "compare",
				  n, n == 1 ? "" : "s");
		else
			cli_error(cli,
				  "snapshot %lld is the first of its host: "
				  "nothing to compare",
				  (long long)info[n - 1].id);
		portier_free(info);
		cli_hint("run 'portier snapshot' again later");
		return EXIT_USAGE;
	}
	*a = info[i].id;
	*b = info[n - 1].id;
	portier_free(info);
	return 0;
}

static int diff_snapshots(struct cli *cli, const struct diff_args *a)
{
	struct portier_err err = {0};
	struct portier_store *st = NULL;
	struct portier_snapshot *sa = NULL, *sb = NULL;
	struct portier_event *ev = NULL;
	int64_t ia = 0, ib = 0;
	size_t n = 0;
	uint16_t lo, hi;
	int rc;

	if ((rc = open_ids(cli, a, &st, &ia, &ib)))
		return rc;
	if (!a->a && (rc = last_two(cli, st, &ia, &ib)))
		goto out;
	store_out_ephemeral(cli, &lo, &hi);
	if (portier_store_load(st, ia, &sa, &err) ||
	    portier_store_load(st, ib, &sb, &err) ||
	    portier_store_diff(sa, sb, lo, hi, &ev, &n, &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (!a->json)
			store_out_event_text(cli, &ev[i], "", stdout);
		else if (store_out_event_json(&ev[i], ia, ib, sb->time,
					      stdout) < 0) {
			cli_error(cli, "out of memory writing JSON");
			rc = EXIT_RUNTIME;
			goto out;
		}
	rc = n ? EXIT_FINDINGS : EXIT_OK;
out:
	portier_free(ev);
	portier_snapshot_free(sa);
	portier_snapshot_free(sb);
	portier_store_close(st);
	return rc;
}

/* ---- two stored scans --------------------------------------------------- */

static int diff_stored_scans(struct cli *cli, const struct diff_args *a)
{
	struct portier_err err = {0};
	struct portier_store *st = NULL;
	struct portier_scan_file *fa = NULL, *fb = NULL;
	struct portier_scan_change *ch = NULL;
	struct portier_scan_info *info = NULL;
	int64_t ia = 0, ib = 0;
	size_t n = 0;
	int rc;

	if ((rc = open_ids(cli, a, &st, &ia, &ib)))
		return rc;
	if (!a->a) {
		if (portier_store_scan_list(st, &info, &n, &err)) {
			rc = cli_report(cli, &err);
			goto out;
		}
		if (n < 2) {
			cli_error(cli,
				  "the store holds %zu scan%s: nothing to "
				  "compare",
				  n, n == 1 ? "" : "s");
			cli_hint("store scans with 'portier scan --store' or "
				 "'portier snapshot --import FILE'");
			rc = EXIT_USAGE;
			goto out;
		}
		ia = info[n - 2].id;
		ib = info[n - 1].id;
	}
	if (portier_store_scan_load(st, ia, &fa, &err) ||
	    portier_store_scan_load(st, ib, &fb, &err) ||
	    portier_scan_file_diff(fa, fb, &ch, &n, &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	rc = store_out_scan_events(cli, ch, n, a->json, stdout);
	if (!rc)
		rc = n ? EXIT_FINDINGS : EXIT_OK;
out:
	portier_free(info);
	portier_free(ch);
	portier_scan_file_free(fa);
	portier_scan_file_free(fb);
	portier_store_close(st);
	return rc;
}

/* Two arguments name scan files when either is a file that exists. */
static bool are_files(const struct diff_args *a)
{
	struct stat sb;

	return a->a && (!stat(a->a, &sb) || !stat(a->b, &sb));
}

static int cmd_diff(struct cli *cli, int argc, char **argv)
{
	struct diff_args a = {0};
	int rc = parse_args(cli, argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (a.scans)
		return diff_stored_scans(cli, &a);
	return are_files(&a) ? diff_files(cli, &a) : diff_snapshots(cli, &a);
}

const struct cli_command cli_cmd_diff = {
	.name = "diff",
	.run = cmd_diff,
	.summary = "what changed: two snapshots, or two scans (like ndiff)",
	.help = diff_help,
	.rank = 37,
};
