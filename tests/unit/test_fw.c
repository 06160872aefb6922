/*
 * test_fw.c - the firewall module's pure parts: port sets and their merging
 * into intervals, the port-spec and source parsers and their errors, policy
 * -> nft script for each verb against golden files (tests/data/fw/
 * render.*.nft), the JSON read-back and counters of listings captured from
 * nftables 1.0.6, and allocation failures.  What touches the host's view
 * (SSH session, connections, audit findings, undo files) is in
 * test_fw_host.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fw_test_util.h"

/* ---- port sets -------------------------------------------------------------- */

static void test_portset_merges(void **state)
{
	struct portier_fw_portset s = {0};

	(void)state;
	assert_int_equal(portier_fw_portset_add(&s, 445, 445), 0);
	assert_int_equal(portier_fw_portset_add(&s, 139, 139), 0);
	assert_int_equal(portier_fw_portset_add(&s, 137, 137), 0);
	assert_string_equal(fmt(&s), "137,139,445");
	/* 138 joins its neighbours into one range */
	assert_int_equal(portier_fw_portset_add(&s, 138, 138), 0);
	assert_string_equal(fmt(&s), "137-139,445");
	/* adjacent on the right only */
	assert_int_equal(portier_fw_portset_add(&s, 446, 500), 0);
	assert_string_equal(fmt(&s), "137-139,445-500");
	/* one range swallowing several */
	assert_int_equal(portier_fw_portset_add(&s, 100, 1000), 0);
	assert_string_equal(fmt(&s), "100-1000");
	assert_int_equal(portier_fw_portset_add(&s, 0, 0), 0);
	assert_int_equal(portier_fw_portset_add(&s, 65535, 65535), 0);
	assert_string_equal(fmt(&s), "0,100-1000,65535");
	assert_true(portier_fw_portset_has(&s, 0));
	assert_true(portier_fw_portset_has(&s, 555));
	assert_true(portier_fw_portset_has(&s, 65535));
	assert_false(portier_fw_portset_has(&s, 99));
	assert_false(portier_fw_portset_has(&s, 1001));
	assert_int_equal(portier_fw_portset_ports(&s), 903);
	/* a contained range changes nothing */
	assert_int_equal(portier_fw_portset_add(&s, 200, 300), 0);
	assert_string_equal(fmt(&s), "0,100-1000,65535");
	assert_int_equal(portier_fw_portset_add(&s, 5, 4), PORTIER_EINVAL);
	portier_fw_portset_free(&s);
}

static void test_portset_thousands_stay_few(void **state)
{
	struct portier_fw_portset s = {0}, t = {0};
	unsigned p;

	(void)state;
	/* every even port, then every odd one: 65536 adds, one range */
	for (p = 0; p <= 65535; p += 2)
		assert_int_equal(
			portier_fw_portset_add(&s, (uint16_t)p, (uint16_t)p),
			0);
	assert_int_equal(s.n, 32768);
	for (p = 1; p <= 65535; p += 2)
		assert_int_equal(
			portier_fw_portset_add(&s, (uint16_t)p, (uint16_t)p),
			0);
	assert_int_equal(s.n, 1);
	assert_string_equal(fmt(&s), "0-65535");
	assert_int_equal(portier_fw_portset_ports(&s), 65536);
	assert_int_equal(portier_fw_portset_merge(&t, &s), 0);
	assert_true(portier_fw_portset_equal(&s, &t));
	portier_fw_portset_free(&s);
	portier_fw_portset_free(&t);
}

