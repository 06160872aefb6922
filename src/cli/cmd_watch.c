/*
 * cmd_watch.c - `portier watch`: a snapshot of this host's listeners every
 * few seconds, compared with the last one reported; the changes that
 * persist (--settle) are committed to the store with the snapshot, then
 * delivered as JSON Lines, to syslog or to a hook.  What has been
 * delivered is recorded in the store too, so a watch killed at any point
 * starts again where it stood (docs/store.md, "watch").
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cli/store_out.h"
#include "cli/watch_out.h"

static const char watch_help[] =
	"usage: portier watch [--store PATH] [--interval SECONDS] [--settle N]\n"
	"                     [--json] [--syslog] [--exec PROGRAM]\n"
	"                     [--exec-timeout SECONDS]\n"
	"                     [--netns NAME | --all-netns]\n"
	"\n"
	"Take a snapshot of this host's listeners every SECONDS and report\n"
	"what changed since the last reported state: NEW, GONE, REBOUND,\n"
	"OWNER_CHANGED, BINARY_MODIFIED (see portier-diff(1)), one JSON\n"
	"object per line on standard output, each with a sequence number\n"
	"(\"seq\") that never repeats.  A snapshot is stored only when\n"
	"something changed.  With no earlier snapshot of this host, the first\n"
	"one is the baseline and reports nothing.  Runs until SIGTERM or\n"
	"SIGINT; killed any other way, it resumes on the next start without\n"
	"repeating or losing an event (changes made meanwhile are reported).\n"
	"\n"
	"  --store PATH          the database (see portier snapshot --help)\n"
	"  --interval SECONDS    between snapshots (default 5, 1 to 86400)\n"
	"  --settle N            report a change only once N snapshots in a\n"
	"                        row have seen it (default 1: at once); a\n"
	"                        listener that comes and goes within fewer\n"
	"                        is never reported\n"
	"  --json                JSON Lines on standard output (the default\n"
	"                        unless --syslog or --exec is given)\n"
	"  --syslog              one line per event to syslog (daemon)\n"
	"  --exec PROGRAM        run PROGRAM (a path, no shell, no arguments)\n"
	"                        for each event: the JSON line on its standard\n"
	"                        input, PORTIER_EVENT, PORTIER_SEQ,\n"
	"                        PORTIER_SEVERITY, PORTIER_HOST, PORTIER_PROTO,\n"
	"                        PORTIER_ADDR, PORTIER_PORT, PORTIER_NETNS,\n"
	"                        PORTIER_PID and PORTIER_EXE in its environment\n"
	"  --exec-timeout SECONDS  kill a hook still running after this long\n"
	"                        (default 10)\n"
	"  --netns NAME          the sockets of network namespace NAME\n"
	"  --all-netns           the sockets of every network namespace\n"
	"\n"
	"exit: 0 stopped by SIGTERM or SIGINT, 2 bad usage, 3 the sockets or\n"
	"the store could not be read or written, or standard output failed\n";

enum {
	OPT_STORE = 256,
	OPT_INTERVAL,
	OPT_SETTLE,
	OPT_JSON,
	OPT_SYSLOG,
	OPT_EXEC,
	OPT_EXEC_TIMEOUT,
	OPT_NETNS,
	OPT_ALL_NETNS,
};

static const struct option long_opts[] = {
	{"store", required_argument, NULL, OPT_STORE},
	{"interval", required_argument, NULL, OPT_INTERVAL},
	{"settle", required_argument, NULL, OPT_SETTLE},
	{"json", no_argument, NULL, OPT_JSON},
	{"syslog", no_argument, NULL, OPT_SYSLOG},
	{"exec", required_argument, NULL, OPT_EXEC},
	{"exec-timeout", required_argument, NULL, OPT_EXEC_TIMEOUT},
	{"netns", required_argument, NULL, OPT_NETNS},
	{"all-netns", no_argument, NULL, OPT_ALL_NETNS},
	{NULL, 0, NULL, 0},
};

struct watch_args {
	const char *store;
	unsigned long interval, settle;
	struct watch_out out;
	struct portier_local_query q;
};

static int parse_args(struct cli *cli, int argc, char **argv,
		      struct watch_args *a)
{
	unsigned long v;
	int c;

	a->interval = 5;
	a->settle = 1;
	a->out.hook_secs = 10;
	optind = 1;
	while ((c = cli_getopt(cli, argc, argv, "", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_STORE:
			a->store = optarg;
			break;
		case OPT_INTERVAL:
			if (cli_opt_ulong(cli, "--interval", optarg, 1, 86400,
					  &a->interval))
				return EXIT_USAGE;
			break;
		case OPT_SETTLE:
			if (cli_opt_ulong(cli, "--settle", optarg, 1, 1000,
					  &a->settle))
				return EXIT_USAGE;
			break;
		case OPT_JSON:
			a->out.json = true;
			break;
		case OPT_SYSLOG:
			a->out.syslog = true;
			break;
		case OPT_EXEC:
			if (optarg[0] != '/' || access(optarg, X_OK))
				return cli_opt_invalid(
					cli, "--exec", optarg,
					"the absolute path of an executable "
					"program (it is run without a shell)");
			a->out.hook = optarg;
			break;
		case OPT_EXEC_TIMEOUT:
			if (cli_opt_ulong(cli, "--exec-timeout", optarg, 1,
					  3600, &v))
				return EXIT_USAGE;
			a->out.hook_secs = (unsigned)v;
			break;
		case OPT_NETNS:
			a->q.netns = optarg;
			break;
		case OPT_ALL_NETNS:
			a->q.all_netns = true;
			break;
		default: /* cli_getopt said why */
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error(cli, "unexpected argument '%s'", argv[optind]);
		cli_usage_hint(cli);
		return EXIT_USAGE;
	}
	if (!a->out.syslog && !a->out.hook)
		a->out.json = true;
	return -1;
}

