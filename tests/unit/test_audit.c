/*
 * test_audit.c - every audit rule with a case that must raise it and a
 * case that must not, on snapshots made up here, judged against the
 * built-in knowledge base with the entries the rules consult pinned by an
 * overlay (tests/data/local/audit-kb.tsv), so other entries may change
 * without changing these verdicts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sys/socket.h>

#include "portier/audit.h"

static struct portier_kb *kb;

static int group_setup(void **state)
{
	static char path[1024];
	static const char *overlays[1];
	struct portier_kb_options opt = {0};
	struct portier_err err = {0};
	const char *dir = getenv("PORTIER_TESTDATA");

	(void)state;
	snprintf(path, sizeof(path), "%s/local/audit-kb.tsv",
		 dir ? dir : "tests/data");
	overlays[0] = path;
	opt.overlays = overlays;
	opt.n_overlays = 1;
	if (portier_kb_new(&kb, &opt, &err) < 0) {
		fprintf(stderr, "kb: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	portier_kb_free(kb);
	return 0;
}

/* ---- made-up snapshots ------------------------------------------------------
 */

struct made {
	struct portier_local l;
	struct portier_sock socks[128];
	struct portier_owner owners[128];
	struct portier_proc procs[8];
	char *netns[1];
};

static struct made *made_new(void)
{
	struct made *m = calloc(1, sizeof(*m));

	m->l.socks = m->socks;
	m->l.owners = m->owners;
	m->l.procs = m->procs;
	m->l.netns = m->netns;
	m->netns[0] = (char *)"";
	m->l.n_netns = 1;
	m->l.procs_scanned = true;
	return m;
}

static long made_proc(struct made *m, int pid, const char *comm,
		      const char *exe, bool deleted)
{
	struct portier_proc *p = &m->procs[m->l.n_procs];

	p->pid = pid;
	portier_strlcpy(p->comm, comm, sizeof(p->comm));
	p->exe = exe;
	p->exe_deleted = deleted;
	p->user = "root";
	return (long)m->l.n_procs++;
}

/* A socket; addr is "any", "lo" or "lan"; proc < 0 for no owner. */
static struct portier_sock *made_sock(struct made *m, uint8_t proto,
				      uint8_t state, const char *addr,
				      uint16_t lport, uint16_t rport, long proc)
{
	struct portier_sock *s = &m->socks[m->l.n_socks++];

	s->proto = proto;
	s->family = AF_INET;
	s->state = state;
	s->lport = lport;
	s->rport = rport;
	if (strcmp(addr, "lo") == 0) {
		s->laddr[0] = 127;
		s->laddr[3] = 1;
	} else if (strcmp(addr, "lan") == 0) {
		s->laddr[0] = 192;
		s->laddr[1] = 168;
		s->laddr[3] = 5;
	}
	if (rport) {
		s->raddr[0] = 203;
		s->raddr[3] = 7;
	}
	if (proc >= 0) {
		s->owner_first = (uint32_t)m->l.n_owners;
		s->owner_count = 1;
		m->owners[m->l.n_owners].proc = (uint32_t)proc;
		m->owners[m->l.n_owners++].fd = 3 + (int)m->l.n_owners;
	}
	return s;
}

static struct portier_sock *listen_tcp(struct made *m, const char *addr,
				       uint16_t port, long proc)
{
	return made_sock(m, PORTIER_LOCAL_TCP, PORTIER_SS_LISTEN, addr, port, 0,
			 proc);
}

struct verdict {
	struct portier_finding *f;
	size_t n;
};

static struct verdict judge(struct made *m, bool privileged)
{
	struct portier_audit_opts o = {
		.eph_lo = 32768, .eph_hi = 60999, .privileged = privileged};
	struct portier_err err = {0};
	struct verdict v;

	size_t i;

	assert_int_equal(portier_audit_run(&m->l, kb, &o, &v.f, &v.n, &err), 0);
	for (i = 0; getenv("AUDIT_DEBUG") && i < v.n; i++)
		fprintf(stderr, "  %s %s port %u: %s\n",
			portier_audit_severity_name(
				(enum portier_risk)v.f[i].severity),
			portier_audit_rule_name(
				(enum portier_audit_rule)v.f[i].rule),
			v.f[i].port, v.f[i].where);
	return v;
}

