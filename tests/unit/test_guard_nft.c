/*
 * test_guard_nft.c - guard's side of nftables without touching the kernel's
 * tables: the scripts it renders, its reader of the kernel's JSON listing
 * (fixtures captured with nft -j from a real table), and one mapping of a
 * missing privilege for the guard and the firewall alike.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "portier/fw.h"
#include "portier/guard_nft.h"
#include "portier/nft.h"

/* Read fixture name and parse it into *l (asserting that it parses). */
static void parse_fixture(const char *name, struct portier_guard_nft_listing *l)
{
	const char *dir = getenv("PORTIER_TESTDATA");
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/fuzz/guard_nft_json/%s", dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	assert_int_equal(portier_guard_nft_parse(buf, (size_t)n, l, NULL), 0);
	free(buf);
}

static void test_parse_table(void **state)
{
	struct portier_guard_nft_listing l;
	char text[PORTIER_PREFIX_STRLEN];

	(void)state;
	parse_fixture("table_bans.json", &l);
	/* the allowlist sets are not blocks */
	assert_int_equal(l.n, 4);
	assert_string_equal(
		portier_prefix_str(&l.blocks[0].prefix, text, sizeof(text)),
		"198.19.1.11/32");
	assert_int_equal(l.blocks[0].timeout_s, 600);
	assert_true(l.blocks[0].expires_s > 590 && l.blocks[0].expires_s < 600);
	assert_int_equal(l.blocks[1].timeout_s, 2400);
	assert_int_equal(l.blocks[2].prefix.addr.family, 6);
	assert_int_equal(l.blocks[2].prefix.plen, 128);
	assert_string_equal(
		portier_prefix_str(&l.blocks[3].prefix, text, sizeof(text)),
		"fd70:7:2::/64");
	assert_int_equal(l.blocks[3].timeout_s, 9600);
	assert_int_equal(l.drops4, 0);
	assert_int_equal(l.drops6, 0);
	/* both block sets and both drop rules: the table is whole */
	assert_true(portier_guard_nft_intact(&l));
	l.rule6 = false;
	assert_false(portier_guard_nft_intact(&l));
	portier_guard_nft_listing_free(&l);
	/* counters of drops on both families (captured after pings) */
	parse_fixture("table_drops.json", &l);
	assert_int_equal(l.drops4, 2);
	assert_int_equal(l.drops6, 3);
	assert_int_equal(l.n, 6);
	portier_guard_nft_listing_free(&l);
	/* an empty table */
	parse_fixture("table_empty.json", &l);
	assert_int_equal(l.n, 0);
	portier_guard_nft_listing_free(&l);
}

static void test_parse_counters_and_junk(void **state)
{
	static const char rules[] =
		"{\"nftables\": [{\"rule\": {\"expr\": [{\"match\": "
		"{\"right\": \"@block4\"}}, {\"counter\": {\"packets\": 5}}]}},"
		"{\"rule\": {\"expr\": [{\"match\": {\"right\": \"@block6\"}},"
		" {\"counter\": {\"packets\": 7}}]}},"
		"{\"rule\": {\"expr\": [{\"match\": {\"right\": \"@allow4\"}},"
		" {\"counter\": {\"packets\": 9}}]}},"
		"{\"set\": {\"name\": \"block4\", \"elem\": [\"192.0.2.9\", 3,"
		" {\"elem\": {\"val\": \"not an address\"}},"
		" {\"elem\": {\"val\": {\"prefix\": {\"addr\": \"192.0.2.0\","
		" \"len\": 999}}}}]}}]}";
	struct portier_guard_nft_listing l;
	struct portier_err err = {0};

	(void)state;
	assert_int_equal(
		portier_guard_nft_parse(rules, strlen(rules), &l, NULL), 0);
	assert_int_equal(l.drops4, 5);
	assert_int_equal(l.drops6, 7);
	assert_int_equal(l.n, 1); /* a bare value without timeout */
	assert_int_equal(l.blocks[0].timeout_s, 0);
	portier_guard_nft_listing_free(&l);
	/* not a listing at all: an error, not an empty table */
	assert_int_equal(portier_guard_nft_parse("{\"nft", 5, &l, &err),
			 PORTIER_EPROTO);
	assert_non_null(strstr(err.msg, "nftables"));
	assert_int_equal(portier_guard_nft_parse("[]", 2, &l, NULL),
			 PORTIER_EPROTO);
	assert_null(l.blocks);
}

