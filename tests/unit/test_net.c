/*
 * test_net.c - the net module: target and port parsing (every bad input of
 * issue 4 must fail with the bad token named), interval arithmetic, the
 * permutation (a bijection, checked exhaustively up to 2^20), shards that are
 * disjoint and cover the space, checksums, the SYN template, cookie matching
 * in the reply parser.  (The token bucket is tested in test_text.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "portier/net.h"

/* ---- helpers ---------------------------------------------------------------- */

static struct portier_targets *targets(const char *const *specs, size_t n,
				       const char *const *excl, size_t nex)
{
	struct portier_targets_options opt = {.resolve = false};
	struct portier_targets *t = NULL;
	struct portier_err err = {0};
	size_t i;

	assert_int_equal(portier_targets_new(&t, &opt), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(portier_targets_add(t, specs[i], false, &err),
				 0);
	for (i = 0; i < nex; i++)
		assert_int_equal(portier_targets_add(t, excl[i], true, &err),
				 0);
	assert_int_equal(portier_targets_finish(t, &err), 0);
	return t;
}

static void assert_at(const struct portier_targets *t, uint64_t i,
		      const char *want)
{
	struct portier_addr a;
	char buf[64];

	uint64_t j = ~0ull;

	portier_targets_at(t, i, &a);
	assert_string_equal(portier_addr_str(&a, buf, sizeof(buf)), want);
	/* and back: the address's index is i */
	assert_true(portier_targets_index(t, &a, &j));
	assert_int_equal(j, i);
}

/* spec is not in t: it has no index. */
static void assert_no_index(const struct portier_targets *t, const char *spec)
{
	struct portier_addr a;
	uint64_t j;

	assert_int_equal(portier_addr_parse(spec, &a), 0);
	assert_false(portier_targets_index(t, &a, &j));
}

/* Adding spec fails with EINVAL and the message quotes token. */
static void assert_bad_target(const char *spec, const char *token)
{
	struct portier_targets *t = NULL;
	struct portier_err err = {0};
	char quoted[128];

	assert_int_equal(portier_targets_new(&t, NULL), 0);
	assert_int_equal(portier_targets_add(t, spec, false, &err),
			 PORTIER_EINVAL);
	snprintf(quoted, sizeof(quoted), "'%s'", token);
	if (!strstr(err.msg, quoted))
		fail_msg("message for '%s' does not name %s: %s", spec, quoted,
			 err.msg);
	assert_true(err.hint[0] != '\0');
	portier_targets_free(t);
}

static void assert_bad_ports(const char *spec, const char *token)
{
	struct portier_ports p;
	struct portier_err err = {0};
	char quoted[128];

	assert_int_equal(portier_ports_parse(spec, &p, &err), PORTIER_EINVAL);
	assert_null(p.tcp);
	snprintf(quoted, sizeof(quoted), "'%s'", token);
	if (!strstr(err.msg, quoted))
		fail_msg("message for '%s' does not name %s: %s", spec, quoted,
			 err.msg);
}

/* ---- addresses and targets ------------------------------------------------ */

static void test_addr_roundtrip(void **state)
{
	struct portier_addr a, b;
	char buf[64];

	(void)state;
	assert_int_equal(portier_addr_parse("198.19.1.2", &a), 0);
	assert_int_equal(a.family, 4);
	assert_string_equal(portier_addr_str(&a, buf, sizeof(buf)),
			    "198.19.1.2");
	assert_int_equal(portier_addr_parse("fd70:7:1::2", &b), 0);
	assert_int_equal(b.family, 6);
	assert_string_equal(portier_addr_str(&b, buf, sizeof(buf)),
			    "fd70:7:1::2");
	assert_true(portier_addr_cmp(&a, &b) < 0);
	assert_int_equal(portier_addr_parse("300.1.1.1", &a), PORTIER_EINVAL);
}

static void test_cidr(void **state)
{
	const char *s[] = {"10.0.0.0/16"};
	const char *s6[] = {"fd00::/120"};
	const char *s8[] = {"10.0.0.0/8", "0.0.0.0/0"};
	struct portier_targets *t;

	(void)state;
	t = targets(s, 1, NULL, 0);
	assert_int_equal(portier_targets_count(t), 65536);
	assert_int_equal(portier_targets_intervals(t), 1);
	assert_at(t, 0, "10.0.0.0");
	assert_at(t, 65535, "10.0.255.255");
	assert_at(t, 258, "10.0.1.2");
	portier_targets_free(t);

	t = targets(s6, 1, NULL, 0);
	assert_int_equal(portier_targets_count(t), 256);
	assert_at(t, 255, "fd00::ff");
	portier_targets_free(t);

	/*
	 * a /8 inside 0/0 merges into it; 0.0.0.0/8, multicast 224.0.0.0/4
	 * and 255.255.255.255 are skipped, leaving two intervals
	 */
	t = targets(s8, 2, NULL, 0);
	assert_int_equal(portier_targets_count(t),
			 (1ull << 32) - (1ull << 24) - (1ull << 28) - 1);
	assert_int_equal(portier_targets_intervals(t), 2);
	assert_at(t, 0, "1.0.0.0");
	assert_at(t, (223ull << 24) - 1, "223.255.255.255");
	assert_at(t, 223ull << 24, "240.0.0.0");
	assert_at(t, (1ull << 32) - (1ull << 24) - (1ull << 28) - 2,
		  "255.255.255.254");
	portier_targets_free(t);
}

static void test_ranges(void **state)
{
	const char *last[] = {"10.0.0.1-200"};
	const char *oct[] = {"10.0.0-3.1-254"};
	const char *list[] = {"10.1.2,4.1", "10.9.9.*"};
	const char *full[] = {"10.0.0.250-10.0.1.5", "fd00::fe-fd00::101"};
	struct portier_targets *t;

	(void)state;
	t = targets(last, 1, NULL, 0);
	assert_int_equal(portier_targets_count(t), 200);
	assert_at(t, 0, "10.0.0.1");
	assert_at(t, 199, "10.0.0.200");
	portier_targets_free(t);

	t = targets(oct, 1, NULL, 0);
	assert_int_equal(portier_targets_count(t), 4 * 254);
	assert_int_equal(portier_targets_intervals(t), 4);
	assert_at(t, 254, "10.0.1.1");
	assert_at(t, 4 * 254 - 1, "10.0.3.254");
	portier_targets_free(t);

	t = targets(list, 2, NULL, 0);
	assert_int_equal(portier_targets_count(t), 2 + 256);
	assert_at(t, 0, "10.1.2.1");
	assert_at(t, 1, "10.1.4.1");
	assert_at(t, 2, "10.9.9.0");
	portier_targets_free(t);

	t = targets(full, 2, NULL, 0);
	assert_int_equal(portier_targets_count(t), 12 + 4);
	assert_at(t, 11, "10.0.1.5");
	assert_at(t, 12, "fd00::fe");
	assert_at(t, 15, "fd00::101");
	portier_targets_free(t);
}

static void test_merge_and_exclude(void **state)
{
	const char *inc[] = {"198.19.1.0/24", "198.19.1.2",
			     "198.19.1.250-198.19.2.3", "fd70:7:1::2"};
	const char *exc[] = {"198.19.1.0/30,198.19.1.128", "198.19.2.0/24"};
	const char *all[] = {"10.0.0.0/24"};
	const char *allx[] = {"10.0.0.0/23"};
	struct portier_targets *t = NULL;
	struct portier_err err = {0};

	(void)state;
	t = targets(inc, 4, exc, 2);
	/* 256 + 4 merged = 260 v4, minus 4, minus 1, minus 4 -> 251, + 1 v6 */
	assert_int_equal(portier_targets_count(t), 252);
	assert_int_equal(portier_targets_intervals(t), 3);
	assert_at(t, 0, "198.19.1.4");
	assert_at(t, 123, "198.19.1.127");
	assert_at(t, 124, "198.19.1.129");
	assert_at(t, 250, "198.19.1.255");
	assert_at(t, 251, "fd70:7:1::2");
	/* excluded, before, between and after the intervals: no index */
	assert_no_index(t, "198.19.1.128");
	assert_no_index(t, "198.19.1.3");
	assert_no_index(t, "198.19.2.0");
	assert_no_index(t, "10.0.0.1");
	assert_no_index(t, "fd70:7:1::1");
	assert_no_index(t, "fd70:7:1::3");
	portier_targets_free(t);

	/* everything excluded: an error, not an empty scan */
	assert_int_equal(portier_targets_new(&t, NULL), 0);
	assert_int_equal(portier_targets_add(t, all[0], false, &err), 0);
	assert_int_equal(portier_targets_add(t, allx[0], true, &err), 0);
	assert_int_equal(portier_targets_finish(t, &err), PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "exclusions"));
	portier_targets_free(t);
}

