/*
 * connect.c - the connect scan (-sT): one non-blocking TCP connect() per
 * probe, completions read from epoll, so the number of sockets in flight is
 * bounded by RLIMIT_NOFILE (raised as far as allowed), not by select()'s
 * 1,024.
 *
 * The one rule that keeps it exact: only an answer from the target decides a
 * port.  ECONNREFUSED (an RST came back) is closed, a completed handshake is
 * open, an ICMP error is filtered; a shortage on our side (EMFILE, ENFILE,
 * ENOBUFS, ENOMEM, EADDRNOTAVAIL, EAGAIN) says nothing about the port and is
 * handed back to the engine to try again later.  Sockets close with SO_LINGER
 * 0, an immediate RST, so no TIME_WAIT piles up over a -p- scan.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scan/scan_int.h"

#define RESERVED_FDS 64
#define MAX_EVENTS 1024

struct connect_state {
	int ep;
	struct epoll_event ev[MAX_EVENTS];
};

static bool local_shortage(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM ||
	       e == EADDRNOTAVAIL || e == EAGAIN || e == EADDRINUSE;
}

static bool self_connected(int fd)
{
	struct sockaddr_storage a, b;
	socklen_t la = sizeof(a), lb = sizeof(b);

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	return getsockname(fd, (struct sockaddr *)&a, &la) == 0 &&
	       getpeername(fd, (struct sockaddr *)&b, &lb) == 0 && la == lb &&
	       memcmp(&a, &b, la) == 0;
}

static int connect_open(struct portier_scan *s, struct portier_err *err)
{
	struct connect_state *c = portier_calloc(1, sizeof(*c));
	struct rlimit rl;
	rlim_t room;

	if (!c)
		return PORTIER_ENOMEM;
	/* as many descriptors as the hard limit allows */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		room = rl.rlim_cur > RESERVED_FDS * 2 ? rl.rlim_cur - RESERVED_FDS
						      : RESERVED_FDS;
		if (room < s->cfg.max_inflight)
			s->cfg.max_inflight = (unsigned)room;
	}
	c->ep = epoll_create1(EPOLL_CLOEXEC);
	if (c->ep < 0) {
		portier_free(c);
		return portier_err_set(err, -errno, "epoll_create1: %s",
				       strerror(errno));
	}
	s->mstate = c;
	return 0;
}

static socklen_t to_sockaddr(const struct portier_addr *a, uint16_t port,
			     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->b, 4);
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->b, 16);
		return sizeof(*sin6);
	}
}

/* The state an errno from connect()/SO_ERROR means; false if it means none. */
static bool decide(int e, enum portier_port_state *st, enum portier_reason *why)
{
	switch (e) {
	case 0:
		*st = PORTIER_PORT_OPEN;
		*why = PORTIER_REASON_SYN_ACK;
		return true;
	case ECONNREFUSED:
		*st = PORTIER_PORT_CLOSED;
		*why = PORTIER_REASON_CONN_REFUSED;
		return true;
	case EHOSTUNREACH:
		*st = PORTIER_PORT_FILTERED;
		*why = PORTIER_REASON_HOST_UNREACH;
		return true;
	case ENETUNREACH:
		*st = PORTIER_PORT_FILTERED;
		*why = PORTIER_REASON_NET_UNREACH;
		return true;
	case EACCES:
	case EPERM:
		*st = PORTIER_PORT_FILTERED;
		*why = PORTIER_REASON_ADMIN_PROHIBITED;
		return true;
	default:
		return false;
	}
}

static int connect_send(struct portier_scan *s, uint32_t slot,
			struct portier_err *err)
{
	struct connect_state *c = s->mstate;
	struct scan_slot *sl = &s->slots[slot];
	struct sockaddr_storage ss;
	struct epoll_event ev;
	enum portier_port_state st;
	enum portier_reason why;
	socklen_t len = to_sockaddr(&sl->addr, sl->port, &ss);
	int fd, e;

