/*
 * allow.c - the addresses guard must never block: loopback, this host's own
 * addresses, its gateways and DNS servers, and what the user allows.
 *
 * Blocking one of these would cut the host off from its own network (the
 * failure mode of fail2ban set-ups that banned their own gateway), and each
 * of them is easy to spoof in a scan precisely to provoke that.  So an
 * allowlisted source may still raise an alert, but never a block.  The list
 * is a plain array of prefixes: it holds tens of entries, and a linear scan
 * of them costs less than the hash lookup of the source before it.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "portier/guard.h"

const char *portier_guard_addr_str(uint8_t family, const uint8_t addr[16],
				   char *buf, size_t len)
{
	if (!inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf,
		       (socklen_t)len))
		portier_strlcpy(buf, "?", len);
	return buf;
}

const char *portier_guard_allow_why_name(uint8_t why)
{
	switch (why) {
	case PG_ALLOW_USER:
		return "allow";
	case PG_ALLOW_LOOPBACK:
		return "loopback";
	case PG_ALLOW_OWN:
		return "own-address";
	case PG_ALLOW_GATEWAY:
		return "gateway";
	case PG_ALLOW_DNS:
		return "dns-server";
	default:
		return "?";
	}
}

int portier_guard_cidr_parse(const char *s, struct portier_guard_cidr *c,
			     struct portier_err *err)
{
	char buf[64];
	char *slash;
	unsigned long plen;
	int max;

	memset(c, 0, sizeof(*c));
	if (portier_strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		goto bad;
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, c->addr) == 1) {
		c->family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
		c->family = 6;
		max = 128;
	} else {
		goto bad;
	}
	plen = (unsigned long)max;
	if (slash &&
	    portier_parse_ulong(slash, 0, (unsigned long)max, &plen) < 0)
		goto bad;
	c->plen = (uint8_t)plen;
	c->why = PG_ALLOW_USER;
	return 0;
bad:
	portier_err_set(err, PORTIER_EINVAL, "bad address or prefix '%s'", s);
	portier_err_hint(err, "give an address or CIDR, e.g. 192.0.2.0/24 or "
			      "2001:db8::/32");
	return PORTIER_EINVAL;
}

int portier_guard_allow_add(struct portier_guard_allow *a,
			    const struct portier_guard_cidr *c)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->v[i].family == c->family && a->v[i].plen == c->plen &&
		    !memcmp(a->v[i].addr, c->addr, 16))
			return 0;
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 16;
		struct portier_guard_cidr *nv =
			portier_realloc(a->v, ncap * sizeof(*nv));

		if (!nv)
			return PORTIER_ENOMEM;
		a->v = nv;
		a->cap = ncap;
	}
	a->v[a->n++] = *c;
	return 0;
}

int portier_guard_allow_init(struct portier_guard_allow *a)
{
	struct portier_guard_cidr lo4 = {.family = 4,
					 .plen = 8,
					 .addr = {127},
					 .why = PG_ALLOW_LOOPBACK};
	struct portier_guard_cidr lo6 = {.family = 6,
					 .plen = 128,
					 .addr = {[15] = 1},
					 .why = PG_ALLOW_LOOPBACK};
	int rc;

	memset(a, 0, sizeof(*a));
	rc = portier_guard_allow_add(a, &lo4);
	return rc < 0 ? rc : portier_guard_allow_add(a, &lo6);
}

static bool prefix_match(const uint8_t *net, const uint8_t *addr, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;

	if (memcmp(net, addr, full))
		return false;
	if (!rest)
		return true;
	return ((net[full] ^ addr[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

const struct portier_guard_cidr *
portier_guard_allowed(const struct portier_guard_allow *a, uint8_t family,
		      const uint8_t addr[16])
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->v[i].family == family &&
		    prefix_match(a->v[i].addr, addr, a->v[i].plen))
			return &a->v[i];
	/* an IPv4-mapped IPv6 address is the IPv4 address (RFC 4291 2.5.5.2) */
	if (family == 6) {
		static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};

		uint8_t v4[16] = {0};

		if (!memcmp(addr, mapped, 12)) {
			memcpy(v4, addr + 12, 4);
			return portier_guard_allowed(a, 4, v4);
		}
	}
	return NULL;
}

unsigned portier_guard_ban_prefix(const struct portier_guard_allow *a,
				  uint8_t family, const uint8_t addr[16],
				  bool prefix64,
				  const struct portier_guard_cidr **why)
{
	size_t i;

	*why = portier_guard_allowed(a, family, addr);
	if (*why)
		return 0;
	if (family != 6 || !prefix64)
		return family == 4 ? 32 : 128;
	/* an entry shorter than /64 that matched would have allowlisted addr
	 * itself; one of /64 or longer inside addr's /64 forbids the /64 */
	for (i = 0; i < a->n; i++)
		if (a->v[i].family == 6 && a->v[i].plen >= 64 &&
		    !memcmp(a->v[i].addr, addr, 8)) {
			*why = &a->v[i];
			return 128;
		}
	return 64;
}

bool portier_guard_allow_is_own(const struct portier_guard_allow *a,
				uint8_t family, const uint8_t addr[16])
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->v[i].why == PG_ALLOW_OWN && a->v[i].family == family &&
		    !memcmp(a->v[i].addr, addr, family == 4 ? 4 : 16))
			return true;
	return false;
}

void portier_guard_allow_free(struct portier_guard_allow *a)
{
	portier_free(a->v);
	memset(a, 0, sizeof(*a));
}
