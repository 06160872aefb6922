/*
 * test_guard_review.c - the guard library against the defects a review
 * found: evidence that never faded, a block lost to the ban-rate cap, the
 * /64 ban that ignored the allowlist, fragments the parser dropped, and
 * state files that trusted their directory (the state directory check
 * itself is tested in test_common.c).  Each test failed before its
 * fix.  (test_guard.c holds the rest of guard's unit tests.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsync_spy.h"
#include "portier/guard_nft.h"

#define US 1000000ull

/* A raw SYN from 198.19.1.<src> to a closed port of 198.19.1.2. */
static struct portier_guard_probe syn(uint8_t src, uint16_t dport, uint64_t ts)
{
	struct portier_guard_probe p;

	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.proto = 6;
	memcpy(p.src, ((const uint8_t[]){198, 19, 1, src}), 4);
	memcpy(p.dst, ((const uint8_t[]){198, 19, 1, 2}), 4);
	p.sport = 45000;
	p.dport = dport;
	p.ts_us = ts;
	p.tcp_flags = PG_SYN;
	p.opt_mask = PG_OPT_MSS;
	return p;
}

struct det {
	struct portier_guard_det *d;
	struct portier_guard_alert a;
	unsigned alerts;
};

static void det_init(struct det *t)
{
	struct portier_guard_config cfg;

	memset(t, 0, sizeof(*t));
	portier_guard_config_default(&cfg);
	assert_int_equal(portier_guard_det_new(&t->d, &cfg, NULL), 0);
}

/* Feed one failed probe; 1 if it raised an alert. */
static int miss(struct det *t, uint8_t src, uint16_t port, uint64_t ts)
{
	struct portier_guard_probe p = syn(src, port, ts);
	int rc = portier_guard_det_feed(t->d, &p, PG_KIND_SYN, PG_FAILURE,
					&t->a);

	assert_true(rc >= 0);
	t->alerts += (unsigned)rc;
	return rc;
}

/* ---- 3: the walk decays with time ---------------------------------------- */

static void test_decay_slow_failures_never_flag(void **state)
{
	struct det t;
	unsigned i;

	(void)state;
	/* a NAT'd office: one closed port a day, for twenty days */
	det_init(&t);
	for (i = 0; i < 20; i++)
		miss(&t, 7, (uint16_t)(8000 + i), (i + 1) * 86400 * US);
	assert_int_equal(t.alerts, 0);
	portier_guard_det_free(t.d);
	/* one every 6 hours (the half-life): still no alert */
	det_init(&t);
	for (i = 0; i < 20; i++)
		miss(&t, 7, (uint16_t)(8000 + i), (i + 1) * 6 * 3600 * US);
	assert_int_equal(t.alerts, 0);
	portier_guard_det_free(t.d);
}

static void test_decay_keeps_fast_counts(void **state)
{
	static const uint64_t gaps[] = {1000, US, 15 * US, 3600 * US};
	struct det t;
	size_t g;
	unsigned i;

	(void)state;
	for (g = 0; g < sizeof(gaps) / sizeof(gaps[0]); g++) {
		det_init(&t);
		for (i = 0; i < 10 && !t.alerts; i++)
			miss(&t, 9, (uint16_t)(100 + i), (i + 1) * gaps[g]);
		assert_int_equal(t.alerts, 1);
		assert_int_equal(i, 4); /* the fourth failure, as documented */
		assert_int_equal(t.a.src.reason, PG_REASON_TRW);
		portier_guard_det_free(t.d);
	}
}

/* ---- 2: an alert that was not acted on is retried ------------------------ */

