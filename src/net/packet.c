/*
 * packet.c - what the SYN scan puts on the wire and reads back: the Internet
 * checksum (RFC 1071), a TCP SYN template for IPv4 and IPv6, the keyed
 * cookie carried in its sequence number, and a parser for the replies.
 *
 * The one idea: the scanner keeps no per-probe state to match replies.  The
 * sequence number of every SYN is a keyed hash of (source, target, ports);
 * a SYN-ACK or RST acknowledges it plus one (RFC 9293 3.10.7.1), an ICMP
 * error quotes it (RFC 792, RFC 4443 3.1), so a reply proves which probe it
 * answers and a forged or stale one fails the check.
 */
#include <string.h>

#include "portier/bytes.h"
#include "portier/net.h"

uint32_t portier_csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t s = sum;

	while (len >= 2) {
		s += get_be16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)(p[0] << 8);
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t portier_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* ---- cookie: SipHash-2-4 (Aumasson & Bernstein 2012) over the tuple ------ */

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

static void sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

static uint64_t siphash(const uint64_t key[2], const uint8_t *in, size_t len)
{
	uint64_t v[4] = {
		key[0] ^ 0x736f6d6570736575ull, key[1] ^ 0x646f72616e646f6dull,
		key[0] ^ 0x6c7967656e657261ull, key[1] ^ 0x7465646279746573ull};
	uint64_t m, last = (uint64_t)len << 56;
	size_t i, j;

	for (i = 0; i + 8 <= len; i += 8) {
		for (m = 0, j = 0; j < 8; j++)
			m |= (uint64_t)in[i + j] << (8 * j);
		v[3] ^= m;
		sipround(v);
		sipround(v);
		v[0] ^= m;
	}
	for (j = 0; i + j < len; j++)
		last |= (uint64_t)in[i + j] << (8 * j);
	v[3] ^= last;
	sipround(v);
	sipround(v);
	v[0] ^= last;
	v[2] ^= 0xff;
	for (j = 0; j < 4; j++)
		sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint32_t portier_syn_cookie(const uint64_t key[2],
			    const struct portier_addr *src,
			    const struct portier_addr *dst, uint16_t sport,
			    uint16_t dport)
{
	uint8_t buf[2 + 32 + 4];
	size_t alen = dst->family == 4 ? 4 : 16, n = 0;

	buf[n++] = dst->family;
	buf[n++] = 6;
	memcpy(buf + n, src->b, alen);
	n += alen;
	memcpy(buf + n, dst->b, alen);
	n += alen;
	put_be16(buf + n, sport);
	put_be16(buf + n + 2, dport);
	n += 4;
	return (uint32_t)siphash(key, buf, n);
}

/* ---- SYN template ---------------------------------------------------------- */

#define TCP_LEN 24 /* 20-byte header + MSS option */

/* RFC 9293 3.1 header, SYN only, MSS 1460 (3.7.1), window 64240. */
static void tcp_syn(uint8_t *t, uint16_t sport, uint16_t dport, uint32_t seq)
{
	memset(t, 0, TCP_LEN);
	put_be16(t, sport);
	put_be16(t + 2, dport);
	put_be32(t + 4, seq);
	t[12] = (TCP_LEN / 4) << 4;
	t[13] = 0x02; /* SYN */
	put_be16(t + 14, 64240);
	t[20] = 2; /* kind: maximum segment size */
	t[21] = 4;
	put_be16(t + 22, 1460);
}

size_t portier_syn_build(uint8_t *buf, const struct portier_addr *src,
			 const struct portier_addr *dst, uint16_t sport,
			 uint16_t dport, uint32_t seq, uint16_t ip_id)
{
	uint8_t pseudo[40];
	uint32_t sum;

	if (dst->family == 4) {
		uint8_t *ip = buf, *t = buf + 20;

		/* RFC 791 3.1 */
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put_be16(ip + 2, 20 + TCP_LEN);
		put_be16(ip + 4, ip_id);
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, src->b, 4);
		memcpy(ip + 16, dst->b, 4);
		put_be16(ip + 10,
			 portier_csum_fold(portier_csum_add(0, ip, 20)));
		tcp_syn(t, sport, dport, seq);
		/* RFC 9293 3.1: pseudo-header src, dst, zero, proto, length */
		memcpy(pseudo, src->b, 4);
		memcpy(pseudo + 4, dst->b, 4);
		pseudo[8] = 0;
		pseudo[9] = 6;
		put_be16(pseudo + 10, TCP_LEN);
		sum = portier_csum_add(0, pseudo, 12);
		put_be16(t + 16,
			 portier_csum_fold(portier_csum_add(sum, t, TCP_LEN)));
		return 20 + TCP_LEN;
	}
	tcp_syn(buf, sport, dport, seq);
	/* RFC 8200 8.1: src, dst, upper-layer length (32 bits), 0, next hdr */
	memcpy(pseudo, src->b, 16);
	memcpy(pseudo + 16, dst->b, 16);
	put_be32(pseudo + 32, TCP_LEN);
	pseudo[36] = pseudo[37] = pseudo[38] = 0;
	pseudo[39] = 6;
	sum = portier_csum_add(0, pseudo, 40);
	put_be16(buf + 16,
		 portier_csum_fold(portier_csum_add(sum, buf, TCP_LEN)));
	return TCP_LEN;
}

