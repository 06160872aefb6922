/*
 * smb_host.c - the network side of the SMB probe: race 445 against 139,
 * then offer every dialect on its own connection to the port that won.
 *
 * The race is what a Windows client does: connect to both ports at once,
 * keep 445 if it connects, reset the 139 connection; fall back to 139 only
 * when 445 is refused or silent.  On 139 every connection first opens a
 * NetBIOS session (RFC 1002 4.3.2) with the server's name, which we take
 * from the caller, else from a node status query to 137, else the generic
 * "*SMBSERVER" that Windows and Samba accept.
 *
 * Every wait is bounded by opt->timeout_ms; every reply goes through the
 * pure parsers of smb.c and netbios_ssn.c.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portier/bytes.h"
#include "probe/probe_int.h"

#define SMB_MAX_REPLY 65536

/*
 * Race the two ports.  Fills out->direct / out->nbss and returns the fd of
 * the winner (its port in *port), or a negative code when neither answered.
 */
static int race(const struct portier_addr *a, const struct portier_smb_opts *o,
		struct portier_smb_host *out, uint16_t *port)
{
	uint16_t pd = o->port_direct ? o->port_direct : 445;
	uint16_t pn = o->port_nbss ? o->port_nbss : 139;
	/* res: 1 while pending, then 0 or -errno; -ENOTCONN when not tried */
	int fds[2] = {-1, -1}, res[2] = {-ENOTCONN, -ENOTCONN};
	long deadline = probe_now_ms() + o->timeout_ms;
	int k;

	if (!o->only_nbss) {
		fds[0] = probe_tcp_start(a, pd);
		res[0] = fds[0] < 0 ? fds[0] : 1;
	}
	if (!o->only_direct) {
		fds[1] = probe_tcp_start(a, pn);
		res[1] = fds[1] < 0 ? fds[1] : 1;
	}
	for (;;) {
		struct pollfd p[2];
		long left = deadline - probe_now_ms();
		int n;

		for (k = 0; k < 2; k++) {
			p[k].fd = res[k] == 1 ? fds[k] : -1;
			p[k].events = POLLOUT;
			p[k].revents = 0;
		}
		/* 445 decided (either way) and 139 decided: done; and 445
		 * open ends the race at once */
		if (res[0] == 0 || (res[0] != 1 && res[1] != 1))
			break;
		if (left <= 0)
			break;
		n = poll(p, 2, (int)left);
		if (n < 0 && errno != EINTR)
			break;
		for (k = 0; k < 2; k++) {
			if (p[k].revents) {
				int e = 0;
				socklen_t el = sizeof(e);

				getsockopt(fds[k], SOL_SOCKET, SO_ERROR, &e,
					   &el);
				res[k] = -e;
			}
		}
	}
	for (k = 0; k < 2; k++)
		if (res[k] == 1)
			res[k] = -ETIMEDOUT;
	if (!o->only_nbss)
		out->direct = probe_tcp_state(-res[0]);
	if (!o->only_direct)
		out->nbss = probe_tcp_state(-res[1]);
	if (res[0] == 0) {
		probe_tcp_abort(
			fds[1]); /* 445 won: reset 139 like Windows does */
		*port = pd;
		return fds[0];
	}
	if (fds[0] >= 0)
		close(fds[0]);
	if (res[1] == 0) {
		*port = pn;
		return fds[1];
	}
	if (fds[1] >= 0)
		close(fds[1]);
	return !o->only_nbss ? res[0] : res[1];
}

long probe_smb_recv(int fd, uint8_t *buf, size_t cap, long deadline,
		    struct portier_err *err)
{
	long total;
	int rc = probe_recv_all(fd, buf, 4, deadline);

	if (rc < 0)
		return rc;
	total = portier_nbss_frame_len(buf, 4, err);
	if (total < 0)
		return total;
	if ((size_t)total > cap)
		return portier_err_set(err, PORTIER_EPROTO,
				       "reply of %ld bytes is larger than the "
				       "%zu this exchange can need",
				       total, cap);
	rc = probe_recv_all(fd, buf + 4, (size_t)total - 4, deadline);
	return rc < 0 ? rc : total;
}

