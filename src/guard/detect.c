/*
 * detect.c - per-source state and the sequential hypothesis test.
 *
 * Threshold Random Walk (Jung, Paxson, Berger, Balakrishnan, "Fast portscan
 * detection using sequential hypothesis testing", IEEE S&P 2004, section
 * 4): each first attempt of a source on a port is a Bernoulli trial, a
 * success with probability theta0 for a benign source and theta1 for a
 * scanner.  The log likelihood ratio moves by ln((1-theta1)/(1-theta0)) on a
 * failure and by ln(theta1/theta0) on a success; crossing
 * ln(PD/PF) flags the source.  With the paper's values (0.8, 0.2, 0.99,
 * 0.01) a failure is +ln 4, a success -ln 4, the threshold ln 99: four
 * failures in a row flag a scanner, at any speed.
 *
 * Three departures, about evasion, memory and time: successes give bounded
 * credit (the walk never goes below ln((1-PD)/(1-PF)), so a scanner mixing
 * in successes buys at most a few probes), and a slow-scan window flags a
 * source with slow_ports distinct failed ports inside window_s whatever the
 * walk says.  Repeated attempts on one port of one of this host's addresses
 * count once (retransmissions and a client retrying a closed port are not
 * new evidence).  And the walk decays toward 0 with the time since the
 * source's last probe (half-life window_s / 4, see decay()).
 *
 * Sources live in a hash table with an LRU list over a pool of at most
 * max_sources nodes (indices, not pointers, so the pool can grow); the
 * least recently seen source is forgotten when the pool is full.
 */
#include <math.h>
#include <string.h>

#include "guard/guard_int.h"

#define NIL	      UINT32_MAX
#define RECENT_ALERTS 16
#define GROUP_PORTS   8

struct node {
	struct portier_guard_source s;
	uint32_t hnext, prev, next;
};

struct recent {
	uint64_t ts_us, event;
	enum portier_guard_kind kind;
	const char *tool; /* a string constant of classify.c */
	unsigned members;
	uint16_t ports[GROUP_PORTS];
	uint8_t n_ports;
};

struct portier_guard_det {
	struct portier_guard_config cfg;
	double upper, lower, step_fail, step_success;
	struct node *pool;
	uint32_t n, cap, free_head;
	uint32_t *buckets;
	uint32_t nbuckets;   /* power of two */
	uint32_t head, tail; /* LRU: head most recent */
	struct recent recent[RECENT_ALERTS];
	unsigned recent_next;
};

void portier_guard_config_default(struct portier_guard_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->theta0 = 0.8;
	cfg->theta1 = 0.2;
	cfg->pd = 0.99;
	cfg->pf = 0.01;
	cfg->slow_ports = 10;
	cfg->window_s = 86400;
	cfg->max_sources = 32768;
	cfg->ban_s = 600;
	cfg->ban_max_s = 7 * 86400;
	cfg->ban_factor = 4;
	cfg->group_s = 10;
}

uint32_t portier_guard_ban_seconds(const struct portier_guard_config *cfg,
				   uint32_t offense)
{
	uint64_t b = cfg->ban_s;
	uint32_t i;

	for (i = 1; i < offense && b < cfg->ban_max_s; i++)
		b *= cfg->ban_factor ? cfg->ban_factor : 1;
	if (b > cfg->ban_max_s)
		b = cfg->ban_max_s;
	return (uint32_t)b;
}

int portier_guard_det_new(struct portier_guard_det **out,
			  const struct portier_guard_config *cfg,
			  struct portier_err *err)
{
	struct portier_guard_det *d;
	uint32_t nb;

