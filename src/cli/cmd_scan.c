/*
 * cmd_scan.c - `portier scan`: nmap's target and port syntax in, every TCP
 * port's state out, exactly, over connect (-sT) or SYN (-sS), and every UDP
 * port's (-sU, after the TCP part, into the same outputs).
 *
 * This file is the glue: it turns the options (parsed in scan_args.c; the
 * target set and port lists are built in scan_input.c) into a scan config, wires the engine's result events
 * to the output sinks, shows progress, writes resume checkpoints, runs the
 * follow-up probes (scan_probe.c) and service detection (scan_svc.c) and reports.  It sends nothing itself, and there is no
 * default target: with none given it stops with exit 2 before any socket is
 * opened.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/scan_args.h"
#include "cli/store_out.h"
#include "cli/scan_probe.h"
#include "cli/scan_svc.h"
#include "portier/out.h"
#include "portier/scan.h"
#include "portier/udp_payloads.h"

#define CHECKPOINT_NS 4000000000ull

struct scan_run {
	struct cli *cli;
	struct scan_opts *o;
	struct portier_out *out;
	struct portier_scan *scan;
	struct portier_checkpoint cp;
	const struct portier_udp_payloads *payloads;
	bool udp_raw; /* the UDP part read ICMP from raw sockets */
	uint64_t done_before, total, last_cp_ns;
	int out_rc;
	bool progress_shown;
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* ---- UDP payloads ------------------------------------------------------------ */

static size_t udp_payloads(void *ctx, uint16_t port, const uint8_t **data,
			   size_t *len, size_t max)
{
	const struct scan_run *run = ctx;
	const struct portier_udp_payload *v[PORTIER_UDP_PER_PORT];
	size_t n = portier_udp_payloads_for(run->payloads, port, v), k;

	if (n > max)
		n = max;
	for (k = 0; data && k < n; k++) {
		data[k] = v[k]->data;
		len[k] = v[k]->len;
	}
	return n;
}

static bool udp_judge(void *ctx, uint16_t port, size_t k, const uint8_t *reply,
		      size_t len, const char **service)
{
	const struct scan_run *run = ctx;
	const struct portier_udp_payload *v[PORTIER_UDP_PER_PORT];
	size_t n = portier_udp_payloads_for(run->payloads, port, v);

	return k < n && portier_udp_reply_parse(v[k]->parser, v[k]->data,
						v[k]->len, reply, len, service);
}

/* ---- events ---------------------------------------------------------------- */

static void on_result(void *ctx, const struct portier_scan_result *r,
		      uint64_t seq)
{
	struct scan_run *run = ctx;
	int rc;

	(void)seq;
	if (run->o->verbose && r->state == PORTIER_PORT_OPEN) {
		char a[64];

		fprintf(stderr, "%sDiscovered open port %u/%s on %s\n",
			run->progress_shown ? "\r\033[K" : "", r->port,
			r->proto == PORTIER_PROTO_UDP ? "udp" : "tcp",
			portier_addr_str(&r->addr, a, sizeof(a)));
	}
	rc = portier_out_result(run->out, r);
	if (rc < 0 && !run->out_rc) {
		run->out_rc = rc;
		stop_flag =
			1; /* a sink failed: stop rather than lose results */
	}
}

static int save_checkpoint(struct scan_run *run)
{
	struct portier_err err = {0};
	size_t n, max = 1 << 16;
	uint64_t *buf;
	int rc;

	if (!run->o->resume)
		return 0;
	for (;;) {
		buf = malloc(max * sizeof(*buf));
		if (!buf)
			return EXIT_RUNTIME;
		n = portier_scan_pending(run->scan, &run->cp.next, buf, max);
		if (n <= max)
			break;
		free(buf);
		max = n;
	}
	run->cp.pending = buf;
	run->cp.n_pending = n;
	rc = portier_checkpoint_write(run->o->resume, &run->cp, run->out, &err);
	free(buf);
	run->cp.pending = NULL;
	if (rc < 0)
		return cli_report(run->cli, &err);
	return 0;
}

static void format_eta(double s, char *buf, size_t len)
{
	if (s < 0 || s > 1e7)
		snprintf(buf, len, "--");
	else if (s >= 3600)
		snprintf(buf, len, "%dh%02dm", (int)(s / 3600),
			 (int)s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)s % 60);
	else
		snprintf(buf, len, "%.0fs", s);
}

