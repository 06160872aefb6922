/*
 * agg.c - per-host records: the scan reports ports in a random order, and
 * the table, XML and grepable sinks need each host's ports together.
 *
 * A host record holds its state counts, the reasons behind them, and the
 * ports worth listing: every open port, and closed and filtered ports only
 * while there are at most PORTIER_OUT_LIST_MAX of that state (beyond that
 * nmap, and we, print "Not shown: N closed ports").  So a -p- scan of one
 * firewalled host keeps a handful of ports, and a /16 keeps one small record
 * per host.  A port joins the front of its host's chain in O(1) (the scan
 * reports ports in random order; walking a sorted chain per result cost
 * billions of steps on a -p- scan); out_sort_ports() sorts every chain once,
 * before the sinks read them.  The records
 * can be saved as text lines and loaded back, which is how a checkpoint
 * carries the results of a killed scan into its resumption.  A port that
 * never answered makes no record (silent.c keeps it as a bit); the sinks
 * see records and bits together through struct out_view.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "out/out_int.h"

/* A new zeroed element at the end of c; its index in *idx.  NULL: no memory. */
static void *chunk_add(struct out_chunks *c, size_t elem, size_t *idx)
{
	size_t k = c->n >> OUT_CHUNK_BITS;

	if (k == c->n_chunks) {
		if (portier_grow(&c->chunk, &c->cap_chunks, k + 1,
				 sizeof(*c->chunk), 16) < 0)
			return NULL;
		if (!(c->chunk[k] = portier_calloc(OUT_CHUNK, elem)))
			return NULL;
		c->n_chunks++;
	}
	*idx = c->n++;
	return (char *)c->chunk[k] + (*idx & (OUT_CHUNK - 1)) * elem;
}

void out_chunks_free(struct out_chunks *c)
{
	size_t i;

	for (i = 0; i < c->n_chunks; i++)
		portier_free(c->chunk[i]);
	portier_free(c->chunk);
	memset(c, 0, sizeof(*c));
}

enum portier_reason out_default_reason(const struct portier_out *o,
				       unsigned state)
{
	bool udp_only = o->opt.n_udp_ports && !o->opt.n_ports;

	if (state == PORTIER_PORT_OPEN)
		return udp_only ? PORTIER_REASON_UDP_RESPONSE
				: PORTIER_REASON_SYN_ACK;
	if (state == PORTIER_PORT_FILTERED ||
	    state == PORTIER_PORT_OPEN_FILTERED)
		return PORTIER_REASON_NO_RESPONSE;
	if (udp_only)
		return PORTIER_REASON_PORT_UNREACH;
	return o->opt.method == PORTIER_SCAN_SYN ? PORTIER_REASON_RESET
						 : PORTIER_REASON_CONN_REFUSED;
}

size_t out_host_reasons(const struct portier_out *o, const struct out_host *h,
			unsigned state, uint8_t *reasons, uint32_t *counts,
			size_t max)
{
	uint32_t rest = h->counts[state];
	size_t n = 1;
	int32_t r;

	if (!max)
		return 0;
	for (r = h->reasons; r >= 0; r = out_r(o, r)->next) {
		const struct out_reason *x = out_r(o, r);

		if (x->state != state)
			continue;
		rest -= x->count;
		if (n < max) {
			reasons[n] = x->reason;
			counts[n] = x->count;
			n++;
		}
	}
	reasons[0] = (uint8_t)out_default_reason(o, state);
	counts[0] = rest;
	if (rest == 0) { /* every port had another reason */
		memmove(reasons, reasons + 1, n - 1);
		memmove(counts, counts + 1, (n - 1) * sizeof(*counts));
		n--;
	}
	return n;
}

static int reindex(struct portier_out *o, size_t size)
{
	uint32_t *idx = portier_calloc(size, sizeof(*idx));
	size_t i;

	if (!idx)
		return PORTIER_ENOMEM;
	for (i = 0; i < o->n_hosts; i++) {
		size_t j = portier_addr_hash(&out_h(o, i)->addr) & (size - 1);

		while (idx[j])
			j = (j + 1) & (size - 1);
		idx[j] = (uint32_t)(i + 1);
	}
	portier_free(o->index);
	o->index = idx;
	o->index_size = size;
	return 0;
}

struct out_host *out_host_get(struct portier_out *o,
			      const struct portier_addr *a)
{
	struct out_host *h;
	size_t j, idx;

	if (o->index_size == 0 && reindex(o, 1024) < 0)
		return NULL;
	j = portier_addr_hash(a) & (o->index_size - 1);
	while (o->index[j]) {
		h = out_h(o, o->index[j] - 1);
		if (portier_addr_cmp(&h->addr, a) == 0)
			return h;
		j = (j + 1) & (o->index_size - 1);
	}
	if (!(h = chunk_add(&o->hosts, sizeof(*h), &idx)))
		return NULL;
	h->addr = *a;
	h->ports = h->reasons = -1;
	h->first = h->last = (uint32_t)time(NULL);
	o->n_hosts = o->hosts.n;
	o->index[j] = (uint32_t)o->n_hosts;
	if (o->n_hosts * 2 > o->index_size && reindex(o, o->index_size * 2) < 0)
		return NULL;
	return h;
}