	*out = NULL;
	if (!(cfg->theta1 > 0 && cfg->theta1 < cfg->theta0 && cfg->theta0 < 1))
		return portier_err_set(err, PORTIER_EINVAL,
				       "bad success probabilities theta0 %g, "
				       "theta1 %g",
				       cfg->theta0, cfg->theta1);
	if (!(cfg->pf > 0 && cfg->pf < cfg->pd && cfg->pd < 1))
		return portier_err_set(err, PORTIER_EINVAL,
				       "bad detection targets PD %g, PF %g",
				       cfg->pd, cfg->pf);
	if (cfg->slow_ports < 2 || cfg->slow_ports > PORTIER_GUARD_PORTS_KEPT) {
		portier_err_set(err, PORTIER_EINVAL,
				"bad slow-scan port count %u", cfg->slow_ports);
		portier_err_hint(err, "use 2 to %d", PORTIER_GUARD_PORTS_KEPT);
		return PORTIER_EINVAL;
	}
	if (cfg->max_sources < 1 || cfg->max_sources > (1u << 24)) {
		portier_err_set(err, PORTIER_EINVAL, "bad source cap %zu",
				cfg->max_sources);
		portier_err_hint(err, "use 1 to 16777216");
		return PORTIER_EINVAL;
	}
	d = portier_calloc(1, sizeof(*d));
	if (!d)
		return portier_err_set(err, PORTIER_ENOMEM,
				       "out of memory for the detector");
	d->cfg = *cfg;
	d->step_fail = log((1 - cfg->theta1) / (1 - cfg->theta0));
	d->step_success = log(cfg->theta1 / cfg->theta0);
	d->upper = log(cfg->pd / cfg->pf);
	d->lower = log((1 - cfg->pd) / (1 - cfg->pf));
	/* max_sources is at most 2^24 (checked above) */
	nb = (uint32_t)portier_pow2_size(cfg->max_sources, 16, (size_t)1 << 24);
	d->nbuckets = nb;
	d->buckets = portier_malloc(nb * sizeof(*d->buckets));
	if (!d->buckets) {
		portier_free(d);
		return portier_err_set(err, PORTIER_ENOMEM,
				       "out of memory for %u hash buckets", nb);
	}
	memset(d->buckets, 0xff, nb * sizeof(*d->buckets));
	d->head = d->tail = d->free_head = NIL;
	*out = d;
	return 0;
}

void portier_guard_det_free(struct portier_guard_det *d)
{
	if (!d)
		return;
	portier_free(d->pool);
	portier_free(d->buckets);
	portier_free(d);
}

void portier_guard_det_thresholds(const struct portier_guard_det *d,
				  double *upper, double *lower,
				  double *step_fail, double *step_success)
{
	*upper = d->upper;
	*lower = d->lower;
	*step_fail = d->step_fail;
	*step_success = d->step_success;
}

size_t portier_guard_det_count(const struct portier_guard_det *d)
{
	return d->n;
}

static void lru_unlink(struct portier_guard_det *d, uint32_t i)
{
	struct node *x = &d->pool[i];

	if (x->prev != NIL)
		d->pool[x->prev].next = x->next;
	else
		d->head = x->next;
	if (x->next != NIL)
		d->pool[x->next].prev = x->prev;
	else
		d->tail = x->prev;
	x->prev = x->next = NIL;
}

static void lru_front(struct portier_guard_det *d, uint32_t i)
{
	struct node *x = &d->pool[i];

	x->prev = NIL;
	x->next = d->head;
	if (d->head != NIL)
		d->pool[d->head].prev = i;
	d->head = i;
	if (d->tail == NIL)
		d->tail = i;
}

static uint32_t *bucket_of(struct portier_guard_det *d,
			   const struct portier_addr *a)
{
	return &d->buckets[portier_addr_hash(a) & (d->nbuckets - 1)];
}

static uint32_t find(struct portier_guard_det *d, const struct portier_addr *a)
{
	uint32_t i = *bucket_of(d, a);

	while (i != NIL && portier_addr_cmp(&d->pool[i].s.addr, a) != 0)
		i = d->pool[i].hnext;
	return i;
}

/* Remove node i from the table and the LRU list, onto the free list. */
static void drop(struct portier_guard_det *d, uint32_t i)
{
	uint32_t *pp = bucket_of(d, &d->pool[i].s.addr);

	while (*pp != i)
		pp = &d->pool[*pp].hnext;
	*pp = d->pool[i].hnext;
	lru_unlink(d, i);
	d->pool[i].hnext = d->free_head;
	d->free_head = i;
	d->n--;
}

/* A node for a new source: a free one, a new one, or the oldest one. */
static int alloc_node(struct portier_guard_det *d, uint32_t *out)
{
	uint32_t i;

	if (d->free_head != NIL) {
		i = d->free_head;
		d->free_head = d->pool[i].hnext;
	} else if (d->cap < d->cfg.max_sources) {
		uint32_t ncap = d->cap ? d->cap * 2 : 64;
		struct node *np;

		if (ncap > d->cfg.max_sources)
			ncap = (uint32_t)d->cfg.max_sources;
		np = portier_realloc(d->pool, ncap * sizeof(*np));
		if (!np)
			return PORTIER_ENOMEM;
		d->pool = np;
		for (i = ncap; i-- > d->cap + 1;) {
			d->pool[i].hnext = d->free_head;
			d->free_head = i;
		}
		i = d->cap;
		d->cap = ncap;
	} else {
		drop(d, d->tail); /* forget the least recently seen */
		i = d->free_head;
		d->free_head = d->pool[i].hnext;
	}
	*out = i;
	return 0;
}