static void test_unflag_retries(void **state)
{
	struct det t;
	struct portier_guard_probe p = syn(9, 1, 0);
	struct portier_addr src = portier_guard_probe_src(&p);
	unsigned i;

	(void)state;
	det_init(&t);
	for (i = 0; i < 4; i++)
		miss(&t, 9, (uint16_t)(100 + i), (i + 1) * 1000);
	assert_int_equal(t.alerts, 1);
	assert_int_equal(t.a.src.offenses, 1);
	/* rate-limited: pending until the next minute */
	assert_int_equal(portier_guard_det_unflag(t.d, &src, 60 * US), 0);
	p.ts_us = 10 * US;
	assert_false(portier_guard_det_flagged(t.d, &p));
	assert_int_equal(miss(&t, 9, 200, 10 * US), 0); /* still waiting */
	assert_int_equal(miss(&t, 9, 201, 59 * US), 0);
	/* the first probe once the budget refilled: the alert again, and the
	 * offence was taken back, so the ban is not escalated */
	assert_int_equal(miss(&t, 9, 202, 61 * US), 1);
	assert_int_equal(t.a.src.offenses, 1);
	assert_int_equal(t.a.ban_s, 600);
	p.ts_us = 62 * US;
	assert_true(portier_guard_det_flagged(t.d, &p));
	/* a retransmission (no new port) after the retry time re-alerts too */
	assert_int_equal(portier_guard_det_unflag(t.d, &src, 100 * US), 0);
	assert_int_equal(miss(&t, 9, 202, 101 * US), 1);
	src.b[3] = 99;
	assert_int_equal(portier_guard_det_unflag(t.d, &src, 1),
			 PORTIER_ENOENT);
	portier_guard_det_free(t.d);
}

/* ---- 1: --v6-prefix64 and the allowlist ----------------------------------- */

static void test_ban_prefix(void **state)
{
	struct portier_guard_allow a;
	struct portier_guard_cidr c, own, gw;
	const struct portier_guard_cidr *why;

	(void)state;
	assert_int_equal(portier_guard_allow_init(&a), 0);
	/* host 2001:db8:1::1/64, gateway 2001:db8:1::fe, --allow ::7 */
	assert_int_equal(portier_guard_cidr_parse("2001:db8:1::1", &own, NULL),
			 0);
	own.why = PG_ALLOW_OWN;
	assert_int_equal(portier_guard_allow_add(&a, &own), 0);
	assert_int_equal(portier_guard_cidr_parse("2001:db8:1::7", &c, NULL),
			 0);
	assert_int_equal(portier_guard_allow_add(&a, &c), 0);
	assert_int_equal(portier_guard_cidr_parse("2001:db8:5::fe", &gw, NULL),
			 0);
	gw.why = PG_ALLOW_GATEWAY;
	assert_int_equal(portier_guard_allow_add(&a, &gw), 0);

	/* the allowlisted host itself: nothing is blocked, with or without */
	assert_int_equal(
		portier_guard_ban_prefix(&a, &c.prefix.addr, true, &why), 0);
	assert_non_null(why);
	assert_int_equal(why->why, PG_ALLOW_USER);
	assert_int_equal(
		portier_guard_ban_prefix(&a, &c.prefix.addr, false, &why), 0);
	/* another host of the LAN: only itself, the /64 holds own/allowed */
	assert_int_equal(portier_guard_cidr_parse("2001:db8:1::99", &c, NULL),
			 0);
	assert_int_equal(
		portier_guard_ban_prefix(&a, &c.prefix.addr, true, &why), 128);
	assert_non_null(why);
	assert_int_equal(
		portier_guard_ban_prefix(&a, &c.prefix.addr, false, &why), 128);
	assert_null(why);
	/* a /64 holding the gateway is not banned whole either */
	assert_int_equal(portier_guard_cidr_parse("2001:db8:5::1234", &c, NULL),
			 0);
	assert_int_equal(
		portier_guard_ban_prefix(&a, &c.prefix.addr, true, &why), 128);
	assert_int_equal(why->why, PG_ALLOW_GATEWAY);
	/* a foreign /64: the /64 */
	assert_int_equal(portier_guard_cidr_parse("2001:db8:9::5", &c, NULL),
			 0);
	assert_int_equal(
		portier_guard_ban_prefix(&a, &c.prefix.addr, true, &why), 64);
	assert_null(why);
	/* the /64 network address itself (what the detector counts) is not
	 * allowlisted, which is why the real address must be asked */
	assert_int_equal(portier_guard_cidr_parse("2001:db8:1::", &c, NULL), 0);
	assert_null(portier_guard_allowed(&a, &c.prefix.addr));
	/* a wider --allow network covering the /64 allowlists its hosts */
	assert_int_equal(portier_guard_cidr_parse("2001:db8:40::/48", &c, NULL),
			 0);
	assert_int_equal(portier_guard_allow_add(&a, &c), 0);
	assert_int_equal(portier_guard_cidr_parse("2001:db8:40:7::5", &c, NULL),
			 0);
	assert_int_equal(
		portier_guard_ban_prefix(&a, &c.prefix.addr, true, &why), 0);
	/* IPv4: the address */
	assert_int_equal(portier_addr_parse("198.51.100.7", &c.prefix.addr), 0);
	assert_int_equal(
		portier_guard_ban_prefix(&a, &c.prefix.addr, true, &why), 32);
	portier_guard_allow_free(&a);
}