static void test_scripts(void **state)
{
	struct portier_guard_nft_options o = {.max_elements = 1000};
	struct portier_guard_allow a;
	struct portier_guard_cidr c;
	struct portier_err err = {0};
	struct portier_prefix ban;
	char *s, buf[256];

	(void)state;
	assert_int_equal(portier_guard_allow_init(&a), 0);
	assert_int_equal(portier_guard_cidr_parse("192.0.2.0/24", &c, NULL), 0);
	assert_int_equal(portier_guard_allow_add(&a, &c), 0);
	s = portier_guard_nft_script_table(&o, &a);
	assert_non_null(s);
	assert_non_null(strstr(s, "block4 { type ipv4_addr; flags timeout; "
				  "size 1000; }"));
	assert_non_null(strstr(s, "ip saddr @allow4 accept\n"
				  "add rule inet portier_guard input ip6 saddr "
				  "@allow6 accept\n"
				  "add rule inet portier_guard input ip saddr "
				  "@block4 counter drop"));
	assert_non_null(strstr(s, "add element inet portier_guard allow4 { "
				  "127.0.0.0/8, 192.0.2.0/24 }\n"));
	assert_non_null(strstr(s, "add element inet portier_guard allow6 { "
				  "::1/128 }\n"));
	portier_free(s);
	s = portier_guard_nft_script_allow(&a);
	assert_non_null(s);
	assert_true(strncmp(s, "flush set inet portier_guard allow4\n", 36) ==
		    0);
	portier_free(s);
	/* a /64 ban is the network, whatever the host bits */
	assert_int_equal(portier_addr_parse("2001:db8:1:2::99", &ban.addr), 0);
	ban.plen = 64;
	assert_int_equal(portier_guard_nft_script_block(&ban, 2400, buf,
							sizeof(buf), NULL),
			 0);
	assert_string_equal(buf, "add element inet portier_guard block6 { "
				 "2001:db8:1:2::/64 timeout 2400s }\n");
	ban.plen = 128;
	assert_int_equal(
		portier_guard_nft_script_block(&ban, 0, buf, sizeof(buf), NULL),
		0);
	assert_string_equal(buf, "add element inet portier_guard block6 { "
				 "2001:db8:1:2::99 timeout 1s }\n");
	assert_int_equal(
		portier_guard_nft_script_block(&ban, 60, buf, 10, NULL),
		PORTIER_EINVAL);
	assert_int_equal(portier_addr_parse("192.0.2.7", &ban.addr), 0);
	ban.plen = 64;
	assert_int_equal(portier_guard_nft_script_block(&ban, 60, buf,
							sizeof(buf), &err),
			 PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "64"));
	ban.plen = 32;
	assert_int_equal(portier_guard_nft_script_block(&ban, 60, buf,
							sizeof(buf), NULL),
			 0);
	assert_string_equal(buf, "add element inet portier_guard block4 { "
				 "192.0.2.7 timeout 60s }\n");
	portier_guard_allow_free(&a);
}

/*
 * Without CAP_NET_ADMIN the guard and the firewall fail the same way: EPERM
 * naming the capability.  (The guard used to say "cannot ...: " with the
 * kernel's words only.)  Run in a child that gave up root, so nothing
 * reaches a table.
 */
static void test_no_privilege(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct portier_guard_nft_options o = {.max_elements = 64};
		struct portier_guard_allow a;
		struct portier_guard_nft *n = NULL;
		struct portier_err err = {0};
		void *ctx = NULL;
		char *out = NULL;

		if (getuid() == 0 && setuid(65534) != 0)
			_exit(10);
		if (portier_nft_have_admin())
			_exit(0); /* cannot drop it here: nothing to test */
		if (portier_guard_allow_init(&a) < 0)
			_exit(11);
		if (portier_guard_nft_open(&n, &o, &a, &err) != PORTIER_EPERM ||
		    !strstr(err.msg, "CAP_NET_ADMIN") || n)
			_exit(12);
		memset(&err, 0, sizeof(err));
		if (portier_guard_nft_unblock(
			    &(struct portier_addr){4, {192, 0, 2}}, &err) !=
			    PORTIER_EPERM ||
		    !strstr(err.msg, "CAP_NET_ADMIN"))
			_exit(13);
		memset(&err, 0, sizeof(err));
		if (portier_fw_nft.open(&ctx, &err) != 0)
			_exit(14);
		if (portier_fw_nft.list(ctx, PORTIER_FW_LIST_JSON, &out,
					&err) != PORTIER_EPERM ||
		    !strstr(err.msg, "CAP_NET_ADMIN") ||
		    !strstr(err.hint, "--dry-run"))
			_exit(15);
		portier_fw_nft.close(ctx);
		portier_guard_allow_free(&a);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_counters_and_junk),
		cmocka_unit_test(test_scripts),
		cmocka_unit_test(test_no_privilege),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
