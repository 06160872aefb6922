/*
 * svc_test_util.h - driving a service-detection module (svc.h) through a
 * recorded conversation in the unit tests, the way the driver does: the
 * banner or nothing first, after each SEND the reply accumulated so far,
 * eof when the script ends.  Every call gets a heap copy of exactly the
 * bytes it may read, so ASan sees a read past them.
 */
#ifndef PORTIER_TEST_SVC_UTIL_H
#define PORTIER_TEST_SVC_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portier/svc.h"
#include "probe_fixture.h"

#define SVC_SCRIPT_MAX 4

/* The replies of one conversation, in order (the banner first for a
 * server-first module). */
struct svc_script {
	const uint8_t *reply[SVC_SCRIPT_MAX];
	size_t len[SVC_SCRIPT_MAX];
	size_t n;
};

/* What a run sent, joined, and how it ended. */
struct svc_run {
	enum portier_svc_verdict v;
	struct portier_svc s;
	char sent[2048];
	size_t n_sent;
};

/* A reply captured from a real server, in tests/data/svc. */
static inline size_t svc_fixture(const char *name, uint8_t *buf, size_t cap)
{
	return fixture_load("svc", name, buf, cap);
}

static inline void svc_script_add(struct svc_script *sc, const void *p,
				  size_t n)
{
	assert_true(sc->n < SVC_SCRIPT_MAX);
	sc->reply[sc->n] = p;
	sc->len[sc->n] = n;
	sc->n++;
}

static inline void svc_script_text(struct svc_script *sc, const char *t)
{
	svc_script_add(sc, t, strlen(t));
}

static inline enum portier_svc_verdict
svc_call(const struct portier_svc_proto *p, struct portier_svc_conv *c,
	 const uint8_t *in, size_t n, struct svc_run *r)
{
	uint8_t out[1024];
	size_t out_len = 0;
	uint8_t *copy = n ? malloc(n) : NULL;
	enum portier_svc_verdict v;

	if (n) {
		assert_non_null(copy);
		memcpy(copy, in, n);
	}
	v = p->step(c, copy, n, out, sizeof(out), &out_len, &r->s);
	free(copy);
	if (c->eof)
		assert_true(v == PORTIER_SVC_DONE || v == PORTIER_SVC_NOT);
	if (v == PORTIER_SVC_SEND) {
		assert_true(out_len > 0 && out_len <= sizeof(out));
		assert_true(r->n_sent + out_len < sizeof(r->sent));
		memcpy(r->sent + r->n_sent, out, out_len);
		r->n_sent += out_len;
		r->sent[r->n_sent] = '\0';
	}
	return v;
}

/*
 * Run p over the script; with bytewise each reply grows one byte at a
 * time, else it comes whole.  A reply that is still MORE when all of it is
 * there is asked again with eof; a SEND after the last reply is answered
 * with nothing and eof.  Returns the last verdict (DONE or NOT).
 */
static inline enum portier_svc_verdict
svc_run_script(const struct portier_svc_proto *p, uint16_t port,
	       const struct svc_script *sc, bool bytewise, struct svc_run *r)
{
	struct portier_svc_conv c;
	size_t i = 0, k;
	enum portier_svc_verdict v;

	memset(r, 0, sizeof(*r));
	memset(&c, 0, sizeof(c));
	c.host = "127.0.0.1";
	c.port = port;
	if (!p->server_first) {
		v = svc_call(p, &c, NULL, 0, r);
		if (v != PORTIER_SVC_SEND)
			return r->v = v;
	}
	for (i = 0;; i++) {
		if (i == sc->n) {
			c.eof = true;
			return r->v = svc_call(p, &c, NULL, 0, r);
		}
		k = bytewise && sc->len[i] > 0 ? 1 : sc->len[i];
		for (;;) {
			v = svc_call(p, &c, sc->reply[i], k, r);
			if (v != PORTIER_SVC_MORE)
				break;
			if (k == sc->len[i]) {
				c.eof = true;
				return r->v = svc_call(p, &c, sc->reply[i], k,
						       r);
			}
			k++;
		}
		if (v != PORTIER_SVC_SEND)
			return r->v = v;
	}
}

static inline const struct portier_svc_finding *
svc_finding(const struct portier_svc *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->n_findings; i++)
		if (strcmp(s->findings[i].f.id, id) == 0)
			return &s->findings[i];
	return NULL;
}

static inline void svc_assert_same(const struct svc_run *a,
				   const struct svc_run *b)
{
	size_t i;

	assert_int_equal(a->v, b->v);
	assert_string_equal(a->s.name, b->s.name);
	assert_string_equal(a->s.product, b->s.product);
	assert_string_equal(a->s.version, b->s.version);
	assert_string_equal(a->s.extrainfo, b->s.extrainfo);
	assert_string_equal(a->s.match_text, b->s.match_text);
	assert_string_equal(a->sent, b->sent);
	assert_int_equal(a->s.n_findings, b->s.n_findings);
	for (i = 0; i < a->s.n_findings; i++) {
		assert_string_equal(a->s.findings[i].f.id,
				    b->s.findings[i].f.id);
		assert_string_equal(a->s.findings[i].detail,
				    b->s.findings[i].detail);
	}
}

/*
 * Run the script whole (the result in *r) and byte by byte (the same
 * result), then cut every reply at every length with eof there: always
 * DONE or NOT, never a crash or a read past the bytes.
 */
static inline void svc_check(const struct portier_svc_proto *p, uint16_t port,
			     const struct svc_script *sc, struct svc_run *r)
{
	struct svc_run *b = malloc(sizeof(*b));
	struct svc_script cut;
	size_t i, k;

	assert_non_null(b);
	svc_run_script(p, port, sc, false, r);
	svc_run_script(p, port, sc, true, b);
	svc_assert_same(r, b);
	for (i = 0; i < sc->n; i++)
		for (k = 0; k < sc->len[i]; k++) {
			cut = *sc;
			cut.n = i + 1;
			cut.len[i] = k;
			svc_run_script(p, port, &cut, false, b);
			assert_true(b->v == PORTIER_SVC_DONE ||
				    b->v == PORTIER_SVC_NOT);
		}
	free(b);
}

#endif
