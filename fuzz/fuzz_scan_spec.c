/*
 * Fuzz the target and port spec parsers of `portier scan` (what users type
 * and what -iL files hold): portier_targets_add with resolution off, and
 * portier_ports_parse.  Whatever is accepted must give a consistent set,
 * and no address the address policy refuses may come out of it (with or
 * without nbstat's and smb's skip_edges rule).
 */
#include <stdlib.h>
#include <string.h>

#include "portier/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct portier_targets_options opt = {.resolve = false};
	struct portier_targets *t = NULL;
	struct portier_ports p;
	struct portier_err err;
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (portier_ports_parse(s, &p, &err) == 0) {
		for (size_t i = 1; i < p.n_tcp; i++)
			if (p.tcp[i] <= p.tcp[i - 1])
				abort();
		portier_ports_release(&p);
	}
	opt.skip_edges = size && (data[0] & 2);
	if (portier_targets_new(&t, &opt) == 0) {
		bool excl = size && (data[0] & 1);

		if (portier_targets_add(t, s, excl, &err) == 0 &&
		    portier_targets_finish(t, &err) == 0) {
			struct portier_addr a, b;
			uint64_t n = portier_targets_count(t), i;

			portier_targets_at(t, 0, &a);
			portier_targets_at(t, n - 1, &b);
			if (n > 1 && portier_addr_cmp(&a, &b) >= 0 &&
			    a.family == b.family)
				abort();
			if (portier_addr_not_target(&a, NULL) ||
			    portier_addr_not_target(&b, NULL))
				abort();
			/* the index is the inverse of _at (a count that
			 * saturated has none) */
			if (n < UINT64_MAX &&
			    (!portier_targets_index(t, &a, &i) || i != 0 ||
			     !portier_targets_index(t, &b, &i) || i != n - 1))
				abort();
		}
		portier_targets_free(t);
	}
	free(s);
	return 0;
}
