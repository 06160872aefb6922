/*
 * imap.c - IMAP (RFC 9051, RFC 3501): the "* OK" greeting names the server
 * and may carry its capabilities; otherwise "a1 CAPABILITY" asks for them.
 * STARTTLS and LOGINDISABLED are judged, then "a2 LOGOUT".
 */
#include <stdio.h>
#include <string.h>

#include "svc/svc_int.h"

#define IMAP_LINE_MAX	 4096
#define IMAP_REPLY_LINES 32

static const struct portier_probe_finding no_starttls = {
	PORTIER_RISK_MEDIUM,
	"imap-no-starttls",
	"The IMAP server does not offer STARTTLS: logins and mail cross the "
	"network in clear text.",
	"Linux (Dovecot): ssl = required with ssl_cert/ssl_key in "
	"/etc/dovecot/conf.d/10-ssl.conf and disable_plaintext_auth = yes; "
	"better, close 143 and serve IMAPS on 993 only.  Windows (Exchange): "
	"Set-ImapSettings -LoginType SecureLogin.",
};

static const struct portier_probe_finding login_disabled = {
	PORTIER_RISK_NONE,
	"imap-logindisabled",
	"The server refuses LOGIN until the connection is encrypted "
	"(LOGINDISABLED, RFC 9051 6.2.3): passwords are not sent in clear.",
	"Nothing to fix; keep disable_plaintext_auth (Dovecot) on.",
};

/* Judge a capability list p[0..l) (the words after "CAPABILITY"). */
static void judge(const struct portier_svc_conv *c, const uint8_t *p, size_t l,
		  struct portier_svc *s)
{
	bool tls = svc_has_word(p, l, "STARTTLS");
	bool nologin = svc_has_word(p, l, "LOGINDISABLED");

	if (nologin)
		portier_svc_add_finding(s, &login_disabled,
					"LOGINDISABLED before TLS");
	if (!tls && c->port != 993 && !s->tunnel_ssl) {
		struct portier_probe_finding f = no_starttls;

		/* no STARTTLS but no clear login either: less at stake */
		if (nologin && !svc_has_word(p, l, "AUTH=PLAIN") &&
		    !svc_has_word(p, l, "AUTH=LOGIN"))
			f.risk = PORTIER_RISK_LOW;
		portier_svc_add_finding(s, &f, "CAPABILITY lists no STARTTLS%s",
					nologin ? " (LOGINDISABLED)" : "");
	}
}

/* The capability words of "[CAPABILITY ...]" in a greeting line, if any. */
static bool greeting_caps(const uint8_t *p, size_t l, const uint8_t **caps,
			  size_t *cl)
{
	const uint8_t *b = memmem(p, l, "[CAPABILITY ", 12), *e;

	if (!b)
		return false;
	b += 12;
	e = memchr(b, ']', l - (size_t)(b - p));
	if (!e)
		return false;
	*caps = b;
	*cl = (size_t)(e - b);
	return true;
}

/* The answer to "a1 CAPABILITY": untagged lines, then "a1 OK ...". */
static enum portier_svc_verdict caps_reply(const struct portier_svc_conv *c,
					   const uint8_t *in, size_t n,
					   struct portier_svc *s)
{
	size_t off = 0, l, next, lines;

	for (lines = 0; lines < IMAP_REPLY_LINES; lines++) {
		const uint8_t *p;

		if (!svc_line(in, n, off, &l, &next))
			return svc_final(c, n) ? PORTIER_SVC_DONE
					       : PORTIER_SVC_MORE;
		p = in + off;
		if (svc_starts(p, l, "* CAPABILITY ", true)) {
			judge(c, p + 13, l - 13, s);
			return PORTIER_SVC_DONE;
		}
		if (svc_starts(p, l, "a1 ", false))
			return PORTIER_SVC_DONE; /* refused or no list */
		off = next;
	}
	return PORTIER_SVC_DONE;
}

static enum portier_svc_verdict
imap_step(struct portier_svc_conv *c, const uint8_t *in, size_t n, uint8_t *out,
	  size_t cap, size_t *out_len, struct portier_svc *s)
{
	size_t l, cl;
	const uint8_t *caps;
	enum portier_svc_verdict v;
	bool ok;

	if (c->step == 2)
		return PORTIER_SVC_DONE;
	if (c->step == 1) {
		v = caps_reply(c, in, n, s);
		if (v != PORTIER_SVC_DONE)
			return v;
		c->step = 2;
		return svc_send(c, "a2 LOGOUT\r\n", out, cap, out_len,
				PORTIER_SVC_DONE);
	}
	if (c->step != 0)
		return PORTIER_SVC_NOT;
	v = svc_first_line(c, in, n, "* ", IMAP_LINE_MAX, &l);
	if (v != PORTIER_SVC_DONE)
		return v;
	ok = svc_starts(in, l, "* OK", true) ||
	     svc_starts(in, l, "* PREAUTH", true);
	if (!ok && !svc_starts(in, l, "* BYE", true))
		return PORTIER_SVC_NOT;
	svc_recognised(s, "imap");
	svc_text(s->match_text, sizeof(s->match_text), in, l);
	if (!ok) /* the server refuses us: recognised, nothing to ask */
		return PORTIER_SVC_DONE;
	if (greeting_caps(in, l, &caps, &cl)) {
		judge(c, caps, cl, s);
		c->step = 2;
		return svc_send(c, "a2 LOGOUT\r\n", out, cap, out_len,
				PORTIER_SVC_DONE);
	}
	c->step = 1;
	return svc_send(c, "a1 CAPABILITY\r\n", out, cap, out_len,
			PORTIER_SVC_DONE);
}

static const uint16_t imap_ports[] = {143, 993, 0};

const struct portier_svc_proto portier_svc_imap = {
	.name = "imap",
	.ports = imap_ports,
	.rarity = 1,
	.server_first = true,
	.step = imap_step,
};
