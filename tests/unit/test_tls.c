/*
 * test_tls.c - the TLS client layer (include/portier/tls.h) against an
 * OpenSSL server in memory: keys and certificates are made here (self-
 * signed, expired, CA-signed with SANs, SHA-1 signed, RSA-1024, TLS 1.0),
 * bytes are pumped between the two memory-BIO pairs, and the facts, the
 * judge's findings, plaintext both ways and clean failures on truncated or
 * foreign bytes are checked.  No network, no clock (FIX_NOW).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/pem.h>

#include "portier/tls.h"
#include "tls_fixture.h"

static EVP_PKEY *rsa2048, *rsa1024, *ec256;
static X509 *ca;
static struct portier_tls_ctx *ctx;

static int group_setup(void **state)
{
	struct portier_err err;
	struct fix_cert c = {"Portier Test CA",
			     "Portier Test",
			     "NL",
			     FIX_NOW - 400 * FIX_DAY,
			     FIX_NOW + 3650 * FIX_DAY,
			     NULL,
			     NULL,
			     NULL,
			     NULL,
			     NULL,
			     true};

	(void)state;
	rsa2048 = EVP_RSA_gen(2048);
	rsa1024 = EVP_RSA_gen(1024);
	ec256 = EVP_EC_gen("P-256");
	if (!rsa2048 || !rsa1024 || !ec256)
		return -1;
	c.key = rsa2048;
	ca = fix_make_cert(&c);
	if (!ca || portier_tls_ctx_new(&ctx, &err) != 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	portier_tls_ctx_free(ctx);
	X509_free(ca);
	EVP_PKEY_free(rsa2048);
	EVP_PKEY_free(rsa1024);
	EVP_PKEY_free(ec256);
	return 0;
}

/* The ids of s's findings are exactly ids (NULL-terminated), in order. */
static void assert_findings(const struct portier_svc *s, const char *const *ids)
{
	size_t i;

	for (i = 0; ids[i]; i++) {
		assert_true(i < s->n_findings);
		assert_string_equal(s->findings[i].f.id, ids[i]);
		assert_non_null(s->findings[i].f.text);
		assert_non_null(s->findings[i].f.advice);
		assert_true(s->findings[i].detail[0] != '\0');
	}
	assert_int_equal(s->n_findings, i);
}

/* A server with cert (and the CA as chain when ca_chain), a client for
 * host, the handshake run; the facts in *info.  Returns the status. */
static enum portier_tls_status connect_to(X509 *cert, EVP_PKEY *key,
					  bool ca_chain, int max_version,
					  const char *host, size_t chunk,
					  struct portier_tls_info *info,
					  char *sni, size_t sni_cap)
{
	struct fix_server srv;
	struct portier_tls *t;
	struct portier_err err;
	enum portier_tls_status st;
	const char *name;

	assert_int_equal(fix_server_start(&srv, cert, key, ca_chain ? ca : NULL,
					  max_version),
			 0);
	assert_int_equal(portier_tls_new(ctx, host, &t, &err), 0);
	st = fix_handshake(t, &srv, chunk, &err);
	if (st == PORTIER_TLS_OK)
		assert_int_equal(portier_tls_get_info(t, info, &err), 0);
	name = SSL_get_servername(srv.ssl, TLSEXT_NAMETYPE_host_name);
	snprintf(sni, sni_cap, "%s", name ? name : "(none)");
	portier_tls_free(t);
	fix_server_stop(&srv);
	return st;
}

static X509 *leaf(const char *cn, EVP_PKEY *key, const EVP_MD *md,
		  const char *sans)
{
	struct fix_cert c = {cn,
			     NULL,
			     NULL,
			     FIX_NOW - 30 * FIX_DAY,
			     FIX_NOW + 335 * FIX_DAY,
			     sans,
			     key,
			     rsa2048,
			     ca,
			     md};
	X509 *x = fix_make_cert(&c);

	assert_non_null(x);
	return x;
}