static const struct portier_finding *
rule(const struct verdict *v, enum portier_audit_rule r, uint16_t port)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->f[i].rule == r && (port == 0 || v->f[i].port == port))
			return &v->f[i];
	return NULL;
}

static void done(struct made *m, struct verdict *v)
{
	portier_free(v->f);
	free(m);
}

/* ---- rules
 * ---------------------------------------------------------------------- */

static void test_trojan_port_weighs_owner(void **state)
{
	struct made *m = made_new();
	struct verdict v;
	const struct portier_finding *f;

	(void)state;
	listen_tcp(m, "any", 31337,
		   made_proc(m, 10, "eldim", "/usr/sbin/eldim", false));
	v = judge(m, true);
	f = rule(&v, PORTIER_AUDIT_TROJAN_PORT, 31337);
	assert_non_null(f);
	assert_int_equal(f->severity, PORTIER_RISK_LOW);
	assert_non_null(strstr(f->reason, "Back Orifice"));
	assert_non_null(strstr(f->reason, "eldim"));
	assert_string_equal(f->advice, "close 31337 (test advice)");
	done(m, &v);

	m = made_new();
	listen_tcp(m, "any", 31337,
		   made_proc(m, 11, "foo", "/usr/bin/foo", false));
	v = judge(m, true);
	assert_int_equal(rule(&v, PORTIER_AUDIT_TROJAN_PORT, 31337)->severity,
			 PORTIER_RISK_MEDIUM);
	done(m, &v);

	m = made_new();
	listen_tcp(m, "any", 31337, made_proc(m, 12, "x", "/tmp/x", false));
	v = judge(m, true);
	assert_int_equal(rule(&v, PORTIER_AUDIT_TROJAN_PORT, 31337)->severity,
			 PORTIER_RISK_HIGH);
	done(m, &v);

	/* nobody visible owns it: high for root, medium otherwise */
	m = made_new();
	listen_tcp(m, "any", 31337, -1);
	v = judge(m, true);
	assert_int_equal(rule(&v, PORTIER_AUDIT_TROJAN_PORT, 31337)->severity,
			 PORTIER_RISK_HIGH);
	portier_free(v.f);
	v = judge(m, false);
	assert_int_equal(rule(&v, PORTIER_AUDIT_TROJAN_PORT, 31337)->severity,
			 PORTIER_RISK_MEDIUM);
	done(m, &v);
}

/* The rkhunter false alarm: 31337 as the local port of a connection out. */
static void test_trojan_not_on_outgoing_local_port(void **state)
{
	struct made *m = made_new();
	long p = made_proc(m, 20, "curl", "/usr/bin/curl", false);
	struct verdict v;

	(void)state;
	made_sock(m, PORTIER_LOCAL_TCP, PORTIER_SS_ESTABLISHED, "lan", 31337,
		  443, p);
	v = judge(m, true);
	assert_null(rule(&v, PORTIER_AUDIT_TROJAN_PORT, 0));
	assert_null(rule(&v, PORTIER_AUDIT_TROJAN_REMOTE, 0));
	assert_int_equal(v.n, 0);
	done(m, &v);
}

/* A resolver's random UDP port that happens to be a trojan port. */
static void test_trojan_not_on_ephemeral_udp(void **state)
{
	struct made *m = made_new();
	struct verdict v;

	(void)state;
	made_sock(m, PORTIER_LOCAL_UDP, PORTIER_SS_CLOSE, "any", 54321, 0,
		  made_proc(m, 23, "systemd-resolve",
			    "/usr/lib/systemd/systemd-resolved", false));
	v = judge(m, true);
	assert_null(rule(&v, PORTIER_AUDIT_TROJAN_PORT, 0));
	done(m, &v);
	/* ... unless its owner is suspicious */
	m = made_new();
	made_sock(m, PORTIER_LOCAL_UDP, PORTIER_SS_CLOSE, "any", 54321, 0,
		  made_proc(m, 24, "x", "/dev/shm/x", false));
	v = judge(m, true);
	assert_non_null(rule(&v, PORTIER_AUDIT_TROJAN_PORT, 54321));
	done(m, &v);
}

