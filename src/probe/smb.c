/*
 * smb.c - SMB negotiation as pure functions: the SMB1 NEGOTIATE that offers
 * only "NT LM 0.12", the SMB2 NEGOTIATE that offers exactly one dialect, and
 * one parser for whichever kind of reply comes back.
 *
 * The one idea: to learn the exact set of dialects a server accepts, offer
 * them one at a time, each on a fresh connection (a server negotiates once
 * per connection).  The server's answer to a single-dialect offer is either
 * that dialect (accepted) or a refusal: an error status, an SMB1 dialect
 * index of 0xFFFF, or a closed connection.  The reply also tells whether
 * signing is enabled or required, the server's GUID, its clock, its
 * capabilities, and for 3.1.1 the hash and cipher it picked from ours.
 *
 * Every message here carries the 4-byte stream header of direct TCP
 * (MS-SMB2 2.1), which is also the NetBIOS session message header
 * (RFC 1002 4.3.1), so the same bytes work on 445 and on 139.
 */
#include <string.h>
#include <strings.h>

#include "portier/bytes.h"
#include "portier/kb.h"
#include "portier/probe.h"

const uint16_t portier_smb_dialects[PORTIER_SMB_N_DIALECTS] = {
	PORTIER_SMB_NT1, PORTIER_SMB_202, PORTIER_SMB_210,
	PORTIER_SMB_300, PORTIER_SMB_302, PORTIER_SMB_311,
};

static void put_frame(uint8_t *buf, size_t payload)
{
	buf[0] = 0;
	put_be24(buf + 1, (uint32_t)payload);
}

const char *portier_smb_dialect_name(uint16_t d)
{
	switch (d) {
	case PORTIER_SMB_NT1:
		return "NT LM 0.12";
	case PORTIER_SMB_202:
		return "2.0.2";
	case PORTIER_SMB_210:
		return "2.1";
	case PORTIER_SMB_300:
		return "3.0";
	case PORTIER_SMB_302:
		return "3.0.2";
	case PORTIER_SMB_311:
		return "3.1.1";
	case PORTIER_SMB_WILDCARD:
		return "2.???";
	default:
		return "?";
	}
}

int portier_smb_dialect_parse(const char *s, uint16_t *d)
{
	static const struct {
		const char *name;
		uint16_t d;
	} names[] = {
		{"nt1", PORTIER_SMB_NT1},   {"smb1", PORTIER_SMB_NT1},
		{"1", PORTIER_SMB_NT1},	    {"nt lm 0.12", PORTIER_SMB_NT1},
		{"2.0.2", PORTIER_SMB_202}, {"202", PORTIER_SMB_202},
		{"2.02", PORTIER_SMB_202},  {"2.1", PORTIER_SMB_210},
		{"210", PORTIER_SMB_210},   {"2.10", PORTIER_SMB_210},
		{"3.0", PORTIER_SMB_300},   {"300", PORTIER_SMB_300},
		{"3", PORTIER_SMB_300},	    {"3.0.2", PORTIER_SMB_302},
		{"302", PORTIER_SMB_302},   {"3.02", PORTIER_SMB_302},
		{"3.1.1", PORTIER_SMB_311}, {"311", PORTIER_SMB_311},
		{"3.11", PORTIER_SMB_311},
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(s, names[i].name) == 0) {
			*d = names[i].d;
			return 0;
		}
	}
	return PORTIER_EINVAL;
}

/* ---- SMB1 (MS-CIFS 2.2.4.52, MS-SMB 2.2.4.5) -------------------------- */

#define SMB1_HEADER_LEN	   32
#define SMB1_COM_NEGOTIATE 0x72
#define SMB1_FLAGS2 \
	0xc801 /* unicode, NT status, extended security,
			    * long names (MS-CIFS 2.2.3.1) */
#define SMB1_CAP_EXTENDED_SECURITY 0x80000000u

long portier_smb1_build(uint8_t *buf, size_t cap, const void *params)
{
	static const char dialect[] = "\x02NT LM 0.12"; /* + its NUL */
	const struct portier_smb_params *p = params;
	size_t body = SMB1_HEADER_LEN + 1 + 2 + sizeof(dialect);

	if (cap < 4 + body)
		return PORTIER_EINVAL;
	memset(buf, 0, 4 + body);
	put_frame(buf, body);
	memcpy(buf + 4, "\xffSMB", 4);
	buf[8] = SMB1_COM_NEGOTIATE;
	buf[13] = 0x18; /* canonical, case-insensitive path names */
	put_le16(buf + 14, SMB1_FLAGS2);
	put_le16(buf + 30, 0xfeff);			     /* PID */
	put_le16(buf + 34, p ? (uint16_t)p->message_id : 0); /* MID */
	buf[36] = 0;					     /* WordCount */
	put_le16(buf + 37, (uint16_t)sizeof(dialect));	     /* ByteCount */
	memcpy(buf + 39, dialect, sizeof(dialect));
	return (long)(4 + body);
}