static void test_self_signed(void **state)
{
	struct fix_cert c = {"selfsigned.test",
			     "Portier Test",
			     "NL",
			     FIX_NOW - 30 * FIX_DAY,
			     FIX_NOW + 335 * FIX_DAY,
			     "DNS:selfsigned.test",
			     rsa2048,
			     NULL,
			     NULL,
			     NULL};
	X509 *x = fix_make_cert(&c);
	struct portier_tls_info info;
	struct portier_svc s;
	char sni[64], text[1024];
	static const char *const ids[] = {"tls-self-signed", NULL};

	(void)state;
	assert_non_null(x);
	assert_int_equal(connect_to(x, rsa2048, false, 0, "selfsigned.test",
				    SIZE_MAX, &info, sni, sizeof(sni)),
			 PORTIER_TLS_OK);
	assert_string_equal(sni, "selfsigned.test");
	assert_string_equal(info.version, "TLSv1.3");
	assert_true(info.cipher[0] != '\0');
	assert_string_equal(info.cipher, info.cipher_iana); /* TLS 1.3 */
	assert_int_equal(info.chain_len, 1);
	assert_true(info.has_cert);
	assert_true(info.self_signed);
	assert_false(info.verified);
	assert_int_equal(info.verify_code,
			 X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
	assert_string_equal(info.subject_cn, "selfsigned.test");
	assert_string_equal(info.subject, "countryName=NL/organizationName="
					  "Portier Test/commonName="
					  "selfsigned.test");
	assert_string_equal(info.subject_nmap,
			    "commonName=selfsigned.test/organizationName="
			    "Portier Test/countryName=NL");
	assert_string_equal(info.issuer, info.subject);
	assert_int_equal(info.not_before, FIX_NOW - 30 * FIX_DAY);
	assert_int_equal(info.not_after, FIX_NOW + 335 * FIX_DAY);
	assert_string_equal(info.key_type, "rsa");
	assert_int_equal(info.key_bits, 2048);
	assert_string_equal(info.sig_alg, "sha256WithRSAEncryption");
	assert_false(info.weak_sig);
	assert_int_equal(info.n_sans, 1);
	assert_false(info.sans[0].ip);
	assert_string_equal(info.sans[0].name, "selfsigned.test");
	assert_int_equal(strlen(info.md5), 32);
	assert_int_equal(strlen(info.sha1), 40);

	memset(&s, 0, sizeof(s));
	portier_tls_judge(&info, FIX_NOW, &s);
	assert_true(s.tunnel_ssl);
	assert_findings(&s, ids);
	assert_string_equal(s.findings[0].detail,
			    "self-signed certificate for selfsigned.test");

	portier_tls_ssl_cert_text(&info, text, sizeof(text));
	assert_non_null(strstr(text, "Subject: commonName=selfsigned.test/"
				     "organizationName=Portier Test/"
				     "countryName=NL\n"
				     "Subject Alternative Name: "
				     "DNS:selfsigned.test\n"
				     "Issuer: commonName=selfsigned.test/"));
	assert_non_null(strstr(text, "\nPublic Key type: rsa\n"
				     "Public Key bits: 2048\n"
				     "Signature Algorithm: "
				     "sha256WithRSAEncryption\n"
				     "Not valid before: 2026-05-02T00:00:00\n"
				     "Not valid after:  2027-05-02T00:00:00\n"
				     "MD5:   "));
	assert_non_null(strstr(text, "\nSHA-1: "));
	assert_int_equal(text[strlen(text) - 1] != '\n', 1);
	X509_free(x);
}

static void test_expired(void **state)
{
	struct fix_cert c = {"expired.test",
			     NULL,
			     NULL,
			     FIX_NOW - 400 * FIX_DAY,
			     FIX_NOW - FIX_DAY,
			     NULL,
			     ec256,
			     NULL,
			     NULL,
			     NULL};
	X509 *x = fix_make_cert(&c);
	struct portier_tls_info info;
	struct portier_svc s;
	char sni[64];
	static const char *const ids[] = {"tls-expired", "tls-self-signed",
					  NULL};

	(void)state;
	assert_non_null(x);
	/* a final dot is not sent in SNI */
	assert_int_equal(connect_to(x, ec256, false, 0, "expired.test.",
				    SIZE_MAX, &info, sni, sizeof(sni)),
			 PORTIER_TLS_OK);
	assert_string_equal(sni, "expired.test");
	assert_true(info.self_signed);
	assert_string_equal(info.key_type, "ec");
	assert_int_equal(info.key_bits, 256);
	assert_int_equal(info.not_after, FIX_NOW - FIX_DAY);
	assert_int_equal(info.n_sans, 0);
	memset(&s, 0, sizeof(s));
	portier_tls_judge(&info, FIX_NOW, &s);
	assert_findings(&s, ids);
	assert_int_equal(s.findings[0].f.risk, PORTIER_RISK_HIGH);
	assert_string_equal(s.findings[0].detail, "certificate for "
						  "expired.test expired "
						  "2026-05-31 00:00 UTC");
	/* up to notAfter itself (RFC 5280 4.1.2.5: inclusive) only the
	 * self-signature counts */
	memset(&s, 0, sizeof(s));
	portier_tls_judge(&info, FIX_NOW - FIX_DAY, &s);
	assert_findings(&s, ids + 1);
	X509_free(x);
}

static void test_ca_signed_sans(void **state)
{
	X509 *x = leaf("www.example.test", ec256, NULL,
		       "DNS:www.example.test,DNS:example.test,"
		       "IP:192.0.2.7,IP:2001:db8::1");
	struct portier_tls_info info;
	struct portier_svc s;
	char sni[64], text[1024];
	static const char *const none[] = {NULL};

	(void)state;
	/* an address is no SNI */
	assert_int_equal(connect_to(x, ec256, true, 0, "192.0.2.7", SIZE_MAX,
				    &info, sni, sizeof(sni)),
			 PORTIER_TLS_OK);
	assert_string_equal(sni, "(none)");
	assert_int_equal(info.chain_len, 2);
	assert_false(info.self_signed);
	assert_false(info.verified); /* the test CA is in no trust store */
	assert_int_not_equal(info.verify_code, X509_V_OK);
	assert_string_equal(info.subject_cn, "www.example.test");
	assert_string_equal(info.issuer_cn, "Portier Test CA");
	assert_string_equal(info.issuer_nmap,
			    "commonName=Portier Test CA/organizationName="
			    "Portier Test/countryName=NL");
	assert_int_equal(info.n_sans, 4);
	assert_int_equal(info.n_sans_total, 4);
	assert_string_equal(info.sans[1].name, "example.test");
	assert_true(info.sans[2].ip);
	assert_string_equal(info.sans[2].name, "192.0.2.7");
	assert_string_equal(info.sans[3].name, "2001:db8::1");
	assert_string_equal(info.sig_alg, "sha256WithRSAEncryption");
	memset(&s, 0, sizeof(s));
	portier_tls_judge(&info, FIX_NOW, &s);
	assert_findings(&s, none);
	assert_true(s.tunnel_ssl);
	portier_tls_ssl_cert_text(&info, text, sizeof(text));
	assert_non_null(strstr(text, "\nSubject Alternative Name: "
				     "DNS:www.example.test, DNS:example.test, "
				     "IP Address:192.0.2.7, IP Address:"
				     "2001:db8::1\nIssuer: commonName="
				     "Portier Test CA/"));
	X509_free(x);
}

/* A chain that leads to a CA in the trust directory is verified (the layer
 * records the verdict while it accepts anything). */
static void test_trusted_chain_verifies(void **state)
{
	X509 *x = leaf("trusted.test", ec256, NULL, NULL);
	struct portier_tls_ctx *plain = ctx;
	struct portier_tls_info info;
	struct portier_err err;
	char dir[] = "/tmp/portier-tls-XXXXXX", path[128], sni[64];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* OpenSSL's hashed directory: <subject hash>.0 */
	snprintf(path, sizeof(path), "%s/%08lx.0", dir,
		 X509_subject_name_hash(ca));
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, ca), 1);
	assert_int_equal(fclose(f), 0);
	setenv("SSL_CERT_DIR", dir, 1);
	assert_int_equal(portier_tls_ctx_new(&ctx, &err), 0);
	unsetenv("SSL_CERT_DIR");
	assert_int_equal(connect_to(x, ec256, true, 0, "trusted.test", SIZE_MAX,
				    &info, sni, sizeof(sni)),
			 PORTIER_TLS_OK);
	portier_tls_ctx_free(ctx);
	ctx = plain;
	unlink(path);
	rmdir(dir);
	assert_true(info.verified);
	assert_int_equal(info.verify_code, X509_V_OK);
	assert_string_equal(info.verify_text, "ok");
	X509_free(x);
}

