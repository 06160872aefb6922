/*
 * fw.h - portier's firewall: policies in words ("close 445", "allow only 22
 * and 80", "harden the Windows-share ports") turned into an nftables
 * ruleset that lives in portier's own table, `table inet portier`.
 *
 * The pieces, in the order data flows through them:
 *
 *   spec      "135,137-139/tcp,445" -> per-protocol port sets (intervals,
 *             merged and sorted)
 *   policy    what portier's table should contain: closed ports (from
 *             anywhere or from one source prefix), and optionally an
 *             "allow only" list with inbound default drop
 *   render    policy -> a complete nft script that replaces portier's table
 *             in one transaction (a pure function: same policy, same text)
 *   read back the JSON listing of portier's table -> policy, so that each
 *             command adds to what is in the kernel, the one source of truth
 *   back-end  a vtable that runs a script as one transaction and lists the
 *             table; portier_fw_nft is libnftables, tests plug in a fake
 *   session   apply with an undo point saved first (a restore script per
 *             change in the state directory), undo, status
 *
 * Nothing here touches any table but `inet portier`.  Errors are negative
 * PORTIER_E* codes with the reason in struct portier_err; nothing prints.
 * Every portier_fw_* structure is owned by the caller and freed with its
 * *_free function (which accepts a zeroed structure).
 */
#ifndef PORTIER_FW_H
#define PORTIER_FW_H

#include <sys/types.h>

#include "portier/addr.h"
#include "portier/common.h"

#define PORTIER_FW_TABLE     "portier" /* table inet portier */
#define PORTIER_FW_STATE_DIR "/var/lib/portier/fw"
#define PORTIER_FW_UNDO_KEEP 50 /* undo points kept; older ones pruned */

/* The protocols a firewall rule can name; index into per-protocol arrays. */
enum portier_fw_proto {
	PORTIER_FW_TCP,
	PORTIER_FW_UDP,
	PORTIER_FW_NPROTO,
};
PORTIER_API const char *portier_fw_proto_name(int p);

/* ---- port sets ----------------------------------------------------------- */

struct portier_fw_range {
	uint16_t lo, hi;
};

/*
 * A set of ports as sorted, disjoint, non-adjacent ranges (445 and 446
 * become 445-446), so that it maps one to one onto an nftables interval set.
 */
struct portier_fw_portset {
	struct portier_fw_range *r;
	size_t n, cap;
};

/* Add lo..hi (lo <= hi), merging; 0 or PORTIER_ENOMEM. */
PORTIER_API int portier_fw_portset_add(struct portier_fw_portset *s,
				       uint16_t lo, uint16_t hi);
/* Remove lo..hi (lo <= hi) from s, splitting a range where needed. */
PORTIER_API int portier_fw_portset_remove(struct portier_fw_portset *s,
					  uint16_t lo, uint16_t hi);
/* Add every range of src to dst. */
PORTIER_API int portier_fw_portset_merge(struct portier_fw_portset *dst,
					 const struct portier_fw_portset *src);
PORTIER_API bool portier_fw_portset_has(const struct portier_fw_portset *s,
					uint16_t port);
/* How many ports (not ranges) the set holds. */
PORTIER_API size_t portier_fw_portset_ports(const struct portier_fw_portset *s);
PORTIER_API bool portier_fw_portset_equal(const struct portier_fw_portset *a,
					  const struct portier_fw_portset *b);
/*
 * "135, 137-139, 445" (sep between ranges).  Returns a string the caller
 * frees with portier_free, or NULL without memory.
 */
PORTIER_API char *portier_fw_portset_format(const struct portier_fw_portset *s,
					    const char *sep);
PORTIER_API void portier_fw_portset_free(struct portier_fw_portset *s);

/* ---- port specs ---------------------------------------------------------- */

/* The ports of a spec, per protocol. */
struct portier_fw_spec {
	struct portier_fw_portset ports[PORTIER_FW_NPROTO];
};

/*
 * Parse a port spec: items separated by commas, each PORT or LOW-HIGH
 * (0-65535), optionally followed by /tcp or /udp; blanks around items are
 * allowed.  Items without a protocol get default_protos (a mask of
 * 1 << PORTIER_FW_TCP and/or 1 << PORTIER_FW_UDP).  An empty spec, an empty
 * item, a number out of range, a reversed range or another protocol is
 * PORTIER_EINVAL with the bad item quoted in err.
 */
PORTIER_API int portier_fw_spec_parse(const char *s, unsigned default_protos,
				      struct portier_fw_spec *out,
				      struct portier_err *err);
/* Parse "tcp", "udp" or "tcp+udp" into such a mask. */
PORTIER_API int portier_fw_protos_parse(const char *s, unsigned *mask,
					struct portier_err *err);
