/*
 * store.h - port history: snapshots of this host's listeners kept in a
 * SQLite database or, for a fleet, in PostgreSQL, and the events between
 * two of them (`portier snapshot`, `history`, `diff`).  docs/store.md
 * documents the schema, the PostgreSQL backend and the spool.
 *
 * The database lives in a private state directory (portier_store_dir),
 * checked with portier_file_state_dir; it is opened in WAL mode and its
 * schema carries a version (PRAGMA user_version) that opening migrates
 * forward.  A database of a newer schema, a corrupt file or one that is
 * not portier's is refused with PORTIER_EIO and left as it is.
 *
 * Snapshots and events are plain data that own their strings; the event
 * diff is a pure function over two snapshots.
 */
#ifndef PORTIER_STORE_H
#define PORTIER_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "portier/audit.h"
#include "portier/common.h"
#include "portier/kb.h"
#include "portier/local.h"

/* The schema this build writes; older ones are migrated on open. */
#define PORTIER_STORE_SCHEMA 6

/* Whether a listener's executable matches its package's md5sum. */
enum portier_pkg_verify {
	PORTIER_PKG_UNKNOWN = 0,
	PORTIER_PKG_DIFFERS,
	PORTIER_PKG_VERIFIES,
};

/* One listener of a snapshot.  Strings are NULL when unknown. */
struct portier_listener {
	uint8_t proto;	/* enum portier_local_proto */
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16];
	uint16_t port;
	char *netns; /* "" for the host's own namespace */
	uint64_t inode;
	int pid; /* 0 when no owner was visible */
	uint32_t uid;
	char *comm;
	char *exe;
	bool exe_deleted;
	bool have_sha;
	uint8_t sha256[32];
	char *unit;
	char *container;
	/* The Debian package that ships exe; "" for none, NULL when unknown
	 * (no dpkg database, or not looked up). */
	char *package;
	/* Does exe still match the md5sum its package recorded?  enum
	 * portier_pkg_verify; unknown (0) without a package, a recorded sum
	 * or a hash. */
	uint8_t pkg_verified;
	/* exe's MD5 (hashed with sha256, kept only to check the package:
	 * not stored with the listener). */
	bool have_md5;
	uint8_t md5[16];
	uint8_t kb_risk; /* enum portier_risk of the port's kb entry */
	uint8_t audit;	 /* highest audit severity for it, enum portier_risk */
	char *rules;	 /* audit rule names, comma separated, or NULL */
};

struct portier_snapshot {
	int64_t id;   /* 0 until saved */
	int64_t time; /* seconds since the epoch, UTC */
	char *host;   /* the host name */
	struct portier_listener *l;
	size_t n;
	char *machine_id; /* /etc/machine-id, "" or NULL when unknown */
	/* The idempotency key (32 hex digits, "" for none): a snapshot whose
	 * key the store holds already is not stored again. */
	char key[33];
};

/*
 * The listeners of a socket table (TCP LISTEN, unbound-peer UDP and raw),
 * one per key (proto, address, port, netns), with their first owner, kb
 * risk and the audit findings about them (findings may be NULL).  Sorted
 * by key.  time and host are filled in by the caller.
 */
PORTIER_API int portier_snapshot_from_local(const struct portier_local *l,
					    const struct portier_kb *kb,
					    const struct portier_finding *f,
					    size_t n_f,
					    struct portier_snapshot **out,
					    struct portier_err *err);
PORTIER_API void portier_snapshot_free(struct portier_snapshot *s);

/* This host's name in the store: $PORTIER_HOST_ID (a lab host or a
 * container that shares the host name), else gethostname(). */
PORTIER_API void portier_store_host_name(char *buf, size_t len);

/*
 * Say where and when s was taken: time now, host the name in
 * $PORTIER_HOST_ID (a lab host or a container that shares the host name)
 * or gethostname(), machine_id from /etc/machine-id ("" when unreadable),
 * and a new random key.
 */
PORTIER_API int portier_snapshot_stamp(struct portier_snapshot *s, int64_t now,
				       struct portier_err *err);

