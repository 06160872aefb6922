/*
 * ntlmssp.c - the first leg of an NTLM login over SMB2 as pure functions:
 * the SESSION_SETUP request that carries an NTLMSSP NEGOTIATE_MESSAGE, its
 * response, and the CHALLENGE_MESSAGE inside it.
 *
 * The CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2) is sent before the client proves
 * anything, and its target information (AV_PAIRs, 2.2.2.1) names the
 * server: NetBIOS and DNS computer and domain names, the forest, its clock,
 * and with the VERSION flag the Windows build.  That is what portier smb
 * reports as leaked before any password.
 */
#include <string.h>

#include "portier/bytes.h"
#include "portier/probe.h"
#include "probe/wire.h"

#define NTLMSSP_SIG	"NTLMSSP\0"
#define NTLMSSP_SIG_LEN 8
#define NTLM_NEG_LEN	40
#define NTLM_CHAL_MIN	48 /* up to TargetInfoFields; Version follows */
#define SMB2_HDR	64
#define SMB2_SETUP_REQ	24 /* fixed part of 2.2.5 */
#define SMB2_SETUP_RESP 8  /* fixed part of 2.2.6 */

/* MS-NLMP 2.2.2.5 */
#define NEG_UNICODE	   0x00000001u
#define NEG_OEM		   0x00000002u
#define NEG_REQUEST_TARGET 0x00000004u
#define NEG_NTLM	   0x00000200u
#define NEG_ALWAYS_SIGN	   0x00008000u
#define NEG_EXTENDED_SEC   0x00080000u
#define NEG_128		   0x20000000u
#define NEG_56		   0x80000000u

long portier_ntlmssp_negotiate_build(uint8_t *buf, size_t cap,
				     const void *params)
{
	(void)params;
	if (cap < NTLM_NEG_LEN)
		return PORTIER_EINVAL;
	memset(buf, 0, NTLM_NEG_LEN);
	memcpy(buf, NTLMSSP_SIG, NTLMSSP_SIG_LEN);
	put_le32(buf + 8, 1); /* NEGOTIATE_MESSAGE */
	put_le32(buf + 12, NEG_UNICODE | NEG_OEM | NEG_REQUEST_TARGET |
				   NEG_NTLM | NEG_ALWAYS_SIGN |
				   NEG_EXTENDED_SEC | PORTIER_NTLM_NEG_VERSION |
				   NEG_128 | NEG_56);
	/* DomainNameFields and WorkstationFields stay empty; the Version
	 * (2.2.2.10) says 6.1 build 7601, NTLM revision 15, as many
	 * clients do */
	buf[32] = 6;
	buf[33] = 1;
	put_le16(buf + 34, 7601);
	buf[39] = 15;
	return NTLM_NEG_LEN;
}

/* The first type-2 NTLMSSP message in buf, or NULL. */
static const uint8_t *find_challenge(const uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; len >= 12 && i <= len - 12; i++)
		if (memcmp(buf + i, NTLMSSP_SIG, NTLMSSP_SIG_LEN) == 0 &&
		    get_le32(buf + i + 8) == 2)
			return buf + i;
	return NULL;
}

static int av_pairs(const uint8_t *p, size_t len, struct portier_ntlm_info *r,
		    struct portier_err *err)
{
	size_t o = 0;

	while (o < len) {
		uint16_t id, n;
		char *dst = NULL;

		if (len - o < 4)
			return portier_err_set(err, PORTIER_EPROTO,
					       "target information ends inside "
					       "an AV_PAIR header (%zu of %zu "
					       "bytes)",
					       o, len);
		id = get_le16(p + o);
		n = get_le16(p + o + 2);
		o += 4;
		if (n > len - o)
			return portier_err_set(
				err, PORTIER_EPROTO,
				"AV_PAIR %u claims %u bytes, %zu "
				"are left",
				id, n, len - o);
		if (id == 0) /* MsvAvEOL */
			return 0;
		r->n_pairs++;
		/* MsvAvNbComputerName (1) .. MsvAvDnsTreeName (5) */
		if (id >= 1 && id <= 5) {
			char *names[] = {r->nb_computer, r->nb_domain,
					 r->dns_computer, r->dns_domain,
					 r->dns_tree};

			dst = names[id - 1];
		} else if (id == 7) { /* MsvAvTimestamp */
			if (n != 8)
				return portier_err_set(err, PORTIER_EPROTO,
						       "MsvAvTimestamp of %u "
						       "bytes (want 8)",
						       n);
			r->timestamp = get_le64(p + o);
		} /* flags, single host, channel bindings: not reported */
		if (dst)
			probe_utf16_to_utf8(p + o, n, dst,
					    PORTIER_NTLM_NAME_MAX);
		o += n;
	}
	return 0; /* no MsvAvEOL: what was there is kept */
}

