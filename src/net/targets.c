/*
 * targets.c - target sets in nmap's syntax, kept as sorted interval lists.
 *
 * Every spec becomes one or more intervals [lo, hi] of addresses taken as
 * numbers (net_int.h): a CIDR is one interval, "10.0.0-3.1-254" a handful,
 * a name one address.  Nothing is ever expanded, so a /8 costs 40 bytes.
 * After finish() the intervals are sorted, merged and have the exclusions cut
 * out; a prefix sum of their sizes maps index i to an address by binary
 * search.
 */
#include <ctype.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net/net_int.h"

struct iv {
	net_u128 lo, hi;
	uint8_t family;
};

/* The address as a number (IPv4 in the low 32 bits): RFC 791 3.1's 32-bit
 * number, RFC 4291 2's 128-bit one. */
static net_u128 addr_num(const struct portier_addr *a)
{
	net_u128 v = 0;
	int i, n = a->family == 4 ? 4 : 16;

	for (i = 0; i < n; i++)
		v = (v << 8) | a->b[i];
	return v;
}

static void num_addr(net_u128 v, uint8_t family, struct portier_addr *a)
{
	int i, n = family == 4 ? 4 : 16;

	memset(a, 0, sizeof(*a));
	a->family = family;
	for (i = n - 1; i >= 0; i--) {
		a->b[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

struct tname {
	struct portier_addr addr;
	char *name;
};

struct ivlist {
	struct iv *v;
	size_t n, cap;
};

struct portier_targets {
	struct portier_targets_options opt;
	struct ivlist inc, exc;
	uint64_t *cum; /* cum[i]: addresses before interval i */
	uint64_t total;
	struct tname *names;
	size_t n_names;
	bool finished;
	bool user_exc; /* --exclude was given (exc also holds reserved blocks) */
};

int portier_targets_new(struct portier_targets **out,
			const struct portier_targets_options *opt)
{
	struct portier_targets *t = portier_calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return PORTIER_ENOMEM;
	if (opt)
		t->opt = *opt;
	*out = t;
	return 0;
}

void portier_targets_free(struct portier_targets *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n_names; i++)
		portier_free(t->names[i].name);
	portier_free(t->names);
	portier_free(t->inc.v);
	portier_free(t->exc.v);
	portier_free(t->cum);
	portier_free(t);
}

static int iv_push(struct ivlist *l, net_u128 lo, net_u128 hi, uint8_t family)
{
	if (portier_grow(&l->v, &l->cap, l->n + 1, sizeof(*l->v), 16) < 0)
		return PORTIER_ENOMEM;
	l->v[l->n].lo = lo;
	l->v[l->n].hi = hi;
	l->v[l->n].family = family;
	l->n++;
	return 0;
}

static int bad(struct portier_err *err, const char *what, const char *token,
	       const char *spec)
{
	portier_err_set(err, PORTIER_EINVAL, "bad target %s '%s' in '%s'", what,
			token, spec);
	portier_err_hint(
		err,
		"targets are addresses (10.0.0.1, fd00::1), CIDR (10.0.0.0/16, "
		"fd00::/120), ranges (10.0.0.1-200, 10.0.0-3.1-254) or host names");
	return PORTIER_EINVAL;
}

/* "A/N": the interval of the prefix (host bits of A are ignored, as in
 * nmap: 10.0.0.5/24 is the /24). */
static int add_cidr(struct ivlist *l, const char *spec, const char *slash,
		    struct portier_err *err)
{
	char addr_s[64];
	struct portier_addr a, last;
	struct portier_prefix p;
	size_t alen = (size_t)(slash - spec);
	int rc;

	if (alen == 0 || alen >= sizeof(addr_s))
		return bad(err, "address", alen ? spec : "", spec);
	memcpy(addr_s, spec, alen);
	addr_s[alen] = '\0';
	if (portier_addr_parse(addr_s, &a) < 0)
		return bad(err, "address", addr_s, spec);
	rc = portier_prefix_parse(spec, PORTIER_PREFIX_CLEAR_HOST_BITS, &p,
				  err);
	if (rc < 0)
		return rc; /* the prefix length */
	portier_prefix_last(&p, &last);
	return iv_push(l, addr_num(&p.addr), addr_num(&last), a.family);
}

/* One dot-part of nmap's octet syntax: "5", "1-254", "*", "1,3,7-9", "-9". */
static int octet_set(const char *part, uint8_t set[32], const char *spec,
		     struct portier_err *err)
{
	char buf[64];
	char *tok, *save = NULL;

	memset(set, 0, 32);
	if (strlen(part) >= sizeof(buf) || !*part)
		return bad(err, "octet", part, spec);
	portier_strlcpy(buf, part, sizeof(buf));
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		unsigned long lo = 0, hi = 255, x;
		char *dash = strchr(tok, '-');

		if (strcmp(tok, "*") == 0) {
			lo = 0;
			hi = 255;
		} else if (dash) {
			*dash = '\0';
			if (*tok && portier_parse_ulong(tok, 0, 255, &lo) < 0)
				return bad(err, "octet", tok, spec);
			if (dash[1] &&
			    portier_parse_ulong(dash + 1, 0, 255, &hi) < 0)
				return bad(err, "octet", dash + 1, spec);
			if (lo > hi) {
				*dash = '-';
				return bad(err, "octet range", tok, spec);
			}
		} else {
			if (portier_parse_ulong(tok, 0, 255, &lo) < 0)
				return bad(err, "octet", tok, spec);
			hi = lo;
		}
		for (x = lo; x <= hi; x++)
			set[x >> 3] = (uint8_t)(set[x >> 3] | (1u << (x & 7)));
	}
	return 0;
}

static bool in_set(const uint8_t set[32], unsigned x)
{
	return set[x >> 3] & (1u << (x & 7));
}

static unsigned set_size(const uint8_t set[32])
{
	unsigned x, n = 0;

	for (x = 0; x < 256; x++)
		n += in_set(set, x);
	return n;
}

/* Maximal runs [lo, hi] of consecutive values in set; returns how many. */
static unsigned set_runs(const uint8_t set[32], uint8_t lo[128],
			 uint8_t hi[128])
{
	unsigned x, n = 0;

	for (x = 0; x < 256; x++) {
		if (!in_set(set, x))
			continue;
		if (n && hi[n - 1] + 1u == x) {
			hi[n - 1] = (uint8_t)x;
		} else {
			lo[n] = hi[n] = (uint8_t)x;
			n++;
		}
	}
	return n;
}

/*
 * nmap's "10.0.0-3.1-254": the product of four octet sets.  The octets right
 * of the last one that is not full (0-255) only widen each run, so the set
 * is (values of the octets before it) x (runs of that octet): counted first,
 * refused above PORTIER_TARGETS_MAX_PIECES, and only then written.
 */
static int add_octets(struct ivlist *l, const char *spec,
		      struct portier_err *err)
{
	uint8_t sets[4][32], rlo[128], rhi[128];
	char buf[128];
	char *parts[4], *p = buf;
	unsigned i, k, nruns, vals[3] = {0, 0, 0};
	uint64_t pieces;
	int rc;

	if (strlen(spec) >= sizeof(buf))
		return bad(err, "spec", spec, spec);
	portier_strlcpy(buf, spec, sizeof(buf));
	for (i = 0; i < 4; i++) {
		parts[i] = p;
		p = strchr(p, '.');
		if (!p && i < 3)
			return bad(err, "address", spec, spec);
		if (p)
			*p++ = '\0';
	}
	if (p)
		return bad(err, "address", spec, spec);
	for (i = 0; i < 4; i++)
		if ((rc = octet_set(parts[i], sets[i], spec, err)) < 0)
			return rc;
	for (k = 4; k > 0 && set_size(sets[k - 1]) == 256; k--)
		;
	if (k == 0)
		return iv_push(l, 0, 0xffffffffu, 4);
	k--; /* the last octet that is not full */
	nruns = set_runs(sets[k], rlo, rhi);
	for (pieces = nruns, i = 0; i < k; i++)
		pieces *= set_size(sets[i]);
	if (pieces == 0)
		return bad(err, "spec", spec, spec);
	if (pieces > PORTIER_TARGETS_MAX_PIECES) {
		portier_err_set(err, PORTIER_EINVAL,
				"target '%s' splits into more than %d address "
				"ranges",
				spec, PORTIER_TARGETS_MAX_PIECES);
		portier_err_hint(err, "write it as CIDR blocks or several "
				      "smaller specs");
		return PORTIER_EINVAL;
	}
	/* odometer over the octets before k, in ascending order */
	for (i = 0; i < k; i++)
		while (!in_set(sets[i], vals[i]))
			vals[i]++;
	for (;;) {
		uint32_t prefix = 0, shift = 8 * (3 - k);
		unsigned r;

		for (i = 0; i < k; i++)
			prefix |= vals[i] << (8 * (3 - i));
		for (r = 0; r < nruns; r++) {
			uint32_t lo = prefix | ((uint32_t)rlo[r] << shift);
			uint32_t hi = prefix | ((uint32_t)rhi[r] << shift) |
				      (shift ? (1u << shift) - 1 : 0);

			if ((rc = iv_push(l, lo, hi, 4)) < 0)
				return rc;
		}
		/* next combination: bump the rightmost octet that can move */
		for (i = k; i > 0; i--) {
			unsigned v = vals[i - 1] + 1;

			while (v < 256 && !in_set(sets[i - 1], v))
				v++;
			if (v < 256) {
				vals[i - 1] = v;
				break;
			}
			vals[i - 1] = 0;
			while (!in_set(sets[i - 1], vals[i - 1]))
				vals[i - 1]++;
		}
		if (i == 0)
			return 0;
	}
}

/* "A-B" with two whole addresses of one family. */
static int add_full_range(struct ivlist *l, const char *spec, const char *dash,
			  struct portier_err *err)
{
	char left[64];
	struct portier_addr a, b;
	size_t alen = (size_t)(dash - spec);

	if (alen >= sizeof(left))
		return bad(err, "address", spec, spec);
	memcpy(left, spec, alen);
	left[alen] = '\0';
	if (portier_addr_parse(left, &a) < 0)
		return bad(err, "address", left, spec);
	if (portier_addr_parse(dash + 1, &b) < 0 || b.family != a.family)
		return bad(err, "address", dash + 1, spec);
	if (portier_addr_cmp(&a, &b) > 0)
		return bad(err, "range (start above end)", spec, spec);
	return iv_push(l, addr_num(&a), addr_num(&b), a.family);
}

static bool looks_like_name(const char *s)
{
	bool alpha = false;

	if (!*s || strlen(s) > 253)
		return false;
	for (; *s; s++) {
		if (isalpha((unsigned char)*s))
			alpha = true;
		else if (!isdigit((unsigned char)*s) && *s != '.' &&
			 *s != '-' && *s != '_')
			return false;
	}
	return alpha;
}

static int add_name(struct portier_targets *t, struct ivlist *l,
		    const char *name, struct portier_err *err)
{
	struct addrinfo hints, *res = NULL, *ai, *pick = NULL;
	struct portier_addr a;
	struct tname *names;
	int rc;

	if (!t->opt.resolve) {
		portier_err_set(
			err, PORTIER_EINVAL,
			"host name '%s' given, but name resolution is off",
			name);
		portier_err_hint(err, "give its address (portier scan resolves "
				      "names unless -n is given; nbstat and "
				      "smb never do)");
		return PORTIER_EINVAL;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = t->opt.want_v6 ? AF_INET6 : AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc != 0 || !res) {
		portier_err_set(err, PORTIER_ENOENT,
				"cannot resolve host name '%s': %s", name,
				gai_strerror(rc));
		portier_err_hint(err, "check the name, or give its address");
		return PORTIER_ENOENT;
	}
	for (ai = res; ai && !pick; ai = ai->ai_next)
		if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6)
			pick = ai;
	memset(&a, 0, sizeof(a));
	if (pick && pick->ai_family == AF_INET) {
		a.family = 4;
		memcpy(a.b,
		       &((struct sockaddr_in *)(void *)pick->ai_addr)->sin_addr,
		       4);
	} else if (pick) {
		a.family = 6;
		memcpy(a.b,
		       &((struct sockaddr_in6 *)(void *)pick->ai_addr)
				->sin6_addr,
		       16);
	}
	freeaddrinfo(res);
	if (!pick)
		return portier_err_set(err, PORTIER_ENOENT,
				       "host name '%s' has no IP address",
				       name);
	names = portier_realloc(t->names, (t->n_names + 1) * sizeof(*names));
	if (!names)
		return PORTIER_ENOMEM;
	t->names = names;
	names[t->n_names].addr = a;
	names[t->n_names].name = portier_strdup(name);
	if (!names[t->n_names].name)
		return PORTIER_ENOMEM;
	t->n_names++;
	return iv_push(l, addr_num(&a), addr_num(&a), a.family);
}

