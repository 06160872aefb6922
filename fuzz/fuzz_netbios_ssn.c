/*
 * Fuzz the NetBIOS session service: the answer to a session request on
 * 139, and the 4-byte framing every packet on 139 and 445 starts with.
 */
#include <stdint.h>
#include <stdlib.h>

#include "portier/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct portier_nbss_reply r;
	struct portier_err err;
	long n;

	if (portier_nbss_parse(data, size, &r, &err) == 0)
		(void)portier_nbss_error_name(r.error);
	n = portier_nbss_frame_len(data, size, &err);
	if (n > 4 + 0xffffff)
		abort();
	return 0;
}
