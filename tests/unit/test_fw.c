/*
 * test_fw.c - the firewall module without a kernel: port sets and their
 * merging into intervals, the port-spec and source parsers and their errors,
 * policy -> nft script for each verb against golden files, the JSON read-back
 * of listings captured from nftables 1.0.6, the SSH-session guard (from
 * $SSH_CONNECTION and from a fake /proc), and apply/undo bookkeeping on a
 * fake back-end.
 *
 * Golden files live in tests/data/fw/render.*.nft; run with
 * PORTIER_UPDATE_GOLDEN=1 to rewrite them after an intended change (and read
 * the diff).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "portier/audit.h"
#include "portier/fw.h"
#include "portier/local.h"

static char path_buf[4096];

static const char *fixture(const char *name)
{
	const char *dir = getenv("PORTIER_TESTDATA");

	snprintf(path_buf, sizeof(path_buf), "%s/fw/%s",
		 dir ? dir : "tests/data", name);
	return path_buf;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return buf;
}

static char *fmt(const struct portier_fw_portset *s)
{
	static char out[1024];
	char *t = portier_fw_portset_format(s, ",");

	assert_non_null(t);
	snprintf(out, sizeof(out), "%s", t);
	portier_free(t);
	return out;
}

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
		assert_int_equal(portier_fw_portset_add(&s, (uint16_t)p,
							(uint16_t)p), 0);
	assert_int_equal(s.n, 32768);
	for (p = 1; p <= 65535; p += 2)
		assert_int_equal(portier_fw_portset_add(&s, (uint16_t)p,
							(uint16_t)p), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(fmt(&s), "0-65535");
	assert_int_equal(portier_fw_portset_ports(&s), 65536);
	assert_int_equal(portier_fw_portset_merge(&t, &s), 0);
	assert_true(portier_fw_portset_equal(&s, &t));
	portier_fw_portset_free(&s);
	portier_fw_portset_free(&t);
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

static void spec_of(const char *text, struct portier_fw_spec *spec)
{
	assert_int_equal(portier_fw_spec_parse(text, 0, spec, NULL), 0);
}

static void check_golden(const struct portier_fw_policy *p, const char *name)
{
	char *script = NULL, *want;
	const char *path = fixture(name);

	assert_int_equal(portier_fw_render(p, &script, NULL), 0);
	if (getenv("PORTIER_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(script, f);
		fclose(f);
	}
	want = slurp(path);
	if (!want)
		fail_msg("golden file %s missing", path);
	if (strcmp(script, want) != 0)
		fail_msg("%s differs; rendered:\n%s", name, script);
	free(want);
	portier_free(script);
}

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
	expect_bad_json("{\"nftables\": [{\"chain\": {\"name\": \"forward\"}}]}",
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
	expect_bad_json("{\"nftables\": [{\"set\": {\"name\": \"close_sctp\"}}]}",
			"'close_sctp'");
	expect_bad_json("{\"nftables\": 3}", "no \"nftables\" array");
	expect_bad_json("{\"nft", "JSON");
}

/* ---- the SSH guard ---------------------------------------------------------------- */

static void test_ssh_from_env(void **state)
{
	struct portier_fw_conn c;

	(void)state;
	assert_int_equal(portier_fw_ssh_from_env(
				 "198.51.100.9 51234 192.0.2.1 22", &c),
			 0);
	assert_int_equal(c.lport, 22);
	assert_int_equal(c.rport, 51234);
	assert_int_equal(c.family, AF_INET);
	assert_memory_equal(c.raddr, "\xc6\x33\x64\x09", 4);
	assert_int_equal(portier_fw_ssh_from_env(
				 "2001:db8::9 40000 2001:db8::1 2222", &c),
			 0);
	assert_int_equal(c.lport, 2222);
	assert_int_equal(c.family, AF_INET6);
	/* an IPv4 client seen through a dual-stack socket */
	assert_int_equal(portier_fw_ssh_from_env(
				 "::ffff:192.0.2.9 40000 ::ffff:192.0.2.1 22",
				 &c),
			 0);
	assert_int_equal(c.family, AF_INET);
	assert_memory_equal(c.raddr, "\xc0\x00\x02\x09", 4);
	assert_int_equal(portier_fw_ssh_from_env(NULL, &c), PORTIER_ENOENT);
	assert_int_equal(portier_fw_ssh_from_env("", &c), PORTIER_ENOENT);
	assert_int_equal(portier_fw_ssh_from_env("garbage", &c),
			 PORTIER_EINVAL);
	assert_int_equal(portier_fw_ssh_from_env("192.0.2.9 1 b 70000", &c),
			 PORTIER_EINVAL);
	assert_int_equal(portier_fw_ssh_from_env("host 1 b 22", &c),
			 PORTIER_EINVAL);
	assert_int_equal(portier_fw_ssh_from_env("192.0.2.9 1 b 22 x", &c),
			 PORTIER_EINVAL);
}