static void test_bad_targets(void **state)
{
	(void)state;
	assert_bad_target("10.0.0.0/33", "33");
	assert_bad_target("fd00::/129", "129");
	assert_bad_target("10.0.0.0/", "");
	assert_bad_target("300.1.1.1", "300");
	assert_bad_target("10.0.0.1-300", "300");
	assert_bad_target("10.0.0.9-3", "9-3");
	assert_bad_target("10.0.0", "10.0.0");
	assert_bad_target("10.0.0.1.5", "10.0.0.1.5");
	assert_bad_target("fd00:::1", "fd00:::1");
	assert_bad_target("10.0.0.5-10.0.0.1", "10.0.0.5-10.0.0.1");
	assert_bad_target("bad host!", "bad host!");
	assert_bad_target("", "");
	/* a name while resolution is off */
	assert_bad_target("lab.invalid", "lab.invalid");
}

/*
 * Multicast, broadcast, 0.0.0.0/8 and IPv6 link-local are refused as whole
 * targets (naming the token, with a hint) and skipped inside larger ones.
 */
static void test_reserved_targets(void **state)
{
	const char *mixed[] = {
		"223.255.255.254-224.0.0.2",
		"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:fffe-fe80::1",
		"feff:ffff:ffff:ffff:ffff:ffff:ffff:fffe-ff00::1"};
	const char *v6r[] = {"fe80::1-fe80::3"};
	struct portier_targets *t = NULL;
	struct portier_err err = {0};

	(void)state;
	assert_bad_target("224.0.0.1", "224.0.0.1");
	assert_bad_target("239.255.255.250", "239.255.255.250");
	assert_bad_target("224.0.0.0/24", "224.0.0.0/24");
	assert_bad_target("230-231.1.1.1", "230-231.1.1.1");
	assert_bad_target("255.255.255.255", "255.255.255.255");
	assert_bad_target("0.0.0.0", "0.0.0.0");
	assert_bad_target("0.1.2.3", "0.1.2.3");
	assert_bad_target("ff02::1", "ff02::1");
	assert_bad_target("fe80::1", "fe80::1");
	assert_bad_target(v6r[0], v6r[0]);
	/* the one address policy (addr.h) is stricter than net's old list:
	 * :: and the v4-mapped forms of refused IPv4 blocks are refused too */
	assert_bad_target("::", "::");
	assert_bad_target("::/128", "::/128");
	assert_bad_target("::ffff:224.0.0.1", "::ffff:224.0.0.1");
	assert_bad_target("::ffff:255.255.255.255", "::ffff:255.255.255.255");
	assert_bad_target("::ffff:0.0.0.0/104", "::ffff:0.0.0.0/104");
	assert_int_equal(portier_targets_new(&t, NULL), 0);
	assert_int_equal(portier_targets_add(t, "fe80::1-fe80::3", false, &err),
			 PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "link-local"));
	assert_non_null(strstr(err.hint, "scope"));
	assert_int_equal(portier_targets_add(t, "224.0.0.251", false, &err),
			 PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "multicast"));
	/* a refused spec leaves nothing behind */
	assert_int_equal(portier_targets_finish(t, &err), PORTIER_EINVAL);
	assert_null(strstr(err.msg, "exclusions"));
	portier_targets_free(t);

	/* inside ranges: only the unicast part is kept */
	t = targets(mixed, 3, NULL, 0);
	assert_int_equal(portier_targets_count(t), 6);
	assert_at(t, 0, "223.255.255.254");
	assert_at(t, 1, "223.255.255.255");
	assert_at(t, 2, "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	assert_at(t, 3, "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_at(t, 4, "feff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	assert_at(t, 5, "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	portier_targets_free(t);

	/* :: and the v4-mapped multicast block are skipped inside a block */
	{
		const char *v6[] = {"::/126", "::ffff:223.255.255.254-"
					      "::ffff:224.0.0.1"};

		t = targets(v6, 2, NULL, 0);
		assert_int_equal(portier_targets_count(t), 5);
		assert_at(t, 0, "::1");
		assert_at(t, 4, "::ffff:223.255.255.255");
		portier_targets_free(t);
	}

	/* excluding a reserved address is fine (nothing to refuse) */
	{
		const char *inc[] = {"10.0.0.0/30"};
		const char *exc[] = {"224.0.0.1"};

		t = targets(inc, 1, exc, 1);
		assert_int_equal(portier_targets_count(t), 4);
		portier_targets_free(t);
	}
}

/* The fingerprint covers every interval, not just count and ends. */
static void test_targets_fingerprint(void **state)
{
	const char *r[] = {"198.19.1.1-198.19.1.5"};
	const char *x3[] = {"198.19.1.3"}, *x4[] = {"198.19.1.4"};
	const char *same[] = {"198.19.1.1-2", "198.19.1.4/31"};
	struct portier_targets *a, *b, *c;

	(void)state;
	a = targets(r, 1, x3, 1);
	b = targets(r, 1, x4, 1);
	c = targets(same, 2, NULL, 0);
	assert_int_equal(portier_targets_count(a), portier_targets_count(b));
	assert_true(portier_targets_fingerprint(a) !=
		    portier_targets_fingerprint(b));
	/* the same addresses written otherwise: the same fingerprint */
	assert_true(portier_targets_fingerprint(a) ==
		    portier_targets_fingerprint(c));
	portier_targets_free(a);
	portier_targets_free(b);
	portier_targets_free(c);
}

static void test_wide_octets(void **state)
{
	const char *a[] = {"10.0-255.0-255.*"};
	const char *b[] = {"*.*.*.*"};
	const char *c[] = {"10.*.*.1"};
	struct portier_targets *t;

	(void)state;
	t = targets(a, 1, NULL, 0);
	assert_int_equal(portier_targets_count(t), 1u << 24);
	assert_int_equal(portier_targets_intervals(t), 1);
	portier_targets_free(t);
	t = targets(b, 1, NULL, 0);
	assert_int_equal(portier_targets_count(t),
			 (1ull << 32) - (1ull << 24) - (1ull << 28) - 1);
	portier_targets_free(t);
	t = targets(c, 1, NULL, 0);
	assert_int_equal(portier_targets_count(t), 65536);
	assert_at(t, 0, "10.0.0.1");
	assert_at(t, 65535, "10.255.255.1");
	portier_targets_free(t);
}

static void test_too_many_pieces(void **state)
{
	(void)state;
	/* 255^3 runs of one address each */
	assert_bad_target("1-255.1-255.1-255.7", "1-255.1-255.1-255.7");
}

static void test_target_file(void **state)
{
	char path[] = "/tmp/portier-test-net.XXXXXX";
	struct portier_targets *t = NULL;
	struct portier_err err = {0};
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("# lab hosts\n\n   # nothing\n", f);
	fclose(f);
	assert_int_equal(portier_targets_new(&t, NULL), 0);
	assert_int_equal(portier_targets_add_file(t, path, false, &err),
			 PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "no targets"));
	portier_targets_free(t);

	f = fopen(path, "w");
	fputs("198.19.1.2 198.19.1.3 # two\nfd70:7:1::2\n198.19.9.0/30\n", f);
	fclose(f);
	assert_int_equal(portier_targets_new(&t, NULL), 0);
	assert_int_equal(portier_targets_add_file(t, path, false, &err), 0);
	assert_int_equal(portier_targets_finish(t, &err), 0);
	assert_int_equal(portier_targets_count(t), 7);
	portier_targets_free(t);

	f = fopen(path, "w");
	fputs("198.19.1.2\n10.0.0.0/40\n", f);
	fclose(f);
	assert_int_equal(portier_targets_new(&t, NULL), 0);
	assert_int_equal(portier_targets_add_file(t, path, false, &err),
			 PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, ":2: "));
	assert_non_null(strstr(err.msg, "'40'"));
	portier_targets_free(t);

	/*
	 * long lines are read whole: a comment past byte 1024 stays a
	 * comment, and many targets on one line are all kept
	 */
	f = fopen(path, "w");
	fprintf(f, "198.19.1.2 # %*s198.19.1.99\n", 1500, "");
	for (int i = 0; i < 250; i++)
		fprintf(f, "198.19.2.%d ", i);
	fputs("\n", f);
	fclose(f);
	assert_int_equal(portier_targets_new(&t, NULL), 0);
	assert_int_equal(portier_targets_add_file(t, path, false, &err), 0);
	assert_int_equal(portier_targets_finish(t, &err), 0);
	assert_int_equal(portier_targets_count(t), 1 + 250);
	portier_targets_free(t);

	/* an absurdly long line is refused with path:line */
	f = fopen(path, "w");
	fprintf(f, "198.19.1.2\n198.19.1.3 %*s\n", 70000, "");
	fclose(f);
	assert_int_equal(portier_targets_new(&t, NULL), 0);
	assert_int_equal(portier_targets_add_file(t, path, false, &err),
			 PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, ":2: "));
	assert_non_null(strstr(err.msg, "too long"));
	portier_targets_free(t);
	unlink(path);

	assert_int_equal(portier_targets_new(&t, NULL), 0);
	assert_int_equal(portier_targets_add_file(t, "/nonexistent/targets",
						  false, &err),
			 PORTIER_ENOENT);
	portier_targets_free(t);
}

