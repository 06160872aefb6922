/*
 * test_watch.c - the decisions of `portier watch`: which changes settle
 * into the baseline (--settle), flapping listeners that make no event, a
 * REBOUND that settles as one change; the packages carried over from the
 * baseline; and the store's outbox, which gives every committed event
 * once across a restart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "portier/store.h"

/* ---- snapshots by hand ----------------------------------------------------- */

struct lspec {
	const char *addr; /* dotted IPv4 */
	uint16_t port;
	const char *exe;
	uint8_t sha; /* first byte of the hash; 0: none */
	const char *package;
};

static struct portier_snapshot *snap(const struct lspec *ls, size_t n)
{
	struct portier_snapshot *s = portier_calloc(1, sizeof *s);

	assert_non_null(s);
	s->l = portier_calloc(n + 1, sizeof *s->l);
	assert_non_null(s->l);
	s->host = portier_strdup("h");
	for (size_t i = 0; i < n; i++) {
		struct portier_listener *x = &s->l[i];
		unsigned a, b, c, d;

		assert_int_equal(
			sscanf(ls[i].addr, "%u.%u.%u.%u", &a, &b, &c, &d), 4);
		x->proto = PORTIER_LOCAL_TCP;
		x->family = 4;
		x->addr[0] = (uint8_t)a;
		x->addr[1] = (uint8_t)b;
		x->addr[2] = (uint8_t)c;
		x->addr[3] = (uint8_t)d;
		x->port = ls[i].port;
		x->netns = portier_strdup("");
		x->pid = 100 + (int)i;
		x->exe = ls[i].exe ? portier_strdup(ls[i].exe) : NULL;
		x->have_sha = ls[i].sha != 0;
		x->sha256[0] = ls[i].sha;
		x->package =
			ls[i].package ? portier_strdup(ls[i].package) : NULL;
	}
	s->n = n;
	return s;
}

/* One step from base with obs; the events base -> next as "KIND PORT"
 * lines in buf; next replaces *base. */
