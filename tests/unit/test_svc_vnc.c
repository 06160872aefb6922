/*
 * test_svc_vnc.c - the VNC (RFB) module of `portier scan -sV`.
 *
 * Real replies recorded from TigerVNC 1.12 (Xtigervnc, Debian 12) on
 * 127.0.0.1 in a private network namespace: "-SecurityTypes None" (the
 * list is None alone), "-SecurityTypes VncAuth,TLSVnc,X509Plain" (VeNCrypt
 * and VNC authentication), and the same server to a client that speaks
 * 3.3 (it picks VNC authentication and sends the challenge).  Apple's
 * 3.889, failures with a reason and lying counts are written from RFC
 * 6143.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "svc_script.h"

static const char rfb38[] = "524642203030332e3030380a"; /* RFB 003.008\n */
static const char rfb33[] = "524642203030332e3030330a";
static const char tiger_none[] = "0101";
static const char tiger_auth[] = "021302";
static const char tiger_33[] = "000000028bef01e70bbd213189065a81eba81f13";

static const struct portier_svc_proto *vnc(void)
{
	const struct portier_svc_proto *p = portier_svc_proto_find("vnc");

	assert_non_null(p);
	assert_true(p->server_first);
	return p;
}

static struct svc_run run;
static uint8_t b0[64], b1[512];

static void talk(const char *banner, const char *reply, bool bytewise)
{
	struct svc_reply r[2] = {{b0, svc_hex(banner, b0, sizeof(b0))},
				 {b1, 0}};

	if (reply)
		r[1].n = svc_hex(reply, b1, sizeof(b1));
	svc_run(vnc(), r, reply ? 2 : 1, bytewise, SIZE_MAX, false, &run);
}

