/*
 * connect.c - the connect scan (-sT): one non-blocking TCP connect() per
 * probe, completions read from epoll, so the number of sockets in flight is
 * bounded by RLIMIT_NOFILE (raised as far as allowed), not by select()'s
 * 1,024.
 *
 * The one rule that keeps it exact: only an answer from the target decides a
 * port.  ECONNREFUSED (an RST came back) is closed, a completed handshake
 * (the socket has a peer) is open, an ICMP error is filtered; a shortage on
 * our side (EMFILE, ENFILE, ENOBUFS, ENOMEM, EADDRNOTAVAIL, EAGAIN) says
 * nothing about the port and is handed back to the engine to try again later.
 * Connected sockets close with SO_LINGER 0, an immediate RST, so no TIME_WAIT
 * piles up over a -p- scan.
 *
 * Speed: most ports are closed, and a socket whose connect was refused is
 * back in the CLOSE state with its port released.  Such sockets go to a pool
 * and are reused: connect(AF_UNSPEC) resets the socket, and the next probe
 * connects it again - two system calls instead of socket(), epoll_ctl() and
 * close().  The sockets stay in the epoll set, edge-triggered, keyed by file
 * descriptor; an event that arrives while the new connect is still under way
 * (no error, no peer) is stale and ignored, and the real outcome raises a new
 * edge.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portier/kb.h"
#include "scan/scan_int.h"

#define MAX_EVENTS 1024

struct connect_state {
	int ep;
	int32_t *fd_slot; /* fd -> slot probing with it, or -1 */
	size_t n_fd_slot;
	int *pool[2]; /* refused sockets ready for reuse: IPv4, IPv6 */
	uint16_t eph_lo,
		eph_hi; /* local port range: where self-connects happen */
	size_t n_pool[2], cap_pool;
	struct epoll_event ev[MAX_EVENTS];
};

static bool local_shortage(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM ||
	       e == EADDRNOTAVAIL || e == EAGAIN || e == EADDRINUSE;
}

/* 0: connected to a peer; ENOTCONN: not (yet); anything else: error. */
static int peer_state(int fd, bool *self)
{
	struct sockaddr_storage a, b;
	socklen_t la = sizeof(a), lb = sizeof(b);

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	*self = false;
	if (getpeername(fd, (struct sockaddr *)&b, &lb) < 0)
		return errno;
	/* TCP simultaneous open with ourselves (RFC 9293 3.5): the ephemeral
	 * port equalled the target port on a local address */
	*self = getsockname(fd, (struct sockaddr *)&a, &la) == 0 && la == lb &&
		memcmp(&a, &b, la) == 0;
	return 0;
}

static int connect_open(struct portier_scan *s, struct portier_err *err)
{
	struct connect_state *c = portier_calloc(1, sizeof(*c));
	if (!c)
		return PORTIER_ENOMEM;
	s->mstate = c;
	scan_fd_room(s);
	if (portier_ephemeral_range(NULL, &c->eph_lo, &c->eph_hi, NULL) < 0) {
		c->eph_lo = 1; /* unknown: check every port */
		c->eph_hi = 65535;
	}
	c->cap_pool = s->cfg.max_inflight < 16 ? 16 : s->cfg.max_inflight;
	c->pool[0] = portier_calloc(c->cap_pool, sizeof(int));
	c->pool[1] = portier_calloc(c->cap_pool, sizeof(int));
	c->ep = epoll_create1(EPOLL_CLOEXEC);
	if (!c->pool[0] || !c->pool[1] || c->ep < 0) {
		int e = c->ep < 0 ? errno : ENOMEM;

		if (c->ep >= 0)
			close(c->ep);
		portier_free(c->pool[0]);
		portier_free(c->pool[1]);
		portier_free(c);
		s->mstate = NULL;
		return portier_err_set(err, -e, "epoll: %s", strerror(e));
	}
	return 0;
}

