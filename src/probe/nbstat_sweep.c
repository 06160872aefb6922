/*
 * nbstat_sweep.c - ask many hosts for their NetBIOS node status at once,
 * from one UDP socket, at a bounded rate, with retries.
 *
 * The one idea: the whole sweep is a single poll loop over one socket.  The
 * transaction id of each query is the target's index XOR a per-sweep random
 * key, so a reply is matched to its target in O(1); a datagram whose id,
 * source address and source port (the port queried) do not agree, or whose
 * answer is not for the name "*" we asked about, is ignored.  ICMP port unreachable comes back
 * through IP_RECVERR's error queue with the original destination, so a host
 * without a name service is settled at once instead of after the timeout.
 * Retries are spread evenly inside the timeout: with --timeout 1000 and
 * --retries 1 the second query goes at 500 ms and the host is given up at
 * 1000 ms, the same wait as nbtscan's single query.
 *
 * Safety: a node status query goes to one unicast host, never to a group.
 * The target parser (targets.c) already refuses or skips multicast,
 * broadcast and 0.x addresses; this file checks again before every sendto
 * and settles such a target as "not sent" instead of sending, because the
 * kernel would not stop it: an unconnected UDP socket sends to multicast
 * without any option.  The socket never gets SO_BROADCAST, so the kernel
 * also refuses a broadcast address of a route of ours; a remote subnet's
 * directed broadcast (say 198.19.1.255 from elsewhere) cannot be told from
 * a host by the sender, which is why blocks and ranges skip every .0 and
 * .255 but a single address given on its own is sent as written.
 */
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "portier/bytes.h"
#include "portier/probe.h"

struct target_state {
	uint64_t first_ns, last_ns;
	unsigned tries;
	bool done;
};

struct sweep {
	const struct portier_addr *t;
	size_t n;
	struct target_state *st;
	struct portier_nbstat_opts opt;
	uint16_t key;
	int fd;
	size_t lo;		      /* every target below lo is settled */
	size_t next;		      /* next target to get its first query */
	size_t left;		      /* targets not yet settled */
	struct portier_bucket bucket; /* the query rate */
	void (*cb)(const struct portier_nbstat_result *r, void *ctx);
	void *ctx;
	struct portier_nbstat_result res; /* scratch, ~17 KiB: not on stack */
	uint8_t rbuf[PORTIER_NBSTAT_MAX_REPLY];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* When the next query (or the give-up) for a target is due. */
static uint64_t due_ns(const struct sweep *s, const struct target_state *t)
{
	/* retries is capped at PORTIER_NBSTAT_MAX_RETRIES: no overflow */
	uint64_t slot =
		(uint64_t)s->opt.timeout_ms * 1000000u / (s->opt.retries + 1u);

	return t->first_ns + slot * t->tries;
}

/* Hand target i's outcome to the callback: a reply (raw_len > 0, already
 * parsed into s->res.reply with status and perr from the parser) or a
 * failure status, with why as its message when given. */
static void settle(struct sweep *s, size_t i, int status, size_t raw_len,
		   const uint8_t *raw, const struct portier_err *perr,
		   uint64_t now, const char *why)
{
	struct portier_nbstat_result *r = &s->res;

	memset(r, 0, offsetof(struct portier_nbstat_result, reply));
	r->addr = s->t[i];
	r->queries = s->st[i].tries;
	r->status = status;
	if (raw_len) {
		r->rtt_us = (unsigned)((now - s->st[i].last_ns) / 1000u);
		r->raw_len =
			raw_len < sizeof(r->raw) ? raw_len : sizeof(r->raw);
		memcpy(r->raw, raw, r->raw_len);
		if (perr)
			r->err = *perr;
	} else {
		r->raw_len = 0;
		memset(&r->reply, 0, sizeof(r->reply));
		if (why)
			portier_err_set(&r->err, status, "%s", why);
		else if (status == -ETIMEDOUT)
			portier_err_set(&r->err, status,
					"no answer to %u node status "
					"quer%s",
					r->queries,
					r->queries == 1 ? "y" : "ies");
		else
			portier_err_set(&r->err, status, "%s",
					strerror(-status));
	}
	s->st[i].done = true;
	s->left--;
	s->cb(r, s->ctx);
}

/* Errors that belong to an earlier datagram: an unconnected UDP socket
 * reports the last ICMP error on its next call, whichever host that is. */
static bool async_error(int e)
{
	return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH ||
	       e == EHOSTDOWN;
}

static uint16_t query_port(const struct sweep *s)
{
	return s->opt.port ? s->opt.port : 137;
}

static int send_query(struct sweep *s, size_t i, uint64_t now)
{
	struct portier_nbstat_params p = {.trn_id = (uint16_t)(i ^ s->key)};
	struct sockaddr_in sin = {.sin_family = AF_INET};
	uint8_t pkt[64];
	long len = portier_nbstat_build(pkt, sizeof(pkt), &p);
	int attempt;
	ssize_t n = -1;

	sin.sin_port = htons(query_port(s));
	memcpy(&sin.sin_addr, s->t[i].b, 4);
	/* the address policy (addr.h), whatever the caller passed in */
	if (portier_addr_not_target(&s->t[i], NULL)) {
		settle(s, i, -EADDRNOTAVAIL, 0, NULL, NULL, now,
		       "not sent: not a unicast address");
		return 0;
	}
	/* a pending error is reported once and cleared, so the same error
	 * three times in a row is this host's own */
	for (attempt = 0; attempt < 3; attempt++) {
		n = sendto(s->fd, pkt, (size_t)len, 0, (struct sockaddr *)&sin,
			   sizeof(sin));
		if (n >= 0 || !async_error(errno))
			break;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == ENOBUFS)
			return -EAGAIN; /* try again on the next round */
		s->st[i].tries++;
		settle(s, i, -errno, 0, NULL, NULL, now, NULL);
		return 0;
	}
	if (!s->st[i].tries)
		s->st[i].first_ns = now;
	s->st[i].tries++;
	s->st[i].last_ns = now;
	return 0;
}