static void on_tick(void *ctx, const struct portier_scan_stats *st)
{
	struct scan_run *run = ctx;
	uint64_t now = portier_now_ns();

	if (run->o->resume && now - run->last_cp_ns >= CHECKPOINT_NS) {
		run->last_cp_ns = now;
		save_checkpoint(run);
	}
	if (run->cli->stderr_tty && run->o->progress && !run->o->quiet &&
	    st->elapsed_ns > 1000000000ull) {
		double done = (double)(run->done_before + st->done);
		double pct =
			run->total ? 100.0 * done / (double)run->total : 100;
		double left = st->avg_rate > 0 && st->done
				      ? (double)(run->total - run->done_before -
						 st->done) *
						(double)st->elapsed_ns / 1e9 /
						(double)st->done
				      : -1;
		char eta[32];

		format_eta(left, eta, sizeof(eta));
		fprintf(stderr, "\r\033[K%5.1f%%  %.0f pps  %llu open  ETA %s",
			pct, st->rate, (unsigned long long)st->open, eta);
		run->progress_shown = true;
	}
}

/* ---- the run ----------------------------------------------------------------- */

/*
 * What a checkpoint must match to be resumed: method, ports, shard and the
 * exact target set (every merged interval, so another --exclude differs).
 */
static uint64_t fingerprint(const struct portier_scan_config *cfg)
{
	uint64_t h = 1469598103934665603ull;
	uint64_t vals[5];
	size_t i;

	vals[0] = cfg->method;
	vals[1] = cfg->n_ports;
	vals[2] = portier_targets_fingerprint(cfg->targets);
	vals[3] = cfg->shard_k;
	vals[4] = cfg->shard_n;
	for (i = 0; i < sizeof(vals); i++)
		h = (h ^ ((const uint8_t *)vals)[i]) * 1099511628211ull;
	for (i = 0; i < cfg->n_ports; i++)
		h = (h ^ cfg->ports[i]) * 1099511628211ull;
	return h;
}

static void add_stats(struct portier_scan_stats *a,
		      const struct portier_scan_stats *b)
{
	a->total += b->total;
	a->done += b->done;
	a->sent += b->sent;
	a->retransmits += b->retransmits;
	a->replies += b->replies;
	a->late_replies += b->late_replies;
	a->open += b->open;
	a->closed += b->closed;
	a->filtered += b->filtered;
	a->open_filtered += b->open_filtered;
	a->local_errors += b->local_errors;
	a->slowdowns += b->slowdowns;
	a->elapsed_ns += b->elapsed_ns;
	a->avg_rate = a->elapsed_ns
			      ? (double)a->sent * 1e9 / (double)a->elapsed_ns
			      : 0;
	a->icmp_limited_hosts += b->icmp_limited_hosts;
	a->icmp_contested += b->icmp_contested;
	a->icmp_wait_ns += b->icmp_wait_ns;
	a->interrupted = a->interrupted || b->interrupted;
}

/* The UDP part of the scan (after the TCP part, into the same outputs). */
static int run_udp(struct scan_run *run, const struct portier_scan_config *tcp,
		   const struct portier_ports *p, struct portier_scan_stats *st)
{
	struct portier_scan_config cfg = *tcp;
	struct portier_scan_stats ust;
	struct portier_scan *scan = NULL;
	struct portier_err err = {0};
	int rc;

	cfg.method = PORTIER_SCAN_UDP;
	cfg.ports = p->udp;
	cfg.n_ports = p->n_udp;
	cfg.udp_payloads = udp_payloads;
	cfg.udp_judge = udp_judge;
	/* raw ICMP sockets when allowed; the capabilities go once they are
	 * open, as for -sS */
	cfg.udp_raw = !run->o->unprivileged && portier_scan_can_raw();
	run->udp_raw = cfg.udp_raw;
	run->done_before = st->done;
	if ((rc = portier_scan_new(&scan, &cfg, &err)) < 0)
		return cli_report(run->cli, &err);
	if (cfg.udp_raw && portier_scan_drop_privileges(&err) < 0) {
		portier_scan_free(scan);
		return cli_report(run->cli, &err);
	}
	rc = portier_scan_run(scan, &err);
	portier_scan_get_stats(scan, &ust);
	portier_scan_free(scan);
	/* the progress line counted the TCP part in; the summary adds it
	 * from the merged counters (no --resume with -sU: nothing before) */
	run->done_before = 0;
	if (rc < 0)
		ust.interrupted = true;
	add_stats(st, &ust);
	return rc < 0 ? cli_report(run->cli, &err) : EXIT_OK;
}

