/*
 * Fuzz the NTLM challenge parsers: an SMB2 SESSION_SETUP response as it
 * arrives (framed), then the CHALLENGE_MESSAGE in its security buffer; the
 * input also goes to the challenge parser whole (a SPNEGO-wrapped token)
 * and to the TREE_CONNECT response parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portier/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct portier_ntlm_info *n)
{
	const char *names[] = {n->target,	n->nb_computer, n->nb_domain,
			       n->dns_computer, n->dns_domain,	n->dns_tree};
	size_t i;

	/* every name is a terminated string that fits its field */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strnlen(names[i], PORTIER_NTLM_NAME_MAX) >=
		    PORTIER_NTLM_NAME_MAX)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct portier_smb2_setup_reply r;
	struct portier_smb2_tree_reply t;
	struct portier_ntlm_info n;
	struct portier_err err;

	if (portier_smb2_session_setup_parse(data, size, &r, &err) == 0) {
		if (r.blob_len &&
		    (r.blob_off > size || r.blob_len > size - r.blob_off))
			abort();
		if (portier_ntlmssp_challenge_parse(data + r.blob_off,
						    r.blob_len, &n, &err) == 0)
			check(&n);
	}
	if (portier_ntlmssp_challenge_parse(data, size, &n, &err) == 0)
		check(&n);
	(void)portier_smb2_tree_connect_parse(data, size, &t, &err);
	return 0;
}
