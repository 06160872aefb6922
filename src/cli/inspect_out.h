/*
 * inspect_out.h - the text and JSON views of `portier inspect`.
 */
#ifndef PORTIER_CLI_INSPECT_OUT_H
#define PORTIER_CLI_INSPECT_OUT_H

#include <stdio.h>

#include "cli/cli.h"
#include "portier/inspect.h"

/* The report for a terminal (every untrusted string cleaned). */
void inspect_out_text(const struct cli *cli, const struct portier_inspect *r,
		      FILE *f);
/* The report as one JSON object (docs/json-inspect.md); 0, or -1 when out
 * of memory. */
int inspect_out_json(const struct portier_inspect *r, FILE *f);

#endif
