/*
 * addr.c - IPv4 and IPv6 addresses and prefixes for every module, and the
 * one rule on which addresses a probe may go to.
 *
 * The rule is a table of special blocks, each with its class; classifying
 * an address is finding the first block that holds it, and the target
 * policy is a list of classes that are never one host.  The blocks a probe
 * must skip inside a larger target (net's interval lists subtract them) are
 * read from the same table, so the single-address check and the skipping
 * inside blocks cannot disagree.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "portier/addr.h"

static unsigned width(unsigned family)
{
	return family == 4 ? 32 : 128;
}

int portier_addr_parse(const char *s, struct portier_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) == 1) {
		a->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		a->family = 6;
		return 0;
	}
	memset(a, 0, sizeof(*a));
	return PORTIER_EINVAL;
}

const char *portier_addr_str(const struct portier_addr *a, char *buf,
			     size_t len)
{
	int af = portier_addr_af(a->family);

	if (af == AF_UNSPEC || !inet_ntop(af, a->b, buf, (socklen_t)len))
		portier_strlcpy(buf, "?", len);
	return buf;
}

int portier_addr_cmp(const struct portier_addr *a, const struct portier_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, a->family == 4 ? 4 : 16);
}

uint64_t portier_addr_hash(const struct portier_addr *a)
{
	uint64_t h = 1469598103934665603ull ^ a->family;
	size_t i;

	for (i = 0; i < 16; i++)
		h = (h ^ a->b[i]) * 1099511628211ull;
	return h ^ (h >> 31);
}

int portier_addr_set(struct portier_addr *a, unsigned family, const void *bytes)
{
	memset(a, 0, sizeof(*a));
	if (family != 4 && family != 6)
		return PORTIER_EINVAL;
	a->family = (uint8_t)family;
	memcpy(a->b, bytes, family == 4 ? 4 : 16);
	return 0;
}

int portier_addr_af(unsigned family)
{
	return family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC;
}

uint8_t portier_addr_family_of(int af)
{
	return af == AF_INET ? 4 : af == AF_INET6 ? 6 : 0;
}

int portier_addr_from_sockaddr(const struct sockaddr *sa,
			       struct portier_addr *a)
{
	if (sa->sa_family == AF_INET)
		return portier_addr_set(
			a, 4,
			&((const struct sockaddr_in *)(const void *)sa)
				 ->sin_addr);
	if (sa->sa_family == AF_INET6)
		return portier_addr_set(
			a, 6,
			&((const struct sockaddr_in6 *)(const void *)sa)
				 ->sin6_addr);
	memset(a, 0, sizeof(*a));
	return PORTIER_EINVAL;
}

socklen_t portier_addr_to_sockaddr(const struct portier_addr *a, uint16_t port,
				   struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->b, 4);
		return sizeof(*s4);
	}
	if (a->family == 6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->b, 16);
		return sizeof(*s6);
	}
	return 0;
}

static const uint8_t v4mapped_prefix[12] = {[10] = 0xff, [11] = 0xff};

bool portier_addr_is_v4mapped(const struct portier_addr *a)
{
	return a->family == 6 && memcmp(a->b, v4mapped_prefix, 12) == 0;
}

void portier_addr_unmap(const struct portier_addr *a, struct portier_addr *out)
{
	struct portier_addr v4;

	if (!portier_addr_is_v4mapped(a)) {
		if (out != a)
			*out = *a;
		return;
	}
	portier_addr_set(&v4, 4, a->b + 12);
	*out = v4;
}

/* ---- prefixes ------------------------------------------------------------ */

