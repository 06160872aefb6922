/*
 * test_guard.c - the scan detector on synthetic probe streams: the packet
 * parser, probe kinds, the judge, the random walk (with the probe count at
 * which each kind of scan is flagged), bounded credit, the slow-scan
 * window, classification and tool fingerprints, decoy grouping, the LRU
 * cap, ban escalation, the allowlist and the checkpoint round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "portier/guard.h"

#define US 1000000ull

#include "guard_parse_test.h"

/* ---- synthetic probe streams --------------------------------------------- */

static struct portier_guard_probe probe(uint8_t src_last, uint16_t dport,
					enum portier_guard_kind k, uint64_t ts)
{
	struct portier_guard_probe p;

	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.proto = k == PG_KIND_UDP ? 17 : 6;
	memcpy(p.src, ((const uint8_t[]){198, 19, 1, src_last}), 4);
	memcpy(p.dst, ((const uint8_t[]){198, 19, 1, 2}), 4);
	p.sport = 45000;
	p.dport = dport;
	p.ts_us = ts;
	p.ttl = 50;
	p.window = 1024;
	switch (k) {
	case PG_KIND_SYN:
		p.tcp_flags = PG_SYN;
		p.opt_mask = PG_OPT_MSS;
		p.opt_len = 4;
		p.mss = 1460;
		break;
	case PG_KIND_CONNECT:
		p.tcp_flags = PG_SYN;
		p.opt_mask = PG_OPT_MSS | PG_OPT_SACKOK | PG_OPT_TS | PG_OPT_WS;
		p.opt_len = 20;
		p.window = 64240;
		p.ttl = 64;
		break;
	case PG_KIND_FIN:
		p.tcp_flags = PG_FIN;
		break;
	case PG_KIND_NULL:
		break;
	case PG_KIND_XMAS:
		p.tcp_flags = PG_FIN | PG_PSH | PG_URG;
		break;
	case PG_KIND_ACK:
		p.tcp_flags = PG_ACK;
		break;
	case PG_KIND_MAIMON:
		p.tcp_flags = PG_FIN | PG_ACK;
		break;
	default:
		break;
	}
	return p;
}

/* The synthetic host: ports 22, 80, 443 and 1000-1099 listen. */
static bool fake_listening(void *ctx, const struct portier_guard_probe *p)
{
	(void)ctx;
	return p->dport == 22 || p->dport == 80 || p->dport == 443 ||
	       (p->dport >= 1000 && p->dport < 1100);
}

static bool fake_connected(void *ctx, const struct portier_guard_probe *p)
{
	(void)ctx;
	return p->sport == 5555; /* one old keep-alive connection */
}

struct rig {
	struct portier_guard_det *det;
	struct portier_guard_judge *judge;
	struct portier_guard_alert alert;
	unsigned fed, alerts;
	unsigned flagged_at; /* probe number that raised the first alert */
};

static void rig_init(struct rig *r, const struct portier_guard_config *cfg)
{
	struct portier_guard_config def;
	struct portier_guard_env env = {fake_listening, fake_connected, NULL};

	memset(r, 0, sizeof(*r));
	portier_guard_config_default(&def);
	assert_int_equal(portier_guard_det_new(&r->det, cfg ? cfg : &def, NULL),
			 0);
	assert_int_equal(portier_guard_judge_new(&r->judge, 1024, &env), 0);
}

static void rig_free(struct rig *r)
{
	portier_guard_det_free(r->det);
	portier_guard_judge_free(r->judge);
}

static int feed(struct rig *r, const struct portier_guard_probe *p)
{
	enum portier_guard_kind k = portier_guard_kind_of(p);
	enum portier_guard_outcome o = portier_guard_judge(r->judge, p, k);
	struct portier_guard_alert a;
	int rc = portier_guard_det_feed(r->det, p, k, o, &a);

	assert_true(rc >= 0);
	r->fed++;
	if (rc == 1) {
		if (!r->alerts)
			r->flagged_at = r->fed;
		r->alerts++;
		r->alert = a;
	}
	return rc;
}

