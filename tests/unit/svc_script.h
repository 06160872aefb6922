/*
 * svc_script.h - driving a service-detection module (svc.h) through a
 * recorded conversation the way the network driver does: the banner or
 * nothing first, then after each SEND the reply so far.  Each reply can be
 * fed one byte more at a time (every shorter prefix must answer MORE), and
 * the last one can be cut with eof set (the module must answer DONE or
 * NOT).  Needs cmocka.h included before it.
 */
#ifndef PORTIER_TEST_SVC_SCRIPT_H
#define PORTIER_TEST_SVC_SCRIPT_H

#include <stdint.h>
#include <string.h>

#include "portier/bytes.h"
#include "portier/svc.h"

#define SVC_SCRIPT_MAX 6
#define SVC_SCRIPT_CAP 1024

/* One reply of a conversation. */
struct svc_reply {
	const uint8_t *p;
	size_t n;
};

/* What a run sent and what it ended with. */
struct svc_run {
	struct portier_svc_conv c;
	struct portier_svc s;
	enum portier_svc_verdict v;
	size_t n_sent;
	uint8_t sent[SVC_SCRIPT_MAX][SVC_SCRIPT_CAP];
	size_t sent_len[SVC_SCRIPT_MAX];
};

/* Hex text (the form captures were taken in) to bytes; fails the test on
 * a bad digit or an odd count. */
static inline size_t svc_hex(const char *hex, uint8_t *buf, size_t cap)
{
	size_t n = strlen(hex);

	assert_true(n % 2 == 0 && n / 2 <= cap);
	assert_true(portier_hex_decode(hex, buf, n / 2));
	return n / 2;
}

static inline void svc_record(struct svc_run *r, const uint8_t *out, size_t len)
{
	assert_true(len > 0 && len <= SVC_SCRIPT_CAP);
	assert_true(r->n_sent < SVC_SCRIPT_MAX);
	memcpy(r->sent[r->n_sent], out, len);
	r->sent_len[r->n_sent++] = len;
}

/*
 * Run proto over replies[0..n): replies[0] is the banner of a
 * server-first protocol, else the reply to the first SEND.  bytewise:
 * feed every prefix of every reply first (each must answer MORE, except
 * that the last reply may be answered DONE before its end, which ends the
 * run as the driver would).  The
 * last reply is cut to `cut` bytes when cut < its length, and eof is set
 * for it when eof_last.  Every reply but the last must be answered with
 * SEND; r->v is the answer to the last.
 */
static inline void svc_run(const struct portier_svc_proto *proto,
			   const struct svc_reply *replies, size_t n,
			   bool bytewise, size_t cut, bool eof_last,
			   struct svc_run *r)
{
	uint8_t out[SVC_SCRIPT_CAP];
	size_t i, k, len, out_len;

	memset(r, 0, sizeof(*r));
	r->c.host = "127.0.0.1";
	r->c.port = proto->ports[0];
	if (!proto->server_first) {
		out_len = 0;
		r->v = proto->step(&r->c, NULL, 0, out, sizeof(out), &out_len,
				   &r->s);
		assert_int_equal(r->v, PORTIER_SVC_SEND);
		svc_record(r, out, out_len);
	}
	for (i = 0; i < n; i++) {
		bool last = i + 1 == n;

		len = replies[i].n;
		if (last && cut < len)
			len = cut;
		for (k = 1; bytewise && k < len; k++) {
			r->v = proto->step(&r->c, replies[i].p, k, out,
					   sizeof(out), &out_len, &r->s);
			/* the last reply may be whole before its end (a
			 * message the module needs, then more it does not) */
			if (r->v == PORTIER_SVC_DONE && last)
				return;
			if (r->v != PORTIER_SVC_MORE)
				fail_msg("%s: reply %zu cut to %zu of %zu "
					 "bytes answered %d, not MORE",
					 proto->name, i, k, len, (int)r->v);
		}
		r->c.eof = last && eof_last;
		out_len = 0;
		r->v = proto->step(&r->c, replies[i].p, len, out, sizeof(out),
				   &out_len, &r->s);
		if (r->c.eof)
			assert_true(r->v == PORTIER_SVC_DONE ||
				    r->v == PORTIER_SVC_NOT);
		if (r->v == PORTIER_SVC_SEND)
			svc_record(r, out, out_len);
		else if (!last)
			fail_msg("%s: reply %zu answered %d, not SEND",
				 proto->name, i, (int)r->v);
	}
}

/* Every cut of the last reply, with eof, answers DONE or NOT (svc_run
 * checks it), and no cut crashes; the whole script answers want. */
static inline void svc_check_cuts(const struct portier_svc_proto *proto,
				  const struct svc_reply *replies, size_t n,
				  enum portier_svc_verdict want)
{
	static struct svc_run r;
	size_t cut;

	for (cut = 0; cut < replies[n - 1].n; cut++)
		svc_run(proto, replies, n, false, cut, true, &r);
	svc_run(proto, replies, n, true, SIZE_MAX, false, &r);
	assert_int_equal(r.v, want);
}

/* The finding with id in s, or NULL. */
static inline const struct portier_svc_finding *
svc_finding(const struct portier_svc *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->n_findings; i++)
		if (strcmp(s->findings[i].f.id, id) == 0)
			return &s->findings[i];
	return NULL;
}

#endif
