/*
 * policy.c - what the guard daemon does about an alert: allowlisted
 * sources are never blocked, the rest are blocked for the ban the detector
 * escalated (a /64 or the address, as the allowlist allows), at most
 * ban_rate new bans per calendar minute, and a block the cap or nftables
 * refused is retried instead of letting the scanner go for a whole ban.
 *
 * The one idea: the decision is a value.  _decide and _failed return what
 * to do and when to try again; the daemon (src/cli/cmd_guard.c) runs
 * nftables, unflags the source in the detector and prints, so every branch
 * here is tested without a kernel (tests/unit/test_guard_policy.c).
 */
#include <string.h>

#include "portier/guard.h"

#define MINUTE_US     60000000ull
#define RETRY_FAIL_US 5000000ull /* after a failed block */

void portier_guard_policy_init(struct portier_guard_policy *p,
			       const struct portier_guard_policy_config *cfg)
{
	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
}

struct portier_guard_decision
portier_guard_policy_decide(struct portier_guard_policy *p,
			    const struct portier_guard_allow *allow,
			    const struct portier_guard_alert *a,
			    const struct portier_addr *real, uint64_t now_us)
{
	struct portier_guard_decision d = {.verdict = PG_ACT_MONITOR};
	const struct portier_guard_source *s = &a->src;
	unsigned plen = portier_guard_ban_prefix(allow, real,
						 p->cfg.v6_prefix64, &d.why);

	p->n_alerts++;
	if (!plen) {
		/* alert, never block: spoofing our gateway must not cut us off */
		d.verdict = PG_ACT_SKIP_ALLOWED;
		return d;
	}
	if (!p->cfg.block) {
		d.why = NULL;
		return d;
	}
	if (now_us / MINUTE_US != p->ban_minute) {
		p->ban_minute = now_us / MINUTE_US;
		p->bans_this_minute = 0;
	}
	if (p->bans_this_minute >= p->cfg.ban_rate) {
		/* pending: its first probe of the next minute (when the
		 * budget has refilled) alerts and blocks again */
		d.verdict = PG_ACT_SKIP_RATE;
		d.retry_us = (p->ban_minute + 1) * MINUTE_US;
		d.why = NULL;
		return d;
	}
	d.verdict = s->offenses > 1 ? PG_ACT_EXTEND : PG_ACT_BLOCK;
	d.prefix = plen;
	d.timeout_s = a->ban_s;
	return d;
}

struct portier_guard_decision
portier_guard_policy_failed(struct portier_guard_policy *p,
			    const struct portier_guard_decision *d, int code,
			    bool rebuilt, uint64_t now_us)
{
	struct portier_guard_decision r = *d;

	(void)p;
	if (code == PORTIER_ENOENT && !rebuilt) {
		/* the table vanished under us (a flushed ruleset) */
		r.verdict = PG_ACT_REBUILD;
		return r;
	}
	/* try again at its first probe a few seconds from now */
	r.verdict = PG_ACT_RETRY;
	r.retry_us = now_us + RETRY_FAIL_US;
	return r;
}

void portier_guard_policy_blocked(struct portier_guard_policy *p)
{
	p->bans_this_minute++;
	p->n_blocks++;
}

bool portier_guard_policy_report(struct portier_guard_policy *p,
				 uint64_t now_us, unsigned *suppressed)
{
	uint64_t now_ns = now_us * 1000;

	/* a second's worth of alerts at once, then alert_rate a second */
	if (!p->alerts_started) {
		portier_bucket_init(&p->alerts, (double)p->cfg.alert_rate,
				    (double)p->cfg.alert_rate, now_ns);
		p->alerts_started = true;
	}
	if (!portier_bucket_take(&p->alerts, now_ns)) {
		p->suppressed++;
		return false;
	}
	*suppressed = p->suppressed;
	p->suppressed = 0;
	return true;
}

void portier_guard_policy_view(const struct portier_guard_policy *p,
			       const struct portier_guard_allow *allow,
			       const struct portier_guard_probe *in,
			       struct portier_guard_probe *out)
{
	const struct portier_guard_cidr *why;
	struct portier_addr src = portier_guard_probe_src(in);

	*out = *in;
	if (p->cfg.v6_prefix64 && in->family == 6 && !in->outgoing &&
	    portier_guard_ban_prefix(allow, &src, true, &why) == 64)
		memset(out->src + 8, 0, 8);
}

const char *portier_guard_verdict_action(enum portier_guard_verdict v)
{
	switch (v) {
	case PG_ACT_MONITOR:
		return "monitor";
	case PG_ACT_SKIP_ALLOWED:
		return "allowlisted";
	case PG_ACT_BLOCK:
	case PG_ACT_EXTEND:
		return "blocked";
	case PG_ACT_SKIP_RATE:
		return "rate-limited";
	case PG_ACT_REBUILD:
	case PG_ACT_RETRY:
		return "block-failed";
	}
	return "monitor";
}
