/*
 * sha256.h - SHA-256 (FIPS 180-4), in one call or streamed, for hashing
 * executables (the store's BINARY_MODIFIED events).  No allocation, no
 * global state.
 */
#ifndef PORTIER_SHA256_H
#define PORTIER_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "portier/common.h"

struct portier_sha256_ctx {
	uint32_t h[8];
	uint64_t bytes;	 /* message length so far */
	uint8_t buf[64]; /* a partial block */
	size_t used;	 /* bytes in buf */
};

PORTIER_API void portier_sha256_init(struct portier_sha256_ctx *c);
PORTIER_API void portier_sha256_update(struct portier_sha256_ctx *c,
				       const void *data, size_t len);
PORTIER_API void portier_sha256_final(struct portier_sha256_ctx *c,
				      uint8_t out[32]);
PORTIER_API void portier_sha256(const void *data, size_t len, uint8_t out[32]);

#endif
