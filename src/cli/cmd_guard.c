/*
 * cmd_guard.c - `portier guard`: watch this host's (this network
 * namespace's) inbound packets, notice port scans within a few probes,
 * alert, and with --block put the scanner into an nftables set with a
 * timeout.  Also `--status` (current blocks and top sources) and
 * `--unblock ADDR`.
 *
 * This file is the daemon's loop and nothing else: poll the capture
 * socket, judge and feed each packet, carry out what the library's policy
 * decides about each alert (portier_guard_policy_decide: allowlist, ban-rate
 * cap, block, retry), write alerts, checkpoint every --checkpoint seconds
 * and at every alert, and leave cleanly on SIGINT/SIGTERM.  The library
 * does the thinking (include/portier/guard.h).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/guard_run.h"
#include "portier/file.h"
#include "portier/guard.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* ---- acting on an alert ------------------------------------------------ */

static void print_human(struct guard_run *r,
			const struct portier_guard_alert *a,
			const struct portier_guard_action *x)
{
	const struct portier_guard_source *s = &a->src;
	char addr[PORTIER_ADDR_STRLEN], when[32];
	uint8_t i, shown = 0;

	portier_addr_str(&s->addr, addr, sizeof(addr));
	printf("%s %sscan from %s%s: %s (%s), %u probes, ports ",
	       portier_guard_time_str(s->flagged_us, when, sizeof(when)),
	       cli_color_on(r->cli, CLI_BOLD), addr, cli_color_off(r->cli),
	       portier_guard_kind_name(a->cls.kind), a->cls.tool,
	       s->probes_at_flag);
	for (i = 0; i < s->n_touch && shown < 8; i++) {
		if (s->touch[i].outcome != PG_FAILURE)
			continue;
		printf("%s%u", shown++ ? "," : "", s->touch[i].port);
	}
	if (s->failures > shown)
		printf(",...");
	printf(" -> %s%s%s", cli_color_on(r->cli, CLI_RED), x->action,
	       cli_color_off(r->cli));
	if (x->block_us)
		printf(" /%u for %us", x->block_prefix, a->ban_s);
	if (x->address)
		printf(" (probe from %s)", x->address);
	if (x->note)
		printf(" (%s)", x->note);
	if (x->allow_why)
		printf(" (%s)", x->allow_why);
	if (x->error)
		printf(" (%s)", x->error);
	putchar('\n');
	fflush(stdout);
}

/*
 * Carry out a BLOCK/EXTEND decision: add the element, and when the policy
 * says so build the table again first (it vanished under us) and add it
 * once more.  The final decision: d itself when the block is in, RETRY
 * otherwise, with the reason in err.
 */
static struct portier_guard_decision
block(struct guard_run *r, const struct portier_addr *real,
      struct portier_guard_decision d, uint64_t now, struct portier_err *err)
{
	struct portier_guard_decision f;
	struct portier_prefix ban = {*real, (uint8_t)d.prefix};
	bool rebuilt = false;

	for (;;) {
		int rc = portier_guard_nft_block_prefix(r->nft, &ban,
							d.timeout_s, err);

		if (rc == 0)
			return d;
		f = portier_guard_policy_failed(&r->policy, &d, rc, rebuilt,
						now);
		if (f.verdict != PG_ACT_REBUILD)
			return f;
		portier_err_clear(err);
		rebuilt = true;
		/* the table and every ban in force back, this one included */
		if (guard_keep_bans(r, true, "table-gone") != 0) {
			portier_err_set(err, PORTIER_EIO,
					"cannot build table inet "
					"portier_guard again");
			return portier_guard_policy_failed(
				&r->policy, &d, PORTIER_EIO, rebuilt, now);
		}
	}
}

/* Act on an alert; real is the address the flagging probe came from (the
 * alert's source is its /64 with --v6-prefix64). */
