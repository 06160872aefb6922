/*
 * text.c - the one cleaner of untrusted text.  Process names, cgroup and
 * socket paths, namespace labels and the like are whatever another user
 * chose: they may hold terminal escape sequences (ESC, or the one-character
 * CSI U+009B), bidirectional overrides that reorder what a line shows, or
 * bytes that are not UTF-8 at all.  Every printer passes such text through
 * portier_text_clean with the mode of its destination, so the terminal
 * views, the one-line file formats and the JSON writers agree on what is
 * dangerous; what is valid UTF-8 comes from portier_utf8_len (utf8.c).
 */
#include <stdio.h>
#include <string.h>

#include "portier/common.h"

/*
 * What replaces one unsafe piece: a byte that is a C0 control, DEL or not
 * UTF-8 (bad_byte true), or the display control cp.  Returns its length.
 */
static size_t replacement(char out[8], enum portier_text_mode mode,
			  bool bad_byte, unsigned byte, uint32_t cp)
{
	if (mode == PORTIER_TEXT_LINE) {
		out[0] = '?';
		return 1;
	}
	if (bad_byte)
		return (size_t)snprintf(out, 8, "\\x%02x", byte);
	return (size_t)snprintf(out, 8, "\\u%04x", (unsigned)cp);
}

size_t portier_text_clean(char *dst, size_t cap, const char *src,
			  enum portier_text_mode mode)
{
	const unsigned char *p = (const unsigned char *)(src ? src : "");
	size_t used = 0, total = 0;
	bool cut = false;

	while (*p) {
		char tmp[8];
		const char *piece = tmp;
		uint32_t cp = 0;
		size_t n = portier_utf8_len((const char *)p, &cp), k;

		if (n == 0 && mode == PORTIER_TEXT_JSON) {
			piece = "\xef\xbf\xbd"; /* U+FFFD */
			k = 3;
			n = 1;
		} else if (mode == PORTIER_TEXT_JSON) {
			piece = (const char *)p; /* the encoder escapes C0 */
			k = n;
		} else if (n == 0 || cp < 0x20 || cp == 0x7f) {
			k = replacement(tmp, mode, true, *p, 0);
			n = 1;
		} else if (portier_text_is_display_control(cp)) {
			k = replacement(tmp, mode, false, 0, cp);
		} else {
			piece = (const char *)p;
			k = n;
		}
		if (!cut && used + k < cap) {
			memcpy(dst + used, piece, k);
			used += k;
		} else {
			cut = true; /* never a later piece after a gap */
		}
		total += k;
		p += n;
	}
	if (cap)
		dst[used] = '\0';
	return total;
}

const char *portier_text_line(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *p = text;

	while (p) {
		if (strncmp(p, key, n) == 0)
			return p + n;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}