	fd = socket(sl->addr.family == 4 ? AF_INET : AF_INET6,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		if (local_shortage(errno))
			return SCAN_LOCAL;
		return portier_err_set(err, -errno, "socket: %s", strerror(errno));
	}
	if (connect(fd, (struct sockaddr *)&ss, len) == 0) {
		if (self_connected(fd)) { /* see connect_wait */
			close(fd);
			return SCAN_LOCAL;
		}
		e = 0;
	} else if (errno == EINPROGRESS) {
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLOUT;
		ev.data.u32 = slot;
		if (epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			e = errno;
			close(fd);
			if (local_shortage(e))
				return SCAN_LOCAL;
			return portier_err_set(err, -e, "epoll_ctl: %s",
					       strerror(e));
		}
		sl->fd = fd;
		return SCAN_SENT;
	} else {
		e = errno;
	}
	if (e == 0) {
		struct linger lg = {1, 0};

		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(fd);
	if (local_shortage(e))
		return SCAN_LOCAL;
	if (!decide(e, &st, &why))
		return SCAN_LOCAL; /* unexpected: never guess a state */
	scan_answer(s, slot, st, why, 0);
	return SCAN_DECIDED;
}

static void connect_release(struct portier_scan *s, uint32_t slot);


static int connect_wait(struct portier_scan *s, int timeout_ms,
			struct portier_err *err)
{
	struct connect_state *c = s->mstate;
	int n, i;

	n = epoll_wait(c->ep, c->ev, MAX_EVENTS, timeout_ms);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		return portier_err_set(err, -errno, "epoll_wait: %s",
				       strerror(errno));
	}
	for (i = 0; i < n; i++) {
		uint32_t slot = c->ev[i].data.u32;
		struct scan_slot *sl = &s->slots[slot];
		enum portier_port_state st;
		enum portier_reason why;
		int e = 0;
		socklen_t elen = sizeof(e);

		if (sl->active != 2 || sl->fd < 0)
			continue;
		if (getsockopt(sl->fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
			e = errno;
		if (e == 0 && self_connected(sl->fd)) {
			/* TCP simultaneous open with ourselves (RFC 9293
			 * 3.5): the ephemeral port equalled the target port
			 * on a local address.  Nobody listens; ask again from
			 * another port. */
			connect_release(s, slot);
			scan_requeue(s, slot);
		} else if (decide(e, &st, &why)) {
			scan_answer(s, slot, st, why, 0);
		} else if (e == ETIMEDOUT) {
			/* the kernel gave up before we did: no answer; the
			 * engine's timer decides */
			epoll_ctl(c->ep, EPOLL_CTL_DEL, sl->fd, NULL);
		} else {
			/* a local failure after the fact: says nothing about
			 * the port, send it again without using up a try */
			connect_release(s, slot);
			scan_requeue(s, slot);
		}
	}
	return 0;
}

static void connect_release(struct portier_scan *s, uint32_t slot)
{
	struct scan_slot *sl = &s->slots[slot];
	struct linger lg = {1, 0};

	if (sl->fd >= 0) {
		/* close = RST at once, no TIME_WAIT (RFC 9293 3.10.4 abort).
		 * Only a socket that may be connected needs it: one whose
		 * connect was refused has nothing to reset. */
		if (s->answered_state != PORTIER_PORT_CLOSED)
			setsockopt(sl->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(sl->fd); /* also leaves the epoll set */
		sl->fd = -1;
	}
}

static void connect_close(struct portier_scan *s)
{
	struct connect_state *c = s->mstate;

	if (!c)
		return;
	if (c->ep >= 0)
		close(c->ep);
	portier_free(c);
	s->mstate = NULL;
}

const struct scan_method scan_method_connect = {
	.name = "connect",
	.default_inflight = 4096,
	.open = connect_open,
	.send = connect_send,
	.wait = connect_wait,
	.release = connect_release,
	.close = connect_close,
};
