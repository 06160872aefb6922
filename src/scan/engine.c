/*
 * engine.c - the scan loop shared by every method.
 *
 * The engine walks sequence numbers 0..total-1 of its shard; sequence j is
 * position (K-1) + j*N of the keyed permutation, which names one (host,
 * port).  Each started sequence holds a slot until its port has a final
 * state.  A slot is sent, and a timer in a send-ordered ring says when to
 * give up waiting: then it is retransmitted, up to max_retries times (more
 * on a path that loses probes), and finally reported filtered
 * (no-response).
 *
 * Pace - the window, the rate, the timeouts and how many tries a port
 * gets - is decided in pace.c.
 */
#include <stdlib.h>
#include <string.h>

#include "scan/scan_int.h"

#define DEFAULT_RETRIES	    2
#define DEFAULT_MIN_RTT_MS  20
#define DEFAULT_MAX_RTT_MS  1000
#define DEFAULT_INIT_RTT_MS 250
#define TICK_NS		    200000000ull
#define SEND_BATCH	    512
#define STARVED_NS	    5000000000ull

static uint32_t hash_of(const struct portier_addr *a, uint16_t port,
			uint32_t mask)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ port;
	size_t i, n = a->family == 4 ? 4 : 16;

	for (i = 0; i < n; i++)
		h = (h ^ a->b[i]) * 0x100000001b3ull;
	h ^= h >> 29;
	return (uint32_t)h & mask;
}

int32_t scan_find(const struct portier_scan *s, const struct portier_addr *a,
		  uint16_t port)
{
	int32_t i = s->hash[hash_of(a, port, s->hash_mask)];

	while (i >= 0) {
		const struct scan_slot *sl = &s->slots[i];

		if (sl->port == port && portier_addr_cmp(&sl->addr, a) == 0)
			return i;
		i = sl->hnext;
	}
	return -1;
}

static void hash_remove(struct portier_scan *s, uint32_t slot)
{
	struct scan_slot *sl = &s->slots[slot];
	int32_t *pp = &s->hash[hash_of(&sl->addr, sl->port, s->hash_mask)];

	while (*pp >= 0) {
		if ((uint32_t)*pp == slot) {
			*pp = sl->hnext;
			return;
		}
		pp = &s->slots[*pp].hnext;
	}
}

static void slot_free(struct portier_scan *s, uint32_t slot)
{
	struct scan_slot *sl = &s->slots[slot];

	hash_remove(s, slot);
	sl->active = 0;
	sl->gen++;
	s->free_list[s->n_free++] = slot;
}

static void queue_push(struct portier_scan *s, uint32_t slot)
{
	s->queue[(s->q_head + s->q_len) % s->n_slots] = slot;
	s->q_len++;
}

static uint32_t queue_pop(struct portier_scan *s)
{
	uint32_t slot = s->queue[s->q_head];

	s->q_head = (s->q_head + 1) % s->n_slots;
	s->q_len--;
	return slot;
}

static int timer_push(struct portier_scan *s, uint32_t slot, uint64_t deadline)
{
	struct scan_timer *t;

	if (s->t_len == s->t_cap) {
		size_t cap = s->t_cap * 2, i;

		t = portier_malloc(cap * sizeof(*t));
		if (!t)
			return PORTIER_ENOMEM;
		for (i = 0; i < s->t_len; i++)
			t[i] = s->timers[(s->t_head + i) % s->t_cap];
		portier_free(s->timers);
		s->timers = t;
		s->t_cap = cap;
		s->t_head = 0;
	}
	t = &s->timers[(s->t_head + s->t_len) % s->t_cap];
	t->slot = slot;
	t->gen = s->slots[slot].gen;
	t->deadline = deadline;
	s->t_len++;
	return 0;
}

static void emit(struct portier_scan *s, struct scan_slot *sl,
		 enum portier_port_state state, enum portier_reason reason,
		 uint8_t ttl, uint32_t rtt_us)
{
	struct portier_scan_result r;

	memset(&r, 0, sizeof(r));
	r.addr = sl->addr;
	r.port = sl->port;
	r.state = (uint8_t)state;
	r.reason = (uint8_t)reason;
	r.ttl = ttl;
	r.tries = sl->tries;
	r.rtt_us = rtt_us;
	r.proto = PORTIER_PROTO_TCP;
	s->st.done++;
	if (state == PORTIER_PORT_OPEN)
		s->st.open++;
	else if (state == PORTIER_PORT_CLOSED)
		s->st.closed++;
	else
		s->st.filtered++;
	if (s->cfg.on_result)
		s->cfg.on_result(s->cfg.ctx, &r, sl->seq);
}