static void step(struct portier_watch *w, struct portier_snapshot **base,
		 const struct lspec *ls, size_t n, char *buf, size_t len)
{
	struct portier_snapshot *obs = snap(ls, n), *next = NULL;
	struct portier_event *ev = NULL;
	struct portier_err err = {0};
	size_t n_ev = 0, used = 0;

	assert_int_equal(portier_watch_step(w, *base, obs, &next, &err), 0);
	assert_int_equal(
		portier_store_diff(*base, next, 0, 0, &ev, &n_ev, &err), 0);
	buf[0] = '\0';
	for (size_t i = 0; i < n_ev; i++) {
		const struct portier_listener *x = ev[i].b ? ev[i].b : ev[i].a;

		used += (size_t)snprintf(
			buf + used, len - used, "%s%s %u", used ? "," : "",
			portier_event_name(ev[i].kind), x->port);
	}
	portier_free(ev);
	portier_snapshot_free(obs);
	portier_snapshot_free(*base);
	*base = next;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct lspec ssh = {"0.0.0.0", 22, "/usr/sbin/sshd", 1, NULL};

/* settle 1: every change is reported by the step that sees it */
static void test_settle_one(void **state)
{
	struct portier_watch w = {.settle = 1};
	struct portier_snapshot *base = snap(&ssh, 1);
	const struct lspec two[] = {ssh, {"0.0.0.0", 80, "/x/web", 2, NULL}};
	char ev[256];

	(void)state;
	step(&w, &base, two, N(two), ev, sizeof ev);
	assert_string_equal(ev, "NEW 80");
	assert_int_equal(base->n, 2);
	step(&w, &base, two, N(two), ev, sizeof ev);
	assert_string_equal(ev, "");
	step(&w, &base, &ssh, 1, ev, sizeof ev);
	assert_string_equal(ev, "GONE 80");
	assert_int_equal(w.n, 0);
	portier_watch_clear(&w);
	portier_snapshot_free(base);
}

/* settle 2: a listener seen once, then gone, is never reported; seen
 * twice in a row, it is. */
static void test_settle_flap(void **state)
{
	struct portier_watch w = {.settle = 2};
	struct portier_snapshot *base = snap(&ssh, 1);
	const struct lspec two[] = {ssh, {"0.0.0.0", 80, "/x/web", 2, NULL}};
	char ev[256];

	(void)state;
	step(&w, &base, two, N(two), ev, sizeof ev);
	assert_string_equal(ev, ""); /* held at the baseline */
	assert_int_equal(base->n, 1);
	assert_int_equal(w.n, 1);
	step(&w, &base, &ssh, 1, ev, sizeof ev);
	assert_string_equal(ev, ""); /* gone again: forgotten */
	assert_int_equal(w.n, 0);
	step(&w, &base, two, N(two), ev, sizeof ev);
	assert_string_equal(ev, "");
	step(&w, &base, two, N(two), ev, sizeof ev);
	assert_string_equal(ev, "NEW 80");
	assert_int_equal(base->n, 2);
	assert_int_equal(w.n, 0);
	/* and the same for its going */
	step(&w, &base, &ssh, 1, ev, sizeof ev);
	assert_string_equal(ev, "");
	step(&w, &base, two, N(two), ev, sizeof ev);
	assert_string_equal(ev, "");
	assert_int_equal(w.n, 0);
	portier_watch_clear(&w);
	portier_snapshot_free(base);
}

/* A change that changes again before it settles starts counting anew; a
 * move to another address settles as one REBOUND. */
static void test_settle_recount(void **state)
{
	struct portier_watch w = {.settle = 2};
	const struct lspec lo[] = {ssh, {"127.0.0.1", 8080, "/x/app", 3, NULL}};
	const struct lspec any[] = {ssh, {"0.0.0.0", 8080, "/x/app", 3, NULL}};
	const struct lspec other[] = {ssh,
				      {"0.0.0.0", 8080, "/x/other", 4, NULL}};
	struct portier_snapshot *base = snap(lo, N(lo));
	char ev[256];

	(void)state;
	step(&w, &base, any, N(any), ev, sizeof ev);
	assert_string_equal(ev, "");
	step(&w, &base, other, N(other), ev, sizeof ev);
	assert_string_equal(ev, ""); /* another program: counted from 1 */
	assert_int_equal(w.n, 1);
	assert_int_equal(w.p[0].seen, 1);
	step(&w, &base, any, N(any), ev, sizeof ev);
	assert_string_equal(ev, "");
	step(&w, &base, any, N(any), ev, sizeof ev);
	assert_string_equal(ev, "REBOUND 8080");
	assert_int_equal(base->l[1].addr[0], 0);
	/* a new pid of the same program is no change at all */
	struct portier_snapshot *same = snap(any, N(any));
	struct portier_snapshot *next = NULL;
	struct portier_err err = {0};

	same->l[1].pid = 999;
	assert_int_equal(portier_watch_step(&w, base, same, &next, &err), 0);
	assert_int_equal(w.n, 0);
	assert_int_equal(next->l[1].pid, 999);
	portier_snapshot_free(same);
	portier_snapshot_free(next);
	portier_watch_clear(&w);
	portier_snapshot_free(base);
}

/* Packages and their verdicts: carried over for the same program and
 * hash, looked up (here: no dpkg database, so unknown) otherwise. */
static void test_packages_carried(void **state)
{
	const struct lspec b[] = {
		{"0.0.0.0", 22, "/usr/sbin/sshd", 1, "openssh-server"},
		{"0.0.0.0", 80, "/x/web", 2, "web"}};
	const struct lspec o[] = {{"0.0.0.0", 22, "/usr/sbin/sshd", 1, NULL},
				  {"0.0.0.0", 80, "/x/web", 9, NULL}};
	struct portier_snapshot *base = snap(b, N(b)), *obs = snap(o, N(o));
	struct portier_err err = {0};

	(void)state;
	base->l[0].pkg_verified = PORTIER_PKG_VERIFIES;
	base->l[1].pkg_verified = PORTIER_PKG_DIFFERS;
	assert_int_equal(
		portier_watch_packages(obs, base, "/nonexistent-dpkg", &err),
		0);
	assert_string_equal(obs->l[0].package, "openssh-server");
	assert_int_equal(obs->l[0].pkg_verified, PORTIER_PKG_VERIFIES);
	assert_null(obs->l[1].package); /* another hash: not carried */
	assert_int_equal(obs->l[1].pkg_verified, PORTIER_PKG_UNKNOWN);
	portier_snapshot_free(base);
	portier_snapshot_free(obs);
}

/* ---- the outbox ------------------------------------------------------------ */

static char dir[64], db[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/portier-test-watch.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof db, "%s/p.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd);
}

static void test_outbox(void **state)
{
	struct portier_store *st;
	struct portier_err err = {0};
	struct portier_snapshot *s0 = snap(&ssh, 1), *s1 = snap(&ssh, 1);
	struct portier_outbox *ob;
	const uint8_t kinds[] = {PORTIER_EV_NEW, PORTIER_EV_GONE};
	const char *const bodies[] = {"{\"event\":\"NEW\"}",
				      "{\"event\":\"GONE\"}"};
	int64_t id, delivered, first;
	size_t n;

	(void)state;
	unlink(db);
	assert_int_equal(
		portier_store_open(db, PORTIER_STORE_CREATE, &st, &err), 0);
	/* a snapshot taken before any watch: the baseline to start from */
	assert_int_equal(portier_store_save(st, s0, &err), 0);
	assert_int_equal(
		portier_store_watch_get(st, "h", &id, &delivered, &err), 0);
	assert_int_equal(id, s0->id);
	assert_int_equal(delivered, 0);
	assert_int_equal(portier_store_watch_commit(st, s1, kinds, bodies, 2,
						    &first, &err),
			 0);
	assert_int_equal(first, 1);
	assert_int_equal(portier_store_outbox(st, "h", 0, &ob, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ob[0].seq, 1);
	assert_int_equal(ob[1].seq, 2);
	assert_int_equal(ob[1].snapshot, s1->id);
	assert_string_equal(ob[1].body, bodies[1]);
	portier_outbox_free(ob, n);
	/* the first went out, then the watch died */
	assert_int_equal(portier_store_delivered(st, "h", 1, &err), 0);
	portier_store_close(st);
	assert_int_equal(portier_store_open(db, 0, &st, &err), 0);
	assert_int_equal(
		portier_store_watch_get(st, "h", &id, &delivered, &err), 0);
	assert_int_equal(id, s1->id);
	assert_int_equal(delivered, 1);
	assert_int_equal(
		portier_store_outbox(st, "h", delivered, &ob, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ob[0].seq, 2);
	portier_outbox_free(ob, n);
	/* delivery never goes backwards; other hosts have their own line */
	assert_int_equal(portier_store_delivered(st, "h", 2, &err), 0);
	assert_int_equal(portier_store_delivered(st, "h", 1, &err), 0);
	assert_int_equal(
		portier_store_watch_get(st, "h", &id, &delivered, &err), 0);
	assert_int_equal(delivered, 2);
	assert_int_equal(
		portier_store_watch_get(st, "other", &id, &delivered, &err), 0);
	assert_int_equal(id, 0);
	assert_int_equal(delivered, 0);
	portier_store_close(st);
	portier_snapshot_free(s0);
	portier_snapshot_free(s1);
}

/* A commit that fails half-way (here: an event without a body, which the
 * table refuses) leaves no snapshot and no event behind. */
static void test_outbox_atomic(void **state)
{
	struct portier_store *st;
	struct portier_err err = {0};
	struct portier_snapshot *s = snap(&ssh, 1);
	struct portier_snapshot_info *info;
	const uint8_t kinds[] = {PORTIER_EV_NEW};
	const char *const bodies[] = {NULL}; /* NOT NULL column: fails */
	int64_t first;
	size_t n, before;

	(void)state;
	assert_int_equal(
		portier_store_open(db, PORTIER_STORE_CREATE, &st, &err), 0);
	assert_int_equal(portier_store_list(st, &info, &before, &err), 0);
	portier_free(info);
	assert_int_equal(portier_store_watch_commit(st, s, kinds, bodies, 1,
						    &first, &err),
			 PORTIER_EIO);
	assert_int_equal(s->id, 0);
	assert_int_equal(portier_store_list(st, &info, &n, &err), 0);
	portier_free(info);
	assert_int_equal(n, before);
	portier_store_close(st);
	portier_snapshot_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settle_one),
		cmocka_unit_test(test_settle_flap),
		cmocka_unit_test(test_settle_recount),
		cmocka_unit_test(test_packages_carried),
		cmocka_unit_test(test_outbox),
		cmocka_unit_test(test_outbox_atomic),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
