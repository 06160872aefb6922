/*
 * Fuzz the reader of clean's manifest (what undo acts on as root): any
 * input is refused cleanly or decodes into a plan that encodes again, and
 * that encoding decodes to the same text (nothing read is lost or made
 * up on the way).
 */
#include <stdlib.h>
#include <string.h>

#include "portier/clean.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct portier_clean_plan *p = NULL, *q = NULL;
	struct portier_err err;
	char *a = NULL, *b = NULL;

	if (portier_clean_manifest_decode((const char *)data, size, &p, &err) !=
	    0)
		return 0;
	if (portier_clean_manifest_encode(p, &a, &err) != 0)
		abort();
	if (portier_clean_manifest_decode(a, strlen(a), &q, &err) != 0)
		abort();
	if (portier_clean_manifest_encode(q, &b, &err) != 0 ||
	    strcmp(a, b) != 0)
		abort();
	portier_free(a);
	portier_free(b);
	portier_clean_plan_free(p);
	portier_clean_plan_free(q);
	return 0;
}
