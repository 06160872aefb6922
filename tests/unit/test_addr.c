/*
 * test_addr.c - the one address vocabulary (src/common/addr.c): parsing and
 * text forms, prefixes with both host-bit rules, sockaddr conversions, and
 * the table that pins the address policy scan, nbstat and smb share.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "portier/addr.h"

static struct portier_addr A(const char *s) {
	struct portier_addr a;

	assert_int_equal(portier_addr_parse(s, &a), 0);
	return a;
}

/*
 * The policy, one row per address: its class as written and whether a
 * probe may go to it.  Where net and probe used to disagree, the stricter
 * rule is pinned here: fe80::/10 is refused (probe allowed it), :: is
 * refused (net allowed it), and a v4-mapped address is judged as the IPv4
 * address it maps (neither looked).
 */
static const struct {
	const char *addr;
	enum portier_addr_class cls;
	bool target;
	const char *why; /* a word of the refusal */
} policy[] = {
	{"::", PORTIER_ADDR_UNSPECIFIED, false, "unspecified"},
	{"::1", PORTIER_ADDR_LOOPBACK, true, NULL},
	{"fe80::1", PORTIER_ADDR_LINK_LOCAL, false, "link-local"},
	{"ff02::1", PORTIER_ADDR_MULTICAST, false, "multicast"},
	{"224.0.0.1", PORTIER_ADDR_MULTICAST, false, "multicast"},
	{"255.255.255.255", PORTIER_ADDR_BROADCAST, false, "broadcast"},
	{"0.0.0.0", PORTIER_ADDR_THIS_NET, false, "0.0.0.0/8"},
	{"0.1.2.3", PORTIER_ADDR_THIS_NET, false, "0.0.0.0/8"},
	{"::ffff:1.2.3.4", PORTIER_ADDR_V4MAPPED, true, NULL},
	{"::ffff:127.0.0.1", PORTIER_ADDR_V4MAPPED, true, NULL},
	{"::ffff:224.0.0.1", PORTIER_ADDR_V4MAPPED, false, "multicast"},
	{"::ffff:0.0.0.0", PORTIER_ADDR_V4MAPPED, false, "0.0.0.0/8"},
	{"127.0.0.1", PORTIER_ADDR_LOOPBACK, true, NULL},
	{"198.19.1.2", PORTIER_ADDR_UNICAST, true, NULL},
	{"fd70:7:1::2", PORTIER_ADDR_UNICAST, true, NULL},
	{"169.254.1.1", PORTIER_ADDR_LINK_LOCAL, true, NULL},
	{"239.255.255.255", PORTIER_ADDR_MULTICAST, false, "multicast"},
	{"223.255.255.255", PORTIER_ADDR_UNICAST, true, NULL},
	{"febf::1", PORTIER_ADDR_LINK_LOCAL, false, "link-local"},
	{"fec0::1", PORTIER_ADDR_UNICAST, true, NULL},
};

static void test_policy_table(void **state)
{
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(policy) / sizeof(policy[0]); i++) {
		struct portier_addr a = A(policy[i].addr);
		const char *hint = NULL, *what;

		print_message("%s\n", policy[i].addr);
		assert_int_equal(portier_addr_classify(&a), policy[i].cls);
		what = portier_addr_not_target(&a, &hint);
		if (policy[i].target) {
			assert_null(what);
			continue;
		}
		assert_non_null(what);
		assert_non_null(hint);
		assert_true(strstr(what, policy[i].why) ||
			    strstr(hint, policy[i].why));
	}
}

/* The blocks are the policy: every refused block is refused at both ends,
 * and the addresses just outside are not (or belong to another block). */
static void test_policy_blocks(void **state)
{
	struct portier_prefix p[32];
	size_t n, i, j;
	(void)state;

	n = portier_addr_not_target_blocks(p, 32);
	assert_int_equal(n, 9); /* 3 IPv4, their v4-mapped forms, 3 IPv6 */
	assert_int_equal(portier_addr_not_target_blocks(NULL, 0), n);
	for (i = 0; i < n; i++) {
		struct portier_addr last;

		portier_prefix_last(&p[i], &last);
		assert_non_null(portier_addr_not_target(&p[i].addr, NULL));
		assert_non_null(portier_addr_not_target(&last, NULL));
		for (j = 0; j < n; j++) /* disjoint */
			assert_true(i == j || !portier_prefix_contains(
						      &p[j], &p[i].addr));
	}
}

