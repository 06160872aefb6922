/*
 * smb1.c - what `portier smb --shares` says to a server that speaks only
 * SMB1 (NT LM 0.12), as pure functions over byte buffers: SESSION_SETUP_ANDX
 * with extended security carrying NTLMSSP (MS-SMB 2.2.4.6), TREE_CONNECT_ANDX
 * with the extended response that names the session's access to the share
 * (2.2.4.7), NT_CREATE_ANDX of a named pipe or a share's root directory
 * (MS-CIFS 2.2.4.64), TRANSACTION TransactNmPipe (2.2.5.6) and READ_ANDX
 * (2.2.4.42) that carry DCE/RPC over the pipe, and one parser for the
 * responses of all five.  Every request is framed (4-byte session header)
 * and sent without AndX chaining; the contract is in portier/smb_wire.h.
 */
#include <string.h>

#include "portier/bytes.h"
#include "portier/probe.h"
#include "probe/wire.h"

#define HDR    32	 /* the SMB1 header */
#define WC     (4 + HDR) /* WordCount, from the start of the frame */
#define FLAGS2 0xc801	 /* unicode, NT status, extended security, long names */
#define CAPS \
	0x8000005cu		 /* extended security, status32, NT SMBs,
			      * large files, unicode */
#define PIPE_ACCESS  0x0012019fu /* read/write data, EAs and attributes */
#define TRANS_NMPIPE 0x0026
#define FLAG_EXT_TC  0x0008 /* TREE_CONNECT_ANDX_EXTENDED_RESPONSE */
#define MAX_PATH     256

/* The frame and the header of a request for cmd; the WordCount goes at
 * WC and the words after it. */
static void header(uint8_t *buf, size_t body, uint8_t cmd,
		   const struct portier_smb1_params *p)
{
	memset(buf, 0, WC);
	buf[0] = 0;
	put_be24(buf + 1, (uint32_t)body);
	memcpy(buf + 4, "\xffSMB", 4);
	buf[8] = cmd;
	buf[13] = 0x18; /* canonical, case-insensitive path names */
	put_le16(buf + 14, FLAGS2);
	put_le16(buf + 28, p->tid);
	put_le16(buf + 30, 0xfeff); /* PID */
	put_le16(buf + 32, p->uid);
	put_le16(buf + 34, p->mid);
}

/* The words of an AndX request: no further command. */
static void andx_none(uint8_t *w)
{
	w[0] = 0xff;
	w[1] = 0;
	put_le16(w + 2, 0);
}

/* Is s printable ASCII of at most max characters? */
static bool ascii_ok(const char *s, size_t max)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (n >= max || (unsigned char)s[n] < 0x20 ||
		    (unsigned char)s[n] > 0x7e)
			return false;
	return true;
}

long portier_smb1_session_setup_build(uint8_t *buf, size_t cap,
				      const void *params)
{
	const struct portier_smb1_params *p = params;
	size_t o = WC + 1 + 24 + 2, n = p->data_len;

	if (n > 0xfff0 || !p->data || cap < o + n + 1 + 4)
		return PORTIER_EINVAL;
	header(buf, 0, 0x73, p);
	buf[WC] = 12;
	andx_none(buf + WC + 1);
	put_le16(buf + WC + 5, 16644); /* MaxBufferSize */
	put_le16(buf + WC + 7, 2);     /* MaxMpxCount */
	put_le16(buf + WC + 9, 1);     /* VcNumber */
	put_le32(buf + WC + 11, 0);    /* SessionKey */
	put_le16(buf + WC + 15, (uint16_t)n);
	put_le32(buf + WC + 17, 0);
	put_le32(buf + WC + 21, CAPS);
	memcpy(buf + o, p->data, n);
	o += n;
	if ((o - 4) & 1) /* the Unicode strings start 2-aligned */
		buf[o++] = 0;
	memset(buf + o, 0, 4); /* NativeOS and NativeLanMan: empty */
	o += 4;
	put_le16(buf + WC + 25, (uint16_t)(o - (WC + 27)));
	put_be24(buf + 1, (uint32_t)(o - 4));
	return (long)o;
}

