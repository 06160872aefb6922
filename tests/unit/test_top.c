/*
 * test_top.c - the model of `portier top` (src/top/): rows made from a
 * hand-built socket snapshot, the marks two refreshes give, the view's
 * filter, search and sort, and the lines laid out for 80 columns and less.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "portier/top.h"

static struct portier_kb *kb;

static int setup(void **state)
{
	struct portier_kb_options opt = {.no_overlays = true};

	(void)state;
	return portier_kb_new(&kb, &opt, NULL);
}

static int teardown(void **state)
{
	(void)state;
	portier_kb_free(kb);
	return 0;
}

static void v4(uint8_t *b, const char *s)
{
	assert_int_equal(inet_pton(AF_INET, s, b), 1);
}

static struct portier_sock sock(uint8_t proto, uint8_t state, const char *la,
				uint16_t lp, const char *ra, uint16_t rp,
				uint64_t inode)
{
	struct portier_sock s = {
		.proto = proto,
		.family = AF_INET,
		.state = state,
		.lport = lp,
		.rport = rp,
		.inode = inode,
		.uid = 1000,
	};

	v4(s.laddr, la);
	v4(s.raddr, ra);
	return s;
}

#define TCP PORTIER_LOCAL_TCP
#define UDP PORTIER_LOCAL_UDP

/* sshd on 22 with a LAN client, smbd on 445, an outgoing https connection
 * of a process with an escape sequence in its name, cups on loopback. */
static struct portier_sock socks[6];
static struct portier_proc procs[2] = {
	{.pid = 100, .comm = "sshd", .user = "root", .unit = "ssh.service"},
	{.pid = 200, .comm = "ev\x1b[2Jil\xc3\xa9", .user = "bob"},
};
static struct portier_owner owners[2] = {{0, 3}, {1, 4}};

static void snapshot(struct portier_local *l)
{
	socks[0] =
		sock(TCP, PORTIER_SS_LISTEN, "0.0.0.0", 22, "0.0.0.0", 0, 11);
	socks[0].owner_count = 1;
	socks[1] = sock(TCP, PORTIER_SS_ESTABLISHED, "10.0.0.1", 22, "10.0.0.9",
			50000, 12);
	socks[1].owner_count = 1;
	socks[2] =
		sock(TCP, PORTIER_SS_LISTEN, "10.0.0.1", 445, "0.0.0.0", 0, 13);
	socks[3] = sock(TCP, PORTIER_SS_ESTABLISHED, "10.0.0.1", 40000,
			"8.8.8.8", 443, 14);
	socks[3].owner_first = 1;
	socks[3].owner_count = 1;
	socks[4] =
		sock(UDP, PORTIER_SS_CLOSE, "127.0.0.1", 631, "0.0.0.0", 0, 15);
	socks[5] = sock(PORTIER_LOCAL_UNIX, PORTIER_SS_LISTEN, "0.0.0.0", 0,
			"0.0.0.0", 0, 16);
	socks[5].family = AF_UNIX;
	memset(l, 0, sizeof(*l));
	l->socks = socks;
	l->n_socks = 6;
	l->owners = owners;
	l->n_owners = 2;
	l->procs = procs;
	l->n_procs = 2;
	l->procs_scanned = true;
}

static const struct portier_top_row *find(const struct portier_top_row *r,
					  size_t n, const char *local)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(r[i].local, local) == 0)
			return &r[i];
	fail_msg("no row %s", local);
	return NULL;
}