int probe_nbss_session(int fd, const char *called, long deadline,
		       struct portier_smb_host *out, char *why, size_t why_len)
{
	struct portier_nbss_params p = {.called = called};
	struct portier_nbss_reply r;
	struct portier_err e = {0};
	uint8_t buf[128];
	long len = portier_nbss_build(buf, sizeof(buf), &p);
	int rc;

	if (len < 0) {
		snprintf(why, why_len, "bad NetBIOS name '%s'", called);
		return (int)len;
	}
	rc = probe_send_all(fd, buf, (size_t)len, deadline);
	if (rc == 0)
		rc = (int)probe_smb_recv(fd, buf, sizeof(buf), deadline, &e);
	if (rc < 0) {
		snprintf(why, why_len, "NetBIOS session request: %.200s",
			 e.msg[0] ? e.msg : probe_io_why(rc));
		return rc;
	}
	rc = portier_nbss_parse(buf, (size_t)rc, &r, &e);
	if (rc < 0) {
		snprintf(why, why_len, "NetBIOS session: %.200s", e.msg);
		return rc;
	}
	if (r.type == PORTIER_NBSS_NEGATIVE) {
		out->nbss_refusal = r.error;
		portier_strlcpy(out->refused, called, sizeof(out->refused));
		snprintf(why, why_len,
			 "NetBIOS session to '%s' refused: %s (0x%02x)", called,
			 portier_nbss_error_name(r.error), r.error);
		return -ECONNREFUSED;
	}
	if (r.type == PORTIER_NBSS_RETARGET) {
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &r.retarget_addr, a, sizeof(a));
		snprintf(why, why_len,
			 "NetBIOS session retargeted to %s port %u (not "
			 "followed)",
			 a, r.retarget_port);
		return -ECONNREFUSED;
	}
	portier_strlcpy(out->called, called, sizeof(out->called));
	return 0;
}

/* Offer one dialect on a connection (fd < 0: open a new one). */
static void offer(const struct portier_addr *a,
		  const struct portier_smb_opts *o, int fd, const char *called,
		  struct portier_smb_host *out,
		  struct portier_smb_dialect_result *dr)
{
	struct portier_smb_params p = {.dialect = dr->dialect, .message_id = 0};
	struct portier_err e = {0};
	long deadline = probe_now_ms() + o->timeout_ms, len;
	uint8_t *buf = portier_malloc(SMB_MAX_REPLY);
	int rc;

	if (!buf) {
		dr->status = PORTIER_ENOMEM;
		snprintf(dr->why, sizeof(dr->why), "out of memory");
		probe_tcp_abort(fd);
		return;
	}
	if (getrandom(p.client_guid, sizeof(p.client_guid), 0) < 0 ||
	    getrandom(p.salt, sizeof(p.salt), 0) < 0)
		memset(p.salt, 0x42, sizeof(p.salt));
	if (fd < 0) {
		fd = probe_tcp_start(a, out->port);
		rc = fd < 0 ? fd : probe_tcp_finish(fd, deadline);
		if (rc < 0) {
			dr->status = rc;
			snprintf(dr->why, sizeof(dr->why), "connect: %s",
				 probe_io_why(rc));
			goto done;
		}
		if (out->via_nbss) {
			rc = probe_nbss_session(fd, called, deadline, out,
						dr->why, sizeof(dr->why));
			if (rc < 0) {
				dr->status = rc;
				goto done;
			}
		}
	}
	len = dr->dialect == PORTIER_SMB_NT1
		      ? portier_smb1_build(buf, SMB_MAX_REPLY, &p)
		      : portier_smb2_build(buf, SMB_MAX_REPLY, &p);
	rc = len < 0 ? (int)len
		     : probe_send_all(fd, buf, (size_t)len, deadline);
	if (rc == 0)
		len = probe_smb_recv(fd, buf, SMB_MAX_REPLY, deadline, &e);
	if (rc < 0 || len < 0) {
		dr->status = rc < 0 ? rc : (int)len;
		snprintf(dr->why, sizeof(dr->why), "%s%.200s",
			 dr->status == PORTIER_EPROTO ? "not SMB: " : "",
			 e.msg[0] ? e.msg : probe_io_why(dr->status));
		goto done;
	}
	dr->raw_len =
		(size_t)len < sizeof(dr->raw) ? (size_t)len : sizeof(dr->raw);
	memcpy(dr->raw, buf, dr->raw_len);
	rc = portier_smb_parse(buf, (size_t)len, &dr->neg, &e);
	if (rc < 0) {
		dr->status = rc;
		snprintf(dr->why, sizeof(dr->why), "malformed reply: %.200s",
			 e.msg);
		goto done;
	}
	/* a server that answers with another dialect did not accept ours */
	if (dr->neg.accepted && dr->neg.dialect != dr->dialect)
		dr->neg.accepted = false;
	dr->status = 0;
done:
	probe_tcp_abort(fd);
	portier_free(buf);
}