static void test_weak_signature_and_key(void **state)
{
	X509 *sha1 = leaf("sha1.test", rsa2048, EVP_sha1(), NULL);
	X509 *small = leaf("small.test", rsa1024, NULL, NULL);
	struct portier_tls_info info;
	struct portier_svc s;
	char sni[64];
	static const char *const weak_sig[] = {"tls-weak-signature", NULL};
	static const char *const weak_key[] = {"tls-weak-key", NULL};

	(void)state;
	assert_int_equal(connect_to(sha1, rsa2048, true, 0, "sha1.test",
				    SIZE_MAX, &info, sni, sizeof(sni)),
			 PORTIER_TLS_OK);
	assert_true(info.weak_sig);
	assert_string_equal(info.sig_alg, "sha1WithRSAEncryption");
	memset(&s, 0, sizeof(s));
	portier_tls_judge(&info, FIX_NOW, &s);
	assert_findings(&s, weak_sig);
	assert_string_equal(s.findings[0].detail,
			    "signed with sha1WithRSAEncryption");

	assert_int_equal(connect_to(small, rsa1024, true, 0, "small.test",
				    SIZE_MAX, &info, sni, sizeof(sni)),
			 PORTIER_TLS_OK);
	assert_int_equal(info.key_bits, 1024);
	memset(&s, 0, sizeof(s));
	portier_tls_judge(&info, FIX_NOW, &s);
	assert_findings(&s, weak_key);
	assert_string_equal(s.findings[0].detail, "1024-bit rsa key");
	X509_free(sha1);
	X509_free(small);
}

