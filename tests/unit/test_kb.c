/*
 * test_kb.c - the knowledge base: the data checker, lookups by port, range,
 * name and keyword, port classes, overlay precedence, and the promise that
 * every port the seed documents discuss has portier's own notes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kb/kb_parse.h"
#include "portier/kb.h"

static char fixture_path[4096];

static const char *fixture(const char *name)
{
	const char *dir = getenv("PORTIER_TESTDATA");

	snprintf(fixture_path, sizeof(fixture_path), "%s/kb/%s",
		 dir ? dir : "tests/data", name);
	return fixture_path;
}

static struct portier_kb *builtin_kb(void)
{
	struct portier_kb_options opt = {.no_overlays = true};
	struct portier_kb *kb = NULL;

	assert_int_equal(portier_kb_new(&kb, &opt, NULL), 0);
	assert_non_null(kb);
	return kb;
}

/* ---- the data checker --------------------------------------------------- */

static int parse(const char *text, struct portier_err *err)
{
	static char buf[1024];
	struct portier_kb_entry e;

	snprintf(buf, sizeof(buf), "%s", text);
	return kb_parse_entry_line(buf, &e, err);
}

static void test_parse_good_line(void **state)
{
	char line[] = "137-139\ttcp+udp\tnetbios,nbt\thigh\tlan\tNetBIOS.\t"
		      "Leaks names.\t-\tstop nmbd\tdisable NetBT";
	struct portier_kb_entry e;

	(void)state;
	assert_int_equal(kb_parse_entry_line(line, &e, NULL), 0);
	assert_int_equal(e.lo, 137);
	assert_int_equal(e.hi, 139);
	assert_int_equal(e.protos, PORTIER_PROTO_TCP | PORTIER_PROTO_UDP);
	assert_int_equal(e.risk, PORTIER_RISK_HIGH);
	assert_int_equal(e.scope, PORTIER_SCOPE_LAN);
	assert_string_equal(e.service, "netbios,nbt");
	assert_string_equal(e.trojans, ""); /* '-' means nothing */
	assert_string_equal(e.advice_windows, "disable NetBT");
}