static void test_names(void **state)
{
	struct portier_targets_options opt = {.resolve = true};
	struct portier_targets *t = NULL;
	struct portier_err err = {0};
	struct portier_addr a;

	(void)state;
	/* localhost comes from /etc/hosts: no packet leaves */
	assert_int_equal(portier_targets_new(&t, &opt), 0);
	assert_int_equal(portier_targets_add(t, "198.19.1.2", false, &err), 0);
	assert_int_equal(portier_targets_add(t, "localhost", false, &err), 0);
	assert_int_equal(portier_targets_finish(t, &err), 0);
	assert_int_equal(portier_targets_count(t), 2);
	portier_addr_parse("127.0.0.1", &a);
	assert_string_equal(portier_targets_name(t, &a), "localhost");
	portier_addr_parse("198.19.1.2", &a);
	assert_null(portier_targets_name(t, &a));
	portier_targets_free(t);
}

static void test_target_alloc_failure(void **state)
{
	const char *spec = "10.0.0-255.1";
	long n;

	(void)state;
	/* every allocation failing in turn is reported, never a crash */
	for (n = 0; n < 40; n++) {
		struct portier_targets *t = NULL;
		int rc;

		portier_alloc_fail_after(n);
		rc = portier_targets_new(&t, NULL);
		if (rc == 0) {
			rc = portier_targets_add(t, spec, false, NULL);
			if (rc == 0)
				rc = portier_targets_finish(t, NULL);
		}
		portier_alloc_fail_after(-1);
		assert_true(rc == 0 || rc == PORTIER_ENOMEM);
		if (rc == 0)
			assert_int_equal(portier_targets_count(t), 256);
		portier_targets_free(t);
	}
}

