/*
 * tls.c - the TLS client layer of service detection: OpenSSL over two
 * memory BIOs (network -> rbio -> SSL, SSL -> wbio -> network), so that the
 * driver owns the socket and the clock and the layer stays testable in
 * memory (tests/unit/test_tls.c pumps it against an OpenSSL server).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portier/addr.h"
#include "svc/tls_int.h"

struct portier_tls_ctx {
	SSL_CTX *ctx;
};

struct portier_tls {
	SSL *ssl;
	BIO *rbio; /* ciphertext from the peer; owned by ssl */
	BIO *wbio; /* ciphertext for the peer; owned by ssl */
	bool eof;  /* the driver said no more bytes will come */
	bool done; /* handshake complete */
	bool failed;
	int fail_code;
	char reason[200];
};

int portier_tls_ctx_new(struct portier_tls_ctx **out, struct portier_err *err)
{
	struct portier_tls_ctx *c;
	SSL_CTX *ctx;
	const char *dir;
	char why[128];
	int rc;

	*out = NULL;
	/* the first context loads libssl; every other call needs one */
	rc = tls_lib_load(err);
	if (rc < 0)
		return rc;
	c = portier_calloc(1, sizeof(*c));
	if (!c)
		return portier_err_set(err, PORTIER_ENOMEM,
				       "out of memory for a TLS context");
	ERR_clear_error();
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		goto fail;
	/* describe old servers too: every version and cipher this OpenSSL
	 * still has (the system's MinProtocol and SECLEVEL are overridden
	 * here, for this context only) */
	SSL_CTX_set_security_level(ctx, 0);
	if (SSL_CTX_set_min_proto_version(ctx, 0) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, 0) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0") != 1)
		goto fail;
	SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT |
					 SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* inspect, do not trust: any certificate is accepted, but the
	 * verdict against the system's trust store is recorded */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	/* the hashed directory only (SSL_CERT_DIR, else OpenSSL's
	 * certs/): a CA is read when a chain names it.  The bundle file
	 * of SSL_CTX_set_default_verify_paths would parse every CA up
	 * front, about 250 ms per context. */
	dir = getenv(X509_get_default_cert_dir_env());
	if (!dir || !*dir)
		dir = X509_get_default_cert_dir();
	if (SSL_CTX_load_verify_dir(ctx, dir) != 1)
		ERR_clear_error(); /* no trust store: every chain unverified */
	c->ctx = ctx;
	*out = c;
	return 0;
fail:
	portier_err_set(err, PORTIER_EIO, "cannot set up TLS: %s",
			tls_ossl_reason(why, sizeof(why), "OpenSSL refused"));
	SSL_CTX_free(ctx);
	portier_free(c);
	return PORTIER_EIO;
}

void portier_tls_ctx_free(struct portier_tls_ctx *c)
{
	if (!c)
		return;
	SSL_CTX_free(c->ctx);
	portier_free(c);
}

/* SNI is for host names only (RFC 6066 3): not for an address literal. */
static bool sni_name(const char *host, char *name, size_t cap)
{
	struct portier_addr a;
	size_t n = host ? strlen(host) : 0, i;

	if (n && host[n - 1] == '.')
		n--;
	if (n == 0 || n >= cap || host[0] == '[')
		return false;
	for (i = 0; i < n; i++)
		if (host[i] <= ' ' || host[i] >= 0x7f)
			return false;
	memcpy(name, host, n);
	name[n] = '\0';
	return portier_addr_parse(name, &a) != 0;
}

int portier_tls_new(const struct portier_tls_ctx *c, const char *host,
		    struct portier_tls **out, struct portier_err *err)
{
	struct portier_tls *t;
	char name[256], why[128];