/* A security buffer (len, maxlen, offset) of a message of mlen bytes. */
static int field(const uint8_t *m, size_t mlen, size_t at, const char *what,
		 size_t *off, size_t *n, struct portier_err *err)
{
	*n = get_le16(m + at);
	*off = get_le32(m + at + 4);
	if (*n && (*off > mlen || *n > mlen - *off))
		return portier_err_set(err, PORTIER_EPROTO,
				       "%s (offset %zu, %zu bytes) runs past "
				       "the %zu-byte CHALLENGE_MESSAGE",
				       what, *off, *n, mlen);
	return 0;
}

int portier_ntlmssp_challenge_parse(const uint8_t *buf, size_t len, void *out,
				    struct portier_err *err)
{
	struct portier_ntlm_info *r = out;
	const uint8_t *m;
	size_t mlen, off, n;
	int rc;

	memset(r, 0, sizeof(*r));
	m = find_challenge(buf, len);
	if (!m)
		return portier_err_set(err, PORTIER_EPROTO,
				       "no NTLMSSP CHALLENGE_MESSAGE in the "
				       "%zu-byte security buffer",
				       len);
	mlen = len - (size_t)(m - buf);
	if (mlen < NTLM_CHAL_MIN)
		return portier_err_set(err, PORTIER_EPROTO,
				       "CHALLENGE_MESSAGE of %zu bytes is "
				       "shorter than its fixed %d",
				       mlen, NTLM_CHAL_MIN);
	r->flags = get_le32(m + 20);
	memcpy(r->challenge, m + 24, 8);
	rc = field(m, mlen, 12, "TargetName", &off, &n, err);
	if (rc < 0)
		return rc;
	if (r->flags & NEG_UNICODE) {
		probe_utf16_to_utf8(m + off, n, r->target, sizeof(r->target));
	} else {
		/* OEM: the bytes as sent (a NUL ends them), cleaned later */
		size_t k =
			n < sizeof(r->target) - 1 ? n : sizeof(r->target) - 1;

		memcpy(r->target, m + off, k);
		r->target[k] = '\0';
	}
	rc = field(m, mlen, 40, "TargetInfo", &off, &n, err);
	if (rc < 0)
		return rc;
	if (r->flags & PORTIER_NTLM_NEG_VERSION && mlen >= NTLM_CHAL_MIN + 8 &&
	    (!n || off >= NTLM_CHAL_MIN + 8)) {
		r->have_version = true;
		r->os_major = m[48];
		r->os_minor = m[49];
		r->os_build = get_le16(m + 50);
		r->ntlm_revision = m[55];
	}
	r->info_off = (size_t)(m - buf) + off;
	r->info_len = n;
	return av_pairs(m + off, n, r, err);
}

#define NTLM_AUTH_HDR 88 /* through the MIC (2.2.1.3) */
#define NTLM_MAX_NAME 64

/* Put one security buffer's fields at at and its bytes at *payload. */
static void put_field(uint8_t *m, size_t at, size_t *payload,
		      const uint8_t *data, size_t n)
{
	put_le16(m + at, (uint16_t)n);
	put_le16(m + at + 2, (uint16_t)n);
	put_le32(m + at + 4, (uint32_t)*payload);
	if (n)
		memcpy(m + *payload, data, n);
	*payload += n;
}

/* An ASCII name as UTF-16LE into u (2 * NTLM_MAX_NAME bytes); its length. */
static size_t to_utf16(const char *s, uint8_t *u)
{
	size_t n = s ? strlen(s) : 0;

	probe_ascii_to_utf16(s, n, u);
	return 2 * n;
}