static void test_portset_remove(void **state)
{
	struct portier_fw_portset s = {0};

	(void)state;
	assert_int_equal(portier_fw_portset_add(&s, 100, 200), 0);
	assert_int_equal(portier_fw_portset_add(&s, 300, 300), 0);
	assert_int_equal(portier_fw_portset_add(&s, 400, 500), 0);
	/* a hole in the middle splits a range */
	assert_int_equal(portier_fw_portset_remove(&s, 150, 160), 0);
	assert_string_equal(fmt(&s), "100-149,161-200,300,400-500");
	/* trim both ends, drop one range whole */
	assert_int_equal(portier_fw_portset_remove(&s, 190, 450), 0);
	assert_string_equal(fmt(&s), "100-149,161-189,451-500");
	/* the edges of the port space */
	assert_int_equal(portier_fw_portset_add(&s, 0, 65535), 0);
	assert_int_equal(portier_fw_portset_remove(&s, 0, 0), 0);
	assert_int_equal(portier_fw_portset_remove(&s, 65535, 65535), 0);
	assert_string_equal(fmt(&s), "1-65534");
	assert_int_equal(portier_fw_portset_remove(&s, 2, 65533), 0);
	assert_string_equal(fmt(&s), "1,65534");
	/* removing what is not there changes nothing */
	assert_int_equal(portier_fw_portset_remove(&s, 7, 9), 0);
	assert_string_equal(fmt(&s), "1,65534");
	assert_int_equal(portier_fw_portset_remove(&s, 0, 65535), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(portier_fw_portset_remove(&s, 9, 7), PORTIER_EINVAL);
	portier_fw_portset_free(&s);
}

static void test_policy_open(void **state)
{
	struct portier_fw_policy p = {0};
	struct portier_fw_spec spec;
	struct portier_fw_source src;

	(void)state;
	assert_int_equal(portier_fw_policy_harden(&p, NULL), 0);
	spec_of("139,445/tcp", &spec);
	assert_int_equal(portier_fw_source_parse("10.0.0.0/8", &src, NULL), 0);
	assert_int_equal(portier_fw_policy_close(&p, &spec, &src, NULL), 0);
	portier_fw_spec_free(&spec);
	/* open 139 (tcp and udp): gone everywhere; the source keeps 445 */
	spec_of("139", &spec);
	assert_int_equal(portier_fw_policy_open(&p, &spec, NULL), 0);
	portier_fw_spec_free(&spec);
	assert_false(portier_fw_portset_has(&p.close[PORTIER_FW_TCP], 139));
	assert_true(portier_fw_portset_has(&p.close[PORTIER_FW_TCP], 137));
	assert_int_equal(p.n_from, 1);
	assert_string_equal(fmt(&p.from[0].ports[PORTIER_FW_TCP]), "445");
	assert_int_equal(p.from[0].ports[PORTIER_FW_UDP].n, 0);
	/* opening 445 leaves the source with nothing: it goes */
	spec_of("445/tcp", &spec);
	assert_int_equal(portier_fw_policy_open(&p, &spec, NULL), 0);
	assert_int_equal(p.n_from, 0);
	assert_true(portier_fw_portset_has(&p.close[PORTIER_FW_UDP], 445));
	/* in allow-only mode, open also allows */
	assert_int_equal(portier_fw_policy_allow_only(&p, &spec, NULL), 0);
	portier_fw_spec_free(&spec);
	spec_of("8080/tcp", &spec);
	assert_int_equal(portier_fw_policy_open(&p, &spec, NULL), 0);
	portier_fw_spec_free(&spec);
	assert_string_equal(fmt(&p.allow[PORTIER_FW_TCP]), "445,8080");
	portier_fw_policy_free(&p);
}

/* ---- specs -------------------------------------------------------------------- */

static void test_spec_parse(void **state)
{
	struct portier_fw_spec spec;
	const unsigned tcp = 1u << PORTIER_FW_TCP, udp = 1u << PORTIER_FW_UDP;

	(void)state;
	assert_int_equal(portier_fw_spec_parse("445", 0, &spec, NULL), 0);
	assert_string_equal(fmt(&spec.ports[PORTIER_FW_TCP]), "445");
	assert_string_equal(fmt(&spec.ports[PORTIER_FW_UDP]), "445");
	portier_fw_spec_free(&spec);

	assert_int_equal(portier_fw_spec_parse(" 135 , 137-139/tcp,445/udp,"
					       "138/tcp+udp",
					       0, &spec, NULL),
			 0);
	assert_string_equal(fmt(&spec.ports[PORTIER_FW_TCP]), "135,137-139");
	assert_string_equal(fmt(&spec.ports[PORTIER_FW_UDP]), "135,138,445");
	portier_fw_spec_free(&spec);

	/* --proto applies to items without their own protocol */
	assert_int_equal(portier_fw_spec_parse("22,53/udp", tcp, &spec, NULL),
			 0);
	assert_string_equal(fmt(&spec.ports[PORTIER_FW_TCP]), "22");
	assert_string_equal(fmt(&spec.ports[PORTIER_FW_UDP]), "53");
	portier_fw_spec_free(&spec);
	assert_int_equal(portier_fw_spec_parse("0-65535", udp, &spec, NULL), 0);
	assert_int_equal(spec.ports[PORTIER_FW_TCP].n, 0);
	assert_string_equal(fmt(&spec.ports[PORTIER_FW_UDP]), "0-65535");
	portier_fw_spec_free(&spec);
}

static void expect_bad_spec(const char *s, const char *quote)
{
	struct portier_err err = {0};
	struct portier_fw_spec spec;

	assert_int_equal(portier_fw_spec_parse(s, 0, &spec, &err),
			 PORTIER_EINVAL);
	assert_int_equal(err.code, PORTIER_EINVAL);
	if (!strstr(err.msg, quote))
		fail_msg("error for '%s' is '%s', which does not quote '%s'", s,
			 err.msg, quote);
	assert_true(err.hint[0] != '\0');
}

static void test_spec_bad_input(void **state)
{
	struct portier_err err = {0};
	unsigned mask;

	(void)state;
	expect_bad_spec("70000", "'70000'");
	expect_bad_spec("", "''");
	expect_bad_spec("22,,80", "'22,,80'");
	expect_bad_spec("22,", "'22,'");
	expect_bad_spec(" ", "' '");
	expect_bad_spec("80-22", "80 is above 22");
	expect_bad_spec("445/icmp", "'icmp'");
	expect_bad_spec("445/", "''");
	expect_bad_spec("smb", "'smb'");
	expect_bad_spec("-5", "'-5'");
	expect_bad_spec("1-2-3", "1-2-3");
	expect_bad_spec("+22", "'+22'");
	expect_bad_spec("22 80", "'22 80'");
	expect_bad_spec("111111111111111111111111111111111111111111111111111"
			"11111111111111111111",
			"bad port");
	assert_int_equal(portier_fw_protos_parse("sctp", &mask, &err),
			 PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "'sctp'"));
	assert_int_equal(portier_fw_protos_parse("tcp+udp", &mask, NULL), 0);
	assert_int_equal(mask, 3);
}