static void test_md5_signature(void **state)
{
	X509 *x = leaf("md5.test", rsa2048, EVP_md5(), NULL);
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	struct portier_tls_info info;
	struct portier_svc s;
	static const char *const ids[] = {"tls-weak-signature", NULL};

	(void)state;
	assert_int_equal(portier_tls_cert_parse(der, (size_t)len, &info, NULL),
			 0);
	assert_string_equal(info.sig_alg, "md5WithRSAEncryption");
	assert_true(info.weak_sig);
	memset(&s, 0, sizeof(s));
	portier_tls_judge(&info, FIX_NOW, &s);
	assert_findings(&s, ids);
	OPENSSL_free(der);
	X509_free(x);
}

static void test_old_protocol(void **state)
{
	X509 *x = leaf("old.test", rsa2048, NULL, NULL);
	struct portier_tls_info info;
	struct portier_svc s;
	char sni[64];
	static const char *const ids[] = {"tls-old-protocol", NULL};

	(void)state;
	assert_int_equal(connect_to(x, rsa2048, true, TLS1_VERSION, "old.test",
				    SIZE_MAX, &info, sni, sizeof(sni)),
			 PORTIER_TLS_OK);
	assert_string_equal(info.version, "TLSv1");
	assert_true(info.cipher_iana[0] != '\0');
	memset(&s, 0, sizeof(s));
	portier_tls_judge(&info, FIX_NOW, &s);
	assert_findings(&s, ids);
	assert_int_equal(s.findings[0].f.risk, PORTIER_RISK_MEDIUM);
	assert_non_null(strstr(s.findings[0].f.advice,
			       "ssl_protocols TLSv1.2 TLSv1.3;"));
	/* TLS 1.2 is fine */
	assert_int_equal(connect_to(x, rsa2048, true, TLS1_2_VERSION,
				    "old.test", SIZE_MAX, &info, sni,
				    sizeof(sni)),
			 PORTIER_TLS_OK);
	assert_string_equal(info.version, "TLSv1.2");
	memset(&s, 0, sizeof(s));
	portier_tls_judge(&info, FIX_NOW, &s);
	assert_int_equal(s.n_findings, 0);
	X509_free(x);
}