void scan_answer(struct portier_scan *s, uint32_t slot,
		 enum portier_port_state state, enum portier_reason reason,
		 uint8_t ttl)
{
	struct scan_slot *sl = &s->slots[slot];
	uint64_t now = portier_now_ns();
	uint32_t rtt = 0;

	if (sl->active != 1 && sl->active != 2)
		return;
	if (sl->sent_ns && now > sl->sent_ns)
		rtt = (uint32_t)((now - sl->sent_ns) / 1000);
	if (sl->active == 2) /* in flight, not queued */
		s->inflight--;
	s->st.replies++;
	if (sl->tries == 1) {
		scan_rtt_sample(s, rtt);
		s->first_ok++;
	} else
		s->st.late_replies++;
	scan_grow(s);
	s->answered_state = (int)state;
	s->m->release(s, slot);
	s->answered_state = -1;
	emit(s, sl, state, reason, ttl, rtt);
	if (sl->active == 1) {
		/* answered while queued for retransmission: the queue still
		 * names the slot, so it is freed when it comes off the queue */
		hash_remove(s, slot);
		sl->active = 3;
		return;
	}
	slot_free(s, slot);
}

void scan_requeue(struct portier_scan *s, uint32_t slot)
{
	struct scan_slot *sl = &s->slots[slot];

	if (sl->active != 2)
		return;
	s->inflight--;
	sl->tries--;
	sl->gen++; /* its timer is stale now */
	sl->active = 1;
	s->st.local_errors++;
	queue_push(s, slot);
}

static void locate(struct portier_scan *s, uint64_t seq, struct scan_slot *sl)
{
	uint64_t pos = (s->cfg.shard_k - 1) + seq * s->cfg.shard_n;
	uint64_t idx = portier_perm_map(&s->perm, pos);

	portier_targets_at(s->cfg.targets, idx / s->cfg.n_ports, &sl->addr);
	sl->port = s->cfg.ports[idx % s->cfg.n_ports];
}

/* Give a new sequence number a slot and queue it for sending. */
static void start_seq(struct portier_scan *s, uint64_t seq)
{
	uint32_t slot = s->free_list[--s->n_free];
	struct scan_slot *sl = &s->slots[slot];
	uint32_t h;

	sl->seq = seq;
	locate(s, seq, sl);
	sl->tries = 0;
	sl->active = 1;
	sl->sent_ns = 0;
	sl->fd = -1;
	h = hash_of(&sl->addr, sl->port, s->hash_mask);
	sl->hnext = s->hash[h];
	s->hash[h] = (int32_t)slot;
	queue_push(s, slot);
}

static int transmit(struct portier_scan *s, uint32_t slot, uint64_t now,
		    struct portier_err *err)
{
	struct scan_slot *sl = &s->slots[slot];
	int rc;

	sl->tries++;
	sl->gen++;
	sl->sent_ns = now;
	sl->active = 2;
	s->inflight++;
	rc = s->m->send(s, slot, err);
	if (rc < 0)
		return rc;
	if (rc == SCAN_LOCAL) {
		/* not sent: no try used up, back off, shrink the window */
		sl->tries--;
		sl->active = 1;
		s->inflight--;
		s->st.local_errors++;
		queue_push(s, slot);
		s->hold_until_ns = now + 2000000;
		if (s->cwnd > s->inflight + SCAN_MIN_CWND)
			s->cwnd = s->inflight + SCAN_MIN_CWND;
		/* with nothing in flight, nothing will free resources: after
		 * STARVED_NS of that, give up instead of spinning forever */
		if (s->inflight > 0)
			s->starved_since = 0;
		else if (!s->starved_since)
			s->starved_since = now;
		else if (now - s->starved_since > STARVED_NS) {
			portier_err_set(
				err, PORTIER_EIO,
				"no local resources to send a probe for "
				"%llu s (file descriptors, buffers or "
				"local ports)",
				STARVED_NS / 1000000000ull);
			portier_err_hint(err,
					 "raise the limit on open files "
					 "(ulimit -n) or lower --max-parallel");
			return PORTIER_EIO;
		}
		return SCAN_LOCAL;
	}
	s->starved_since = 0;
	s->st.sent++;
	if (sl->tries > 1)
		s->st.retransmits++;
	if (rc == SCAN_DECIDED)
		return 0;
	return timer_push(s, slot, now + scan_wait_us(s, sl) * 1000);
}