/* Scan ports in order (closed unless fake_listening says otherwise). */
static unsigned scan(struct rig *r, uint8_t src, enum portier_guard_kind k,
		     const uint16_t *ports, size_t n, uint64_t gap_us)
{
	size_t i;

	for (i = 0; i < n && !r->alerts; i++) {
		struct portier_guard_probe p =
			probe(src, ports[i], k, (i + 1) * gap_us);

		feed(r, &p);
	}
	return r->flagged_at;
}

static const uint16_t closed[] = {7,   9,    13,   21,	 23,   25,  53,
				  110, 111,  135,  139,	 143,  445, 993,
				  995, 1723, 3306, 3389, 5900, 8080};
#define N_CLOSED (sizeof(closed) / sizeof(closed[0]))

static void test_thresholds(void **state)
{
	struct rig r;
	double up, lo, f, s;

	(void)state;
	rig_init(&r, NULL);
	portier_guard_det_thresholds(r.det, &up, &lo, &f, &s);
	assert_float_equal(up, 4.59512, 1e-4);	/* ln 99 */
	assert_float_equal(lo, -4.59512, 1e-4); /* ln (1/99) */
	assert_float_equal(f, 1.386294, 1e-5);	/* ln 4 */
	assert_float_equal(s, -1.386294, 1e-5);
	rig_free(&r);
}

/* Every scan kind is flagged at its 4th probe to closed ports (invalid-state
 * probes fail whatever the port), with the right classification. */
static void test_each_kind_flagged_at_4(void **state)
{
	static const struct {
		enum portier_guard_kind k;
		const char *tool;
	} t[] = {
		{PG_KIND_SYN, "nmap-like"},    {PG_KIND_CONNECT, "unknown"},
		{PG_KIND_FIN, "nmap-like"},    {PG_KIND_NULL, "nmap-like"},
		{PG_KIND_XMAS, "nmap-like"},   {PG_KIND_ACK, "nmap-like"},
		{PG_KIND_MAIMON, "nmap-like"}, {PG_KIND_UDP, "nmap-like"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct rig r;

		rig_init(&r, NULL);
		assert_int_equal(scan(&r, 9, t[i].k, closed, N_CLOSED, 1000),
				 4);
		assert_int_equal(r.alert.cls.kind, t[i].k);
		assert_string_equal(r.alert.cls.tool, t[i].tool);
		assert_int_equal(r.alert.src.probes_at_flag, 4);
		assert_int_equal(r.alert.src.reason, PG_REASON_TRW);
		assert_int_equal(r.alert.ban_s, 600);
		rig_free(&r);
	}
}

/* FIN/ACK probes to OPEN ports fail too: there is no connection. */
static void test_invalid_state_on_open_ports(void **state)
{
	static const uint16_t open[] = {22, 80, 443, 1000, 1001, 1002};
	struct rig r;

	(void)state;
	rig_init(&r, NULL);
	assert_int_equal(scan(&r, 9, PG_KIND_ACK, open, 6, 1000), 4);
	rig_free(&r);
}

static void test_masscan_fingerprint(void **state)
{
	struct rig r;
	size_t i;

	(void)state;
	rig_init(&r, NULL);
	for (i = 0; i < 6 && !r.alerts; i++) {
		struct portier_guard_probe p =
			probe(9, closed[i], PG_KIND_SYN, i * 100);

		p.opt_len = 0;
		p.opt_mask = 0;
		p.mss = 0;
		p.ttl = 255;
		p.sport = 61000;
		feed(&r, &p);
	}
	assert_int_equal(r.flagged_at, 4);
	assert_int_equal(r.alert.cls.kind, PG_KIND_SYN);
	assert_string_equal(r.alert.cls.tool, "masscan-like");
	rig_free(&r);
}

/* An open port first: one success, then five failures (probe 6). */
static void test_success_first(void **state)
{
	static const uint16_t ports[] = {22, 7, 9, 13, 21, 23, 25};
	struct rig r;

	(void)state;
	rig_init(&r, NULL);
	assert_int_equal(scan(&r, 9, PG_KIND_SYN, ports, 7, 1000), 6);
	rig_free(&r);
}

/* Retransmissions to one closed port are not new evidence. */
static void test_retransmissions(void **state)
{
	static const uint16_t ports[] = {7, 7, 7, 9, 13, 21, 23};
	struct rig r;

	(void)state;
	rig_init(&r, NULL);
	assert_int_equal(scan(&r, 9, PG_KIND_SYN, ports, 7, 1000), 6);
	assert_int_equal(r.alert.src.failures, 4);
	assert_int_equal(r.alert.src.probes, 6);
	rig_free(&r);
}

/* The same port on two of this host's addresses is two attempts. */
static void test_hosts_touched(void **state)
{
	struct rig r;
	size_t i;

	(void)state;
	rig_init(&r, NULL);
	for (i = 0; i < 4 && !r.alerts; i++) {
		struct portier_guard_probe p = probe(9, 23, PG_KIND_SYN, i + 1);

		p.dst[3] =
			(uint8_t)(2 + i); /* a sweep of 23/tcp over 4 of ours */
		feed(&r, &p);
	}
	assert_int_equal(r.flagged_at, 4);
	assert_int_equal(r.alert.src.n_hosts, 4);
	assert_int_equal(r.alert.src.touch[3].host, 3);
	assert_int_equal(r.alert.src.hosts[3].b[3], 5);
	rig_free(&r);
}

/* nmap -T1: one probe every 15 s is flagged at the same probe count. */
static void test_slow_pace_same_count(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r, NULL);
	assert_int_equal(scan(&r, 9, PG_KIND_SYN, closed, 10, 15 * US), 4);
	rig_free(&r);
	rig_init(&r, NULL);
	/* one per hour: still inside the 24 h of kept state */
	assert_int_equal(scan(&r, 9, PG_KIND_SYN, closed, 10, 3600 * US), 4);
	rig_free(&r);
}