static void test_parse_rejects_each_kind_of_bad_line(void **state)
{
	static const struct {
		const char *line;
		const char *why; /* a word the message must contain */
	} bad[] = {
		{"445\ttcp\tsmb\thigh\tlan\ts\td\tt\tl", "fields"},
		{"445\ttcp\tsmb\thigh\tlan\ts\td\tt\tl\tw\textra", "more than"},
		{"70000\ttcp\tsmb\thigh\tlan\ts\td\tt\tl\tw", "bad port"},
		{"-5\ttcp\tsmb\thigh\tlan\ts\td\tt\tl\tw", "bad port"},
		{"x\ttcp\tsmb\thigh\tlan\ts\td\tt\tl\tw", "bad port"},
		{"200-100\ttcp\tsmb\thigh\tlan\ts\td\tt\tl\tw", "bad range"},
		{"100-100\ttcp\tsmb\thigh\tlan\ts\td\tt\tl\tw", "bad range"},
		{"445\ticmp\tsmb\thigh\tlan\ts\td\tt\tl\tw", "bad proto"},
		{"445\tsctp\tsmb\thigh\tlan\ts\td\tt\tl\tw", "bad proto"},
		{"445\ttcp\tsmb\tsevere\tlan\ts\td\tt\tl\tw", "bad risk"},
		{"445\ttcp\tsmb\thigh\twan\ts\td\tt\tl\tw", "bad scope"},
		{"445\ttcp\t\thigh\tlan\ts\td\tt\tl\tw", "empty"},
		{"445\ttcp\tsmb\thigh\tlan\t-\td\tt\tl\tw", "summary"},
		{"445\ttcp\tsmb\thigh\tlan\ts\td\tt\t-\tw", "linux"},
		{"445\ttcp\tsmb\thigh\tlan\ts\td\tt\tl\t-", "windows"},
		{"445\ttcp\tsmb\thigh\tlan\t s\td\tt\tl\tw", "blanks"},
		{"445\ttcp\tsmb\thigh\tlan\ts\x01\td\tt\tl\tw", "control"},
		{"445\ttcp\tsmb\thigh\tlan\ts\xff\td\tt\tl\tw", "UTF-8"},
		{"445\ttcp\tsmb\thigh\tlan\ts\xc0\xaf\td\tt\tl\tw", "UTF-8"},
		{"445\ttcp\tsmb\thigh\tlan\ts\xc2\x9b\td\tt\tl\tw", "U+009B"},
		{"445\ttcp\tsmb\thigh\tlan\ts\xe2\x80\xae\td\tt\tl\tw",
		 "U+202E"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct portier_err err = {0};

		if (parse(bad[i].line, &err) != PORTIER_EINVAL)
			fail_msg("accepted bad line %zu", i);
		if (!strstr(err.msg, bad[i].why))
			fail_msg("line %zu: message '%s' lacks '%s'", i,
				 err.msg, bad[i].why);
	}
}

static void test_parse_iana_line(void **state)
{
	char good[] = "137\tudp\tnetbios-ns\tNETBIOS Name Service";
	char none[] = "9\tdccp\tdiscard\t-";
	char two[] = "9\ttcp+udp\tdiscard\t-";
	struct portier_iana_entry e;

	(void)state;
	assert_int_equal(kb_parse_iana_line(good, &e, NULL), 0);
	assert_int_equal(e.port, 137);
	assert_int_equal(e.proto, PORTIER_PROTO_UDP);
	assert_string_equal(e.name, "netbios-ns");
	assert_int_equal(kb_parse_iana_line(none, &e, NULL), 0);
	assert_string_equal(e.description, "");
	assert_int_equal(kb_parse_iana_line(two, &e, NULL), PORTIER_EINVAL);
}

static void test_sort_order(void **state)
{
	struct portier_kb_entry a = {
		.lo = 137, .hi = 137, .protos = PORTIER_PROTO_TCP};
	struct portier_kb_entry b = a;

	(void)state;
	b.protos = PORTIER_PROTO_TCP | PORTIER_PROTO_UDP;
	assert_true(kb_entry_cmp(&a, &b) < 0); /* tcp < tcp+udp */
	assert_true(kb_entry_same_key(&a, &b));
	b.protos = PORTIER_PROTO_UDP;
	assert_false(kb_entry_same_key(&a, &b));
	b.hi = 139;
	assert_true(kb_entry_cmp(&a, &b) < 0);
}

/* ---- classes and names -------------------------------------------------- */

static void test_classes(void **state)
{
	(void)state;
	assert_int_equal(portier_port_class(0), PORTIER_CLASS_WELL_KNOWN);
	assert_int_equal(portier_port_class(1023), PORTIER_CLASS_WELL_KNOWN);
	assert_int_equal(portier_port_class(1024), PORTIER_CLASS_REGISTERED);
	assert_int_equal(portier_port_class(49151), PORTIER_CLASS_REGISTERED);
	assert_int_equal(portier_port_class(49152), PORTIER_CLASS_DYNAMIC);
	assert_int_equal(portier_port_class(65535), PORTIER_CLASS_DYNAMIC);
	assert_string_equal(portier_port_class_name(PORTIER_CLASS_DYNAMIC),
			    "dynamic");
}

static void test_ephemeral_range(void **state)
{
	char root[4096];
	struct portier_err err = {0};
	uint16_t lo = 0, hi = 0;

	(void)state;
	snprintf(root, sizeof(root), "%s", fixture("proc"));
	assert_int_equal(portier_ephemeral_range(root, &lo, &hi, &err), 0);
	assert_int_equal(lo, 32768);
	assert_int_equal(hi, 60999);
	assert_true(portier_ephemeral_range("/nonexistent", &lo, &hi, &err) <
		    0);
	assert_non_null(strstr(err.msg, "/nonexistent"));
}

/* ---- lookups ------------------------------------------------------------ */

static void test_lookup_by_port(void **state)
{
	struct portier_kb *kb = builtin_kb();
	const struct portier_kb_entry *e;

	(void)state;
	e = portier_kb_best(kb, 445, PORTIER_PROTO_TCP);
	assert_non_null(e);
	assert_int_equal(e->lo, 445);
	assert_int_equal(e->risk, PORTIER_RISK_HIGH);
	assert_non_null(strstr(e->danger, "EternalBlue"));
	e = portier_kb_best(kb, 137, PORTIER_PROTO_UDP);
	assert_non_null(e);
	assert_true(e->protos & PORTIER_PROTO_UDP);
	assert_string_equal(portier_kb_service_name(kb, 445, PORTIER_PROTO_TCP),
			    "microsoft-ds");
	assert_string_equal(portier_kb_service_name(kb, 22, PORTIER_PROTO_TCP),
			    "ssh");
	portier_kb_free(kb);
}

static void test_lookup_in_range(void **state)
{
	struct portier_kb *kb = builtin_kb();
	const struct portier_kb_entry *found[8];
	size_t n, i;
	bool saw_range = false;

	(void)state;
	/* 7000 lies inside the seed range 6970-7170 */
	n = portier_kb_find(kb, 7000, PORTIER_PROTO_ANY, found, 8);
	assert_true(n >= 1);
	for (i = 0; i < n && i < 8; i++)
		if (found[i]->lo == 6970 && found[i]->hi == 7170)
			saw_range = true;
	assert_true(saw_range);
	/* narrowest first: the exact 6970 entry before the range */
	n = portier_kb_find(kb, 6970, PORTIER_PROTO_ANY, found, 8);
	assert_true(n >= 2);
	assert_int_equal(found[0]->lo, 6970);
	assert_int_equal(found[0]->hi, 6970);
	portier_kb_free(kb);
}

struct hits {
	size_t own, iana;
	bool saw_137;
};

static void count_own(const struct portier_kb_entry *e, void *ctx)
{
	struct hits *h = ctx;

	h->own++;
	if (e->lo == 137)
		h->saw_137 = true;
}

static void count_iana(const struct portier_iana_entry *e, void *ctx)
{
	struct hits *h = ctx;

	(void)e;
	h->iana++;
}

static void test_search_by_name_and_keyword(void **state)
{
	struct portier_kb *kb = builtin_kb();
	struct hits h = {0};
	size_t n;

	(void)state;
	n = portier_kb_search(kb, "NetBIOS", count_own, count_iana, &h);
	assert_int_equal(n, h.own + h.iana);
	assert_true(h.saw_137);
	assert_true(h.iana >= 3); /* netbios-ns, -dgm, -ssn */
	memset(&h, 0, sizeof(h));
	assert_true(portier_kb_search(kb, "sasser", count_own, NULL, &h) >= 1);
	assert_int_equal(portier_kb_search(kb, "", NULL, NULL, NULL), 0);
	assert_int_equal(
		portier_kb_search(kb, "zzqqxx-no-such-thing", NULL, NULL, NULL),
		0);
	portier_kb_free(kb);
}

/* ---- overlays ------------------------------------------------------------ */

static void test_overlay_precedence(void **state)
{
	char site[4096], user[4096];
	const char *paths[2];
	struct portier_kb_options opt = {.overlays = paths, .n_overlays = 2};
	struct portier_kb *kb = NULL;
	struct portier_err err = {0};
	const struct portier_kb_entry *e;
	size_t builtin;

	(void)state;
	snprintf(site, sizeof(site), "%s", fixture("site.tsv"));
	snprintf(user, sizeof(user), "%s", fixture("user.tsv"));
	paths[0] = site;
	paths[1] = user;
	kb = builtin_kb();
	builtin = portier_kb_count(kb);
	portier_kb_free(kb);

	assert_int_equal(portier_kb_new(&kb, &opt, &err), 0);
	/* the site replaces the built-in 445/tcp */
	e = portier_kb_best(kb, 445, PORTIER_PROTO_TCP);
	assert_string_equal(e->name, "site-smb");
	assert_int_equal(e->origin, PORTIER_KB_SITE);
	assert_int_equal(e->risk, PORTIER_RISK_LOW);
	/* the user replaces the site's 40000 */
	e = portier_kb_best(kb, 40000, PORTIER_PROTO_TCP);
	assert_string_equal(e->name, "user-app");
	assert_int_equal(e->origin, PORTIER_KB_USER);
	/* a new range is added */
	e = portier_kb_best(kb, 40005, PORTIER_PROTO_UDP);
	assert_non_null(e);
	assert_string_equal(e->name, "user-range");
	/* 445 replaced (no change in count), 40000 and the range added */
	assert_int_equal(portier_kb_count(kb), builtin + 2);
	portier_kb_free(kb);

	/* a missing overlay file is not an error */
	paths[0] = "/nonexistent/ports.tsv";
	opt.n_overlays = 1;
	assert_int_equal(portier_kb_new(&kb, &opt, &err), 0);
	assert_int_equal(portier_kb_count(kb), builtin);
	portier_kb_free(kb);
}

static void test_overlay_errors_name_file_and_line(void **state)
{
	char path[4096];
	const char *paths[1] = {path};
	struct portier_kb_options opt = {.overlays = paths, .n_overlays = 1};
	struct portier_kb *kb = NULL;
	struct portier_err err = {0};

	(void)state;
	snprintf(path, sizeof(path), "%s", fixture("bad.tsv"));
	assert_int_equal(portier_kb_new(&kb, &opt, &err), PORTIER_EINVAL);
	assert_null(kb);
	assert_non_null(strstr(err.msg, "bad.tsv:2:"));
	snprintf(path, sizeof(path), "%s", fixture("dup.tsv"));
	assert_int_equal(portier_kb_new(&kb, &opt, &err), PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "dup.tsv:2:"));
	assert_non_null(strstr(err.msg, "twice"));
}

