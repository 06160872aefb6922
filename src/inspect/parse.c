/*
 * parse.c - the pure parsers of text an attacker may have written: crontab
 * and unit-file lines, authorized_keys options, and the matcher that decides whether a line names the binary.
 * Every function works on a bounded (pointer, length) and never reads past
 * it; none allocates.
 */
#include <string.h>
#include <strings.h>

#include "inspect/inspect_int.h"

static bool path_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
	       ch == '-' || ch == '+' || ch == '/';
}

/* Is needle in s[0..len) with no path character on either side? */
static bool find_alone(const char *s, size_t len, const char *needle,
		       bool slash_before_ok)
{
	size_t nl = needle ? strlen(needle) : 0, i;

	if (nl == 0 || nl > len)
		return false;
	for (i = 0; i + nl <= len; i++) {
		const char *at = memchr(s + i, needle[0], len - nl - i + 1);

		if (!at)
			return false;
		i = (size_t)(at - s);
		if (memcmp(at, needle, nl) != 0)
			continue;
		/* before a path, systemd's prefixes (-, +, @, !, :) are fine;
		 * before a name, a directory */
		if (i > 0 && path_char(s[i - 1]) &&
		    (slash_before_ok ? s[i - 1] != '/'
				     : !strchr("-+@!", s[i - 1])))
			continue;
		if (i + nl < len && path_char(s[i + nl]))
			continue;
		return true;
	}
	return false;
}

static bool find_case(const char *s, size_t len, const char *needle)
{
	size_t nl = needle ? strlen(needle) : 0, i;

	for (i = 0; nl && i + nl <= len; i++)
		if (strncasecmp(s + i, needle, nl) == 0)
			return true;
	return false;
}

int inspect_match(const char *s, size_t len, const struct inspect_needles *n)
{
	if (find_alone(s, len, n->path, false) ||
	    find_alone(s, len, n->alias, false))
		return PORTIER_MATCH_PATH;
	if (find_case(s, len, n->sha256))
		return PORTIER_MATCH_HASH;
	if (find_alone(s, len, n->name, true))
		return PORTIER_MATCH_NAME;
	if ((n->dir && n->dir[0] && memmem(s, len, n->dir, strlen(n->dir))) ||
	    (n->dir_alias && n->dir_alias[0] &&
	     memmem(s, len, n->dir_alias, strlen(n->dir_alias))))
		return PORTIER_MATCH_DIR;
	return -1;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* The next blank-separated field of [*p, end): start and length. */
static bool field(const char **p, const char *end, const char **f, size_t *fl)
{
	while (*p < end && is_space(**p))
		(*p)++;
	if (*p >= end)
		return false;
	*f = *p;
	while (*p < end && !is_space(**p))
		(*p)++;
	*fl = (size_t)(*p - *f);
	return true;
}

int inspect_cron_parse(const char *line, size_t len, bool has_user,
		       struct inspect_cron *c)
{
	const char *p = line, *end = line + len, *f = NULL;
	size_t fl = 0;
	int i, fields;

	memset(c, 0, sizeof(*c));
	while (len && (line[len - 1] == '\r' || is_space(line[len - 1])))
		end = line + --len;
	while (p < end && is_space(*p))
		p++;
	if (p == end || *p == '#')
		return 0;
	/* NAME=value: an environment line (the name has no blank) */
	{
		const char *eq = memchr(p, '=', (size_t)(end - p));
		const char *sp = p;

		while (sp < end && !is_space(*sp) && *sp != '=')
			sp++;
		if (eq && sp == eq && *p != '@' && *p != '*' &&
		    !(*p >= '0' && *p <= '9'))
			return 0;
	}
	c->sched = p;
	fields = *p == '@' ? 1 : 5;
	for (i = 0; i < fields; i++) {
		if (!field(&p, end, &f, &fl))
			return -1;
		if (*f != '@') {
			size_t k;

			for (k = 0; k < fl; k++)
				if (!f[k] ||
				    !strchr("0123456789*/,-abcdefghijklmnopqrs"
					    "tuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
					    f[k]))
					return -1;
		}
	}
	c->sched_len = (size_t)(f + fl - c->sched);
	if (has_user) {
		if (!field(&p, end, &c->user, &c->user_len))
			return -1;
	}
	while (p < end && is_space(*p))
		p++;
	if (p == end)
		return -1;
	c->cmd = p;
	c->cmd_len = (size_t)(end - p);
	return 1;
}

int inspect_unit_parse(const char *line, size_t len, struct inspect_unit_kv *kv)
{
	const char *p = line, *end = line + len, *eq, *k;

	memset(kv, 0, sizeof(*kv));
	kv->val = "";
	while (p < end && (is_space(*p) || *p == '\r'))
		p++;
	while (end > p && (is_space(end[-1]) || end[-1] == '\r'))
		end--;
	if (p == end || *p == '#' || *p == ';')
		return 0;
	if (*p == '[') {
		if (end[-1] != ']' || end - p < 3)
			return -1;
		kv->key = p + 1;
		kv->key_len = (size_t)(end - p - 2);
		return 2;
	}
	eq = memchr(p, '=', (size_t)(end - p));
	if (!eq || eq == p)
		return -1;
	for (k = eq; k > p && is_space(k[-1]); k--)
		;
	kv->key = p;
	kv->key_len = (size_t)(k - p);
	for (k = eq + 1; k < end && is_space(*k); k++)
		;
	kv->val = k;
	kv->val_len = (size_t)(end - k);
	return 1;
}

bool inspect_ssh_command(const char *line, size_t len, const char **val,
			 size_t *val_len)
{
	const char *p = line, *end = line + len;

	while (p < end && is_space(*p))
		p++;
	/* options come first; a line that starts with its key type has none */
	while (p < end && !is_space(*p)) {
		const char *opt = p;
		bool quoted = false;

		if ((size_t)(end - opt) > 9 &&
		    strncasecmp(opt, "command=\"", 9) == 0) {
			const char *v = opt + 9, *q;

			for (q = v; q < end && *q != '"'; q++)
				if (*q == '\\' && q + 1 < end)
					q++;
			if (q >= end)
				return false; /* unterminated */
			*val = v;
			*val_len = (size_t)(q - v);
			return true;
		}
		/* skip this option, quotes included, to the next comma */
		for (; p < end; p++) {
			if (*p == '\\' && quoted && p + 1 < end) {
				p++;
				continue;
			}
			if (*p == '"')
				quoted = !quoted;
			else if (!quoted && (*p == ',' || is_space(*p)))
				break;
		}
		if (p < end && *p == ',')
			p++;
		else
			break;
	}
	return false;
}
