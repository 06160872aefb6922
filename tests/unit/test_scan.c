/*
 * test_scan.c - the scan engine without a network: a fake method stands in
 * for connect/SYN and answers by rule (open, closed, silent, lost once,
 * local shortage), so the test can check that every (host, port) is decided
 * exactly once, that silence becomes filtered only after the retries, that a
 * lost probe is retransmitted and counted as loss, that local shortages are
 * retried and never become a port state, and that stop + resume and shards
 * cover the space exactly once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "portier/scan.h"
#include "scan/scan_int.h"

#define HOSTS  16
#define NPORTS 40

/* ---- the fake method ----------------------------------------------------------- */

static uint32_t answer_q[1 << 16];
static size_t n_answer;
static unsigned sends[HOSTS][NPORTS + 1];
static unsigned shortages;

static unsigned host_of(const struct portier_addr *a)
{
	return a->b[3] & 0x0f;
}

/* port % 5: 0 open, 1 closed, 2 silent, 3 lost once then open, 4 shortage once */
static int fake_send(struct portier_scan *s, uint32_t slot,
		     struct portier_err *err)
{
	struct scan_slot *sl = &s->slots[slot];
	unsigned h = host_of(&sl->addr), n;

	(void)err;
	n = ++sends[h][sl->port];
	if (sl->port % 5 == 4 && n == 1) {
		shortages++;
		return SCAN_LOCAL;
	}
	if (sl->port % 5 == 2 || (sl->port % 5 == 3 && n == 1))
		return SCAN_SENT; /* no answer */
	answer_q[n_answer++] = slot;
	return SCAN_SENT;
}

static int fake_wait(struct portier_scan *s, int timeout_ms,
		     struct portier_err *err)
{
	size_t i, n = n_answer;

	(void)err;
	if (!n) {
		usleep((useconds_t)(timeout_ms > 2 ? 2000 : timeout_ms * 1000));
		return 0;
	}
	n_answer = 0;
	for (i = 0; i < n; i++) {
		struct scan_slot *sl = &s->slots[answer_q[i]];

		scan_answer(s, answer_q[i],
			    sl->port % 5 == 1 ? PORTIER_PORT_CLOSED
					      : PORTIER_PORT_OPEN,
			    sl->port % 5 == 1 ? PORTIER_REASON_RESET
					      : PORTIER_REASON_SYN_ACK,
			    64);
	}
	return 0;
}

static void fake_release(struct portier_scan *s, uint32_t slot)
{
	(void)s;
	(void)slot;
}

static void fake_close(struct portier_scan *s)
{
	(void)s;
}

static const struct scan_method fake = {
	.name = "fake",
	.send = fake_send,
	.wait = fake_wait,
	.release = fake_release,
	.close = fake_close,
};

/* ---- results --------------------------------------------------------------------- */

struct seen {
	unsigned count[HOSTS][NPORTS + 1];
	uint8_t state[HOSTS][NPORTS + 1];
	uint8_t tries[HOSTS][NPORTS + 1];
	unsigned total;
	unsigned stop_after;
	volatile sig_atomic_t stop;
};

static void on_result(void *ctx, const struct portier_scan_result *r,
		      uint64_t seq)
{
	struct seen *sn = ctx;
	unsigned h = host_of(&r->addr);

	(void)seq;
	sn->count[h][r->port]++;
	sn->state[h][r->port] = r->state;
	sn->tries[h][r->port] = r->tries;
	if (++sn->total == sn->stop_after)
		sn->stop = 1;
}

static struct portier_targets *targets;
static uint16_t ports[NPORTS];

static int setup(void **state)
{
	struct portier_err err = {0};
	unsigned i;

	(void)state;
	assert_int_equal(portier_targets_new(&targets, NULL), 0);
	assert_int_equal(
		portier_targets_add(targets, "10.9.8.0/28", false, &err), 0);
	assert_int_equal(portier_targets_finish(targets, &err), 0);
	for (i = 0; i < NPORTS; i++)
		ports[i] = (uint16_t)(i + 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	portier_targets_free(targets);
	return 0;
}

static void config(struct portier_scan_config *cfg, struct seen *sn)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->method = PORTIER_SCAN_CONNECT; /* replaced by the fake */
	cfg->targets = targets;
	cfg->ports = ports;
	cfg->n_ports = NPORTS;
	cfg->seed = 1234;
	cfg->max_retries = 2;
	cfg->max_inflight = 64;
	cfg->min_rtt_ms = 1;
	cfg->max_rtt_ms = 3;
	cfg->init_rtt_ms = 2;
	cfg->on_result = on_result;
	cfg->ctx = sn;
	cfg->stop = &sn->stop;
}

static struct portier_scan *fake_scan(const struct portier_scan_config *cfg)
{
	struct portier_scan *s = NULL;
	struct portier_err err = {0};

	assert_int_equal(portier_scan_new(&s, cfg, &err), 0);
	s->m->close(s); /* the connect method's epoll: not needed */
	s->m = &fake;
	return s;
}

static void reset_fake(void)
{
	memset(sends, 0, sizeof(sends));
	n_answer = 0;
	shortages = 0;
}

/* ---- tests ------------------------------------------------------------------------- */