static void test_source_parse(void **state)
{
	struct portier_fw_source s;
	struct portier_err err = {0};

	(void)state;
	assert_int_equal(portier_fw_source_parse("10.1.2.3/8", &s, NULL), 0);
	assert_string_equal(s.text, "10.0.0.0/8");
	assert_int_equal(portier_fw_source_parse("192.0.2.7", &s, NULL), 0);
	assert_string_equal(s.text, "192.0.2.7/32");
	assert_int_equal(portier_fw_source_parse("198.51.100.77/27", &s, NULL),
			 0);
	assert_string_equal(s.text, "198.51.100.64/27");
	assert_int_equal(portier_fw_source_parse("0.0.0.0/0", &s, NULL), 0);
	assert_string_equal(s.text, "0.0.0.0/0");
	assert_int_equal(portier_fw_source_parse("fd00::1/8", &s, NULL), 0);
	assert_string_equal(s.text, "fd00::/8");
	assert_int_equal(portier_fw_source_parse("2001:db8::1", &s, NULL), 0);
	assert_string_equal(s.text, "2001:db8::1/128");
	assert_int_equal(portier_fw_source_parse("10.0.0.0/33", &s, &err),
			 PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "'33'"));
	assert_int_equal(portier_fw_source_parse("fd00::/129", &s, NULL),
			 PORTIER_EINVAL);
	assert_int_equal(portier_fw_source_parse("example.org", &s, &err),
			 PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "'example.org'"));
	assert_int_equal(portier_fw_source_parse("", &s, NULL), PORTIER_EINVAL);
	assert_int_equal(portier_fw_source_parse("10.0.0.0/", &s, NULL),
			 PORTIER_EINVAL);
}

/* ---- policies rendered, against golden files ---------------------------------- */
static void test_render_close(void **state)
{
	struct portier_fw_policy p = {0};
	struct portier_fw_spec spec;

	(void)state;
	spec_of("445", &spec);
	assert_int_equal(portier_fw_policy_close(&p, &spec, NULL, NULL), 0);
	portier_fw_spec_free(&spec);
	check_golden(&p, "render.close445.nft");
	/* closing it again is the same policy and the same script */
	spec_of("445/tcp", &spec);
	assert_int_equal(portier_fw_policy_close(&p, &spec, NULL, NULL), 0);
	portier_fw_spec_free(&spec);
	check_golden(&p, "render.close445.nft");
	portier_fw_policy_free(&p);
}

