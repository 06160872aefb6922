/*
 * smb_auth.c - what an SMB2 server says before any password: a fresh
 * connection to the port the dialect probe used (with its NetBIOS session
 * on 139), a NEGOTIATE for the highest SMB2+ dialect it accepted, then a
 * SESSION_SETUP carrying an NTLMSSP NEGOTIATE_MESSAGE.  The server answers
 * with a CHALLENGE_MESSAGE whose target information names it; the login is
 * never completed.  The pure halves are in smb.c and ntlmssp.c.
 */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "probe/probe_int.h"

#define SMB_AUTH_MAX_REPLY 65536

/*
 * Connect, open the NetBIOS session when h used 139, and negotiate
 * h->highest; the fd, or negative with why filled.
 */
static int smb2_connect(const struct portier_addr *a,
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
	len = portier_smb2_build(buf, cap, &p);
	rc = len < 0 ? (int)len
		     : probe_send_all(fd, buf, (size_t)len, deadline);
	if (rc == 0)
		len = probe_smb_recv(fd, buf, cap, deadline, &e);
	if (rc == 0 && len >= 0)
		rc = portier_smb_parse(buf, (size_t)len, &neg, &e);
	else if (rc == 0)
		rc = (int)len;
	if (rc == 0 && (!neg.accepted || neg.dialect != h->highest)) {
		snprintf(why, why_len,
			 "NEGOTIATE for %s refused on the second "
			 "connection (status 0x%08x)",
			 portier_smb_dialect_name(h->highest), neg.status);
		rc = PORTIER_EPROTO;
	} else if (rc < 0) {
		snprintf(why, why_len, "NEGOTIATE: %.200s",
			 e.msg[0] ? e.msg : probe_io_why(rc));
	}
	if (rc < 0) {
		probe_tcp_abort(fd);
		return rc;
	}
	return fd;
}

void probe_smb_ntlm(const struct portier_addr *a,
		    const struct portier_smb_opts *o,
		    struct portier_smb_host *h)
{
	uint8_t neg[64], *buf;
	struct portier_smb2_setup_params sp = {.message_id = 1, .blob = neg};
	struct portier_smb2_setup_reply sr;
	struct portier_err e = {0};
	long deadline = probe_now_ms() + 2 * (long)o->timeout_ms, len;
	int fd, rc;

	h->ntlm_tried = true;
	if (h->highest < PORTIER_SMB_202) {
		h->ntlm_status = PORTIER_EINVAL;
		snprintf(h->ntlm_why, sizeof(h->ntlm_why),
			 "not asked: the server accepts no SMB2+ dialect");
		return;
	}
	buf = portier_malloc(SMB_AUTH_MAX_REPLY);
	if (!buf) {
		h->ntlm_status = PORTIER_ENOMEM;
		snprintf(h->ntlm_why, sizeof(h->ntlm_why), "out of memory");
		return;
	}
	fd = smb2_connect(a, h, deadline, buf, SMB_AUTH_MAX_REPLY, h->ntlm_why,
			  sizeof(h->ntlm_why));
	if (fd < 0) {
		h->ntlm_status = fd;
		goto out;
	}
	sp.blob_len =
		(size_t)portier_ntlmssp_negotiate_build(neg, sizeof(neg), NULL);
	len = portier_smb2_session_setup_build(buf, SMB_AUTH_MAX_REPLY, &sp);
	rc = len < 0 ? (int)len
		     : probe_send_all(fd, buf, (size_t)len, deadline);
	if (rc == 0)
		len = probe_smb_recv(fd, buf, SMB_AUTH_MAX_REPLY, deadline, &e);
	if (rc < 0 || len < 0) {
		rc = rc < 0 ? rc : (int)len;
		snprintf(h->ntlm_why, sizeof(h->ntlm_why),
			 "SESSION_SETUP: %.200s",
			 e.msg[0] ? e.msg : probe_io_why(rc));
		goto fail;
	}
	h->ntlm_raw_len = (size_t)len < sizeof(h->ntlm_raw)
				  ? (size_t)len
				  : sizeof(h->ntlm_raw);
	memcpy(h->ntlm_raw, buf, h->ntlm_raw_len);
	rc = portier_smb2_session_setup_parse(buf, (size_t)len, &sr, &e);
	if (rc == 0 && sr.status != PORTIER_STATUS_MORE_PROCESSING) {
		snprintf(h->ntlm_why, sizeof(h->ntlm_why),
			 "SESSION_SETUP with NTLMSSP answered status "
			 "0x%08x, not a challenge",
			 sr.status);
		rc = PORTIER_EPROTO;
		goto fail;
	}
	if (rc == 0)
		rc = portier_ntlmssp_challenge_parse(buf + sr.blob_off,
						     sr.blob_len, &h->ntlm, &e);
	if (rc < 0)
		snprintf(h->ntlm_why, sizeof(h->ntlm_why),
			 "malformed reply: %.200s", e.msg);
fail:
	h->ntlm_status = rc;
	probe_tcp_abort(fd);
out:
	portier_free(buf);
}