static void test_trojan_remote(void **state)
{
	struct made *m = made_new();
	long p = made_proc(m, 21, "curl", "/usr/bin/curl", false);
	struct verdict v;
	const struct portier_finding *f;

	(void)state;
	made_sock(m, PORTIER_LOCAL_TCP, PORTIER_SS_ESTABLISHED, "lan", 45000,
		  31337, p);
	v = judge(m, true);
	f = rule(&v, PORTIER_AUDIT_TROJAN_REMOTE, 31337);
	assert_non_null(f);
	assert_int_equal(f->severity, PORTIER_RISK_LOW);
	assert_non_null(strstr(f->where, "203.0.0.7:31337"));
	done(m, &v);

	/* an accepted connection from a peer's port 31337 is not "out" */
	m = made_new();
	p = made_proc(m, 22, "nginx", "/usr/sbin/nginx", false);
	listen_tcp(m, "any", 8088, p);
	made_sock(m, PORTIER_LOCAL_TCP, PORTIER_SS_ESTABLISHED, "lan", 8088,
		  31337, p);
	v = judge(m, true);
	assert_null(rule(&v, PORTIER_AUDIT_TROJAN_REMOTE, 0));
	done(m, &v);
}

static void test_windows_sharing(void **state)
{
	struct made *m = made_new();
	long p = made_proc(m, 30, "smbd", "/usr/sbin/smbd", false);
	struct verdict v;
	const struct portier_finding *f;

	(void)state;
	listen_tcp(m, "any", 445, p);
	made_sock(m, PORTIER_LOCAL_UDP, PORTIER_SS_CLOSE, "lan", 137, 0,
		  made_proc(m, 31, "nmbd", "/usr/sbin/nmbd", false));
	listen_tcp(m, "lo", 139, p); /* loopback: fine */
	v = judge(m, true);
	f = rule(&v, PORTIER_AUDIT_WINDOWS_SHARING, 445);
	assert_non_null(f);
	assert_int_equal(f->severity, PORTIER_RISK_HIGH);
	assert_string_equal(f->advice, "stop smbd (test advice)");
	assert_non_null(rule(&v, PORTIER_AUDIT_WINDOWS_SHARING, 137));
	assert_null(rule(&v, PORTIER_AUDIT_WINDOWS_SHARING, 139));
	/* smbd on 445 and nmbd on 137 are the expected programs */
	assert_null(rule(&v, PORTIER_AUDIT_NAME_MISMATCH, 0));
	done(m, &v);
}

static void test_legacy_services(void **state)
{
	struct made *m = made_new();
	long p = made_proc(m, 40, "in.telnetd", "/usr/sbin/in.telnetd", false);
	struct verdict v;
	const struct portier_finding *f;

	(void)state;
	listen_tcp(m, "any", 23, p);
	listen_tcp(m, "lo", 79, p);
	made_sock(m, PORTIER_LOCAL_UDP, PORTIER_SS_CLOSE, "any", 514, 0, p);
	listen_tcp(m, "any", 2323, p);
	v = judge(m, true);
	f = rule(&v, PORTIER_AUDIT_LEGACY_SERVICE, 23);
	assert_non_null(f);
	assert_int_equal(f->severity, PORTIER_RISK_HIGH);
	assert_non_null(strstr(f->reason, "telnet"));
	f = rule(&v, PORTIER_AUDIT_LEGACY_SERVICE, 79);
	assert_non_null(f);
	assert_int_equal(f->severity, PORTIER_RISK_MEDIUM); /* loopback */
	/* 514/udp is syslog, not rsh; 2323 is nothing */
	assert_null(rule(&v, PORTIER_AUDIT_LEGACY_SERVICE, 514));
	assert_null(rule(&v, PORTIER_AUDIT_LEGACY_SERVICE, 2323));
	/* telnetd on 23 is telnet: its trojan history is no finding */
	assert_null(rule(&v, PORTIER_AUDIT_TROJAN_PORT, 23));
	done(m, &v);
}