static void test_render_harden(void **state)
{
	struct portier_fw_policy p = {0};
	const struct portier_fw_port *list;

	(void)state;
	assert_int_equal(portier_fw_harden_ports(&list), 14);
	assert_int_equal(portier_fw_policy_harden(&p, NULL), 0);
	assert_true(portier_fw_portset_has(&p.close[PORTIER_FW_TCP], 6129));
	assert_true(portier_fw_portset_has(&p.close[PORTIER_FW_UDP], 138));
	assert_false(portier_fw_portset_has(&p.close[PORTIER_FW_UDP], 139));
	assert_false(portier_fw_portset_has(&p.close[PORTIER_FW_TCP], 138));
	check_golden(&p, "render.harden.nft");
	portier_fw_policy_free(&p);
}

static void test_render_allow_only(void **state)
{
	struct portier_fw_policy p = {0};
	struct portier_fw_spec spec;

	(void)state;
	spec_of("22,80/tcp", &spec);
	assert_int_equal(portier_fw_policy_allow_only(&p, &spec, NULL), 0);
	portier_fw_spec_free(&spec);
	check_golden(&p, "render.allow-only.nft");
	/* a second allow-only replaces the list, it does not add to it */
	spec_of("443/tcp", &spec);
	assert_int_equal(portier_fw_policy_allow_only(&p, &spec, NULL), 0);
	portier_fw_spec_free(&spec);
	assert_string_equal(fmt(&p.allow[PORTIER_FW_TCP]), "443");
	assert_int_equal(p.allow[PORTIER_FW_UDP].n, 0);
	portier_fw_policy_free(&p);
}

static void build_mixed(struct portier_fw_policy *p)
{
	struct portier_fw_spec spec;
	struct portier_fw_source src;

	spec_of("22,80/tcp,5000-5100/udp", &spec);
	assert_int_equal(portier_fw_policy_allow_only(p, &spec, NULL), 0);
	portier_fw_spec_free(&spec);
	assert_int_equal(portier_fw_policy_harden(p, NULL), 0);
	spec_of("3389/tcp", &spec);
	assert_int_equal(portier_fw_source_parse("10.1.0.0/16", &src, NULL), 0);
	assert_int_equal(portier_fw_policy_close(p, &spec, &src, NULL), 0);
	portier_fw_spec_free(&spec);
	spec_of("139,445/tcp", &spec);
	assert_int_equal(portier_fw_source_parse("fd00::/8", &src, NULL), 0);
	assert_int_equal(portier_fw_policy_close(p, &spec, &src, NULL), 0);
	portier_fw_spec_free(&spec);
}

static void test_render_mixed_and_empty(void **state)
{
	struct portier_fw_policy p = {0};

	(void)state;
	build_mixed(&p);
	assert_int_equal(p.n_from, 2);
	check_golden(&p, "render.mixed.nft");
	portier_fw_policy_free(&p);
	assert_true(portier_fw_policy_empty(&p));
	check_golden(&p, "render.empty.nft");
}

/* ---- read back from nftables' JSON ---------------------------------------------- */

static void test_readback_roundtrip(void **state)
{
	struct portier_fw_policy want = {0}, got;
	char *json = slurp(fixture("listing-mixed.json"));

	(void)state;
	assert_non_null(json);
	build_mixed(&want);
	assert_int_equal(portier_fw_policy_from_json(json, &got, NULL), 0);
	assert_true(portier_fw_policy_equal(&want, &got));
	free(json);
	portier_fw_policy_free(&got);
	portier_fw_policy_free(&want);

	json = slurp(fixture("listing-close445.json"));
	assert_non_null(json);
	assert_int_equal(portier_fw_policy_from_json(json, &got, NULL), 0);
	assert_false(got.allow_only);
	assert_string_equal(fmt(&got.close[PORTIER_FW_TCP]), "445");
	assert_string_equal(fmt(&got.close[PORTIER_FW_UDP]), "445");
	portier_fw_policy_free(&got);
	free(json);

	/* no table: an empty policy */
	assert_int_equal(portier_fw_policy_from_json("", &got, NULL), 0);
	assert_true(portier_fw_policy_empty(&got));
}

