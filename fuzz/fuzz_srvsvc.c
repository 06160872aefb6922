/*
 * Fuzz the share list parsers: a NetrShareEnum level 1 response stub and
 * the SMB2 CREATE/IOCTL/READ responses that carry the pipe's data.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portier/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct portier_share_list list;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct portier_smb2_file_reply r;
	struct portier_err err;
	uint32_t i;

	if (portier_srvsvc_share_enum_parse(data, size, &list, &err) == 0) {
		if (list.n > PORTIER_SMB_MAX_SHARES || list.n > list.n_entries)
			abort();
		for (i = 0; i < list.n; i++)
			if (strnlen(list.shares[i].name,
				    PORTIER_SHARE_NAME_MAX) >=
				    PORTIER_SHARE_NAME_MAX ||
			    !portier_share_type_name(list.shares[i].type))
				abort();
	}
	if (portier_smb2_file_parse(data, size, &r, &err) == 0 && r.data_len &&
	    (r.data_off > size || r.data_len > size - r.data_off))
		abort();
	return 0;
}
