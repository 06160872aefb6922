/*
 * local.h - the sockets of this host and who owns them: the library behind
 * `portier local` (netstat/ss/fport) and the input of `portier audit`.
 *
 * Sockets come from the kernel through NETLINK_SOCK_DIAG (state filters
 * applied by the kernel); their owners from one pass over <proc>/[pid]/fd,
 * looked up in a hash table of socket inodes sized to the number of sockets.
 * Process details (command, executable, user, cgroup) are read once per
 * process and only for processes that own a reported socket.  Several
 * network namespaces can be read into one snapshot; each socket says which.
 *
 * Ownership: portier_local_collect returns a snapshot that owns every
 * string and array it points to; free it with portier_local_free.
 */
#ifndef PORTIER_LOCAL_H
#define PORTIER_LOCAL_H

#include "portier/addr.h"
#include "portier/common.h"
#include "portier/kb.h"

/*
 * Socket kinds (a mask in queries).  TCP and UDP have the values of
 * PORTIER_PROTO_TCP/UDP (addr.h); raw and AF_UNIX sockets have no place in
 * that set, so a snapshot keeps its own kinds.  The socket table below
 * speaks addr.h's set.
 */
enum portier_local_proto {
	PORTIER_LOCAL_TCP = 1 << 0,
	PORTIER_LOCAL_UDP = 1 << 1,
	PORTIER_LOCAL_RAW = 1 << 2,
	PORTIER_LOCAL_UNIX = 1 << 3,
};

/* Address families (a mask in queries). */
enum portier_local_family {
	PORTIER_LOCAL_V4 = 1 << 0,
	PORTIER_LOCAL_V6 = 1 << 1,
};

/*
 * States as the kernel numbers them (include/net/tcp_states.h).  UDP and
 * raw sockets are ESTABLISHED when connected and CLOSE otherwise ("UNCONN").
 */
enum portier_sock_state {
	PORTIER_SS_ESTABLISHED = 1,
	PORTIER_SS_SYN_SENT,
	PORTIER_SS_SYN_RECV,
	PORTIER_SS_FIN_WAIT1,
	PORTIER_SS_FIN_WAIT2,
	PORTIER_SS_TIME_WAIT,
	PORTIER_SS_CLOSE,
	PORTIER_SS_CLOSE_WAIT,
	PORTIER_SS_LAST_ACK,
	PORTIER_SS_LISTEN,
	PORTIER_SS_CLOSING,
	PORTIER_SS_MAX,
};

#define PORTIER_STATE_BIT(s) (1u << (s))
#define PORTIER_STATES_ALL   0xffeu
/* What "listening" means: TCP LISTEN, and bound unconnected UDP/raw. */
#define PORTIER_STATES_LISTENING                \
	(PORTIER_STATE_BIT(PORTIER_SS_LISTEN) | \
	 PORTIER_STATE_BIT(PORTIER_SS_CLOSE))

/*
 * One socket.  64 bytes: `portier local` holds one per socket (50,000 on a
 * busy host, and watch and top poll them), so the fields are as narrow as
 * their values.  An AF_UNIX socket has a path instead of IP addresses.
 */
struct portier_sock {
	union {
		struct {
			/* network order; v4 in the first 4 bytes */
			uint8_t laddr[16], raddr[16];
		};
		/* AF_UNIX: bound path, "@name" if abstract; or NULL */
		const char *path;
	};
	uint32_t inode;	       /* 0 for sockets no file refers to (TIME_WAIT) */
	uint32_t uid;	       /* the socket's owner as the kernel records it */
	uint32_t rqueue;       /* Recv-Q; for listeners: connections waiting */
	uint32_t wqueue;       /* Send-Q; for listeners: the backlog */
	uint32_t owner_first;  /* range in portier_local.owners ... */
	uint16_t owner_count;  /* ... (at most PORTIER_SOCK_OWNERS_MAX) */
	uint16_t netns;	       /* index into portier_local.netns */
	uint16_t lport, rport; /* host order; raw sockets: the IP protocol */
	uint8_t proto;	       /* one enum portier_local_proto */
	uint8_t family;	       /* AF_INET, AF_INET6 or AF_UNIX */
	uint8_t state;	       /* enum portier_sock_state */
	uint8_t type;	       /* AF_UNIX: SOCK_STREAM, SOCK_DGRAM, ... */
};

