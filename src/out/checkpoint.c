/*
 * checkpoint.c - the --resume file: enough to continue a killed scan
 * without scanning finished work again and without losing what was found.
 *
 * A scan's order is fixed by (targets, ports, method, shard, seed), so where
 * it stood is one number, the first sequence never started, plus the few
 * sequences in flight at that moment.  The results found so far are the
 * per-host records (agg.c).  Both are written with portier_file_replace
 * (file.h): a fresh temporary file created exclusively next to PATH (a
 * symlink or file planted under a predictable name is never followed or
 * clobbered when running as root), synced, renamed over PATH, and the
 * directory synced: a SIGKILL or power loss at any moment leaves either the
 * old checkpoint or the new one, each consistent with itself.  Results
 * found after the last checkpoint are found again on resumption, since
 * their sequences are still listed as pending or not yet started.  PATH is
 * the user's to choose, in any directory: only the file itself is checked
 * when read back (no symbolic link, a regular file), never the directories
 * above it.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out/out_int.h"
#include "portier/file.h"

#define MAGIC "portier-scan-checkpoint 1"

struct write_ctx {
	const struct portier_checkpoint *cp;
	const struct portier_out *o;
};

static int write_all(FILE *f, const void *arg)
{
	const struct write_ctx *w = arg;
	const struct portier_checkpoint *cp = w->cp;
	size_t i;
	int rc = 0;

	fprintf(f,
		"%s\nfingerprint %016" PRIx64 "\nseed %" PRIu64
		"\nnext %" PRIu64 "\ncounters %" PRIu64 " %" PRIu64
		"\npending %zu",
		MAGIC, cp->fingerprint, cp->seed, cp->next, cp->sent,
		cp->replies, cp->n_pending);
	for (i = 0; i < cp->n_pending; i++)
		fprintf(f, "%s%" PRIu64, i % 16 ? " " : "\n", cp->pending[i]);
	fputs("\nresults\n", f);
	if (w->o)
		rc = portier_out_save(w->o, f);
	fputs("end\n", f);
	return rc;
}

int portier_checkpoint_write(const char *path,
			     const struct portier_checkpoint *cp,
			     const struct portier_out *o,
			     struct portier_err *err)
{
	struct write_ctx w = {cp, o};
	int rc = portier_file_replace(path, write_all, &w, err);

	/* whatever the cause, a checkpoint that cannot be written is a
	 * failure of the run, not of the command line */
	if (rc < 0 && rc != PORTIER_EINVAL && rc != PORTIER_ENOMEM) {
		rc = PORTIER_EIO;
		if (err)
			err->code = rc;
	}
	return rc;
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
	FILE *f;
	size_t i;
	int rc;

	memset(cp, 0, sizeof(*cp));
	rc = portier_file_open_read(AT_FDCWD, NULL, path, 0, &f, err);
	if (rc == PORTIER_ENOENT)
		portier_err_clear(err); /* not an error: a fresh scan */
	if (rc < 0)
		return rc;
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