static int insert(struct portier_guard_det *d,
		  const struct portier_guard_source *s, uint32_t *out)
{
	uint32_t i, *b;
	int rc = alloc_node(d, &i);

	if (rc < 0)
		return rc;
	d->pool[i].s = *s;
	b = bucket_of(d, &s->addr);
	d->pool[i].hnext = *b;
	*b = i;
	d->pool[i].prev = d->pool[i].next = NIL;
	lru_front(d, i);
	d->n++;
	*out = i;
	return 0;
}

int portier_guard_det_put(struct portier_guard_det *d,
			  const struct portier_guard_source *s)
{
	uint32_t i = find(d, &s->addr);

	if (i != NIL) {
		d->pool[i].s = *s;
		return 0;
	}
	return insert(d, s, &i);
}

void portier_guard_det_each(const struct portier_guard_det *d,
			    bool (*fn)(const struct portier_guard_source *s,
				       void *ctx),
			    void *ctx)
{
	uint32_t i;

	for (i = d->head; i != NIL; i = d->pool[i].next)
		if (!fn(&d->pool[i].s, ctx))
			return;
}

void guard_det_each_oldest(const struct portier_guard_det *d,
			   bool (*fn)(const struct portier_guard_source *s,
				      void *ctx),
			   void *ctx)
{
	uint32_t i;

	for (i = d->tail; i != NIL; i = d->pool[i].prev)
		if (!fn(&d->pool[i].s, ctx))
			return;
}

bool portier_guard_det_flagged(struct portier_guard_det *d,
			       const struct portier_guard_probe *p)
{
	struct portier_addr src = portier_guard_probe_src(p);
	uint32_t i = find(d, &src);

	if (i == NIL)
		return false;
	return d->pool[i].s.flagged_us && p->ts_us < d->pool[i].s.ban_until_us;
}

/* The tracked source of addr, or NULL. */
static struct portier_guard_source *tracked(struct portier_guard_det *d,
					    const struct portier_addr *addr)
{
	uint32_t i = find(d, addr);

	return i == NIL ? NULL : &d->pool[i].s;
}

int portier_guard_det_release(struct portier_guard_det *d,
			      const struct portier_addr *addr, uint64_t now_us)
{
	struct portier_guard_source *s = tracked(d, addr);

	if (!s)
		return PORTIER_ENOENT;
	/* det_feed starts a new trial at the first probe past ban_until_us */
	if (s->flagged_us && s->ban_until_us > now_us)
		s->ban_until_us = now_us;
	return 0;
}

int portier_guard_det_unflag(struct portier_guard_det *d,
			     const struct portier_addr *addr, uint64_t retry_us)
{
	struct portier_guard_source *s = tracked(d, addr);

	if (!s)
		return PORTIER_ENOENT;
	if (s->flagged_us && s->offenses)
		s->offenses--; /* unpunished: the next ban must not escalate */
	s->flagged_us = 0;
	s->ban_until_us = retry_us ? retry_us : 1;
	return 0;
}

void portier_guard_det_expire(struct portier_guard_det *d, uint64_t now_us)
{
	uint64_t keep = (uint64_t)d->cfg.window_s * 1000000;

	/* the tail is the oldest; a banned source stays while banned */
	while (d->tail != NIL) {
		const struct portier_guard_source *s = &d->pool[d->tail].s;

		if (s->last_us + keep >= now_us || s->ban_until_us > now_us)
			break;
		drop(d, d->tail);
	}
}

/* ---- the walk
 * ---------------------------------------------------------------- */

/* The index of this host's address dst among those s probed (added when
 * there is room), or PORTIER_GUARD_HOST_OTHER. */
