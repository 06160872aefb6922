/*
 * udp_describe.c - what a parsed UDP reply says about the service behind
 * the port, in nmap's terms (the contract is in svc_udp.h).  Pure: the
 * reply was already accepted by portier_udp_reply_parse(), but every
 * length is checked again here, since this reads deeper into it.
 */
#include <stdio.h>
#include <string.h>

#include "portier/ber.h"
#include "portier/bytes.h"
#include "portier/svc_udp.h"
#include "svc/svc_int.h"

static const struct portier_probe_finding snmp_public = {
	.risk = PORTIER_RISK_HIGH,
	.id = "snmp-public",
	.text = "the SNMP agent answers the community string 'public': anyone "
		"who reaches the port reads the host's description, "
		"interfaces, routes and (with the full view) its processes "
		"and software, and SNMPv1/v2c replies amplify reflected "
		"floods",
	.advice = "remove 'rocommunity public' (and any rwcommunity) from "
		  "snmpd.conf and use SNMPv3 users with authPriv, or stop "
		  "the agent; bind it to the management address only "
		  "(agentAddress udp:<mgmt-ip>:161); on Windows delete "
		  "'public' under the SNMP service's ValidCommunities",
};

static const struct portier_probe_finding memcached_udp = {
	.risk = PORTIER_RISK_HIGH,
	.id = "memcached-udp",
	.text = "memcached answers over UDP without authentication: anyone "
		"reads and changes the cache, and a small spoofed request "
		"returns a large reply (the 2018 reflection floods)",
	.advice = "start memcached with -U 0 (no UDP) and -l 127.0.0.1, or "
		  "firewall 11211 to the application servers only",
};

/* The module recognised its protocol; conf 10 when the reply also names
 * the product outright. */
static void recognised(struct portier_svc *s, const char *name, bool sure)
{
	svc_recognised(s, name);
	if (sure)
		s->conf = 10;
}

/* ---- DNS: the TXT answer to version.bind (RFC 1035 4.1) ------------------ */

/* Skip a domain name at *off: labels, ending in a zero or a pointer. */
static bool dns_skip_name(const uint8_t *b, size_t len, size_t *off)
{
	size_t o = *off;

	while (o < len) {
		uint8_t l = b[o];

		if ((l & 0xc0) == 0xc0) {
			if (len - o < 2)
				return false;
			*off = o + 2;
			return true;
		}
		if (l & 0xc0)
			return false;
		if (l == 0) {
			*off = o + 1;
			return true;
		}
		if ((size_t)l + 1 > len - o)
			return false;
		o += (size_t)l + 1;
	}
	return false;
}

static bool describe_dns(const uint8_t *b, size_t len, struct portier_svc *s)
{
	static const char *const rcodes[] = {"NOERROR",	 "FORMERR", "SERVFAIL",
					     "NXDOMAIN", "NOTIMP",  "REFUSED"};
	unsigned rcode = len >= 4 ? b[3] & 0x0f : 0, qd, an, i;
	size_t o = 12;

	if (len < 12)
		return false;
	recognised(s, "domain", false);
	qd = get_be16(b + 4);
	an = get_be16(b + 6);
	if (rcode != 0 || an == 0) {
		snprintf(s->extrainfo, sizeof(s->extrainfo),
			 "generic dns response: %s",
			 rcode < 6 ? rcodes[rcode] : "error");
		return true;
	}
	for (i = 0; i < qd; i++) {
		if (!dns_skip_name(b, len, &o) || len - o < 4)
			return true;
		o += 4;
	}
	for (i = 0; i < an; i++) {
		unsigned type;
		size_t rdlen;

		if (!dns_skip_name(b, len, &o) || len - o < 10)
			return true;
		type = get_be16(b + o);
		rdlen = get_be16(b + o + 8);
		o += 10;
		if (rdlen > len - o)
			return true;
		if (type == 16 && rdlen >= 1 && b[o] <= rdlen - 1) {
			/* TXT: the first character-string is the version */
			svc_text(s->match_text, sizeof(s->match_text),
				 b + o + 1, b[o]);
			s->conf = 10;
			return true;
		}
		o += rdlen;
	}
	return true;
}

/* ---- NTP (RFC 5905 7.3) --------------------------------------------------- */

