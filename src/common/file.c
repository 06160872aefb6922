/*
 * file.c - the one place libportier writes a file that must survive a
 * crash, reads a file it is about to act on, and decides whether a state
 * directory can be trusted (include/portier/file.h).
 *
 * The idea: root must never be steered by someone else's file system
 * entries.  A new file is always a fresh temporary created exclusively
 * without following links, then renamed into place, with both the file and
 * its directory synced so the rename is durable.  A file read back is
 * opened without following a link and refused unless it is a regular file
 * (of ours, when it comes from a state directory).  A state directory is
 * trusted only when nobody but this user (or root, above it) could have
 * put or swapped anything on the way to it.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "portier/file.h"

#define TMP_TRIES 64

/* "dir/name", or name alone, into buf: how a file is named in messages. */
static const char *shown(const char *dir, const char *name, char *buf,
			 size_t len)
{
	if (!dir || name[0] == '/')
		return name;
	snprintf(buf, len, "%s/%s", dir, name);
	return buf;
}

/* Six random characters from [0-9A-Za-z] at s. */
static void random_suffix(char *s, unsigned attempt)
{
	static const char abc[] = "0123456789"
				  "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz";
	unsigned char r[6];
	struct timespec ts;
	size_t i;

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		/* no entropy yet: the name need only be unlikely, O_EXCL does
		 * the rest */
		unsigned long v;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		v = (unsigned long)ts.tv_nsec ^
		    ((unsigned long)getpid() << 16) ^ (attempt * 2654435761u);
		for (i = 0; i < sizeof(r); i++, v >>= 5)
			r[i] = (unsigned char)v;
	}
	for (i = 0; i < sizeof(r); i++)
		s[i] = abc[r[i] % (sizeof(abc) - 1)];
	s[sizeof(r)] = '\0';
}

/* fsync a directory; file systems that cannot sync one are not an error. */
static int sync_dir(int dirfd)
{
	if (fsync(dirfd) < 0 && errno != EINVAL && errno != ENOTSUP)
		return -errno;
	return 0;
}

int portier_file_replace_at(int dirfd, const char *dir, const char *name,
			    portier_file_writer writer, const void *ctx,
			    struct portier_err *err)
{
	char tmp[NAME_MAX + 1], buf[PATH_MAX + NAME_MAX];
	const char *what = shown(dir, name, buf, sizeof(buf));
	size_t len = strlen(name);
	unsigned attempt;
	FILE *f = NULL;
	int fd = -1, rc;

	if (!len || strchr(name, '/') || len + 8 > NAME_MAX)
		return portier_err_set(err, PORTIER_EINVAL,
				       "cannot write '%s': not a plain file "
				       "name of at most %d bytes",
				       what, NAME_MAX - 8);
	for (attempt = 0; attempt < TMP_TRIES && fd < 0; attempt++) {
		memcpy(tmp, name, len);
		tmp[len] = '.';
		random_suffix(tmp + len + 1, attempt);
		fd = openat(dirfd, tmp,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				    O_CLOEXEC,
			    0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		rc = -errno;
		return portier_err_set(err, rc, "cannot write '%s': %s", what,
				       strerror(-rc));
	}
	f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		close(fd);
		goto fail;
	}
	rc = writer(f, ctx);
	if (rc == 0 && (fflush(f) != 0 || ferror(f) || fsync(fd) < 0))
		rc = errno ? -errno : PORTIER_EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = errno ? -errno : PORTIER_EIO;
	if (rc == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		rc = -errno;
	if (rc < 0)
		goto fail;
	/* the new file is in place; a failed sync still means it may not
	 * stay there after a crash, so it is reported */
	if ((rc = sync_dir(dirfd)) < 0)
		return portier_err_set(err, rc,
				       "wrote '%s' but cannot sync its "
				       "directory: %s",
				       what, strerror(-rc));
	return 0;
fail:
	unlinkat(dirfd, tmp, 0);
	return portier_err_set(err, rc, "cannot write '%s': %s", what,
			       strerror(-rc));
}

int portier_file_replace(const char *path, portier_file_writer writer,
			 const void *ctx, struct portier_err *err)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/'),
		   *name = slash ? slash + 1 : path;
	size_t n;
	int dirfd, rc;

	if (!slash) {
		strcpy(dir, ".");
	} else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir))
			return portier_err_set(err, PORTIER_EINVAL,
					       "path too long: '%.60s...'",
					       path);
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		rc = -errno;
		return portier_err_set(err, rc,
				       "cannot write '%s': its directory: %s",
				       path, strerror(-rc));
	}
	rc = portier_file_replace_at(dirfd, slash ? dir : NULL, name, writer,
				     ctx, err);
	close(dirfd);
	return rc;
}

