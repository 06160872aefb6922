/*
 * portset.c - sets of ports as merged intervals, and the port-spec parser
 * of `portier firewall` ("135,137-139/tcp,445").
 *
 * The one idea: a set is kept in the exact shape of an nftables interval
 * set - sorted, disjoint ranges with no two adjacent - so that rendering is
 * a plain walk, equality is a memcmp, and thousands of ports stay one set
 * element list behind one rule.  Insertion finds the ranges the new one
 * touches (overlapping or adjacent), replaces them by their union, and
 * shifts the tail; specs are small, so linear work per insert is fine.
 */
#include <stdio.h>
#include <string.h>

#include "portier/fw.h"
#include "portier/kb.h" /* portier_proto_parse */

const char *portier_fw_proto_name(int p)
{
	return p == PORTIER_FW_TCP ? "tcp" : p == PORTIER_FW_UDP ? "udp" : "?";
}

static int reserve(struct portier_fw_portset *s, size_t need)
{
	return portier_grow(&s->r, &s->cap, need, sizeof(*s->r), 8);
}

int portier_fw_portset_add(struct portier_fw_portset *s, uint16_t lo,
			   uint16_t hi)
{
	size_t first, last, i;
	uint32_t nlo = lo, nhi = hi;

	if (lo > hi)
		return PORTIER_EINVAL;
	/* first range that ends at or after lo - 1 (could touch): binary
	 * search, so that building a set in order costs O(log n) per port */
	first = 0;
	last = s->n;
	while (first < last) {
		size_t mid = first + (last - first) / 2;

		if ((uint32_t)s->r[mid].hi + 1 < nlo)
			first = mid + 1;
		else
			last = mid;
	}
	/* ranges [first, last) start at or before hi + 1: they merge */
	for (last = first; last < s->n; last++)
		if ((uint32_t)s->r[last].lo > nhi + 1)
			break;
	if (first == last) {
		/* nothing touches: insert at first */
		if (reserve(s, s->n + 1) < 0)
			return PORTIER_ENOMEM;
		memmove(&s->r[first + 1], &s->r[first],
			(s->n - first) * sizeof(s->r[0]));
		s->r[first].lo = lo;
		s->r[first].hi = hi;
		s->n++;
		return 0;
	}
	if (s->r[first].lo < nlo)
		nlo = s->r[first].lo;
	if (s->r[last - 1].hi > nhi)
		nhi = s->r[last - 1].hi;
	s->r[first].lo = (uint16_t)nlo;
	s->r[first].hi = (uint16_t)nhi;
	i = last - first - 1; /* ranges swallowed */
	if (i) {
		memmove(&s->r[first + 1], &s->r[last],
			(s->n - last) * sizeof(s->r[0]));
		s->n -= i;
	}
	return 0;
}

int portier_fw_portset_remove(struct portier_fw_portset *s, uint16_t lo,
			      uint16_t hi)
{
	size_t i, out = 0;
	struct portier_fw_range split = {0, 0};
	bool have_split = false;

	if (lo > hi)
		return PORTIER_EINVAL;
	/* a range strictly around lo..hi becomes two: make room first */
	for (i = 0; i < s->n; i++)
		if (s->r[i].lo < lo && s->r[i].hi > hi)
			if (reserve(s, s->n + 1) < 0)
				return PORTIER_ENOMEM;
	for (i = 0; i < s->n; i++) {
		struct portier_fw_range g = s->r[i];

		if (g.hi < lo || g.lo > hi) {
			s->r[out++] = g; /* untouched */
			continue;
		}
		if (g.lo < lo && g.hi > hi) {
			split.lo = (uint16_t)(hi + 1);
			split.hi = g.hi;
			have_split = true;
			g.hi = (uint16_t)(lo - 1);
			s->r[out++] = g;
			continue;
		}
		if (g.lo < lo) {
			g.hi = (uint16_t)(lo - 1);
			s->r[out++] = g;
		} else if (g.hi > hi) {
			g.lo = (uint16_t)(hi + 1);
			s->r[out++] = g;
		}
		/* else: wholly inside, dropped */
	}
	s->n = out;
	if (have_split) {
		/* the upper half goes right after its lower half */
		for (i = 0; i < s->n && s->r[i].hi < lo; i++)
			;
		memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof(s->r[0]));
		s->r[i] = split;
		s->n++;
	}
	return 0;
}