static int add_reason(struct portier_out *o, struct out_host *h, unsigned state,
		      unsigned reason, uint32_t n)
{
	struct out_reason *x;
	size_t idx;
	int32_t i;

	if (reason == out_default_reason(o, state))
		return 0; /* implicit: counts[state] minus the exceptions */
	for (i = h->reasons; i >= 0; i = out_r(o, i)->next)
		if (out_r(o, i)->state == state &&
		    out_r(o, i)->reason == reason) {
			out_r(o, i)->count += n;
			return 0;
		}
	if (!(x = chunk_add(&o->reasons, sizeof(*x), &idx)))
		return PORTIER_ENOMEM;
	x->state = (uint8_t)state;
	x->reason = (uint8_t)reason;
	x->count = n;
	x->next = h->reasons;
	h->reasons = (int32_t)idx;
	return 0;
}

int out_host_add(struct portier_out *o, struct out_host *h,
		 const struct portier_scan_result *r)
{
	struct out_port *p;
	size_t idx;

	if (r->state >= PORTIER_PORT_STATES)
		return PORTIER_EINVAL;
	h->counts[r->state]++;
	h->last = (uint32_t)time(NULL);
	if (r->reason != PORTIER_REASON_NO_RESPONSE)
		h->answered = 1;
	if (add_reason(o, h, r->state, r->reason, 1) < 0)
		return PORTIER_ENOMEM;
	if (r->state != PORTIER_PORT_OPEN &&
	    h->counts[r->state] > PORTIER_OUT_LIST_MAX)
		return 0; /* summarised from now on */
	if (!(p = chunk_add(&o->ports, sizeof(*p), &idx)))
		return PORTIER_ENOMEM;
	p->port = r->port;
	p->state = r->state;
	p->reason = r->reason;
	p->ttl = r->ttl;
	p->udp = r->proto == PORTIER_PROTO_UDP;
	p->parsed = r->parsed ? r->service : NULL;
	/* front of the chain; out_sort_ports() orders it once at the end */
	p->next = h->ports;
	h->ports = (int32_t)idx;
	o->unsorted = true;
	return 0;
}

/* qsort_r comparators: ctx points to the (const) struct portier_out * whose
 * indices are sorted. */
static int port_cmp(const void *x, const void *y, void *ctx)
{
	const struct portier_out *o = *(const struct portier_out **)ctx;
	const struct out_port *a = out_p(o, *(const int32_t *)x);
	const struct out_port *b = out_p(o, *(const int32_t *)y);

	if (a->udp != b->udp) /* TCP first, as nmap lists them */
		return a->udp < b->udp ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return a->state < b->state ? -1 : a->state > b->state;
}

/* The chain of h as indices sorted by port, in v (room for all); count. */
static size_t chain_sorted(const struct portier_out *o,
			   const struct out_host *h, int32_t *v)
{
	size_t n = 0;
	int32_t p;
	bool sorted = true;

	for (p = h->ports; p >= 0; p = out_p(o, p)->next) {
		if (n && (out_p(o, v[n - 1])->udp > out_p(o, p)->udp ||
			  (out_p(o, v[n - 1])->udp == out_p(o, p)->udp &&
			   out_p(o, v[n - 1])->port > out_p(o, p)->port)))
			sorted = false;
		v[n++] = p;
	}
	if (!sorted) {
		qsort_r(v, n, sizeof(*v), port_cmp, &o);
	}
	return n;
}

int out_sort_ports(struct portier_out *o)
{
	int32_t *v;
	size_t i, k, n;

	if (!o->unsorted)
		return 0;
	if (!(v = portier_malloc((o->ports.n + 1) * sizeof(*v))))
		return PORTIER_ENOMEM;
	for (i = 0; i < o->n_hosts; i++) {
		struct out_host *h = out_h(o, i);

		if (h->ports < 0)
			continue;
		n = chain_sorted(o, h, v);
		for (k = 0; k + 1 < n; k++)
			out_p(o, v[k])->next = v[k + 1];
		out_p(o, v[n - 1])->next = -1;
		h->ports = v[0];
	}
	portier_free(v);
	o->unsorted = false;
	return 0;
}

static int host_cmp(const void *x, const void *y, void *ctx)
{
	const struct portier_out *o = *(const struct portier_out **)ctx;
	const size_t *a = x, *b = y;

	return portier_addr_cmp(&out_h(o, *a)->addr, &out_h(o, *b)->addr);
}

