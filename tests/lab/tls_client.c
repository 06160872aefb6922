/*
 * tls_client.c - the TLS layer (include/portier/tls.h) over a real socket,
 * for tests/lab/test_tls.sh: connect to ADDR PORT, run the driver's loop
 * with HOST as SNI, print the certificate facts and the judge's findings,
 * then send an HTTP request through the layer and print the reply's first
 * line.  Every wait is bounded (5 s in all).
 *
 *   lab-tls_client ADDR PORT HOST
 *
 * Exit: 0 handshake done, 1 it failed (the reason on stderr), 2 usage.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "portier/addr.h"
#include "portier/tls.h"
#include "probe/probe_int.h"

static long deadline;

/* Send every waiting ciphertext byte. */
static int flush(int fd, struct portier_tls *t)
{
	uint8_t out[4096];
	size_t n;

	while ((n = portier_tls_take(t, out, sizeof(out))) > 0)
		if (probe_send_all(fd, out, n, deadline) < 0)
			return -1;
	return 0;
}

/* Whatever arrives next into the layer; the peer's close or the deadline
 * is its end of input. */
static void receive(int fd, struct portier_tls *t)
{
	uint8_t in[4096];
	struct pollfd p = {.fd = fd, .events = POLLIN};
	long left = deadline - probe_now_ms();
	ssize_t n = -1;

	if (left > 0 && poll(&p, 1, (int)left) > 0)
		n = recv(fd, in, sizeof(in), 0);
	if (n > 0)
		portier_tls_feed(t, in, (size_t)n, NULL);
	else
		portier_tls_feed_eof(t);
}

static void print_facts(const struct portier_tls_info *info)
{
	struct portier_svc s;
	char text[2048];
	size_t i;

	printf("version=%s\ncipher=%s\n", info->version, info->cipher);
	printf("subject=%s\nissuer=%s\n", info->subject, info->issuer);
	printf("not_before=%lld\nnot_after=%lld\n", (long long)info->not_before,
	       (long long)info->not_after);
	printf("self_signed=%s\nverify=%s\n", info->self_signed ? "yes" : "no",
	       info->verify_text);
	memset(&s, 0, sizeof(s));
	portier_tls_judge(info, time(NULL), &s);
	printf("findings=");
	for (i = 0; i < s.n_findings; i++)
		printf("%s%s", i ? "," : "", s.findings[i].f.id);
	portier_tls_ssl_cert_text(info, text, sizeof(text));
	printf("\nssl-cert:\n%s\nend-ssl-cert\n", text);
}

int main(int argc, char **argv)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	struct portier_tls_ctx *ctx;
	struct portier_tls *t;
	struct portier_tls_info info;
	struct portier_err err;
	struct portier_addr a;
	enum portier_tls_status st;
	char reply[4096];
	size_t have = 0, got;
	int fd, rc = 1;

	if (argc != 4 || portier_addr_parse(argv[1], &a) != 0) {
		fprintf(stderr, "usage: lab-tls_client ADDR PORT HOST\n");
		return 2;
	}
	deadline = probe_now_ms() + 5000;
	fd = probe_tcp_start(&a, (uint16_t)atoi(argv[2]));
	if (fd < 0 || probe_tcp_finish(fd, deadline) < 0) {
		fprintf(stderr, "lab-tls_client: cannot connect\n");
		return 1;
	}
	if (portier_tls_ctx_new(&ctx, &err) < 0 ||
	    portier_tls_new(ctx, argv[3], &t, &err) < 0) {
		fprintf(stderr, "lab-tls_client: %s\n", err.msg);
		return 1;
	}
	portier_tls_ctx_free(ctx); /* t keeps what it needs */
	while ((st = portier_tls_handshake(t, &err)) ==
	       PORTIER_TLS_WANT_INPUT) {
		if (flush(fd, t) < 0)
			break;
		receive(fd, t);
	}
	flush(fd, t);
	if (st != PORTIER_TLS_OK) {
		fprintf(stderr, "lab-tls_client: %s\n",
			st == PORTIER_TLS_FAILED ? err.msg : "send failed");
		goto out;
	}
	if (portier_tls_get_info(t, &info, &err) < 0) {
		fprintf(stderr, "lab-tls_client: %s\n", err.msg);
		goto out;
	}
	print_facts(&info);
	/* plaintext through the layer, as an HTTP module would speak it */
	if (portier_tls_write(t, req, strlen(req), &err) < 0 ||
	    flush(fd, t) < 0) {
		fprintf(stderr, "lab-tls_client: %s\n", err.msg);
		goto out;
	}
	while (have < sizeof(reply) - 1 && !memchr(reply, '\n', have)) {
		st = portier_tls_read(t, reply + have, sizeof(reply) - 1 - have,
				      &got, &err);
		if (st == PORTIER_TLS_OK)
			have += got;
		else if (st == PORTIER_TLS_WANT_INPUT && flush(fd, t) == 0)
			receive(fd, t);
		else
			break;
	}
	reply[have] = '\0';
	reply[strcspn(reply, "\r\n")] = '\0';
	printf("http=%s\n", reply);
	rc = 0;
out:
	portier_tls_free(t);
	probe_tcp_abort(fd);
	return rc;
}
