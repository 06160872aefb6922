/*
 * kb_parse.c - parsing and checking one line of the knowledge-base files.
 *
 * The checks are strict on purpose: the generator refuses the build on the
 * first bad line, so every entry in the binary is known to have valid ports,
 * protocols, risk and scope, and no stray control characters or invalid
 * UTF-8 that could corrupt a terminal or a JSON document later.
 */
#include <ctype.h>
#include <string.h>

#include "kb/kb_parse.h"

bool kb_line_is_skippable(const char *line)
{
	while (*line == ' ')
		line++;
	return *line == '\0' || *line == '#';
}

static int check_text(const char *line, struct portier_err *err)
{
	const unsigned char *p = (const unsigned char *)line;

	while (*p) {
		uint32_t cp;
		size_t n;

		if (*p == '\t') {
			p++;
			continue;
		}
		if (*p < 0x20 || *p == 0x7f)
			return portier_err_set(
				err, PORTIER_EINVAL,
				"control character 0x%02x at column %zu", *p,
				(size_t)(p - (const unsigned char *)line) + 1);
		n = portier_utf8_len((const char *)p, &cp);
		if (!n)
			return portier_err_set(
				err, PORTIER_EINVAL,
				"invalid UTF-8 at column %zu",
				(size_t)(p - (const unsigned char *)line) + 1);
		if (portier_text_is_display_control(cp))
			return portier_err_set(
				err, PORTIER_EINVAL,
				"control character U+%04X at column %zu",
				(unsigned)cp,
				(size_t)(p - (const unsigned char *)line) + 1);
		p += n;
	}
	return 0;
}

/* Split line on TABs into exactly n fields. */
static int split_fields(char *line, char **fields, size_t n,
			struct portier_err *err)
{
	size_t i = 0;
	char *p = line;

	for (;;) {
		char *tab = strchr(p, '\t');

		if (i == n)
			return portier_err_set(err, PORTIER_EINVAL,
					       "more than %zu fields", n);
		fields[i++] = p;
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	if (i != n)
		return portier_err_set(
			err, PORTIER_EINVAL,
			"%zu fields, expected %zu (TAB-separated)", i, n);
	for (i = 0; i < n; i++) {
		size_t len = strlen(fields[i]);

		if (!len)
			return portier_err_set(
				err, PORTIER_EINVAL,
				"field %zu is empty (write '-' for nothing)",
				i + 1);
		if (fields[i][0] == ' ' || fields[i][len - 1] == ' ')
			return portier_err_set(
				err, PORTIER_EINVAL,
				"field %zu has leading or trailing blanks",
				i + 1);
	}
	return 0;
}

static const char *dash_to_empty(const char *s)
{
	return strcmp(s, "-") == 0 ? "" : s;
}

static int parse_port(const char *s, uint16_t *port, struct portier_err *err)
{
	unsigned long v;

	if (portier_parse_ulong(s, 0, 65535, &v) < 0)
		return portier_err_set(err, PORTIER_EINVAL,
				       "bad port '%s' (expected 0-65535)", s);
	*port = (uint16_t)v;
	return 0;
}

static int parse_port_range(char *s, uint16_t *lo, uint16_t *hi,
			    struct portier_err *err)
{
	char *dash = strchr(s, '-');
	int rc;

	if (!dash) {
		rc = parse_port(s, lo, err);
		*hi = *lo;
		return rc;
	}
	*dash = '\0';
	rc = parse_port(s, lo, err);
	if (!rc)
		rc = parse_port(dash + 1, hi, err);
	*dash = '-';
	if (rc)
		return rc;
	if (*lo >= *hi)
		return portier_err_set(
			err, PORTIER_EINVAL,
			"bad range '%s' (first port must be below the last)",
			s);
	return 0;
}

static int parse_scope(const char *s, uint8_t *scope, struct portier_err *err)
{
	static const char *const names[] = {"any", "lan", "local"};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*scope = (uint8_t)i;
			return 0;
		}
	}
	return portier_err_set(err, PORTIER_EINVAL,
			       "bad scope '%s' (expected any, lan or local)",
			       s);
}

static int check_required(const char *value, const char *what,
			  struct portier_err *err)
{
	if (!*value)
		return portier_err_set(err, PORTIER_EINVAL,
				       "%s must not be '-'", what);
	return 0;
}

int kb_parse_entry_line(char *line, struct portier_kb_entry *e,
			struct portier_err *err)
{
	char *f[KB_ENTRY_FIELDS];
	enum portier_risk risk;
	unsigned protos;
	int rc;

	memset(e, 0, sizeof(*e));
	rc = check_text(line, err);
	if (!rc)
		rc = split_fields(line, f, KB_ENTRY_FIELDS, err);
	if (!rc)
		rc = parse_port_range(f[0], &e->lo, &e->hi, err);
	if (rc)
		return rc;
	if (portier_proto_parse(f[1], &protos) < 0 ||
	    (protos & ~(unsigned)(PORTIER_PROTO_TCP | PORTIER_PROTO_UDP)))
		return portier_err_set(
			err, PORTIER_EINVAL,
			"bad proto '%s' (expected tcp, udp or tcp+udp)", f[1]);
	e->protos = (uint8_t)protos;
	if (portier_risk_parse(f[3], &risk) < 0)
		return portier_err_set(
			err, PORTIER_EINVAL,
			"bad risk '%s' (expected high, medium, low or none)",
			f[3]);
	e->risk = (uint8_t)risk;
	rc = parse_scope(f[4], &e->scope, err);
	if (rc)
		return rc;
	e->service = dash_to_empty(f[2]);
	e->summary = dash_to_empty(f[5]);
	e->danger = dash_to_empty(f[6]);
	e->trojans = dash_to_empty(f[7]);
	e->advice_linux = dash_to_empty(f[8]);
	e->advice_windows = dash_to_empty(f[9]);
	rc = check_required(e->summary, "summary", err);
	if (!rc)
		rc = check_required(e->advice_linux, "linux advice", err);
	if (!rc)
		rc = check_required(e->advice_windows, "windows advice", err);
	return rc;
}

int kb_parse_iana_line(char *line, struct portier_iana_entry *e,
		       struct portier_err *err)
{
	char *f[KB_IANA_FIELDS];
	unsigned proto;
	int rc;

	memset(e, 0, sizeof(*e));
	rc = check_text(line, err);
	if (!rc)
		rc = split_fields(line, f, KB_IANA_FIELDS, err);
	if (!rc)
		rc = parse_port(f[0], &e->port, err);
	if (rc)
		return rc;
	if (portier_proto_parse(f[1], &proto) < 0 || (proto & (proto - 1)) != 0)
		return portier_err_set(
			err, PORTIER_EINVAL,
			"bad proto '%s' (expected tcp, udp, sctp or dccp)",
			f[1]);
	e->proto = (uint8_t)proto;
	e->name = f[2];
	e->description = dash_to_empty(f[3]);
	return check_required(e->name, "name", err);
}

int kb_entry_cmp(const struct portier_kb_entry *a,
		 const struct portier_kb_entry *b)
{
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	/* byte order of the proto names: tcp < tcp+udp < udp */
	return strcmp(portier_proto_name(a->protos),
		      portier_proto_name(b->protos));
}

bool kb_entry_same_key(const struct portier_kb_entry *a,
		       const struct portier_kb_entry *b)
{
	return a->lo == b->lo && a->hi == b->hi && (a->protos & b->protos);
}

int kb_iana_cmp(const struct portier_iana_entry *a,
		const struct portier_iana_entry *b)
{
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return strcmp(a->name, b->name);
}