static void expire(struct portier_scan *s, uint64_t now)
{
	while (s->t_len) {
		struct scan_timer *t = &s->timers[s->t_head];
		struct scan_slot *sl = &s->slots[t->slot];

		if (sl->active == 2 && sl->gen == t->gen) {
			if (t->deadline > now)
				break;
			s->inflight--;
			s->m->release(s, t->slot);
			if (sl->tries == 1)
				s->first_lost++;
			if (sl->tries < scan_allowed_tries(s)) {
				sl->active = 1;
				queue_push(s, t->slot);
			} else {
				/* silence is not loss: a firewall that drops
				 * everything must not hold the scan to the
				 * few probes it lets through */
				if (!s->lossy)
					scan_grow(s);
				emit(s, sl, PORTIER_PORT_FILTERED,
				     PORTIER_REASON_NO_RESPONSE, 0, 0);
				slot_free(s, t->slot);
			}
		}
		s->t_head = (s->t_head + 1) % s->t_cap;
		s->t_len--;
	}
}

static bool have_new(const struct portier_scan *s)
{
	return s->resume_at < s->n_resume || s->next < s->total;
}

static uint64_t take_new(struct portier_scan *s)
{
	if (s->resume_at < s->n_resume)
		return s->resume[s->resume_at++];
	return s->next++;
}

static int send_some(struct portier_scan *s, uint64_t now,
		     struct portier_err *err)
{
	int n, rc;

	if (now < s->hold_until_ns)
		return 0;
	for (n = 0; n < SEND_BATCH; n++) {
		uint32_t slot;

		if (s->inflight >= (unsigned)s->cwnd)
			break;
		if (!s->q_len) {
			if (!have_new(s) || !s->n_free)
				break;
			start_seq(s, take_new(s));
		}
		if (!portier_bucket_take(&s->bucket, now))
			break;
		slot = queue_pop(s);
		if (s->slots[slot].active == 3) { /* already answered */
			slot_free(s, slot);
			continue;
		}
		rc = transmit(s, slot, now, err);
		if (rc < 0)
			return rc;
		if (rc == SCAN_LOCAL)
			break;
	}
	return 0;
}

static void tick(struct portier_scan *s, uint64_t now, bool final)
{
	uint64_t dt = now - s->last_tick_ns;

	if (!final && dt < TICK_NS)
		return;
	if (dt)
		s->st.rate =
			(double)(s->st.sent - s->tick_sent) * 1e9 / (double)dt;
	s->tick_sent = s->st.sent;
	s->last_tick_ns = now;
	portier_scan_get_stats(s, &s->st);
	if (s->cfg.on_tick)
		s->cfg.on_tick(s->cfg.ctx, &s->st);
}

int portier_scan_run(struct portier_scan *s, struct portier_err *err)
{
	int rc;

	if (s->cfg.method == PORTIER_SCAN_UDP)
		return scan_udp_run(s, err);
	s->start_ns = s->last_tick_ns = s->adapt_ns = portier_now_ns();
	scan_pace_start(s);
	for (;;) {
		uint64_t now = portier_now_ns(), wake;
		int timeout;

		if (s->cfg.stop && *s->cfg.stop) {
			s->st.interrupted = true;
			break;
		}
		expire(s, now);
		if ((rc = send_some(s, now, err)) < 0)
			return rc;
		if (!s->q_len && !have_new(s) && s->inflight == 0)
			break;
		/* sleep until the next timer, token, or tick */
		wake = now + TICK_NS;
		if (s->t_len && s->timers[s->t_head].deadline < wake)
			wake = s->timers[s->t_head].deadline;
		if ((s->q_len || have_new(s)) &&
		    s->inflight < (unsigned)s->cwnd) {
			uint64_t w = portier_bucket_wait_ns(&s->bucket, now);

			if (now < s->hold_until_ns)
				w = s->hold_until_ns - now;
			if (now + w < wake)
				wake = now + w;
		}
		timeout =
			wake > now ? (int)((wake - now + 999999) / 1000000) : 0;
		if ((rc = s->m->wait(s, timeout, err)) < 0)
			return rc;
		now = portier_now_ns();
		scan_adapt(s, now);
		tick(s, now, false);
	}
	tick(s, portier_now_ns(), true);
	return 0;
}