/* A client making 2,000 connections to a web server, an old keep-alive
 * connection, and stray attempts at four closed ports: no alert. */
static void test_benign_workload(void **state)
{
	struct rig r;
	unsigned i;

	(void)state;
	rig_init(&r, NULL);
	for (i = 0; i < 2000; i++) {
		struct portier_guard_probe p =
			probe(7, 80, PG_KIND_CONNECT, i * 1000);

		p.sport = (uint16_t)(32768 + i);
		feed(&r, &p);
		p.tcp_flags = PG_ACK | PG_PSH; /* the request */
		p.ts_us += 10;
		feed(&r, &p);
		p.tcp_flags = PG_FIN | PG_ACK; /* the close */
		p.ts_us += 10;
		feed(&r, &p);
		if (i == 1000) {
			struct portier_guard_probe q =
				probe(7, 5000, PG_KIND_ACK, p.ts_us + 1);

			q.sport = 5555; /* the keep-alive connection */
			feed(&r, &q);
		}
		if (i % 500 == 17) { /* now and then a closed port, twice */
			struct portier_guard_probe q =
				probe(7, (uint16_t)(8000 + i), PG_KIND_CONNECT,
				      p.ts_us + 2);

			feed(&r, &q);
			q.ts_us += 1000000;
			feed(&r, &q);
		}
	}
	assert_int_equal(r.alerts, 0);
	rig_free(&r);
}

/* Successes buy bounded credit: after 20 open ports, 7 failures flag. */
static void test_bounded_credit(void **state)
{
	struct rig r;
	uint16_t ports[40];
	size_t i;

	(void)state;
	for (i = 0; i < 20; i++)
		ports[i] = (uint16_t)(1000 + i);
	for (i = 0; i < 20; i++)
		ports[20 + i] = (uint16_t)(2000 + i);
	rig_init(&r, NULL);
	assert_int_equal(scan(&r, 9, PG_KIND_SYN, ports, 40, 1000), 27);
	assert_int_equal(r.alert.src.reason, PG_REASON_TRW);
	rig_free(&r);
}

/* Alternating open and closed ports keeps the walk near zero; the slow-scan
 * window flags the 10th distinct failure. */
static void test_slow_window(void **state)
{
	struct rig r;
	uint16_t ports[40];
	size_t i;

	(void)state;
	for (i = 0; i < 20; i++) {
		ports[2 * i] = (uint16_t)(1000 + i);
		ports[2 * i + 1] = (uint16_t)(2000 + i);
	}
	rig_init(&r, NULL);
	assert_int_equal(scan(&r, 9, PG_KIND_SYN, ports, 40, 60 * US), 20);
	assert_int_equal(r.alert.src.reason, PG_REASON_SLOW);
	rig_free(&r);
}