/*
 * The blocks no probe may go to come from the one address policy
 * (portier_addr_not_target, addr.h): 0.0.0.0/8, multicast, the limited
 * broadcast, ::, IPv6 link-local, and the v4-mapped forms of the IPv4 ones.
 */
#define MAX_REFUSED 32

struct refused {
	struct iv v[MAX_REFUSED];
	size_t n;
};

static void refused_blocks(struct refused *r)
{
	struct portier_prefix p[MAX_REFUSED];
	size_t i;

	r->n = portier_addr_not_target_blocks(p, MAX_REFUSED);
	if (r->n > MAX_REFUSED)
		r->n = MAX_REFUSED; /* not reached: the policy has 14 */
	for (i = 0; i < r->n; i++) {
		struct portier_addr last;

		portier_prefix_last(&p[i], &last);
		r->v[i].lo = addr_num(&p[i].addr);
		r->v[i].hi = addr_num(&last);
		r->v[i].family = p[i].addr.family;
	}
}

/*
 * The intervals [from, l->n) one spec just added: when every address in
 * them is refused by the policy the spec is refused, naming it; when only
 * some are, those are skipped later (finish() subtracts the blocks).
 */
static int check_reserved(const struct ivlist *l, size_t from, const char *spec,
			  struct portier_err *err)
{
	struct refused r;
	struct portier_addr first;
	const char *what, *hint = "";
	size_t i, k, hit = MAX_REFUSED;

