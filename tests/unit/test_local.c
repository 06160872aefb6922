/*
 * test_local.c - the local module without a kernel: sock_diag requests
 * built and replies parsed from dumps captured in a lab namespace
 * (the .bin files of tests/data/local, see README.md there), owners found in a
 * fake /proc tree (tests/data/local/proc), counters and interfaces parsed from
 * captured /proc/net files, and the diagnosis rules on made-up snapshots
 * (each with a case that must fire and one that must not).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "local/local_int.h"

static char *data_path(const char *name)
{
	static char path[1024];
	const char *dir = getenv("PORTIER_TESTDATA");

	snprintf(path, sizeof(path), "%s/local/%s", dir ? dir : "tests/data",
		 name);
	return path;
}

/* Read a fixture into a 4-byte-aligned buffer (malloc aligns). */
static uint8_t *load(const char *name, size_t *len)
{
	FILE *f = fopen(data_path(name), "rb");
	uint8_t *buf = malloc(65536);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, 65536, f);
	fclose(f);
	return buf;
}

struct fixture {
	struct local_socks socks;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	fx->socks.arena = local_arena_new();
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	portier_free(fx->socks.v);
	local_arena_free(fx->socks.arena);
	free(fx);
	return 0;
}

/* ---- requests -------------------------------------------------------------
 */

static void test_build_inet(void **state)
{
	uint8_t buf[SOCKDIAG_REQ_MAX] __attribute__((aligned(4)));
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct inet_diag_req_v2 *req;
	size_t len;

	(void)state;
	len = sockdiag_build_inet(buf, sizeof(buf), AF_INET6, IPPROTO_TCP,
				  PORTIER_STATES_LISTENING, 7);
	assert_int_equal(len, NLMSG_LENGTH(sizeof(*req)));
	assert_int_equal(nlh->nlmsg_len, len);
	assert_int_equal(nlh->nlmsg_type, SOCK_DIAG_BY_FAMILY);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(nlh->nlmsg_seq, 7);
	req = NLMSG_DATA(nlh);
	assert_int_equal(req->sdiag_family, AF_INET6);
	assert_int_equal(req->sdiag_protocol, IPPROTO_TCP);
	assert_int_equal(req->idiag_states, (1u << 10) | (1u << 7));
	assert_int_equal(req->pad, 0);
	/* raw: the pad byte asks for every raw protocol */
	len = sockdiag_build_inet(buf, sizeof(buf), AF_INET, IPPROTO_RAW,
				  PORTIER_STATES_ALL, 8);
	assert_true(len > 0);
	assert_int_equal(
		((const struct inet_diag_req_raw *)req)->sdiag_raw_protocol,
		IPPROTO_RAW);
	/* too small a buffer builds nothing */
	assert_int_equal(
		sockdiag_build_inet(buf, 20, AF_INET, IPPROTO_TCP, 1, 1), 0);
}

static void test_build_ports(void **state)
{
	uint8_t buf[SOCKDIAG_REQ_MAX] __attribute__((aligned(4)));
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct nlattr *a;
	const struct inet_diag_bc_op *op;
	size_t len, off, n;
	int jumps_to_end = 0;

	(void)state;
	len = sockdiag_build_inet_ports(buf, sizeof(buf), AF_INET, IPPROTO_TCP,
					PORTIER_STATES_ALL, 9, 440, 445);
	assert_int_equal(len, nlh->nlmsg_len);
	a = (const void *)(buf + NLMSG_LENGTH(sizeof(struct inet_diag_req_v2)));
	assert_int_equal(a->nla_type, INET_DIAG_REQ_BYTECODE);
	n = a->nla_len - sizeof(*a);
	assert_int_equal(n, 36);
	op = (const void *)(a + 1);
	/* the yes-chain visits every op and ends exactly at the end */
	for (off = 0; off < n; off += op[off / 4].yes) {
		assert_true(op[off / 4].yes >= 4);
		if (op[off / 4].code == INET_DIAG_BC_JMP)
			jumps_to_end += off + op[off / 4].no == n;
	}
	assert_int_equal(off, n);
	assert_int_equal(jumps_to_end, 1);
	assert_int_equal(op[0].code, INET_DIAG_BC_S_GE);
	assert_int_equal(op[1].no, 440);
	assert_int_equal(op[3].no, 445);
	assert_int_equal(op[5].code, INET_DIAG_BC_D_GE);
	assert_int_equal(op[8].no, 445);
	assert_int_equal(sockdiag_build_inet_ports(buf, 80, AF_INET,
						   IPPROTO_TCP, 1, 1, 1, 2),
			 0);
}

static void test_build_unix(void **state)
{
	uint8_t buf[SOCKDIAG_REQ_MAX] __attribute__((aligned(4)));
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct unix_diag_req *req = NLMSG_DATA(nlh);
	size_t len;

	(void)state;
	len = sockdiag_build_unix(buf, sizeof(buf), 1u << 10, 3);
	assert_int_equal(len, NLMSG_LENGTH(sizeof(*req)));
	assert_int_equal(req->sdiag_family, AF_UNIX);
	assert_int_equal(req->udiag_states, 1u << 10);
	assert_true(req->udiag_show & UDIAG_SHOW_NAME);
	assert_true(req->udiag_show & UDIAG_SHOW_UID);
}

/* ---- captured replies ---------------------------------------------------- */

static const struct portier_sock *find(const struct local_socks *s,
				       uint16_t lport, uint8_t state)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].lport == lport && s->v[i].state == state)
			return &s->v[i];
	return NULL;
}

