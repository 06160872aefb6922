/*
 * udp_raw.c - the UDP scan's raw mode (CAP_NET_RAW): datagrams leave one
 * unconnected socket per address family, answers come back to it (matched
 * by source address and port), and ICMP errors are read from raw ICMP and
 * ICMPv6 sockets and matched by the datagram they quote: our source port,
 * the target and its port (portier_reply_parse).  No descriptor per probe.
 */
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "portier/bytes.h"
#include "scan/udp_int.h"

static int raw_fail(struct portier_err *err, const char *what)
{
	int e = errno;

	portier_err_set(err, e == EPERM || e == EACCES ? PORTIER_EPERM : -e,
			"cannot open %s for the UDP scan: %s", what,
			strerror(e));
	if (e == EPERM || e == EACCES)
		portier_err_hint(err, "raw ICMP sockets need CAP_NET_RAW; "
				      "--unprivileged scans without it");
	return e == EPERM || e == EACCES ? PORTIER_EPERM : -e;
}

int udp_raw_open(struct portier_scan *s, struct portier_err *err)
{
	struct udp_state *u = U(s);
	static const int fam[2] = {AF_INET, AF_INET6};
	static const int icmp_proto[2] = {IPPROTO_ICMP, IPPROTO_ICMPV6};
	int k, big = 1 << 20;

	u->raw = true;
	for (k = 0; k < 2; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct epoll_event ev = {.events = EPOLLIN};

		u->icmp[k] =
			socket(fam[k], SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			       icmp_proto[k]);
		if (u->icmp[k] < 0)
			return raw_fail(err, k ? "a raw ICMPv6 socket"
					       : "a raw ICMP socket");
		setsockopt(u->icmp[k], SOL_SOCKET, SO_RCVBUF, &big,
			   sizeof(big));
		if (k == 1) { /* only destination unreachable (RFC 3542 3.2) */
			struct icmp6_filter f;

			ICMP6_FILTER_SETBLOCKALL(&f);
			ICMP6_FILTER_SETPASS(1, &f);
			setsockopt(u->icmp[k], IPPROTO_ICMPV6, ICMP6_FILTER, &f,
				   sizeof(f));
		}
		u->sock[k] = socket(
			fam[k], SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (u->sock[k] < 0)
			return raw_fail(err, "a UDP socket");
		setsockopt(u->sock[k], SOL_SOCKET, SO_RCVBUF, &big,
			   sizeof(big));
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = (sa_family_t)fam[k];
		if (bind(u->sock[k], (struct sockaddr *)&ss,
			 k ? sizeof(struct sockaddr_in6)
			   : sizeof(struct sockaddr_in)) < 0 ||
		    getsockname(u->sock[k], (struct sockaddr *)&ss, &sl) < 0)
			return raw_fail(err, "a UDP socket");
		u->sport[k] = ntohs(k ? ((struct sockaddr_in6 *)&ss)->sin6_port
				      : ((struct sockaddr_in *)&ss)->sin_port);
		ev.data.u32 = RAW_TAG | (uint32_t)k;
		if (epoll_ctl(u->ep, EPOLL_CTL_ADD, u->sock[k], &ev) < 0)
			return raw_fail(err, "epoll");
		ev.data.u32 = RAW_TAG | (uint32_t)(2 + k);
		if (epoll_ctl(u->ep, EPOLL_CTL_ADD, u->icmp[k], &ev) < 0)
			return raw_fail(err, "epoll");
	}
	return 0;
}

/* The probe in flight to (a, port), or -1. */
static int32_t raw_find(struct portier_scan *s, const struct portier_addr *a,
			uint16_t port)
{
	struct udp_state *u = U(s);
	size_t lo = 0, hi = s->cfg.n_ports;
	uint32_t i;

	while (lo < hi) { /* cfg.ports is ascending */
		size_t mid = lo + (hi - lo) / 2;

		if (s->cfg.ports[mid] < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= s->cfg.n_ports || s->cfg.ports[lo] != port)
		return -1;
	for (i = 0; i < u->n_hosts; i++)
		if (u->hosts[i].used &&
		    portier_addr_cmp(&u->hosts[i].addr, a) == 0)
			return u->hosts[i].probe_of[lo];
	return -1;
}

static void addr_of(const struct sockaddr_storage *ss, struct portier_addr *a,
		    uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		a->family = 4;
		memcpy(a->b, &in->sin_addr, 4);
		*port = ntohs(in->sin_port);
	} else {
		const struct sockaddr_in6 *in6 =
			(const struct sockaddr_in6 *)ss;

		a->family = 6;
		memcpy(a->b, &in6->sin6_addr, 16);
		*port = ntohs(in6->sin6_port);
	}
}

/* Drain shared socket which (0/1: UDP v4/v6, 2/3: ICMP v4/v6). */
void udp_raw_read(struct portier_scan *s, uint32_t which, uint64_t now)
{
	struct udp_state *u = U(s);
	int fd = which < 2 ? u->sock[which] : u->icmp[which - 2];
	/* raw ICMPv6 gives no IPv6 header: one is put back in front (40) */
	uint8_t buf[40 + REPLY_MAX];
	int rounds;

	for (rounds = 0; rounds < 256; rounds++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		uint8_t *b = which == 3 ? buf + 40 : buf;
		ssize_t n = recvfrom(fd, b, REPLY_MAX, MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);
		struct portier_reply r;
		struct portier_addr a;
		enum portier_port_state st;
		enum portier_reason why;
		uint16_t port;
		int32_t pi;

		if (n < 0)
			return;
		if (which < 2) { /* a datagram back: who sent it? */
			addr_of(&from, &a, &port);
			if ((pi = raw_find(s, &a, port)) >= 0)
				udp_got_data(s, (uint32_t)pi, b, (size_t)n,
					     now);
			continue;
		}
		if (which == 3) {
			memset(buf, 0, 40);
			buf[0] = 0x60;
			put_be16(buf + 4, (uint16_t)n);
			buf[6] = IPPROTO_ICMPV6;
			buf[7] = 64;
			addr_of(&from, &a, &port);
			memcpy(buf + 8, a.b, 16);
			n += 40;
		}
		if (portier_reply_parse(buf, (size_t)n, &r) < 0 ||
		    r.kind != PORTIER_REPLY_UNREACH || r.quoted != 17 ||
		    r.sport != u->sport[which - 2])
			continue; /* not about a datagram of ours */
		if (!udp_icmp_state(which == 3, r.icmp_type, r.icmp_code,
				    portier_addr_cmp(&r.offender, &r.target) ==
					    0,
				    &st, &why))
			continue;
		if ((pi = raw_find(s, &r.target, r.port)) >= 0)
			udp_got_error(s, (uint32_t)pi, st, why, now);
	}
}

/* Send port's payloads to a from the family's shared socket (0, or a
 * negative errno that decides the port; *local: try later). */
int udp_raw_send(struct portier_scan *s, const struct portier_addr *a,
		 uint16_t port, const struct sockaddr *sa, socklen_t sl,
		 bool *local)
{
	struct udp_state *u = U(s);
	const uint8_t *data[MAX_PAYLOADS];
	size_t len[MAX_PAYLOADS], k, np;
	int fd = u->sock[a->family == 6], e;

	np = s->cfg.udp_payloads(s->cfg.ctx, port, data, len, MAX_PAYLOADS);
	for (k = 0; k < np; k++) {
		if (sendto(fd, data[k], len[k], MSG_NOSIGNAL, sa, sl) >= 0)
			continue;
		e = errno;
		if (e == ENOBUFS || e == EAGAIN || e == ENOMEM) {
			*local = true;
			return 0;
		}
		return -e;
	}
	return 0;
}