void portier_scan_get_stats(const struct portier_scan *s,
			    struct portier_scan_stats *st)
{
	uint64_t now = portier_now_ns();

	if (st != &s->st)
		*st = s->st;
	st->total = s->total;
	st->elapsed_ns = s->start_ns ? now - s->start_ns : 0;
	st->avg_rate = st->elapsed_ns ? (double)s->st.sent * 1e9 /
						(double)st->elapsed_ns
				      : 0;
	st->loss = s->st.replies
			   ? (double)s->st.late_replies / (double)s->st.replies
			   : 0;
	st->cwnd = s->cwnd;
	st->rto_us = s->rto_us;
	st->inflight = s->inflight;
}

size_t portier_scan_pending(const struct portier_scan *s, uint64_t *next,
			    uint64_t *buf, size_t max)
{
	size_t n = 0, i;

	*next = s->next;
	for (i = 0; i < s->n_slots; i++) {
		if (s->slots[i].active != 1 && s->slots[i].active != 2)
			continue;
		if (n < max)
			buf[n] = s->slots[i].seq;
		n++;
	}
	for (i = s->resume_at; i < s->n_resume; i++) {
		if (n < max)
			buf[n] = s->resume[i];
		n++;
	}
	return n;
}

static int bad_config(struct portier_err *err, const char *what)
{
	return portier_err_set(err, PORTIER_EINVAL,
			       "bad scan configuration: %s", what);
}

int portier_scan_new(struct portier_scan **out,
		     const struct portier_scan_config *cfg,
		     struct portier_err *err)
{
	struct portier_scan *s;
	uint64_t hosts, n;
	uint32_t i, hsize;
	int rc;