static int smb1_parse(const uint8_t *m, size_t len,
		      struct portier_smb_negotiate *r, struct portier_err *err)
{
	size_t w, bc_off, bytes, nbytes;
	uint8_t wc, mode;
	uint16_t idx;

	r->smb1 = true;
	if (len < SMB1_HEADER_LEN + 1)
		return portier_err_set(err, PORTIER_EPROTO,
				       "SMB1 reply of %zu bytes is shorter "
				       "than its 33-byte header",
				       len);
	if (m[4] != SMB1_COM_NEGOTIATE)
		return portier_err_set(err, PORTIER_EPROTO,
				       "SMB1 reply to NEGOTIATE has command "
				       "0x%02x",
				       m[4]);
	r->status = get_le32(m + 5);
	wc = m[32];
	w = 33;
	if (r->status != 0 && wc == 0)
		return 0; /* refused with an error status */
	if (wc < 1 || len < w + 2 * (size_t)wc + 2)
		return portier_err_set(err, PORTIER_EPROTO,
				       "SMB1 negotiate reply has %u parameter "
				       "words but only %zu bytes",
				       wc, len);
	idx = get_le16(m + w);
	if (idx == 0xffff || r->status != 0)
		return 0; /* no dialect in common */
	if (idx != 0)
		return portier_err_set(err, PORTIER_EPROTO,
				       "SMB1 server chose dialect index %u "
				       "but only one (index 0) was offered",
				       idx);
	if (wc != 17)
		return portier_err_set(err, PORTIER_EPROTO,
				       "SMB1 NT LM 0.12 reply has %u parameter "
				       "words (want 17)",
				       wc);
	r->accepted = true;
	r->dialect = PORTIER_SMB_NT1;
	mode = m[w + 2];
	r->signing_enabled = mode & 0x04;
	r->signing_required = mode & 0x08;
	r->capabilities = get_le32(m + w + 19);
	r->system_time = get_le64(m + w + 23);
	r->tz_minutes = (int16_t)get_le16(m + w + 31);
	bc_off = w + 34;
	nbytes = get_le16(m + bc_off);
	bytes = bc_off + 2;
	if (nbytes > len - bytes)
		return portier_err_set(err, PORTIER_EPROTO,
				       "SMB1 ByteCount %zu runs past the end "
				       "(%zu bytes left)",
				       nbytes, len - bytes);
	if (r->capabilities & SMB1_CAP_EXTENDED_SECURITY) {
		/* MS-SMB 2.2.4.5.2.1: ServerGUID, then the security blob */
		if (nbytes < 16)
			return portier_err_set(err, PORTIER_EPROTO,
					       "SMB1 extended-security reply "
					       "has %zu data bytes, too few "
					       "for the server GUID",
					       nbytes);
		memcpy(r->server_guid, m + bytes, 16);
		r->have_guid = true;
		r->security_blob_len = (uint16_t)(nbytes - 16);
	} else {
		/* MS-CIFS 2.2.4.52.2: challenge, then the domain name */
		size_t ch = m[w + 33], o = bytes + ch, k = 0;
		bool unicode = get_le16(m + 10) & 0x8000;

		if (ch > nbytes)
			return portier_err_set(err, PORTIER_EPROTO,
					       "SMB1 challenge length %zu is "
					       "longer than the %zu data bytes",
					       ch, nbytes);
		while (o < bytes + nbytes && k + 1 < sizeof(r->smb1_domain)) {
			uint8_t c = m[o];

			if (unicode) {
				if (o + 1 >= bytes + nbytes)
					break;
				c = m[o + 1] ? '?' : m[o];
				o++;
			}
			o++;
			if (c == 0)
				break;
			r->smb1_domain[k++] =
				(c >= 0x20 && c < 0x7f) ? (char)c : '?';
		}
		r->smb1_domain[k] = '\0';
	}
	return 0;
}

/* ---- SMB2 (MS-SMB2 2.2.1.2, 2.2.3, 2.2.4) ----------------------------- */

