/*
 * ber.c - BER tag-length reading for SNMP (the contract is in ber.h).
 */
#include "portier/ber.h"

bool portier_ber_tl(const uint8_t *b, size_t len, size_t *off, uint8_t tag,
		    size_t *clen, uint8_t *tag_out)
{
	size_t o = *off, n;

	if (o > len || len - o < 2 || (tag && b[o] != tag))
		return false;
	if (tag_out)
		*tag_out = b[o];
	n = b[o + 1];
	o += 2;
	if (n & 0x80) {
		unsigned k = n & 0x7f;

		if (k == 0 || k > 3 || k > len - o)
			return false;
		for (n = 0; k--; o++)
			n = (n << 8) | b[o];
	}
	if (n > len - o)
		return false;
	*off = o;
	*clen = n;
	return true;
}

bool portier_ber_uint(const uint8_t *b, size_t len, size_t *off, uint32_t *v)
{
	size_t o = *off, n, i;
	uint32_t x = 0;

	if (!portier_ber_tl(b, len, &o, 0x02, &n, NULL) || n == 0 || n > 5 ||
	    (n == 5 && b[o] != 0))
		return false;
	for (i = 0; i < n; i++)
		x = (x << 8) | b[o + i];
	*v = x;
	*off = o + n;
	return true;
}