static bool describe_ntp(const uint8_t *b, size_t len, struct portier_svc *s)
{
	unsigned vn, stratum;

	if (len < 48)
		return false;
	vn = (b[0] >> 3) & 7;
	stratum = b[1];
	recognised(s, "ntp", true);
	portier_strlcpy(s->product, "NTP", sizeof(s->product));
	snprintf(s->version, sizeof(s->version), "v%u", vn);
	portier_strlcpy(s->extrainfo,
			stratum == 0 || stratum >= 16 ? "unsynchronized"
			: stratum == 1		      ? "primary server"
						      : "secondary server",
			sizeof(s->extrainfo));
	return true;
}

/* ---- SNMP (RFC 1157, RFC 3416, RFC 3412, RFC 3411 5) --------------------- */

/* Append part to the product, "; "-separated, unless it is there. */
static void product_add(struct portier_svc *s, const char *part)
{
	size_t n = strlen(s->product);

	if (strstr(s->product, part))
		return;
	snprintf(s->product + n, sizeof(s->product) - n, "%s%s", n ? "; " : "",
		 part);
}

/* SNMPv3: who made the agent, from its authoritative engine id (RFC 3411
 * SnmpEngineID: the enterprise number with the top bit set). */
static const char *snmp_vendor(const uint8_t *id, size_t n)
{
	uint32_t ent;

	if (n < 5 || !(id[0] & 0x80))
		return NULL;
	ent = get_be32(id) & 0x7fffffff;
	switch (ent) {
	case 8072:
		return "net-snmp SNMPv3 server";
	case 2021:
		return "ucd-snmp SNMPv3 server";
	case 9:
		return "Cisco SNMPv3 server";
	case 311:
		return "Microsoft SNMPv3 server";
	case 2636:
		return "Juniper SNMPv3 server";
	default:
		return "SNMPv3 server";
	}
}

static bool describe_snmp_v3(const uint8_t *b, size_t len, size_t o,
			     struct portier_svc *s)
{
	size_t n, sp;
	const char *vendor;

	/* msgGlobalData SEQUENCE, then msgSecurityParameters OCTET STRING
	 * holding the USM SEQUENCE whose first item is the engine id */
	if (!portier_ber_tl(b, len, &o, 0x30, &n, NULL))
		return false;
	o += n;
	if (!portier_ber_tl(b, len, &o, 0x04, &n, NULL))
		return false;
	sp = o;
	if (!portier_ber_tl(b, o + n, &sp, 0x30, &n, NULL) ||
	    !portier_ber_tl(b, sp + n, &sp, 0x04, &n, NULL))
		return false;
	recognised(s, "snmp", true);
	vendor = snmp_vendor(b + sp, n);
	product_add(s, vendor ? vendor : "SNMPv3 server");
	return true;
}

static bool describe_snmp(const uint8_t *req, size_t req_len, const uint8_t *b,
			  size_t len, struct portier_svc *s)
{
	size_t o = 0, n, co, cn, vo;
	uint32_t ver, id, status, idx;
	char descr[160];

	if (!portier_ber_tl(b, len, &o, 0x30, &n, NULL) ||
	    !portier_ber_uint(b, len, &o, &ver))
		return false;
	if (ver == 3)
		return describe_snmp_v3(b, len, o, s);
	if (ver > 1 || !portier_ber_tl(b, len, &o, 0x04, &cn, NULL))
		return false;
	co = o;
	o += cn;
	if (!portier_ber_tl(b, len, &o, 0xa2, &n, NULL) ||
	    !portier_ber_uint(b, len, &o, &id) ||
	    !portier_ber_uint(b, len, &o, &status) ||
	    !portier_ber_uint(b, len, &o, &idx))
		return false;
	recognised(s, "snmp", true);
	if (!(ver == 1 && strstr(s->product, "SNMPv1 server")))
		product_add(s, ver == 0 ? "SNMPv1 server" : "SNMPv2c server");
	(void)req;
	(void)req_len;
	if (status != 0)
		return true; /* an error: the community may still be valid */
	/* the community we sent came back with a value: it reads the MIB */
	svc_text(s->extrainfo, sizeof(s->extrainfo), b + co, cn);
	descr[0] = '\0';
	/* varbind list: SEQUENCE { SEQUENCE { OID, value } } */
	vo = o;
	if (portier_ber_tl(b, len, &vo, 0x30, &n, NULL) &&
	    portier_ber_tl(b, len, &vo, 0x30, &n, NULL) &&
	    portier_ber_tl(b, len, &vo, 0x06, &n, NULL)) {
		vo += n;
		if (portier_ber_tl(b, len, &vo, 0x04, &n, NULL)) {
			svc_text(descr, sizeof(descr), b + vo, n);
			portier_strlcpy(s->match_text, descr,
					sizeof(s->match_text));
		}
	}
	if (!s->n_findings || strcmp(s->findings[0].f.id, snmp_public.id))
		portier_svc_add_finding(
			s, &snmp_public, "community '%s' answered%s%s",
			s->extrainfo, descr[0] ? ": sysDescr " : "", descr);
	return true;
}

