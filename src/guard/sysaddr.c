/*
 * sysaddr.c - the system's side of the allowlist: this namespace's own
 * addresses (getifaddrs), its gateways (the kernel's route tables as
 * <proc>/net/route and <proc>/net/ipv6_route print them) and its DNS
 * servers (the nameserver lines of resolv.conf).  Whatever cannot be read
 * is skipped: the loopback and --allow entries are there regardless.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portier/guard.h"

static int add(struct portier_guard_allow *a, uint8_t family,
	       const uint8_t *addr, uint8_t why)
{
	struct portier_guard_cidr c;

	memset(&c, 0, sizeof(c));
	c.family = family;
	c.plen = family == 4 ? 32 : 128;
	memcpy(c.addr, addr, family == 4 ? 4 : 16);
	c.why = why;
	return portier_guard_allow_add(a, &c);
}

static int own_addresses(struct portier_guard_allow *a)
{
	struct ifaddrs *ifs, *i;
	int rc = 0;

	if (getifaddrs(&ifs) < 0)
		return 0;
	for (i = ifs; i && rc == 0; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			const struct sockaddr_in *sin =
				(const struct sockaddr_in *)(const void *)
					i->ifa_addr;

			rc = add(a, 4, (const uint8_t *)&sin->sin_addr,
				 PG_ALLOW_OWN);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			const struct sockaddr_in6 *sin6 =
				(const struct sockaddr_in6 *)(const void *)
					i->ifa_addr;

			rc = add(a, 6, sin6->sin6_addr.s6_addr, PG_ALLOW_OWN);
		}
	}
	freeifaddrs(ifs);
	return rc;
}

/* /proc/net/route: Iface Destination Gateway ... in little-endian hex. */
static int gateways4(struct portier_guard_allow *a, const char *proc_root)
{
	char path[4096], line[512];
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/net/route", proc_root);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		char ifname[64];
		unsigned dst, gw;

		if (sscanf(line, "%63s %x %x", ifname, &dst, &gw) != 3 || !gw)
			continue;
		/* the kernel prints the address as a host-order number of
		 * the network-order bytes */
		rc = add(a, 4, (const uint8_t *)&gw, PG_ALLOW_GATEWAY);
	}
	fclose(f);
	return rc;
}

/* /proc/net/ipv6_route: dst plen src plen nexthop ... as 32 hex digits. */
static int gateways6(struct portier_guard_allow *a, const char *proc_root)
{
	char path[4096], line[512];
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/net/ipv6_route", proc_root);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		char dst[33], src[33], hop[33];
		unsigned dl, sl, i;
		uint8_t b[16];
		bool zero = true;

		if (sscanf(line, "%32s %x %32s %x %32s", dst, &dl, src, &sl,
			   hop) != 5 ||
		    strlen(hop) != 32)
			continue;
		for (i = 0; i < 16; i++) {
			char two[3] = {hop[2 * i], hop[2 * i + 1], 0};

			b[i] = (uint8_t)strtoul(two, NULL, 16);
			if (b[i])
				zero = false;
		}
		if (!zero)
			rc = add(a, 6, b, PG_ALLOW_GATEWAY);
	}
	fclose(f);
	return rc;
}

static int dns_servers(struct portier_guard_allow *a, const char *resolv)
{
	char line[512];
	FILE *f = fopen(resolv, "r");
	int rc = 0;

	if (!f)
		return 0;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		char word[32], addr[64];
		uint8_t b[16];
		char *pct;

		if (sscanf(line, "%31s %63s", word, addr) != 2 ||
		    strcmp(word, "nameserver") != 0)
			continue;
		pct = strchr(addr, '%'); /* fe80::1%eth0 */
		if (pct)
			*pct = '\0';
		if (inet_pton(AF_INET, addr, b) == 1)
			rc = add(a, 4, b, PG_ALLOW_DNS);
		else if (inet_pton(AF_INET6, addr, b) == 1)
			rc = add(a, 6, b, PG_ALLOW_DNS);
	}
	fclose(f);
	return rc;
}

int portier_guard_allow_system(struct portier_guard_allow *a,
			       const char *proc_root, const char *resolv_conf,
			       bool own)
{
	int rc = 0;

	if (!proc_root)
		proc_root = "/proc";
	if (own)
		rc = own_addresses(a);
	if (rc == 0)
		rc = gateways4(a, proc_root);
	if (rc == 0)
		rc = gateways6(a, proc_root);
	if (rc == 0 && resolv_conf)
		rc = dns_servers(a, resolv_conf);
	return rc;
}
