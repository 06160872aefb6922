/*
 * test_local_table.c - the socket table other modules read through
 * (portier_local_table_*): tuple validation on synthetic sockets, then real
 * connections on loopback found by their exact 4-tuple, in a dump and
 * through the kernel's one-socket lookup, and their owners from a /proc
 * tree planted in a temporary directory (what PORTIER_PROC_ROOT points
 * the tool at).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>

#include <cmocka.h>

#include "portier/local.h"
#include "sock_test_util.h"

static struct portier_sock mk(unsigned proto, int family, unsigned state,
			      const char *laddr, uint16_t lport,
			      const char *raddr, uint16_t rport)
{
	struct portier_sock s;
	struct portier_addr a;

	memset(&s, 0, sizeof(s));
	s.proto = (uint8_t)proto;
	s.family = (uint8_t)family;
	s.state = (uint8_t)state;
	assert_int_equal(portier_addr_parse(laddr, &a), 0);
	memcpy(s.laddr, a.b, 16);
	assert_int_equal(portier_addr_parse(raddr, &a), 0);
	memcpy(s.raddr, a.b, 16);
	s.lport = lport;
	s.rport = rport;
	return s;
}

static void tuple_is(const struct portier_local_tuple *t, unsigned proto,
		     const char *laddr, uint16_t lport, const char *raddr,
		     uint16_t rport)
{
	char a[PORTIER_ADDR_STRLEN];

	assert_int_equal(t->proto, proto);
	assert_string_equal(portier_addr_str(&t->local, a, sizeof(a)), laddr);
	assert_int_equal(t->lport, lport);
	assert_string_equal(portier_addr_str(&t->remote, a, sizeof(a)), raddr);
	assert_int_equal(t->rport, rport);
}

/* ---- validation ------------------------------------------------------------ */

static void test_tuple_of(void **state)
{
	struct portier_local_tuple t, u;
	struct portier_sock s;

	(void)state;
	s = mk(PORTIER_LOCAL_TCP, AF_INET, PORTIER_SS_ESTABLISHED, "192.0.2.1",
	       22, "198.51.100.7", 50000);
	assert_int_equal(portier_local_tuple_of(&s, &t), 0);
	tuple_is(&t, PORTIER_PROTO_TCP, "192.0.2.1", 22, "198.51.100.7", 50000);
	assert_true(portier_local_tuple_equal(&t, &t));
	/* a dual-stack socket talking IPv4 is the same tuple */
	s = mk(PORTIER_LOCAL_TCP, AF_INET6, PORTIER_SS_ESTABLISHED,
	       "::ffff:192.0.2.1", 22, "::ffff:198.51.100.7", 50000);
	assert_int_equal(portier_local_tuple_of(&s, &u), 0);
	assert_true(portier_local_tuple_equal(&t, &u));
	/* ... and its listener's unset remote end is 0.0.0.0 */
	s = mk(PORTIER_LOCAL_TCP, AF_INET6, PORTIER_SS_LISTEN,
	       "::ffff:127.0.0.1", 8080, "::", 0);
	assert_int_equal(portier_local_tuple_of(&s, &t), 0);
	tuple_is(&t, PORTIER_PROTO_TCP, "127.0.0.1", 8080, "0.0.0.0", 0);
	/* plain IPv6 stays IPv6, UDP is UDP */
	s = mk(PORTIER_LOCAL_UDP, AF_INET6, PORTIER_SS_CLOSE, "::", 53,
	       "::", 0);
	assert_int_equal(portier_local_tuple_of(&s, &t), 0);
	tuple_is(&t, PORTIER_PROTO_UDP, "::", 53, "::", 0);
	/* not a tuple: a mapped end beside a real IPv6 one, raw and UNIX
	 * sockets, states the kernel does not have */
	s = mk(PORTIER_LOCAL_TCP, AF_INET6, PORTIER_SS_ESTABLISHED,
	       "::ffff:192.0.2.1", 22, "2001:db8::1", 50000);
	assert_int_equal(portier_local_tuple_of(&s, &t), PORTIER_EINVAL);
	s = mk(PORTIER_LOCAL_RAW, AF_INET, PORTIER_SS_CLOSE, "0.0.0.0", 1,
	       "0.0.0.0", 0);
	assert_int_equal(portier_local_tuple_of(&s, &t), PORTIER_EINVAL);
	s = mk(PORTIER_LOCAL_UNIX, AF_UNIX, PORTIER_SS_LISTEN, "0.0.0.0", 0,
	       "0.0.0.0", 0);
	assert_int_equal(portier_local_tuple_of(&s, &t), PORTIER_EINVAL);
	s = mk(PORTIER_LOCAL_TCP, AF_INET, 0, "192.0.2.1", 1, "0.0.0.0", 0);
	assert_int_equal(portier_local_tuple_of(&s, &t), PORTIER_EINVAL);
	s.state = PORTIER_SS_MAX;
	assert_int_equal(portier_local_tuple_of(&s, &t), PORTIER_EINVAL);
	/* the same rules for addresses from elsewhere (a packet) */
	assert_int_equal(portier_local_tuple_set(&t, PORTIER_PROTO_SCTP, 4,
						 s.laddr, 1, s.raddr, 2),
			 PORTIER_EINVAL);
	assert_int_equal(portier_local_tuple_set(&t, PORTIER_PROTO_TCP, 5,
						 s.laddr, 1, s.raddr, 2),
			 PORTIER_EINVAL);
}