/* ---- ports ------------------------------------------------------------------ */

static void test_ports(void **state)
{
	struct portier_ports p;
	struct portier_err err = {0};

	(void)state;
	assert_int_equal(portier_ports_parse("22,80,1000-2000", &p, &err), 0);
	assert_int_equal(p.n_tcp, 2 + 1001);
	assert_int_equal(p.tcp[0], 22);
	assert_int_equal(p.tcp[2], 1000);
	assert_int_equal(p.n_udp, 0);
	portier_ports_release(&p);

	assert_int_equal(portier_ports_parse("-", &p, &err), 0);
	assert_int_equal(p.n_tcp, 65535);
	assert_int_equal(p.tcp[0], 1);
	assert_int_equal(p.tcp[65534], 65535);
	portier_ports_release(&p);

	assert_int_equal(portier_ports_parse("-1024,60000-,80,80", &p, &err),
			 0);
	assert_int_equal(p.n_tcp, 1024 + 5536);
	portier_ports_release(&p);

	assert_int_equal(portier_ports_parse("T:445,139,U:137,138", &p, &err),
			 0);
	assert_int_equal(p.n_tcp, 2);
	assert_int_equal(p.tcp[0], 139);
	assert_int_equal(p.n_udp, 2);
	assert_int_equal(p.udp[0], 137);
	portier_ports_release(&p);
}

