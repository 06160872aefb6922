/*
 * targets.c - the addresses a probe command is pointed at: single IPv4 or
 * IPv6 addresses, IPv4 CIDR blocks and ranges, small IPv6 blocks.
 *
 * The one rule beyond parsing: every target is one unicast host.  A probe
 * must not reach a group of hosts, and the kernel does not stop it for us:
 * an unconnected UDP socket sends to multicast (224.0.0.0/4) without any
 * option, and a remote subnet's directed broadcast (198.19.1.255 seen from
 * another network) looks like any unicast address to the sender.  So:
 *
 *  - a single address that is multicast (224.0.0.0/4, ff00::/8), the
 *    limited broadcast 255.255.255.255, in 0.0.0.0/8 or the IPv6
 *    unspecified address is an error naming it;
 *  - blocks and ranges silently skip those, the network and broadcast
 *    address of a block of /30 and wider, and the .0 and .255 of every
 *    /24 they cross (what nbtscan does: the directed broadcasts of the
 *    usual /24 subnets, whatever the real prefix is);
 *  - a block or range left with nothing is an error.
 *
 * A single x.y.z.255 or x.y.z.0 stays allowed: the user named that host
 * (it is one in a /23 or wider).  Whether it is the directed broadcast of
 * a subnet we cannot know from here; the sweep's socket has no
 * SO_BROADCAST, so at least a broadcast route of our own is refused.
 * Names are not resolved: a probe goes only where the user wrote an address.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "portier/probe.h"

void portier_probe_addr_str(const struct portier_probe_addr *a, char *buf,
			    size_t cap)
{
	if (!inet_ntop(a->family, &a->u, buf, (socklen_t)cap) && cap)
		buf[0] = '\0';
}

int portier_probe_addr_from_sockaddr(const struct sockaddr *sa,
				     struct portier_probe_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		a->family = AF_INET;
		a->u.v4 = ((const struct sockaddr_in *)(const void *)sa)
				  ->sin_addr;
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		a->family = AF_INET6;
		a->u.v6 = ((const struct sockaddr_in6 *)(const void *)sa)
				  ->sin6_addr;
		return 0;
	}
	return PORTIER_EINVAL;
}

int portier_probe_addr_from_bytes(int family, const uint8_t *bytes,
				  struct portier_probe_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (family != AF_INET && family != AF_INET6)
		return PORTIER_EINVAL;
	a->family = family;
	memcpy(&a->u, bytes, family == AF_INET ? 4 : 16);
	return 0;
}

struct tlist {
	struct portier_probe_addr *v;
	size_t n, cap, max;
};

static int push4(struct tlist *l, uint32_t host, const char *arg,
		 struct portier_err *err)
{
	if (l->n >= l->max)
		return portier_err_set(err, PORTIER_EINVAL,
				       "'%s' takes the target count past %zu",
				       arg, l->max);
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		void *v = portier_realloc(l->v, cap * sizeof(*l->v));

		if (!v)
			return portier_err_set(err, PORTIER_ENOMEM,
					       "out of memory expanding '%s'",
					       arg);
		l->v = v;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
	l->v[l->n].family = AF_INET;
	l->v[l->n].u.v4.s_addr = htonl(host);
	l->n++;
	return 0;
}

static int push6(struct tlist *l, const struct in6_addr *a, const char *arg,
		 struct portier_err *err)
{
	int rc = push4(l, 0, arg, err);

	if (rc < 0)
		return rc;
	l->v[l->n - 1].family = AF_INET6;
	l->v[l->n - 1].u.v6 = *a;
	return 0;
}

static int bad(struct portier_err *err, const char *arg, const char *why)
{
	portier_err_set(err, PORTIER_EINVAL, "bad target '%s': %s", arg, why);
	portier_err_hint(err,
			 "a target is an address (198.19.1.2, fd70:7:1::2),"
			 " a block (198.19.1.0/24) or a range "
			 "(198.19.1.10-20, 198.19.1.10-198.19.1.20)");
	return PORTIER_EINVAL;
}

/* Why a host address can never be a probe's target, or NULL if it can. */
static const char *not_unicast4(uint32_t h)
{
	if ((h >> 28) == 0xe)
		return "a multicast address (224.0.0.0/4)";
	if (h == 0xffffffffu)
		return "the limited broadcast address";
	if ((h >> 24) == 0)
		return "in 0.0.0.0/8 (\"this network\", not a host)";
	return NULL;
}

static const char *not_unicast6(const struct in6_addr *a)
{
	if (a->s6_addr[0] == 0xff)
		return "a multicast address (ff00::/8)";
	if (IN6_IS_ADDR_UNSPECIFIED(a))
		return "the unspecified address";
	return NULL;
}

/* Inside a block or range: also no .0 or .255 of any /24. */
static bool skip_in_sweep4(uint32_t h)
{
	uint32_t low = h & 0xffu;

	return not_unicast4(h) || low == 0 || low == 0xffu;
}

static int not_one_host(struct portier_err *err, const char *arg,
			const char *why)
{
	portier_err_set(err, PORTIER_EINVAL,
			"bad target '%s': %s, not one host", arg, why);
	portier_err_hint(err, "probes go to unicast hosts only; nothing is "
			      "sent to multicast or broadcast addresses "
			      "(give a host such as 198.19.1.2 or a block "
			      "such as 198.19.1.0/24)");
	return PORTIER_EINVAL;
}