static void test_parse_tcp4(void **state)
{
	struct fixture *fx = *state;
	const struct portier_sock *l, *srv, *cli;
	struct portier_err err = {0};
	size_t len;
	uint8_t *buf = load("tcp4.0.bin", &len);
	char a[64];

	assert_int_equal(
		sockdiag_parse(buf, len, PORTIER_LOCAL_TCP, &fx->socks, &err),
		0);
	free(buf);
	assert_int_equal(fx->socks.n, 3);
	l = find(&fx->socks, 7001, PORTIER_SS_LISTEN);
	assert_non_null(l);
	assert_int_equal(l->proto, PORTIER_LOCAL_TCP);
	assert_int_equal(l->family, AF_INET);
	assert_int_equal(l->wqueue, 64); /* the backlog lab-sockhold asked */
	assert_true(l->inode != 0);
	portier_sock_addr(l, false, a, sizeof(a));
	assert_string_equal(a, "127.0.0.1");
	assert_true(portier_sock_loopback(l));
	assert_false(portier_sock_wildcard(l));
	assert_true(portier_sock_listening(l));
	assert_string_equal(portier_sock_state_name(l), "LISTEN");

	/* the two ends of the connection point at each other */
	srv = find(&fx->socks, 7001, PORTIER_SS_ESTABLISHED);
	assert_non_null(srv);
	cli = find(&fx->socks, srv->rport, PORTIER_SS_ESTABLISHED);
	assert_non_null(cli);
	assert_int_equal(cli->rport, 7001);
	assert_string_equal(portier_sock_state_name(cli), "ESTAB");
	assert_true(srv->inode && cli->inode && srv->inode != cli->inode);

	/* the next chunk is NLMSG_DONE */
	buf = load("tcp4.1.bin", &len);
	assert_int_equal(
		sockdiag_parse(buf, len, PORTIER_LOCAL_TCP, &fx->socks, &err),
		1);
	free(buf);
	assert_int_equal(fx->socks.n, 3);
}

static void test_parse_tcp6_udp(void **state)
{
	struct fixture *fx = *state;
	struct portier_err err = {0};
	const struct portier_sock *s;
	size_t len;
	uint8_t *buf = load("tcp6.0.bin", &len);
	char a[64];

	assert_int_equal(
		sockdiag_parse(buf, len, PORTIER_LOCAL_TCP, &fx->socks, &err),
		0);
	free(buf);
	assert_int_equal(fx->socks.n, 1);
	s = &fx->socks.v[0];
	assert_int_equal(s->family, AF_INET6);
	assert_int_equal(s->lport, 7002);
	portier_sock_addr(s, false, a, sizeof(a));
	assert_string_equal(a, "::1");
	assert_true(portier_sock_loopback(s));

	buf = load("udp4.0.bin", &len);
	assert_int_equal(
		sockdiag_parse(buf, len, PORTIER_LOCAL_UDP, &fx->socks, &err),
		0);
	free(buf);
	assert_int_equal(fx->socks.n, 2);
	s = &fx->socks.v[1];
	assert_int_equal(s->proto, PORTIER_LOCAL_UDP);
	assert_int_equal(s->lport, 7003);
	assert_int_equal(s->state, PORTIER_SS_CLOSE);
	assert_string_equal(portier_sock_state_name(s), "UNCONN");
	assert_true(portier_sock_wildcard(s));
	assert_false(portier_sock_loopback(s));
	assert_true(portier_sock_listening(s));
}

static void test_parse_unix(void **state)
{
	struct fixture *fx = *state;
	struct portier_err err = {0};
	size_t len;
	uint8_t *buf = load("unix.0.bin", &len);

	assert_int_equal(
		sockdiag_parse(buf, len, PORTIER_LOCAL_TCP, &fx->socks, &err),
		0);
	free(buf);
	assert_int_equal(fx->socks.n, 1);
	assert_int_equal(fx->socks.v[0].proto, PORTIER_LOCAL_UNIX);
	assert_int_equal(fx->socks.v[0].type, SOCK_STREAM);
	assert_int_equal(fx->socks.v[0].state, PORTIER_SS_LISTEN);
	assert_string_equal(fx->socks.v[0].path, "@portier-test");
}

/* A kernel without raw_diag ends the dump with DONE carrying -ENOENT. */
static void test_parse_done_error(void **state)
{
	struct fixture *fx = *state;
	struct portier_err err = {0};
	size_t len;
	uint8_t *buf = load("raw4.0.bin", &len);

	assert_int_equal(
		sockdiag_parse(buf, len, PORTIER_LOCAL_RAW, &fx->socks, &err),
		PORTIER_ENOENT);
	free(buf);
	assert_int_equal(fx->socks.n, 0);
	assert_non_null(strstr(err.msg, "refused"));
}