/* Order of listeners by key; snapshots are kept sorted by it. */
PORTIER_API int portier_listener_cmp(const struct portier_listener *a,
				     const struct portier_listener *b);

/* ---- events -------------------------------------------------------------- */

enum portier_event_kind {
	PORTIER_EV_NEW,
	PORTIER_EV_GONE,
	PORTIER_EV_REBOUND,	    /* the same port, another address */
	PORTIER_EV_OWNER_CHANGED,   /* another program */
	PORTIER_EV_BINARY_MODIFIED, /* the same program path, a new hash */
	PORTIER_EV_SERVICE_CHANGED, /* a scanned port's service or banner */
};

struct portier_event {
	uint8_t kind;	  /* enum portier_event_kind */
	uint8_t severity; /* enum portier_risk */
	/* The listener before and after (into the two snapshots); NULL for
	 * the side that has none (NEW has no a, GONE no b). */
	const struct portier_listener *a, *b;
};

/*
 * The events that turn snapshot a into b (both sorted by key).  UDP
 * listeners whose port lies in eph_lo..eph_hi are clients' sockets and
 * make no event (pass 0, 0 when unknown).  A pid that changed with the same
 * executable and hash makes none either.  *out (free with portier_free)
 * points into a and b, which must outlive it.
 */
PORTIER_API int portier_store_diff(const struct portier_snapshot *a,
				   const struct portier_snapshot *b,
				   uint16_t eph_lo, uint16_t eph_hi,
				   struct portier_event **out, size_t *n,
				   struct portier_err *err);
/* "NEW", "GONE", "REBOUND", "OWNER_CHANGED", "BINARY_MODIFIED",
 * "SERVICE_CHANGED". */
PORTIER_API const char *portier_event_name(enum portier_event_kind k);

/* ---- the database -------------------------------------------------------- */

struct portier_store;

/*
 * Where the database is by default: $PORTIER_STORE, else
 * /var/lib/portier/portier.db for root, else
 * $XDG_STATE_HOME/portier/portier.db ($HOME/.local/state when unset).
 * Returns an allocated path (portier_free) or NULL (err says why).
 */
PORTIER_API char *portier_store_default_path(struct portier_err *err);

enum {
	PORTIER_STORE_CREATE = 1, /* create the directory and the file */
};

/* A PostgreSQL server that could not be reached (after the retries); the
 * caller may spool the snapshot.  An exit 3 like PORTIER_EIO. */
#define PORTIER_STORE_EDOWN (-ENOTCONN)

/*
 * Is name a PostgreSQL connection string ("postgresql://...",
 * "postgres://...", or libpq's "key=value ..." form) rather than a file?
 */
PORTIER_API bool portier_store_is_remote(const char *name);
/*
 * A connection string fit to print: the password of a URI
 * ("user:SECRET@") or of a password=SECRET pair (quoted or not) and a
 * password= query parameter become "***".  Always NUL-terminates buf.
 */
PORTIER_API void portier_store_redact(const char *conninfo, char *buf,
				      size_t len);

struct portier_store_opts {
	unsigned flags; /* PORTIER_STORE_CREATE */
	/* PostgreSQL: connection attempts (0: 4), the delay before the
	 * second (0: 250 ms), doubled each time up to 4 s. */
	unsigned attempts, delay_ms;
	/* Told each failed attempt before the next (may be NULL). */
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
};

/*
 * Open the database at path.  Its directory must pass
 * portier_file_state_dir (made with PORTIER_STORE_CREATE).  A missing file
 * without CREATE is PORTIER_ENOENT; a newer schema, a corrupt or foreign
 * file PORTIER_EIO, the file untouched.
 */
PORTIER_API int portier_store_open(const char *path, unsigned flags,
				   struct portier_store **out,
				   struct portier_err *err);
/*
 * The same with options; name is a file or a PostgreSQL connection string
 * (portier_store_is_remote).  A server that cannot be reached after the
 * attempts is PORTIER_STORE_EDOWN; a bad connection string, a refused
 * login, a newer schema or a database of something else PORTIER_EIO, with
 * the password never in a message.
 */
