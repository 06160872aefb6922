/*
 * smb_shares.c - the share list a session without a password can read:
 * on its IPC$ tree, open \pipe\srvsvc, bind to srvsvc and call
 * NetrShareEnum level 1, each PDU through IOCTL FSCTL_PIPE_TRANSCEIVE and
 * any further fragment through READ (SMB2), or through TRANSACTION
 * TransactNmPipe and READ_ANDX (SMB1: NT_CREATE_ANDX opens the pipe).
 * Bounded: one fragment at most
 * PORTIER_DCERPC_MAX_FRAG bytes, the reply at most SHARES_MAX_STUB bytes
 * in at most SHARES_MAX_FRAGS fragments, every wait by the deadline.
 *
 * Then, per listed disk share and per session: a TREE_CONNECT (its
 * MaximalAccess) and a CREATE of the root directory for listing only,
 * FILE_OPEN, with an MxAc context: reachable, readable, writable.  SMB1 has
 * no MxAc: TREE_CONNECT_ANDX's extended response gives the share's access,
 * and a second open of the root for FILE_ADD_FILE (FILE_OPEN of a directory
 * that exists: nothing is created) tells whether files may be added.  No
 * file is created, read or written.  The pure halves are in srvsvc.c,
 * dcerpc.c, ntlmssp.c and smb1.c.
 */
#include <stdio.h>
#include <string.h>

#include "probe/probe_int.h"

#define SHARES_MAX_REPLY (PORTIER_DCERPC_MAX_FRAG + 1024)
#define SHARES_MAX_STUB	 (256 * 1024)
#define SHARES_MAX_FRAGS 128
/* the rest of the listing open's access: read attributes, synchronize */
#define ROOT_READ 0x00100080u
#define ROOT_SYNC 0x00100000u

/* A session on one connection: SMB2 (fp) or SMB1 (p1). */
struct pipe {
	int fd;
	long deadline;
	bool smb1;
	struct portier_smb2_file_params fp;
	struct portier_smb1_params p1;
	uint8_t *buf; /* SHARES_MAX_REPLY bytes */
	char *why;
	size_t why_len;
};

/* What a file request answered, SMB2 or SMB1. */
struct file_reply {
	uint32_t status;
	size_t data_off, data_len;
	struct portier_smb2_file_reply r2;
	struct portier_smb1_reply r1;
};

/* Send the request in buf (len bytes or a builder's error), read and
 * parse the response into r; 0, or negative with why filled (also for an
 * error status unless any_status). */
static int call(struct pipe *p, long len, const char *what,
		struct file_reply *r, bool any_status)
{
	struct portier_err e = {0};
	long got = 0;
	int rc;

	if (p->smb1) {
		uint8_t want = len >= 9 ? p->buf[8] : 0; /* the request's */

		rc = probe_smb_exchange(p->fd, p->buf, SHARES_MAX_REPLY, len,
					p->deadline, portier_smb1_parse, &r->r1,
					&e, &got);
		if (rc == 0 && r->r1.command != want)
			rc = portier_err_set(&e, PORTIER_EPROTO,
					     "reply to command 0x%02x, not "
					     "0x%02x",
					     r->r1.command, want);
		p->p1.mid++;
		r->status = r->r1.status;
		r->data_off = r->r1.data_off;
		r->data_len = r->r1.data_len;
	} else {
		rc = probe_smb_exchange(p->fd, p->buf, SHARES_MAX_REPLY, len,
					p->deadline, portier_smb2_file_parse,
					&r->r2, &e, &got);
		p->fp.message_id++;
		r->status = r->r2.status;
		r->data_off = r->r2.data_off;
		r->data_len = r->r2.data_len;
	}
	if (rc == 0 && !any_status && r->status != 0 &&
	    r->status != PORTIER_STATUS_BUFFER_OVERFLOW) {
		snprintf(p->why, p->why_len, "%s: status 0x%08x", what,
			 r->status);
		return PORTIER_EPROTO;
	}
	if (rc < 0)
		probe_smb_explain(p->why, p->why_len, what, rc, &e);
	return rc;
}

/* One pipe message out and the answer's data (in == NULL: read what more
 * there is). */
