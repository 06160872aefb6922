/*
 * cmd_snapshot.c - `portier snapshot`: record this host's listeners, their
 * programs (with the executables' SHA-256 and Debian package) and the
 * audit's verdict in the store, for `portier history` and `portier diff`
 * to compare.  One run per call, for cron or a systemd timer.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/store_out.h"

static const char snapshot_help[] =
	"usage: portier snapshot [--store PATH] [--netns NAME | --all-netns]\n"
	"                        [--json] [--quiet]\n"
	"       portier snapshot [--store PATH] [--json] --import FILE\n"
	"\n"
	"Record the listening sockets of this host (TCP listeners, bound UDP\n"
	"and raw sockets) with their owners, each program's SHA-256 and\n"
	"Debian package, and the audit's verdict, as one snapshot in the\n"
	"store.  Then print what changed since the previous snapshot (see\n"
	"portier-diff(1)).\n"
	"\n"
	"  --store PATH   the database (default $PORTIER_STORE, else\n"
	"                 /var/lib/portier/portier.db as root,\n"
	"                 $XDG_STATE_HOME/portier/portier.db otherwise); its\n"
	"                 directory must be private to the user\n"
	"  --netns NAME   the sockets of network namespace NAME\n"
	"  --all-netns    the sockets of every network namespace\n"
	"  --json         the snapshot's id and the events as JSON Lines\n"
	"  --import FILE  store a scan result instead (portier scan -oJ, nmap\n"
	"                 or portier -oX), then print its changes since the\n"
	"                 scan stored before it (see portier diff --scans)\n"
	"  -q, --quiet    print nothing on success\n"
	"\n"
	"exit: 0 recorded, 2 bad usage, 3 the sockets or the store could not\n"
	"be read or written (a newer, foreign or damaged store is left alone)\n";

enum { OPT_STORE = 256, OPT_NETNS, OPT_ALL_NETNS, OPT_JSON, OPT_IMPORT };

static const struct option long_opts[] = {
	{"store", required_argument, NULL, OPT_STORE},
	{"netns", required_argument, NULL, OPT_NETNS},
	{"all-netns", no_argument, NULL, OPT_ALL_NETNS},
	{"json", no_argument, NULL, OPT_JSON},
	{"import", required_argument, NULL, OPT_IMPORT},
	{"quiet", no_argument, NULL, 'q'},
	{NULL, 0, NULL, 0},
};

struct snap_args {
	const char *store, *import;
	bool json, quiet;
	struct portier_local_query q;
};

static int parse_args(struct cli *cli, int argc, char **argv,
		      struct snap_args *a)
{
	int c;

	optind = 1;
	while ((c = cli_getopt(cli, argc, argv, "+q", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_STORE:
			a->store = optarg;
			break;
		case OPT_NETNS:
			a->q.netns = optarg;
			break;
		case OPT_ALL_NETNS:
			a->q.all_netns = true;
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_IMPORT:
			a->import = optarg;
			break;
		case 'q':
			a->quiet = true;
			break;
		default: /* cli_getopt said why */
			return EXIT_USAGE;
		}
	}
	if (a->import && (a->q.netns || a->q.all_netns)) {
		cli_error(cli, "--import stores a scan file; --netns and "
			       "--all-netns are for this host's listeners");
		cli_usage_hint(cli);
		return EXIT_USAGE;
	}
	if (optind < argc) {
		cli_error(cli, "unexpected argument '%s'", argv[optind]);
		cli_usage_hint(cli);
		return EXIT_USAGE;
	}
	return -1;
}

/* The events since the snapshot before s, if there is one. */
static int print_changes(struct cli *cli, struct portier_store *st,
			 const struct portier_snapshot *s, bool json)
{
	struct portier_err err = {0};
	struct portier_snapshot_info *info = NULL;
	struct portier_snapshot *prev = NULL;
	struct portier_event *ev = NULL;
	size_t n = 0, n_ev = 0;
	uint16_t lo, hi;
	int rc;

	if ((rc = portier_store_list(st, &info, &n, &err)))
		return cli_report(cli, &err);
	if (n < 2) {
		portier_free(info);
		return 0;
	}
	rc = portier_store_load(st, info[n - 2].id, &prev, &err);
	portier_free(info);
	store_out_ephemeral(cli, &lo, &hi);
	if (!rc)
		rc = portier_store_diff(prev, s, lo, hi, &ev, &n_ev, &err);
	if (rc) {
		portier_snapshot_free(prev);
		return cli_report(cli, &err);
	}
	for (size_t i = 0; i < n_ev && !rc; i++)
		if (json)
			rc = store_out_event_json(&ev[i], prev->id, s->id,
						  s->time, stdout);
		else
			store_out_event_text(cli, &ev[i], "", stdout);
	if (!json)
		printf("%zu change%s since snapshot %lld\n", n_ev,
		       n_ev == 1 ? "" : "s", (long long)prev->id);
	portier_free(ev);
	portier_snapshot_free(prev);
	if (rc) {
		cli_error(cli, "out of memory while writing events");
		return EXIT_RUNTIME;
	}
	return 0;
}

