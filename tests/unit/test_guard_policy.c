/*
 * test_guard_policy.c - what the guard daemon does about an alert
 * (src/guard/policy.c), every branch without a kernel: first offence,
 * repeat escalation, the ban-rate cap and its retry, the allowlist, a full
 * set and a vanished table; the detector's /64 view; the alert-rate limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "portier/guard.h"

#define US     1000000ull
#define MINUTE (60 * US)
/* a wall-clock time 10 s into a minute */
#define T0 (29000000ull * MINUTE + 10 * US)

struct fix {
	struct portier_guard_config cfg;
	struct portier_guard_allow allow;
	struct portier_guard_policy pol;
};

static void fix_init(struct fix *f, bool block, bool prefix64,
		     unsigned long ban_rate)
{
	struct portier_guard_policy_config pc = {.block = block,
						 .v6_prefix64 = prefix64,
						 .ban_rate = ban_rate,
						 .alert_rate = 20};

	portier_guard_config_default(&f->cfg);
	assert_int_equal(portier_guard_allow_init(&f->allow), 0);
	portier_guard_policy_init(&f->pol, &pc);
}

static void allow(struct fix *f, const char *cidr, uint8_t why)
{
	struct portier_guard_cidr c;

	assert_int_equal(portier_guard_cidr_parse(cidr, &c, NULL), 0);
	c.why = why;
	assert_int_equal(portier_guard_allow_add(&f->allow, &c), 0);
}

/* An alert for text's source at its offence n, as the detector makes it. */
static struct portier_guard_alert alert(const struct fix *f, const char *text,
					uint32_t n)
{
	struct portier_guard_alert a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(portier_addr_parse(text, &a.src.addr), 0);
	a.src.offenses = n;
	a.ban_s = portier_guard_ban_seconds(&f->cfg, n);
	return a;
}

/* A blocking policy and its decision on a first offender at T0. */
static struct portier_guard_decision first_block(struct fix *f)
{
	struct portier_guard_alert a;

	fix_init(f, true, false, 60);
	a = alert(f, "198.51.100.7", 1);
	return portier_guard_policy_decide(&f->pol, &f->allow, &a, &a.src.addr,
					   T0);
}

static void test_first_offence_blocks(void **state)
{
	struct fix f;
	struct portier_guard_decision d;

	(void)state;
	d = first_block(&f);
	assert_int_equal(d.verdict, PG_ACT_BLOCK);
	assert_int_equal(d.prefix, 32);
	assert_int_equal(d.timeout_s, 600);
	assert_null(d.why);
	assert_string_equal(portier_guard_verdict_action(d.verdict), "blocked");
	portier_guard_policy_blocked(&f.pol);
	assert_int_equal(f.pol.n_alerts, 1);
	assert_int_equal(f.pol.n_blocks, 1);
	portier_guard_allow_free(&f.allow);
}

static void test_repeat_escalates(void **state)
{
	struct fix f;
	struct portier_guard_alert a;
	struct portier_guard_decision d;

	(void)state;
	fix_init(&f, true, false, 60);
	a = alert(&f, "198.51.100.7", 2);
	d = portier_guard_policy_decide(&f.pol, &f.allow, &a, &a.src.addr, T0);
	assert_int_equal(d.verdict, PG_ACT_EXTEND);
	assert_int_equal(d.timeout_s, 600 * 4);
	assert_string_equal(portier_guard_verdict_action(d.verdict), "blocked");
	a = alert(&f, "198.51.100.7", 3);
	d = portier_guard_policy_decide(&f.pol, &f.allow, &a, &a.src.addr, T0);
	assert_int_equal(d.timeout_s, 600 * 16);
	/* capped at ban_max_s */
	a = alert(&f, "198.51.100.7", 30);
	d = portier_guard_policy_decide(&f.pol, &f.allow, &a, &a.src.addr, T0);
	assert_int_equal(d.timeout_s, f.cfg.ban_max_s);
	portier_guard_allow_free(&f.allow);
}