static void test_parse_malformed(void **state)
{
	struct fixture *fx = *state;
	struct portier_err err = {0};
	uint32_t buf[128];
	struct nlmsghdr *nlh = (void *)buf;
	struct nlmsgerr *e;
	size_t len;
	uint8_t *cap = load("tcp4.0.bin", &len);

	/* a chunk cut in the middle of a message */
	assert_int_equal(sockdiag_parse(cap, len - 7, PORTIER_LOCAL_TCP,
					&fx->socks, &err),
			 PORTIER_EPROTO);
	/* a message too short for struct inet_diag_msg */
	memset(buf, 0, sizeof(buf));
	nlh->nlmsg_len = NLMSG_LENGTH(8);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	((uint8_t *)NLMSG_DATA(nlh))[0] = AF_INET;
	assert_int_equal(sockdiag_parse((const uint8_t *)buf, nlh->nlmsg_len,
					PORTIER_LOCAL_TCP, &fx->socks, &err),
			 PORTIER_EPROTO);
	/* an unknown family */
	memcpy(buf, cap, len);
	((uint8_t *)NLMSG_DATA(nlh))[0] = 77;
	assert_int_equal(sockdiag_parse((const uint8_t *)buf, nlh->nlmsg_len,
					PORTIER_LOCAL_TCP, &fx->socks, &err),
			 PORTIER_EPROTO);
	/* an error reply */
	memset(buf, 0, sizeof(buf));
	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(*e));
	nlh->nlmsg_type = NLMSG_ERROR;
	e = NLMSG_DATA(nlh);
	e->error = -EPERM;
	assert_int_equal(sockdiag_parse((const uint8_t *)buf, nlh->nlmsg_len,
					PORTIER_LOCAL_TCP, &fx->socks, &err),
			 -EPERM);
	/* nothing at all is "more to come", not an error */
	assert_int_equal(sockdiag_parse((const uint8_t *)buf, 0,
					PORTIER_LOCAL_TCP, &fx->socks, &err),
			 0);
	free(cap);
}

static void test_parse_nomem(void **state)
{
	struct fixture *fx = *state;
	struct portier_err err = {0};
	size_t len;
	uint8_t *buf = load("tcp4.0.bin", &len);

	portier_alloc_fail_after(0);
	assert_int_equal(
		sockdiag_parse(buf, len, PORTIER_LOCAL_TCP, &fx->socks, &err),
		PORTIER_ENOMEM);
	portier_alloc_fail_after(-1);
	free(buf);
}

/* ---- /proc/net/raw fallback
 * ----------------------------------------------------- */

static void test_procnet_raw(void **state)
{
	struct fixture *fx = *state;
	static const char text[] =
		"  sl  local_address rem_address   st tx_queue rx_queue tr "
		"tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
		"    1: 00000000:0001 00000000:0000 07 00000000:00000000 "
		"00:00000000 "
		"00000000     0        0 4242 2 0000000000000000 0\n"
		"garbage line\n"
		"    2: 0100007F:0011 00000000:0000 07 00000000:000000A0 "
		"00:00000000 "
		"00000000  1000        0 4243 2 0000000000000000 0\n";
	char a[64];

	(void)state;
	assert_int_equal(local_procnet_parse(text, sizeof(text) - 1, AF_INET,
					     PORTIER_LOCAL_RAW, &fx->socks),
			 0);
	assert_int_equal(fx->socks.n, 2);
	assert_int_equal(fx->socks.v[0].lport, 1); /* ICMP */
	assert_int_equal(fx->socks.v[0].inode, 4242);
	assert_int_equal(fx->socks.v[1].lport, 17);
	assert_int_equal(fx->socks.v[1].uid, 1000);
	assert_int_equal(fx->socks.v[1].rqueue, 0xa0);
	portier_sock_addr(&fx->socks.v[1], false, a, sizeof(a));
	assert_string_equal(a, "127.0.0.1");
}

static void test_procnet_v6(void **state)
{
	struct fixture *fx = *state;
	/* a TCP listener on [::1]:631 as /proc/net/tcp6 prints it */
	static const char text[] =
		"  sl  local_address                         remote_address      "
		"                  st tx_queue rx_queue tr tm->when retrnsmt   "
		"uid  timeout inode\n"
		"   0: 00000000000000000000000001000000:0277 "
		"00000000000000000000000000000000:0000 0A 00000000:00000000 "
		"00:00000000 00000000     0        0 31337 1 0000000000000000 "
		"100 0 0 10 0\n";
	char a[64];

	assert_int_equal(local_procnet_parse(text, sizeof(text) - 1, AF_INET6,
					     PORTIER_LOCAL_TCP, &fx->socks),
			 0);
	assert_int_equal(fx->socks.n, 1);
	assert_int_equal(fx->socks.v[0].lport, 631);
	assert_int_equal(fx->socks.v[0].state, PORTIER_SS_LISTEN);
	assert_int_equal(fx->socks.v[0].inode, 31337);
	portier_sock_addr(&fx->socks.v[0], false, a, sizeof(a));
	assert_string_equal(a, "::1");
	/* cut short anywhere: no socket, no overread */
	fx->socks.n = 0;
	assert_int_equal(local_procnet_parse(text, 200, AF_INET6,
					     PORTIER_LOCAL_TCP, &fx->socks),
			 0);
	assert_int_equal(fx->socks.n, 0);
}

/*
 * The "sl" column is a decimal line number: from line 10000 on it has five
 * digits, which a 4-hex-digit reading took for "1000" followed by junk and
 * dropped the line.
 */
