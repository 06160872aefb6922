/*
 * sysaddr.c - the system's side of the allowlist: this namespace's own
 * addresses (getifaddrs), its gateways (the kernel's route tables as
 * <proc>/net/route and <proc>/net/ipv6_route print them) and its DNS
 * servers (the nameserver lines of resolv.conf).  Whatever cannot be read
 * is skipped: the loopback and --allow entries are there regardless.
 */
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portier/guard.h"

/* One host address (a /32 or /128 entry). */
static int add(struct portier_guard_allow *a, const struct portier_addr *x,
	       uint8_t why)
{
	struct portier_guard_cidr c;

	memset(&c, 0, sizeof(c));
	c.prefix.addr = *x;
	c.prefix.plen = x->family == 4 ? 32 : 128;
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
		struct portier_addr x;

		if (i->ifa_addr &&
		    portier_addr_from_sockaddr(i->ifa_addr, &x) == 0)
			rc = add(a, &x, PG_ALLOW_OWN);
	}
	freeifaddrs(ifs);
	return rc;
}

/* /proc/net/route: Iface Destination Gateway ... in little-endian hex. */
static bool gateway4(const char *line, struct portier_addr *gw)
{
	char ifname[64];
	unsigned dst, hop;

	if (sscanf(line, "%63s %x %x", ifname, &dst, &hop) != 3 || !hop)
		return false;
	/* the kernel prints the address as a host-order number of the
	 * network-order bytes */
	return portier_addr_set(gw, 4, &hop) == 0;
}

/* /proc/net/ipv6_route: dst plen src plen nexthop ... as 32 hex digits. */
static bool gateway6(const char *line, struct portier_addr *gw)
{
	char dst[33], src[33], hop[33];
	unsigned dl, sl, i;
	uint8_t b[16];
	bool zero = true;

	if (sscanf(line, "%32s %x %32s %x %32s", dst, &dl, src, &sl, hop) !=
		    5 ||
	    strlen(hop) != 32)
		return false;
	for (i = 0; i < 16; i++) {
		char two[3] = {hop[2 * i], hop[2 * i + 1], 0};

		b[i] = (uint8_t)strtoul(two, NULL, 16);
		if (b[i])
			zero = false;
	}
	return !zero && portier_addr_set(gw, 6, b) == 0;
}

/* The gateways of one route table, <proc>/net/<name>, one line at a time. */
static int gateways(struct portier_guard_allow *a, const char *proc_root,
		    const char *name,
		    bool (*gateway)(const char *, struct portier_addr *))
{
	char path[4096], line[512];
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/net/%s", proc_root, name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		struct portier_addr gw;

		if (gateway(line, &gw))
			rc = add(a, &gw, PG_ALLOW_GATEWAY);
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
		struct portier_addr x;
		char *pct;

		if (sscanf(line, "%31s %63s", word, addr) != 2 ||
		    strcmp(word, "nameserver") != 0)
			continue;
		pct = strchr(addr, '%'); /* fe80::1%eth0 */
		if (pct)
			*pct = '\0';
		if (portier_addr_parse(addr, &x) == 0)
			rc = add(a, &x, PG_ALLOW_DNS);
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
		rc = gateways(a, proc_root, "route", gateway4);
	if (rc == 0)
		rc = gateways(a, proc_root, "ipv6_route", gateway6);
	if (rc == 0 && resolv_conf)
		rc = dns_servers(a, resolv_conf);
	return rc;
}