/* ---- real sockets ------------------------------------------------------------ */

static struct portier_local_tuple tuple_of(unsigned proto, const char *laddr,
					   uint16_t lport, const char *raddr,
					   uint16_t rport)
{
	struct portier_local_tuple t;
	struct portier_addr l, r;

	assert_int_equal(portier_addr_parse(laddr, &l), 0);
	assert_int_equal(portier_addr_parse(raddr, &r), 0);
	assert_int_equal(portier_local_tuple_set(&t, (uint8_t)proto, l.family,
						 l.b, lport, r.b, rport),
			 0);
	return t;
}

static void test_find_in_dump(void **state)
{
	struct portier_local_table_query q = {.protos = PORTIER_PROTO_TCP};
	struct portier_local_table *t = NULL;
	struct portier_local_entry e;
	struct portier_local_tuple k;
	struct test_conn c;
	size_t pos = 0, n = 0;

	(void)state;
	assert_true(test_conn_open(&c, SOCK_STREAM, "127.0.0.1", "127.0.0.1"));
	assert_int_equal(portier_local_table_open(&q, &t, NULL), 0);
	/* the server's end, by its exact 4-tuple */
	k = tuple_of(PORTIER_PROTO_TCP, "127.0.0.1", c.sport, "127.0.0.1",
		     c.cport);
	assert_true(portier_local_table_find(t, &k, &e));
	assert_int_equal(e.state, PORTIER_SS_ESTABLISHED);
	assert_int_equal(e.inode, c.sino);
	assert_int_equal(e.owner_count, 0); /* not asked for */
	assert_ptr_not_equal(e.sock, NULL);
	/* the client's end is another socket */
	k = tuple_of(PORTIER_PROTO_TCP, "127.0.0.1", c.cport, "127.0.0.1",
		     c.sport);
	assert_true(portier_local_table_find(t, &k, &e));
	assert_int_equal(e.inode, c.cino);
	/* one port off is nothing, and so is UDP */
	k.rport++;
	assert_false(portier_local_table_find(t, &k, NULL));
	k.rport--;
	k.proto = PORTIER_PROTO_UDP;
	assert_false(portier_local_table_find(t, &k, NULL));
	/* the listener is there with its unset remote end */
	k = tuple_of(PORTIER_PROTO_TCP, "127.0.0.1", c.sport, "0.0.0.0", 0);
	assert_true(portier_local_table_find(t, &k, &e));
	assert_int_equal(e.state, PORTIER_SS_LISTEN);
	while (portier_local_table_each(t, &pos, &e)) {
		assert_int_equal(e.tuple.proto, PORTIER_PROTO_TCP);
		n++;
	}
	assert_true(n >= 3);
	portier_local_table_close(t);

	/* a state filter the kernel runs: established only */
	q.states = PORTIER_STATE_BIT(PORTIER_SS_ESTABLISHED);
	assert_int_equal(portier_local_table_open(&q, &t, NULL), 0);
	assert_false(portier_local_table_find(t, &k, NULL));
	for (pos = 0; portier_local_table_each(t, &pos, &e);)
		assert_int_equal(e.state, PORTIER_SS_ESTABLISHED);
	portier_local_table_close(t);
	test_conn_close(&c);
}