	*out = NULL;
	if (!cfg->targets || !cfg->ports || !cfg->n_ports)
		return bad_config(err, "no targets or no ports");
	hosts = portier_targets_count(cfg->targets);
	if (hosts > (1ull << 62) / cfg->n_ports) {
		portier_err_set(err, PORTIER_EINVAL,
				"%llu targets x %zu ports is too large to scan",
				(unsigned long long)hosts, cfg->n_ports);
		portier_err_hint(err, "at most 2^62 probes per scan; split the "
				      "targets or use --shard");
		return PORTIER_EINVAL;
	}
	if (!(s = portier_calloc(1, sizeof(*s))))
		return PORTIER_ENOMEM;
	s->cfg = *cfg;
	if (!s->cfg.shard_n)
		s->cfg.shard_k = s->cfg.shard_n = 1;
	if (!s->cfg.max_rtt_ms)
		s->cfg.max_rtt_ms = DEFAULT_MAX_RTT_MS;
	if (!s->cfg.min_rtt_ms)
		s->cfg.min_rtt_ms = DEFAULT_MIN_RTT_MS;
	if (!s->cfg.init_rtt_ms)
		s->cfg.init_rtt_ms = DEFAULT_INIT_RTT_MS;
	if (s->cfg.min_rtt_ms > s->cfg.max_rtt_ms)
		s->cfg.min_rtt_ms = s->cfg.max_rtt_ms;
	if (s->cfg.init_rtt_ms > s->cfg.max_rtt_ms)
		s->cfg.init_rtt_ms = s->cfg.max_rtt_ms;
	if (cfg->method == PORTIER_SCAN_UDP) {
		/* a UDP shard owns whole hosts (udp.c), so that each host's
		 * ICMP limiter is modelled by one scanner only */
		n = portier_shard_size(hosts, s->cfg.shard_k, s->cfg.shard_n) *
		    cfg->n_ports;
		s->total = n;
		s->st.total = n;
		s->answered_state = -1;
		if (cfg->n_resume_pending || cfg->resume_next ||
		    !cfg->udp_payloads) {
			portier_free(s);
			return bad_config(err, "UDP scans take payloads and "
					       "no resume");
		}
		if ((rc = scan_udp_new(s, err)) < 0) {
			portier_free(s);
			return rc;
		}
		*out = s;
		return 0;
	}
	s->m = cfg->method == PORTIER_SCAN_SYN ? &scan_method_syn
					       : &scan_method_connect;
	if (!s->cfg.max_inflight)
		s->cfg.max_inflight = s->m->default_inflight;
	n = hosts * cfg->n_ports;
	portier_perm_init(&s->perm, n, cfg->seed);
	s->total = portier_shard_size(n, s->cfg.shard_k, s->cfg.shard_n);
	s->next = cfg->resume_next;
	if ((rc = s->m->open(s, err)) < 0) {
		portier_free(s);
		return rc;
	}
	/* open() may have lowered max_inflight (file descriptor limit) */
	s->n_slots = s->cfg.max_inflight < 16 ? 16 : s->cfg.max_inflight;
	for (hsize = 16; hsize < s->n_slots * 2; hsize *= 2)
		;
	s->hash_mask = hsize - 1;
	s->slots = portier_calloc(s->n_slots, sizeof(*s->slots));
	s->free_list = portier_calloc(s->n_slots, sizeof(*s->free_list));
	s->queue = portier_calloc(s->n_slots, sizeof(*s->queue));
	s->hash = portier_malloc(hsize * sizeof(*s->hash));
	s->t_cap = (size_t)s->n_slots * 2;
	s->timers = portier_calloc(s->t_cap, sizeof(*s->timers));
	if (cfg->n_resume_pending)
		s->resume =
			portier_calloc(cfg->n_resume_pending, sizeof(uint64_t));
	if (!s->slots || !s->free_list || !s->queue || !s->hash || !s->timers ||
	    (cfg->n_resume_pending && !s->resume)) {
		portier_scan_free(s);
		return PORTIER_ENOMEM;
	}
	for (i = 0; i < hsize; i++)
		s->hash[i] = -1;
	for (i = 0; i < s->n_slots; i++) {
		s->slots[i].fd = -1;
		s->free_list[i] = s->n_slots - 1 - i;
	}
	s->n_free = s->n_slots;
	for (i = 0; i < cfg->n_resume_pending; i++)
		if (cfg->resume_pending[i] < s->total)
			s->resume[s->n_resume++] = cfg->resume_pending[i];
	s->cwnd = 64 < s->n_slots ? 64 : s->n_slots;
	s->ssthresh = s->n_slots;
	s->min_rto_us = s->cfg.min_rtt_ms * 1000;
	s->max_rto_us = s->cfg.max_rtt_ms * 1000;
	s->rto_us = s->cfg.init_rtt_ms * 1000;
	s->st.total = s->total;
	s->st.done = 0;
	s->answered_state = -1;
	*out = s;
	return 0;
}

void portier_scan_free(struct portier_scan *s)
{
	uint32_t i;

	if (!s)
		return;
	if (s->cfg.method == PORTIER_SCAN_UDP) {
		scan_udp_free(s);
		portier_free(s);
		return;
	}
	if (s->slots)
		for (i = 0; i < s->n_slots; i++)
			if (s->slots[i].active)
				s->m->release(s, i);
	s->m->close(s);
	portier_free(s->slots);
	portier_free(s->free_list);
	portier_free(s->queue);
	portier_free(s->hash);
	portier_free(s->timers);
	portier_free(s->resume);
	portier_free(s);
}

const char *portier_port_state_name(enum portier_port_state st)
{
	static const char *const names[] = {"open", "closed", "filtered",
					    "open|filtered"};

	return (unsigned)st < PORTIER_PORT_STATES ? names[st] : "unknown";
}

const char *portier_reason_name(enum portier_reason r)
{
	static const char *const names[] = {
		"syn-ack",	  "conn-refused",     "reset",
		"no-response",	  "host-unreach",     "net-unreach",
		"port-unreach",	  "admin-prohibited", "broadcast",
		"local-error",	  "udp-response",     "proto-unreach",
		"net-prohibited", "host-prohibited"};

	return (unsigned)r < PORTIER_REASON_COUNT ? names[r] : "unknown";
}