/* ---- replies --------------------------------------------------------------- */

static void set_addr(struct portier_addr *a, uint8_t family, const uint8_t *p)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->b, p, family == 4 ? 4 : 16);
}

/* A TCP segment from the target (t: TCP header, len bytes of it). */
static int parse_tcp(const uint8_t *t, size_t len, struct portier_reply *r)
{
	uint8_t flags;

	if (len < 20 || (size_t)(t[12] >> 4) * 4 < 20)
		return PORTIER_EPROTO;
	flags = t[13];
	if (!(flags & 0x10)) /* no ACK: cannot be an answer to our SYN */
		return PORTIER_EPROTO;
	if (flags & 0x04)
		r->kind = PORTIER_REPLY_RST;
	else if ((flags & 0x12) == 0x12)
		r->kind = PORTIER_REPLY_SYNACK;
	else
		return PORTIER_EPROTO;
	r->port = get_be16(t);
	r->sport = get_be16(t + 2);
	r->seq = get_be32(t + 8) - 1u;
	return 0;
}

/* The quoted TCP or UDP header inside an ICMP error: only 8 bytes are
 * promised (a UDP header is 8 bytes; its seq is left 0). */
static int parse_quoted(const uint8_t *t, size_t len, uint8_t proto,
			struct portier_reply *r)
{
	if (len < 8)
		return PORTIER_EPROTO;
	r->quoted = proto;
	if (proto == 17) {
		r->sport = get_be16(t);
		r->port = get_be16(t + 2);
		r->kind = PORTIER_REPLY_UNREACH;
		return 0;
	}
	r->sport = get_be16(t);
	r->port = get_be16(t + 2);
	r->seq = get_be32(t + 4);
	r->kind = PORTIER_REPLY_UNREACH;
	return 0;
}

static int parse_v4(const uint8_t *buf, size_t len, struct portier_reply *r,
		    bool inner)
{
	size_t ihl, total;

	if (len < 20 || (buf[0] >> 4) != 4)
		return PORTIER_EPROTO;
	ihl = (size_t)(buf[0] & 0x0f) * 4;
	total = get_be16(buf + 2);
	if (ihl < 20 || ihl > len)
		return PORTIER_EPROTO;
	if (!inner) {
		if (total < ihl || total > len)
			return PORTIER_EPROTO;
		len = total;
	}
	if (get_be16(buf + 6) & 0x1fff) /* a later fragment: no header here */
		return PORTIER_EPROTO;
	if (inner) {
		/* the probe we sent: we are its source, the target its dest */
		if (buf[9] != 6 && buf[9] != 17)
			return PORTIER_EPROTO;
		set_addr(&r->local, 4, buf + 12);
		set_addr(&r->target, 4, buf + 16);
		return parse_quoted(buf + ihl, len - ihl, buf[9], r);
	}
	r->ttl = buf[8];
	if (buf[9] == 6) {
		set_addr(&r->target, 4, buf + 12);
		set_addr(&r->local, 4, buf + 16);
		return parse_tcp(buf + ihl, len - ihl, r);
	}
	if (buf[9] == 1 && len - ihl >= 8 && buf[ihl] == 3) {
		/* RFC 792: destination unreachable, quoting our header */
		set_addr(&r->offender, 4, buf + 12);
		r->icmp_type = buf[ihl];
		r->icmp_code = buf[ihl + 1];
		return parse_v4(buf + ihl + 8, len - ihl - 8, r, true);
	}
	return PORTIER_EPROTO;
}

static int parse_v6(const uint8_t *buf, size_t len, struct portier_reply *r,
		    bool inner)
{
	size_t plen;

	if (len < 40 || (buf[0] >> 4) != 6)
		return PORTIER_EPROTO;
	plen = get_be16(buf + 4);
	if (!inner) {
		if (plen > len - 40)
			return PORTIER_EPROTO;
		len = 40 + plen;
	}
	if (inner) {
		if (buf[6] != 6 && buf[6] != 17)
			return PORTIER_EPROTO;
		set_addr(&r->local, 6, buf + 8);
		set_addr(&r->target, 6, buf + 24);
		return parse_quoted(buf + 40, len - 40, buf[6], r);
	}
	r->ttl = buf[7];
	if (buf[6] == 6) {
		set_addr(&r->target, 6, buf + 8);
		set_addr(&r->local, 6, buf + 24);
		return parse_tcp(buf + 40, len - 40, r);
	}
	if (buf[6] == 58 && len - 40 >= 8 && buf[40] == 1) {
		/* RFC 4443 3.1: destination unreachable */
		set_addr(&r->offender, 6, buf + 8);
		r->icmp_type = buf[40];
		r->icmp_code = buf[41];
		return parse_v6(buf + 48, len - 48, r, true);
	}
	return PORTIER_EPROTO;
}

int portier_reply_parse(const uint8_t *buf, size_t len, struct portier_reply *r)
{
	memset(r, 0, sizeof(*r));
	if (len < 1)
		return PORTIER_EPROTO;
	if ((buf[0] >> 4) == 4)
		return parse_v4(buf, len, r, false);
	if ((buf[0] >> 4) == 6)
		return parse_v6(buf, len, r, false);
	return PORTIER_EPROTO;
}
