/*
 * Fuzz the port-spec parser of `portier firewall`.  Properties: a spec that
 * parses, printed back as ranges and parsed again, gives the same sets; and
 * removing the UDP ranges from the TCP set leaves none of their ports, while
 * every TCP port outside them stays.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portier/fw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const struct portier_fw_spec *a, int proto)
{
	struct portier_fw_spec b;
	char *text = portier_fw_portset_format(&a->ports[proto], ",");

	if (!text)
		abort();
	if (*text) {
		if (portier_fw_spec_parse(text, 1u << proto, &b, NULL) != 0 ||
		    !portier_fw_portset_equal(&a->ports[proto],
					      &b.ports[proto]))
			abort();
		portier_fw_spec_free(&b);
	}
	portier_free(text);
}

static void subtract(const struct portier_fw_spec *spec)
{
	const struct portier_fw_portset *tcp = &spec->ports[PORTIER_FW_TCP];
	const struct portier_fw_portset *udp = &spec->ports[PORTIER_FW_UDP];
	struct portier_fw_portset diff = {0};
	size_t i;
	unsigned p;

	if (portier_fw_portset_merge(&diff, tcp) != 0)
		abort();
	for (i = 0; i < udp->n; i++)
		if (portier_fw_portset_remove(&diff, udp->r[i].lo,
					      udp->r[i].hi) != 0)
			abort();
	/* every edge of either set, and one step either side of it */
	for (i = 0; i < tcp->n + udp->n; i++) {
		const struct portier_fw_range *g =
			i < tcp->n ? &tcp->r[i] : &udp->r[i - tcp->n];
		long pts[] = {(long)g->lo - 1, g->lo, g->hi, (long)g->hi + 1};
		size_t k;

		for (k = 0; k < 4; k++) {
			bool want;

			if (pts[k] < 0 || pts[k] > 65535)
				continue;
			p = (unsigned)pts[k];
			want = portier_fw_portset_has(tcp, (uint16_t)p) &&
			       !portier_fw_portset_has(udp, (uint16_t)p);
			if (portier_fw_portset_has(&diff, (uint16_t)p) != want)
				abort();
		}
	}
	for (i = 0; i + 1 < diff.n; i++) /* still sorted, disjoint, apart */
		if ((uint32_t)diff.r[i].hi + 1 >= diff.r[i + 1].lo)
			abort();
	portier_fw_portset_free(&diff);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct portier_fw_spec spec;
	struct portier_err err;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (portier_fw_spec_parse(text, 0, &spec, &err) == 0) {
		roundtrip(&spec, PORTIER_FW_TCP);
		roundtrip(&spec, PORTIER_FW_UDP);
		subtract(&spec);
		portier_fw_spec_free(&spec);
	}
	free(text);
	return 0;
}
