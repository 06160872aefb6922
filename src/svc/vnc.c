/*
 * vnc.c - the VNC module (RFB, RFC 6143): the server speaks first with its
 * ProtocolVersion line "RFB 003.008\n"; the module answers with the
 * version it will speak (3.8, 3.7 or 3.3, never above the server's) and
 * reads the security types the server offers.  It stops there: no
 * authentication is tried.  Type 1 (None) lets anyone see and drive the
 * desktop.
 *
 * match_text is the server's version line without its newline:
 * "RFB 003.008".  extrainfo: "protocol 3.8; security types: VNC
 * authentication (2), VeNCrypt (19)".
 */
#include <stdio.h>
#include <string.h>

#include "portier/bytes.h"
#include "portier/svc.h"
#include "svc/svc_int.h"

#define RFB_VERSION_LEN 12
#define RFB_SEC_NONE	1

/* scratch: [0] the minor version spoken (3, 7 or 8), [1..12) the
 * server's version line without the newline, NUL-terminated */
enum { VNC_MINOR, VNC_BANNER };

static const struct portier_probe_finding vnc_no_auth = {
	.risk = PORTIER_RISK_HIGH,
	.id = "vnc-no-auth",
	.text = "the VNC server offers security type None: anyone who "
		"reaches the port sees the desktop and types on it without "
		"a password",
	.advice = "require a password or better VeNCrypt/TLS (TigerVNC: "
		  "-SecurityTypes VeNCrypt,TLSVnc with a PasswordFile; x11vnc: "
		  "-rfbauth), listen on localhost only (-localhost) and reach "
		  "it through an SSH tunnel or VPN, or close it with "
		  "`portier firewall`",
};

static const char *vnc_type_name(uint32_t t)
{
	switch (t) {
	case 1:
		return "None";
	case 2:
		return "VNC authentication";
	case 5:
		return "RA2";
	case 6:
		return "RA2ne";
	case 16:
		return "Tight";
	case 17:
		return "Ultra";
	case 18:
		return "TLS";
	case 19:
		return "VeNCrypt";
	case 20:
		return "GTK-VNC SASL";
	case 21:
		return "MD5 hash";
	case 22:
		return "Colin Dean xvp";
	case 30:
	case 35:
		return "Apple remote desktop";
	default:
		return t >= 128 && t <= 255 ? "RealVNC" : "unknown";
	}
}

/* Parse "RFB xxx.yyy\n"; false when it is not one. */
static bool vnc_version(const uint8_t *p, unsigned *major, unsigned *minor)
{
	unsigned i;

	if (memcmp(p, "RFB ", 4) != 0 || p[7] != '.' || p[11] != '\n')
		return false;
	*major = *minor = 0;
	for (i = 4; i < 11; i++) {
		if (i == 7)
			continue;
		if (p[i] < '0' || p[i] > '9')
			return false;
		if (i < 7)
			*major = *major * 10 + (unsigned)(p[i] - '0');
		else
			*minor = *minor * 10 + (unsigned)(p[i] - '0');
	}
	return true;
}

static enum portier_svc_verdict vnc_hello(struct portier_svc_conv *c,
					  const uint8_t *in, size_t n,
					  uint8_t *out, size_t cap,
					  size_t *out_len)
{
	unsigned major, minor, speak;
	char line[RFB_VERSION_LEN + 1];

	if (n == 0)
		return c->eof ? PORTIER_SVC_NOT : PORTIER_SVC_MORE;
	if (n < RFB_VERSION_LEN) {
		/* a prefix of "RFB " so far: wait for the rest */
		if (c->eof || memcmp(in, "RFB ", n < 4 ? n : 4) != 0)
			return PORTIER_SVC_NOT;
		return PORTIER_SVC_MORE;
	}
	/* the server waits for our version: nothing may follow its own */
	if (n != RFB_VERSION_LEN || !vnc_version(in, &major, &minor) ||
	    major == 0 || cap < RFB_VERSION_LEN)
		return PORTIER_SVC_NOT;
	speak = major > 3 || minor >= 8 ? 8 : minor >= 7 ? 7 : 3;
	c->scratch[VNC_MINOR] = (uint8_t)speak;
	memcpy(c->scratch + VNC_BANNER, in, RFB_VERSION_LEN - 1);
	c->scratch[VNC_BANNER + RFB_VERSION_LEN - 1] = 0;
	snprintf(line, sizeof(line), "RFB 003.00%u\n", speak);
	memcpy(out, line, RFB_VERSION_LEN); /* without the NUL */
	*out_len = RFB_VERSION_LEN;
	c->step = 1;
	return PORTIER_SVC_SEND;
}

