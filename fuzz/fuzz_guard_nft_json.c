/*
 * Fuzz the guard's reader of nftables' JSON listing of table inet
 * portier_guard (portier guard --status): whatever the listing holds,
 * reading either fails cleanly or yields blocks of a known family and a
 * prefix length that fits it.
 */
#include <stdlib.h>
#include <string.h>

#include "portier/guard_nft.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct portier_guard_nft_listing l;
	struct portier_err err;
	size_t i;

	if (portier_guard_nft_parse((const char *)data, size, &l, &err) != 0)
		return 0;
	for (i = 0; i < l.n; i++) {
		const struct portier_prefix *b = &l.blocks[i].prefix;
		struct portier_prefix net = *b;

		if (!(b->addr.family == 4
			      ? b->plen <= 32
			      : b->addr.family == 6 && b->plen <= 128))
			abort();
		/* the parser hands out networks: no host bits past plen */
		portier_prefix_clear_host(&net);
		if (memcmp(&net, b, sizeof(net)) != 0)
			abort();
	}
	portier_guard_nft_listing_free(&l);
	return 0;
}
