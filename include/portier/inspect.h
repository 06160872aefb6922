/*
 * inspect.h - the program behind a port, read-only: `portier inspect`.
 *
 * Given a port or a pid, portier_inspect_run finds the sockets and the
 * processes that own them, walks each process's parent chain, reads its
 * details (command line, user, cwd, start time, cgroup unit or container,
 * network namespace) and its executable (hashed through <proc>/PID/exe, so
 * a deleted binary is still hashed), asks dpkg's database which package
 * owns the executable and whether its md5sum still verifies, searches the
 * places that can start it again (persistence), lists files changed near
 * the binary's times (companions), cross-checks sock_diag against
 * /proc/net for listeners one view hides, and draws findings.
 *
 * Everything is read through two prefixes: root (PORTIER_ROOT: /etc,
 * /var/lib/dpkg, homes, /tmp) and proc_root (PORTIER_PROC_ROOT), so tests
 * run on planted trees.  A path the kernel gives that already lies under
 * root is used as it is (a binary planted inside the test tree).
 *
 * Nothing is changed on the system.  Files an attacker may have written
 * (unit files, crontabs, dpkg lists) are read with bounded sizes, never
 * through a symbolic link at the last component, and never executed.
 *
 * Ownership: the report owns every string and array it points to; free it
 * with portier_inspect_free.
 */
#ifndef PORTIER_INSPECT_H
#define PORTIER_INSPECT_H

#include <stdint.h>

#include "portier/common.h"
#include "portier/digest.h"
#include "portier/kb.h"

/* The widest companion window a caller may ask for: a week, in minutes. */
#define PORTIER_INSPECT_WINDOW_MAX 10080

struct portier_inspect_query {
	int pid;	       /* > 0: inspect this process's sockets */
	uint16_t port;	       /* pid == 0: the listeners of this port */
	unsigned protos;       /* PORTIER_PROTO_TCP|UDP mask; 0 means both */
	const char *root;      /* NULL or "" means "/" */
	const char *proc_root; /* NULL means "/proc" */
	unsigned window_min;   /* companions: minutes around the binary; 0: 10,
				at most PORTIER_INSPECT_WINDOW_MAX */
	bool no_hidden;	       /* skip the sock_diag / /proc/net cross-check */
	/* bind-test every port no view explains (TCP/UDP as protos asks,
	 * IPv4 and IPv6) in every namespace, as unhide-tcp does: about a
	 * second per namespace */
	bool sweep;
	/* the network namespace of the sockets, as portier_local_query.netns
	 * (NULL: the caller's); hidden listeners are looked for in every
	 * namespace (the bind test runs inside each, in a forked child) */
	const char *netns;
	const struct portier_kb *kb; /* per-port history; may be NULL */
};

/* The executable of a process, read through <proc>/PID/exe. */
struct portier_inspect_exe {
	char *path; /* the link's text without " (deleted)"; NULL unreadable */
	bool deleted;		  /* the file was removed while it runs */
	bool memfd;		  /* an anonymous memory file (memfd_create) */
	bool opened;		  /* the fields below are valid */
	char sha256[65], md5[33]; /* lower-case hex */
	uint64_t size;
	int64_t mtime, ctime; /* seconds since the epoch */
	uint32_t uid, gid, mode;
	bool caps; /* file capabilities (security.capability) are set */
	/* dpkg: the package owning path ("" none), and the md5sum check */
	char package[128];
	int8_t verified; /* 1 md5 matches, 0 differs, -1 no sum to check */
};

struct portier_inspect_proc {
	int pid, ppid;
	bool owner; /* owns an inspected socket (false: an ancestor) */
	bool gone;  /* vanished while being read */
	char comm[17];
	char *cmdline; /* arguments joined by spaces; NULL unreadable */
	char *cwd, *user, *cgroup, *unit, *container;
	uint32_t uid;
	int64_t start;	/* seconds since the epoch; 0 unknown */
	uint64_t netns; /* inode of its network namespace; 0 unknown */
	struct portier_inspect_exe exe; /* owners only */
	/* "/proc/PID/root" when the process lives in another mount namespace
	 * (a container) and its executable's package, persistence and
	 * companions were read through its own root; NULL: the host's */
	char *root;
};

struct portier_inspect_sock {
	uint8_t proto;	/* PORTIER_PROTO_TCP or _UDP */
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t state;	/* enum portier_sock_state */
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport;
	uint64_t inode;
	int pid, fd; /* the owner, 0 and -1 if none could be seen */
};

/* Where a persistence entry was found. */
enum portier_inspect_place {
	PORTIER_PLACE_SYSTEMD,
	PORTIER_PLACE_TIMER,
	PORTIER_PLACE_CRON,
	PORTIER_PLACE_RC, /* /etc/rc.local, /etc/init.d */
	PORTIER_PLACE_UDEV,
	PORTIER_PLACE_XDG,     /* XDG autostart .desktop */
	PORTIER_PLACE_SHELL,   /* profiles and rc files */
	PORTIER_PLACE_PRELOAD, /* /etc/ld.so.preload */
	PORTIER_PLACE_SSH,     /* authorized_keys command= */
	PORTIER_PLACE_SUDOERS,
	PORTIER_PLACE_AT,	 /* at jobs */
	PORTIER_PLACE_PAM,	 /* /etc/pam.d (pam_exec, a module path) */
	PORTIER_PLACE_APT,	 /* apt hooks (DPkg::Pre-Invoke ...) */
	PORTIER_PLACE_GENERATOR, /* systemd generators (read as bytes) */
	PORTIER_PLACE_MAX,
};

