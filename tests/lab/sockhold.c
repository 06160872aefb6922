/*
 * sockhold.c - lab-sockhold: hold a known set of sockets for the tests of
 * portier local and audit.
 *
 *   lab-sockhold [-r FILE] [-f] [-c ADDR:PORT]... SPEC...
 *
 * SPEC is tcp:ADDR:PORT or udp:ADDR:PORT; ADDR is IPv4 or [IPv6] (an IPv6
 * socket is IPV6_V6ONLY, so 0.0.0.0 and [::] can share a port).  -c
 * connects to ADDR:PORT over TCP after binding, and every connection that
 * reaches one of our own listeners is accepted, so both ends have an
 * owner.  -f forks once everything is in place: parent and child then
 * share every socket, which is what "a socket held by two processes" means.
 * "ready" goes to FILE (or stdout) when all is set; then it sleeps until
 * killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_SOCKS 64

static int listeners[MAX_SOCKS], n_listeners;

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "lab-sockhold: %s '%s': %s\n", what, arg,
		strerror(errno));
	exit(1);
}

/* Parse ADDR:PORT (ADDR v4 or [v6]) into ss; returns its length. */
static socklen_t parse_addr(const char *s, struct sockaddr_storage *ss)
{
	char host[64];
	const char *colon;
	unsigned long port;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		if (!end || end[1] != ':' || (size_t)(end - s) > sizeof(host))
			return 0;
		memcpy(host, s + 1, (size_t)(end - s - 1));
		host[end - s - 1] = '\0';
		port = strtoul(end + 2, NULL, 10);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)port);
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return 0;
		return sizeof(*sin6);
	}
	colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return 0;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = strtoul(colon + 1, NULL, 10);
	{
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)port);
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return 0;
	}
	return sizeof(struct sockaddr_in);
}

static void bind_spec(const char *spec)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int type = SOCK_STREAM, fd, one = 1;

	if (strncmp(spec, "tcp:", 4) == 0)
		type = SOCK_STREAM;
	else if (strncmp(spec, "udp:", 4) == 0)
		type = SOCK_DGRAM;
	else {
		errno = EINVAL;
		die("bad spec", spec);
	}
	len = parse_addr(spec + 4, &ss);
	if (!len) {
		errno = EINVAL;
		die("bad address in", spec);
	}
	fd = socket(ss.ss_family, type, 0);
	if (fd < 0)
		die("socket for", spec);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind", spec);
	if (type == SOCK_STREAM) {
		if (listen(fd, 64) < 0)
			die("listen", spec);
		if (n_listeners < MAX_SOCKS)
			listeners[n_listeners++] = fd;
	}
}

static void connect_to(const char *target)
{
	struct sockaddr_storage ss;
	socklen_t len = parse_addr(target, &ss);
	int fd;

	if (!len) {
		errno = EINVAL;
		die("bad address", target);
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0)
		die("connect to", target);
}

/* Accept what reached our own listeners, so the server ends have owners. */
static void accept_pending(void)
{
	int i;

	for (i = 0; i < n_listeners; i++) {
		int fl = fcntl(listeners[i], F_GETFL);

		fcntl(listeners[i], F_SETFL, fl | O_NONBLOCK);
		while (accept(listeners[i], NULL, NULL) >= 0)
			;
		fcntl(listeners[i], F_SETFL, fl);
	}
}

int main(int argc, char **argv)
{
	const char *ready = NULL;
	const char *targets[MAX_SOCKS];
	int n_targets = 0, do_fork = 0, i, c;
	FILE *f;

	while ((c = getopt(argc, argv, "r:fc:")) != -1) {
		switch (c) {
		case 'r':
			ready = optarg;
			break;
		case 'f':
			do_fork = 1;
			break;
		case 'c':
			if (n_targets < MAX_SOCKS)
				targets[n_targets++] = optarg;
			break;
		default:
			fprintf(stderr, "usage: lab-sockhold [-r FILE] [-f] "
					"[-c ADDR:PORT]... SPEC...\n");
			return 2;
		}
	}
	for (i = optind; i < argc; i++)
		bind_spec(argv[i]);
	for (i = 0; i < n_targets; i++)
		connect_to(targets[i]);
	usleep(50000);
	accept_pending();
	if (do_fork) {
		pid_t child = fork();

		if (child < 0)
			die("fork", "");
		if (child > 0) /* the child says "ready": both exist then */
			for (;;)
				pause();
	}
	f = ready ? fopen(ready, "w") : stdout;
	if (f) {
		fprintf(f, "ready %d\n", (int)getpid());
		if (f != stdout)
			fclose(f);
		else
			fflush(f);
	}
	for (;;)
		pause();
}
