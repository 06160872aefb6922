/*
 * Fuzz guard's filter of nftables netlink events (what wakes the daemon to
 * restore its table): whatever bytes arrive, it reads nothing past the
 * buffer and answers yes or no.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portier/guard_nft.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* netlink buffers arrive 4-byte aligned; so does this copy */
	uint32_t *buf = malloc(size / 4 * 4 + 4);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	(void)portier_guard_nftmon_parse(buf, size);
	free(buf);
	return 0;
}
