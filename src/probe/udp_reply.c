/*
 * udp_reply.c - does a UDP answer parse as the reply of the protocol we
 * asked?  One small pure check per protocol of data/udp-payloads, each
 * comparing what the protocol lets us compare with our request (DNS and
 * NetBIOS transaction ids, SNMP request ids, the ISAKMP initiator cookie,
 * RPC xids, memcached request ids, CoAP message ids).  The scan calls a
 * port open on any answer; these only decide "parsed" and the service name.
 */
#include <string.h>

#include "portier/ber.h"
#include "portier/bytes.h"
#include "portier/probe.h"
#include "portier/udp_payloads.h"

static bool starts(const uint8_t *b, size_t len, const char *s)
{
	size_t n = strlen(s);

	return len >= n && memcmp(b, s, n) == 0;
}

static bool contains(const uint8_t *b, size_t len, const char *s)
{
	size_t n = strlen(s), i;

	for (i = 0; n <= len && i <= len - n; i++)
		if (memcmp(b + i, s, n) == 0)
			return true;
	return false;
}

/* RFC 1035 4.1.1: a response (QR) with our id; mDNS may answer with id 0. */
static bool dns_ok(const uint8_t *req, size_t req_len, const uint8_t *b,
		   size_t len)
{
	if (len < 12 || req_len < 12 || !(b[2] & 0x80))
		return false;
	if (get_be16(b) != get_be16(req) && get_be16(b) != 0)
		return false;
	return (b[2] & 0x78) == (req[2] & 0x78); /* same opcode */
}

/* RFC 5905 7.3: 48 bytes or more, version 1-4, mode 4 (server) or, for an
 * old symmetric peer, 2. */
static bool ntp_ok(const uint8_t *b, size_t len)
{
	unsigned vn = (b[0] >> 3) & 7, mode = b[0] & 7;

	return len >= 48 && vn >= 1 && vn <= 4 && (mode == 4 || mode == 2);
}

/*
 * RFC 3416 / RFC 3412: a message of the version we asked; for v1/v2c the
 * community is skipped and the PDU must be a Response (0xa2) carrying our
 * request id; for v3 (Report inside the scoped PDU) the msgID must be ours.
 */
static bool snmp_ok(const uint8_t *req, size_t req_len, const uint8_t *b,
		    size_t len)
{
	size_t o = 0, n, ro = 0;
	uint32_t ver, rver, id, rid;

	if (!portier_ber_tl(b, len, &o, 0x30, &n, NULL) ||
	    !portier_ber_uint(b, len, &o, &ver) ||
	    !portier_ber_tl(req, req_len, &ro, 0x30, &n, NULL) ||
	    !portier_ber_uint(req, req_len, &ro, &rver) || ver != rver)
		return false;
	if (ver == 3) {
		/* msgGlobalData: SEQUENCE { msgID, ... } */
		if (!portier_ber_tl(b, len, &o, 0x30, &n, NULL) ||
		    !portier_ber_uint(b, len, &o, &id) ||
		    !portier_ber_tl(req, req_len, &ro, 0x30, &n, NULL) ||
		    !portier_ber_uint(req, req_len, &ro, &rid))
			return false;
		return id == rid;
	}
	if (!portier_ber_tl(b, len, &o, 0x04, &n, NULL))
		return false;
	o += n;
	if (!portier_ber_tl(req, req_len, &ro, 0x04, &n, NULL))
		return false;
	ro += n;
	if (!portier_ber_tl(b, len, &o, 0xa2, &n, NULL) ||
	    !portier_ber_uint(b, len, &o, &id))
		return false;
	return portier_ber_tl(req, req_len, &ro, 0, &n, NULL) &&
	       portier_ber_uint(req, req_len, &ro, &rid) && id == rid;
}

static bool nbstat_ok(const uint8_t *req, size_t req_len, const uint8_t *b,
		      size_t len)
{
	struct portier_nbstat_reply *r;
	bool ok;

	if (req_len < 2 || len < 2 || get_be16(b) != get_be16(req))
		return false;
	if (!(r = portier_malloc(sizeof(*r))))
		return false;
	ok = portier_nbstat_parse(b, len, r, NULL) == 0 && r->for_star;
	portier_free(r);
	return ok;
}

/* ASF / IPMI over RMCP (DMTF DSP0136 3.2.2.1): version 6, sequence 0xff
 * (no ack), class ASF (6) or IPMI (7). */
static bool rmcp_ok(const uint8_t *b, size_t len)
{
	return len >= 5 && b[0] == 0x06 && b[2] == 0xff &&
	       ((b[3] & 0x1f) == 0x06 || (b[3] & 0x1f) == 0x07);
}

/* MC-SQLR 2.2.5 SVR_RESP: 0x05, a 16-bit little-endian size, that many
 * bytes of "ServerName;...;" text. */
static bool mssql_ok(const uint8_t *b, size_t len)
{
	return len >= 3 && b[0] == 0x05 && get_le16(b + 1) == len - 3 &&
	       contains(b + 3, len - 3, "ServerName;");
}

/* RFC 1350 5: DATA (3) of block 1, or ERROR (5) with a code 0-8. */
static bool tftp_ok(const uint8_t *b, size_t len)
{
	if (len < 4 || b[0] != 0)
		return false;
	if (b[1] == 3)
		return get_be16(b + 2) == 1;
	return b[1] == 5 && get_be16(b + 2) <= 8;
}

/* RFC 2408 3.1 / RFC 7296 3.1: our initiator cookie, version 1.0 or 2.0,
 * and a length that covers the header. */
