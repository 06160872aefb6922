/*
 * Fuzz the BSON reader of the MongoDB module: walk the document and every
 * document and array inside it (to a bounded depth), reading each value
 * as the module would.  The input sits in a buffer of its exact size.
 */
#include <stdlib.h>
#include <string.h>

#include "svc/bson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const uint8_t *doc, size_t n, int depth)
{
	struct svc_bson_iter it;
	struct svc_bson_elem e;
	const uint8_t *p;
	size_t len, count = 0;
	int64_t v;

	if (depth > 8 || !svc_bson_iter_init(&it, doc, n))
		return 0;
	while (svc_bson_next(&it, &e)) {
		/* every value lies inside the document */
		if (e.val < doc || e.val + e.val_len > doc + it.len)
			abort();
		count += svc_bson_as_int(&e, &v);
		if (svc_bson_as_str(&e, &p, &len) && p[len] != 0)
			abort();
		if (svc_bson_as_doc(&e, &p, &len))
			count += walk(p, len, depth + 1);
	}
	return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *doc = malloc(size ? size : 1);
	struct svc_bson_elem e;

	if (!doc)
		return 0;
	memcpy(doc, data, size);
	walk(doc, size, 0);
	svc_bson_find(doc, size, "version", &e);
	free(doc);
	return 0;
}
