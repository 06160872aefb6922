/*
 * probe_int.h - what the network files of the probe module share: a TCP
 * connection to one target with every wait bounded by a deadline (SMB on
 * 445/139, DCE/RPC on 135, service detection's driver in src/svc/).  Times are CLOCK_MONOTONIC milliseconds.
 */
#ifndef PORTIER_PROBE_INT_H
#define PORTIER_PROBE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portier/probe.h"

/* Now, in monotonic milliseconds (the unit of every deadline). */
long probe_now_ms(void);
/* Start a non-blocking connect (TCP_NODELAY set): the fd, or -errno. */
int probe_tcp_start(const struct portier_addr *a, uint16_t port);
/* Wait for a pending connect; 0 or -errno (-ETIMEDOUT at the deadline). */
int probe_tcp_finish(int fd, long deadline);
/* Close with a RST rather than a FIN: nothing of ours is left to say.
 * fd < 0 is ignored. */
void probe_tcp_abort(int fd);
/* The connect outcome -errno (or 0) as a port state. */
enum portier_tcp_state probe_tcp_state(int neg_errno);
/*
 * Move exactly len bytes out of or into fd before deadline: 0, -ETIMEDOUT
 * when time runs out, -ECONNRESET when the peer closes before everything
 * was read, or another -errno.
 */
int probe_send_all(int fd, const uint8_t *buf, size_t len, long deadline);
int probe_recv_all(int fd, uint8_t *buf, size_t len, long deadline);
/*
 * Wait until deadline for whatever fd has, at most cap bytes: how many
 * arrived, 0 when the peer has closed, -ETIMEDOUT when nothing came in
 * time, or another -errno.
 */
long probe_recv_some(int fd, uint8_t *buf, size_t cap, long deadline);
/* A failed exchange in words ("no reply before the timeout", ...). */
const char *probe_io_why(int rc);

/*
 * SMB on a connected fd (smb_host.c).  probe_smb_recv reads one framed
 * packet (4-byte header + body, at most cap bytes) and returns its length.
 * probe_nbss_session opens a NetBIOS session calling the name called: 0,
 * or negative with the reason in why (a refusal is noted in out).
 */
long probe_smb_recv(int fd, uint8_t *buf, size_t cap, long deadline,
		    struct portier_err *err);
int probe_nbss_session(int fd, const char *called, long deadline,
		       struct portier_smb_host *out, char *why, size_t why_len);
/*
 * One SMB request and its reply on fd: send the len bytes of buf (a
 * negative len is the builder's error), read the reply into buf (cap
 * bytes) and parse it into out.  0 with the reply's length in *got, or
 * negative (e says why when it can; probe_smb_explain puts "WHAT: why"
 * into why).
 */
typedef int (*probe_parse_fn)(const uint8_t *buf, size_t len, void *out,
			      struct portier_err *err);
int probe_smb_exchange(int fd, uint8_t *buf, size_t cap, long len,
		       long deadline, probe_parse_fn parse, void *out,
		       struct portier_err *e, long *got);
void probe_smb_explain(char *why, size_t why_len, const char *what, int rc,
		       const struct portier_err *e);
/* The NTLM challenge of an SMB2 server (smb_auth.c), into h->ntlm*. */
void probe_smb_ntlm(const struct portier_addr *a,
		    const struct portier_smb_opts *o,
		    struct portier_smb_host *h);

/* A TREE_CONNECT's answer, SMB2 or SMB1. */
struct probe_tree {
	uint32_t status, tid;
	uint32_t access; /* MaximalAccess (SMB1: the extended response's
			  * MaximalShareAccessRights, 0 without it) */
};
/* TREE_CONNECT (SMB2) or TREE_CONNECT_ANDX (smb1) to path in session sid
 * with message id mid, in buf (cap bytes): 0 with t filled, or negative
 * with why filled (smb_shares.c). */
int probe_smb_tree_connect(int fd, bool smb1, uint64_t sid, uint64_t mid,
			   const char *path, uint8_t *buf, size_t cap,
			   long deadline, struct probe_tree *t, char *why,
			   size_t why_len);
/* On a session's IPC$ tree: NetrShareEnum into h->shares* (smb_shares.c),
 * over SMB2 or SMB1, message ids from mid on; returns the next free message
 * id. */
uint64_t probe_smb_shares(int fd, bool smb1, uint64_t sid, uint32_t tid,
			  uint64_t mid, long deadline, const char *via,
			  struct portier_smb_host *h);
/* For each listed disk share: TREE_CONNECT and a read-only open of its
 * root, into the share's null_access or guest_access. */
void probe_smb_share_access(int fd, bool smb1, uint64_t sid, uint64_t mid,
			    long deadline, bool guest,
			    struct portier_smb_host *h);

#endif
