/*
 * test_svc_mail.c - the SMTP, POP3 and IMAP modules over replies written
 * after RFC 5321, RFC 1939 + 2449 and RFC 9051/3501 in the shape Postfix,
 * Exim and Dovecot give them (none of those servers is installed here),
 * split at every byte, cut short and made hostile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "svc/svc_int.h"
#include "svc_test_util.h"

static const char postfix_greeting[] =
	"220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n";
static const char postfix_ehlo[] = "250-mail.example.org\r\n"
				   "250-PIPELINING\r\n"
				   "250-SIZE 10240000\r\n"
				   "250-VRFY\r\n"
				   "250-ETRN\r\n"
				   "250-STARTTLS\r\n"
				   "250-ENHANCEDSTATUSCODES\r\n"
				   "250-8BITMIME\r\n"
				   "250-DSN\r\n"
				   "250-SMTPUTF8\r\n"
				   "250 CHUNKING\r\n";

static void test_smtp_postfix(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;

	(void)state;
	svc_script_text(&sc, postfix_greeting);
	svc_script_text(&sc, postfix_ehlo);
	svc_script_text(&sc, "221 2.0.0 Bye\r\n");
	svc_check(&portier_svc_smtp, 25, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_string_equal(r.s.name, "smtp");
	assert_string_equal(r.s.match_text,
			    "220 mail.example.org ESMTP Postfix (Debian/GNU)");
	assert_string_equal(r.sent, "EHLO portier.invalid\r\nQUIT\r\n");
	assert_int_equal(r.s.n_findings, 0);
}

/* Exim on submission: a multi-line greeting, no STARTTLS, AUTH in clear. */
static void test_smtp_exim_no_tls(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;
	const struct portier_svc_finding *f;

	(void)state;
	svc_script_text(&sc,
			"220-mx.example.net ESMTP Exim 4.96 "
			"Fri, 04 Dec 2026 16:30:00 +0000\r\n"
			"220-We do not authorize the use of this system\r\n"
			"220 to transport unsolicited mail\r\n");
	svc_script_text(&sc, "250-mx.example.net Hello portier.invalid "
			     "[192.0.2.7]\r\n"
			     "250-SIZE 52428800\r\n"
			     "250-8BITMIME\r\n"
			     "250-PIPELINING\r\n"
			     "250-AUTH PLAIN LOGIN\r\n"
			     "250-PRDR\r\n"
			     "250 HELP\r\n");
	svc_script_text(&sc, "221 mx.example.net closing connection\r\n");
	svc_check(&portier_svc_smtp, 587, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_string_equal(r.s.match_text,
			    "220-mx.example.net ESMTP Exim 4.96 Fri, 04 Dec "
			    "2026 16:30:00 +0000");
	f = svc_finding(&r.s, "smtp-no-starttls");
	assert_non_null(f);
	assert_int_equal(f->f.risk, PORTIER_RISK_MEDIUM);
	assert_string_equal(f->detail, "EHLO lists no STARTTLS on port 587");
	f = svc_finding(&r.s, "smtp-auth-cleartext");
	assert_non_null(f);
	assert_string_equal(f->detail,
			    "AUTH PLAIN LOGIN offered in clear text");

	/* on 25 a missing STARTTLS is LOW */
	svc_check(&portier_svc_smtp, 25, &sc, &r);
	assert_int_equal(svc_finding(&r.s, "smtp-no-starttls")->f.risk,
			 PORTIER_RISK_LOW);
	/* on 465 the driver speaks TLS around it: nothing to offer */
	svc_check(&portier_svc_smtp, 465, &sc, &r);
	assert_int_equal(r.s.n_findings, 0);
}

static void test_smtp_refusing(void **state)
{
	static const char *const greetings[] = {
		"554 5.7.1 <192.0.2.7>: Client host rejected: Access denied\r\n",
		"421 4.3.2 Service not available, closing transmission "
		"channel\r\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct svc_script sc = {0};
		struct svc_run r;

		svc_script_text(&sc, greetings[i]);
		svc_check(&portier_svc_smtp, 25, &sc, &r);
		assert_int_equal(r.v, PORTIER_SVC_DONE);
		assert_string_equal(r.s.name, "smtp");
		assert_int_equal(r.n_sent, 0);
	}
}

/* EHLO refused (an old server): recognised, nothing judged, QUIT. */
static void test_smtp_ehlo_refused(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;

	(void)state;
	svc_script_text(&sc, "220 old.example.com SMTP ready\r\n");
	svc_script_text(&sc, "502 5.5.2 Error: command not recognized\r\n");
	svc_check(&portier_svc_smtp, 25, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_int_equal(r.s.n_findings, 0);
	assert_string_equal(r.sent, "EHLO portier.invalid\r\nQUIT\r\n");
}

/* FTP greets with 220 as well: off the SMTP ports only EHLO decides. */
static void test_smtp_or_ftp(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;

	(void)state;
	svc_script_text(&sc, "220 ProFTPD Server (Debian) [192.0.2.1]\r\n");
	svc_script_text(&sc, "500 EHLO not understood\r\n");
	svc_check(&portier_svc_smtp, 21, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_NOT);
	assert_string_equal(r.sent, "EHLO portier.invalid\r\n");
	/* on 25 the same is an SMTP server that does not know EHLO */
	svc_check(&portier_svc_smtp, 25, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	/* a greeting that says SMTP is enough anywhere */
	sc.reply[0] = (const uint8_t *)"220 mx.example.com ESMTP\r\n";
	sc.len[0] = strlen((const char *)sc.reply[0]);
	svc_check(&portier_svc_smtp, 2525, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	/* a 421 off the SMTP ports says nothing */
	memset(&sc, 0, sizeof(sc));
	svc_script_text(&sc, "421 Too many connections\r\n");
	svc_check(&portier_svc_smtp, 2121, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_NOT);
}

static void test_smtp_not(void **state)
{
	static const char *const banners[] = {
		"+OK Dovecot ready.\r\n",
		"220\r\n2",
		"22x ready\r\n",
		"250 not a greeting\r\n",
		"220-first\r\n221 other code\r\n",
		"220_x\r\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(banners) / sizeof(banners[0]); i++) {
		struct svc_script sc = {0};
		struct svc_run r;

		svc_script_text(&sc, banners[i]);
		svc_check(&portier_svc_smtp, 25, &sc, &r);
		if (i == 1) { /* "220" alone is a greeting */
			assert_int_equal(r.v, PORTIER_SVC_DONE);
			continue;
		}
		assert_int_equal(r.v, PORTIER_SVC_NOT);
	}
}

static void test_pop3_dovecot(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;

	(void)state;
	svc_script_text(&sc, "+OK Dovecot (Debian) ready.\r\n");
	svc_script_text(&sc, "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\n"
			     "PIPELINING\r\nAUTH-RESP-CODE\r\nSTLS\r\n"
			     "USER\r\nSASL PLAIN\r\n.\r\n");
	svc_script_text(&sc, "+OK Logging out\r\n");
	svc_check(&portier_svc_pop3, 110, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_string_equal(r.s.name, "pop3");
	assert_string_equal(r.s.match_text, "+OK Dovecot (Debian) ready.");
	assert_string_equal(r.sent, "CAPA\r\nQUIT\r\n");
	assert_int_equal(r.s.n_findings, 0);
}

static void test_pop3_no_stls(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;
	const struct portier_svc_finding *f;

	(void)state;
	svc_script_text(&sc, "+OK POP3 server ready <1896.697170952@dbc."
			     "mtview.ca.us>\r\n");
	svc_script_text(&sc, "+OK Capability list follows\r\nTOP\r\nUSER\r\n"
			     "UIDL\r\n.\r\n");
	svc_check(&portier_svc_pop3, 110, &sc, &r);
	f = svc_finding(&r.s, "pop3-no-stls");
	assert_non_null(f);
	assert_string_equal(f->detail, "CAPA lists no STLS; USER/PASS offered");

	/* RFC 1939 server without CAPA */
	memset(&sc, 0, sizeof(sc));
	svc_script_text(&sc, "+OK POP3 server ready\r\n");
	svc_script_text(&sc, "-ERR unknown command\r\n");
	svc_check(&portier_svc_pop3, 110, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_non_null(svc_finding(&r.s, "pop3-no-stls"));

	memset(&sc, 0, sizeof(sc));
	svc_script_text(&sc, "-ERR too many connections\r\n");
	svc_check(&portier_svc_pop3, 110, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_NOT);
	memset(&sc, 0, sizeof(sc));
	svc_script_text(&sc, "+OKAY\r\n");
	svc_check(&portier_svc_pop3, 110, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_NOT);
}

/* Dovecot states its capabilities in the greeting. */
static void test_imap_dovecot(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;
	const struct portier_svc_finding *f;

	(void)state;
	svc_script_text(&sc,
			"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS"
			" ID ENABLE IDLE LITERAL+ STARTTLS LOGINDISABLED] "
			"Dovecot (Debian) ready.\r\n");
	svc_script_text(&sc, "* BYE Logging out\r\na2 OK Logout completed "
			     "(0.001 + 0.000 secs).\r\n");
	svc_check(&portier_svc_imap, 143, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_string_equal(r.s.name, "imap");
	assert_string_equal(r.sent, "a2 LOGOUT\r\n");
	assert_null(svc_finding(&r.s, "imap-no-starttls"));
	f = svc_finding(&r.s, "imap-logindisabled");
	assert_non_null(f);
	assert_int_equal(f->f.risk, PORTIER_RISK_NONE);
}

/* RFC 9051 8: a greeting without capabilities, asked for them. */
static void test_imap_asked(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;
	const struct portier_svc_finding *f;

	(void)state;
	svc_script_text(&sc, "* OK IMAP4rev2 Service Ready\r\n");
	svc_script_text(&sc, "* CAPABILITY IMAP4rev2 AUTH=PLAIN\r\n"
			     "a1 OK CAPABILITY completed\r\n");
	svc_script_text(&sc, "* BYE\r\na2 OK\r\n");
	svc_check(&portier_svc_imap, 143, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_string_equal(r.s.match_text, "* OK IMAP4rev2 Service Ready");
	assert_string_equal(r.sent, "a1 CAPABILITY\r\na2 LOGOUT\r\n");
	f = svc_finding(&r.s, "imap-no-starttls");
	assert_non_null(f);
	assert_int_equal(f->f.risk, PORTIER_RISK_MEDIUM);

	/* no STARTTLS, but no clear login either */
	sc.reply[1] =
		(const uint8_t *)"* CAPABILITY IMAP4rev1 LOGINDISABLED\r\n"
				 "a1 OK done\r\n";
	sc.len[1] = strlen((const char *)sc.reply[1]);
	svc_check(&portier_svc_imap, 143, &sc, &r);
	assert_int_equal(svc_finding(&r.s, "imap-no-starttls")->f.risk,
			 PORTIER_RISK_LOW);
	/* 993 is IMAP in TLS */
	svc_check(&portier_svc_imap, 993, &sc, &r);
	assert_null(svc_finding(&r.s, "imap-no-starttls"));
}

static void test_imap_other(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;

	(void)state;
	svc_script_text(&sc, "* BYE Too many connections\r\n");
	svc_check(&portier_svc_imap, 143, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_int_equal(r.n_sent, 0);
	memset(&sc, 0, sizeof(sc));
	svc_script_text(&sc, "* NO go away\r\n");
	svc_check(&portier_svc_imap, 143, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_NOT);
	/* an unclosed [CAPABILITY: asked instead */
	memset(&sc, 0, sizeof(sc));
	svc_script_text(&sc, "* OK [CAPABILITY IMAP4rev1 STARTTLS\r\n");
	svc_check(&portier_svc_imap, 143, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_string_equal(r.sent, "a1 CAPABILITY\r\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smtp_postfix),
		cmocka_unit_test(test_smtp_exim_no_tls),
		cmocka_unit_test(test_smtp_refusing),
		cmocka_unit_test(test_smtp_ehlo_refused),
		cmocka_unit_test(test_smtp_or_ftp),
		cmocka_unit_test(test_smtp_not),
		cmocka_unit_test(test_pop3_dovecot),
		cmocka_unit_test(test_pop3_no_stls),
		cmocka_unit_test(test_imap_dovecot),
		cmocka_unit_test(test_imap_asked),
		cmocka_unit_test(test_imap_other),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
