/*
 * Fuzz the DCE/RPC side of `portier rpc` as a server's byte stream: PDUs
 * one after another (bind_ack, response fragments, faults) through the
 * frame-length reader, the PDU parser and the reassembly, and the
 * reassembled stub through the ept_lookup parser and its tower decoder.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portier/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct portier_epm_lookup_reply page;
static uint8_t stub[1 << 16];

static void check_entry(const struct portier_epm_entry *e)
{
	char s[40];

	/* every string the CLI prints is terminated */
	if (!memchr(e->binding, 0, sizeof(e->binding)) ||
	    !memchr(e->annotation, 0, sizeof(e->annotation)) ||
	    !memchr(e->host, 0, sizeof(e->host)) ||
	    !memchr(e->endpoint, 0, sizeof(e->endpoint)))
		abort();
	portier_guid_str(e->iface.uuid, s, sizeof(s));
	(void)portier_rpc_iface_find(e->iface.uuid);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct portier_dcerpc_reasm r = {
		.buf = stub, .cap = sizeof(stub), .max_frags = 64};
	struct portier_dcerpc_pdu p;
	struct portier_err err;
	size_t off = 0;
	uint32_t i;

	while (off < size) {
		long fl = portier_dcerpc_frag_len(data + off, size - off, &err);

		if (fl <= 0 || (size_t)fl > size - off)
			break;
		if (portier_dcerpc_parse(data + off, (size_t)fl, &p, &err) ==
			    0 &&
		    p.ptype == PORTIER_DCERPC_RESPONSE) {
			if (r.frags == 0)
				r.call_id = p.call_id;
			if (p.stub_off + p.stub_len > (size_t)fl)
				abort();
			if (portier_dcerpc_reasm_add(&r, data + off, &p, &err) <
			    0)
				break;
		}
		off += (size_t)fl;
	}
	if (r.len > r.cap)
		abort();
	/* the stream's stub, or the input itself when it held no PDU */
	if (r.len == 0 &&
	    portier_epm_lookup_parse(data, size, &page, &err) == 0)
		for (i = 0; i < page.n_entries; i++)
			check_entry(&page.entries[i]);
	if (r.len && portier_epm_lookup_parse(stub, r.len, &page, &err) == 0)
		for (i = 0; i < page.n_entries; i++)
			check_entry(&page.entries[i]);
	if (page.n_entries > PORTIER_EPM_MAX_PAGE)
		abort();
	return 0;
}