static void test_loopback(void **state)
{
	struct portier_addr a = A("::ffff:127.9.9.9"), m;
	char s[PORTIER_ADDR_STRLEN];
	(void)state;

	assert_true(portier_addr_is_loopback(&a));
	assert_true(portier_addr_is_v4mapped(&a));
	portier_addr_unmap(&a, &m);
	assert_int_equal(m.family, 4);
	assert_string_equal(portier_addr_str(&m, s, sizeof(s)), "127.9.9.9");
	a = A("::1");
	assert_true(portier_addr_is_loopback(&a));
	a = A("::2");
	assert_false(portier_addr_is_loopback(&a));
	a = A("128.0.0.1");
	assert_false(portier_addr_is_loopback(&a));
	assert_string_equal(portier_addr_class_name(PORTIER_ADDR_V4MAPPED),
			    "v4-mapped");
}

static void test_parse_str(void **state)
{
	struct portier_addr a;
	char s[PORTIER_ADDR_STRLEN];
	(void)state;

	a = A("198.19.1.2");
	assert_int_equal(a.family, 4);
	assert_int_equal(a.b[4], 0); /* IPv4 leaves the rest zero */
	assert_string_equal(portier_addr_str(&a, s, sizeof(s)), "198.19.1.2");
	assert_int_equal(portier_addr_parse("198.19.1.2/24", &a),
			 PORTIER_EINVAL);
	assert_int_equal(a.family, 0);
	assert_int_equal(portier_addr_parse("fe80::1%eth0", &a),
			 PORTIER_EINVAL);
	assert_int_equal(portier_addr_parse("", &a), PORTIER_EINVAL);
	a.family = 9;
	assert_string_equal(portier_addr_str(&a, s, sizeof(s)), "?");
	assert_int_equal(portier_addr_af(4), AF_INET);
	assert_int_equal(portier_addr_af(6), AF_INET6);
	assert_int_equal(portier_addr_af(0), AF_UNSPEC);
	assert_int_equal(portier_addr_family_of(AF_INET6), 6);
	assert_int_equal(portier_addr_family_of(AF_UNIX), 0);
	assert_int_equal(portier_addr_set(&a, 5, "abcd"), PORTIER_EINVAL);
}

static void test_sockaddr(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
	struct sockaddr_un_like {
		sa_family_t family;
	} other = {AF_UNIX};
	struct portier_addr a = A("198.19.1.2"), b;
	char s[PORTIER_ADDR_STRLEN];
	socklen_t len;
	(void)state;

	len = portier_addr_to_sockaddr(&a, 445, &ss);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	assert_int_equal(((struct sockaddr_in *)&ss)->sin_port, htons(445));
	assert_int_equal(portier_addr_from_sockaddr((struct sockaddr *)&ss, &b),
			 0);
	assert_int_equal(portier_addr_cmp(&a, &b), 0);
	inet_pton(AF_INET6, "fd70:7:1::2", &sin6.sin6_addr);
	assert_int_equal(
		portier_addr_from_sockaddr((struct sockaddr *)&sin6, &b), 0);
	assert_string_equal(portier_addr_str(&b, s, sizeof(s)), "fd70:7:1::2");
	assert_int_equal(portier_addr_to_sockaddr(&b, 139, &ss),
			 sizeof(struct sockaddr_in6));
	assert_int_equal(portier_addr_from_sockaddr(
				 (struct sockaddr *)(void *)&other, &b),
			 PORTIER_EINVAL);
	b.family = 0;
	assert_int_equal(portier_addr_to_sockaddr(&b, 1, &ss), 0);
}