	if (from >= l->n)
		return 0;
	refused_blocks(&r);
	for (i = from; i < l->n; i++) {
		for (k = 0; k < r.n; k++)
			if (r.v[k].family == l->v[i].family &&
			    l->v[i].lo >= r.v[k].lo && l->v[i].hi <= r.v[k].hi)
				break;
		if (k == r.n)
			return 0; /* this piece has scannable addresses */
		if (hit == MAX_REFUSED)
			hit = i;
	}
	num_addr(l->v[hit].lo, l->v[hit].family, &first);
	what = portier_addr_not_target(&first, &hint);
	portier_err_set(err, PORTIER_EINVAL, "target '%s' is %s", spec,
			what ? what : "not a host address");
	portier_err_hint(err,
			 "%s; inside a larger CIDR or range such addresses "
			 "are skipped",
			 hint);
	return PORTIER_EINVAL;
}

/*
 * Probe commands' rule for IPv4 blocks and ranges (nbtscan's): the .0 and
 * .255 of every /24 they cross are left out, and so are the network and
 * broadcast address of a CIDR block of /30 or wider: those are the directed
 * broadcasts of the usual subnets, not hosts.  The intervals [from, l->n)
 * are replaced by their pieces; more than PORTIER_TARGETS_MAX_PIECES of
 * them is refused, and a spec left with no address at all too.
 */