/* A CA-signed server for cn and a client for it, not yet connected. */
struct session {
	X509 *x;
	struct fix_server srv;
	struct portier_tls *t;
	struct portier_err err;
};

static void session_start(struct session *ss, const char *cn, EVP_PKEY *key,
			  X509 *chain)
{
	ss->x = leaf(cn, key, NULL, NULL);
	assert_int_equal(fix_server_start(&ss->srv, ss->x, key, chain, 0), 0);
	assert_int_equal(portier_tls_new(ctx, cn, &ss->t, &ss->err), 0);
}

static void session_end(struct session *ss)
{
	portier_tls_free(ss->t);
	fix_server_stop(&ss->srv);
	X509_free(ss->x);
}

/* Read plaintext from the layer until want bytes came (or it fails). */
static size_t read_all(struct portier_tls *t, struct fix_server *srv,
		       uint8_t *buf, size_t want)
{
	struct portier_err err;
	size_t have = 0, got;
	int rounds = 0;

	while (have < want && rounds++ < 1000) {
		enum portier_tls_status st = portier_tls_read(
			t, buf + have, want - have, &got, &err);

		if (st == PORTIER_TLS_OK)
			have += got;
		else if (st == PORTIER_TLS_WANT_INPUT)
			fix_to_client(srv, t, SIZE_MAX);
		else
			break;
	}
	return have;
}

static void test_plaintext_both_ways(void **state)
{
	struct session ss;
	static const char req[] = "GET / HTTP/1.0\r\nHost: rt.test\r\n\r\n";
	static uint8_t big[40000], back[40000];
	char got[64];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 3);
	session_start(&ss, "rt.test", ec256, ca);
	/* nothing to write before the handshake */
	assert_int_equal(portier_tls_write(ss.t, req, 3, &ss.err),
			 PORTIER_EINVAL);
	/* the server's bytes arrive one at a time */
	assert_int_equal(fix_handshake(ss.t, &ss.srv, 1, &ss.err),
			 PORTIER_TLS_OK);
	assert_int_equal(SSL_is_init_finished(ss.srv.ssl), 1);

	assert_int_equal(portier_tls_write(ss.t, req, strlen(req), &ss.err), 0);
	assert_true(portier_tls_pending(ss.t) > strlen(req));
	fix_to_server(ss.t, &ss.srv);
	assert_int_equal(SSL_read(ss.srv.ssl, got, sizeof(got)),
			 (int)strlen(req));
	assert_memory_equal(got, req, strlen(req));

	assert_int_equal(SSL_write(ss.srv.ssl, big, sizeof(big)), sizeof(big));
	assert_int_equal(read_all(ss.t, &ss.srv, back, sizeof(back)),
			 sizeof(back));
	assert_memory_equal(back, big, sizeof(big));

	/* nothing more yet, then close_notify: CLOSED */
	assert_int_equal(
		portier_tls_read(ss.t, back, sizeof(back), &n, &ss.err),
		PORTIER_TLS_WANT_INPUT);
	assert_int_equal(n, 0);
	SSL_shutdown(ss.srv.ssl);
	fix_to_client(&ss.srv, ss.t, SIZE_MAX);
	assert_int_equal(
		portier_tls_read(ss.t, back, sizeof(back), &n, &ss.err),
		PORTIER_TLS_CLOSED);
	session_end(&ss);
}

