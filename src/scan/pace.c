/*
 * pace.c - how fast the TCP scan goes and how long it waits (engine.c
 * runs the loop, this file decides its pace).
 *
 * A congestion window (probes in flight) grows by one per answer, like TCP
 * slow start, and by one per port found filtered while the path has shown
 * no loss - silence is not loss, and a host that drops all but a few ports
 * must not hold the scan to the window its few answers open.  The loss
 * signal is an answer that arrives only after a retransmission - evidence
 * that the first probe was lost, not that the port is filtered.  When such
 * answers exceed the path's own loss by 10 points, the window halves and
 * the token bucket that caps the rate at --rate is pulled below the
 * achieved rate (a cut, scan_adapt()); the cut is undone when slowing down
 * changed nothing (random loss is repaired by retransmissions, not by a
 * smaller window), and once the path has dropped under load a port gets
 * more tries (scan_allowed_tries()) whose waits back off (scan_wait_us()).
 * Without loss the ceiling rises by half per 20 ms interval.  The timeout
 * follows the measured reply times (RFC 6298 smoothed RTT + 4 x variance,
 * Karn's rule: no samples from retransmitted probes), so the wait at the
 * end comes from the observed tail, not from a fixed sleep.
 */
#include "scan/scan_int.h"

double scan_rtt_add(struct scan_rtt *e, double r, double lo, double hi)
{
	double rto;

	/* RFC 6298 2.2 and 2.3 */
	if (!e->have) {
		e->srtt = r;
		e->rttvar = r / 2;
		e->have = true;
	} else {
		double d = e->srtt > r ? e->srtt - r : r - e->srtt;

		e->rttvar = 0.75 * e->rttvar + 0.25 * d;
		e->srtt = 0.875 * e->srtt + 0.125 * r;
	}
	rto = e->srtt + 4 * e->rttvar;
	return rto < lo ? lo : rto > hi ? hi : rto;
}

void scan_rtt_sample(struct portier_scan *s, double r)
{
	s->rto_us = (uint32_t)scan_rtt_add(&s->rtt, r, s->min_rto_us,
					   s->max_rto_us);
}

/*
 * Every ADAPT_NS the engine looks at the answers since its last judgment,
 * once there are LOSS_MIN_REPLIES of them: the share that came only after a
 * retransmission is the loss.  Above base_loss + LOSS_THRESHOLD the path is
 * taken to drop what we send because we send too much: the window halves
 * and the rate ceiling drops below the achieved rate (a cut); from then on
 * unanswered probes get more tries (allowed_tries()), spaced wider.
 *
 * A cut is then judged, as TCP undoes a reduction that was not needed, on
 * delivery: the share of first probes that got an answer, which (unlike
 * late answers) tells of the pace of one timeout ago, not of several.
 * Answers in the settle time after the cut (srtt + rto) still tell of the
 * old pace and are ignored; those of the next settle time are compared with
 * the delivery that led to the cut.  If neither delivery nor its complement
 * moved by a factor CUT_GAIN, slowing down cured nothing: the loss is the
 * path's own (radio, a lossy link), it becomes base_loss and the cut is
 * undone - retransmissions repair random loss, and a smaller window would
 * only starve the scan.  If delivery moved, the loss came from our pace
 * (better: the cut helped; worse: our own retransmissions pile up) and the
 * cut stands, with another if the loss is still too high; delivery worse by
 * LOSS_THRESHOLD than at the cut calls for another cut at once.  One cut
 * is judged at a time, like TCP's one reduction per round trip; without a
 * cut pending and without loss, the ceiling rises by half per interval,
 * from START_RATE at the start.  Loss above BASE_LOSS_MAX is never taken
 * for the path's own.
 */
#define LOSS_THRESHOLD	 0.10
#define LOSS_MIN_REPLIES 100
#define CUT_GAIN	 1.15
#define BASE_LOSS_MAX	 0.5
#define ADAPT_NS	 20000000ull
#define START_RATE	 50000.0
#define LOSS_EXTRA_TRIES 6