static void report(struct scan_run *run, const struct portier_scan_stats *st,
		   size_t n_ports)
{
	size_t hosts = portier_out_hosts(run->out, NULL);

	if (run->progress_shown)
		fputs("\r\033[K", stderr);
	if (run->o->quiet)
		return;
	fprintf(stderr,
		"portier scan: %llu of %llu probes decided in %.2f s: %llu open, "
		"%llu closed, %llu filtered, %llu open|filtered (%zu port%s, "
		"%zu host%s answered)\n"
		"portier scan: sent %llu probes (%llu retransmitted), %llu replies, "
		"estimated loss %.2f%%, rate %.0f pps, %llu slowdown%s for loss, "
		"%llu local errors retried\n",
		(unsigned long long)(run->done_before + st->done),
		(unsigned long long)run->total, (double)st->elapsed_ns / 1e9,
		(unsigned long long)st->open, (unsigned long long)st->closed,
		(unsigned long long)st->filtered,
		(unsigned long long)st->open_filtered, n_ports,
		n_ports == 1 ? "" : "s", hosts, hosts == 1 ? "" : "s",
		(unsigned long long)st->sent,
		(unsigned long long)st->retransmits,
		(unsigned long long)st->replies, st->loss * 100, st->avg_rate,
		(unsigned long long)st->slowdowns,
		st->slowdowns == 1 ? "" : "s",
		(unsigned long long)st->local_errors);
	if (run->o->udp)
		fprintf(stderr,
			"portier scan: UDP (%s): %llu host%s rate-limited their "
			"ICMP errors; waiting on those limits alone cost %.2f s"
			"%s\n",
			run->o->unprivileged || !run->udp_raw
				? "connected sockets"
				: "raw ICMP sockets",
			(unsigned long long)st->icmp_limited_hosts,
			st->icmp_limited_hosts == 1 ? "" : "s",
			(double)st->icmp_wait_ns / 1e9,
			st->icmp_contested
				? "; hosts share a limit (one kernel, many "
				  "addresses): silent ports were asked again "
				  "in quiet moments"
				: "");
}

static bool is_stdout(const char *path)
{
	return path && strcmp(path, "-") == 0;
}

/*
 * --store: which of the scan's own files is read back into the store.  A
 * file the user named (-oX, else -oJ); with none, a private temporary
 * (nmap XML) in *tmpdir, removed by store_scan.  0, or EXIT_USAGE printed.
 */
static int store_file(struct cli *cli, struct scan_opts *o,
		      struct portier_out_options *oo, char *tmpdir, size_t len,
		      char *path, size_t plen)
{
	tmpdir[0] = path[0] = '\0';
	if (o->xml && !is_stdout(o->xml)) {
		snprintf(path, plen, "%s", o->xml);
		return 0;
	}
	if (o->json && !is_stdout(o->json)) {
		snprintf(path, plen, "%s", o->json);
		return 0;
	}
	snprintf(tmpdir, len, "/tmp/portier-scan.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		cli_error(cli, "--store: cannot make a temporary directory: %s",
			  strerror(errno));
		tmpdir[0] = '\0';
		return EXIT_RUNTIME;
	}
	if (!o->xml) {
		snprintf(path, plen, "%s/scan.xml", tmpdir);
		oo->xml_path = path;
	} else {
		snprintf(path, plen, "%s/scan.jsonl", tmpdir);
		oo->json_path = path;
	}
	return 0;
}

/* The finished scan's results into the store. */
static int store_scan(struct cli *cli, const struct scan_opts *o,
		      const char *path)
{
	struct portier_store *st = NULL;
	size_t hosts = 0;
	int64_t id;
	int rc;

	if ((rc = store_out_open(cli, o->store, true, &st)))
		return rc;
	rc = store_out_import(cli, st, path, "portier scan", &id, &hosts);
	portier_store_close(st);
	if (!rc && !o->quiet)
		cli_notice(cli, "stored as scan %lld (%zu host%s)",
			   (long long)id, hosts, hosts == 1 ? "" : "s");
	return rc;
}

