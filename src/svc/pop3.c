/*
 * pop3.c - POP3 (RFC 1939): the "+OK" greeting names the server, CAPA
 * (RFC 2449) tells whether STLS (RFC 2595) is offered, then QUIT.
 */
#include <stdio.h>
#include <string.h>

#include "svc/svc_int.h"

#define POP3_LINE_MAX	1024
#define POP3_CAPA_LINES 64

static const struct portier_probe_finding no_stls = {
	PORTIER_RISK_MEDIUM,
	"pop3-no-stls",
	"The POP3 server does not offer STLS: USER/PASS logins and the mail "
	"itself cross the network in clear text.",
	"Linux (Dovecot): ssl = required with ssl_cert/ssl_key in "
	"/etc/dovecot/conf.d/10-ssl.conf and disable_plaintext_auth = yes; "
	"better, close 110 and serve POP3S on 995 only.  Windows (Exchange): "
	"Set-PopSettings -LoginType SecureLogin.",
};

/* Is line p[0..l) a POP3 status "+OK" or "-ERR" (alone or with text)? */
static int status(const uint8_t *p, size_t l)
{
	if (svc_starts(p, l, "+OK", false) && (l == 3 || p[3] == ' '))
		return 1;
	if (svc_starts(p, l, "-ERR", false) && (l == 4 || p[4] == ' '))
		return -1;
	return 0;
}

/* The CAPA answer: "+OK", capability lines, ".".  MORE until the dot. */
static enum portier_svc_verdict capa(const struct portier_svc_conv *c,
				     const uint8_t *in, size_t n,
				     struct portier_svc *s)
{
	size_t off, l, next, lines;
	bool stls = false, user = false;
	const char *why = "CAPA lists no STLS";

	if (!svc_line(in, n, 0, &l, &off))
		return svc_final(c, n) ? PORTIER_SVC_DONE : PORTIER_SVC_MORE;
	if (status(in, l) == 1) {
		for (lines = 0;; lines++) {
			if (lines == POP3_CAPA_LINES ||
			    !svc_line(in, n, off, &l, &next)) {
				if (!svc_final(c, n) && lines < POP3_CAPA_LINES)
					return PORTIER_SVC_MORE;
				break; /* judge the lines that came */
			}
			if (l == 1 && in[off] == '.')
				break;
			if (l == 4 && svc_starts(in + off, l, "STLS", true))
				stls = true;
			if (l >= 4 && svc_starts(in + off, l, "USER", true))
				user = true;
			off = next;
		}
	} else {
		why = "CAPA refused, so no STLS (RFC 2595 announces it there)";
	}
	if (!stls && c->port != 995 && !s->tunnel_ssl)
		portier_svc_add_finding(s, &no_stls, "%s%s", why,
					user ? "; USER/PASS offered" : "");
	return PORTIER_SVC_DONE;
}

static enum portier_svc_verdict
pop3_step(struct portier_svc_conv *c, const uint8_t *in, size_t n, uint8_t *out,
	  size_t cap, size_t *out_len, struct portier_svc *s)
{
	size_t l;
	enum portier_svc_verdict v;

	if (c->step == 2)
		return PORTIER_SVC_DONE;
	if (c->step == 1) {
		v = capa(c, in, n, s);
		if (v != PORTIER_SVC_DONE)
			return v;
		c->step = 2;
		return svc_send(c, "QUIT\r\n", out, cap, out_len,
				PORTIER_SVC_DONE);
	}
	if (c->step != 0)
		return PORTIER_SVC_NOT;
	v = svc_first_line(c, in, n, "+OK", POP3_LINE_MAX, &l);
	if (v != PORTIER_SVC_DONE)
		return v;
	if (status(in, l) != 1)
		return PORTIER_SVC_NOT;
	svc_recognised(s, "pop3");
	svc_text(s->match_text, sizeof(s->match_text), in, l);
	c->step = 1;
	return svc_send(c, "CAPA\r\n", out, cap, out_len, PORTIER_SVC_DONE);
}

static const uint16_t pop3_ports[] = {110, 995, 0};

const struct portier_svc_proto portier_svc_pop3 = {
	.name = "pop3",
	.ports = pop3_ports,
	.rarity = 1,
	.server_first = true,
	.step = pop3_step,
};
