/*
 * stats.c - the kernel's protocol counters (/proc/net/snmp, netstat,
 * snmp6) and interface counters (/proc/net/dev), for `portier local -s`
 * and `-e` and for the diagnosis.
 *
 * snmp and netstat come as pairs of lines with the same "Group:" prefix:
 * the first names the counters, the second holds their values in the same
 * order.  snmp6 has one "Name value" per line; its group is the name's
 * leading "Ip6", "Icmp6", "Udp6" or "UdpLite6".  The parsers take text of
 * a given length and never trust it to be well formed.
 */
#include <stdio.h>
#include <string.h>

#include "local/local_int.h"

static int stat_push(struct portier_stats *st, const char *group, size_t glen,
		     const char *name, size_t nlen, uint64_t value)
{
	struct local_arena *a = st->priv;
	struct portier_stat *s;

	if (!a) {
		a = st->priv = local_arena_new();
		if (!a)
			return PORTIER_ENOMEM;
	}
	/* capacity is the next power of two: grow when n reaches one */
	if ((st->n & (st->n - 1)) == 0) {
		size_t cap = st->n ? st->n * 2 : 1;
		struct portier_stat *v =
			portier_realloc(st->v, cap * sizeof(*v));

		if (!v)
			return PORTIER_ENOMEM;
		st->v = v;
	}
	s = &st->v[st->n];
	s->group = local_arena_strndup(a, group, glen);
	s->name = local_arena_strndup(a, name, nlen);
	if (!s->group || !s->name)
		return PORTIER_ENOMEM;
	s->value = value;
	st->n++;
	return 0;
}

/* Next space-separated token in [*p, end) on the current line. */
static bool token(const char **p, const char *end, const char **tok,
		  size_t *len)
{
	const char *s = *p;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s >= end || *s == '\n')
		return false;
	*tok = s;
	while (s < end && *s != ' ' && *s != '\t' && *s != '\n')
		s++;
	*len = (size_t)(s - *tok);
	*p = s;
	return true;
}

static bool parse_u64(const char *s, size_t len, uint64_t *v)
{
	uint64_t x = 0;
	size_t i = 0;
	bool neg = false;

	if (len && s[0] == '-') { /* e.g. Tcp MaxConn -1 */
		neg = true;
		i = 1;
	}
	if (i == len)
		return false;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || x > UINT64_MAX / 10)
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = neg ? 0 : x;
	return true;
}

static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
}

static const char *group_prefix(const char *name, size_t len, size_t *glen)
{
	static const char *const groups[] = {"UdpLite6", "Icmp6", "Udp6",
					     "Ip6"};
	size_t i;

	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		size_t n = strlen(groups[i]);

		if (len > n && memcmp(name, groups[i], n) == 0) {
			*glen = n;
			return groups[i];
		}
	}
	*glen = 0;
	return NULL;
}

int portier_stats_parse(struct portier_stats *st, const char *text, size_t len,
			struct portier_err *err)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *le = line_end(p, end), *colon, *q, *tok, *vtok;
		const char *vle, *vp, *vcolon;
		size_t tl, vl, glen;
		uint64_t v;

		colon = memchr(p, ':', (size_t)(le - p));
		if (!colon) {
			/* snmp6 style: "Ip6InReceives   1234" */
			const char *grp;

			q = p;
			if (token(&q, le, &tok, &tl) &&
			    token(&q, le, &vtok, &vl) &&
			    parse_u64(vtok, vl, &v) &&
			    (grp = group_prefix(tok, tl, &glen)) != NULL &&
			    stat_push(st, grp, glen, tok + glen, tl - glen, v) <
				    0)
				goto nomem;
			p = le < end ? le + 1 : end;
			continue;
		}
		/* a header line; the value line follows with the same group */
		vp = le < end ? le + 1 : end;
		vle = line_end(vp, end);
		vcolon = memchr(vp, ':', (size_t)(vle - vp));
		if (!vcolon || vcolon - vp != colon - p ||
		    memcmp(vp, p, (size_t)(colon - p)) != 0) {
			p = vp;
			continue;
		}
		q = colon + 1;
		vp = vcolon + 1;
		while (token(&q, le, &tok, &tl) &&
		       token(&vp, vle, &vtok, &vl)) {
			if (!parse_u64(vtok, vl, &v))
				continue;
			if (stat_push(st, p, (size_t)(colon - p), tok, tl, v) <
			    0)
				goto nomem;
		}
		p = vle < end ? vle + 1 : end;
	}
	return 0;
