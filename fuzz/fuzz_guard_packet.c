/*
 * Fuzz the packet parser of portier guard's capture path: every byte of a
 * captured frame is the sender's choice.  Both link types are tried, and a
 * parsed probe is classified, so the kind logic sees odd flag mixes too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portier/guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct portier_guard_probe p;
	/* a heap copy of exactly size bytes, so ASan sees any over-read */
	uint8_t *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	if (portier_guard_parse(buf, size, PORTIER_GUARD_LINK_ETH, &p) == 0)
		(void)portier_guard_kind_of(&p);
	if (portier_guard_parse(buf, size, PORTIER_GUARD_LINK_IP, &p) == 0)
		(void)portier_guard_kind_name(portier_guard_kind_of(&p));
	free(buf);
	return 0;
}
