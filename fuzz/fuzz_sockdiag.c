/*
 * Fuzz the NETLINK_SOCK_DIAG reply parser (sockdiag_parse): a chunk of a
 * dump as the kernel would send it, which must never be read out of bounds
 * however its lengths lie.  Then every socket it yields goes through the
 * socket table's tuple validation (portier_local_tuple_of), and each tuple
 * that validates must be one the exact-lookup request can be built from.
 * Seeds are captured dumps (tests/data/local) and one-socket replies
 * (tests/data/fuzz/sockdiag).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "local/local_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* netlink messages are 4-byte aligned in a real receive buffer */
	uint8_t *buf = malloc(size ? size : 1);
	struct local_socks socks = {0};
	struct portier_err err;
	size_t i;
	uint8_t req[SOCKDIAG_REQ_MAX] __attribute__((aligned(4)));

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	socks.arena = local_arena_new();
	if (socks.arena) {
		sockdiag_parse(buf, size, PORTIER_LOCAL_TCP, &socks, &err);
		for (i = 0; i < socks.n; i++) { /* touch what was parsed */
			struct portier_local_tuple t;

			/* the path shares its bytes with the addresses */
			if (socks.v[i].family == AF_UNIX && socks.v[i].path &&
			    socks.v[i].path[0] == '\0')
				abort();
			if (portier_local_tuple_of(&socks.v[i], &t) < 0)
				continue;
			/* a valid tuple: one family, no mapped address left */
			if (t.local.family != t.remote.family ||
			    portier_addr_is_v4mapped(&t.local) ||
			    portier_addr_is_v4mapped(&t.remote) ||
			    !portier_local_tuple_equal(&t, &t))
				abort();
			if (!sockdiag_build_inet_exact(req, sizeof(req), &t, 1))
				abort();
		}
	}
	portier_free(socks.v);
	local_arena_free(socks.arena);
	free(buf);
	return 0;
}