static void act(struct guard_run *r, const struct portier_guard_alert *a,
		const struct portier_addr *real)
{
	const struct portier_guard_source *s = &a->src;
	struct portier_guard_action x = {0};
	struct portier_err err = {0};
	uint64_t now = guard_wall_us();
	struct portier_guard_decision d = portier_guard_policy_decide(
		&r->policy, &r->o->allow, a, real, now);
	char *json, realtxt[PORTIER_ADDR_STRLEN], note[160];
	char whytxt[PORTIER_PREFIX_STRLEN];
	const struct portier_guard_cidr *why = d.why;

	if (portier_addr_cmp(real, &s->addr) != 0)
		x.address = portier_addr_str(real, realtxt, sizeof(realtxt));
	if (d.verdict == PG_ACT_BLOCK || d.verdict == PG_ACT_EXTEND)
		d = block(r, real, d, now, &err);
	switch (d.verdict) {
	case PG_ACT_SKIP_ALLOWED:
		x.allow_why = portier_guard_allow_why_name(why->why);
		break;
	case PG_ACT_SKIP_RATE:
	case PG_ACT_RETRY:
	case PG_ACT_REBUILD:
		if (d.verdict != PG_ACT_SKIP_RATE)
			x.error = err.msg;
		portier_guard_det_unflag(r->det, &s->addr, d.retry_us);
		break;
	case PG_ACT_BLOCK:
	case PG_ACT_EXTEND:
		x.block_prefix = d.prefix;
		if (why) { /* the /64 holds an allowlisted address */
			snprintf(note, sizeof(note),
				 "blocked the address "
				 "only: its /64 holds %s (%s)",
				 portier_prefix_str(&why->prefix, whytxt,
						    sizeof(whytxt)),
				 portier_guard_allow_why_name(why->why));
			x.note = note;
		}
		x.block_us = guard_wall_us();
		portier_guard_policy_blocked(&r->policy);
		break;
	case PG_ACT_MONITOR:
		break;
	}
	x.action = portier_guard_verdict_action(d.verdict);
	if (!portier_guard_policy_report(&r->policy, now, &x.suppressed))
		return;
	json = portier_guard_alert_json(a, &x);
	if (json && r->alerts) {
		fprintf(r->alerts, "%s\n", json);
		fflush(r->alerts);
	}
	if (json && r->o->json) {
		printf("%s\n", json);
		fflush(stdout);
	} else if (!r->o->json) {
		print_human(r, a, &x);
	}
	if (r->o->use_syslog) {
		char addr[PORTIER_ADDR_STRLEN];

		syslog(LOG_WARNING, "%s scan from %s (%s, %u probes): %s",
		       portier_guard_kind_name(a->cls.kind),
		       x.address
			       ? x.address
			       : portier_addr_str(&s->addr, addr, sizeof(addr)),
		       a->cls.tool, s->probes_at_flag, x.action);
	}
	portier_free(json);
}

static void checkpoint(struct guard_run *r)
{
	struct portier_err err = {0};

	if (portier_guard_checkpoint_save(r->det, r->state_path, &err) < 0)
		cli_report(r->cli, &err);
	r->dirty = false;
	r->last_cp_us = guard_wall_us();
}

/* Say so when the kernel had to drop packets since the last report. */
static void report_drops(struct guard_run *r)
{
	uint64_t received, dropped;

	portier_guard_cap_stats(r->cap, &received, &dropped);
	if (dropped > r->drops_told) {
		cli_notice(r->cli,
			   "the kernel dropped %llu packets (%llu in all) "
			   "for lack of socket buffer; scans may be seen late",
			   (unsigned long long)(dropped - r->drops_told),
			   (unsigned long long)dropped);
		r->drops_told = dropped;
	}
}

/* ---- the loop ---------------------------------------------------------------- */

