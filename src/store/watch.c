/*
 * watch.c - the decision of `portier watch`: which observed changes are
 * adopted into the baseline (and so reported), and which wait until they
 * have persisted for w->settle observations.  Changes are judged per
 * (proto, netns, port), the unit the event diff matches listeners in, so
 * that a REBOUND (one port, another address) settles as one change.
 */
#include <stdlib.h>
#include <string.h>

#include "portier/store.h"

static const char *ns_of(const struct portier_listener *x)
{
	return x->netns ? x->netns : "";
}

static int group_cmp(uint8_t proto, const char *netns, uint16_t port,
		     const struct portier_listener *x)
{
	int c;

	if (proto != x->proto)
		return proto < x->proto ? -1 : 1;
	c = strcmp(netns, ns_of(x));
	if (c)
		return c < 0 ? -1 : 1;
	return (port > x->port) - (port < x->port);
}

/* The run of listeners of (proto, netns, port) in s: [*lo, *hi). */
static void run_of(const struct portier_snapshot *s, uint8_t proto,
		   const char *netns, uint16_t port, size_t *lo, size_t *hi)
{
	size_t a = 0, b = s->n;

	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (group_cmp(proto, netns, port, &s->l[mid]) > 0)
			a = mid + 1;
		else
			b = mid;
	}
	*lo = a;
	while (a < s->n && !group_cmp(proto, netns, port, &s->l[a]))
		a++;
	*hi = a;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* What a group looks like, as far as events go: its addresses and, for
 * each, the program and its hash. */
static uint64_t group_sig(const struct portier_listener *x, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		const char *exe = x[i].exe ? x[i].exe : "";

		h = fnv(h, &x[i].family, 1);
		h = fnv(h, x[i].addr, 16);
		h = fnv(h, exe, strlen(exe) + 1);
		h = fnv(h, &x[i].have_sha, 1);
		if (x[i].have_sha)
			h = fnv(h, x[i].sha256, 32);
	}
	return h;
}

static char *dup_or_null(const char *s, bool *fail)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = portier_strdup(s)))
		*fail = true;
	return d;
}

/* A deep copy of x into d; false when memory ran out (d is then still
 * safe to free). */
static bool copy_listener(struct portier_listener *d,
			  const struct portier_listener *x)
{
	bool fail = false;

	*d = *x;
	d->netns = dup_or_null(x->netns, &fail);
	d->comm = dup_or_null(x->comm, &fail);
	d->exe = dup_or_null(x->exe, &fail);
	d->unit = dup_or_null(x->unit, &fail);
	d->container = dup_or_null(x->container, &fail);
	d->package = dup_or_null(x->package, &fail);
	d->rules = dup_or_null(x->rules, &fail);
	return !fail;
}

static struct portier_watch_pend *pend_find(struct portier_watch *w,
					    const struct portier_listener *x)
{
	for (size_t i = 0; i < w->n; i++)
		if (!group_cmp(w->p[i].proto, w->p[i].netns, w->p[i].port, x))
			return &w->p[i];
	return NULL;
}

static void pend_drop(struct portier_watch *w, size_t i)
{
	portier_free(w->p[i].netns);
	w->p[i] = w->p[--w->n];
}

void portier_watch_clear(struct portier_watch *w)
{
	while (w->n)
		pend_drop(w, w->n - 1);
	portier_free(w->p);
	w->p = NULL;
	w->cap = 0;
}

/* A group whose change has not settled: kept at the baseline. */
struct held {
	uint8_t proto;
	uint16_t port;
	const char *netns;
};

static bool is_held(const struct held *h, size_t n,
		    const struct portier_listener *x)
{
	for (size_t i = 0; i < n; i++)
		if (!group_cmp(h[i].proto, h[i].netns, h[i].port, x))
			return true;
	return false;
}

/*
 * Count the change of x's group, seen in obs; true when it has now been
 * seen w->settle times in a row (it settles).  touched[i] marks the
 * pending entries counted in this step, so a group with two events
 * counts once.
 */
static int count_change(struct portier_watch *w, bool *touched,
			const struct portier_listener *x,
			const struct portier_snapshot *obs, bool *settled)
{
	struct portier_watch_pend *p = pend_find(w, x);
	size_t lo, hi;
	uint64_t sig;

	run_of(obs, x->proto, ns_of(x), x->port, &lo, &hi);
	sig = group_sig(obs->l + lo, hi - lo);
	if (!p) {
		if (portier_grow(&w->p, &w->cap, w->n + 1, sizeof *w->p, 8))
			return PORTIER_ENOMEM;
		p = &w->p[w->n];
		*p = (struct portier_watch_pend){
			.proto = x->proto,
			.port = x->port,
			.netns = portier_strdup(ns_of(x)),
		};
		if (!p->netns)
			return PORTIER_ENOMEM;
		touched[w->n++] = false;
	}
	if (touched[p - w->p]) { /* a second event of the same group */
		*settled = p->seen >= (w->settle ? w->settle : 1);
		return 0;
	}
	touched[p - w->p] = true;
	if (p->seen && p->sig == sig)
		p->seen++;
	else {
		p->sig = sig;
		p->seen = 1;
	}
	*settled = p->seen >= (w->settle ? w->settle : 1);
	return 0;
}