static void test_eof_after_handshake_is_closed(void **state)
{
	struct session ss;
	uint8_t buf[16];
	size_t n;

	(void)state;
	session_start(&ss, "eof.test", ec256, NULL);
	assert_int_equal(fix_handshake(ss.t, &ss.srv, SIZE_MAX, &ss.err),
			 PORTIER_TLS_OK);
	/* an HTTP/1.0 server often just closes: the end of the reply */
	portier_tls_feed_eof(ss.t);
	assert_int_equal(portier_tls_read(ss.t, buf, sizeof(buf), &n, &ss.err),
			 PORTIER_TLS_CLOSED);
	assert_int_equal(n, 0);
	session_end(&ss);
}

static void test_foreign_bytes_fail_cleanly(void **state)
{
	static const char http[] = "HTTP/1.1 400 Bad Request\r\n"
				   "Content-Length: 0\r\n\r\n";
	struct portier_tls *t;
	struct portier_err err;
	uint8_t hello[4096], buf[16];
	size_t n;
	struct portier_tls_info info;

	(void)state;
	assert_int_equal(portier_tls_new(ctx, "plain.test", &t, &err), 0);
	assert_int_equal(portier_tls_handshake(t, &err),
			 PORTIER_TLS_WANT_INPUT);
	n = portier_tls_take(t, hello, sizeof(hello));
	assert_true(n > 5);
	assert_true(portier_tls_looks_like(hello, n)); /* a ClientHello */
	assert_int_equal(hello[0], 0x16);
	assert_int_equal(
		portier_tls_feed(t, (const uint8_t *)http, strlen(http), &err),
		0);
	portier_err_clear(&err);
	assert_int_equal(portier_tls_handshake(t, &err), PORTIER_TLS_FAILED);
	assert_int_equal(err.code, PORTIER_EPROTO);
	assert_non_null(strstr(err.msg, "TLS failed during the handshake: "));
	assert_true(strlen(err.msg) > strlen("TLS failed during the "
					     "handshake: "));
	/* it stays failed, with the same reason, and nothing else works */
	portier_err_clear(&err);
	assert_int_equal(portier_tls_handshake(t, &err), PORTIER_TLS_FAILED);
	assert_non_null(strstr(err.msg, "during the handshake"));
	assert_int_equal(portier_tls_read(t, buf, sizeof(buf), &n, &err),
			 PORTIER_TLS_FAILED);
	assert_non_null(strstr(err.msg, "during the handshake"));
	assert_int_equal(portier_tls_write(t, "x", 1, &err), PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "TLS write after the layer failed: "));
	assert_int_equal(portier_tls_get_info(t, &info, &err), PORTIER_EINVAL);
	portier_tls_free(t);
	assert_int_equal(ERR_peek_error(), 0); /* the queue is left empty */
}

static void test_truncated_server_flight(void **state)
{
	struct session ss;
	uint8_t flight[8192];
	int n;

	(void)state;
	session_start(&ss, "cut.test", rsa2048, NULL);
	assert_int_equal(portier_tls_handshake(ss.t, &ss.err),
			 PORTIER_TLS_WANT_INPUT);
	fix_to_server(ss.t, &ss.srv);
	SSL_do_handshake(ss.srv.ssl);
	ERR_clear_error();
	n = BIO_read(ss.srv.out, flight, (int)sizeof(flight));
	assert_true(n > 100);
	/* half the server's first flight, then the connection closes */
	assert_int_equal(portier_tls_feed(ss.t, flight, (size_t)n / 2, &ss.err),
			 0);
	assert_int_equal(portier_tls_handshake(ss.t, &ss.err),
			 PORTIER_TLS_WANT_INPUT);
	portier_tls_feed_eof(ss.t);
	assert_int_equal(portier_tls_handshake(ss.t, &ss.err),
			 PORTIER_TLS_FAILED);
	assert_string_equal(ss.err.msg, "the peer closed the connection "
					"during the handshake");
	session_end(&ss);
}

