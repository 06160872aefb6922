/*
 * capture.c - inbound (and this host's outbound) packets from an AF_PACKET
 * socket, which works the same in any network namespace and sees IPv4 and
 * IPv6 alike, without syslog and without a logging rule in the firewall.
 *
 * A four-instruction classic BPF filter runs in the kernel: it keeps
 * packets addressed to this host (PACKET_HOST) and packets this host sends
 * (PACKET_OUTGOING, so the judge learns our own flows), drops broadcast,
 * multicast and other hosts' traffic, and cuts every packet to its first
 * 256 bytes, so the socket buffer holds headers, not payloads; packets are
 * read 64 at a time with recvmmsg(2), one system call per batch.  The kernel
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

#define BATCH 64 /* packets per recvmmsg(2) */

struct portier_guard_cap {
	int fd;
	uint64_t received, dropped;
	/* one batch of packets and what recvmmsg needs to fill it */
	uint8_t buf[BATCH][SNAP];
	struct sockaddr_ll from[BATCH];
	struct {
		_Alignas(size_t) char b[CMSG_SPACE(sizeof(struct timeval))];
	} ctl[BATCH]; /* aligned as struct cmsghdr (its first member) */
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	unsigned n, next; /* packets in the batch, the next to hand out */
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
		return portier_err_set(err, PORTIER_ENOMEM,
				       "out of memory for the capture buffers");
	/* protocol 0: the socket receives nothing until bind() below, so no
	 * packet slips in before the filter is attached */
	c->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
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
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) <
	    0)
		setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof(one)) < 0)
		goto fail;
	{
		struct sockaddr_ll sll;

		/* now start receiving: every protocol, on ifname or (index 0)
		 * on every interface, through the filter already in place */
		memset(&sll, 0, sizeof(sll));
		sll.sll_family = AF_PACKET;
		sll.sll_protocol = htons(ETH_P_ALL);
		sll.sll_ifindex = ifname ? (int)if_nametoindex(ifname) : 0;
		if (ifname && !sll.sll_ifindex) {
			close(c->fd);
			portier_free(c);
			portier_err_set(err, PORTIER_EINVAL,
					"no network interface '%s'", ifname);
			portier_err_hint(err,
					 "see 'ip link' for the names here");
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

/* Fill the batch with up to BATCH packets; their count, 0, or -errno. */
static int refill(struct portier_guard_cap *c)
{
	unsigned i;
	int n;

	for (i = 0; i < BATCH; i++) {
		c->iov[i].iov_base = c->buf[i];
		c->iov[i].iov_len = SNAP;
		memset(&c->msgs[i], 0, sizeof(c->msgs[i]));
		c->msgs[i].msg_hdr.msg_name = &c->from[i];
		c->msgs[i].msg_hdr.msg_namelen = sizeof(c->from[i]);
		c->msgs[i].msg_hdr.msg_iov = &c->iov[i];
		c->msgs[i].msg_hdr.msg_iovlen = 1;
		c->msgs[i].msg_hdr.msg_control = c->ctl[i].b;
		c->msgs[i].msg_hdr.msg_controllen = sizeof(c->ctl[i].b);
	}
	for (;;) {
		n = recvmmsg(c->fd, c->msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n >= 0)
			return n;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/* Packet i of the batch into *p; false if it is of no interest. */
static bool take(struct portier_guard_cap *c, unsigned i,
		 struct portier_guard_probe *p)
{
	struct msghdr *msg = &c->msgs[i].msg_hdr;
	const struct sockaddr_ll *from = &c->from[i];
	enum portier_guard_link link;
	struct cmsghdr *cm;
	size_t len = c->msgs[i].msg_len;
	uint64_t ts = 0;

	switch (from->sll_hatype) {
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
		return false;
	}
	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SO_TIMESTAMP) {
			struct timeval tv;

			memcpy(&tv, CMSG_DATA(cm), sizeof(tv));
			ts = (uint64_t)tv.tv_sec * 1000000 +
			     (uint64_t)tv.tv_usec;
		}
	}
	if (len > SNAP) /* the filter cut it; the rest is payload */
		len = SNAP;
	if (portier_guard_parse(c->buf[i], len, link, p) < 0)
		return false;
	if (!ts) {
		struct timeval tv;

		gettimeofday(&tv, NULL);
		ts = (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
	}
	p->ts_us = ts;
	p->outgoing = from->sll_pkttype == PACKET_OUTGOING;
	return true;
}

int portier_guard_cap_next(struct portier_guard_cap *c,
			   struct portier_guard_probe *p)
{
	for (;;) {
		if (c->next >= c->n) {
			int n = refill(c);

			c->next = c->n = 0;
			if (n <= 0)
				return n;
			c->n = (unsigned)n;
			c->received += (unsigned)n;
		}
		if (take(c, c->next++, p))
			return 1;
	}
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
