/*
 * perm.c - the order of a scan: a keyed bijection of [0, n).
 *
 * The idea: a Feistel network is a permutation of b-bit strings whatever its
 * round function is, because each round only xors one half with a function of
 * the other half and can be undone.  Taking the smallest b with 2^b >= n and
 * re-applying the network while the result is >= n ("cycle walking") turns it
 * into a permutation of exactly [0, n); since 2^b < 2n, that takes fewer than
 * two steps on average.  The halves may differ in width by one bit
 * (unbalanced Feistel), so any n works, not only powers of four.  Memory is
 * O(1): nothing is stored per element, which is what lets a /8 x 65535-port
 * scan be walked in a random order.
 */
#include <string.h>

#include "portier/net.h"

#define ROUNDS 4

/* A 64-bit finaliser: every input bit affects every output bit. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

void portier_perm_init(struct portier_perm *p, uint64_t n, uint64_t seed)
{
	unsigned r;
	uint64_t s = seed ^ 0x7065726d75746521ull; /* "permute!" */

	p->n = n;
	p->bits = 0;
	while (p->bits < 64 && (p->bits < 2 || (1ull << p->bits) < n))
		p->bits++;
	for (r = 0; r < ROUNDS; r++) {
		s += 0x9e3779b97f4a7c15ull;
		p->key[r] = mix64(s ^ n);
	}
}

static uint64_t mask(unsigned w)
{
	return w >= 64 ? ~0ull : (1ull << w) - 1;
}

static uint64_t encrypt(const struct portier_perm *p, uint64_t x)
{
	unsigned top = p->bits / 2, low = p->bits - top, r, t;

	for (r = 0; r < ROUNDS; r++) {
		uint64_t left = x >> low, right = x & mask(low);
		uint64_t f = mix64(right ^ p->key[r]);

		/* (left, right) -> (right, left ^ F(right)); widths swap */
		x = (right << top) | ((left ^ f) & mask(top));
		t = top;
		top = low;
		low = t;
	}
	return x;
}

uint64_t portier_perm_map(const struct portier_perm *p, uint64_t i)
{
	uint64_t x = i;

	if (p->n <= 1)
		return i;
	do
		x = encrypt(p, x);
	while (x >= p->n);
	return x;
}

uint64_t portier_shard_size(uint64_t n, uint64_t k, uint64_t nshard)
{
	if (nshard == 0 || k == 0 || k > nshard || n <= k - 1)
		return 0;
	return (n - (k - 1) + nshard - 1) / nshard;
}

int portier_shard_parse(const char *s, uint64_t *k, uint64_t *n,
			struct portier_err *err)
{
	char buf[48];
	char *slash;
	unsigned long a, b;

	if (strlen(s) >= sizeof(buf) || !(slash = strchr(s, '/')))
		goto bad;
	portier_strlcpy(buf, s, sizeof(buf));
	slash = strchr(buf, '/');
	*slash = '\0';
	if (portier_parse_ulong(buf, 1, 1ul << 20, &a) < 0 ||
	    portier_parse_ulong(slash + 1, 1, 1ul << 20, &b) < 0 || a > b)
		goto bad;
	*k = a;
	*n = b;
	return 0;
bad:
	portier_err_set(err, PORTIER_EINVAL, "bad shard '%s'", s);
	portier_err_hint(err, "--shard K/N with 1 <= K <= N, e.g. --shard 2/4 "
			      "(machine 2 of 4, all with the same --seed)");
	return PORTIER_EINVAL;
}
