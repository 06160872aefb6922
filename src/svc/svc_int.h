/*
 * svc_int.h - what the service-detection modules of src/svc share: reading
 * text lines out of a reply, copying untrusted text into a result field,
 * answering SEND, and the HTTP response reader (http_resp.c).  Private to
 * src/svc; every function is pure and checks every length.
 */
#ifndef PORTIER_SVC_INT_H
#define PORTIER_SVC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portier/svc.h"

/* This reply is all there will be: the peer is done, or the driver's
 * buffer is full and the module judges from what arrived. */
static inline bool svc_final(const struct portier_svc_conv *c, size_t n)
{
	return c->eof || n >= PORTIER_SVC_REPLY_MAX;
}

/*
 * The line that starts at in[off] and ends with LF: its length without the
 * CR LF (or LF) in *len, and the offset just past the LF in *next.  False
 * when no LF has arrived yet.
 */
bool svc_line(const uint8_t *in, size_t n, size_t off, size_t *len,
	      size_t *next);

/* p[0..n) starts with the text prefix (compared without case when nocase). */
bool svc_starts(const uint8_t *p, size_t n, const char *prefix, bool nocase);

/*
 * Copy p[0..n), up to its first NUL, into dst (size cap, always
 * NUL-terminated when cap > 0) through portier_text_clean's one-line rule:
 * controls and bytes that are not UTF-8 become '?', so a hostile server
 * cannot put terminal controls into portier's output.  Returns the length
 * of what dst holds.
 */
size_t svc_text(char *dst, size_t cap, const uint8_t *p, size_t n);

/* The length of the NUL-terminated string at p within n bytes, or n when
 * there is no NUL (then it is not a whole string). */
static inline size_t svc_text_nlen(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && p[i] != 0; i++)
		;
	return i;
}

/*
 * Copy the text s into out for a SEND: the verdict SEND, or else when it
 * cannot be sent (the reply was final: nothing more may be sent, or s
 * does not fit in cap) - DONE when the module has recognised its
 * protocol, NOT when it has not.
 */
enum portier_svc_verdict svc_send(const struct portier_svc_conv *c,
				  const char *s, uint8_t *out, size_t cap,
				  size_t *out_len,
				  enum portier_svc_verdict otherwise);

/*
 * The first line of a reply, which must start with prefix: NOT as soon as
 * a byte that has arrived differs from it, MORE until its LF is there
 * (NOT instead when the reply is final or the line is longer than max),
 * DONE with its length, without CR LF, in *len.
 */
enum portier_svc_verdict svc_first_line(const struct portier_svc_conv *c,
					const uint8_t *in, size_t n,
					const char *prefix, size_t max,
					size_t *len);

/* Is port one of ports (0-terminated): the module's own ports? */
bool svc_port_in(const uint16_t *ports, uint16_t port);

/* Mark s recognised as service name with the conf of a recognised
 * protocol (8), method "probed". */
void svc_recognised(struct portier_svc *s, const char *name);

/*
 * Is word (a space- or comma-separated token, compared without case) in
 * p[0..n)?  A token matches when it equals word, or when word ends with
 * '=' or '*' and the token starts with word without the '*'.
 */
bool svc_has_word(const uint8_t *p, size_t n, const char *word);

/* ---- HTTP responses (http_resp.c) ------------------------------------- */

/* Write "GET path HTTP/1.0" with Host (the conversation's host and port,
 * an IPv6 literal in brackets) and the headers every module sends; the
 * verdict SEND, or NOT when it does not fit or the host holds a byte a
 * header may not. */
enum portier_svc_verdict svc_http_get(const struct portier_svc_conv *c,
				      const char *path, uint8_t *out,
				      size_t cap, size_t *out_len);

enum svc_http_state {
	SVC_HTTP_MORE,	   /* not all there yet */
	SVC_HTTP_PARTIAL,  /* final, head complete, body cut short */
	SVC_HTTP_COMPLETE, /* head and body complete */
	SVC_HTTP_NOT,	   /* not an HTTP/1.x response */
};

struct svc_http_resp {
	unsigned major, minor; /* HTTP/1.1 */
	unsigned status;       /* 200 */
	const uint8_t *head;   /* the status line and headers, CR LF ended */
	size_t head_len;
	const uint8_t *body; /* into in, or into the caller's buffer when
				* the body was chunked */
	size_t body_len;
};

/*
 * Read the HTTP/1.x response in[0..n).  final: no more bytes will come (a
 * body without a length ends there).  A chunked body is joined into
 * buf[0..cap); the body is cut at cap.  Status line and headers must be
 * whole: a head still open at final is SVC_HTTP_NOT.
 */
enum svc_http_state svc_http_parse(const uint8_t *in, size_t n, bool final,
				   uint8_t *buf, size_t cap,
				   struct svc_http_resp *r);

/*
 * The whole conversation of a module that asks one GET: at step 0 the
 * request for path is sent (SEND); then the reply is read into r: DONE
 * when r is ready to be judged (complete, or all that will come), MORE,
 * or NOT for a reply that is no HTTP response.
 */
enum portier_svc_verdict svc_http_step(struct portier_svc_conv *c,
				       const char *path, const uint8_t *in,
				       size_t n, uint8_t *out, size_t cap,
				       size_t *out_len, uint8_t *buf,
				       size_t buf_cap, struct svc_http_resp *r);

/* The value of the first header called name (no case), spaces trimmed, in
 * *val / *len; false when there is none. */
bool svc_http_header(const struct svc_http_resp *r, const char *name,
		     const uint8_t **val, size_t *len);

/*
 * The string at path (keys joined by '.', "version.number") in the JSON
 * object text p[0..n), copied with svc_text into dst; false when the text
 * is not JSON, the path is missing or is not a string.
 */
bool svc_json_string(const uint8_t *p, size_t n, const char *path, char *dst,
		     size_t cap);

/* ---- the modules (the table is in svc.c) ----------------------------- */

extern const struct portier_svc_proto portier_svc_http;
extern const struct portier_svc_proto portier_svc_ftp;
extern const struct portier_svc_proto portier_svc_smb;
extern const struct portier_svc_proto portier_svc_msrpc;
extern const struct portier_svc_proto portier_svc_mysql;
extern const struct portier_svc_proto portier_svc_postgresql;
extern const struct portier_svc_proto portier_svc_mongodb;
extern const struct portier_svc_proto portier_svc_vnc;
extern const struct portier_svc_proto portier_svc_rdp;
extern const struct portier_svc_proto portier_svc_ssh;
extern const struct portier_svc_proto portier_svc_smtp;
extern const struct portier_svc_proto portier_svc_pop3;
extern const struct portier_svc_proto portier_svc_imap;
extern const struct portier_svc_proto portier_svc_redis;
extern const struct portier_svc_proto portier_svc_memcached;
extern const struct portier_svc_proto portier_svc_elasticsearch;
extern const struct portier_svc_proto portier_svc_docker;

#endif