#define SMB2_HEADER_LEN	    64
#define SMB2_NEG_REQ_LEN    36
#define SMB2_NEG_RESP_LEN   64 /* fixed part; StructureSize says 65 */
#define SMB2_CTX_PREAUTH    0x0001
#define SMB2_CTX_ENCRYPTION 0x0002
#define SMB2_CTX_SIGNING    0x0008

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* Append one negotiate context at offset o (from the SMB2 header). */
static size_t put_ctx(uint8_t *smb2, size_t o, uint16_t type,
		      const uint8_t *data, uint16_t len)
{
	o = align8(o);
	put_le16(smb2 + o, type);
	put_le16(smb2 + o + 2, len);
	memset(smb2 + o + 4, 0, 4);
	memcpy(smb2 + o + 8, data, len);
	return o + 8 + len;
}

long portier_smb2_build(uint8_t *buf, size_t cap, const void *params)
{
	const struct portier_smb_params *p = params;
	uint16_t d = p ? p->dialect : PORTIER_SMB_311;
	uint8_t *s = buf + 4, pre[38], enc[10], sig[8];
	size_t end;

	if (d != PORTIER_SMB_202 && d != PORTIER_SMB_210 &&
	    d != PORTIER_SMB_300 && d != PORTIER_SMB_302 &&
	    d != PORTIER_SMB_311)
		return PORTIER_EINVAL;
	if (cap < 4 + 256)
		return PORTIER_EINVAL;
	memset(buf, 0, 4 + 256);
	/* 2.2.1.2 sync header */
	memcpy(s, "\xfeSMB", 4);
	put_le16(s + 4, SMB2_HEADER_LEN);
	put_le16(s + 12, 0); /* NEGOTIATE */
	put_le16(s + 14, 1); /* CreditRequest */
	put_le64(s + 24, p ? p->message_id : 0);
	put_le32(s + 32, 0xfeff); /* ProcessId */
	/* 2.2.3 NEGOTIATE request */
	put_le16(s + 64, SMB2_NEG_REQ_LEN);
	put_le16(s + 66, 1);	  /* DialectCount */
	put_le16(s + 68, 0x0001); /* SecurityMode: signing enabled */
	if (d >= PORTIER_SMB_300) /* offer every 3.x capability */
		put_le32(s + 72, 0x7f);
	else if (d == PORTIER_SMB_210)
		put_le32(s + 72, PORTIER_SMB2_CAP_DFS);
	/* a 2.0.2-only client sends a zero ClientGuid (3.2.4.2.2.2) */
	if (p && d != PORTIER_SMB_202)
		memcpy(s + 76, p->client_guid, 16);
	put_le16(s + 100, d);
	end = 102;
	if (d == PORTIER_SMB_311) {
		/* 2.2.3.1.1: SHA-512 with our salt */
		put_le16(pre, 1);
		put_le16(pre + 2, 32);
		put_le16(pre + 4, 0x0001);
		if (p)
			memcpy(pre + 6, p->salt, 32);
		else
			memset(pre + 6, 0x5a, 32);
		/* 2.2.3.1.2: every cipher, GCM first */
		put_le16(enc, 4);
		put_le16(enc + 2, 0x0002);
		put_le16(enc + 4, 0x0001);
		put_le16(enc + 6, 0x0004);
		put_le16(enc + 8, 0x0003);
		/* 2.2.3.1.7: AES-GMAC, AES-CMAC, HMAC-SHA256 */
		put_le16(sig, 3);
		put_le16(sig + 2, 0x0002);
		put_le16(sig + 4, 0x0001);
		put_le16(sig + 6, 0x0000);
		/* 2.2.3: NegotiateContextOffset at 92, Count at 96 (in
		 * place of ClientStartTime), contexts 8-byte aligned */
		put_le32(s + 92, (uint32_t)align8(end));
		put_le16(s + 96, 3);
		end = put_ctx(s, end, SMB2_CTX_PREAUTH, pre, sizeof(pre));
		end = put_ctx(s, end, SMB2_CTX_ENCRYPTION, enc, sizeof(enc));
		end = put_ctx(s, end, SMB2_CTX_SIGNING, sig, sizeof(sig));
	}
	put_frame(buf, end);
	return (long)(4 + end);
}

/* 2.2.4: the negotiate contexts of a 3.1.1 reply */
static int smb2_contexts(const uint8_t *s, size_t len, size_t off,
			 uint16_t count, struct portier_smb_negotiate *r,
			 struct portier_err *err)
{
	uint16_t i;