int portier_file_open_read(int dirfd, const char *dir, const char *name,
			   unsigned flags, FILE **out, struct portier_err *err)
{
	char buf[PATH_MAX + NAME_MAX];
	const char *what = shown(dir, name, buf, sizeof(buf));
	struct stat st;
	int fd, rc;

	*out = NULL;
	fd = openat(dirfd, name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		if (rc == -ELOOP)
			return portier_err_set(err, PORTIER_EPERM,
					       "refusing '%s': it is a "
					       "symbolic link (not followed)",
					       what);
		return portier_err_set(err, rc, "cannot read '%s': %s", what,
				       strerror(-rc));
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		close(fd);
		return portier_err_set(err, rc, "cannot read '%s': %s", what,
				       strerror(-rc));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return portier_err_set(err, PORTIER_EPERM,
				       "refusing '%s': not a regular file",
				       what);
	}
	if ((flags & PORTIER_FILE_OURS) &&
	    (st.st_uid != geteuid() || (st.st_mode & 022))) {
		close(fd);
		portier_err_set(err, PORTIER_EPERM,
				"refusing '%s': not a file owned by uid %lu "
				"and writable by nobody else (owner uid %lu, "
				"mode %03o)",
				what, (unsigned long)geteuid(),
				(unsigned long)st.st_uid,
				(unsigned)(st.st_mode & 07777));
		portier_err_hint(err, "portier did not write it; look at it "
				      "before removing it");
		return PORTIER_EPERM;
	}
	/* reads block again: a regular file never waits anyway */
	if (fcntl(fd, F_SETFL, 0) < 0 || !(*out = fdopen(fd, "r"))) {
		rc = -errno;
		close(fd);
		return portier_err_set(err, rc, "cannot read '%s': %s", what,
				       strerror(-rc));
	}
	return 0;
}

int portier_file_read(int dirfd, const char *dir, const char *name,
		      unsigned flags, size_t max, char **text,
		      struct portier_err *err)
{
	return portier_file_read_len(dirfd, dir, name, flags, max, text, NULL,
				     err);
}

int portier_file_read_len(int dirfd, const char *dir, const char *name,
			  unsigned flags, size_t max, char **text, size_t *n,
			  struct portier_err *err)
{
	char buf[PATH_MAX + NAME_MAX];
	char *data = NULL, *grown;
	size_t len = 0, cap = 0, got;
	FILE *f;
	int rc;

	*text = NULL;
	rc = portier_file_open_read(dirfd, dir, name, flags, &f, err);
	if (rc < 0)
		return rc;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			if (cap > max + 1)
				cap = max + 1;
			grown = portier_realloc(data, cap + 1);
			if (!grown) {
				rc = portier_err_set(err, PORTIER_ENOMEM,
						     "out of memory");
				break;
			}
			data = grown;
		}
		got = fread(data + len, 1, cap - len, f);
		len += got;
		if (len > max) {
			rc = portier_err_set(
				err, PORTIER_EINVAL,
				"refusing '%s': longer than %zu bytes",
				shown(dir, name, buf, sizeof(buf)), max);
			break;
		}
		if (got == 0) {
			if (ferror(f))
				rc = portier_err_set(
					err, PORTIER_EIO, "cannot read '%s'",
					shown(dir, name, buf, sizeof(buf)));
			break;
		}
	}
	fclose(f);
	if (rc < 0) {
		portier_free(data);
		return rc;
	}
	if (flags & PORTIER_FILE_TEXT)
		for (got = 0; got < len; got++)
			if (!data[got])
				data[got] = ' ';
	data[len] = '\0';
	*text = data;
	if (n)
		*n = len;
	return 0;
}

/* ---- the state directory ------------------------------------------------------ */

static int refuse(struct portier_err *err, const char *dir, const char *why)
{
	portier_err_set(err, PORTIER_EPERM,
			"refusing the state directory '%s': %s", dir, why);
	portier_err_hint(err, "use a directory that only this user can "
			      "write to, under directories only this user or "
			      "root can change (not one someone else made in "
			      "/tmp): set PORTIER_STATE_DIR (guard: also "
			      "--state-dir)");
	return PORTIER_EPERM;
}

/*
 * Check one level of the path (created first if missing and create is
 * set): an ancestor must be root's or ours and closed to others unless
 * sticky; the last level must be ours, closed to others, and no link.
 */
