/*
 * Fuzz the NETLINK_SOCK_DIAG reply parser (sockdiag_parse): a chunk of a
 * dump as the kernel would send it, which must never be read out of bounds
 * however its lengths lie.  Seeds are captured dumps (tests/data/local).
 */
#include <stdlib.h>
#include <string.h>

#include "local/local_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* netlink messages are 4-byte aligned in a real receive buffer */
	uint8_t *buf = malloc(size ? size : 1);
	struct local_socks socks = {0};
	struct portier_err err;
	size_t i;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	socks.arena = local_arena_new();
	if (socks.arena) {
		sockdiag_parse(buf, size, PORTIER_LOCAL_TCP, &socks, &err);
		for (i = 0; i < socks.n; i++) /* touch what was parsed */
			if (socks.v[i].path && socks.v[i].path[0] == '\0')
				abort();
	}
	portier_free(socks.v);
	local_arena_free(socks.arena);
	free(buf);
	return 0;
}
