/*
 * local_stats.h - the views of `portier local` that are not a socket list:
 * protocol counters (-s), interfaces (-e) and the summary (--summary).
 */
#ifndef PORTIER_CLI_LOCAL_STATS_H
#define PORTIER_CLI_LOCAL_STATS_H

#include "cli/cli.h"
#include "portier/local.h"

/* -s (interfaces false) or -e (interfaces true), in netns (or NULL). */
int local_stats_view(struct cli *cli, const char *netns, bool interfaces,
		     bool json);
/* --summary: states counted, then the diagnosis. */
int local_summary_view(struct cli *cli, const struct portier_local_query *q,
		       bool json);

/* What a kernel counter means, or NULL for one we do not explain. */
const char *local_stat_meaning(const char *group, const char *name);

#endif
