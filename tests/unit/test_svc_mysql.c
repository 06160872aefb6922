/*
 * test_svc_mysql.c - the MySQL/MariaDB module of `portier scan -sV`.
 *
 * Real greetings recorded from MariaDB 10.11.19 (Debian 12's
 * mariadb-server-core, started on 127.0.0.1 in a private network
 * namespace): the handshake a client from 127.0.0.1 gets, and the error
 * packet a client from 127.0.0.5 gets (no user may connect from there).
 * The MySQL 8 greeting is written from the protocol's description.  Every
 * greeting is also fed a byte at a time, cut at every length with eof,
 * and lied about (lengths past the end, no NUL after the version).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "svc_script.h"

/* MariaDB 10.11.19: protocol 10, "5.5.5-10.11.19-MariaDB-0+deb12u1",
 * capabilities 0xa0ff81f7fe... without CLIENT_SSL (no ssl_cert set) */
static const char mariadb_greeting[] =
	"640000000a352e352e352d31302e31312e31392d4d6172696144422d302b6465"
	"62313275310003000000647d6a79427a615600fef7080200ff81150000000000"
	"001d0000006a34647a58285f2845654b28006d7973716c5f6e61746976655f70"
	"617373776f726400";

/* the same server to a client from a host no account names (1130) */
static const char mariadb_1130[] =
	"44000000ff6a04486f737420273132372e302e302e3527206973206e6f742061"
	"6c6c6f77656420746f20636f6e6e65637420746f2074686973204d6172696144"
	"4220736572766572";

/* MySQL 8.0.36 as the protocol describes it: capabilities 0xdfffffff
 * (CLIENT_SSL set), utf8mb4, caching_sha2_password */
static const char mysql8_greeting[] =
	"4a0000000a382e302e333600" /* header, 10, "8.0.36" */
	"0b000000"		   /* connection id */
	"0102030405060708"
	"00" /* auth data 1, filler */
	"ffff"
	"ff"
	"0200"
	"ffdf"
	"15"			     /* caps, charset, status */
	"00000000000000000000"	     /* reserved */
	"0102030405060708090a0b0c00" /* auth data 2 */
	"63616368696e675f736861325f70617373776f726400"; /* plugin */

static const struct portier_svc_proto *mysql(void)
{
	const struct portier_svc_proto *p = portier_svc_proto_find("mysql");

	assert_non_null(p);
	assert_true(p->server_first);
	assert_int_equal(p->ports[0], 3306);
	return p;
}

static struct svc_run run;

static void feed(const char *hex, bool bytewise)
{
	static uint8_t buf[512];
	struct svc_reply r = {buf, svc_hex(hex, buf, sizeof(buf))};

	svc_run(mysql(), &r, 1, bytewise, SIZE_MAX, false, &run);
}

static void test_mariadb_greeting(void **state)
{
	const struct portier_svc_finding *f;
	(void)state;

	feed(mariadb_greeting, true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_int_equal(run.n_sent, 0);
	assert_string_equal(run.s.name, "mysql");
	assert_string_equal(run.s.product, "MariaDB");
	/* the "5.5.5-" old clients need is not the version */
	assert_string_equal(run.s.version, "10.11.19-MariaDB-0+deb12u1");
	assert_string_equal(run.s.match_text,
			    "5.5.5-10.11.19-MariaDB-0+deb12u1");
	assert_int_equal(run.s.conf, 10);
	assert_true(run.s.probed);
	assert_int_equal(run.s.n_findings, 1);
	f = svc_finding(&run.s, "mysql-no-tls");
	assert_non_null(f);
	assert_int_equal(f->f.risk, PORTIER_RISK_LOW);
	assert_non_null(strstr(f->detail, "0x81fff7fe"));
}

static void test_mysql8_greeting(void **state)
{
	(void)state;

	feed(mysql8_greeting, true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_string_equal(run.s.product, "MySQL");
	assert_string_equal(run.s.version, "8.0.36");
	assert_string_equal(run.s.match_text, "8.0.36");
	assert_int_equal(run.s.conf, 10);
	assert_int_equal(run.s.n_findings, 0); /* CLIENT_SSL is offered */
}

static void test_host_not_allowed(void **state)
{
	(void)state;

	feed(mariadb_1130, true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_string_equal(run.s.name, "mysql");
	assert_string_equal(run.s.product, "MariaDB");
	assert_string_equal(run.s.version, "");
	assert_string_equal(run.s.extrainfo, "unauthorized");
	assert_string_equal(run.s.match_text,
			    "error 1130: Host '127.0.0.5' is not allowed to "
			    "connect to this MariaDB server");
	assert_int_equal(run.s.conf, 8);
	assert_int_equal(run.s.n_findings, 0);

	/* "Too many connections" (1040) from a MySQL: recognised, no
	 * "unauthorized" */
	feed("17000000ff1004546f6f206d616e7920636f6e6e656374696f6e73", false);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_string_equal(run.s.extrainfo, "error 1040");
	assert_string_equal(run.s.product, "");
}

static void test_cuts(void **state)
{
	static uint8_t buf[512];
	const char *const all[] = {mariadb_greeting, mariadb_1130,
				   mysql8_greeting};
	size_t i;
	(void)state;

	for (i = 0; i < 3; i++) {
		struct svc_reply r = {buf, svc_hex(all[i], buf, sizeof(buf))};

		svc_check_cuts(mysql(), &r, 1, PORTIER_SVC_DONE);
	}
}

static void test_pre41_greeting_without_flags(void **state)
{
	(void)state;

	/* protocol 10, "4.0.27", connection id, scramble, filler, and the
	 * packet ends: no capability flags to judge */
	feed("140000000a342e302e323700010000000102030405060708", false);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_string_equal(run.s.version, "4.0.27");
	assert_int_equal(run.s.n_findings, 0);
}

static void test_hostile(void **state)
{
	(void)state;

	/* a length of 16 MiB - 1 */
	feed("ffffff000a382e302e333600", false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	/* a length past what arrived, then eof */
	run.c.eof = true;
	{
		static uint8_t b[64];
		size_t n = svc_hex("c80000000a382e302e333600", b, sizeof(b));
		size_t ol = 0;

		assert_int_equal(
			mysql()->step(&run.c, b, n, NULL, 0, &ol, &run.s),
			PORTIER_SVC_NOT);
	}
	/* the version has no NUL before the packet ends */
	feed("070000000a382e302e3336", false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	/* a version that does not start with a digit */
	feed("080000000a782e302e333600", false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	/* sequence id 1 */
	feed("080000010a382e302e333600", false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	/* an error packet with an implausible code */
	feed("05000000ff0000414141", false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	/* other protocols' banners */
	feed("5353482d322e302d4f70656e5353485f392e320d0a", false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	feed("32323020667470207265616479", false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	/* control bytes in the version */
	feed("070000000a381b5b326a00", false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mariadb_greeting),
		cmocka_unit_test(test_mysql8_greeting),
		cmocka_unit_test(test_host_not_allowed),
		cmocka_unit_test(test_cuts),
		cmocka_unit_test(test_pre41_greeting_without_flags),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