static void test_local_only(void **state)
{
	struct made *m = made_new();
	long p = made_proc(m, 50, "redis-server", "/usr/bin/redis-server",
			   false);
	struct verdict v;
	const struct portier_finding *f;

	(void)state;
	listen_tcp(m, "any", 6379, p);
	v = judge(m, true);
	f = rule(&v, PORTIER_AUDIT_LOCAL_ONLY, 6379);
	assert_non_null(f);
	assert_int_equal(f->severity, PORTIER_RISK_HIGH);
	assert_non_null(strstr(f->reason, "every address"));
	assert_string_equal(f->advice, "bind 127.0.0.1 (test advice)");
	assert_int_equal(v.n, 1);
	done(m, &v);

	m = made_new();
	p = made_proc(m, 51, "redis-server", "/usr/bin/redis-server", false);
	listen_tcp(m, "lo", 6379, p);
	v = judge(m, true);
	assert_int_equal(v.n, 0);
	done(m, &v);
}

static void test_risky_port(void **state)
{
	struct made *m = made_new();
	long p = made_proc(m, 60, "svc", "/usr/sbin/svc", false);
	struct verdict v;
	const struct portier_finding *f;

	(void)state;
	listen_tcp(m, "any", 9999, p);
	listen_tcp(m, "lo", 9999, p); /* merged, loopback not judged */
	listen_tcp(m, "any", 8088, p);
	v = judge(m, true);
	f = rule(&v, PORTIER_AUDIT_RISKY_PORT, 9999);
	assert_non_null(f);
	assert_int_equal(f->severity, PORTIER_RISK_MEDIUM); /* high, lan */
	assert_int_equal(f->count, 1);
	assert_null(rule(&v, PORTIER_AUDIT_RISKY_PORT, 8088)); /* low, any */
	done(m, &v);
}

static void test_exe_rules(void **state)
{
	struct made *m = made_new();
	long del = made_proc(m, 70, "gone", "/opt/app/gone", true);
	long shm = made_proc(m, 71, "shm", "/dev/shm/.s", false);
	long home = made_proc(m, 72, "dev", "/home/ann/bin/dev", false);
	long ok = made_proc(m, 73, "labsvc", "/usr/sbin/labsvc", false);
	struct verdict v;
	const struct portier_finding *f;
	size_t i, n_loc = 0;

	(void)state;
	listen_tcp(m, "any", 7001, del);
	made_sock(m, PORTIER_LOCAL_UDP, PORTIER_SS_CLOSE, "any", 7001, 0, del);
	listen_tcp(m, "lo", 7001, shm);
	listen_tcp(m, "lo", 7001, home);
	listen_tcp(m, "any", 7001, ok);
	v = judge(m, true);
	f = rule(&v, PORTIER_AUDIT_EXE_DELETED, 0);
	assert_non_null(f);
	assert_int_equal(f->severity, PORTIER_RISK_HIGH);
	assert_int_equal(m->l.procs[f->proc].pid, 70);
	/* one finding per process, listing both of its sockets */
	assert_int_equal(f->count, 2);
	assert_non_null(strstr(f->where, "tcp 0.0.0.0:7001"));
	assert_non_null(strstr(f->where, "udp 0.0.0.0:7001"));
	for (i = 0; i < v.n; i++) {
		if (v.f[i].rule != PORTIER_AUDIT_EXE_LOCATION)
			continue;
		n_loc++;
		assert_true(m->l.procs[v.f[i].proc].pid == 71 ||
			    m->l.procs[v.f[i].proc].pid == 72);
	}
	assert_int_equal(n_loc, 2);
	assert_int_equal(v.n, 3); /* nothing about the others */
	done(m, &v);
}

static void test_name_mismatch(void **state)
{
	struct made *m = made_new();
	struct verdict v;
	const struct portier_finding *f;

	(void)state;
	listen_tcp(m, "lo", 22, made_proc(m, 80, "nc", "/usr/bin/nc", false));
	v = judge(m, true);
	f = rule(&v, PORTIER_AUDIT_NAME_MISMATCH, 22);
	assert_non_null(f);
	assert_int_equal(f->severity, PORTIER_RISK_MEDIUM);
	assert_non_null(strstr(f->reason, "nc"));
	done(m, &v);

	m = made_new();
	listen_tcp(m, "lo", 22,
		   made_proc(m, 81, "sshd", "/usr/sbin/sshd", false));
	listen_tcp(
		m, "lo", 22,
		made_proc(m, 1, "systemd", "/usr/lib/systemd/systemd", false));
	v = judge(m, true);
	assert_int_equal(v.n, 0);
	done(m, &v);
}

