/*
 * Fuzz the read-back of portier's table from nftables' JSON listing, and
 * render what was read: whatever the listing holds, reading either fails
 * cleanly or yields a policy that renders into a script.
 */
#include <stdlib.h>
#include <string.h>

#include "portier/fw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct portier_fw_policy p;
	struct portier_err err;
	char *text = malloc(size + 1), *script = NULL;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (portier_fw_policy_from_json(text, &p, &err) == 0) {
		if (portier_fw_render(&p, &script, &err) != 0)
			abort();
		portier_free(script);
		portier_fw_policy_free(&p);
	}
	free(text);
	return 0;
}