size_t *out_hosts_sorted(const struct portier_out *o)
{
	size_t *v = portier_malloc((o->n_hosts + 1) * sizeof(*v)), i;

	if (!v)
		return NULL;
	for (i = 0; i < o->n_hosts; i++)
		v[i] = i;
	qsort_r(v, o->n_hosts, sizeof(*v), host_cmp, &o);
	return v;
}

const char *out_host_name(const struct portier_out *o,
			  const struct portier_addr *a)
{
	return o->opt.targets ? portier_targets_name(o->opt.targets, a) : NULL;
}

size_t out_hidden_reasons(const struct portier_out *o, const struct out_host *h,
			  unsigned state, uint8_t *reasons, uint32_t *counts)
{
	if (!h->counts[state] || out_state_listed(o, h, state))
		return 0;
	return out_host_reasons(o, h, state, reasons, counts,
				PORTIER_REASON_COUNT);
}

bool out_host_shown(const struct portier_out *o, const struct out_host *h)
{
	return !o->opt.open_only || h->counts[PORTIER_PORT_OPEN] > 0;
}

bool out_state_listed(const struct portier_out *o, const struct out_host *h,
		      unsigned state)
{
	if (state == PORTIER_PORT_OPEN)
		return true;
	if (o->opt.open_only)
		return false;
	return h->counts[state] <= PORTIER_OUT_LIST_MAX;
}

size_t portier_out_hosts(const struct portier_out *o, size_t *with_open)
{
	size_t i, n = 0;

	/* a host with an open port has a record */
	for (i = 0; i < o->n_hosts; i++)
		n += out_h(o, i)->counts[PORTIER_PORT_OPEN] > 0;
	if (with_open)
		*with_open = n;
	return out_hosts_total(o);
}

/* ---- looking hosts up (follow-up probes) ---------------------------------- */

const struct out_host *out_host_find(const struct portier_out *o,
				     const struct portier_addr *a)
{
	size_t j;

	if (o->index_size == 0)
		return NULL;
	j = portier_addr_hash(a) & (o->index_size - 1);
	while (o->index[j]) {
		const struct out_host *h = out_h(o, o->index[j] - 1);

		if (portier_addr_cmp(&h->addr, a) == 0)
			return h;
		j = (j + 1) & (o->index_size - 1);
	}
	return NULL;
}

int portier_out_host_list(const struct portier_out *o,
			  struct portier_out_host_info **list, size_t *n)
{
	struct portier_out_host_info *v;
	size_t *order, i;

	*list = NULL;
	*n = 0;
	if (!o->n_hosts)
		return 0;
	order = out_hosts_sorted(o);
	v = portier_calloc(o->n_hosts, sizeof(*v));
	if (!order || !v) {
		portier_free(order);
		portier_free(v);
		return PORTIER_ENOMEM;
	}
	for (i = 0; i < o->n_hosts; i++) {
		const struct out_host *h = out_h(o, order[i]);
		uint32_t c[PORTIER_PORT_STATES];

		memcpy(c, h->counts, sizeof(c));
		out_silent_count(o, &h->addr, c);
		v[i].addr = h->addr;
		v[i].open = c[PORTIER_PORT_OPEN];
		v[i].closed = c[PORTIER_PORT_CLOSED];
		v[i].filtered = c[PORTIER_PORT_FILTERED];
	}
	portier_free(order);
	*list = v;
	*n = o->n_hosts;
	return 0;
}

size_t portier_out_open_ports(const struct portier_out *o,
			      const struct portier_addr *a, bool udp,
			      uint16_t *ports, size_t max)
{
	const struct out_host *h = out_host_find(o, a);
	size_t n = 0;
	int32_t p;

	for (p = h ? h->ports : -1; p >= 0; p = out_p(o, p)->next)
		if (out_p(o, p)->udp == udp &&
		    out_p(o, p)->state == PORTIER_PORT_OPEN) {
			if (n < max)
				ports[n] = out_p(o, p)->port;
			n++;
		}
	return n;
}

bool portier_out_port_open(const struct portier_out *o,
			   const struct portier_addr *a, uint16_t port)
{
	const struct out_host *h = out_host_find(o, a);
	int32_t p;

	/* open ports are always in the chain (closed and filtered get summarised) */
	for (p = h ? h->ports : -1; p >= 0; p = out_p(o, p)->next)
		if (out_p(o, p)->port == port && !out_p(o, p)->udp)
			return out_p(o, p)->state == PORTIER_PORT_OPEN;
	return false;
}

/* ---- save and load (checkpoints) ------------------------------------------ */

