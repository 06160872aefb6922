/*
 * memcached.c - memcached's text protocol (protocol.txt in memcached's
 * sources): "version" names it, "stats settings" says whether UDP and
 * SASL are on.
 */
#include <stdio.h>
#include <string.h>

#include "svc/svc_int.h"

#define MC_LINE_MAX    512
#define MC_STATS_LINES 256

static const struct portier_probe_finding open_mc = {
	PORTIER_RISK_HIGH,
	"memcached-open",
	"memcached answers without authentication: anyone who reaches the "
	"port reads, changes and flushes the cache (sessions, tokens); over "
	"UDP it is a well-known reflection amplifier for DDoS attacks.",
	"Linux: listen on loopback only (-l 127.0.0.1 in /etc/memcached.conf), "
	"turn UDP off (-U 0), firewall 11211, or require SASL (-S with "
	"a sasl database); restart memcached.",
};

/* The value of "STAT key value" in the stats text into dst. */
static bool stat_value(const uint8_t *p, size_t n, const char *key, char *dst,
		       size_t cap)
{
	size_t off = 0, l, next, kl = strlen(key);

	while (svc_line(p, n, off, &l, &next)) {
		if (l > 5 + kl + 1 && svc_starts(p + off, l, "STAT ", false) &&
		    memcmp(p + off + 5, key, kl) == 0 &&
		    p[off + 5 + kl] == ' ') {
			svc_text(dst, cap, p + off + 6 + kl, l - 6 - kl);
			return true;
		}
		off = next;
	}
	return false;
}

/* The stats settings answer: "STAT ..." lines, then "END". */
static enum portier_svc_verdict settings(const struct portier_svc_conv *c,
					 const uint8_t *in, size_t n,
					 struct portier_svc *s)
{
	size_t off = 0, l, next, lines;
	char udp[16] = "", sasl[8] = "", ascii[8] = "", inter[48] = "";

	for (lines = 0; lines < MC_STATS_LINES; lines++) {
		if (!svc_line(in, n, off, &l, &next)) {
			if (!svc_final(c, n))
				return PORTIER_SVC_MORE;
			break; /* judge the lines that came */
		}
		if (l == 3 && memcmp(in + off, "END", 3) == 0)
			break;
		if (!svc_starts(in + off, l, "STAT ", false))
			break; /* an error: judge without the settings */
		off = next;
	}
	stat_value(in, off, "udpport", udp, sizeof(udp));
	stat_value(in, off, "inter", inter, sizeof(inter));
	stat_value(in, off, "auth_enabled_sasl", sasl, sizeof(sasl));
	stat_value(in, off, "auth_enabled_ascii", ascii, sizeof(ascii));
	if (strcmp(sasl, "yes") == 0 || strcmp(ascii, "yes") == 0)
		return PORTIER_SVC_DONE; /* answered, but commands need auth */
	portier_svc_add_finding(
		s, &open_mc,
		"version and settings answered without authentication; "
		"listening on %s; UDP port %s%s",
		!inter[0]		     ? "?"
		: strcmp(inter, "NULL") == 0 ? "every address"
					     : inter,
		udp[0] ? udp : "?", strcmp(udp, "0") == 0 ? " (off)" : "");
	return PORTIER_SVC_DONE;
}

static enum portier_svc_verdict mc_step(struct portier_svc_conv *c,
					const uint8_t *in, size_t n,
					uint8_t *out, size_t cap,
					size_t *out_len, struct portier_svc *s)
{
	size_t l, i;
	enum portier_svc_verdict v;

	if (c->step == 0) {
		c->step = 1;
		return svc_send(c, "version\r\n", out, cap, out_len,
				PORTIER_SVC_NOT);
	}
	if (c->step == 2)
		return settings(c, in, n, s);
	if (c->step != 1)
		return PORTIER_SVC_NOT;
	v = svc_first_line(c, in, n, "VERSION ", MC_LINE_MAX, &l);
	if (v != PORTIER_SVC_DONE)
		return v;
	if (l <= 8 || l > 64)
		return PORTIER_SVC_NOT;
	for (i = 8; i < l; i++)
		if (in[i] <= ' ' || in[i] >= 0x7f)
			return PORTIER_SVC_NOT;
	svc_recognised(s, "memcached");
	portier_strlcpy(s->product, "memcached", sizeof(s->product));
	svc_text(s->version, sizeof(s->version), in + 8, l - 8);
	svc_text(s->match_text, sizeof(s->match_text), in, l);
	c->step = 2;
	return svc_send(c, "stats settings\r\n", out, cap, out_len,
			PORTIER_SVC_DONE);
}

static const uint16_t mc_ports[] = {11211, 0};

const struct portier_svc_proto portier_svc_memcached = {
	.name = "memcached",
	.ports = mc_ports,
	.rarity = 3,
	.server_first = false,
	.step = mc_step,
};
