/*
 * probe_out.h - how the CLI shows probe results (NetBIOS node status, SMB
 * negotiation): JSON objects and text, shared by `portier nbstat`,
 * `portier smb` and any other command that runs the probes (the scanner's
 * --probe).  Only src/cli/ uses it.
 */
#ifndef PORTIER_CLI_PROBE_OUT_H
#define PORTIER_CLI_PROBE_OUT_H

#include <jansson.h>

#include "cli/cli.h"
#include "portier/probe.h"

/* ---- nbstat ---- */

/* "ok", "malformed", "timeout", "refused" or "error" for a result status. */
const char *probe_out_nbstat_status(int status);
/* The advice for 137/udp that fits the host (kb137 may be NULL). */
const char *probe_out_nbstat_advice(const struct portier_kb_entry *kb137,
				    const struct portier_nbstat_summary *s);
/* The JSON object of docs/json-probe.md (new reference, or NULL). */
json_t *probe_out_nbstat_json(const struct portier_nbstat_result *r,
			      const struct portier_kb_entry *kb137);
/* nbtscan's columns: header line, then one line per host. */
void probe_out_nbstat_header(FILE *f);
void probe_out_nbstat_line(FILE *f, const struct portier_nbstat_result *r);
/* nmblookup -A's table of every name. */
void probe_out_nbstat_table(FILE *f, const struct portier_nbstat_result *r);
/* "  leak: ...; advice" */
void probe_out_nbstat_leak(FILE *f, const struct cli *cli,
			   const struct portier_nbstat_result *r,
			   const struct portier_kb_entry *kb137);

/* ---- smb ---- */

/* The JSON object of docs/json-probe.md; err non-NULL when the probe
 * failed as a whole (no transport). */
json_t *probe_out_smb_json(const struct portier_smb_host *h,
			   const struct portier_err *err);
/* The nmap-like text block (without a leading blank line). */
void probe_out_smb_text(FILE *f, const struct cli *cli,
			const struct portier_smb_host *h);

/* Print o as one compact line and drop the reference. */
void probe_out_json_line(FILE *f, json_t *o);

#endif