/* The state an errno from connect()/SO_ERROR means; false if it means none. */
static bool decide(int e, enum portier_port_state *st, enum portier_reason *why)
{
	switch (e) {
	case 0:
		*st = PORTIER_PORT_OPEN;
		*why = PORTIER_REASON_SYN_ACK;
		return true;
	case ECONNRESET: /* reset after the handshake (RFC 9293 3.10.7.4):
			  * something accepted the connection */
	case EPIPE:
		*st = PORTIER_PORT_OPEN;
		*why = PORTIER_REASON_SYN_ACK;
		return true;
	case ECONNREFUSED:
		*st = PORTIER_PORT_CLOSED;
		*why = PORTIER_REASON_CONN_REFUSED;
		return true;
	case EHOSTUNREACH:
	case EHOSTDOWN:
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
	case EINVAL: /* the kernel will not connect to this address (e.g. a
		      * link-local one without a scope): this target's
		      * result, never the end of the whole scan */
		*st = PORTIER_PORT_FILTERED;
		*why = PORTIER_REASON_LOCAL_ERROR;
		return true;
	default:
		return false;
	}
}

static void drop_fd(struct connect_state *c, int fd, bool reset)
{
	struct linger lg = {1, 0};

	if ((size_t)fd < c->n_fd_slot)
		c->fd_slot[fd] = -1;
	/* close = RST at once, no TIME_WAIT (RFC 9293 3.10.4 abort) */
	if (reset)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd); /* also leaves the epoll set */
}

/* A refused socket goes back to its family's pool (or is closed). */
static void pool_put(struct connect_state *c, int fd, int family)
{
	int k = family == 4 ? 0 : 1;

	if ((size_t)fd < c->n_fd_slot)
		c->fd_slot[fd] = -1;
	if (c->n_pool[k] < c->cap_pool)
		c->pool[k][c->n_pool[k]++] = fd;
	else
		close(fd);
}

static int track(struct connect_state *c, int fd, uint32_t slot)
{
	if ((size_t)fd >= c->n_fd_slot) {
		size_t n = c->n_fd_slot ? c->n_fd_slot : 1024, i;
		int32_t *v;

		while (n <= (size_t)fd)
			n *= 2;
		if (!(v = portier_realloc(c->fd_slot, n * sizeof(*v))))
			return PORTIER_ENOMEM;
		for (i = c->n_fd_slot; i < n; i++)
			v[i] = -1;
		c->fd_slot = v;
		c->n_fd_slot = n;
	}
	c->fd_slot[fd] = (int32_t)slot;
	return 0;
}

