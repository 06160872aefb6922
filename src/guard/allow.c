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
#include <string.h>

#include "portier/guard.h"

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
	memset(c, 0, sizeof(*c));
	c->why = PG_ALLOW_USER;
	return portier_prefix_parse(s, PORTIER_PREFIX_CLEAR_HOST_BITS,
				    &c->prefix, err);
}

int portier_guard_allow_add(struct portier_guard_allow *a,
			    const struct portier_guard_cidr *c)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->v[i].prefix.plen == c->prefix.plen &&
		    portier_addr_cmp(&a->v[i].prefix.addr, &c->prefix.addr) ==
			    0)
			return 0;
	if (portier_grow(&a->v, &a->cap, a->n + 1, sizeof(*a->v), 16) < 0)
		return PORTIER_ENOMEM;
	a->v[a->n++] = *c;
	return 0;
}

int portier_guard_allow_init(struct portier_guard_allow *a)
{
	struct portier_guard_cidr lo4 = {.prefix = {{4, {127}}, 8},
					 .why = PG_ALLOW_LOOPBACK};
	struct portier_guard_cidr lo6 = {.prefix = {{6, {[15] = 1}}, 128},
					 .why = PG_ALLOW_LOOPBACK};
	int rc;

	memset(a, 0, sizeof(*a));
	rc = portier_guard_allow_add(a, &lo4);
	return rc < 0 ? rc : portier_guard_allow_add(a, &lo6);
}

static const struct portier_guard_cidr *
allowed(const struct portier_guard_allow *a, const struct portier_addr *x)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (portier_prefix_contains(&a->v[i].prefix, x))
			return &a->v[i];
	return NULL;
}

const struct portier_guard_cidr *
portier_guard_allowed(const struct portier_guard_allow *a,
		      const struct portier_addr *x)
{
	struct portier_addr m;
	const struct portier_guard_cidr *hit = allowed(a, x);

	/* an IPv4-mapped IPv6 address is the IPv4 address (RFC 4291 2.5.5.2) */
	portier_addr_unmap(x, &m);
	return hit || m.family == x->family ? hit : allowed(a, &m);
}

unsigned portier_guard_ban_prefix(const struct portier_guard_allow *a,
				  const struct portier_addr *addr,
				  bool prefix64,
				  const struct portier_guard_cidr **why)
{
	struct portier_prefix net64 = {*addr, 64};
	size_t i;

	*why = portier_guard_allowed(a, addr);
	if (*why)
		return 0;
	if (addr->family != 6 || !prefix64)
		return addr->family == 4 ? 32 : 128;
	/* an entry shorter than /64 that matched would have allowlisted addr
	 * itself; one of /64 or longer inside addr's /64 forbids the /64 */
	for (i = 0; i < a->n; i++)
		if (a->v[i].prefix.plen >= 64 &&
		    portier_prefix_contains(&net64, &a->v[i].prefix.addr)) {
			*why = &a->v[i];
			return 128;
		}
	return 64;
}

bool portier_guard_allow_is_own(const struct portier_guard_allow *a,
				const struct portier_addr *x)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->v[i].why == PG_ALLOW_OWN &&
		    portier_addr_cmp(&a->v[i].prefix.addr, x) == 0)
			return true;
	return false;
}

void portier_guard_allow_free(struct portier_guard_allow *a)
{
	portier_free(a->v);
	memset(a, 0, sizeof(*a));
}