static void test_bad_ports(void **state)
{
	(void)state;
	assert_bad_ports("0-70000", "70000");
	assert_bad_ports("70000", "70000");
	assert_bad_ports("0", "0");
	assert_bad_ports("22,http", "http");
	assert_bad_ports("100-20", "100-20");
	assert_bad_ports("", "");
	assert_bad_ports("X:22", "X:22");
	assert_bad_ports("22,,-5x", "5x");
	assert_bad_ports("1-2-3", "2-3");
}

static void test_top_ports(void **state)
{
	char path[] = "/tmp/portier-test-svc.XXXXXX";
	struct portier_ports p;
	const char *source = NULL;
	struct portier_err err = {0};
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	f = fdopen(fd, "w");
	fputs("# name port/proto freq\nhttp\t80/tcp\t0.48\nssh\t22/tcp\t0.18\n"
	      "dns\t53/udp\t0.9\nftp\t21/tcp\t0.19\ntelnet\t23/tcp\t0.02\n",
	      f);
	fclose(f);
	assert_int_equal(portier_ports_top(2, path, &p, &source, &err), 0);
	assert_string_equal(source, "nmap-services");
	assert_int_equal(p.n_tcp, 2);
	assert_int_equal(p.tcp[0], 21);
	assert_int_equal(p.tcp[1], 80);
	portier_ports_release(&p);
	/* more than the file knows: filled with the lowest unused ports */
	assert_int_equal(portier_ports_top(5, path, &p, &source, &err), 0);
	assert_int_equal(p.n_tcp, 5);
	assert_int_equal(p.tcp[0], 1);
	portier_ports_release(&p);
	unlink(path);

	assert_int_equal(
		portier_ports_top(100, "/nonexistent", &p, &source, &err), 0);
	assert_string_equal(source, "portier");
	assert_int_equal(p.n_tcp, 100);
	portier_ports_release(&p);
	assert_int_equal(portier_ports_top(0, NULL, &p, &source, &err),
			 PORTIER_EINVAL);
}

/* ---- permutation and shards ------------------------------------------------- */

static void check_bijection(uint64_t n, uint64_t seed)
{
	struct portier_perm perm;
	uint8_t *seen = calloc((size_t)(n / 8 + 1), 1);
	uint64_t i;

	assert_non_null(seen);
	portier_perm_init(&perm, n, seed);
	for (i = 0; i < n; i++) {
		uint64_t x = portier_perm_map(&perm, i);

		if (x >= n)
			fail_msg("n=%llu: %llu -> %llu out of range",
				 (unsigned long long)n, (unsigned long long)i,
				 (unsigned long long)x);
		if (seen[x / 8] & (1u << (x % 8)))
			fail_msg("n=%llu: %llu hit twice",
				 (unsigned long long)n, (unsigned long long)x);
		seen[x / 8] = (uint8_t)(seen[x / 8] | (1u << (x % 8)));
	}
	free(seen);
}

