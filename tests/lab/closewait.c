/*
 * closewait.c - lab-closewait: a program that never closes its sockets.
 *
 *   lab-closewait [-r FILE] N PORT
 *
 * Listens on 127.0.0.1:PORT, opens N connections to itself, accepts them
 * and closes the accepted ends.  Each of its N client ends then receives a
 * FIN it never answers with close(): N sockets in CLOSE-WAIT, owned by
 * this process, which is what `portier local --summary` must name.  Writes
 * "ready" to FILE (or stdout) and sleeps until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	const char *ready = NULL;
	struct rlimit rl;
	int lfd, one = 1, c;
	long n, i;
	FILE *f;

	while ((c = getopt(argc, argv, "r:")) != -1) {
		if (c != 'r') {
			fprintf(stderr,
				"usage: lab-closewait [-r FILE] N PORT\n");
			return 2;
		}
		ready = optarg;
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: lab-closewait [-r FILE] N PORT\n");
		return 2;
	}
	n = strtol(argv[optind], NULL, 10);
	sin.sin_port =
		htons((unsigned short)strtoul(argv[optind + 1], NULL, 10));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)(2 * n + 64)) {
		rl.rlim_cur = (rlim_t)(2 * n + 64);
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(lfd, 4096) < 0) {
		perror("lab-closewait: listen");
		return 1;
	}
	for (i = 0; i < n; i++) {
		int cfd = socket(AF_INET, SOCK_STREAM, 0), afd;

		if (cfd < 0 ||
		    connect(cfd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
			perror("lab-closewait: connect");
			return 1;
		}
		afd = accept(lfd, NULL, NULL);
		if (afd < 0) {
			perror("lab-closewait: accept");
			return 1;
		}
		close(afd); /* the peer closes; cfd is never closed */
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
