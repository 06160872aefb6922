/*
 * srvsvc.c - listing shares as pure functions: a named pipe on IPC$ over
 * SMB2 (CREATE, IOCTL FSCTL_PIPE_TRANSCEIVE, READ; MS-SMB2 2.2.13-2.2.32)
 * and the NDR of srvsvc's NetrShareEnum at level 1 (MS-SRVS 3.1.4.8,
 * 2.2.4.23), what `smbclient -L` and `rpcclient netshareenumall` ask.
 *
 * The share list is untrusted: the entry count is checked against the
 * conformant array, every string's counts against the stub, and no more
 * than PORTIER_SHARE_MAX_ENUM entries are walked.
 */
#include <string.h>

#include "portier/bytes.h"
#include "portier/probe.h"
#include "probe/wire.h"

/* 4b324fc8-1670-01d3-1278-5a47bf6ee188 in its wire form */
const struct portier_rpc_syntax portier_rpc_srvsvc_syntax = {
	{0xc8, 0x4f, 0x32, 0x4b, 0x70, 0x16, 0xd3, 0x01, 0x12, 0x78, 0x5a, 0x47,
	 0xbf, 0x6e, 0xe1, 0x88},
	3,
	0};

#define SMB2_CREATE   5
#define SMB2_READ     8
#define SMB2_IOCTL    11
#define CREATE_REQ    56 /* fixed part of 2.2.13 */
#define IOCTL_REQ     56 /* 2.2.31 */
#define READ_REQ      48 /* 2.2.19, without its one-byte Buffer */
#define MAX_PIPE_NAME 64

/* The header for cmd on tree p->tree_id; s points at the SMB2 header. */
static uint8_t *file_request(uint8_t *buf, size_t body, uint16_t cmd,
			     const struct portier_smb2_file_params *p)
{
	probe_smb2_request(buf, body, cmd, p->message_id, p->session_id);
	put_le32(buf + 4 + 36, p->tree_id);
	memset(buf + 4 + PROBE_SMB2_HDR, 0, body - PROBE_SMB2_HDR);
	return buf + 4;
}

long portier_smb2_pipe_open_build(uint8_t *buf, size_t cap, const void *params)
{
	const struct portier_smb2_file_params *p = params;
	size_t n = p->name ? strlen(p->name) : 0,
	       body = PROBE_SMB2_HDR + CREATE_REQ + 2 * n;
	uint8_t *s;

	if (n == 0 || n > MAX_PIPE_NAME || cap < 4 + body)
		return PORTIER_EINVAL;
	s = file_request(buf, body, SMB2_CREATE, p);
	put_le16(s + 64, 57); /* StructureSize */
	put_le32(s + 68, 2);  /* ImpersonationLevel: Impersonation */
	/* read and write data, attributes, EAs; read control; synchronize */
	put_le32(s + 88, 0x0012019f);
	put_le32(s + 96, 3);	 /* ShareAccess: read, write */
	put_le32(s + 100, 1);	 /* CreateDisposition: FILE_OPEN */
	put_le32(s + 104, 0x40); /* CreateOptions: FILE_NON_DIRECTORY_FILE */
	put_le16(s + 108, PROBE_SMB2_HDR + CREATE_REQ);
	put_le16(s + 110, (uint16_t)(2 * n));
	probe_ascii_to_utf16(p->name, n, s + PROBE_SMB2_HDR + CREATE_REQ);
	return (long)(4 + body);
}

long portier_smb2_root_open_build(uint8_t *buf, size_t cap, const void *params)
{
	const struct portier_smb2_file_params *p = params;
	/* one create context, 8-byte aligned after the fixed part: its
	 * 16-byte header and the name "MxAc" (no data: no timestamp) */
	size_t ctx = PROBE_SMB2_HDR + CREATE_REQ, body = ctx + 24;
	uint8_t *s;

	if (cap < 4 + body)
		return PORTIER_EINVAL;
	s = file_request(buf, body, SMB2_CREATE, p);
	put_le16(s + 64, 57);
	put_le32(s + 68, 2);
	/* list, read attributes, synchronize: nothing that writes */
	put_le32(s + 88, 0x00100081);
	put_le32(s + 96, 7);		  /* ShareAccess: read, write, delete */
	put_le32(s + 100, 1);		  /* FILE_OPEN: never create */
	put_le32(s + 104, 1);		  /* FILE_DIRECTORY_FILE */
	put_le16(s + 108, (uint16_t)ctx); /* an empty name: the root */
	put_le32(s + 112, (uint32_t)ctx); /* CreateContextsOffset */
	put_le32(s + 116, 20);		  /* CreateContextsLength */
	put_le16(s + ctx + 4, 16);	  /* NameOffset */
	put_le16(s + ctx + 6, 4);	  /* NameLength */
	memcpy(s + ctx + 16, "MxAc", 4);
	return (long)(4 + body);
}

