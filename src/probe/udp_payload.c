/*
 * udp_payload.c - the UDP payload file (data/udp-payloads; its header says
 * the format) read into a payload set: a list of payloads and a map from
 * each port to the payload sent there.  A bad line stops the parse with
 * "file:line: reason", so a broken file sends nothing.
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "portier/bytes.h"
#include "portier/file.h"
#include "portier/net.h"
#include "portier/udp_payloads.h"

struct portier_udp_payloads {
	struct portier_udp_payload *v;
	size_t n, cap;
	/* per port: payload indexes + 1, 0 = none */
	uint16_t (*by_port)[PORTIER_UDP_PER_PORT];
};

static const char *const parser_names[PORTIER_UDP_PARSER_COUNT] = {
	"any",	"dns",	 "ntp",	 "snmp", "nbstat",    "ssdp",
	"rmcp", "mssql", "tftp", "ike",	 "memcached", "openvpn",
	"sip",	"rpc",	 "wsd",	 "coap",
};

const char *portier_udp_parser_name(enum portier_udp_parser p)
{
	return (unsigned)p < PORTIER_UDP_PARSER_COUNT ? parser_names[p] : NULL;
}

static const struct portier_udp_payload generic = {.name = "generic"};

void portier_udp_payloads_free(struct portier_udp_payloads *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++)
		portier_free(p->v[i].data);
	portier_free(p->v);
	portier_free(p->by_port);
	portier_free(p);
}

size_t portier_udp_payloads_for(const struct portier_udp_payloads *p,
				uint16_t port,
				const struct portier_udp_payload **out)
{
	size_t n = 0;

	while (p && n < PORTIER_UDP_PER_PORT && p->by_port[port][n]) {
		out[n] = &p->v[p->by_port[port][n] - 1];
		n++;
	}
	if (!n)
		out[n++] = &generic;
	return n;
}

size_t portier_udp_payloads_count(const struct portier_udp_payloads *p)
{
	return p ? p->n : 0;
}

const struct portier_udp_payload *
portier_udp_payloads_at(const struct portier_udp_payloads *p, size_t i)
{
	return p && i < p->n ? &p->v[i] : NULL;
}

/* ---- the parser ------------------------------------------------------------ */

struct cursor {
	const char *source;
	size_t line;
	struct portier_err *err;
};

static int bad(const struct cursor *c, const char *why, const char *tok)
{
	portier_err_set(c->err, PORTIER_EINVAL, "%s:%zu: %s%s%.40s%s",
			c->source, c->line, why, tok ? " '" : "",
			tok ? tok : "", tok ? "'" : "");
	portier_err_hint(
		c->err, "a payload is 'NAME PORTS PARSER DATA...', DATA as "
			"\"escaped text\" or hex bytes; see data/udp-payloads");
	return PORTIER_EINVAL;
}

static int put_byte(const struct cursor *c, struct portier_udp_payload *p,
		    int b)
{
	if (p->len >= PORTIER_UDP_PAYLOAD_MAX)
		return bad(c, "payload longer than 1400 bytes", NULL);
	p->data[p->len++] = (uint8_t)b;
	return 0;
}

/* One "quoted" token at *s (past the opening quote); advances *s. */
static int quoted(const struct cursor *c, const char **s, const char *end,
		  struct portier_udp_payload *p)
{
	const char *q = *s;
	int rc, hi, lo;

	while (q < end && *q != '"') {
		int b = (unsigned char)*q++;

		if (b == '\\') {
			if (q >= end)
				return bad(c, "escape at the end of the line",
					   NULL);
			switch (*q++) {
			case 'n':
				b = '\n';
				break;
			case 'r':
				b = '\r';
				break;
			case 't':
				b = '\t';
				break;
			case '0':
				b = 0;
				break;
			case '\\':
				b = '\\';
				break;
			case '"':
				b = '"';
				break;
			case 'x':
				hi = q < end ? portier_hex_digit(
						       (unsigned char)q[0])
					     : -1;
				lo = q + 1 < end ? portier_hex_digit(
							   (unsigned char)q[1])
						 : -1;
				if (hi < 0 || lo < 0)
					return bad(c,
						   "\\x needs two hex digits",
						   NULL);
				b = hi * 16 + lo;
				q += 2;
				break;
			default:
				return bad(c, "unknown escape", NULL);
			}
		} else if (b < 0x20 || b == 0x7f) {
			return bad(c, "control character in a string", NULL);
		}
		if ((rc = put_byte(c, p, b)) < 0)
			return rc;
	}
	if (q >= end)
		return bad(c, "string without its closing quote", NULL);
	*s = q + 1;
	return 0;
}

