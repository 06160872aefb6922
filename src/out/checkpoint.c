/*
 * checkpoint.c - the --resume file: enough to continue a killed scan
 * without scanning finished work again and without losing what was found.
 *
 * A scan's order is fixed by (targets, ports, method, shard, seed), so where
 * it stood is one number, the first sequence never started, plus the few
 * sequences in flight at that moment.  The results found so far are the
 * per-host records (agg.c).  Both are written to a fresh PATH.XXXXXX made by
 * mkostemp (created exclusively, so a symlink or file planted under a
 * predictable temporary name is never followed or clobbered when running as
 * root), synced, renamed over PATH, and the directory synced: a SIGKILL or
 * power loss at any moment leaves either the old checkpoint or the new one,
 * each consistent with itself.  Results found after the last
 * checkpoint are found again on resumption, since their sequences are still
 * listed as pending or not yet started.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out/out_int.h"

#define MAGIC "portier-scan-checkpoint 1"

/* fsync the directory holding path, so the rename itself is durable. */
static void sync_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t n;
	int fd;

	if (!slash) {
		strcpy(dir, ".");
	} else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir))
			return;
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int portier_checkpoint_write(const char *path,
			     const struct portier_checkpoint *cp,
			     const struct portier_out *o,
			     struct portier_err *err)
{
	char tmp[4096];
	FILE *f;
	size_t i;
	int fd, rc = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    sizeof(tmp))
		return portier_err_set(err, PORTIER_EINVAL,
				       "resume path too long: '%.60s...'",
				       path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return portier_err_set(err, PORTIER_EIO,
				       "cannot write checkpoint '%s': %s", tmp,
				       strerror(errno));
	if (!(f = fdopen(fd, "w"))) {
		rc = errno;
		close(fd);
		unlink(tmp);
		return portier_err_set(err, PORTIER_EIO,
				       "cannot write checkpoint '%s': %s", tmp,
				       strerror(rc));
	}
	fprintf(f,
		"%s\nfingerprint %016" PRIx64 "\nseed %" PRIu64
		"\nnext %" PRIu64 "\ncounters %" PRIu64 " %" PRIu64
		"\npending %zu",
		MAGIC, cp->fingerprint, cp->seed, cp->next, cp->sent,
		cp->replies, cp->n_pending);
	for (i = 0; i < cp->n_pending; i++)
		fprintf(f, "%s%" PRIu64, i % 16 ? " " : "\n", cp->pending[i]);
	fputs("\nresults\n", f);
	if (o)
		rc = portier_out_save(o, f);
	fputs("end\n", f);
	if (rc < 0 || fflush(f) != 0 || ferror(f) || fsync(fileno(f)) < 0) {
		fclose(f);
		unlink(tmp);
		return portier_err_set(err, PORTIER_EIO,
				       "cannot write checkpoint '%s'", tmp);
	}
	if (fclose(f) != 0) {
		unlink(tmp);
		return portier_err_set(err, PORTIER_EIO,
				       "cannot write checkpoint '%s'", tmp);
	}
	if (rename(tmp, path) < 0) {
		rc = errno;
		unlink(tmp);
		return portier_err_set(err, PORTIER_EIO,
				       "cannot rename checkpoint to '%s': %s",
				       path, strerror(rc));
	}
	sync_dir(path);
	return 0;
}

static int bad(struct portier_err *err, const char *path, const char *what)
{
	portier_err_set(err, PORTIER_EINVAL, "bad checkpoint '%s': %s", path,
			what);
	portier_err_hint(err, "remove the file to start the scan afresh");
	return PORTIER_EINVAL;
}

int portier_checkpoint_read(const char *path, struct portier_checkpoint *cp,
			    struct portier_out *o, struct portier_err *err)
{
	char line[256];
	FILE *f = fopen(path, "r");
	size_t i;
	int rc;

	memset(cp, 0, sizeof(*cp));
	if (!f) {
		if (errno == ENOENT)
			return PORTIER_ENOENT;
		return portier_err_set(err, PORTIER_EIO,
				       "cannot read checkpoint '%s': %s", path,
				       strerror(errno));
	}
	if (!fgets(line, sizeof(line), f) ||
	    strncmp(line, MAGIC, strlen(MAGIC)) ||
	    fscanf(f,
		   " fingerprint %" SCNx64 " seed %" SCNu64 " next %" SCNu64
		   " counters %" SCNu64 " %" SCNu64 " pending %zu",
		   &cp->fingerprint, &cp->seed, &cp->next, &cp->sent,
		   &cp->replies, &cp->n_pending) != 6 ||
	    cp->n_pending > (1u << 24)) {
		fclose(f);
		return bad(err, path, "not a portier scan checkpoint");
	}
	cp->pending = portier_calloc(cp->n_pending + 1, sizeof(uint64_t));
	if (!cp->pending) {
		fclose(f);
		return PORTIER_ENOMEM;
	}
	for (i = 0; i < cp->n_pending; i++)
		if (fscanf(f, " %" SCNu64, &cp->pending[i]) != 1) {
			fclose(f);
			return bad(err, path, "truncated pending list");
		}
	while (fgets(line, sizeof(line), f) && line[0] == '\n')
		;
	if (strcmp(line, "results\n") != 0) {
		fclose(f);
		return bad(err, path, "no results section");
	}
	if (o) {
		rc = portier_out_load(o, f, err);
	} else {
		/* only the header is wanted, but a cut-short file is refused */
		bool end = false;

		while (fgets(line, sizeof(line), f))
			end = strcmp(line, "end\n") == 0;
		rc = end ? 0 : bad(err, path, "truncated (no 'end' line)");
	}
	fclose(f);
	if (rc < 0) {
		portier_free(cp->pending);
		cp->pending = NULL;
	}
	return rc;
}