/* Find the target a datagram with transaction id trn is for: sin is where a
 * reply came from, or (port_too false) where an ICMP error says our query
 * went. */
static long match(const struct sweep *s, const struct sockaddr_in *sin,
		  bool port_too, uint16_t trn)
{
	size_t i = (size_t)(trn ^ s->key);

	if (i >= s->n || memcmp(s->t[i].b, &sin->sin_addr, 4) != 0 ||
	    s->st[i].done || !s->st[i].tries)
		return -1;
	if (port_too && ntohs(sin->sin_port) != query_port(s))
		return -1;
	return (long)i;
}

static void read_replies(struct sweep *s)
{
	static const size_t cap = PORTIER_NBSTAT_MAX_REPLY;
	uint8_t *buf = s->rbuf;

	for (;;) {
		struct sockaddr_in sin;
		socklen_t sl = sizeof(sin);
		/* MSG_TRUNC: n is the datagram's real size, even if larger */
		ssize_t n = recvfrom(s->fd, buf, cap, MSG_TRUNC,
				     (struct sockaddr *)&sin, &sl);
		struct portier_err perr;
		long i;
		int rc;

		if (n < 0 && (errno == EINTR || async_error(errno)))
			continue; /* a pending ICMP error, reported once */
		if (n < 0)
			return; /* EAGAIN */
		if (n < 2 || sin.sin_family != AF_INET)
			continue;
		i = match(s, &sin, true, get_be16(buf));
		if (i < 0)
			continue;
		if ((size_t)n > cap) {
			char why[96];

			snprintf(why, sizeof(why),
				 "reply of %zd bytes is larger than any node "
				 "status reply (at most %zu)",
				 n, cap);
			settle(s, (size_t)i, PORTIER_EPROTO, 0, NULL, NULL,
			       now_ns(), why);
			continue;
		}
		memset(&perr, 0, sizeof(perr));
		rc = portier_nbstat_parse(buf, (size_t)n, &s->res.reply, &perr);
		/* a well-formed answer about some other name is not ours */
		if (rc == 0 && !s->res.reply.for_star)
			continue;
		settle(s, (size_t)i, rc, (size_t)n, buf, &perr, now_ns(), NULL);
	}
}