static int check_level(const char *prefix, const char *dir, bool last,
		       bool create, struct portier_err *err)
{
	uid_t me = geteuid();
	struct stat st;
	char why[PATH_MAX + 160];
	int rc;

	if (lstat(prefix, &st) < 0) {
		if (errno != ENOENT)
			goto sys;
		if (!create)
			return portier_err_set(err, PORTIER_ENOENT,
					       "no state directory '%s'", dir);
		if (mkdir(prefix, 0700) < 0 && errno != EEXIST)
			goto sys;
		if (lstat(prefix, &st) < 0)
			goto sys;
	}
	if (S_ISLNK(st.st_mode)) {
		if (last)
			return refuse(err, dir, "it is a symbolic link");
		if (st.st_uid != me && st.st_uid != 0) {
			snprintf(why, sizeof(why),
				 "'%s' on the way to it is a symbolic link "
				 "owned by uid %lu",
				 prefix, (unsigned long)st.st_uid);
			return refuse(err, dir, why);
		}
		if (stat(prefix, &st) < 0)
			goto sys;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, sizeof(why), "'%s' is not a directory", prefix);
		return refuse(err, dir, last ? "it is not a directory" : why);
	}
	if (!last) {
		if ((st.st_uid == me || st.st_uid == 0) &&
		    (!(st.st_mode & 022) || (st.st_mode & S_ISVTX)))
			return 0;
		snprintf(why, sizeof(why),
			 "its parent '%s' can be changed by another user "
			 "(owner uid %lu, mode %03o)",
			 prefix, (unsigned long)st.st_uid,
			 (unsigned)(st.st_mode & 07777));
		return refuse(err, dir, why);
	}
	if (st.st_uid == me && !(st.st_mode & 022))
		return 0;
	snprintf(why, sizeof(why),
		 "it is owned by uid %lu with mode %03o, and must belong to "
		 "uid %lu and be writable by nobody else",
		 (unsigned long)st.st_uid, (unsigned)(st.st_mode & 07777),
		 (unsigned long)me);
	refuse(err, dir, why);
	portier_err_hint(err,
			 "if its content is yours: chown %lu '%s' && chmod "
			 "700 '%s'; otherwise set PORTIER_STATE_DIR to a new "
			 "directory only you can write to (not under /tmp)",
			 (unsigned long)me, dir, dir);
	return PORTIER_EPERM;
sys:
	rc = -errno;
	if (strcmp(prefix, dir) == 0)
		portier_err_set(err, rc,
				"cannot create the state directory '%s': %s",
				dir, strerror(-rc));
	else
		portier_err_set(err, rc,
				"cannot create the state directory '%s': "
				"'%s': %s",
				dir, prefix, strerror(-rc));
	portier_err_hint(err,
			 "set PORTIER_STATE_DIR to a directory this "
			 "user can create and only this user can write to");
	return rc;
}

int portier_file_state_dir(const char *dir, bool create, int *dirfd,
			   struct portier_err *err)
{
	char path[PATH_MAX];
	struct stat st;
	size_t n = 0, i;
	int fd, rc;

	if (dirfd)
		*dirfd = -1;
	if (!dir || !*dir)
		return portier_err_set(err, PORTIER_EINVAL,
				       "empty state directory name");
	if (dir[0] != '/') {
		if (!getcwd(path, sizeof(path) - 1))
			return portier_err_set(err, -errno,
					       "cannot resolve the state "
					       "directory '%s': %s",
					       dir, strerror(errno));
		n = strlen(path);
		path[n++] = '/';
	}
	if (portier_strlcpy(path + n, dir, sizeof(path) - n) >=
	    sizeof(path) - n)
		return portier_err_set(err, PORTIER_EINVAL,
				       "state directory name too long: "
				       "'%.60s...'",
				       dir);
	n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	/* "/" first, then each level down to the last */
	for (i = 0; i <= n; i++) {
		char c = path[i];

		if (c != '/' && c != '\0')
			continue;
		if (i > 0 && path[i - 1] == '/')
			continue; /* "//" */
		path[i] = '\0';
		rc = check_level(i ? path : "/", dir, c == '\0', create, err);
		path[i] = c;
		if (rc < 0)
			return rc;
	}
	/* the same checks once more on what is now open */
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		if (rc == -ELOOP || rc == -ENOTDIR)
			return refuse(err, dir,
				      "it is a symbolic link or not a "
				      "directory");
		return portier_err_set(err, rc,
				       "cannot open the state directory '%s': "
				       "%s",
				       dir, strerror(-rc));
	}
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() ||
	    (st.st_mode & 022)) {
		close(fd);
		return refuse(err, dir, "it changed while it was checked");
	}
	if (dirfd)
		*dirfd = fd;
	else
		close(fd);
	return 0;
}
