/*
 * session.c - applying scripts with an undo point saved first, and undoing.
 *
 * An undo point is a complete nft script in the state directory,
 * undo-<N>.nft, that puts portier's table back as it was before change N:
 * "table inet portier; delete table inet portier" followed by the table's
 * listing from just before the change (nothing more when there was no
 * table).  It is written, synced and renamed into place before the change
 * is applied, so a crash between the two leaves an undo point too many,
 * never one too few.  Undo runs the newest point and removes it; running
 * undo again walks further back.  Only portier's table is saved and
 * restored: other tables are never read into an undo point nor replaced,
 * so undo cannot clobber rules someone else added in the meantime.
 *
 * Root runs what lies in the state directory, so the directory is trusted
 * only when it is ours alone, and so is every directory above it
 * (portier_file_state_dir in file.h: a /tmp/x someone else made first
 * could otherwise hold a symlink that root truncates, or an undo point that
 * flushes the whole ruleset).  Every file in it is opened relative to that
 * descriptor without following symlinks, undo points are written through
 * exclusive temporary files with the file and the directory synced
 * (portier_file_replace_at), each is checked (owner, mode) before it is
 * read, and one that names any table but inet portier is refused.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fw/fw_int.h"
#include "portier/file.h"

/* An undo point is a listing of portier's table: far below this. */
#define UNDO_POINT_MAX (64u << 20)

struct portier_fw {
	const struct portier_fw_backend *be;
	void *ctx;
	int lock_fd; /* -1 until portier_fw_lock */
	int dir_fd;  /* the checked state directory, -1 until opened */
	char dir[4096];
};

int portier_fw_open(struct portier_fw **out,
		    const struct portier_fw_backend *be, const char *state_dir,
		    struct portier_err *err)
{
	struct portier_fw *fw = portier_calloc(1, sizeof(*fw));
	int rc;

	*out = NULL;
	if (!fw)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	if (!state_dir || !*state_dir)
		state_dir = PORTIER_FW_STATE_DIR;
	if (portier_strlcpy(fw->dir, state_dir, sizeof(fw->dir)) >=
	    sizeof(fw->dir) - 32) {
		portier_free(fw);
		return portier_err_set(err, PORTIER_EINVAL,
				       "state directory name too long");
	}
	fw->be = be;
	fw->lock_fd = -1;
	fw->dir_fd = -1;
	rc = be->open(&fw->ctx, err);
	if (rc < 0) {
		portier_free(fw);
		return rc;
	}
	*out = fw;
	return 0;
}

void portier_fw_close(struct portier_fw *fw)
{
	if (!fw)
		return;
	fw->be->close(fw->ctx);
	if (fw->lock_fd >= 0)
		close(fw->lock_fd); /* releases the flock */
	if (fw->dir_fd >= 0)
		close(fw->dir_fd);
	portier_free(fw);
}

int portier_fw_current(struct portier_fw *fw, struct portier_fw_policy *p,
		       struct portier_err *err)
{
	char *json, *listing = NULL, *rendered = NULL;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = fw->be->list(fw->ctx, PORTIER_FW_LIST_JSON, &json, err);
	if (rc < 0)
		return rc;
	rc = portier_fw_policy_from_json(json, p, err);
	portier_free(json);
	if (rc < 0)
		return rc;
	/* rules added by hand would be lost at the next apply: report them */
	rc = fw->be->list(fw->ctx, PORTIER_FW_LIST_STATELESS, &listing, err);
	if (rc == 0)
		rc = portier_fw_render(p, &rendered, err);
	if (rc == 0)
		rc = fw_rules_check(listing, rendered, err);
	portier_free(listing);
	portier_free(rendered);
	if (rc < 0)
		portier_fw_policy_free(p);
	return rc;
}

int portier_fw_counters(struct portier_fw *fw, struct portier_fw_counters *c,
			struct portier_err *err)
{
	char *json;
	int rc;

	memset(c, 0, sizeof(*c));
	rc = fw->be->list(fw->ctx, PORTIER_FW_LIST_JSON, &json, err);
	if (rc < 0)
		return rc;
	rc = portier_fw_counters_from_json(json, c, err);
	portier_free(json);
	return rc;
}

int portier_fw_listing(struct portier_fw *fw, char **out,
		       struct portier_err *err)
{
	return fw->be->list(fw->ctx, PORTIER_FW_LIST_TEXT, out, err);
}

int portier_fw_check(struct portier_fw *fw, const char *script,
		     struct portier_err *err)
{
	return fw->be->run(fw->ctx, script, true, err);
}

/* ---- the state directory ---------------------------------------------------- */

static void dir_hint(struct portier_err *err)
{
	portier_err_hint(err, "set PORTIER_STATE_DIR to a directory that only "
			      "you can write to (not one under /tmp), or "
			      "leave it unset for " PORTIER_FW_STATE_DIR);
}