/* ICMP errors for our queries (IP_RECVERR): settle the host at once. */
static void read_errors(struct sweep *s)
{
	for (;;) {
		struct sockaddr_in dst;
		uint8_t data[64], ctl[512];
		struct iovec iov = {data, sizeof(data)};
		struct msghdr mh = {.msg_name = &dst,
				    .msg_namelen = sizeof(dst),
				    .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl,
				    .msg_controllen = sizeof(ctl)};
		struct cmsghdr *c;
		ssize_t n = recvmsg(s->fd, &mh, MSG_ERRQUEUE);

		if (n < 0)
			return;
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			struct sock_extended_err ee;
			long i;

			if (c->cmsg_level != IPPROTO_IP ||
			    c->cmsg_type != IP_RECVERR)
				continue;
			memcpy(&ee, CMSG_DATA(c), sizeof(ee));
			/* ICMP unreachable from the path, or the local
			 * neighbour code giving up on ARP */
			if ((ee.ee_origin != SO_EE_ORIGIN_ICMP &&
			     ee.ee_origin != SO_EE_ORIGIN_LOCAL) ||
			    !async_error((int)ee.ee_errno) || n < 2)
				continue;
			/* the payload is our query: its first two bytes are
			 * the transaction id */
			i = match(s, &dst, false, get_be16(data));
			if (i >= 0)
				settle(s, (size_t)i, -(int)ee.ee_errno, 0, NULL,
				       NULL, now_ns(), NULL);
		}
	}
}

/*
 * When the bucket holds its next token: now if it has one, else the first
 * nanosecond after it accrues.
 */
static uint64_t token_at(struct sweep *s, uint64_t now)
{
	uint64_t w = portier_bucket_wait_ns(&s->bucket, now);

	return w ? now + w : now;
}

/* Send what the rate allows: retries that are due first, then new hosts. */
static uint64_t send_due(struct sweep *s, uint64_t now)
{
	uint64_t wake = now + 1000000000u, tok_at = token_at(s, now);
	bool blocked = false;
	size_t i;

	while (s->lo < s->next && s->st[s->lo].done)
		s->lo++;
	for (i = s->lo; i < s->next; i++) {
		struct target_state *t = &s->st[i];
		uint64_t due, give_up;

		if (t->done)
			continue;
		give_up = t->first_ns + (uint64_t)s->opt.timeout_ms * 1000000u;
		if (give_up <= now) {
			settle(s, i, -ETIMEDOUT, 0, NULL, NULL, now, NULL);
			continue;
		}
		due = t->tries > s->opt.retries ? give_up : due_ns(s, t);
		if (due <= now && !blocked && tok_at <= now) {
			if (send_query(s, i, now) == -EAGAIN) {
				blocked = true; /* send buffer full */
			} else {
				portier_bucket_take(&s->bucket, now);
				tok_at = token_at(s, now);
				due = t->tries > s->opt.retries ? give_up
								: due_ns(s, t);
			}
		}
		if (due <= now) /* not sent: wait for a token, not a spin */
			due = blocked ? now + 1000000u : tok_at;
		if (!t->done && due < wake)
			wake = due;
	}
	if (blocked)
		return now + 1000000u < wake ? now + 1000000u : wake;
	while (s->next < s->n && token_at(s, now) <= now) {
		size_t k = s->next++;

		if (s->t[k].family != 4) {
			settle(s, k, -EAFNOSUPPORT, 0, NULL, NULL, now, NULL);
			continue;
		}
		if (send_query(s, k, now) == -EAGAIN) {
			s->next--;
			return now + 1000000u;
		}
		portier_bucket_take(&s->bucket, now);
		if (!s->st[k].done && due_ns(s, &s->st[k]) < wake)
			wake = due_ns(s, &s->st[k]);
	}
	if (s->next < s->n) {
		/* more hosts wait for tokens */
		tok_at = token_at(s, now);
		if (tok_at < wake)
			wake = tok_at;
	}
	return wake;
}

