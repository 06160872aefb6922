/*
 * rulecheck.c - the rules of portier's chain compared with the ones portier
 * would write for the policy read back from the kernel.
 *
 * readback.c takes the policy from the sets and the chain's policy alone;
 * the rules follow from them (render.c), so they carry nothing more.  But
 * a rule someone added to portier's chain by hand ("nft add rule inet
 * portier input tcp dport 8080 accept") would vanish at the next apply,
 * which replaces the table; so every rule in the kernel must be one that
 * rendering the read-back policy produces, and one that is not is reported
 * (PORTIER_EPROTO) rather than silently dropped.
 *
 * Both sides are nft text: the kernel's stateless listing of the table
 * (counters without values) and the rendered script.  Only the lines of
 * chain input's body count, without its "type ... hook" line; each line is
 * folded (blanks collapsed, quotes dropped, the items between { and }
 * sorted and joined by bare commas, since nft lists an anonymous set in
 * its own order, and the braces dropped, since versions differ in writing
 * "ct state established,related" with or without them) before they
 * are compared.  Each rule in the kernel must match a rendered rule not
 * matched yet; a rendered rule missing from the kernel is no error (the
 * next apply writes it again).
 */
#include <stdlib.h>
#include <string.h>

#include "fw/fw_int.h"

#define MAX_RULES    64
#define LINE_MAX_LEN 1024
#define PAD	     '\001'

struct rules {
	char *line[MAX_RULES];
	size_t n;
	bool overflow;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the comma-separated items of one "{ a, b }" group in place. */
static void sort_group(char *open, char *close)
{
	char buf[LINE_MAX_LEN], *items[128], *save = NULL, *tok, *out;
	size_t n = 0, i, len = (size_t)(close - open - 1);

	if (len >= sizeof(buf))
		return;
	memcpy(buf, open + 1, len);
	buf[len] = '\0';
	for (tok = strtok_r(buf, ",", &save); tok && n < 128;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		for (i = strlen(tok); i > 0 && tok[i - 1] == ' '; i--)
			tok[i - 1] = '\0';
		items[n++] = tok;
	}
	if (tok)
		return; /* too many: leave as it is */
	qsort(items, n, sizeof(items[0]), cmp_str);
	/* "a,b": never longer than what it replaces (items lost blanks) */
	out = open + 1;
	for (i = 0; i < n; i++) {
		size_t l = strlen(items[i]);

		memcpy(out, items[i], l);
		out += l;
		if (i + 1 < n)
			*out++ = ',';
	}
	while (out < close)
		*out++ = PAD; /* dropped by fold */
}

/* Fold one rule line into out: the form both sides are compared in. */
static void fold(const char *line, size_t len, char *out, size_t cap)
{
	char tmp[LINE_MAX_LEN], *o, *open;
	size_t i, n = 0;
	bool blank = false;

	if (len >= sizeof(tmp))
		len = sizeof(tmp) - 1;
	memcpy(tmp, line, len);
	tmp[len] = '\0';
	for (o = tmp; (open = strchr(o, '{')) != NULL; o = open + 1) {
		char *close = strchr(open, '}');

		if (!close)
			break;
		sort_group(open, close);
		open = close;
	}
	for (i = 0; tmp[i] && n + 1 < cap; i++) {
		char c = tmp[i];

		if (c == '"' || c == PAD || c == '{' || c == '}')
			continue; /* "{ a, b }" and "a,b" list the same */
		if (c == ' ' || c == '\t') {
			blank = n > 0;
			continue;
		}
		if (blank)
			out[n++] = ' ';
		blank = false;
		if (n + 1 < cap)
			out[n++] = c;
	}
	out[n] = '\0';
}

/* The folded rule lines of "chain input { ... }" in text. */
static int chain_rules(const char *text, struct rules *r)
{
	const char *p = strstr(text ? text : "", "chain " FW_CHAIN " {");

	memset(r, 0, sizeof(*r));
	if (!p)
		return 0;
	p = strchr(p, '\n');
	while (p && *p) {
		const char *line = p + 1, *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char buf[LINE_MAX_LEN];

		p = end;
		while (len && (*line == ' ' || *line == '\t')) {
			line++;
			len--;
		}
		if (len && *line == '}')
			break; /* the chain's end */
		fold(line, len, buf, sizeof(buf));
		if (!*buf || strncmp(buf, "type ", 5) == 0)
			continue; /* the hook and policy line */
		if (r->n == MAX_RULES) {
			r->overflow = true;
			break;
		}
		r->line[r->n] = portier_strdup(buf);
		if (!r->line[r->n])
			return PORTIER_ENOMEM;
		r->n++;
	}
	return 0;
}

static void rules_free(struct rules *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		portier_free(r->line[i]);
	r->n = 0;
}

int fw_rules_check(const char *listing, const char *rendered,
		   struct portier_err *err)
{
	struct rules have, want;
	bool used[MAX_RULES] = {false};
	const char *foreign = NULL;
	size_t i, j;
	int rc;

	rc = chain_rules(listing, &have);
	if (rc == 0)
		rc = chain_rules(rendered, &want);
	if (rc < 0) {
		rules_free(&have);
		rules_free(&want);
		return portier_err_set(err, rc, "out of memory");
	}
	for (i = 0; i < have.n && !foreign; i++) {
		for (j = 0; j < want.n; j++)
			if (!used[j] && strcmp(have.line[i], want.line[j]) == 0)
				break;
		if (j < want.n)
			used[j] = true;
		else
			foreign = have.line[i];
	}
	if (!foreign && have.overflow)
		foreign = "(more rules than portier ever writes)";
	if (foreign) {
		portier_err_set(err, PORTIER_EPROTO,
				"table inet " PORTIER_FW_TABLE " holds a rule "
				"portier did not write: '%.200s'",
				foreign);
		portier_err_hint(err,
				 "someone changed portier's table by hand "
				 "and the next change would drop it; see "
				 "'nft -a list table inet " PORTIER_FW_TABLE
				 "', move such rules to a table of your "
				 "own");
		rc = PORTIER_EPROTO;
	}
	rules_free(&have);
	rules_free(&want);
	return rc;
}