/* The MxAc context among a CREATE response's contexts, if any. */
static int create_contexts(const uint8_t *s, size_t body,
			   struct portier_smb2_file_reply *r,
			   struct portier_err *err)
{
	size_t off = get_le32(s + 144), len = get_le32(s + 148), end, k;

	if (!len)
		return 0;
	if (off < PROBE_SMB2_HDR + 88 || off > body || len > body - off)
		return portier_err_set(err, PORTIER_EPROTO,
				       "create contexts (offset %zu, %zu "
				       "bytes) are outside the %zu-byte "
				       "response",
				       off, len, body);
	end = off + len;
	for (k = 0; k < 64; k++) {
		size_t next, no, nl, dof, dl;

		if (end - off < 16)
			break;
		next = get_le32(s + off);
		no = get_le16(s + off + 4);
		nl = get_le16(s + off + 6);
		dof = get_le16(s + off + 10);
		dl = get_le32(s + off + 12);
		if (no > end - off || nl > end - off - no ||
		    (dl && (dof > end - off || dl > end - off - dof)))
			return portier_err_set(err, PORTIER_EPROTO,
					       "create context %zu runs past "
					       "the response",
					       k + 1);
		if (nl == 4 && memcmp(s + off + no, "MxAc", 4) == 0 &&
		    dl >= 8) {
			r->have_mxac = true;
			r->mxac_status = get_le32(s + off + dof);
			r->mxac_access = get_le32(s + off + dof + 4);
		}
		if (!next || next > end - off)
			break;
		off += next;
	}
	return 0;
}

long portier_smb2_transceive_build(uint8_t *buf, size_t cap, const void *params)
{
	const struct portier_smb2_file_params *p = params;
	size_t body = PROBE_SMB2_HDR + IOCTL_REQ + p->data_len;
	uint8_t *s;

	if (p->data_len > 0xffff || cap < 4 + body)
		return PORTIER_EINVAL;
	s = file_request(buf, body, SMB2_IOCTL, p);
	put_le16(s + 64, 57);
	put_le32(s + 68, PORTIER_FSCTL_PIPE_TRANSCEIVE);
	memcpy(s + 72, p->file_id, 16);
	put_le32(s + 88, PROBE_SMB2_HDR + IOCTL_REQ); /* InputOffset */
	put_le32(s + 92, (uint32_t)p->data_len);
	put_le32(s + 108, p->max_out); /* MaxOutputResponse */
	put_le32(s + 112, 1);	       /* SMB2_0_IOCTL_IS_FSCTL */
	memcpy(s + PROBE_SMB2_HDR + IOCTL_REQ, p->data, p->data_len);
	return (long)(4 + body);
}

long portier_smb2_read_build(uint8_t *buf, size_t cap, const void *params)
{
	const struct portier_smb2_file_params *p = params;
	size_t body = PROBE_SMB2_HDR + READ_REQ + 1;
	uint8_t *s;

	if (cap < 4 + body)
		return PORTIER_EINVAL;
	s = file_request(buf, body, SMB2_READ, p);
	put_le16(s + 64, 49);
	put_le32(s + 68, p->max_out); /* Length */
	memcpy(s + 80, p->file_id, 16);
	return (long)(4 + body);
}

int portier_smb2_file_parse(const uint8_t *buf, size_t len, void *out,
			    struct portier_err *err)
{
	struct portier_smb2_file_reply *r = out;
	const uint8_t *s = buf + 4;
	size_t body, off = 0, n = 0, need;
	uint16_t cmd;
	int rc;

