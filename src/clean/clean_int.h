/*
 * clean_int.h - what the files of the clean module share.
 */
#ifndef PORTIER_CLEAN_INT_H
#define PORTIER_CLEAN_INT_H

#include "portier/clean.h"

/* Line-based files are read whole up to this; executables are hashed as
 * a stream and copied up to CLEAN_COPY_MAX. */
#define CLEAN_TEXT_MAX (4u << 20)
#define CLEAN_COPY_MAX (1ull << 32)

/* A path as seen from the root, relative to it (for *at calls on the
 * root's descriptor); root is "" for "/" or the prefix without '/'. */
const char *clean_rel(const char *root, const char *path);

/* The root without trailing slashes into buf ("" for "/"). */
void clean_root(const char *root, char *buf, size_t cap);

/*
 * What rel (relative to rootfd) is now: a link's target, or a regular
 * file's SHA-256 and size, with mode, owner and times.  With text, a
 * regular file is also read whole (at most CLEAN_TEXT_MAX) into *text
 * and *len.  PORTIER_ENOENT when it is gone, PORTIER_EPERM for anything
 * that is neither a regular file nor a link.
 */
int clean_file_info(int rootfd, const char *rel, struct portier_clean_file *f,
		    char **text, size_t *len, struct portier_err *err);

/* Do a and b describe the same content (kind, link target or hash and
 * size)? */
bool clean_same_content(const struct portier_clean_file *a,
			const struct portier_clean_file *b);

/* clean_root into buf, then open it (*fd); PORTIER_EIO when it cannot
 * be opened. */
int clean_open_root(const char *root, char *buf, size_t cap, int *fd,
		    struct portier_err *err);

/* Add a step (its strings copied); NULL without memory. */
struct portier_clean_step *clean_add_step(struct portier_clean_plan *p,
					  enum portier_clean_kind kind);
void clean_step_clear(struct portier_clean_step *s);

#endif