static void test_ssh_from_proc(void **state)
{
	char root[4096];
	struct portier_fw_conn c;

	(void)state;
	snprintf(root, sizeof(root), "%s", fixture("proc"));
	/* 300 (portier) <- 200 (bash) <- 100 (sshd, holds inode 31337) */
	assert_int_equal(portier_fw_ssh_from_proc(root, 300, &c, NULL), 0);
	assert_int_equal(c.lport, 2222);
	assert_int_equal(c.rport, 50000);
	assert_int_equal(c.family, AF_INET6);
	/* 400 (cron job) has no sshd above it */
	assert_int_equal(portier_fw_ssh_from_proc(root, 400, &c, NULL),
			 PORTIER_ENOENT);
	assert_int_equal(portier_fw_ssh_from_proc(root, 999, &c, NULL),
			 PORTIER_ENOENT);
}

static void test_ssh_guard(void **state)
{
	struct portier_fw_policy p = {0};
	struct portier_fw_spec spec;
	struct portier_fw_source src;
	struct portier_fw_conn sess;
	struct portier_err err = {0};

	(void)state;
	assert_int_equal(portier_fw_ssh_from_env("10.1.2.3 50000 10.0.0.1 22",
						 &sess),
			 0);
	/* not allow-only: nothing to add */
	assert_int_equal(portier_fw_guard_ssh(&p, &sess, NULL), 0);
	assert_int_equal(p.allow[PORTIER_FW_TCP].n, 0);
	spec_of("80,443/tcp", &spec);
	assert_int_equal(portier_fw_policy_allow_only(&p, &spec, NULL), 0);
	portier_fw_spec_free(&spec);
	assert_int_equal(portier_fw_guard_ssh(&p, &sess, NULL), 1);
	assert_string_equal(fmt(&p.allow[PORTIER_FW_TCP]), "22,80,443");
	assert_int_equal(portier_fw_guard_ssh(&p, &sess, NULL), 0);
	/* closing 22 from a prefix that does not hold the client is fine */
	spec_of("22/tcp", &spec);
	assert_int_equal(portier_fw_source_parse("10.2.0.0/16", &src, NULL), 0);
	assert_int_equal(portier_fw_policy_close(&p, &spec, &src, NULL), 0);
	assert_int_equal(portier_fw_guard_ssh(&p, &sess, NULL), 0);
	/* from one that does, it is refused */
	assert_int_equal(portier_fw_source_parse("10.1.0.0/22", &src, NULL), 0);
	assert_int_equal(portier_fw_policy_close(&p, &spec, &src, NULL), 0);
	assert_int_equal(portier_fw_guard_ssh(&p, &sess, &err), PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "tcp/22 from 10.1.0.0/22"));
	portier_fw_policy_free(&p);
	/* and from anywhere too */
	assert_int_equal(portier_fw_policy_close(&p, &spec, NULL, NULL), 0);
	portier_fw_spec_free(&spec);
	assert_int_equal(portier_fw_guard_ssh(&p, &sess, &err), PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "closing tcp/22 would cut the SSH"));
	assert_non_null(strstr(err.hint, "--i-know-ssh-is-closed"));
	portier_fw_policy_free(&p);
}

/* ---- connections established before allow-only ------------------------------------ */