/* What of the binary an entry names. */
enum portier_inspect_match {
	PORTIER_MATCH_PATH, /* its path (or the merged-/usr alias) */
	PORTIER_MATCH_HASH, /* its SHA-256 (a hash-named copy) */
	PORTIER_MATCH_NAME, /* its file name as a word */
	PORTIER_MATCH_DIR, /* another file in its directory (not a system one) */
	PORTIER_MATCH_UNIT, /* a unit found above: its timer or enabling link */
};

struct portier_inspect_hit {
	uint8_t place; /* enum portier_inspect_place */
	uint8_t match; /* enum portier_inspect_match */
	uint32_t line; /* 1-based; 0 for a link or a file name */
	char *file;    /* as seen from root ("/etc/crontab") */
	char *text;    /* the line (or link target), at most 512 bytes */
};

struct portier_inspect_companion {
	char *path; /* as seen from root */
	uint64_t size;
	int64_t mtime, ctime;
};

/* A listener one view shows and the other does not, or one the bind test
 * finds on the inspected port while no view shows it. */
struct portier_inspect_hidden {
	uint8_t proto, family;
	uint8_t laddr[16];
	uint16_t port;
	uint64_t inode;
	bool in_diag, in_procnet; /* which view showed it */
	bool bind_busy;		  /* a bind test found the port taken */
	uint8_t confidence;	  /* enum portier_risk: low, medium, high */
	/* in neither view, but the bind test found the port taken twice: a
	 * listener hidden from both (or a socket bound without listen) */
	uint64_t netns;	      /* the namespace's inode (0 unknown) */
	char netns_label[80]; /* "" the caller's own, a /run/netns name,
				 * or "pid N (comm)" */
};

struct portier_inspect_finding {
	uint8_t severity; /* enum portier_risk */
	char rule[24];	  /* "exe-deleted", "not-packaged" ... */
	int pid;	  /* the process concerned, or 0 */
	char text[512];
};

struct portier_inspect {
	struct portier_inspect_sock *socks;
	size_t n_socks;
	struct portier_inspect_proc *procs; /* owners, then ancestors */
	size_t n_procs;
	struct portier_inspect_hit *hits;
	size_t n_hits;
	struct portier_inspect_companion *companions;
	size_t n_companions;
	struct portier_inspect_hidden *hidden;
	size_t n_hidden;
	bool hidden_checked;
	size_t hidden_netns; /* network namespaces checked */
	bool dpkg_db; /* dpkg's database was found: "no package" is known */
	struct portier_inspect_finding *findings; /* most severe first */
	size_t n_findings;
	char **notes; /* what could not be read, in words */
	size_t n_notes;
	/* the knowledge base's entry of the port (port queries), or NULL */
	const struct portier_kb_entry *kb;
	unsigned window_min;
};

/*
 * Inspect what q names.  Returns 0 with *out set, PORTIER_ENOENT when
 * nothing listens on the port or the pid does not exist (err says which),
 * PORTIER_EINVAL for a bad query, PORTIER_EIO/ENOMEM otherwise.  Files
 * that cannot be read do not fail the run: they become notes.
 */
PORTIER_API int portier_inspect_run(const struct portier_inspect_query *q,
				    struct portier_inspect **out,
				    struct portier_err *err);
PORTIER_API void portier_inspect_free(struct portier_inspect *r);

/* "systemd", "cron" ... and "path", "hash", "name". */
PORTIER_API const char *portier_inspect_place_name(unsigned place);
PORTIER_API const char *portier_inspect_match_name(unsigned match);
/* The process with this pid in r, or NULL. */
PORTIER_API const struct portier_inspect_proc *
portier_inspect_proc_of(const struct portier_inspect *r, int pid);

/* A file's Debian package and whether it still verifies. */
struct portier_inspect_owned {
	const char *path;  /* absolute, as seen from the root */
	char package[128]; /* "" when no package lists it */
	int8_t verified;   /* 1 md5 matches, 0 differs, -1 no sum to check */
};

/*
 * Which package owns each path under root (NULL or "" for "/"), read from
 * dpkg's database as inspect does (merged-/usr twins too), and whether the
 * file's MD5 still matches dpkg's sum (read through root, never through a
 * link at the last component).  Returns 0, or PORTIER_ENOENT when root has
 * no dpkg database (nothing is known), PORTIER_EIO when root cannot be
 * opened.
 */
PORTIER_API int portier_inspect_owners(const char *root,
				       struct portier_inspect_owned *o,
				       size_t n, struct portier_err *err);

/* A process below another (portier_inspect_descendants). */
struct portier_inspect_child {
	int pid, ppid;
	char comm[17];
};

/*
 * The descendants of pid (its children, theirs, ...), read from
 * <proc_root>/[pid]/stat (NULL: /proc), parents before their children;
 * zombies left out.  *out is freed by the caller with portier_free.
 */
/* One process as above; PORTIER_ENOENT when it is gone or a zombie. */
PORTIER_API int portier_inspect_child_read(const char *proc_root, int pid,
					   struct portier_inspect_child *c);
PORTIER_API int portier_inspect_descendants(const char *proc_root, int pid,
					    struct portier_inspect_child **out,
					    size_t *n, struct portier_err *err);

#endif