nomem:
	return portier_err_set(err, PORTIER_ENOMEM,
			       "out of memory reading counters");
}

int portier_stats_read(struct portier_stats *st, const char *proc_root,
		       struct portier_err *err)
{
	static const char *const files[] = {"snmp", "netstat", "snmp6"};
	char path[512];
	size_t i;
	int found = 0;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *text;
		size_t len;
		int rc;

		snprintf(path, sizeof(path), "%s/net/%s",
			 proc_root ? proc_root : "/proc", files[i]);
		if (local_read_file(path, &text, &len, NULL) < 0)
			continue;
		rc = portier_stats_parse(st, text, len, err);
		portier_free(text);
		if (rc < 0)
			return rc;
		found++;
	}
	if (!found)
		return portier_err_set(err, PORTIER_EIO,
				       "no counters under '%s/net' (snmp, "
				       "netstat)",
				       proc_root ? proc_root : "/proc");
	return 0;
}

bool portier_stats_get(const struct portier_stats *st, const char *group,
		       const char *name, uint64_t *value)
{
	size_t i;

	for (i = 0; st && i < st->n; i++) {
		if (strcmp(st->v[i].name, name) == 0 &&
		    strcmp(st->v[i].group, group) == 0) {
			*value = st->v[i].value;
			return true;
		}
	}
	return false;
}

void portier_stats_free(struct portier_stats *st)
{
	if (!st)
		return;
	portier_free(st->v);
	local_arena_free(st->priv);
	memset(st, 0, sizeof(*st));
}

int portier_ifstats_parse(const char *text, size_t len,
			  struct portier_ifstat **out, size_t *n,
			  struct portier_err *err)
{
	const char *p = text, *end = text + len;
	struct portier_ifstat *v = NULL;
	size_t cnt = 0, cap = 0;

	while (p < end) {
		const char *le = line_end(p, end);
		const char *colon = memchr(p, ':', (size_t)(le - p));
		const char *q, *tok, *name;
		uint64_t f[16];
		size_t tl, k = 0;

		if (colon && colon > p &&
		    memchr(p, '|', (size_t)(le - p)) == NULL) {
			name = p;
			while (name < colon && *name == ' ')
				name++;
			q = colon + 1;
			while (k < 16 && token(&q, le, &tok, &tl) &&
			       parse_u64(tok, tl, &f[k]))
				k++;
			if (k == 16 && name < colon) {
				struct portier_ifstat *s;

				if (cnt == cap) {
					size_t nc = cap ? cap * 2 : 16;
					void *nv = portier_realloc(
						v, nc * sizeof(*v));

					if (!nv) {
						portier_free(v);
						return portier_err_set(
							err, PORTIER_ENOMEM,
							"out of memory");
					}
					v = nv;
					cap = nc;
				}
				s = &v[cnt++];
				memset(s, 0, sizeof(*s));
				snprintf(s->name, sizeof(s->name), "%.*s",
					 (int)(colon - name), name);
				/* rx: bytes packets errs drop fifo frame
				 * compressed multicast; tx: bytes packets
				 * errs drop ... */
				s->rx_bytes = f[0];
				s->rx_packets = f[1];
				s->rx_errs = f[2];
				s->rx_drop = f[3];
				s->tx_bytes = f[8];
				s->tx_packets = f[9];
				s->tx_errs = f[10];
				s->tx_drop = f[11];
			}
		}
		p = le < end ? le + 1 : end;
	}
	*out = v;
	*n = cnt;
	return 0;
}

int portier_ifstats_read(const char *proc_root, struct portier_ifstat **out,
			 size_t *n, struct portier_err *err)
{
	char path[512], *text;
	size_t len;
	int rc;

	snprintf(path, sizeof(path), "%s/net/dev",
		 proc_root ? proc_root : "/proc");
	rc = local_read_file(path, &text, &len, err);
	if (rc < 0)
		return rc;
	rc = portier_ifstats_parse(text, len, out, n, err);
	portier_free(text);
	return rc;
}
