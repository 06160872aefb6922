/*
 * quarantine.c - the private directory a clean keeps its copies and its
 * manifest in, and the file moves in and out of it.
 *
 * <root>/var/lib/portier/quarantine must pass file.h's state-directory
 * check (root's, closed to group and others, every level above root's or
 * sticky); each run gets a directory of its own, mode 0700.  Copies are
 * 0600 files of root's whatever the original's mode was (a set-uid binary
 * in quarantine stays harmless); the original mode, owner and times live
 * in the manifest and are put back by undo.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clean/quarantine.h"
#include "portier/digest.h"
#include "portier/file.h"

int clean_q_base(const struct portier_clean_env *env, bool create, int *fd,
		 char *path, size_t cap, struct portier_err *err)
{
	char root[4096];
	int rc;

	clean_root(env->root, root, sizeof(root));
	snprintf(path, cap, "%s/" PORTIER_CLEAN_DIR, root);
	rc = portier_file_state_dir(path, create, fd, err);
	if (rc == PORTIER_ENOENT)
		portier_err_set(err, PORTIER_ENOENT,
				"no quarantine: '%s' does not exist", path);
	return rc;
}

static int write_text(FILE *f, const void *text)
{
	fputs(text, f);
	return 0;
}

int clean_q_save_manifest(const struct clean_q *q,
			  const struct portier_clean_plan *p,
			  struct portier_err *err)
{
	char *text = NULL;
	int rc = portier_clean_manifest_encode(p, &text, err);

	if (rc < 0)
		return rc;
	rc = portier_file_replace_at(q->fd, q->path, "manifest.json",
				     write_text, text, err);
	portier_free(text);
	return rc;
}

int clean_q_create(const struct portier_clean_env *env,
		   struct portier_clean_plan *p, struct clean_q *q,
		   struct portier_err *err)
{
	char base[4096], stamp[32] = "x", what[32];
	time_t now = time(NULL);
	struct tm tm;
	unsigned i;
	int bfd, rc;

	q->fd = -1;
	rc = clean_q_base(env, true, &bfd, base, sizeof(base), err);
	if (rc < 0)
		return rc;
	if (gmtime_r(&now, &tm))
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (p->port)
		snprintf(what, sizeof(what), "%u", p->port);
	else
		snprintf(what, sizeof(what), "pid%d", p->pid);
	for (i = 1; i < 100; i++) {
		if (i == 1)
			snprintf(p->id, sizeof(p->id), "%s-%s", stamp, what);
		else
			snprintf(p->id, sizeof(p->id), "%s-%s-%u", stamp, what,
				 i);
		if (mkdirat(bfd, p->id, 0700) == 0)
			break;
		if (errno != EEXIST) {
			rc = portier_err_set(err, -errno,
					     "cannot create '%s/%s': %s", base,
					     p->id, strerror(errno));
			close(bfd);
			p->id[0] = '\0';
			return rc;
		}
	}
	q->fd = openat(bfd, p->id,
		       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(bfd);
	snprintf(q->path, sizeof(q->path), "%s/%s", base, p->id);
	if (q->fd < 0)
		return portier_err_set(err, -errno, "cannot open '%s': %s",
				       q->path, strerror(errno));
	return clean_q_save_manifest(q, p, err);
}

int clean_q_open(const struct portier_clean_env *env, const char *id,
		 struct clean_q *q, struct portier_clean_plan **p,
		 struct portier_err *err)
{
	char base[4096], *text = NULL;
	size_t len = 0;
	struct stat st;
	int bfd, rc;
	size_t i;

	q->fd = -1;
	*p = NULL;
	for (i = 0; id[i]; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		      (id[i] >= 'A' && id[i] <= 'Z') ||
		      (id[i] >= 'a' && id[i] <= 'z') || id[i] == '-'))
			break;
	if (!id[0] || id[i] || i > 60)
		return portier_err_set(err, PORTIER_EINVAL,
				       "'%.80s' is not a quarantine id", id);
	rc = clean_q_base(env, false, &bfd, base, sizeof(base), err);
	if (rc < 0)
		return rc;
	snprintf(q->path, sizeof(q->path), "%s/%s", base, id);
	q->fd = openat(bfd, id,
		       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(bfd);
	if (q->fd < 0) {
		rc = errno == ENOENT ? PORTIER_ENOENT : -errno;
		portier_err_set(err, rc, "no quarantine '%s' in %s", id, base);
		portier_err_hint(err, "'portier clean --list' shows them");
		return rc;
	}
	if (fstat(q->fd, &st) < 0 || st.st_uid != geteuid() ||
	    (st.st_mode & 077)) {
		clean_q_close(q);
		return portier_err_set(err, PORTIER_EPERM,
				       "refusing quarantine '%s': not a "
				       "directory of uid %u's alone",
				       q->path, (unsigned)geteuid());
	}
	rc = portier_file_read_len(
		q->fd, q->path, "manifest.json", PORTIER_FILE_OURS,
		PORTIER_CLEAN_MANIFEST_MAX, &text, &len, err);
	if (rc == 0)
		rc = portier_clean_manifest_decode(text, len, p, err);
	portier_free(text);
	if (rc == 0 && strcmp((*p)->id, id) != 0)
		rc = portier_err_set(err, PORTIER_EPROTO,
				     "the manifest in '%s' names another id "
				     "('%s')",
				     q->path, (*p)->id);
	if (rc < 0) {
		portier_clean_plan_free(*p);
		*p = NULL;
		clean_q_close(q);
	}
	return rc;
}

void clean_q_close(struct clean_q *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
}

/* Copy all of in (from its current offset) to out; 0 or -errno. */
static int copy_fd(int in, int out, uint64_t max)
{
	char buf[65536];
	uint64_t total = 0;

	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf)), w, off = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		total += (uint64_t)n;
		if (total > max)
			return -EFBIG;
		while (off < n) {
			w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -errno;
			off += w;
		}
	}
}

