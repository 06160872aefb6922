/*
 * silent.c - results that say nothing but "no response" cost one bit.
 *
 * A scan of a million addresses where few answer reports a million filtered
 * ports; a record per host (agg.c) for each would make memory grow with the
 * target count.  Such a result - TCP filtered or UDP open|filtered, reason
 * no-response - sets bit host_index * n_all + port_index instead, over net's
 * target set and the scanned port lists; a host gets a record only for a
 * result with something to say (open, closed, an ICMP reason).  The bits
 * keep which ports were silent, not only how many, so the table, nmap XML
 * and grepable output list a host's silent ports exactly as before (nmap -Pn
 * lists a host whose every port is filtered, and so do we).
 *
 * The sinks walk hosts through struct out_view: the records sorted by
 * address merged with the hosts that have bits only (target index order is
 * address order), each with its silent ports counted into counts[] and
 * merged into its port list in port order.  A checkpoint saves the non-zero
 * words of the bitmap; loading one replays each bit as a result.
 */
#include <stdlib.h>
#include <string.h>

#include "out/out_int.h"

int out_silent_open(struct portier_out *o)
{
	struct out_silent *s = &o->silent;
	uint64_t hosts;

	s->n_all = o->opt.n_ports + o->opt.n_udp_ports;
	if (!o->opt.targets || !s->n_all)
		return 0;
	hosts = portier_targets_count(o->opt.targets);
	if (hosts == UINT64_MAX || hosts > OUT_SILENT_MAX_BITS / s->n_all)
		return 0; /* records it is, as for any result */
	s->n_bits = hosts * s->n_all;
	s->n_words = (s->n_bits + 63) / 64;
	if (!(s->bits = portier_calloc(s->n_words, sizeof(*s->bits))))
		return PORTIER_ENOMEM;
	return 0;
}

void out_silent_free(struct portier_out *o)
{
	portier_free(o->silent.bits);
	memset(&o->silent, 0, sizeof(o->silent));
}

static int port_cmp(const void *key, const void *elem)
{
	uint16_t a = *(const uint16_t *)key, b = *(const uint16_t *)elem;

	return a < b ? -1 : a > b;
}

/* The bit of (a, port), or false when either is not in the scan. */
static bool bit_of(const struct portier_out *o, const struct portier_addr *a,
		   uint16_t port, bool udp, uint64_t *bit)
{
	const uint16_t *v = udp ? o->opt.udp_ports : o->opt.ports;
	size_t n = udp ? o->opt.n_udp_ports : o->opt.n_ports;
	const uint16_t *hit =
		n ? bsearch(&port, v, n, sizeof(*v), port_cmp) : NULL;
	uint64_t host;

	if (!hit || !portier_targets_index(o->opt.targets, a, &host))
		return false;
	*bit = host * o->silent.n_all + (size_t)(hit - v) +
	       (udp ? o->opt.n_ports : 0);
	return true;
}

static bool bit_test(const uint64_t *w, uint64_t b)
{
	return (w[b >> 6] >> (b & 63)) & 1;
}

/* The first set bit in [from, end), or end. */
static uint64_t bit_next(const uint64_t *w, uint64_t from, uint64_t end)
{
	while (from < end) {
		uint64_t x = w[from >> 6] >> (from & 63);

		if (x) {
			from += (uint64_t)__builtin_ctzll(x);
			return from < end ? from : end;
		}
		from = (from | 63) + 1;
	}
	return end;
}

/* The set bits in [from, end). */
static uint32_t bit_count(const uint64_t *w, uint64_t from, uint64_t end)
{
	uint32_t n = 0;

	while (from < end) {
		uint64_t x = w[from >> 6] >> (from & 63),
			 span = 64 - (from & 63);

		if (end - from < span) {
			span = end - from;
			x &= (1ull << span) - 1;
		}
		n += (uint32_t)__builtin_popcountll(x);
		from += span;
	}
	return n;
}

