/*
 * listen.c - lab-listen: plain TCP and UDP listeners for the lab tests.
 *
 *   lab-listen [-a ADDR] [-r FILE] tcp:PORT[-PORT] udp:PORT ...
 *
 * Binds every listed port on ADDR (default: all IPv4 and IPv6 addresses),
 * accepts TCP connections and closes them after writing a one-line banner,
 * answers each UDP datagram with one datagram, and writes "ready" to FILE (or
 * stdout) once every socket is bound, so a test knows the ground truth is in
 * place.  Runs until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static int bind_one(int type, const char *addr, unsigned port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, fd, family = AF_INET6;

	memset(&ss, 0, sizeof(ss));
	if (addr && strchr(addr, ':') == NULL) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		family = AF_INET;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)port);
		if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
			return -1;
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)port);
		if (addr && inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1)
			return -1;
		len = sizeof(*sin6);
	}
	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6) {
		int v6only = addr ? 1 : 0; /* no address: dual-stack */

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
			   sizeof(v6only));
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 128) < 0)) {
		fprintf(stderr, "lab-listen: %s port %u: %s\n",
			type == SOCK_STREAM ? "tcp" : "udp", port,
			strerror(errno));
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct rlimit rl = {65536 * 2 + 64, 65536 * 2 + 64};
	const char *addr = NULL, *ready = NULL;
	int ep, i, c;
	FILE *f;

	setrlimit(RLIMIT_NOFILE, &rl);
	while ((c = getopt(argc, argv, "a:r:")) != -1) {
		if (c == 'a')
			addr = optarg;
		else if (c == 'r')
			ready = optarg;
		else
			return 2;
	}
	ep = epoll_create1(0);
	for (i = optind; i < argc; i++) {
		unsigned lo, hi, p;
		char proto[4];
		int n = sscanf(argv[i], "%3[a-z]:%u-%u", proto, &lo, &hi);

		if (n == 2)
			hi = lo;
		if (n < 2 || lo > hi || hi > 65535 ||
		    (strcmp(proto, "tcp") && strcmp(proto, "udp"))) {
			fprintf(stderr, "lab-listen: bad spec '%s'\n", argv[i]);
			return 2;
		}
		for (p = lo; p <= hi; p++) {
			int type = proto[0] == 't' ? SOCK_STREAM : SOCK_DGRAM;
			int fd = bind_one(type, addr, p);
			struct epoll_event ev = {.events = EPOLLIN};

			if (fd < 0) {
				fprintf(stderr, "lab-listen: bad address\n");
				return 2;
			}
			ev.data.u64 = ((uint64_t)type << 32) | (unsigned)fd;
			epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		}
	}
	f = ready ? fopen(ready, "w") : stdout;
	if (!f)
		return 1;
	fputs("ready\n", f);
	fflush(f);
	if (ready)
		fclose(f);
	for (;;) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, -1), k;

		for (k = 0; k < n; k++) {
			int fd = (int)(evs[k].data.u64 & 0xffffffffu);
			int type = (int)(evs[k].data.u64 >> 32);
			char buf[2048];

			if (type == SOCK_STREAM) {
				int cfd = accept(fd, NULL, NULL);

				if (cfd >= 0) {
					static const char banner[] =
						"lab-listen ready\r\n";

					(void)!write(cfd, banner,
						     sizeof(banner) - 1);
					close(cfd);
				}
			} else {
				struct sockaddr_storage from;
				socklen_t flen = sizeof(from);
				ssize_t got = recvfrom(fd, buf, sizeof(buf), 0,
						       (struct sockaddr *)&from,
						       &flen);

				if (got >= 0)
					sendto(fd, "ok\n", 3, 0,
					       (struct sockaddr *)&from, flen);
			}
		}
	}
}
