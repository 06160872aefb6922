/*
 * svc_util.c - the small readers the service modules share (svc_int.h):
 * lines, untrusted text, tokens, a SEND, a JSON string by path.
 */
#include <ctype.h>
#include <string.h>

#include <jansson.h>

#include "portier/common.h"
#include "svc/svc_int.h"

bool svc_line(const uint8_t *in, size_t n, size_t off, size_t *len,
	      size_t *next)
{
	const uint8_t *lf;
	size_t l;

	if (off >= n)
		return false;
	lf = memchr(in + off, '\n', n - off);
	if (!lf)
		return false;
	l = (size_t)(lf - (in + off));
	*next = off + l + 1;
	if (l > 0 && in[off + l - 1] == '\r')
		l--;
	*len = l;
	return true;
}

bool svc_starts(const uint8_t *p, size_t n, const char *prefix, bool nocase)
{
	size_t k = strlen(prefix);

	if (n < k)
		return false;
	if (nocase)
		return strncasecmp((const char *)p, prefix, k) == 0 &&
		       memchr(p, 0, k) == NULL;
	return memcmp(p, prefix, k) == 0;
}

size_t svc_text(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	char raw[512]; /* longer than any result field */
	size_t i;

	if (cap == 0)
		return 0;
	for (i = 0; i < n && i + 1 < sizeof(raw) && p[i] != 0; i++)
		raw[i] = (char)p[i];
	raw[i] = '\0';
	portier_text_clean(dst, cap, raw, PORTIER_TEXT_LINE);
	return strlen(dst);
}

enum portier_svc_verdict svc_send(const struct portier_svc_conv *c,
				  const char *s, uint8_t *out, size_t cap,
				  size_t *out_len,
				  enum portier_svc_verdict otherwise)
{
	size_t k = strlen(s);

	if (c->eof || k > cap)
		return otherwise;
	memcpy(out, s, k);
	*out_len = k;
	return PORTIER_SVC_SEND;
}

enum portier_svc_verdict svc_first_line(const struct portier_svc_conv *c,
					const uint8_t *in, size_t n,
					const char *prefix, size_t max,
					size_t *len)
{
	size_t k = strlen(prefix), next;

	if (n > 0 && memcmp(in, prefix, n < k ? n : k) != 0)
		return PORTIER_SVC_NOT;
	if (!svc_line(in, n, 0, len, &next))
		return svc_final(c, n) || n > max ? PORTIER_SVC_NOT
						  : PORTIER_SVC_MORE;
	return *len >= k && *len <= max ? PORTIER_SVC_DONE : PORTIER_SVC_NOT;
}

bool svc_port_in(const uint16_t *ports, uint16_t port)
{
	for (; *ports; ports++)
		if (*ports == port)
			return true;
	return false;
}

void svc_recognised(struct portier_svc *s, const char *name)
{
	portier_strlcpy(s->name, name, sizeof(s->name));
	s->conf = 8;
	s->probed = true;
}

bool svc_has_word(const uint8_t *p, size_t n, const char *word)
{
	size_t wl = strlen(word), i = 0, start, tl;
	bool prefix = wl > 0 && (word[wl - 1] == '=' || word[wl - 1] == '*');
	size_t cmp = (wl > 0 && word[wl - 1] == '*') ? wl - 1 : wl;

	while (i < n) {
		while (i < n && (p[i] == ' ' || p[i] == ','))
			i++;
		start = i;
		while (i < n && p[i] != ' ' && p[i] != ',')
			i++;
		tl = i - start;
		if (tl == 0)
			continue;
		if ((prefix ? tl >= cmp : tl == wl) &&
		    strncasecmp((const char *)p + start, word, cmp) == 0)
			return true;
	}
	return false;
}

bool svc_json_string(const uint8_t *p, size_t n, const char *path, char *dst,
		     size_t cap)
{
	json_t *root, *v;
	const char *seg = path, *dot;
	char key[64];
	bool ok = false;

	root = json_loadb((const char *)p, n, JSON_DISABLE_EOF_CHECK, NULL);
	if (!root)
		return false;
	v = root;
	while (v && seg) {
		size_t kl;

		dot = strchr(seg, '.');
		kl = dot ? (size_t)(dot - seg) : strlen(seg);
		if (kl >= sizeof(key)) {
			v = NULL;
			break;
		}
		memcpy(key, seg, kl);
		key[kl] = '\0';
		v = json_is_object(v) ? json_object_get(v, key) : NULL;
		seg = dot ? dot + 1 : NULL;
	}
	if (v && json_is_string(v)) {
		svc_text(dst, cap, (const uint8_t *)json_string_value(v),
			 json_string_length(v));
		ok = true;
	}
	json_decref(root);
	return ok;
}
