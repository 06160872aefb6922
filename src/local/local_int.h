/*
 * local_int.h - the parts of the local module its files share, and the
 * pure functions the unit tests and the fuzz harness reach directly.
 */
#ifndef PORTIER_LOCAL_INT_H
#define PORTIER_LOCAL_INT_H

#include <sys/types.h>

#include "portier/local.h"

/* ---- string arena: many small strings freed at once ------------------- */

struct local_arena;
struct local_arena *local_arena_new(void);
void local_arena_free(struct local_arena *a);
/* Copy n bytes of s plus a NUL; NULL on allocation failure. */
char *local_arena_strndup(struct local_arena *a, const char *s, size_t n);

/* ---- a growing array of sockets ------------------------------------------ */

struct local_socks {
	struct portier_sock *v;
	size_t n, cap;
	struct local_arena *arena; /* for AF_UNIX paths */
	uint16_t netns;		   /* stamped on each socket parsed */
};

struct portier_sock *local_socks_push(struct local_socks *s);

/* ---- NETLINK_SOCK_DIAG messages (sockdiag.c) ---------------------------- */

#define SOCKDIAG_REQ_MAX 128

/*
 * Build a SOCK_DIAG_BY_FAMILY dump request for family (AF_INET/AF_INET6)
 * and ipproto (IPPROTO_TCP/UDP/RAW) with the kernel's state filter states,
 * into buf of cap bytes (4-byte aligned).  Returns the length, or 0 if cap
 * is too small.
 */
size_t sockdiag_build_inet(uint8_t *buf, size_t cap, uint8_t family,
			   uint8_t ipproto, uint32_t states, uint32_t seq);
/*
 * The same with a filter the kernel runs: only sockets whose local or
 * remote port lies in lo..hi (INET_DIAG_REQ_BYTECODE).
 */
size_t sockdiag_build_inet_ports(uint8_t *buf, size_t cap, uint8_t family,
				 uint8_t ipproto, uint32_t states, uint32_t seq,
				 uint16_t lo, uint16_t hi);
/*
 * A request for the one socket with tuple t (t->proto TCP or UDP; family
 * from t->local), not a dump: the kernel answers with that socket, with
 * another one that would take the tuple's packets (TCP: the listener; UDP:
 * an unconnected socket), or with an ENOENT error.
 */
size_t sockdiag_build_inet_exact(uint8_t *buf, size_t cap,
				 const struct portier_local_tuple *t,
				 uint32_t seq);
/*
 * A SOCK_DESTROY request for the TCP connection t (as `ss -K` sends): the
 * exact request above with the kernel asked to abort the socket and to
 * acknowledge.  0 for a tuple that is not TCP.
 */
size_t sockdiag_build_inet_destroy(uint8_t *buf, size_t cap,
				   const struct portier_local_tuple *t,
				   uint32_t seq);
/* The same for AF_UNIX sockets (name, peer and queue lengths asked for). */
size_t sockdiag_build_unix(uint8_t *buf, size_t cap, uint32_t states,
			   uint32_t seq);

/*
 * Parse one received chunk of a dump (a sequence of netlink messages; buf
 * 4-byte aligned) and append its sockets to out, marking each with proto
 * (an enum portier_local_proto; ignored for AF_UNIX messages).  Returns 1
 * when the dump is complete (NLMSG_DONE), 0 when more chunks follow, or
 * PORTIER_EPROTO/PORTIER_EIO/PORTIER_ENOMEM (an error reply or a malformed
 * message; err says which).
 */
int sockdiag_parse(const uint8_t *buf, size_t len, uint8_t proto,
		   struct local_socks *out, struct portier_err *err);

/*
 * Parse /proc/net/raw or raw6 text (procnet.c) and append its sockets,
 * marked with family and proto.  Lines that do not parse are skipped.
 * Returns 0 or PORTIER_ENOMEM.
 */
int local_procnet_parse(const char *text, size_t len, uint8_t family,
			uint8_t proto, struct local_socks *out);

/* ---- reading (sockets.c) ------------------------------------------------ */

/*
 * What reading needs and a caller asking often may keep between reads: the
 * NETLINK_SOCK_DIAG socket of its own namespace (dropped after a failed
 * read, so that no half-read reply is taken for the next one's) and the
 * receive buffer.  Zeroed to start; local_reader_close frees both.
 */
struct mnl_socket;
struct local_reader {
	struct mnl_socket *nl;
	uint32_t *buf;
};
void local_reader_close(struct local_reader *r);

/*
 * portier_local_collect, or with exact set only the socket of that tuple
 * (the kernel's one-socket lookup, no /proc/net fallback; see
 * portier_local_table_query).  q->protos and q->families are ignored then.
 * r: a reader to use and keep, or NULL for one of this call's own.
 */
int local_collect(const struct portier_local_query *q,
		  const struct portier_local_tuple *exact,
		  struct local_reader *r, struct portier_local **out,
		  struct portier_err *err);

/* ---- namespaces (netns.c) ---------------------------------------------- */

/* setns(2), through a pointer the unit tests replace to make it fail. */
extern int (*local_setns)(int fd, int nstype);

/*
 * Take the calling thread back to the network namespace self (a descriptor
 * of /proc/self/ns/net opened before leaving it) and close self.  Returns 0,
 * or PORTIER_EIO with err filled when setns fails: the thread is then still
 * in the other namespace, and whatever the caller reads next would be that
 * namespace's, so the caller must stop.
 */
int local_netns_return(int self, struct portier_err *err);

/* ---- processes (procs.c) ---------------------------------------------- */

/*
 * Find the owners of the sockets in l (one pass over <root>/[pid]/fd), fill
 * l->owners/procs and each socket's owner range.
 */
int local_procs_scan(struct portier_local *l, const char *root,
		     struct local_arena *arena, struct portier_err *err);

/* Parse a /proc/[pid]/cgroup text into cgroup path, unit and container. */
void local_cgroup_parse(const char *text, size_t len, struct local_arena *a,
			const char **cgroup, const char **unit,
			const char **container);

/* Read a whole small file (at most cap-1 bytes, NUL-terminated); -errno. */
ssize_t local_read_small(int dirfd, const char *path, char *buf, size_t cap);

/* Read a whole file of any size; *out freed with portier_free. */
int local_read_file(const char *path, char **out, size_t *len,
		    struct portier_err *err);

#endif
