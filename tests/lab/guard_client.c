/*
 * guard_client.c - lab-guard_client: the benign workload of the guard lab
 * tests, the traffic a scan detector must never mistake for a scan.
 *
 *   lab-guard_client -n N ADDR PORT    N HTTP/1.0 GETs, one connection each,
 *                                      one after another; prints "ok K"
 *   lab-guard_client -s PORT           an echo server that keeps connections
 *                                      open (for the keep-alive client)
 *   lab-guard_client -k SECS ADDR PORT one long connection: a line every
 *                                      100 ms for SECS, each echoed back
 *
 * Exit status 0 when every request got an answer, 1 otherwise.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int connect_to(const char *addr, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
			return -1;
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
			return -1;
		len = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int many_gets(int n, const char *addr, int port)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	char buf[4096];
	int i, ok = 0;

	for (i = 0; i < n; i++) {
		int fd = connect_to(addr, port);
		ssize_t r, total = 0;

		if (fd < 0)
			continue;
		if (write(fd, req, sizeof(req) - 1) == (ssize_t)sizeof(req) - 1)
			while ((r = read(fd, buf, sizeof(buf))) > 0)
				total += r;
		close(fd);
		if (total > 0)
			ok++;
	}
	printf("ok %d\n", ok);
	return ok == n ? 0 : 1;
}

static int echo_server(int port)
{
	struct sockaddr_in6 s6;
	struct pollfd fds[64];
	int one = 1, n = 1, i;

	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	s6.sin6_port = htons((uint16_t)port);
	fds[0].fd = socket(AF_INET6, SOCK_STREAM, 0);
	fds[0].events = POLLIN;
	setsockopt(fds[0].fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fds[0].fd < 0 ||
	    bind(fds[0].fd, (struct sockaddr *)&s6, sizeof(s6)) < 0 ||
	    listen(fds[0].fd, 16) < 0) {
		perror("echo server");
		return 1;
	}
	for (;;) {
		if (poll(fds, (nfds_t)n, -1) < 0)
			return 1;
		if ((fds[0].revents & POLLIN) && n < 64) {
			fds[n].fd = accept(fds[0].fd, NULL, NULL);
			fds[n].events = POLLIN;
			fds[n].revents = 0;
			if (fds[n].fd >= 0)
				n++;
		}
		for (i = 1; i < n; i++) {
			char buf[512];
			ssize_t r;

			if (!(fds[i].revents & (POLLIN | POLLHUP)))
				continue;
			r = read(fds[i].fd, buf, sizeof(buf));
			if (r <= 0 || write(fds[i].fd, buf, (size_t)r) != r) {
				close(fds[i].fd);
				fds[i] = fds[--n];
				i--;
			}
		}
	}
}

static int keepalive(int secs, const char *addr, int port)
{
	int fd = connect_to(addr, port), i, ok = 0;
	char buf[64];

	if (fd < 0) {
		perror("keep-alive connect");
		return 1;
	}
	for (i = 0; i < secs * 10; i++) {
		const struct timespec ts = {0, 100 * 1000 * 1000};

		if (write(fd, "ping\n", 5) != 5 ||
		    read(fd, buf, sizeof(buf)) <= 0)
			break;
		ok++;
		nanosleep(&ts, NULL);
	}
	close(fd);
	printf("ok %d of %d\n", ok, secs * 10);
	return ok == secs * 10 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "-n"))
		return many_gets(atoi(argv[2]), argv[3], atoi(argv[4]));
	if (argc == 3 && !strcmp(argv[1], "-s"))
		return echo_server(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "-k"))
		return keepalive(atoi(argv[2]), argv[3], atoi(argv[4]));
	fprintf(stderr, "usage: lab-guard_client -n N ADDR PORT | -s PORT | "
			"-k SECS ADDR PORT\n");
	return 2;
}
