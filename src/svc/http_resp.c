/*
 * http_resp.c - reading one HTTP/1.x response out of a byte buffer for the
 * modules that speak HTTP (RFC 9112): the status line, the headers, a body
 * framed by Content-Length, by chunks or by the end of the connection.
 * Pure: no allocation, every length checked, nothing read past n.
 */
#include <stdio.h>
#include <string.h>

#include "svc/svc_int.h"

/* Headers larger than this are not a service we judge. */
#define HTTP_HEAD_MAX 8192

enum portier_svc_verdict svc_http_get(const struct portier_svc_conv *c,
				      const char *path, uint8_t *out,
				      size_t cap, size_t *out_len)
{
	bool v6 = strchr(c->host, ':') != NULL;
	const char *h;
	int k;

	for (h = c->host; *h; h++)
		if ((unsigned char)*h <= ' ' || *h == 0x7f || *h == '/')
			return PORTIER_SVC_NOT;
	k = snprintf((char *)out, cap,
		     "GET %s HTTP/1.0\r\nHost: %s%s%s:%u\r\n"
		     "User-Agent: portier\r\nAccept: */*\r\n"
		     "Connection: close\r\n\r\n",
		     path, v6 ? "[" : "", c->host, v6 ? "]" : "",
		     (unsigned)c->port);
	if (k < 0 || (size_t)k >= cap)
		return PORTIER_SVC_NOT;
	*out_len = (size_t)k;
	return PORTIER_SVC_SEND;
}

/* A decimal or hex number of at most 9 digits at p[0..n); the digits used
 * in *used; false when there is none or it is too long. */
static bool read_num(const uint8_t *p, size_t n, unsigned base, size_t *v,
		     size_t *used)
{
	size_t i = 0, acc = 0;

	for (; i < n && i < 10; i++) {
		unsigned d;

		if (p[i] >= '0' && p[i] <= '9')
			d = p[i] - '0';
		else if (base == 16 && p[i] >= 'a' && p[i] <= 'f')
			d = p[i] - 'a' + 10;
		else if (base == 16 && p[i] >= 'A' && p[i] <= 'F')
			d = p[i] - 'A' + 10;
		else
			break;
		acc = acc * base + d;
	}
	if (i == 0 || i == 10)
		return false;
	*v = acc;
	*used = i;
	return true;
}

bool svc_http_header(const struct svc_http_resp *r, const char *name,
		     const uint8_t **val, size_t *len)
{
	size_t off, l, next, nl = strlen(name);

	/* skip the status line */
	if (!svc_line(r->head, r->head_len, 0, &l, &off))
		return false;
	while (svc_line(r->head, r->head_len, off, &l, &next)) {
		const uint8_t *p = r->head + off;

		if (l > nl && p[nl] == ':' && svc_starts(p, l, name, true)) {
			size_t a = nl + 1, b = l;

			while (a < b && (p[a] == ' ' || p[a] == '\t'))
				a++;
			while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t'))
				b--;
			*val = p + a;
			*len = b - a;
			return true;
		}
		off = next;
	}
	return false;
}

/* Join the chunks of body[0..n) into buf; MORE until the last chunk. */
static enum svc_http_state dechunk(const uint8_t *p, size_t n, bool final,
				   uint8_t *buf, size_t cap,
				   struct svc_http_resp *r)
{
	size_t off = 0, got = 0;

	r->body = buf;
	for (;;) {
		size_t l, next, size, used;

		if (!svc_line(p, n, off, &l, &next))
			break;
		if (!read_num(p + off, l, 16, &size, &used))
			return SVC_HTTP_NOT;
		if (size == 0) {
			r->body_len = got;
			return SVC_HTTP_COMPLETE;
		}
		if (size > n - next) {
			/* a chunk still arriving: keep what is here */
			size = n - next;
			if (size > cap - got)
				size = cap - got;
			memcpy(buf + got, p + next, size);
			got += size;
			break;
		}
		if (size > cap - got) {
			memcpy(buf + got, p + next, cap - got);
			r->body_len = cap;
			return SVC_HTTP_PARTIAL;
		}
		memcpy(buf + got, p + next, size);
		got += size;
		off = next + size;
		/* the CR LF after the chunk's data */
		if (n - off < 2)
			break;
		if (p[off] != '\r' || p[off + 1] != '\n')
			return SVC_HTTP_NOT;
		off += 2;
	}
	r->body_len = got;
	return final ? SVC_HTTP_PARTIAL : SVC_HTTP_MORE;
}