static int drain(struct guard_run *r)
{
	struct portier_guard_probe p, q;
	int n, budget = 4096;

	while (budget-- > 0 && (n = portier_guard_cap_next(r->cap, &p)) != 0) {
		enum portier_guard_kind k;
		enum portier_guard_outcome oc;
		struct portier_guard_alert a;

		if (n < 0)
			return n;
		/* on a router most packets for our MAC are for other hosts:
		 * only what is addressed to this host can be a scan of it */
		struct portier_addr dst = portier_guard_probe_dst(&p), real;

		if (!p.outgoing &&
		    !portier_guard_allow_is_own(&r->o->allow, &dst))
			continue;
		k = portier_guard_kind_of(&p);
		/* the detector's view: with --v6-prefix64 an IPv6 source is
		 * its /64, so a scanner hopping addresses inside it (any host
		 * can) is still one source; the judge needs the real one.  Not
		 * a /64 that could never be banned whole (it holds one of our
		 * addresses, a gateway, an --allow entry: our own LAN): there
		 * each address is its own source, so one flagged neighbour
		 * (even an allowlisted one) does not hide the others */
		portier_guard_policy_view(&r->policy, &r->o->allow, &p, &q);
		/* a flagged source's probes are dropped by the kernel and are
		 * no connection: no need to ask the socket table about them */
		if (k < PG_KIND_NONE && !p.outgoing &&
		    portier_guard_det_flagged(r->det, &q))
			oc = PG_FAILURE;
		else
			oc = portier_guard_judge(r->judge, &p, k);
		n = portier_guard_det_feed(r->det, &q, k, oc, &a);
		if (n < 0)
			return n;
		if (n == 1) {
			real = portier_guard_probe_src(&p);
			act(r, &a, &real); /* the real source, not its /64 */
			r->dirty =
				true; /* offence counts must survive a crash */
		}
	}
	return 0;
}

static int refresh_allow(struct guard_run *r, size_t user_n)
{
	struct portier_err err = {0};

	r->o->allow.n = user_n; /* loopback and --allow stay; the rest anew */
	portier_guard_allow_system(&r->o->allow, r->cli->proc_root,
				   "/etc/resolv.conf", true);
	if (r->nft &&
	    portier_guard_nft_set_allow(r->nft, &r->o->allow, &err) < 0) {
		if (err.code != PORTIER_ENOENT)
			return cli_report(r->cli, &err);
		/* the table was flushed away under us: build it again, with
		 * every ban still in force */
		return guard_keep_bans(r, true, "table-gone");
	}
	return 0;
}

/*
 * The checkpoint, believed whole or not at all: a refused one (damaged,
 * foreign, newer) is renamed aside and guard starts empty.  0, or an exit
 * code.
 */
static int load_state(struct guard_run *r)
{
	struct portier_err err = {0};
	char aside[4200];
	int rc = portier_guard_checkpoint_load(r->det, r->state_path, &err);

	if (rc == 0 || rc == PORTIER_ENOENT)
		return 0;
	cli_report(r->cli, &err);
	portier_err_clear(&err);
	if (rc == PORTIER_EINVAL) {
		if (portier_guard_checkpoint_set_aside(
			    r->state_path, guard_wall_us() / 1000000, aside,
			    sizeof(aside), &err) == 0)
			cli_notice(r->cli,
				   "kept the refused checkpoint as '%s'",
				   aside);
		else
			cli_report(r->cli, &err);
	}
	cli_notice(r->cli, "starting without the old state");
	/* nothing of it may remain (ENOMEM can stop a load half-way) */
	portier_guard_det_free(r->det);
	r->det = NULL;
	portier_err_clear(&err);
	if (portier_guard_det_new(&r->det, &r->o->cfg, &err) < 0)
		return cli_report(r->cli, &err);
	return 0;
}