long portier_smb1_tree_connect_build(uint8_t *buf, size_t cap,
				     const void *params)
{
	static const char service[] = "?????"; /* any type, + its NUL */
	const struct portier_smb1_params *p = params;
	size_t o = WC + 1 + 8 + 2, n;

	if (!p->path || !ascii_ok(p->path, MAX_PATH))
		return PORTIER_EINVAL;
	n = strlen(p->path);
	if (cap < o + 1 + 2 * n + 2 + sizeof(service))
		return PORTIER_EINVAL;
	header(buf, 0, 0x75, p);
	buf[WC] = 4;
	andx_none(buf + WC + 1);
	put_le16(buf + WC + 5, FLAG_EXT_TC);
	put_le16(buf + WC + 7, 1); /* PasswordLength: one zero byte */
	buf[o++] = 0;		   /* the password; the path is 2-aligned */
	probe_ascii_to_utf16(p->path, n, buf + o);
	o += 2 * n;
	put_le16(buf + o, 0);
	o += 2;
	memcpy(buf + o, service, sizeof(service));
	o += sizeof(service);
	put_le16(buf + WC + 9, (uint16_t)(o - (WC + 11)));
	put_be24(buf + 1, (uint32_t)(o - 4));
	return (long)o;
}

long portier_smb1_create_build(uint8_t *buf, size_t cap, const void *params)
{
	const struct portier_smb1_params *p = params;
	const char *name = p->dir ? "" : p->path;
	size_t o = WC + 1 + 48 + 2, n;
	uint8_t *w = buf + WC + 1;

	if (!name || !ascii_ok(name, MAX_PATH))
		return PORTIER_EINVAL;
	n = strlen(name) + !p->dir; /* a pipe's name gets a leading '\' */
	if (cap < o + 1 + 2 * n + 2)
		return PORTIER_EINVAL;
	header(buf, 0, 0xa2, p);
	buf[WC] = 24;
	memset(w, 0, 48);
	andx_none(w);
	put_le16(w + 5, (uint16_t)(2 * n)); /* NameLength, without the NUL */
	put_le32(w + 15, p->dir ? p->access : PIPE_ACCESS); /* DesiredAccess */
	put_le32(w + 31, 7);		  /* share read, write, delete */
	put_le32(w + 35, 1);		  /* FILE_OPEN: nothing is created */
	put_le32(w + 39, p->dir ? 1 : 0); /* FILE_DIRECTORY_FILE */
	put_le32(w + 43, 2);		  /* impersonation */
	buf[o++] = 0;			  /* the name is 2-aligned */
	if (!p->dir) {
		put_le16(buf + o, '\\');
		probe_ascii_to_utf16(name, n - 1, buf + o + 2);
	}
	o += 2 * n;
	put_le16(buf + o, 0);
	o += 2;
	put_le16(buf + WC + 49, (uint16_t)(o - (WC + 51)));
	put_be24(buf + 1, (uint32_t)(o - 4));
	return (long)o;
}

long portier_smb1_transact_build(uint8_t *buf, size_t cap, const void *params)
{
	static const char pipe[] = "\\PIPE\\";
	const struct portier_smb1_params *p = params;
	size_t o = WC + 1 + 32 + 2, data, n = p->data_len;
	uint8_t *w = buf + WC + 1;

	if (!p->data || n > 0xff00)
		return PORTIER_EINVAL;
	data = o + 1 + 2 * sizeof(pipe); /* a pad, the name and its NUL */
	data += (4 - ((data - 4) & 3)) & 3;
	if (cap < data + n)
		return PORTIER_EINVAL;
	header(buf, 0, 0x25, p);
	buf[WC] = 16;
	memset(w, 0, 32);
	put_le16(w + 2, (uint16_t)n);		/* TotalDataCount */
	put_le16(w + 6, p->max_count);		/* MaxDataCount */
	put_le16(w + 20, (uint16_t)(data - 4)); /* ParameterOffset */
	put_le16(w + 22, (uint16_t)n);		/* DataCount */
	put_le16(w + 24, (uint16_t)(data - 4)); /* DataOffset */
	w[26] = 2;				/* SetupCount */
	put_le16(w + 28, TRANS_NMPIPE);
	put_le16(w + 30, p->fid);
	memset(buf + o, 0, data - o);
	probe_ascii_to_utf16(pipe, sizeof(pipe) - 1, buf + o + 1);
	memcpy(buf + data, p->data, n);
	put_le16(buf + WC + 33, (uint16_t)(data + n - (WC + 35)));
	put_be24(buf + 1, (uint32_t)(data + n - 4));
	return (long)(data + n);
}