static void test_action_json(void **state)
{
	struct portier_guard_alert a;
	struct portier_guard_action x = {.action = "blocked"};
	char *js;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.src.addr.family = 6;
	a.src.addr.b[0] = 0x20;
	a.src.addr.b[1] = 0x01;
	a.cls.tool = "unknown";
	x.address = "2001::99";
	x.block_prefix = 128;
	x.note = "blocked the address only";
	js = portier_guard_alert_json(&a, &x);
	assert_non_null(js);
	assert_non_null(strstr(js, "\"address\":\"2001::99\""));
	assert_non_null(strstr(js, "\"block_prefix\":128"));
	assert_non_null(strstr(js, "\"note\":\"blocked the address only\""));
	portier_free(js);
}

/* ---- 4: fragments and cut-off extension headers --------------------------- */

static size_t put16(uint8_t *b, size_t off, uint16_t v)
{
	b[off] = (uint8_t)(v >> 8);
	b[off + 1] = (uint8_t)v;
	return off + 2;
}

/* Ethernet + IPv4 first fragment (MF, offset 0) carrying l4n bytes of a TCP
 * SYN from 198.19.1.1:40000 to 198.19.1.2:port. */
static size_t ip4_frag(uint8_t *b, uint16_t port, size_t l4n, uint16_t fragw)
{
	uint8_t tcp[20] = {0};

	memset(b, 0, 14 + 20 + l4n);
	put16(b, 12, 0x0800);
	b[14] = 0x45;
	put16(b, 16, (uint16_t)(20 + l4n));
	put16(b, 20, fragw);
	b[22] = 51;
	b[23] = 6;
	memcpy(b + 26, (const uint8_t[]){198, 19, 1, 1}, 4);
	memcpy(b + 30, (const uint8_t[]){198, 19, 1, 2}, 4);
	put16(tcp, 0, 40000);
	put16(tcp, 2, port);
	tcp[12] = 5 << 4;
	tcp[13] = PG_SYN;
	memcpy(b + 34, tcp, l4n < 20 ? l4n : 20);
	return 14 + 20 + l4n;
}