static void test_counters(void **state)
{
	struct portier_fw_counters c;
	char *json = slurp(fixture("listing-counters.json"));

	(void)state;
	assert_non_null(json);
	assert_int_equal(portier_fw_counters_from_json(json, &c, NULL), 0);
	assert_int_equal(c.close[PORTIER_FW_TCP], 7);
	assert_int_equal(c.close[PORTIER_FW_UDP], 5);
	assert_int_equal(c.from, 6);
	assert_int_equal(c.invalid, 11);
	assert_int_equal(c.not_allowed, 1000);
	free(json);
	assert_int_equal(portier_fw_counters_from_json("", &c, NULL), 0);
	assert_int_equal(c.not_allowed, 0);
	assert_int_equal(portier_fw_counters_from_json("[", &c, NULL),
			 PORTIER_EPROTO);
}

static void expect_bad_json(const char *json, const char *quote)
{
	struct portier_fw_policy p;
	struct portier_err err = {0};

	assert_int_equal(portier_fw_policy_from_json(json, &p, &err),
			 PORTIER_EPROTO);
	if (!strstr(err.msg, quote))
		fail_msg("error '%s' does not mention '%s'", err.msg, quote);
	assert_true(portier_fw_policy_empty(&p));
}

static void test_readback_foreign_objects(void **state)
{
	(void)state;
	expect_bad_json("{\"nftables\": [{\"set\": {\"name\": \"blocklist\","
			"\"elem\": [1]}}]}",
			"'blocklist'");
	expect_bad_json(
		"{\"nftables\": [{\"chain\": {\"name\": \"forward\"}}]}",
		"'forward'");
	expect_bad_json("{\"nftables\": [{\"map\": {\"name\": \"m\"}}]}",
			"'map'");
	expect_bad_json("{\"nftables\": [{\"set\": {\"name\": \"close_tcp\","
			"\"elem\": [\"ssh\"]}}]}",
			"'close_tcp'");
	expect_bad_json("{\"nftables\": [{\"set\": {\"name\": \"close_tcp\","
			"\"elem\": [{\"range\": [9, 3]}]}}]}",
			"'close_tcp'");
	expect_bad_json("{\"nftables\": [{\"set\": {\"name\": \"from1_tcp\","
			"\"elem\": [22]}}]}",
			"'from1_tcp'");
	expect_bad_json(
		"{\"nftables\": [{\"set\": {\"name\": \"close_sctp\"}}]}",
		"'close_sctp'");
	expect_bad_json("{\"nftables\": 3}", "no \"nftables\" array");
	expect_bad_json("{\"nft", "JSON");
}
/* ---- every allocation may fail ------------------------------------------------------ */

static void test_alloc_failures(void **state)
{
	long n;

	(void)state;
	for (n = 0; n < 200; n++) {
		struct portier_fw_policy p = {0};
		struct portier_fw_spec spec;
		char *script = NULL;
		int rc;

		portier_alloc_fail_after(n);
		rc = portier_fw_spec_parse("1,3,5,7,9,11-20/udp", 0, &spec,
					   NULL);
		if (rc == 0) {
			rc = portier_fw_policy_allow_only(&p, &spec, NULL);
			portier_fw_spec_free(&spec);
		}
		if (rc == 0)
			rc = portier_fw_policy_harden(&p, NULL);
		if (rc == 0)
			rc = portier_fw_render(&p, &script, NULL);
		portier_alloc_fail_after(-1);
		assert_true(rc == 0 || rc == PORTIER_ENOMEM);
		portier_free(script);
		portier_fw_policy_free(&p);
		if (rc == 0)
			break;
	}
	assert_true(n < 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_portset_merges),
		cmocka_unit_test(test_portset_thousands_stay_few),
		cmocka_unit_test(test_portset_remove),
		cmocka_unit_test(test_policy_open),
		cmocka_unit_test(test_spec_parse),
		cmocka_unit_test(test_spec_bad_input),
		cmocka_unit_test(test_source_parse),
		cmocka_unit_test(test_render_close),
		cmocka_unit_test(test_render_harden),
		cmocka_unit_test(test_render_allow_only),
		cmocka_unit_test(test_render_mixed_and_empty),
		cmocka_unit_test(test_readback_roundtrip),
		cmocka_unit_test(test_readback_foreign_objects),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