static int pipe_io(struct pipe *p, const uint8_t *in, size_t in_len,
		   const char *what, struct file_reply *r)
{
	long len;

	if (p->smb1) {
		p->p1.data = in;
		p->p1.data_len = in_len;
		p->p1.max_count = PORTIER_DCERPC_MAX_FRAG;
		len = in ? portier_smb1_transact_build(p->buf, SHARES_MAX_REPLY,
						       &p->p1)
			 : portier_smb1_read_build(p->buf, SHARES_MAX_REPLY,
						   &p->p1);
	} else {
		p->fp.data = in;
		p->fp.data_len = in_len;
		p->fp.max_out = PORTIER_DCERPC_MAX_FRAG;
		len = in ? portier_smb2_transceive_build(
				   p->buf, SHARES_MAX_REPLY, &p->fp)
			 : portier_smb2_read_build(p->buf, SHARES_MAX_REPLY,
						   &p->fp);
	}
	return call(p, len, what, r, false);
}

/* One whole DCE/RPC PDU from the pipe data of r, parsed into pdu. */
static int pdu_of(struct pipe *p, const struct file_reply *r,
		  struct portier_dcerpc_pdu *pdu)
{
	struct portier_err e = {0};
	const uint8_t *d = p->buf + r->data_off;
	long n = portier_dcerpc_frag_len(d, r->data_len, &e);

	if (n >= 0 && (size_t)n != r->data_len) {
		snprintf(p->why, p->why_len,
			 "srvsvc: a pipe message of %zu bytes holds a PDU of "
			 "%ld",
			 r->data_len, n);
		return PORTIER_EPROTO;
	}
	if (n >= 0)
		n = portier_dcerpc_parse(d, r->data_len, pdu, &e);
	if (n < 0)
		snprintf(p->why, p->why_len, "srvsvc: %.200s", e.msg);
	return n < 0 ? (int)n : 0;
}

/* Bind, call NetrShareEnum and reassemble its stub into stub. */
static int enum_call(struct pipe *p, const char *server,
		     struct portier_dcerpc_reasm *ra)
{
	struct portier_dcerpc_bind_params bp = {
		.call_id = 1, .abstract = &portier_rpc_srvsvc_syntax};
	struct portier_share_enum_params sp = {.server = server};
	uint8_t pdu_buf[1024], stub[600];
	struct portier_dcerpc_request_params rq = {
		.call_id = 2,
		.opnum = PORTIER_SRVSVC_OPNUM_SHARE_ENUM,
		.stub = stub};
	struct file_reply r;
	struct portier_dcerpc_pdu pdu;
	struct portier_err e = {0};
	long n;
	int rc;

	n = portier_dcerpc_bind_build(pdu_buf, sizeof(pdu_buf), &bp);
	rc = pipe_io(p, pdu_buf, n < 0 ? 0 : (size_t)n, "srvsvc bind", &r);
	if (rc == 0)
		rc = pdu_of(p, &r, &pdu);
	if (rc < 0)
		return rc;
	if (pdu.ptype != PORTIER_DCERPC_BIND_ACK || pdu.result != 0) {
		snprintf(p->why, p->why_len,
			 "srvsvc bind refused (PDU type %u, result %u, "
			 "reason %u)",
			 pdu.ptype, pdu.result, pdu.reason);
		return PORTIER_EPROTO;
	}
	n = portier_srvsvc_share_enum_build(stub, sizeof(stub), &sp);
	rq.stub_len = n < 0 ? 0 : (size_t)n;
	n = portier_dcerpc_request_build(pdu_buf, sizeof(pdu_buf), &rq);
	rc = pipe_io(p, pdu_buf, n < 0 ? 0 : (size_t)n, "NetrShareEnum", &r);
	ra->call_id = 2;
	while (rc == 0) {
		rc = pdu_of(p, &r, &pdu);
		if (rc == 0 && pdu.ptype == PORTIER_DCERPC_FAULT) {
			snprintf(p->why, p->why_len,
				 "NetrShareEnum fault 0x%08x (%s)",
				 pdu.fault_status,
				 portier_dcerpc_fault_name(pdu.fault_status));
			return PORTIER_EPROTO;
		}
		if (rc == 0 && (rc = portier_dcerpc_reasm_add(
					ra, p->buf + r.data_off, &pdu, &e)) < 0)
			snprintf(p->why, p->why_len, "NetrShareEnum: %.200s",
				 e.msg);
		if (rc < 0 || ra->done)
			break;
		rc = pipe_io(p, NULL, 0, "pipe READ", &r);
	}
	return rc;
}