int portier_fw_portset_merge(struct portier_fw_portset *dst,
			     const struct portier_fw_portset *src)
{
	size_t i;

	for (i = 0; i < src->n; i++) {
		int rc =
			portier_fw_portset_add(dst, src->r[i].lo, src->r[i].hi);
		if (rc < 0)
			return rc;
	}
	return 0;
}

bool portier_fw_portset_has(const struct portier_fw_portset *s, uint16_t port)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->r[mid].hi < port)
			lo = mid + 1;
		else if (s->r[mid].lo > port)
			hi = mid;
		else
			return true;
	}
	return false;
}

size_t portier_fw_portset_ports(const struct portier_fw_portset *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		n += (size_t)s->r[i].hi - s->r[i].lo + 1;
	return n;
}

bool portier_fw_portset_equal(const struct portier_fw_portset *a,
			      const struct portier_fw_portset *b)
{
	return a->n == b->n &&
	       (a->n == 0 || memcmp(a->r, b->r, a->n * sizeof(a->r[0])) == 0);
}

char *portier_fw_portset_format(const struct portier_fw_portset *s,
				const char *sep)
{
	size_t cap = s->n * (12 + strlen(sep)) + 1, len = 0, i;
	char *out = portier_malloc(cap);

	if (!out)
		return NULL;
	out[0] = '\0';
	for (i = 0; i < s->n; i++) {
		int w;

		if (s->r[i].lo == s->r[i].hi)
			w = snprintf(out + len, cap - len, "%s%u", i ? sep : "",
				     s->r[i].lo);
		else
			w = snprintf(out + len, cap - len, "%s%u-%u",
				     i ? sep : "", s->r[i].lo, s->r[i].hi);
		if (w < 0 || (size_t)w >= cap - len) {
			portier_free(out);
			return NULL;
		}
		len += (size_t)w;
	}
	return out;
}

void portier_fw_portset_free(struct portier_fw_portset *s)
{
	portier_free(s->r);
	s->r = NULL;
	s->n = s->cap = 0;
}

/* ---- specs ----------------------------------------------------------------- */

void portier_fw_spec_free(struct portier_fw_spec *s)
{
	int p;

	for (p = 0; p < PORTIER_FW_NPROTO; p++)
		portier_fw_portset_free(&s->ports[p]);
}

/* A mask of the protocols is addr.h's protocol set: fw's per-protocol
 * array index is the bit number of the same protocol there. */
_Static_assert((1u << PORTIER_FW_TCP) == PORTIER_PROTO_TCP &&
		       (1u << PORTIER_FW_UDP) == PORTIER_PROTO_UDP,
	       "fw's protocol index is the bit of enum portier_proto");

int portier_fw_protos_parse(const char *s, unsigned *mask,
			    struct portier_err *err)
{
	unsigned m = 0;

	/* the knowledge base's protocol names, limited to what fw renders */
	if (portier_proto_parse(strcmp(s, "udp+tcp") == 0 ? "tcp+udp" : s, &m) <
		    0 ||
	    !m || (m & ~(unsigned)(PORTIER_PROTO_TCP | PORTIER_PROTO_UDP))) {
		portier_err_set(err, PORTIER_EINVAL, "unknown protocol '%s'",
				s);
		portier_err_hint(err, "firewall rules take tcp, udp or "
				      "tcp+udp");
		return PORTIER_EINVAL;
	}
	*mask = m;
	return 0;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* One item "PORT", "LOW-HIGH", optionally "/proto", trimmed, NUL-ended. */
static int parse_item(char *item, const char *whole, unsigned defaults,
		      struct portier_fw_spec *out, struct portier_err *err)
{
	char *slash = strchr(item, '/'), *dash;
	unsigned long lo, hi;
	unsigned mask = defaults;
	int p, rc;

