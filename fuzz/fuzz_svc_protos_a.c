/*
 * Fuzz the service-detection modules ssh, smtp, pop3, imap, redis,
 * memcached, elasticsearch and docker (src/svc) the way the driver runs
 * them: the banner or nothing first, after each SEND the reply growing in
 * pieces, eof at the end.  Whatever the server says, a module must never
 * read past the bytes it is given, answer MORE at eof, write past cap, or
 * leave a field without its NUL.
 *
 * Input: byte 0 picks the module (its low bits, unless $PORTIER_FUZZ_SVC
 * names one) and whether the port is the module's own (its top bit clear)
 * or another, byte 1 how the replies are cut into reads; then replies, each a
 * big-endian 16-bit length and its bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "portier/bytes.h"
#include "portier/svc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {
	"ssh",	 "smtp",      "pop3",	       "imap",
	"redis", "memcached", "elasticsearch", "docker",
};

static void check_fields(const struct portier_svc *s)
{
	size_t i;

	if (!memchr(s->name, 0, sizeof(s->name)) ||
	    !memchr(s->product, 0, sizeof(s->product)) ||
	    !memchr(s->version, 0, sizeof(s->version)) ||
	    !memchr(s->extrainfo, 0, sizeof(s->extrainfo)) ||
	    !memchr(s->ostype, 0, sizeof(s->ostype)) ||
	    !memchr(s->match_text, 0, sizeof(s->match_text)) ||
	    s->n_findings > PORTIER_SVC_MAX_FINDINGS)
		abort();
	for (i = 0; i < s->n_findings; i++)
		if (!s->findings[i].f.id ||
		    !memchr(s->findings[i].detail, 0,
			    sizeof(s->findings[i].detail)))
			abort();
}

/* One call with an exact-size heap copy of in[0..n). */
static enum portier_svc_verdict call(const struct portier_svc_proto *p,
				     struct portier_svc_conv *c,
				     const uint8_t *in, size_t n,
				     struct portier_svc *s)
{
	uint8_t out[512];
	size_t out_len = (size_t)-1;
	uint8_t *copy = n ? malloc(n) : NULL;
	enum portier_svc_verdict v;

	if (n && !copy)
		abort();
	if (n)
		memcpy(copy, in, n);
	v = p->step(c, copy, n, out, sizeof(out), &out_len, s);
	free(copy);
	if (v == PORTIER_SVC_SEND && (out_len == 0 || out_len > sizeof(out)))
		abort();
	if (c->eof && v != PORTIER_SVC_DONE && v != PORTIER_SVC_NOT)
		abort();
	if (v != PORTIER_SVC_MORE && v != PORTIER_SVC_SEND &&
	    v != PORTIER_SVC_DONE && v != PORTIER_SVC_NOT)
		abort();
	check_fields(s);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct portier_svc_proto *p;
	struct portier_svc_conv c;
	struct portier_svc s;
	const char *pin = getenv("PORTIER_FUZZ_SVC");
	enum portier_svc_verdict v = PORTIER_SVC_SEND;
	size_t off = 2, piece;
	unsigned rounds = 0;

	if (size < 2)
		return 0;
	p = portier_svc_proto_find(
		pin ? pin
		    : names[data[0] % (sizeof(names) / sizeof(names[0]))]);
	if (!p)
		abort();
	piece = data[1] ? data[1] : 1; /* bytes added per read */
	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	c.host = "192.0.2.1";
	c.port = data[0] & 0x80 ? 8000 : p->ports[0];
	if (!p->server_first && call(p, &c, NULL, 0, &s) != PORTIER_SVC_SEND)
		return 0;
	while (v == PORTIER_SVC_SEND && rounds++ < 8) {
		size_t len = 0, k;

		if (size - off >= 2) {
			len = get_be16(data + off);
			off += 2;
			if (len > size - off)
				len = size - off;
		}
		/* the reply grows piece by piece, as reads return it */
		for (k = len < piece ? len : piece;; k += piece) {
			if (k > len)
				k = len;
			v = call(p, &c, data + off, k, &s);
			if (v != PORTIER_SVC_MORE)
				break;
			if (k == len) {
				c.eof = true;
				v = call(p, &c, data + off, k, &s);
				break;
			}
		}
		off += len;
	}
	return 0;
}