static void test_out_of_memory_is_clean(void **state)
{
	char site[4096], user[4096];
	const char *paths[2] = {site, user};
	struct portier_kb_options opt = {.overlays = paths, .n_overlays = 2};
	long n;

	(void)state;
	snprintf(site, sizeof(site), "%s", fixture("site.tsv"));
	snprintf(user, sizeof(user), "%s", fixture("user.tsv"));
	/* fail the 1st, 2nd, ... allocation until the call needs no more */
	for (n = 0; n < 64; n++) {
		struct portier_kb *kb = NULL;
		int rc;

		portier_alloc_fail_after(n);
		rc = portier_kb_new(&kb, &opt, NULL);
		portier_alloc_fail_after(-1);
		if (rc == 0) {
			portier_kb_free(kb);
			return;
		}
		assert_int_equal(rc, PORTIER_ENOMEM);
		assert_null(kb);
	}
	fail_msg("portier_kb_new still failing after 64 allocations");
}

/* ---- the whole seed list, and every IANA port ---------------------------- */

static void test_every_seed_port_has_own_notes(void **state)
{
	static const unsigned seeds[] = {
		0,
		1,
		7,
		9,
		11,
		13,
		17,
		19,
		20,
		21,
		22,
		23,
		25,
		31,
		37,
		42,
		43,
		53,
		67,
		68,
		69,
		70,
		79,
		80,
		88,
		98,
		99,
		102,
		109,
		110,
		111,
		113,
		119,
		123,
		135,
		137,
		138,
		139,
		143,
		161,
		162,
		177,
		179,
		389,
		443,
		445,
		456,
		513,
		514,
		544,
		548,
		553,
		554,
		555,
		568,
		569,
		593,
		600,
		635,
		636,
		666,
		993,
		1001,
		1011,
		1024,
		1025,
		1029,
		1033,
		1080,
		1114,
		1170,
		1234,
		1243,
		1245,
		1433,
		1492,
		1500,
		1503,
		1524,
		1600,
		1720,
		1731,
		1755,
		1807,
		1981,
		1999,
		2000,
		2001,
		2023,
		2049,
		2115,
		2140,
		2500,
		2745,
		3127,
		3128,
		3150,
		3389,
		4000,
		4899,
		5554,
		5632,
		5800,
		5900,
		6129,
		6711,
		6776,
		7306,
		7626,
		8000,
		8001,
		8011,
		8080,
		8888,
		13223,
		17027,
		20168,
		27374,
		30100,
		31337,
		31789,
		31790,
		45576,
		54320,
		/* the modern auditor's list */
		1521,
		3306,
		5432,
		6379,
		9200,
		11211,
		27017,
		2375,
		2376,
		6443,
		10250,
		5985,
		5986,
	};
	static const unsigned ranges[][2] = {
		{6970, 7170}, {32770, 32900}, {33434, 33600}, {5900, 5906}};
	struct portier_kb *kb = builtin_kb();
	size_t i, j, missing = 0;

	(void)state;
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		const struct portier_kb_entry *e = portier_kb_best(
			kb, (uint16_t)seeds[i], PORTIER_PROTO_ANY);

		if (!e || e->lo != seeds[i] || e->hi != seeds[i]) {
			print_error("no own entry for port %u\n", seeds[i]);
			missing++;
			continue;
		}
		if (!*e->summary || !*e->advice_linux || !*e->advice_windows)
			fail_msg("port %u lacks summary or advice", seeds[i]);
	}
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		bool found = false;

		for (j = 0; j < portier_kb_count(kb); j++) {
			const struct portier_kb_entry *e = portier_kb_at(kb, j);

			if (e->lo == ranges[i][0] && e->hi == ranges[i][1])
				found = true;
		}
		if (!found) {
			print_error("no own entry for range %u-%u\n",
				    ranges[i][0], ranges[i][1]);
			missing++;
		}
	}
	assert_int_equal(missing, 0);
	portier_kb_free(kb);
}

