/*
 * test_svc.c - service detection without a network: every built-in
 * fingerprint matches its own example and names a product, bad fingerprint
 * lines are refused with FILE:LINE, and the ftp and http modules hold the
 * conversations a real server has with them (anonymous FTP judged from
 * listing facts, never written to without --intrusive).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "portier/svc_run.h"

static void test_builtin_examples(void **state)
{
	struct portier_svc_fps *fps = NULL;
	struct portier_err err = {0};
	size_t i, n;

	(void)state;
	assert_int_equal(portier_svc_fps_builtin(&fps, &err), 0);
	n = portier_svc_fps_count(fps);
	assert_true(n >= 30);
	for (i = 0; i < n; i++) {
		const struct portier_svc_fp *e = portier_svc_fp_at(fps, i);
		struct portier_svc s = {0};

		if (!portier_svc_fp_match(fps, i, e->example, &s) ||
		    !s.product[0])
			fail_msg("data/services:%u: the example '%s' does "
				 "not yield a product",
				 e->line, e->example);
		assert_string_equal(s.name, e->service);
	}
	assert_null(portier_svc_fp_at(fps, n));
	portier_svc_fps_free(fps);
}

/* match_text through the file's order, as the driver applies it */
static void expect(const struct portier_svc_fps *fps, const char *name,
		   const char *text, const char *product, const char *version,
		   const char *extrainfo, const char *ostype)
{
	struct portier_svc s = {0};

	snprintf(s.name, sizeof(s.name), "%s", name);
	snprintf(s.match_text, sizeof(s.match_text), "%s", text);
	assert_true(portier_svc_fps_apply(fps, s.name, &s) >= 0);
	assert_string_equal(s.product, product);
	assert_string_equal(s.version, version);
	assert_string_equal(s.extrainfo, extrainfo);
	assert_string_equal(s.ostype, ostype);
	assert_int_equal(s.conf, 10);
}

static void test_builtin_products(void **state)
{
	struct portier_svc_fps *fps = NULL;
	struct portier_svc s = {0};

	(void)state;
	assert_int_equal(portier_svc_fps_builtin(&fps, NULL), 0);
	/* what nmap 7.93 prints for Debian 12's sshd, vsftpd and nginx */
	expect(fps, "ssh", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", "OpenSSH",
	       "9.2p1 Debian 2+deb12u3", "protocol 2.0", "Linux");
	expect(fps, "ftp", "220 (vsFTPd 3.0.3)", "vsftpd", "3.0.3", "", "Unix");
	expect(fps, "http", "nginx/1.22.1", "nginx", "1.22.1", "", "");
	expect(fps, "http", "Apache/2.4.57 (Debian)", "Apache httpd", "2.4.57",
	       "(Debian)", "");
	expect(fps, "ssh", "SSH-2.0-OpenSSH_9.6", "OpenSSH", "9.6",
	       "protocol 2.0", "");
	/* nmap names MariaDB behind MySQL's 5.5.5- prefix "MySQL" */
	expect(fps, "mysql", "5.5.5-10.11.6-MariaDB-0+deb12u1", "MySQL",
	       "5.5.5-10.11.6-MariaDB-0+deb12u1", "", "");
	/* the modules' own match_text (postgresql, mongodb, elasticsearch,
	 * docker) and the UDP side's (DNS version.bind) */
	expect(fps, "mongodb", "maxWireVersion=21 version=7.0.14", "MongoDB",
	       "7.0.14", "", "");
	expect(fps, "elasticsearch",
	       "elasticsearch version:8.11.1 lucene:9.8.0",
	       "Elasticsearch REST API", "8.11.1", "Lucene 9.8.0", "");
	expect(fps, "docker", "Version:24.0.7 ApiVersion:1.43 Os:linux",
	       "Docker", "24.0.7", "API 1.43", "");
	expect(fps, "domain", "dnsmasq-2.90", "dnsmasq", "2.90", "", "");
	/* an empty template keeps what the module found */
	snprintf(s.name, sizeof(s.name), "postgresql");
	snprintf(s.extrainfo, sizeof(s.extrainfo), "TLS offered");
	snprintf(s.match_text, sizeof(s.match_text), "S");
	assert_true(portier_svc_fps_apply(fps, s.name, &s) >= 0);
	assert_string_equal(s.product, "PostgreSQL DB");
	assert_string_equal(s.extrainfo, "TLS offered");
	memset(&s, 0, sizeof(s));
	/* an entry is for its own service only ... */
	snprintf(s.name, sizeof(s.name), "ftp");
	snprintf(s.match_text, sizeof(s.match_text), "nginx/1.22.1");
	assert_int_equal(portier_svc_fps_apply(fps, s.name, &s), -1);
	assert_string_equal(s.product, "");
	/* ... unless no module named the service: then any entry names it */
	s.name[0] = '\0';
	snprintf(s.match_text, sizeof(s.match_text),
		 "SSH-2.0-dropbear_2022.83");
	assert_true(portier_svc_fps_apply(fps, s.name, &s) >= 0);
	assert_string_equal(s.name, "ssh");
	assert_string_equal(s.product, "Dropbear sshd");
	portier_svc_fps_free(fps);
}

