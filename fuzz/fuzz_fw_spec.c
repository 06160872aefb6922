/*
 * Fuzz the port-spec parser of `portier firewall`.  Property: a spec that
 * parses, printed back as ranges and parsed again, gives the same sets.
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
		portier_fw_spec_free(&spec);
	}
	free(text);
	return 0;
}