static uint8_t host_index(struct portier_guard_source *s,
			  const struct portier_addr *dst)
{
	uint8_t i;

	for (i = 0; i < s->n_hosts; i++)
		if (!portier_addr_cmp(&s->hosts[i], dst))
			return i;
	if (s->n_hosts == PORTIER_GUARD_HOSTS_KEPT)
		return PORTIER_GUARD_HOST_OTHER;
	s->hosts[s->n_hosts] = *dst;
	return s->n_hosts++;
}

/* Attempts count once per (host address, port, protocol). */
static struct portier_guard_touch *touched(struct portier_guard_source *s,
					   uint8_t host, uint16_t port,
					   uint8_t proto)
{
	uint8_t i;

	for (i = 0; i < s->n_touch; i++)
		if (s->touch[i].port == port && s->touch[i].proto == proto &&
		    s->touch[i].host == host)
			return &s->touch[i];
	return NULL;
}

static void touch_add(struct portier_guard_source *s,
		      const struct portier_guard_probe *p, uint8_t host,
		      enum portier_guard_outcome o)
{
	struct portier_guard_touch *t = &s->touch[s->touch_head];

	t->t_s = (uint32_t)((p->ts_us - s->first_us) / 1000000);
	t->port = p->dport;
	t->proto = p->proto;
	t->outcome = (uint8_t)(o & 0x0f);
	t->host = (uint8_t)(host & 0x0f);
	s->touch_head =
		(uint8_t)((s->touch_head + 1) % PORTIER_GUARD_PORTS_KEPT);
	if (s->n_touch < PORTIER_GUARD_PORTS_KEPT)
		s->n_touch++;
}

static unsigned recent_failures(const struct portier_guard_source *s,
				uint64_t now_us, uint32_t window_s)
{
	uint64_t since = now_us > (uint64_t)window_s * 1000000
				 ? now_us - (uint64_t)window_s * 1000000
				 : 0;
	unsigned n = 0;
	uint8_t i;

	for (i = 0; i < s->n_touch; i++) {
		uint64_t at = s->first_us + (uint64_t)s->touch[i].t_s * 1000000;

		if (s->touch[i].outcome == PG_FAILURE && at + 999999 >= since)
			n++;
	}
	return n;
}

/* Failed ports of s, oldest first, into ports (at most max). */
static uint8_t failed_ports(const struct portier_guard_source *s,
			    uint16_t *ports, uint8_t max)
{
	uint8_t n = 0, i, start;

	start = s->n_touch < PORTIER_GUARD_PORTS_KEPT ? 0 : s->touch_head;
	for (i = 0; i < s->n_touch && n < max; i++) {
		const struct portier_guard_touch *t =
			&s->touch[(start + i) % PORTIER_GUARD_PORTS_KEPT];

		if (t->outcome == PG_FAILURE)
			ports[n++] = t->port;
	}
	return n;
}

/*
 * One event for a decoy or distributed scan: sources flagged within group_s
 * of each other with the same kind of probe share the event of the first
 * when they have at least half their first failed ports in common (decoys:
 * every probe sent from each address) or carry the same tool fingerprint
 * (a scan split over several machines: different ports, one tool).  An
 * event number only groups reports; it never decides a block.
 */
static void group(struct portier_guard_det *d, struct portier_guard_alert *a)
{
	uint16_t ports[GROUP_PORTS];
	uint8_t n = failed_ports(&a->src, ports, GROUP_PORTS), i, j;
	uint64_t now = a->src.flagged_us;
	unsigned r;
	struct recent *slot;

	for (r = 0; r < RECENT_ALERTS; r++) {
		struct recent *x = &d->recent[r];
		unsigned common = 0;

		if (!x->event || x->kind != a->cls.kind ||
		    now > x->ts_us + (uint64_t)d->cfg.group_s * 1000000 ||
		    now < x->ts_us)
			continue;
		for (i = 0; i < n; i++)
			for (j = 0; j < x->n_ports; j++)
				if (ports[i] == x->ports[j]) {
					common++;
					break;
				}
		if ((n && common * 2 >= n) ||
		    (strcmp(a->cls.tool, "unknown") != 0 &&
		     strcmp(a->cls.tool, x->tool) == 0)) {
			a->event = x->event;
			a->related = x->members++;
			x->ts_us = now;
			return;
		}
	}
	slot = &d->recent[d->recent_next];
	d->recent_next = (d->recent_next + 1) % RECENT_ALERTS;
	memset(slot, 0, sizeof(*slot));
	slot->event = now ? now : 1;
	slot->ts_us = now;
	slot->kind = a->cls.kind;
	slot->tool = a->cls.tool;
	slot->members = 1;
	memcpy(slot->ports, ports, n * sizeof(ports[0]));
	slot->n_ports = n;
	a->event = slot->event;
	a->related = 0;
}