static void test_parse_fragments(void **state)
{
	uint8_t b[128];
	struct portier_guard_probe p;
	size_t n;

	(void)state;
	/* nmap -f: 8 bytes of TCP in the first fragment */
	n = ip4_frag(b, 445, 8, 0x2000);
	assert_int_equal(portier_guard_parse(b, n, PORTIER_GUARD_LINK_ETH, &p),
			 0);
	assert_true(p.partial);
	assert_int_equal(p.proto, 6);
	assert_int_equal(p.sport, 40000);
	assert_int_equal(p.dport, 445);
	assert_int_equal(portier_guard_kind_of(&p), PG_KIND_OTHER);
	/* 16 bytes (nmap --mtu 16): the flags byte is there */
	n = ip4_frag(b, 22, 16, 0x2000);
	assert_int_equal(portier_guard_parse(b, n, PORTIER_GUARD_LINK_ETH, &p),
			 0);
	assert_true(p.partial);
	assert_int_equal(p.tcp_flags, PG_SYN);
	assert_int_equal(portier_guard_kind_of(&p), PG_KIND_OTHER);
	/* fewer than the 4 bytes of ports: nothing to go on */
	n = ip4_frag(b, 22, 3, 0x2000);
	assert_int_equal(portier_guard_parse(b, n, PORTIER_GUARD_LINK_ETH, &p),
			 PORTIER_EPROTO);
	/* the same 8 bytes without MF: a malformed packet, not a probe */
	n = ip4_frag(b, 22, 8, 0);
	assert_int_equal(portier_guard_parse(b, n, PORTIER_GUARD_LINK_ETH, &p),
			 PORTIER_EPROTO);
	/* a later fragment: no layer 4 at all */
	n = ip4_frag(b, 22, 8, 0x2001);
	assert_int_equal(portier_guard_parse(b, n, PORTIER_GUARD_LINK_ETH, &p),
			 PORTIER_ENOENT);
	/* a whole SYN in a first fragment is an ordinary SYN */
	n = ip4_frag(b, 22, 20, 0x2000);
	assert_int_equal(portier_guard_parse(b, n, PORTIER_GUARD_LINK_ETH, &p),
			 0);
	assert_false(p.partial);
	assert_int_equal(portier_guard_kind_of(&p), PG_KIND_SYN);
}

/* IPv6 (link IP): fragment header (first, M set) and 8 bytes of UDP or TCP;
 * or a hop-by-hop chain longer than the capture. */
static void test_parse_ipv6_partial(void **state)
{
	uint8_t b[256];
	struct portier_guard_probe p;

	(void)state;
	memset(b, 0, sizeof(b));
	b[0] = 0x60;
	put16(b, 4, 8 + 8);
	b[6] = 44; /* fragment header */
	b[7] = 64;
	b[8] = 0x20;
	b[9] = 0x01;
	b[23] = 1;
	b[24] = 0x20;
	b[25] = 0x01;
	b[39] = 2;
	b[40] = 6; /* next: TCP */
	b[43] = 1; /* offset 0, M */
	put16(b, 48, 40001);
	put16(b, 50, 3389);
	assert_int_equal(portier_guard_parse(b, 56, PORTIER_GUARD_LINK_IP, &p),
			 0);
	assert_true(p.partial);
	assert_int_equal(p.family, 6);
	assert_int_equal(p.dport, 3389);
	assert_int_equal(portier_guard_kind_of(&p), PG_KIND_OTHER);
	/* the same without M: truncated, refused */
	b[43] = 0;
	assert_int_equal(portier_guard_parse(b, 56, PORTIER_GUARD_LINK_IP, &p),
			 PORTIER_EPROTO);
	/* 200 bytes of hop-by-hop options, captured 96: a probe of kind other */
	memset(b + 40, 0, 216);
	put16(b, 4, 200 + 20);
	b[6] = 0; /* hop-by-hop */
	b[40] = 6;
	b[41] = 24; /* (24 + 1) * 8 = 200 bytes */
	assert_int_equal(portier_guard_parse(b, 96, PORTIER_GUARD_LINK_IP, &p),
			 0);
	assert_true(p.partial);
	assert_int_equal(p.proto, 0);
	assert_int_equal(portier_guard_kind_of(&p), PG_KIND_OTHER);
	/* but a header chain past the datagram's own end is malformed */
	put16(b, 4, 100);
	assert_int_equal(portier_guard_parse(b, 96, PORTIER_GUARD_LINK_IP, &p),
			 PORTIER_EPROTO);
}