/* The <20> name from a node status query, for the 139 session. */
static bool learn_name(const struct portier_addr *a, unsigned timeout,
		       char *name, size_t cap)
{
	struct portier_nbstat_opts o = {
		.retries = 1, .timeout_ms = timeout < 1000 ? timeout : 1000};
	struct portier_nbstat_result *r = portier_malloc(sizeof(*r));
	bool found = false;
	uint16_t i;

	if (!r)
		return false;
	if (a->family == 4 && portier_probe_nbstat_host(a, &o, r, NULL) == 0) {
		for (i = 0; i < r->reply.n_names && !found; i++) {
			const struct portier_nb_name *n = &r->reply.names[i];

			if (n->suffix == 0x20 &&
			    !(n->flags & PORTIER_NB_FLAG_GROUP)) {
				portier_strlcpy(name, n->name, cap);
				found = true;
			}
		}
	}
	portier_free(r);
	return found;
}

static void summarize(struct portier_smb_host *out)
{
	size_t i;
	const struct portier_smb_negotiate *best = NULL;

	for (i = 0; i < out->n_results; i++) {
		const struct portier_smb_dialect_result *r = &out->results[i];

		if (r->status < 0 || !r->neg.accepted)
			continue;
		if (r->dialect == PORTIER_SMB_NT1)
			out->smb1 = true;
		if (r->dialect >= out->highest || !best) {
			out->highest = r->dialect;
			best = &r->neg;
		}
	}
	if (best) {
		out->signing_enabled = best->signing_enabled;
		out->signing_required = best->signing_required;
	}
}

int portier_probe_smb_host(const struct portier_addr *addr,
			   const struct portier_smb_opts *opt,
			   struct portier_smb_host *out,
			   struct portier_err *err)
{
	struct portier_smb_opts o = {0};
	char learned[PORTIER_NB_NAME_LEN + 1] = "";
	const char *called = NULL, *refused, *hint = "";
	char ip[PORTIER_ADDR_STRLEN];
	int fd, silent = 0;
	size_t i;