long portier_ntlmssp_authenticate_build(uint8_t *buf, size_t cap,
					const void *params)
{
	const struct portier_ntlm_auth_params *p = params;
	uint8_t dom[2 * NTLM_MAX_NAME], user[2 * NTLM_MAX_NAME],
		ws[2 * NTLM_MAX_NAME];
	size_t payload = NTLM_AUTH_HDR, total;

	if ((p->domain && strlen(p->domain) > NTLM_MAX_NAME) ||
	    (p->user && strlen(p->user) > NTLM_MAX_NAME) ||
	    (p->workstation && strlen(p->workstation) > NTLM_MAX_NAME) ||
	    p->lm_len > 0xffff || p->nt_len > 0xffff)
		return PORTIER_EINVAL;
	total = NTLM_AUTH_HDR + p->lm_len + p->nt_len +
		to_utf16(p->domain, dom) + to_utf16(p->user, user) +
		to_utf16(p->workstation, ws);
	if (cap < total)
		return PORTIER_EINVAL;
	memset(buf, 0, NTLM_AUTH_HDR);
	memcpy(buf, NTLMSSP_SIG, NTLMSSP_SIG_LEN);
	put_le32(buf + 8, 3); /* AUTHENTICATE_MESSAGE */
	put_field(buf, 12, &payload, p->lm, p->lm_len);
	put_field(buf, 20, &payload, p->nt, p->nt_len);
	put_field(buf, 28, &payload, dom, to_utf16(p->domain, dom));
	put_field(buf, 36, &payload, user, to_utf16(p->user, user));
	put_field(buf, 44, &payload, ws, to_utf16(p->workstation, ws));
	put_field(buf, 52, &payload, NULL, 0); /* no session key exchange */
	put_le32(buf + 60, p->flags ? p->flags
				    : NEG_UNICODE | NEG_REQUEST_TARGET |
					      NEG_NTLM | NEG_ALWAYS_SIGN |
					      NEG_EXTENDED_SEC |
					      PORTIER_NTLM_NEG_VERSION |
					      NEG_128 | NEG_56);
	buf[64] = 6; /* the Version of our NEGOTIATE */
	buf[65] = 1;
	put_le16(buf + 66, 7601);
	buf[71] = 15;
	return (long)total;
}

long portier_ntlmssp_v2_response_build(uint8_t *buf, size_t cap,
				       const uint8_t proof[16],
				       const uint8_t client_challenge[8],
				       uint64_t timestamp, const uint8_t *info,
				       size_t info_len)
{
	/* 2.2.2.7: RespType, HiRespType, 6 reserved, TimeStamp, the client
	 * challenge, 4 reserved, the AV_PAIRs, then 4 reserved */
	bool eol = info_len >= 4 && get_le32(info + info_len - 4) == 0;
	size_t n = 16 + 28 + info_len + (eol ? 0 : 4) + 4;

	if (cap < n)
		return PORTIER_EINVAL;
	memset(buf, 0, n);
	memcpy(buf, proof, 16);
	buf[16] = 1;
	buf[17] = 1;
	put_le64(buf + 24, timestamp);
	memcpy(buf + 32, client_challenge, 8);
	if (info_len)
		memcpy(buf + 44, info, info_len);
	return (long)n;
}

/* The stream header and a sync SMB2 request header for cmd (2.2.1.2). */
void probe_smb2_request(uint8_t *buf, size_t body, uint16_t cmd, uint64_t mid,
			uint64_t sid)
{
	uint8_t *s = buf + 4;

	memset(buf, 0, 4 + SMB2_HDR);
	put_be24(buf + 1, (uint32_t)body);
	memcpy(s, "\xfeSMB", 4);
	put_le16(s + 4, SMB2_HDR);
	put_le16(s + 12, cmd);
	put_le16(s + 14, 33); /* CreditRequest */
	put_le64(s + 24, mid);
	put_le32(s + 32, 0xfeff); /* ProcessId */
	put_le64(s + 40, sid);
}

/*
 * Check a framed SMB2 response to cmd: its body length in *body (from the
 * SMB2 header on), its status in *status.  0, or PORTIER_EPROTO.
 */
int probe_smb2_response(const uint8_t *buf, size_t len, uint16_t cmd,
			const char *what, size_t *body, uint32_t *status,
			struct portier_err *err)
{
	const uint8_t *s = buf + 4;

	if (len < 4 || buf[0] != 0)
		return portier_err_set(err, PORTIER_EPROTO,
				       "%s reply is not a session message",
				       what);
	*body = get_be24(buf + 1);
	if (*body > len - 4 || *body < SMB2_HDR)
		return portier_err_set(err, PORTIER_EPROTO,
				       "%s reply of %zu bytes (%zu received) "
				       "has no SMB2 header",
				       what, *body, len - 4);
	if (memcmp(s, "\xfeSMB", 4) != 0 || get_le16(s + 12) != cmd ||
	    !(get_le32(s + 16) & 1))
		return portier_err_set(err, PORTIER_EPROTO,
				       "reply is not an SMB2 %s response "
				       "(command %u)",
				       what, get_le16(s + 12));
	*status = get_le32(s + 8);
	return 0;
}

