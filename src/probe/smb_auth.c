/*
 * smb_auth.c - what an SMB server grants before any password.  On a fresh
 * connection to the port the dialect probe used (with its NetBIOS session
 * on 139), negotiated at the highest dialect it accepted (SMB1 NT LM 0.12
 * when that is all it speaks, with extended security):
 *
 *   1. a SESSION_SETUP with an NTLMSSP NEGOTIATE_MESSAGE: the server's
 *      CHALLENGE_MESSAGE names it (its target information);
 *   2. on the same connection an anonymous AUTHENTICATE_MESSAGE (MS-NLMP
 *      3.2.5.1.2: no user, an empty NT response, a one-byte LM response):
 *      a null session;
 *   3. on a second connection the same first leg, then a random user name
 *      with a random NTLMv2 response: no password can match it, so a
 *      logon means the server maps unknown users to guest.
 *
 * The SESSION_SETUP response's status and SessionFlags (IS_GUEST, IS_NULL)
 * are reported as they are; the first session that reaches IPC$ lists the
 * shares and every session tries each disk share (smb_shares.c).  No file
 * is created, read or written.  SMB1 has one flag, the Action's
 * SMB_SETUP_GUEST: on the anonymous attempt it is reported as IS_NULL, on
 * the random user as IS_GUEST.  The pure halves are in smb.c, ntlmssp.c
 * and smb1.c.
 */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "probe/probe_int.h"

#define SMB_AUTH_MAX_REPLY 65536

#define SMB1_CAP_EXTENDED_SECURITY 0x80000000u

/* SMB1 or SMB2 for the logons: what the server's highest dialect is. */
static bool is_smb1(const struct portier_smb_host *h)
{
	return h->highest == PORTIER_SMB_NT1;
}

/*
 * Connect, open the NetBIOS session when h used 139, and negotiate
 * h->highest; the fd, or negative with why filled.
 */
static int smb_connect(const struct portier_addr *a,
		       const struct portier_smb_host *h, long deadline,
		       uint8_t *buf, size_t cap, char *why, size_t why_len)
{
	struct portier_smb_params p = {.dialect = h->highest};
	struct portier_smb_negotiate neg;
	struct portier_smb_host scratch = *h;
	struct portier_err e = {0};
	long len;
	int fd, rc;

	if (getrandom(p.client_guid, sizeof(p.client_guid), 0) < 0 ||
	    getrandom(p.salt, sizeof(p.salt), 0) < 0)
		memset(p.salt, 0x42, sizeof(p.salt));
	fd = probe_tcp_start(a, h->port);
	rc = fd < 0 ? fd : probe_tcp_finish(fd, deadline);
	if (rc < 0) {
		snprintf(why, why_len, "connect: %s", probe_io_why(rc));
		probe_tcp_abort(fd);
		return rc;
	}
	if (h->via_nbss) {
		rc = probe_nbss_session(fd, h->called, deadline, &scratch, why,
					why_len);
		if (rc < 0) {
			probe_tcp_abort(fd);
			return rc;
		}
	}
	rc = probe_smb_exchange(fd, buf, SMB_AUTH_MAX_REPLY,
				is_smb1(h) ? portier_smb1_build(buf, cap, &p)
					   : portier_smb2_build(buf, cap, &p),
				deadline, portier_smb_parse, &neg, &e, &len);
	if (rc == 0 && (!neg.accepted || neg.dialect != h->highest)) {
		snprintf(why, why_len,
			 "NEGOTIATE for %s refused on a new connection "
			 "(status 0x%08x)",
			 portier_smb_dialect_name(h->highest), neg.status);
		rc = PORTIER_EPROTO;
	} else if (rc == 0 && is_smb1(h) &&
		   !(neg.capabilities & SMB1_CAP_EXTENDED_SECURITY)) {
		snprintf(why, why_len,
			 "not asked: the SMB1 server offers no extended "
			 "security, so no NTLMSSP logon");
		rc = PORTIER_EPROTO;
	} else if (rc < 0) {
		probe_smb_explain(why, why_len, "NEGOTIATE", rc, &e);
	}
	if (rc < 0) {
		probe_tcp_abort(fd);
		return rc;
	}
	return fd;
}

/* One SMB2 or SMB1 SESSION_SETUP exchange: the reply's length in buf (its
 * status, session id, flags and security blob in *sr), or negative with
 * why filled. */
