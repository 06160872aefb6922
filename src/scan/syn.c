/*
 * syn.c - the SYN scan (-sS): half-open probes written to a raw socket and
 * replies read from an AF_PACKET socket, matched without per-probe state.
 *
 * Every SYN carries portier_syn_cookie(key, our address, target, ports) as
 * its sequence number (net/packet.c).  A SYN-ACK (open) or RST (closed)
 * acknowledges it plus one; an ICMP unreachable (filtered) quotes it.  So a
 * reply is accepted only when it proves it answers one of our probes, and
 * then the engine's hash finds the slot by (target, port).  Our own kernel
 * answers each SYN-ACK with an RST, since it knows of no connection: the
 * half-open handshake never completes.
 *
 * Sending: IPv4 through a raw IPPROTO_RAW socket (we write the IP header,
 * RFC 791), batched into one sendmmsg() per 64 probes, IPv6 through a raw IPPROTO_TCP socket with the source chosen by
 * IPV6_PKTINFO (the kernel writes the IPv6 header).  Our source address per
 * target comes from the routing table (a connected UDP socket's name, which
 * sends nothing), cached per /24 or /64.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scan/scan_int.h"

#define BATCH	    64
#define MAX_BATCHES 64
#define SNAP	    256
#define SRC_CACHE   1024

struct src_entry {
	struct portier_addr prefix; /* zero-length family: empty */
	struct portier_addr src;
	int err; /* routing error for this prefix, or 0 */
};

struct syn_state {
	int raw4, raw6, pkt, udp4, udp6;
	uint16_t sport;
	uint16_t ip_id;
	uint64_t key[2];
	struct src_entry cache[SRC_CACHE];
	uint8_t bufs[BATCH][SNAP];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_ll from[BATCH];
	/* IPv4 SYNs waiting for one sendmmsg() */
	uint8_t out_pkt[BATCH][PORTIER_SYN_MAX];
	struct sockaddr_in out_to[BATCH];
	struct iovec out_iov[BATCH];
	struct mmsghdr out_msg[BATCH];
	uint32_t out_slot[BATCH], out_gen[BATCH];
	unsigned n_out;
};

/*
 * Accept only IPv4 TCP/ICMP and IPv6 TCP/ICMPv6 (next header directly after
 * the fixed header) into the socket; AF_PACKET SOCK_DGRAM filters see the
 * packet from its network header on.
 */
static struct sock_filter reply_filter[] = {
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
	BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x40, 0, 3),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 5, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 4, 5),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x60, 0, 4),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 1, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 58, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SNAP),
	BPF_STMT(BPF_RET | BPF_K, 0),
};

static struct sock_filter drop_all[] = {
	BPF_STMT(BPF_RET | BPF_K, 0),
};

static int attach(int fd, struct sock_filter *f, unsigned short n)
{
	struct sock_fprog prog = {.len = n, .filter = f};

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
			  sizeof(prog));
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void syn_close(struct portier_scan *s)
{
	struct syn_state *y = s->mstate;

	if (!y)
		return;
	close_fd(&y->raw4);
	close_fd(&y->raw6);
	close_fd(&y->pkt);
	close_fd(&y->udp4);
	close_fd(&y->udp6);
	portier_free(y);
	s->mstate = NULL;
}

