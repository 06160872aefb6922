/*
 * Fuzz the service fingerprint parser (data/services): the input is read
 * as a fingerprint file; when it parses, every entry is matched against
 * its example and against the input's first bytes as match_text, and the
 * built-in set is applied to the same text, as if no module had named the
 * service.  Templates must fill strings within their fields.
 */
#include <stdlib.h>
#include <string.h>

#include "portier/svc_run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct portier_svc *s)
{
	if (!memchr(s->name, '\0', sizeof(s->name)) ||
	    !memchr(s->product, '\0', sizeof(s->product)) ||
	    !memchr(s->version, '\0', sizeof(s->version)) ||
	    !memchr(s->extrainfo, '\0', sizeof(s->extrainfo)) ||
	    !memchr(s->ostype, '\0', sizeof(s->ostype)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct portier_svc_fps *builtin;
	struct portier_svc_fps *fps = NULL;
	struct portier_svc s;
	char text[sizeof(s.match_text)];
	size_t i, n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;

	memcpy(text, data, n);
	text[n] = '\0';
	if (portier_svc_fps_parse((const char *)data, size, "fuzz", &fps,
				  NULL) == 0) {
		for (i = 0; i < portier_svc_fps_count(fps); i++) {
			memset(&s, 0, sizeof(s));
			/* the parser checked it: the example must match */
			if (!portier_svc_fp_match(
				    fps, i, portier_svc_fp_at(fps, i)->example,
				    &s))
				abort();
			check(&s);
			portier_svc_fp_match(fps, i, text, &s);
			check(&s);
		}
	}
	portier_svc_fps_free(fps);
	if (builtin || portier_svc_fps_builtin(&builtin, NULL) == 0) {
		memset(&s, 0, sizeof(s));
		memcpy(s.match_text, text, sizeof(text));
		portier_svc_fps_apply(builtin, s.name, &s);
		check(&s);
	}
	return 0;
}