static void test_conns_and_keep(void **state)
{
	struct portier_fw_conn *c = NULL;
	struct portier_fw_policy p = {0}, back;
	struct portier_fw_spec spec;
	char root[4096], *json;
	size_t n = 0;

	(void)state;
	snprintf(root, sizeof(root), "%s", fixture("proc"));
	assert_int_equal(portier_fw_conns_from_proc(root, &c, &n, NULL), 0);
	/*
	 * net/tcp: 192.168.0.9:54321 -> :80; tcp6: ::ffff:192.168.1.10:49153
	 * -> :8080 (an IPv4 peer), 1234::2:40961 -> :22; not the listener,
	 * the TIME_WAIT line or the loopback session
	 */
	assert_int_equal(n, 3);
	/* allow-only 22: the connections to 80 and 8080 are kept */
	spec_of("22/tcp", &spec);
	assert_int_equal(portier_fw_policy_allow_only(&p, &spec, NULL), 0);
	portier_fw_spec_free(&spec);
	assert_int_equal(portier_fw_policy_keep(&p, c, n, NULL), 0);
	assert_int_equal(p.n_keep, 2);
	/* allow-only 443: all three, IPv4 and IPv6 */
	spec_of("443/tcp", &spec);
	assert_int_equal(portier_fw_policy_allow_only(&p, &spec, NULL), 0);
	portier_fw_spec_free(&spec);
	assert_int_equal(portier_fw_policy_keep(&p, c, n, NULL), 0);
	assert_int_equal(p.n_keep, 3);
	check_golden(&p, "render.allow-only-keep.nft");
	/* read back from what nftables listed for that script */
	json = slurp(fixture("listing-keep.json"));
	assert_non_null(json);
	assert_int_equal(portier_fw_policy_from_json(json, &back, NULL), 0);
	assert_true(portier_fw_policy_equal(&p, &back));
	free(json);
	portier_fw_policy_free(&back);
	/* a closed port's connection is not kept; nothing without allow-only */
	spec_of("80/tcp", &spec);
	assert_int_equal(portier_fw_policy_close(&p, &spec, NULL, NULL), 0);
	portier_fw_spec_free(&spec);
	assert_int_equal(portier_fw_policy_keep(&p, c, n, NULL), 0);
	assert_int_equal(p.n_keep, 2);
	assert_int_equal(p.keep[0].lport, 8080);
	assert_int_equal(p.keep[1].lport, 22);
	p.allow_only = false;
	assert_int_equal(portier_fw_policy_keep(&p, c, n, NULL), 0);
	assert_int_equal(p.n_keep, 0);
	portier_fw_policy_free(&p);
	portier_free(c);
}

/* ---- suggest: audit findings -> ports to close ---------------------------------------- */

static struct portier_sock mk_sock(unsigned proto, unsigned state,
				   const char *laddr, uint16_t lport,
				   const char *raddr, uint16_t rport)
{
	struct portier_sock s;

	memset(&s, 0, sizeof(s));
	s.proto = (uint8_t)proto;
	s.state = (uint8_t)state;
	s.family = strchr(laddr, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(s.family, laddr, s.laddr), 1);
	assert_int_equal(inet_pton(s.family, raddr, s.raddr), 1);
	s.lport = lport;
	s.rport = rport;
	return s;
}

static struct portier_finding mk_finding(unsigned rule, unsigned sev,
					 unsigned proto, uint16_t port)
{
	struct portier_finding f;

	memset(&f, 0, sizeof(f));
	f.rule = (uint8_t)rule;
	f.severity = (uint8_t)sev;
	f.proto = (uint8_t)proto;
	f.port = port;
	f.proc = -1;
	return f;
}

