/*
 * utf8.c - the one UTF-8 validator of portier.  Text from the network and
 * from other processes (NetBIOS names, process names, paths, overlay files)
 * is checked with it before it reaches JSON or a terminal, so every place
 * agrees on what valid means: RFC 3629 section 4, no overlong forms, no
 * surrogates, nothing above U+10FFFF.  Which valid code points still
 * change what a terminal shows is decided here too (the knowledge-base
 * checker refuses them, text.c escapes them).
 */
#include "portier/common.h"

size_t portier_utf8_len(const char *str, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	uint32_t v;
	size_t n, i;

	if (c < 0x80) {
		v = c;
		n = 1;
		goto out;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1fu;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0fu;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07u;
	} else {
		return 0;
	}
	/* the second byte's range rules out overlongs, surrogates, > U+10FFFF */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3fu);
	}
out:
	if (cp)
		*cp = v;
	return n;
}

bool portier_text_is_display_control(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}