static bool prefix_match(const uint8_t *net, const uint8_t *addr, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;

	if (memcmp(net, addr, full))
		return false;
	if (!rest)
		return true;
	return ((net[full] ^ addr[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool portier_prefix_contains(const struct portier_prefix *p,
			     const struct portier_addr *a)
{
	return p->addr.family == a->family &&
	       prefix_match(p->addr.b, a->b, p->plen);
}

/* Set (ones) or clear the bits of b past plen, within the family's width. */
static void host_bits(uint8_t *b, unsigned family, unsigned plen, bool ones)
{
	unsigned i, n = width(family) / 8;

	for (i = 0; i < n; i++) {
		unsigned keep = plen > i * 8 ? plen - i * 8 : 0;
		uint8_t host = keep >= 8 ? 0 : (uint8_t)(0xffu >> keep);

		b[i] = ones ? (uint8_t)(b[i] | host) : (uint8_t)(b[i] & ~host);
	}
}

void portier_prefix_clear_host(struct portier_prefix *p)
{
	host_bits(p->addr.b, p->addr.family, p->plen, false);
}

void portier_prefix_last(const struct portier_prefix *p,
			 struct portier_addr *out)
{
	*out = p->addr;
	host_bits(out->b, out->family, p->plen, true);
}

int portier_prefix_parse(const char *s,
			 enum portier_prefix_host_bits host_bits_rule,
			 struct portier_prefix *p, struct portier_err *err)
{
	char buf[64];
	char *slash;
	unsigned long plen;
	unsigned max;
	struct portier_prefix clean;

	memset(p, 0, sizeof(*p));
	if (!*s || portier_strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		goto bad_addr;
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (portier_addr_parse(buf, &p->addr) < 0)
		goto bad_addr;
	max = width(p->addr.family);
	plen = max;
	if (slash && portier_parse_ulong(slash, 0, max, &plen) < 0) {
		portier_err_set(err, PORTIER_EINVAL,
				"bad prefix length '%s' in '%s'", slash, s);
		portier_err_hint(err, "an %s prefix length is 0 to %u, e.g. %s",
				 max == 32 ? "IPv4" : "IPv6", max,
				 max == 32 ? "10.0.0.0/16" : "fd00::/120");
		memset(p, 0, sizeof(*p));
		return PORTIER_EINVAL;
	}
	p->plen = (uint8_t)plen;
	clean = *p;
	portier_prefix_clear_host(&clean);
	if (host_bits_rule == PORTIER_PREFIX_REFUSE_HOST_BITS &&
	    memcmp(clean.addr.b, p->addr.b, 16) != 0) {
		char net[PORTIER_PREFIX_STRLEN];

		portier_err_set(err, PORTIER_EINVAL,
				"'%s' has host bits set past /%u", s, p->plen);
		portier_err_hint(err,
				 "write the network, %s, or the address "
				 "alone",
				 portier_prefix_str(&clean, net, sizeof(net)));
		memset(p, 0, sizeof(*p));
		return PORTIER_EINVAL;
	}
	*p = clean;
	return 0;
bad_addr:
	portier_err_set(err, PORTIER_EINVAL, "bad address or prefix '%s'", s);
	portier_err_hint(err, "give an IPv4 or IPv6 address or prefix, e.g. "
			      "192.0.2.7, 10.0.0.0/8 or fd00::/8");
	memset(p, 0, sizeof(*p));
	return PORTIER_EINVAL;
}

const char *portier_prefix_str(const struct portier_prefix *p, char *buf,
			       size_t len)
{
	char a[PORTIER_ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", portier_addr_str(&p->addr, a, sizeof(a)),
		 p->plen);
	return buf;
}

/* ---- the policy ---------------------------------------------------------- */

/* The special blocks, most specific first where they nest (none do yet). */
static const struct {
	uint8_t family, plen;
	uint8_t b[16];
	enum portier_addr_class cls;
} special[] = {
	{4, 8, {0}, PORTIER_ADDR_THIS_NET},
	{4, 8, {127}, PORTIER_ADDR_LOOPBACK},
	{4, 16, {169, 254}, PORTIER_ADDR_LINK_LOCAL},
	{4, 4, {224}, PORTIER_ADDR_MULTICAST},
	{4, 32, {255, 255, 255, 255}, PORTIER_ADDR_BROADCAST},
	{6, 128, {0}, PORTIER_ADDR_UNSPECIFIED},
	{6, 128, {[15] = 1}, PORTIER_ADDR_LOOPBACK},
	{6, 96, {[10] = 0xff, [11] = 0xff}, PORTIER_ADDR_V4MAPPED},
	{6, 10, {0xfe, 0x80}, PORTIER_ADDR_LINK_LOCAL},
	{6, 8, {0xff}, PORTIER_ADDR_MULTICAST},
};

#define N_SPECIAL (sizeof(special) / sizeof(special[0]))

enum portier_addr_class portier_addr_classify(const struct portier_addr *a)
{
	size_t i;

	for (i = 0; i < N_SPECIAL; i++)
		if (special[i].family == a->family &&
		    prefix_match(special[i].b, a->b, special[i].plen))
			return special[i].cls;
	return PORTIER_ADDR_UNICAST;
}

const char *portier_addr_class_name(enum portier_addr_class c)
{
	switch (c) {
	case PORTIER_ADDR_UNICAST:
		return "unicast";
	case PORTIER_ADDR_UNSPECIFIED:
		return "unspecified";
	case PORTIER_ADDR_THIS_NET:
		return "this-network";
	case PORTIER_ADDR_LOOPBACK:
		return "loopback";
	case PORTIER_ADDR_V4MAPPED:
		return "v4-mapped";
	case PORTIER_ADDR_MULTICAST:
		return "multicast";
	case PORTIER_ADDR_BROADCAST:
		return "broadcast";
	case PORTIER_ADDR_LINK_LOCAL:
		return "link-local";
	}
	return "?";
}

bool portier_addr_is_loopback(const struct portier_addr *a)
{
	struct portier_addr m;

	portier_addr_unmap(a, &m);
	return portier_addr_classify(&m) == PORTIER_ADDR_LOOPBACK;
}

/* Site networks: what the internet does not route to a host. */
static const struct {
	unsigned family, plen;
	uint8_t b[16];
} site_nets[] = {
	{4, 8, {10}},	       {4, 12, {172, 16}},  {4, 16, {192, 168}},
	{4, 10, {100, 64}},    {4, 16, {169, 254}}, {6, 7, {0xfc}},
	{6, 10, {0xfe, 0x80}},
};

bool portier_addr_is_site(const struct portier_addr *a)
{
	struct portier_addr m;
	size_t i;

	portier_addr_unmap(a, &m);
	for (i = 0; i < sizeof(site_nets) / sizeof(site_nets[0]); i++)
		if (site_nets[i].family == m.family &&
		    prefix_match(site_nets[i].b, m.b, site_nets[i].plen))
			return true;
	return false;
}

/* Why a class (of an address of family) is never a probe target, or NULL. */
static const char *refusal(enum portier_addr_class c, unsigned family,
			   const char **hint)
{
	const char *what = NULL, *why = NULL;

	switch (c) {
	case PORTIER_ADDR_UNSPECIFIED:
		what = "the unspecified address";
		why = ":: stands for no address at all, not a host";
		break;
	case PORTIER_ADDR_THIS_NET:
		what = "in 0.0.0.0/8 (this network)";
		why = "0.0.0.0/8 is not a host address";
		break;
	case PORTIER_ADDR_MULTICAST:
		what = family == 4 ? "a multicast address"
				   : "an IPv6 multicast address";
		why = family == 4
			      ? "portier probes unicast hosts only: a probe "
				"to a multicast group (224.0.0.0/4) "
				"reaches every member"
			      : "portier probes unicast hosts only: "
				"ff00::/8 is multicast";
		break;
	case PORTIER_ADDR_BROADCAST:
		what = "the broadcast address";
		why = "portier probes unicast hosts only: 255.255.255.255 is "
		      "every host on the link";
		break;
	case PORTIER_ADDR_LINK_LOCAL:
		if (family == 4)
			return NULL; /* routable on the link without a scope */
		what = "an IPv6 link-local address";
		why = "link-local addresses (fe80::/10) need an interface "
		      "scope (%eth0), which portier does not support: probe "
		      "the host's global or ULA address";
		break;
	default:
		return NULL;
	}
	if (hint)
		*hint = why;
	return what;
}

const char *portier_addr_not_target(const struct portier_addr *a,
				    const char **hint)
{
	struct portier_addr m;

	portier_addr_unmap(a, &m);
	return refusal(portier_addr_classify(&m), m.family, hint);
}

size_t portier_addr_not_target_blocks(struct portier_prefix *out, size_t cap)
{
	size_t i, n = 0;

	for (i = 0; i < N_SPECIAL; i++) {
		struct portier_prefix p = {.plen = special[i].plen};
		bool v4 = special[i].family == 4;

		if (!refusal(special[i].cls, special[i].family, NULL))
			continue;
		portier_addr_set(&p.addr, special[i].family, special[i].b);
		if (n < cap)
			out[n] = p;
		n++;
		if (!v4)
			continue;
		/* the same block written as ::ffff:a.b.c.d */
		p.addr.family = 6;
		memcpy(p.addr.b + 12, special[i].b, 4);
		memcpy(p.addr.b, v4mapped_prefix, 12);
		p.plen = (uint8_t)(96 + special[i].plen);
		if (n < cap)
			out[n] = p;
		n++;
	}
	return n;
}

/* ---- protocols ------------------------------------------------------------- */

enum portier_proto portier_proto_of_ip(unsigned ipproto)
{
	switch (ipproto) {
	case IPPROTO_TCP:
		return PORTIER_PROTO_TCP;
	case IPPROTO_UDP:
		return PORTIER_PROTO_UDP;
	case IPPROTO_SCTP:
		return PORTIER_PROTO_SCTP;
	case IPPROTO_DCCP:
		return PORTIER_PROTO_DCCP;
	default:
		return (enum portier_proto)0;
	}
}