_Static_assert(
	sizeof(struct portier_sock) == 64,
	"struct portier_sock grew: `portier local` holds one per socket");

/*
 * The owners kept per socket: the first ones the walk of <proc> meets
 * (pid order on a real /proc).  A socket held by more fds (a listener
 * shared by that many forks) lists these.
 */
#define PORTIER_SOCK_OWNERS_MAX UINT16_MAX
/* Namespaces one snapshot can hold (portier_sock.netns). */
#define PORTIER_LOCAL_NETNS_MAX ((size_t)UINT16_MAX + 1)

/* One fd of one process that refers to a socket. */
struct portier_owner {
	uint32_t proc; /* index into portier_local.procs */
	int fd;
};

/* A process that owns at least one reported socket. */
struct portier_proc {
	int pid;
	uint32_t uid;	       /* real uid from status */
	char comm[17];	       /* "" if unreadable */
	const char *exe;       /* executable path, NULL if unreadable */
	bool exe_deleted;      /* the path ended in " (deleted)" (removed) */
	const char *user;      /* user name, or the uid as a number */
	const char *cgroup;    /* cgroup path, NULL if none */
	const char *unit;      /* systemd unit ("ssh.service"), or NULL */
	const char *container; /* "docker:0123456789ab" etc., or NULL */
};

struct portier_local {
	struct portier_sock *socks;
	size_t n_socks;
	struct portier_owner *owners;
	size_t n_owners;
	struct portier_proc *procs;
	size_t n_procs;
	char **netns; /* labels: "" for the caller's own namespace */
	size_t n_netns;
	bool procs_scanned;  /* owners were looked up */
	size_t procs_denied; /* processes whose fds could not be read */
	void *priv;	     /* string storage */
};

struct portier_local_query {
	unsigned protos;       /* PORTIER_LOCAL_* mask; 0 means TCP|UDP */
	unsigned families;     /* PORTIER_LOCAL_V4|V6 mask; 0 means both */
	uint32_t states;       /* PORTIER_STATE_BIT mask; 0 means all */
	bool processes;	       /* look up the owning processes */
	const char *proc_root; /* NULL means "/proc" */
	/*
	 * Namespace: NULL for the caller's own; a name in /run/netns or an
	 * absolute path to a namespace file.  all_netns reads every namespace
	 * seen through <proc>/[pid]/ns/net and /run/netns instead.
	 */
	const char *netns;
	bool all_netns;
	/*
	 * Only TCP/UDP/raw sockets whose local or remote port lies in
	 * port_lo..port_hi (filtered by the kernel); UNIX sockets are then
	 * left out.
	 */
	bool have_ports;
	uint16_t port_lo, port_hi;
	/*
	 * Read <proc_root>/net/{tcp,udp,raw}{,6} instead of asking the kernel
	 * through sock_diag: the second view a cross-check compares (inspect's
	 * hidden listeners).  A file that cannot be opened adds nothing.
	 */
	bool procnet;
};

/*
 * Read the sockets asked for by q.  Switching namespaces needs
 * CAP_SYS_ADMIN (PORTIER_EPERM otherwise).  Without privilege the owners
 * of other users' sockets are not visible; procs_denied counts them.
 */
PORTIER_API int portier_local_collect(const struct portier_local_query *q,
				      struct portier_local **out,
				      struct portier_err *err);
PORTIER_API void portier_local_free(struct portier_local *l);

/* The i-th owner of s (i < s->owner_count). */
PORTIER_API const struct portier_proc *
portier_local_owner(const struct portier_local *l, const struct portier_sock *s,
		    uint32_t i, int *fd);