int portier_out_save(const struct portier_out *o, FILE *f)
{
	size_t i, pk, pn;
	char a[64];
	int32_t *v = portier_malloc((o->ports.n + 1) * sizeof(*v));

	if (!v)
		return PORTIER_ENOMEM;
	for (i = 0; i < o->n_hosts; i++) {
		const struct out_host *h = out_h(o, i);
		unsigned st;
		int32_t p;

		portier_addr_str(&h->addr, a, sizeof(a));
		fprintf(f, "h %s %u %u %u\n", a, h->answered, h->first,
			h->last);
		/* by port, so equal records save to equal text */
		pn = chain_sorted(o, h, v);
		for (pk = 0; pk < pn; pk++)
			fprintf(f, "p %s %u %u %u %u\n", a,
				out_p(o, v[pk])->port, out_p(o, v[pk])->state,
				out_p(o, v[pk])->reason, out_p(o, v[pk])->ttl);
		/* counts not covered by listed ports */
		for (st = 0; st < PORTIER_PORT_STATES; st++) {
			uint8_t why[PORTIER_REASON_COUNT + 1];
			uint32_t cnt[PORTIER_REASON_COUNT + 1];
			size_t k,
				n = out_host_reasons(o, h, st, why, cnt,
						     PORTIER_REASON_COUNT + 1);

			for (k = 0; k < n; k++) {
				uint32_t listed = 0;

				for (p = h->ports; p >= 0;
				     p = out_p(o, p)->next)
					listed += out_p(o, p)->state == st &&
						  out_p(o, p)->reason == why[k];
				if (cnt[k] > listed)
					fprintf(f, "x %s %u %u %u\n", a, st,
						why[k], cnt[k] - listed);
			}
		}
	}
	portier_free(v);
	return ferror(f) ? PORTIER_EIO : out_silent_save(o, f);
}

int portier_out_load(struct portier_out *o, FILE *f, struct portier_err *err)
{
	char line[256], a[64], kind;
	size_t lineno = 0;

	while (fgets(line, sizeof(line), f)) {
		struct portier_scan_result r;
		struct out_host *h;
		unsigned v1, v2, v3, v4, t1, t2;

		lineno++;
		if (strcmp(line, "end\n") == 0)
			return 0;
		if (line[0] == 's') { /* silent results (silent.c) */
			int rc = out_silent_load(o, line);

			if (rc == PORTIER_EINVAL)
				goto bad;
			if (rc < 0)
				return rc;
			continue;
		}
		memset(&r, 0, sizeof(r));
		if (sscanf(line, "%c %63s", &kind, a) != 2 ||
		    portier_addr_parse(a, &r.addr) < 0)
			goto bad;
		if (kind == 'h' &&
		    sscanf(line, "h %*s %u %u %u", &v1, &t1, &t2) == 3) {
			if (!(h = out_host_get(o, &r.addr)))
				return PORTIER_ENOMEM;
			h->answered = v1 != 0;
			h->first = t1;
			h->last = t2;
		} else if (kind == 'p' &&
			   sscanf(line, "p %*s %u %u %u %u", &v1, &v2, &v3,
				  &v4) == 4 &&
			   v1 && v1 < 65536 && v2 < 3 &&
			   v3 < PORTIER_REASON_COUNT && v4 < 256) {
			r.port = (uint16_t)v1;
			r.state = (uint8_t)v2;
			r.reason = (uint8_t)v3;
			r.ttl = (uint8_t)v4;
			r.tries = 1;
			if (portier_out_result(o, &r) < 0)
				return PORTIER_ENOMEM;
		} else if (kind == 'x' &&
			   sscanf(line, "x %*s %u %u %u", &v1, &v2, &v3) == 3 &&
			   v1 < 3 && v2 < PORTIER_REASON_COUNT) {
			if (!(h = out_host_get(o, &r.addr)))
				return PORTIER_ENOMEM;
			h->counts[v1] += v3;
			if (v2 != PORTIER_REASON_NO_RESPONSE)
				h->answered = 1;
			if (add_reason(o, h, v1, v2, v3) < 0)
				return PORTIER_ENOMEM;
		} else {
			goto bad;
		}
	}
	/* a writer killed mid-file never wrote "end": not a whole checkpoint */
	portier_err_set(
		err, PORTIER_EINVAL,
		"checkpoint is truncated after %zu result lines (no 'end' "
		"line)",
		lineno);
	portier_err_hint(err, "the file was cut short; remove it to start the "
			      "scan afresh");
	return PORTIER_EINVAL;
bad:
	portier_err_set(err, PORTIER_EINVAL,
			"bad result line %zu in checkpoint: '%.60s'", lineno,
			line);
	portier_err_hint(err, "the checkpoint file is damaged; remove it to "
			      "start the scan afresh");
	return PORTIER_EINVAL;
}