static void test_perm_bijection(void **state)
{
	uint64_t n;
	unsigned k;

	(void)state;
	for (n = 0; n <= 1100; n++)
		check_bijection(n, n * 7919);
	for (k = 11; k <= 20; k++) {
		check_bijection(1ull << k, k);
		check_bijection((1ull << k) - 1, k);
		check_bijection((1ull << k) + 1, k);
	}
	check_bijection(65535 * 5, 42);
	check_bijection(1000003, 1);
}

static void test_perm_keyed(void **state)
{
	struct portier_perm a, b, c;
	uint64_t i, same_ab = 0, same_ac = 0, fixed = 0;

	(void)state;
	portier_perm_init(&a, 65535, 1);
	portier_perm_init(&b, 65535, 1);
	portier_perm_init(&c, 65535, 2);
	for (i = 0; i < 65535; i++) {
		uint64_t x = portier_perm_map(&a, i);

		same_ab += x == portier_perm_map(&b, i);
		same_ac += x == portier_perm_map(&c, i);
		fixed += x == i;
	}
	assert_int_equal(same_ab, 65535); /* reproducible */
	assert_true(same_ac < 100);	  /* another seed, another order */
	assert_true(fixed < 100);	  /* not the identity */
	/* large spaces stay in range */
	portier_perm_init(&a, (1ull << 62) - 3, 9);
	for (i = 0; i < 1000; i++)
		assert_true(portier_perm_map(&a, i * 0x9e3779b97f4a7ull) <
			    (1ull << 62) - 3);
}

static void test_shards(void **state)
{
	static const uint64_t sizes[] = {1, 2, 7, 1000, 65535, 327680};
	static const uint64_t counts[] = {1, 2, 3, 7, 16};
	size_t si, ci;

	(void)state;
	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		for (ci = 0; ci < sizeof(counts) / sizeof(counts[0]); ci++) {
			uint64_t n = sizes[si], N = counts[ci], k, j, total = 0;
			uint8_t *seen = calloc((size_t)n, 1);
			struct portier_perm perm;

			portier_perm_init(&perm, n, 77);
			for (k = 1; k <= N; k++) {
				uint64_t sz = portier_shard_size(n, k, N);

				total += sz;
				for (j = 0; j < sz; j++) {
					uint64_t x = portier_perm_map(
						&perm, k - 1 + j * N);

					assert_true(x < n);
					assert_int_equal(seen[x], 0);
					seen[x] = 1;
				}
			}
			assert_int_equal(total, n);
			for (j = 0; j < n; j++)
				assert_int_equal(seen[j], 1);
			free(seen);
		}
	}
}

static void test_shard_parse(void **state)
{
	uint64_t k, n;
	struct portier_err err = {0};

	(void)state;
	assert_int_equal(portier_shard_parse("2/4", &k, &n, &err), 0);
	assert_int_equal(k, 2);
	assert_int_equal(n, 4);
	assert_int_equal(portier_shard_parse("5/4", &k, &n, &err),
			 PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "'5/4'"));
	assert_int_equal(portier_shard_parse("0/4", &k, &n, &err),
			 PORTIER_EINVAL);
	assert_int_equal(portier_shard_parse("4", &k, &n, &err),
			 PORTIER_EINVAL);
	assert_int_equal(portier_shard_parse("1/x", &k, &n, &err),
			 PORTIER_EINVAL);
}

/* ---- checksums, packets, cookies -------------------------------------------- */

static void test_checksum(void **state)
{
	/* RFC 1071 1.4 numerical example: sum 0xddf2 */
	static const uint8_t ex[] = {0x00, 0x01, 0xf2, 0x03,
				     0xf4, 0xf5, 0xf6, 0xf7};
	static const uint8_t odd[] = {0x01, 0x02, 0x03};

	(void)state;
	assert_int_equal(portier_csum_fold(portier_csum_add(0, ex, sizeof(ex))),
			 (uint16_t)~0xddf2);
	/* an odd length pads with a zero byte: 0x0102 + 0x0300 */
	assert_int_equal(portier_csum_fold(portier_csum_add(0, odd, 3)),
			 (uint16_t)~0x0402);
}

static const uint64_t key[2] = {0x0123456789abcdefull, 0xfedcba9876543210ull};

