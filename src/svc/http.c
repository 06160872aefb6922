/*
 * http.c - the HTTP module (client-first): GET / with a Host header, read
 * with the modules' one HTTP response reader (http_resp.c).  A reply that
 * is an HTTP/1.x response is HTTP; its Server header becomes match_text for
 * the fingerprints (data/services), and what nmap's http-title script
 * shows - the page's <title>, or where a redirect points - is a finding of
 * no risk.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "svc/svc_int.h"

static const struct portier_probe_finding f_title = {
	PORTIER_RISK_NONE,
	"http-title",
	"what the server's front page says about itself",
	"nothing to do when this is the site you meant to publish",
};

/* The text between <title> and </title> in body[0..n), or false. */
static bool title_of(const uint8_t *b, size_t n, char *dst, size_t cap)
{
	size_t i, start = 0, end = 0;

	for (i = 0; i + 7 <= n && !start; i++)
		if (strncasecmp((const char *)b + i, "<title", 6) == 0) {
			const uint8_t *gt = memchr(b + i, '>', n - i);

			if (!gt)
				return false;
			start = (size_t)(gt - b) + 1;
		}
	if (!start)
		return false;
	for (i = start; i + 8 <= n; i++)
		if (strncasecmp((const char *)b + i, "</title", 7) == 0) {
			end = i;
			break;
		}
	if (!end)
		end = n; /* cut: what came */
	while (start < end && (b[start] == ' ' || b[start] == '\n' ||
			       b[start] == '\r' || b[start] == '\t'))
		start++;
	return svc_text(dst, cap, b + start, end - start) > 0;
}

static enum portier_svc_verdict
http_step(struct portier_svc_conv *c, const uint8_t *in, size_t n, uint8_t *out,
	  size_t cap, size_t *out_len, struct portier_svc *s)
{
	uint8_t body[4096]; /* a chunked body, joined */
	struct svc_http_resp r;
	enum portier_svc_verdict v;
	const uint8_t *val;
	size_t len;
	char text[128];

	memset(&r, 0, sizeof(r));
	v = svc_http_step(c, "/", in, n, out, cap, out_len, body, sizeof(body),
			  &r);
	if (v != PORTIER_SVC_DONE)
		return v;
	svc_recognised(s, "http");
	if (svc_http_header(&r, "Server", &val, &len))
		svc_text(s->match_text, sizeof(s->match_text), val, len);
	if (r.status >= 300 && r.status < 400 &&
	    svc_http_header(&r, "Location", &val, &len)) {
		svc_text(text, sizeof(text), val, len);
		portier_svc_add_finding(s, &f_title,
					"Did not follow redirect to %s", text);
	} else if (title_of(r.body, r.body_len, text, sizeof(text))) {
		portier_svc_add_finding(s, &f_title, "%s", text);
	}
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
