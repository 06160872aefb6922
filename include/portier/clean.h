/*
 * clean.h - a reversible removal of the program behind a port: `portier
 * clean`.
 *
 * The pieces, in the order a run goes through them:
 *
 *   plan        from inspect's report (inspect.h) and a look at each file
 *               it names: the processes to stop and kill, the executable
 *               and companions to copy into quarantine and then remove,
 *               the systemd units to disable and mask, the persistence
 *               files to move whole or to rewrite without their lines, the
 *               ports to block.  Packaged files that still verify against
 *               dpkg are never planned (an owner that runs one is left
 *               alone altogether).
 *   quarantine  a directory <root>/var/lib/portier/quarantine/ID, root's
 *               alone (file.h's state-directory rules), holding a copy of
 *               every file a step removes or changes, mode 0600, and
 *               manifest.json: the plan, with each file's hash, size,
 *               mode, owner and times, and each step's state.
 *   act         the steps in order; the manifest is rewritten (atomically,
 *               through file.h) before a step starts and after it is done,
 *               so after a crash undo knows what to put back.  Every file
 *               step first checks that the file is still what the plan saw
 *               (size and SHA-256): if not, the run stops there.
 *   undo        puts back, in reverse, every step that started: files byte
 *               for byte with mode, owner and times, enabling links, the
 *               mask removed, the firewall block taken away.  It never
 *               restarts a killed program.
 *
 * Every path in a plan is as seen from the root (PORTIER_ROOT; "/etc/x"),
 * so tests run on planted trees.  The library prints nothing; errors follow
 * common.h.
 */
#ifndef PORTIER_CLEAN_H
#define PORTIER_CLEAN_H

#include <stdint.h>

#include "portier/common.h"

struct portier_inspect;

/* What a step does. */
enum portier_clean_kind {
	PORTIER_CLEAN_STOP,    /* SIGSTOP a process */
	PORTIER_CLEAN_SAVE,    /* copy a file (the executable through
				  /proc/PID/exe, a companion) into quarantine */
	PORTIER_CLEAN_KILL,    /* SIGKILL a process */
	PORTIER_CLEAN_MOVE,    /* move a file or link into quarantine */
	PORTIER_CLEAN_REWRITE, /* keep a copy, rewrite without some lines */
	PORTIER_CLEAN_MASK,    /* link a unit to /dev/null */
	PORTIER_CLEAN_REMOVE,  /* remove a file SAVE copied (same bytes) */
	PORTIER_CLEAN_BLOCK,   /* close a port with the firewall */
	PORTIER_CLEAN_KIND_MAX,
};

/* Where a step is: the manifest records it before and after. */
enum portier_clean_state {
	PORTIER_CLEAN_PLANNED,
	PORTIER_CLEAN_STARTED,
	PORTIER_CLEAN_DONE,
	PORTIER_CLEAN_UNDONE,
	PORTIER_CLEAN_STATE_MAX,
};

/* A file as the plan saw it (and as undo puts it back). */
struct portier_clean_file {
	bool link;	 /* a symbolic link: target holds its text */
	char *target;	 /* link target, or NULL */
	char sha256[65]; /* of the bytes; "" for a link */
	uint64_t size;
	uint32_t mode; /* st_mode's permission bits (07777) */
	uint32_t uid, gid;
	int64_t atime_ns, mtime_ns;
};

struct portier_clean_step {
	uint8_t kind;  /* enum portier_clean_kind */
	uint8_t state; /* enum portier_clean_state */
	/* STOP, KILL, SAVE of an executable: the process */
	int pid;
	int64_t start; /* its start time (inspect's), against pid reuse */
	char comm[17];
	/* file steps: the path as seen from the root */
	char *path;
	char *qname; /* the copy's name in the quarantine directory */
	struct portier_clean_file file;
	/* REWRITE: the 1-based lines taken out, and the new content's hash */
	uint32_t *lines;
	size_t n_lines;
	char new_sha256[65];
	/* file steps: the directory the file is in, as act found it (device
	 * and inode; 0 unknown): undo puts nothing into another one */
	uint64_t dir_dev, dir_ino;
	/* MOVE, MASK: the systemd unit concerned ("x.service"), or NULL */
	char *unit;
	/* BLOCK: the port, its protocol (PORTIER_PROTO_TCP/UDP) and the
	 * firewall's undo point (undo-N.nft), 0 before it is applied */
	uint16_t port;
	uint8_t proto;
	unsigned long fw_point;
	char *why; /* what the step is for, in words */
};

/* Something the plan leaves alone, and why. */
struct portier_clean_kept {
	char *path; /* or a process: "pid 812 (sshd)" */
	char *why;
};

struct portier_clean_plan {
	char id[64];	  /* the quarantine's name, "" before act */
	char created[32]; /* "2026-12-04T13:22:40Z" */
	char *root;	  /* "/" or PORTIER_ROOT */
	uint16_t port;	  /* what was asked for */
	int pid;
	struct portier_clean_step *steps;
	size_t n_steps;
	struct portier_clean_kept *kept;
	size_t n_kept;
	bool reboot; /* ld.so.preload or a kernel module was involved */
	bool undone;
	char note[512]; /* undo: what went otherwise than asked (not kept) */
};

