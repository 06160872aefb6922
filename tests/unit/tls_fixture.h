/*
 * tls_fixture.h - keys, certificates and an in-memory OpenSSL server for
 * the TLS layer's tests: everything is made in the test with libcrypto, so
 * no file and no network is involved.  Static functions, one copy per
 * test program.
 */
#ifndef PORTIER_TLS_FIXTURE_H
#define PORTIER_TLS_FIXTURE_H

#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "portier/tls.h"

/* The fixed "now" of the tests: 2026-06-01 00:00:00 UTC. */
#define FIX_NOW ((time_t)1780272000)
#define FIX_DAY ((time_t)86400)

/* What a test certificate is made of. */
struct fix_cert {
	const char *cn;
	const char *org;     /* may be NULL */
	const char *country; /* may be NULL */
	time_t not_before, not_after;
	const char *sans; /* "DNS:a,IP:192.0.2.1" or NULL */
	EVP_PKEY *key;	  /* the subject's key */
	EVP_PKEY *signer; /* NULL: self-signed with key */
	X509 *issuer;	  /* NULL: self-signed */
	const EVP_MD *md; /* NULL: SHA-256 */
	bool ca;	  /* basicConstraints CA:TRUE */
};

/* Add the extension nid with value (OpenSSL's config syntax) to x. */
static int fix_add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, v3, nid, value);
	int ok = ext && X509_add_ext(x, ext, -1);

	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

static X509 *fix_make_cert(const struct fix_cert *c)
{
	X509 *x = X509_new();
	X509_NAME *name;
	X509V3_CTX v3;
	static long serial = 1;

	if (!x)
		return NULL;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	ASN1_TIME_set(X509_getm_notBefore(x), c->not_before);
	ASN1_TIME_set(X509_getm_notAfter(x), c->not_after);
	X509_set_pubkey(x, c->key);
	name = X509_get_subject_name(x);
	if (c->country)
		X509_NAME_add_entry_by_txt(name, "C", MBSTRING_UTF8,
					   (const unsigned char *)c->country,
					   -1, -1, 0);
	if (c->org)
		X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
					   (const unsigned char *)c->org, -1,
					   -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
				   (const unsigned char *)c->cn, -1, -1, 0);
	X509_set_issuer_name(x, c->issuer ? X509_get_subject_name(c->issuer)
					  : name);
	X509V3_set_ctx(&v3, c->issuer ? c->issuer : x, x, NULL, NULL, 0);
	if ((c->sans && fix_add_ext(x, &v3, NID_subject_alt_name, c->sans)) ||
	    (c->ca &&
	     fix_add_ext(x, &v3, NID_basic_constraints, "critical,CA:TRUE"))) {
		X509_free(x);
		return NULL;
	}
	if (!X509_sign(x, c->signer ? c->signer : c->key,
		       c->md ? c->md : EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* An OpenSSL server over its own pair of memory BIOs. */
struct fix_server {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *in;  /* what the client sent; owned by ssl */
	BIO *out; /* what the server sends; owned by ssl */
};

/*
 * A server presenting cert (and chain, when not NULL) with key; max_version
 * 0 for the newest.  Every version and cipher allowed (SECLEVEL 0) so old
 * setups can be reproduced.
 */
static int fix_server_start(struct fix_server *s, X509 *cert, EVP_PKEY *key,
			    X509 *chain, int max_version)
{
	memset(s, 0, sizeof(*s));
	s->ctx = SSL_CTX_new(TLS_server_method());
	if (!s->ctx)
		return -1;
	SSL_CTX_set_security_level(s->ctx, 0);
	SSL_CTX_set_min_proto_version(s->ctx, 0);
	SSL_CTX_set_max_proto_version(s->ctx, max_version);
	SSL_CTX_set_cipher_list(s->ctx, "ALL:@SECLEVEL=0");
	if (SSL_CTX_use_certificate(s->ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(s->ctx, key) != 1 ||
	    (chain && SSL_CTX_add1_chain_cert(s->ctx, chain) != 1))
		return -1;
	s->ssl = SSL_new(s->ctx);
	s->in = BIO_new(BIO_s_mem());
	s->out = BIO_new(BIO_s_mem());
	if (!s->ssl || !s->in || !s->out)
		return -1;
	BIO_set_mem_eof_return(s->in, -1);
	SSL_set_bio(s->ssl, s->in, s->out);
	SSL_set_accept_state(s->ssl);
	return 0;
}

static void fix_server_stop(struct fix_server *s)
{
	SSL_free(s->ssl);
	SSL_CTX_free(s->ctx);
	memset(s, 0, sizeof(*s));
	ERR_clear_error();
}

/* Every waiting client byte to the server. */
static void fix_to_server(struct portier_tls *t, struct fix_server *s)
{
	uint8_t buf[4096];
	size_t n;

	while ((n = portier_tls_take(t, buf, sizeof(buf))) > 0)
		BIO_write(s->in, buf, (int)n);
}

/* At most chunk waiting server bytes to the client (all: SIZE_MAX). */
static void fix_to_client(struct fix_server *s, struct portier_tls *t,
			  size_t chunk)
{
	uint8_t buf[4096];
	int n;

	while ((n = BIO_read(s->out, buf,
			     chunk < sizeof(buf) ? (int)chunk
						 : (int)sizeof(buf))) > 0) {
		portier_tls_feed(t, buf, (size_t)n, NULL);
		if (chunk <= sizeof(buf))
			break;
	}
}

/*
 * Run the handshake: the client's loop as the driver runs it (tls.h),
 * with the server answering in between.  Returns the client's final
 * status (OK or FAILED; WANT_INPUT if it never finished).
 */
static enum portier_tls_status fix_handshake(struct portier_tls *t,
					     struct fix_server *s, size_t chunk,
					     struct portier_err *err)
{
	enum portier_tls_status st = PORTIER_TLS_WANT_INPUT;
	int i;

	for (i = 0; i < 10000; i++) {
		st = portier_tls_handshake(t, err);
		fix_to_server(t, s);
		/* the server reads what came (its Finished check included) */
		SSL_do_handshake(s->ssl);
		ERR_clear_error();
		if (st != PORTIER_TLS_WANT_INPUT)
			break;
		fix_to_client(s, t, chunk);
	}
	return st;
}

#endif
