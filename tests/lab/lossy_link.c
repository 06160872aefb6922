/*
 * lossy_link.c - lab-lossy_link: a slow, lossy wire between two interfaces,
 * for kernels built without netem (tc qdisc ... netem).
 *
 *   lab-lossy_link [-d MS] [-l PERCENT] [-q LIMIT] [-s SEED] [-r FILE] A B
 *
 * Forwards every Ethernet frame that arrives on interface A out of B and
 * the other way round (packet sockets, promiscuous), each one DELAY
 * milliseconds late (default 40), with PERCENT of them (default 10) dropped
 * at random, and at most LIMIT frames (default 1000, netem's default limit)
 * waiting per direction: more are dropped, as a full queue would.  Writes
 * "ready" to FILE (or stdout) once both sockets are open; runs until killed.
 *
 * A veth hands its peer TCP and UDP packets whose checksum the sender left
 * to the "hardware"; forwarded as they are, the far end would drop them.
 * Such frames (TP_STATUS_CSUMNOTREADY) get their checksum filled in here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX 2048

struct frame {
	uint64_t due;
	size_t len;
	unsigned char b[FRAME_MAX];
};

struct dir {
	int in, out;
	struct frame *q;
	unsigned head, len;
	unsigned long long fwd, lost, full;
};

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static uint64_t next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static int open_if(const char *name)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	int fd, one = 1, buf = 8 << 20;
	unsigned idx = if_nametoindex(name);

	if (!idx) {
		fprintf(stderr, "lab-lossy_link: no interface %s\n", name);
		exit(2);
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("lab-lossy_link: socket");
		exit(2);
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)idx;
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = (int)idx;
	mr.mr_type = PACKET_MR_PROMISC;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) <
		    0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0) {
		perror("lab-lossy_link: packet socket");
		exit(2);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf));
	return fd;
}

static uint32_t sum16(const unsigned char *p, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	return s;
}

/* Fill in the TCP or UDP checksum of an IPv4 or IPv6 frame. */
static void fix_checksum(unsigned char *f, size_t len)
{
	unsigned char *l4, pseudo[40];
	size_t l4len, plen, off;
	unsigned proto;
	uint32_t s;

	if (len < 14)
		return;
	if (f[12] == 0x08 && f[13] == 0x00 && len >= 34) {
		size_t ihl = (size_t)(f[14] & 15) * 4;
		size_t tot = (size_t)(f[16] << 8 | f[17]);

		if (tot > len - 14 || tot < ihl)
			return;
		proto = f[23];
		l4 = f + 14 + ihl;
		l4len = tot - ihl;
		memcpy(pseudo, f + 26, 8);
		pseudo[8] = 0;
		pseudo[9] = (unsigned char)proto;
		pseudo[10] = (unsigned char)(l4len >> 8);
		pseudo[11] = (unsigned char)l4len;
		plen = 12;
	} else if (f[12] == 0x86 && f[13] == 0xdd && len >= 54) {
		l4len = (size_t)(f[18] << 8 | f[19]);
		if (l4len > len - 54)
			return;
		proto = f[20];
		l4 = f + 54;
		memcpy(pseudo, f + 22, 32);
		pseudo[32] = pseudo[33] = 0;
		pseudo[34] = (unsigned char)(l4len >> 8);
		pseudo[35] = (unsigned char)l4len;
		pseudo[36] = pseudo[37] = pseudo[38] = 0;
		pseudo[39] = (unsigned char)proto;
		plen = 40;
	} else {
		return;
	}
	if (proto == 6 && l4len >= 20)
		off = 16;
	else if (proto == 17 && l4len >= 8)
		off = 6;
	else
		return;
	l4[off] = l4[off + 1] = 0;
	s = sum16(l4, l4len, sum16(pseudo, plen, 0));
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	s = ~s & 0xffff;
	if (proto == 17 && s == 0)
		s = 0xffff;
	l4[off] = (unsigned char)(s >> 8);
	l4[off + 1] = (unsigned char)s;
}