long portier_smb2_session_setup_build(uint8_t *buf, size_t cap,
				      const void *params)
{
	const struct portier_smb2_setup_params *p = params;
	size_t body = SMB2_HDR + SMB2_SETUP_REQ + p->blob_len;
	uint8_t *s = buf + 4;

	if (p->blob_len > 0xffff || cap < 4 + body)
		return PORTIER_EINVAL;
	probe_smb2_request(buf, body, 1, p->message_id, p->session_id);
	memset(s + SMB2_HDR, 0, SMB2_SETUP_REQ);
	put_le16(s + 64, 25); /* StructureSize */
	s[67] = 0x01;	      /* SecurityMode: signing enabled */
	put_le16(s + 76, SMB2_HDR + SMB2_SETUP_REQ);
	put_le16(s + 78, (uint16_t)p->blob_len);
	if (p->blob_len)
		memcpy(s + SMB2_HDR + SMB2_SETUP_REQ, p->blob, p->blob_len);
	return (long)(4 + body);
}

int portier_smb2_session_setup_parse(const uint8_t *buf, size_t len, void *out,
				     struct portier_err *err)
{
	struct portier_smb2_setup_reply *r = out;
	const uint8_t *s = buf + 4;
	size_t body, off, n;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = probe_smb2_response(buf, len, 1, "SESSION_SETUP", &body,
				 &r->status, err);
	if (rc < 0)
		return rc;
	r->session_id = get_le64(s + 40);
	if (r->status != 0 && r->status != PORTIER_STATUS_MORE_PROCESSING)
		return 0; /* an error response (2.2.2): refused */
	if (body < SMB2_HDR + SMB2_SETUP_RESP || get_le16(s + 64) != 9)
		return portier_err_set(err, PORTIER_EPROTO,
				       "SESSION_SETUP response of %zu bytes "
				       "lacks its 8-byte body (StructureSize "
				       "must be 9)",
				       body);
	r->session_flags = get_le16(s + 66);
	off = get_le16(s + 68);
	n = get_le16(s + 70);
	if (n &&
	    (off < SMB2_HDR + SMB2_SETUP_RESP || off > body || n > body - off))
		return portier_err_set(err, PORTIER_EPROTO,
				       "security buffer (offset %zu, %zu "
				       "bytes) is outside the %zu-byte "
				       "response",
				       off, n, body);
	r->blob_off = 4 + off;
	r->blob_len = n;
	return 0;
}

#define SMB2_TREE_REQ  8  /* fixed part of 2.2.9 */
#define SMB2_TREE_RESP 16 /* 2.2.10 */
#define SMB2_MAX_PATH  256

long portier_smb2_tree_connect_build(uint8_t *buf, size_t cap,
				     const void *params)
{
	const struct portier_smb2_tree_params *p = params;
	size_t n = p->path ? strlen(p->path) : 0,
	       body = SMB2_HDR + SMB2_TREE_REQ + 2 * n;
	uint8_t *s = buf + 4;

	if (n == 0 || n > SMB2_MAX_PATH || cap < 4 + body)
		return PORTIER_EINVAL;
	probe_smb2_request(buf, body, 3, p->message_id, p->session_id);
	memset(s + SMB2_HDR, 0, SMB2_TREE_REQ);
	put_le16(s + 64, 9); /* StructureSize */
	put_le16(s + 68, SMB2_HDR + SMB2_TREE_REQ);
	put_le16(s + 70, (uint16_t)(2 * n));
	probe_ascii_to_utf16(p->path, n, s + SMB2_HDR + SMB2_TREE_REQ);
	return (long)(4 + body);
}

int portier_smb2_tree_connect_parse(const uint8_t *buf, size_t len, void *out,
				    struct portier_err *err)
{
	struct portier_smb2_tree_reply *r = out;
	const uint8_t *s = buf + 4;
	size_t body;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = probe_smb2_response(buf, len, 3, "TREE_CONNECT", &body, &r->status,
				 err);
	if (rc < 0 || r->status != 0)
		return rc;
	if (body < SMB2_HDR + SMB2_TREE_RESP || get_le16(s + 64) != 16)
		return portier_err_set(err, PORTIER_EPROTO,
				       "TREE_CONNECT response of %zu bytes "
				       "lacks its 16-byte body (StructureSize "
				       "must be 16)",
				       body);
	r->tree_id = get_le32(s + 36);
	r->share_type = s[66];
	r->share_flags = get_le32(s + 68);
	r->capabilities = get_le32(s + 72);
	r->maximal_access = get_le32(s + 76);
	return 0;
}