static void test_syn_v4(void **state)
{
	struct portier_addr src, dst;
	uint8_t pkt[PORTIER_SYN_MAX], pseudo[12];
	uint32_t seq, sum;
	size_t len;

	(void)state;
	portier_addr_parse("198.19.1.1", &src);
	portier_addr_parse("198.19.1.2", &dst);
	seq = portier_syn_cookie(key, &src, &dst, 40000, 445);
	len = portier_syn_build(pkt, &src, &dst, 40000, 445, seq, 7);
	assert_int_equal(len, 44);
	assert_int_equal(pkt[0], 0x45);
	assert_int_equal(pkt[9], 6);
	/* a correct checksum sums to zero over the covered bytes */
	assert_int_equal(portier_csum_fold(portier_csum_add(0, pkt, 20)), 0);
	memcpy(pseudo, src.b, 4);
	memcpy(pseudo + 4, dst.b, 4);
	pseudo[8] = 0;
	pseudo[9] = 6;
	pseudo[10] = 0;
	pseudo[11] = 24;
	sum = portier_csum_add(0, pseudo, 12);
	assert_int_equal(portier_csum_fold(portier_csum_add(sum, pkt + 20, 24)),
			 0);
	assert_int_equal(pkt[20 + 13], 0x02); /* SYN only */
	assert_int_equal(pkt[20 + 12] >> 4, 6);
	assert_int_equal(pkt[20 + 20], 2); /* MSS option */
	assert_int_equal((uint32_t)pkt[24] << 24 | (uint32_t)pkt[25] << 16 |
				 (uint32_t)pkt[26] << 8 | pkt[27],
			 seq);
}

/* Turn our SYN (IPv4) into the target's reply with the given flags. */
static size_t reply_v4(const uint8_t *syn, uint8_t *out, uint8_t flags)
{
	uint32_t seq = (uint32_t)syn[24] << 24 | (uint32_t)syn[25] << 16 |
		       (uint32_t)syn[26] << 8 | syn[27];
	uint32_t ack = seq + 1;

	memcpy(out, syn, 40);
	memcpy(out + 12, syn + 16, 4);
	memcpy(out + 16, syn + 12, 4);
	out[2] = 0;
	out[3] = 40;
	out[8] = 63;
	memcpy(out + 20, syn + 22, 2);
	memcpy(out + 22, syn + 20, 2);
	memset(out + 24, 0x11, 4);
	out[28] = (uint8_t)(ack >> 24);
	out[29] = (uint8_t)(ack >> 16);
	out[30] = (uint8_t)(ack >> 8);
	out[31] = (uint8_t)ack;
	out[32] = 5 << 4;
	out[33] = flags;
	return 40;
}

static void test_reply_v4(void **state)
{
	struct portier_addr src, dst;
	struct portier_reply r;
	uint8_t syn[PORTIER_SYN_MAX], rep[128];
	uint32_t seq;
	size_t len, i;
	char buf[64];

	(void)state;
	portier_addr_parse("198.19.1.1", &src);
	portier_addr_parse("198.19.1.2", &dst);
	seq = portier_syn_cookie(key, &src, &dst, 40000, 445);
	portier_syn_build(syn, &src, &dst, 40000, 445, seq, 7);

	len = reply_v4(syn, rep, 0x12);
	assert_int_equal(portier_reply_parse(rep, len, &r), 0);
	assert_int_equal(r.kind, PORTIER_REPLY_SYNACK);
	assert_string_equal(portier_addr_str(&r.target, buf, sizeof(buf)),
			    "198.19.1.2");
	assert_int_equal(r.port, 445);
	assert_int_equal(r.sport, 40000);
	assert_int_equal(r.ttl, 63);
	assert_int_equal(r.seq, portier_syn_cookie(key, &r.local, &r.target,
						   r.sport, r.port));

	len = reply_v4(syn, rep, 0x14);
	assert_int_equal(portier_reply_parse(rep, len, &r), 0);
	assert_int_equal(r.kind, PORTIER_REPLY_RST);
	assert_int_equal(r.seq, seq);
	/* a reply to another port does not carry that port's cookie */
	assert_int_not_equal(
		portier_syn_cookie(key, &r.local, &r.target, r.sport, 446),
		r.seq);
	/* no ACK: not an answer to a SYN */
	len = reply_v4(syn, rep, 0x02);
	assert_int_equal(portier_reply_parse(rep, len, &r), PORTIER_EPROTO);
	/* truncated at every length */
	len = reply_v4(syn, rep, 0x12);
	for (i = 0; i < len; i++)
		assert_int_equal(portier_reply_parse(rep, i, &r),
				 PORTIER_EPROTO);

	/* ICMP port unreachable from a router, quoting our SYN (RFC 792) */
	memset(rep, 0, sizeof(rep));
	rep[0] = 0x45;
	rep[3] = 20 + 8 + 28;
	rep[8] = 64;
	rep[9] = 1;
	rep[12] = 198, rep[13] = 19, rep[14] = 1, rep[15] = 254;
	memcpy(rep + 16, src.b, 4);
	rep[20] = 3;
	rep[21] = 13; /* communication administratively prohibited */
	memcpy(rep + 28, syn, 28);
	assert_int_equal(portier_reply_parse(rep, 56, &r), 0);
	assert_int_equal(r.kind, PORTIER_REPLY_UNREACH);
	assert_int_equal(r.icmp_code, 13);
	assert_int_equal(r.port, 445);
	assert_int_equal(r.seq, seq);
	assert_string_equal(portier_addr_str(&r.target, buf, sizeof(buf)),
			    "198.19.1.2");
	assert_int_equal(portier_reply_parse(rep, 55, &r), PORTIER_EPROTO);
}