/* "stop", "save" ... and "planned", "started" ... */
PORTIER_API const char *portier_clean_kind_name(unsigned kind);
PORTIER_API const char *portier_clean_state_name(unsigned state);

/* ---- the plan (plan.c) ------------------------------------------------- */

struct portier_clean_query {
	const char *root;      /* NULL or "" means "/" */
	const char *proc_root; /* NULL means "/proc" (the owners' children) */
	uint16_t port;	       /* what inspect was asked: a port */
	int pid;	       /* or a process */
};

/*
 * Build the plan for what inspect reported.  Reads each file named (hash,
 * size, mode, owner, times; dpkg's database for packaged files) through
 * the root, never through a link at the last component.  Returns 0 with
 * *out set (caller frees with portier_clean_plan_free), PORTIER_ENOMEM, or
 * PORTIER_EIO when the root cannot be opened.
 */
PORTIER_API int portier_clean_plan(const struct portier_clean_query *q,
				   const struct portier_inspect *r,
				   struct portier_clean_plan **out,
				   struct portier_err *err);
PORTIER_API void portier_clean_plan_free(struct portier_clean_plan *p);

/*
 * Pure helpers of the plan, for line-based files (crontabs,
 * ld.so.preload, rc files): does text hold nothing but the given lines
 * (1-based, any order) and blank or comment ('#') lines?  And text without
 * those lines, as *out (caller frees with portier_free), every other byte
 * kept as it was.
 */
PORTIER_API bool portier_clean_only_lines(const char *text, size_t len,
					  const uint32_t *lines, size_t n);
PORTIER_API int portier_clean_drop_lines(const char *text, size_t len,
					 const uint32_t *lines, size_t n,
					 char **out, size_t *out_len);

/* ---- the manifest (manifest.c): pure encode and decode ------------------- */

#define PORTIER_CLEAN_MANIFEST_MAX (4u << 20)

/* The plan as JSON text (*out, caller frees with portier_free). */
PORTIER_API int
portier_clean_manifest_encode(const struct portier_clean_plan *p, char **out,
			      struct portier_err *err);
/*
 * Parse a manifest: every field checked (kinds, states, hashes, modes,
 * names inside the quarantine); PORTIER_EPROTO with the reason for
 * anything else.  *out is freed with portier_clean_plan_free.
 */
PORTIER_API int portier_clean_manifest_decode(const char *text, size_t len,
					      struct portier_clean_plan **out,
					      struct portier_err *err);

/* ---- acting and undoing (quarantine.c, act.c, undo.c) --------------------- */

/* The quarantine directories live in <root>/PORTIER_CLEAN_DIR. */
#define PORTIER_CLEAN_DIR "var/lib/portier/quarantine"

struct portier_clean_env {
	const char *root;      /* NULL or "" means "/" */
	const char *proc_root; /* NULL means "/proc" */
	/* the firewall's undo points: NULL means <root>/var/lib/portier/fw */
	const char *fw_state_dir;
	/* run a step on, after it is recorded as done (may be NULL): the
	 * CLI prints progress with it */
	void (*progress)(const struct portier_clean_step *s, void *ctx);
	void *ctx;
};

/*
 * Carry out the plan: creates the quarantine (p->id set as soon as it
 * exists, even on failure, so the caller can name it for undo), then runs
 * the steps in order.  Needs root.  On failure the steps done so far stay
 * recorded and undoable; err says which step stopped the run and why
 * (PORTIER_EINVAL: a file changed since the plan; PORTIER_EPERM: the
 * quarantine directory is not root's alone, or not root).
 */
PORTIER_API int portier_clean_act(const struct portier_clean_env *env,
				  struct portier_clean_plan *p,
				  struct portier_err *err);

/*
 * Read the manifest of quarantine id (PORTIER_ENOENT: no such quarantine;
 * PORTIER_EINVAL: a bad id).  *out is freed with portier_clean_plan_free.
 */
PORTIER_API int portier_clean_load(const struct portier_clean_env *env,
				   const char *id,
				   struct portier_clean_plan **out,
				   struct portier_err *err);

/*
 * Undo quarantine id: first checks every step can be undone (the copies
 * still hash as recorded, no file has been put where a removed one goes,
 * a rewritten file is still what clean wrote), then undoes them in reverse.
 * The manifest records each step undone.  *out (may be NULL) gets the
 * manifest as it ends.
 */
PORTIER_API int portier_clean_undo(const struct portier_clean_env *env,
				   const char *id,
				   struct portier_clean_plan **out,
				   struct portier_err *err);

/* The quarantine ids, oldest first (*ids, each and the array freed with
 * portier_free). */
PORTIER_API int portier_clean_list(const struct portier_clean_env *env,
				   char ***ids, size_t *n,
				   struct portier_err *err);

#endif
