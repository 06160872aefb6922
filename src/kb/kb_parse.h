/*
 * kb_parse.h - the line parser of data/...tsv files, shared by the build-time
 * generator (tools/kbgen.c) and the run-time overlay loader, so that the
 * built-in data and a user's overlay obey exactly the same rules.
 */
#ifndef PORTIER_KB_PARSE_H
#define PORTIER_KB_PARSE_H

#include "portier/kb.h"

#define KB_ENTRY_FIELDS 10
#define KB_IANA_FIELDS	4

/* True for a line that holds no entry: empty, blanks only, or '#...'. */
bool kb_line_is_skippable(const char *line);

/*
 * Parse one 10-field line (without its newline) into e.  The line is
 * modified in place and e's strings point into it.  On error returns
 * PORTIER_EINVAL with the reason in err (no file/line prefix).
 */
int kb_parse_entry_line(char *line, struct portier_kb_entry *e,
			struct portier_err *err);

/* Parse one 4-field IANA line, like kb_parse_entry_line. */
int kb_parse_iana_line(char *line, struct portier_iana_entry *e,
		       struct portier_err *err);

/* Sort orders of the two tables (see data/README.md). */
int kb_entry_cmp(const struct portier_kb_entry *a,
		 const struct portier_kb_entry *b);
int kb_iana_cmp(const struct portier_iana_entry *a,
		const struct portier_iana_entry *b);
/* Same port range and at least one protocol in common. */
bool kb_entry_same_key(const struct portier_kb_entry *a,
		       const struct portier_kb_entry *b);

#endif