static void test_der_parse(void **state)
{
	X509 *x = leaf("der.test", ec256, NULL, "DNS:der.test");
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	uint8_t *more;
	struct portier_tls_info info;
	struct portier_err err;
	static const uint8_t junk[] = {0x30, 0x82, 0xff, 0xff, 0x01};

	(void)state;
	assert_true(len > 0);
	assert_int_equal(portier_tls_cert_parse(der, (size_t)len, &info, &err),
			 0);
	assert_string_equal(info.subject_cn, "der.test");
	assert_string_equal(info.issuer_cn, "Portier Test CA");
	assert_int_equal(info.chain_len, 1);
	assert_string_equal(info.version, "");
	assert_int_equal(info.n_sans, 1);
	/* cut, trailing bytes, empty, junk: refused with a reason */
	assert_int_equal(
		portier_tls_cert_parse(der, (size_t)len - 1, &info, &err),
		PORTIER_EPROTO);
	assert_non_null(strstr(err.msg, "not a DER certificate"));
	more = malloc((size_t)len + 1);
	assert_non_null(more);
	memcpy(more, der, (size_t)len);
	more[len] = 0;
	assert_int_equal(
		portier_tls_cert_parse(more, (size_t)len + 1, &info, &err),
		PORTIER_EPROTO);
	assert_string_equal(err.msg, "1 bytes after the certificate");
	assert_int_equal(portier_tls_cert_parse(der, 0, &info, &err),
			 PORTIER_EPROTO);
	assert_int_equal(
		portier_tls_cert_parse(junk, sizeof(junk), &info, &err),
		PORTIER_EPROTO);
	assert_int_equal(ERR_peek_error(), 0);
	free(more);
	OPENSSL_free(der);
	X509_free(x);
}

/* Names are hostile text: control bytes and NULs are masked, long values
 * cut, and the last commonName is the one that counts. */
static void test_hostile_names(void **state)
{
	X509 *x = leaf("first.test", ec256, NULL, "DNS:a\x1b[2Jb.test");
	static const unsigned char evil[] = "a\0b\x1b[31mc";
	unsigned char big[600], *der = NULL;
	struct portier_tls_info info;
	struct portier_err err;
	X509_NAME *name = X509_get_subject_name(x);
	int len;

	(void)state;
	memset(big, 'A', sizeof(big));
	assert_int_equal(
		X509_NAME_add_entry_by_txt(name, "OU", V_ASN1_UTF8STRING, evil,
					   (int)sizeof(evil) - 1, -1, 0),
		1);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN",
						    V_ASN1_UTF8STRING, big,
						    (int)sizeof(big), -1, 0),
			 1);
	assert_true(X509_sign(x, rsa2048, EVP_sha256()) > 0);
	len = i2d_X509(x, &der);
	assert_int_equal(portier_tls_cert_parse(der, (size_t)len, &info, &err),
			 0);
	assert_int_equal(strlen(info.subject_cn), PORTIER_TLS_NAME_MAX - 1);
	assert_int_equal(info.subject_cn[0], 'A');
	assert_non_null(strstr(info.subject, "commonName=first.test/"
					     "organizationalUnitName="
					     "a?b?[31mc/commonName=AAAA"));
	assert_string_equal(info.sans[0].name, "a?[2Jb.test");
	OPENSSL_free(der);
	X509_free(x);
}

