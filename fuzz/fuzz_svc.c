/*
 * Fuzz every service-detection module (svc.h's table, whoever wrote it) the
 * way the driver drives it, with the peer's side chosen by the fuzzer.
 * Input: a module index byte, a flags byte (bit 0 --intrusive), an output
 * capacity byte, then chunks of [length][flags: bit 0 eof][bytes].  The
 * reply a module sees grows chunk by chunk after MORE and starts again
 * after SEND, capped at PORTIER_SVC_REPLY_MAX as the driver caps it.  A
 * module must never write past its output capacity, say MORE at eof, or
 * leave a string of its result without its NUL.
 */
#include <stdlib.h>
#include <string.h>

#include "portier/svc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELD_OK(f) (memchr((f), '\0', sizeof(f)) != NULL)

static void check(const struct portier_svc *s)
{
	size_t i;

	if (!FIELD_OK(s->name) || !FIELD_OK(s->product) ||
	    !FIELD_OK(s->version) || !FIELD_OK(s->extrainfo) ||
	    !FIELD_OK(s->ostype) || !FIELD_OK(s->match_text) ||
	    s->n_findings > PORTIER_SVC_MAX_FINDINGS || s->conf > 10)
		abort();
	for (i = 0; i < s->n_findings; i++)
		if (!FIELD_OK(s->findings[i].detail) || !s->findings[i].f.id)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct portier_svc_proto *p;
	struct portier_svc_conv c;
	struct portier_svc s;
	uint8_t *reply, *out;
	size_t cap, len = 0, pos = 3, out_len;
	unsigned steps;
	bool first = true;

	if (size < 3 || !portier_svc_n_protos)
		return 0;
	p = portier_svc_protos[data[0] % portier_svc_n_protos];
	cap = 16 + (size_t)data[2] * 16; /* 16 to 4096 */
	reply = malloc(PORTIER_SVC_REPLY_MAX);
	out = malloc(cap); /* exactly cap: ASan sees a byte too many */
	if (!reply || !out)
		goto done;
	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	c.host = "192.0.2.1";
	c.port = (uint16_t)(data[0] * 257u + data[1]);
	c.intrusive = data[1] & 1;
	for (steps = 0; steps < 256; steps++) {
		enum portier_svc_verdict v;
		bool feed = !first || p->server_first;

		/* a chunk for the module: the banner first, then replies */
		if (feed && pos + 2 <= size) {
			size_t n = data[pos], k;

			c.eof = data[pos + 1] & 1;
			pos += 2;
			if (n > size - pos)
				n = size - pos;
			k = n < PORTIER_SVC_REPLY_MAX - len
				    ? n
				    : PORTIER_SVC_REPLY_MAX - len;
			memcpy(reply + len, data + pos, k);
			len += k;
			pos += n;
			if (len == PORTIER_SVC_REPLY_MAX)
				c.eof = true;
		} else if (feed) {
			c.eof = true; /* the input is over: so is the peer */
		}
		out_len = 0;
		v = p->step(&c, feed ? reply : NULL, feed ? len : 0, out, cap,
			    &out_len, &s);
		first = false;
		check(&s);
		if (v == PORTIER_SVC_DONE || v == PORTIER_SVC_NOT)
			break;
		if (v == PORTIER_SVC_MORE && c.eof)
			abort(); /* the contract: DONE or NOT at eof */
		if (v == PORTIER_SVC_SEND) {
			if (out_len > cap)
				abort();
			len = 0; /* the next reply starts empty */
			c.eof = false;
		} else if (v != PORTIER_SVC_MORE) {
			abort();
		}
	}
done:
	free(reply);
	free(out);
	return 0;
}