int clean_q_copy_in(const struct clean_q *q, int in, const char *qname,
		    const char *want_sha, struct portier_err *err)
{
	char sha[65];
	int out, rc;

	out = openat(q->fd, qname,
		     O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return portier_err_set(err, -errno, "cannot create '%s/%s': %s",
				       q->path, qname, strerror(errno));
	rc = copy_fd(in, out, CLEAN_COPY_MAX);
	if (rc == 0 && fsync(out) < 0)
		rc = -errno;
	if (rc == 0 && lseek(out, 0, SEEK_SET) < 0)
		rc = -errno;
	if (rc == 0)
		rc = portier_digests_fd(out, 0, sha, NULL, NULL);
	close(out);
	if (rc < 0)
		return portier_err_set(err, rc, "cannot copy into '%s/%s': %s",
				       q->path, qname, strerror(-rc));
	if (want_sha && strcmp(sha, want_sha) != 0)
		return portier_err_set(err, PORTIER_EINVAL,
				       "the copy '%s/%s' does not hash as the "
				       "plan saw (%s): the file changed while "
				       "it was copied",
				       q->path, qname, want_sha);
	return 0;
}

int clean_q_open_copy(const struct clean_q *q, const char *qname,
		      const char *want_sha, int *fd, struct portier_err *err)
{
	char sha[65];
	int rc;

	*fd = openat(q->fd, qname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0)
		return portier_err_set(err, -errno,
				       "the copy '%s/%s' is missing: %s",
				       q->path, qname, strerror(errno));
	rc = portier_digests_fd(*fd, 0, sha, NULL, NULL);
	if (rc == 0 && strcmp(sha, want_sha) != 0)
		rc = portier_err_set(err, PORTIER_EINVAL,
				     "the copy '%s/%s' no longer hashes as "
				     "recorded: not restored",
				     q->path, qname);
	else if (rc == 0 && lseek(*fd, 0, SEEK_SET) < 0)
		rc = -errno;
	if (rc < 0) {
		close(*fd);
		*fd = -1;
		if (!err || !err->code)
			portier_err_set(err, rc, "cannot read '%s/%s'", q->path,
					qname);
	}
	return rc;
}

/* ---- putting a file back ------------------------------------------------ */

struct restore {
	int in;
	const struct portier_clean_file *f;
};

static int write_restore(FILE *out, const void *ctx)
{
	const struct restore *r = ctx;
	int rc;

	fflush(out);
	rc = copy_fd(r->in, fileno(out), CLEAN_COPY_MAX);
	if (rc < 0)
		return rc;
	/* owner first: chown clears set-ID bits the mode then restores */
	if (fchown(fileno(out), r->f->uid, r->f->gid) < 0 ||
	    fchmod(fileno(out), r->f->mode) < 0)
		return -errno;
	return 0;
}

int clean_parent(int rootfd, const char *rel, char *name, size_t cap)
{
	const char *slash = strrchr(rel, '/');
	char dir[4096];

	if (!slash) {
		portier_strlcpy(name, rel, cap);
		return dup(rootfd);
	}
	portier_strlcpy(name, slash + 1, cap);
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - rel), rel);
	return openat(rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int clean_set_times(int dirfd, const char *name,
		    const struct portier_clean_file *f)
{
	struct timespec ts[2] = {
		{.tv_sec = f->atime_ns / 1000000000LL,
		 .tv_nsec = f->atime_ns % 1000000000LL},
		{.tv_sec = f->mtime_ns / 1000000000LL,
		 .tv_nsec = f->mtime_ns % 1000000000LL},
	};

	if (ts[0].tv_nsec < 0 || ts[1].tv_nsec < 0)
		return -EINVAL;
	return utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

int clean_restore(int rootfd, const char *path, int in,
		  const struct portier_clean_file *f, struct portier_err *err)
{
	const char *rel = clean_rel("", path);
	struct restore r = {.in = in, .f = f};
	char name[256];
	int dfd = clean_parent(rootfd, rel, name, sizeof(name));
	int rc = 0;

	if (dfd < 0)
		return portier_err_set(err, -errno,
				       "cannot open the directory of %s: %s",
				       path, strerror(errno));
	if (f->link) {
		if (symlinkat(f->target, dfd, name) < 0 ||
		    fchownat(dfd, name, f->uid, f->gid, AT_SYMLINK_NOFOLLOW) <
			    0)
			rc = portier_err_set(err, -errno,
					     "cannot put back the link %s: %s",
					     path, strerror(errno));
	} else {
		rc = portier_file_replace_at(dfd, NULL, name, write_restore, &r,
					     err);
	}
	if (rc == 0 && clean_set_times(dfd, name, f) < 0)
		rc = portier_err_set(err, -errno,
				     "%s is back, but its times could not "
				     "be set: %s",
				     path, strerror(errno));
	close(dfd);
	return rc;
}

int portier_clean_list(const struct portier_clean_env *env, char ***ids,
		       size_t *n, struct portier_err *err)
{
	char base[4096];
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int bfd, rc;

	*ids = NULL;
	*n = 0;
	rc = clean_q_base(env, false, &bfd, base, sizeof(base), err);
	if (rc == PORTIER_ENOENT) {
		portier_err_clear(err);
		return 0;
	}
	if (rc < 0)
		return rc;
	d = fdopendir(bfd);
	if (!d) {
		close(bfd);
		return portier_err_set(err, PORTIER_EIO, "cannot list %s",
				       base);
	}
	while ((de = readdir(d)) != NULL) {
		char *s;

		if (de->d_name[0] == '.')
			continue;
		if (portier_grow(ids, &cap, *n + 1, sizeof(**ids), 8) < 0 ||
		    !(s = portier_strdup(de->d_name))) {
			rc = portier_err_set(err, PORTIER_ENOMEM,
					     "out of memory");
			break;
		}
		(*ids)[(*n)++] = s;
	}
	closedir(d);
	if (rc == 0)
		qsort(*ids, *n, sizeof(**ids), clean_cmp_str);
	return rc;
}

int clean_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}