/* ---- NetBIOS node status (RFC 1002 4.2.18) -------------------------------- */

static bool describe_nbstat(const uint8_t *b, size_t len, struct portier_svc *s)
{
	struct portier_nbstat_reply *r = portier_malloc(sizeof(*r));
	struct portier_nbstat_summary sum;
	bool ok;

	if (!r)
		return false;
	ok = portier_nbstat_parse(b, len, r, NULL) == 0;
	if (ok) {
		portier_nbstat_summarize(r, &sum);
		recognised(s, "netbios-ns", true);
		/* Samba's nmbd reports an all-zero unit id (MAC) */
		portier_strlcpy(s->product,
				sum.mac_zero ? "Samba nmbd netbios-ns"
					     : "Microsoft Windows netbios-ns",
				sizeof(s->product));
		if (sum.workgroup[0])
			snprintf(s->extrainfo, sizeof(s->extrainfo),
				 "workgroup: %s", sum.workgroup);
		if (!sum.mac_zero)
			portier_strlcpy(s->ostype, "Windows",
					sizeof(s->ostype));
	}
	portier_free(r);
	return ok;
}

/* ---- memcached's UDP frame (8 bytes) and text answer ---------------------- */

static bool describe_memcached(const uint8_t *b, size_t len,
			       struct portier_svc *s)
{
	size_t i;

	if (len < 8)
		return false;
	b += 8;
	len -= 8;
	recognised(s, "memcached", false);
	if (len > 8 && memcmp(b, "VERSION ", 8) == 0) {
		for (i = 8; i < len && b[i] != '\r' && b[i] != '\n'; i++)
			;
		portier_strlcpy(s->product, "Memcached", sizeof(s->product));
		svc_text(s->version, sizeof(s->version), b + 8, i - 8);
		s->conf = 10;
	}
	if (!s->n_findings)
		portier_svc_add_finding(s, &memcached_udp,
					"memcached answered a UDP request");
	return true;
}

bool portier_svc_udp_describe(enum portier_udp_parser parser,
			      const uint8_t *req, size_t req_len,
			      const uint8_t *reply, size_t len,
			      struct portier_svc *s)
{
	const char *name = NULL;

	if (!reply || !len)
		return false;
	switch (parser) {
	case PORTIER_UDP_DNS:
		return describe_dns(reply, len, s);
	case PORTIER_UDP_NTP:
		return describe_ntp(reply, len, s);
	case PORTIER_UDP_SNMP:
		return describe_snmp(req, req_len, reply, len, s);
	case PORTIER_UDP_NBSTAT:
		return describe_nbstat(reply, len, s);
	case PORTIER_UDP_MEMCACHED:
		return describe_memcached(reply, len, s);
	default:
		/* the protocol is known from the parser, nothing more */
		if (!portier_udp_reply_parse(parser, req, req_len, reply, len,
					     &name) ||
		    !name || !name[0])
			return false;
		recognised(s, name, false);
		return true;
	}
}

size_t portier_svc_snmp_v1_get(uint8_t *buf, size_t cap, uint32_t reqid)
{
	/* Message { version 0, community "public", GetRequest { id, 0, 0,
	 * { { 1.3.6.1.2.1.1.1.0 (sysDescr.0), NULL } } } } */
	static const uint8_t head[] = {0x30, 0x29, 0x02, 0x01, 0x00, 0x04,
				       0x06, 'p',  'u',	 'b',  'l',  'i',
				       'c',  0xa0, 0x1c, 0x02, 0x04};
	static const uint8_t tail[] = {0x02, 0x01, 0x00, 0x02, 0x01, 0x00,
				       0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08,
				       0x2b, 0x06, 0x01, 0x02, 0x01, 0x01,
				       0x01, 0x00, 0x05, 0x00};
	size_t n = sizeof(head) + 4 + sizeof(tail);

	if (cap < n)
		return 0;
	memcpy(buf, head, sizeof(head));
	put_be32(buf + sizeof(head), reqid);
	memcpy(buf + sizeof(head) + 4, tail, sizeof(tail));
	return n;
}