static void test_rows(void **state)
{
	struct portier_local l;
	struct portier_top_row *r;
	const struct portier_top_row *x;
	size_t n, i;

	(void)state;
	snapshot(&l);
	assert_int_equal(portier_top_rows(&l, kb, &r, &n, NULL), 0);
	assert_int_equal(n, 5); /* the UNIX socket is no TCP/UDP row */
	for (i = 1; i < n; i++)
		assert_true(portier_top_key_cmp(&r[i - 1], &r[i]) < 0);

	x = find(r, n, "0.0.0.0:22");
	assert_true(x->listening);
	assert_string_equal(x->remote, "*:*");
	assert_int_equal(x->exposure, PORTIER_TOP_ANY);
	assert_int_equal(x->pid, 100);
	assert_string_equal(x->program, "sshd");
	assert_string_equal(x->unit, "ssh.service");
	assert_int_equal(x->risk, PORTIER_RISK_MEDIUM);

	x = find(r, n, "10.0.0.1:22");
	assert_false(x->listening);
	assert_false(x->outbound); /* something listens on 22 */
	assert_int_equal(x->svc_port, 22);
	assert_int_equal(x->exposure, PORTIER_TOP_LAN); /* a LAN peer */
	assert_string_equal(x->remote, "10.0.0.9:50000");

	x = find(r, n, "10.0.0.1:445");
	assert_int_equal(x->exposure, PORTIER_TOP_LAN); /* bound to a LAN
							   address */
	assert_int_equal(x->risk, PORTIER_RISK_HIGH);
	assert_int_equal(x->pid, 0);
	assert_string_equal(x->user, "1000"); /* no owner seen: the uid */

	x = find(r, n, "10.0.0.1:40000");
	assert_true(x->outbound);
	assert_int_equal(x->svc_port, 443);
	assert_int_equal(x->exposure, PORTIER_TOP_ANY);
	assert_int_equal(x->risk, PORTIER_RISK_LOW);
	/* no escape reaches the screen, and every byte is one cell */
	assert_null(strchr(x->program, '\x1b'));
	for (i = 0; x->program[i]; i++)
		assert_true((unsigned char)x->program[i] < 0x80);
	assert_string_equal(x->program, "ev?[2Jil??");

	x = find(r, n, "127.0.0.1:631");
	assert_int_equal(x->tuple.proto, PORTIER_PROTO_UDP);
	assert_int_equal(x->exposure, PORTIER_TOP_LOOPBACK);
	assert_int_equal(x->risk, PORTIER_RISK_HIGH);
	portier_free(r);

	/* without a knowledge base every risk is none */
	assert_int_equal(portier_top_rows(&l, NULL, &r, &n, NULL), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(r[i].risk, PORTIER_RISK_NONE);
	portier_free(r);
}

/* Two sockets with one tuple (SO_REUSEPORT) are two rows, numbered by
 * inode, whichever order the kernel gave them in. */
static void test_dup(void **state)
{
	struct portier_sock two[2];
	struct portier_local l = {.socks = two, .n_socks = 2};
	struct portier_top_row *r;
	size_t n;

	(void)state;
	two[0] = sock(TCP, PORTIER_SS_LISTEN, "0.0.0.0", 80, "0.0.0.0", 0, 9);
	two[1] = sock(TCP, PORTIER_SS_LISTEN, "0.0.0.0", 80, "0.0.0.0", 0, 5);
	assert_int_equal(portier_top_rows(&l, NULL, &r, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].dup, 0);
	assert_int_equal(r[0].inode, 5);
	assert_int_equal(r[1].dup, 1);
	assert_true(portier_top_key_cmp(&r[0], &r[1]) < 0);
	portier_free(r);
}

static void test_diff(void **state)
{
	struct portier_local l;
	struct portier_top_row *a, *b, *d1, *d2, *d3;
	size_t na, nb, n1, n2, n3, i;

	(void)state;
	snapshot(&l);
	assert_int_equal(portier_top_rows(&l, kb, &a, &na, NULL), 0);
	/* next refresh: smbd gone, the ssh client in TIME-WAIT, a new
	 * listener on 8080 */
	socks[2] =
		sock(TCP, PORTIER_SS_LISTEN, "0.0.0.0", 8080, "0.0.0.0", 0, 20);
	socks[1].state = PORTIER_SS_TIME_WAIT;
	socks[1].inode = 0;
	socks[1].owner_count = 0;
	assert_int_equal(portier_top_rows(&l, kb, &b, &nb, NULL), 0);

	/* the first frame marks nothing */
	assert_int_equal(portier_top_diff(a, na, a, na, &d1, &n1, NULL), 0);
	assert_int_equal(n1, na);
	for (i = 0; i < n1; i++)
		assert_int_equal(d1[i].mark, PORTIER_TOP_SAME);

	assert_int_equal(portier_top_diff(d1, n1, b, nb, &d2, &n2, NULL), 0);
	assert_int_equal(n2, 6); /* five now, one closed */
	for (i = 1; i < n2; i++)
		assert_true(portier_top_key_cmp(&d2[i - 1], &d2[i]) < 0);
	assert_int_equal(find(d2, n2, "10.0.0.1:445")->mark, PORTIER_TOP_GONE);
	assert_int_equal(find(d2, n2, "0.0.0.0:8080")->mark, PORTIER_TOP_NEW);
	assert_int_equal(find(d2, n2, "10.0.0.1:22")->mark,
			 PORTIER_TOP_CHANGED);
	assert_int_equal(find(d2, n2, "0.0.0.0:22")->mark, PORTIER_TOP_SAME);

	/* once more with nothing changed: the closed row is dropped, the new
	 * and changed ones are plain */
	assert_int_equal(portier_top_diff(d2, n2, b, nb, &d3, &n3, NULL), 0);
	assert_int_equal(n3, nb);
	for (i = 0; i < n3; i++)
		assert_int_equal(d3[i].mark, PORTIER_TOP_SAME);
	portier_free(a);
	portier_free(b);
	portier_free(d1);
	portier_free(d2);
	portier_free(d3);
}

/* A snapshot without owners takes them from the last one with owners,
 * socket by socket; what is new or reused (another inode) is counted. */
static void test_owners_from(void **state)
{
	struct portier_local l;
	struct portier_top_row *known, *r;
	size_t nk, n, i;

	(void)state;
	snapshot(&l);
	assert_int_equal(portier_top_rows(&l, kb, &known, &nk, NULL), 0);
	for (i = 0; i < 6; i++)
		socks[i].owner_count = 0;
	l.owners = NULL;
	l.n_owners = 0;
	assert_int_equal(portier_top_rows(&l, kb, &r, &n, NULL), 0);
	assert_int_equal(find(r, n, "0.0.0.0:22")->pid, 0);
	assert_int_equal(portier_top_owners_from(r, n, known, nk), 0);
	assert_int_equal(find(r, n, "0.0.0.0:22")->pid, 100);
	assert_string_equal(find(r, n, "0.0.0.0:22")->unit, "ssh.service");
	assert_string_equal(find(r, n, "10.0.0.1:40000")->program,
			    "ev?[2Jil??");
	assert_int_equal(find(r, n, "10.0.0.1:445")->pid, 0);
	portier_free(r);

	/* a listener on 8080, and sshd's socket replaced by another one on
	 * the same tuple: both unknown */
	socks[2] =
		sock(TCP, PORTIER_SS_LISTEN, "0.0.0.0", 8080, "0.0.0.0", 0, 30);
	socks[0].inode = 31;
	assert_int_equal(portier_top_rows(&l, kb, &r, &n, NULL), 0);
	assert_int_equal(portier_top_owners_from(r, n, known, nk), 2);
	assert_int_equal(find(r, n, "0.0.0.0:22")->pid, 0);
	assert_int_equal(find(r, n, "10.0.0.1:22")->pid, 100);
	/* nothing known: every socket with an inode is unknown */
	assert_int_equal(portier_top_owners_from(r, n, NULL, 0), n);
	portier_free(r);
	portier_free(known);
}

/* The local addresses of what v shows, in order, joined by spaces. */
static void shown(const struct portier_top_row *r, size_t n,
		  const struct portier_top_view *v, char *out, size_t len)
{
	size_t *idx, k, i;

	assert_int_equal(portier_top_select(r, n, v, &idx, &k, NULL), 0);
	out[0] = '\0';
	for (i = 0; i < k; i++) {
		strncat(out, r[idx[i]].local, len - strlen(out) - 1);
		if (i + 1 < k)
			strncat(out, " ", len - strlen(out) - 1);
	}
	portier_free(idx);
}

static void test_view(void **state)
{
	struct portier_local l;
	struct portier_top_row *r;
	struct portier_top_view v = {0};
	enum portier_top_sort s;
	char got[512];
	size_t n;

	(void)state;
	snapshot(&l);
	assert_int_equal(portier_top_rows(&l, kb, &r, &n, NULL), 0);

	shown(r, n, &v, got, sizeof(got)); /* by local port */
	assert_string_equal(got, "0.0.0.0:22 10.0.0.1:22 10.0.0.1:445 "
				 "127.0.0.1:631 10.0.0.1:40000");
	v.reverse = true;
	shown(r, n, &v, got, sizeof(got));
	assert_string_equal(got, "10.0.0.1:40000 127.0.0.1:631 10.0.0.1:445 "
				 "10.0.0.1:22 0.0.0.0:22");
	v.reverse = false;
	v.listening = true;
	shown(r, n, &v, got, sizeof(got));
	assert_string_equal(got, "0.0.0.0:22 10.0.0.1:445 127.0.0.1:631");
	v.protos = PORTIER_PROTO_UDP;
	shown(r, n, &v, got, sizeof(got));
	assert_string_equal(got, "127.0.0.1:631");
	v = (struct portier_top_view){.search = "SSH.SERV"};
	shown(r, n, &v, got, sizeof(got));
	assert_string_equal(got, "0.0.0.0:22 10.0.0.1:22");
	v.search = "8.8.8";
	shown(r, n, &v, got, sizeof(got));
	assert_string_equal(got, "10.0.0.1:40000");
	v.search = "200"; /* a pid matches whole */
	shown(r, n, &v, got, sizeof(got));
	assert_string_equal(got, "10.0.0.1:40000");
	v.search = "nothing like it";
	shown(r, n, &v, got, sizeof(got));
	assert_string_equal(got, "");
	/* highest risk first, ties by key */
	v = (struct portier_top_view){.sort = PORTIER_TOP_BY_RISK};
	shown(r, n, &v, got, sizeof(got));
	assert_string_equal(got, "10.0.0.1:445 127.0.0.1:631 0.0.0.0:22 "
				 "10.0.0.1:22 10.0.0.1:40000");
	v.sort = PORTIER_TOP_BY_EXPOSURE;
	shown(r, n, &v, got, sizeof(got));
	assert_string_equal(got, "0.0.0.0:22 10.0.0.1:40000 10.0.0.1:22 "
				 "10.0.0.1:445 127.0.0.1:631");

	assert_int_equal(portier_top_sort_parse("Risk", &s), 0);
	assert_int_equal(s, PORTIER_TOP_BY_RISK);
	assert_string_equal(portier_top_sort_name(s), "risk");
	assert_int_equal(portier_top_sort_parse("size", &s), PORTIER_EINVAL);
	portier_free(r);
}

static void test_layout(void **state)
{
	struct portier_local l;
	struct portier_top_row *r;
	struct portier_top_layout lay;
	char line[512];
	size_t n, i;
	int w;

	(void)state;
	snapshot(&l);
	assert_int_equal(portier_top_rows(&l, kb, &r, &n, NULL), 0);

	/* 80 columns: every column, nothing longer than the terminal */
	portier_top_layout(80, &lay);
	assert_true(lay.total <= 80);
	for (i = 0; i < PORTIER_TOP_NCOLS; i++)
		assert_true(lay.width[i] > 0);
	portier_top_header(&lay, line, sizeof(line));
	assert_string_equal(line,
			    "PROTO STATE    LOCAL           REMOTE          "
			    "PID   PROGRAM USER UNIT  EXP RISK");
	portier_top_line(find(r, n, "0.0.0.0:22"), &lay, line, sizeof(line));
	assert_string_equal(line,
			    "tcp   LISTEN   0.0.0.0:22      *:*             "
			    "100   sshd    root ssh.~ any med");
	for (i = 0; i < n; i++) {
		portier_top_line(&r[i], &lay, line, sizeof(line));
		assert_true(strlen(line) <= 80);
	}

	/* narrow: unit and user go first; a long address keeps its port */
	portier_top_layout(60, &lay);
	assert_true(lay.total <= 60);
	assert_int_equal(lay.width[PORTIER_TOP_COL_UNIT], 0);
	assert_int_equal(lay.width[PORTIER_TOP_COL_USER], 0);
	assert_true(lay.width[PORTIER_TOP_COL_PROGRAM] > 0);
	snprintf(r[0].local, sizeof(r[0].local), "[2001:db8:1:2:3:4:5:6]:22");
	portier_top_line(&r[0], &lay, line, sizeof(line));
	assert_non_null(strstr(line, "~"));
	assert_non_null(strstr(line, ":5:6]:22 "));

	/* wide: columns grow to their most and stop there */
	portier_top_layout(400, &lay);
	assert_true(lay.total < 400);
	assert_int_equal(lay.width[PORTIER_TOP_COL_LOCAL], 47);

	/* any width, even absurd ones, gives a line that fits */
	for (w = 0; w < 200; w += 7) {
		portier_top_layout(w, &lay);
		for (i = 0; i < n; i++) {
			portier_top_line(&r[i], &lay, line, sizeof(line));
			assert_true((int)strlen(line) <= lay.total);
			assert_true(lay.total <= w || w < 50);
		}
	}
	/* a short buffer gets a cut line, never an overrun */
	portier_top_layout(80, &lay);
	portier_top_line(&r[1], &lay, line, 10);
	assert_int_equal(strlen(line), 9);
	portier_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_dup),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_view),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_owners_from),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
