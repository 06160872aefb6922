/*
 * cmd_history.c - `portier history [PORT|HOST]`: the events of the store's
 * snapshots, one after the other, for one port, one host or all; or the
 * list of snapshots.
 */
#include <getopt.h>
#include <string.h>

#include "cli/store_out.h"

static const char history_help[] =
	"usage: portier history [--store PATH] [--host NAME] [--json] [--list]\n"
	"                       [PORT|HOST]\n"
	"\n"
	"The changes of this host's listeners from snapshot to snapshot (see\n"
	"portier-snapshot(1)): every listener of a host's first snapshot as\n"
	"NEW, then the events between each snapshot and the one before it\n"
	"(see portier-diff(1)).  PORT (\"22\", \"53/udp\", \"8000-8100\") keeps\n"
	"the events of those ports, HOST the snapshots taken on that host.\n"
	"Each host (name and machine id) is compared with its own snapshots\n"
	"only, so a store a fleet shares reads as one history per host.\n"
	"\n"
	"  --store PATH   the database (see portier snapshot --help)\n"
	"  --host NAME    only the snapshots of host NAME (or machine id)\n"
	"  --list         list the snapshots (id, time, host, listeners)\n"
	"  --json         JSON Lines: events (type \"event\") or snapshots\n"
	"\n"
	"exit: 0 done, 2 bad usage or no store, 3 the store could not be read\n";

enum { OPT_STORE = 256, OPT_JSON, OPT_LIST, OPT_HOST };

static const struct option long_opts[] = {
	{"store", required_argument, NULL, OPT_STORE},
	{"json", no_argument, NULL, OPT_JSON},
	{"list", no_argument, NULL, OPT_LIST},
	{"host", required_argument, NULL, OPT_HOST},
	{NULL, 0, NULL, 0},
};

struct history_args {
	const char *store;
	bool json, list;
	const char *host; /* only snapshots of this host */
	bool have_port;
	uint16_t lo, hi;
	unsigned protos;
};

static int parse_args(struct cli *cli, int argc, char **argv,
		      struct history_args *a)
{
	struct portier_err err = {0};
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
		case OPT_LIST:
			a->list = true;
			break;
		case OPT_HOST:
			a->host = optarg;
			break;
		default: /* cli_getopt said why */
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		cli_error(cli, "unexpected argument '%s'", argv[optind + 1]);
		cli_usage_hint(cli);
		return EXIT_USAGE;
	}
	if (argc - optind == 1) {
		const char *s = argv[optind];

		if (s[0] >= '0' && s[0] <= '9') {
			if (cli_parse_port_arg(s, &a->lo, &a->hi, &a->protos,
					       &err))
				return cli_report(cli, &err);
			a->have_port = true;
		} else if (a->host && strcmp(a->host, s)) {
			cli_error(cli, "two hosts: '%s' and '%s'", a->host, s);
			cli_usage_hint(cli);
			return EXIT_USAGE;
		} else {
			a->host = s;
		}
	}
	return -1;
}

/* Is snapshot x of the host asked for (all when none)? */
static bool of_host(const struct history_args *a,
		    const struct portier_snapshot_info *x)
{
	return !a->host || !strcmp(a->host, x->host) ||
	       (x->machine_id[0] && !strcmp(a->host, x->machine_id));
}

static bool wanted(const struct history_args *a, const struct portier_event *e)
{
	const struct portier_listener *x = e->b ? e->b : e->a;

	if (!a->have_port)
		return true;
	if (a->protos && !(x->proto & a->protos))
		return false;
	return (x->port >= a->lo && x->port <= a->hi) ||
	       (e->a && e->a->port >= a->lo && e->a->port <= a->hi);
}

static int list(struct cli *cli, const struct history_args *a,
		const struct portier_snapshot_info *info, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char t[32], host[PORTIER_TEXT_MAX(256)];

		if (!of_host(a, &info[i]))
			continue;
		store_out_time(info[i].time, t, sizeof t);
		if (a->json) {
			json_t *o = json_pack(
				"{s:s, s:I, s:s, s:o, s:o, s:I}", "type",
				"snapshot", "id", (json_int_t)info[i].id,
				"time", t, "host",
				cli_json_string(info[i].host), "machine_id",
				cli_json_string(info[i].machine_id),
				"listeners", (json_int_t)info[i].listeners);

			if (cli_json_line(stdout, o) < 0) {
				cli_error(cli, "out of memory writing JSON");
				return EXIT_RUNTIME;
			}
			continue;
		}
		portier_text_clean(host, sizeof host, info[i].host,
				   PORTIER_TEXT_TERM);
		printf("%6lld  %s  %-20s %zu listener%s\n",
		       (long long)info[i].id, t, host, info[i].listeners,
		       info[i].listeners == 1 ? "" : "s");
	}
	return EXIT_OK;
}