static void test_rate_cap_and_retry(void **state)
{
	struct fix f;
	struct portier_guard_alert a, b;
	struct portier_guard_decision d;
	uint64_t minute_end = (T0 / MINUTE + 1) * MINUTE;

	(void)state;
	fix_init(&f, true, false, 2);
	a = alert(&f, "198.51.100.7", 1);
	b = alert(&f, "198.51.100.8", 1);
	d = portier_guard_policy_decide(&f.pol, &f.allow, &a, &a.src.addr, T0);
	assert_int_equal(d.verdict, PG_ACT_BLOCK);
	portier_guard_policy_blocked(&f.pol);
	/* a refused block does not count against the cap */
	d = portier_guard_policy_decide(&f.pol, &f.allow, &a, &a.src.addr,
					T0 + US);
	assert_int_equal(d.verdict, PG_ACT_BLOCK);
	d = portier_guard_policy_failed(&f.pol, &d, PORTIER_EIO, false,
					T0 + US);
	assert_int_equal(d.verdict, PG_ACT_RETRY);
	d = portier_guard_policy_decide(&f.pol, &f.allow, &a, &a.src.addr,
					T0 + 2 * US);
	assert_int_equal(d.verdict, PG_ACT_BLOCK);
	portier_guard_policy_blocked(&f.pol);
	/* the minute's budget is spent: retry at the next minute */
	d = portier_guard_policy_decide(&f.pol, &f.allow, &b, &b.src.addr,
					T0 + 3 * US);
	assert_int_equal(d.verdict, PG_ACT_SKIP_RATE);
	assert_int_equal(d.retry_us, minute_end);
	assert_string_equal(portier_guard_verdict_action(d.verdict),
			    "rate-limited");
	/* still the same minute, one microsecond before: still capped */
	d = portier_guard_policy_decide(&f.pol, &f.allow, &b, &b.src.addr,
					minute_end - 1);
	assert_int_equal(d.verdict, PG_ACT_SKIP_RATE);
	/* the retry fires when the budget has refilled */
	d = portier_guard_policy_decide(&f.pol, &f.allow, &b, &b.src.addr,
					minute_end);
	assert_int_equal(d.verdict, PG_ACT_BLOCK);
	assert_int_equal(d.timeout_s, 600);
	portier_guard_allow_free(&f.allow);
}

/* The cap's retry with the detector: the unflagged source alerts again at
 * its first probe of the next minute, at the same offence. */
static void test_rate_retry_with_detector(void **state)
{
	struct fix f;
	struct portier_guard_det *det;
	struct portier_guard_alert a, got;
	struct portier_guard_decision d;
	struct portier_guard_probe p;
	struct portier_addr src;
	uint64_t t = T0;
	unsigned i, alerts = 0;

	(void)state;
	fix_init(&f, true, false, 1);
	assert_int_equal(portier_guard_det_new(&det, &f.cfg, NULL), 0);
	a = alert(&f, "198.51.100.1", 1);
	d = portier_guard_policy_decide(&f.pol, &f.allow, &a, &a.src.addr, t);
	portier_guard_policy_blocked(&f.pol);
	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.proto = 6;
	p.tcp_flags = PG_SYN;
	memcpy(p.src, ((const uint8_t[]){198, 51, 100, 2}), 4);
	memcpy(p.dst, ((const uint8_t[]){192, 0, 2, 1}), 4);
	for (i = 0; i < 10 && !alerts; i++) {
		p.dport = (uint16_t)(1 + i);
		p.ts_us = t + i * 1000;
		alerts += (unsigned)portier_guard_det_feed(det, &p, PG_KIND_SYN,
							   PG_FAILURE, &got);
	}
	assert_int_equal(alerts, 1);
	src = portier_guard_probe_src(&p);
	d = portier_guard_policy_decide(&f.pol, &f.allow, &got, &src, p.ts_us);
	assert_int_equal(d.verdict, PG_ACT_SKIP_RATE);
	assert_int_equal(portier_guard_det_unflag(det, &src, d.retry_us), 0);
	/* probes before the retry time raise nothing */
	p.dport = 100;
	p.ts_us = d.retry_us - US;
	assert_int_equal(
		portier_guard_det_feed(det, &p, PG_KIND_SYN, PG_FAILURE, &got),
		0);
	p.dport = 101;
	p.ts_us = d.retry_us;
	assert_int_equal(
		portier_guard_det_feed(det, &p, PG_KIND_SYN, PG_FAILURE, &got),
		1);
	assert_int_equal(got.src.offenses, 1); /* no escalation */
	d = portier_guard_policy_decide(&f.pol, &f.allow, &got, &src, p.ts_us);
	assert_int_equal(d.verdict, PG_ACT_BLOCK);
	assert_int_equal(d.timeout_s, 600);
	portier_guard_det_free(det);
	portier_guard_allow_free(&f.allow);
}

