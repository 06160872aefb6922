/*
 * procnet.c - the fallback to /proc/net text, for a protocol whose
 * sock_diag handler the kernel lacks: raw sockets on kernels built without
 * raw_diag (CONFIG_INET_RAW_DIAG) above all, which answer a raw dump with
 * ENOENT; udp_diag and tcp_diag are modules that may be missing too.
 *
 * /proc/net/{tcp,udp,raw}{,6} have one socket a line:
 *   sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt
 *   uid timeout inode ...
 * Addresses are the kernel's in-memory words printed in hex (%08X per
 * 32-bit word), so parsing each word and storing it in host order gives
 * back the network-order bytes; ports are plain hex numbers.
 */
#include <string.h>
#include <sys/socket.h>

#include "local/local_int.h"

static bool hex_u32(const char **p, const char *end, size_t digits, uint32_t *v)
{
	uint32_t x = 0;
	size_t i;

	for (i = 0; i < digits; i++, (*p)++) {
		char c = *p < end ? **p : '\0';

		if (c >= '0' && c <= '9')
			x = x << 4 | (uint32_t)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			x = x << 4 | (uint32_t)((c | 0x20) - 'a' + 10);
		else if (digits == 8 || i == 0)
			return false;
		else
			break; /* variable-length field */
	}
	*v = x;
	return true;
}

static void skip_spaces(const char **p, const char *end)
{
	while (*p < end && **p == ' ')
		(*p)++;
}

static bool addr_port(const char **p, const char *end, size_t words,
		      uint8_t *addr, uint16_t *port)
{
	uint32_t w, v;
	size_t i;

	skip_spaces(p, end);
	for (i = 0; i < words; i++) {
		if (!hex_u32(p, end, 8, &w))
			return false;
		memcpy(addr + 4 * i, &w, 4);
	}
	if (*p >= end || **p != ':')
		return false;
	(*p)++;
	if (!hex_u32(p, end, 4, &v))
		return false;
	*port = (uint16_t)v;
	return true;
}

/* A decimal or hex field (base 10 or 16) up to the next space. */
static bool number(const char **p, const char *end, unsigned base, uint64_t *v)
{
	uint64_t x = 0;
	const char *s;

	skip_spaces(p, end);
	s = *p;
	while (*p < end && **p != ' ' && **p != '\n') {
		char c = **p;
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (unsigned)((c | 0x20) - 'a' + 10);
		else
			return false;
		if (x > (UINT64_MAX - d) / base)
			return false;
		x = x * base + d;
		(*p)++;
	}
	*v = x;
	return *p > s;
}

/*
 * The "sl" column: the line's slot, printed by the kernel in decimal ("%4d:"
 * or "%5d:"), so from line 10000 on it has five or more digits.  Skips it
 * and its ':'; false (the header line) when it is not digits then ':'.
 */
static bool slot_number(const char **p, const char *end)
{
	const char *s;

	skip_spaces(p, end);
	s = *p;
	while (*p < end && **p >= '0' && **p <= '9')
		(*p)++;
	if (*p == s || *p >= end || **p != ':')
		return false;
	(*p)++;
	return true;
}

int local_procnet_parse(const char *text, size_t len, uint8_t family,
			uint8_t proto, struct local_socks *out)
{
	const char *p = text, *end = text + len;
	size_t words = family == AF_INET6 ? 4 : 1;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *q = p;
		struct portier_sock s = {0};
		uint32_t st, tx, rx;
		uint64_t uid, tmo, inode, retr;

		p = nl ? nl + 1 : end;
		/* "sl:" then the fields; the header line fails here */
		if (!slot_number(&q, le))
			continue;
		if (!addr_port(&q, le, words, s.laddr, &s.lport) ||
		    !addr_port(&q, le, words, s.raddr, &s.rport))
			continue;
		skip_spaces(&q, le);
		if (!hex_u32(&q, le, 2, &st))
			continue;
		skip_spaces(&q, le);
		if (!hex_u32(&q, le, 8, &tx) || q >= le || *q++ != ':' ||
		    !hex_u32(&q, le, 8, &rx))
			continue;
		skip_spaces(&q, le);
		/* tr:tm->when */
		while (q < le && *q != ' ')
			q++;
		if (!number(&q, le, 16, &retr) || !number(&q, le, 10, &uid) ||
		    !number(&q, le, 10, &tmo) || !number(&q, le, 10, &inode) ||
		    inode > UINT32_MAX) /* the kernel's socket inodes are
					   32-bit (get_next_ino) */
			continue;
		s.family = family;
		s.proto = proto;
		s.state = (uint8_t)st;
		s.wqueue = tx;
		s.rqueue = rx;
		s.uid = (uint32_t)uid;
		s.inode = (uint32_t)inode;
		{
			struct portier_sock *d = local_socks_push(out);

			if (!d)
				return PORTIER_ENOMEM;
			s.netns = d->netns;
			*d = s;
		}
	}
	return 0;
}
