/*
 * udp_responder.c - lab-udp_responder: tiny UDP servers for the -sU lab
 * test, answering as the protocols do (only as much as a reply needs):
 *
 *   lab-udp_responder [-a ADDR] [-r READYFILE] dns:PORT ntp:PORT mc:PORT
 *
 * dns: the query back with QR set and RCODE REFUSED (what a server that
 * will not tell its version answers); ntp: a 48-byte version 4 server
 * reply (mode 4); mc: memcached's UDP frame header echoed and "VERSION".
 * ADDR may be IPv4 or IPv6 (default 0.0.0.0).
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXS 16

int main(int argc, char **argv)
{
	struct pollfd pf[MAXS];
	char kind[MAXS][8];
	const char *addr = "0.0.0.0", *ready = NULL;
	int n = 0, i, opt;

	while ((opt = getopt(argc, argv, "a:r:")) != -1) {
		if (opt == 'a')
			addr = optarg;
		else if (opt == 'r')
			ready = optarg;
		else
			return 2;
	}
	for (i = optind; i < argc && n < MAXS; i++) {
		struct sockaddr_storage ss = {0};
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		unsigned port;

		if (sscanf(argv[i], "%7[a-z]:%u", kind[n], &port) != 2 ||
		    port == 0 || port > 65535) {
			fprintf(stderr, "bad spec '%s'\n", argv[i]);
			return 2;
		}
		if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
			sin->sin_family = AF_INET;
			sin->sin_port = htons((uint16_t)port);
		} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons((uint16_t)port);
		} else {
			fprintf(stderr, "bad address '%s'\n", addr);
			return 2;
		}
		pf[n].fd = socket(ss.ss_family, SOCK_DGRAM, 0);
		pf[n].events = POLLIN;
		if (pf[n].fd < 0 ||
		    bind(pf[n].fd, (struct sockaddr *)&ss,
			 ss.ss_family == AF_INET ? sizeof(*sin)
						 : sizeof(*sin6)) < 0) {
			perror(argv[i]);
			return 1;
		}
		n++;
	}
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (!f)
			return 1;
		fputs("ready\n", f);
		fclose(f);
	}
	for (;;) {
		if (poll(pf, (nfds_t)n, -1) < 0)
			return 1;
		for (i = 0; i < n; i++) {
			unsigned char buf[2048], out[2048];
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t got;
			size_t len = 0;

			if (!(pf[i].revents & POLLIN))
				continue;
			got = recvfrom(pf[i].fd, buf, sizeof(buf), 0,
				       (struct sockaddr *)&from, &fl);
			if (got < 0)
				continue;
			if (strcmp(kind[i], "dns") == 0 && got >= 12) {
				memcpy(out, buf, (size_t)got);
				out[2] |= 0x80;		      /* QR */
				out[3] = (out[3] & 0xf0) | 5; /* REFUSED */
				len = (size_t)got;
			} else if (strcmp(kind[i], "ntp") == 0 && got >= 48) {
				memset(out, 0, 48);
				out[0] = 0x24; /* version 4, mode 4 */
				out[1] = 2;    /* stratum */
				memcpy(out + 24, buf + 40, 8); /* origin */
				len = 48;
			} else if (strcmp(kind[i], "mc") == 0 && got >= 8) {
				memcpy(out, buf, 8);
				memcpy(out + 8, "VERSION 1.6.21\r\n", 16);
				len = 24;
			}
			if (len)
				sendto(pf[i].fd, out, len, 0,
				       (struct sockaddr *)&from, fl);
		}
	}
}