static void test_every_iana_port_has_a_name(void **state)
{
	struct portier_kb *kb = builtin_kb();
	size_t i, n = portier_iana_count();

	(void)state;
	assert_true(n > 10000);
	for (i = 0; i < n; i++) {
		const struct portier_iana_entry *e = portier_iana_at(i);
		const char *name =
			portier_kb_service_name(kb, e->port, e->proto);

		if (!name || !*name)
			fail_msg("no name for IANA %u/%s", e->port,
				 portier_proto_name(e->proto));
		if (i > 0)
			assert_true(kb_iana_cmp(portier_iana_at(i - 1), e) < 0);
	}
	/* and the table of own entries is sorted */
	for (i = 1; i < portier_kb_count(kb); i++)
		assert_true(kb_entry_cmp(portier_kb_at(kb, i - 1),
					 portier_kb_at(kb, i)) < 0);
	portier_kb_free(kb);
}

static void test_parse_ulong(void **state)
{
	unsigned long v = 0;

	(void)state;
	assert_int_equal(portier_parse_ulong("65535", 0, 65535, &v), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(portier_parse_ulong("65536", 0, 65535, &v),
			 PORTIER_EINVAL);
	assert_int_equal(portier_parse_ulong("-1", 0, 65535, &v),
			 PORTIER_EINVAL);
	assert_int_equal(portier_parse_ulong(" 1", 0, 65535, &v),
			 PORTIER_EINVAL);
	assert_int_equal(portier_parse_ulong("1e3", 0, 65535, &v),
			 PORTIER_EINVAL);
	assert_int_equal(portier_parse_ulong("", 0, 65535, &v), PORTIER_EINVAL);
	assert_int_equal(
		portier_parse_ulong("99999999999999999999999", 0, ~0UL, &v),
		PORTIER_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good_line),
		cmocka_unit_test(test_parse_rejects_each_kind_of_bad_line),
		cmocka_unit_test(test_parse_iana_line),
		cmocka_unit_test(test_sort_order),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_ephemeral_range),
		cmocka_unit_test(test_lookup_by_port),
		cmocka_unit_test(test_lookup_in_range),
		cmocka_unit_test(test_search_by_name_and_keyword),
		cmocka_unit_test(test_overlay_precedence),
		cmocka_unit_test(test_overlay_errors_name_file_and_line),
		cmocka_unit_test(test_out_of_memory_is_clean),
		cmocka_unit_test(test_every_seed_port_has_own_notes),
		cmocka_unit_test(test_every_iana_port_has_a_name),
		cmocka_unit_test(test_parse_ulong),
	};

	return cmocka_run_group_tests_name("kb", tests, NULL, NULL);
}