static void test_decoys_one_event(void **state)
{
	struct rig r;
	uint64_t first_event = 0;
	unsigned d;
	size_t i;

	(void)state;
	rig_init(&r, NULL);
	for (i = 0; i < 4; i++)
		for (d = 0; d < 3; d++) { /* nmap -D: each probe from 3 */
			struct portier_guard_probe p =
				probe((uint8_t)(20 + d), closed[i], PG_KIND_SYN,
				      (i * 3 + d + 1) * 1000);
			struct portier_guard_alert a;
			enum portier_guard_kind k = portier_guard_kind_of(&p);

			if (portier_guard_det_feed(
				    r.det, &p, k,
				    portier_guard_judge(r.judge, &p, k),
				    &a) == 1) {
				if (!first_event)
					first_event = a.event;
				assert_int_equal(a.event, first_event);
				assert_int_equal(a.related, d);
				r.alerts++;
			}
		}
	assert_int_equal(r.alerts, 3);
	/* an unrelated scan later is its own event */
	{
		struct rig r2 = r;

		r2.alerts = 0;
		r2.flagged_at = 0;
		r2.fed = 0;
		scan(&r2, 40, PG_KIND_FIN, closed + 10, 6, 100 * US);
		assert_int_equal(r2.alerts, 1);
		assert_true(r2.alert.event != first_event);
		assert_int_equal(r2.alert.related, 0);
	}
	rig_free(&r);
}

/* A scan split over three machines: disjoint ports, one tool, one event;
 * two unrelated connect() scans at the same moment stay apart. */
static void test_distributed_one_event(void **state)
{
	struct rig r;
	struct portier_guard_alert a;
	uint64_t events[3];
	unsigned d, n = 0;
	size_t i;

	(void)state;
	rig_init(&r, NULL);
	for (i = 0; i < 4; i++)
		for (d = 0; d < 3; d++) {
			struct portier_guard_probe p =
				probe((uint8_t)(50 + d), closed[d * 5 + i],
				      PG_KIND_SYN, (i * 3 + d + 1) * 1000);
			enum portier_guard_kind k = portier_guard_kind_of(&p);

			if (portier_guard_det_feed(
				    r.det, &p, k,
				    portier_guard_judge(r.judge, &p, k),
				    &a) == 1)
				events[n++] = a.event;
		}
	assert_int_equal(n, 3);
	assert_true(events[0] == events[1] && events[1] == events[2]);
	assert_int_equal(a.related, 2);
	n = 0;
	for (i = 0; i < 4; i++)
		for (d = 0; d < 2; d++) {
			struct portier_guard_probe p =
				probe((uint8_t)(60 + d), closed[d * 5 + i],
				      PG_KIND_CONNECT,
				      60 * US + (i * 2 + d + 1) * 1000);
			enum portier_guard_kind k = portier_guard_kind_of(&p);

			if (portier_guard_det_feed(
				    r.det, &p, k,
				    portier_guard_judge(r.judge, &p, k),
				    &a) == 1)
				events[n++] = a.event;
		}
	assert_int_equal(n, 2);
	assert_true(events[0] != events[1]);
	rig_free(&r);
}