PORTIER_API int portier_store_open_opts(const char *name,
					const struct portier_store_opts *o,
					struct portier_store **out,
					struct portier_err *err);
PORTIER_API void portier_store_close(struct portier_store *st);
/* The schema version of the open database (after migration). */
PORTIER_API int portier_store_version(const struct portier_store *st);

/*
 * Fill in the SHA-256 and MD5 of each listener's executable, read through
 * <proc_root>/PID/exe in one pass; a binary whose (device, inode, mtime, size) the
 * store has hashed before is not read again (SQLite only: a shared
 * PostgreSQL store or st NULL hashes every one).  Listeners whose
 * executable cannot be read keep have_sha and have_md5 false.
 */
PORTIER_API int portier_store_hash_exes(struct portier_store *st,
					struct portier_snapshot *s,
					const char *proc_root,
					struct portier_err *err);

/*
 * Fill in each listener's package from dpkg's lists in admindir
 * ("/var/lib/dpkg"): every list is read once.  A listener whose MD5 is
 * known (portier_store_hash_exes first) is checked against the md5sum its
 * package recorded (pkg_verified).  Without a dpkg database packages stay
 * NULL (unknown) and this returns 0.
 */
PORTIER_API int portier_store_packages(struct portier_snapshot *s,
				       const char *admindir,
				       struct portier_err *err);

/* Save s as one transaction; s->id gets its id.  If the store holds a
 * snapshot of s->key already, nothing is added and s->id is that one's.
 * PostgreSQL: a connection lost on the way is reconnected (with the open's
 * attempts) and the save repeated; PORTIER_STORE_EDOWN when that fails. */
PORTIER_API int portier_store_save(struct portier_store *st,
				   struct portier_snapshot *s,
				   struct portier_err *err);
/* Load the snapshot id; PORTIER_ENOENT if there is none. */
PORTIER_API int portier_store_load(struct portier_store *st, int64_t id,
				   struct portier_snapshot **out,
				   struct portier_err *err);

/* A saved snapshot, as listed by portier_store_list. */
struct portier_snapshot_info {
	int64_t id;
	int64_t time;
	size_t listeners;
	char host[256];
	char machine_id[64];
};
/* Were a and b taken on the same host: the same name, and the same
 * machine id unless one has none (a snapshot from before schema 4)? */
PORTIER_API bool
portier_snapshot_same_host(const struct portier_snapshot_info *a,
			   const struct portier_snapshot_info *b);
/* Every snapshot, oldest first (free *out with portier_free). */
PORTIER_API int portier_store_list(struct portier_store *st,
				   struct portier_snapshot_info **out,
				   size_t *n, struct portier_err *err);

/* ---- the spool: snapshots kept while PostgreSQL is down ------------------ */

/*
 * A snapshot as the bytes of a spool file, and back.  The format
 * (docs/store.md) starts with "PORTIERSPOOL", a version and the length of
 * the rest; decode refuses anything short, long, truncated or with a NUL
 * inside a string (PORTIER_EINVAL), never reading past len.
 */
PORTIER_API int portier_spool_encode(const struct portier_snapshot *s,
				     uint8_t **out, size_t *len,
				     struct portier_err *err);
PORTIER_API int portier_spool_decode(const uint8_t *buf, size_t len,
				     struct portier_snapshot **out,
				     struct portier_err *err);

/* The spool directory: $PORTIER_SPOOL, else spool/ beside the default
 * SQLite store (/var/lib/portier/spool as root).  Allocated, or NULL. */
PORTIER_API char *portier_spool_default_dir(struct portier_err *err);

struct portier_spool_limits {
	size_t files; /* 0: 1000 */
	size_t bytes; /* 0: 64 MiB */
};

/*
 * Keep s in dir (a private state directory, created as needed) as one
 * file, written with portier_file_replace_at.  When the spool already
 * holds limits' files or bytes, s is not kept (the oldest are) and this is
 * PORTIER_EIO saying so.  *waiting gets the number of files after.
 */
