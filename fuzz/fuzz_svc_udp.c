/*
 * Fuzz the description of UDP replies for -sV (portier_svc_udp_describe):
 * the first byte picks the protocol, the rest is the reply; the strings it
 * fills must stay terminated within their fields, and a second reply on the
 * same result (SNMPv1 then SNMPv3) must be as safe as the first.
 */
#include <stdlib.h>
#include <string.h>

#include "portier/svc_udp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t req[] = {0x70, 0x72, 0x00, 0x00};
	struct portier_svc s;
	enum portier_udp_parser p;
	uint8_t *copy;
	size_t half;

	if (size < 1)
		return 0;
	p = (enum portier_udp_parser)(data[0] % PORTIER_UDP_PARSER_COUNT);
	data++;
	size--;
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size); /* exact size: ASan sees any overread */
	memset(&s, 0, sizeof(s));
	half = size / 2;
	portier_svc_udp_describe(p, req, sizeof(req), copy, half, &s);
	portier_svc_udp_describe(p, req, sizeof(req), copy, size, &s);
	if (memchr(s.name, 0, sizeof(s.name)) == NULL ||
	    memchr(s.product, 0, sizeof(s.product)) == NULL ||
	    memchr(s.version, 0, sizeof(s.version)) == NULL ||
	    memchr(s.extrainfo, 0, sizeof(s.extrainfo)) == NULL ||
	    memchr(s.match_text, 0, sizeof(s.match_text)) == NULL ||
	    s.n_findings > PORTIER_SVC_MAX_FINDINGS)
		abort();
	free(copy);
	return 0;
}
