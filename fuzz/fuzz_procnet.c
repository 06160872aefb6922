/*
 * Fuzz the text parsers of the local module: /proc/net/raw lines (the raw
 * socket fallback), the counter files (snmp, netstat, snmp6), /proc/net/dev
 * and /proc/[pid]/cgroup.  The same input goes through each; none may read
 * past its length (the input is not NUL-terminated).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "local/local_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	struct local_socks socks = {0};
	struct portier_stats st = {0};
	struct portier_ifstat *ifs = NULL;
	struct local_arena *a = local_arena_new();
	const char *cg, *unit, *ct;
	size_t n;

	if (!text || !a) {
		free(text);
		local_arena_free(a);
		return 0;
	}
	memcpy(text, data, size);
	socks.arena = a;
	local_procnet_parse(text, size, AF_INET6, PORTIER_LOCAL_RAW, &socks);
	local_procnet_parse(text, size, AF_INET, PORTIER_LOCAL_RAW, &socks);
	portier_stats_parse(&st, text, size, NULL);
	portier_ifstats_parse(text, size, &ifs, &n, NULL);
	local_cgroup_parse(text, size, a, &cg, &unit, &ct);
	portier_free(ifs);
	portier_stats_free(&st);
	portier_free(socks.v);
	local_arena_free(a);
	free(text);
	return 0;
}