static void test_exact_lookup(void **state)
{
	struct portier_local_tuple k;
	struct portier_local_table_query q = {.protos = PORTIER_PROTO_TCP,
					      .exact = &k};
	struct portier_local_table *t = NULL;
	struct portier_local_entry e;
	struct test_conn c;
	size_t pos = 0, n = 0;

	(void)state;
	/* a dual-stack server talking IPv4: asked for as IPv4 */
	assert_true(test_conn_open(&c, SOCK_STREAM, "::ffff:127.0.0.1",
				   "127.0.0.1"));
	k = tuple_of(PORTIER_PROTO_TCP, "127.0.0.1", c.sport, "127.0.0.1",
		     c.cport);
	assert_int_equal(portier_local_table_open(&q, &t, NULL), 0);
	while (portier_local_table_each(t, &pos, &e))
		n++;
	assert_int_equal(n, 1);
	assert_true(portier_local_table_find(t, &k, &e));
	assert_int_equal(e.inode, c.sino);
	assert_int_equal(e.sock->family, AF_INET6); /* as the kernel said */
	portier_local_table_close(t);
	/*
	 * An unknown 4-tuple to the listening port: the kernel answers with
	 * the listener, which is not the tuple asked for
	 */
	k.rport = (uint16_t)(c.cport == 65535 ? 1 : c.cport + 1);
	assert_int_equal(portier_local_table_open(&q, &t, NULL), 0);
	assert_false(portier_local_table_find(t, &k, NULL));
	pos = 0;
	assert_true(portier_local_table_each(t, &pos, &e));
	assert_int_equal(e.state, PORTIER_SS_LISTEN);
	assert_int_equal(e.tuple.lport, c.sport);
	assert_int_equal(e.tuple.rport, 0);
	portier_local_table_close(t);
	/* ... and with LISTEN filtered out, the table is empty */
	q.states = PORTIER_STATES_ALL & ~PORTIER_STATE_BIT(PORTIER_SS_LISTEN);
	assert_int_equal(portier_local_table_open(&q, &t, NULL), 0);
	pos = 0;
	assert_false(portier_local_table_each(t, &pos, &e));
	portier_local_table_close(t);
	test_conn_close(&c);
	/* a port nothing uses: ENOENT from the kernel is an empty table */
	k.lport = k.rport = 1;
	assert_int_equal(portier_local_table_open(&q, &t, NULL), 0);
	pos = 0;
	assert_false(portier_local_table_each(t, &pos, &e));
	portier_local_table_close(t);
}

/* udp_diag reads the request's addresses the other way round than tcp_diag */
static void test_exact_udp(void **state)
{
	struct portier_local_tuple k;
	struct portier_local_table_query q = {.protos = PORTIER_PROTO_UDP,
					      .exact = &k};
	struct portier_local_table *t = NULL;
	struct portier_local_entry e;
	struct test_conn c;

	(void)state;
	assert_true(test_conn_open(&c, SOCK_DGRAM, "127.0.0.1", "127.0.0.1"));
	k = tuple_of(PORTIER_PROTO_UDP, "127.0.0.1", c.sport, "127.0.0.1",
		     c.cport);
	assert_int_equal(portier_local_table_open(&q, &t, NULL), 0);
	assert_true(portier_local_table_find(t, &k, &e));
	assert_int_equal(e.inode, c.sino);
	assert_int_equal(e.state, PORTIER_SS_ESTABLISHED);
	portier_local_table_close(t);
	k = tuple_of(PORTIER_PROTO_UDP, "127.0.0.1", c.cport, "127.0.0.1",
		     c.sport);
	assert_int_equal(portier_local_table_open(&q, &t, NULL), 0);
	assert_true(portier_local_table_find(t, &k, &e));
	assert_int_equal(e.inode, c.cino);
	portier_local_table_close(t);
	test_conn_close(&c);
}