static int cut_edges(struct ivlist *l, size_t from, unsigned plen,
		     const char *spec, struct portier_err *err)
{
	struct iv *old;
	size_t i, n = l->n - from;
	uint64_t pieces = 0;
	int rc = 0;

	for (i = from; i < l->n; i++)
		if (l->v[i].family == 4)
			pieces += (uint64_t)(l->v[i].hi >> 8) -
				  (uint64_t)(l->v[i].lo >> 8) + 1;
	if (pieces > PORTIER_TARGETS_MAX_PIECES) {
		portier_err_set(err, PORTIER_EINVAL,
				"target '%s' splits into more than %d address "
				"ranges",
				spec, PORTIER_TARGETS_MAX_PIECES);
		portier_err_hint(err, "give blocks of /8 or smaller");
		return PORTIER_EINVAL;
	}
	if (!(old = portier_malloc(n * sizeof(*old))))
		return PORTIER_ENOMEM;
	memcpy(old, l->v + from, n * sizeof(*old));
	l->n = from;
	for (i = 0; i < n && rc == 0; i++) {
		net_u128 lo = old[i].lo, hi = old[i].hi, c;

		if (old[i].family != 4) {
			rc = iv_push(l, lo, hi, old[i].family);
			continue;
		}
		if (plen <= 30) { /* a CIDR block: no network, no broadcast */
			lo++;
			hi--;
		}
		for (c = lo >> 8; c <= hi >> 8 && rc == 0; c++) {
			net_u128 a = c << 8 | 1, b = c << 8 | 254;

			if (a < lo)
				a = lo;
			if (b > hi)
				b = hi;
			if (a <= b)
				rc = iv_push(l, a, b, 4);
		}
	}
	portier_free(old);
	if (rc == 0 && l->n == from) {
		portier_err_set(err, PORTIER_EINVAL,
				"target '%s' has no host address left", spec);
		portier_err_hint(err,
				 "blocks and ranges skip the .0 and .255 of "
				 "every /24 and a block's network and "
				 "broadcast address; name a single host to ask "
				 "one of those");
		return PORTIER_EINVAL;
	}
	return rc;
}

