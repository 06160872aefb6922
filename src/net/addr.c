/*
 * addr.c - IPv4 and IPv6 addresses: parsing, printing, ordering, and the
 * conversion to plain numbers that interval arithmetic works on.  An IPv4
 * address is the 32-bit number of RFC 791 3.1; an IPv6 one the 128-bit
 * number of RFC 4291 2.
 */
#include <arpa/inet.h>
#include <string.h>
#include <time.h>

#include "net/net_int.h"

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
	return PORTIER_EINVAL;
}

const char *portier_addr_str(const struct portier_addr *a, char *buf,
			     size_t len)
{
	if (!inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->b, buf,
		       (socklen_t)len))
		portier_strlcpy(buf, "?", len);
	return buf;
}

int portier_addr_cmp(const struct portier_addr *a, const struct portier_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, a->family == 4 ? 4 : 16);
}

net_u128 net_addr_to_u128(const struct portier_addr *a)
{
	net_u128 v = 0;
	int i, n = a->family == 4 ? 4 : 16;

	for (i = 0; i < n; i++)
		v = (v << 8) | a->b[i];
	return v;
}

void net_u128_to_addr(net_u128 v, uint8_t family, struct portier_addr *a)
{
	int i, n = family == 4 ? 4 : 16;

	memset(a, 0, sizeof(*a));
	a->family = family;
	for (i = n - 1; i >= 0; i--) {
		a->b[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

uint64_t portier_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
