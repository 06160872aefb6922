/*
 * Fuzz the SMB negotiate reply parser: SMB1 and SMB2/3 replies, framed as
 * they arrive on 445 or 139, including the 3.1.1 negotiate contexts.
 */
#include <stdint.h>
#include <stdlib.h>

#include "portier/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct portier_smb_negotiate r;
	struct portier_err err;

	if (portier_smb_parse(data, size, &r, &err) == 0) {
		/* what the CLI prints must be printable */
		(void)portier_smb_dialect_name(r.dialect);
		(void)portier_smb_cipher_name(r.cipher);
		(void)portier_smb_hash_name(r.preauth_hash);
		(void)portier_smb_signing_name(r.signing_algo);
		(void)portier_filetime_to_unix(r.system_time);
		if (r.smb1_domain[sizeof(r.smb1_domain) - 1] != '\0')
			abort();
	}
	return 0;
}