static void set_rate(struct portier_scan *s, double r)
{
	portier_bucket_set_rate(&s->bucket, r);
	/* a burst of 10 ms worth keeps the millisecond timers from capping us */
	s->bucket.burst = r > 0 ? (r / 100 < 16 ? 16 : r / 100) : 1;
}

static void raise_rate(struct portier_scan *s)
{
	double r;

	if (s->bucket.rate <= 0)
		return;
	r = s->bucket.rate * 1.5;
	if (s->cfg.max_rate > 0 && r > s->cfg.max_rate)
		r = s->cfg.max_rate;
	if (s->cfg.max_rate <= 0 && r > 2e7)
		r = 0;
	set_rate(s, r);
}

/* What the answers since the last judgment say: loss is the share that
 * came late, delivery the share of first probes that got an answer. */
struct period {
	uint64_t replies, first;
	double loss, delivery;
};

static void period_of(const struct portier_scan *s, struct period *p)
{
	uint64_t ok = s->first_ok - s->adapt_first_ok;
	uint64_t late = s->st.late_replies - s->adapt_late;

	p->replies = s->st.replies - s->adapt_replies;
	p->first = ok + s->first_lost - s->adapt_first_lost;
	p->loss = p->replies ? (double)late / (double)p->replies : 0;
	p->delivery = p->first ? (double)ok / (double)p->first : 0;
}

/* The answers so far are judged (or stale): count from here on. */
static void forget_answers(struct portier_scan *s)
{
	s->adapt_replies = s->st.replies;
	s->adapt_late = s->st.late_replies;
	s->adapt_first_ok = s->first_ok;
	s->adapt_first_lost = s->first_lost;
}

static void cut(struct portier_scan *s, const struct period *p, double rate,
		uint64_t now)
{
	static const double floor_rate = 100;
	double r = rate * 0.7;

	s->cut_ns = now;
	s->cut_delivery = p->delivery;
	s->cut_cwnd = s->cwnd;
	s->cut_ssthresh = s->ssthresh;
	s->cut_rate = s->bucket.rate;
	s->ssthresh = s->cwnd / 2 < SCAN_MIN_CWND ? SCAN_MIN_CWND : s->cwnd / 2;
	s->cwnd = s->ssthresh;
	if (s->bucket.rate > 0 && s->bucket.rate * 0.7 < r)
		r = s->bucket.rate * 0.7;
	set_rate(s, r < floor_rate ? floor_rate : r);
	s->lossy = true;
	s->st.slowdowns++;
}

/* The cut is judged on the answers after it has settled. */
static void judge_cut(struct portier_scan *s, const struct period *p,
		      double rate, uint64_t now)
{
	double was = 1 - s->cut_delivery, is = 1 - p->delivery;
	/* neither delivery nor its complement moved by a factor */
	bool same = p->delivery < s->cut_delivery * CUT_GAIN &&
		    p->delivery * CUT_GAIN > s->cut_delivery &&
		    is * CUT_GAIN * CUT_GAIN > was;

	s->cut_ns = 0;
	if (same && p->loss <= BASE_LOSS_MAX) {
		/* slowing down changed nothing: the loss is the path's own,
		 * undo */
		s->base_loss = p->loss;
		if (s->cwnd < s->cut_cwnd)
			s->cwnd = s->cut_cwnd;
		s->ssthresh = s->cut_ssthresh;
		set_rate(s, s->cut_rate);
		return;
	}
	/* delivery changed with our pace (better: the cut helped; worse:
	 * our own retransmissions pile up): another cut if still lossy */
	if (p->loss > s->base_loss + LOSS_THRESHOLD)
		cut(s, p, rate, now);
}