/* Data tokens from s to end into p. */
static int data_tokens(const struct cursor *c, const char *s, const char *end,
		       struct portier_udp_payload *p)
{
	int rc;

	for (;;) {
		const char *t;

		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if (s >= end || *s == '#')
			return 0;
		if (*s == '"') {
			s++;
			if ((rc = quoted(c, &s, end, p)) < 0)
				return rc;
			if (s < end && *s != ' ' && *s != '\t')
				return bad(c, "text after a closing quote",
					   NULL);
			continue;
		}
		if (*s == '-' &&
		    (s + 1 == end || s[1] == ' ' || s[1] == '\t')) {
			s++; /* the empty payload */
			continue;
		}
		for (t = s; t < end && *t != ' ' && *t != '\t'; t++)
			;
		if ((t - s) % 2) {
			char tok[48];

			snprintf(tok, sizeof(tok), "%.*s", (int)(t - s), s);
			return bad(c, "odd number of hex digits in", tok);
		}
		for (; s < t; s += 2) {
			int hi = portier_hex_digit((unsigned char)s[0]),
			    lo = portier_hex_digit((unsigned char)s[1]);

			if (hi < 0 || lo < 0) {
				char tok[48];

				snprintf(tok, sizeof(tok), "%.*s", (int)(t - s),
					 s);
				return bad(c, "not hex bytes or a \"string\":",
					   tok);
			}
			if ((rc = put_byte(c, p, hi * 16 + lo)) < 0)
				return rc;
		}
	}
}

/* The next whitespace-separated word of [*s, end) into buf. */
static bool word(const char **s, const char *end, char *buf, size_t cap)
{
	const char *a = *s, *b;

	while (a < end && (*a == ' ' || *a == '\t'))
		a++;
	for (b = a; b < end && *b != ' ' && *b != '\t'; b++)
		;
	if (a == b || (size_t)(b - a) >= cap) {
		if (a != b)
			snprintf(buf, cap, "%.*s", (int)(cap - 1), a);
		else
			buf[0] = '\0';
		*s = b;
		return false;
	}
	memcpy(buf, a, (size_t)(b - a));
	buf[b - a] = '\0';
	*s = b;
	return true;
}

static int name_ok(const char *n)
{
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && *n != '-' && *n != '_' &&
		    *n != '.')
			return 0;
	return 1;
}