static void test_not_yet_valid(void **state)
{
	struct fix_cert c = {"future.test",
			     NULL,
			     NULL,
			     FIX_NOW + FIX_DAY,
			     FIX_NOW + 90 * FIX_DAY,
			     NULL,
			     ec256,
			     NULL,
			     NULL,
			     NULL};
	X509 *x = fix_make_cert(&c);
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	struct portier_tls_info info;
	struct portier_svc s;
	static const char *const ids[] = {"tls-not-yet-valid",
					  "tls-self-signed", NULL};

	(void)state;
	assert_int_equal(portier_tls_cert_parse(der, (size_t)len, &info, NULL),
			 0);
	memset(&s, 0, sizeof(s));
	portier_tls_judge(&info, FIX_NOW, &s);
	assert_findings(&s, ids);
	assert_false(s.tunnel_ssl); /* no session: a bare certificate */
	assert_string_equal(s.findings[0].detail,
			    "certificate valid only from 2026-06-02 00:00 UTC");
	OPENSSL_free(der);
	X509_free(x);
}

static void test_no_certificate(void **state)
{
	struct portier_tls_info info;
	struct portier_svc s;
	char text[16] = "x";

	(void)state;
	memset(&info, 0, sizeof(info));
	snprintf(info.version, sizeof(info.version), "TLSv1.2");
	memset(&s, 0, sizeof(s));
	portier_tls_judge(&info, FIX_NOW, &s);
	assert_true(s.tunnel_ssl);
	assert_int_equal(s.n_findings, 0);
	assert_int_equal(portier_tls_ssl_cert_text(&info, text, sizeof(text)),
			 0);
	assert_string_equal(text, "");
}

static void test_looks_like(void **state)
{
	static const uint8_t alert[] = {0x15, 0x03, 0x01, 0x00,
					0x02, 0x02, 0x46};
	static const uint8_t sslv2[] = {0x80, 0x40, 0x04, 0x00,
					0x01, 0x00, 0x02};
	static const uint8_t tls14[] = {0x16, 0x03, 0x05};

	(void)state;
	assert_true(portier_tls_looks_like(alert, sizeof(alert)));
	assert_true(portier_tls_looks_like(sslv2, sizeof(sslv2)));
	assert_false(portier_tls_looks_like(tls14, sizeof(tls14)));
	assert_false(portier_tls_looks_like((const uint8_t *)"SSH-2.0-x", 9));
	assert_false(portier_tls_looks_like((const uint8_t *)"HTTP/1.1", 8));
	assert_false(portier_tls_looks_like(alert, 2));
}

static void test_out_of_memory(void **state)
{
	struct portier_tls *t = (struct portier_tls *)&t;
	struct portier_tls_ctx *c = (struct portier_tls_ctx *)&c;
	struct portier_err err;

	(void)state;
	portier_alloc_fail_after(0);
	assert_int_equal(portier_tls_ctx_new(&c, &err), PORTIER_ENOMEM);
	assert_null(c);
	assert_int_equal(portier_tls_new(ctx, "x.test", &t, &err),
			 PORTIER_ENOMEM);
	assert_null(t);
	portier_alloc_fail_after(-1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_signed),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_ca_signed_sans),
		cmocka_unit_test(test_trusted_chain_verifies),
		cmocka_unit_test(test_weak_signature_and_key),
		cmocka_unit_test(test_md5_signature),
		cmocka_unit_test(test_old_protocol),
		cmocka_unit_test(test_plaintext_both_ways),
		cmocka_unit_test(test_eof_after_handshake_is_closed),
		cmocka_unit_test(test_foreign_bytes_fail_cleanly),
		cmocka_unit_test(test_truncated_server_flight),
		cmocka_unit_test(test_der_parse),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_not_yet_valid),
		cmocka_unit_test(test_no_certificate),
		cmocka_unit_test(test_looks_like),
		cmocka_unit_test(test_out_of_memory),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
