/*
 * fp.c - service fingerprints (data/services; its header says the format):
 * a tab-separated line per entry, each pattern compiled once as a POSIX
 * extended regular expression, the templates filled from its groups.  A
 * bad line stops the parse with "file:line: reason", so a broken file is
 * never half used.
 */
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "portier/svc_run.h"

#define FP_FIELDS 7

struct fp_entry {
	struct portier_svc_fp e;
	regex_t re;
};

struct portier_svc_fps {
	struct fp_entry *v;
	size_t n, cap;
};

void portier_svc_fps_free(struct portier_svc_fps *fps)
{
	size_t i;

	if (!fps)
		return;
	for (i = 0; i < fps->n; i++) {
		regfree(&fps->v[i].re);
		/* every string of an entry lives in one allocation */
		portier_free(fps->v[i].e.service);
	}
	portier_free(fps->v);
	portier_free(fps);
}

size_t portier_svc_fps_count(const struct portier_svc_fps *fps)
{
	return fps ? fps->n : 0;
}

const struct portier_svc_fp *
portier_svc_fp_at(const struct portier_svc_fps *fps, size_t i)
{
	return fps && i < fps->n ? &fps->v[i].e : NULL;
}

/* Does the template use a group the pattern lacks?  The highest $N, or 0. */
static unsigned template_max_group(const char *t)
{
	unsigned max = 0;

	for (; *t; t++)
		if (t[0] == '$' && t[1] >= '1' && t[1] <= '9' &&
		    (unsigned)(t[1] - '0') > max)
			max = (unsigned)(t[1] - '0');
	return max;
}

/* Split line (NUL-terminated, modified) into FP_FIELDS tab-separated
 * fields; "-" is an empty one.  Returns the count found. */
static size_t split(char *line, char *f[FP_FIELDS])
{
	size_t n = 0;
	char *p = line;

	while (n < FP_FIELDS) {
		f[n++] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p++ = '\0';
	}
	if (p) /* more fields than we know */
		return FP_FIELDS + 1;
	for (size_t k = 0; k < n; k++)
		if (strcmp(f[k], "-") == 0)
			f[k][0] = '\0';
	return n;
}

static int parse_line(struct portier_svc_fps *fps, const char *src,
		      unsigned lineno, const char *line, size_t len,
		      struct portier_err *err)
{
	static const char *const names[FP_FIELDS] = {
		"service",   "pattern", "product", "version",
		"extrainfo", "ostype",	"example"};
	struct fp_entry *fe = NULL;
	char *copy, *f[FP_FIELDS], msg[128];
	size_t n, k;
	int rc;

	copy = portier_strndup(line, len);
	if (!copy)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	if (memchr(line, '\0', len) || strpbrk(copy, "\r\v\f")) {
		rc = portier_err_set(err, PORTIER_EINVAL,
				     "%s:%u: a control character in the line",
				     src, lineno);
		goto fail;
	}
	n = split(copy, f);
	if (n != FP_FIELDS) {
		rc = portier_err_set(err, PORTIER_EINVAL,
				     "%s:%u: %s %d tab-separated fields "
				     "(service, pattern, product, version, "
				     "extrainfo, ostype, example)",
				     src, lineno,
				     n > FP_FIELDS ? "more than" : "fewer than",
				     FP_FIELDS);
		goto fail;
	}
	for (k = 0; k < FP_FIELDS; k++) {
		/* service, pattern, product and example are required */
		if (!f[k][0] && (k <= 2 || k == 6)) {
			rc = portier_err_set(err, PORTIER_EINVAL,
					     "%s:%u: the %s is empty", src,
					     lineno, names[k]);
			goto fail;
		}
	}
	if (strlen(f[0]) >= sizeof(((struct portier_svc *)0)->name)) {
		rc = portier_err_set(err, PORTIER_EINVAL,
				     "%s:%u: service name '%s' is too long",
				     src, lineno, f[0]);
		goto fail;
	}
	if (portier_grow(&fps->v, &fps->cap, fps->n + 1, sizeof(*fps->v), 64) <
	    0) {
		rc = portier_err_set(err, PORTIER_ENOMEM, "out of memory");
		goto fail;
	}
	fe = &fps->v[fps->n];
	memset(fe, 0, sizeof(*fe));
	rc = regcomp(&fe->re, f[1], REG_EXTENDED);
	if (rc != 0) {
		regerror(rc, &fe->re, msg, sizeof(msg));
		regfree(&fe->re);
		fe = NULL;
		rc = portier_err_set(err, PORTIER_EINVAL,
				     "%s:%u: bad pattern: %s", src, lineno,
				     msg);
		goto fail;
	}
	for (k = 2; k < 6; k++) {
		unsigned g = template_max_group(f[k]);

		if (g <= fe->re.re_nsub)
			continue;
		rc = portier_err_set(err, PORTIER_EINVAL,
				     "%s:%u: the %s uses $%u but the pattern "
				     "has %zu group%s",
				     src, lineno, names[k], g, fe->re.re_nsub,
				     fe->re.re_nsub == 1 ? "" : "s");
		goto fail;
	}
	fe->e = (struct portier_svc_fp){f[0], f[1], f[2], f[3],
					f[4], f[5], f[6], lineno};
	fps->n++;
	/* the example is the entry's test: it must match */
	if (portier_svc_fp_match(fps, fps->n - 1, f[6],
				 &(struct portier_svc){0}))
		return 0;
	fps->n--;
	rc = portier_err_set(err, PORTIER_EINVAL,
			     "%s:%u: the example does not match the pattern",
			     src, lineno);
fail:
	if (fe)
		regfree(&fe->re);
	portier_free(copy);
	return rc;
}

