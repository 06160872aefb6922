/*
 * bucket.c - a token bucket: the ceiling on how fast probes leave.  Tokens
 * accrue at `rate` per second up to `burst`; each probe takes one.  The scan
 * engine lowers and raises the rate as it measures loss, so the bucket only
 * enforces whatever the engine currently believes the path can take.
 */
#include "portier/net.h"

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