PORTIER_API void portier_fw_spec_free(struct portier_fw_spec *s);

/* ---- policies ------------------------------------------------------------ */

/* Ports closed to one source prefix only (close --from CIDR). */
struct portier_fw_source {
	struct portier_prefix net; /* host bits cleared */
	char text[64];		   /* canonical "10.0.0.0/8", "fd00::/8" */
	struct portier_fw_portset ports[PORTIER_FW_NPROTO];
};

/*
 * A TCP connection to this host that exists when a policy is applied.  In
 * allow-only mode its packets are let through by their exact 4-tuple: if
 * connection tracking was not running in the namespace before (nothing used
 * it), the kernel has no record of the connection, its next inbound packet
 * would look new and be dropped, and "established connections survive"
 * would be a lie.  Once a packet has passed, conntrack knows the connection.
 */
struct portier_fw_conn {
	struct portier_addr peer; /* an IPv4-mapped peer is given as IPv4 */
	uint16_t rport, lport;
};

struct portier_fw_policy {
	/* inbound default drop, except allow[] and what the network needs */
	bool allow_only;
	struct portier_fw_portset allow[PORTIER_FW_NPROTO];
	/* dropped from anywhere, even in allow-only mode (close wins) */
	struct portier_fw_portset close[PORTIER_FW_NPROTO];
	struct portier_fw_source *from; /* sorted by text */
	size_t n_from;
	/* allow-only: connections established before, sorted, unique */
	struct portier_fw_conn *keep;
	size_t n_keep;
};

PORTIER_API void portier_fw_policy_free(struct portier_fw_policy *p);
PORTIER_API bool portier_fw_policy_empty(const struct portier_fw_policy *p);
PORTIER_API bool portier_fw_policy_equal(const struct portier_fw_policy *a,
					 const struct portier_fw_policy *b);

/*
 * Parse "10.0.0.0/8", "192.0.2.7" (a /32), "fd00::/8", "2001:db8::1" (a
 * /128) into src (ports left empty); host bits are cleared.
 */
PORTIER_API int portier_fw_source_parse(const char *s,
					struct portier_fw_source *src,
					struct portier_err *err);

/* Close the spec's ports: from anywhere (from == NULL) or from one source. */
PORTIER_API int portier_fw_policy_close(struct portier_fw_policy *p,
					const struct portier_fw_spec *spec,
					const struct portier_fw_source *from,
					struct portier_err *err);
/* Switch to allow-only mode with exactly the spec's ports allowed. */
PORTIER_API int portier_fw_policy_allow_only(struct portier_fw_policy *p,
					     const struct portier_fw_spec *spec,
					     struct portier_err *err);

/*
 * Open the spec's ports again: no longer closed, from anywhere or from any
 * source; in allow-only mode also added to the allowed ports.
 */
PORTIER_API int portier_fw_policy_open(struct portier_fw_policy *p,
				       const struct portier_fw_spec *spec,
				       struct portier_err *err);

/*
 * The seeds' Windows-share list (the ports an old Windows "block these"
 * IPsec policy filters): TCP 135, 137, 139, 445, 593, 1025, 2745, 3127,
 * 6129, 3389 and UDP 135, 137, 138, 445.
 */
struct portier_fw_port {
	uint16_t port;
	uint8_t proto; /* enum portier_fw_proto */
};
PORTIER_API size_t portier_fw_harden_ports(const struct portier_fw_port **out);
/* Close every port of that list. */
PORTIER_API int portier_fw_policy_harden(struct portier_fw_policy *p,
					 struct portier_err *err);

/*
 * The established TCP connections of this network namespace, from the
 * socket table (local.h; proc_root, NULL for "/proc", only serves its
 * /proc/net fallback), peers on loopback left out.  *out is freed by the
 * caller with portier_free.
 */
PORTIER_API int portier_fw_conns_read(const char *proc_root,
				      struct portier_fw_conn **out, size_t *n,
				      struct portier_err *err);
/*
 * Replace p's kept connections by those of conns that allow-only would
 * otherwise drop: none unless p is allow-only; none to a port that is
 * allowed anyway or closed (closing cuts connections).
 */
PORTIER_API int portier_fw_policy_keep(struct portier_fw_policy *p,
				       const struct portier_fw_conn *conns,
				       size_t n, struct portier_err *err);

/* ---- render and read back ------------------------------------------------- */

/*
 * The nft script that makes portier's table exactly p: it creates the table
 * if missing, deletes it and declares it anew, all in one transaction.  An
 * empty policy renders as a script that only removes the table.  *out is
 * freed by the caller with portier_free.
 */
PORTIER_API int portier_fw_render(const struct portier_fw_policy *p, char **out,
				  struct portier_err *err);

