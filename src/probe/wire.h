/*
 * wire.h - what the pure parsers of the probe module share: a cursor over
 * an NDR stub (DCE 1.1 RPC ch. 14: little-endian, 4-byte alignment counted
 * from the stub's start) and the UTF-16LE text of SMB, NTLM and RPC.
 * Nothing here allocates or keeps state.
 */
#ifndef PORTIER_PROBE_WIRE_H
#define PORTIER_PROBE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "portier/common.h"

/* A cursor over an NDR stub; resp names the reply and what the part read
 * ("the entry count") in errors. */
struct probe_ndr {
	const uint8_t *b;
	size_t len, off;
	struct portier_err *err;
	const char *resp, *what;
};

/* Align to 4, then read a uint32: 0 or PORTIER_EPROTO. */
int probe_ndr_u32(struct probe_ndr *r, uint32_t *v);
/* The next n bytes (no alignment): 0 or PORTIER_EPROTO. */
int probe_ndr_bytes(struct probe_ndr *r, size_t n, const uint8_t **p);

/*
 * UTF-16LE (len bytes) as UTF-8 in dst (cap bytes, always terminated): a
 * lone surrogate, an odd last byte or a U+0000 becomes U+FFFD, so the
 * result is one valid string.  What does not fit is cut at the first
 * character that does not fit: nothing after it is kept.  cap 0 writes
 * nothing.
 */
void probe_utf16_to_utf8(const uint8_t *p, size_t len, char *dst, size_t cap);

/* The n ASCII bytes of s as UTF-16LE at dst (2n bytes, no NUL added). */
void probe_ascii_to_utf16(const char *s, size_t n, uint8_t *dst);

/* SMB2 framing (ntlmssp.c): the stream header and a sync request header
 * for cmd with body bytes in all from the SMB2 header on (2.2.1.2); and
 * the check of a framed response to cmd (its body length and status out,
 * what names the command in errors). */
#define PROBE_SMB2_HDR 64
void probe_smb2_request(uint8_t *buf, size_t body, uint16_t cmd, uint64_t mid,
			uint64_t sid);
int probe_smb2_response(const uint8_t *buf, size_t len, uint16_t cmd,
			const char *what, size_t *body, uint32_t *status,
			struct portier_err *err);

#endif
