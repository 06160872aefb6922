/*
 * clean_out.h - the text views of `portier clean`.
 */
#ifndef PORTIER_CLI_CLEAN_OUT_H
#define PORTIER_CLI_CLEAN_OUT_H

#include <stdio.h>

#include "cli/cli.h"
#include "portier/clean.h"

/* The plan: its steps in order, what is left alone, reboot advice. */
void clean_out_plan(const struct cli *cli, const struct portier_clean_plan *p,
		    FILE *f);
/* One step on one line, after prefix. */
void clean_out_step(const struct cli *cli, const struct portier_clean_step *s,
		    const char *prefix, FILE *f);
/* One quarantine for --list. */
void clean_out_list_line(const struct portier_clean_plan *p, FILE *f);

#endif
