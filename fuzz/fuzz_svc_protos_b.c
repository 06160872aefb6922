/*
 * Fuzz the mysql, postgresql, mongodb, vnc and rdp service-detection
 * modules as the network driver drives them (until a harness that drives
 * every module of the table exists).  Input: one byte choosing the
 * module, then replies, each as a 2-byte big-endian length, a byte that
 * says where to cut it first (the module sees the prefix, then the whole
 * reply, as the driver's reads accumulate), and the bytes.  After the last
 * reply the module is told eof and must answer DONE or NOT.  Each reply
 * sits in a buffer of its exact size so that a read past it is caught.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portier/bytes.h"
#include "portier/svc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {"mysql", "postgresql", "mongodb", "vnc",
				    "rdp"};

static void check_result(enum portier_svc_verdict v,
			 const struct portier_svc *s, size_t out_len,
			 size_t cap)
{
	if (out_len > cap)
		abort();
	if (v != PORTIER_SVC_DONE)
		return;
	if (s->name[0] == '\0' || s->n_findings > PORTIER_SVC_MAX_FINDINGS ||
	    strnlen(s->name, sizeof(s->name)) == sizeof(s->name) ||
	    strnlen(s->product, sizeof(s->product)) == sizeof(s->product) ||
	    strnlen(s->version, sizeof(s->version)) == sizeof(s->version) ||
	    strnlen(s->extrainfo, sizeof(s->extrainfo)) ==
		    sizeof(s->extrainfo) ||
	    strnlen(s->match_text, sizeof(s->match_text)) ==
		    sizeof(s->match_text))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct portier_svc_proto *p;
	struct portier_svc_conv c;
	struct portier_svc s;
	enum portier_svc_verdict v = PORTIER_SVC_MORE;
	uint8_t out[2048];
	uint8_t *reply = NULL;
	size_t off = 1, len = 0, cut, out_len;

	if (size < 1)
		return 0;
	p = portier_svc_proto_find(names[data[0] % 5]);
	if (!p)
		abort();
	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	c.host = "127.0.0.1";
	c.port = p->ports[0];
	if (!p->server_first) {
		out_len = 0;
		v = p->step(&c, NULL, 0, out, sizeof(out), &out_len, &s);
		check_result(v, &s, out_len, sizeof(out));
		if (v != PORTIER_SVC_SEND)
			return 0;
	}
	while (off + 3 <= size) {
		len = get_be16(data + off);
		cut = data[off + 2];
		off += 3;
		if (len > size - off)
			len = size - off;
		free(reply);
		reply = malloc(len ? len : 1);
		if (!reply)
			return 0;
		memcpy(reply, data + off, len);
		off += len;
		if (cut < len) {
			out_len = 0;
			v = p->step(&c, reply, cut, out, sizeof(out), &out_len,
				    &s);
			check_result(v, &s, out_len, sizeof(out));
			if (v == PORTIER_SVC_DONE || v == PORTIER_SVC_NOT)
				goto end;
			if (v == PORTIER_SVC_SEND)
				continue; /* the rest was never read */
		}
		out_len = 0;
		v = p->step(&c, reply, len, out, sizeof(out), &out_len, &s);
		check_result(v, &s, out_len, sizeof(out));
		if (v == PORTIER_SVC_DONE || v == PORTIER_SVC_NOT)
			goto end;
	}
	/* no more will come: the last reply again, with eof */
	c.eof = true;
	out_len = 0;
	v = p->step(&c, reply, reply ? len : 0, out, sizeof(out), &out_len, &s);
	check_result(v, &s, out_len, sizeof(out));
	if (v != PORTIER_SVC_DONE && v != PORTIER_SVC_NOT)
		abort();
end:
	free(reply);
	return 0;
}