/*
 * Read back the policy from the JSON listing of portier's table (libnftables
 * with JSON output, `nft -j list table inet portier`); "" or NULL means no
 * table, an empty policy.  Sets and chains portier does not write are an
 * error (PORTIER_EPROTO) rather than silently dropped on the next apply.
 */
PORTIER_API int portier_fw_policy_from_json(const char *json,
					    struct portier_fw_policy *p,
					    struct portier_err *err);

/* Packets portier's rules have dropped since the table was last replaced. */
struct portier_fw_counters {
	uint64_t close[PORTIER_FW_NPROTO]; /* closed ports, from anywhere */
	uint64_t from;	      /* closed ports, per-source rules together */
	uint64_t not_allowed; /* allow-only: not on the list */
	uint64_t invalid;     /* allow-only: invalid per conntrack */
};

/* The counters of the rules in the same JSON listing. */
PORTIER_API int portier_fw_counters_from_json(const char *json,
					      struct portier_fw_counters *c,
					      struct portier_err *err);

/* ---- the SSH-session guard -------------------------------------------------- */

/*
 * The SSH session, as a struct portier_fw_conn: the client (peer, rport)
 * and the server port (lport).
 *
 * From $SSH_CONNECTION ("client_ip client_port server_ip server_port"):
 * returns 0, PORTIER_ENOENT when value is NULL or empty, or PORTIER_EINVAL
 * when it is malformed.
 */
PORTIER_API int portier_fw_ssh_from_env(const char *value,
					struct portier_fw_conn *sess);
/*
 * From the socket table: walk pid's ancestors (<proc_root>/PID/stat) up to
 * an sshd process and find the established TCP connection that process
 * owns (portier_local_table with owners, read from <proc_root>).
 * PORTIER_ENOENT when pid is not inside an SSH session.
 */
PORTIER_API int portier_fw_ssh_from_proc(const char *proc_root, pid_t pid,
					 struct portier_fw_conn *sess,
					 struct portier_err *err);
/*
 * Keep the session alive under p: in allow-only mode add its port to the
 * allowed ports; and p must not close that port, neither from anywhere nor
 * from a source prefix holding the client.  Returns 1 if it added the port,
 * 0 if nothing was needed, PORTIER_EINVAL if p would cut the session.
 */
PORTIER_API int portier_fw_guard_ssh(struct portier_fw_policy *p,
				     const struct portier_fw_conn *sess,
				     struct portier_err *err);

struct portier_local;

/*
 * When no session was found (sudo resets $SSH_CONNECTION; inside tmux or
 * screen the parent walk ends at the multiplexer): refuse a change that
 * would cut sshd off.  l holds the TCP listeners with their processes
 * (portier_local_collect, processes on).  If a process named sshd or
 * sshd-session listens, not on loopback only, on a port that after drops
 * new connections to (closed from anywhere, or not allowed in allow-only
 * mode) while before (NULL: nothing) did not, returns PORTIER_EINVAL naming
 * the process and port, with a hint; else 0.  A pure function.
 */
PORTIER_API int portier_fw_guard_sshd(const struct portier_fw_policy *before,
				      const struct portier_fw_policy *after,
				      const struct portier_local *l,
				      struct portier_err *err);

/* ---- suggestions from the audit ------------------------------------------------ */

struct portier_local;
struct portier_finding;

/* One port the audit judged, and whether closing it is suggested. */
struct portier_fw_suggestion {
	uint16_t port;
	uint8_t proto;	  /* enum portier_fw_proto */
	uint8_t severity; /* enum portier_risk: the worst finding on it */
	const struct portier_finding *finding; /* that finding */
	uint32_t in_use;     /* established TCP connections from other hosts */
	bool close;	     /* suggested: risky, reachable and unused */
	const char *why_not; /* when !close: a short reason */
};

/*
 * From audit findings over the sockets l, the ports worth closing: a
 * finding of at least min severity about a listener reachable from other
 * hosts (not bound to loopback), on a port nobody outside is connected to,
 * not closed by current already and not ssh_port (0: none).  Findings about
 * outgoing connections or process hygiene are not port problems and are
 * left out.  *out is sorted by port and protocol, one entry per port;
 * caller frees it with portier_free.
 */
PORTIER_API int portier_fw_suggest(const struct portier_local *l,
				   const struct portier_finding *f, size_t nf,
				   const struct portier_fw_policy *current,
				   uint16_t ssh_port, unsigned min,
				   struct portier_fw_suggestion **out,
				   size_t *n, struct portier_err *err);

