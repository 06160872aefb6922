/*
 * events.c - what changed between two snapshots, as events with stable
 * keys.  Both snapshots are sorted by (proto, netns, port, family, addr),
 * so the listeners of one (proto, netns, port) form a run in each; the two
 * runs are matched address by address, and what is left over on both sides
 * is a listener that moved to another address (REBOUND).
 */
#include <string.h>

#include "portier/store.h"

const char *portier_event_name(enum portier_event_kind k)
{
	static const char *const names[] = {"NEW",
					    "GONE",
					    "REBOUND",
					    "OWNER_CHANGED",
					    "BINARY_MODIFIED",
					    "SERVICE_CHANGED"};

	return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

static bool same_group(const struct portier_listener *a,
		       const struct portier_listener *b)
{
	return a->proto == b->proto && a->port == b->port &&
	       !strcmp(a->netns ? a->netns : "", b->netns ? b->netns : "");
}

static bool same_addr(const struct portier_listener *a,
		      const struct portier_listener *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, 16);
}

static bool str_eq(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

/* The severity of an event: the audit verdict or the kb risk of the port,
 * whichever is higher; a new listener of a deleted binary, of one no
 * package ships, or of a packaged one that no longer matches its
 * package's md5sum, is high. */
static uint8_t severity(enum portier_event_kind k,
			const struct portier_listener *x)
{
	uint8_t s = x->audit > x->kb_risk ? x->audit : x->kb_risk;

	if (k == PORTIER_EV_NEW &&
	    (x->exe_deleted || (x->package && !x->package[0]) ||
	     x->pkg_verified == PORTIER_PKG_DIFFERS))
		s = PORTIER_RISK_HIGH;
	if (k == PORTIER_EV_BINARY_MODIFIED && s < PORTIER_RISK_MEDIUM)
		s = PORTIER_RISK_MEDIUM;
	return s;
}

struct evlist {
	struct portier_event *ev;
	size_t n, cap;
	uint16_t eph_lo, eph_hi;
};

static bool ephemeral_client(const struct evlist *e,
			     const struct portier_listener *x)
{
	return x->proto == PORTIER_LOCAL_UDP && e->eph_hi &&
	       x->port >= e->eph_lo && x->port <= e->eph_hi;
}

static int emit(struct evlist *e, enum portier_event_kind k,
		const struct portier_listener *a,
		const struct portier_listener *b)
{
	const struct portier_listener *x = b ? b : a;

	if (ephemeral_client(e, x))
		return 0;
	if (portier_grow(&e->ev, &e->cap, e->n + 1, sizeof *e->ev, 16))
		return PORTIER_ENOMEM;
	e->ev[e->n++] = (struct portier_event){
		.kind = (uint8_t)k,
		.severity = severity(k, x),
		.a = a,
		.b = b,
	};
	return 0;
}

/* The same key on both sides: did the program change? */
static int compare(struct evlist *e, const struct portier_listener *a,
		   const struct portier_listener *b)
{
	if (!a->exe || !b->exe)
		return 0; /* an owner we could not see says nothing */
	if (strcmp(a->exe, b->exe))
		return emit(e, PORTIER_EV_OWNER_CHANGED, a, b);
	if (a->have_sha && b->have_sha && memcmp(a->sha256, b->sha256, 32))
		return emit(e, PORTIER_EV_BINARY_MODIFIED, a, b);
	return 0;
}

/* Match the group a[0..na) against b[0..nb) (one proto, netns, port). */
static int group(struct evlist *e, const struct portier_listener *a, size_t na,
		 const struct portier_listener *b, size_t nb)
{
	bool *used_a = portier_calloc(na + nb + 1, sizeof *used_a);
	bool *used_b = used_a + na;
	size_t j = 0;
	int rc = 0;

	if (!used_a)
		return PORTIER_ENOMEM;
	for (size_t i = 0; i < na && !rc; i++)
		for (size_t k = 0; k < nb; k++)
			if (!used_b[k] && same_addr(&a[i], &b[k])) {
				used_a[i] = used_b[k] = true;
				rc = compare(e, &a[i], &b[k]);
				break;
			}
	for (size_t i = 0; i < na && !rc; i++) {
		if (used_a[i])
			continue;
		while (j < nb && used_b[j])
			j++;
		if (j < nb) {
			used_b[j] = true;
			rc = emit(e, PORTIER_EV_REBOUND, &a[i], &b[j]);
			if (!rc && a[i].exe && b[j].exe &&
			    !str_eq(a[i].exe, b[j].exe))
				rc = emit(e, PORTIER_EV_OWNER_CHANGED, &a[i],
					  &b[j]);
		} else {
			rc = emit(e, PORTIER_EV_GONE, &a[i], NULL);
		}
	}
	for (size_t k = 0; k < nb && !rc; k++)
		if (!used_b[k])
			rc = emit(e, PORTIER_EV_NEW, NULL, &b[k]);
	portier_free(used_a);
	return rc;
}

static size_t run_end(const struct portier_listener *x, size_t i, size_t n)
{
	size_t k = i + 1;

	while (k < n && same_group(&x[i], &x[k]))
		k++;
	return k;
}

int portier_store_diff(const struct portier_snapshot *a,
		       const struct portier_snapshot *b, uint16_t eph_lo,
		       uint16_t eph_hi, struct portier_event **out, size_t *n,
		       struct portier_err *err)
{
	struct evlist e = {.eph_lo = eph_lo, .eph_hi = eph_hi};
	size_t i = 0, k = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	while (!rc && (i < a->n || k < b->n)) {
		size_t ie = i < a->n ? run_end(a->l, i, a->n) : i;
		size_t ke = k < b->n ? run_end(b->l, k, b->n) : k;
		int c;

		if (i == a->n)
			c = 1;
		else if (k == b->n)
			c = -1;
		else if (same_group(&a->l[i], &b->l[k]))
			c = 0;
		else
			c = portier_listener_cmp(&a->l[i], &b->l[k]);
		if (c < 0) {
			rc = group(&e, &a->l[i], ie - i, NULL, 0);
			i = ie;
		} else if (c > 0) {
			rc = group(&e, NULL, 0, &b->l[k], ke - k);
			k = ke;
		} else {
			rc = group(&e, &a->l[i], ie - i, &b->l[k], ke - k);
			i = ie;
			k = ke;
		}
	}
	if (rc) {
		portier_free(e.ev);
		return portier_err_set(err, rc, "out of memory for events");
	}
	*out = e.ev;
	*n = e.n;
	return 0;
}