/*
 * Open the state directory once (fw->dir_fd), creating it first when
 * create is set, and trust it only when it is ours alone (file.h:
 * portier_file_state_dir).  Without create a missing directory is
 * PORTIER_ENOENT (no undo points).
 */
static int open_dir(struct portier_fw *fw, bool create, struct portier_err *err)
{
	if (fw->dir_fd >= 0)
		return 0;
	return portier_file_state_dir(fw->dir, create, &fw->dir_fd, err);
}

/* ---- the undo points on disk ------------------------------------------------- */

/* Lowest and highest N of undo-<N>.nft, and how many there are. */
static size_t scan_points(const struct portier_fw *fw, unsigned long *min,
			  unsigned long *max)
{
	struct dirent *de;
	size_t count = 0;
	DIR *d;
	int fd;

	*min = *max = 0;
	if (fw->dir_fd < 0)
		return 0;
	fd = openat(fw->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		char num[32];
		const char *dot;
		size_t len;
		unsigned long n;

		if (strncmp(de->d_name, "undo-", 5) != 0)
			continue;
		dot = strstr(de->d_name + 5, ".nft");
		if (!dot || dot[4] != '\0')
			continue;
		len = (size_t)(dot - (de->d_name + 5));
		if (len == 0 || len >= sizeof(num))
			continue;
		memcpy(num, de->d_name + 5, len);
		num[len] = '\0';
		if (portier_parse_ulong(num, 1, 999999999, &n) < 0)
			continue;
		if (!count || n < *min)
			*min = n;
		if (!count || n > *max)
			*max = n;
		count++;
	}
	closedir(d);
	return count;
}

/* "undo-N.nft", relative to the state directory. */
static void point_name(unsigned long n, char *name, size_t len)
{
	snprintf(name, len, "undo-%lu.nft", n);
}

/* The full path, for messages. */
static void point_path(const struct portier_fw *fw, unsigned long n, char *path,
		       size_t len)
{
	snprintf(path, len, "%s/undo-%lu.nft", fw->dir, n);
}

size_t portier_fw_undo_depth(struct portier_fw *fw)
{
	unsigned long lo, hi;

	if (open_dir(fw, false, NULL) < 0)
		return 0;
	return scan_points(fw, &lo, &hi);
}

unsigned long portier_fw_undo_top(struct portier_fw *fw)
{
	unsigned long lo, hi;

	if (open_dir(fw, false, NULL) < 0 || !scan_points(fw, &lo, &hi))
		return 0;
	return hi;
}

int portier_fw_lock(struct portier_fw *fw, struct portier_err *err)
{
	char path[4200];
	int fd, rc, e;

	if (fw->lock_fd >= 0)
		return 0;
	rc = open_dir(fw, true, err);
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/lock", fw->dir);
	fd = openat(fw->dir_fd, "lock",
		    O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		portier_err_set(err, -e, "cannot lock '%s': %s", path,
				strerror(e));
		dir_hint(err);
		return -e;
	}
	fw->lock_fd = fd;
	return 0;
}

static int write_text(FILE *f, const void *text)
{
	fputs(text, f);
	return 0;
}

/* Write undo point n, atomically (file.h: portier_file_replace_at). */
static int write_point(struct portier_fw *fw, unsigned long n, const char *text,
		       struct portier_err *err)
{
	struct portier_err e = {0};
	char name[64];
	int rc;

	point_name(n, name, sizeof(name));
	rc = portier_file_replace_at(fw->dir_fd, fw->dir, name, write_text,
				     text, &e);
	if (rc < 0) {
		portier_err_set(err, rc, "cannot save the undo point: %s",
				e.msg);
		portier_err_hint(err, "nothing was applied; set "
				      "PORTIER_STATE_DIR to a directory that "
				      "only you can write to (not one under "
				      "/tmp)");
	}
	return rc;
}

/*
 * Read undo point n, after checking it is a regular file of ours that
 * nobody else can write: root is about to run it.
 */
static int read_point(struct portier_fw *fw, unsigned long n, char **out,
		      struct portier_err *err)
{
	char name[64], path[4200];
	int rc;

	point_name(n, name, sizeof(name));
	point_path(fw, n, path, sizeof(path));
	rc = portier_file_read(fw->dir_fd, fw->dir, name, PORTIER_FILE_OURS,
			       UNDO_POINT_MAX, out, err);
	if (rc == PORTIER_EPERM)
		portier_err_hint(err, "portier did not write it; look at it, "
				      "then remove it to undo further back");
	if (rc < 0)
		return rc;
	return fw_undo_script_check(*out, path, err);
}