static void vnc_recognised(struct portier_svc_conv *c, struct portier_svc *s)
{
	const char *banner = (const char *)c->scratch + VNC_BANNER;
	unsigned major = 0, minor = 0;

	snprintf(s->name, sizeof(s->name), "vnc");
	snprintf(s->match_text, sizeof(s->match_text), "%s", banner);
	/* "RFB 003.889" is Apple's Remote Desktop; others say nothing of
	 * their make before a login */
	if (sscanf(banner, "RFB %3u.%3u", &major, &minor) == 2 && major == 3 &&
	    minor == 889)
		snprintf(s->product, sizeof(s->product),
			 "Apple remote desktop vnc");
	else
		snprintf(s->product, sizeof(s->product), "VNC");
	snprintf(s->extrainfo, sizeof(s->extrainfo), "protocol %u.%u", major,
		 minor);
	s->probed = true;
	s->conf = 8;
}

static void vnc_add_type(struct portier_svc *s, bool first, uint32_t t)
{
	size_t used = strlen(s->extrainfo);

	snprintf(s->extrainfo + used, sizeof(s->extrainfo) - used, "%s%s (%u)",
		 first ? "; security types: " : ", ", vnc_type_name(t), t);
}

/* A failure: uint32 reason length and the reason at p[0..n). */
static void vnc_refused(struct portier_svc *s, const uint8_t *p, size_t n)
{
	char why[96];
	size_t used = strlen(s->extrainfo), rlen;

	if (n < 4) {
		snprintf(s->extrainfo + used, sizeof(s->extrainfo) - used,
			 "; refused");
		return;
	}
	rlen = get_be32(p);
	svc_text(why, sizeof(why), p + 4, rlen < n - 4 ? rlen : n - 4);
	snprintf(s->extrainfo + used, sizeof(s->extrainfo) - used,
		 "; refused: %s", why);
}

/* The failure reason at p[0..n) (uint32 length, text) has all arrived,
 * or no more will: a length past what a reply can hold is taken as is. */
static bool vnc_reason_whole(const struct portier_svc_conv *c, const uint8_t *p,
			     size_t n)
{
	if (c->eof)
		return true;
	if (n < 4)
		return false;
	return get_be32(p) > PORTIER_SVC_REPLY_MAX || n - 4 >= get_be32(p);
}

static enum portier_svc_verdict vnc_types(struct portier_svc_conv *c,
					  const uint8_t *in, size_t n,
					  struct portier_svc *s)
{
	uint32_t t;
	size_t count, i;
	bool none = false;

	if (c->scratch[VNC_MINOR] == 3) {
		/* 3.3: the server picks, a uint32 (0: failed, reason next) */
		if (n < 4)
			goto cut;
		t = get_be32(in);
		vnc_recognised(c, s);
		if (t == 0) {
			if (!vnc_reason_whole(c, in + 4, n - 4))
				return PORTIER_SVC_MORE;
			vnc_refused(s, in + 4, n - 4);
			return PORTIER_SVC_DONE;
		}
		vnc_add_type(s, true, t);
		none = t == RFB_SEC_NONE;
	} else {
		/* 3.7, 3.8: a count, then that many one-byte types; a count
		 * of 0 is a failure with a reason string */
		if (n < 1)
			goto cut;
		count = in[0];
		if (count == 0) {
			if (!vnc_reason_whole(c, in + 1, n - 1))
				return PORTIER_SVC_MORE;
			vnc_recognised(c, s);
			vnc_refused(s, in + 1, n - 1);
			return PORTIER_SVC_DONE;
		}
		if (n < 1 + count && !c->eof)
			return PORTIER_SVC_MORE;
		vnc_recognised(c, s);
		for (i = 0; i < count && 1 + i < n; i++) {
			vnc_add_type(s, i == 0, in[1 + i]);
			none |= in[1 + i] == RFB_SEC_NONE;
		}
		if (i < count) {
			size_t used = strlen(s->extrainfo);

			snprintf(s->extrainfo + used,
				 sizeof(s->extrainfo) - used,
				 " (%zu of %zu listed)", i, count);
		}
	}
	if (none)
		portier_svc_add_finding(s, &vnc_no_auth,
					"%s offers security type None",
					s->match_text);
	return PORTIER_SVC_DONE;
cut:
	if (!c->eof)
		return PORTIER_SVC_MORE;
	/* the version line alone is a VNC server that stopped talking */
	vnc_recognised(c, s);
	return PORTIER_SVC_DONE;
}

static enum portier_svc_verdict vnc_step(struct portier_svc_conv *c,
					 const uint8_t *in, size_t n,
					 uint8_t *out, size_t cap,
					 size_t *out_len, struct portier_svc *s)
{
	*out_len = 0;
	if (c->step == 0)
		return vnc_hello(c, in, n, out, cap, out_len);
	if (c->step == 1)
		return vnc_types(c, in, n, s);
	return PORTIER_SVC_NOT;
}

static const uint16_t vnc_ports[] = {5900, 5901, 5902, 5903, 5904, 5905,
				     5906, 5907, 5908, 5909, 5910, 0};

const struct portier_svc_proto portier_svc_vnc = {
	.name = "vnc",
	.ports = vnc_ports,
	.rarity = 1,
	.server_first = true,
	.step = vnc_step,
};
