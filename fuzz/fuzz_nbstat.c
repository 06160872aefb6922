/*
 * Fuzz the NetBIOS node status reply parser (one UDP datagram from anyone
 * who answers on 137) and the summary drawn from what it returns.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portier/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct portier_nbstat_reply r;
	struct portier_nbstat_summary s;
	struct portier_err err;
	char text[512];
	uint16_t i;

	if (portier_nbstat_parse(data, size, &r, &err) == 0) {
		if (r.n_names > PORTIER_NBSTAT_MAX_NAMES)
			abort();
		portier_nbstat_summarize(&r, &s);
		portier_nbstat_describe(&r, &s, text, sizeof(text));
		if (strlen(text) >= sizeof(text))
			abort();
		for (i = 0; i < r.n_names; i++)
			if (strlen(portier_nb_name_meaning(&r.names[i])) == 0 ||
			    strlen(r.names[i].name) > PORTIER_NB_NAME_LEN)
				abort();
	}
	return 0;
}
