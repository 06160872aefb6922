/*
 * svc_text.h - the modules' helpers for text that came off the wire: a
 * protocol's string (a server version, an error message) is copied into a
 * fixed field of struct portier_svc as printable ASCII, so a hostile
 * server cannot put terminal controls into portier's output.
 */
#ifndef PORTIER_SVC_TEXT_H
#define PORTIER_SVC_TEXT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Copy src[0..n) up to its first NUL into dst (size cap, always
 * NUL-terminated when cap > 0), each byte outside 0x20..0x7e as '?'.
 * Returns how many bytes were copied.
 */
static inline size_t svc_text_copy(char *dst, size_t cap, const uint8_t *src,
				   size_t n)
{
	size_t i;

	if (cap == 0)
		return 0;
	for (i = 0; i < n && i + 1 < cap && src[i] != 0; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
	dst[i] = '\0';
	return i;
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