/* The restore script for a table listing ("" = there was no table). */
static char *restore_script(const char *listing, const char *what)
{
	struct portier_nft_buf b = {0};
	char stamp[32] = "";
	time_t now = time(NULL);
	struct tm tm;
	char line[256], *c;

	if (gmtime_r(&now, &tm))
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* one comment line, whatever the description holds */
	portier_strlcpy(line, what ? what : "(unknown)", sizeof(line));
	for (c = line; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	portier_nft_buf_printf(
		&b,
		"# portier firewall undo point: table inet " PORTIER_FW_TABLE
		" as it was before\n"
		"# what: %s\n"
		"# saved: %s\n"
		"table inet " PORTIER_FW_TABLE "\n"
		"delete table inet " PORTIER_FW_TABLE "\n",
		line, stamp);
	portier_nft_buf_puts(&b, listing);
	return portier_nft_buf_take(&b);
}

static void prune(struct portier_fw *fw)
{
	unsigned long lo, hi;
	char name[64];

	while (scan_points(fw, &lo, &hi) > PORTIER_FW_UNDO_KEEP) {
		point_name(lo, name, sizeof(name));
		if (unlinkat(fw->dir_fd, name, 0) < 0)
			break;
	}
}

int portier_fw_apply(struct portier_fw *fw, const char *script,
		     const char *what, bool *changed, struct portier_err *err)
{
	char *before = NULL, *before_cmp = NULL, *after_cmp = NULL, *undo;
	char name[64];
	unsigned long lo, hi;
	int rc;

	*changed = false;
	rc = fw->be->list(fw->ctx, PORTIER_FW_LIST_TEXT, &before, err);
	if (rc == 0)
		rc = fw->be->list(fw->ctx, PORTIER_FW_LIST_STATELESS,
				  &before_cmp, err);
	if (rc < 0)
		goto out;
	rc = open_dir(fw, true, err);
	if (rc < 0)
		goto out;
	undo = restore_script(before, what);
	if (!undo) {
		rc = portier_err_set(err, PORTIER_ENOMEM, "out of memory");
		goto out;
	}
	scan_points(fw, &lo, &hi);
	point_name(hi + 1, name, sizeof(name));
	rc = write_point(fw, hi + 1, undo, err);
	portier_free(undo);
	if (rc < 0)
		goto out;
	rc = fw->be->run(fw->ctx, script, false, err);
	if (rc < 0) {
		unlinkat(fw->dir_fd, name, 0);
		goto out;
	}
	/* the same table as before (re-applied policy): nothing to undo */
	if (fw->be->list(fw->ctx, PORTIER_FW_LIST_STATELESS, &after_cmp,
			 NULL) == 0 &&
	    strcmp(after_cmp, before_cmp) == 0)
		unlinkat(fw->dir_fd, name, 0);
	else
		*changed = true;
	prune(fw);
out:
	portier_free(before);
	portier_free(before_cmp);
	portier_free(after_cmp);
	return rc;
}

int portier_fw_undo_peek(struct portier_fw *fw, char **script, char **what,
			 struct portier_err *err)
{
	unsigned long lo, hi;
	const char *w;
	int rc;

	*script = NULL;
	if (what)
		*what = NULL;
	rc = open_dir(fw, false, err);
	if (rc < 0 && rc != PORTIER_ENOENT)
		return rc;
	if (rc < 0 || !scan_points(fw, &lo, &hi)) {
		portier_err_set(err, PORTIER_ENOENT,
				"nothing to undo: no undo point in '%s'",
				fw->dir);
		portier_err_hint(err, "portier saves one before each change it "
				      "applies; PORTIER_STATE_DIR must be the "
				      "same as then");
		return PORTIER_ENOENT;
	}
	rc = read_point(fw, hi, script, err);
	if (rc < 0) {
		portier_free(*script);
		*script = NULL;
		return rc;
	}
	if (!what)
		return 0;
	w = strstr(*script, "\n# what: ");
	if (w) {
		w += 9;
		*what = portier_strndup(w, strcspn(w, "\n"));
	}
	return 0;
}

int portier_fw_undo(struct portier_fw *fw, struct portier_err *err)
{
	unsigned long lo, hi;
	char path[4200], name[64], *script;
	int rc;

	rc = portier_fw_undo_peek(fw, &script, NULL, err);
	if (rc < 0)
		return rc;
	rc = fw->be->run(fw->ctx, script, false, err);
	portier_free(script);
	if (rc < 0)
		return rc;
	scan_points(fw, &lo, &hi);
	point_name(hi, name, sizeof(name));
	if (unlinkat(fw->dir_fd, name, 0) < 0) {
		int e = errno;

		point_path(fw, hi, path, sizeof(path));
		return portier_err_set(err, -e,
				       "undone, but cannot remove the undo "
				       "point '%s': %s",
				       path, strerror(e));
	}
	return 0;
}
