/*
 * fw_out.h - what `portier firewall` prints: the state of portier's table
 * in plain words, and the reasons behind the harden list.
 */
#ifndef PORTIER_CLI_FW_OUT_H
#define PORTIER_CLI_FW_OUT_H

#include "cli/cli.h"
#include "portier/fw.h"

/* After an apply: what the table does now, and how to undo. */
void fw_out_applied(struct cli *cli, const struct portier_fw_policy *p,
		    bool changed);
/* `portier firewall status`. */
void fw_out_status(struct cli *cli, const struct portier_fw_policy *p,
		   const struct portier_fw_counters *c, size_t undo_depth);
/* `portier firewall status --json`: one object (docs/json-firewall.md). */
void fw_out_status_json(const struct portier_fw_policy *p,
			const struct portier_fw_counters *c, size_t undo_depth);
/*
 * One line per port of the harden list saying why, from the knowledge base.
 * Returns -1 (message printed) when the knowledge base cannot be loaded.
 */
int fw_out_harden(struct cli *cli, FILE *f);

/* fw_local.c: who listens behind ports just closed, and how to stop it. */
void fw_out_listeners(struct cli *cli, const struct portier_fw_spec *spec,
		      FILE *f);
/*
 * `suggest`: audit this host, print each risky reachable port with the
 * verdict to f, and fill close with the ports suggested for closing.
 * Returns 0, or minus an exit code after printing the error.
 */
int fw_suggest_collect(struct cli *cli, const struct portier_fw_policy *cur,
		       uint16_t ssh_port, struct portier_fw_spec *close,
		       FILE *f);

#endif
