/*
 * tcp.c - one TCP connection to a probe target, every wait bounded by a
 * deadline: a non-blocking connect, exact sends and receives, a reset at
 * the end.  Shared by the SMB probe (smb_host.c), the DCE/RPC endpoint
 * mapper probe (rpc_host.c) and service detection (src/svc/driver.c); the
 * contract is in probe_int.h.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "probe/probe_int.h"

const char *portier_tcp_state_name(enum portier_tcp_state s)
{
	switch (s) {
	case PORTIER_TCP_OPEN:
		return "open";
	case PORTIER_TCP_CLOSED:
		return "closed";
	case PORTIER_TCP_FILTERED:
		return "filtered";
	case PORTIER_TCP_ERROR:
		return "unreachable";
	default:
		return "not tried";
	}
}

long probe_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void probe_tcp_abort(int fd)
{
	struct linger l = {1, 0};

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

int probe_tcp_start(const struct portier_addr *a, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl = portier_addr_to_sockaddr(a, port, &ss);
	int fd = socket(portier_addr_af(a->family),
			SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
	    one = 1;

	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 &&
	    errno != EINPROGRESS) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

enum portier_tcp_state probe_tcp_state(int e)
{
	if (e == 0)
		return PORTIER_TCP_OPEN;
	if (e == ECONNREFUSED)
		return PORTIER_TCP_CLOSED;
	if (e == ETIMEDOUT)
		return PORTIER_TCP_FILTERED;
	return PORTIER_TCP_ERROR;
}

int probe_tcp_finish(int fd, long deadline)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	int e = 0;
	socklen_t el = sizeof(e);

	for (;;) {
		long left = deadline - probe_now_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ETIMEDOUT;
		break;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
		return -errno;
	return -e;
}

/*
 * Move exactly len bytes out of obuf (when given) or into ibuf through fd
 * (a non-blocking socket) before deadline: -ETIMEDOUT when time runs out,
 * -ECONNRESET when the peer closes before everything was read.
 */
static int xfer_all(int fd, const uint8_t *obuf, uint8_t *ibuf, size_t len,
		    long deadline)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n =
			obuf ? send(fd, obuf + done, len - done, MSG_NOSIGNAL)
			     : recv(fd, ibuf + done, len - done, 0);

		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = {.fd = fd,
					   .events = obuf ? POLLOUT : POLLIN};
			long left = deadline - probe_now_ms();

			if (left <= 0 || poll(&p, 1, (int)left) <= 0)
				return -ETIMEDOUT;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0 && !obuf)
			return -ECONNRESET;
		done += (size_t)n;
	}
	return 0;
}

int probe_send_all(int fd, const uint8_t *buf, size_t len, long deadline)
{
	return xfer_all(fd, buf, NULL, len, deadline);
}

int probe_recv_all(int fd, uint8_t *buf, size_t len, long deadline)
{
	return xfer_all(fd, NULL, buf, len, deadline);
}

long probe_recv_some(int fd, uint8_t *buf, size_t cap, long deadline)
{
	for (;;) {
		ssize_t n = recv(fd, buf, cap, 0);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		long left;

		if (n >= 0)
			return (long)n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		left = deadline - probe_now_ms();
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -ETIMEDOUT;
	}
}

const char *probe_io_why(int rc)
{
	switch (rc) {
	case -ETIMEDOUT:
		return "no reply before the timeout";
	case -ECONNRESET:
		return "the server closed the connection without a reply";
	case -ECONNREFUSED:
		return "connection refused";
	default:
		return strerror(-rc);
	}
}