/* Does a listener on tcp/port held by (comm, exe) raise name-mismatch? */
static bool mismatch_on(uint16_t port, const char *comm, const char *exe)
{
	struct made *m = made_new();
	struct verdict v;
	bool hit;

	listen_tcp(m, "lo", port, made_proc(m, 82, comm, exe, false));
	v = judge(m, true);
	hit = rule(&v, PORTIER_AUDIT_NAME_MISMATCH, port) != NULL;
	done(m, &v);
	return hit;
}

/*
 * Names are whole names: a short name that begins a holder's or a
 * service's name ("sys" for systemd) is not that program, and the comm a
 * process gave itself does not count when its executable is known.  Only
 * a comm of 15 bytes, the kernel's cut, matches a longer name it begins.
 */
static void test_name_matching(void **state)
{
	static const struct portier_proc renamed = {
		.pid = 83, .comm = "eldim", .exe = "/usr/bin/python3"};
	static const struct portier_proc real = {
		.pid = 84, .comm = "eldim", .exe = "/usr/sbin/eldim"};
	static const struct portier_proc daemon = {
		.pid = 85, .comm = "eldimd", .exe = "/usr/sbin/eldimd"};
	static const struct portier_proc longer = {
		.pid = 86, .comm = "eldim-x", .exe = "/usr/sbin/eldim-x"};

	(void)state;
	/* prefixes of holder names (systemd, containerd-shim, docker-proxy) */
	assert_true(mismatch_on(22, "sys", "/usr/bin/sys"));
	assert_true(mismatch_on(22, "con", NULL));
	assert_true(mismatch_on(22, "doc", "/opt/doc"));
	/* a longer name that begins with an expected one */
	assert_true(mismatch_on(22, "sshd-evil", "/usr/sbin/sshd-evil"));
	assert_true(mismatch_on(22, "sshd-evil", NULL));
	/* a renamed interpreter: the executable decides */
	assert_true(mismatch_on(22, "sshd", "/usr/bin/python3"));
	/* a 15-byte comm that begins no expected name */
	assert_true(mismatch_on(22, "sshdxxxxxxxxxxx", NULL));

	/* positives: the real programs, by executable or by comm */
	assert_false(mismatch_on(22, "sshd", "/usr/sbin/sshd"));
	assert_false(mismatch_on(22, "sshd", NULL));
	assert_false(mismatch_on(22, "systemd", "/usr/lib/systemd/systemd"));
	assert_false(mismatch_on(22, "containerd-shim",
				 "/usr/bin/containerd-shim-runc-v2"));
	assert_false(mismatch_on(22, "containerd-shim", NULL)); /* cut */
	assert_false(mismatch_on(53, "systemd-resolve",
				 "/usr/lib/systemd/systemd-resolved"));
	assert_false(mismatch_on(53, "systemd-resolve", NULL)); /* cut */

	/* the trust of a trojan port's owner: 31337 is "eldim" here */
	assert_int_equal(
		portier_audit_owner_trust(&real, kb, 31337, PORTIER_PROTO_TCP),
		PORTIER_OWNER_SERVICE);
	assert_int_equal(portier_audit_owner_trust(&daemon, kb, 31337,
						   PORTIER_PROTO_TCP),
			 PORTIER_OWNER_SERVICE);
	assert_int_equal(portier_audit_owner_trust(&renamed, kb, 31337,
						   PORTIER_PROTO_TCP),
			 PORTIER_OWNER_SYSTEM);
	assert_int_equal(portier_audit_owner_trust(&longer, kb, 31337,
						   PORTIER_PROTO_TCP),
			 PORTIER_OWNER_SYSTEM);
}

/* Is s valid UTF-8 (RFC 3629: no overlongs, surrogates, or cut sequences)? */
static bool valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = *p < 0x80		      ? 1
			   : *p >= 0xc2 && *p <= 0xdf ? 2
			   : *p >= 0xe0 && *p <= 0xef ? 3
			   : *p >= 0xf0 && *p <= 0xf4 ? 4
						      : 0;
		size_t i;

		if (!n)
			return false;
		for (i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return false;
		p += n;
	}
	return true;
}

