/*
 * tls.h - the TLS client layer of service detection (`scan -sV`, nmap's
 * tunnel="ssl") and the facts of a server's certificate.
 *
 * The layer is OpenSSL over two memory BIOs: it never touches a socket or
 * a clock.  The driver moves ciphertext between the layer and the peer;
 * after the handshake a protocol module (HTTP inside TLS) talks plaintext
 * through portier_tls_write/portier_tls_read exactly as it would over TCP.
 *
 * The layer inspects, it does not trust: any certificate is accepted
 * (verification mode NONE) but the chain's verification result against
 * the system's trust store is recorded; every protocol version and cipher
 * the OpenSSL build still has is offered (SECLEVEL=0, TLS 1.0 up to 1.3,
 * legacy renegotiation allowed) so that an old server is still described.
 *
 * Threads: the settings live in a context (struct portier_tls_ctx) the
 * caller makes once and owns; it is read-only after portier_tls_ctx_new and
 * may be shared by layers in any number of threads.  Each layer (one
 * connection) is used by one thread at a time.  Nothing of ours is global.
 * OpenSSL's error queue is per thread; the layer empties it around every
 * call.
 *
 * The driver's loop (every step bounded by the driver's own deadline):
 *
 *	// once per scan, shared by every thread:
 *	struct portier_tls_ctx *ctx;
 *	if (portier_tls_ctx_new(&ctx, &err) < 0) fail(err.msg);
 *	// per connection:
 *	struct portier_tls *t;
 *	if (portier_tls_new(ctx, conv.host, &t, &err) < 0)
 *		fail(err.msg);
 *	for (;;) {
 *		enum portier_tls_status st = portier_tls_handshake(t, &err);
 *		flush(t);	// send every byte portier_tls_take gives
 *		if (st == PORTIER_TLS_OK)
 *			break;
 *		if (st == PORTIER_TLS_FAILED)
 *			fail(err.msg);	// "TLS failed during the ..."
 *		n = recv(fd, buf, sizeof(buf), 0);	// WANT_INPUT
 *		if (n > 0)
 *			portier_tls_feed(t, buf, n, &err);
 *		else	// peer closed, or the deadline passed
 *			portier_tls_feed_eof(t);
 *	}
 *	portier_tls_get_info(t, &info, &err);	// certificate, version
 *	// the module's bytes to send:
 *	portier_tls_write(t, out, out_len, &err); flush(t);
 *	// the module's reply:
 *	for (;;) {
 *		st = portier_tls_read(t, buf, cap, &got, &err);
 *		if (st == PORTIER_TLS_OK)	// got > 0 plaintext bytes
 *			hand them to the module;
 *		else if (st == PORTIER_TLS_WANT_INPUT) {
 *			flush(t);  // a TLS 1.3 key update may want a reply
 *			recv + portier_tls_feed, or portier_tls_feed_eof;
 *		} else	// CLOSED: end of the reply; FAILED: err says why
 *			break;
 *	}
 *	portier_tls_judge(&info, time(NULL), &svc);
 *	portier_tls_free(t);
 *	// at the end of the scan: portier_tls_ctx_free(ctx);
 *
 * where flush(t) is
 *	while ((n = portier_tls_take(t, out, sizeof(out))) > 0)
 *		send_all(fd, out, n);
 */
#ifndef PORTIER_TLS_H
#define PORTIER_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "portier/common.h"
#include "portier/svc.h"

/* ---- the layer --------------------------------------------------------- */

struct portier_tls_ctx; /* the settings, shared; portier_tls_ctx_new */
struct portier_tls;	/* one connection; portier_tls_new */

/* What a step of the layer came to. */
enum portier_tls_status {
	PORTIER_TLS_OK,		/* handshake done, or bytes were read */
	PORTIER_TLS_WANT_INPUT, /* send what portier_tls_take gives, then
				 * feed the peer's next bytes (or EOF) */
	PORTIER_TLS_CLOSED,	/* the peer ended the session (read only) */
	PORTIER_TLS_FAILED,	/* err says why; the layer is done for */
};

/*
 * The client settings: TLS 1.0 to 1.3 (SSLv3 too if this OpenSSL has it),
 * every cipher at SECLEVEL 0, legacy renegotiation servers allowed, no
 * verification enforced; the verdict is recorded against the hashed CA
 * directory (SSL_CERT_DIR, else OpenSSL's certs/, /etc/ssl/certs on
 * Debian), read as chains name their CAs.  About 5 ms: make one context
 * per scan, not per connection.  0, PORTIER_ENOMEM or PORTIER_EIO with
 * err filled.  The first call loads libssl.so.3 (dynlib.h): PORTIER_EIO
 * naming the package to install when it is missing.
 */