static long setup(int fd, bool smb1, const struct portier_smb2_setup_params *sp,
		  uint8_t *buf, long deadline,
		  struct portier_smb2_setup_reply *sr, char *why,
		  size_t why_len)
{
	struct portier_smb1_params p1 = {.mid = (uint16_t)sp->message_id,
					 .uid = (uint16_t)sp->session_id,
					 .data = sp->blob,
					 .data_len = sp->blob_len};
	struct portier_smb1_reply r1;
	struct portier_err e = {0};
	long len = 0;
	int rc;

	if (smb1) {
		rc = probe_smb_exchange(fd, buf, SMB_AUTH_MAX_REPLY,
					portier_smb1_session_setup_build(
						buf, SMB_AUTH_MAX_REPLY, &p1),
					deadline, portier_smb1_parse, &r1, &e,
					&len);
		if (rc == 0 && r1.command != 0x73)
			rc = portier_err_set(&e, PORTIER_EPROTO,
					     "reply to command 0x%02x",
					     r1.command);
		*sr = (struct portier_smb2_setup_reply){
			.status = r1.status,
			.session_id = r1.uid,
			.session_flags = (r1.action & PORTIER_SMB1_SETUP_GUEST)
						 ? PORTIER_SMB2_SESSION_IS_GUEST
						 : 0,
			.blob_off = r1.data_off,
			.blob_len = r1.data_len};
	} else {
		rc = probe_smb_exchange(fd, buf, SMB_AUTH_MAX_REPLY,
					portier_smb2_session_setup_build(
						buf, SMB_AUTH_MAX_REPLY, sp),
					deadline,
					portier_smb2_session_setup_parse, sr,
					&e, &len);
	}
	if (rc < 0) {
		probe_smb_explain(why, why_len,
				  smb1 ? "SESSION_SETUP_ANDX" : "SESSION_SETUP",
				  rc, &e);
		return rc;
	}
	return len;
}

/* The first leg on a new connection: the fd with the challenge in *n and
 * the session id in *sid, or negative with why filled. */
static int first_leg(const struct portier_addr *a,
		     const struct portier_smb_host *h, long deadline,
		     uint8_t *buf, struct portier_ntlm_info *n, uint64_t *sid,
		     uint8_t *raw, size_t *raw_len, size_t raw_cap, char *why,
		     size_t why_len)
{
	uint8_t neg[64];
	struct portier_smb2_setup_params sp = {.message_id = 1, .blob = neg};
	struct portier_smb2_setup_reply sr;
	struct portier_err e = {0};
	long len;
	int fd = smb_connect(a, h, deadline, buf, SMB_AUTH_MAX_REPLY, why,
			     why_len),
	    rc;

	if (fd < 0)
		return fd;
	sp.blob_len =
		(size_t)portier_ntlmssp_negotiate_build(neg, sizeof(neg), NULL);
	len = setup(fd, is_smb1(h), &sp, buf, deadline, &sr, why, why_len);
	if (len >= 0 && raw) {
		*raw_len = (size_t)len < raw_cap ? (size_t)len : raw_cap;
		memcpy(raw, buf, *raw_len);
	}
	rc = len < 0 ? (int)len : 0;
	if (rc == 0 && sr.status != PORTIER_STATUS_MORE_PROCESSING) {
		snprintf(why, why_len,
			 "SESSION_SETUP with NTLMSSP answered status "
			 "0x%08x, not a challenge",
			 sr.status);
		rc = PORTIER_EPROTO;
	}
	if (rc == 0) {
		rc = portier_ntlmssp_challenge_parse(buf + sr.blob_off,
						     sr.blob_len, n, &e);
		if (rc < 0)
			snprintf(why, why_len, "malformed reply: %.200s",
				 e.msg);
		/* the raw TargetInfo counts from buf, not the blob */
		n->info_off += sr.blob_off;
	}
	if (rc < 0) {
		probe_tcp_abort(fd);
		return rc;
	}
	*sid = sr.session_id;
	return fd;
}

/* Once logged on: TREE_CONNECT to IPC$, into l->ipc_*. */
static void ipc(int fd, bool smb1, uint64_t sid, long deadline, uint8_t *buf,
		struct portier_smb_login *l, uint32_t *tid)
{
	struct probe_tree t;
	char what[sizeof(l->ipc_path) + 24];
	int rc = probe_smb_tree_connect(fd, smb1, sid, 3, l->ipc_path, buf,
					SMB_AUTH_MAX_REPLY, deadline, &t, what,
					sizeof(what));

	l->ipc_tried = true;
	l->ipc_io = rc;
	if (rc < 0) {
		snprintf(l->why, sizeof(l->why), "%s", what);
		return;
	}
	l->ipc_status = t.status;
	l->ipc_access = t.access;
	*tid = t.tid;
}

/* The second leg with the AUTHENTICATE_MESSAGE of ap, into l. */
static void second_leg(int fd, uint64_t sid, long deadline, uint8_t *buf,
		       const struct portier_ntlm_auth_params *ap,
		       struct portier_smb_login *l, const char *via,
		       struct portier_smb_host *h)
{
	uint8_t auth[1024];
	struct portier_smb2_setup_params sp = {
		.message_id = 2, .session_id = sid, .blob = auth};
	struct portier_smb2_setup_reply sr;
	uint32_t tid = 0;
	uint64_t mid = 4; /* after NEGOTIATE, two SESSION_SETUPs, IPC$ */
	long len = portier_ntlmssp_authenticate_build(auth, sizeof(auth), ap);