static void test_suggest(void **state)
{
	const unsigned T = PORTIER_LOCAL_TCP, U = PORTIER_LOCAL_UDP;
	struct portier_sock socks[] = {
		mk_sock(T, PORTIER_SS_LISTEN, "0.0.0.0", 445, "0.0.0.0", 0),
		mk_sock(T, PORTIER_SS_LISTEN, "127.0.0.1", 631, "0.0.0.0", 0),
		mk_sock(T, PORTIER_SS_LISTEN, "0.0.0.0", 3389, "0.0.0.0", 0),
		mk_sock(T, PORTIER_SS_ESTABLISHED, "192.0.2.1", 3389,
			"198.51.100.7", 50000),
		mk_sock(T, PORTIER_SS_LISTEN, "::", 23, "::", 0),
		mk_sock(T, PORTIER_SS_ESTABLISHED, "::1", 23, "::1", 40000),
		mk_sock(U, PORTIER_SS_CLOSE, "0.0.0.0", 137, "0.0.0.0", 0),
		mk_sock(T, PORTIER_SS_LISTEN, "0.0.0.0", 22, "0.0.0.0", 0),
	};
	struct portier_finding f[] = {
		mk_finding(PORTIER_AUDIT_WINDOWS_SHARING, PORTIER_RISK_HIGH, T,
			   445),
		mk_finding(PORTIER_AUDIT_NAME_MISMATCH, PORTIER_RISK_MEDIUM, T,
			   445),
		mk_finding(PORTIER_AUDIT_LOCAL_ONLY, PORTIER_RISK_MEDIUM, T, 631),
		mk_finding(PORTIER_AUDIT_RISKY_PORT, PORTIER_RISK_HIGH, T, 3389),
		mk_finding(PORTIER_AUDIT_LEGACY_SERVICE, PORTIER_RISK_HIGH, T,
			   23),
		mk_finding(PORTIER_AUDIT_WINDOWS_SHARING, PORTIER_RISK_HIGH, U,
			   137),
		mk_finding(PORTIER_AUDIT_RISKY_PORT, PORTIER_RISK_MEDIUM, T, 22),
		mk_finding(PORTIER_AUDIT_TROJAN_REMOTE, PORTIER_RISK_HIGH, T,
			   6667),
		mk_finding(PORTIER_AUDIT_UNKNOWN_PORT, PORTIER_RISK_LOW, T,
			   8080),
		mk_finding(PORTIER_AUDIT_CLOSE_WAIT, PORTIER_RISK_MEDIUM, 0, 0),
	};
	struct portier_local l;
	struct portier_fw_suggestion *sg;
	struct portier_fw_policy cur = {0};
	struct portier_fw_spec spec;
	size_t n;

	(void)state;
	memset(&l, 0, sizeof(l));
	l.socks = socks;
	l.n_socks = sizeof(socks) / sizeof(socks[0]);
	assert_int_equal(portier_fw_suggest(&l, f, sizeof(f) / sizeof(f[0]),
					    NULL, 22, PORTIER_RISK_MEDIUM, &sg,
					    &n, NULL),
			 0);
	assert_int_equal(n, 5);
	/* 22: the SSH session's; 23: loopback peers do not count as use */
	assert_int_equal(sg[0].port, 22);
	assert_false(sg[0].close);
	assert_non_null(strstr(sg[0].why_not, "SSH"));
	assert_int_equal(sg[1].port, 23);
	assert_true(sg[1].close);
	assert_int_equal(sg[2].port, 137);
	assert_int_equal(sg[2].proto, PORTIER_FW_UDP);
	assert_true(sg[2].close);
	/* 445: two findings, one entry with the worse one */
	assert_int_equal(sg[3].port, 445);
	assert_true(sg[3].close);
	assert_int_equal(sg[3].severity, PORTIER_RISK_HIGH);
	assert_ptr_equal(sg[3].finding, &f[0]);
	/* 3389: someone is connected; listed, not suggested */
	assert_int_equal(sg[4].port, 3389);
	assert_false(sg[4].close);
	assert_int_equal(sg[4].in_use, 1);
	portier_free(sg);

	/* what portier closes already is not suggested again */
	spec_of("445/tcp", &spec);
	assert_int_equal(portier_fw_policy_close(&cur, &spec, NULL, NULL), 0);
	portier_fw_spec_free(&spec);
	assert_int_equal(portier_fw_suggest(&l, f, sizeof(f) / sizeof(f[0]),
					    &cur, 0, PORTIER_RISK_HIGH, &sg, &n,
					    NULL),
			 0);
	assert_int_equal(n, 4); /* 22 is medium: below the threshold now */
	assert_int_equal(sg[2].port, 445);
	assert_false(sg[2].close);
	assert_string_equal(sg[2].why_not, "closed already");
	portier_free(sg);
	portier_fw_policy_free(&cur);

	/* no findings: nothing, and no error */
	assert_int_equal(portier_fw_suggest(&l, NULL, 0, NULL, 0,
					    PORTIER_RISK_MEDIUM, &sg, &n, NULL),
			 0);
	assert_int_equal(n, 0);
	portier_free(sg);
}

/* ---- apply and undo on a fake back-end --------------------------------------------- */

/*
 * The fake kernel holds portier's table as text: running a script keeps
 * what follows "delete table inet portier\n" (every script portier runs has
 * that shape); a script containing "FAIL" is refused.
 */
struct fake {
	char *table;
	int runs;
};

static struct fake fake_kernel;

static int fake_open(void **ctx, struct portier_err *err)
{
	(void)err;
	*ctx = &fake_kernel;
	return 0;
}

static void fake_close(void *ctx)
{
	(void)ctx;
}

static int fake_run(void *ctx, const char *script, bool check_only,
		    struct portier_err *err)
{
	struct fake *k = ctx;
	const char *body = strstr(script, "delete table inet portier\n");

	if (strstr(script, "FAIL") || !body)
		return portier_err_set(err, PORTIER_EIO, "refused");
	if (check_only)
		return 0;
	k->runs++;
	free(k->table);
	k->table = strdup(body + strlen("delete table inet portier\n"));
	return 0;
}

static int fake_list(void *ctx, enum portier_fw_listing how, char **out,
		     struct portier_err *err)
{
	struct fake *k = ctx;

