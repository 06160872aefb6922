/*
 * local_out.h - printing the sockets of `portier local` (table and JSON
 * Lines), shared with `portier audit`, which shows the same sockets and
 * processes in its findings.
 */
#ifndef PORTIER_CLI_LOCAL_OUT_H
#define PORTIER_CLI_LOCAL_OUT_H

#include <jansson.h>
#include <stdio.h>

#include "cli/cli.h"
#include "portier/local.h"

struct local_view {
	struct cli *cli;
	struct portier_kb *kb; /* may be NULL: no service names */
	const struct portier_local *l;
	struct portier_portmap listen_tcp, listen_udp;
	bool services;	 /* SERVICE column (not with -n) */
	bool processes;	 /* PROCESS column (-p) */
	bool pid_column; /* PID column (-o) */
	bool verbose;	 /* EXE and UNIT columns (-v) */
	bool netns;	 /* NETNS column (--all-netns) */
};

/* Fill the listener maps of v from v->l. */
void local_view_init(struct local_view *v);

/* "addr:port", "[v6]:port", "*:*" for an unset peer, path for unix. */
void local_out_endpoint(const struct portier_sock *s, bool remote, char *buf,
			size_t len);

/*
 * The port that names the service of s (the local port of a listener or an
 * accepted connection, the remote port of one this host opened) and its
 * name, or NULL.
 */
const char *local_out_service(const struct local_view *v,
			      const struct portier_sock *s, uint16_t *port);

/* "123/sshd,456/sshd" (at most len bytes) */
void local_out_owners(const struct portier_local *l,
		      const struct portier_sock *s, char *buf, size_t len);

/* [{"pid":..,"comm":..,"exe":..,...}] for the owners of s; NULL when out
 * of memory */
json_t *local_out_procs_json(const struct portier_local *l,
			     const struct portier_sock *s);

/* The sockets idx[0..n) as an aligned table / as JSON Lines. */
void local_out_table(const struct local_view *v, const uint32_t *idx, size_t n,
		     FILE *f);
/*
 * local_out_json returns 0, or PORTIER_ENOMEM when an object could not be
 * built (nothing else can fail: text that is not UTF-8 is repaired).
 */
int local_out_json(const struct local_view *v, const uint32_t *idx, size_t n,
		   FILE *f);

/*
 * Copy src into dst (cap bytes, cap > 0) fit for a terminal
 * (portier_text_clean, PORTIER_TEXT_TERM): C0 controls, DEL and bytes that
 * are not UTF-8 become \xNN, C1 and bidirectional controls become \uNNNN,
 * so a process name or a socket path cannot move the cursor, retitle the
 * terminal or reorder the line.  Cut on a character boundary when dst is
 * too small.  Returns dst.
 */
const char *local_out_safe(char *dst, size_t cap, const char *src);

/* Sort idx by namespace, protocol, listeners first, port, address. */
void local_out_sort(const struct portier_local *l, uint32_t *idx, size_t n);

#endif
