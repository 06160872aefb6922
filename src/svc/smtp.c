/*
 * smtp.c - SMTP (RFC 5321): the 220 greeting names the server, EHLO lists
 * its extensions (RFC 5321 4.1.1.1): STARTTLS (RFC 3207) and AUTH (RFC
 * 4954) are judged, then QUIT.
 */
#include <stdio.h>
#include <string.h>

#include "svc/svc_int.h"

#define SMTP_REPLY_LINES 64

static const uint16_t smtp_ports[] = {25, 587, 465, 0};

static const struct portier_probe_finding no_starttls = {
	PORTIER_RISK_MEDIUM,
	"smtp-no-starttls",
	"The mail server does not offer STARTTLS: mail to and from it, and "
	"any login, crosses the network in clear text.",
	"Linux (Postfix): smtpd_tls_cert_file, smtpd_tls_key_file and "
	"smtpd_tls_security_level = may in main.cf; Exim: tls_certificate "
	"and tls_advertise_hosts = *; then reload.  Windows (Exchange): "
	"assign an SMTP certificate to the receive connector "
	"(Enable-ExchangeCertificate -Services SMTP).",
};

static const struct portier_probe_finding auth_clear = {
	PORTIER_RISK_MEDIUM,
	"smtp-auth-cleartext",
	"The server offers password logins (AUTH PLAIN or LOGIN) before TLS: "
	"a client that uses them sends its password readable on the wire.",
	"Linux (Postfix): smtpd_tls_auth_only = yes; Exim: "
	"server_advertise_condition = ${if def:tls_in_cipher} on the PLAIN "
	"and LOGIN authenticators; Windows (Exchange): require TLS on the "
	"receive connector (RequireTLS, no BasicAuth without TLS).",
};

/*
 * A whole reply: lines "NNN-text" ending with "NNN text" (or "NNN").  The
 * code in *code, the offset of its last line's end in *end.  MORE while
 * the last line has not arrived; NOT when a line is not a reply line.
 */
static enum portier_svc_verdict reply(const uint8_t *in, size_t n, bool final,
				      unsigned *code, size_t *end)
{
	size_t off = 0, l, next, lines;

	if (n == 0)
		return final ? PORTIER_SVC_NOT : PORTIER_SVC_MORE;
	for (lines = 0; lines < SMTP_REPLY_LINES; lines++) {
		const uint8_t *p = in + off;
		size_t have = n - off, i;

		/* the three digits, decided as soon as they arrive */
		for (i = 0; i < 3 && i < have; i++)
			if (p[i] < '0' || p[i] > '9')
				return PORTIER_SVC_NOT;
		if (have >= 4 && p[3] != ' ' && p[3] != '-' && p[3] != '\r' &&
		    p[3] != '\n')
			return PORTIER_SVC_NOT;
		if (!svc_line(in, n, off, &l, &next)) {
			if (final || have > 1024)
				return PORTIER_SVC_NOT;
			return PORTIER_SVC_MORE;
		}
		if (l < 3)
			return PORTIER_SVC_NOT;
		if (lines > 0 &&
		    (unsigned)((p[0] - '0') * 100 + (p[1] - '0') * 10 + p[2] -
			       '0') != *code)
			return PORTIER_SVC_NOT;
		*code = (unsigned)((p[0] - '0') * 100 + (p[1] - '0') * 10 +
				   p[2] - '0');
		off = next;
		if (l == 3 || p[3] == ' ') {
			*end = off;
			return PORTIER_SVC_DONE;
		}
		if (off >= n)
			return final ? PORTIER_SVC_NOT : PORTIER_SVC_MORE;
	}
	return PORTIER_SVC_NOT;
}