PORTIER_API int portier_tls_ctx_new(struct portier_tls_ctx **out,
				    struct portier_err *err);
/* Free the context (NULL is a no-op); layers made from it keep working
 * (each holds its own reference to OpenSSL's SSL_CTX). */
PORTIER_API void portier_tls_ctx_free(struct portier_tls_ctx *c);

/*
 * A client layer for a connection to host (struct portier_svc_conv.host).
 * host is sent as SNI only when it is a host name; an IP address, "" or
 * NULL sends none (RFC 6066 3).  A final dot is dropped.  Returns 0 with
 * *out set, PORTIER_ENOMEM, or PORTIER_EIO when OpenSSL refuses.  Nothing
 * is sent until the first portier_tls_handshake.
 */
PORTIER_API int portier_tls_new(const struct portier_tls_ctx *c,
				const char *host, struct portier_tls **out,
				struct portier_err *err);
/* Free the layer (NULL is a no-op).  It sends nothing: the driver simply
 * closes the connection. */
PORTIER_API void portier_tls_free(struct portier_tls *t);

/*
 * Ciphertext from the peer: n bytes that arrived on the connection.
 * Returns 0, or PORTIER_ENOMEM.
 */
PORTIER_API int portier_tls_feed(struct portier_tls *t, const uint8_t *in,
				 size_t n, struct portier_err *err);
/* The peer closed its side (or the read deadline passed): no more bytes
 * will be fed.  A handshake still waiting fails, a read reports CLOSED. */
PORTIER_API void portier_tls_feed_eof(struct portier_tls *t);
/* How many ciphertext bytes wait to be sent. */
PORTIER_API size_t portier_tls_pending(const struct portier_tls *t);
/* Move up to cap waiting ciphertext bytes into out; returns how many (0:
 * nothing to send). */
PORTIER_API size_t portier_tls_take(struct portier_tls *t, uint8_t *out,
				    size_t cap);

/*
 * Advance the handshake with what was fed: OK once it is complete (call
 * again and it stays OK), WANT_INPUT, or FAILED with the reason in err
 * (PORTIER_EPROTO; "TLS failed during the handshake: wrong version
 * number" when a plain-text service answered, "the peer closed the
 * connection during the handshake").  After OK or FAILED there may still
 * be bytes to take (the client's Finished, or an alert).
 */
PORTIER_API enum portier_tls_status
portier_tls_handshake(struct portier_tls *t, struct portier_err *err);

/*
 * After the handshake: encrypt n plaintext bytes (all of them; take and
 * send them afterwards).  Returns 0, PORTIER_EINVAL before the handshake
 * is complete, or PORTIER_EIO with err filled.
 */
PORTIER_API int portier_tls_write(struct portier_tls *t, const void *p,
				  size_t n, struct portier_err *err);
/*
 * After the handshake: plaintext into buf (at most cap bytes, *got of
 * them).  OK with *got > 0; WANT_INPUT with *got == 0 when more ciphertext
 * is needed; CLOSED when the peer sent close_notify or closed the
 * connection (portier_tls_feed_eof); FAILED with err filled.
 */
PORTIER_API enum portier_tls_status portier_tls_read(struct portier_tls *t,
						     void *buf, size_t cap,
						     size_t *got,
						     struct portier_err *err);

/*
 * Whether the first bytes a server sent look like TLS (a handshake or an
 * alert record of SSL 3.0 .. TLS 1.3, or an SSLv2 server hello): the
 * driver's hint that a port nmap does not list as tunnel "ssl" speaks TLS
 * anyway.  Needs at least 3 bytes.
 */
PORTIER_API bool portier_tls_looks_like(const uint8_t *in, size_t n);

/* ---- certificate facts ------------------------------------------------- */

#define PORTIER_TLS_MAX_SANS 16
#define PORTIER_TLS_NAME_MAX 256

/* One subjectAltName entry. */
struct portier_tls_san {
	bool ip; /* an iPAddress (text form); else a dNSName */
	char name[PORTIER_TLS_NAME_MAX / 2];
};

/*
 * What a TLS server showed.  Strings come from the network and are stored
 * cleaned for one line (portier_text_clean, PORTIER_TEXT_LINE): control
 * characters and invalid UTF-8 are '?'.  "" when unknown or absent.
 */