static void refused(const char *text, const char *why)
{
	struct portier_svc_fps *fps = (void *)1;
	struct portier_err err = {0};

	assert_int_equal(
		portier_svc_fps_parse(text, strlen(text), "t.tsv", &fps, &err),
		PORTIER_EINVAL);
	assert_null(fps);
	if (!strstr(err.msg, why))
		fail_msg("'%s' does not say '%s'", err.msg, why);
}

static void test_parse_errors(void **state)
{
	(void)state;
	refused("# c\n\nftp\t^220\tX\t-\t-\t-\n", "t.tsv:3: fewer than 7");
	refused("ftp\t^220\tX\t-\t-\t-\t220\textra\n", "t.tsv:1: more than 7");
	refused("ftp\t^(220\tX\t-\t-\t-\t220\n", "t.tsv:1: bad pattern");
	refused("ftp\t^(220)\tX\t$2\t-\t-\t220\n",
		"t.tsv:1: the version uses $2 but the pattern has 1 group");
	refused("ftp\t^220\t-\t-\t-\t-\t220\n",
		"t.tsv:1: the product is empty");
	refused("ftp\t^220\tX\t-\t-\t-\t221\n",
		"t.tsv:1: the example does not match");
	refused("a-service-name-much-too-long\t^2\tX\t-\t-\t-\t2\n",
		"too long");
}

static void test_parse_templates(void **state)
{
	const char *text =
		"x\t^([a-z]+)-([0-9]+)?(z)?\t$1  $3 \t$2\t-\t-\ta-1\n";
	struct portier_svc_fps *fps = NULL;
	struct portier_svc s = {0};

	(void)state;
	assert_int_equal(
		portier_svc_fps_parse(text, strlen(text), "t", &fps, NULL), 0);
	assert_int_equal(portier_svc_fps_count(fps), 1);
	/* an absent group is empty, blanks collapse, no space at the ends */
	assert_true(portier_svc_fp_match(fps, 0, "ab-", &s));
	assert_string_equal(s.product, "ab");
	assert_string_equal(s.version, "");
	assert_string_equal(s.name, "x");
	portier_svc_fps_free(fps);
}

/* ---- modules, step by step ---------------------------------------------- */

struct talk {
	const struct portier_svc_proto *p;
	struct portier_svc_conv c;
	struct portier_svc s;
	uint8_t out[512];
	size_t out_len;
};

static enum portier_svc_verdict step(struct talk *t, const char *in)
{
	enum portier_svc_verdict v;

	t->out_len = 0;
	v = t->p->step(&t->c, (const uint8_t *)in, in ? strlen(in) : 0, t->out,
		       sizeof(t->out), &t->out_len, &t->s);
	return v;
}

static void sent(const struct talk *t, const char *want)
{
	assert_int_equal(t->out_len, strlen(want));
	assert_memory_equal(t->out, want, t->out_len);
}

static void talk_init(struct talk *t, const char *proto)
{
	memset(t, 0, sizeof(*t));
	t->p = portier_svc_proto_find(proto);
	assert_non_null(t->p);
	t->c.host = "192.0.2.7";
	t->c.port = 21;
}

