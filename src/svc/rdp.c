/*
 * rdp.c - the RDP module (client first, MS-RDPBCGR 2.2.1.1-2.2.1.2): an
 * X.224 Connection Request carrying an RDP Negotiation Request for TLS,
 * CredSSP (NLA) and CredSSP with Early User Authorization, then the
 * server's Connection Confirm: the protocol it selected (RDP_NEG_RSP), its
 * refusal (RDP_NEG_FAILURE), or no negotiation at all (a server older than
 * Windows Server 2008: standard RDP security only).  A server that picks
 * standard RDP security or plain TLS lets anyone reach the logon screen
 * and the pre-authentication code behind it (BlueKeep, CVE-2019-0708, was
 * reachable only without NLA).
 *
 * match_text: "CC" then the fields that tell implementations apart:
 * "CC src-ref=0x1234 class=0 neg=rsp flags=0x01 protocol=0x00000001",
 * "CC src-ref=0x1234 class=0 neg=failure code=2", or
 * "CC src-ref=0x0000 class=0 neg=none".
 */
#include <stdio.h>
#include <string.h>

#include "portier/bytes.h"
#include "portier/svc.h"

#define TPKT_VERSION		  3
#define X224_CR			  0xe0
#define X224_CC			  0xd0
#define RDP_NEG_REQ		  1
#define RDP_NEG_RSP		  2
#define RDP_NEG_FAILURE		  3
#define PROTOCOL_RDP		  0x00000000u
#define PROTOCOL_SSL		  0x00000001u
#define PROTOCOL_HYBRID		  0x00000002u
#define PROTOCOL_RDSTLS		  0x00000004u
#define PROTOCOL_HYBRID_EX	  0x00000008u
#define PROTOCOL_RDSAAD		  0x00000010u
#define SSL_NOT_ALLOWED_BY_SERVER 2
/* A Connection Confirm is 11 bytes, 19 with the negotiation; a TPKT
 * much longer than that is not one. */
#define RDP_CC_MAX 512

static const struct portier_probe_finding rdp_no_nla_high = {
	.risk = PORTIER_RISK_HIGH,
	.id = "rdp-no-nla",
	.text = "the server accepts standard RDP security without Network "
		"Level Authentication: anyone who reaches the port gets a "
		"session and the logon screen before proving who they are, "
		"the weak legacy encryption can be intercepted, and "
		"pre-authentication flaws such as BlueKeep (CVE-2019-0708) "
		"are reachable",
	.advice = "require NLA (Windows: System Properties > Remote > "
		  "\"Allow connections only from computers running Remote "
		  "Desktop with Network Level Authentication\", or GPO "
		  "\"Require user authentication for remote connections by "
		  "using NLA\"; SecurityLayer=2), keep RDP reachable only "
		  "through a VPN or gateway, and close 3389 to the rest "
		  "(`portier firewall`); xrdp: security_layer=tls at least",
};

static const struct portier_probe_finding rdp_no_nla_medium = {
	.risk = PORTIER_RISK_MEDIUM,
	.id = "rdp-no-nla",
	.text = "the server speaks TLS but not Network Level "
		"Authentication (CredSSP): a session and the logon screen "
		"are given before the user is authenticated, which exposes "
		"the server's pre-authentication code and its resources",
	.advice = "require NLA (Windows: \"Allow connections only from "
		  "computers running Remote Desktop with Network Level "
		  "Authentication\", or GPO \"Require user authentication "
		  "for remote connections by using NLA\"), keep RDP "
		  "reachable only through a VPN or gateway, and close 3389 "
		  "to the rest (`portier firewall`)",
};

/* The Connection Request: TPKT (4), X.224 CR (7), RDP_NEG_REQ (8). */
static size_t rdp_request(uint8_t *out, size_t cap)
{
	if (cap < 19)
		return 0;
	out[0] = TPKT_VERSION;
	out[1] = 0;
	put_be16(out + 2, 19);
	out[4] = 14; /* length indicator: the 6 bytes after it + 8 */
	out[5] = X224_CR;
	put_be16(out + 6, 0); /* DST-REF */
	put_be16(out + 8, 0); /* SRC-REF */
	out[10] = 0;	      /* class 0 */
	out[11] = RDP_NEG_REQ;
	out[12] = 0; /* flags */
	put_le16(out + 13, 8);
	put_le32(out + 15, PROTOCOL_SSL | PROTOCOL_HYBRID | PROTOCOL_HYBRID_EX);
	return 19;
}

static const char *rdp_protocol_name(uint32_t p)
{
	switch (p) {
	case PROTOCOL_RDP:
		return "standard RDP";
	case PROTOCOL_SSL:
		return "TLS";
	case PROTOCOL_HYBRID:
		return "CredSSP (NLA)";
	case PROTOCOL_RDSTLS:
		return "RDSTLS";
	case PROTOCOL_HYBRID_EX:
		return "CredSSP with early user authorization (NLA)";
	case PROTOCOL_RDSAAD:
		return "Azure AD";
	default:
		return "unknown";
	}
}