/*
 * A path of two-byte characters longer than what a reason quotes: the cut
 * (at 200 bytes in the owner text, at the end of the 600-byte reason for
 * the deleted-exe rule, which quotes the whole path) must fall between
 * characters, or the reason is not UTF-8 and JSON output refuses it.
 */
static void test_reason_cut_on_char_boundary(void **state)
{
	char exe[5 + 2 * 300 + 1];
	struct made *m = made_new();
	struct verdict v;
	size_t i, found = 0;

	(void)state;
	memcpy(exe, "/opt/", 5);
	for (i = 0; i < 300; i++)
		memcpy(exe + 5 + 2 * i, "\xc3\xa9", 2); /* U+00E9 */
	exe[sizeof(exe) - 1] = '\0';
	listen_tcp(m, "any", 7205, made_proc(m, 90, "caf\xc3\xa9", exe, true));
	v = judge(m, true);
	for (i = 0; i < v.n; i++) {
		assert_true(valid_utf8(v.f[i].reason));
		assert_true(valid_utf8(v.f[i].advice));
		assert_true(valid_utf8(v.f[i].where));
		found += v.f[i].rule == PORTIER_AUDIT_EXE_DELETED ||
			 v.f[i].rule == PORTIER_AUDIT_UNKNOWN_PORT;
	}
	assert_int_equal(found, 2);
	/* the owner text quotes 194 of the path's bytes: 97 characters */
	assert_non_null(rule(&v, PORTIER_AUDIT_UNKNOWN_PORT, 7205));
	assert_non_null(
		strstr(rule(&v, PORTIER_AUDIT_UNKNOWN_PORT, 7205)->reason,
		       "caf\xc3\xa9 (pid 90, /opt/\xc3\xa9"));
	done(m, &v);
}

static void test_close_wait(void **state)
{
	struct made *m = made_new();
	long p = made_proc(m, 90, "leaky", "/usr/bin/leaky", false);
	struct verdict v;
	const struct portier_finding *f;
	int i;

	(void)state;
	for (i = 0; i < 60; i++)
		made_sock(m, PORTIER_LOCAL_TCP, PORTIER_SS_CLOSE_WAIT, "lan",
			  (uint16_t)(40000 + i), 80, p);
	v = judge(m, true);
	f = rule(&v, PORTIER_AUDIT_CLOSE_WAIT, 0);
	assert_non_null(f);
	assert_int_equal(f->severity, PORTIER_RISK_MEDIUM);
	assert_int_equal(f->count, 60);
	assert_int_equal(m->l.procs[f->proc].pid, 90);
	assert_non_null(strstr(f->reason, "leaky"));
	done(m, &v);

	m = made_new();
	p = made_proc(m, 91, "fine", "/usr/bin/fine", false);
	for (i = 0; i < 10; i++)
		made_sock(m, PORTIER_LOCAL_TCP, PORTIER_SS_CLOSE_WAIT, "lan",
			  (uint16_t)(40000 + i), 80, p);
	v = judge(m, true);
	assert_int_equal(v.n, 0);
	done(m, &v);
}

static void test_no_owner_and_unknown(void **state)
{
	struct made *m = made_new();
	struct verdict v;

	(void)state;
	listen_tcp(m, "any", 7001, -1);
	listen_tcp(m, "any", 47113,
		   made_proc(m, 95, "mystery", "/usr/bin/mystery", false));
	v = judge(m, true);
	assert_non_null(rule(&v, PORTIER_AUDIT_NO_OWNER, 7001));
	assert_int_equal(rule(&v, PORTIER_AUDIT_NO_OWNER, 7001)->severity,
			 PORTIER_RISK_NONE);
	assert_non_null(rule(&v, PORTIER_AUDIT_UNKNOWN_PORT, 47113));
	assert_null(rule(&v, PORTIER_AUDIT_UNKNOWN_PORT, 7001)); /* known */
	assert_null(rule(&v, PORTIER_AUDIT_NO_OWNER, 47113));
	portier_free(v.f);
	/* without root an ownerless socket proves nothing */
	v = judge(m, false);
	assert_null(rule(&v, PORTIER_AUDIT_NO_OWNER, 0));
	done(m, &v);
}