static void test_exact_v6(void **state)
{
	struct portier_local_tuple k;
	struct portier_local_table_query q = {.exact = &k};
	struct portier_local_table *t = NULL;
	struct portier_local_entry e;
	struct test_conn c;

	(void)state;
	if (!test_conn_open(&c, SOCK_STREAM, "::1", "::1"))
		skip(); /* no IPv6 loopback here */
	k = tuple_of(PORTIER_PROTO_TCP, "::1", c.cport, "::1", c.sport);
	assert_int_equal(portier_local_table_open(&q, &t, NULL), 0);
	assert_true(portier_local_table_find(t, &k, &e));
	assert_int_equal(e.inode, c.cino);
	portier_local_table_close(t);
	test_conn_close(&c);
}

/* One table read again and again (guard asks per packet). */
static void test_reread(void **state)
{
	struct portier_local_tuple k;
	struct portier_local_table_query q = {.protos = PORTIER_PROTO_TCP,
					      .exact = &k},
					 bad = {.protos = PORTIER_PROTO_DCCP};
	struct portier_local_table *t = NULL;
	struct portier_local_entry e;
	struct portier_err err = {0};
	struct test_conn c;
	size_t pos;
	int i;

	(void)state;
	assert_true(test_conn_open(&c, SOCK_STREAM, "127.0.0.1", "127.0.0.1"));
	k = tuple_of(PORTIER_PROTO_TCP, "127.0.0.1", c.sport, "127.0.0.1",
		     c.cport);
	assert_int_equal(portier_local_table_open(&q, &t, NULL), 0);
	for (i = 0; i < 3; i++) {
		/* the connection, then a port next to it, in turn */
		k.rport = (uint16_t)(c.cport + (i & 1));
		assert_int_equal(portier_local_table_reread(t, &q, NULL), 0);
		assert_int_equal(portier_local_table_find(t, &k, &e),
				 (i & 1) == 0);
	}
	/* a failed read leaves the table empty, and usable again */
	assert_int_equal(portier_local_table_reread(t, &bad, &err),
			 PORTIER_EINVAL);
	pos = 0;
	assert_false(portier_local_table_each(t, &pos, &e));
	k.rport = c.cport;
	assert_int_equal(portier_local_table_reread(t, &q, NULL), 0);
	assert_true(portier_local_table_find(t, &k, &e));
	assert_int_equal(e.inode, c.sino);
	/* a dump after lookups, through the same socket */
	q.exact = NULL;
	assert_int_equal(portier_local_table_reread(t, &q, NULL), 0);
	assert_true(portier_local_table_find(t, &k, NULL));
	portier_local_table_close(t);
	test_conn_close(&c);
}

/* ---- owners from a planted /proc ------------------------------------------------ */

