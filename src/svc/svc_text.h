/*
 * svc_text.h - the modules' helper for text that came off the wire: a
 * protocol's string (a server version, an error message) is copied into a
 * fixed field of struct portier_svc through portier_text_clean's one-line
 * rule, so a hostile server cannot put terminal controls into portier's
 * output and every module cleans the same way.
 */
#ifndef PORTIER_SVC_TEXT_H
#define PORTIER_SVC_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "portier/common.h"

/*
 * Copy src[0..n) up to its first NUL into dst (size cap, always
 * NUL-terminated when cap > 0), controls and bytes that are not UTF-8 as
 * '?' (PORTIER_TEXT_LINE).  Returns the length of what dst holds.
 */
static inline size_t svc_text_copy(char *dst, size_t cap, const uint8_t *src,
				   size_t n)
{
	char raw[256];
	size_t i;

	if (cap == 0)
		return 0;
	for (i = 0; i < n && i + 1 < sizeof(raw) && src[i] != 0; i++)
		raw[i] = (char)src[i];
	raw[i] = '\0';
	portier_text_clean(dst, cap, raw, PORTIER_TEXT_LINE);
	return strlen(dst);
}

/* The length of the NUL-terminated string at p within n bytes, or n when
 * there is no NUL (then it is not a whole string). */
static inline size_t svc_text_nlen(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && p[i] != 0; i++)
		;
	return i;
}

#endif