	r->n_contexts = count;
	for (i = 0; i < count; i++) {
		uint16_t type, dlen, n;
		const uint8_t *d;

		off = align8(off);
		if (off > len || len - off < 8)
			return portier_err_set(err, PORTIER_EPROTO,
					       "negotiate context %u of %u "
					       "starts past the end (offset "
					       "%zu of %zu)",
					       i + 1, count, off, len);
		type = get_le16(s + off);
		dlen = get_le16(s + off + 2);
		if (dlen > len - off - 8)
			return portier_err_set(err, PORTIER_EPROTO,
					       "negotiate context %u claims "
					       "%u data bytes, %zu are left",
					       i + 1, dlen, len - off - 8);
		d = s + off + 8;
		switch (type) {
		case SMB2_CTX_PREAUTH:
			if (dlen < 6 || get_le16(d) < 1 ||
			    (size_t)4 + 2u * get_le16(d) + get_le16(d + 2) >
				    dlen)
				return portier_err_set(
					err, PORTIER_EPROTO,
					"pre-auth integrity context of %u "
					"bytes does not hold its %u hashes",
					dlen, dlen >= 2 ? get_le16(d) : 0);
			r->preauth_hash = get_le16(d + 4);
			break;
		case SMB2_CTX_ENCRYPTION:
			n = dlen >= 2 ? get_le16(d) : 0;
			if (dlen < 2 || (size_t)2 + 2u * n > dlen)
				return portier_err_set(
					err, PORTIER_EPROTO,
					"encryption context of %u bytes does "
					"not hold its %u ciphers",
					dlen, n);
			r->cipher = n ? get_le16(d + 2) : 0;
			break;
		case SMB2_CTX_SIGNING:
			n = dlen >= 2 ? get_le16(d) : 0;
			if (dlen < 2 || n < 1 || (size_t)2 + 2u * n > dlen)
				return portier_err_set(
					err, PORTIER_EPROTO,
					"signing context of %u bytes does not "
					"hold its %u algorithms",
					dlen, n);
			r->have_signing_algo = true;
			r->signing_algo = get_le16(d + 2);
			break;
		default:
			break; /* compression, transport, RDMA: not reported */
		}
		off += 8 + (size_t)dlen;
	}
	return 0;
}

static int smb2_parse(const uint8_t *s, size_t len,
		      struct portier_smb_negotiate *r, struct portier_err *err)
{
	uint16_t size, sec_off, sec_len, nctx;
	uint32_t ctx_off;
	const uint8_t *b = s + SMB2_HEADER_LEN;

	if (len < SMB2_HEADER_LEN)
		return portier_err_set(err, PORTIER_EPROTO,
				       "SMB2 reply of %zu bytes is shorter "
				       "than its 64-byte header",
				       len);
	if (get_le16(s + 4) != SMB2_HEADER_LEN)
		return portier_err_set(err, PORTIER_EPROTO,
				       "SMB2 header StructureSize %u (want 64)",
				       get_le16(s + 4));
	if (get_le16(s + 12) != 0)
		return portier_err_set(err, PORTIER_EPROTO,
				       "SMB2 reply to NEGOTIATE has command "
				       "%u",
				       get_le16(s + 12));
	if (!(get_le32(s + 16) & 1))
		return portier_err_set(err, PORTIER_EPROTO,
				       "SMB2 packet is a request, not a "
				       "response (flags 0x%08x)",
				       get_le32(s + 16));
	r->status = get_le32(s + 8);
	if (r->status != 0)
		return 0; /* an error response (2.2.2): refused */
	if (len < SMB2_HEADER_LEN + SMB2_NEG_RESP_LEN)
		return portier_err_set(err, PORTIER_EPROTO,
				       "SMB2 negotiate reply of %zu bytes is "
				       "shorter than its fixed %u bytes",
				       len,
				       SMB2_HEADER_LEN + SMB2_NEG_RESP_LEN);
	size = get_le16(b);
	if (size != 65)
		return portier_err_set(err, PORTIER_EPROTO,
				       "SMB2 negotiate reply StructureSize "
				       "%u (want 65)",
				       size);
	r->signing_enabled = get_le16(b + 2) & 0x01;
	r->signing_required = get_le16(b + 2) & 0x02;
	r->dialect = get_le16(b + 4);
	nctx = get_le16(b + 6);
	memcpy(r->server_guid, b + 8, 16);
	r->have_guid = true;
	r->capabilities = get_le32(b + 24);
	r->max_transact = get_le32(b + 28);
	r->max_read = get_le32(b + 32);
	r->max_write = get_le32(b + 36);
	r->system_time = get_le64(b + 40);
	r->boot_time = get_le64(b + 48);
	sec_off = get_le16(b + 56);
	sec_len = get_le16(b + 58);
	ctx_off = get_le32(b + 60);
	if (sec_len && (sec_off > len || sec_len > len - sec_off))
		return portier_err_set(err, PORTIER_EPROTO,
				       "security buffer (offset %u, %u bytes) "
				       "runs past the %zu-byte reply",
				       sec_off, sec_len, len);
	r->security_blob_len = sec_len;
	switch (r->dialect) {
	case PORTIER_SMB_202:
	case PORTIER_SMB_210:
	case PORTIER_SMB_300:
	case PORTIER_SMB_302:
	case PORTIER_SMB_WILDCARD:
		break;
	case PORTIER_SMB_311:
		if (nctx == 0)
			return portier_err_set(err, PORTIER_EPROTO,
					       "SMB 3.1.1 reply without "
					       "negotiate contexts");
		if (ctx_off < SMB2_HEADER_LEN + SMB2_NEG_RESP_LEN ||
		    ctx_off > len)
			return portier_err_set(err, PORTIER_EPROTO,
					       "negotiate context offset %u is "
					       "outside the %zu-byte reply",
					       ctx_off, len);
		{
			int rc = smb2_contexts(s, len, ctx_off, nctx, r, err);

			if (rc < 0)
				return rc;
		}
		break;
	default:
		return portier_err_set(err, PORTIER_EPROTO,
				       "server chose unknown dialect 0x%04x",
				       r->dialect);
	}
	r->accepted = r->dialect != PORTIER_SMB_WILDCARD;
	return 0;
}

