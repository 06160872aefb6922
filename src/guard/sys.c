/*
 * sys.c - what the judge asks the live system (struct portier_guard_env),
 * answered from the socket table of local.h: is something listening on the
 * port a probe went to, and does a TCP connection with exactly the probe's
 * 4-tuple exist?
 *
 * Listeners (TCP LISTEN, UDP sockets in any state) are kept in a sorted
 * array of (proto, port, address); a probe that misses triggers a fresh
 * read when the array is older than refresh_ms, so a service started a
 * moment ago is not mistaken for a closed port.  The connection question
 * is one exact lookup in the kernel (cheap enough per packet); the table
 * checks the answer's tuple, since for an unknown 4-tuple the kernel hands
 * back the listener instead.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "portier/guard.h"
#include "portier/local.h"

struct lport {
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP, as in probes */
	bool wild;     /* bound to 0.0.0.0 or :: */
	uint16_t port;
	struct portier_addr addr;
};

struct portier_guard_sys {
	/* read again for each question: its netlink socket stays open */
	struct portier_local_table *tab;
	unsigned refresh_ms;
	uint64_t loaded_ms;
	struct lport *v;
	size_t n, cap;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int portier_guard_sys_new(struct portier_guard_sys **out, unsigned refresh_ms,
			  struct portier_err *err)
{
	struct portier_guard_sys *s;

	*out = NULL;
	s = portier_calloc(1, sizeof(*s));
	if (!s)
		return portier_err_set(err, PORTIER_ENOMEM,
				       "out of memory for the socket table");
	s->refresh_ms = refresh_ms;
	*out = s;
	return 0;
}

void portier_guard_sys_free(struct portier_guard_sys *s)
{
	if (!s)
		return;
	portier_local_table_close(s->tab);
	portier_free(s->v);
	portier_free(s);
}

/* The probe's 4-tuple as the table sees it: our end is its destination. */
static int probe_tuple(const struct portier_guard_probe *p,
		       struct portier_local_tuple *t)
{
	return portier_local_tuple_set(
		t,
		p->proto == IPPROTO_UDP ? PORTIER_PROTO_UDP : PORTIER_PROTO_TCP,
		p->family, p->dst, p->dport, p->src, p->sport);
}

static int add_port(struct portier_guard_sys *s,
		    const struct portier_local_tuple *t)
{
	static const uint8_t zero[16];
	struct lport *l;

	if (portier_grow(&s->v, &s->cap, s->n + 1, sizeof(*s->v), 64) < 0)
		return PORTIER_ENOMEM;
	l = &s->v[s->n++];
	memset(l, 0, sizeof(*l));
	l->proto = t->proto == PORTIER_PROTO_UDP ? IPPROTO_UDP : IPPROTO_TCP;
	l->port = t->lport;
	l->addr = t->local;
	l->wild = !memcmp(t->local.b, zero, sizeof(zero));
	return 0;
}

/* Read s->tab for q (the first time: open it). */
static int read_table(struct portier_guard_sys *s,
		      const struct portier_local_table_query *q)
{
	if (!s->tab)
		return portier_local_table_open(q, &s->tab, NULL);
	return portier_local_table_reread(s->tab, q, NULL);
}

/* Add the local ends of the sockets of one protocol in the given states. */
static int add_table(struct portier_guard_sys *s, unsigned proto,
		     uint32_t states)
{
	struct portier_local_table_query q = {.protos = proto,
					      .states = states};
	struct portier_local_entry e;
	size_t pos = 0;
	int rc = read_table(s, &q);

	while (rc == 0 && portier_local_table_each(s->tab, &pos, &e))
		rc = add_port(s, &e.tuple);
	return rc;
}

static int cmp_lport(const void *a, const void *b)
{
	const struct lport *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto - y->proto;
	return (int)x->port - (int)y->port;
}

static int refresh(struct portier_guard_sys *s)
{
	int rc;

	s->n = 0;
	rc = add_table(s, PORTIER_PROTO_TCP,
		       PORTIER_STATE_BIT(PORTIER_SS_LISTEN));
	if (rc == 0)
		rc = add_table(s, PORTIER_PROTO_UDP, PORTIER_STATES_ALL);
	if (rc < 0)
		return rc;
	if (s->n) /* qsort of NULL is undefined even for 0 items */
		qsort(s->v, s->n, sizeof(*s->v), cmp_lport);
	s->loaded_ms = now_ms();
	return 0;
}

static bool in_set(const struct portier_guard_sys *s,
		   const struct portier_guard_probe *p)
{
	struct lport key = {.proto = p->proto, .port = p->dport};
	struct portier_local_tuple t;
	size_t lo = 0, hi = s->n;

	if (probe_tuple(p, &t) < 0)
		return false;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cmp_lport(&s->v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < s->n && !cmp_lport(&s->v[lo], &key); lo++) {
		const struct lport *l = &s->v[lo];

		/* a v6 wildcard takes IPv4 too unless V6ONLY: assume it does */
		if (l->wild &&
		    (l->addr.family == t.local.family || l->addr.family == 6))
			return true;
		if (portier_addr_cmp(&l->addr, &t.local) == 0)
			return true;
	}
	return false;
}

static bool sys_listening(void *ctx, const struct portier_guard_probe *p)
{
	struct portier_guard_sys *s = ctx;

	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return false;
	if (s->loaded_ms && in_set(s, p))
		return true;
	if (s->loaded_ms && now_ms() < s->loaded_ms + s->refresh_ms)
		return false;
	if (refresh(s) < 0)
		return true; /* cannot tell: do not count it against anyone */
	return in_set(s, p);
}

static bool sys_connected(void *ctx, const struct portier_guard_probe *p)
{
	struct portier_local_tuple t;
	struct portier_local_table_query q = {
		.protos = PORTIER_PROTO_TCP,
		.states = PORTIER_STATES_ALL &
			  ~PORTIER_STATE_BIT(PORTIER_SS_LISTEN),
		.exact = &t,
	};
	struct portier_guard_sys *s = ctx;

	if (p->proto != IPPROTO_TCP || probe_tuple(p, &t) < 0)
		return false;
	if (read_table(s, &q) < 0)
		return true; /* cannot tell: give the benefit of the doubt */
	return portier_local_table_find(s->tab, &t, NULL);
}

void portier_guard_sys_env(struct portier_guard_sys *s,
			   struct portier_guard_env *env)
{
	env->listening = sys_listening;
	env->connected = sys_connected;
	env->ctx = s;
}
