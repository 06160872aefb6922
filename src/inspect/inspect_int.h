/*
 * inspect_int.h - what the files of the inspect module share, and the pure
 * parsers of attacker-writable text the unit tests and fuzz/fuzz_inspect.c
 * reach directly.
 */
#ifndef PORTIER_INSPECT_INT_H
#define PORTIER_INSPECT_INT_H

#include <stdarg.h>
#include <stdio.h>

#include "portier/dpkg.h"
#include "portier/inspect.h"

/* Bounds on what is read from files anyone may have written. */
#define INSPECT_FILE_MAX  (1u << 20)  /* a unit, crontab, rc file */
#define INSPECT_LIST_MAX  (32u << 20) /* one dpkg .list or .md5sums */
#define INSPECT_DIR_MAX	  20000	      /* entries looked at per directory */
#define INSPECT_HITS_MAX  1000
#define INSPECT_COMP_MAX  500
#define INSPECT_HOMES_MAX 1000
#define INSPECT_CHAIN_MAX 64 /* ancestors followed per process */
#define INSPECT_TEXT_MAX  512

/* ---- pure parsers (parse.c) ------------------------------------------- */

/* What to look for: the binary's path, its merged-/usr alias, its file
 * name and its SHA-256 (hex); any may be NULL. */
struct inspect_needles {
	const char *path, *alias, *name, *sha256;
	/* "/tmp/.x/" (with the slash), NULL for system dirs; dir_alias: the
	 * same directory as seen from the root, when that differs */
	const char *dir, *dir_alias;
};

/*
 * Does s[0..len) name the binary?  The path (or alias) must stand alone
 * (no path character right before or after it), the name must be a whole
 * word, the hash is matched in any case.  Returns an enum
 * portier_inspect_match, or -1.
 */
int inspect_match(const char *s, size_t len, const struct inspect_needles *n);

/* One line of a crontab, without its newline. */
struct inspect_cron {
	const char *sched, *user, *cmd;
	size_t sched_len, user_len, cmd_len;
};
/*
 * Parse a crontab line: five time fields or an @keyword, then (has_user:
 * /etc/crontab and /etc/cron.d) the user, then the command.  Returns 1 for
 * a job, 0 for a blank, comment or VAR=value line, -1 for anything else.
 */
int inspect_cron_parse(const char *line, size_t len, bool has_user,
		       struct inspect_cron *c);

/* One line of a systemd unit or drop-in file. */
struct inspect_unit_kv {
	const char *key, *val; /* a section line: key is its name, val "" */
	size_t key_len, val_len;
};
/* Returns 1 for Key=Value, 2 for [Section], 0 blank or comment, -1 other. */
int inspect_unit_parse(const char *line, size_t len,
		       struct inspect_unit_kv *kv);

/*
 * The value of a command="..." option of an authorized_keys line (quotes
 * removed, \" left as written), or false when the line has none.
 */
bool inspect_ssh_command(const char *line, size_t len, const char **val,
			 size_t *val_len);

/* ---- one run ---------------------------------------------------------- */

struct inspect_ctx {
	const struct portier_inspect_query *q;
	struct portier_inspect *r;
	const char *root; /* "" for "/", else the prefix without trailing / */
	int rootfd, procfd;
	size_t cap_socks, cap_procs, cap_hits, cap_comp, cap_hidden, cap_find,
		cap_notes;
	char **homes; /* home directories from <root>/etc/passwd, absolute */
	size_t n_homes;
	int err; /* the first allocation failure (PORTIER_ENOMEM) */
	/* a bound was reached (noted once) */
	bool hits_full, comp_full, hidden_full;
	int64_t btime; /* <proc>/stat's boot time: 0 unread, -1 unknown */
};

/* A path the kernel gave, relative to the root (for openat on rootfd). */
const char *inspect_rel(const struct inspect_ctx *c, const char *path);
/* Record a note ("cannot read ..."); allocation failures set c->err. */
void inspect_note(struct inspect_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void inspect_finding(struct inspect_ctx *c, enum portier_risk sev,
		     const char *rule, int pid, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/*
 * Room for one more entry in a report array (v: its address; n entries, *cap
 * allocated): 0, or -1 when the array holds max already (noted once per
 * run, *full remembers) or memory ran out (c->err is set).
 */
int inspect_room(struct inspect_ctx *c, void *v, size_t *cap, size_t n,
		 size_t size, size_t max, bool *full, const char *what);
/* Read a file relative to rootfd (no symlink at the last component, a
 * regular file, at most max bytes).  0, or the error (noted unless it is
 * PORTIER_ENOENT). */
int inspect_read(struct inspect_ctx *c, const char *rel, size_t max,
		 char **text);

/* proc.c: a process's details (owner: its executable too). */
int inspect_proc_read(struct inspect_ctx *c, int pid, bool owner,
		      struct portier_inspect_proc *p);
void inspect_proc_clear(struct portier_inspect_proc *p);

/* dpkg's owners of o[0..n) with their md5sums (portier/dpkg.h), read
 * under the root; lists that cannot be read and a missing database become
 * notes, and r->dpkg_db says whether the database was there. */
void inspect_dpkg_owners(struct inspect_ctx *c, struct portier_dpkg_owner *o,
			 size_t n);

/* Does pid live in another mount namespace than this process (a
 * container)?  Unknown (a proc root without self) counts as no. */
bool inspect_other_mnt(struct inspect_ctx *c, int pid);

/* owned.c: the owners' executables (those read through the host's root)
 * looked up in dpkg's database in one pass.  pre[i] answers for
 * r->procs[i] when pre[i].shown is set; NULL when memory ran out.  Free it
 * with portier_free. */
struct inspect_pre {
	struct portier_dpkg_owner o;
	char shown[4096];
};
struct inspect_pre *inspect_dpkg_pre(struct inspect_ctx *c);

/* persist.c, companions.c, hidden.c */
void inspect_persistence(struct inspect_ctx *c,
			 const struct inspect_needles *n);
void inspect_companions(struct inspect_ctx *c,
			const struct portier_inspect_proc *p);
void inspect_hidden(struct inspect_ctx *c);

#endif