	if (opt)
		o = *opt;
	if (!o.timeout_ms)
		o.timeout_ms = 3000;
	memset(out, 0, sizeof(*out));
	out->addr = *addr;
	out->nbss_refusal = -1;
	portier_addr_str(addr, ip, sizeof(ip));
	if (o.only_nbss && o.only_direct)
		return portier_err_set(err, PORTIER_EINVAL,
				       "both 445 and 139 are excluded");
	/* the address policy (addr.h), whatever the caller passed in */
	if ((refused = portier_addr_not_target(addr, &hint))) {
		portier_err_set(err, PORTIER_EINVAL, "target '%s' is %s", ip,
				refused);
		portier_err_hint(err, "%s", hint);
		return PORTIER_EINVAL;
	}
	fd = race(addr, &o, out, &out->port);
	if (fd < 0) {
		portier_err_set(err, fd,
				"%s: no SMB transport answered (445 %s, 139 "
				"%s)",
				ip, portier_tcp_state_name(out->direct),
				portier_tcp_state_name(out->nbss));
		return fd;
	}
	out->via_nbss = out->port == (o.port_nbss ? o.port_nbss : 139);
	if (out->via_nbss) {
		char why[256];
		long deadline = probe_now_ms() + o.timeout_ms;

		called = o.called;
		if (!called &&
		    learn_name(addr, o.timeout_ms, learned, sizeof(learned)))
			called = learned;
		if (!called)
			called = "*SMBSERVER";
		if (probe_nbss_session(fd, called, deadline, out, why,
				       sizeof(why)) < 0) {
			probe_tcp_abort(fd);
			fd = -1;
			if (called == learned ||
			    (o.called && strcmp(o.called, "*SMBSERVER") != 0)) {
				/* try the generic name once before giving
				 * up on the session service */
				called = "*SMBSERVER";
			} else {
				portier_err_set(err, PORTIER_EPROTO, "%s: %s",
						ip, why);
				return PORTIER_EPROTO;
			}
		}
	}
	for (i = 0; i < PORTIER_SMB_N_DIALECTS; i++) {
		struct portier_smb_dialect_result *dr = &out->results[i];

		dr->dialect = portier_smb_dialects[i];
		out->n_results++;
		if (silent >= 2) {
			/* a peer that swallows two offers would swallow all:
			 * do not make the user wait a timeout per dialect */
			dr->status = -ETIMEDOUT;
			snprintf(dr->why, sizeof(dr->why),
				 "not offered: the server answered none of "
				 "the last two offers");
			continue;
		}
		offer(addr, &o, fd, called, out, dr);
		fd = -1; /* the race's connection serves the first offer */
		silent = dr->status == -ETIMEDOUT ? silent + 1 : 0;
	}
	summarize(out);
	if (o.shares)
		probe_smb_ntlm(addr, &o, out);
	return 0;
}

/*
 * An SMB2 interim response (MS-SMB2 3.3.4.2): ASYNC_COMMAND set and
 * STATUS_PENDING; the real response follows on the same connection (Samba
 * sends one when a named pipe's RPC server answers through
 * samba-dcerpcd).
 */
#define SMB2_STATUS_PENDING 0x00000103u
#define SMB2_FLAGS_ASYNC    0x00000002u
#define SMB2_MAX_INTERIM    16
static bool smb2_interim(const uint8_t *b, size_t len)
{
	return len >= 4 + 64 && memcmp(b + 4, "\xfeSMB", 4) == 0 &&
	       get_le32(b + 4 + 8) == SMB2_STATUS_PENDING &&
	       (get_le32(b + 4 + 16) & SMB2_FLAGS_ASYNC);
}

int probe_smb_exchange(int fd, uint8_t *buf, size_t cap, long len,
		       long deadline, probe_parse_fn parse, void *out,
		       struct portier_err *e, long *got)
{
	int interim = 0;
	int rc = len < 0 ? (int)len
			 : probe_send_all(fd, buf, (size_t)len, deadline);

	if (rc < 0)
		return rc;
	do
		len = probe_smb_recv(fd, buf, cap, deadline, e);
	while (len >= 0 && smb2_interim(buf, (size_t)len) &&
	       ++interim <= SMB2_MAX_INTERIM);
	if (len < 0)
		return (int)len;
	if (interim > SMB2_MAX_INTERIM)
		return portier_err_set(e, PORTIER_EPROTO,
				       "more than %d interim responses "
				       "(STATUS_PENDING) to one request",
				       SMB2_MAX_INTERIM);
	*got = len;
	return parse(buf, (size_t)len, out, e);
}

void probe_smb_explain(char *why, size_t why_len, const char *what, int rc,
		       const struct portier_err *e)
{
	snprintf(why, why_len, "%s: %.200s", what,
		 e->msg[0] ? e->msg : probe_io_why(rc));
}

void portier_smb_host_free(struct portier_smb_host *h)
{
	portier_free(h->shares);
	h->shares = NULL;
}