static void test_every_port_once(void **state)
{
	static struct seen sn;
	struct portier_scan_config cfg;
	struct portier_scan_stats st;
	struct portier_scan *s;
	struct portier_err err = {0};
	unsigned h, p, total_sends;

	(void)state;
	reset_fake();
	memset(&sn, 0, sizeof(sn));
	config(&cfg, &sn);
	s = fake_scan(&cfg);
	assert_int_equal(portier_scan_run(s, &err), 0);
	portier_scan_get_stats(s, &st);
	assert_false(st.interrupted);
	assert_int_equal(st.total, HOSTS * NPORTS);
	assert_int_equal(st.done, HOSTS * NPORTS);
	for (h = 0; h < HOSTS; h++) {
		for (p = 1; p <= NPORTS; p++) {
			assert_int_equal(sn.count[h][p], 1);
			switch (p % 5) {
			case 0:
				assert_int_equal(sn.state[h][p],
						 PORTIER_PORT_OPEN);
				assert_int_equal(sn.tries[h][p], 1);
				break;
			case 1:
				assert_int_equal(sn.state[h][p],
						 PORTIER_PORT_CLOSED);
				break;
			case 2: /* silent: filtered after 1 + 2 retries, and up
				 * to 6 more while the scan sees loss (the
				 * lost-once ports make 20% of answers late) */
				assert_int_equal(sn.state[h][p],
						 PORTIER_PORT_FILTERED);
				assert_in_range(sn.tries[h][p], 3, 9);
				assert_int_equal(sends[h][p], sn.tries[h][p]);
				break;
			case 3: /* lost once: open on the retransmission */
				assert_int_equal(sn.state[h][p],
						 PORTIER_PORT_OPEN);
				assert_int_equal(sn.tries[h][p], 2);
				break;
			case 4: /* a local shortage is retried, never a state */
				assert_int_equal(sn.state[h][p],
						 PORTIER_PORT_OPEN);
				assert_int_equal(sn.tries[h][p], 1);
				break;
			}
		}
	}
	assert_int_equal(st.local_errors, shortages);
	assert_int_equal(shortages, HOSTS * NPORTS / 5);
	assert_int_equal(st.open, HOSTS * NPORTS * 3 / 5);
	assert_int_equal(st.closed, HOSTS * NPORTS / 5);
	assert_int_equal(st.filtered, HOSTS * NPORTS / 5);
	/* every send the fake saw went out, except the refused ones */
	for (total_sends = 0, h = 0; h < HOSTS; h++)
		for (p = 1; p <= NPORTS; p++)
			total_sends += sends[h][p];
	assert_int_equal(st.sent, total_sends - shortages);
	assert_true(st.sent >= HOSTS * NPORTS + HOSTS * NPORTS / 5 * 3);
	assert_int_equal(st.late_replies, HOSTS * NPORTS / 5);
	assert_true(st.loss > 0.1 && st.loss < 0.5);
	portier_scan_free(s);
}

static void test_stop_and_resume(void **state)
{
	static struct seen a, b;
	struct portier_scan_config cfg;
	struct portier_scan_stats st;
	struct portier_scan *s;
	struct portier_err err = {0};
	uint64_t next, pending[256];
	size_t n;
	unsigned h, p;

	(void)state;
	reset_fake();
	memset(&a, 0, sizeof(a));
	a.stop_after = 200;
	config(&cfg, &a);
	s = fake_scan(&cfg);
	assert_int_equal(portier_scan_run(s, &err), 0);
	portier_scan_get_stats(s, &st);
	assert_true(st.interrupted);
	n = portier_scan_pending(s, &next, pending, 256);
	assert_true(n <= 64);
	assert_true(next >= 200 && next < HOSTS * NPORTS);
	portier_scan_free(s);

	reset_fake();
	memset(&b, 0, sizeof(b));
	config(&cfg, &b);
	cfg.resume_next = next;
	cfg.resume_pending = pending;
	cfg.n_resume_pending = n;
	s = fake_scan(&cfg);
	assert_int_equal(portier_scan_run(s, &err), 0);
	portier_scan_get_stats(s, &st);
	assert_false(st.interrupted);
	assert_int_equal(a.total + b.total, HOSTS * NPORTS);
	for (h = 0; h < HOSTS; h++)
		for (p = 1; p <= NPORTS; p++)
			assert_int_equal(a.count[h][p] + b.count[h][p], 1);
	portier_scan_free(s);
}

static void test_shards(void **state)
{
	static struct seen sn;
	struct portier_scan_config cfg;
	struct portier_scan *s;
	struct portier_err err = {0};
	unsigned k, h, p;

	(void)state;
	memset(&sn, 0, sizeof(sn));
	for (k = 1; k <= 3; k++) {
		reset_fake();
		config(&cfg, &sn);
		cfg.shard_k = k;
		cfg.shard_n = 3;
		s = fake_scan(&cfg);
		assert_int_equal(portier_scan_run(s, &err), 0);
		portier_scan_free(s);
	}
	for (h = 0; h < HOSTS; h++)
		for (p = 1; p <= NPORTS; p++)
			assert_int_equal(sn.count[h][p], 1);
}

static void test_config_errors(void **state)
{
	struct portier_scan_config cfg;
	struct portier_scan *s = NULL;
	struct portier_err err = {0};
	struct seen sn;

	(void)state;
	config(&cfg, &sn);
	cfg.n_ports = 0;
	assert_int_equal(portier_scan_new(&s, &cfg, &err), PORTIER_EINVAL);
	assert_null(s);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(portier_port_state_name(PORTIER_PORT_OPEN), "open");
	assert_string_equal(portier_port_state_name(PORTIER_PORT_FILTERED),
			    "filtered");
	assert_string_equal(portier_reason_name(PORTIER_REASON_CONN_REFUSED),
			    "conn-refused");
	assert_string_equal(portier_reason_name(PORTIER_REASON_NO_RESPONSE),
			    "no-response");
	assert_string_equal(
		portier_reason_name(PORTIER_REASON_ADMIN_PROHIBITED),
		"admin-prohibited");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_port_once),
		cmocka_unit_test(test_stop_and_resume),
		cmocka_unit_test(test_shards),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