/* The events from prev (NULL: nothing before) to cur, as asked. */
static int show(struct cli *cli, const struct history_args *a,
		const struct portier_snapshot *prev,
		const struct portier_snapshot *cur)
{
	static const struct portier_snapshot empty;
	struct portier_err err = {0};
	struct portier_event *ev;
	char prefix[64], t[32];
	size_t n;
	uint16_t lo, hi;

	store_out_ephemeral(cli, &lo, &hi);
	if (portier_store_diff(prev ? prev : &empty, cur, lo, hi, &ev, &n,
			       &err))
		return cli_report(cli, &err);
	store_out_time(cur->time, t, sizeof t);
	snprintf(prefix, sizeof prefix, "%s #%lld  ", t, (long long)cur->id);
	for (size_t i = 0; i < n; i++) {
		if (!wanted(a, &ev[i]))
			continue;
		if (!a->json)
			store_out_event_text(cli, &ev[i], prefix, stdout);
		else if (store_out_event_json(&ev[i], prev ? prev->id : 0,
					      cur->id, cur->time, stdout) < 0) {
			portier_free(ev);
			cli_error(cli, "out of memory writing JSON");
			return EXIT_RUNTIME;
		}
	}
	portier_free(ev);
	return 0;
}

/* The last snapshot seen of each host: what the next one of it is
 * compared with. */
struct last {
	const struct portier_snapshot_info *info;
	struct portier_snapshot *snap;
};

static void lasts_free(struct last *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		portier_snapshot_free(l[i].snap);
	portier_free(l);
}

/* Every wanted snapshot, oldest first, against its host's one before. */
static int walk(struct cli *cli, const struct history_args *a,
		struct portier_store *st,
		const struct portier_snapshot_info *info, size_t n)
{
	struct portier_err err = {0};
	struct last *last = NULL;
	size_t n_last = 0, cap = 0, k;
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++) {
		struct portier_snapshot *cur;

		if (!of_host(a, &info[i]))
			continue;
		if (portier_store_load(st, info[i].id, &cur, &err)) {
			rc = cli_report(cli, &err);
			break;
		}
		for (k = 0; k < n_last; k++)
			if (portier_snapshot_same_host(last[k].info, &info[i]))
				break;
		if (k == n_last) {
			if (portier_grow(&last, &cap, n_last + 1, sizeof *last,
					 8)) {
				portier_snapshot_free(cur);
				cli_error(cli, "out of memory");
				rc = EXIT_RUNTIME;
				break;
			}
			last[n_last++] = (struct last){0};
		}
		rc = show(cli, a, last[k].snap, cur);
		portier_snapshot_free(last[k].snap);
		last[k] = (struct last){&info[i], cur};
	}
	lasts_free(last, n_last);
	return rc;
}

static int cmd_history(struct cli *cli, int argc, char **argv)
{
	struct history_args a = {0};
	struct portier_err err = {0};
	struct portier_store *st = NULL;
	struct portier_snapshot_info *info = NULL;
	size_t n = 0;
	int rc = parse_args(cli, argc, argv, &a);

	if (rc >= 0)
		return rc;
	if ((rc = store_out_open(cli, a.store, false, &st)))
		return rc;
	if (portier_store_list(st, &info, &n, &err))
		rc = cli_report(cli, &err);
	else if (a.list)
		rc = list(cli, &a, info, n);
	else
		rc = walk(cli, &a, st, info, n);
	portier_free(info);
	portier_store_close(st);
	return rc;
}

const struct cli_command cli_cmd_history = {
	.name = "history",
	.run = cmd_history,
	.summary = "the changes of this host's listeners, snapshot by snapshot",
	.help = history_help,
	.rank = 36,
};
