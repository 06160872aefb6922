/*
 * parse.c - bytes off the wire into a probe record: Ethernet (with 802.1Q
 * tags), IPv4 or IPv6 (walking extension headers), then the first bytes of
 * TCP, UDP, ICMP or ICMPv6.  The one idea: this runs on whatever an
 * attacker sends, so every length is checked against what is really there
 * before it is read, and nothing here allocates or keeps state.
 */
#include <string.h>

#include "portier/bytes.h"
#include "portier/guard.h"

#define ETH_HLEN_    14
#define ETHTYPE_IP4  0x0800
#define ETHTYPE_IP6  0x86dd
#define ETHTYPE_VLAN 0x8100
#define ETHTYPE_QINQ 0x88a8

enum { P_ICMP = 1, P_TCP = 6, P_UDP = 17, P_ICMP6 = 58 };

/* TCP options (RFC 9293 3.2): note which are there and the MSS value. */
static void tcp_options(const uint8_t *o, size_t len,
			struct portier_guard_probe *p)
{
	size_t i = 0;

	while (i < len) {
		uint8_t kind = o[i];
		uint8_t olen;

		if (kind == 0) /* end of option list */
			break;
		if (kind == 1) { /* no-operation */
			i++;
			continue;
		}
		if (i + 1 >= len)
			break;
		olen = o[i + 1];
		if (olen < 2 || i + olen > len) {
			p->opt_mask |= PG_OPT_OTHER;
			break;
		}
		switch (kind) {
		case 2:
			p->opt_mask |= PG_OPT_MSS;
			if (olen == 4)
				p->mss = get_be16(o + i + 2);
			break;
		case 3:
			p->opt_mask |= PG_OPT_WS;
			break;
		case 4:
			p->opt_mask |= PG_OPT_SACKOK;
			break;
		case 8: /* RFC 7323 3 */
			p->opt_mask |= PG_OPT_TS;
			break;
		default:
			p->opt_mask |= PG_OPT_OTHER;
			break;
		}
		i += olen;
	}
}

/*
 * A first fragment (more fragments follow) whose layer-4 header is cut
 * short, the evasion of nmap -f: the ports are in its first 4 bytes
 * (RFC 9293 3.1, RFC 768), the rest may not be.  A probe all the same,
 * marked partial; the flags are read only when their byte is there.
 */
static int partial_l4(const uint8_t *l4, size_t have, size_t l4len,
		      struct portier_guard_probe *p)
{
	if (have < 4 || l4len < 4)
		return PORTIER_EPROTO;
	p->partial = true;
	p->sport = get_be16(l4);
	p->dport = get_be16(l4 + 2);
	if (p->proto == P_TCP && have >= 14)
		p->tcp_flags = l4[13] & 0x3f;
	return 0;
}

/* Layer 4 at l4 with l4len bytes (as the IP header says; caplen may be
 * less); first_frag: a first fragment, more to come. */
static int parse_l4(const uint8_t *l4, size_t have, size_t l4len,
		    bool first_frag, struct portier_guard_probe *p)
{
	switch (p->proto) {
	case P_TCP: {
		size_t hl;

		if (have < 20 || l4len < 20)
			return first_frag ? partial_l4(l4, have, l4len, p)
					  : PORTIER_EPROTO;
		hl = (size_t)(l4[12] >> 4) * 4;
		if (hl >= 20 && hl > l4len && first_frag)
			return partial_l4(l4, have, l4len, p);
		if (hl < 20 || hl > l4len)
			return PORTIER_EPROTO;
		p->sport = get_be16(l4);
		p->dport = get_be16(l4 + 2);
		p->tcp_flags = l4[13] & 0x3f;
		p->window = get_be16(l4 + 14);
		p->opt_len = (uint8_t)(hl - 20);
		p->payload = (uint16_t)(l4len - hl);
		/* options may be cut off by a short capture: read what is there */
		tcp_options(l4 + 20, (hl < have ? hl : have) - 20, p);
		return 0;
	}
	case P_UDP:
		if (have < 8 || l4len < 8)
			return first_frag ? partial_l4(l4, have, l4len, p)
					  : PORTIER_EPROTO;
		p->sport = get_be16(l4);
		p->dport = get_be16(l4 + 2);
		p->payload = (uint16_t)(l4len - 8);
		return 0;
	case P_ICMP:
	case P_ICMP6:
		if (have < 4 || l4len < 4)
			return PORTIER_EPROTO;
		p->icmp_type = l4[0];
		p->icmp_code = l4[1];
		p->payload = (uint16_t)(l4len - 4);
		return 0;
	default:
		return PORTIER_ENOENT;
	}
}

/* IPv4 (RFC 791 3.1). */
static int parse_ip4(const uint8_t *ip, size_t len,
		     struct portier_guard_probe *p)
{
	size_t hl, total;
	uint16_t frag;

	if (len < 20 || ip[0] >> 4 != 4)
		return PORTIER_EPROTO;
	hl = (size_t)(ip[0] & 0x0f) * 4;
	total = get_be16(ip + 2);
	if (hl < 20 || total < hl || hl > len)
		return PORTIER_EPROTO;
	frag = get_be16(ip + 6);
	if (frag & 0x1fff) /* not the first fragment: no layer-4 header */
		return PORTIER_ENOENT;
	p->family = 4;
	p->ttl = ip[8];
	p->ip_id = get_be16(ip + 4);
	p->proto = ip[9];
	memcpy(p->src, ip + 12, 4);
	memcpy(p->dst, ip + 16, 4);
	/* a capture may be shorter than the datagram; trust the smaller */
	return parse_l4(ip + hl, (total < len ? total : len) - hl, total - hl,
			(frag & 0x2000) != 0, p);
}