/* --import FILE: the scan stored, and its changes since the one before. */
static int import_scan(struct cli *cli, struct portier_store *st,
		       const struct snap_args *a)
{
	struct portier_err err = {0};
	struct portier_scan_info *info = NULL;
	struct portier_scan_file *fa = NULL, *fb = NULL;
	struct portier_scan_change *ch = NULL;
	size_t hosts = 0, n = 0;
	int64_t id;
	int rc = store_out_import(cli, st, a->import, a->import, &id, &hosts);

	if (rc)
		return rc;
	if (a->json) {
		json_t *o = json_pack("{s:s, s:I, s:o, s:i}", "type", "scan",
				      "id", (json_int_t)id, "source",
				      cli_json_string(a->import), "hosts",
				      (int)hosts);

		if (cli_json_line(stdout, o) < 0) {
			cli_error(cli, "out of memory while writing JSON");
			return EXIT_RUNTIME;
		}
	} else if (!a->quiet) {
		char src[PORTIER_TEXT_MAX(256)];

		portier_text_clean(src, sizeof src, a->import,
				   PORTIER_TEXT_TERM);
		printf("scan %lld: %zu host%s from %s\n", (long long)id, hosts,
		       hosts == 1 ? "" : "s", src);
	}
	if (a->quiet && !a->json)
		return 0;
	if (portier_store_scan_list(st, &info, &n, &err))
		return cli_report(cli, &err);
	if (n >= 2 && (portier_store_scan_load(st, info[n - 2].id, &fa, &err) ||
		       portier_store_scan_load(st, id, &fb, &err) ||
		       portier_scan_file_diff(fa, fb, &ch, &n, &err)))
		rc = cli_report(cli, &err);
	else if (fb)
		rc = store_out_scan_events(cli, ch, n, a->json, stdout);
	portier_free(info);
	portier_free(ch);
	portier_scan_file_free(fa);
	portier_scan_file_free(fb);
	return rc;
}

static int cmd_snapshot(struct cli *cli, int argc, char **argv)
{
	struct snap_args a = {0};
	struct portier_err err = {0};
	struct portier_snapshot *s = NULL;
	struct portier_store *st = NULL;
	char host[256] = "", when[32];
	int rc = parse_args(cli, argc, argv, &a);

	if (rc >= 0)
		return rc;
	if ((rc = store_out_open(cli, a.store, true, &st)))
		return rc;
	if (a.import) {
		rc = import_scan(cli, st, &a);
		goto out;
	}
	if ((rc = store_out_collect(cli, &a.q, &s)))
		goto out;
	s->time = (int64_t)time(NULL);
	gethostname(host, sizeof host - 1);
	if (!(s->host = portier_strdup(host))) {
		rc = cli_report(cli,
				&(struct portier_err){.code = PORTIER_ENOMEM,
						      .msg = "out of memory"});
		goto out;
	}
	if (portier_store_hash_exes(st, s, cli->proc_root, &err) ||
	    portier_store_packages(s, store_out_dpkg_dir(), &err) ||
	    portier_store_save(st, s, &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	store_out_time(s->time, when, sizeof when);
	if (a.json) {
		json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:i}", "type",
				      "snapshot", "id", (json_int_t)s->id,
				      "time", when, "host", s->host,
				      "listeners", (int)s->n);

		if (cli_json_line(stdout, o) < 0) {
			cli_error(cli, "out of memory while writing JSON");
			rc = EXIT_RUNTIME;
			goto out;
		}
	} else if (!a.quiet) {
		printf("snapshot %lld: %zu listener%s at %s\n",
		       (long long)s->id, s->n, s->n == 1 ? "" : "s", when);
	}
	if (!a.quiet || a.json)
		rc = print_changes(cli, st, s, a.json);
out:
	portier_snapshot_free(s);
	portier_store_close(st);
	return rc;
}

const struct cli_command cli_cmd_snapshot = {
	.name = "snapshot",
	.run = cmd_snapshot,
	.summary = "record this host's listeners in the port history",
	.help = snapshot_help,
	.rank = 35,
};
