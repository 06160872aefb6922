/*
 * Fuzz the spool file decoder (a snapshot kept while PostgreSQL is down):
 * whatever decodes must encode again to the same bytes, since the format
 * has one spelling per snapshot.  The connection-string redaction runs on
 * the same input as text.
 */
#include <stdlib.h>
#include <string.h>

#include "portier/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct portier_snapshot *s = NULL;
	uint8_t *again;
	size_t len;
	char *text, shown[256];

	if (portier_spool_decode(data, size, &s, NULL) == 0) {
		if (portier_spool_encode(s, &again, &len, NULL) == 0) {
			if (len != size || memcmp(again, data, size))
				abort();
			portier_free(again);
		}
		portier_snapshot_free(s);
	}
	text = portier_strndup((const char *)data, size);
	if (text) {
		portier_store_redact(text, shown, sizeof shown);
		portier_free(text);
	}
	return 0;
}