static bool never(void *ctx, const struct portier_guard_probe *p)
{
	(void)ctx;
	return p->dport == 22; /* only ssh listens */
}

/* Fragments are judged like SYNs and flag a scanner after four ports. */
static void test_fragment_scan_flagged(void **state)
{
	struct portier_guard_env env = {never, NULL, NULL};
	struct portier_guard_judge *j;
	struct det t;
	uint8_t b[128];
	unsigned i;

	(void)state;
	det_init(&t);
	assert_int_equal(portier_guard_judge_new(&j, 64, &env), 0);
	for (i = 0; i < 8 && !t.alerts; i++) {
		struct portier_guard_probe p;
		enum portier_guard_kind k;
		size_t n = ip4_frag(b, i == 0 ? 22 : (uint16_t)(100 + i), 8,
				    0x2000);
		int rc;

		assert_int_equal(
			portier_guard_parse(b, n, PORTIER_GUARD_LINK_ETH, &p),
			0);
		p.ts_us = (i + 1) * 1000;
		k = portier_guard_kind_of(&p);
		rc = portier_guard_det_feed(
			t.d, &p, k, portier_guard_judge(j, &p, k), &t.a);
		assert_true(rc >= 0);
		t.alerts += (unsigned)rc;
		if (i == 0)
			assert_int_equal(t.d ? portier_guard_det_count(t.d) : 0,
					 1);
	}
	/* one success (22) buys one probe: flagged at the 6th */
	assert_int_equal(t.alerts, 1);
	assert_int_equal(i, 6);
	assert_int_equal(t.a.src.kinds[PG_KIND_OTHER], 6);
	assert_int_equal(t.a.src.successes, 1);
	portier_guard_judge_free(j);
	portier_guard_det_free(t.d);
}

/* ---- 5: the socket-table reader owns its buffer --------------------------- */

struct sys_worker {
	struct portier_guard_sys *sys;
	uint16_t open_port;
	unsigned wrong;
};

/* Ask again and again: a closed port (a miss: a fresh dump each time, with
 * refresh 0) and the open one; a buffer shared between the two readers
 * mixes their replies and loses the open port. */
static void *sys_work(void *arg)
{
	struct sys_worker *w = arg;
	struct portier_guard_env env;
	struct portier_guard_probe p;
	unsigned i;

	portier_guard_sys_env(w->sys, &env);
	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.proto = 6;
	memcpy(p.dst, ((const uint8_t[]){127, 0, 0, 1}), 4);
	memcpy(p.src, ((const uint8_t[]){127, 0, 0, 1}), 4);
	for (i = 0; i < 400; i++) {
		p.dport = 1; /* tcpmux: closed here */
		if (env.listening(env.ctx, &p))
			w->wrong++;
		p.dport = w->open_port;
		if (!env.listening(env.ctx, &p))
			w->wrong++;
	}
	return NULL;
}

static void test_sys_reentrant(void **state)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct sys_worker w[2];
	pthread_t th[2];
	int fd, i;

	(void)state;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	for (i = 0; i < 2; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		if (portier_guard_sys_new(&w[i].sys, 0, NULL) < 0) {
			close(fd);
			skip(); /* no NETLINK_SOCK_DIAG here */
		}
		w[i].open_port = ntohs(sin.sin_port);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, sys_work, &w[i]),
				 0);
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].wrong, 0);
		portier_guard_sys_free(w[i].sys);
	}
	close(fd);
}

/* ---- 7: out of memory is an error with a message -------------------------- */