	if (len < 0) {
		l->status = (int)len;
		snprintf(l->why, sizeof(l->why),
			 "the target information is too long to answer");
		return;
	}
	sp.blob_len = (size_t)len;
	len = setup(fd, is_smb1(h), &sp, buf, deadline, &sr, l->why,
		    sizeof(l->why));
	if (len < 0) {
		l->status = (int)len;
		return;
	}
	l->status = 0;
	l->nt_status = sr.status;
	l->session_flags = sr.session_flags;
	/* SMB1's one flag on the anonymous logon: a null session */
	if (is_smb1(h) && !l->user[0] &&
	    (l->session_flags & PORTIER_SMB2_SESSION_IS_GUEST))
		l->session_flags = PORTIER_SMB2_SESSION_IS_NULL;
	if (sr.status != 0)
		return;
	sid = sr.session_id ? sr.session_id : sid;
	ipc(fd, is_smb1(h), sid, deadline, buf, l, &tid);
	/* the first session that reaches IPC$ lists the shares; each
	 * session that logged on tries every listed disk share */
	if (portier_smb_login_usable(l) && !h->shares_tried)
		mid = probe_smb_shares(fd, is_smb1(h), sid, tid, mid, deadline,
				       via, h);
	if (h->shares_tried && h->shares_status == 0)
		probe_smb_share_access(fd, is_smb1(h), sid, mid, deadline,
				       l == &h->guest_login, h);
}

/* A random user name with a random NTLMv2 response, on its own connection. */
static void guest(const struct portier_addr *a, struct portier_smb_host *h,
		  long deadline, uint8_t *buf, struct portier_smb_login *l)
{
	struct portier_ntlm_info n;
	uint8_t rnd[28], nt[600], lm[24] = {0};
	struct portier_ntlm_auth_params ap = {
		.workstation = "PORTIER", .lm = lm, .lm_len = sizeof(lm)};
	uint64_t sid = 0;
	long len;
	int fd;

	l->tried = true;
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		l->status = PORTIER_EINVAL;
		snprintf(l->why, sizeof(l->why), "no random bytes");
		return;
	}
	snprintf(l->user, sizeof(l->user), "portier-%02x%02x%02x%02x", rnd[24],
		 rnd[25], rnd[26], rnd[27]);
	ap.user = l->user;
	fd = first_leg(a, h, deadline, buf, &n, &sid, NULL, NULL, 0, l->why,
		       sizeof(l->why));
	if (fd < 0) {
		l->status = fd;
		return;
	}
	len = portier_ntlmssp_v2_response_build(nt, sizeof(nt), rnd, rnd + 16,
						n.timestamp, buf + n.info_off,
						n.info_len);
	if (len < 0) {
		l->status = (int)len;
		snprintf(l->why, sizeof(l->why),
			 "the server's target information (%zu bytes) is too "
			 "long to answer",
			 n.info_len);
	} else {
		ap.nt = nt;
		ap.nt_len = (size_t)len;
		second_leg(fd, sid, deadline, buf, &ap, l, "guest", h);
	}
	probe_tcp_abort(fd);
}

void probe_smb_ntlm(const struct portier_addr *a,
		    const struct portier_smb_opts *o,
		    struct portier_smb_host *h)
{
	static const uint8_t z1[1] = {0};
	struct portier_ntlm_auth_params ap = {.lm = z1, .lm_len = 1};
	uint8_t *buf;
	long deadline = probe_now_ms() + 8 * (long)o->timeout_ms;
	uint64_t sid = 0;
	char ip[PORTIER_ADDR_STRLEN];
	int fd;

	h->ntlm_tried = true;
	portier_addr_str(a, ip, sizeof(ip));
	snprintf(h->null_login.ipc_path, sizeof(h->null_login.ipc_path),
		 "\\\\%s\\IPC$", ip);
	memcpy(h->guest_login.ipc_path, h->null_login.ipc_path,
	       sizeof(h->guest_login.ipc_path));
	if (!h->highest) {
		h->ntlm_status = PORTIER_EINVAL;
		snprintf(h->ntlm_why, sizeof(h->ntlm_why),
			 "not asked: the server accepts no dialect");
		return;
	}
	buf = portier_malloc(SMB_AUTH_MAX_REPLY);
	if (!buf) {
		h->ntlm_status = PORTIER_ENOMEM;
		snprintf(h->ntlm_why, sizeof(h->ntlm_why), "out of memory");
		return;
	}
	fd = first_leg(a, h, deadline, buf, &h->ntlm, &sid, h->ntlm_raw,
		       &h->ntlm_raw_len, sizeof(h->ntlm_raw), h->ntlm_why,
		       sizeof(h->ntlm_why));
	h->ntlm_status = fd < 0 ? fd : 0;
	if (fd >= 0) {
		/* MS-NLMP 3.2.5.1.2: anonymous is the flag, no user, no NT
		 * response and a single zero byte of LM response */
		h->null_login.tried = true;
		ap.flags = (h->ntlm.flags & PORTIER_NTLM_NEG_ANON_KEEP) |
			   PORTIER_NTLM_NEG_ANONYMOUS;
		second_leg(fd, sid, deadline, buf, &ap, &h->null_login, "null",
			   h);
		probe_tcp_abort(fd);
		guest(a, h, deadline, buf, &h->guest_login);
	}
	portier_free(buf);
}