static void test_allowlisted_never_blocked(void **state)
{
	struct fix f;
	struct portier_guard_alert a;
	struct portier_guard_decision d;
	int block;

	(void)state;
	for (block = 0; block < 2; block++) {
		fix_init(&f, block == 1, true, 60);
		allow(&f, "192.0.2.1", PG_ALLOW_GATEWAY);
		a = alert(&f, "192.0.2.1", 1);
		d = portier_guard_policy_decide(&f.pol, &f.allow, &a,
						&a.src.addr, T0);
		assert_int_equal(d.verdict, PG_ACT_SKIP_ALLOWED);
		assert_non_null(d.why);
		assert_int_equal(d.why->why, PG_ALLOW_GATEWAY);
		assert_string_equal(portier_guard_verdict_action(d.verdict),
				    "allowlisted");
		portier_guard_allow_free(&f.allow);
	}
}

static void test_monitor_without_block(void **state)
{
	struct fix f;
	struct portier_guard_alert a;
	struct portier_guard_decision d;
	unsigned i;

	(void)state;
	fix_init(&f, false, false, 1);
	a = alert(&f, "198.51.100.7", 1);
	for (i = 0; i < 3; i++) { /* no cap without blocking */
		d = portier_guard_policy_decide(&f.pol, &f.allow, &a,
						&a.src.addr, T0);
		assert_int_equal(d.verdict, PG_ACT_MONITOR);
	}
	assert_string_equal(portier_guard_verdict_action(d.verdict), "monitor");
	portier_guard_allow_free(&f.allow);
}

static void test_prefix64(void **state)
{
	struct fix f;
	struct portier_guard_alert a;
	struct portier_guard_decision d;
	struct portier_addr real;

	(void)state;
	fix_init(&f, true, true, 60);
	a = alert(&f, "2001:db8:1:2::", 1);
	assert_int_equal(portier_addr_parse("2001:db8:1:2::99", &real), 0);
	d = portier_guard_policy_decide(&f.pol, &f.allow, &a, &real, T0);
	assert_int_equal(d.verdict, PG_ACT_BLOCK);
	assert_int_equal(d.prefix, 64);
	assert_null(d.why);
	/* a gateway in the /64: the address only, and why */
	allow(&f, "2001:db8:1:2::1", PG_ALLOW_GATEWAY);
	d = portier_guard_policy_decide(&f.pol, &f.allow, &a, &real, T0);
	assert_int_equal(d.prefix, 128);
	assert_non_null(d.why);
	assert_int_equal(d.why->why, PG_ALLOW_GATEWAY);
	portier_guard_allow_free(&f.allow);
	/* without --v6-prefix64 the address */
	fix_init(&f, true, false, 60);
	d = portier_guard_policy_decide(&f.pol, &f.allow, &a, &real, T0);
	assert_int_equal(d.prefix, 128);
	portier_guard_allow_free(&f.allow);
}

static void test_set_full_retries(void **state)
{
	struct fix f;
	struct portier_guard_decision d, r;

	(void)state;
	d = first_block(&f);
	/* a full set is an nftables failure like any other: retry in 5 s */
	r = portier_guard_policy_failed(&f.pol, &d, PORTIER_EIO, false, T0);
	assert_int_equal(r.verdict, PG_ACT_RETRY);
	assert_int_equal(r.retry_us, T0 + 5 * US);
	assert_string_equal(portier_guard_verdict_action(r.verdict),
			    "block-failed");
	/* not counted against the cap */
	assert_int_equal(f.pol.n_blocks, 0);
	assert_int_equal(f.pol.bans_this_minute, 0);
	/* no privilege: the same */
	r = portier_guard_policy_failed(&f.pol, &d, PORTIER_EPERM, false, T0);
	assert_int_equal(r.verdict, PG_ACT_RETRY);
	portier_guard_allow_free(&f.allow);
}

