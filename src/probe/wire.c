/*
 * wire.c - the NDR cursor and the UTF-16 decoder the probe parsers share
 * (epm.c, ntlmssp.c, srvsvc.c); the contract is in wire.h.
 */
#include <stdbool.h>
#include <string.h>

#include "portier/bytes.h"
#include "probe/wire.h"

int probe_ndr_u32(struct probe_ndr *r, uint32_t *v)
{
	r->off = (r->off + 3) & ~(size_t)3;
	if (r->off > r->len || r->len - r->off < 4)
		return portier_err_set(r->err, PORTIER_EPROTO,
				       "%s ends inside %s (offset %zu of %zu)",
				       r->resp, r->what, r->off, r->len);
	*v = get_le32(r->b + r->off);
	r->off += 4;
	return 0;
}

int probe_ndr_bytes(struct probe_ndr *r, size_t n, const uint8_t **p)
{
	if (r->off > r->len || r->len - r->off < n)
		return portier_err_set(r->err, PORTIER_EPROTO,
				       "%s of %zu bytes runs past the "
				       "response (offset %zu of %zu)",
				       r->what, n, r->off, r->len);
	*p = r->b + r->off;
	r->off += n;
	return 0;
}

/* Append code point cp as UTF-8 at *k if it fits with the NUL; false when
 * it does not (nothing is written then). */
static bool put_utf8(char *dst, size_t cap, size_t *k, uint32_t cp)
{
	uint8_t u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (uint8_t)(0xc0 | cp >> 6);
		u[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (uint8_t)(0xe0 | cp >> 12);
		u[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (uint8_t)(0xf0 | cp >> 18);
		u[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (*k + n >= cap)
		return false;
	memcpy(dst + *k, u, n);
	*k += n;
	return true;
}

void probe_utf16_to_utf8(const uint8_t *p, size_t len, char *dst, size_t cap)
{
	size_t i = 0, k = 0;

	if (!cap)
		return;
	while (i < len) {
		uint32_t cp;

		if (len - i < 2) {
			(void)put_utf8(dst, cap, &k, 0xfffd);
			break;
		}
		cp = get_le16(p + i);
		i += 2;
		if (cp >= 0xd800 && cp < 0xdc00 && len - i >= 2 &&
		    get_le16(p + i) >= 0xdc00 && get_le16(p + i) < 0xe000) {
			cp = 0x10000 + ((cp - 0xd800) << 10) +
			     (get_le16(p + i) - 0xdc00u);
			i += 2;
		} else if (cp == 0 || (cp >= 0xd800 && cp < 0xe000)) {
			cp = 0xfffd;
		}
		/* the text ends at the first character that does not fit:
		 * a later, shorter one must not take its place (a cut name
		 * could then end in '$' and pass for a hidden share) */
		if (!put_utf8(dst, cap, &k, cp))
			break;
	}
	dst[k] = '\0';
}

void probe_ascii_to_utf16(const char *s, size_t n, uint8_t *dst)
{
	size_t i;

	for (i = 0; i < n; i++)
		put_le16(dst + 2 * i, (uint8_t)s[i]);
}