long portier_smb1_read_build(uint8_t *buf, size_t cap, const void *params)
{
	const struct portier_smb1_params *p = params;
	uint8_t *w = buf + WC + 1;
	size_t o = WC + 1 + 24 + 2;

	if (cap < o)
		return PORTIER_EINVAL;
	header(buf, 0, 0x2e, p);
	buf[WC] = 12;
	memset(w, 0, 26);
	andx_none(w);
	put_le16(w + 4, p->fid);
	put_le16(w + 10, p->max_count); /* MaxCountOfBytesToReturn */
	put_be24(buf + 1, (uint32_t)(o - 4));
	return (long)o;
}

/* The data a TRANSACTION or READ_ANDX response places at off (from the
 * SMB header) for n bytes, checked against the message. */
static int data_at(struct portier_smb1_reply *r, size_t mlen, size_t off,
		   size_t n, const char *what, struct portier_err *err)
{
	if (off > mlen || n > mlen - off)
		return portier_err_set(err, PORTIER_EPROTO,
				       "SMB1 %s data of %zu bytes at offset "
				       "%zu runs past the %zu-byte message",
				       what, n, off, mlen);
	r->data_off = 4 + off;
	r->data_len = n;
	return 0;
}

int portier_smb1_parse(const uint8_t *buf, size_t len, void *out,
		       struct portier_err *err)
{
	struct portier_smb1_reply *r = out;
	const uint8_t *m = buf + 4, *w;
	size_t mlen, need, bc;
	uint8_t wc;

	memset(r, 0, sizeof(*r));
	if (len < WC + 1 || memcmp(m, "\xffSMB", 4) != 0)
		return portier_err_set(err, PORTIER_EPROTO,
				       "not an SMB1 reply (%zu bytes)", len);
	mlen = len - 4;
	r->command = m[4];
	r->status = get_le32(m + 5);
	r->tid = get_le16(m + 24);
	r->uid = get_le16(m + 28);
	wc = m[HDR];
	need = HDR + 1 + 2 * (size_t)wc + 2;
	if (mlen < need)
		return portier_err_set(err, PORTIER_EPROTO,
				       "SMB1 reply with %u parameter words "
				       "needs %zu bytes, has %zu",
				       wc, need, mlen);
	w = m + HDR + 1;
	bc = get_le16(m + need - 2);
	if (bc > mlen - need)
		return portier_err_set(err, PORTIER_EPROTO,
				       "SMB1 ByteCount %zu runs past the end "
				       "(%zu bytes left)",
				       bc, mlen - need);
	if (wc == 0)
		return 0; /* an error: the status says which */
	switch (r->command) {
	case 0x73: /* SESSION_SETUP_ANDX, extended security: 4 words */
		if (wc != 4)
			break;
		r->action = get_le16(w + 4);
		r->data_len = get_le16(w + 6);
		if (r->data_len > bc)
			return portier_err_set(err, PORTIER_EPROTO,
					       "SMB1 security blob of %zu "
					       "bytes is longer than the %zu "
					       "data bytes",
					       r->data_len, bc);
		r->data_off = 4 + need;
		return 0;
	case 0x75: /* TREE_CONNECT_ANDX: 3 words, or 7 extended */
		if (wc < 3)
			break;
		if (wc >= 7) {
			r->have_access = true;
			r->max_access = get_le32(w + 6);
			r->guest_access = get_le32(w + 10);
		}
		return 0;
	case 0xa2: /* NT_CREATE_ANDX: 34 words, more when extended */
		if (wc < 34)
			break;
		r->fid = get_le16(w + 5);
		return 0;
	case 0x25: /* TRANSACTION: 10 words + the setup words */
		if (wc < 10)
			break;
		return data_at(r, mlen, get_le16(w + 14), get_le16(w + 12),
			       "TRANSACTION", err);
	case 0x2e: /* READ_ANDX: 12 words */
		if (wc < 12)
			break;
		return data_at(r, mlen, get_le16(w + 12), get_le16(w + 10),
			       "READ_ANDX", err);
	default:
		return portier_err_set(err, PORTIER_EPROTO,
				       "SMB1 reply to an unexpected command "
				       "0x%02x",
				       r->command);
	}
	return portier_err_set(err, PORTIER_EPROTO,
			       "SMB1 reply to command 0x%02x has %u parameter "
			       "words, too few",
			       r->command, wc);
}