PORTIER_API int portier_spool_put(const char *dir,
				  const struct portier_snapshot *s,
				  const struct portier_spool_limits *limits,
				  size_t *waiting, struct portier_err *err);

/*
 * Send every spooled snapshot to st, oldest first, each in its own
 * transaction, and remove its file once stored (a file sent before a crash
 * is found by its key and not stored twice).  A file that does not decode
 * is renamed NAME.bad and counted in *bad.  Stops at the first failure of
 * the store (PORTIER_STORE_EDOWN when it went away).  A missing dir is
 * nothing to send.
 */
PORTIER_API int portier_spool_flush(const char *dir, struct portier_store *st,
				    size_t *sent, size_t *bad,
				    struct portier_err *err);

/* ---- watch: settling changes, events delivered once ---------------------- */

/* A (proto, netns, port) whose observed listeners differ from the
 * baseline, and for how many snapshots in a row they have looked so. */
struct portier_watch_pend {
	uint8_t proto;
	uint16_t port;
	char *netns;
	uint64_t sig; /* what the group looked like (a hash) */
	unsigned seen;
};

struct portier_watch {
	unsigned
		settle; /* snapshots a change must persist; 1 reports at once */
	uint16_t eph_lo, eph_hi; /* the ephemeral range (portier_store_diff) */
	struct portier_watch_pend *p;
	size_t n, cap;
};

/*
 * One step of `portier watch`: the baseline base (what was last reported)
 * and a new observation obs give *next, the new baseline: obs, except
 * that a (proto, netns, port) whose change has not yet been seen in
 * w->settle observations in a row keeps base's listeners.  A change that
 * goes away before it settles is forgotten (a flapping listener makes no
 * event).  The events to report are portier_store_diff(base, *next).
 * Pure: reads the two snapshots, updates w, allocates *next.
 */
PORTIER_API int portier_watch_step(struct portier_watch *w,
				   const struct portier_snapshot *base,
				   const struct portier_snapshot *obs,
				   struct portier_snapshot **next,
				   struct portier_err *err);
PORTIER_API void portier_watch_clear(struct portier_watch *w);

/*
 * The packages of obs's listeners (portier_store_packages), reading dpkg's
 * lists only when needed: a listener whose key, executable path and hash
 * are those of base's (which may be NULL) takes base's package and its
 * pkg_verified.
 */
PORTIER_API int portier_watch_packages(struct portier_snapshot *obs,
				       const struct portier_snapshot *base,
				       const char *admindir,
				       struct portier_err *err);

/*
 * Where the watch of host stands: the baseline snapshot (0: none yet) and
 * the seq of the last event delivered.  Before a watch ever ran on host,
 * the baseline is the host's last snapshot and every stored event counts
 * as delivered.
 */
PORTIER_API int portier_store_watch_get(struct portier_store *st,
					const char *host, int64_t *snapshot,
					int64_t *delivered,
					struct portier_err *err);

/*
 * In one transaction: save s (s->id gets its id), append the n events
 * (kinds[i], bodies[i]: the text to deliver) numbered from *first_seq on,
 * and make s the watch baseline of s->host.  A failure leaves the store as
 * it was.
 */
PORTIER_API int portier_store_watch_commit(struct portier_store *st,
					   struct portier_snapshot *s,
					   const uint8_t *kinds,
					   const char *const *bodies, size_t n,
					   int64_t *first_seq,
					   struct portier_err *err);

/* An event waiting to be delivered. */
struct portier_outbox {
	int64_t seq;
	int64_t snapshot; /* the snapshot the event led to */
	char *body;
};
/* The events of host after seq `after`, in order (free with
 * portier_outbox_free). */
PORTIER_API int portier_store_outbox(struct portier_store *st, const char *host,
				     int64_t after, struct portier_outbox **out,
				     size_t *n, struct portier_err *err);