/* *plen: the prefix length of a CIDR spec, 0xff for other blocks and
 * ranges, 0 for one address or name. */
static int add_spec(struct portier_targets *t, const char *spec, bool exclude,
		    unsigned *plen, struct portier_err *err)
{
	struct ivlist *l = exclude ? &t->exc : &t->inc;
	struct portier_addr a;
	const char *slash = strchr(spec, '/'), *dash = strchr(spec, '-');
	unsigned long bits;

	*plen = 0xff;
	if (!*spec)
		return bad(err, "spec", spec, spec);
	if (slash) {
		if (portier_parse_ulong(slash + 1, 0, 128, &bits) == 0)
			*plen = (unsigned)bits;
		return add_cidr(l, spec, slash, err);
	}
	*plen = 0;
	if (portier_addr_parse(spec, &a) == 0)
		return iv_push(l, addr_num(&a), addr_num(&a), a.family);
	*plen = 0xff;
	if (strchr(spec, ':')) {
		if (dash)
			return add_full_range(l, spec, dash, err);
		return bad(err, "IPv6 address", spec, spec);
	}
	if (strspn(spec, "0123456789.,*-") == strlen(spec)) {
		const char *d;
		int dots = 0;

		/* "10.0.0.1-10.0.0.9": the part after '-' is a whole address */
		for (d = dash ? dash + 1 : ""; *d; d++)
			dots += *d == '.';
		if (dash && dots == 3 && !strchr(spec, ','))
			return add_full_range(l, spec, dash, err);
		return add_octets(l, spec, err);
	}
	if (looks_like_name(spec)) {
		*plen = 0;
		return add_name(t, l, spec, err);
	}
	return bad(err, "spec", spec, spec);
}