static void test_procnet_sl_decimal(void **state)
{
	struct fixture *fx = *state;
	static const char text[] =
		"  sl  local_address rem_address   st tx_queue rx_queue tr "
		"tm->when retrnsmt   uid  timeout inode\n"
		"9999: 0100007F:0016 00000000:0000 0A 00000000:00000000 "
		"00:00000000 00000000     0        0 9999 1 0000000000000000\n"
		"10000: 0100007F:0017 00000000:0000 0A 00000000:00000000 "
		"00:00000000 00000000     0        0 10000 1 0000000000000000\n"
		"123456: 0100007F:0018 00000000:0000 0A 00000000:00000000 "
		"00:00000000 00000000     0        0 123456 1 0000000000000000\n"
		/* not a decimal slot: skipped */
		"   a: 0100007F:0019 00000000:0000 0A 00000000:00000000 "
		"00:00000000 00000000     0        0 77 1 0000000000000000\n"
		": 0100007F:001A 00000000:0000 0A 00000000:00000000 "
		"00:00000000 00000000     0        0 78 1 0000000000000000\n";

	assert_int_equal(local_procnet_parse(text, sizeof(text) - 1, AF_INET,
					     PORTIER_LOCAL_TCP, &fx->socks),
			 0);
	assert_int_equal(fx->socks.n, 3);
	assert_int_equal(fx->socks.v[0].lport, 22);
	assert_int_equal(fx->socks.v[0].inode, 9999);
	assert_int_equal(fx->socks.v[1].lport, 23);
	assert_int_equal(fx->socks.v[1].inode, 10000);
	assert_int_equal(fx->socks.v[2].lport, 24);
	assert_int_equal(fx->socks.v[2].inode, 123456);
}

/* ---- owners from a fake /proc
 * ----------------------------------------------------- */

static struct portier_local *fake_snapshot(const uint64_t *inodes, size_t n)
{
	struct portier_local *l = calloc(1, sizeof(*l));
	size_t i;

	l->socks = calloc(n, sizeof(*l->socks));
	for (i = 0; i < n; i++) {
		l->socks[i].inode = inodes[i];
		l->socks[i].proto = PORTIER_LOCAL_TCP;
		l->socks[i].family = AF_INET;
		l->socks[i].state = PORTIER_SS_LISTEN;
		l->socks[i].lport = (uint16_t)(1000 + i);
	}
	l->n_socks = n;
	return l;
}

static void free_fake(struct portier_local *l)
{
	portier_free(l->owners);
	portier_free(l->procs);
	free(l->socks);
	free(l);
}

static void test_procs_scan(void **state)
{
	/* 1001, 1002: sshd; 1003: shared by 200 and 300; 1004, 1005: evil;
	 * 2000: nobody's; 55555 is pid 500's but not in the snapshot */
	static const uint64_t inodes[] = {1001, 1002, 1003, 1004,
					  1005, 2000, 0};
	struct portier_local *l = fake_snapshot(inodes, 7);
	struct local_arena *a = local_arena_new();
	struct portier_err err = {0};
	const struct portier_proc *p;
	size_t i;
	int fd;

	(void)state;
	assert_int_equal(local_procs_scan(l, data_path("proc"), a, &err), 0);
	assert_true(l->procs_scanned);
	/* only the processes that own a reported socket are read */
	assert_int_equal(l->n_procs, 4);
	for (i = 0; i < l->n_procs; i++)
		assert_int_not_equal(l->procs[i].pid, 500);

	p = portier_local_owner(l, &l->socks[0], 0, &fd);
	assert_non_null(p);
	assert_int_equal(p->pid, 100);
	assert_int_equal(fd, 3);
	assert_string_equal(p->comm, "sshd");
	assert_string_equal(p->exe, "/usr/sbin/sshd");
	assert_false(p->exe_deleted);
	assert_int_equal(p->uid, 0);
	assert_string_equal(p->unit, "ssh.service");
	assert_null(p->container);

	/* a socket shared after fork lists both processes, in pid order */
	assert_int_equal(l->socks[2].owner_count, 2);
	assert_int_equal(portier_local_owner(l, &l->socks[2], 0, NULL)->pid,
			 200);
	assert_int_equal(portier_local_owner(l, &l->socks[2], 1, &fd)->pid,
			 300);
	assert_int_equal(fd, 5);
	assert_int_equal(portier_local_owner(l, &l->socks[2], 0, NULL)->uid,
			 1000);
	assert_string_equal(portier_local_owner(l, &l->socks[2], 0, NULL)->unit,
			    "session-4.scope");

	/* the deleted binary in /tmp, inside a docker container */
	p = portier_local_owner(l, &l->socks[4], 0, &fd);
	assert_int_equal(p->pid, 400);
	assert_int_equal(fd, 8);
	assert_true(p->exe_deleted);
	assert_string_equal(p->exe, "/tmp/.x/evil");
	assert_string_equal(p->container, "docker:0123456789ab");
	/* the same process owns 1004 too: one process entry */
	assert_ptr_equal(portier_local_owner(l, &l->socks[3], 0, NULL), p);

	/* nobody's socket and the inode-less one have no owner */
	assert_int_equal(l->socks[5].owner_count, 0);
	assert_int_equal(l->socks[6].owner_count, 0);
	assert_null(portier_local_owner(l, &l->socks[5], 0, NULL));

	local_arena_free(a);
	free_fake(l);
}

static void test_procs_scan_errors(void **state)
{
	static const uint64_t inodes[] = {1001};
	struct portier_local *l = fake_snapshot(inodes, 1);
	struct local_arena *a = local_arena_new();
	struct portier_err err = {0};

	(void)state;
	assert_true(local_procs_scan(l, "/nonexistent/proc", a, &err) < 0);
	assert_non_null(strstr(err.msg, "/nonexistent/proc"));
	portier_alloc_fail_after(0);
	assert_int_equal(local_procs_scan(l, data_path("proc"), a, &err),
			 PORTIER_ENOMEM);
	portier_alloc_fail_after(-1);
	local_arena_free(a);
	free_fake(l);
}

/*
 * A socket held through more fds than an owner count holds: the first
 * PORTIER_SOCK_OWNERS_MAX are kept (the count does not wrap), and the
 * sockets placed after it still get their own owners.
 */