	(void)err;
	if (how == PORTIER_FW_LIST_JSON)
		*out = portier_strdup("");
	else
		*out = portier_strdup(k->table ? k->table : "");
	return *out ? 0 : PORTIER_ENOMEM;
}

static const struct portier_fw_backend fake_backend = {
	.name = "fake",
	.open = fake_open,
	.close = fake_close,
	.run = fake_run,
	.list = fake_list,
};

static const char *const script_a =
	"table inet portier\ndelete table inet portier\ntable A\n";
static const char *const script_b =
	"table inet portier\ndelete table inet portier\ntable B\n";

static void test_apply_undo(void **state)
{
	char dir[] = "/tmp/portier-test-fw.XXXXXX", *script, *what;
	struct portier_fw *fw;
	struct portier_err err = {0};
	bool changed;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	fake_kernel.table = NULL;
	assert_int_equal(portier_fw_open(&fw, &fake_backend, dir, NULL), 0);
	assert_int_equal(portier_fw_lock(fw, NULL), 0);
	assert_int_equal(portier_fw_lock(fw, NULL), 0); /* held already */
	assert_int_equal(portier_fw_undo_depth(fw), 0); /* the lock is no point */
	assert_int_equal(portier_fw_undo(fw, &err), PORTIER_ENOENT);
	assert_non_null(strstr(err.msg, "nothing to undo"));

	assert_int_equal(portier_fw_apply(fw, script_a, "close 1", &changed,
					  NULL), 0);
	assert_true(changed);
	assert_string_equal(fake_kernel.table, "table A\n");
	/* the same again: applied, but no undo point */
	assert_int_equal(portier_fw_apply(fw, script_a, "close 1", &changed,
					  NULL), 0);
	assert_false(changed);
	assert_int_equal(portier_fw_undo_depth(fw), 1);
	assert_int_equal(portier_fw_apply(fw, script_b, "close 2", &changed,
					  NULL), 0);
	assert_int_equal(portier_fw_undo_depth(fw), 2);
	/* a refused script leaves no undo point and the table as it was */
	assert_int_equal(portier_fw_apply(fw, "FAIL", "bad", &changed, &err),
			 PORTIER_EIO);
	assert_int_equal(portier_fw_undo_depth(fw), 2);
	assert_string_equal(fake_kernel.table, "table B\n");

	assert_int_equal(portier_fw_undo_peek(fw, &script, &what, NULL), 0);
	assert_string_equal(what, "close 2");
	assert_non_null(strstr(script, "\ntable A\n"));
	portier_free(script);
	portier_free(what);
	assert_int_equal(portier_fw_undo(fw, NULL), 0);
	assert_string_equal(fake_kernel.table, "table A\n");
	assert_int_equal(portier_fw_undo(fw, NULL), 0);
	assert_string_equal(fake_kernel.table, ""); /* no table at first */
	assert_int_equal(portier_fw_undo_depth(fw), 0);

	/* old undo points are pruned */
	for (i = 0; i < PORTIER_FW_UNDO_KEEP + 5; i++)
		assert_int_equal(portier_fw_apply(fw, i % 2 ? script_a
							    : script_b,
						  "flip", &changed, NULL),
				 0);
	assert_int_equal(portier_fw_undo_depth(fw), PORTIER_FW_UNDO_KEEP);
	portier_fw_close(fw);
	free(fake_kernel.table);
	fake_kernel.table = NULL;
	{
		char cmd[4200];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

static void test_state_dir_unwritable(void **state)
{
	struct portier_fw *fw;
	struct portier_err err = {0};
	bool changed;
	int runs = fake_kernel.runs;

	(void)state;
	assert_int_equal(portier_fw_open(&fw, &fake_backend,
					 "/proc/portier-no/fw", NULL),
			 0);
	assert_true(portier_fw_lock(fw, &err) < 0);
	assert_non_null(strstr(err.msg, "state directory"));
	assert_true(portier_fw_apply(fw, script_a, "x", &changed, &err) < 0);
	assert_non_null(strstr(err.msg, "state directory"));
	assert_int_equal(fake_kernel.runs, runs);
	assert_null(fake_kernel.table); /* nothing applied */
	portier_fw_close(fw);
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
		cmocka_unit_test(test_ssh_from_env),
		cmocka_unit_test(test_ssh_from_proc),
		cmocka_unit_test(test_ssh_guard),
		cmocka_unit_test(test_conns_and_keep),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_apply_undo),
		cmocka_unit_test(test_state_dir_unwritable),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