/* "ESTAB", "LISTEN", "UNCONN" (CLOSE of a UDP/raw socket) ... as ss names. */
PORTIER_API const char *portier_sock_state_name(const struct portier_sock *s);
/* Parse a state name (ss's or netstat's spelling, any case); a bit mask. */
PORTIER_API int portier_sock_state_parse(const char *name, uint32_t *mask);
PORTIER_API const char *portier_local_proto_name(unsigned proto);
/* Local/remote address as text ("0.0.0.0", "::", "*" for unset v6?). */
PORTIER_API void portier_sock_addr(const struct portier_sock *s, bool remote,
				   char *buf, size_t len);
/* Bound to every address (0.0.0.0 or ::). */
PORTIER_API bool portier_sock_wildcard(const struct portier_sock *s);
/* Bound to a loopback address (127/8, ::1, ::ffff:127/104). */
PORTIER_API bool portier_sock_loopback(const struct portier_sock *s);
/* A listener: TCP LISTEN, or an unconnected UDP/raw socket. */
PORTIER_API bool portier_sock_listening(const struct portier_sock *s);

/* A set of port numbers (65,536 bits). */
struct portier_portmap {
	uint64_t bits[1024];
};

static inline bool portier_portmap_has(const struct portier_portmap *m,
				       uint16_t port)
{
	return (m->bits[port >> 6] >> (port & 63)) & 1;
}

/* The local ports on which a socket of kind proto listens in l. */
PORTIER_API void portier_local_listen_ports(const struct portier_local *l,
					    unsigned proto,
					    struct portier_portmap *m);
/*
 * Did this host open the connection s?  True when nothing here listens on
 * its local port (listen from portier_local_listen_ports): an outgoing
 * connection's local port is an ephemeral one, and its remote port is the
 * one that names the service.  False for listeners.
 */
PORTIER_API bool portier_local_outbound(const struct portier_sock *s,
					const struct portier_portmap *listen);

/* ---- the socket table: one reader for every module -------------------- */

/*
 * The TCP and UDP sockets of the caller's network namespace as 4-tuples,
 * for modules that ask "which connections exist?" or "does this exact one
 * exist?" (guard's flow lookup, the firewall's SSH-session and
 * existing-connection checks).  Read through the same sock_diag reader and
 * /proc/net fallback as portier_local_collect, with owners from the same
 * <proc>/[pid]/fd pass when asked.
 */
struct portier_local_tuple {
	uint8_t proto; /* PORTIER_PROTO_TCP or PORTIER_PROTO_UDP (addr.h) */
	/* an IPv4-mapped address (a dual-stack socket talking IPv4) is given
	 * as the IPv4 address it maps, so tuples from packets compare equal */
	struct portier_addr local, remote;
	uint16_t lport, rport; /* host order */
};

struct portier_local_table_query {
	unsigned protos;       /* PORTIER_PROTO_TCP|UDP mask; 0 means both */
	uint32_t states;       /* PORTIER_STATE_BIT mask; 0 means all */
	bool owners;	       /* look up the owning processes */
	const char *proc_root; /* NULL means "/proc" (owners, fallback) */
	/*
	 * Not NULL: only the socket with exactly this tuple, asked with the
	 * kernel's one-socket lookup instead of a dump (cheap enough per
	 * packet).  The kernel answers ENOENT both for "no such socket" and
	 * for a missing sock_diag handler, so this mode has no /proc/net
	 * fallback: the table is then empty.
	 */
	const struct portier_local_tuple *exact;
};

/* One socket of a table. */
struct portier_local_entry {
	struct portier_local_tuple tuple;
	uint8_t state;	      /* enum portier_sock_state */
	uint64_t inode;	      /* 0 when no file refers to it (TIME_WAIT) */
	uint32_t owner_count; /* 0 unless the table was opened with owners */
	const struct portier_sock *sock; /* everything the kernel said */
};

struct portier_local_table;

/*
 * Read the sockets q asks for.  Returns 0, or a negative PORTIER_E* code
 * with err filled (no NETLINK_SOCK_DIAG, out of memory).  Free the table
 * with portier_local_table_close.
 */
PORTIER_API int
portier_local_table_open(const struct portier_local_table_query *q,
			 struct portier_local_table **out,
			 struct portier_err *err);