static void test_oom_messages(void **state)
{
	struct portier_guard_nft_options no = {.max_elements = 64};
	struct portier_guard_config cfg;
	struct portier_guard_allow a;
	struct portier_guard_nft *n = NULL;
	struct portier_guard_det *d = NULL;
	struct portier_guard_sys *sys = NULL;
	struct portier_err e;
	long k;

	(void)state;
	assert_int_equal(portier_guard_allow_init(&a), 0);
	memset(&e, 0, sizeof(e));
	portier_alloc_fail_after(0);
	assert_int_equal(portier_guard_nft_open(&n, &no, &a, &e),
			 PORTIER_ENOMEM);
	portier_alloc_fail_after(-1);
	assert_null(n);
	assert_non_null(strstr(e.msg, "out of memory"));
	memset(&e, 0, sizeof(e));
	portier_alloc_fail_after(0);
	assert_int_equal(portier_guard_sys_new(&sys, 0, &e), PORTIER_ENOMEM);
	portier_alloc_fail_after(-1);
	assert_non_null(strstr(e.msg, "out of memory"));
	/* the detector: whichever allocation fails, a message */
	portier_guard_config_default(&cfg);
	for (k = 0; k < 2; k++) {
		memset(&e, 0, sizeof(e));
		portier_alloc_fail_after(k);
		assert_int_equal(portier_guard_det_new(&d, &cfg, &e),
				 PORTIER_ENOMEM);
		portier_alloc_fail_after(-1);
		assert_null(d);
		assert_non_null(strstr(e.msg, "out of memory"));
	}
	portier_guard_allow_free(&a);
}

/* ---- 8: state files trust nothing in their directory ---------------------- */

static void rm_rf(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_checkpoint_no_follow(void **state)
{
	char base[] = "/tmp/guard-review-XXXXXX", path[512], tmp[512],
	     victim[512], buf[64];
	struct det t;
	struct portier_err e;
	FILE *f;
	unsigned i, files, dirs;

	(void)state;
	assert_non_null(mkdtemp(base));
	snprintf(path, sizeof(path), "%s/guard.state", base);
	snprintf(tmp, sizeof(tmp), "%s/guard.state.tmp", base);
	snprintf(victim, sizeof(victim), "%s/victim", base);
	f = fopen(victim, "w");
	assert_non_null(f);
	fputs("precious\n", f);
	fclose(f);
	det_init(&t);
	for (i = 0; i < 4; i++)
		miss(&t, 9, (uint16_t)(100 + i), (i + 1) * 1000);
	/* a planted symlink at the old temporary name is not followed */
	assert_int_equal(symlink(victim, tmp), 0);
	files = fsync_spy_files;
	dirs = fsync_spy_dirs;
	assert_int_equal(portier_guard_checkpoint_save(t.d, path, NULL), 0);
	f = fopen(victim, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "precious\n");
	/* the file and its directory were synced (the directory is new:
	 * guard used not to sync it) */
	assert_int_equal(fsync_spy_files, files + 1);
	assert_int_equal(fsync_spy_dirs, dirs + 1);
	/* a checkpoint others could have written is not believed (as the
	 * firewall's undo points were not) */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(portier_guard_checkpoint_load(t.d, path, NULL), 0);
	assert_int_equal(chmod(path, 0666), 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(portier_guard_checkpoint_load(t.d, path, &e),
			 PORTIER_EPERM);
	assert_non_null(strstr(e.msg, "mode 666"));
	/* the checkpoint itself as a symlink: not read */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(victim, path), 0);
	memset(&e, 0, sizeof(e));
	assert_true(portier_guard_checkpoint_load(t.d, path, &e) < 0);
	assert_non_null(strstr(e.msg, "symbolic link"));
	portier_guard_det_free(t.d);
	rm_rf(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decay_slow_failures_never_flag),
		cmocka_unit_test(test_decay_keeps_fast_counts),
		cmocka_unit_test(test_unflag_retries),
		cmocka_unit_test(test_ban_prefix),
		cmocka_unit_test(test_action_json),
		cmocka_unit_test(test_parse_fragments),
		cmocka_unit_test(test_parse_ipv6_partial),
		cmocka_unit_test(test_fragment_scan_flagged),
		cmocka_unit_test(test_sys_reentrant),
		cmocka_unit_test(test_oom_messages),
		cmocka_unit_test(test_checkpoint_no_follow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