/* The ids of a session: the same numbers serve SMB2 and SMB1. */
static void pipe_ids(struct pipe *p, bool smb1, uint64_t sid, uint32_t tid,
		     uint64_t mid)
{
	p->smb1 = smb1;
	p->fp.message_id = mid;
	p->fp.session_id = sid;
	p->fp.tree_id = tid;
	p->p1.mid = (uint16_t)mid;
	p->p1.uid = (uint16_t)sid;
	p->p1.tid = (uint16_t)tid;
}

uint64_t probe_smb_shares(int fd, bool smb1, uint64_t sid, uint32_t tid,
			  uint64_t mid, long deadline, const char *via,
			  struct portier_smb_host *h)
{
	struct pipe p = {.fd = fd,
			 .deadline = deadline,
			 .fp = {.name = "srvsvc"},
			 .p1 = {.path = "srvsvc"},
			 .why = h->shares_why,
			 .why_len = sizeof(h->shares_why)};
	struct portier_dcerpc_reasm ra = {.cap = SHARES_MAX_STUB,
					  .max_frags = SHARES_MAX_FRAGS};
	struct file_reply r;
	struct portier_err e = {0};
	char server[PORTIER_ADDR_STRLEN + 4], ip[PORTIER_ADDR_STRLEN];
	int rc;

	h->shares_tried = true;
	h->shares_via = via;
	p.buf = portier_malloc(SHARES_MAX_REPLY);
	ra.buf = portier_malloc(SHARES_MAX_STUB);
	h->shares = portier_calloc(1, sizeof(*h->shares));
	if (!p.buf || !ra.buf || !h->shares) {
		rc = PORTIER_ENOMEM;
		snprintf(h->shares_why, sizeof(h->shares_why), "out of memory");
		goto out;
	}
	pipe_ids(&p, smb1, sid, tid, mid);
	portier_addr_str(&h->addr, ip, sizeof(ip));
	snprintf(server, sizeof(server), "\\\\%s", ip);
	rc = call(
		&p,
		smb1 ? portier_smb1_create_build(p.buf, SHARES_MAX_REPLY, &p.p1)
		     : portier_smb2_pipe_open_build(p.buf, SHARES_MAX_REPLY,
						    &p.fp),
		smb1 ? "NT_CREATE_ANDX \\srvsvc" : "CREATE \\pipe\\srvsvc", &r,
		false);
	if (rc == 0) {
		memcpy(p.fp.file_id, r.r2.file_id, sizeof(r.r2.file_id));
		p.p1.fid = r.r1.fid;
		rc = enum_call(&p, server, &ra);
	}
	if (rc == 0) {
		rc = portier_srvsvc_share_enum_parse(ra.buf, ra.len, h->shares,
						     &e);
		if (rc < 0)
			snprintf(h->shares_why, sizeof(h->shares_why),
				 "malformed share list: %.200s", e.msg);
	}
	if (rc == 0 && h->shares->status != 0) {
		snprintf(h->shares_why, sizeof(h->shares_why),
			 "NetrShareEnum answered WERROR 0x%08x",
			 h->shares->status);
		rc = PORTIER_EPROTO;
	}
out:
	h->shares_status = rc;
	portier_free(p.buf);
	portier_free(ra.buf);
	return smb1 ? p.p1.mid : p.fp.message_id;
}

int probe_smb_tree_connect(int fd, bool smb1, uint64_t sid, uint64_t mid,
			   const char *path, uint8_t *buf, size_t cap,
			   long deadline, struct probe_tree *t, char *why,
			   size_t why_len)
{
	struct portier_smb2_tree_params tp = {
		.message_id = mid, .session_id = sid, .path = path};
	struct portier_smb1_params p1 = {
		.mid = (uint16_t)mid, .uid = (uint16_t)sid, .path = path};
	struct portier_smb2_tree_reply tr;
	struct portier_smb1_reply r1;
	struct portier_err e = {0};
	char what[PORTIER_ADDR_STRLEN + PORTIER_SHARE_NAME_MAX + 24];
	long got = 0;
	int rc;

	memset(t, 0, sizeof(*t));
	if (smb1) {
		rc = probe_smb_exchange(
			fd, buf, cap,
			portier_smb1_tree_connect_build(buf, cap, &p1),
			deadline, portier_smb1_parse, &r1, &e, &got);
		if (rc == 0 && r1.command != 0x75)
			rc = portier_err_set(&e, PORTIER_EPROTO,
					     "reply to command 0x%02x",
					     r1.command);
		t->status = r1.status;
		t->tid = r1.tid;
		t->access = r1.have_access ? r1.max_access : 0;
	} else {
		rc = probe_smb_exchange(
			fd, buf, cap,
			portier_smb2_tree_connect_build(buf, cap, &tp),
			deadline, portier_smb2_tree_connect_parse, &tr, &e,
			&got);
		t->status = tr.status;
		t->tid = tr.tree_id;
		t->access = tr.maximal_access;
	}
	if (rc < 0) {
		snprintf(what, sizeof(what), "%s %s",
			 smb1 ? "TREE_CONNECT_ANDX" : "TREE_CONNECT", path);
		probe_smb_explain(why, why_len, what, rc, &e);
	}
	return rc;
}