static void test_procs_scan_owner_limit(void **state)
{
	static const uint64_t inodes[] = {4242, 4343};
	const unsigned shared = PORTIER_SOCK_OWNERS_MAX + 2;
	struct portier_local *l = fake_snapshot(inodes, 2);
	struct local_arena *a = local_arena_new();
	struct portier_err err = {0};
	char dir[] = "/tmp/portier-owners-XXXXXX", p[256];
	unsigned fd;
	int got;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/777", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/777/fd", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	for (fd = 0; fd <= shared; fd++) {
		snprintf(p, sizeof(p), "%s/777/fd/%u", dir, fd);
		assert_int_equal(symlink(fd == shared ? "socket:[4343]"
						      : "socket:[4242]",
					 p),
				 0);
	}
	assert_int_equal(local_procs_scan(l, dir, a, &err), 0);
	assert_int_equal(l->n_procs, 1);
	assert_int_equal(l->socks[0].owner_count, PORTIER_SOCK_OWNERS_MAX);
	assert_int_equal(l->socks[1].owner_count, 1);
	assert_int_equal(l->n_owners, (size_t)PORTIER_SOCK_OWNERS_MAX + 1);
	assert_int_equal(portier_local_owner(l, &l->socks[0], 0, NULL)->pid,
			 777);
	assert_int_equal(portier_local_owner(l, &l->socks[1], 0, &got)->pid,
			 777);
	assert_int_equal(got, (int)shared);

	for (fd = 0; fd <= shared; fd++) {
		snprintf(p, sizeof(p), "%s/777/fd/%u", dir, fd);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/777/fd", dir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/777", dir);
	rmdir(p);
	rmdir(dir);
	local_arena_free(a);
	free_fake(l);
}

static void test_cgroup_parse(void **state)
{
	struct local_arena *a = local_arena_new();
	const char *cg, *unit, *ct;
	static const char v1[] = "12:cpu:/x\n1:name=systemd:/system.slice/"
				 "cron.service\n";
	static const char lxc[] = "0::/lxc.payload.web1/system.slice/"
				  "nginx.service\n";
	static const char root[] = "0::/\n";

	(void)state;
	local_cgroup_parse(v1, sizeof(v1) - 1, a, &cg, &unit, &ct);
	assert_string_equal(cg, "/system.slice/cron.service");
	assert_string_equal(unit, "cron.service");
	assert_null(ct);
	local_cgroup_parse(lxc, sizeof(lxc) - 1, a, &cg, &unit, &ct);
	assert_string_equal(unit, "nginx.service");
	assert_string_equal(ct, "lxc:web1");
	local_cgroup_parse(root, sizeof(root) - 1, a, &cg, &unit, &ct);
	assert_null(cg);
	assert_null(unit);
	local_cgroup_parse("garbage", 7, a, &cg, &unit, &ct);
	assert_null(cg);
	local_arena_free(a);
}

/* ---- counters
 * ------------------------------------------------------------------ */

static void test_stats(void **state)
{
	struct portier_stats st = {0};
	struct portier_err err = {0};
	uint64_t v;
	static const char bad[] = "Tcp: A B C\nUdp: 1 2 3\nTcp: 1 x\n"
				  "Ip6InReceives 12\nnonsense 5\n";

	(void)state;
	char root[1024];

	portier_strlcpy(root, data_path("proc"), sizeof(root));
	assert_int_equal(portier_stats_read(&st, root, &err), 0);
	assert_true(portier_stats_get(&st, "TcpExt", "ListenOverflows", &v));
	assert_int_equal(v, 17);
	assert_true(portier_stats_get(&st, "Udp", "RcvbufErrors", &v));
	assert_int_equal(v, 5);
	assert_true(portier_stats_get(&st, "Tcp", "ActiveOpens", &v));
	assert_true(portier_stats_get(&st, "Ip6", "InReceives", &v));
	assert_true(portier_stats_get(&st, "Tcp", "MaxConn", &v));
	assert_int_equal(v, 0); /* -1 means "no limit" */
	assert_false(portier_stats_get(&st, "Tcp", "NoSuchCounter", &v));
	portier_stats_free(&st);

	/* a header whose value line belongs to another group is skipped */
	assert_int_equal(portier_stats_parse(&st, bad, sizeof(bad) - 1, &err),
			 0);
	assert_false(portier_stats_get(&st, "Tcp", "A", &v));
	assert_true(portier_stats_get(&st, "Ip6", "InReceives", &v));
	assert_int_equal(v, 12);
	portier_stats_free(&st);
	assert_true(portier_stats_read(&st, "/nonexistent", &err) < 0);
}

