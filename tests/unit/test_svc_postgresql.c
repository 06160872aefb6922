/*
 * test_svc_postgresql.c - the PostgreSQL module of `portier scan -sV`.
 *
 * Real replies recorded from PostgreSQL 15.18 (Debian 12) on 127.0.0.1 in
 * a private network namespace, ssl off: the SSLRequest's 'N', then the
 * answer to the StartupMessage under pg_hba.conf "trust" (AuthenticationOk,
 * then the error that role "portier" does not exist), "scram-sha-256"
 * (AuthenticationSASL), and for a client address no line names (the
 * ErrorResponse "no pg_hba.conf entry").  md5, cleartext and 'S' are
 * written from the protocol's description.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "svc_script.h"

static const char pg_trust[] =
	"520000000800000000450000006353464154414c0056464154414c0043323830"
	"3030004d726f6c652022706f72746965722220646f6573206e6f742065786973"
	"7400466d697363696e69742e63004c3736380052496e697469616c697a655365"
	"7373696f6e5573657249640000";
static const char pg_scram[] =
	"52000000170000000a534352414d2d5348412d3235360000";
static const char pg_nohba[] =
	"450000009b53464154414c0056464154414c00433238303030004d6e6f207067"
	"5f6862612e636f6e6620656e74727920666f7220686f737420223132372e302e"
	"302e35222c20757365722022706f7274696572222c2064617461626173652022"
	"706f7274696572222c206e6f20656e6372797074696f6e0046617574682e6300"
	"4c3534340052436c69656e7441757468656e7469636174696f6e0000";
/* the StartupMessage psql would send for -U portier -d portier */
static const char startup[] = "00000027000300007573657200706f727469657200"
			      "646174616261736500706f727469657200"
			      "00";

static const struct portier_svc_proto *pg(void)
{
	const struct portier_svc_proto *p =
		portier_svc_proto_find("postgresql");

	assert_non_null(p);
	assert_false(p->server_first);
	return p;
}

static struct svc_run run;
static uint8_t b0[8], b1[512];

/* 'N' (or first), then the startup reply in hex */
static void talk(const char *first, const char *reply, bool bytewise)
{
	struct svc_reply r[2] = {{b0, svc_hex(first, b0, sizeof(b0))}, {b1, 0}};

	if (reply)
		r[1].n = svc_hex(reply, b1, sizeof(b1));
	svc_run(pg(), r, reply ? 2 : 1, bytewise, SIZE_MAX, false, &run);
}

static void test_trust(void **state)
{
	uint8_t want[64];
	(void)state;

	talk("4e", pg_trust, true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	/* what went out: an SSLRequest, then the StartupMessage */
	assert_int_equal(run.n_sent, 2);
	assert_int_equal(run.sent_len[0], 8);
	assert_memory_equal(run.sent[0], "\0\0\0\x08\x04\xd2\x16\x2f", 8);
	assert_int_equal(run.sent_len[1], svc_hex(startup, want, sizeof(want)));
	assert_memory_equal(run.sent[1], want, run.sent_len[1]);

	assert_string_equal(run.s.name, "postgresql");
	assert_string_equal(run.s.product, "PostgreSQL DB");
	assert_string_equal(run.s.version, "");
	assert_string_equal(run.s.match_text, "N R0");
	assert_int_equal(run.s.conf, 8);
	assert_int_equal(run.s.n_findings, 2);
	/* worst first */
	assert_string_equal(run.s.findings[0].f.id, "postgresql-trust");
	assert_int_equal(run.s.findings[0].f.risk, PORTIER_RISK_HIGH);
	assert_non_null(strstr(run.s.findings[0].f.advice, "scram-sha-256"));
	assert_non_null(strstr(run.s.findings[0].f.advice, "listen_addresses"));
	assert_string_equal(run.s.findings[1].f.id, "postgresql-no-tls");
	assert_int_equal(run.s.findings[1].f.risk, PORTIER_RISK_LOW);
}

static void test_scram(void **state)
{
	(void)state;

	talk("4e", pg_scram, true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_string_equal(run.s.match_text, "N R10 SCRAM-SHA-256");
	assert_int_equal(run.s.n_findings, 1);
	assert_non_null(svc_finding(&run.s, "postgresql-no-tls"));
}

static void test_no_hba_entry(void **state)
{
	(void)state;

	talk("4e", pg_nohba, true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_string_equal(run.s.name, "postgresql");
	assert_string_equal(
		run.s.match_text,
		"N E S=FATAL C=28000 M=no pg_hba.conf entry for host "
		"\"127.0.0.5\", user \"portier\", database \"portier\", no "
		"encryption F=auth.c L=544 R=ClientAuthentication");
	assert_int_equal(run.s.n_findings, 1);
}

static void test_md5_cleartext_tls(void **state)
{
	(void)state;

	talk("4e", "520000000c00000005a1b2c3d4", true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_string_equal(run.s.match_text, "N R5");
	assert_non_null(svc_finding(&run.s, "postgresql-md5"));

	talk("4e", "520000000800000003", true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_non_null(svc_finding(&run.s, "postgresql-password-cleartext"));

	/* 'S': TLS comes next, the module stops and finds nothing */
	talk("53", NULL, false);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_int_equal(run.n_sent, 1);
	assert_string_equal(run.s.match_text, "S");
	assert_string_equal(run.s.extrainfo, "TLS offered");
	assert_int_equal(run.s.n_findings, 0);
}

static void test_cuts(void **state)
{
	const char *const all[] = {pg_trust, pg_scram, pg_nohba};
	size_t i;
	(void)state;

	for (i = 0; i < 3; i++) {
		struct svc_reply r[2] = {{b0, svc_hex("4e", b0, sizeof(b0))},
					 {b1, svc_hex(all[i], b1, sizeof(b1))}};

		svc_check_cuts(pg(), r, 2, PORTIER_SVC_DONE);
	}
	/* 'N' and then the connection closed: still PostgreSQL */
	talk("4e", "", false);
	run.c.eof = true;
	{
		size_t ol;

		assert_int_equal(
			pg()->step(&run.c, b1, 0, b1, sizeof(b1), &ol, &run.s),
			PORTIER_SVC_DONE);
	}
	assert_string_equal(run.s.match_text, "N");
}

static void test_hostile(void **state)
{
	(void)state;

	/* more than the one byte after an SSLRequest */
	talk("4e4f", NULL, false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	talk("48", NULL, false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	/* a length past anything a reply holds */
	talk("4e", "52ffffffff00000000", false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	/* a length below its own size */
	talk("4e", "520000000200000000", false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	/* an error whose field has no NUL before the message ends */
	talk("4e", "450000000a53464154414c", false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	/* an error without a message field */
	talk("4e", "450000000d53464154414c000000", false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	/* an unknown authentication code */
	talk("4e", "5200000008000000ff", false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	/* a SASL list without its NULs */
	talk("4e", "520000000c0000000a41424344", false);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_string_equal(run.s.match_text, "N R10 ABCD");
	/* something else entirely */
	talk("4e", "485454502f312e31", false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trust),
		cmocka_unit_test(test_scram),
		cmocka_unit_test(test_no_hba_entry),
		cmocka_unit_test(test_md5_cleartext_tls),
		cmocka_unit_test(test_cuts),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
