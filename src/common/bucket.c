/*
 * bucket.c - the one token bucket of libportier: the scanner's send rate,
 * the node-status sweep's query rate and guard's alert rate all go through
 * it.  Tokens accrue at `rate` per second up to `burst`; each event takes
 * one.  The caller passes the time, so a test can drive the bucket with a
 * counter and the scan engine can raise and lower the rate as it measures
 * loss while the bucket only enforces what the caller currently believes.
 */
#include "portier/common.h"

void portier_bucket_init(struct portier_bucket *b, double rate, double burst,
			 uint64_t now_ns)
{
	b->rate = rate;
	b->burst = burst < 1 ? 1 : burst;
	b->tokens = b->burst;
	b->last_ns = now_ns;
}

void portier_bucket_set_rate(struct portier_bucket *b, double rate)
{
	b->rate = rate;
}

/* Add what accrued since the last call; a clock that went back adds none. */
static void refill(struct portier_bucket *b, uint64_t now_ns)
{
	if (now_ns > b->last_ns) {
		b->tokens += (double)(now_ns - b->last_ns) * 1e-9 * b->rate;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
	}
	b->last_ns = now_ns;
}

bool portier_bucket_take(struct portier_bucket *b, uint64_t now_ns)
{
	if (b->rate <= 0)
		return true;
	refill(b, now_ns);
	if (b->tokens < 1.0)
		return false;
	b->tokens -= 1.0;
	return true;
}

uint64_t portier_bucket_wait_ns(struct portier_bucket *b, uint64_t now_ns)
{
	if (b->rate <= 0)
		return 0;
	refill(b, now_ns);
	if (b->tokens >= 1.0)
		return 0;
	return (uint64_t)((1.0 - b->tokens) / b->rate * 1e9) + 1;
}