int portier_nbstat_sweep(
	const struct portier_addr *targets, size_t n,
	const struct portier_nbstat_opts *opt,
	void (*on_result)(const struct portier_nbstat_result *r, void *ctx),
	void *ctx, struct portier_err *err)
{
	struct sweep *s;
	int one = 1, rc = 0, sndbuf = 8 << 20;
	uint64_t start;

	if (n == 0)
		return portier_err_set(err, PORTIER_EINVAL, "no targets given");
	if (n > 65536)
		return portier_err_set(err, PORTIER_EINVAL,
				       "%zu targets: a node status sweep "
				       "takes at most 65536",
				       n);
	s = portier_calloc(1, sizeof(*s));
	if (!s)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	s->st = portier_calloc(n, sizeof(*s->st));
	if (!s->st) {
		portier_free(s);
		return portier_err_set(err, PORTIER_ENOMEM,
				       "out of memory for %zu targets", n);
	}
	s->t = targets;
	s->n = s->left = n;
	s->opt = *opt;
	if (!s->opt.timeout_ms)
		s->opt.timeout_ms = 1000;
	/* due_ns divides by retries + 1: UINT_MAX would make it 0 */
	if (s->opt.retries > PORTIER_NBSTAT_MAX_RETRIES)
		s->opt.retries = PORTIER_NBSTAT_MAX_RETRIES;
	s->cb = on_result;
	s->ctx = ctx;
	start = now_ns();
	/* the bucket starts full; rate 0 is unlimited */
	portier_bucket_init(
		&s->bucket, s->opt.rate,
		s->opt.burst ? s->opt.burst : s->opt.rate / 50.0 + 1, start);
	if (getrandom(&s->key, sizeof(s->key), 0) != sizeof(s->key))
		s->key = (uint16_t)(start ^ (uint64_t)getpid());
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		rc = portier_err_set(err, -errno,
				     "cannot open a UDP socket: %s",
				     strerror(errno));
		goto out;
	}
	setsockopt(s->fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
	/* queries to hosts that never answer ARP sit in the neighbour queue
	 * for seconds, charged to our send buffer: make it large */
	if (setsockopt(s->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf,
		       sizeof(sndbuf)) < 0)
		setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
			   sizeof(sndbuf));
	/* a burst of replies and ICMP errors (each error carries a copy of
	 * our query) must not overflow the receive buffer */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sndbuf,
		       sizeof(sndbuf)) < 0)
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &sndbuf,
			   sizeof(sndbuf));
	while (s->left) {
		uint64_t now = now_ns(), wake = send_due(s, now);
		struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
		int ms;

		if (!s->left)
			break;
		now = now_ns();
		ms = wake > now ? (int)((wake - now + 999999u) / 1000000u) : 0;
		if (poll(&pfd, 1, ms) < 0 && errno != EINTR) {
			rc = portier_err_set(err, -errno, "poll failed: %s",
					     strerror(errno));
			break;
		}
		if (pfd.revents & POLLERR)
			read_errors(s);
		if (pfd.revents & POLLIN)
			read_replies(s);
	}
	close(s->fd);
out:
	portier_free(s->st);
	portier_free(s);
	return rc;
}

struct one_ctx {
	struct portier_nbstat_result *res;
};

static void keep_one(const struct portier_nbstat_result *r, void *ctx)
{
	struct one_ctx *c = ctx;

	*c->res = *r;
}

int portier_probe_nbstat_host(const struct portier_addr *addr,
			      const struct portier_nbstat_opts *opt,
			      struct portier_nbstat_result *res,
			      struct portier_err *err)
{
	struct portier_nbstat_opts o = {.retries = 1, .timeout_ms = 1000};
	struct one_ctx c = {res};
	int rc;

	if (addr->family != 4)
		return portier_err_set(err, PORTIER_EINVAL,
				       "NetBIOS name service runs over IPv4 "
				       "only");
	if (opt)
		o = *opt;
	memset(res, 0, sizeof(*res));
	rc = portier_nbstat_sweep(addr, 1, &o, keep_one, &c, err);
	if (rc < 0)
		return rc;
	if (res->status < 0 && err)
		*err = res->err;
	return res->status;
}