/*
 * Read t again for q (the old entries are gone), with the netlink socket
 * and buffer t keeps from the last read: what a caller asking per packet
 * wants.  On failure t is empty, and still to be closed.
 */
PORTIER_API int
portier_local_table_reread(struct portier_local_table *t,
			   const struct portier_local_table_query *q,
			   struct portier_err *err);
PORTIER_API void portier_local_table_close(struct portier_local_table *t);

/*
 * Walk the table: start with *pos = 0; each call fills *e with the next
 * socket and returns true, or returns false at the end.  Sockets whose
 * tuple does not validate (portier_local_tuple_of) are skipped.
 */
PORTIER_API bool portier_local_table_each(const struct portier_local_table *t,
					  size_t *pos,
					  struct portier_local_entry *e);
/* The socket with exactly tuple k (proto, both addresses, both ports);
 * false if there is none.  e may be NULL. */
PORTIER_API bool portier_local_table_find(const struct portier_local_table *t,
					  const struct portier_local_tuple *k,
					  struct portier_local_entry *e);
/* The i-th owner of e (i < e->owner_count), as portier_local_owner. */
PORTIER_API const struct portier_proc *
portier_local_table_owner(const struct portier_local_table *t,
			  const struct portier_local_entry *e, uint32_t i,
			  int *fd);

/*
 * A tuple from addresses as the kernel gives them (family 4 or 6, network
 * order; proto PORTIER_PROTO_TCP or _UDP).  IPv4-mapped addresses become
 * IPv4 ones, and with them an unset other end (:: becomes 0.0.0.0); a
 * mapped address beside a real IPv6 one is PORTIER_EINVAL.  Pure.
 */
PORTIER_API int portier_local_tuple_set(struct portier_local_tuple *t,
					uint8_t proto, uint8_t family,
					const uint8_t *laddr, uint16_t lport,
					const uint8_t *raddr, uint16_t rport);
/*
 * The tuple of s: 0, or PORTIER_EINVAL when s is not a TCP or UDP socket
 * of AF_INET/AF_INET6 in a state the kernel has.  Pure.
 */
PORTIER_API int portier_local_tuple_of(const struct portier_sock *s,
				       struct portier_local_tuple *t);
/* Are a and b the same 4-tuple? */
PORTIER_API bool portier_local_tuple_equal(const struct portier_local_tuple *a,
					   const struct portier_local_tuple *b);

/*
 * Abort the TCP connection with exactly tuple t in the caller's network
 * namespace (sock_diag SOCK_DESTROY, as `ss -K`): the peer gets a reset.
 * Returns 0; PORTIER_EPERM without CAP_NET_ADMIN; -EOPNOTSUPP when the
 * kernel lacks CONFIG_INET_DIAG_DESTROY; PORTIER_ENOENT when there is no
 * such connection; PORTIER_EINVAL for a UDP tuple.
 */
PORTIER_API int portier_local_destroy(const struct portier_local_tuple *t,
				      struct portier_err *err);

/* ---- namespaces ------------------------------------------------------- */

struct portier_netns {
	uint64_t inode; /* the namespace's identity */
	char label[80]; /* /run/netns name, "pid N (comm)", or "" (own) */
	char path[300]; /* a file that opens it */
	int pid;	/* a process living in it (its <proc>/PID/net shows
			 * the namespace), 0 when none was seen */
};

/*
 * Every network namespace this host has: the caller's own first (label
 * ""), then those named in /run/netns, then those only processes hold.
 * Caller frees *out with portier_free.
 */
PORTIER_API int portier_netns_list(const char *proc_root,
				   struct portier_netns **out, size_t *n,
				   struct portier_err *err);

/*
 * Enter the namespace named by name (as in portier_local_query.netns) for
 * the calling thread; *restore receives a descriptor of the old one for
 * portier_netns_leave.  Used to read <proc>/net/ files of a namespace.
 * portier_netns_leave goes back (restore < 0: nothing to do) and returns
 * 0, or PORTIER_EIO when it could not: the thread is still in the other
 * namespace, and the caller must stop rather than read on.
 */
PORTIER_API int portier_netns_enter(const char *name, int *restore,
				    struct portier_err *err);