bool out_silent_add(struct portier_out *o, const struct portier_scan_result *r)
{
	struct out_silent *s = &o->silent;
	bool udp = r->proto == PORTIER_PROTO_UDP;
	uint64_t b;

	if (!s->bits || r->reason != PORTIER_REASON_NO_RESPONSE ||
	    r->state != (udp ? PORTIER_PORT_OPEN_FILTERED
			     : PORTIER_PORT_FILTERED) ||
	    !bit_of(o, &r->addr, r->port, udp, &b))
		return false;
	if (!bit_test(s->bits, b)) {
		s->bits[b >> 6] |= 1ull << (b & 63);
		s->set++;
	}
	s->last = (uint32_t)time(NULL);
	return true;
}

/* ---- checkpoints ---------------------------------------------------------- */

int out_silent_save(const struct portier_out *o, FILE *f)
{
	uint64_t i;

	for (i = 0; i < o->silent.n_words; i++)
		if (o->silent.bits[i])
			fprintf(f, "s %llu %016llx\n", (unsigned long long)i,
				(unsigned long long)o->silent.bits[i]);
	return ferror(f) ? PORTIER_EIO : 0;
}

int out_silent_load(struct portier_out *o, const char *line)
{
	struct out_silent *s = &o->silent;
	unsigned long long word, x;
	uint64_t b, end;
	int rc;

	if (sscanf(line, "s %llu %llx", &word, &x) != 2 || !s->bits ||
	    word >= s->n_words)
		return PORTIER_EINVAL;
	b = word * 64;
	end = b + 64 < s->n_bits ? b + 64 : s->n_bits;
	if (end - b < 64 && (x >> (end - b)))
		return PORTIER_EINVAL; /* bits past the last host */
	/* each bit is a result again, so JSON Lines gets it again too */
	for (; x; x &= x - 1) {
		uint64_t bit = b + (uint64_t)__builtin_ctzll(x),
			 k = bit % s->n_all;
		struct portier_scan_result r;

		memset(&r, 0, sizeof(r));
		portier_targets_at(o->opt.targets, bit / s->n_all, &r.addr);
		r.proto = k < o->opt.n_ports ? PORTIER_PROTO_TCP
					     : PORTIER_PROTO_UDP;
		r.port = k < o->opt.n_ports
				 ? o->opt.ports[k]
				 : o->opt.udp_ports[k - o->opt.n_ports];
		r.state = k < o->opt.n_ports ? PORTIER_PORT_FILTERED
					     : PORTIER_PORT_OPEN_FILTERED;
		r.reason = PORTIER_REASON_NO_RESPONSE;
		r.tries = 1;
		if ((rc = portier_out_result(o, &r)) < 0)
			return rc;
	}
	return 0;
}

/* ---- the view the sinks read ---------------------------------------------- */

int out_view_start(const struct portier_out *o, struct out_view *v)
{
	memset(v, 0, sizeof(*v));
	v->order = out_hosts_sorted(o);
	return v->order ? 0 : PORTIER_ENOMEM;
}

void out_view_end(struct out_view *v)
{
	portier_free(v->order);
	v->order = NULL;
}

/* The next host from v->next on with bits and no record, in v->cand. */
static bool next_bits_only(const struct portier_out *o, struct out_view *v,
			   struct portier_addr *a)
{
	const struct out_silent *s = &o->silent;
	uint64_t b;

	if (!s->set)
		return false;
	if (v->cand_ok) {
		portier_targets_at(o->opt.targets, v->cand, a);
		return true;
	}
	b = v->next * s->n_all;
	while ((b = bit_next(s->bits, b, s->n_bits)) < s->n_bits) {
		uint64_t host = b / s->n_all;

		portier_targets_at(o->opt.targets, host, a);
		if (!out_host_find(o, a)) {
			v->cand = host;
			v->cand_ok = true;
			return true;
		}
		b = (host + 1) * s->n_all; /* its record comes in order */
	}
	v->next = s->n_all ? s->n_bits / s->n_all : 0;
	return false;
}

