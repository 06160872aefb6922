/*
 * Fuzz the SYN scan's reply parser: every packet an AF_PACKET socket hands
 * the scanner (IPv4/IPv6, TCP, ICMP errors quoting our probe) goes through
 * portier_reply_parse, so it must survive any bytes.  On success the fields
 * must describe a reply of a known kind.
 */
#include <stdlib.h>

#include "portier/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct portier_reply r;
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	/* an exact-size heap copy: ASan sees any read past the end */
	for (size_t i = 0; i < size; i++)
		copy[i] = data[i];
	if (portier_reply_parse(copy, size, &r) == 0) {
		if (r.kind != PORTIER_REPLY_SYNACK &&
		    r.kind != PORTIER_REPLY_RST &&
		    r.kind != PORTIER_REPLY_UNREACH)
			abort();
		if (r.target.family != 4 && r.target.family != 6)
			abort();
		if (r.kind == PORTIER_REPLY_UNREACH && r.quoted != 6 &&
		    r.quoted != 17)
			abort();
	}
	free(copy);
	return 0;
}
