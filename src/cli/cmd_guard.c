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
#include "portier/file.h"
#include "portier/guard.h"

struct guard_opts {
	bool block, json, use_syslog, status, v6_prefix64;
	const char *unblock;
	const char *ifname;
	const char *alert_file;
	const char *state_dir;
	unsigned long ban_rate, max_bans, checkpoint_s, alert_rate, duration_s;
	struct portier_guard_config cfg;
	struct portier_guard_allow allow;
};

struct guard_run {
	struct cli *cli;
	struct guard_opts *o;
	struct portier_guard_det *det;
	struct portier_guard_judge *judge;
	struct portier_guard_sys *sys;
	struct portier_guard_cap *cap;
	struct portier_guard_nft *nft;
	FILE *alerts;
	char state_path[4096];
	struct portier_guard_policy policy; /* what to do about alerts */
	bool dirty;	     /* an alert since the last checkpoint */
	uint64_t last_cp_us; /* when the last checkpoint was written */
	uint64_t drops_told; /* kernel drops already reported */
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static uint64_t wall_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
}

static const char *state_dir(const struct guard_opts *o, char *buf, size_t len)
{
	const char *env = getenv("PORTIER_STATE_DIR");

	if (o->state_dir)
		return o->state_dir;
	if (env && *env) {
		snprintf(buf, len, "%s/guard", env);
		return buf;
	}
	return "/var/lib/portier/guard";
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
		cli_notice(
			r->cli,
			"table inet portier_guard is gone; creating it again");
		rebuilt = true;
		rc = portier_guard_nft_restore(r->nft, &r->o->allow, err);
		if (rc < 0)
			return portier_guard_policy_failed(&r->policy, &d, rc,
							   rebuilt, now);
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
	uint64_t now = wall_us();
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
		x.block_us = wall_us();
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
	r->last_cp_us = wall_us();
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
		/* the table was flushed away under us: build it again */
		cli_notice(r->cli, "table inet portier_guard is gone; creating "
				   "it again");
		portier_err_clear(&err);
		if (portier_guard_nft_restore(r->nft, &r->o->allow, &err) < 0)
			return cli_report(r->cli, &err);
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
			    r->state_path, wall_us() / 1000000, aside,
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
	uint64_t start = wall_us(), last_cp = start, received, dropped;
	char dirbuf[4096];
	const char *dir = state_dir(o, dirbuf, sizeof(dirbuf));
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
	if (o->block) {
		struct portier_guard_nft_options no = {
			.max_elements = (uint32_t)o->max_bans,
			.v6_prefix64 = o->v6_prefix64};

		if (portier_guard_nft_open(&r->nft, &no, &o->allow, &err) < 0)
			return cli_report(r->cli, &err);
	}
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
		struct pollfd pfd = {.fd = portier_guard_cap_fd(r->cap),
				     .events = POLLIN};
		uint64_t now;

		if (poll(&pfd, 1, 500) < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		if ((pfd.revents & POLLIN) && (rc = drain(r)) < 0)
			break;
		now = wall_us();
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

/* ---- --status and --unblock ------------------------------------------------- */

struct top {
	const struct portier_guard_source *v[10];
	size_t n;
};

static bool keep_top(const struct portier_guard_source *s, void *ctx)
{
	struct top *t = ctx;
	size_t i, at;

	for (at = 0; at < t->n; at++)
		if (s->llr > t->v[at]->llr)
			break;
	if (at >= 10)
		return true;
	if (t->n < 10)
		t->n++;
	for (i = t->n - 1; i > at; i--)
		t->v[i] = t->v[i - 1];
	t->v[at] = s;
	return true;
}

static int show_status(struct guard_run *r)
{
	struct portier_guard_block *blocks = NULL;
	struct portier_guard_det *det = NULL;
	struct portier_err err = {0};
	struct top top = {.n = 0};
	char dirbuf[4096], path[4200], addr[PORTIER_PREFIX_STRLEN], when[32];
	size_t n = 0, i;
	uint64_t drops4 = 0, drops6 = 0;
	int rc = portier_guard_nft_list(&blocks, &n, &err);

	if (rc < 0 && rc != PORTIER_ENOENT)
		return cli_report(r->cli, &err);
	snprintf(path, sizeof(path), "%s/guard.state",
		 state_dir(r->o, dirbuf, sizeof(dirbuf)));
	if (portier_guard_det_new(&det, &r->o->cfg, NULL) == 0 &&
	    portier_guard_checkpoint_load(det, path, NULL) == 0)
		portier_guard_det_each(det, keep_top, &top);
	if (rc == 0)
		portier_guard_nft_drops(&drops4, &drops6, NULL);
	if (!r->o->json) {
		printf("blocks in table inet portier_guard: %zu%s\n", n,
		       rc == PORTIER_ENOENT ? " (no table: guard --block has "
					      "not run here)"
					    : "");
		if (rc == 0)
			printf("packets dropped by the block rules: %llu IPv4, "
			       "%llu IPv6\n",
			       (unsigned long long)drops4,
			       (unsigned long long)drops6);
	} else if (rc == 0) {
		printf("{\"type\":\"drops\",\"ipv4\":%llu,\"ipv6\":%llu}\n",
		       (unsigned long long)drops4, (unsigned long long)drops6);
	}
	for (i = 0; i < n; i++) {
		if (r->o->json)
			printf("{\"type\":\"block\",\"address\":\"%s\","
			       "\"prefix\":%u,\"timeout\":%u,\"expires\":%u}\n",
			       portier_addr_str(&blocks[i].prefix.addr, addr,
						sizeof(addr)),
			       blocks[i].prefix.plen, blocks[i].timeout_s,
			       blocks[i].expires_s);
		else
			printf("  %s  expires in %us (of %us)\n",
			       portier_prefix_str(&blocks[i].prefix, addr,
						  sizeof(addr)),
			       blocks[i].expires_s, blocks[i].timeout_s);
	}
	if (!r->o->json)
		printf("top sources (checkpoint %s): %zu\n", path, top.n);
	for (i = 0; i < top.n; i++) {
		const struct portier_guard_source *s = top.v[i];
		struct portier_guard_class c = portier_guard_classify(s);

		portier_addr_str(&s->addr, addr, sizeof(addr));
		if (r->o->json)
			printf("{\"type\":\"source\",\"source\":\"%s\",\"llr\":%.3f,"
			       "\"probes\":%u,\"failures\":%u,\"successes\":%u,"
			       "\"offenses\":%u,\"scan_type\":\"%s\","
			       "\"last_seen\":\"%s\"}\n",
			       addr, s->llr, s->probes, s->failures,
			       s->successes, s->offenses,
			       portier_guard_kind_name(c.kind),
			       portier_guard_time_str(s->last_us, when,
						      sizeof(when)));
		else
			printf("  %-39s score %6.2f  %u probes, %u failed, %u "
			       "open, %u offences, %s, last %s\n",
			       addr, s->llr, s->probes, s->failures,
			       s->successes, s->offenses,
			       portier_guard_kind_name(c.kind),
			       portier_guard_time_str(s->last_us, when,
						      sizeof(when)));
	}
	portier_guard_det_free(det);
	portier_free(blocks);
	return EXIT_OK;
}

static int do_unblock(struct guard_run *r)
{
	struct portier_prefix c;
	struct portier_err err = {0};

	if (portier_prefix_parse(r->o->unblock, PORTIER_PREFIX_CLEAR_HOST_BITS,
				 &c, &err) < 0 ||
	    (c.addr.family == 4 ? c.plen != 32 : c.plen != 128)) {
		cli_error(r->cli, "bad address '%s'", r->o->unblock);
		cli_hint("--unblock takes one address, e.g. 192.0.2.7 or "
			 "2001:db8::7");
		return EXIT_USAGE;
	}
	if (portier_guard_nft_unblock(&c.addr, &err) < 0)
		return cli_report(r->cli, &err);
	printf("unblocked %s\n", r->o->unblock);
	return EXIT_OK;
}

/* ---- options -------------------------------------------------------------------- */

static int num(struct cli *cli, const char *opt, const char *arg,
	       unsigned long lo, unsigned long hi, unsigned long *out)
{
	if (portier_parse_ulong(arg, lo, hi, out) == 0)
		return 0;
	cli_error(cli, "bad value '%s' for %s", arg, opt);
	cli_hint("a whole number from %lu to %lu", lo, hi);
	return -1;
}

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
	while ((ch = getopt_long(argc, argv, "i:", longopts, NULL)) != -1) {
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
			if (num(cli, "--ban-time", optarg, 1, 31536000, &v) < 0)
				goto out;
			o.cfg.ban_s = (uint32_t)v;
			break;
		case O_BANMAX:
			if (num(cli, "--ban-max", optarg, 1, 31536000, &v) < 0)
				goto out;
			o.cfg.ban_max_s = (uint32_t)v;
			break;
		case O_BANRATE:
			if (num(cli, "--ban-rate", optarg, 1, 1000000,
				&o.ban_rate) < 0)
				goto out;
			break;
		case O_MAXBANS:
			if (num(cli, "--max-bans", optarg, 16, 16777216,
				&o.max_bans) < 0)
				goto out;
			break;
		case O_V6:
			o.v6_prefix64 = true;
			break;
		case O_MAXSRC:
			if (num(cli, "--max-sources", optarg, 16, 16777216,
				&v) < 0)
				goto out;
			o.cfg.max_sources = v;
			break;
		case O_SLOW:
			if (num(cli, "--slow-ports", optarg, 2,
				PORTIER_GUARD_PORTS_KEPT, &v) < 0)
				goto out;
			o.cfg.slow_ports = (unsigned)v;
			break;
		case O_WINDOW:
			if (num(cli, "--window", optarg, 60, 30 * 86400, &v) <
			    0)
				goto out;
			o.cfg.window_s = (uint32_t)v;
			break;
		case O_CP:
			if (num(cli, "--checkpoint", optarg, 1, 3600,
				&o.checkpoint_s) < 0)
				goto out;
			break;
		case O_ARATE:
			if (num(cli, "--alert-rate", optarg, 1, 100000,
				&o.alert_rate) < 0)
				goto out;
			break;
		case O_DUR:
			if (num(cli, "--duration", optarg, 1, 31536000,
				&o.duration_s) < 0)
				goto out;
			break;
		case O_STATUS:
			o.status = true;
			break;
		case O_UNBLOCK:
			o.unblock = optarg;
			break;
		default:
			cli_hint("see 'portier guard --help'");
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
		rc = show_status(&r);
	else if (o.unblock)
		rc = do_unblock(&r);
	else
		rc = daemon_run(&r);
out:
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
		"  --checkpoint SECS  save state this often (60) and at every alert\n"
		"  --alert-rate N     at most N alerts per second are written (20)\n"
		"  --duration SECS    stop after SECS (default: until SIGINT/SIGTERM)\n"
		"  --status           list current blocks and the top sources\n"
		"  --unblock ADDR     remove ADDR from the block set\n"
		"\n"
		"examples:\n"
		"  portier guard --json\n"
		"  portier guard --block --allow 192.0.2.0/24 --alert-file /var/log/scans.jsonl\n"
		"  portier guard --status\n"
		"  portier guard --unblock 198.51.100.7\n",
};
