/*
 * Fuzz the spool file decoder (a snapshot kept while PostgreSQL is down):
 * whatever decodes must encode again to the same bytes, since the format
 * has one spelling per snapshot.  A file of an older version encodes as
 * the current one, which must decode and hold steady the same way.  The
 * connection-string redaction runs on the same input as text.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "portier/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether data decodes; if it does, it must encode to exactly data again
 * (abort otherwise) or, with older set, to a file of a newer version that
 * does so itself. */
static bool round_trip(const uint8_t *data, size_t size, bool older)
{
	struct portier_snapshot *s = NULL;
	uint8_t *again;
	size_t len;

	if (portier_spool_decode(data, size, &s, NULL))
		return false;
	if (portier_spool_encode(s, &again, &len, NULL) == 0) {
		if (older && again[12] != data[12]) {
			if (!round_trip(again, len, false))
				abort();
		} else if (len != size || memcmp(again, data, size))
			abort();
		portier_free(again);
	}
	portier_snapshot_free(s);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, shown[256];

	round_trip(data, size, true);
	text = portier_strndup((const char *)data, size);
	if (text) {
		portier_store_redact(text, shown, sizeof shown);
		portier_free(text);
	}
	return 0;
}
