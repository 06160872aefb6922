/*
 * sock.c - what the socket-per-probe methods (connect.c, udp.c) share: the
 * sockaddr of a target port and the file descriptors a scan may hold.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/resource.h>

#include "scan/scan_int.h"

/* descriptors left for everything else (output files, the epoll, ...) */
#define RESERVED_FDS 64

socklen_t scan_sockaddr(const struct portier_addr *a, uint16_t port,
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

void scan_fd_room(struct portier_scan *s)
{
	struct rlimit rl;
	rlim_t room;

	/* as many descriptors as the hard limit allows */
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	room = rl.rlim_cur > RESERVED_FDS * 2 ? rl.rlim_cur - RESERVED_FDS
					      : rl.rlim_cur / 2;
	if (room < s->cfg.max_inflight)
		s->cfg.max_inflight = (unsigned)room;
}