static int nothing_left(struct portier_err *err, const char *arg)
{
	portier_err_set(err, PORTIER_EINVAL,
			"bad target '%s': no unicast host address in it", arg);
	portier_err_hint(err, "blocks and ranges skip multicast, broadcast "
			      "and 0.x addresses and the .0 and .255 of every "
			      "/24; name a single host to ask one of those");
	return PORTIER_EINVAL;
}

static int parse_one(struct tlist *l, const char *arg, struct portier_err *err)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *dash;
	struct in_addr a4, b4;
	struct in6_addr a6;
	unsigned long bits, last;
	uint32_t lo, hi, h;
	size_t before = l->n;
	const char *why;
	int rc;

	if (strlen(arg) >= sizeof(buf))
		return bad(err, arg, "too long");
	strcpy(buf, arg);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (strchr(buf, ':')) {
		if (inet_pton(AF_INET6, buf, &a6) != 1)
			return bad(err, arg, "not an IPv6 address");
		if (!slash) {
			why = not_unicast6(&a6);
			return why ? not_one_host(err, arg, why)
				   : push6(l, &a6, arg, err);
		}
		if (portier_parse_ulong(slash, 112, 128, &bits) < 0)
			return bad(err, arg,
				   "IPv6 blocks must be /112 to /128");
		{
			unsigned long n = 1ul << (128 - bits), i;
			unsigned keep = (unsigned)bits;
			int k;

			/* clear the host bits, then count up through them */
			for (k = 15; k >= 0 && keep < 128; k--) {
				unsigned lo_bit = (unsigned)k * 8;
				unsigned clear = 0;

				if (keep <= lo_bit)
					clear = 8;
				else if (keep < lo_bit + 8)
					clear = lo_bit + 8 - keep;
				a6.s6_addr[k] &= (uint8_t)(0xff << clear);
			}
			for (i = 0; i < n; i++) {
				struct in6_addr x = a6;
				unsigned long v = i;

				x.s6_addr[15] |= (uint8_t)v;
				x.s6_addr[14] |= (uint8_t)(v >> 8);
				if (not_unicast6(&x))
					continue;
				rc = push6(l, &x, arg, err);
				if (rc < 0)
					return rc;
			}
		}
		return l->n > before ? 0 : nothing_left(err, arg);
	}
	dash = strchr(buf, '-');
	if (dash && slash)
		return bad(err, arg, "a block or a range, not both");
	if (dash)
		*dash++ = '\0';
	if (inet_pton(AF_INET, buf, &a4) != 1)
		return bad(err, arg, "not an IPv4 address");
	lo = hi = ntohl(a4.s_addr);
	if (!slash && !dash) {
		why = not_unicast4(lo);
		return why ? not_one_host(err, arg, why)
			   : push4(l, lo, arg, err);
	}
	if (slash) {
		if (portier_parse_ulong(slash, 8, 32, &bits) < 0)
			return bad(err, arg, "IPv4 prefix must be /8 to /32");
		if (bits < 32) {
			uint32_t mask = bits ? ~0u << (32 - bits) : 0;

			lo &= mask;
			hi = lo | ~mask;
			if (bits <= 30) { /* no network, no broadcast */
				lo++;
				hi--;
			}
		}
	} else if (dash) {
		if (strchr(dash, '.')) {
			if (inet_pton(AF_INET, dash, &b4) != 1)
				return bad(err, arg,
					   "range end is not an IPv4 address");
			hi = ntohl(b4.s_addr);
		} else {
			if (portier_parse_ulong(dash, 0, 255, &last) < 0)
				return bad(err, arg,
					   "range end must be 0-255 or an "
					   "address");
			hi = (lo & 0xffffff00u) | (uint32_t)last;
		}
		if (hi < lo)
			return bad(err, arg, "range ends before it starts");
	}
	/* a /32 of an address that is never a host gets the single-address
	 * error; otherwise it is a block like any other */
	if (slash && bits == 32) {
		why = not_unicast4(lo);
		if (why)
			return not_one_host(err, arg, why);
	}
	for (h = lo;; h++) {
		if (!skip_in_sweep4(h)) {
			rc = push4(l, h, arg, err);
			if (rc < 0)
				return rc;
		}
		if (h == hi)
			break;
	}
	return l->n > before ? 0 : nothing_left(err, arg);
}

int portier_probe_targets_parse(char *const *args, size_t n_args,
				size_t max_total,
				struct portier_probe_addr **out, size_t *n_out,
				struct portier_err *err)
{
	struct tlist l = {.max = max_total};
	size_t i;

	*out = NULL;
	*n_out = 0;
	for (i = 0; i < n_args; i++) {
		int rc = parse_one(&l, args[i], err);

		if (rc < 0) {
			portier_free(l.v);
			return rc;
		}
	}
	if (l.n == 0) {
		portier_free(l.v);
		return portier_err_set(err, PORTIER_EINVAL, "no targets given");
	}
	*out = l.v;
	*n_out = l.n;
	return 0;
}