static void test_ifstats(void **state)
{
	struct portier_ifstat *v = NULL;
	struct portier_err err = {0};
	size_t n = 0, i;
	char root[1024];
	bool lo = false;

	(void)state;
	portier_strlcpy(root, data_path("proc"), sizeof(root));
	assert_int_equal(portier_ifstats_read(root, &v, &n, &err), 0);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].name, "lo") == 0) {
			lo = true;
			assert_int_equal(v[i].rx_bytes, 3647);
			assert_int_equal(v[i].tx_packets, 36);
		}
	}
	assert_true(lo);
	portier_free(v);
	assert_int_equal(portier_ifstats_parse("x: 1 2\n", 7, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	portier_free(v);
}

/* ---- names
 * ---------------------------------------------------------------------- */

static void test_state_names(void **state)
{
	uint32_t m;

	(void)state;
	assert_int_equal(portier_sock_state_parse("LISTEN", &m), 0);
	assert_int_equal(m, 1u << PORTIER_SS_LISTEN);
	assert_int_equal(portier_sock_state_parse("close_wait", &m), 0);
	assert_int_equal(m, 1u << PORTIER_SS_CLOSE_WAIT);
	assert_int_equal(portier_sock_state_parse("Time-Wait", &m), 0);
	assert_int_equal(m, 1u << PORTIER_SS_TIME_WAIT);
	assert_int_equal(portier_sock_state_parse("established", &m), 0);
	assert_int_equal(m, 1u << PORTIER_SS_ESTABLISHED);
	assert_int_equal(portier_sock_state_parse("FIN_WAIT1", &m), 0);
	assert_int_equal(m, 1u << PORTIER_SS_FIN_WAIT1);
	assert_int_equal(portier_sock_state_parse("listening", &m), 0);
	assert_int_equal(m, PORTIER_STATES_LISTENING);
	assert_int_equal(portier_sock_state_parse("lisen", &m), PORTIER_EINVAL);
	assert_int_equal(portier_sock_state_parse("", &m), PORTIER_EINVAL);
}

static void test_outbound(void **state)
{
	struct portier_local l = {0};
	struct portier_sock s[3] = {{0}};
	struct portier_portmap m;

	(void)state;
	s[0].proto = s[1].proto = s[2].proto = PORTIER_LOCAL_TCP;
	s[0].family = s[1].family = s[2].family = AF_INET;
	s[0].state = PORTIER_SS_LISTEN;
	s[0].lport = 22;
	s[1].state = PORTIER_SS_ESTABLISHED; /* accepted: 22 <- 40000 */
	s[1].lport = 22;
	s[1].rport = 40000;
	s[2].state = PORTIER_SS_ESTABLISHED; /* opened: 31337 -> 443 */
	s[2].lport = 31337;
	s[2].rport = 443;
	l.socks = s;
	l.n_socks = 3;
	portier_local_listen_ports(&l, PORTIER_LOCAL_TCP, &m);
	assert_true(portier_portmap_has(&m, 22));
	assert_false(portier_portmap_has(&m, 31337));
	assert_false(portier_local_outbound(&s[0], &m));
	assert_false(portier_local_outbound(&s[1], &m));
	assert_true(portier_local_outbound(&s[2], &m));
}

/* ---- diagnosis
 * ------------------------------------------------------------------- */

struct made {
	struct portier_local l;
	struct portier_sock socks[1300];
	struct portier_owner owners[1300];
	struct portier_proc procs[2];
	char *netns[1];
};

static struct made *made_new(void)
{
	struct made *m = calloc(1, sizeof(*m));

	m->l.socks = m->socks;
	m->l.owners = m->owners;
	m->l.procs = m->procs;
	m->l.netns = m->netns;
	m->l.n_netns = 1;
	m->netns[0] = (char *)"";
	m->l.procs_scanned = true;
	m->procs[0].pid = 4242;
	portier_strlcpy(m->procs[0].comm, "leaky", sizeof(m->procs[0].comm));
	m->procs[0].exe = "/usr/local/bin/leaky";
	m->procs[1].pid = 77;
	portier_strlcpy(m->procs[1].comm, "tidy", sizeof(m->procs[1].comm));
	m->l.n_procs = 2;
	return m;
}

static struct portier_sock *made_add(struct made *m, uint8_t state,
				     uint16_t lport, uint16_t rport, long proc)
{
	struct portier_sock *s = &m->socks[m->l.n_socks++];

	s->proto = PORTIER_LOCAL_TCP;
	s->family = AF_INET;
	s->state = state;
	s->lport = lport;
	s->rport = rport;
	s->laddr[0] = 10;
	s->raddr[0] = 192;
	s->raddr[3] = 1;
	if (proc >= 0) {
		s->owner_first = (uint32_t)m->l.n_owners;
		s->owner_count = 1;
		m->owners[m->l.n_owners].proc = (uint32_t)proc;
		m->owners[m->l.n_owners++].fd = 3;
	}
	return s;
}

static const struct portier_diag *diag_find(const struct portier_diag *d,
					    size_t n, uint8_t kind)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (d[i].kind == kind)
			return &d[i];
	return NULL;
}

static void test_diag_close_wait(void **state)
{
	struct made *m = made_new();
	struct portier_diag d[16];
	const struct portier_diag *cw;
	size_t n, i;

	(void)state;
	/* 500 CLOSE-WAIT on one process, 10 on another: only the first */
	for (i = 0; i < 500; i++)
		made_add(m, PORTIER_SS_CLOSE_WAIT, (uint16_t)(40000 + i), 80,
			 0);
	for (i = 0; i < 10; i++)
		made_add(m, PORTIER_SS_CLOSE_WAIT, (uint16_t)(50000 + i), 80,
			 1);
	n = portier_local_diagnose(&m->l, NULL, NULL, d, 16);
	assert_int_equal(n, 1);
	cw = diag_find(d, n, PORTIER_DIAG_CLOSE_WAIT);
	assert_non_null(cw);
	assert_int_equal(cw->pid, 4242);
	assert_int_equal(cw->count, 500);
	assert_int_equal(cw->severity, PORTIER_RISK_HIGH); /* >= 10 x 50 */
	assert_non_null(strstr(cw->text, "leaky"));
	assert_non_null(strstr(cw->text, "4242"));
	free(m);

	/* below the threshold: nothing */
	m = made_new();
	for (i = 0; i < 49; i++)
		made_add(m, PORTIER_SS_CLOSE_WAIT, (uint16_t)(40000 + i), 80,
			 0);
	assert_int_equal(portier_local_diagnose(&m->l, NULL, NULL, d, 16), 0);
	free(m);
}