/* IPv6 (RFC 8200 3, 4): skip extension headers up to layer 4. */
static int parse_ip6(const uint8_t *ip, size_t len,
		     struct portier_guard_probe *p)
{
	size_t off = 40, plen, end;
	uint8_t next;
	bool first_frag = false;
	int hops;

	if (len < 40 || ip[0] >> 4 != 6)
		return PORTIER_EPROTO;
	plen = get_be16(ip + 4);
	end = 40 + plen;
	p->family = 6;
	p->ttl = ip[7];
	memcpy(p->src, ip + 8, 16);
	memcpy(p->dst, ip + 24, 16);
	next = ip[6];
	for (hops = 0; hops < 8; hops++) {
		switch (next) {
		case 0:	 /* hop-by-hop */
		case 43: /* routing */
		case 60: /* destination options */
			if (off + 8 > end)
				return PORTIER_EPROTO;
			if (off + 8 > len)
				goto cut; /* past what was captured */
			next = ip[off];
			off += ((size_t)ip[off + 1] + 1) * 8;
			continue;
		case 44: /* fragment (RFC 8200 4.5) */
			if (off + 8 > end)
				return PORTIER_EPROTO;
			if (off + 8 > len)
				goto cut;
			if (get_be16(ip + off + 2) & 0xfff8)
				return PORTIER_ENOENT;	     /* not the first */
			first_frag = (ip[off + 3] & 1) != 0; /* M flag */
			next = ip[off];
			off += 8;
			continue;
		default:
			break;
		}
		break;
	}
	if (hops == 8 || off > end)
		return PORTIER_EPROTO;
	if (off > len)
		goto cut;
	p->proto = next;
	return parse_l4(ip + off, (end < len ? end : len) - off, end - off,
			first_frag, p);
cut:
	/* a chain of extension headers longer than the capture (a way to
	 * hide layer 4 from a snap-length reader): a probe of unknown kind,
	 * not nothing */
	p->proto = 0;
	p->partial = true;
	return 0;
}

int portier_guard_parse(const uint8_t *buf, size_t len,
			enum portier_guard_link link,
			struct portier_guard_probe *p)
{
	uint16_t type;
	size_t off = 0;
	int tags;

	memset(p, 0, sizeof(*p));
	if (!buf)
		return PORTIER_EPROTO;
	if (link == PORTIER_GUARD_LINK_IP) {
		if (len < 1)
			return PORTIER_EPROTO;
		if (buf[0] >> 4 == 4)
			return parse_ip4(buf, len, p);
		if (buf[0] >> 4 == 6)
			return parse_ip6(buf, len, p);
		return PORTIER_ENOENT;
	}
	if (len < ETH_HLEN_)
		return PORTIER_EPROTO;
	type = get_be16(buf + 12);
	off = ETH_HLEN_;
	for (tags = 0;
	     (type == ETHTYPE_VLAN || type == ETHTYPE_QINQ) && tags < 2;
	     tags++) {
		if (off + 4 > len)
			return PORTIER_EPROTO;
		type = get_be16(buf + off + 2);
		off += 4;
	}
	if (type == ETHTYPE_IP4)
		return parse_ip4(buf + off, len - off, p);
	if (type == ETHTYPE_IP6)
		return parse_ip6(buf + off, len - off, p);
	return PORTIER_ENOENT;
}

enum portier_guard_kind
portier_guard_kind_of(const struct portier_guard_probe *p)
{
	uint8_t f = p->tcp_flags;

	if (p->partial && p->proto != P_UDP)
		return PG_KIND_OTHER; /* fragment or cut off: flags unknown */
	if (p->proto == P_UDP)
		return PG_KIND_UDP;
	if (p->proto != P_TCP)
		return PG_KIND_NONE;
	if (f & PG_RST)
		return PG_KIND_NONE;
	if ((f & (PG_SYN | PG_ACK)) == PG_SYN) {
		/* an OS stack offers timestamps, SACK or window scaling;
		 * raw scanners send a bare MSS or nothing (RFC 7323, 2018) */
		if (p->opt_mask & (PG_OPT_TS | PG_OPT_SACKOK | PG_OPT_WS))
			return PG_KIND_CONNECT;
		return PG_KIND_SYN;
	}
	if (f & PG_SYN) /* SYN+ACK: a reply to something of ours */
		return PG_KIND_NONE;
	if (f == 0)
		return PG_KIND_NULL;
	if (f == PG_FIN)
		return PG_KIND_FIN;
	if (f == (PG_FIN | PG_PSH | PG_URG))
		return PG_KIND_XMAS;
	if (f == PG_ACK)
		return PG_KIND_ACK;
	if (f == (PG_FIN | PG_ACK))
		return PG_KIND_MAIMON;
	return PG_KIND_OTHER;
}

const char *portier_guard_kind_name(enum portier_guard_kind k)
{
	static const char *const names[PG_KIND_COUNT] = {
		"syn", "connect", "fin", "null",  "xmas",
		"ack", "maimon",  "udp", "other", "none"};

	return (unsigned)k < PG_KIND_COUNT ? names[k] : "none";
}

/* A family that is neither 4 nor 6 (a zeroed probe) gives a zeroed address. */
struct portier_addr portier_guard_probe_src(const struct portier_guard_probe *p)
{
	struct portier_addr a;

	portier_addr_set(&a, p->family, p->src);
	return a;
}

struct portier_addr portier_guard_probe_dst(const struct portier_guard_probe *p)
{
	struct portier_addr a;

	portier_addr_set(&a, p->family, p->dst);
	return a;
}