	if (slash) {
		*slash++ = '\0';
		rc = portier_fw_protos_parse(slash, &mask, err);
		if (rc < 0) {
			portier_err_set(err, PORTIER_EINVAL,
					"unknown protocol '%s' in '%s'", slash,
					whole);
			portier_err_hint(err, "firewall rules take tcp, udp "
					      "or tcp+udp, as in 137/udp");
			return rc;
		}
	}
	dash = strchr(item, '-');
	if (dash)
		*dash++ = '\0';
	if (!*item || portier_parse_ulong(item, 0, 65535, &lo) < 0 ||
	    (dash && portier_parse_ulong(dash, 0, 65535, &hi) < 0)) {
		portier_err_set(err, PORTIER_EINVAL,
				"bad port '%s%s%s' in '%s'", item,
				dash ? "-" : "", dash ? dash : "", whole);
		portier_err_hint(err, "a port is a number from 0 to 65535, a "
				      "range LOW-HIGH; e.g. 445, 137-139/tcp, "
				      "135,445/udp");
		return PORTIER_EINVAL;
	}
	if (!dash)
		hi = lo;
	if (lo > hi) {
		portier_err_set(err, PORTIER_EINVAL,
				"bad range '%lu-%lu' in '%s': %lu is above %lu",
				lo, hi, whole, lo, hi);
		portier_err_hint(err, "write the lower port first, e.g. "
				      "6970-7170");
		return PORTIER_EINVAL;
	}
	for (p = 0; p < PORTIER_FW_NPROTO; p++) {
		if (!(mask & (1u << p)))
			continue;
		rc = portier_fw_portset_add(&out->ports[p], (uint16_t)lo,
					    (uint16_t)hi);
		if (rc < 0)
			return portier_err_set(err, rc, "out of memory");
	}
	return 0;
}

int portier_fw_spec_parse(const char *s, unsigned default_protos,
			  struct portier_fw_spec *out, struct portier_err *err)
{
	char item[64];
	const char *p = s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!default_protos)
		default_protos = PORTIER_PROTO_TCP | PORTIER_PROTO_UDP;
	for (;;) {
		size_t len = strcspn(p, ",");
		const char *start = p, *end = p + len;

		while (start < end && blank(*start))
			start++;
		while (end > start && blank(end[-1]))
			end--;
		if (start == end) {
			portier_fw_spec_free(out);
			if (!*s) {
				portier_err_set(err, PORTIER_EINVAL,
						"empty port list ''");
				portier_err_hint(err, "name at least one port, "
						      "e.g. 22,80 or 445/tcp");
			} else {
				portier_err_set(err, PORTIER_EINVAL,
						"empty item in port list '%s'",
						s);
				portier_err_hint(err, "separate ports with one "
						      "comma, e.g. 22,80");
			}
			return PORTIER_EINVAL;
		}
		if ((size_t)(end - start) >= sizeof(item)) {
			portier_fw_spec_free(out);
			portier_err_set(err, PORTIER_EINVAL,
					"bad port '%.20s...' in port list",
					start);
			portier_err_hint(err, "a port is a number from 0 to "
					      "65535, e.g. 445 or 137-139/udp");
			return PORTIER_EINVAL;
		}
		memcpy(item, start, (size_t)(end - start));
		item[end - start] = '\0';
		rc = parse_item(item, s, default_protos, out, err);
		if (rc < 0) {
			portier_fw_spec_free(out);
			return rc;
		}
		p += len;
		if (!*p)
			break;
		p++; /* the comma */
	}
	return 0;
}
