/*
 * buf.c - a growable string for the nft scripts the firewall and the guard
 * write.  Failure to grow is sticky: later appends do nothing and
 * portier_nft_buf_take returns NULL, so a renderer checks for memory once,
 * at the end.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "portier/nft.h"

static bool grow(struct portier_nft_buf *b, size_t need)
{
	size_t cap;
	char *s;

	if (b->oom)
		return false;
	if (b->len + need + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + need + 1)
		cap *= 2;
	s = portier_realloc(b->s, cap);
	if (!s) {
		b->oom = true;
		return false;
	}
	b->s = s;
	b->cap = cap;
	return true;
}

void portier_nft_buf_printf(struct portier_nft_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void portier_nft_buf_puts(struct portier_nft_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (!grow(b, n))
		return;
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

char *portier_nft_buf_take(struct portier_nft_buf *b)
{
	char *s;

	if (b->oom || !grow(b, 0)) {
		portier_nft_buf_free(b);
		return NULL;
	}
	s = b->s;
	s[b->len] = '\0';
	memset(b, 0, sizeof(*b));
	return s;
}

void portier_nft_buf_free(struct portier_nft_buf *b)
{
	portier_free(b->s);
	memset(b, 0, sizeof(*b));
}
