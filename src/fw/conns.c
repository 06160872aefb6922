/*
 * conns.c - the TCP connections that exist when a policy is applied, so
 * that allow-only lets them live on (see struct portier_fw_conn), and the
 * one parser of /proc/net/tcp lines that src/fw/ shares.
 *
 * /proc/net/tcp prints each address as the raw 32-bit words the kernel
 * holds in network order, formatted as host-order hex ("0100007F" is
 * 127.0.0.1 on a little-endian machine); copying the parsed words back into
 * memory therefore restores the network-order bytes on any machine.  The
 * file shows the reading process's network namespace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fw/fw_int.h"

/* "HEX:PORT" -> address bytes (4 or 16) and port; 0 or -1. */
static int parse_endpoint(const char *s, uint8_t addr[16], size_t *alen,
			  uint16_t *port)
{
	const char *colon = strchr(s, ':');
	size_t hexlen, w;
	unsigned long p;

	if (!colon)
		return -1;
	hexlen = (size_t)(colon - s);
	if (hexlen != 8 && hexlen != 32)
		return -1;
	for (w = 0; w < hexlen / 8; w++) {
		char word[9];
		char *end;
		uint32_t v;

		memcpy(word, s + w * 8, 8);
		word[8] = '\0';
		v = (uint32_t)strtoul(word, &end, 16);
		if (*end)
			return -1;
		memcpy(addr + w * 4, &v, 4);
	}
	p = strtoul(colon + 1, NULL, 16);
	if (p > 65535)
		return -1;
	*alen = hexlen / 2;
	*port = (uint16_t)p;
	return 0;
}

int fw_procnet_line(const char *line, struct fw_procnet *out)
{
	char local[80], remote[80];
	unsigned st;
	size_t alen, rlen;

	if (sscanf(line, " %*s %79s %79s %x %*s %*s %*s %*s %*s %lu", local,
		   remote, &st, &out->inode) != 4)
		return -1;
	if (parse_endpoint(local, out->laddr, &alen, &out->lport) < 0 ||
	    parse_endpoint(remote, out->raddr, &rlen, &out->rport) < 0 ||
	    alen != rlen)
		return -1;
	out->v6 = alen == 16;
	out->state = st;
	return 0;
}

static bool loopback(int family, const uint8_t *a)
{
	static const uint8_t lo6[16] = {[15] = 1};

	return family == AF_INET ? a[0] == 127 : memcmp(a, lo6, 16) == 0;
}

static int add_conns(const char *file, struct portier_fw_conn **out, size_t *n,
		     size_t *cap)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
	char line[512];
	FILE *f = fopen(file, "re");

	if (!f)
		return 0; /* no IPv6, say */
	while (fgets(line, sizeof(line), f)) {
		struct fw_procnet e;
		struct portier_fw_conn c = {0};

		if (fw_procnet_line(line, &e) < 0 || e.state != 0x01)
			continue; /* header, or not TCP_ESTABLISHED */
		if (e.v6 && memcmp(e.raddr, mapped, 12) == 0) {
			c.family = AF_INET; /* ::ffff:a.b.c.d arrives as IPv4 */
			memcpy(c.raddr, e.raddr + 12, 4);
		} else {
			c.family = e.v6 ? AF_INET6 : AF_INET;
			memcpy(c.raddr, e.raddr, e.v6 ? 16 : 4);
		}
		if (loopback(c.family, c.raddr))
			continue;
		c.rport = e.rport;
		c.lport = e.lport;
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 64;
			struct portier_fw_conn *p =
				portier_realloc(*out, ncap * sizeof(*p));

			if (!p) {
				fclose(f);
				return PORTIER_ENOMEM;
			}
			*out = p;
			*cap = ncap;
		}
		(*out)[(*n)++] = c;
	}
	fclose(f);
	return 0;
}

int portier_fw_conns_from_proc(const char *proc_root,
			       struct portier_fw_conn **out, size_t *n,
			       struct portier_err *err)
{
	char file[4200];
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!proc_root || !*proc_root)
		proc_root = "/proc";
	snprintf(file, sizeof(file), "%s/net/tcp", proc_root);
	rc = add_conns(file, out, n, &cap);
	if (rc == 0) {
		snprintf(file, sizeof(file), "%s/net/tcp6", proc_root);
		rc = add_conns(file, out, n, &cap);
	}
	if (rc < 0) {
		portier_free(*out);
		*out = NULL;
		*n = 0;
		return portier_err_set(err, rc, "out of memory");
	}
	return 0;
}
