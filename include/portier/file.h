/*
 * file.h - files that survive a crash and directories that can be trusted:
 * the one way libportier replaces a file on disk, reads one back without
 * following a planted symbolic link, and decides whether a state directory
 * (firewall undo points, guard checkpoints) is safe to use as root.
 *
 * Errors follow common.h: 0 or a negative PORTIER_E* code (or -errno), the
 * optional struct portier_err naming the file and the reason.
 */
#ifndef PORTIER_FILE_H
#define PORTIER_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "portier/common.h"

/*
 * Writes the new content of a file to f.  Returns 0, or a negative
 * PORTIER_E* code to abandon the write (the old file is kept).  Write
 * errors on f need not be checked: they are caught afterwards.
 */
typedef int (*portier_file_writer)(FILE *f, const void *ctx);

/*
 * Replace name in the directory open at dirfd, so that a crash at any
 * moment leaves either the old file or the new one, whole:
 *   - a temporary file name.XXXXXX (random) is created in the same
 *     directory with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600: nothing planted
 *     there in advance, symlink or file, is ever followed or reused;
 *   - writer fills it; it is flushed and fsync'ed;
 *   - it is renamed over name, and the directory is fsync'ed so that the
 *     rename itself is on disk.
 * On any failure the temporary file is removed and name is untouched.
 * name is a plain file name (no '/'); dir names the directory in messages
 * only (may be NULL).
 */
PORTIER_API int portier_file_replace_at(int dirfd, const char *dir,
					const char *name,
					portier_file_writer writer,
					const void *ctx,
					struct portier_err *err);
/*
 * The same for a path: its directory is opened (following symbolic links
 * in it, as any path is) and the last component is replaced as above.
 * For files a user names (scan --resume FILE): no trust check is made on
 * the directory, which may be any, /tmp included.
 */
PORTIER_API int portier_file_replace(const char *path,
				     portier_file_writer writer,
				     const void *ctx, struct portier_err *err);

/* Flags of portier_file_open_read and portier_file_read. */
enum {
	/*
	 * The file must also be owned by the effective uid and writable by
	 * nobody else: it comes from a state directory and what it says is
	 * acted on as root.
	 */
	PORTIER_FILE_OURS = 1,
	/*
	 * portier_file_read only: NUL bytes in the file become spaces, so
	 * the string returned is all of the file (a NUL cannot hide the lines
	 * after it from a reader that stops there).
	 */
	PORTIER_FILE_TEXT = 2,
};

/*
 * Open name (relative to dirfd, or AT_FDCWD for a path) for reading:
 * never through a symbolic link at its last component, never blocking on
 * a FIFO, and only if it is a regular file (and ours, with
 * PORTIER_FILE_OURS).  dir names the directory in messages (may be NULL).
 * *out gets a stream the caller closes with fclose.  PORTIER_ENOENT (with
 * a message) when it does not exist, PORTIER_EPERM when it is refused.
 */
PORTIER_API int portier_file_open_read(int dirfd, const char *dir,
				       const char *name, unsigned flags,
				       FILE **out, struct portier_err *err);

/*
 * Read all of a file opened as by portier_file_open_read into *text,
 * NUL-terminated (caller frees with portier_free); PORTIER_EINVAL if it is
 * longer than max bytes.
 */
PORTIER_API int portier_file_read(int dirfd, const char *dir, const char *name,
				  unsigned flags, size_t max, char **text,
				  struct portier_err *err);
/* The same, with the length in *n (may be NULL): without PORTIER_FILE_TEXT
 * the text may hold NUL bytes, and *n counts them. */
PORTIER_API int portier_file_read_len(int dirfd, const char *dir,
				      const char *name, unsigned flags,
				      size_t max, char **text, size_t *n,
				      struct portier_err *err);

/*
 * The state directory check: dir must be a directory this user alone can
 * change, since what portier keeps there is run or believed as root.
 *   - dir itself: not a symbolic link, owned by the effective uid, not
 *     writable by group or others;
 *   - every directory above it (a relative dir is taken from the working
 *     directory): owned by root or the effective uid, and not writable by
 *     group or others unless sticky (like /tmp, where nobody may rename
 *     what is ours); a symbolic link on the way must be owned by root or
 *     the effective uid too.
 * So /var/lib/portier/... as root and $XDG_STATE_HOME/... as a user pass,
 * a directory someone else made in /tmp does not.  With create, missing
 * levels are made (mode 0700), each only after the one above it passed.
 * Without create, a missing level is PORTIER_ENOENT.  PORTIER_EPERM names
 * the directory and the reason, with the fix as a hint.  With dirfd
 * non-NULL, *dirfd gets the directory opened O_DIRECTORY|O_NOFOLLOW (the
 * caller closes it; -1 on failure).
 */
PORTIER_API int portier_file_state_dir(const char *dir, bool create, int *dirfd,
				       struct portier_err *err);

#endif