static const char *rdp_failure_name(uint32_t code)
{
	static const char *const names[] = {
		"",
		"TLS required by server",
		"TLS not allowed by server",
		"no certificate on server",
		"inconsistent flags",
		"NLA required by server",
		"TLS with user authentication required by server"};

	return code >= 1 && code < sizeof(names) / sizeof(names[0])
		       ? names[code]
		       : "unknown failure";
}

static void rdp_recognised(struct portier_svc *s)
{
	snprintf(s->name, sizeof(s->name), "ms-wbt-server");
	snprintf(s->product, sizeof(s->product), "Microsoft Terminal Services");
	s->probed = true;
	s->conf = 8;
}

/* The Connection Confirm at p, its TPKT length len (checked >= 11). */
static enum portier_svc_verdict rdp_confirm(const uint8_t *p, size_t len,
					    struct portier_svc *s)
{
	char *mt = s->match_text;
	size_t li = p[4], used;
	uint32_t v;

	/* LI counts the bytes after it in the X.224 header, and the
	 * negotiation structure (8 bytes) when there is one */
	if ((p[5] & 0xf0) != X224_CC || li < 6 || 5 + li > len)
		return PORTIER_SVC_NOT;
	rdp_recognised(s);
	used = (size_t)snprintf(mt, sizeof(s->match_text),
				"CC src-ref=0x%04x class=%u", get_be16(p + 8),
				p[10] >> 4);
	if (li < 14 || len < 19) {
		snprintf(mt + used, sizeof(s->match_text) - used, " neg=none");
		snprintf(s->extrainfo, sizeof(s->extrainfo),
			 "security: standard RDP (no negotiation)");
		portier_svc_add_finding(s, &rdp_no_nla_high,
					"the Connection Confirm carries no "
					"negotiation: standard RDP security "
					"only");
		return PORTIER_SVC_DONE;
	}
	v = get_le32(p + 15);
	if (p[11] == RDP_NEG_FAILURE) {
		snprintf(mt + used, sizeof(s->match_text) - used,
			 " neg=failure code=%u", v);
		snprintf(s->extrainfo, sizeof(s->extrainfo),
			 "negotiation failed: %s", rdp_failure_name(v));
		/* TLS and NLA refused: only standard RDP security is left */
		if (v == SSL_NOT_ALLOWED_BY_SERVER)
			portier_svc_add_finding(
				s, &rdp_no_nla_high,
				"TLS and NLA requested, the server refused "
				"them (SSL_NOT_ALLOWED_BY_SERVER)");
		return PORTIER_SVC_DONE;
	}
	if (p[11] != RDP_NEG_RSP)
		return PORTIER_SVC_NOT;
	snprintf(mt + used, sizeof(s->match_text) - used,
		 " neg=rsp flags=0x%02x protocol=0x%08x", p[12], v);
	snprintf(s->extrainfo, sizeof(s->extrainfo), "security: %s",
		 rdp_protocol_name(v));
	if (v == PROTOCOL_RDP)
		portier_svc_add_finding(s, &rdp_no_nla_high,
					"TLS and NLA requested, the server "
					"selected standard RDP security");
	else if (v == PROTOCOL_SSL)
		portier_svc_add_finding(s, &rdp_no_nla_medium,
					"TLS and NLA requested, the server "
					"selected TLS without NLA");
	return PORTIER_SVC_DONE;
}

static enum portier_svc_verdict rdp_step(struct portier_svc_conv *c,
					 const uint8_t *in, size_t n,
					 uint8_t *out, size_t cap,
					 size_t *out_len, struct portier_svc *s)
{
	size_t len;

	*out_len = 0;
	if (c->step == 0) {
		*out_len = rdp_request(out, cap);
		if (*out_len == 0)
			return PORTIER_SVC_NOT;
		c->step = 1;
		return PORTIER_SVC_SEND;
	}
	if (c->step != 1)
		return PORTIER_SVC_NOT;
	/* TPKT: version 3, reserved 0, big-endian length of it all */
	if (n < 4)
		return c->eof ? PORTIER_SVC_NOT : PORTIER_SVC_MORE;
	len = get_be16(in + 2);
	if (in[0] != TPKT_VERSION || in[1] != 0 || len < 11 || len > RDP_CC_MAX)
		return PORTIER_SVC_NOT;
	if (n < len)
		return c->eof ? PORTIER_SVC_NOT : PORTIER_SVC_MORE;
	/* what follows the confirm (a disconnect after a failure) is not
	 * read */
	return rdp_confirm(in, len, s);
}

static const uint16_t rdp_ports[] = {3389, 0};

const struct portier_svc_proto portier_svc_rdp = {
	.name = "rdp",
	.ports = rdp_ports,
	.rarity = 5,
	.server_first = false,
	.step = rdp_step,
};
