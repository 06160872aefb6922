/*
 * audit_int.h - what the files of the audit module share: the state of one
 * run, and the entry points of the rules (rules.c).
 */
#ifndef PORTIER_AUDIT_INT_H
#define PORTIER_AUDIT_INT_H

#include <sys/socket.h>

#include "portier/audit.h"

struct audit_ctx {
	const struct portier_local *l;
	const struct portier_kb *kb; /* may be NULL */
	const struct portier_audit_opts *o;
	struct portier_portmap listen_tcp, listen_udp;
	struct portier_finding *v;
	size_t n, cap;
	bool nomem;
};

/*
 * Record a finding of rule about socket s (or NULL) for port (0: about the
 * process, all its sockets) and process index proc (-1: none).  Returns
 * the new finding for the caller to fill in reason and advice, or NULL
 * when an equal finding exists (s was added to its "where") or memory ran
 * out (c->nomem).
 */
struct portier_finding *audit_add(struct audit_ctx *c, uint8_t rule,
				  uint8_t sev, const struct portier_sock *s,
				  uint16_t port, long proc);
/* "tcp 0.0.0.0:23" */
void audit_where(const struct portier_sock *s, char *buf, size_t len);

/*
 * UTF-8 aware cutting: process names and paths are copied into fixed-size
 * reasons, and a cut inside a multi-byte character would leave text that
 * is not UTF-8.  audit_utf8_len gives the largest length <= max at which s
 * can be cut on a character boundary (for "%.*s"); audit_utf8_trim drops
 * an incomplete sequence left at the end of s by a truncating snprintf.
 */
int audit_utf8_len(const char *s, size_t max);
void audit_utf8_trim(char *s);

/* Every rule about one socket. */
void audit_socket(struct audit_ctx *c, const struct portier_sock *s);
/* The CLOSE-WAIT rule, over all sockets. */
void audit_close_wait(struct audit_ctx *c);

#endif