static bool ike_ok(const uint8_t *req, size_t req_len, const uint8_t *b,
		   size_t len)
{
	return len >= 28 && req_len >= 8 && memcmp(b, req, 8) == 0 &&
	       (b[17] == 0x10 || b[17] == 0x20) && get_be32(b + 24) >= 28;
}

/* memcached UDP frame header with our request id, then a text answer. */
static bool memcached_ok(const uint8_t *req, size_t req_len, const uint8_t *b,
			 size_t len)
{
	if (len < 9 || req_len < 8 || get_be16(b) != get_be16(req))
		return false;
	b += 8;
	len -= 8;
	return starts(b, len, "VERSION ") || starts(b, len, "STAT ") ||
	       starts(b, len, "ERROR") || starts(b, len, "SERVER_ERROR") ||
	       starts(b, len, "CLIENT_ERROR");
}

/*
 * OpenVPN P_CONTROL_HARD_RESET_SERVER_V2 (opcode 8) or V3 (10): opcode,
 * the server's session id, then an ack array; when it acknowledges our
 * packet, the remote session id after the ids must be ours.
 */
static bool openvpn_ok(const uint8_t *req, size_t req_len, const uint8_t *b,
		       size_t len)
{
	unsigned op = b[0] >> 3, acks;
	size_t o;

	if (len < 14 || req_len < 9 || (op != 8 && op != 10))
		return false;
	acks = b[9];
	if (!acks)
		return true;
	o = 10 + 4 * (size_t)acks;
	return o + 8 <= len && memcmp(b + o, req + 1, 8) == 0;
}

/* RFC 3261 7.2: "SIP/2.0 " and a three-digit status code. */
static bool sip_ok(const uint8_t *b, size_t len)
{
	return len >= 12 && starts(b, len, "SIP/2.0 ") && b[8] >= '1' &&
	       b[8] <= '6' && b[9] >= '0' && b[9] <= '9' && b[10] >= '0' &&
	       b[10] <= '9';
}

/* RFC 5531 9: our xid, REPLY (1), accepted or denied (0 or 1). */
static bool rpc_ok(const uint8_t *req, size_t req_len, const uint8_t *b,
		   size_t len)
{
	return len >= 24 && req_len >= 4 && memcmp(b, req, 4) == 0 &&
	       get_be32(b + 4) == 1 && get_be32(b + 8) <= 1;
}

static bool wsd_ok(const uint8_t *b, size_t len)
{
	return contains(b, len, "Envelope") &&
	       (contains(b, len, "ProbeMatches") ||
		contains(b, len, "discovery/Fault") ||
		contains(b, len, "ws-dd"));
}

/* RFC 7252 3: version 1, an ACK or RST with our message id, or a CON/NON
 * response (class 2, 4 or 5). */
static bool coap_ok(const uint8_t *req, size_t req_len, const uint8_t *b,
		    size_t len)
{
	unsigned type, cls;

	if (len < 4 || req_len < 4 || (b[0] >> 6) != 1)
		return false;
	type = (b[0] >> 4) & 3;
	cls = b[1] >> 5;
	if (type >= 2)
		return get_be16(b + 2) == get_be16(req + 2);
	return cls == 2 || cls == 4 || cls == 5;
}

bool portier_udp_reply_parse(enum portier_udp_parser parser, const uint8_t *req,
			     size_t req_len, const uint8_t *b, size_t len,
			     const char **service)
{
	bool ok;

	if (!b || len == 0)
		return false;
	switch (parser) {
	case PORTIER_UDP_DNS:
		ok = dns_ok(req, req_len, b, len);
		break;
	case PORTIER_UDP_NTP:
		ok = ntp_ok(b, len);
		break;
	case PORTIER_UDP_SNMP:
		ok = snmp_ok(req, req_len, b, len);
		break;
	case PORTIER_UDP_NBSTAT:
		ok = nbstat_ok(req, req_len, b, len);
		break;
	case PORTIER_UDP_SSDP:
		ok = starts(b, len, "HTTP/1.1 200") ||
		     starts(b, len, "HTTP/1.0 200");
		break;
	case PORTIER_UDP_RMCP:
		ok = rmcp_ok(b, len);
		break;
	case PORTIER_UDP_MSSQL:
		ok = mssql_ok(b, len);
		break;
	case PORTIER_UDP_TFTP:
		ok = tftp_ok(b, len);
		break;
	case PORTIER_UDP_IKE:
		ok = ike_ok(req, req_len, b, len);
		break;
	case PORTIER_UDP_MEMCACHED:
		ok = memcached_ok(req, req_len, b, len);
		break;
	case PORTIER_UDP_OPENVPN:
		ok = openvpn_ok(req, req_len, b, len);
		break;
	case PORTIER_UDP_SIP:
		ok = sip_ok(b, len);
		break;
	case PORTIER_UDP_RPC:
		ok = rpc_ok(req, req_len, b, len);
		break;
	case PORTIER_UDP_WSD:
		ok = wsd_ok(b, len);
		break;
	case PORTIER_UDP_COAP:
		ok = coap_ok(req, req_len, b, len);
		break;
	default:
		return false;
	}
	if (ok && service) {
		static const char *const names[PORTIER_UDP_PARSER_COUNT] = {
			"",	      "domain",	 "ntp",		 "snmp",
			"netbios-ns", "upnp",	 "asf-rmcp",	 "ms-sql-m",
			"tftp",	      "isakmp",	 "memcache",	 "openvpn",
			"sip",	      "rpcbind", "ws-discovery", "coap",
		};
		*service = names[parser];
	}
	return ok;
}
