/*
 * guard_parse_test.h - the packet-parser half of test_guard.c (included
 * once by it): frames built byte by byte, parsed, and cut short at every
 * length; probe kinds from TCP flags.
 */
#ifndef GUARD_PARSE_TEST_H
#define GUARD_PARSE_TEST_H

/* ---- building packets ---------------------------------------------------- */

static size_t put16(uint8_t *b, size_t off, uint16_t v)
{
	b[off] = (uint8_t)(v >> 8);
	b[off + 1] = (uint8_t)v;
	return off + 2;
}

/* Ethernet + IPv4 + TCP with the given flags and options. */
static size_t eth_ip4_tcp(uint8_t *b, uint8_t flags, const uint8_t *opt,
			  size_t optlen, size_t payload)
{
	size_t tcp = 14 + 20, hl = 20 + optlen;

	memset(b, 0, 14 + 20 + hl + payload);
	put16(b, 12, 0x0800);
	b[14] = 0x45;
	put16(b, 16, (uint16_t)(20 + hl + payload));
	put16(b, 18, 0x1234);
	b[22] = 51;
	b[23] = 6;
	memcpy(b + 26, (const uint8_t[]){198, 19, 1, 1}, 4);
	memcpy(b + 30, (const uint8_t[]){198, 19, 1, 2}, 4);
	put16(b, tcp, 40000);
	put16(b, tcp + 2, 22);
	b[tcp + 12] = (uint8_t)((hl / 4) << 4);
	b[tcp + 13] = flags;
	put16(b, tcp + 14, 1024);
	if (optlen)
		memcpy(b + tcp + 20, opt, optlen);
	return 14 + 20 + hl + payload;
}

static void test_parse_ipv4_syn(void **state)
{
	static const uint8_t mss[] = {2, 4, 0x05, 0xb4};
	uint8_t b[128];
	struct portier_guard_probe p;
	size_t n = eth_ip4_tcp(b, PG_SYN, mss, sizeof(mss), 0);

	(void)state;
	assert_int_equal(portier_guard_parse(b, n, PORTIER_GUARD_LINK_ETH, &p),
			 0);
	assert_int_equal(p.family, 4);
	assert_int_equal(p.proto, 6);
	assert_int_equal(p.sport, 40000);
	assert_int_equal(p.dport, 22);
	assert_int_equal(p.tcp_flags, PG_SYN);
	assert_int_equal(p.window, 1024);
	assert_int_equal(p.mss, 1460);
	assert_int_equal(p.opt_mask, PG_OPT_MSS);
	assert_int_equal(p.opt_len, 4);
	assert_int_equal(p.ttl, 51);
	assert_int_equal(p.ip_id, 0x1234);
	assert_memory_equal(p.src, ((const uint8_t[]){198, 19, 1, 1}), 4);
	assert_int_equal(portier_guard_kind_of(&p), PG_KIND_SYN);
	/* cut anywhere inside the headers: an error, never a read past */
	for (size_t cut = 0; cut < n; cut++) {
		int rc =
			portier_guard_parse(b, cut, PORTIER_GUARD_LINK_ETH, &p);

		assert_true(rc == PORTIER_EPROTO || (cut >= 54 && rc == 0));
	}
}

static void test_parse_ipv4_other(void **state)
{
	/* Linux connect() SYN: MSS, SACK-permitted, timestamps, NOP, WS */
	static const uint8_t os[] = {2, 4, 5, 0xb4, 4, 2, 8, 10, 1, 2,
				     3, 4, 0, 0,    0, 0, 1, 3,	 3, 7};
	uint8_t b[128];
	struct portier_guard_probe p;
	size_t n = eth_ip4_tcp(b, PG_SYN, os, sizeof(os), 0);

	(void)state;
	assert_int_equal(portier_guard_parse(b, n, PORTIER_GUARD_LINK_ETH, &p),
			 0);
	assert_int_equal(p.opt_mask,
			 PG_OPT_MSS | PG_OPT_SACKOK | PG_OPT_TS | PG_OPT_WS);
	assert_int_equal(portier_guard_kind_of(&p), PG_KIND_CONNECT);
	/* a VLAN tag in front */
	memmove(b + 16, b + 12, n - 12);
	put16(b, 12, 0x8100);
	put16(b, 14, 7);
	assert_int_equal(
		portier_guard_parse(b, n + 4, PORTIER_GUARD_LINK_ETH, &p), 0);
	assert_int_equal(p.dport, 22);
	/* ARP is not for us */
	put16(b, 12, 0x0806);
	assert_int_equal(portier_guard_parse(b, n, PORTIER_GUARD_LINK_ETH, &p),
			 PORTIER_ENOENT);
	/* a non-first fragment has no TCP header */
	n = eth_ip4_tcp(b, PG_SYN, NULL, 0, 0);
	put16(b, 20, 0x0010);
	assert_int_equal(portier_guard_parse(b, n, PORTIER_GUARD_LINK_ETH, &p),
			 PORTIER_ENOENT);
	/* a header length longer than the datagram */
	n = eth_ip4_tcp(b, PG_SYN, NULL, 0, 0);
	b[14] = 0x4f;
	assert_int_equal(portier_guard_parse(b, n, PORTIER_GUARD_LINK_ETH, &p),
			 PORTIER_EPROTO);
}

