/*
 * test_svc_rdp.c - the RDP module of `portier scan -sV`.
 *
 * Real Connection Confirms recorded from xrdp 0.9.21 (Debian 12) on
 * 127.0.0.1 in a private network namespace, answering the module's own
 * Connection Request (TLS|CredSSP|CredSSP-EX): security_layer=negotiate
 * (it picks TLS), security_layer=rdp (standard RDP security), and
 * security_layer=tls to a request for standard RDP security only (a
 * negotiation failure, then a disconnect in the same read).  NLA, the
 * pre-2008 confirm without negotiation and hostile ones are written from
 * MS-RDPBCGR 2.2.1.2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "svc_script.h"

static const char xrdp_tls[] = "030000130ed000001234000201080001000000";
static const char xrdp_rdp[] = "030000130ed000001234000201080000000000";
static const char xrdp_fail[] =
	"030000130ed0000012340003000800010000000300000902f0802180";
static const char nla[] = "030000130ed00000123400021f080002000000";

static const struct portier_svc_proto *rdp(void)
{
	const struct portier_svc_proto *p = portier_svc_proto_find("rdp");

	assert_non_null(p);
	assert_false(p->server_first);
	assert_int_equal(p->ports[0], 3389);
	return p;
}

static struct svc_run run;
static uint8_t b0[512];

static void talk(const char *reply, bool bytewise)
{
	struct svc_reply r = {b0, svc_hex(reply, b0, sizeof(b0))};

	svc_run(rdp(), &r, 1, bytewise, SIZE_MAX, false, &run);
}

static void test_tls_without_nla(void **state)
{
	uint8_t want[32];
	const struct portier_svc_finding *f;
	(void)state;

	talk(xrdp_tls, true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	/* the request: TPKT, X.224 CR, RDP_NEG_REQ for SSL|HYBRID|HYBRID_EX */
	assert_int_equal(run.sent_len[0],
			 svc_hex("030000130ee00000000000010008000b000000", want,
				 sizeof(want)));
	assert_memory_equal(run.sent[0], want, run.sent_len[0]);
	assert_string_equal(run.s.name, "ms-wbt-server");
	assert_string_equal(run.s.product, "Microsoft Terminal Services");
	assert_string_equal(run.s.match_text, "CC src-ref=0x1234 class=0 "
					      "neg=rsp flags=0x01 "
					      "protocol=0x00000001");
	assert_string_equal(run.s.extrainfo, "security: TLS");
	assert_int_equal(run.s.conf, 8);
	f = svc_finding(&run.s, "rdp-no-nla");
	assert_non_null(f);
	assert_int_equal(f->f.risk, PORTIER_RISK_MEDIUM);
}

static void test_standard_rdp(void **state)
{
	const struct portier_svc_finding *f;
	(void)state;

	talk(xrdp_rdp, true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_string_equal(run.s.extrainfo, "security: standard RDP");
	f = svc_finding(&run.s, "rdp-no-nla");
	assert_non_null(f);
	assert_int_equal(f->f.risk, PORTIER_RISK_HIGH);
	assert_non_null(strstr(f->f.text, "BlueKeep"));
	assert_non_null(strstr(f->f.advice, "portier firewall"));

	/* a confirm without negotiation (Windows 2003 and older) */
	talk("0300000b06d00000123400", true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_string_equal(run.s.match_text,
			    "CC src-ref=0x1234 class=0 neg=none");
	assert_int_equal(svc_finding(&run.s, "rdp-no-nla")->f.risk,
			 PORTIER_RISK_HIGH);
}

static void test_nla_and_failures(void **state)
{
	(void)state;

	talk(nla, true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_string_equal(run.s.extrainfo, "security: CredSSP (NLA)");
	assert_int_equal(run.s.n_findings, 0);

	/* xrdp refusing what we asked, then disconnecting: the confirm
	 * alone is read */
	talk(xrdp_fail, true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_string_equal(run.s.match_text,
			    "CC src-ref=0x1234 class=0 neg=failure code=1");
	assert_string_equal(run.s.extrainfo,
			    "negotiation failed: TLS required by server");
	assert_int_equal(run.s.n_findings, 0);

	talk("030000130ed00000123400030008000200000000", true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_int_equal(svc_finding(&run.s, "rdp-no-nla")->f.risk,
			 PORTIER_RISK_HIGH);
	talk("030000130ed000001234000300080005000000", true);
	assert_string_equal(run.s.extrainfo,
			    "negotiation failed: NLA required by server");
	assert_int_equal(run.s.n_findings, 0);
	talk("030000130ed000001234000300080063000000", true);
	assert_string_equal(run.s.extrainfo,
			    "negotiation failed: unknown failure");
}

static void test_cuts(void **state)
{
	const char *const all[] = {xrdp_tls, xrdp_rdp, xrdp_fail, nla};
	size_t i;
	(void)state;

	for (i = 0; i < 4; i++) {
		struct svc_reply r = {b0, svc_hex(all[i], b0, sizeof(b0))};

		svc_check_cuts(rdp(), &r, 1, PORTIER_SVC_DONE);
	}
}

static void test_hostile(void **state)
{
	(void)state;

	talk("0300ffff0ed0", false); /* a TPKT of 64 KiB */
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	talk("030000050e", false); /* shorter than any confirm */
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	/* LI pointing past the TPKT */
	talk("0300001320d000001234000201080001000000", false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	talk("03000013ffd000001234000201080001000000", false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	/* not a confirm (a CR echoed back), an unknown negotiation type */
	talk("030000130ee000001234000201080001000000", false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	talk("030000130ed000001234000901080001000000", false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	/* an HTTP server, an SSH banner */
	talk("485454502f312e3120343030", false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	talk("5353482d322e30", false);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	/* a TPKT longer than what came: wait for the rest */
	talk("030000200ed0000012340002", false);
	assert_int_equal(run.v, PORTIER_SVC_MORE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_without_nla),
		cmocka_unit_test(test_standard_rdp),
		cmocka_unit_test(test_nla_and_failures),
		cmocka_unit_test(test_cuts),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