static void test_diag_time_wait(void **state)
{
	struct made *m = made_new();
	struct portier_diag_opts o = {.eph_lo = 32768, .eph_hi = 33767};
	struct portier_diag d[16];
	const struct portier_diag *tw;
	size_t n, i;

	(void)state;
	for (i = 0; i < 950; i++)
		made_add(m, PORTIER_SS_TIME_WAIT, (uint16_t)(32768 + i), 443,
			 -1);
	n = portier_local_diagnose(&m->l, NULL, &o, d, 16);
	assert_int_equal(n, 0); /* under 1000 */
	for (i = 950; i < 1000; i++)
		made_add(m, PORTIER_SS_TIME_WAIT, (uint16_t)(32768 + i), 443,
			 -1);
	n = portier_local_diagnose(&m->l, NULL, &o, d, 16);
	tw = diag_find(d, n, PORTIER_DIAG_TIME_WAIT);
	assert_non_null(tw);
	assert_int_equal(tw->count, 1000);
	/* all 1000 go to 192.0.0.1:443 and the range has 1000 ports */
	assert_int_equal(tw->severity, PORTIER_RISK_HIGH);
	assert_non_null(strstr(tw->text, "192.0.0.1:443"));
	assert_non_null(strstr(tw->text, "32768-33767"));
	free(m);
}

static void test_diag_syn_recv_listen(void **state)
{
	struct made *m = made_new();
	struct portier_diag d[16];
	struct portier_sock *l;
	size_t n, i;

	(void)state;
	l = made_add(m, PORTIER_SS_LISTEN, 80, 0, 1);
	for (i = 0; i < 150; i++)
		made_add(m, PORTIER_SS_SYN_RECV, 80, (uint16_t)(1000 + i), -1);
	n = portier_local_diagnose(&m->l, NULL, NULL, d, 16);
	assert_non_null(diag_find(d, n, PORTIER_DIAG_SYN_RECV));
	assert_null(diag_find(d, n, PORTIER_DIAG_LISTEN_FULL));
	/* the accept queue fills up */
	l->rqueue = 128;
	l->wqueue = 128;
	n = portier_local_diagnose(&m->l, NULL, NULL, d, 16);
	assert_non_null(diag_find(d, n, PORTIER_DIAG_LISTEN_FULL));
	assert_int_equal(diag_find(d, n, PORTIER_DIAG_LISTEN_FULL)->pid, 77);
	free(m);

	m = made_new();
	made_add(m, PORTIER_SS_LISTEN, 80, 0, 1);
	for (i = 0; i < 99; i++)
		made_add(m, PORTIER_SS_SYN_RECV, 80, (uint16_t)(1000 + i), -1);
	assert_int_equal(portier_local_diagnose(&m->l, NULL, NULL, d, 16), 0);
	free(m);
}

static void test_diag_counters(void **state)
{
	struct portier_stats st = {0};
	struct portier_diag d[16];
	static const char zero[] = "TcpExt: ListenOverflows SyncookiesSent\n"
				   "TcpExt: 0 0\nUdp: RcvbufErrors\nUdp: 0\n";
	char root[1024];
	size_t n;

	(void)state;
	portier_strlcpy(root, data_path("proc"), sizeof(root));
	assert_int_equal(portier_stats_read(&st, root, NULL), 0);
	n = portier_local_diagnose(NULL, &st, NULL, d, 16);
	assert_non_null(diag_find(d, n, PORTIER_DIAG_LISTEN_OVERFLOW));
	assert_non_null(diag_find(d, n, PORTIER_DIAG_SYN_COOKIES));
	assert_non_null(diag_find(d, n, PORTIER_DIAG_UDP_RCVBUF));
	portier_stats_free(&st);
	assert_int_equal(portier_stats_parse(&st, zero, sizeof(zero) - 1, NULL),
			 0);
	assert_int_equal(portier_local_diagnose(NULL, &st, NULL, d, 16), 0);
	portier_stats_free(&st);
}

static void test_diag_retransmits(void **state)
{
	struct portier_stats st = {0};
	struct portier_diag d[4];
	static const char lossy[] =
		"Tcp: OutSegs RetransSegs\nTcp: 10000 500\n";
	static const char fine[] = "Tcp: OutSegs RetransSegs\nTcp: 10000 100\n";
	const struct portier_diag *r;
	size_t n;

	(void)state;
	assert_int_equal(
		portier_stats_parse(&st, lossy, sizeof(lossy) - 1, NULL), 0);
	n = portier_local_diagnose(NULL, &st, NULL, d, 4);
	r = diag_find(d, n, PORTIER_DIAG_RETRANS);
	assert_non_null(r);
	assert_int_equal(r->count, 50); /* per mille */
	assert_non_null(strstr(r->text, "5.0%"));
	portier_stats_free(&st);
	assert_int_equal(portier_stats_parse(&st, fine, sizeof(fine) - 1, NULL),
			 0);
	assert_int_equal(portier_local_diagnose(NULL, &st, NULL, d, 4), 0);
	portier_stats_free(&st);
}

/* ---- leaving a namespace
 * ----------------------------------------------------- */

static int setns_calls, setns_fail_at;

/* setns(2) that fails (EINVAL) on call number setns_fail_at. */
static int fake_setns(int fd, int nstype)
{
	if (++setns_calls == setns_fail_at) {
		errno = EINVAL;
		return -1;
	}
	return setns(fd, nstype);
}