	memset(r, 0, sizeof(*r));
	if (len < 4 + PROBE_SMB2_HDR)
		return portier_err_set(err, PORTIER_EPROTO,
				       "reply of %zu bytes has no SMB2 header",
				       len);
	cmd = get_le16(s + 12);
	if (cmd != SMB2_CREATE && cmd != SMB2_IOCTL && cmd != SMB2_READ)
		return portier_err_set(err, PORTIER_EPROTO,
				       "reply to a pipe request has command %u",
				       cmd);
	rc = probe_smb2_response(buf, len, cmd, "pipe", &body, &r->status, err);
	if (rc < 0)
		return rc;
	if (r->status != 0 && r->status != PORTIER_STATUS_BUFFER_OVERFLOW)
		return 0; /* an error response (2.2.2) */
	need = cmd == SMB2_CREATE ? 88 : cmd == SMB2_IOCTL ? 48 : 16;
	if (body < PROBE_SMB2_HDR + need)
		return portier_err_set(err, PORTIER_EPROTO,
				       "pipe response to command %u of %zu "
				       "bytes is shorter than its fixed %zu",
				       cmd, body, PROBE_SMB2_HDR + need);
	if (cmd == SMB2_CREATE) {
		memcpy(r->file_id, s + 128, 16);
		return create_contexts(s, body, r, err);
	}
	if (cmd == SMB2_IOCTL) {
		off = get_le32(s + 96);
		n = get_le32(s + 100);
	} else {
		off = s[66];
		n = get_le32(s + 68);
	}
	if (n && (off < PROBE_SMB2_HDR || off > body || n > body - off))
		return portier_err_set(err, PORTIER_EPROTO,
				       "pipe data (offset %zu, %zu bytes) is "
				       "outside the %zu-byte response",
				       off, n, body);
	r->data_off = 4 + off;
	r->data_len = n;
	return 0;
}

/* ---- NetrShareEnum (MS-SRVS 3.1.4.8) ---------------------------------- */

long portier_srvsvc_share_enum_build(uint8_t *buf, size_t cap,
				     const void *params)
{
	const struct portier_share_enum_params *p = params;
	size_t n = p && p->server ? strlen(p->server) : 0, o = 0, need;

	if (n > 256)
		return PORTIER_EINVAL;
	need = 16 + ((2 * (n + 1) + 3) & ~(size_t)3) + 28;
	if (cap < need)
		return PORTIER_EINVAL;
	memset(buf, 0, need);
	/* ServerName: a unique pointer to a conformant varying string */
	put_le32(buf, 0x00020000);
	put_le32(buf + 4, (uint32_t)(n + 1));
	put_le32(buf + 8, 0);
	put_le32(buf + 12, (uint32_t)(n + 1));
	probe_ascii_to_utf16(p->server, n, buf + 16);
	o = 16 + ((2 * (n + 1) + 3) & ~(size_t)3);
	/* InfoStruct: Level 1, the union's switch 1, a pointer to an empty
	 * SHARE_INFO_1_CONTAINER (EntriesRead 0, Buffer NULL) */
	put_le32(buf + o, 1);
	put_le32(buf + o + 4, 1);
	put_le32(buf + o + 8, 0x00020004);
	put_le32(buf + o + 12, 0);
	put_le32(buf + o + 16, 0);
	put_le32(buf + o + 20, 0xffffffffu); /* PreferedMaximumLength */
	put_le32(buf + o + 24, 0);	     /* ResumeHandle: NULL */
	return (long)need;
}

/* A deferred conformant varying string into dst. */
static int ndr_string(struct probe_ndr *r, char *dst, size_t cap)
{
	uint32_t max, off, actual;
	const uint8_t *p;
	int rc;

	if ((rc = probe_ndr_u32(r, &max)) < 0 ||
	    (rc = probe_ndr_u32(r, &off)) < 0 ||
	    (rc = probe_ndr_u32(r, &actual)) < 0)
		return rc;
	if (off != 0 || actual > max || actual > 0x7fffffff / 2)
		return portier_err_set(r->err, PORTIER_EPROTO,
				       "%s: a string of %u characters at "
				       "offset %u (size %u)",
				       r->what, actual, off, max);
	if ((rc = probe_ndr_bytes(r, 2 * (size_t)actual, &p)) < 0)
		return rc;
	if (dst)
		probe_utf16_to_utf8(p,
				    actual && !get_le16(p + 2 * actual - 2)
					    ? 2 * (size_t)actual - 2
					    : 2 * (size_t)actual,
				    dst, cap);
	return 0;
}