static int daemon_run(struct guard_run *r)
{
	struct guard_opts *o = r->o;
	struct portier_err err = {0};
	struct portier_guard_env env;
	struct sigaction sa;
	size_t user_n = o->allow.n;
	uint64_t start = guard_wall_us(), last_cp = start, received, dropped;
	char dirbuf[4096];
	const char *dir = guard_state_dir(o, dirbuf, sizeof(dirbuf));
	int rc;

	struct portier_guard_policy_config pc = {.block = o->block,
						 .v6_prefix64 = o->v6_prefix64,
						 .ban_rate = o->ban_rate,
						 .alert_rate = o->alert_rate};

	portier_guard_policy_init(&r->policy, &pc);
	/* first what needs privilege, so that its error is the one shown */
	if (portier_guard_cap_open(&r->cap, o->ifname, &err) < 0)
		return cli_report(r->cli, &err);
	if (portier_file_state_dir(dir, true, NULL, &err) < 0)
		return cli_report(r->cli, &err);
	if (snprintf(r->state_path, sizeof(r->state_path), "%s/guard.state",
		     dir) >= (int)sizeof(r->state_path)) {
		cli_error(r->cli, "state directory name too long: '%.60s...'",
			  dir);
		return EXIT_USAGE;
	}
	if ((rc = portier_guard_det_new(&r->det, &o->cfg, &err)) < 0)
		return cli_report(r->cli, &err);
	if ((rc = load_state(r)) != 0)
		return rc;
	if (o->alert_file) {
		r->alerts = fopen(o->alert_file, "a");
		if (!r->alerts) {
			cli_error(r->cli, "cannot open alert file '%s': %s",
				  o->alert_file, strerror(errno));
			return EXIT_RUNTIME;
		}
	}
	if (portier_guard_sys_new(&r->sys, 250, &err) < 0)
		return cli_report(r->cli, &err);
	portier_guard_sys_env(r->sys, &env);
	if ((rc = portier_guard_judge_new(&r->judge, 65536, &env)) < 0) {
		portier_err_set(&err, rc,
				"out of memory for the judge's cache "
				"of %u flows",
				65536u);
		return cli_report(r->cli, &err);
	}
	portier_guard_allow_system(&o->allow, r->cli->proc_root,
				   "/etc/resolv.conf", true);
	/* the kernel is the truth: before the first probe is judged, every
	 * remembered ban in force is in the kernel, or its source is judged
	 * again.  The monitor opens first, so a deletion made while the
	 * restore runs is an event the loop still sees (our own writes only
	 * cost one more comparison) */
	if (o->block && portier_guard_nftmon_open(&r->mon, &err) < 0)
		return cli_report(r->cli, &err);
	if ((rc = guard_keep_bans(r, false, "start")) != 0)
		return rc;
	if (o->use_syslog)
		openlog("portier-guard", LOG_PID, LOG_DAEMON);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	cli_notice(r->cli,
		   "watching %s for scans%s; %zu sources remembered, "
		   "%zu allowlist entries",
		   o->ifname ? o->ifname : "every interface",
		   o->block ? ", blocking in table inet portier_guard" : "",
		   portier_guard_det_count(r->det), o->allow.n);
	rc = 0;
	while (!stop_flag) {
		struct pollfd pfd[2] = {
			{.fd = portier_guard_cap_fd(r->cap), .events = POLLIN},
			{.fd = r->mon ? portier_guard_nftmon_fd(r->mon) : -1,
			 .events = POLLIN}};
		uint64_t now;

		if (poll(pfd, 2, 500) < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		/* the table first: a scan in the gap is judged all the same */
		if ((pfd[1].revents & POLLIN) &&
		    portier_guard_nftmon_read(r->mon) > 0)
			guard_keep_bans(r, true, "table-changed");
		if ((pfd[0].revents & POLLIN) && (rc = drain(r)) < 0)
			break;
		now = guard_wall_us();
		if (now >= last_cp + o->checkpoint_s * 1000000) {
			portier_guard_det_expire(r->det, now);
			checkpoint(r);
			refresh_allow(r, user_n);
			report_drops(r);
			last_cp = now;
		} else if (r->dirty && now >= r->last_cp_us + 1000000) {
			/* at most one extra checkpoint a second under a flood
			 * of alerts: each one writes every source */
			checkpoint(r);
		}
		if (o->duration_s && now >= start + o->duration_s * 1000000)
			break;
	}
	checkpoint(r);
	portier_guard_cap_stats(r->cap, &received, &dropped);
	cli_notice(r->cli,
		   "%lu alerts, %lu blocks; %llu packets read, %llu "
		   "lost by the kernel",
		   r->policy.n_alerts, r->policy.n_blocks,
		   (unsigned long long)received, (unsigned long long)dropped);
	if (rc < 0) {
		cli_error(r->cli, "capture failed: %s", strerror(-rc));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

/* ---- --unblock ----------------------------------------------------------- */

/*
 * End a remembered ban of a in the state file, so that the next start
 * does not put it back (a running guard sees the element go and releases
 * the source itself; its next checkpoint agrees).  1 if the state file
 * banned a, 0 if it did not or there is none, or the exit code after the
 * error was printed.
 */
static int forget_ban(struct guard_run *r, const struct portier_addr *a)
{
	struct portier_guard_det *det = NULL;
	struct portier_err err = {0};
	char dirbuf[4096], path[4200];
	uint64_t now = guard_wall_us();
	struct portier_guard_probe p = {0};
	int rc;

	snprintf(path, sizeof(path), "%s/guard.state",
		 guard_state_dir(r->o, dirbuf, sizeof(dirbuf)));
	if (portier_guard_det_new(&det, &r->o->cfg, &err) < 0)
		return cli_report(r->cli, &err);
	rc = portier_guard_checkpoint_load(det, path, &err);
	if (rc == PORTIER_ENOENT) {
		rc = 0;
		goto out;
	}
	if (rc < 0) {
		rc = cli_report(r->cli, &err);
		goto out;
	}
	p.family = a->family;
	memcpy(p.src, a->b, sizeof(p.src));
	p.ts_us = now;
	if (!portier_guard_det_flagged(det, &p)) {
		rc = 0;
		goto out;
	}
	rc = portier_guard_det_release(det, a, now);
	if (rc == 0)
		rc = portier_guard_checkpoint_save(det, path, &err);
	rc = rc < 0 ? cli_report(r->cli, &err) : 1;
out:
	portier_guard_det_free(det);
	return rc;
}

static int do_unblock(struct guard_run *r)
{
	struct portier_prefix c;
	struct portier_err err = {0};
	int in_kernel, in_state;

	if (portier_prefix_parse(r->o->unblock, PORTIER_PREFIX_CLEAR_HOST_BITS,
				 &c, &err) < 0 ||
	    (c.addr.family == 4 ? c.plen != 32 : c.plen != 128)) {
		cli_error(r->cli, "bad address '%s'", r->o->unblock);
		cli_hint("--unblock takes one address, e.g. 192.0.2.7 or "
			 "2001:db8::7");
		return EXIT_USAGE;
	}
	in_kernel = portier_guard_nft_unblock(&c.addr, &err);
	if (in_kernel < 0 && in_kernel != PORTIER_ENOENT)
		return cli_report(r->cli, &err);
	in_state = forget_ban(r, &c.addr);
	if (in_state > 1)
		return in_state; /* an exit code: the error is printed */
	if (in_kernel < 0 && !in_state)
		return cli_report(r->cli, &err);
	printf("unblocked %s%s\n", r->o->unblock,
	       in_kernel < 0 ? " (it was banned in the state file only: the "
			       "next start will not put it back)"
			     : "");
	return EXIT_OK;
}

/* ---- options -------------------------------------------------------------------- */

static int cmd_guard(struct cli *cli, int argc, char **argv)
{
	enum {
		O_BLOCK = 256,
		O_ALLOW,
		O_ALERTS,
		O_JSON,
		O_SYSLOG,
		O_STATE,
		O_BAN,
		O_BANMAX,
		O_BANRATE,
		O_MAXBANS,
		O_V6,
		O_MAXSRC,
		O_SLOW,
		O_WINDOW,
		O_CP,
		O_ARATE,
		O_DUR,
		O_STATUS,
		O_UNBLOCK
	};
	static const struct option longopts[] = {
		{"block", no_argument, NULL, O_BLOCK},
		{"allow", required_argument, NULL, O_ALLOW},
		{"interface", required_argument, NULL, 'i'},
		{"alert-file", required_argument, NULL, O_ALERTS},
		{"json", no_argument, NULL, O_JSON},
		{"syslog", no_argument, NULL, O_SYSLOG},
		{"state-dir", required_argument, NULL, O_STATE},
		{"ban-time", required_argument, NULL, O_BAN},
		{"ban-max", required_argument, NULL, O_BANMAX},
		{"ban-rate", required_argument, NULL, O_BANRATE},
		{"max-bans", required_argument, NULL, O_MAXBANS},
		{"v6-prefix64", no_argument, NULL, O_V6},
		{"max-sources", required_argument, NULL, O_MAXSRC},
		{"slow-ports", required_argument, NULL, O_SLOW},
		{"window", required_argument, NULL, O_WINDOW},
		{"checkpoint", required_argument, NULL, O_CP},
		{"alert-rate", required_argument, NULL, O_ARATE},
		{"duration", required_argument, NULL, O_DUR},
		{"status", no_argument, NULL, O_STATUS},
		{"unblock", required_argument, NULL, O_UNBLOCK},
		{NULL, 0, NULL, 0},
	};
	struct guard_opts o = {.ban_rate = 60,
			       .max_bans = 65536,
			       .checkpoint_s = 60,
			       .alert_rate = 20};
	struct guard_run r = {.cli = cli, .o = &o};
	struct portier_err err = {0};
	struct portier_guard_cidr c;
	unsigned long v;
	int ch, rc;

	portier_guard_config_default(&o.cfg);
	if (portier_guard_allow_init(&o.allow) < 0) {
		cli_error(cli, "out of memory for the allowlist");
		return EXIT_RUNTIME;
	}
	rc = EXIT_USAGE;
	while ((ch = cli_getopt(cli, argc, argv, "i:", longopts, NULL)) != -1) {
		switch (ch) {
		case O_BLOCK:
			o.block = true;
			break;
		case O_ALLOW:
			if (portier_guard_cidr_parse(optarg, &c, &err) < 0) {
				cli_report(cli, &err);
				goto out;
			}
			if (portier_guard_allow_add(&o.allow, &c) < 0) {
				cli_error(cli,
					  "out of memory adding --allow '%s' "
					  "to the allowlist",
					  optarg);
				rc = EXIT_RUNTIME;
				goto out;
			}
			break;
		case 'i':
			o.ifname = optarg;
			break;
		case O_ALERTS:
			o.alert_file = optarg;
			break;
		case O_JSON:
			o.json = true;
			break;
		case O_SYSLOG:
			o.use_syslog = true;
			break;
		case O_STATE:
			o.state_dir = optarg;
			break;
		case O_BAN:
			if (cli_opt_ulong(cli, "--ban-time", optarg, 1,
					  31536000, &v) != 0)
				goto out;
			o.cfg.ban_s = (uint32_t)v;
			break;
		case O_BANMAX:
			if (cli_opt_ulong(cli, "--ban-max", optarg, 1, 31536000,
					  &v) != 0)
				goto out;
			o.cfg.ban_max_s = (uint32_t)v;
			break;
		case O_BANRATE:
			if (cli_opt_ulong(cli, "--ban-rate", optarg, 1, 1000000,
					  &o.ban_rate) != 0)
				goto out;
			break;
		case O_MAXBANS:
			if (cli_opt_ulong(cli, "--max-bans", optarg, 16,
					  16777216, &o.max_bans) != 0)
				goto out;
			break;
		case O_V6:
			o.v6_prefix64 = true;
			break;
		case O_MAXSRC:
			if (cli_opt_ulong(cli, "--max-sources", optarg, 16,
					  16777216, &v) != 0)
				goto out;
			o.cfg.max_sources = v;
			break;
		case O_SLOW:
			if (cli_opt_ulong(cli, "--slow-ports", optarg, 2,
					  PORTIER_GUARD_PORTS_KEPT, &v) != 0)
				goto out;
			o.cfg.slow_ports = (unsigned)v;
			break;
		case O_WINDOW:
			if (cli_opt_ulong(cli, "--window", optarg, 60,
					  30 * 86400, &v) != 0)
				goto out;
			o.cfg.window_s = (uint32_t)v;
			break;
		case O_CP:
			if (cli_opt_ulong(cli, "--checkpoint", optarg, 1, 3600,
					  &o.checkpoint_s) != 0)
				goto out;
			break;
		case O_ARATE:
			if (cli_opt_ulong(cli, "--alert-rate", optarg, 1,
					  100000, &o.alert_rate) != 0)
				goto out;
			break;
		case O_DUR:
			if (cli_opt_ulong(cli, "--duration", optarg, 1,
					  31536000, &o.duration_s) != 0)
				goto out;
			break;
		case O_STATUS:
			o.status = true;
			break;
		case O_UNBLOCK:
			o.unblock = optarg;
			break;
		default: /* cli_getopt said why */
			goto out;
		}
	}
	if (optind < argc) {
		cli_error(cli, "unexpected argument '%s'", argv[optind]);
		cli_hint("guard watches this host; it takes no targets");
		goto out;
	}
	if (o.cfg.ban_max_s < o.cfg.ban_s) {
		cli_error(cli, "--ban-max %u is shorter than --ban-time %u",
			  o.cfg.ban_max_s, o.cfg.ban_s);
		cli_hint("the longest ban must be at least the first one");
		goto out;
	}
	if (o.status)
		rc = guard_show_status(&r);
	else if (o.unblock)
		rc = do_unblock(&r);
	else
		rc = daemon_run(&r);
out:
	portier_guard_nftmon_close(r.mon);
	portier_guard_nft_close(r.nft);
	portier_guard_cap_close(r.cap);
	portier_guard_judge_free(r.judge);
	portier_guard_sys_free(r.sys);
	portier_guard_det_free(r.det);
	portier_guard_allow_free(&o.allow);
	if (r.alerts)
		fclose(r.alerts);
	return rc;
}

const struct cli_command cli_cmd_guard = {
	.name = "guard",
	.run = cmd_guard,
	.rank = 70,
	.summary = "notice port scans against this host and block them",
	.help = "usage: portier guard [--block] [--allow CIDR]... [options]\n"
		"       portier guard --status [--json]\n"
		"       portier guard --unblock ADDR\n"
		"\n"
		"Watch the packets arriving at this host (this network namespace) and\n"
		"notice port scans within a few probes, at any speed.  Each source's\n"
		"attempts on ports are scored with a sequential hypothesis test\n"
		"(Threshold Random Walk): a probe to a closed port, or a TCP packet of\n"
		"no connection (FIN, NULL, Xmas, ACK, Maimon scans), counts against it;\n"
		"a connection to a listening service counts for it, with bounded credit.\n"
		"Four failed ports in a row flag a scanner; a slow-scan window also\n"
		"flags 10 failed ports within 24 hours.  Alerts say the scan type (syn,\n"
		"connect, fin, null, xmas, ack, maimon, udp) and the tool it looks like.\n"
		"\n"
		"options:\n"
		"  --block            add flagged sources to an nftables set with a timeout,\n"
		"                     in guard's own table 'inet portier_guard'\n"
		"  --allow CIDR       never block this network (repeatable); loopback, this\n"
		"                     host's addresses, gateways and DNS servers always are\n"
		"  -i, --interface IF watch one interface (default: all but loopback)\n"
		"  --alert-file FILE  append alerts to FILE as JSON Lines\n"
		"  --json             alerts on stdout as JSON Lines (docs/json-guard.md)\n"
		"  --syslog           also log alerts to syslog (daemon facility)\n"
		"  --state-dir DIR    checkpoints (default /var/lib/portier/guard, or\n"
		"                     $PORTIER_STATE_DIR/guard)\n"
		"  --ban-time SECS    first ban (600); each repeat offence x4\n"
		"  --ban-max SECS     longest ban (604800)\n"
		"  --ban-rate N       at most N new bans per minute (60)\n"
		"  --max-bans N       size of each block set (65536)\n"
		"  --v6-prefix64      count and ban IPv6 sources by their /64\n"
		"  --max-sources N    sources remembered, least recent forgotten (32768)\n"
		"  --slow-ports N     slow-scan window: N failed ports ... (10)\n"
		"  --window SECS      ... within SECS; also how long state is kept (86400)\n"
		"  --checkpoint SECS  save state this often (60) and at every alert; at\n"
		"                     start every remembered ban in force is put back\n"
		"                     into the kernel (or, without --block, its source\n"
		"                     judged again), and a table taken away while\n"
		"                     guard runs is built again with its bans\n"
		"  --alert-rate N     at most N alerts per second are written (20)\n"
		"  --duration SECS    stop after SECS (default: until SIGINT/SIGTERM)\n"
		"  --status           list current blocks, the bans of the state file\n"
		"                     against the kernel's (and every difference), and\n"
		"                     the top sources\n"
		"  --unblock ADDR     lift ADDR's ban, in the kernel and in the state file\n"
		"\n"
		"examples:\n"
		"  portier guard --json\n"
		"  portier guard --block --allow 192.0.2.0/24 --alert-file /var/log/scans.jsonl\n"
		"  portier guard --status\n"
		"  portier guard --unblock 198.51.100.7\n",
};