enum svc_http_state svc_http_parse(const uint8_t *in, size_t n, bool final,
				   uint8_t *buf, size_t cap,
				   struct svc_http_resp *r)
{
	size_t l, off, next, used, v, clen;
	const uint8_t *te, *cl;
	size_t te_len, cl_len;

	memset(r, 0, sizeof(*r));
	/* "HTTP/1.x NNN": decide as soon as the bytes are there */
	if (n > 0 && memcmp(in, "HTTP/1.", n < 7 ? n : 7) != 0)
		return SVC_HTTP_NOT;
	if (n < 7)
		return final ? SVC_HTTP_NOT : SVC_HTTP_MORE;
	if (!svc_line(in, n, 0, &l, &off)) {
		if (final || n > HTTP_HEAD_MAX)
			return SVC_HTTP_NOT;
		return SVC_HTTP_MORE;
	}
	if (l < 12 || in[7] < '0' || in[7] > '9' || in[8] != ' ' ||
	    !read_num(in + 9, 3, 10, &v, &used) || used != 3 ||
	    (l > 12 && in[12] != ' '))
		return SVC_HTTP_NOT;
	r->major = 1;
	r->minor = in[7] - '0';
	r->status = (unsigned)v;
	/* headers end at an empty line */
	for (;;) {
		if (!svc_line(in, n, off, &l, &next)) {
			if (final || n > HTTP_HEAD_MAX)
				return SVC_HTTP_NOT;
			return SVC_HTTP_MORE;
		}
		off = next;
		if (l == 0)
			break;
	}
	if (off > HTTP_HEAD_MAX)
		return SVC_HTTP_NOT;
	r->head = in;
	r->head_len = off;
	r->body = in + off;
	if (r->status < 200 || r->status == 204 || r->status == 304)
		return SVC_HTTP_COMPLETE;
	if (svc_http_header(r, "Transfer-Encoding", &te, &te_len) &&
	    svc_has_word(te, te_len, "chunked"))
		return dechunk(in + off, n - off, final, buf, cap, r);
	if (svc_http_header(r, "Content-Length", &cl, &cl_len)) {
		if (!read_num(cl, cl_len, 10, &clen, &used) || used != cl_len)
			return SVC_HTTP_NOT;
		if (n - off >= clen) {
			r->body_len = clen;
			return SVC_HTTP_COMPLETE;
		}
		r->body_len = n - off;
		return final ? SVC_HTTP_PARTIAL : SVC_HTTP_MORE;
	}
	r->body_len = n - off;
	return final ? SVC_HTTP_COMPLETE : SVC_HTTP_MORE;
}

enum portier_svc_verdict svc_http_step(struct portier_svc_conv *c,
				       const char *path, const uint8_t *in,
				       size_t n, uint8_t *out, size_t cap,
				       size_t *out_len, uint8_t *buf,
				       size_t buf_cap, struct svc_http_resp *r)
{
	if (c->step == 0) {
		c->step = 1;
		return svc_http_get(c, path, out, cap, out_len);
	}
	if (c->step != 1)
		return PORTIER_SVC_NOT;
	switch (svc_http_parse(in, n, svc_final(c, n), buf, buf_cap, r)) {
	case SVC_HTTP_MORE:
		return PORTIER_SVC_MORE;
	case SVC_HTTP_PARTIAL:
	case SVC_HTTP_COMPLETE:
		return PORTIER_SVC_DONE;
	case SVC_HTTP_NOT:
	default:
		return PORTIER_SVC_NOT;
	}
}