static void test_judge(void **state)
{
	struct rig r;
	struct portier_guard_probe p;

	(void)state;
	rig_init(&r, NULL);
	p = probe(9, 22, PG_KIND_CONNECT, 1);
	assert_int_equal(portier_guard_judge(r.judge, &p, PG_KIND_CONNECT),
			 PG_SUCCESS);
	p.tcp_flags = PG_ACK; /* the handshake's last step: a known flow */
	assert_int_equal(portier_guard_judge(r.judge, &p, PG_KIND_ACK),
			 PG_NEUTRAL);
	p.sport = 45001; /* same port, no SYN seen, no socket: invalid */
	assert_int_equal(portier_guard_judge(r.judge, &p, PG_KIND_ACK),
			 PG_FAILURE);
	p.sport = 5555; /* the socket table knows it */
	assert_int_equal(portier_guard_judge(r.judge, &p, PG_KIND_ACK),
			 PG_NEUTRAL);
	p = probe(9, 23, PG_KIND_SYN, 2);
	assert_int_equal(portier_guard_judge(r.judge, &p, PG_KIND_SYN),
			 PG_FAILURE);
	p.tcp_flags = PG_RST;
	assert_int_equal(portier_guard_judge(r.judge, &p, PG_KIND_NONE),
			 PG_NEUTRAL);
	/* our own DNS query, then its answer to an unbound port: neutral */
	p = probe(9, 53, PG_KIND_UDP, 3);
	memcpy(p.src, ((const uint8_t[]){198, 19, 1, 2}), 4);
	memcpy(p.dst, ((const uint8_t[]){198, 19, 1, 53}), 4);
	p.sport = 40123;
	p.outgoing = true;
	assert_int_equal(portier_guard_judge(r.judge, &p, PG_KIND_UDP),
			 PG_NEUTRAL);
	p = probe(53, 40123, PG_KIND_UDP, 4);
	p.sport = 53;
	assert_int_equal(portier_guard_judge(r.judge, &p, PG_KIND_UDP),
			 PG_NEUTRAL);
	p.dport = 40124;
	assert_int_equal(portier_guard_judge(r.judge, &p, PG_KIND_UDP),
			 PG_FAILURE);
	rig_free(&r);
}

static void test_lru_cap(void **state)
{
	struct portier_guard_config cfg;
	struct rig r;
	unsigned s;

	(void)state;
	portier_guard_config_default(&cfg);
	cfg.max_sources = 100;
	rig_init(&r, &cfg);
	for (s = 1; s <= 250; s++) {
		struct portier_guard_probe p =
			probe((uint8_t)s, 7, PG_KIND_SYN, s * 1000);

		feed(&r, &p);
	}
	assert_int_equal(portier_guard_det_count(r.det), 100);
	/* idle sources go after the window */
	portier_guard_det_expire(r.det, 200 * 1000 + 1 + 86400 * US);
	assert_int_equal(portier_guard_det_count(r.det), 50);
	portier_guard_det_expire(r.det, 300 * 1000 + 86400 * US);
	assert_int_equal(portier_guard_det_count(r.det), 0);
	rig_free(&r);
}

static void test_ban_escalation(void **state)
{
	struct portier_guard_config cfg;
	struct rig r;
	size_t i;

	(void)state;
	portier_guard_config_default(&cfg);
	assert_int_equal(portier_guard_ban_seconds(&cfg, 1), 600);
	assert_int_equal(portier_guard_ban_seconds(&cfg, 2), 2400);
	assert_int_equal(portier_guard_ban_seconds(&cfg, 3), 9600);
	assert_int_equal(portier_guard_ban_seconds(&cfg, 5), 153600);
	assert_int_equal(portier_guard_ban_seconds(&cfg, 6), 7 * 86400);
	assert_int_equal(portier_guard_ban_seconds(&cfg, 1000), 7 * 86400);
	/* the same scanner again after its ban: second offence, longer ban */
	rig_init(&r, &cfg);
	scan(&r, 9, PG_KIND_SYN, closed, N_CLOSED, 1000);
	assert_int_equal(r.alert.src.offenses, 1);
	for (i = 0; i < 3; i++) { /* during the ban: no new alert */
		struct portier_guard_probe p =
			probe(9, closed[10 + i], PG_KIND_SYN, 300 * US);

		assert_true(portier_guard_det_flagged(r.det, &p));
		assert_int_equal(feed(&r, &p), 0);
	}
	r.alerts = 0;
	for (i = 0; i < 8 && !r.alerts; i++) {
		struct portier_guard_probe p =
			probe(9, closed[i], PG_KIND_SYN, 700 * US + i);

		assert_false(portier_guard_det_flagged(r.det, &p));
		feed(&r, &p);
	}
	assert_int_equal(r.alerts, 1);
	assert_int_equal(i, 4);
	assert_int_equal(r.alert.src.offenses, 2);
	assert_int_equal(r.alert.ban_s, 2400);
	rig_free(&r);
}

struct collect {
	struct portier_guard_source s[16];
	size_t n;
};

static bool collect_one(const struct portier_guard_source *s, void *ctx)
{
	struct collect *c = ctx;

	if (c->n < 16)
		c->s[c->n++] = *s;
	return true;
}