int portier_svc_fps_parse(const char *text, size_t len, const char *source,
			  struct portier_svc_fps **out, struct portier_err *err)
{
	struct portier_svc_fps *fps = portier_calloc(1, sizeof(*fps));
	size_t pos = 0;
	unsigned lineno = 0;

	*out = NULL;
	if (!fps)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - line) : len - pos;
		int rc;

		pos += ll + (nl != NULL);
		lineno++;
		if (ll && line[ll - 1] == '\r')
			ll--;
		if (!ll || line[0] == '#')
			continue;
		rc = parse_line(fps, source, lineno, line, ll, err);
		if (rc < 0) {
			portier_svc_fps_free(fps);
			return rc;
		}
	}
	*out = fps;
	return 0;
}

extern const unsigned char portier_svc_fps_text[];
extern const size_t portier_svc_fps_len;

int portier_svc_fps_builtin(struct portier_svc_fps **out,
			    struct portier_err *err)
{
	return portier_svc_fps_parse((const char *)portier_svc_fps_text,
				     portier_svc_fps_len, "data/services", out,
				     err);
}

/* Fill dst (cap bytes) from template t with groups m of text: $N is group
 * N (empty when it did not take part); the result is one clean line with
 * single spaces and no space at either end. */
static void fill(char *dst, size_t cap, const char *t, const char *text,
		 const regmatch_t *m)
{
	size_t o = 0;
	bool space = false;

	for (; *t && o + 1 < cap; t++) {
		const char *s = t;
		size_t n = 1, k;

		if (t[0] == '$' && t[1] >= '1' && t[1] <= '9') {
			const regmatch_t *g = &m[t[1] - '0'];

			t++;
			if (g->rm_so < 0)
				continue;
			s = text + g->rm_so;
			n = (size_t)(g->rm_eo - g->rm_so);
		}
		for (k = 0; k < n && o + 1 < cap; k++) {
			unsigned char c = (unsigned char)s[k];

			if (c <= ' ' || c == 0x7f) {
				space = o > 0;
				continue;
			}
			if (space && o + 2 < cap)
				dst[o++] = ' ';
			space = false;
			dst[o++] = (char)c;
		}
	}
	dst[o] = '\0';
}

bool portier_svc_fp_match(const struct portier_svc_fps *fps, size_t i,
			  const char *text, struct portier_svc *s)
{
	const struct fp_entry *fe;
	regmatch_t m[10];

	if (!fps || i >= fps->n)
		return false;
	fe = &fps->v[i];
	if (regexec(&fe->re, text, 10, m, 0) != 0)
		return false;
	/* an empty template leaves what the module found (a version the
	 * protocol stated, the security types it listed) */
	fill(s->product, sizeof(s->product), fe->e.product, text, m);
	if (fe->e.version[0])
		fill(s->version, sizeof(s->version), fe->e.version, text, m);
	if (fe->e.extrainfo[0])
		fill(s->extrainfo, sizeof(s->extrainfo), fe->e.extrainfo, text,
		     m);
	if (fe->e.ostype[0])
		fill(s->ostype, sizeof(s->ostype), fe->e.ostype, text, m);
	if (!s->name[0])
		snprintf(s->name, sizeof(s->name), "%s", fe->e.service);
	return true;
}

long portier_svc_fps_apply(const struct portier_svc_fps *fps,
			   const char *module, struct portier_svc *s)
{
	size_t i;

	if (!fps || !s->match_text[0])
		return -1;
	for (i = 0; i < fps->n; i++) {
		if (module && module[0] &&
		    strcmp(module, fps->v[i].e.service) != 0)
			continue;
		if (portier_svc_fp_match(fps, i, s->match_text, s)) {
			s->conf = 10;
			return (long)i;
		}
	}
	return -1;
}
