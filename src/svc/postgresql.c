/*
 * postgresql.c - the PostgreSQL module (client first, frontend/backend
 * protocol 3.0).  First an SSLRequest: a PostgreSQL server answers one
 * byte, 'S' (TLS offered; the next bytes would be a TLS handshake, so the
 * conversation ends there) or 'N' (no TLS).  After 'N' the same connection
 * takes a StartupMessage for user "portier", database "portier"; the
 * answer, an authentication request ('R') or an ErrorResponse ('E'),
 * names PostgreSQL.  The version is not told before a login.
 *
 * match_text: the SSLRequest's answer, then the first startup reply:
 * "N R<code>[ <SASL mechanism>...]" ("N R10 SCRAM-SHA-256"), or "N E"
 * and the error's fields S, C, M, F, L, R as the server ordered them
 * ("N E S=FATAL C=28000 M=role \"portier\" does not exist F=miscinit.c
 * L=768 R=InitializeSessionUserId": the file and line tell server versions
 * apart), or "S" alone, or "N" when the startup reply was cut.
 */
#include <stdio.h>
#include <string.h>

#include "portier/bytes.h"
#include "portier/svc.h"
#include "svc/svc_int.h"

#define PG_SSLREQUEST_CODE 80877103u
#define PG_PROTOCOL_3_0	   196608u
/* A reply this module reads is small (an error, a SASL list). */
#define PG_MSG_MAX 4096

/* scratch[0]: the SSLRequest's answer ('N' once the startup is sent) */
enum { PG_SSL_ANSWER };

static const struct portier_probe_finding pg_no_tls = {
	.risk = PORTIER_RISK_LOW,
	.id = "postgresql-no-tls",
	.text = "the server answered the SSLRequest with N: it offers no "
		"TLS, so passwords (or their hashes) and every query cross "
		"the network in clear text",
	.advice = "set ssl = on with ssl_cert_file/ssl_key_file in "
		  "postgresql.conf and use hostssl lines in pg_hba.conf",
};

static const struct portier_probe_finding pg_trust = {
	.risk = PORTIER_RISK_HIGH,
	.id = "postgresql-trust",
	.text = "the server accepted a login without any password "
		"(AuthenticationOk at once: trust authentication in "
		"pg_hba.conf): anyone who reaches the port can connect as "
		"any role, superusers included",
	.advice = "replace trust with scram-sha-256 in pg_hba.conf for "
		  "every host line, set password_encryption = "
		  "scram-sha-256, and keep listen_addresses to the "
		  "addresses clients use (localhost if none)",
};

static const struct portier_probe_finding pg_cleartext = {
	.risk = PORTIER_RISK_MEDIUM,
	.id = "postgresql-password-cleartext",
	.text = "the server asks for the password in clear text "
		"(password authentication): whoever sees the traffic learns "
		"it",
	.advice = "use scram-sha-256 instead of password in pg_hba.conf, "
		  "and hostssl lines",
};

static const struct portier_probe_finding pg_md5 = {
	.risk = PORTIER_RISK_LOW,
	.id = "postgresql-md5",
	.text = "the server uses md5 password authentication: the stored "
		"hash is as good as the password for logging in, and a "
		"captured exchange can be cracked offline",
	.advice = "set password_encryption = scram-sha-256, reset the "
		  "passwords, and put scram-sha-256 in pg_hba.conf",
};

static size_t pg_startup(uint8_t *out, size_t cap)
{
	static const char params[] = "user\0portier\0database\0portier\0";
	size_t len = 8 + sizeof(params); /* sizeof counts the final NUL */

	if (cap < len)
		return 0;
	put_be32(out, (uint32_t)len);
	put_be32(out + 4, PG_PROTOCOL_3_0);
	memcpy(out + 8, params, sizeof(params));
	return len;
}

static void pg_recognised(struct portier_svc *s)
{
	snprintf(s->name, sizeof(s->name), "postgresql");
	snprintf(s->product, sizeof(s->product), "PostgreSQL DB");
	s->probed = true;
	s->conf = 8;
}

/* The fields of an ErrorResponse body (type byte, string; a 0 ends them)
 * appended to match_text; false when they are not well-formed or name
 * neither severity nor message. */
static bool pg_error_fields(const uint8_t *p, size_t n, char *dst, size_t cap)
{
	static const char shown[] = "SCFLRM";
	size_t off = 0, used = strlen(dst), flen;
	bool sev = false, msg = false;
	char val[128];

	while (off < n && p[off] != 0) {
		uint8_t t = p[off++];

		flen = svc_text_nlen(p + off, n - off);
		if (flen == n - off)
			return false; /* a field without its NUL */
		svc_text(val, sizeof(val), p + off, flen);
		off += flen + 1;
		sev |= t == 'S' || t == 'V';
		msg |= t == 'M';
		if (t != 0 && strchr(shown, t) != NULL && used < cap)
			used += (size_t)snprintf(dst + used, cap - used,
						 " %c=%s", t, val);
	}
	return off < n && sev && msg;
}

