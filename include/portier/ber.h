/*
 * ber.h - reading ASN.1 BER (X.690) tag-length-value items from a byte
 * buffer, as SNMP messages carry them: definite lengths only, at most
 * three length octets, every length checked against the buffer.  Pure.
 */
#ifndef PORTIER_BER_H
#define PORTIER_BER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portier/common.h"

/*
 * The tag and length at *off (tag 0: any tag, which goes to *tag_out when
 * it is not NULL); on success *off is the content's start and *clen its
 * length, which fits in len.  False (nothing moved) otherwise.
 */
PORTIER_API bool portier_ber_tl(const uint8_t *b, size_t len, size_t *off,
				uint8_t tag, size_t *clen, uint8_t *tag_out);
/* An INTEGER of at most 4 content octets (5 with a leading zero) at *off,
 * as unsigned; *off moves past it. */
PORTIER_API bool portier_ber_uint(const uint8_t *b, size_t len, size_t *off,
				  uint32_t *v);

#endif