/*
 * The command that stops the service owning a listener, for the user to
 * copy: "systemctl disable --now UNIT", "docker stop ID", "podman stop ID",
 * or "kill PID (and remove what starts it)"; p NULL: how to find the owner.
 * Names from the cgroup path are printed as they are only when made of
 * [A-Za-z0-9@._:\\-], single-quoted for the shell when otherwise printable,
 * and left out (kill PID instead) when they hold control or non-ASCII
 * bytes, or when the command would not fit in len.
 */
struct portier_proc;
PORTIER_API void portier_fw_stop_command(const struct portier_proc *p,
					 char *buf, size_t len);

/* ---- back-ends ---------------------------------------------------------------- */

enum portier_fw_listing {
	PORTIER_FW_LIST_TEXT,	   /* nft syntax, with counters */
	PORTIER_FW_LIST_STATELESS, /* nft syntax, without counter values */
	PORTIER_FW_LIST_JSON,
};

/* How portier talks to the packet filter. */
struct portier_fw_backend {
	const char *name;
	int (*open)(void **ctx, struct portier_err *err);
	void (*close)(void *ctx);
	/*
	 * Run script as one transaction: all of it or nothing.  check_only
	 * validates it against the kernel and commits nothing (nft -c).
	 */
	int (*run)(void *ctx, const char *script, bool check_only,
		   struct portier_err *err);
	/*
	 * portier's table as *out (caller frees with portier_free); "" when
	 * the table does not exist.
	 */
	int (*list)(void *ctx, enum portier_fw_listing how, char **out,
		    struct portier_err *err);
};

/* libnftables (portier/nft.h): the kernel's nftables of the caller's
 * network namespace. */
PORTIER_API extern const struct portier_fw_backend portier_fw_nft;

/* Whether the process may read or change rules: portier_nft_have_admin
 * (portier/nft.h). */

/* ---- the session: apply, undo, status ------------------------------------------ */

struct portier_fw;

/*
 * Open a session on back-end be with undo points in state_dir (NULL: the
 * default PORTIER_FW_STATE_DIR; created on the first apply).
 */
PORTIER_API int portier_fw_open(struct portier_fw **out,
				const struct portier_fw_backend *be,
				const char *state_dir, struct portier_err *err);
PORTIER_API void portier_fw_close(struct portier_fw *fw);

/*
 * Create the state directory if needed and take its lock (flock on
 * <state_dir>/lock), held until portier_fw_close: two portier commands
 * changing rules at once would otherwise both read the same policy, and
 * the second would silently drop the first one's change.
 */
PORTIER_API int portier_fw_lock(struct portier_fw *fw, struct portier_err *err);

/*
 * The policy now in the kernel (empty when portier's table is absent).
 * PORTIER_EPROTO, naming it, for anything in the table portier would not
 * write for that policy - a set or chain (portier_fw_policy_from_json) or
 * a rule added to portier's chain by hand - since the next apply, which
 * replaces the table, would silently drop it.
 */
PORTIER_API int portier_fw_current(struct portier_fw *fw,
				   struct portier_fw_policy *p,
				   struct portier_err *err);
/* The drop counters now in the kernel (zeros when there is no table). */
PORTIER_API int portier_fw_counters(struct portier_fw *fw,
				    struct portier_fw_counters *c,
				    struct portier_err *err);
/* portier's table as nft text ("" when absent); caller frees. */
PORTIER_API int portier_fw_listing(struct portier_fw *fw, char **out,
				   struct portier_err *err);
/* Validate script against the kernel, commit nothing. */
PORTIER_API int portier_fw_check(struct portier_fw *fw, const char *script,
				 struct portier_err *err);

/*
 * Apply script in one transaction, first saving an undo point that restores
 * portier's table as it is now (what says why, for the undo point's
 * header).  When the table is the same afterwards (re-applying a policy),
 * the undo point is dropped and *changed is false.  On failure nothing is
 * applied and no undo point is left.
 */
PORTIER_API int portier_fw_apply(struct portier_fw *fw, const char *script,
				 const char *what, bool *changed,
				 struct portier_err *err);

/* How many undo points are saved. */
PORTIER_API size_t portier_fw_undo_depth(struct portier_fw *fw);
/* The number N of the newest undo point (undo-N.nft), 0 when there is
 * none: a caller that applied a change can record it and later tell
 * whether its change is still the newest. */
PORTIER_API unsigned long portier_fw_undo_top(struct portier_fw *fw);
/*
 * The restore script of the newest undo point (*script, caller frees) and
 * its one-line description (*what, caller frees; may be NULL).
 * PORTIER_ENOENT when there is none.
 */
PORTIER_API int portier_fw_undo_peek(struct portier_fw *fw, char **script,
				     char **what, struct portier_err *err);
/* Run the newest undo point and remove it (undo again goes further back). */
PORTIER_API int portier_fw_undo(struct portier_fw *fw, struct portier_err *err);

#endif