/* Take what arrived on d->in: drop some, queue the rest. */
static void take(struct dir *d, uint64_t delay_ns, unsigned loss_pct,
		 unsigned limit, uint64_t *rng)
{
	unsigned char ctl[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	static struct frame spill; /* what arrives while the queue is full */

	for (;;) {
		struct frame *fr = d->len < limit
					   ? &d->q[(d->head + d->len) % limit]
					   : &spill;
		struct sockaddr_ll from;
		struct iovec iov = {fr->b, sizeof(fr->b)};
		struct msghdr mh;
		struct cmsghdr *c;
		ssize_t n;

		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		n = recvmsg(d->in, &mh, MSG_TRUNC);
		if (n < 0)
			return;
		if (from.sll_pkttype == PACKET_OUTGOING ||
		    (size_t)n > sizeof(fr->b))
			continue;
		if (next_rand(rng) % 100 < loss_pct) {
			d->lost++;
			continue;
		}
		if (d->len == limit) {
			d->full++;
			continue;
		}
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			struct tpacket_auxdata aux;

			if (c->cmsg_level != SOL_PACKET ||
			    c->cmsg_type != PACKET_AUXDATA)
				continue;
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			if (aux.tp_status & TP_STATUS_CSUMNOTREADY)
				fix_checksum(fr->b, (size_t)n);
		}
		fr->len = (size_t)n;
		fr->due = now_ns() + delay_ns;
		d->len++;
	}
}

/* Send what is due; returns the time the next frame is due, or 0. */
static uint64_t give(struct dir *d, uint64_t now, unsigned limit)
{
	while (d->len) {
		struct frame *fr = &d->q[d->head];

		if (fr->due > now)
			return fr->due;
		if (send(d->out, fr->b, fr->len, 0) == (ssize_t)fr->len)
			d->fwd++;
		d->head = (d->head + 1) % limit;
		d->len--;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned delay_ms = 40, loss = 10, limit = 1000, i;
	uint64_t rng = (uint64_t)now_ns() ^ ((uint64_t)getpid() << 32);
	const char *ready = NULL;
	struct dir d[2];
	struct pollfd pfd[2];
	FILE *f;
	int c, a, b;

	while ((c = getopt(argc, argv, "d:l:q:s:r:")) != -1) {
		switch (c) {
		case 'd':
			delay_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'l':
			loss = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'q':
			limit = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			rng = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			ready = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 2 || loss > 100 || !limit || !rng)
		goto usage;
	a = open_if(argv[optind]);
	b = open_if(argv[optind + 1]);
	d[0] = (struct dir){.in = a, .out = b};
	d[1] = (struct dir){.in = b, .out = a};
	for (i = 0; i < 2; i++) {
		d[i].q = calloc(limit, sizeof(struct frame));
		if (!d[i].q) {
			fputs("lab-lossy_link: out of memory\n", stderr);
			return 2;
		}
		pfd[i].fd = d[i].in;
		pfd[i].events = POLLIN;
	}
	f = ready ? fopen(ready, "w") : stdout;
	if (!f) {
		perror(ready);
		return 2;
	}
	fputs("ready\n", f);
	fflush(f);
	if (ready)
		fclose(f);
	for (;;) {
		uint64_t now = now_ns(), next = 0, t;
		struct timespec ts, *tsp = NULL;

		for (i = 0; i < 2; i++) {
			t = give(&d[i], now, limit);
			if (t && (!next || t < next))
				next = t;
		}
		if (next) {
			t = next - now;
			ts.tv_sec = (time_t)(t / 1000000000ull);
			ts.tv_nsec = (long)(t % 1000000000ull);
			tsp = &ts;
		}
		if (ppoll(pfd, 2, tsp, NULL) < 0 && errno != EINTR) {
			perror("lab-lossy_link: ppoll");
			return 1;
		}
		for (i = 0; i < 2; i++)
			take(&d[i], (uint64_t)delay_ms * 1000000ull, loss,
			     limit, &rng);
	}
usage:
	fputs("usage: lab-lossy_link [-d MS] [-l PERCENT] [-q LIMIT] "
	      "[-s SEED] [-r FILE] IF_A IF_B\n",
	      stderr);
	return 2;
}