static void same_source(const struct portier_guard_source *x,
			const struct portier_guard_source *y)
{
	int k;

	assert_int_equal(portier_addr_cmp(&x->addr, &y->addr), 0);
	assert_true(x->first_us == y->first_us && x->last_us == y->last_us);
	assert_true(x->flagged_us == y->flagged_us);
	assert_true(x->ban_until_us == y->ban_until_us);
	assert_true(x->llr == y->llr); /* %.17g round-trips a double */
	assert_int_equal(x->probes, y->probes);
	assert_int_equal(x->failures, y->failures);
	assert_int_equal(x->successes, y->successes);
	assert_int_equal(x->probes_at_flag, y->probes_at_flag);
	assert_int_equal(x->offenses, y->offenses);
	for (k = 0; k < PG_KIND_COUNT; k++)
		assert_int_equal(x->kinds[k], y->kinds[k]);
	assert_int_equal(x->nmap_like, y->nmap_like);
	assert_int_equal(x->masscan_like, y->masscan_like);
	assert_int_equal(x->same_sport, y->same_sport);
	assert_int_equal(x->last_sport, y->last_sport);
	assert_int_equal(x->reason, y->reason);
	assert_int_equal(x->n_hosts, y->n_hosts);
	for (k = 0; k < x->n_hosts; k++)
		assert_int_equal(portier_addr_cmp(&x->hosts[k], &y->hosts[k]),
				 0);
	assert_int_equal(x->n_touch, y->n_touch);
	assert_int_equal(x->touch_head, y->touch_head);
	for (k = 0; k < x->n_touch; k++) {
		assert_int_equal(x->touch[k].t_s, y->touch[k].t_s);
		assert_int_equal(x->touch[k].port, y->touch[k].port);
		assert_int_equal(x->touch[k].proto, y->touch[k].proto);
		assert_int_equal(x->touch[k].outcome, y->touch[k].outcome);
		assert_int_equal(x->touch[k].host, y->touch[k].host);
	}
}

static void test_checkpoint_round_trip(void **state)
{
	struct rig r;
	struct portier_guard_det *d2;
	struct portier_guard_config cfg;
	struct collect a = {0}, b = {0};
	char path[] = "/tmp/portier-guard-test.XXXXXX";
	int fd = mkstemp(path);
	size_t i;
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	rig_init(&r, NULL);
	scan(&r, 9, PG_KIND_XMAS, closed, N_CLOSED, 1000);
	r.alerts = 0;
	scan(&r, 10, PG_KIND_SYN, (const uint16_t[]){22, 7, 80}, 3, 5000);
	for (i = 0; i < 6; i++) { /* six of our addresses, one port: 4 kept */
		struct portier_guard_probe p =
			probe(10, 7, PG_KIND_SYN, 9000 + i);

		p.dst[3] = (uint8_t)(100 + i);
		feed(&r, &p);
	}
	for (i = 0; i < 40; i++) { /* a ring that wrapped */
		struct portier_guard_probe p =
			probe(11, (uint16_t)(1000 + i), PG_KIND_UDP, i + 1);

		p.family = 6;
		p.src[15] = 11;
		feed(&r, &p);
	}
	assert_int_equal(portier_guard_checkpoint_save(r.det, path, NULL), 0);
	portier_guard_config_default(&cfg);
	assert_int_equal(portier_guard_det_new(&d2, &cfg, NULL), 0);
	assert_int_equal(portier_guard_checkpoint_load(d2, path, NULL), 0);
	portier_guard_det_each(r.det, collect_one, &a);
	portier_guard_det_each(d2, collect_one, &b);
	assert_int_equal(a.n, 3);
	assert_int_equal(b.n, 3);
	for (i = 0; i < a.n; i++) /* same order, same values */
		same_source(&a.s[i], &b.s[i]);
	/* a damaged line refuses the whole file (test_guard_checkpoint.c),
	 * and so does a foreign file */
	f = fopen(path, "a");
	fputs("4 198.19.1.99 1 2 x\n", f);
	fclose(f);
	portier_guard_det_free(d2);
	assert_int_equal(portier_guard_det_new(&d2, &cfg, NULL), 0);
	assert_int_equal(portier_guard_checkpoint_load(d2, path, NULL),
			 PORTIER_EINVAL);
	assert_int_equal(portier_guard_det_count(d2), 0);
	f = fopen(path, "w");
	fputs("something else\n", f);
	fclose(f);
	assert_int_equal(portier_guard_checkpoint_load(d2, path, NULL),
			 PORTIER_EINVAL);
	unlink(path);
	assert_int_equal(portier_guard_checkpoint_load(d2, path, NULL),
			 PORTIER_ENOENT);
	portier_guard_det_free(d2);
	rig_free(&r);
}