	*out = NULL;
	t = portier_calloc(1, sizeof(*t));
	if (!t)
		return portier_err_set(err, PORTIER_ENOMEM,
				       "out of memory for a TLS layer");
	ERR_clear_error();
	t->ssl = SSL_new(c->ctx);
	t->rbio = BIO_new(BIO_s_mem());
	t->wbio = BIO_new(BIO_s_mem());
	if (!t->ssl || !t->rbio || !t->wbio) {
		BIO_free(t->rbio);
		BIO_free(t->wbio);
		SSL_free(t->ssl);
		portier_free(t);
		return portier_err_set(
			err, PORTIER_ENOMEM, "cannot make a TLS layer: %s",
			tls_ossl_reason(why, sizeof(why), "out of memory"));
	}
	/* an empty rbio means "not yet", not end of file */
	BIO_set_mem_eof_return(t->rbio, -1);
	SSL_set_bio(t->ssl, t->rbio, t->wbio);
	SSL_set_connect_state(t->ssl);
	if (sni_name(host, name, sizeof(name)) &&
	    SSL_set_tlsext_host_name(t->ssl, name) != 1) {
		portier_tls_free(t);
		return portier_err_set(
			err, PORTIER_EIO, "cannot set the TLS server name: %s",
			tls_ossl_reason(why, sizeof(why), "refused"));
	}
	*out = t;
	return 0;
}

void portier_tls_free(struct portier_tls *t)
{
	if (!t)
		return;
	SSL_free(t->ssl); /* frees both BIOs */
	portier_free(t);
	ERR_clear_error();
}

int portier_tls_feed(struct portier_tls *t, const uint8_t *in, size_t n,
		     struct portier_err *err)
{
	while (n > 0) {
		int chunk = n > INT_MAX ? INT_MAX : (int)n;
		int w = BIO_write(t->rbio, in, chunk);

		if (w <= 0) {
			ERR_clear_error();
			return portier_err_set(err, PORTIER_ENOMEM,
					       "out of memory for %zu bytes "
					       "of TLS input",
					       n);
		}
		in += w;
		n -= (size_t)w;
	}
	return 0;
}

void portier_tls_feed_eof(struct portier_tls *t)
{
	t->eof = true;
	BIO_set_mem_eof_return(t->rbio, 0);
}

size_t portier_tls_pending(const struct portier_tls *t)
{
	return BIO_ctrl_pending(t->wbio);
}

size_t portier_tls_take(struct portier_tls *t, uint8_t *out, size_t cap)
{
	int r;

	if (cap == 0)
		return 0;
	r = BIO_read(t->wbio, out, cap > INT_MAX ? INT_MAX : (int)cap);
	if (r <= 0) {
		ERR_clear_error();
		return 0;
	}
	return (size_t)r;
}

/* The layer is broken for good: remember why (and say it again later). */
static enum portier_tls_status fail(struct portier_tls *t, const char *what,
				    struct portier_err *err)
{
	unsigned long e = ERR_peek_error();
	char why[128];

	if (t->eof &&
	    (e == 0 || ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING))
		snprintf(t->reason, sizeof(t->reason),
			 "the peer closed the connection %s", what);
	else
		snprintf(t->reason, sizeof(t->reason), "TLS failed %s: %s",
			 what,
			 tls_ossl_reason(why, sizeof(why), "protocol error"));
	ERR_clear_error();
	t->failed = true;
	t->fail_code = PORTIER_EPROTO;
	portier_err_set(err, t->fail_code, "%s", t->reason);
	return PORTIER_TLS_FAILED;
}

enum portier_tls_status portier_tls_handshake(struct portier_tls *t,
					      struct portier_err *err)
{
	int r, e;

	if (t->failed) {
		portier_err_set(err, t->fail_code, "%s", t->reason);
		return PORTIER_TLS_FAILED;
	}
	if (t->done)
		return PORTIER_TLS_OK;
	ERR_clear_error();
	r = SSL_do_handshake(t->ssl);
	if (r == 1) {
		t->done = true;
		return PORTIER_TLS_OK;
	}
	e = SSL_get_error(t->ssl, r);
	if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) && !t->eof)
		return PORTIER_TLS_WANT_INPUT;
	return fail(t, "during the handshake", err);
}

