/*
 * err.c - filling in struct portier_err.  Messages are formatted into the
 * caller's buffer (no allocation), so reporting an out-of-memory error never
 * needs memory.
 */
#include <stdio.h>
#include <string.h>

#include "portier/common.h"

int portier_err_set(struct portier_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	err->hint[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void portier_err_hint(struct portier_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
	va_end(ap);
}

void portier_err_clear(struct portier_err *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
	err->hint[0] = '\0';
}

size_t portier_strlcpy(char *dst, const char *src, size_t n)
{
	size_t len = strlen(src);

	if (n) {
		size_t copy = len < n - 1 ? len : n - 1;

		memcpy(dst, src, copy);
		dst[copy] = '\0';
	}
	return len;
}