static void test_alert_json(void **state)
{
	struct portier_guard_action x = {.action = "blocked"};
	struct rig r;
	json_t *o, *ports;
	char *text;

	(void)state;
	rig_init(&r, NULL);
	scan(&r, 9, PG_KIND_MAIMON, closed, N_CLOSED, 2000);
	x.block_us = r.alert.src.flagged_us + 321;
	x.suppressed = 2;
	text = portier_guard_alert_json(&r.alert, &x);
	assert_non_null(text);
	assert_null(strchr(text, '\n'));
	o = json_loads(text, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "type")),
			    "scan");
	assert_string_equal(json_string_value(json_object_get(o, "source")),
			    "198.19.1.9");
	assert_string_equal(json_string_value(json_object_get(o, "scan_type")),
			    "maimon");
	assert_string_equal(json_string_value(json_object_get(o, "tool")),
			    "nmap-like");
	assert_string_equal(json_string_value(json_object_get(o, "action")),
			    "blocked");
	assert_int_equal(json_integer_value(json_object_get(o, "probes")), 4);
	assert_int_equal(json_integer_value(json_object_get(o, "detect_ms")),
			 6);
	assert_int_equal(
		json_integer_value(json_object_get(o, "block_latency_us")),
		321);
	assert_int_equal(
		json_integer_value(json_object_get(o, "suppressed_before")), 2);
	assert_string_equal(json_string_value(json_object_get(o, "first_seen")),
			    "1970-01-01T00:00:00.002Z");
	ports = json_object_get(o, "ports");
	assert_int_equal(json_array_size(ports), 4);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(ports, 0), "host")),
			    "198.19.1.2");
	assert_int_equal(json_array_size(json_object_get(o, "hosts")), 1);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(ports, 0), "proto")),
			    "tcp");
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(ports, 0), "port")),
			 7);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(ports, 0), "outcome")),
			    "failed");
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_object_get(o, "evidence"),
						 "kinds"),
				 "maimon")),
			 4);
	assert_null(json_object_get(o, "allowlisted_as"));
	json_decref(o);
	portier_free(text);
	rig_free(&r);
}

static void test_config_checked(void **state)
{
	struct portier_guard_config cfg;
	struct portier_guard_det *d;
	struct portier_err err;

	(void)state;
	portier_guard_config_default(&cfg);
	cfg.slow_ports = 99;
	assert_int_equal(portier_guard_det_new(&d, &cfg, &err), PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "99"));
	portier_guard_config_default(&cfg);
	cfg.theta1 = 0.9;
	assert_int_equal(portier_guard_det_new(&d, &cfg, &err), PORTIER_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ipv4_syn),
		cmocka_unit_test(test_parse_ipv4_other),
		cmocka_unit_test(test_parse_ipv6_ext_udp_icmp),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_each_kind_flagged_at_4),
		cmocka_unit_test(test_invalid_state_on_open_ports),
		cmocka_unit_test(test_masscan_fingerprint),
		cmocka_unit_test(test_success_first),
		cmocka_unit_test(test_retransmissions),
		cmocka_unit_test(test_hosts_touched),
		cmocka_unit_test(test_slow_pace_same_count),
		cmocka_unit_test(test_benign_workload),
		cmocka_unit_test(test_bounded_credit),
		cmocka_unit_test(test_slow_window),
		cmocka_unit_test(test_decoys_one_event),
		cmocka_unit_test(test_distributed_one_event),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_lru_cap),
		cmocka_unit_test(test_ban_escalation),
		cmocka_unit_test(test_checkpoint_round_trip),
		cmocka_unit_test(test_alert_json),
		cmocka_unit_test(test_config_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