/*
 * A failed return to the original namespace must stop the caller with
 * PORTIER_EIO: going on would read another namespace's sockets as ours.
 * The namespace entered is our own (/proc/self/ns/net), so nothing changes
 * whichever way the test goes; setns needs CAP_SYS_ADMIN, so only as root.
 */
static void test_netns_return_fails(void **state)
{
	struct portier_local_query q = {.netns = "/proc/self/ns/net",
					.protos = PORTIER_LOCAL_TCP,
					.states = PORTIER_STATES_LISTENING};
	struct portier_local *l = NULL;
	struct portier_err err = {0};
	int restore = -1, call;

	(void)state;
	if (geteuid() != 0)
		skip();
	local_setns = fake_setns;
	/* as a reference: with setns working, the same query succeeds */
	setns_calls = 0;
	setns_fail_at = 0;
	assert_int_equal(portier_local_collect(&q, &l, &err), 0);
	portier_local_free(l);
	assert_int_equal(setns_calls, 4); /* in, back; in, back for the dump */

	/* portier_netns_leave itself */
	setns_calls = 0;
	setns_fail_at = 2;
	assert_int_equal(portier_netns_enter(q.netns, &restore, &err), 0);
	assert_int_equal(portier_netns_leave(restore, &err), PORTIER_EIO);
	assert_non_null(strstr(err.msg, "original network namespace"));
	assert_int_equal(portier_netns_leave(-1, &err), 0);

	/* each way back inside portier_local_collect: 2 after the name
	 * check, 4 after opening the sock_diag socket in the namespace */
	for (call = 2; call <= 4; call += 2) {
		setns_calls = 0;
		setns_fail_at = call;
		memset(&err, 0, sizeof(err));
		l = NULL;
		assert_int_equal(portier_local_collect(&q, &l, &err),
				 PORTIER_EIO);
		assert_null(l);
		assert_non_null(strstr(err.msg, "original network namespace"));
	}
	local_setns = setns;
}

/*
 * The namespace list reads a process's ns/net link as the kernel writes it
 * ("net:[INODE]") without following it, and follows any other link (a
 * test's proc root pointing at the real file) with stat.
 */
static void test_netns_list_links(void **state)
{
	char dir[] = "/tmp/portier-netns-XXXXXX", p[256], q[256];
	struct portier_netns *v = NULL;
	struct portier_err err = {0};
	struct stat own;
	size_t n = 0, i, found = 0;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(stat("/proc/self/ns/net", &own), 0);
	snprintf(p, sizeof(p), "%s/self", dir);
	assert_int_equal(symlink("/proc/self", p), 0);
	for (i = 100; i <= 103; i++) {
		snprintf(p, sizeof(p), "%s/%zu", dir, i);
		assert_int_equal(mkdir(p, 0700), 0);
		snprintf(p, sizeof(p), "%s/%zu/ns", dir, i);
		assert_int_equal(mkdir(p, 0700), 0);
		snprintf(p, sizeof(p), "%s/%zu/ns/net", dir, i);
		assert_int_equal(symlink(i == 102   ? "/proc/self/ns/net"
					 : i == 103 ? "net:[12x]"
						    : "net:[4242]",
					 p),
				 0);
		snprintf(q, sizeof(q), "%s/%zu/comm", dir, i);
		f = fopen(q, "w");
		assert_non_null(f);
		fprintf(f, "fake%zu\n", i);
		fclose(f);
	}
	assert_int_equal(portier_netns_list(dir, &v, &n, &err), 0);
	assert_true(n >= 2);
	assert_int_equal(v[0].inode, (uint64_t)own.st_ino);
	assert_int_equal(v[0].pid, 102); /* the stat path: our own */
	for (i = 1; i < n; i++) {
		if (v[i].inode != 4242)
			continue;
		found++;
		assert_int_equal(v[i].pid, 100);
		assert_string_equal(v[i].label, "pid 100 (fake100)");
	}
	assert_int_equal(found, 1);
	portier_free(v);
	for (i = 100; i <= 103; i++) {
		snprintf(p, sizeof(p), "%s/%zu/ns/net", dir, i);
		unlink(p);
		snprintf(p, sizeof(p), "%s/%zu/comm", dir, i);
		unlink(p);
		snprintf(p, sizeof(p), "%s/%zu/ns", dir, i);
		rmdir(p);
		snprintf(p, sizeof(p), "%s/%zu", dir, i);
		rmdir(p);
	}
	snprintf(p, sizeof(p), "%s/self", dir);
	unlink(p);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_inet),
		cmocka_unit_test(test_build_ports),
		cmocka_unit_test(test_build_unix),
		cmocka_unit_test_setup_teardown(test_parse_tcp4, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_parse_tcp6_udp, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_parse_unix, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_parse_done_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_parse_malformed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_parse_nomem, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_procnet_raw, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_procnet_v6, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_procnet_sl_decimal, setup,
						teardown),
		cmocka_unit_test(test_procs_scan),
		cmocka_unit_test(test_procs_scan_errors),
		cmocka_unit_test(test_procs_scan_owner_limit),
		cmocka_unit_test(test_cgroup_parse),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_ifstats),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_outbound),
		cmocka_unit_test(test_diag_close_wait),
		cmocka_unit_test(test_diag_time_wait),
		cmocka_unit_test(test_diag_syn_recv_listen),
		cmocka_unit_test(test_diag_counters),
		cmocka_unit_test(test_diag_retransmits),
		cmocka_unit_test(test_netns_return_fails),
		cmocka_unit_test(test_netns_list_links),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