static int listener_qcmp(const void *a, const void *b)
{
	return portier_listener_cmp(a, b);
}

static int build_next(const struct portier_snapshot *base,
		      const struct portier_snapshot *obs,
		      const struct held *held, size_t n_held,
		      struct portier_snapshot **next)
{
	struct portier_snapshot *s = portier_calloc(1, sizeof *s);
	size_t cap = base->n + obs->n + 1;
	bool ok, fail = false;

	if (!s || !(s->l = portier_calloc(cap, sizeof *s->l))) {
		portier_free(s);
		return PORTIER_ENOMEM;
	}
	s->time = obs->time;
	s->host = dup_or_null(obs->host, &fail);
	ok = !fail;
	for (size_t i = 0; ok && i < obs->n; i++)
		if (!is_held(held, n_held, &obs->l[i]))
			ok = copy_listener(&s->l[s->n++], &obs->l[i]);
	for (size_t i = 0; ok && i < base->n; i++)
		if (is_held(held, n_held, &base->l[i]))
			ok = copy_listener(&s->l[s->n++], &base->l[i]);
	if (!ok) {
		portier_snapshot_free(s);
		return PORTIER_ENOMEM;
	}
	if (s->n > 1)
		qsort(s->l, s->n, sizeof *s->l, listener_qcmp);
	*next = s;
	return 0;
}

int portier_watch_step(struct portier_watch *w,
		       const struct portier_snapshot *base,
		       const struct portier_snapshot *obs,
		       struct portier_snapshot **next, struct portier_err *err)
{
	struct portier_event *ev = NULL;
	struct held *held = NULL;
	bool *touched = NULL;
	size_t n_ev = 0, n_held = 0;
	int rc;

	*next = NULL;
	if ((rc = portier_store_diff(base, obs, w->eph_lo, w->eph_hi, &ev,
				     &n_ev, err)))
		return rc;
	rc = PORTIER_ENOMEM;
	/* every pending entry, plus one per event at most */
	touched = portier_calloc(w->n + n_ev + 1, sizeof *touched);
	held = portier_calloc(n_ev + 1, sizeof *held);
	if (!touched || !held)
		goto out;
	for (size_t i = 0; i < n_ev; i++) {
		const struct portier_listener *x = ev[i].b ? ev[i].b : ev[i].a;
		bool settled;

		if (count_change(w, touched, x, obs, &settled))
			goto out;
		if (!settled && !is_held(held, n_held, x))
			held[n_held++] = (struct held){
				.proto = x->proto,
				.port = x->port,
				.netns = ns_of(x),
			};
	}
	rc = build_next(base, obs, held, n_held, next);
	/* What settled is in the baseline now; what is no longer different
	 * from it went away before it settled.  Either way it is forgotten. */
	for (size_t i = w->n; i-- > 0;)
		if (!touched[i] || !is_held(held, n_held,
					    &(struct portier_listener){
						    .proto = w->p[i].proto,
						    .port = w->p[i].port,
						    .netns = w->p[i].netns}))
			pend_drop(w, i);
out:
	portier_free(touched);
	portier_free(held);
	portier_free(ev);
	if (rc)
		return portier_err_set(err, rc, "out of memory in watch");
	return 0;
}

/* The listener of base with x's key, or NULL. */
static const struct portier_listener *
find_key(const struct portier_snapshot *base, const struct portier_listener *x)
{
	return base->n ? bsearch(x, base->l, base->n, sizeof *base->l,
				 listener_qcmp)
		       : NULL;
}

static bool same_program(const struct portier_listener *a,
			 const struct portier_listener *b)
{
	return a->exe && b->exe && !strcmp(a->exe, b->exe) && a->have_sha &&
	       b->have_sha && !memcmp(a->sha256, b->sha256, 32);
}

int portier_watch_packages(struct portier_snapshot *obs,
			   const struct portier_snapshot *base,
			   const char *admindir, struct portier_err *err)
{
	struct portier_snapshot view = {0};
	size_t *idx;
	int rc = 0;

	idx = portier_calloc(obs->n + 1, sizeof *idx);
	view.l = portier_calloc(obs->n + 1, sizeof *view.l);
	if (!idx || !view.l) {
		rc = portier_err_set(err, PORTIER_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < obs->n; i++) {
		struct portier_listener *x = &obs->l[i];
		const struct portier_listener *b =
			base ? find_key(base, x) : NULL;

		if (!x->exe || x->package)
			continue;
		if (b && b->package && same_program(b, x)) {
			if (!(x->package = portier_strdup(b->package))) {
				rc = portier_err_set(err, PORTIER_ENOMEM,
						     "out of memory");
				goto out;
			}
			x->pkg_verified = b->pkg_verified;
			continue;
		}
		/* the view shares x's strings and gets its own package */
		view.l[view.n] = *x;
		idx[view.n++] = i;
	}
	if (view.n)
		rc = portier_store_packages(&view, admindir, err);
	for (size_t k = 0; k < view.n; k++) {
		obs->l[idx[k]].package = view.l[k].package;
		obs->l[idx[k]].pkg_verified = view.l[k].pkg_verified;
	}
out:
	portier_free(view.l);
	portier_free(idx);
	return rc;
}
