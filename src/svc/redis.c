/*
 * redis.c - Redis (RESP, https://redis.io/docs/reference/protocol-spec/):
 * INFO sent as a RESP array; the bulk-string answer states the version,
 * an error answer tells whether a password or protected mode stands in
 * the way.
 */
#include <stdio.h>
#include <string.h>

#include "svc/svc_int.h"

#define REDIS_PRODUCT "Redis key-value store"

static const struct portier_probe_finding no_auth = {
	PORTIER_RISK_HIGH,
	"redis-no-auth",
	"Redis answers commands without a password: anyone who reaches the "
	"port reads and deletes every key, and CONFIG SET / MODULE LOAD turn "
	"that into writing files or running code as the redis user.",
	"Linux: set requirepass (or ACL users with 'user default off') in "
	"/etc/redis/redis.conf, keep 'bind 127.0.0.1 -::1' and 'protected-mode "
	"yes' unless other hosts must connect, rename or disable CONFIG, and "
	"firewall 6379; restart redis-server.  Windows (Memurai or a Redis "
	"port): the same settings in its .conf file.",
};

static const struct portier_probe_finding protected = {
	PORTIER_RISK_NONE,
	"redis-protected-mode",
	"Redis has no password but protected mode refuses clients that are "
	"not on loopback: it is safe from here, and open to any local user.",
	"Set requirepass or ACL users anyway, so that a change of "
	"protected-mode or bind does not open it.",
};

/* The value of "key:" in INFO text p[0..n) into dst; false if absent. */
static bool info_field(const uint8_t *p, size_t n, const char *key, char *dst,
		       size_t cap)
{
	size_t off = 0, l, next, kl = strlen(key);

	while (svc_line(p, n, off, &l, &next)) {
		if (l > kl && p[off + kl] == ':' &&
		    svc_starts(p + off, l, key, false)) {
			svc_text(dst, cap, p + off + kl + 1, l - kl - 1);
			return true;
		}
		off = next;
	}
	return false;
}

/* "$<len>\r\n<data>\r\n": judge the INFO text. */
static enum portier_svc_verdict bulk(const struct portier_svc_conv *c,
				     const uint8_t *in, size_t n,
				     struct portier_svc *s)
{
	size_t l, off, i, len = 0, have;
	char bits[8] = "", os[48] = "", mode[24] = "";
	bool final = svc_final(c, n);

	if (!svc_line(in, n, 0, &l, &off))
		return final || n > 16 ? PORTIER_SVC_NOT : PORTIER_SVC_MORE;
	if (l < 2 || l > 11)
		return PORTIER_SVC_NOT;
	for (i = 1; i < l; i++) {
		if (in[i] < '0' || in[i] > '9')
			return PORTIER_SVC_NOT;
		len = len * 10 + (size_t)(in[i] - '0');
	}
	have = n - off;
	if (have < len && !final)
		return PORTIER_SVC_MORE;
	if (have > len)
		have = len;
	/* the text must look like INFO: a "# Server" section or the field */
	if (!svc_starts(in + off, have, "# ", false) &&
	    !memmem(in + off, have, "redis_version:", 14))
		return PORTIER_SVC_NOT;
	svc_recognised(s, "redis");
	portier_strlcpy(s->product, REDIS_PRODUCT, sizeof(s->product));
	if (info_field(in + off, have, "redis_version", s->version,
		       sizeof(s->version)))
		snprintf(s->match_text, sizeof(s->match_text),
			 "redis_version:%s", s->version);
	if (info_field(in + off, have, "arch_bits", bits, sizeof(bits)))
		snprintf(s->extrainfo, sizeof(s->extrainfo), "%s bits", bits);
	if (info_field(in + off, have, "os", os, sizeof(os)) &&
	    svc_starts((const uint8_t *)os, strlen(os), "Linux", false))
		portier_strlcpy(s->ostype, "Linux", sizeof(s->ostype));
	info_field(in + off, have, "redis_mode", mode, sizeof(mode));
	portier_svc_add_finding(s, &no_auth,
				"INFO answered without AUTH (version %s%s%s)",
				s->version[0] ? s->version : "unknown",
				mode[0] ? ", " : "", mode);
	return PORTIER_SVC_DONE;
}

static enum portier_svc_verdict
redis_step(struct portier_svc_conv *c, const uint8_t *in, size_t n,
	   uint8_t *out, size_t cap, size_t *out_len, struct portier_svc *s)
{
	size_t l, next;

	if (c->step == 0) {
		c->step = 1;
		return svc_send(c, "*1\r\n$4\r\nINFO\r\n", out, cap, out_len,
				PORTIER_SVC_NOT);
	}
	if (c->step != 1 || n == 0)
		return n == 0 && !svc_final(c, n) ? PORTIER_SVC_MORE
						  : PORTIER_SVC_NOT;
	if (in[0] == '$')
		return bulk(c, in, n, s);
	if (in[0] != '-')
		return PORTIER_SVC_NOT;
	/* an error line: "-NOAUTH ...", "-DENIED ..." */
	if (!svc_line(in, n, 0, &l, &next)) {
		if (!svc_final(c, n) && n < 4096)
			return PORTIER_SVC_MORE;
		l = n; /* judge the start of a long line */
	}
	if (svc_starts(in, l, "-NOAUTH ", false)) {
		svc_recognised(s, "redis");
		portier_strlcpy(s->product, REDIS_PRODUCT, sizeof(s->product));
		svc_text(s->match_text, sizeof(s->match_text), in, l);
		return PORTIER_SVC_DONE;
	}
	if (svc_starts(in, l, "-DENIED ", false)) {
		svc_recognised(s, "redis");
		portier_strlcpy(s->product, REDIS_PRODUCT, sizeof(s->product));
		svc_text(s->match_text, sizeof(s->match_text), in, l);
		portier_svc_add_finding(s, &protected,
					"-DENIED: protected mode, no password");
		return PORTIER_SVC_DONE;
	}
	return PORTIER_SVC_NOT;
}

static const uint16_t redis_ports[] = {6379, 0};

const struct portier_svc_proto portier_svc_redis = {
	.name = "redis",
	.ports = redis_ports,
	.rarity = 3,
	.server_first = false,
	.step = redis_step,
};