static void test_merge_and_order(void **state)
{
	struct made *m = made_new();
	long p = made_proc(m, 99, "in.telnetd", "/usr/sbin/in.telnetd", false);
	struct verdict v;
	struct portier_sock *s6;

	(void)state;
	listen_tcp(m, "any", 23, p);
	s6 = listen_tcp(m, "any", 23, p);
	s6->family = AF_INET6;
	made_sock(m, PORTIER_LOCAL_UDP, PORTIER_SS_CLOSE, "any", 47113, 0, p);
	v = judge(m, true);
	assert_int_equal(v.n, 2);
	assert_int_equal(v.f[0].rule, PORTIER_AUDIT_LEGACY_SERVICE);
	assert_int_equal(v.f[0].count, 2);
	assert_string_equal(v.f[0].where, "tcp 0.0.0.0:23, tcp [::]:23");
	assert_int_equal(v.f[1].rule, PORTIER_AUDIT_UNKNOWN_PORT);
	done(m, &v);
}

static void test_names_and_helpers(void **state)
{
	enum portier_risk r;
	struct portier_proc p = {
		.pid = 1, .comm = "eldim", .exe = "/usr/sbin/eldim"};

	(void)state;
	assert_string_equal(portier_audit_rule_name(PORTIER_AUDIT_TROJAN_PORT),
			    "trojan-port");
	assert_string_equal(portier_audit_rule_name(PORTIER_AUDIT_UNKNOWN_PORT),
			    "unknown-port");
	assert_string_equal(portier_audit_severity_name(PORTIER_RISK_NONE),
			    "info");
	assert_int_equal(portier_audit_severity_parse("HIGH", &r), 0);
	assert_int_equal(r, PORTIER_RISK_HIGH);
	assert_int_equal(portier_audit_severity_parse("info", &r), 0);
	assert_int_equal(r, PORTIER_RISK_NONE);
	assert_int_equal(portier_audit_severity_parse("none", &r),
			 PORTIER_EINVAL);
	assert_int_equal(portier_audit_severity_parse("urgent", &r),
			 PORTIER_EINVAL);
	assert_string_equal(portier_audit_exe_place("/tmp/a"), "/tmp");
	assert_string_equal(portier_audit_exe_place("/dev/shm/a"), "/dev/shm");
	assert_null(portier_audit_exe_place("/usr/bin/tmp"));
	assert_null(portier_audit_exe_place(NULL));
	assert_int_equal(
		portier_audit_owner_trust(&p, kb, 31337, PORTIER_PROTO_TCP),
		PORTIER_OWNER_SERVICE);
	p.exe = "/opt/eldim/eldim";
	assert_int_equal(
		portier_audit_owner_trust(&p, kb, 31337, PORTIER_PROTO_TCP),
		PORTIER_OWNER_OTHER);
	assert_int_equal(
		portier_audit_owner_trust(NULL, kb, 31337, PORTIER_PROTO_TCP),
		PORTIER_OWNER_UNKNOWN);
}

static void test_nomem(void **state)
{
	struct made *m = made_new();
	struct portier_audit_opts o = {.privileged = true};
	struct portier_err err = {0};
	struct portier_finding *f = NULL;
	size_t n = 0;

	(void)state;
	listen_tcp(m, "any", 23, -1);
	portier_alloc_fail_after(0);
	assert_int_equal(portier_audit_run(&m->l, kb, &o, &f, &n, &err),
			 PORTIER_ENOMEM);
	portier_alloc_fail_after(-1);
	assert_null(f);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trojan_port_weighs_owner),
		cmocka_unit_test(test_trojan_not_on_outgoing_local_port),
		cmocka_unit_test(test_trojan_not_on_ephemeral_udp),
		cmocka_unit_test(test_trojan_remote),
		cmocka_unit_test(test_windows_sharing),
		cmocka_unit_test(test_legacy_services),
		cmocka_unit_test(test_local_only),
		cmocka_unit_test(test_risky_port),
		cmocka_unit_test(test_exe_rules),
		cmocka_unit_test(test_name_mismatch),
		cmocka_unit_test(test_name_matching),
		cmocka_unit_test(test_reason_cut_on_char_boundary),
		cmocka_unit_test(test_close_wait),
		cmocka_unit_test(test_no_owner_and_unknown),
		cmocka_unit_test(test_merge_and_order),
		cmocka_unit_test(test_names_and_helpers),
		cmocka_unit_test(test_nomem),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
