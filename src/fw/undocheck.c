/*
 * undocheck.c - the last look at an undo point before root runs it.
 *
 * An undo point portier writes has one shape: comment lines, "table inet
 * portier", "delete table inet portier", and then at most the listing of
 * that one table ("table inet portier { ... }").  Anything else at the top
 * level - another table, "flush ruleset", an include, a second statement
 * after a ';' - was not written by portier, and running it could replace
 * rules portier has no business touching; so the script is refused.  The
 * check walks the text once: strings ("...") and comments (# to the end of
 * the line) are skipped, so braces inside them do not count, and only what
 * stands outside every brace block is compared.
 */
#include <string.h>

#include "fw/fw_int.h"

#define TABLE "table inet " PORTIER_FW_TABLE

/* One top-level statement (whitespace folded) is one portier writes. */
static bool allowed(const char *stmt, bool opens_block)
{
	if (!*stmt)
		return !opens_block;
	if (opens_block)
		return strcmp(stmt, TABLE) == 0;
	return strcmp(stmt, TABLE) == 0 || strcmp(stmt, "delete " TABLE) == 0;
}

static int refuse(const char *path, const char *stmt, struct portier_err *err)
{
	portier_err_set(
		err, PORTIER_EPROTO,
		"refusing the undo point '%s': it holds '%.80s', and "
		"portier's undo points only ever restore table inet " PORTIER_FW_TABLE,
		path, *stmt ? stmt : "{");
	portier_err_hint(err, "portier did not write it; look at it, then "
			      "remove it to undo further back");
	return PORTIER_EPROTO;
}

int fw_undo_script_check(const char *script, const char *path,
			 struct portier_err *err)
{
	char stmt[256];
	size_t n = 0;
	unsigned depth = 0;
	bool quoted = false, space = false;
	const char *c;

	for (c = script;; c++) {
		if (quoted) {
			if (*c == '\0')
				return refuse(path, "an unterminated string",
					      err);
			if (*c == '\\' && c[1])
				c++;
			else if (*c == '"')
				quoted = false;
			continue;
		}
		if (*c == '#') {
			/* up to the newline (or the end), seen next */
			c += strcspn(c, "\n") - 1;
			continue;
		}
		if (*c == '"') {
			quoted = true;
			continue;
		}
		if (*c == '{') {
			if (depth++ == 0) {
				stmt[n] = '\0';
				if (!allowed(stmt, true))
					return refuse(path, stmt, err);
				n = 0;
			}
			continue;
		}
		if (*c == '}') {
			if (depth == 0)
				return refuse(path, "}", err);
			depth--;
			continue;
		}
		if (depth > 0 && *c)
			continue;
		if (*c == '\0' || *c == '\n' || *c == ';') {
			if (n && stmt[n - 1] == ' ')
				n--;
			stmt[n] = '\0';
			if (!allowed(stmt, false))
				return refuse(path, stmt, err);
			n = 0;
			space = false;
			if (*c == '\0')
				break;
			continue;
		}
		if (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\\') {
			space = n > 0;
			continue;
		}
		if (space && n < sizeof(stmt) - 2)
			stmt[n++] = ' ';
		space = false;
		if (n < sizeof(stmt) - 1)
			stmt[n++] = *c;
	}
	if (depth)
		return refuse(path, "an unclosed block", err);
	return 0;
}