static int add_one(struct portier_targets *t, const char *spec, bool exclude,
		   struct portier_err *err)
{
	size_t from = t->inc.n;
	unsigned plen;
	int rc = add_spec(t, spec, exclude, &plen, err);

	if (rc < 0 || exclude)
		return rc;
	rc = check_reserved(&t->inc, from, spec, err);
	if (rc == 0 && t->opt.skip_edges && plen != 0)
		rc = cut_edges(&t->inc, from, plen, spec, err);
	if (rc < 0)
		t->inc.n = from; /* forget the refused spec */
	return rc;
}

int portier_targets_add(struct portier_targets *t, const char *spec,
			bool exclude, struct portier_err *err)
{
	char *copy, *tok, *save = NULL;
	int rc = 0;

	if (t->finished)
		return portier_err_set(err, PORTIER_EINVAL,
				       "target set already finished");
	if (!exclude)
		return add_one(t, spec, false, err);
	t->user_exc = true;
	/* --exclude LIST: commas separate specs */
	if (!(copy = portier_strdup(spec)))
		return PORTIER_ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && rc == 0;
	     tok = strtok_r(NULL, ",", &save))
		rc = add_one(t, tok, true, err);
	if (rc == 0 && !strpbrk(spec, "0123456789abcdefABCDEF"))
		rc = bad(err, "spec", spec, spec);
	portier_free(copy);
	return rc;
}

static int name_cmp(const void *x, const void *y);

static int iv_cmp(const void *x, const void *y)
{
	const struct iv *a = x, *b = y;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return 0;
}

/* Sort and merge overlapping or touching intervals in place. */
static void iv_merge(struct ivlist *l)
{
	size_t i, w = 0;

	if (!l->n)
		return;
	qsort(l->v, l->n, sizeof(l->v[0]), iv_cmp);
	for (i = 1; i < l->n; i++) {
		struct iv *cur = &l->v[w], *nx = &l->v[i];

		if (nx->family == cur->family &&
		    (nx->lo <= cur->hi ||
		     (cur->hi != ~(net_u128)0 && nx->lo == cur->hi + 1))) {
			if (nx->hi > cur->hi)
				cur->hi = nx->hi;
		} else {
			l->v[++w] = *nx;
		}
	}
	l->n = w + 1;
}

/* inc minus exc, both merged; the result replaces inc. */
static int iv_subtract(struct ivlist *inc, const struct ivlist *exc)
{
	struct ivlist out = {0};
	size_t i, j = 0;
	int rc;

	for (i = 0; i < inc->n; i++) {
		struct iv cur = inc->v[i];
		bool alive = true;

		while (j < exc->n && (exc->v[j].family < cur.family ||
				      (exc->v[j].family == cur.family &&
				       exc->v[j].hi < cur.lo)))
			j++;
		for (size_t k = j; k < exc->n && alive; k++) {
			const struct iv *e = &exc->v[k];

			if (e->family != cur.family || e->lo > cur.hi)
				break;
			if (e->hi < cur.lo)
				continue;
			if (e->lo > cur.lo &&
			    (rc = iv_push(&out, cur.lo, e->lo - 1,
					  cur.family)) < 0)
				goto fail;
			if (e->hi >= cur.hi)
				alive = false;
			else
				cur.lo = e->hi + 1;
		}
		if (alive &&
		    (rc = iv_push(&out, cur.lo, cur.hi, cur.family)) < 0)
			goto fail;
	}
	portier_free(inc->v);
	*inc = out;
	return 0;
fail:
	portier_free(out.v);
	return rc;
}