/* One message after the StartupMessage, whole in p[0..n). */
static enum portier_svc_verdict pg_startup_reply(struct portier_svc_conv *c,
						 const uint8_t *p, size_t n,
						 struct portier_svc *s)
{
	char *mt = s->match_text;
	size_t len, used;
	uint32_t code;
	const uint8_t *body;

	len = n - 1; /* the length field, which the caller checked */
	body = p + 5;
	snprintf(mt, sizeof(s->match_text), "%c %c", c->scratch[PG_SSL_ANSWER],
		 p[0]);
	if (p[0] == 'E') {
		if (!pg_error_fields(body, len - 4, mt, sizeof(s->match_text)))
			return PORTIER_SVC_NOT;
		pg_recognised(s);
		return PORTIER_SVC_DONE;
	}
	/* 'R': an int32 code, and for SASL (10) the mechanism names */
	if (len < 8)
		return PORTIER_SVC_NOT;
	code = get_be32(body);
	if (code > 12)
		return PORTIER_SVC_NOT;
	used = strlen(mt);
	snprintf(mt + used, sizeof(s->match_text) - used, "%u", code);
	if (code == 10) {
		size_t off = 4, mlen;

		while (off < len - 4 && body[off] != 0) {
			char m[64];

			mlen = svc_text_nlen(body + off, len - 4 - off);
			svc_text(m, sizeof(m), body + off, mlen);
			used = strlen(mt);
			snprintf(mt + used, sizeof(s->match_text) - used, " %s",
				 m);
			off += mlen + 1;
		}
	}
	pg_recognised(s);
	if (code == 0)
		portier_svc_add_finding(s, &pg_trust,
					"user \"portier\" was let in without a "
					"password (AuthenticationOk)");
	else if (code == 3)
		portier_svc_add_finding(s, &pg_cleartext,
					"AuthenticationCleartextPassword for "
					"user \"portier\"");
	else if (code == 5)
		portier_svc_add_finding(s, &pg_md5,
					"AuthenticationMD5Password for user "
					"\"portier\"");
	return PORTIER_SVC_DONE;
}

static void pg_tls_findings(struct portier_svc_conv *c, struct portier_svc *s)
{
	if (c->scratch[PG_SSL_ANSWER] == 'N')
		portier_svc_add_finding(s, &pg_no_tls, "SSLRequest answered N");
}

static enum portier_svc_verdict pg_step(struct portier_svc_conv *c,
					const uint8_t *in, size_t n,
					uint8_t *out, size_t cap,
					size_t *out_len, struct portier_svc *s)
{
	enum portier_svc_verdict v;
	size_t len;

	*out_len = 0;
	switch (c->step) {
	case 0:
		if (cap < 8)
			return PORTIER_SVC_NOT;
		put_be32(out, 8);
		put_be32(out + 4, PG_SSLREQUEST_CODE);
		*out_len = 8;
		c->step = 1;
		return PORTIER_SVC_SEND;
	case 1:
		/* one byte and nothing after it: a server that says more
		 * before the TLS handshake is not PostgreSQL (or is one
		 * whose answer someone injected into) */
		if (n == 0)
			return c->eof ? PORTIER_SVC_NOT : PORTIER_SVC_MORE;
		if (n != 1 || (in[0] != 'S' && in[0] != 'N'))
			return PORTIER_SVC_NOT;
		c->scratch[PG_SSL_ANSWER] = in[0];
		if (in[0] == 'S') {
			pg_recognised(s);
			snprintf(s->match_text, sizeof(s->match_text), "S");
			snprintf(s->extrainfo, sizeof(s->extrainfo),
				 "TLS offered");
			return PORTIER_SVC_DONE;
		}
		*out_len = pg_startup(out, cap);
		if (*out_len == 0)
			return PORTIER_SVC_NOT;
		c->step = 2;
		return PORTIER_SVC_SEND;
	case 2:
		break;
	default:
		return PORTIER_SVC_NOT;
	}
	/* a message: type byte, int32 length counting itself, body */
	if (n < 5) {
		if (!c->eof)
			return PORTIER_SVC_MORE;
		goto ended;
	}
	if (in[0] != 'R' && in[0] != 'E')
		return PORTIER_SVC_NOT;
	len = get_be32(in + 1);
	if (len < 4 || len > PG_MSG_MAX)
		return PORTIER_SVC_NOT;
	if (n < 1 + len) {
		if (!c->eof)
			return PORTIER_SVC_MORE;
		goto ended;
	}
	v = pg_startup_reply(c, in, 1 + len, s);
	if (v == PORTIER_SVC_DONE)
		pg_tls_findings(c, s);
	return v;
ended:
	/* the reply was cut: the 'N' alone still named the server */
	if (c->scratch[PG_SSL_ANSWER] != 'N')
		return PORTIER_SVC_NOT;
	pg_recognised(s);
	snprintf(s->match_text, sizeof(s->match_text), "N");
	pg_tls_findings(c, s);
	return PORTIER_SVC_DONE;
}

static const uint16_t pg_ports[] = {5432, 5433, 0};

const struct portier_svc_proto portier_svc_postgresql = {
	.name = "postgresql",
	.ports = pg_ports,
	.rarity = 4,
	.server_first = false,
	.step = pg_step,
};