/* A socket for family: from the pool (reset), or new and in the epoll set. */
static int get_socket(struct connect_state *c, int family, bool *fresh)
{
	int k = family == 4 ? 0 : 1, fd;
	struct epoll_event ev;

	*fresh = false;
	while (c->n_pool[k]) {
		struct sockaddr unspec;

		fd = c->pool[k][--c->n_pool[k]];
		memset(&unspec, 0, sizeof(unspec));
		unspec.sa_family = AF_UNSPEC;
		if (connect(fd, &unspec, sizeof(unspec)) == 0)
			return fd;
		close(fd); /* could not be reset: use another */
	}
	fd = socket(family == 4 ? AF_INET : AF_INET6,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLOUT | EPOLLET;
	ev.data.fd = fd;
	if (epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	*fresh = true;
	return fd;
}

static int connect_send(struct portier_scan *s, uint32_t slot,
			struct portier_err *err)
{
	struct connect_state *c = s->mstate;
	struct scan_slot *sl = &s->slots[slot];
	struct sockaddr_storage ss;
	enum portier_port_state st;
	enum portier_reason why;
	socklen_t len = scan_sockaddr(&sl->addr, sl->port, &ss);
	bool fresh, self;
	int fd, e;

	fd = get_socket(c, sl->addr.family, &fresh);
	if (fd < 0) {
		if (local_shortage(-fd))
			return SCAN_LOCAL;
		return portier_err_set(err, fd, "socket: %s", strerror(-fd));
	}
	if (track(c, fd, slot) < 0) {
		close(fd);
		return SCAN_LOCAL;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) == 0) {
		e = 0;
	} else if (errno == EINPROGRESS) {
		sl->fd = fd;
		return SCAN_SENT;
	} else {
		e = errno;
	}
	if (e == 0 && (peer_state(fd, &self) != 0 || self)) {
		drop_fd(c, fd, true); /* see connect_wait */
		return SCAN_LOCAL;
	}
	if (e == ECONNREFUSED)
		pool_put(c, fd, sl->addr.family);
	else
		drop_fd(c, fd, e == 0);
	if (local_shortage(e))
		return SCAN_LOCAL;
	if (!decide(e, &st, &why)) { /* unexpected: never guess a state */
		char a[64];

		return portier_err_set(
			err, -e, "connect to %s port %u: %s",
			portier_addr_str(&sl->addr, a, sizeof(a)), sl->port,
			strerror(e));
	}
	scan_answer(s, slot, st, why, 0);
	return SCAN_DECIDED;
}

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
		int fd = c->ev[i].data.fd, e = 0, peer;
		socklen_t elen = sizeof(e);
		enum portier_port_state st;
		enum portier_reason why;
		struct scan_slot *sl;
		int32_t slot;
		bool self;

		if ((size_t)fd >= c->n_fd_slot || (slot = c->fd_slot[fd]) < 0)
			continue; /* pooled or closed: a stale edge */
		sl = &s->slots[slot];
		if (sl->active != 2 || sl->fd != fd)
			continue;
		if (!(c->ev[i].events & (EPOLLERR | EPOLLHUP))) {
			/* writable without error: the handshake completed
			 * (epoll reports the state at the time we read it, and
			 * a connecting socket is not writable).  Only a port
			 * in the ephemeral range can be ourselves. */
			self = false;
			if (sl->port >= c->eph_lo && sl->port <= c->eph_hi &&
			    peer_state(fd, &self) != 0)
				continue;
			peer = 0;
		} else {
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
				e = errno;
			peer = e == 0 ? peer_state(fd, &self) : -1;
			if (peer == ENOTCONN)
				continue; /* not connected yet: a stale edge */
			if (peer > 0)
				e = peer;
		}
		if (e == 0) {
			if (peer == 0 && self) {
				/* ourselves, not a listener: ask again from
				 * another port */
				sl->fd = -1;
				drop_fd(c, fd, true);
				scan_requeue(s, (uint32_t)slot);
				continue;
			}
		}
		if (decide(e, &st, &why)) {
			scan_answer(s, (uint32_t)slot, st, why, 0);
		} else if (e == ETIMEDOUT) {
			/* the kernel gave up before we did: no answer; the
			 * engine's timer decides */
		} else if (local_shortage(e)) {
			/* a local failure after the fact: says nothing about
			 * the port, send it again without using up a try */
			sl->fd = -1;
			drop_fd(c, fd, true);
			scan_requeue(s, (uint32_t)slot);
		} else {
			/* an error we do not know: no answer we can read; the
			 * try counts and the engine's timer decides */
			sl->fd = -1;
			drop_fd(c, fd, true);
		}
	}
	return 0;
}

static void connect_release(struct portier_scan *s, uint32_t slot)
{
	struct connect_state *c = s->mstate;
	struct scan_slot *sl = &s->slots[slot];

	if (sl->fd < 0)
		return;
	if (s->answered_state == PORTIER_PORT_CLOSED)
		pool_put(c, sl->fd, sl->addr.family);
	else
		drop_fd(c, sl->fd, true);
	sl->fd = -1;
}

static void connect_close(struct portier_scan *s)
{
	struct connect_state *c = s->mstate;
	size_t k, i;

	if (!c)
		return;
	for (k = 0; k < 2; k++) {
		for (i = 0; i < c->n_pool[k]; i++)
			close(c->pool[k][i]);
		portier_free(c->pool[k]);
	}
	if (c->ep >= 0)
		close(c->ep);
	portier_free(c->fd_slot);
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