static void test_none(void **state)
{
	const struct portier_svc_finding *f;
	(void)state;

	talk(rfb38, tiger_none, true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_int_equal(run.n_sent, 1);
	assert_int_equal(run.sent_len[0], 12);
	assert_memory_equal(run.sent[0], "RFB 003.008\n", 12);
	assert_string_equal(run.s.name, "vnc");
	assert_string_equal(run.s.product, "VNC");
	assert_string_equal(run.s.version, "");
	assert_string_equal(run.s.match_text, "RFB 003.008");
	assert_string_equal(run.s.extrainfo,
			    "protocol 3.8; security types: None (1)");
	assert_int_equal(run.s.conf, 8);
	f = svc_finding(&run.s, "vnc-no-auth");
	assert_non_null(f);
	assert_int_equal(f->f.risk, PORTIER_RISK_HIGH);
	assert_string_equal(f->detail, "RFB 003.008 offers security type None");
}

static void test_password(void **state)
{
	(void)state;

	talk(rfb38, tiger_auth, true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_string_equal(run.s.extrainfo,
			    "protocol 3.8; security types: VeNCrypt (19), VNC "
			    "authentication (2)");
	assert_int_equal(run.s.n_findings, 0);
}

static void test_protocol_33(void **state)
{
	(void)state;

	/* a 3.3 server gets 3.3 back and picks the type itself */
	talk(rfb33, tiger_33, true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_memory_equal(run.sent[0], "RFB 003.003\n", 12);
	assert_string_equal(run.s.match_text, "RFB 003.003");
	assert_string_equal(
		run.s.extrainfo,
		"protocol 3.3; security types: VNC authentication (2)");
	assert_int_equal(run.s.n_findings, 0);

	talk(rfb33, "00000001", true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_non_null(svc_finding(&run.s, "vnc-no-auth"));

	/* 3.3 failure: type 0, then the reason */
	talk(rfb33, "000000000000000442757379", true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_string_equal(run.s.extrainfo, "protocol 3.3; refused: Busy");
}

static void test_apple_and_37(void **state)
{
	(void)state;

	/* RFB 003.889: Apple Remote Desktop; we answer 3.8 */
	talk("524642203030332e3838390a",
	     "0201"
	     "1e",
	     true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_memory_equal(run.sent[0], "RFB 003.008\n", 12);
	assert_string_equal(run.s.product, "Apple remote desktop vnc");
	assert_string_equal(run.s.extrainfo,
			    "protocol 3.889; security types: None (1), "
			    "Apple remote desktop (30)");
	assert_non_null(svc_finding(&run.s, "vnc-no-auth"));

	talk("524642203030332e3030370a", "0102", true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_memory_equal(run.sent[0], "RFB 003.007\n", 12);
	assert_string_equal(run.s.extrainfo,
			    "protocol 3.7; security types: VNC "
			    "authentication (2)");
}

static void test_failure_reason(void **state)
{
	(void)state;

	/* count 0: a reason follows */
	talk(rfb38,
	     "000000001a546f6f206d616e792073656375726974792066"
	     "61696c75726573",
	     true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_string_equal(
		run.s.extrainfo,
		"protocol 3.8; refused: Too many security failures");
	assert_int_equal(run.s.n_findings, 0);
}

static void test_cuts(void **state)
{
	const char *const replies[] = {tiger_none, tiger_auth};
	size_t i;
	(void)state;

	for (i = 0; i < 2; i++) {
		struct svc_reply r[2] = {
			{b0, svc_hex(rfb38, b0, sizeof(b0))},
			{b1, svc_hex(replies[i], b1, sizeof(b1))}};

		svc_check_cuts(vnc(), r, 2, PORTIER_SVC_DONE);
	}
	{
		struct svc_reply r[2] = {
			{b0, svc_hex(rfb33, b0, sizeof(b0))},
			{b1, svc_hex(tiger_33, b1, sizeof(b1))}};

		svc_check_cuts(vnc(), r, 2, PORTIER_SVC_DONE);
		/* the banner itself cut: NOT with eof, MORE before */
		svc_check_cuts(vnc(), r, 1, PORTIER_SVC_SEND);
	}
}

static void test_exact_room(void **state)
{
	struct portier_svc_conv c = {.host = "127.0.0.1"};
	struct portier_svc s;
	uint8_t out[12];
	size_t ol = 0;
	(void)state;

	/* the answer fits in exactly its 12 bytes, newline included */
	memset(&s, 0, sizeof(s));
	assert_int_equal(vnc()->step(&c, (const uint8_t *)"RFB 003.008\n", 12,
				     out, sizeof(out), &ol, &s),
			 PORTIER_SVC_SEND);
	assert_int_equal(ol, 12);
	assert_memory_equal(out, "RFB 003.008\n", 12);
	/* one byte less is no room */
	c.step = 0;
	assert_int_equal(vnc()->step(&c, (const uint8_t *)"RFB 003.008\n", 12,
				     out, 11, &ol, &s),
			 PORTIER_SVC_NOT);
}

static void test_hostile(void **state)
{
	(void)state;

	/* a count of 200 with three types: MORE until eof, then the three
	 * that came, marked as cut */
	talk(rfb38, "c8010213", false);
	assert_int_equal(run.v, PORTIER_SVC_MORE);
	run.c.eof = true;
	{
		size_t ol;

		assert_int_equal(
			vnc()->step(&run.c, b1, 4, b1, sizeof(b1), &ol, &run.s),
			PORTIER_SVC_DONE);
	}
	assert_string_equal(run.s.extrainfo,
			    "protocol 3.8; security types: None (1), VNC "
			    "authentication (2), VeNCrypt (19) (3 of 200 "
			    "listed)");
	assert_non_null(svc_finding(&run.s, "vnc-no-auth"));

	/* a reason length of 4 GiB: taken as what arrived */
	talk(rfb38, "00ffffffff41", false);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_string_equal(run.s.extrainfo, "protocol 3.8; refused: A");

	/* a reason with terminal controls */
	talk(rfb38, "00000000031b5b41", false);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_string_equal(run.s.extrainfo, "protocol 3.8; refused: ?[A");

	/* not version lines */
	talk("524642203030332e3030380a41", NULL, false); /* more after */
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	talk("524642206162632e6465660a", NULL, false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	talk("524642203030302e3030300a", NULL, false); /* major 0 */
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	talk("485454502f312e3020323030", NULL, false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	talk("5246", NULL, false); /* a prefix: wait */
	assert_int_equal(run.v, PORTIER_SVC_MORE);
	talk("5258", NULL, false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_password),
		cmocka_unit_test(test_protocol_33),
		cmocka_unit_test(test_apple_and_37),
		cmocka_unit_test(test_failure_reason),
		cmocka_unit_test(test_cuts),
		cmocka_unit_test(test_exact_room),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