PORTIER_API int portier_netns_leave(int restore, struct portier_err *err);

/* ---- statistics (/proc/net/snmp, netstat, snmp6, dev) ------------------ */

struct portier_stat {
	const char *group; /* "Tcp", "TcpExt", "Udp", "Ip6" ... */
	const char *name;  /* "ActiveOpens", "ListenOverflows" ... */
	uint64_t value;
};

struct portier_stats {
	struct portier_stat *v;
	size_t n;
	void *priv;
};

/*
 * Parse the "Group: Name Name ..." / "Group: value value ..." line pairs of
 * /proc/net/snmp and /proc/net/netstat, or the "Name value" lines of
 * /proc/net/snmp6 (group taken from the name's prefix), appending to st.
 * Pure; text need not be NUL-terminated.
 */
PORTIER_API int portier_stats_parse(struct portier_stats *st, const char *text,
				    size_t len, struct portier_err *err);
/* Read <proc_root>/net/{snmp,netstat,snmp6} (missing files are skipped). */
PORTIER_API int portier_stats_read(struct portier_stats *st,
				   const char *proc_root,
				   struct portier_err *err);
/* Value of group/name, or false if absent. */
PORTIER_API bool portier_stats_get(const struct portier_stats *st,
				   const char *group, const char *name,
				   uint64_t *value);
PORTIER_API void portier_stats_free(struct portier_stats *st);

struct portier_ifstat {
	char name[32];
	uint64_t rx_bytes, rx_packets, rx_errs, rx_drop;
	uint64_t tx_bytes, tx_packets, tx_errs, tx_drop;
};

/* Parse /proc/net/dev text; *out freed with portier_free. */
PORTIER_API int portier_ifstats_parse(const char *text, size_t len,
				      struct portier_ifstat **out, size_t *n,
				      struct portier_err *err);
PORTIER_API int portier_ifstats_read(const char *proc_root,
				     struct portier_ifstat **out, size_t *n,
				     struct portier_err *err);

/* ---- diagnosis (--summary) --------------------------------------------- */

enum portier_diag_kind {
	PORTIER_DIAG_CLOSE_WAIT,      /* one process does not close sockets */
	PORTIER_DIAG_TIME_WAIT,	      /* this host closes actively */
	PORTIER_DIAG_SYN_RECV,	      /* half-open connections piling up */
	PORTIER_DIAG_LISTEN_FULL,     /* a listener's accept queue is full */
	PORTIER_DIAG_LISTEN_OVERFLOW, /* the kernel counted dropped SYNs */
	PORTIER_DIAG_SYN_COOKIES,     /* SYN cookies were sent */
	PORTIER_DIAG_RETRANS,	      /* high TCP retransmission rate */
	PORTIER_DIAG_UDP_RCVBUF,      /* UDP datagrams dropped: full buffer */
};

struct portier_diag {
	uint8_t kind;	  /* enum portier_diag_kind */
	uint8_t severity; /* enum portier_risk */
	int pid;	  /* the process concerned, or 0 */
	uint32_t count;	  /* the number that triggered it */
	char text[400];	  /* the diagnosis in plain words */
};

struct portier_diag_opts {
	uint32_t close_wait_min; /* per process; 0 means 50 */
	uint32_t time_wait_min;	 /* 0 means 1000 */
	uint32_t syn_recv_min;	 /* 0 means 100 */
	uint16_t eph_lo, eph_hi; /* ephemeral range; 0,0 if unknown */
};

/*
 * Judge a snapshot (all states) and optional counters.  Writes at most max
 * diagnoses to out, most severe first; returns how many were found.
 */
PORTIER_API size_t portier_local_diagnose(const struct portier_local *l,
					  const struct portier_stats *st,
					  const struct portier_diag_opts *o,
					  struct portier_diag *out, size_t max);

/* Per-state counts: counts[proto_index][state]; proto_index 0 tcp 1 udp 2 raw 3
 * unix. */
PORTIER_API void portier_local_count_states(const struct portier_local *l,
					    uint32_t counts[4][PORTIER_SS_MAX]);

#endif
