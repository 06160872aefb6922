/*
 * resetpeer.c - lab-resetpeer: the two ends of a TCP connection that
 * portier top closes, and the witness that the peer saw a reset.
 *
 *   lab-resetpeer -r FILE -s ADDR:PORT   listen, accept and hold every
 *                                        connection (silent); "ready PID"
 *   lab-resetpeer -r FILE -c ADDR:PORT   connect, write "ready PID LPORT"
 *                                        (LPORT: our local port), then
 *                                        wait for the connection to end
 *
 * The client prints "reset" and exits 0 when a read fails with ECONNRESET;
 * "eof" (the peer closed in order) or "error: ..." exit 1.  ADDR is IPv4.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "lab-resetpeer: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void parse(const char *s, struct sockaddr_in *sin)
{
	char host[64];
	const char *colon = strrchr(s, ':');

	memset(sin, 0, sizeof(*sin));
	if (!colon || (size_t)(colon - s) >= sizeof(host)) {
		errno = EINVAL;
		die(s);
	}
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short)strtoul(colon + 1, NULL, 10));
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
		errno = EINVAL;
		die(s);
	}
}

static void ready(const char *file, int port)
{
	FILE *f = fopen(file, "w");

	if (!f)
		die(file);
	if (port)
		fprintf(f, "ready %d %d\n", (int)getpid(), port);
	else
		fprintf(f, "ready %d\n", (int)getpid());
	if (fclose(f) != 0)
		die(file);
}

static int server(const struct sockaddr_in *sin, const char *file)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)sin, sizeof(*sin)) < 0 ||
	    listen(fd, 16) < 0)
		die("bind/listen");
	ready(file, 0);
	/* accepted sockets are held until we are killed */
	while (accept(fd, NULL, NULL) >= 0 || errno == EINTR)
		;
	die("accept");
	return 2;
}

static int client(const struct sockaddr_in *sin, const char *file)
{
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	char b[256];
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 ||
	    connect(fd, (const struct sockaddr *)sin, sizeof(*sin)) < 0)
		die("connect");
	if (getsockname(fd, (struct sockaddr *)&me, &len) < 0)
		die("getsockname");
	ready(file, ntohs(me.sin_port));
	do
		n = recv(fd, b, sizeof(b), 0);
	while (n > 0 || (n < 0 && errno == EINTR));
	if (n == 0) {
		printf("eof\n");
		return 1;
	}
	if (errno == ECONNRESET) {
		printf("reset\n");
		return 0;
	}
	printf("error: %s\n", strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin;
	const char *file = NULL;
	int c, mode = 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	while ((c = getopt(argc, argv, "r:s:c:")) != -1) {
		switch (c) {
		case 'r':
			file = optarg;
			break;
		case 's':
		case 'c':
			mode = c;
			parse(optarg, &sin);
			break;
		default:
			return 2;
		}
	}
	if (!file || !mode) {
		fprintf(stderr,
			"usage: lab-resetpeer -r FILE -s|-c ADDR:PORT\n");
		return 2;
	}
	return mode == 's' ? server(&sin, file) : client(&sin, file);
}