void scan_adapt(struct portier_scan *s, uint64_t now)
{
	uint64_t dt = now - s->adapt_ns, settle;
	struct period p;
	double rate;

	if (dt < ADAPT_NS)
		return;
	rate = (double)(s->st.sent - s->adapt_sent) * 1e9 / (double)dt;
	s->adapt_ns = now;
	s->adapt_sent = s->st.sent;
	period_of(s, &p);
	if (s->cut_ns && p.first >= LOSS_MIN_REPLIES &&
	    p.delivery < s->cut_delivery - LOSS_THRESHOLD) {
		/* worse than at the cut: there is more to shed, now */
		forget_answers(s);
		cut(s, &p, rate, now);
		return;
	}
	if (s->cut_ns) {
		settle = (uint64_t)(s->rtt.srtt + s->rto_us) * 1000;
		if (settle < ADAPT_NS)
			settle = ADAPT_NS;
		if (now < s->cut_ns + settle)
			forget_answers(s);
		else if (now >= s->cut_ns + 2 * settle &&
			 p.replies >= LOSS_MIN_REPLIES &&
			 p.first >= LOSS_MIN_REPLIES) {
			forget_answers(s);
			judge_cut(s, &p, rate, now);
		}
		return;
	}
	if (p.replies >= LOSS_MIN_REPLIES) {
		forget_answers(s);
		if (p.loss > s->base_loss + LOSS_THRESHOLD) {
			cut(s, &p, rate, now);
			return;
		}
	}
	raise_rate(s);
}

/* An answer, or a port found filtered on a path that never lost anything,
 * opens the window: by one (slow start) below ssthresh, by 1/cwnd above. */
void scan_grow(struct portier_scan *s)
{
	if (s->cwnd < s->ssthresh)
		s->cwnd += 1;
	else
		s->cwnd += 1 / s->cwnd;
	if (s->cwnd > s->n_slots)
		s->cwnd = s->n_slots;
}

/*
 * How long a probe waits for its answer: the timeout, and on a path that
 * has dropped probes under load twice as long for each retransmission (at
 * most BACKOFF_MAX times), as RFC 6298 backs off - the tries of one port
 * then reach past a burst of loss instead of all falling into it.
 */
#define BACKOFF_MAX 4

uint64_t scan_wait_us(const struct portier_scan *s, const struct scan_slot *sl)
{
	uint64_t f = 1;

	if (s->lossy && sl->tries > 1)
		f = sl->tries > 3 ? BACKOFF_MAX : 1u << (sl->tries - 1);
	return (uint64_t)s->rto_us * f;
}

/*
 * How many probes a port gets before silence means filtered: --max-retries
 * + 1 on a path that has lost nothing.  Once answers come late, as many as
 * it takes for an answering port to go unheard with odds below MISS_ODDS
 * at the loss measured so far (the share of late answers: 5% asks for 5
 * tries, 20% for 9), at most LOSS_EXTRA_TRIES more; after a cut, at least
 * LOSS_EXTRA_TRIES / 2 more - such a path is known to drop.
 */
#define MISS_ODDS 1e-6

unsigned scan_allowed_tries(const struct portier_scan *s)
{
	unsigned base = s->cfg.max_retries + 1, most = base + LOSS_EXTRA_TRIES;
	unsigned n, least = s->lossy ? base + LOSS_EXTRA_TRIES / 2 : base;
	double p, miss = 1;

	if (!s->st.late_replies)
		return least;
	p = (double)s->st.late_replies / (double)s->st.replies;
	for (n = 0; n < most && (n < least || miss > MISS_ODDS); n++)
		miss *= p;
	return n;
}

/* The pace of a new scan: no measurement yet. */
void scan_pace_start(struct portier_scan *s)
{
	/* start below the ceiling and ramp up (x1.5 per 20 ms without loss):
	 * a path that cannot take full speed then loses little at the start,
	 * before the first measurement */
	portier_bucket_init(&s->bucket, 0, 1, s->start_ns);
	set_rate(s, s->cfg.max_rate > 0 && s->cfg.max_rate < START_RATE
			    ? s->cfg.max_rate
			    : START_RATE);
}
