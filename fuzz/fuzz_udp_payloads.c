/*
 * Fuzz the UDP payload file parser (--udp-payloads FILE) and the reply
 * parsers: the input is read as a payload file; when it parses, the same
 * bytes are handed to every payload's reply parser as an answer (one
 * harness dispatching by port).  A parse must give payloads within bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "portier/udp_payloads.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* parsed once: the built-in set is the same on every input */
	static struct portier_udp_payloads *builtin;
	struct portier_udp_payloads *set = NULL;
	uint8_t *copy = malloc(size ? size : 1);
	const char *svc;
	size_t i;
	unsigned k;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (portier_udp_payloads_parse((const char *)copy, size, "fuzz", &set,
				       NULL) == 0) {
		for (i = 0; i < portier_udp_payloads_count(set); i++)
			if (portier_udp_payloads_at(set, i)->len >
			    PORTIER_UDP_PAYLOAD_MAX)
				abort();
	}
	portier_udp_payloads_free(set);
	/* the bytes as a reply to each built-in payload */
	if (builtin || portier_udp_payloads_builtin(&builtin, NULL) == 0) {
		for (i = 0; i < portier_udp_payloads_count(builtin); i++) {
			const struct portier_udp_payload *p =
				portier_udp_payloads_at(builtin, i);

			svc = NULL;
			if (portier_udp_reply_parse(p->parser, p->data, p->len,
						    copy, size, &svc) &&
			    !svc)
				abort();
		}
		for (k = 0; k < PORTIER_UDP_PARSER_COUNT; k++)
			portier_udp_reply_parse((enum portier_udp_parser)k,
						copy, size, copy, size, &svc);
	}
	free(copy);
	return 0;
}
