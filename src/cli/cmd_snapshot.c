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
	"PostgreSQL down: after a few tries the snapshot is kept in the spool\n"
	"($PORTIER_SPOOL, else spool/ beside the default store) and the next\n"
	"run that reaches the server sends it (and every older one) first.\n"
	"$PORTIER_HOST_ID replaces the host name recorded.\n"
	"\n"
	"exit: 0 recorded (or spooled, with a note saying so), 2 bad usage, 3\n"
	"the sockets or the store could not be read or written and the\n"
	"snapshot was not spooled (a newer, foreign or damaged store is left\n"
	"alone)\n";

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

/* The events since this host's snapshot before s, if there is one. */
static int print_changes(struct cli *cli, struct portier_store *st,
			 const struct portier_snapshot *s, bool json)
{
	struct portier_err err = {0};
	struct portier_snapshot_info *info = NULL, me = {0};
	struct portier_snapshot *prev = NULL;
	struct portier_event *ev = NULL;
	size_t n = 0, n_ev = 0, i;
	uint16_t lo, hi;
	int rc;

	if ((rc = portier_store_list(st, &info, &n, &err)))
		return cli_report(cli, &err);
	portier_strlcpy(me.host, s->host, sizeof me.host);
	portier_strlcpy(me.machine_id, s->machine_id ? s->machine_id : "",
			sizeof me.machine_id);
	for (i = n; i-- > 0;)
		if (info[i].id < s->id &&
		    portier_snapshot_same_host(&info[i], &me))
			break;
	if (i == (size_t)-1) {
		portier_free(info);
		return 0;
	}
	rc = portier_store_load(st, info[i].id, &prev, &err);
	portier_free(info);
	store_out_ephemeral(cli, &lo, &hi);
	if (!rc)
		rc = portier_store_diff(prev, s, lo, hi, &ev, &n_ev, &err);
	if (rc) {
		portier_snapshot_free(prev);
		return cli_report(cli, &err);
	}
	for (i = 0; i < n_ev && !rc; i++)
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

/* Send what the spool holds before s, so each host's history stays in
 * order; 0, or the error (PORTIER_STORE_EDOWN: spool s too). */
static int flush_spool(struct cli *cli, struct portier_store *st,
		       const char *dir, struct portier_err *err)
{
	size_t sent, bad;
	int rc = portier_spool_flush(dir, st, &sent, &bad, err);

	if (sent)
		cli_notice(cli, "sent %zu spooled snapshot%s from %s", sent,
			   sent == 1 ? "" : "s", dir);
	if (bad)
		cli_notice(cli,
			   "%zu damaged spool file%s in %s set aside as "
			   "*.bad",
			   bad, bad == 1 ? "" : "s", dir);
	return rc;
}

/* The store is down: keep s in the spool; 0 with a note, or exit 3. */
static int spool(struct cli *cli, const struct portier_snapshot *s,
		 const char *dir, bool json, const struct portier_err *why)
{
	struct portier_spool_limits lim = {0};
	struct portier_err err = {0};
	const char *max = getenv("PORTIER_SPOOL_MAX");
	unsigned long files = 0;
	size_t waiting;
	char when[32];

	cli_error(cli, "%s", why->msg);
	if (max && *max && portier_parse_ulong(max, 1, 1000000, &files)) {
		cli_error(cli,
			  "PORTIER_SPOOL_MAX '%s' is not a number of "
			  "files (1 to 1000000): the snapshot is lost",
			  max);
		return EXIT_USAGE;
	}
	lim.files = files;
	if (portier_spool_put(dir, s, &lim, &waiting, &err)) {
		cli_report(cli, &err);
		cli_hint("the snapshot is lost; nothing was written");
		return EXIT_RUNTIME;
	}
	store_out_time(s->time, when, sizeof when);
	cli_notice(cli,
		   "snapshot spooled in %s (%zu waiting): the next run "
		   "that reaches the store sends it",
		   dir, waiting);
	if (json) {
		json_t *o =
			json_pack("{s:s, s:b, s:s, s:o, s:i, s:I}", "type",
				  "snapshot", "spooled", 1, "time", when,
				  "host", cli_json_string(s->host), "listeners",
				  (int)s->n, "waiting", (json_int_t)waiting);

		if (cli_json_line(stdout, o) < 0) {
			cli_error(cli, "out of memory while writing JSON");
			return EXIT_RUNTIME;
		}
	}
	return 0;
}

static int cmd_snapshot(struct cli *cli, int argc, char **argv)
{
	struct snap_args a = {0};
	struct portier_err err = {0};
	struct portier_snapshot *s = NULL;
	struct portier_store *st = NULL;
	char *spool_dir = NULL, *def = NULL, when[32];
	const char *name;
	bool down;
	int rc = parse_args(cli, argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (!(name = a.store) &&
	    !(name = def = portier_store_default_path(&err)))
		return cli_report(cli, &err);
	if (a.import) {
		if ((rc = store_out_open(cli, name, true, &st)) == 0)
			rc = import_scan(cli, st, &a);
		goto out;
	}
	if (portier_store_is_remote(name) &&
	    !(spool_dir = portier_spool_default_dir(&err))) {
		rc = cli_report(cli, &err);
		goto out;
	}
	rc = store_out_open_err(cli, name, true, &st, &err);
	if (rc && (!spool_dir || err.code != PORTIER_STORE_EDOWN)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	down = rc != 0;
	if ((rc = store_out_collect(cli, &a.q, &s)))
		goto out;
	if (portier_snapshot_stamp(s, (int64_t)time(NULL), &err) ||
	    portier_store_hash_exes(st, s, cli->proc_root, &err) ||
	    portier_store_packages(s, store_out_dpkg_dir(), &err)) {
		rc = cli_report(cli, &err);
		goto out;
	}
	if (st && spool_dir && (rc = flush_spool(cli, st, spool_dir, &err)) &&
	    rc != PORTIER_STORE_EDOWN) {
		/* One that cannot be stored stays there, and is no reason
		 * to lose this one. */
		cli_notice(cli, "a spooled snapshot stays in %s: %s", spool_dir,
			   err.msg);
		rc = 0;
	}
	if (st && !rc)
		rc = portier_store_save(st, s, &err);
	if (down || rc) {
		rc = err.code == PORTIER_STORE_EDOWN && spool_dir
			     ? spool(cli, s, spool_dir, a.json, &err)
			     : cli_report(cli, &err);
		goto out;
	}
	store_out_time(s->time, when, sizeof when);
	if (a.json) {
		json_t *o = json_pack(
			"{s:s, s:I, s:s, s:o, s:i}", "type", "snapshot", "id",
			(json_int_t)s->id, "time", when, "host",
			cli_json_string(s->host), "listeners", (int)s->n);

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
	portier_free(spool_dir);
	portier_free(def);
	return rc;
}

const struct cli_command cli_cmd_snapshot = {
	.name = "snapshot",
	.run = cmd_snapshot,
	.summary = "record this host's listeners in the port history",
	.help = snapshot_help,
	.rank = 35,
};