/*
 * Evidence fades: the walk moves toward 0 with the time since the source's
 * last probe, halving every window_s / 4 (6 hours by default).  A fast or
 * hourly scan loses next to nothing between probes and is flagged at the
 * same count; four stray failures of a NAT'd office spread over days never
 * add up.  Credit earned by successes fades the same way.
 */
static void decay(const struct portier_guard_det *d,
		  struct portier_guard_source *s, uint64_t now_us)
{
	double half_us = (double)d->cfg.window_s * 1e6 / 4;

	if (!s->last_us || now_us <= s->last_us || s->llr == 0 || half_us <= 0)
		return;
	s->llr *= exp2(-(double)(now_us - s->last_us) / half_us);
	if (fabs(s->llr) < 1e-9)
		s->llr = 0;
}

int portier_guard_det_feed(struct portier_guard_det *d,
			   const struct portier_guard_probe *p,
			   enum portier_guard_kind k,
			   enum portier_guard_outcome o,
			   struct portier_guard_alert *alert)
{
	struct portier_guard_source *s;
	struct portier_guard_touch *t;
	struct portier_addr src, dst;
	uint32_t i;
	uint8_t host;
	int rc;

	if (k >= PG_KIND_NONE || o == PG_NEUTRAL || p->outgoing)
		return 0;
	src = portier_guard_probe_src(p);
	i = find(d, &src);
	if (i == NIL) {
		struct portier_guard_source fresh;

		memset(&fresh, 0, sizeof(fresh));
		fresh.addr = src;
		fresh.first_us = p->ts_us;
		fresh.last_sport = p->sport;
		rc = insert(d, &fresh, &i);
		if (rc < 0)
			return rc;
	} else {
		lru_unlink(d, i);
		lru_front(d, i);
	}
	s = &d->pool[i].s;
	decay(d, s, p->ts_us);
	if (p->ts_us > s->last_us)
		s->last_us = p->ts_us;
	if (p->ts_us < s->first_us) /* a clock step back: restart the clock */
		s->first_us = p->ts_us;

	/* a flagged source whose ban ran out starts a new trial */
	if (s->flagged_us && p->ts_us >= s->ban_until_us) {
		s->flagged_us = 0;
		s->reason = PG_REASON_NONE;
		s->llr = 0;
		s->n_touch = s->touch_head = s->n_hosts = 0;
		s->first_us = p->ts_us;
	}

	s->probes++;
	s->kinds[k]++;
	if (p->sport == s->last_sport)
		s->same_sport++;
	s->last_sport = p->sport;
	guard_fingerprint(s, p, k);

	dst = portier_guard_probe_dst(p);
	host = host_index(s, &dst);
	t = touched(s, host, p->dport, p->proto);
	if (t) {
		/* not new evidence; but a port that opened since counts so */
		if (o == PG_SUCCESS)
			t->outcome = PG_SUCCESS;
	} else {
		touch_add(s, p, host, o);
		if (o == PG_FAILURE) {
			s->failures++;
			s->llr += d->step_fail;
		} else {
			s->successes++;
			s->llr += d->step_success;
			if (s->llr < d->lower)
				s->llr = d->lower; /* bounded credit */
		}
	}
	if (s->flagged_us)
		return 0;
	if (s->ban_until_us > p->ts_us)
		return 0; /* pending after an unacted alert: wait to retry */
	if (s->llr >= d->upper - 1e-9)
		s->reason = PG_REASON_TRW;
	else if (recent_failures(s, p->ts_us, d->cfg.window_s) >=
		 d->cfg.slow_ports)
		s->reason = PG_REASON_SLOW;
	else
		return 0;
	s->flagged_us = p->ts_us ? p->ts_us : 1;
	s->offenses++;
	s->probes_at_flag = s->probes;
	memset(alert, 0, sizeof(*alert));
	alert->ban_s = portier_guard_ban_seconds(&d->cfg, s->offenses);
	s->ban_until_us = s->flagged_us + (uint64_t)alert->ban_s * 1000000;
	alert->src = *s;
	alert->cls = portier_guard_classify(s);
	group(d, alert);
	return 1;
}