int portier_targets_finish(struct portier_targets *t, struct portier_err *err)
{
	struct refused r;
	size_t i;
	int rc;

	if (t->finished)
		return 0;
	/* refused addresses inside larger specs are skipped, never probed */
	refused_blocks(&r);
	for (i = 0; i < r.n; i++)
		if ((rc = iv_push(&t->exc, r.v[i].lo, r.v[i].hi,
				  r.v[i].family)) < 0)
			return rc;
	iv_merge(&t->inc);
	iv_merge(&t->exc);
	if (t->exc.n && (rc = iv_subtract(&t->inc, &t->exc)) < 0)
		return rc;
	t->cum = portier_calloc(t->inc.n + 1, sizeof(*t->cum));
	if (!t->cum)
		return PORTIER_ENOMEM;
	t->total = 0;
	for (i = 0; i < t->inc.n; i++) {
		net_u128 size = t->inc.v[i].hi - t->inc.v[i].lo;

		t->cum[i] = t->total;
		if (size >= (net_u128)UINT64_MAX - t->total)
			t->total = UINT64_MAX;
		else
			t->total += (uint64_t)size + 1;
	}
	t->cum[t->inc.n] = t->total;
	if (t->n_names > 1)
		qsort(t->names, t->n_names, sizeof(*t->names), name_cmp);
	t->finished = true;
	if (t->total == 0) {
		portier_err_set(err, PORTIER_EINVAL,
				"no targets left to scan%s",
				t->user_exc ? " after the exclusions" : "");
		portier_err_hint(err,
				 "give at least one address, CIDR, range or "
				 "name that is not excluded");
		return PORTIER_EINVAL;
	}
	return 0;
}

uint64_t portier_targets_count(const struct portier_targets *t)
{
	return t->total;
}

uint64_t portier_targets_fingerprint(const struct portier_targets *t)
{
	uint64_t h = 1469598103934665603ull;
	size_t i, j;

	for (i = 0; i < t->inc.n; i++) {
		const struct iv *v = &t->inc.v[i];

		h = (h ^ v->family) * 1099511628211ull;
		for (j = 0; j < 128; j += 8)
			h = (h ^ (uint8_t)(v->lo >> j)) * 1099511628211ull;
		for (j = 0; j < 128; j += 8)
			h = (h ^ (uint8_t)(v->hi >> j)) * 1099511628211ull;
	}
	return h;
}

size_t portier_targets_intervals(const struct portier_targets *t)
{
	return t->inc.n;
}

void portier_targets_at(const struct portier_targets *t, uint64_t i,
			struct portier_addr *out)
{
	size_t lo = 0, hi = t->inc.n; /* find last interval with cum <= i */

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->cum[mid] <= i)
			lo = mid;
		else
			hi = mid;
	}
	num_addr(t->inc.v[lo].lo + (i - t->cum[lo]), t->inc.v[lo].family, out);
}

bool portier_targets_index(const struct portier_targets *t,
			   const struct portier_addr *a, uint64_t *i)
{
	struct iv key = {.lo = addr_num(a), .family = a->family};
	size_t lo = 0, hi = t->inc.n; /* first interval after key: hi */
	const struct iv *v;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (iv_cmp(&t->inc.v[mid], &key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (hi == 0)
		return false;
	v = &t->inc.v[hi - 1];
	if (v->family != key.family || key.lo > v->hi ||
	    t->cum[hi] == UINT64_MAX) /* a saturated count has no index */
		return false;
	*i = t->cum[hi - 1] + (uint64_t)(key.lo - v->lo);
	return true;
}

static int name_cmp(const void *x, const void *y)
{
	const struct tname *a = x, *b = y;

	return portier_addr_cmp(&a->addr, &b->addr);
}

const char *portier_targets_name(const struct portier_targets *t,
				 const struct portier_addr *a)
{
	struct tname key;
	const struct tname *hit;

	if (!t->n_names)
		return NULL;
	key.addr = *a;
	if (!t->finished) {
		size_t i;

		for (i = 0; i < t->n_names; i++)
			if (portier_addr_cmp(&t->names[i].addr, a) == 0)
				return t->names[i].name;
		return NULL;
	}
	/* finish() sorted the names by address */
	hit = bsearch(&key, t->names, t->n_names, sizeof(*t->names), name_cmp);
	return hit ? hit->name : NULL;
}