static void test_ftp_anonymous(void **state)
{
	struct talk t;

	(void)state;
	talk_init(&t, "ftp");
	assert_true(t.p->server_first);
	assert_int_equal(step(&t, "220-(vsFTPd 3.0.3)\r\n"), PORTIER_SVC_MORE);
	assert_int_equal(step(&t, "220-(vsFTPd 3.0.3)\r\n220 hi\r\n"),
			 PORTIER_SVC_SEND);
	sent(&t, "USER anonymous\r\n");
	assert_string_equal(t.s.name, "ftp");
	assert_string_equal(t.s.match_text, "220-(vsFTPd 3.0.3)");
	assert_int_equal(step(&t, "331 Please specify the password.\r\n"),
			 PORTIER_SVC_SEND);
	sent(&t, "PASS portier@example.org\r\n");
	assert_int_equal(step(&t, "230 Login successful.\r\n"),
			 PORTIER_SVC_SEND);
	sent(&t, "MLST /\r\n");
	assert_int_equal(t.s.n_findings, 1);
	assert_string_equal(t.s.findings[0].f.id, "ftp-anon");
	assert_string_equal(t.s.findings[0].detail,
			    "USER anonymous accepted (230 Login successful.)");
	assert_non_null(strstr(t.s.findings[0].f.advice, "anonymous_enable"));
	/* vsftpd knows no MLST: the listing on the control connection */
	assert_int_equal(step(&t, "500 Unknown command.\r\n"),
			 PORTIER_SVC_SEND);
	sent(&t, "STAT /\r\n");
	assert_int_equal(step(&t, "213-Status follows:\r\n"
				  "drwxr-xr-x 2 0 0 4096 Dec 04 16:00 pub\r\n"),
			 PORTIER_SVC_MORE);
	assert_int_equal(step(&t, "213-Status follows:\r\n"
				  "drwxr-xr-x 2 0 0 4096 Dec 04 16:00 pub\r\n"
				  "-rw-rw-rw- 1 0 0 6 Dec 04 16:00 f\r\n"
				  "213 End of status\r\n"),
			 PORTIER_SVC_SEND);
	sent(&t, "QUIT\r\n"); /* nothing writable listed, and no MKD */
	assert_int_equal(t.s.n_findings, 1);
	assert_int_equal(step(&t, "221 Goodbye.\r\n"), PORTIER_SVC_DONE);
}

static void test_ftp_writable(void **state)
{
	struct talk t;

	(void)state;
	talk_init(&t, "ftp");
	assert_int_equal(step(&t, "220 FTP\r\n"), PORTIER_SVC_SEND);
	assert_int_equal(step(&t, "230 in\r\n"), PORTIER_SVC_SEND);
	sent(&t, "MLST /\r\n");
	assert_int_equal(step(&t, "250-Listing /\r\n"
				  " type=dir;perm=flcdmpe; /\r\n250 End\r\n"),
			 PORTIER_SVC_SEND);
	sent(&t, "QUIT\r\n");
	assert_int_equal(t.s.n_findings, 2);
	assert_string_equal(t.s.findings[1].f.id, "ftp-anon-writable");
	assert_string_equal(t.s.findings[1].detail, "MLST / says perm=flc");

	/* a world-writable directory in STAT's listing */
	talk_init(&t, "ftp");
	step(&t, "220 FTP\r\n");
	step(&t, "331 pw\r\n");
	step(&t, "230 in\r\n");
	assert_int_equal(step(&t, "502 no\r\n"), PORTIER_SVC_SEND);
	assert_int_equal(step(&t, "211-x\r\n drwxrwxrwx 2 0 0 0 Jan 1 up\r\n"
				  "211 End\r\n"),
			 PORTIER_SVC_SEND);
	sent(&t, "QUIT\r\n");
	assert_int_equal(t.s.n_findings, 2);
	assert_non_null(strstr(t.s.findings[1].detail, "drwxrwxrwx"));
}

static void test_ftp_intrusive(void **state)
{
	struct talk t;

	(void)state;
	talk_init(&t, "ftp");
	t.c.intrusive = true;
	step(&t, "220 FTP\r\n");
	step(&t, "230 in\r\n");
	step(&t, "500 ?\r\n");
	assert_int_equal(step(&t, "213 nothing\r\n"), PORTIER_SVC_SEND);
	sent(&t, "MKD portier-probe.tmp\r\n");
	assert_int_equal(step(&t, "257 \"/portier-probe.tmp\" created\r\n"),
			 PORTIER_SVC_SEND);
	sent(&t, "RMD portier-probe.tmp\r\n");
	assert_string_equal(t.s.findings[1].f.id, "ftp-anon-writable");
	assert_int_equal(step(&t, "250 removed\r\n"), PORTIER_SVC_SEND);
	sent(&t, "QUIT\r\n");
	t.c.eof = true;
	assert_int_equal(step(&t, ""), PORTIER_SVC_DONE);
}

