/*
 * test_guard_allow.c - guard's allowlist: the built-in loopback entries,
 * user prefixes through the one prefix parser (host bits cleared, so nft
 * is given the network), and the gateways, DNS servers and own addresses
 * read from fixture files (tests/data/guard).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "portier/guard.h"

/* An address from its text (the test's own literals). */
static struct portier_addr A(const char *text) {
	struct portier_addr a;

	assert_int_equal(portier_addr_parse(text, &a), 0);
	return a;
}

static void
test_allowlist(void **state)
{
	struct portier_guard_allow a;
	struct portier_guard_cidr c;
	struct portier_addr x;
	struct portier_err e;
	char proc[4096], resolv[4096];
	const char *dir = getenv("PORTIER_TESTDATA");

	(void)state;
	assert_int_equal(portier_guard_allow_init(&a), 0);
	assert_non_null(portier_guard_allowed(
		&a, &(struct portier_addr){4, {127, 5, 5, 5}}));
	x = A("::1");
	assert_non_null(portier_guard_allowed(&a, &x));
	x = A("::ffff:127.0.0.1");
	assert_non_null(portier_guard_allowed(&a, &x));
	assert_int_equal(portier_guard_cidr_parse("198.19.1.48/29", &c, NULL),
			 0);
	assert_int_equal(portier_guard_allow_add(&a, &c), 0);
	x = A("198.19.1.55");
	assert_non_null(portier_guard_allowed(&a, &x));
	x.b[3] = 56;
	assert_null(portier_guard_allowed(&a, &x));
	x.b[3] = 47;
	assert_null(portier_guard_allowed(&a, &x));
	assert_int_equal(portier_guard_cidr_parse("fd70:7:1::/52", &c, NULL),
			 0);
	assert_int_equal(c.prefix.plen, 52);
	/* the one prefix parser clears host bits: nft is given the network */
	assert_int_equal(portier_guard_cidr_parse("198.19.1.50/29", &c, NULL),
			 0);
	assert_int_equal(c.prefix.addr.b[3], 48);
	assert_int_equal(c.why, PG_ALLOW_USER);
	assert_int_equal(portier_guard_cidr_parse("1.2.3.4/33", &c, &e),
			 PORTIER_EINVAL);
	assert_non_null(strstr(e.msg, "'1.2.3.4/33'"));
	assert_int_equal(portier_guard_cidr_parse("lab", &c, NULL),
			 PORTIER_EINVAL);
	/* gateways and DNS servers from fixture files */
	snprintf(proc, sizeof(proc), "%s/guard/proc", dir ? dir : "tests/data");
	snprintf(resolv, sizeof(resolv), "%s/guard/resolv.conf",
		 dir ? dir : "tests/data");
	assert_int_equal(portier_guard_allow_system(&a, proc, resolv, false),
			 0);
	x = A("10.0.2.1");
	assert_int_equal(portier_guard_allowed(&a, &x)->why, PG_ALLOW_GATEWAY);
	x = A("10.0.2.2");
	assert_null(portier_guard_allowed(&a, &x));
	x = A("192.0.2.53");
	assert_int_equal(portier_guard_allowed(&a, &x)->why, PG_ALLOW_DNS);
	assert_int_equal(portier_guard_cidr_parse("2001:db8::53", &c, NULL), 0);
	assert_int_equal(portier_guard_allowed(&a, &c.prefix.addr)->why,
			 PG_ALLOW_DNS);
	assert_int_equal(portier_guard_cidr_parse("fe80::1", &c, NULL), 0);
	assert_non_null(
		portier_guard_allowed(&a, &c.prefix.addr)); /* gw and dns */
	/* own addresses: loopback's 127.0.0.1 is one; a gateway is not */
	assert_false(portier_guard_allow_is_own(&a, &x));
	assert_int_equal(portier_guard_allow_system(&a, proc, resolv, true), 0);
	x = A("127.0.0.1");
	assert_true(portier_guard_allow_is_own(&a, &x));
	x = A("198.51.100.77");
	assert_false(portier_guard_allow_is_own(&a, &x));
	portier_guard_allow_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowlist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