/* Open the share's root directory (FILE_OPEN) for access: its status,
 * and for SMB2 the MxAc the reply carries. */
static int root_open(struct pipe *p, uint32_t access, struct file_reply *r)
{
	p->p1.dir = true;
	p->p1.access = access;
	return call(p,
		    p->smb1 ? portier_smb1_create_build(
				      p->buf, SHARES_MAX_REPLY, &p->p1)
			    : portier_smb2_root_open_build(
				      p->buf, SHARES_MAX_REPLY, &p->fp),
		    "root open", r, true);
}

/* One share: TREE_CONNECT, then the read-only root open, into a. */
static void one_share(struct pipe *p, const char *ip,
		      const struct portier_smb_share *sh,
		      struct portier_share_access *a)
{
	struct probe_tree t;
	struct file_reply r;
	char path[PORTIER_ADDR_STRLEN + PORTIER_SHARE_NAME_MAX + 4], why[64];
	const char *c;

	a->tried = true;
	for (c = sh->name; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e) {
			a->io = PORTIER_EINVAL; /* our paths are ASCII */
			return;
		}
	snprintf(path, sizeof(path), "\\\\%s\\%s", ip, sh->name);
	a->io = probe_smb_tree_connect(p->fd, p->smb1, p->fp.session_id,
				       p->smb1 ? p->p1.mid : p->fp.message_id,
				       path, p->buf, SHARES_MAX_REPLY,
				       p->deadline, &t, why, sizeof(why));
	p->fp.message_id++;
	p->p1.mid++;
	if (a->io < 0)
		return;
	a->tree_status = t.status;
	a->tree_access = t.access;
	if (t.status != 0)
		return;
	p->fp.tree_id = t.tid;
	p->p1.tid = (uint16_t)t.tid;
	a->io = root_open(p, PORTIER_FILE_LIST_DIRECTORY | ROOT_READ, &r);
	if (a->io < 0)
		return;
	a->open_status = r.status;
	a->opened = r.status == 0;
	if (!p->smb1) {
		a->dir_access = r.r2.have_mxac && r.r2.mxac_status == 0
					? r.r2.mxac_access
					: 0;
		return;
	}
	/* SMB1: what the listing open was granted, and whether an open for
	 * adding files is */
	if (!a->opened)
		return;
	a->dir_access = PORTIER_FILE_LIST_DIRECTORY;
	if (root_open(p, PORTIER_FILE_ADD_FILE | ROOT_SYNC, &r) == 0 &&
	    r.status == 0)
		a->dir_access |= PORTIER_FILE_ADD_FILE;
}

void probe_smb_share_access(int fd, bool smb1, uint64_t sid, uint64_t mid,
			    long deadline, bool guest,
			    struct portier_smb_host *h)
{
	char why[64];
	struct pipe p = {.fd = fd,
			 .deadline = deadline,
			 .why = why,
			 .why_len = sizeof(why)};
	char ip[PORTIER_ADDR_STRLEN];
	uint32_t i;

	if (!h->shares)
		return;
	p.buf = portier_malloc(SHARES_MAX_REPLY);
	if (!p.buf)
		return;
	pipe_ids(&p, smb1, sid, 0, mid);
	portier_addr_str(&h->addr, ip, sizeof(ip));
	for (i = 0; i < h->shares->n; i++) {
		struct portier_smb_share *sh = &h->shares->shares[i];

		/* disk shares only: IPC$ is judged by the session itself */
		if ((sh->type & PORTIER_STYPE_MASK) != 0)
			continue;
		one_share(&p, ip, sh,
			  guest ? &sh->guest_access : &sh->null_access);
		if (probe_now_ms() >= deadline)
			break;
	}
	portier_free(p.buf);
}