static void test_table_gone_rebuilds_once(void **state)
{
	struct fix f;
	struct portier_guard_decision d, r;

	(void)state;
	d = first_block(&f);
	r = portier_guard_policy_failed(&f.pol, &d, PORTIER_ENOENT, false, T0);
	assert_int_equal(r.verdict, PG_ACT_REBUILD);
	assert_int_equal(r.prefix, 32); /* the same block, once more */
	assert_int_equal(r.timeout_s, 600);
	/* gone again after the rebuild: give up until the retry */
	r = portier_guard_policy_failed(&f.pol, &d, PORTIER_ENOENT, true,
					T0 + US);
	assert_int_equal(r.verdict, PG_ACT_RETRY);
	assert_int_equal(r.retry_us, T0 + 6 * US);
	portier_guard_allow_free(&f.allow);
}

static void test_alert_rate(void **state)
{
	struct fix f;
	unsigned sup = 99, i;

	(void)state;
	fix_init(&f, false, false, 60);
	f.pol.cfg.alert_rate = 3;
	for (i = 0; i < 3; i++) {
		assert_true(portier_guard_policy_report(&f.pol, T0, &sup));
		assert_int_equal(sup, 0);
	}
	assert_false(portier_guard_policy_report(&f.pol, T0, &sup));
	assert_false(portier_guard_policy_report(&f.pol, T0 + 1000, &sup));
	/* a third of a second later: one token back, two were dropped */
	assert_true(
		portier_guard_policy_report(&f.pol, T0 + US / 3 + 2000, &sup));
	assert_int_equal(sup, 2);
	assert_false(
		portier_guard_policy_report(&f.pol, T0 + US / 3 + 3000, &sup));
	/* the bucket holds at most a second's worth */
	for (i = 0; i < 3; i++)
		assert_true(portier_guard_policy_report(&f.pol, T0 + 100 * US,
							&sup));
	assert_false(portier_guard_policy_report(&f.pol, T0 + 100 * US, &sup));
	portier_guard_allow_free(&f.allow);
}

static void test_view(void **state)
{
	struct fix f;
	struct portier_guard_probe p, q;

	(void)state;
	fix_init(&f, true, true, 60);
	memset(&p, 0, sizeof(p));
	p.family = 6;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:1:2::99", p.src), 1);
	portier_guard_policy_view(&f.pol, &f.allow, &p, &q);
	assert_memory_equal(q.src, p.src, 8);
	assert_memory_equal(q.src + 8, ((const uint8_t[8]){0}), 8);
	/* outgoing: as it is */
	p.outgoing = true;
	portier_guard_policy_view(&f.pol, &f.allow, &p, &q);
	assert_memory_equal(q.src, p.src, 16);
	p.outgoing = false;
	/* a /64 holding an own address: each address its own source */
	allow(&f, "2001:db8:1:2::2", PG_ALLOW_OWN);
	portier_guard_policy_view(&f.pol, &f.allow, &p, &q);
	assert_memory_equal(q.src, p.src, 16);
	portier_guard_allow_free(&f.allow);
	/* without --v6-prefix64: as it is */
	fix_init(&f, true, false, 60);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:1:3::99", p.src), 1);
	portier_guard_policy_view(&f.pol, &f.allow, &p, &q);
	assert_memory_equal(q.src, p.src, 16);
	portier_guard_allow_free(&f.allow);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_offence_blocks),
		cmocka_unit_test(test_repeat_escalates),
		cmocka_unit_test(test_rate_cap_and_retry),
		cmocka_unit_test(test_rate_retry_with_detector),
		cmocka_unit_test(test_allowlisted_never_blocked),
		cmocka_unit_test(test_monitor_without_block),
		cmocka_unit_test(test_prefix64),
		cmocka_unit_test(test_set_full_retries),
		cmocka_unit_test(test_table_gone_rebuilds_once),
		cmocka_unit_test(test_alert_rate),
		cmocka_unit_test(test_view),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