static void test_owners(void **state)
{
	struct portier_local_table_query q = {
		.protos = PORTIER_PROTO_TCP,
		.states = PORTIER_STATE_BIT(PORTIER_SS_ESTABLISHED),
		.owners = true,
	};
	struct portier_local_table *t = NULL;
	struct portier_local_entry e;
	struct portier_local_tuple k;
	const struct portier_proc *p;
	struct test_conn c;
	char root[] = "/tmp/portier-table-proc.XXXXXX";
	int fd = -1;

	(void)state;
	assert_non_null(mkdtemp(root));
	assert_true(test_conn_open(&c, SOCK_STREAM, "127.0.0.1", "127.0.0.1"));
	test_plant_proc(root, 100, "sshd", 1, 3, c.sino);
	test_plant_proc(root, 400, "client", 1, 7, c.cino);
	q.proc_root = root;
	assert_int_equal(portier_local_table_open(&q, &t, NULL), 0);
	k = tuple_of(PORTIER_PROTO_TCP, "127.0.0.1", c.sport, "127.0.0.1",
		     c.cport);
	assert_true(portier_local_table_find(t, &k, &e));
	assert_int_equal(e.owner_count, 1);
	p = portier_local_table_owner(t, &e, 0, &fd);
	assert_non_null(p);
	assert_int_equal(p->pid, 100);
	assert_string_equal(p->comm, "sshd");
	assert_int_equal(fd, 3);
	assert_null(portier_local_table_owner(t, &e, 1, NULL));
	k = tuple_of(PORTIER_PROTO_TCP, "127.0.0.1", c.cport, "127.0.0.1",
		     c.sport);
	assert_true(portier_local_table_find(t, &k, &e));
	assert_int_equal(portier_local_table_owner(t, &e, 0, &fd)->pid, 400);
	assert_int_equal(fd, 7);
	portier_local_table_close(t);
	test_conn_close(&c);
	test_unplant(root);
}

static void test_errors(void **state)
{
	struct portier_local_table_query q = {.protos = PORTIER_PROTO_SCTP};
	struct portier_local_table *t = NULL;
	struct portier_err err = {0};

	(void)state;
	assert_int_equal(portier_local_table_open(&q, &t, &err),
			 PORTIER_EINVAL);
	assert_null(t);
	assert_non_null(strstr(err.msg, "TCP and UDP"));
	q.protos = PORTIER_PROTO_TCP;
	portier_alloc_fail_after(0);
	assert_int_equal(portier_local_table_open(&q, &t, &err),
			 PORTIER_ENOMEM);
	portier_alloc_fail_after(-1);
	assert_null(t);
	assert_non_null(strstr(err.msg, "out of memory"));
	portier_local_table_close(NULL);
}

/*
 * portier_local_destroy aborts a real loopback connection: the other end
 * reads a reset.  Skipped without CAP_NET_ADMIN or on a kernel built
 * without CONFIG_INET_DIAG_DESTROY, which must be reported as such.
 */
static void test_destroy(void **state)
{
	struct portier_err err = {0};
	struct portier_local_tuple t, udp;
	struct test_conn c;
	char b;
	int rc;

	(void)state;
	assert_true(test_conn_open(&c, SOCK_STREAM, "127.0.0.1", "127.0.0.1"));
	assert_int_equal(
		portier_local_tuple_set(&t, PORTIER_PROTO_TCP, 4,
					(const uint8_t *)"\x7f\0\0\1", c.cport,
					(const uint8_t *)"\x7f\0\0\1", c.sport),
		0);
	udp = t;
	udp.proto = PORTIER_PROTO_UDP;
	assert_int_equal(portier_local_destroy(&udp, &err), PORTIER_EINVAL);
	rc = portier_local_destroy(&t, &err);
	if (rc == PORTIER_EPERM || rc == -EOPNOTSUPP) {
		assert_non_null(strstr(err.msg, rc == PORTIER_EPERM
							? "CAP_NET_ADMIN"
							: "CONFIG_INET_DIAG_"
							  "DESTROY"));
		test_conn_close(&c);
		skip();
	}
	assert_int_equal(rc, 0);
	assert_int_equal(recv(c.sfd, &b, 1, 0), -1);
	assert_int_equal(errno, ECONNRESET);
	/* gone now: a second try finds nothing */
	assert_int_equal(portier_local_destroy(&t, &err), PORTIER_ENOENT);
	test_conn_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tuple_of),
		cmocka_unit_test(test_find_in_dump),
		cmocka_unit_test(test_exact_lookup),
		cmocka_unit_test(test_exact_udp),
		cmocka_unit_test(test_exact_v6),
		cmocka_unit_test(test_reread),
		cmocka_unit_test(test_owners),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_destroy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
