/*
 * guard_run.h - what the files of `portier guard` share: its options, the
 * running daemon's parts, and the helpers that carry out what the library
 * decides about the kernel's table (guard_keep.c) and show it
 * (guard_status.c).
 */
#ifndef PORTIER_CLI_GUARD_RUN_H
#define PORTIER_CLI_GUARD_RUN_H

#include <stdio.h>

#include "cli/cli.h"
#include "portier/guard_nft.h"

struct guard_opts {
	bool block, json, use_syslog, status, v6_prefix64;
	const char *unblock;
	const char *ifname;
	const char *alert_file;
	const char *state_dir;
	unsigned long ban_rate, max_bans, checkpoint_s, alert_rate, duration_s;
	struct portier_guard_config cfg;
	struct portier_guard_allow allow;
};

struct guard_run {
	struct cli *cli;
	struct guard_opts *o;
	struct portier_guard_det *det;
	struct portier_guard_judge *judge;
	struct portier_guard_sys *sys;
	struct portier_guard_cap *cap;
	struct portier_guard_nft *nft;
	FILE *alerts;
	char state_path[4096];
	struct portier_guard_policy policy; /* what to do about alerts */
	bool dirty;	     /* an alert since the last checkpoint */
	uint64_t last_cp_us; /* when the last checkpoint was written */
	uint64_t drops_told; /* kernel drops already reported */
	struct portier_guard_nftmon *mon; /* events of the table (--block) */
};

/* The wall clock in microseconds. */
uint64_t guard_wall_us(void);
/* The state directory: --state-dir, $PORTIER_STATE_DIR/guard or
 * /var/lib/portier/guard. */
const char *guard_state_dir(const struct guard_opts *o, char *buf, size_t len);

/*
 * Make the kernel hold every ban guard remembers (library: bans_compare):
 * read table inet portier_guard, put back what it lacks with the time left
 * (with the table itself, in one transaction), release the sources whose
 * bans will not be put back, and report it as an event ("type":"restore",
 * docs/json-guard.md) naming reason.  running: guard is already running
 * (see struct portier_guard_bans_config).  With r->nft NULL (at start) the
 * blocker is opened by that transaction.  0, or an exit code.
 */
int guard_keep_bans(struct guard_run *r, bool running, const char *reason);

/* Write a JSON line to the alert file and (with --json) to stdout. */
void guard_emit(struct guard_run *r, const char *json);

/* portier guard --status. */
int guard_show_status(struct guard_run *r);

#endif