int portier_smb_parse(const uint8_t *buf, size_t len, void *out,
		      struct portier_err *err)
{
	struct portier_smb_negotiate *r = out;
	size_t body;

	memset(r, 0, sizeof(*r));
	if (len < 4)
		return portier_err_set(err, PORTIER_EPROTO,
				       "reply of %zu bytes is shorter than "
				       "the 4-byte stream header",
				       len);
	if (buf[0] != 0)
		return portier_err_set(err, PORTIER_EPROTO,
				       "reply starts with packet type 0x%02x, "
				       "not a session message",
				       buf[0]);
	body = get_be24(buf + 1);
	if (body > len - 4)
		return portier_err_set(err, PORTIER_EPROTO,
				       "stream header announces %zu bytes "
				       "but %zu follow",
				       body, len - 4);
	if (body < 4)
		return portier_err_set(err, PORTIER_EPROTO,
				       "SMB message of %zu bytes has no "
				       "protocol id",
				       body);
	if (memcmp(buf + 4, "\xffSMB", 4) == 0)
		return smb1_parse(buf + 4, body, r, err);
	if (memcmp(buf + 4, "\xfeSMB", 4) == 0)
		return smb2_parse(buf + 4, body, r, err);
	return portier_err_set(err, PORTIER_EPROTO,
			       "protocol id %02x %02x %02x %02x is neither "
			       "SMB1 nor SMB2",
			       buf[4], buf[5], buf[6], buf[7]);
}

/* ---- names -------------------------------------------------------------- */

const char *portier_smb_cipher_name(uint16_t c)
{
	static const char *const names[] = {"none", "AES-128-CCM",
					    "AES-128-GCM", "AES-256-CCM",
					    "AES-256-GCM"};

	return c < 5 ? names[c] : "unknown";
}

const char *portier_smb_hash_name(uint16_t h)
{
	return h == 0 ? "none" : h == 1 ? "SHA-512" : "unknown";
}

const char *portier_smb_signing_name(uint16_t s)
{
	static const char *const names[] = {"HMAC-SHA256", "AES-CMAC",
					    "AES-GMAC"};

	return s < 3 ? names[s] : "unknown";
}

/* MS-DTYP 2.3.3: 100 ns ticks since 1601-01-01 */
int64_t portier_filetime_to_unix(uint64_t ft)
{
	if (ft == 0)
		return 0;
	return (int64_t)(ft / 10000000u) - 11644473600LL;
}

const struct portier_probe portier_smb1_probe = {
	.name = "smb1",
	.port = 445,
	.proto = PORTIER_PROTO_TCP,
	.out_size = sizeof(struct portier_smb_negotiate),
	.build = portier_smb1_build,
	.parse = portier_smb_parse,
};

const struct portier_probe portier_smb2_probe = {
	.name = "smb2",
	.port = 445,
	.proto = PORTIER_PROTO_TCP,
	.out_size = sizeof(struct portier_smb_negotiate),
	.build = portier_smb2_build,
	.parse = portier_smb_parse,
};