static int syn_open(struct portier_scan *s, struct portier_err *err)
{
	struct syn_state *y = portier_calloc(1, sizeof(*y));
	int big = 64 << 20, i;
	uint16_t r;

	if (!y)
		return PORTIER_ENOMEM;
	s->mstate = y;
	y->raw6 = y->pkt = y->udp4 = y->udp6 = -1;
	y->raw4 = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (y->raw4 < 0) {
		int e = errno;

		syn_close(s);
		if (e == EPERM || e == EACCES) {
			portier_err_set(
				err, PORTIER_EPERM,
				"the SYN scan needs raw sockets, and this "
				"process lacks CAP_NET_RAW");
			portier_err_hint(
				err,
				"run as root (or give the binary "
				"cap_net_raw), or use the connect scan -sT");
			return PORTIER_EPERM;
		}
		return portier_err_set(err, -e, "raw socket: %s", strerror(e));
	}
	y->raw6 = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP);
	if (y->raw6 >= 0)
		attach(y->raw6, drop_all, 1); /* it only sends */
	y->pkt = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			htons(ETH_P_ALL));
	if (y->pkt < 0) {
		int e = errno;

		syn_close(s);
		return portier_err_set(err, e == EPERM ? PORTIER_EPERM : -e,
				       "packet socket: %s", strerror(e));
	}
	if (setsockopt(y->pkt, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) <
	    0)
		setsockopt(y->pkt, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(y->raw4, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	if (attach(y->pkt, reply_filter,
		   sizeof(reply_filter) / sizeof(reply_filter[0])) < 0) {
		int e = errno;

		syn_close(s);
		return portier_err_set(err, -e, "packet filter: %s",
				       strerror(e));
	}
	y->udp4 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	y->udp6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (getrandom(y->key, sizeof(y->key), 0) != sizeof(y->key) ||
	    getrandom(&r, sizeof(r), 0) != sizeof(r)) {
		syn_close(s);
		return portier_err_set(err, PORTIER_EIO, "getrandom failed");
	}
	/* a source port above the usual ephemeral range (32768-60999) */
	y->sport = (uint16_t)(61000 + r % 4000);
	y->ip_id = r;
	for (i = 0; i < BATCH; i++) {
		y->iov[i].iov_base = y->bufs[i];
		y->iov[i].iov_len = SNAP;
		y->msgs[i].msg_hdr.msg_iov = &y->iov[i];
		y->msgs[i].msg_hdr.msg_iovlen = 1;
		y->msgs[i].msg_hdr.msg_name = &y->from[i];
		y->msgs[i].msg_hdr.msg_namelen = sizeof(y->from[i]);
	}
	return 0;
}

/* Our address toward a, from the routing table; 0 or a negative errno. */
static int source_for(struct syn_state *y, const struct portier_addr *a,
		      struct portier_addr *src)
{
	struct src_entry *e;
	struct portier_addr prefix = *a;
	struct sockaddr_storage ss;
	socklen_t len;
	uint32_t h = 2166136261u;
	size_t i, keep = a->family == 4 ? 3 : 8;
	int fd = a->family == 4 ? y->udp4 : y->udp6;

	memset(prefix.b + keep, 0, sizeof(prefix.b) - keep);
	for (i = 0; i < keep; i++)
		h = (h ^ prefix.b[i]) * 16777619u;
	e = &y->cache[(h ^ a->family) % SRC_CACHE];
	if (e->prefix.family == a->family &&
	    memcmp(e->prefix.b, prefix.b, 16) == 0) {
		*src = e->src;
		return e->err;
	}
	if (fd < 0)
		return -EAFNOSUPPORT;
	memset(&ss, 0, sizeof(ss));
	if (a->family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(9);
		memcpy(&sin->sin_addr, a->b, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(9);
		memcpy(&sin6->sin6_addr, a->b, 16);
		len = sizeof(*sin6);
	}
	e->prefix = prefix;
	e->err = 0;
	memset(&e->src, 0, sizeof(e->src));
	e->src.family = a->family;
	/*
	 * connecting a UDP socket only consults the routes; nothing is sent.
	 * Dissolve the previous association first: Linux keeps the source
	 * address a connected socket got, so without this every target would
	 * get the source toward the first one (wrong on a multi-homed host).
	 */
	{
		struct sockaddr unspec = {.sa_family = AF_UNSPEC};

		(void)connect(fd, &unspec, sizeof(unspec));
	}
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		e->err = -errno;
		if (e->err == -EACCES) {
			/*
			 * a broadcast address of an attached subnet (UDP
			 * connect without SO_BROADCAST): true of this address
			 * only, never of its whole prefix, so not cached
			 */
			e->prefix.family = 0;
			memset(src, 0, sizeof(*src));
			return -EACCES;
		}
	} else {
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
			e->err = -errno;
		else if (a->family == 4)
			memcpy(e->src.b, &((struct sockaddr_in *)&ss)->sin_addr,
			       4);
		else
			memcpy(e->src.b,
			       &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	}
	*src = e->src;
	return e->err;
}

static int send_v6(struct syn_state *y, const uint8_t *pkt, size_t len,
		   const struct portier_addr *src,
		   const struct portier_addr *dst)
{
	struct sockaddr_in6 to;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = (void *)(uintptr_t)pkt, .iov_len = len};
	struct msghdr msg;
	struct cmsghdr *cm;
	struct in6_pktinfo pi;

	memset(&to, 0, sizeof(to));
	to.sin6_family = AF_INET6;
	memcpy(&to.sin6_addr, dst->b, 16);
	memset(&msg, 0, sizeof(msg));
	memset(&ctl, 0, sizeof(ctl));
	msg.msg_name = &to;
	msg.msg_namelen = sizeof(to);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memset(&pi, 0, sizeof(pi));
	memcpy(&pi.ipi6_addr, src->b, 16);
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	return sendmsg(y->raw6, &msg, 0) < 0 ? -errno : 0;
}

/* What a failed send of slot means; 0 when handled, else a fatal error. */
static int send_failed(struct portier_scan *s, uint32_t slot, int rc,
		       bool queued, struct portier_err *err)
{
	if (rc == -ENOBUFS || rc == -EAGAIN || rc == -ENOMEM) {
		if (queued)
			scan_requeue(s, slot);
		return queued ? 0 : SCAN_LOCAL;
	}
	if (rc == -EPERM) { /* our own firewall said no (netfilter drop) */
		scan_answer(s, slot, PORTIER_PORT_FILTERED,
			    PORTIER_REASON_ADMIN_PROHIBITED, 0);
		return queued ? 0 : SCAN_DECIDED;
	}
	if (rc == -EACCES) { /* a broadcast address: the kernel will not send */
		scan_answer(s, slot, PORTIER_PORT_FILTERED,
			    PORTIER_REASON_BROADCAST, 0);
		return queued ? 0 : SCAN_DECIDED;
	}
	if (rc == -ENETUNREACH || rc == -EHOSTUNREACH) {
		scan_answer(s, slot, PORTIER_PORT_FILTERED,
			    rc == -ENETUNREACH ? PORTIER_REASON_NET_UNREACH
					       : PORTIER_REASON_HOST_UNREACH,
			    0);
		return queued ? 0 : SCAN_DECIDED;
	}
	return portier_err_set(err, rc, "sending a SYN: %s", strerror(-rc));
}

/*
 * Send the queued IPv4 SYNs with as few sendmmsg() calls as possible; a
 * message that fails is handled alone (its slot requeued or decided) and
 * the rest go on.
 */
static int flush(struct portier_scan *s, struct portier_err *err)
{
	struct syn_state *y = s->mstate;
	unsigned i = 0;
	int rc;

	while (i < y->n_out) {
		int n = sendmmsg(y->raw4, y->out_msg + i, y->n_out - i, 0);
		uint32_t slot;

		if (n > 0) {
			i += (unsigned)n;
			continue;
		}
		rc = -errno;
		slot = y->out_slot[i];
		if (rc == -EINTR)
			continue;
		/* the slot may have been decided meanwhile: then skip it */
		if (s->slots[slot].active == 2 &&
		    s->slots[slot].gen == y->out_gen[i] &&
		    (rc = send_failed(s, slot, rc, true, err)) < 0)
			return rc;
		i++;
	}
	y->n_out = 0;
	return 0;
}

static int syn_send(struct portier_scan *s, uint32_t slot,
		    struct portier_err *err)
{
	struct syn_state *y = s->mstate;
	struct scan_slot *sl = &s->slots[slot];
	struct portier_addr src;
	uint8_t pkt[PORTIER_SYN_MAX];
	uint32_t seq;
	size_t len;
	int rc;

	rc = source_for(y, &sl->addr, &src);
	if (rc == -ENETUNREACH || rc == -EHOSTUNREACH) {
		scan_answer(s, slot, PORTIER_PORT_FILTERED,
			    rc == -ENETUNREACH ? PORTIER_REASON_NET_UNREACH
					       : PORTIER_REASON_HOST_UNREACH,
			    0);
		return SCAN_DECIDED;
	}
	if (rc == -EACCES) { /* a subnet's broadcast address: one target's */
		scan_answer(s, slot, PORTIER_PORT_FILTERED,
			    PORTIER_REASON_BROADCAST, 0);
		return SCAN_DECIDED;
	}
	if (rc < 0) {
		char a[64];

		return portier_err_set(
			err, rc, "no route to %s: %s",
			portier_addr_str(&sl->addr, a, sizeof(a)),
			strerror(-rc));
	}
	seq = portier_syn_cookie(y->key, &src, &sl->addr, y->sport, sl->port);
	if (sl->addr.family == 4) {
		unsigned k = y->n_out;

		/* queued; out before the next wait (syn_wait flushes) */
		len = portier_syn_build(y->out_pkt[k], &src, &sl->addr,
					y->sport, sl->port, seq, y->ip_id++);
		memset(&y->out_to[k], 0, sizeof(y->out_to[k]));
		y->out_to[k].sin_family = AF_INET;
		memcpy(&y->out_to[k].sin_addr, sl->addr.b, 4);
		y->out_iov[k].iov_base = y->out_pkt[k];
		y->out_iov[k].iov_len = len;
		memset(&y->out_msg[k], 0, sizeof(y->out_msg[k]));
		y->out_msg[k].msg_hdr.msg_name = &y->out_to[k];
		y->out_msg[k].msg_hdr.msg_namelen = sizeof(y->out_to[k]);
		y->out_msg[k].msg_hdr.msg_iov = &y->out_iov[k];
		y->out_msg[k].msg_hdr.msg_iovlen = 1;
		y->out_slot[k] = slot;
		y->out_gen[k] = sl->gen;
		if (++y->n_out == BATCH && (rc = flush(s, err)) < 0)
			return rc;
		return SCAN_SENT;
	}
	len = portier_syn_build(pkt, &src, &sl->addr, y->sport, sl->port, seq,
				y->ip_id++);
	rc = y->raw6 >= 0 ? send_v6(y, pkt, len, &src, &sl->addr)
			  : -EAFNOSUPPORT;
	if (rc == 0)
		return SCAN_SENT;
	return send_failed(s, slot, rc, false, err);
}

/* ICMP / ICMPv6 unreachable codes (RFC 792, RFC 1812 5.2.7.1, RFC 4443 3.1) */
static enum portier_reason unreach_reason(const struct portier_reply *r)
{
	if (r->target.family == 4) {
		switch (r->icmp_code) {
		case 0:
			return PORTIER_REASON_NET_UNREACH;
		case 1:
			return PORTIER_REASON_HOST_UNREACH;
		case 3:
			return PORTIER_REASON_PORT_UNREACH;
		default:
			return PORTIER_REASON_ADMIN_PROHIBITED;
		}
	}
	switch (r->icmp_code) {
	case 0:
		return PORTIER_REASON_NET_UNREACH;
	case 3:
		return PORTIER_REASON_HOST_UNREACH;
	case 4:
		return PORTIER_REASON_PORT_UNREACH;
	default:
		return PORTIER_REASON_ADMIN_PROHIBITED;
	}
}

static void handle(struct portier_scan *s, const uint8_t *buf, size_t len)
{
	struct syn_state *y = s->mstate;
	struct portier_reply r;
	int32_t slot;

	if (portier_reply_parse(buf, len, &r) < 0 || r.sport != y->sport ||
	    (r.kind == PORTIER_REPLY_UNREACH && r.quoted != 6))
		return;
	if (r.seq !=
	    portier_syn_cookie(y->key, &r.local, &r.target, r.sport, r.port))
		return; /* not an answer to a probe of ours */
	slot = scan_find(s, &r.target, r.port);
	if (slot < 0)
		return; /* a duplicate: that port is already decided */
	if (r.kind == PORTIER_REPLY_SYNACK)
		scan_answer(s, (uint32_t)slot, PORTIER_PORT_OPEN,
			    PORTIER_REASON_SYN_ACK, r.ttl);
	else if (r.kind == PORTIER_REPLY_RST)
		scan_answer(s, (uint32_t)slot, PORTIER_PORT_CLOSED,
			    PORTIER_REASON_RESET, r.ttl);
	else
		scan_answer(s, (uint32_t)slot, PORTIER_PORT_FILTERED,
			    unreach_reason(&r), r.ttl);
}

static int syn_wait(struct portier_scan *s, int timeout_ms,
		    struct portier_err *err)
{
	struct syn_state *y = s->mstate;
	struct pollfd pfd = {.fd = y->pkt, .events = POLLIN};
	int n, i, b;

	if (y->n_out && (n = flush(s, err)) < 0)
		return n;
	if (poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR)
		return portier_err_set(err, -errno, "poll: %s",
				       strerror(errno));
	for (b = 0; b < MAX_BATCHES; b++) {
		for (i = 0; i < BATCH; i++)
			y->msgs[i].msg_hdr.msg_namelen = sizeof(y->from[i]);
		n = recvmmsg(y->pkt, y->msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return portier_err_set(err, -errno, "recvmmsg: %s",
					       strerror(errno));
		}
		for (i = 0; i < n; i++) {
			if (y->from[i].sll_pkttype == PACKET_OUTGOING)
				continue;
			handle(s, y->bufs[i], y->msgs[i].msg_len);
		}
		if (n < BATCH)
			break;
	}
	return 0;
}

static void syn_release(struct portier_scan *s, uint32_t slot)
{
	(void)s;
	(void)slot;
}

const struct scan_method scan_method_syn = {
	.name = "syn",
	.default_inflight = 65536,
	.open = syn_open,
	.send = syn_send,
	.wait = syn_wait,
	.release = syn_release,
	.close = syn_close,
};