static void test_parse_ipv6_ext_udp_icmp(void **state)
{
	uint8_t b[160];
	struct portier_guard_probe p;
	size_t n = 14 + 40 + 8 + 20;

	(void)state;
	memset(b, 0, sizeof(b));
	put16(b, 12, 0x86dd);
	b[14] = 0x60;
	put16(b, 18, 8 + 20);
	b[20] = 0; /* hop-by-hop first */
	b[21] = 255;
	b[22 + 15] = 1; /* src ::1... */
	b[22] = 0xfd;
	b[38] = 0xfd;
	b[38 + 15] = 2;
	b[54] = 6; /* hop-by-hop: next TCP, length 0 (8 bytes) */
	put16(b, 62, 51000);
	put16(b, 64, 443);
	b[62 + 12] = 5 << 4;
	b[62 + 13] = PG_FIN | PG_PSH | PG_URG;
	assert_int_equal(portier_guard_parse(b, n, PORTIER_GUARD_LINK_ETH, &p),
			 0);
	assert_int_equal(p.family, 6);
	assert_int_equal(p.ttl, 255);
	assert_int_equal(p.dport, 443);
	assert_int_equal(portier_guard_kind_of(&p), PG_KIND_XMAS);
	/* raw IP link, UDP */
	b[54] = 17;
	put16(b, 62 + 4, 8 + 4);
	assert_int_equal(
		portier_guard_parse(b + 14, n - 14, PORTIER_GUARD_LINK_IP, &p),
		0);
	assert_int_equal(portier_guard_kind_of(&p), PG_KIND_UDP);
	assert_int_equal(p.payload, 12);
	/* ICMPv6 echo request: not a probe */
	b[54] = 58;
	b[62] = 128;
	assert_int_equal(portier_guard_parse(b, n, PORTIER_GUARD_LINK_ETH, &p),
			 0);
	assert_int_equal(p.icmp_type, 128);
	assert_int_equal(portier_guard_kind_of(&p), PG_KIND_NONE);
	/* an extension header running off the end */
	b[55] = 200;
	assert_int_equal(portier_guard_parse(b, n, PORTIER_GUARD_LINK_ETH, &p),
			 PORTIER_EPROTO);
}

static void test_kinds(void **state)
{
	static const struct {
		uint8_t flags;
		enum portier_guard_kind k;
	} t[] = {
		{PG_SYN, PG_KIND_SYN},
		{0, PG_KIND_NULL},
		{PG_FIN, PG_KIND_FIN},
		{PG_FIN | PG_PSH | PG_URG, PG_KIND_XMAS},
		{PG_ACK, PG_KIND_ACK},
		{PG_FIN | PG_ACK, PG_KIND_MAIMON},
		{PG_SYN | PG_ACK, PG_KIND_NONE},
		{PG_RST, PG_KIND_NONE},
		{PG_RST | PG_ACK, PG_KIND_NONE},
		{PG_PSH | PG_ACK, PG_KIND_OTHER},
	};
	struct portier_guard_probe p;
	size_t i;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.proto = 6;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		p.tcp_flags = t[i].flags;
		assert_int_equal(portier_guard_kind_of(&p), t[i].k);
	}
	assert_string_equal(portier_guard_kind_name(PG_KIND_MAIMON), "maimon");
}

#endif
