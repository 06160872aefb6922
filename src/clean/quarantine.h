/*
 * quarantine.h - the quarantine directory of one clean (quarantine.c), and
 * what act.c and undo.c share.
 */
#ifndef PORTIER_CLEAN_QUARANTINE_H
#define PORTIER_CLEAN_QUARANTINE_H

#include "clean/clean_int.h"

struct clean_q {
	int fd;		 /* the run's directory */
	char path[4200]; /* for messages */
};

/* The base directory <root>/var/lib/portier/quarantine, checked (and made
 * with create); its path into path. */
int clean_q_base(const struct portier_clean_env *env, bool create, int *fd,
		 char *path, size_t cap, struct portier_err *err);
/* A new directory for p (p->id set) with the manifest written. */
int clean_q_create(const struct portier_clean_env *env,
		   struct portier_clean_plan *p, struct clean_q *q,
		   struct portier_err *err);
/* Open quarantine id and read its manifest. */
int clean_q_open(const struct portier_clean_env *env, const char *id,
		 struct clean_q *q, struct portier_clean_plan **p,
		 struct portier_err *err);
void clean_q_close(struct clean_q *q);
int clean_q_save_manifest(const struct clean_q *q,
			  const struct portier_clean_plan *p,
			  struct portier_err *err);
/* Copy in (from its offset) to a new 0600 file qname, fsync'ed, and check
 * the copy hashes as want_sha (NULL: no check). */
int clean_q_copy_in(const struct clean_q *q, int in, const char *qname,
		    const char *want_sha, struct portier_err *err);
/* Open copy qname after checking it still hashes as want_sha. */
int clean_q_open_copy(const struct clean_q *q, const char *qname,
		      const char *want_sha, int *fd, struct portier_err *err);

/* The directory of rel (relative to rootfd) opened, its last component
 * into name; -1 with errno on failure. */
int clean_parent(int rootfd, const char *rel, char *name, size_t cap);
/* Set a file's (or link's) times as f records them. */
int clean_set_times(int dirfd, const char *name,
		    const struct portier_clean_file *f);
/* Put path (as seen from the root) back as f: a link, or the bytes of in
 * with f's mode, owner and times, replaced atomically (file.h). */
int clean_restore(int rootfd, const char *path, int in,
		  const struct portier_clean_file *f, struct portier_err *err);
int clean_cmp_str(const void *a, const void *b);

/* act.c: processes through pidfds, the firewall, systemd. */
int clean_pidfd(int pid);
int clean_signal(int pidfd, int sig);
/* Is pid alive (not a zombie) with this command name (<proc>/PID/stat)? */
bool clean_same_comm(const char *proc_root, int pid, const char *comm);
struct portier_fw;
/* The firewall session of env (its state directory), locked. */
int clean_fw_open(const struct portier_clean_env *env, struct portier_fw **fw,
		  struct portier_err *err);
/* Close (or open) one port in portier's table; *did: an undo point was
 * saved (the table changed). */
int clean_fw_change(struct portier_fw *fw, uint16_t port, uint8_t proto,
		    bool close_it, const char *what, bool *did,
		    struct portier_err *err);
void clean_systemd_reload(const struct portier_clean_env *env);
/* The description of the firewall undo point a block saves. */
void clean_fw_what(const char *id, uint16_t port, char *buf, size_t cap);

#endif
