/*
 * Fuzz the TLS client layer with arbitrary bytes as the server's side of
 * the handshake.  The first byte picks how the rest is cut into reads (the
 * driver feeds whatever recv returned); then the peer "closes".  Whatever
 * arrives, the layer must fail cleanly, never crash or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portier/tls.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The harness's one context, shared by every input (read-only). */
static struct portier_tls_ctx *fuzz_ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct portier_err err;

	(void)argc;
	(void)argv;
	if (portier_tls_ctx_new(&fuzz_ctx, &err) != 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct portier_tls *t;
	struct portier_tls_info info;
	struct portier_err err;
	enum portier_tls_status st;
	uint8_t out[4096];
	size_t piece, got;

	if (size < 1)
		return 0;
	piece = (size_t)data[0] + 1;
	data++;
	size--;
	if (portier_tls_new(fuzz_ctx, "fuzz.example", &t, &err) != 0)
		return 0;
	st = portier_tls_handshake(t, &err);
	while (portier_tls_take(t, out, sizeof(out)) > 0)
		;
	while (st == PORTIER_TLS_WANT_INPUT && size > 0) {
		size_t k = size < piece ? size : piece;

		portier_tls_feed(t, data, k, &err);
		data += k;
		size -= k;
		st = portier_tls_handshake(t, &err);
		while (portier_tls_take(t, out, sizeof(out)) > 0)
			;
	}
	if (st == PORTIER_TLS_WANT_INPUT) {
		portier_tls_feed_eof(t);
		st = portier_tls_handshake(t, &err);
	}
	if (st == PORTIER_TLS_OK && portier_tls_get_info(t, &info, &err) == 0) {
		portier_tls_write(t, "GET / HTTP/1.0\r\n\r\n", 18, &err);
		portier_tls_read(t, out, sizeof(out), &got, &err);
	}
	portier_tls_free(t);
	return 0;
}
