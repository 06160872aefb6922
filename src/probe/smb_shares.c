/*
 * smb_shares.c - the share list a session without a password can read:
 * on its IPC$ tree, open \pipe\srvsvc, bind to srvsvc and call
 * NetrShareEnum level 1, each PDU through IOCTL FSCTL_PIPE_TRANSCEIVE and
 * any further fragment through READ.  Bounded: one fragment at most
 * PORTIER_DCERPC_MAX_FRAG bytes, the reply at most SHARES_MAX_STUB bytes
 * in at most SHARES_MAX_FRAGS fragments, every wait by the deadline.
 *
 * Then, per listed disk share and per session: a TREE_CONNECT (its
 * MaximalAccess) and a CREATE of the root directory for listing only,
 * FILE_OPEN, with an MxAc context: reachable, readable, writable.  No file
 * is created, read or written.  The pure halves are in srvsvc.c and
 * dcerpc.c.
 */
#include <stdio.h>
#include <string.h>

#include "probe/probe_int.h"

#define SHARES_MAX_REPLY (PORTIER_DCERPC_MAX_FRAG + 1024)
#define SHARES_MAX_STUB	 (256 * 1024)
#define SHARES_MAX_FRAGS 128

struct pipe {
	int fd;
	long deadline;
	struct portier_smb2_file_params fp;
	uint8_t *buf; /* SHARES_MAX_REPLY bytes */
	char *why;
	size_t why_len;
};

/* Send the request in buf (len bytes or a builder's error), read and
 * parse the response into r; 0 or negative with why filled. */
static int call(struct pipe *p, long len, const char *what,
		struct portier_smb2_file_reply *r)
{
	struct portier_err e = {0};
	long got = 0;
	int rc = probe_smb_exchange(p->fd, p->buf, SHARES_MAX_REPLY, len,
				    p->deadline, portier_smb2_file_parse, r, &e,
				    &got);

	p->fp.message_id++;
	if (rc == 0 && r->status != 0 &&
	    r->status != PORTIER_STATUS_BUFFER_OVERFLOW) {
		snprintf(p->why, p->why_len, "%s: status 0x%08x", what,
			 r->status);
		return PORTIER_EPROTO;
	}
	if (rc < 0)
		probe_smb_explain(p->why, p->why_len, what, rc, &e);
	return rc;
}

/* One whole DCE/RPC PDU from the pipe data of r, parsed into pdu. */
static int pdu_of(struct pipe *p, const struct portier_smb2_file_reply *r,
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
	struct portier_smb2_file_reply r;
	struct portier_dcerpc_pdu pdu;
	struct portier_err e = {0};
	long n;
	int rc;

	n = portier_dcerpc_bind_build(pdu_buf, sizeof(pdu_buf), &bp);
	p->fp.data = pdu_buf;
	p->fp.data_len = n < 0 ? 0 : (size_t)n;
	p->fp.max_out = PORTIER_DCERPC_MAX_FRAG;
	rc = call(
		p,
		portier_smb2_transceive_build(p->buf, SHARES_MAX_REPLY, &p->fp),
		"srvsvc bind", &r);
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
	p->fp.data_len = n < 0 ? 0 : (size_t)n;
	rc = call(
		p,
		portier_smb2_transceive_build(p->buf, SHARES_MAX_REPLY, &p->fp),
		"NetrShareEnum", &r);
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
		p->fp.max_out = PORTIER_DCERPC_MAX_FRAG;
		rc = call(p,
			  portier_smb2_read_build(p->buf, SHARES_MAX_REPLY,
						  &p->fp),
			  "pipe READ", &r);
	}
	return rc;
}

uint64_t probe_smb_shares(int fd, uint64_t sid, uint32_t tid, uint64_t mid,
			  long deadline, const char *via,
			  struct portier_smb_host *h)
{
	struct pipe p = {.fd = fd,
			 .deadline = deadline,
			 .fp = {.message_id = mid,
				.session_id = sid,
				.tree_id = tid,
				.name = "srvsvc"},
			 .why = h->shares_why,
			 .why_len = sizeof(h->shares_why)};
	struct portier_dcerpc_reasm ra = {.cap = SHARES_MAX_STUB,
					  .max_frags = SHARES_MAX_FRAGS};
	struct portier_smb2_file_reply r;
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
	portier_addr_str(&h->addr, ip, sizeof(ip));
	snprintf(server, sizeof(server), "\\\\%s", ip);
	rc = call(&p,
		  portier_smb2_pipe_open_build(p.buf, SHARES_MAX_REPLY, &p.fp),
		  "CREATE \\pipe\\srvsvc", &r);
	if (rc == 0) {
		memcpy(p.fp.file_id, r.file_id, sizeof(r.file_id));
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
	return p.fp.message_id;
}

/* One share: TREE_CONNECT, then the read-only root open, into a. */
static void one_share(struct pipe *p, const char *ip,
		      const struct portier_smb_share *sh,
		      struct portier_share_access *a)
{
	struct portier_smb2_tree_params tp = {.message_id = p->fp.message_id,
					      .session_id = p->fp.session_id};
	struct portier_smb2_tree_reply tr;
	struct portier_smb2_file_reply r;
	struct portier_err e = {0};
	char path[PORTIER_ADDR_STRLEN + PORTIER_SHARE_NAME_MAX + 4];
	long got = 0;
	const char *c;

	a->tried = true;
	for (c = sh->name; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e) {
			a->io = PORTIER_EINVAL; /* our paths are ASCII */
			return;
		}
	snprintf(path, sizeof(path), "\\\\%s\\%s", ip, sh->name);
	tp.path = path;
	a->io = probe_smb_exchange(
		p->fd, p->buf, SHARES_MAX_REPLY,
		portier_smb2_tree_connect_build(p->buf, SHARES_MAX_REPLY, &tp),
		p->deadline, portier_smb2_tree_connect_parse, &tr, &e, &got);
	p->fp.message_id++;
	if (a->io < 0)
		return;
	a->tree_status = tr.status;
	a->tree_access = tr.maximal_access;
	if (tr.status != 0)
		return;
	p->fp.tree_id = tr.tree_id;
	a->io = probe_smb_exchange(
		p->fd, p->buf, SHARES_MAX_REPLY,
		portier_smb2_root_open_build(p->buf, SHARES_MAX_REPLY, &p->fp),
		p->deadline, portier_smb2_file_parse, &r, &e, &got);
	p->fp.message_id++;
	if (a->io < 0)
		return;
	a->open_status = r.status;
	a->opened = r.status == 0;
	a->dir_access = r.have_mxac && r.mxac_status == 0 ? r.mxac_access : 0;
}

void probe_smb_share_access(int fd, uint64_t sid, uint64_t mid, long deadline,
			    bool guest, struct portier_smb_host *h)
{
	struct pipe p = {.fd = fd,
			 .deadline = deadline,
			 .fp = {.message_id = mid, .session_id = sid}};
	char ip[PORTIER_ADDR_STRLEN];
	uint32_t i;

	if (!h->shares)
		return;
	p.buf = portier_malloc(SHARES_MAX_REPLY);
	if (!p.buf)
		return;
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
