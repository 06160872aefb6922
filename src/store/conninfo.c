/*
 * conninfo.c - telling a PostgreSQL connection string from a file name,
 * and printing one without its password.  Pure functions.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "portier/store.h"

static bool key_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

bool portier_store_is_remote(const char *name)
{
	const char *p = name;

	if (!name)
		return false;
	if (strncasecmp(name, "postgresql://", 13) == 0 ||
	    strncasecmp(name, "postgres://", 11) == 0)
		return true;
	/* libpq's keyword form: the first word is a keyword and '=' follows
	 * it (spaces allowed around it); a path's first word has '/' or '.'
	 * or no '=' after it. */
	while (isspace((unsigned char)*p))
		p++;
	if (!isalpha((unsigned char)*p))
		return false;
	while (key_char(*p))
		p++;
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '=';
}

/* Append n bytes of s to buf (len), keeping the NUL. */
static void put(char *buf, size_t len, size_t *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n && *o + 1 < len; i++)
		buf[(*o)++] = s[i];
	buf[*o < len ? *o : len - 1] = '\0';
}

/* A URI: the password between "user:" and "@" of the authority, and any
 * password= query parameter. */
static void redact_uri(const char *s, char *buf, size_t len)
{
	const char *auth = strstr(s, "://") + 3;
	size_t alen = strcspn(auth, "/?#");
	const char *at = NULL, *colon, *q;
	size_t o = 0;

	for (size_t i = 0; i < alen; i++)
		if (auth[i] == '@')
			at = auth + i;
	colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (colon) {
		put(buf, len, &o, s, (size_t)(colon + 1 - s));
		put(buf, len, &o, "***", 3);
		s = at;
	}
	q = strchr(s, '?');
	while (q) {
		const char *v = q + 1;
		size_t k = strcspn(v, "=&#");

		put(buf, len, &o, s, (size_t)(v - s));
		s = v;
		if (k == 8 && strncasecmp(v, "password", 8) == 0 &&
		    v[8] == '=') {
			put(buf, len, &o, v, 9);
			put(buf, len, &o, "***", 3);
			s = v + 9 + strcspn(v + 9, "&#");
		}
		q = strchr(s, '&');
		if (q && strchr(s, '#') && strchr(s, '#') < q)
			q = NULL;
	}
	put(buf, len, &o, s, strlen(s));
}

/* The keyword form: each password=VALUE (VALUE bare or in single quotes,
 * with backslash escapes) becomes password=***. */
static void redact_keywords(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	while (*s) {
		const char *k = s, *v;
		size_t kl;

		while (isspace((unsigned char)*s))
			s++;
		put(buf, len, &o, k, (size_t)(s - k));
		k = s;
		while (key_char(*s))
			s++;
		kl = (size_t)(s - k);
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s != '=') { /* not key=value: copy the rest as it is */
			put(buf, len, &o, k, strlen(k));
			return;
		}
		s++;
		while (*s == ' ' || *s == '\t')
			s++;
		v = s;
		if (*s == '\'') {
			for (s++; *s && *s != '\''; s++)
				if (*s == '\\' && s[1])
					s++;
			if (*s)
				s++;
		} else {
			for (; *s && !isspace((unsigned char)*s); s++)
				if (*s == '\\' && s[1])
					s++;
		}
		put(buf, len, &o, k, (size_t)(v - k));
		if (kl == 8 && strncasecmp(k, "password", 8) == 0)
			put(buf, len, &o, "***", 3);
		else
			put(buf, len, &o, v, (size_t)(s - v));
	}
}

void portier_store_redact(const char *conninfo, char *buf, size_t len)
{
	if (!len)
		return;
	buf[0] = '\0';
	if (!conninfo)
		return;
	if (strstr(conninfo, "://") && portier_store_is_remote(conninfo))
		redact_uri(conninfo, buf, len);
	else if (portier_store_is_remote(conninfo))
		redact_keywords(conninfo, buf, len);
	else
		put(buf, len, &(size_t){0}, conninfo, strlen(conninfo));
}