int portier_tls_write(struct portier_tls *t, const void *p, size_t n,
		      struct portier_err *err)
{
	size_t written = 0;

	if (t->failed)
		return portier_err_set(err, PORTIER_EINVAL,
				       "TLS write after the layer failed: %s",
				       t->reason);
	if (!t->done)
		return portier_err_set(err, PORTIER_EINVAL,
				       "TLS write before the handshake "
				       "completed");
	if (n == 0)
		return 0;
	ERR_clear_error();
	if (SSL_write_ex(t->ssl, p, n, &written) != 1 || written != n) {
		fail(t, "writing", err);
		return t->fail_code;
	}
	return 0;
}

enum portier_tls_status portier_tls_read(struct portier_tls *t, void *buf,
					 size_t cap, size_t *got,
					 struct portier_err *err)
{
	int e;

	*got = 0;
	if (t->failed) {
		portier_err_set(err, t->fail_code, "%s", t->reason);
		return PORTIER_TLS_FAILED;
	}
	if (!t->done || cap == 0) {
		portier_err_set(err, PORTIER_EINVAL,
				"TLS read before the handshake completed, or "
				"into no room");
		return PORTIER_TLS_FAILED;
	}
	ERR_clear_error();
	if (SSL_read_ex(t->ssl, buf, cap, got) == 1)
		return PORTIER_TLS_OK;
	*got = 0;
	e = SSL_get_error(t->ssl, 0);
	switch (e) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		if (!t->eof)
			return PORTIER_TLS_WANT_INPUT;
		ERR_clear_error();
		return PORTIER_TLS_CLOSED;
	case SSL_ERROR_ZERO_RETURN:
		ERR_clear_error();
		return PORTIER_TLS_CLOSED;
	default:
		return fail(t, "reading", err);
	}
}

bool portier_tls_looks_like(const uint8_t *in, size_t n)
{
	if (n < 3)
		return false;
	/* a TLS record: alert (21) or handshake (22), version 3.0 .. 3.4 */
	if ((in[0] == 0x15 || in[0] == 0x16) && in[1] == 3 && in[2] <= 4)
		return true;
	/* SSLv2: a two-byte length with the top bit set, SERVER-HELLO (4),
	 * and (when there) the version 0.2 at bytes 5 and 6 */
	if ((in[0] & 0x80) && in[2] == 4)
		return n < 7 || (in[5] == 0 && in[6] == 2);
	return false;
}

int portier_tls_get_info(const struct portier_tls *t,
			 struct portier_tls_info *out, struct portier_err *err)
{
	const SSL_CIPHER *ciph;
	STACK_OF(X509) * chain;
	X509 *leaf;
	const char *std;

	memset(out, 0, sizeof(*out));
	if (!t->done || t->failed)
		return portier_err_set(err, PORTIER_EINVAL,
				       "no TLS session: the handshake did "
				       "not complete");
	snprintf(out->version, sizeof(out->version), "%s",
		 SSL_get_version(t->ssl));
	ciph = SSL_get_current_cipher(t->ssl);
	if (ciph) {
		snprintf(out->cipher, sizeof(out->cipher), "%s",
			 SSL_CIPHER_get_name(ciph));
		std = SSL_CIPHER_standard_name(ciph);
		snprintf(out->cipher_iana, sizeof(out->cipher_iana), "%s",
			 std ? std : "");
	}
	chain = SSL_get_peer_cert_chain(t->ssl);
	out->chain_len = chain ? (unsigned)sk_X509_num(chain) : 0;
	leaf = SSL_get0_peer_certificate(t->ssl);
	out->verify_code = SSL_get_verify_result(t->ssl);
	snprintf(out->verify_text, sizeof(out->verify_text), "%s",
		 X509_verify_cert_error_string(out->verify_code));
	out->verified = leaf && out->verify_code == X509_V_OK;
	if (!leaf)
		return 0;
	return tls_cert_facts(leaf, out, err);
}