static void test_syn_reply_v6(void **state)
{
	struct portier_addr src, dst;
	struct portier_reply r;
	uint8_t tcp[PORTIER_SYN_MAX], pkt[128], pseudo[40];
	uint32_t seq, ack, sum;
	size_t len;

	(void)state;
	portier_addr_parse("fd70:7:1::1", &src);
	portier_addr_parse("fd70:7:1::2", &dst);
	seq = portier_syn_cookie(key, &src, &dst, 40001, 22);
	len = portier_syn_build(tcp, &src, &dst, 40001, 22, seq, 0);
	assert_int_equal(len, 24);
	memset(pseudo, 0, sizeof(pseudo));
	memcpy(pseudo, src.b, 16);
	memcpy(pseudo + 16, dst.b, 16);
	pseudo[35] = 24;
	pseudo[39] = 6;
	sum = portier_csum_add(0, pseudo, 40);
	assert_int_equal(portier_csum_fold(portier_csum_add(sum, tcp, 24)), 0);

	/* the SYN-ACK: IPv6 header + 20-byte TCP */
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x60;
	pkt[5] = 20;
	pkt[6] = 6;
	pkt[7] = 64;
	memcpy(pkt + 8, dst.b, 16);
	memcpy(pkt + 24, src.b, 16);
	pkt[40] = 0, pkt[41] = 22;
	pkt[42] = (uint8_t)(40001 >> 8), pkt[43] = (uint8_t)40001;
	ack = seq + 1;
	pkt[48] = (uint8_t)(ack >> 24), pkt[49] = (uint8_t)(ack >> 16);
	pkt[50] = (uint8_t)(ack >> 8), pkt[51] = (uint8_t)ack;
	pkt[52] = 5 << 4;
	pkt[53] = 0x12;
	assert_int_equal(portier_reply_parse(pkt, 60, &r), 0);
	assert_int_equal(r.kind, PORTIER_REPLY_SYNACK);
	assert_int_equal(r.target.family, 6);
	assert_int_equal(r.seq, portier_syn_cookie(key, &r.local, &r.target,
						   r.sport, r.port));
	/* payload length beyond the buffer */
	pkt[5] = 200;
	assert_int_equal(portier_reply_parse(pkt, 60, &r), PORTIER_EPROTO);

	/* ICMPv6 destination unreachable quoting the probe (RFC 4443 3.1) */
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x60;
	pkt[5] = 8 + 40 + 24;
	pkt[6] = 58;
	pkt[7] = 64;
	memcpy(pkt + 8, dst.b, 16);
	memcpy(pkt + 24, src.b, 16);
	pkt[40] = 1;
	pkt[41] = 4; /* port unreachable */
	pkt[48] = 0x60;
	pkt[48 + 5] = 24;
	pkt[48 + 6] = 6;
	memcpy(pkt + 48 + 8, src.b, 16);
	memcpy(pkt + 48 + 24, dst.b, 16);
	memcpy(pkt + 88, tcp, 24);
	assert_int_equal(portier_reply_parse(pkt, 112, &r), 0);
	assert_int_equal(r.kind, PORTIER_REPLY_UNREACH);
	assert_int_equal(r.port, 22);
	assert_int_equal(r.sport, 40001);
	assert_int_equal(r.seq, seq);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_roundtrip),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_merge_and_exclude),
		cmocka_unit_test(test_bad_targets),
		cmocka_unit_test(test_reserved_targets),
		cmocka_unit_test(test_targets_fingerprint),
		cmocka_unit_test(test_wide_octets),
		cmocka_unit_test(test_too_many_pieces),
		cmocka_unit_test(test_target_file),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_target_alloc_failure),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_bad_ports),
		cmocka_unit_test(test_top_ports),
		cmocka_unit_test(test_perm_bijection),
		cmocka_unit_test(test_perm_keyed),
		cmocka_unit_test(test_shards),
		cmocka_unit_test(test_shard_parse),
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_syn_v4),
		cmocka_unit_test(test_reply_v4),
		cmocka_unit_test(test_syn_reply_v6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
