/*
 * targets_file.c - target lists from a file (-iL): whole lines, '#' starts
 * a comment, every whitespace-separated word is a spec for
 * portier_targets_add, and an error names the file and line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "portier/net.h"

/* Longest -iL line accepted: far beyond any list of targets a person writes. */
#define TARGET_LINE_MAX 65536

int portier_targets_add_file(struct portier_targets *t, const char *path,
			     bool exclude, struct portier_err *err)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, added = 0, lineno = 0;
	ssize_t len;
	int rc = 0;

	if (!f) {
		portier_err_set(err, PORTIER_ENOENT,
				"cannot open target file '%s': %s", path,
				strerror(errno));
		portier_err_hint(err,
				 "-iL takes a file of targets, one or more "
				 "per line, or - for standard input");
		return PORTIER_ENOENT;
	}
	/* whole lines (getline), so a comment is always cut at its own '#' */
	while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
		char *hash, *tok, *save = NULL;

		lineno++;
		if (len > TARGET_LINE_MAX) {
			portier_err_set(err, PORTIER_EINVAL,
					"%s:%zu: line of %zd bytes is too long",
					path, lineno, len);
			portier_err_hint(err,
					 "a target file line holds at most "
					 "%d bytes: put the targets on several "
					 "lines",
					 TARGET_LINE_MAX);
			rc = PORTIER_EINVAL;
			break;
		}
		if (memchr(line, '\0', (size_t)len)) {
			portier_err_set(err, PORTIER_EINVAL,
					"%s:%zu: a NUL byte in a target file",
					path, lineno);
			portier_err_hint(err,
					 "-iL takes a text file of targets");
			rc = PORTIER_EINVAL;
			break;
		}
		if ((hash = strchr(line, '#')))
			*hash = '\0';
		for (tok = strtok_r(line, " \t\r\n", &save); tok && rc == 0;
		     tok = strtok_r(NULL, " \t\r\n", &save)) {
			rc = portier_targets_add(t, tok, exclude, err);
			if (rc < 0 && err) {
				char msg[PORTIER_ERR_MSG_MAX];

				portier_strlcpy(msg, err->msg, sizeof(msg));
				/* a long path may cut the message: still useful */
				if (snprintf(err->msg, sizeof(err->msg),
					     "%s:%zu: %s", path, lineno,
					     msg) >= (int)sizeof(err->msg))
					err->msg[sizeof(err->msg) - 2] = '~';
			}
			added++;
		}
	}
	free(line);
	if (f != stdin)
		fclose(f);
	if (rc == 0 && added == 0) {
		portier_err_set(err, PORTIER_EINVAL,
				"target file '%s' holds no targets", path);
		portier_err_hint(err,
				 "put one or more targets per line; # starts "
				 "a comment");
		return PORTIER_EINVAL;
	}
	return rc;
}