int portier_srvsvc_share_enum_parse(const uint8_t *buf, size_t len, void *out,
				    struct portier_err *err)
{
	struct portier_share_list *o = out;
	struct probe_ndr r = {.b = buf,
			      .len = len,
			      .err = err,
			      .resp = "NetrShareEnum response",
			      .what = "the share container"};
	/* which entries have a name and a remark (two bits each) */
	uint8_t refs[PORTIER_SHARE_MAX_ENUM / 4];
	uint32_t level, sw, ptr, bufptr, max, resume, i, v;
	int rc;

	memset(o, 0, offsetof(struct portier_share_list, shares));
	if ((rc = probe_ndr_u32(&r, &level)) < 0 ||
	    (rc = probe_ndr_u32(&r, &sw)) < 0 ||
	    (rc = probe_ndr_u32(&r, &ptr)) < 0)
		return rc;
	if (level != 1 || sw != 1)
		return portier_err_set(err, PORTIER_EPROTO,
				       "NetrShareEnum answered level %u "
				       "(switch %u), asked for 1",
				       level, sw);
	if (ptr && ((rc = probe_ndr_u32(&r, &o->n_entries)) < 0 ||
		    (rc = probe_ndr_u32(&r, &bufptr)) < 0))
		return rc;
	if (!ptr || !bufptr)
		o->n_entries = 0;
	if (o->n_entries > PORTIER_SHARE_MAX_ENUM)
		return portier_err_set(err, PORTIER_EPROTO,
				       "NetrShareEnum claims %u shares, more "
				       "than the %u portier reads",
				       o->n_entries, PORTIER_SHARE_MAX_ENUM);
	if (ptr && bufptr) {
		r.what = "the share array";
		if ((rc = probe_ndr_u32(&r, &max)) < 0)
			return rc;
		if (max != o->n_entries)
			return portier_err_set(err, PORTIER_EPROTO,
					       "share array of %u for %u "
					       "entries",
					       max, o->n_entries);
		memset(refs, 0, sizeof(refs));
		for (i = 0; i < o->n_entries; i++) {
			uint32_t name, type, remark;

			if ((rc = probe_ndr_u32(&r, &name)) < 0 ||
			    (rc = probe_ndr_u32(&r, &type)) < 0 ||
			    (rc = probe_ndr_u32(&r, &remark)) < 0)
				return rc;
			refs[i / 4] |=
				(uint8_t)(((name != 0) | (remark != 0) << 1)
					  << (2 * (i % 4)));
			if (i < PORTIER_SMB_MAX_SHARES) {
				memset(&o->shares[i], 0, sizeof(o->shares[i]));
				o->shares[i].type = type;
				o->n = i + 1;
			}
		}
		r.what = "a share name";
		for (i = 0; i < o->n_entries; i++) {
			unsigned bits = refs[i / 4] >> (2 * (i % 4)) & 3;
			bool keep = i < PORTIER_SMB_MAX_SHARES;

			if ((bits & 1) &&
			    (rc = ndr_string(&r,
					     keep ? o->shares[i].name : NULL,
					     PORTIER_SHARE_NAME_MAX)) < 0)
				return rc;
			if ((bits & 2) &&
			    (rc = ndr_string(&r,
					     keep ? o->shares[i].remark : NULL,
					     PORTIER_SHARE_NAME_MAX)) < 0)
				return rc;
		}
	}
	r.what = "the total count";
	if ((rc = probe_ndr_u32(&r, &o->total)) < 0)
		return rc;
	r.what = "the resume handle";
	if ((rc = probe_ndr_u32(&r, &resume)) < 0 ||
	    (resume && (rc = probe_ndr_u32(&r, &v)) < 0))
		return rc;
	r.what = "the status";
	return probe_ndr_u32(&r, &o->status);
}

bool portier_share_reachable(const struct portier_share_access *a)
{
	return a->tried && a->io == 0 && a->tree_status == 0;
}

bool portier_share_readable(const struct portier_share_access *a)
{
	return portier_share_reachable(a) && a->opened;
}

bool portier_share_writable(const struct portier_share_access *a)
{
	return portier_share_readable(a) &&
	       (a->tree_access & PORTIER_FILE_ADD_FILE) &&
	       (a->dir_access & PORTIER_FILE_ADD_FILE);
}

const char *portier_share_type_name(uint32_t type)
{
	switch (type & PORTIER_STYPE_MASK) {
	case 0:
		return "Disk";
	case 1:
		return "Printer";
	case 2:
		return "Device";
	case 3:
		return "IPC";
	default:
		return "?";
	}
}