/* The first bit of a, UINT64_MAX when there are no bits for it. */
static uint64_t base_of(const struct portier_out *o,
			const struct portier_addr *a)
{
	uint64_t host;

	if (!o->silent.set || !portier_targets_index(o->opt.targets, a, &host))
		return UINT64_MAX;
	return host * o->silent.n_all;
}

/* Add the bits from base on to the state counts they stand for. */
static void add_bits(const struct portier_out *o, uint64_t base,
		     uint32_t *counts)
{
	const struct out_silent *s = &o->silent;
	uint64_t tcp = base + o->opt.n_ports;

	if (base == UINT64_MAX)
		return;
	counts[PORTIER_PORT_FILTERED] += bit_count(s->bits, base, tcp);
	counts[PORTIER_PORT_OPEN_FILTERED] +=
		bit_count(s->bits, tcp, base + s->n_all);
}

void out_silent_count(const struct portier_out *o, const struct portier_addr *a,
		      uint32_t *counts)
{
	add_bits(o, base_of(o, a), counts);
}

const struct out_host *out_view_next(const struct portier_out *o,
				     struct out_view *v)
{
	for (;;) {
		const struct out_host *rec =
			v->i < o->n_hosts ? out_h(o, v->order[v->i]) : NULL;
		struct portier_addr a;
		bool bits = next_bits_only(o, v, &a);

		if (!rec && !bits)
			return NULL;
		if (rec && (!bits || portier_addr_cmp(&rec->addr, &a) < 0)) {
			v->i++;
			v->h = *rec;
			v->base = base_of(o, &rec->addr);
		} else {
			memset(&v->h, 0, sizeof(v->h));
			v->h.addr = a;
			v->h.ports = v->h.reasons = -1;
			v->h.first = (uint32_t)o->start;
			v->h.last = o->silent.last;
			v->base = v->cand * o->silent.n_all;
			v->next = v->cand + 1;
			v->cand_ok = false;
		}
		add_bits(o, v->base, v->h.counts);
		v->seen++;
		v->p = v->h.ports;
		v->k = 0;
		if (out_host_shown(o, &v->h))
			return &v->h;
	}
}

const struct out_port *out_view_port(const struct portier_out *o,
				     struct out_view *v)
{
	const struct out_silent *s = &o->silent;

	for (;;) {
		const struct out_port *c = v->p >= 0 ? out_p(o, v->p) : NULL;
		uint64_t k = v->base == UINT64_MAX
				     ? s->n_all
				     : bit_next(s->bits, v->base + v->k,
						v->base + s->n_all) -
					       v->base;
		bool udp = k >= o->opt.n_ports;
		uint16_t port = k >= s->n_all ? 0
				: udp ? o->opt.udp_ports[k - o->opt.n_ports]
				      : o->opt.ports[k];

		if (!c && k >= s->n_all)
			return NULL;
		if (c && (k >= s->n_all || c->udp < udp ||
			  (c->udp == udp && c->port < port))) {
			v->p = c->next;
			if (out_state_listed(o, &v->h, c->state))
				return c;
			continue;
		}
		v->k = k + 1;
		memset(&v->port, 0, sizeof(v->port));
		v->port.port = port;
		v->port.udp = udp;
		v->port.state = udp ? PORTIER_PORT_OPEN_FILTERED
				    : PORTIER_PORT_FILTERED;
		v->port.reason = PORTIER_REASON_NO_RESPONSE;
		v->port.next = -1;
		if (out_state_listed(o, &v->h, v->port.state))
			return &v->port;
	}
}

size_t out_hosts_total(const struct portier_out *o)
{
	struct out_view v;
	struct portier_addr a;
	size_t n = o->n_hosts;

	memset(&v, 0, sizeof(v));
	while (next_bits_only(o, &v, &a)) {
		n++;
		v.next = v.cand + 1;
		v.cand_ok = false;
	}
	return n;
}