/* Judge the EHLO reply's extension lines (after "250-" / "250 "). */
static void judge_ehlo(const struct portier_svc_conv *c, const uint8_t *in,
		       size_t end, struct portier_svc *s)
{
	size_t off, l, next;
	bool tls = false, plain = false;
	char auth[64] = "";

	/* the first line is the server's name; the keywords follow */
	if (!svc_line(in, end, 0, &l, &off))
		return;
	while (svc_line(in, end, off, &l, &next)) {
		const uint8_t *kw = in + off + 4;
		size_t kl = l > 4 ? l - 4 : 0;

		if (kl == 8 && svc_starts(kw, kl, "STARTTLS", true))
			tls = true;
		/* AUTH mechanisms; "AUTH=" is the old form of the same */
		if (kl > 5 && (svc_starts(kw, kl, "AUTH ", true) ||
			       svc_starts(kw, kl, "AUTH=", true))) {
			if (svc_has_word(kw + 5, kl - 5, "PLAIN") ||
			    svc_has_word(kw + 5, kl - 5, "LOGIN")) {
				plain = true;
				svc_text(auth, sizeof(auth), kw + 5, kl - 5);
			}
		}
		off = next;
	}
	/* 465 is SMTP inside TLS: the driver wraps it, nothing to offer */
	if (c->port == 465 || s->tunnel_ssl)
		return;
	if (!tls) {
		struct portier_probe_finding f = no_starttls;

		/* between mail servers on 25 TLS is opportunistic anyway;
		 * on submission (587) the users' passwords are at stake */
		if (c->port == 25)
			f.risk = PORTIER_RISK_LOW;
		portier_svc_add_finding(s, &f,
					"EHLO lists no STARTTLS on port %u",
					(unsigned)c->port);
	}
	if (plain)
		portier_svc_add_finding(s, &auth_clear,
					"AUTH %s offered in clear text%s", auth,
					tls ? " (before STARTTLS)" : "");
}

static enum portier_svc_verdict
smtp_step(struct portier_svc_conv *c, const uint8_t *in, size_t n, uint8_t *out,
	  size_t cap, size_t *out_len, struct portier_svc *s)
{
	unsigned code = 0;
	size_t end = 0, l, next;
	enum portier_svc_verdict v;

	if (c->step >= 2) /* the answer to QUIT does not matter */
		return PORTIER_SVC_DONE;
	v = reply(in, n, svc_final(c, n), &code, &end);
	if (c->step == 1) {
		/* recognised already: a broken EHLO reply ends the talk */
		if (v == PORTIER_SVC_MORE)
			return v;
		if (v == PORTIER_SVC_DONE && code == 250)
			judge_ehlo(c, in, end, s);
		else if (!c->scratch[0])
			return PORTIER_SVC_NOT; /* an FTP server's 220, ... */
		c->step = 2;
		return svc_send(c, "QUIT\r\n", out, cap, out_len,
				PORTIER_SVC_DONE);
	}
	if (v != PORTIER_SVC_DONE)
		return v;
	if (code != 220 && code != 421 && code != 554)
		return PORTIER_SVC_NOT;
	/* FTP greets with 220 too: sure of SMTP on its ports or when the
	 * greeting says so, else only once EHLO is understood */
	c->scratch[0] = svc_port_in(smtp_ports, c->port) ||
			memmem(in, end, "SMTP", 4) ||
			memmem(in, end, "smtp", 4);
	svc_recognised(s, "smtp");
	if (svc_line(in, n, 0, &l, &next))
		svc_text(s->match_text, sizeof(s->match_text), in, l);
	if (code != 220) /* busy or refusing us: no conversation */
		return c->scratch[0] ? PORTIER_SVC_DONE : PORTIER_SVC_NOT;
	c->step = 1;
	return svc_send(c, "EHLO portier.invalid\r\n", out, cap, out_len,
			PORTIER_SVC_DONE);
}

const struct portier_svc_proto portier_svc_smtp = {
	.name = "smtp",
	.ports = smtp_ports,
	.rarity = 1,
	.server_first = true,
	.step = smtp_step,
};