struct portier_tls_info {
	/* the session (portier_tls_get_info only; "" from a bare DER) */
	char version[16];     /* "TLSv1.3", "TLSv1", "SSLv3" */
	char cipher[64];      /* OpenSSL's name: "TLS_AES_256_GCM_SHA384" */
	char cipher_iana[80]; /* RFC name: "TLS_ECDHE_RSA_WITH_AES_..." */
	unsigned chain_len;   /* certificates the server sent, leaf included */
	bool verified;	      /* the chain verified against the trust store */
	long verify_code;     /* X509_V_OK or OpenSSL's X509_V_ERR_* */
	char verify_text[80]; /* "self-signed certificate" */
	/* the leaf certificate */
	bool has_cert; /* false: an anonymous cipher, no certificate */
	char subject_cn[PORTIER_TLS_NAME_MAX];
	char subject[PORTIER_TLS_NAME_MAX * 2]; /* every RDN in order:
						 * "commonName=a/countryName=US" */
	char issuer_cn[PORTIER_TLS_NAME_MAX];
	char issuer[PORTIER_TLS_NAME_MAX * 2];
	/* nmap's ssl-cert view: commonName, organizationName,
	 * stateOrProvinceName, countryName, in that order, when present */
	char subject_nmap[PORTIER_TLS_NAME_MAX * 2];
	char issuer_nmap[PORTIER_TLS_NAME_MAX * 2];
	size_t n_sans;	     /* stored in sans[] */
	size_t n_sans_total; /* in the certificate (may be more) */
	struct portier_tls_san sans[PORTIER_TLS_MAX_SANS];
	time_t not_before; /* UTC */
	time_t not_after;  /* UTC */
	bool self_signed;  /* issuer == subject and its own key verifies
			       * the signature */
	char key_type[16]; /* "rsa", "ec", "dsa", "ed25519" (nmap's) */
	unsigned key_bits;
	char sig_alg[64]; /* "sha256WithRSAEncryption" */
	bool weak_sig;	  /* signed with MD2, MD4, MD5 or SHA-1 */
	char md5[33];	  /* of the DER, lower-case hex */
	char sha1[41];
};

/*
 * The facts of the server's leaf certificate and of the session, after
 * portier_tls_handshake returned OK.  PORTIER_EINVAL before that.
 * An anonymous cipher leaves has_cert false and the certificate fields
 * empty.
 */
PORTIER_API int portier_tls_get_info(const struct portier_tls *t,
				     struct portier_tls_info *out,
				     struct portier_err *err);

/*
 * Parse one DER certificate of n bytes into out (the session fields stay
 * empty, chain_len 1).  Pure: no trust store, no clock.  PORTIER_EPROTO
 * with the reason in err for bytes that are not a certificate (trailing
 * bytes included, or a validity date that cannot be read; OpenSSL out of
 * memory reads the same).  No allocation of ours.  PORTIER_EIO when
 * libssl.so.3 cannot be loaded (as for portier_tls_ctx_new).
 */
PORTIER_API int portier_tls_cert_parse(const uint8_t *der, size_t n,
				       struct portier_tls_info *out,
				       struct portier_err *err);

/*
 * Judge what a server showed at time now (UTC, the driver's clock): adds
 * findings to s (portier_svc_add_finding) and marks s->tunnel_ssl when a
 * handshake happened (info->version not empty).  Findings:
 *   tls-expired (HIGH), tls-not-yet-valid (MEDIUM), tls-self-signed
 *   (MEDIUM), tls-weak-signature (MEDIUM: MD5 or SHA-1), tls-old-protocol
 *   (HIGH for SSLv3, MEDIUM for TLS 1.0 and 1.1), tls-weak-key (MEDIUM:
 *   RSA or DSA below 2048 bits, EC below 224).
 */
PORTIER_API void portier_tls_judge(const struct portier_tls_info *info,
				   time_t now, struct portier_svc *s);

/*
 * nmap's ssl-cert script output for the certificate, lines separated by
 * '\n' and no final one (the text of <script id="ssl-cert" output="...">
 * once XML-escaped):
 *   Subject: commonName=example.org/organizationName=Example/countryName=US
 *   Subject Alternative Name: DNS:example.org, IP Address:192.0.2.1
 *   Issuer: commonName=Example CA
 *   Public Key type: rsa
 *   Public Key bits: 2048
 *   Signature Algorithm: sha256WithRSAEncryption
 *   Not valid before: 2026-01-01T00:00:00
 *   Not valid after:  2027-01-01T00:00:00
 *   MD5:   0123456789abcdef0123456789abcdef
 *   SHA-1: 0123456789abcdef0123456789abcdef01234567
 * Returns the length like snprintf (>= cap: cut); "" without a certificate.
 */
PORTIER_API size_t portier_tls_ssl_cert_text(
	const struct portier_tls_info *info, char *buf, size_t cap);

#endif