static void test_ftp_refused_and_not(void **state)
{
	struct talk t;

	(void)state;
	talk_init(&t, "ftp");
	step(&t, "220 (vsFTPd 3.0.3)\r\n");
	step(&t, "331 pw\r\n");
	assert_int_equal(step(&t, "530 Login incorrect.\r\n"),
			 PORTIER_SVC_SEND);
	sent(&t, "QUIT\r\n");
	assert_int_equal(t.s.n_findings, 0);
	assert_int_equal(step(&t, "221 bye\r\n"), PORTIER_SVC_DONE);

	talk_init(&t, "ftp");
	assert_int_equal(step(&t, "SSH-2.0-OpenSSH_9.6\r\n"), PORTIER_SVC_NOT);
	talk_init(&t, "ftp");
	assert_int_equal(step(&t, "250 ok\r\n"), PORTIER_SVC_NOT);
	talk_init(&t, "ftp");
	t.c.eof = true;
	assert_int_equal(step(&t, "220 cut"), PORTIER_SVC_NOT);
}

static void test_http(void **state)
{
	struct talk t;

	(void)state;
	talk_init(&t, "http");
	t.c.port = 8080;
	assert_false(t.p->server_first);
	assert_int_equal(step(&t, NULL), PORTIER_SVC_SEND);
	sent(&t, "GET / HTTP/1.0\r\nHost: 192.0.2.7:8080\r\n"
		 "User-Agent: portier\r\nAccept: */*\r\n"
		 "Connection: close\r\n\r\n");
	assert_int_equal(step(&t, "HTTP/1.1 200 OK\r\nServer: ng"),
			 PORTIER_SVC_MORE);
	/* no length: the body runs to the end of the connection */
	assert_int_equal(step(&t, "HTTP/1.1 200 OK\r\nDate: x\r\n"
				  "server:  nginx/1.22.1 \r\n\r\n<html>"),
			 PORTIER_SVC_MORE);
	t.c.eof = true;
	assert_int_equal(step(&t, "HTTP/1.1 200 OK\r\nDate: x\r\n"
				  "server:  nginx/1.22.1 \r\n\r\n<html><head>"
				  "<TITLE lang=en>\n Lab page</title>"),
			 PORTIER_SVC_DONE);
	assert_string_equal(t.s.name, "http");
	assert_string_equal(t.s.match_text, "nginx/1.22.1");
	assert_int_equal(t.s.n_findings, 1);
	assert_string_equal(t.s.findings[0].f.id, "http-title");
	assert_int_equal(t.s.findings[0].f.risk, PORTIER_RISK_NONE);
	assert_string_equal(t.s.findings[0].detail, "Lab page");

	/* a redirect: where it points, as nmap's http-title says */
	talk_init(&t, "http");
	step(&t, NULL);
	assert_int_equal(step(&t, "HTTP/1.1 301 Moved Permanently\r\n"
				  "Location: https://lab.example/\r\n"
				  "Content-Length: 0\r\n\r\n"),
			 PORTIER_SVC_DONE);
	assert_string_equal(t.s.findings[0].detail,
			    "Did not follow redirect to https://lab.example/");

	talk_init(&t, "http");
	t.c.host = "2001:db8::1";
	t.c.port = 80;
	step(&t, NULL);
	assert_non_null(
		memmem(t.out, t.out_len, "Host: [2001:db8::1]:80\r\n", 24));
	assert_int_equal(step(&t, "SSH-2.0-x\r\n"), PORTIER_SVC_NOT);
	talk_init(&t, "http");
	step(&t, NULL);
	t.c.eof = true;
	assert_int_equal(step(&t, "HTTP/1.0 404 Not Found\r\n\r\n"),
			 PORTIER_SVC_DONE);
	assert_string_equal(t.s.match_text, "");
	assert_int_equal(t.s.n_findings, 0);
	/* a head cut off by the end of the connection is no HTTP reply */
	talk_init(&t, "http");
	step(&t, NULL);
	t.c.eof = true;
	assert_int_equal(step(&t, "HTTP/1.0 404 Not Found\r\n"),
			 PORTIER_SVC_NOT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_examples),
		cmocka_unit_test(test_builtin_products),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_templates),
		cmocka_unit_test(test_ftp_anonymous),
		cmocka_unit_test(test_ftp_writable),
		cmocka_unit_test(test_ftp_intrusive),
		cmocka_unit_test(test_ftp_refused_and_not),
		cmocka_unit_test(test_http),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
