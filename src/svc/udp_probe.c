/*
 * udp_probe.c - ask an open UDP port what it is (the contract is in
 * svc_udp.h): each request from its own connected socket, so the kernel
 * delivers only the target's datagrams from that port and no privilege is
 * needed; every wait is bounded by the caller's wait_ms.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portier/net.h"
#include "portier/svc_udp.h"

#define TRIES	  2
#define MAX_REQS  (PORTIER_UDP_PER_PORT + 1)
#define REPLY_CAP 4096

struct udp_req {
	enum portier_udp_parser parser;
	const uint8_t *data;
	size_t len;
};

static long now_ms(void)
{
	return (long)(portier_now_ns() / 1000000);
}

/* Send r from a fresh connected socket and describe the reply that parses;
 * 1: described, 0: nothing parsed, negative: the socket failed. */
static int ask(const struct portier_addr *a, uint16_t port,
	       const struct udp_req *r, int wait_ms, struct portier_svc *s,
	       struct portier_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sl = portier_addr_to_sockaddr(a, port, &ss);
	uint8_t buf[REPLY_CAP];
	int fd, try, rc = 0;

	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return portier_err_set(err, -e, "UDP socket to port %u: %s",
				       port, strerror(e));
	}
	for (try = 0; try < TRIES && rc == 0; try++) {
		long deadline = now_ms() + wait_ms;

		if (send(fd, r->data, r->len, MSG_NOSIGNAL) < 0 &&
		    errno != ECONNREFUSED)
			break;
		for (;;) {
			struct pollfd pf = {fd, POLLIN, 0};
			long left = deadline - now_ms();
			ssize_t n;

			if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
				break;
			n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n < 0 && errno == ECONNREFUSED) {
				try = TRIES; /* the port closed meanwhile */
				break;
			}
			if (n <= 0)
				continue;
			if (portier_udp_reply_parse(r->parser, r->data, r->len,
						    buf, (size_t)n, NULL) &&
			    portier_svc_udp_describe(r->parser, r->data, r->len,
						     buf, (size_t)n, s)) {
				rc = 1;
				break;
			}
		}
	}
	close(fd);
	return rc;
}

int portier_svc_udp_probe(const struct portier_addr *a, uint16_t port,
			  const struct portier_udp_payloads *pl, int wait_ms,
			  struct portier_svc *s, struct portier_err *err)
{
	const struct portier_udp_payload *p[PORTIER_UDP_PER_PORT];
	struct udp_req reqs[MAX_REQS];
	uint8_t v1[64];
	size_t n, i, k = 0;
	bool any = false;
	const char *why = portier_addr_not_target(a, NULL);

	if (why)
		return portier_err_set(err, PORTIER_EINVAL,
				       "not a scan target: %s", why);
	if (port == 161) {
		/* nmap's SNMP probe is version 1; the payload file's is v2c */
		reqs[k].parser = PORTIER_UDP_SNMP;
		reqs[k].data = v1;
		reqs[k].len = portier_svc_snmp_v1_get(v1, sizeof(v1),
						      0x706f7274); /* "port" */
		k++;
	}
	n = portier_udp_payloads_for(pl, port, p);
	for (i = 0; i < n && k < MAX_REQS; i++) {
		if (p[i]->parser == PORTIER_UDP_ANY)
			continue; /* an empty probe tells nothing */
		reqs[k].parser = p[i]->parser;
		reqs[k].data = p[i]->data;
		reqs[k].len = p[i]->len;
		k++;
	}
	for (i = 0; i < k; i++) {
		int rc = ask(a, port, &reqs[i], wait_ms, s, err);

		if (rc < 0)
			return rc;
		any = any || rc > 0;
	}
	return any ? 0 : PORTIER_ENOENT;
}
