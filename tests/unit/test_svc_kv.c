/*
 * test_svc_kv.c - the redis and memcached modules over replies captured
 * from redis-server 7.0.15 (open, with requirepass, in protected mode) and
 * memcached 1.6.18 on Debian 12, split at every byte, cut short and made
 * hostile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "svc/svc_int.h"
#include "svc_test_util.h"

static uint8_t buf[PORTIER_SVC_REPLY_MAX + 64];

static void test_redis_open(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;
	const struct portier_svc_finding *f;
	size_t n;

	(void)state;
	n = svc_fixture("redis_info.bin", buf, sizeof(buf));
	svc_script_add(&sc, buf, n);
	svc_check(&portier_svc_redis, 6379, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_string_equal(r.sent, "*1\r\n$4\r\nINFO\r\n");
	assert_string_equal(r.s.name, "redis");
	assert_string_equal(r.s.product, "Redis key-value store");
	assert_string_equal(r.s.version, "7.0.15");
	assert_string_equal(r.s.extrainfo, "64 bits");
	assert_string_equal(r.s.ostype, "Linux");
	assert_string_equal(r.s.match_text, "redis_version:7.0.15");
	f = svc_finding(&r.s, "redis-no-auth");
	assert_non_null(f);
	assert_int_equal(f->f.risk, PORTIER_RISK_HIGH);
	assert_string_equal(f->detail, "INFO answered without AUTH (version "
				       "7.0.15, standalone)");
}

static void test_redis_refusing(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;
	size_t n;

	(void)state;
	n = svc_fixture("redis_noauth.bin", buf, sizeof(buf));
	svc_script_add(&sc, buf, n);
	svc_check(&portier_svc_redis, 6379, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_string_equal(r.s.name, "redis");
	assert_string_equal(r.s.version, "");
	assert_string_equal(r.s.match_text, "-NOAUTH Authentication required.");
	assert_int_equal(r.s.n_findings, 0);

	n = svc_fixture("redis_denied.bin", buf, sizeof(buf));
	sc.len[0] = n;
	svc_check(&portier_svc_redis, 6379, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_string_equal(r.s.name, "redis");
	assert_non_null(svc_finding(&r.s, "redis-protected-mode"));
	assert_null(svc_finding(&r.s, "redis-no-auth"));
	assert_true(strncmp(r.s.match_text, "-DENIED Redis is running", 24) ==
		    0);
}

/* A bulk length that points past what came: judged from what arrived at
 * eof, or when the driver's buffer is full. */
static void test_redis_lengths(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;
	size_t n;

	(void)state;
	n = svc_fixture("redis_info.bin", buf, sizeof(buf));
	memcpy(buf, "$99999", 6); /* was $4879 */
	memmove(buf + 6, buf + 5, n - 5);
	n++;
	svc_script_add(&sc, buf, n);
	svc_check(&portier_svc_redis, 6379, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_string_equal(r.s.version, "7.0.15");

	/* a reply as large as the driver keeps: judged without eof */
	memset(buf, 'x', PORTIER_SVC_REPLY_MAX);
	{
		static const char head[] =
			"$20000\r\n# Server\r\nredis_version:7.2.4\r\n";

		memcpy(buf, head, sizeof(head) - 1);
	}
	{
		struct portier_svc_conv c = {
			.host = "h", .port = 6379, .step = 1};
		struct portier_svc s;
		uint8_t out[64];
		size_t ol;

		memset(&s, 0, sizeof(s));
		assert_int_equal(portier_svc_redis.step(
					 &c, buf, PORTIER_SVC_REPLY_MAX - 1,
					 out, sizeof(out), &ol, &s),
				 PORTIER_SVC_MORE);
		assert_int_equal(
			portier_svc_redis.step(&c, buf, PORTIER_SVC_REPLY_MAX,
					       out, sizeof(out), &ol, &s),
			PORTIER_SVC_DONE);
		assert_string_equal(s.version, "7.2.4");
	}

	/* lengths that are no lengths */
	{
		static const char *const bad[] = {
			"$\r\n",
			"$-1\r\n",
			"$12345678901\r\n",
			"$4x\r\nINFO\r\n",
			"$5\r\nhello\r\n",
			"+OK\r\n",
			"-ERR unknown command 'INFO'\r\n",
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			memset(&sc, 0, sizeof(sc));
			svc_script_text(&sc, bad[i]);
			svc_check(&portier_svc_redis, 6379, &sc, &r);
			assert_int_equal(r.v, PORTIER_SVC_NOT);
		}
	}
}

static void test_memcached(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;
	const struct portier_svc_finding *f;
	static uint8_t ver[64];
	size_t n, vn;

	(void)state;
	vn = svc_fixture("memcached_version.bin", ver, sizeof(ver));
	n = svc_fixture("memcached_settings.bin", buf, sizeof(buf));
	svc_script_add(&sc, ver, vn);
	svc_script_add(&sc, buf, n);
	svc_check(&portier_svc_memcached, 11211, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_string_equal(r.sent, "version\r\nstats settings\r\n");
	assert_string_equal(r.s.name, "memcached");
	assert_string_equal(r.s.product, "memcached");
	assert_string_equal(r.s.version, "1.6.18");
	assert_string_equal(r.s.match_text, "VERSION 1.6.18");
	f = svc_finding(&r.s, "memcached-open");
	assert_non_null(f);
	assert_int_equal(f->f.risk, PORTIER_RISK_HIGH);
	assert_string_equal(f->detail,
			    "version and settings answered without "
			    "authentication; listening on 127.0.0.1; UDP port "
			    "0 (off)");

	/* SASL on: recognised, no finding */
	memcpy(buf, "STAT auth_enabled_sasl yes\r\nEND\r\n", 33);
	sc.len[1] = 33;
	svc_check(&portier_svc_memcached, 11211, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_int_equal(r.s.n_findings, 0);

	/* stats refused: still open, facts unknown */
	sc.reply[1] = (const uint8_t *)"ERROR\r\n";
	sc.len[1] = 7;
	svc_check(&portier_svc_memcached, 11211, &sc, &r);
	assert_non_null(svc_finding(&r.s, "memcached-open"));
}

static void test_memcached_not(void **state)
{
	static const char *const bad[] = {
		"ERROR\r\n",
		"VERSION \r\n",
		"VERSION 1.6\x01\r\n",
		"VERSION 1.2.3 and a very long tail that is not a version at "
		"all\r\n",
		"+OK\r\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct svc_script sc = {0};
		struct svc_run r;

		svc_script_text(&sc, bad[i]);
		svc_check(&portier_svc_memcached, 11211, &sc, &r);
		assert_int_equal(r.v, PORTIER_SVC_NOT);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redis_open),
		cmocka_unit_test(test_redis_refusing),
		cmocka_unit_test(test_redis_lengths),
		cmocka_unit_test(test_memcached),
		cmocka_unit_test(test_memcached_not),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