struct watch {
	struct cli *cli;
	struct watch_args *a;
	struct portier_store *st;
	struct portier_watch w;
	struct portier_snapshot *base; /* what has been reported */
	char host[256];
	int64_t delivered;
	sigset_t sigs;
	bool stop;
	/* The store went away in the last round: start the next one from
	 * what the store holds (resume). */
	bool resync;
};

/* A round given up because the PostgreSQL store is unreachable. */
#define ROUND_LOST (-1)

/*
 * A failure of the store in a round.  A PostgreSQL server that went away
 * (after the connection's retries) costs this round only: a note, and the
 * next round reconnects and carries on from the last committed baseline,
 * so no change is lost (docs/store.md, "watch on PostgreSQL").  Anything
 * else ends the watch (exit 3).
 */
static int store_fail(struct watch *wt, struct portier_err *err)
{
	if (err->code != PORTIER_STORE_EDOWN)
		return cli_report(wt->cli, err);
	cli_notice(wt->cli,
		   "%s; this round is not recorded, the next one (in %lu s) "
		   "tries again",
		   err->msg, wt->a->interval);
	wt->resync = true;
	return ROUND_LOST;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Deliver every committed event not delivered yet, recording each. */
static int deliver(struct watch *wt)
{
	struct portier_err err = {0};
	struct portier_outbox *ob = NULL;
	size_t n = 0;
	int rc = 0;

	if (portier_store_outbox(wt->st, wt->host, wt->delivered, &ob, &n,
				 &err))
		return store_fail(wt, &err);
	for (size_t i = 0; i < n && !rc; i++) {
		json_t *o = json_loads(ob[i].body, 0, NULL);

		if (!o) {
			cli_error(wt->cli,
				  "event %lld in the store is not "
				  "JSON; skipped",
				  (long long)ob[i].seq);
		} else {
			json_object_set_new(o, "seq", json_integer(ob[i].seq));
			json_object_set_new(o, "to",
					    json_integer(ob[i].snapshot));
			rc = watch_out_deliver(wt->cli, &wt->a->out, o)
				     ? EXIT_RUNTIME
				     : 0;
			json_decref(o);
		}
		if (!rc)
			wt->delivered = ob[i].seq;
		if (!rc &&
		    portier_store_delivered(wt->st, wt->host, ob[i].seq, &err))
			rc = store_fail(wt, &err);
	}
	portier_outbox_free(ob, n);
	return rc;
}

/* The events of base -> next as the text to deliver, then committed with
 * next as the new baseline. */
static int commit(struct watch *wt, struct portier_snapshot *next,
		  const struct portier_event *ev, size_t n, int64_t ts_ms)
{
	struct portier_err err = {0};
	uint8_t *kinds = portier_calloc(n + 1, sizeof *kinds);
	char **bodies = portier_calloc(n + 1, sizeof *bodies);
	char when[32];
	int64_t first;
	int rc = 0;

	store_out_time(next->time, when, sizeof when);
	for (size_t i = 0; kinds && bodies && i < n; i++) {
		json_t *o = store_out_event_obj(&ev[i]);

		kinds[i] = ev[i].kind;
		if (o) {
			json_object_set_new(o, "host",
					    cli_json_string(wt->host));
			json_object_set_new(o, "time", json_string(when));
			json_object_set_new(o, "ts_ms", json_integer(ts_ms));
			if (wt->base->id)
				json_object_set_new(o, "from",
						    json_integer(wt->base->id));
			bodies[i] = json_dumps(o, JSON_COMPACT);
			json_decref(o);
		}
		if (!bodies[i])
			break;
	}
	if (!kinds || !bodies || (n && !bodies[n - 1])) {
		cli_error(wt->cli, "out of memory for events");
		rc = EXIT_RUNTIME;
	} else if (portier_store_watch_commit(wt->st, next, kinds,
					      (const char *const *)bodies, n,
					      &first, &err)) {
		rc = store_fail(wt, &err);
	}
	for (size_t i = 0; bodies && i < n; i++)
		free(bodies[i]);
	portier_free(bodies);
	portier_free(kinds);
	return rc;
}

/* Read the listeners, with their hashes and packages, into *obs. */
static int observe(struct watch *wt, int64_t ts_ms,
		   struct portier_snapshot **obs)
{
	struct portier_err err = {0};
	int rc;

	if ((rc = store_out_collect(wt->cli, &wt->a->q, obs)))
		return rc;
	if (portier_snapshot_stamp(*obs, ts_ms / 1000, &err) ||
	    portier_store_hash_exes(wt->st, *obs, wt->cli->proc_root, &err) ||
	    portier_watch_packages(*obs, wt->base, store_out_dpkg_dir(), &err))
		return cli_report(wt->cli, &err);
	return 0;
}

static int resume(struct watch *wt);

/* One round: observe, settle, commit the events with the new baseline,
 * deliver them.  0 also for a round lost to the store (ROUND_LOST). */
static int tick(struct watch *wt)
{
	struct portier_err err = {0};
	struct portier_snapshot *obs = NULL, *next = NULL;
	struct portier_event *ev = NULL;
	int64_t ts;
	size_t n = 0;
	int rc;

	if (wt->resync) { /* after a lost round: what did the store keep? */
		wt->resync = false;
		if ((rc = resume(wt)))
			goto out;
	}
	ts = wall_ms(); /* after the reconnection resume may have waited for */
	if ((rc = observe(wt, ts, &obs)))
		goto out;
	if (!wt->base) { /* the first snapshot of this host: the baseline */
		if (!(rc = commit(wt, obs, NULL, 0, ts))) {
			wt->base = obs;
			obs = NULL;
		}
		goto out;
	}
	if (portier_watch_step(&wt->w, wt->base, obs, &next, &err) ||
	    portier_store_diff(wt->base, next, wt->w.eph_lo, wt->w.eph_hi, &ev,
			       &n, &err)) {
		rc = cli_report(wt->cli, &err);
		goto out;
	}
	if (!n)
		goto out;
	if ((rc = commit(wt, next, ev, n, ts)))
		goto out;
	portier_free(ev);
	ev = NULL;
	portier_snapshot_free(wt->base);
	wt->base = next;
	next = NULL;
	rc = deliver(wt);
out:
	portier_free(ev);
	portier_snapshot_free(next);
	portier_snapshot_free(obs);
	return rc == ROUND_LOST ? 0 : rc;
}

/* Where the last watch of this host stopped: at the start, and after a
 * round lost to the store (whose commit may or may not have arrived). */
static int resume(struct watch *wt)
{
	struct portier_err err = {0};
	int64_t id, delivered;
	int rc;

	if (portier_store_watch_get(wt->st, wt->host, &id, &delivered, &err))
		return store_fail(wt, &err);
	portier_snapshot_free(wt->base);
	wt->base = NULL;
	portier_watch_clear(&wt->w); /* pending counts start again */
	if (id) {
		rc = portier_store_load(wt->st, id, &wt->base, &err);
		if (rc && rc != PORTIER_ENOENT)
			return store_fail(wt, &err);
	}
	/* An event written out whose mark was lost with the connection: */
	if (delivered < wt->delivered &&
	    portier_store_delivered(wt->st, wt->host, wt->delivered, &err))
		return store_fail(wt, &err);
	if (delivered > wt->delivered)
		wt->delivered = delivered;
	/* Events committed before a crash and not delivered go out first. */
	return deliver(wt);
}

/* Sleep until the monotonic time *next (ns), or a stop signal. */
static void wait_tick(struct watch *wt, int64_t next)
{
	for (;;) {
		struct timespec now, ts;
		int64_t left;
		int sig;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = next - ((int64_t)now.tv_sec * 1000000000 + now.tv_nsec);
		if (left <= 0)
			return;
		ts.tv_sec = left / 1000000000;
		ts.tv_nsec = left % 1000000000;
		sig = sigtimedwait(&wt->sigs, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT) {
			wt->stop = true;
			return;
		}
	}
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmd_watch(struct cli *cli, int argc, char **argv)
{
	struct watch_args a = {0};
	struct watch wt = {.cli = cli, .a = &a};
	int64_t period, next;
	int rc = parse_args(cli, argc, argv, &a);

	if (rc >= 0)
		return rc;
	/* Stop signals are taken when waiting, never in the middle of a
	 * commit; a hook's end is waited for the same way. */
	sigemptyset(&wt.sigs);
	sigaddset(&wt.sigs, SIGTERM);
	sigaddset(&wt.sigs, SIGINT);
	sigaddset(&wt.sigs, SIGCHLD);
	sigprocmask(SIG_BLOCK, &wt.sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	a.out.sigs = &wt.sigs;
	a.out.stop = &wt.stop;
	wt.w.settle = (unsigned)a.settle;
	store_out_ephemeral(cli, &wt.w.eph_lo, &wt.w.eph_hi);
	portier_store_host_name(wt.host, sizeof wt.host);
	if (a.out.syslog)
		openlog("portier-watch", LOG_PID, LOG_DAEMON);
	/* A store lost while resuming is retried by the first round. */
	if ((rc = store_out_open(cli, a.store, true, &wt.st)) ||
	    (rc = resume(&wt)) > 0)
		goto out;
	period = (int64_t)a.interval * 1000000000;
	next = mono_ns();
	for (bool first = true; !wt.stop;) {
		if ((rc = tick(&wt)))
			break;
		if (first && wt.base) {
			first = false;
			cli_notice(cli,
				   "watching %zu listener%s every %lu s"
				   " (baseline: snapshot %lld)",
				   wt.base->n, wt.base->n == 1 ? "" : "s",
				   a.interval, (long long)wt.base->id);
		}
		/* On a fixed beat; a round that overran skips the beats it
		 * missed instead of running them back to back. */
		next += period;
		if (next < mono_ns())
			next = mono_ns() + period - (mono_ns() - next) % period;
		wait_tick(&wt, next);
	}
out:
	portier_watch_clear(&wt.w);
	portier_snapshot_free(wt.base);
	portier_store_close(wt.st);
	if (a.out.syslog)
		closelog();
	return rc;
}

const struct cli_command cli_cmd_watch = {
	.name = "watch",
	.run = cmd_watch,
	.summary = "report listeners' changes as they happen (a daemon)",
	.help = watch_help,
	.rank = 38,
};
