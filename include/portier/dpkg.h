/*
 * dpkg.h - which Debian package owns a path, and does the file still match
 * the md5sum its package recorded, read from dpkg's own database
 * (<admindir>/info/PKG.list and PKG.md5sums) rather than by running dpkg:
 * the files are plain text, and a tampered dpkg binary could lie.
 *
 * One pass over the .list files answers for many paths at once: the paths
 * (and their merged-/usr twins: a package may list /bin/x while the kernel
 * names /usr/bin/x, or the other way round) are sorted once and every list
 * line is looked up by binary search.  Lists are read like any file an
 * attacker may have written: never through a symbolic link at the last
 * component, only regular files, bounded in size.
 *
 * Used by inspect (an owner's package and its md5sum check, companions
 * that dpkg ships unchanged) and store (each listener's package).
 */
#ifndef PORTIER_DPKG_H
#define PORTIER_DPKG_H

#include <stdbool.h>
#include <stddef.h>

#include "portier/common.h"

#define PORTIER_DPKG_LIST_MAX (32u << 20) /* one .list or .md5sums read */

/* One path to look up; the rest is filled in. */
struct portier_dpkg_owner {
	const char *path; /* absolute; NULL or "" to skip */
	/* the info files' stem: "openssh-server" or "libc6:amd64" ("" none);
	 * the package name is its part before ':' */
	char package[128];
	char md5[33]; /* what PKG.md5sums records (lower-case hex), "" none */
};

enum {
	PORTIER_DPKG_MD5 = 1, /* also read the owners' recorded md5sums */
};

/* Told about each list that could not be read (too big, not a regular
 * file, a link, unreadable); may be NULL. */
typedef void (*portier_dpkg_skip_fn)(void *arg, const char *list_name);

/*
 * Fill in o[0..n): the first package whose list names the path or its
 * twin, and with PORTIER_DPKG_MD5 the md5 it records.  admindir is opened
 * relative to dirfd (AT_FDCWD, or a root's descriptor with a relative
 * "var/lib/dpkg").  Returns 0, PORTIER_ENOENT when there is no dpkg
 * database there (o left empty), PORTIER_ENOMEM.
 */
PORTIER_API int portier_dpkg_owners(int dirfd, const char *admindir,
				    struct portier_dpkg_owner *o, size_t n,
				    unsigned flags, portier_dpkg_skip_fn skip,
				    void *arg, struct portier_err *err);

/*
 * Does the open file fd still match the md5 its package recorded?  1 it
 * does, 0 it differs, -1 nothing to compare (no package, no sum, or the
 * file cannot be read: at most max bytes are read, 0 for no bound).
 */
PORTIER_API int portier_dpkg_verify_fd(const struct portier_dpkg_owner *o,
				       int fd, uint64_t max);
/* The same for a digest already computed (32 hex digits, any case). */
PORTIER_API int portier_dpkg_verify_md5(const struct portier_dpkg_owner *o,
					const char *md5);

/* ---- the pure parsers (unit-tested and fuzzed) ---------------------- */

/* Is path a whole line of the .list text[0..len)? */
PORTIER_API bool portier_dpkg_list_has(const char *text, size_t len,
				       const char *path);
/* The md5 (32 hex, lower-cased into hex[33]) a .md5sums text records for
 * path (absolute; the file writes it without the leading '/'). */
PORTIER_API bool portier_dpkg_md5sums_find(const char *text, size_t len,
					   const char *path, char hex[33]);
/* The merged-/usr twin of an absolute path (/bin/x <-> /usr/bin/x, also
 * /sbin, /lib, /lib32, /lib64, /libx32) into buf; false when it has none. */
PORTIER_API bool portier_dpkg_usr_alias(const char *path, char *buf,
					size_t cap);

#endif
