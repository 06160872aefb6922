/*
 * digest.h - hashing, in one home (OpenSSL's libcrypto): SHA-256 of
 * executables for inspect and the snapshot store, MD5 for dpkg's md5sums.
 * All return 0, -errno when a read fails, PORTIER_EIO when libcrypto does.
 */
#ifndef PORTIER_DIGEST_H
#define PORTIER_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "portier/common.h"

/*
 * SHA-256 and MD5 of everything read from fd (from its current offset) in
 * one pass, as lower-case hex; either output may be NULL.  At most max
 * bytes are read (0: no limit); *size (may be NULL) gets the count.
 */
PORTIER_API int portier_digests_fd(int fd, uint64_t max, char sha256[65],
				   char md5[33], uint64_t *size);
/* SHA-256 of everything read from fd, as 32 bytes. */
PORTIER_API int portier_sha256_fd(int fd, uint8_t out[32]);
/* SHA-256 of len bytes at data, as 32 bytes. */
PORTIER_API int portier_sha256(const void *data, size_t len, uint8_t out[32]);
/* The same as lower-case hex. */
PORTIER_API int portier_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