static int run_scan(struct cli *cli, struct scan_opts *o,
		    struct portier_targets *t, struct portier_ports *p,
		    const struct portier_udp_payloads *payloads)
{
	struct scan_run run = {.cli = cli, .o = o, .payloads = payloads};
	struct portier_scan_config cfg = {0};
	struct portier_out_options oo = {0};
	struct portier_scan_stats st;
	struct portier_err err = {0};
	struct scan_probes *sp = NULL;
	struct scan_svc *sv = NULL;
	struct sigaction sa;
	char store_tmp[64] = "", store_path[4096] = "";
	int rc, exit_rc = EXIT_OK;
	uint64_t k = 1, n = 1;
	bool resuming = false;

	if (o->shard && portier_shard_parse(o->shard, &k, &n, &err) < 0)
		return cli_report(cli, &err);
	if (o->method < 0 && !p->n_tcp)
		o->method = PORTIER_SCAN_CONNECT; /* -sU alone: no TCP part */
	if (o->method < 0) {
		o->method = portier_scan_can_raw() ? PORTIER_SCAN_SYN
						   : PORTIER_SCAN_CONNECT;
		if (o->method == PORTIER_SCAN_CONNECT)
			cli_notice(cli,
				   "no CAP_NET_RAW, so this is a connect scan "
				   "(-sT); run as root for the SYN scan (-sS)");
	}
	cfg.method = (enum portier_scan_method)o->method;
	cfg.targets = t;
	cfg.ports = p->tcp;
	cfg.n_ports = p->n_tcp;
	cfg.shard_k = k;
	cfg.shard_n = n;
	cfg.max_rate = o->rate;
	cfg.max_retries = o->max_retries;
	cfg.max_inflight = o->max_parallel;
	cfg.min_rtt_ms = o->min_rtt;
	cfg.max_rtt_ms = o->max_rtt;
	cfg.init_rtt_ms = o->init_rtt;
	cfg.on_result = on_result;
	cfg.on_tick = on_tick;
	cfg.ctx = &run;
	cfg.stop = &stop_flag;
	run.cp.fingerprint = fingerprint(&cfg);
	if (!o->have_seed &&
	    getrandom(&o->seed, sizeof(o->seed), 0) != sizeof(o->seed))
		o->seed = (uint64_t)portier_now_ns();

	oo.json_path = o->json;
	oo.xml_path = o->xml;
	oo.grep_path = o->grep;
	/* a format written to standard output replaces the table there */
	oo.text = o->quiet || is_stdout(o->json) || is_stdout(o->xml) ||
				  is_stdout(o->grep)
			  ? NULL
			  : stdout;
	oo.color = cli->color;
	oo.open_only = o->open_only;
	oo.json_closed = o->closed;
	oo.kb = cli_kb(cli);
	oo.targets = t;
	oo.args = o->args;
	oo.method = cfg.method;
	oo.ports = p->tcp;
	oo.n_ports = p->n_tcp;
	oo.udp_ports = p->udp;
	oo.n_udp_ports = p->n_udp;
	oo.keep_hosts = o->resume != NULL;
	oo.services_path = SCAN_NMAP_SERVICES;
	oo.proc_root = cli->proc_root;
	if (o->to_store &&
	    (exit_rc = store_file(cli, o, &oo, store_tmp, sizeof store_tmp,
				  store_path, sizeof store_path)))
		goto out;
	if (o->probes || o->probe_sv) {
		if (!(sp = scan_probes_new(cli, o->probes, o->probe_sv,
					   o->quiet)))
			return EXIT_RUNTIME;
		scan_probes_hook(sp, &oo);
		scan_probes_check_ports(sp, p->tcp, p->n_tcp);
	}
	if (o->probe_sv || o->n_svc_only) {
		struct scan_svc_opts so = {
			.udp_payloads = p->n_udp ? payloads : NULL,
			.intensity = o->intensity,
			.intrusive = o->intrusive,
			.only = o->n_svc_only ? o->svc_only : NULL,
			.n_only = o->n_svc_only,
			.quiet = o->quiet,
			.progress = o->progress,
		};

		if (!(sv = scan_svc_new(cli, &so))) {
			exit_rc = EXIT_RUNTIME;
			goto out;
		}
		scan_svc_hook(sv, &oo);
	} else if (o->intrusive && !o->quiet) {
		cli_notice(cli, "--intrusive changes only service detection; "
				"add -sV");
	}
	/*
	 * A checkpoint is checked before any output is opened: a refused
	 * --resume must leave the -oJ/-oX/-oG files of the earlier run as
	 * they were, not truncated.
	 */
	if (o->resume) {
		struct portier_checkpoint old;

		rc = portier_checkpoint_read(o->resume, &old, NULL, &err);
		portier_free(old.pending);
		if (rc == 0 && old.fingerprint != run.cp.fingerprint) {
			cli_error(
				cli,
				"checkpoint '%s' belongs to another scan "
				"(other targets, exclusions, ports, method or "
				"shard)",
				o->resume);
			cli_hint("give the same targets and options as the "
				 "interrupted scan, or remove the file");
			exit_rc = EXIT_USAGE;
			goto out;
		}
		if (rc < 0 && rc != PORTIER_ENOENT) {
			exit_rc = cli_report(cli, &err);
			goto out;
		}
		resuming = rc == 0;
	}
	if ((rc = portier_out_open(&run.out, &oo, &err)) < 0) {
		exit_rc = cli_report(cli, &err);
		goto out;
	}

	if (resuming) {
		/* read again, now replaying the results into the sinks */
		rc = portier_checkpoint_read(o->resume, &run.cp, run.out, &err);
		if (rc == 0) {
			o->seed = run.cp.seed;
			cfg.resume_next = run.cp.next;
			cfg.resume_pending = run.cp.pending;
			cfg.n_resume_pending = run.cp.n_pending;
			if (!o->quiet)
				cli_notice(
					cli,
					"resuming from '%s': %llu positions "
					"done, %zu in flight",
					o->resume,
					(unsigned long long)(run.cp.next -
							     run.cp.n_pending),
					run.cp.n_pending);
		} else if (rc != PORTIER_ENOENT) {
			exit_rc = cli_report(cli, &err);
			goto out;
		}
	}
	run.cp.seed = o->seed;
	cfg.seed = o->seed;
	run.total =
		portier_shard_size(portier_targets_count(t) * p->n_tcp, k, n) +
		portier_shard_size(portier_targets_count(t), k, n) * p->n_udp;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	memset(&st, 0, sizeof(st));
	if (p->n_tcp) {
		if ((rc = portier_scan_new(&run.scan, &cfg, &err)) < 0) {
			exit_rc = cli_report(cli, &err);
			goto out;
		}
		portier_free(run.cp.pending);
		run.cp.pending = NULL;
		if (cfg.method == PORTIER_SCAN_SYN &&
		    portier_scan_drop_privileges(&err) < 0) {
			exit_rc = cli_report(cli, &err);
			goto out;
		}
		run.done_before = cfg.resume_next - cfg.n_resume_pending;
		run.last_cp_ns = portier_now_ns();
		if (o->resume)
			save_checkpoint(&run);
		rc = portier_scan_run(run.scan, &err);
		portier_scan_get_stats(run.scan, &st);
		if (rc < 0) {
			st.interrupted = true;
			exit_rc = cli_report(cli, &err);
		}
		if (st.interrupted && o->resume)
			save_checkpoint(&run);
	}
	/* UDP after TCP, as nmap orders -sSU; its own loop and pacing */
	if (p->n_udp && !st.interrupted && exit_rc == EXIT_OK)
		exit_rc = run_udp(&run, &cfg, p, &st);
	if (run.progress_shown) { /* the table starts on a clean line */
		fputs("\r\033[K", stderr);
		fflush(stderr);
		run.progress_shown = false;
	}
	/* the probes follow a finished scan; findings leave the exit code */
	if (sp && !st.interrupted && exit_rc == EXIT_OK &&
	    (rc = scan_probes_run(sp, run.out, &stop_flag)) != EXIT_OK)
		exit_rc = rc;
	if (sv && !st.interrupted && exit_rc == EXIT_OK &&
	    (rc = scan_svc_run(sv, run.out, &stop_flag)) != EXIT_OK)
		exit_rc = rc;
	if (portier_out_finish(run.out, &st, &err) < 0 || run.out_rc) {
		if (run.out_rc && !err.msg[0])
			portier_err_set(&err, run.out_rc,
					"cannot write output");
		exit_rc = cli_report(cli, &err);
	}
	fflush(stdout); /* the table before the summary on stderr */
	report(&run, &st, p->n_tcp + p->n_udp);
	if (sp)
		scan_probes_report(sp);
	if (sv)
		scan_svc_report(sv);
	if (st.interrupted && exit_rc == EXIT_OK) {
		cli_error(cli, "interrupted after %llu of %llu probes",
			  (unsigned long long)(run.done_before + st.done),
			  (unsigned long long)run.total);
		if (o->resume)
			cli_hint(
				"continue with the same command; the checkpoint "
				"is in '%s'",
				o->resume);
		else
			cli_hint(
				"run with --resume FILE to be able to continue "
				"an interrupted scan");
		exit_rc = EXIT_RUNTIME;
	}
	if (!st.interrupted && exit_rc == EXIT_OK && o->resume)
		unlink(o->resume); /* finished: nothing left to resume */
	if (!st.interrupted && exit_rc == EXIT_OK && o->to_store)
		exit_rc = store_scan(cli, o, store_path);
out:
	if (o->to_store && store_tmp[0]) {
		unlink(store_path);
		rmdir(store_tmp);
	}
	portier_scan_free(run.scan);
	portier_out_free(run.out);
	scan_probes_free(sp);
	scan_svc_free(sv);
	portier_free(run.cp.pending);
	return exit_rc;
}

