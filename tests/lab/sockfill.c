/*
 * sockfill.c - lab-sockfill: fill loopback with N TCP sockets, for the
 * benchmark of portier local against ss, netstat and lsof.
 *
 *   lab-sockfill [-r FILE] N
 *
 * Splits N over worker processes that each stay under the descriptor
 * limit (RLIMIT_NOFILE's hard limit cannot always be raised, even by
 * root).  Each worker opens 8 listeners on 127.0.0.1 (ports chosen by the
 * kernel) and connections spread over them, accepting each, so N sockets
 * exist and every one has an owner.  The parent writes "ready PID N" to
 * FILE (or stdout) when all workers are done and sleeps until killed; the
 * workers die with it (PR_SET_PDEATHSIG).  Only loopback is touched.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTENERS 8

/* One worker: n sockets (8 listeners and connections), then wait. */
static int worker(long n, int done_fd)
{
	struct sockaddr_in sin[LISTENERS];
	int lfd[LISTENERS], k;
	long i, conns = (n - LISTENERS) / 2;
	char ok = 1;

	for (k = 0; k < LISTENERS; k++) {
		socklen_t len = sizeof(sin[k]);

		memset(&sin[k], 0, sizeof(sin[k]));
		sin[k].sin_family = AF_INET;
		sin[k].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		lfd[k] = socket(AF_INET, SOCK_STREAM, 0);
		if (lfd[k] < 0 ||
		    bind(lfd[k], (struct sockaddr *)&sin[k], sizeof(sin[k])) <
			    0 ||
		    listen(lfd[k], 4096) < 0 ||
		    getsockname(lfd[k], (struct sockaddr *)&sin[k], &len) < 0) {
			perror("lab-sockfill: listener");
			return 1;
		}
	}
	for (i = 0; i < conns; i++) {
		int cfd = socket(AF_INET, SOCK_STREAM, 0);

		k = (int)(i % LISTENERS);
		if (cfd < 0 ||
		    connect(cfd, (struct sockaddr *)&sin[k], sizeof(sin[k])) <
			    0 ||
		    accept(lfd[k], NULL, NULL) < 0) {
			fprintf(stderr, "lab-sockfill: connection %ld: %s\n", i,
				strerror(errno));
			return 1;
		}
	}
	if (write(done_fd, &ok, 1) != 1)
		return 1;
	close(done_fd);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	const char *ready = NULL;
	struct rlimit rl;
	long n, per, left, total = 0;
	int c, pipefd[2], workers = 0, w;
	FILE *f;

	while ((c = getopt(argc, argv, "r:")) != -1) {
		if (c != 'r')
			goto usage;
		ready = optarg;
	}
	if (argc - optind != 1)
		goto usage;
	n = strtol(argv[optind], NULL, 10);
	if (n < LISTENERS || n > 400000)
		goto usage;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	per = (long)rl.rlim_cur - 64;
	if (per > 16000)
		per = 16000;
	if (per < 2 * LISTENERS || pipe(pipefd) < 0)
		return 1;
	for (left = n; left >= LISTENERS; left -= per) {
		long share = left < per ? left : per;
		pid_t pid;

		/* an odd remainder cannot make a connection: keep it even */
		share -= (share - LISTENERS) % 2;
		pid = fork();
		if (pid < 0) {
			perror("lab-sockfill: fork");
			return 1;
		}
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(pipefd[0]);
			return worker(share, pipefd[1]);
		}
		workers++;
		total += share;
	}
	close(pipefd[1]);
	for (w = 0; w < workers; w++) {
		char ok;

		if (read(pipefd[0], &ok, 1) != 1) {
			fprintf(stderr, "lab-sockfill: a worker failed\n");
			kill(0, SIGKILL);
			return 1;
		}
	}
	f = ready ? fopen(ready, "w") : stdout;
	if (f) {
		fprintf(f, "ready %d %ld\n", (int)getpid(), total);
		if (f != stdout)
			fclose(f);
		else
			fflush(f);
	}
	for (;;)
		pause();
usage:
	fprintf(stderr, "usage: lab-sockfill [-r FILE] N (8..400000)\n");
	return 2;
}