PORTIER_API void portier_outbox_free(struct portier_outbox *o, size_t n);
/* Record that host's events up to seq have been delivered. */
PORTIER_API int portier_store_delivered(struct portier_store *st,
					const char *host, int64_t seq,
					struct portier_err *err);

/* ---- scan files (portier -oJ, nmap -oX) ---------------------------------- */

/* One port of a scanned host. */
struct portier_scan_port {
	uint16_t port;
	uint8_t proto;	   /* PORTIER_PROTO_* (addr.h) */
	char state[24];	   /* "open", "closed", "filtered", ... */
	char service[128]; /* name and version as the file gives it, or "" */
};

struct portier_scan_host {
	char *id;	  /* the lowest address, then the first host name */
	char *name;	  /* "name (address)" or the address, for display */
	char state[16];	  /* "up", "down", or "" when unknown */
	char *extraports; /* "closed=998;filtered=2" (nmap's order), or "" */
	struct portier_scan_port *ports; /* sorted by (port, proto) */
	size_t n_ports;
};

struct portier_scan_file {
	struct portier_scan_host *hosts; /* sorted by id */
	size_t n;
};

/*
 * Read a scan result: nmap's XML (-oX, also portier's) or portier's JSON
 * Lines (-oJ), told apart by the first character.  PORTIER_EINVAL names
 * the file and what is wrong with it.
 */
PORTIER_API int portier_scan_file_read(const char *path,
				       struct portier_scan_file **out,
				       struct portier_err *err);
/* The same for text in memory (what the reader parses; fuzzed, tested). */
PORTIER_API int portier_scan_file_parse(const char *text, size_t len,
					const char *name,
					struct portier_scan_file **out,
					struct portier_err *err);
PORTIER_API void portier_scan_file_free(struct portier_scan_file *f);

/*
 * One difference between two scans, as ndiff counts them.  For a host in
 * only one scan, the other side's host is NULL.  A port change has a or b
 * (NULL: the port is not listed on that side, state "unknown"); a host
 * change (state, extra ports) has neither.
 */
struct portier_scan_change {
	const struct portier_scan_host *ha, *hb;
	const struct portier_scan_port *a, *b;
	/* ndiff prints a side's line only when its state is not one of
	 * its host's extra-ports states (and it is listed). */
	bool show_a, show_b;
};

/*
 * The changes from scan a to b in ndiff's order (hosts by id, ports by
 * number), following ndiff's rules: ports compared by number/protocol,
 * state and service; a port listed on neither side as anything but an
 * "extra ports" state is no change.  *out is NULL when the scans are the
 * same (free with portier_free).
 */
PORTIER_API int portier_scan_file_diff(const struct portier_scan_file *a,
				       const struct portier_scan_file *b,
				       struct portier_scan_change **out,
				       size_t *n, struct portier_err *err);

/*
 * What a port change between two scans means as an event: NEW (open now,
 * not before), GONE (open before, not now), SERVICE_CHANGED (open on both
 * sides, another service name, product or version), or -1 for any other
 * change (a host's state, a closed port turned filtered, ...).
 */
PORTIER_API int portier_scan_change_kind(const struct portier_scan_change *c);

/* ---- scans in the store -------------------------------------------------- */

/* A stored scan, as listed by portier_store_scan_list. */
struct portier_scan_info {
	int64_t id;
	int64_t time;
	size_t hosts;
	char source[256];
};

/* Save f as one scan (time, source: the file or "portier scan"); *id gets
 * its id.  One transaction. */
PORTIER_API int portier_store_scan_save(struct portier_store *st,
					const struct portier_scan_file *f,
					int64_t time, const char *source,
					int64_t *id, struct portier_err *err);
/* Load the scan id (PORTIER_ENOENT if there is none). */
PORTIER_API int portier_store_scan_load(struct portier_store *st, int64_t id,
					struct portier_scan_file **out,
					struct portier_err *err);
/* Every stored scan, oldest first (free *out with portier_free). */
PORTIER_API int portier_store_scan_list(struct portier_store *st,
					struct portier_scan_info **out,
					size_t *n, struct portier_err *err);

#endif