static int scan_main(struct cli *cli, int argc, char **argv)
{
	struct scan_opts o;
	struct portier_targets *t = NULL;
	struct portier_ports p = {0};
	struct portier_udp_payloads *payloads = NULL;
	int rc;

	rc = scan_parse_opts(cli, argc, argv, &o);
	if (rc == 0)
		rc = scan_build_ports(cli, &o, &p);
	if (rc == 0)
		rc = scan_load_payloads(cli, &o, &payloads);
	if (rc == 0)
		rc = scan_build_targets(cli, &o, argc, argv, &t);
	if (rc == 0)
		rc = run_scan(cli, &o, t, &p, payloads);
	portier_udp_payloads_free(payloads);
	portier_targets_free(t);
	portier_ports_release(&p);
	free(o.input_files);
	return rc;
}

const struct cli_command cli_cmd_scan = {
	.name = "scan",
	.run = scan_main,
	.summary = "scan TCP and UDP ports of other hosts, nmap syntax",
	.rank = 40,
	.help = "usage: portier scan TARGETS [-p PORTS] [-sS|-sT] [-sU] [options]\n"
		"\n"
		"Find every TCP port's state, exactly: open (SYN-ACK, a connection),\n"
		"closed (RST) or filtered (no answer, ICMP unreachable), in a keyed\n"
		"random order (-sU: UDP ports too); results stream out as found.\n"
		"No default target.\n"
		"\n"
		"targets (nmap's syntax; any number of them):\n"
		"  198.19.1.2  fd70:7:1::2         addresses\n"
		"  198.19.0.0/16  fd70::/120        CIDR blocks\n"
		"  198.19.1.1-200  198.19.0-3.1-254 ranges (per part, as in nmap)\n"
		"  198.19.1.10-198.19.2.5           a range of whole addresses\n"
		"  lab.example                      a host name (resolved once)\n"
		"  -iL, --input-file FILE    read targets from FILE (- for stdin)\n"
		"  --exclude LIST            leave out these targets (comma-separated)\n"
		"  --exclude-file FILE       leave out the targets in FILE\n"
		"  -n                        do not resolve names (names are an error)\n"
		"  -6                        resolve names to IPv6 addresses\n"
		"  -Pn, --no-ping            accepted (portier never pings)\n"
		"\n"
		"ports (default: the 1000 most common):\n"
		"  -p, --ports SPEC          22,80,1000-2000; - for 1-65535; -1024;\n"
		"                            60000-; T:445,U:53 (U: needs -sU)\n"
		"  --top-ports N             the N most often open ports (nmap's\n"
		"                            nmap-services if installed, else portier's)\n"
		"  -F, --fast                the top 100\n"
		"\n"
		"method:\n"
		"  -sS, --syn                SYN scan: raw packets, needs CAP_NET_RAW;\n"
		"                            the default when the process has it\n"
		"  -sT, --connect            connect scan: no privileges needed; the\n"
		"                            default otherwise (a note says so)\n"
		"  -sU, --udp                UDP scan (or -sSU, -sTU)\n"
		"  --udp-payloads FILE       payloads for -sU (data/udp-payloads)\n"
		"  --unprivileged            -sU without raw sockets\n"
		"\n"
		"speed and accuracy:\n"
		"  --rate PPS                ceiling on probes per second; the scan\n"
		"                            slows down by itself when it sees loss\n"
		"  --max-retries N           retransmissions of an unanswered probe\n"
		"                            before it is filtered (default 2)\n"
		"  --min-rtt-timeout MS, --max-rtt-timeout MS, --initial-rtt-timeout MS\n"
		"                            reply timeout bounds (20, 1000, 250)\n"
		"  --max-parallel N          probes in flight at most (SYN 65536,\n"
		"                            connect 4096 or what RLIMIT_NOFILE allows)\n"
		"\n"
		"order, sharing and resuming:\n"
		"  --seed N                  fix the random order (reproducible)\n"
		"  --shard K/N               scan only part K of N; N machines with the\n"
		"                            same --seed cover everything exactly once\n"
		"  --resume FILE             checkpoint to FILE (every 4 s, on ^C); the\n"
		"                            same command continues a killed scan\n"
		"\n"
		"after the scan (findings shown, exit code unchanged):\n"
		"  -sV, --service-probes     what answers on each open TCP port (product,\n"
		"                            version, findings), and smb-shares, nbstat,\n"
		"                            rpc where 139/445/135 are open\n"
		"  --version-intensity N     0-9: how rare a service -sV still tries\n"
		"                            on a port that is not its own (default 7)\n"
		"  --intrusive               -sV may write to test access (FTP: MKD and\n"
		"                            RMD of one directory), never otherwise\n"
		"  --probe LIST              smb,smb-shares,nbstat,rpc, or service\n"
		"                            modules (http,ftp,...): only those\n"
		"\n",
	.help_more =
		"output (any together, as in nmap):\n"
		"  -oJ, --json FILE          JSON Lines, one object per open or\n"
		"                            filtered port, and probe, as found\n"
		"  --closed                  JSON lists closed ports too\n"
		"  -oX, --xml FILE           nmap-compatible XML (nmap.dtd, ndiff)\n"
		"  -oG, --grepable FILE      nmap's grepable format\n"
		"  -oA, --all-formats BASE   BASE.jsonl, BASE.xml and BASE.gnmap\n"
		"  --store[=PATH]            into the port history (diff --scans)\n"
		"  --open                    show only open ports and their hosts\n"
		"  -v, --verbose             each open port on stderr at once\n"
		"  -q, --quiet               no table, no summary on stderr\n"
		"  --no-progress             no progress line on a terminal\n"
		"\n"
		"examples:\n"
		"  portier scan 198.19.1.2 -p-                  every TCP port\n"
		"  portier scan -sT 198.19.0.0/16 -p 22,80,139,445,3389 --open\n"
		"  portier scan -sSU 198.19.1.2 -p T:22,445,U:53,137,161\n"
		"  portier scan 198.19.1.0/24 -F --store        kept for diff --scans\n"
		"  portier scan 198.19.1.0/24 -p 139,445 -sV    SMB1? signing? names\n"
		"  portier scan 198.19.1.2 -p 21,22,80 -sV      versions, anonymous FTP\n"
		"  portier scan -iL hosts.txt --exclude 198.19.1.1 -p 445 -oX smb.xml\n"
		"  portier scan 198.19.0.0/16 -p 80 --seed 7 --shard 1/2  (and 2/2)\n"
		"  portier scan 198.19.0.0/16 -p- --resume scan.ckpt   (again after ^C)\n"
		"\n"
		"exit: 0 done, 2 bad input (nothing sent), 3 failure or interrupted;\n"
		"stderr ends with probes sent, replies, loss and rate.\n",
};
