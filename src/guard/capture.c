/*
 * capture.c - inbound (and this host's outbound) packets from an AF_PACKET
 * socket, which works the same in any network namespace and sees IPv4 and
 * IPv6 alike, without syslog and without a logging rule in the firewall.
 *
 * A four-instruction classic BPF filter runs in the kernel: it keeps
 * packets addressed to this host (PACKET_HOST) and packets this host sends
 * (PACKET_OUTGOING, so the judge learns our own flows), drops broadcast,
 * multicast and other hosts' traffic, and cuts every packet to its first
 * 256 bytes, so the socket buffer holds headers, not payloads.  The kernel
 * counts what it had to drop; PACKET_STATISTICS reads (and resets) that
 * count.  Loopback traffic is skipped: loopback is never blocked, and every
 * packet on it would be seen twice.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "portier/guard.h"

#define SNAP 256
#ifndef ARPHRD_RAWIP
#define ARPHRD_RAWIP 519
#endif

struct portier_guard_cap {
	int fd;
	uint64_t received, dropped;
};

static int attach_filter(int fd)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_HOST, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, SNAP),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]),
				  .filter = code};

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
			  sizeof(prog));
}

int portier_guard_cap_open(struct portier_guard_cap **out, const char *ifname,
			   struct portier_err *err)
{
	struct portier_guard_cap *c;
	int one = 1, buf = 8 << 20, rc;
	struct tpacket_stats st;
	socklen_t sl = sizeof(st);

	*out = NULL;
	c = portier_calloc(1, sizeof(*c));
	if (!c)
		return PORTIER_ENOMEM;
	c->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
		       htons(ETH_P_ALL));
	if (c->fd < 0) {
		rc = -errno;
		portier_free(c);
		portier_err_set(err, rc, "cannot open a packet socket: %s",
				strerror(-rc));
		portier_err_hint(err, "guard needs root or CAP_NET_RAW");
		return rc;
	}
	if (attach_filter(c->fd) < 0)
		goto fail;
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof(one)) < 0)
		goto fail;
	if (ifname) {
		struct sockaddr_ll sll;

		memset(&sll, 0, sizeof(sll));
		sll.sll_family = AF_PACKET;
		sll.sll_protocol = htons(ETH_P_ALL);
		sll.sll_ifindex = (int)if_nametoindex(ifname);
		if (!sll.sll_ifindex) {
			close(c->fd);
			portier_free(c);
			portier_err_set(err, PORTIER_EINVAL,
					"no network interface '%s'", ifname);
			portier_err_hint(err, "see 'ip link' for the names here");
			return PORTIER_EINVAL;
		}
		if (bind(c->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
			goto fail;
	}
	/* start counting drops from now */
	getsockopt(c->fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl);
	*out = c;
	return 0;
fail:
	rc = -errno;
	portier_err_set(err, rc, "cannot set up the packet socket: %s",
			strerror(-rc));
	close(c->fd);
	portier_free(c);
	return rc;
}

void portier_guard_cap_close(struct portier_guard_cap *c)
{
	if (!c)
		return;
	close(c->fd);
	portier_free(c);
}

int portier_guard_cap_fd(const struct portier_guard_cap *c)
{
	return c->fd;
}

int portier_guard_cap_next(struct portier_guard_cap *c,
			   struct portier_guard_probe *p)
{
	uint8_t buf[SNAP];
	union {
		char b[CMSG_SPACE(sizeof(struct timeval))];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_ll from;
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr msg = {.msg_name = &from, .msg_namelen = sizeof(from),
			     .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.b,
			     .msg_controllen = sizeof(ctl.b)};
	struct cmsghdr *cm;
	enum portier_guard_link link;
	ssize_t n;
	uint64_t ts = 0;

	for (;;) {
		n = recvmsg(c->fd, &msg, MSG_TRUNC);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		break;
	}
	c->received++;
	switch (from.sll_hatype) {
	case ARPHRD_ETHER:
		link = PORTIER_GUARD_LINK_ETH;
		break;
	case ARPHRD_NONE:
	case ARPHRD_RAWIP:
	case ARPHRD_PPP:
	case ARPHRD_TUNNEL:
	case ARPHRD_TUNNEL6:
		link = PORTIER_GUARD_LINK_IP;
		break;
	default: /* loopback and the exotic */
		return 0;
	}
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SO_TIMESTAMP) {
			struct timeval tv;

			memcpy(&tv, CMSG_DATA(cm), sizeof(tv));
			ts = (uint64_t)tv.tv_sec * 1000000 +
			     (uint64_t)tv.tv_usec;
		}
	}
	if ((size_t)n > sizeof(buf))
		n = (ssize_t)sizeof(buf);
	if (portier_guard_parse(buf, (size_t)n, link, p) < 0)
		return 0;
	if (!ts) {
		struct timeval tv;

		gettimeofday(&tv, NULL);
		ts = (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
	}
	p->ts_us = ts;
	p->outgoing = from.sll_pkttype == PACKET_OUTGOING;
	return 1;
}

void portier_guard_cap_stats(struct portier_guard_cap *c, uint64_t *received,
			     uint64_t *dropped)
{
	struct tpacket_stats st;
	socklen_t sl = sizeof(st);

	if (getsockopt(c->fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl) == 0)
		c->dropped += st.tp_drops;
	*received = c->received;
	*dropped = c->dropped;
}
