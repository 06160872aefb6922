/*
 * http.c - the HTTP module (client-first): GET / with a Host header; a
 * reply whose first line is an HTTP status line is HTTP, and its Server
 * header becomes match_text for the fingerprints (data/services).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "portier/svc.h"

/* Where the headers end (after the blank line), or 0 while they go on. */
static size_t headers_end(const uint8_t *in, size_t n)
{
	size_t k;

	for (k = 0; k + 1 < n; k++) {
		if (in[k] == '\n' && in[k + 1] == '\n')
			return k + 2;
		if (k + 3 < n && in[k] == '\r' && in[k + 1] == '\n' &&
		    in[k + 2] == '\r' && in[k + 3] == '\n')
			return k + 4;
	}
	return 0;
}

/* "HTTP/d.d ddd": 1 yes, 0 too short to tell, -1 no. */
static int status_line(const uint8_t *in, size_t n)
{
	static const char pat[] = "HTTP/d.d ddd";
	size_t k;

	for (k = 0; k < sizeof(pat) - 1; k++) {
		if (k >= n)
			return 0;
		if (pat[k] == 'd' ? !isdigit(in[k]) : in[k] != (uint8_t)pat[k])
			return -1;
	}
	return 1;
}

/* The value of header name in in[0..n) as printable text, or false. */
static bool header(const uint8_t *in, size_t n, const char *name, char *dst,
		   size_t cap)
{
	size_t pos = 0, nl = strlen(name);

	while (pos < n) {
		const uint8_t *e = memchr(in + pos, '\n', n - pos);
		size_t ll = e ? (size_t)(e - (in + pos)) : n - pos;

		if (ll > nl && in[pos + nl] == ':' &&
		    strncasecmp((const char *)in + pos, name, nl) == 0) {
			size_t k = pos + nl + 1, o = 0, end = pos + ll;

			while (k < end && (in[k] == ' ' || in[k] == '\t'))
				k++;
			while (end > k &&
			       (in[end - 1] == '\r' || in[end - 1] == ' '))
				end--;
			for (; k < end && o + 1 < cap; k++)
				dst[o++] = in[k] >= 0x20 && in[k] < 0x7f
						   ? (char)in[k]
						   : '?';
			dst[o] = '\0';
			return true;
		}
		pos += ll + 1;
	}
	return false;
}

static enum portier_svc_verdict
http_step(struct portier_svc_conv *c, const uint8_t *in, size_t n, uint8_t *out,
	  size_t cap, size_t *out_len, struct portier_svc *s)
{
	size_t end;
	int st, len;

	if (c->step == 0) {
		/* an IPv6 address goes in brackets; the port unless 80 */
		bool v6 = strchr(c->host, ':') != NULL;
		char port[8] = "";

		if (c->port != 80)
			snprintf(port, sizeof(port), ":%u", c->port);
		len = snprintf((char *)out, cap,
			       "GET / HTTP/1.0\r\nHost: %s%s%s%s\r\n"
			       "User-Agent: portier\r\nAccept: */*\r\n\r\n",
			       v6 ? "[" : "", c->host, v6 ? "]" : "", port);
		if (len < 0 || (size_t)len >= cap)
			return PORTIER_SVC_NOT;
		*out_len = (size_t)len;
		c->step = 1; /* the request went; the reply comes next */
		return PORTIER_SVC_SEND;
	}
	st = status_line(in, n);
	if (st < 0 || (st == 0 && c->eof))
		return PORTIER_SVC_NOT;
	end = headers_end(in, n);
	if (st == 0 || (!end && !c->eof))
		return PORTIER_SVC_MORE;
	snprintf(s->name, sizeof(s->name), "http");
	header(in, end ? end : n, "Server", s->match_text,
	       sizeof(s->match_text));
	return PORTIER_SVC_DONE;
}

static const uint16_t http_ports[] = {80,   81,	  591,	3000, 5000, 8000,
				      8008, 8080, 8081, 8888, 9000, 0};

const struct portier_svc_proto portier_svc_http = {
	.name = "http",
	.ports = http_ports,
	.rarity = 1,
	.server_first = false,
	.step = http_step,
};