static void test_prefix(void **state)
{
	struct portier_prefix p;
	struct portier_addr last;
	struct portier_err err = {0};
	char s[PORTIER_PREFIX_STRLEN];
	(void)state;

	assert_int_equal(portier_prefix_parse("10.1.2.3/8",
					      PORTIER_PREFIX_CLEAR_HOST_BITS,
					      &p, &err),
			 0);
	assert_string_equal(portier_prefix_str(&p, s, sizeof(s)), "10.0.0.0/8");
	portier_prefix_last(&p, &last);
	assert_string_equal(portier_addr_str(&last, s, sizeof(s)),
			    "10.255.255.255");
	assert_true(portier_prefix_contains(
		&p, &(struct portier_addr){.family = 4, .b = {10, 9}}));
	assert_false(portier_prefix_contains(
		&p, &(struct portier_addr){.family = 4, .b = {11}}));
	assert_int_equal(portier_prefix_parse("10.1.2.3/8",
					      PORTIER_PREFIX_REFUSE_HOST_BITS,
					      &p, &err),
			 PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "host bits"));
	assert_non_null(strstr(err.hint, "10.0.0.0/8"));
	assert_int_equal(portier_prefix_parse("fd70:7:1::2",
					      PORTIER_PREFIX_REFUSE_HOST_BITS,
					      &p, NULL),
			 0);
	assert_int_equal(p.plen, 128);
	assert_int_equal(portier_prefix_parse("fd70:7:1::/52",
					      PORTIER_PREFIX_REFUSE_HOST_BITS,
					      &p, NULL),
			 0);
	assert_string_equal(portier_prefix_str(&p, s, sizeof(s)),
			    "fd70:7:1::/52");
	assert_int_equal(portier_prefix_parse("0.0.0.0/0",
					      PORTIER_PREFIX_REFUSE_HOST_BITS,
					      &p, NULL),
			 0);
	portier_prefix_last(&p, &last);
	assert_string_equal(portier_addr_str(&last, s, sizeof(s)),
			    "255.255.255.255");
	/* bad: the address, the length (quoted), junk */
	assert_int_equal(portier_prefix_parse("1.2.3.4/33",
					      PORTIER_PREFIX_CLEAR_HOST_BITS,
					      &p, &err),
			 PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "'33'"));
	assert_int_equal(portier_prefix_parse("fd00::/129",
					      PORTIER_PREFIX_CLEAR_HOST_BITS,
					      &p, &err),
			 PORTIER_EINVAL);
	assert_int_equal(portier_prefix_parse("lab",
					      PORTIER_PREFIX_CLEAR_HOST_BITS,
					      &p, &err),
			 PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "'lab'"));
	assert_int_equal(portier_prefix_parse("10.0.0.0/",
					      PORTIER_PREFIX_CLEAR_HOST_BITS,
					      &p, NULL),
			 PORTIER_EINVAL);
	assert_int_equal(portier_prefix_parse("10.0.0.0/-1",
					      PORTIER_PREFIX_CLEAR_HOST_BITS,
					      &p, NULL),
			 PORTIER_EINVAL);
	assert_int_equal(portier_prefix_parse(
				 "", PORTIER_PREFIX_CLEAR_HOST_BITS, &p, NULL),
			 PORTIER_EINVAL);
	assert_int_equal(p.plen, 0);
}

/* Equal addresses hash alike; the family counts (0.0.0.0 is not ::). */
static void test_hash(void **state)
{
	struct portier_addr a, b;

	(void)state;
	assert_int_equal(portier_addr_parse("192.0.2.7", &a), 0);
	assert_int_equal(portier_addr_parse("192.0.2.7", &b), 0);
	assert_true(portier_addr_hash(&a) == portier_addr_hash(&b));
	b.b[3] = 8;
	assert_true(portier_addr_hash(&a) != portier_addr_hash(&b));
	assert_int_equal(portier_addr_parse("0.0.0.0", &a), 0);
	assert_int_equal(portier_addr_parse("::", &b), 0);
	assert_true(portier_addr_hash(&a) != portier_addr_hash(&b));
}

/* Wire protocol numbers (RFC 790 / IANA) to the protocol bits. */
static void test_proto_of_ip(void **state)
{
	(void)state;
	assert_int_equal(portier_proto_of_ip(6), PORTIER_PROTO_TCP);
	assert_int_equal(portier_proto_of_ip(17), PORTIER_PROTO_UDP);
	assert_int_equal(portier_proto_of_ip(132), PORTIER_PROTO_SCTP);
	assert_int_equal(portier_proto_of_ip(33), PORTIER_PROTO_DCCP);
	assert_int_equal(portier_proto_of_ip(1), 0);  /* ICMP */
	assert_int_equal(portier_proto_of_ip(58), 0); /* ICMPv6 */
}

/* Site networks (what top calls "lan"): private, shared, link-local, ULA,
 * also as v4-mapped; loopback and public addresses are not. */
static void test_site(void **state)
{
	static const char *const site[] = {
		"10.1.2.3",	   "172.16.0.1", "172.31.255.254",
		"192.168.7.7",	   "100.64.0.1", "169.254.1.1",
		"fd00::1",	   "fc12::5",	 "fe80::1",
		"::ffff:10.0.0.1",
	};
	static const char *const not_site[] = {
		"127.0.0.1",   "::1",	      "8.8.8.8",     "172.32.0.1",
		"100.128.0.1", "192.169.0.1", "2001:db8::1", "::ffff:8.8.8.8",
		"0.0.0.0",     "::",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(site) / sizeof(site[0]); i++) {
		struct portier_addr a = A(site[i]);

		assert_true(portier_addr_is_site(&a));
	}
	for (i = 0; i < sizeof(not_site) / sizeof(not_site[0]); i++) {
		struct portier_addr a = A(not_site[i]);

		assert_false(portier_addr_is_site(&a));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_table),
		cmocka_unit_test(test_policy_blocks),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_parse_str),
		cmocka_unit_test(test_sockaddr),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_proto_of_ip),
		cmocka_unit_test(test_site),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
