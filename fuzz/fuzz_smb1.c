/*
 * Fuzz the SMB1 response parser of `portier smb --shares` on SMB1-only
 * servers: SESSION_SETUP_ANDX, TREE_CONNECT_ANDX, NT_CREATE_ANDX,
 * TRANSACTION and READ_ANDX replies, framed as they arrive on 445 or 139;
 * the blob or data it locates is then handed on as the prober does (NTLM
 * challenge, DCE/RPC PDU).
 */
#include <stdint.h>
#include <stdlib.h>

#include "portier/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct portier_smb1_reply r;
	struct portier_ntlm_info n;
	struct portier_dcerpc_pdu pdu;
	struct portier_err err;

	if (portier_smb1_parse(data, size, &r, &err) != 0)
		return 0;
	if (r.data_len && (r.data_off > size || r.data_len > size - r.data_off))
		abort();
	if (r.command == 0x73)
		(void)portier_ntlmssp_challenge_parse(data + r.data_off,
						      r.data_len, &n, &err);
	else if (r.data_len &&
		 portier_dcerpc_frag_len(data + r.data_off, r.data_len, &err) ==
			 (long)r.data_len)
		(void)portier_dcerpc_parse(data + r.data_off, r.data_len, &pdu,
					   &err);
	return 0;
}