/* A header line: NAME PORTS PARSER DATA... */
static int header(struct cursor *c, struct portier_udp_payloads *set,
		  const char *s, const char *end)
{
	struct portier_udp_payload *p;
	struct portier_ports ports = {0};
	struct portier_err perr = {0};
	char name[64], spec[1024], parser[32];
	size_t i;
	unsigned k;

	if (!word(&s, end, name, sizeof(name)) || strlen(name) >= 32 ||
	    !name_ok(name))
		return bad(c, "bad payload name", name);
	if (!word(&s, end, spec, sizeof(spec)))
		return bad(c, "missing port list after", name);
	if (!word(&s, end, parser, sizeof(parser)))
		return bad(c, "missing parser after", spec);
	if (portier_ports_parse(spec, &ports, &perr) < 0 || ports.n_udp) {
		portier_ports_release(&ports);
		return bad(c, "bad port list", spec);
	}
	for (k = 0; k < PORTIER_UDP_PARSER_COUNT; k++)
		if (strcmp(parser, parser_names[k]) == 0)
			break;
	if (k == PORTIER_UDP_PARSER_COUNT) {
		portier_ports_release(&ports);
		return bad(c, "unknown parser", parser);
	}
	if (set->n >= 65535) {
		portier_ports_release(&ports);
		return bad(c, "more than 65535 payloads", NULL);
	}
	if (portier_grow(&set->v, &set->cap, set->n + 1, sizeof(*set->v), 16) <
	    0) {
		portier_ports_release(&ports);
		return PORTIER_ENOMEM;
	}
	p = &set->v[set->n];
	memset(p, 0, sizeof(*p));
	if (!(p->data = portier_malloc(PORTIER_UDP_PAYLOAD_MAX))) {
		portier_ports_release(&ports);
		return PORTIER_ENOMEM;
	}
	set->n++;
	memcpy(p->name, name, strlen(name) + 1);
	p->parser = (enum portier_udp_parser)k;
	for (i = 0; i < ports.n_tcp; i++) {
		uint16_t *slot = set->by_port[ports.tcp[i]];

		if (slot[PORTIER_UDP_PER_PORT - 1]) {
			char tok[16];

			snprintf(tok, sizeof(tok), "%u", ports.tcp[i]);
			portier_ports_release(&ports);
			return bad(c, "more than two payloads for port", tok);
		}
		slot[slot[0] ? 1 : 0] = (uint16_t)set->n;
	}
	portier_ports_release(&ports);
	return data_tokens(c, s, end, p);
}

int portier_udp_payloads_parse(const char *text, size_t len, const char *source,
			       struct portier_udp_payloads **out,
			       struct portier_err *err)
{
	struct cursor c = {.source = source ? source : "payloads", .err = err};
	struct portier_udp_payloads *set;
	const char *s = text, *end = text + len;
	int rc = 0;

	*out = NULL;
	if (!(set = portier_calloc(1, sizeof(*set))) ||
	    !(set->by_port = portier_calloc(65536, sizeof(*set->by_port)))) {
		portier_free(set);
		return PORTIER_ENOMEM;
	}
	while (s < end && rc == 0) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end, *t;

		c.line++;
		if (e > s && e[-1] == '\r')
			e--;
		for (t = s; t < e && (*t == ' ' || *t == '\t'); t++)
			;
		if (memchr(s, '\0', (size_t)(e - s)))
			rc = bad(&c, "NUL byte in the line", NULL);
		else if (t == e || *t == '#')
			;	 /* blank or comment */
		else if (t != s) /* indented: more data for the last payload */
			rc = set->n ? data_tokens(&c, t, e, &set->v[set->n - 1])
				    : bad(&c, "data line before any payload",
					  NULL);
		else
			rc = header(&c, set, s, e);
		s = nl ? nl + 1 : end;
	}
	if (rc == 0 && !set->n) {
		c.line = 0;
		portier_err_set(err, PORTIER_EINVAL, "%s: no payloads",
				c.source);
		rc = PORTIER_EINVAL;
	}
	if (rc < 0) {
		portier_udp_payloads_free(set);
		return rc;
	}
	*out = set;
	return 0;
}

/* build/udp_payloads_data.c, written by CMake from data/udp-payloads */
extern const unsigned char portier_udp_payloads_text[];
extern const size_t portier_udp_payloads_len;

int portier_udp_payloads_builtin(struct portier_udp_payloads **out,
				 struct portier_err *err)
{
	return portier_udp_payloads_parse(
		(const char *)portier_udp_payloads_text,
		portier_udp_payloads_len, "data/udp-payloads", out, err);
}

int portier_udp_payloads_load(const char *path,
			      struct portier_udp_payloads **out,
			      struct portier_err *err)
{
	char *text = NULL;
	int rc;

	*out = NULL;
	rc = portier_file_read(AT_FDCWD, NULL, path, PORTIER_FILE_TEXT,
			       1u << 22, &text, err);
	if (rc < 0) {
		portier_free(text);
		return rc == PORTIER_ENOMEM ? rc : PORTIER_EINVAL;
	}
	rc = portier_udp_payloads_parse(text, strlen(text), path, out, err);
	portier_free(text);
	return rc;
}
