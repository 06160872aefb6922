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
#include "portier/out.h"
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

/* ---- findings (smb, rpc) ---- */

/* "  finding       [high] text" and "fix: advice" lines. */
void probe_out_findings_text(FILE *f, const struct cli *cli,
			     const struct portier_probe_finding *fs, size_t n);
/* [{severity, id, text, advice}] (new reference, or NULL). */
json_t *probe_out_findings_json(const struct portier_probe_finding *fs,
				size_t n);

/* ---- smb ---- */

/* The JSON object of docs/json-probe.md; err non-NULL when the probe
 * failed as a whole (no transport). */
json_t *probe_out_smb_json(const struct portier_smb_host *h,
			   const struct portier_err *err);
/* The nmap-like text block (without a leading blank line). */
void probe_out_smb_text(FILE *f, const struct cli *cli,
			const struct portier_smb_host *h);
/* A FILETIME as "2026-12-04T11:35:34Z", or "not given" for 0. */
void probe_out_filetime(uint64_t ft, char *buf, size_t cap);
/* What `portier smb --shares` learned before any password (probe_out_smb.c):
 * the NTLM challenge's target information, or why it is missing. */
void probe_out_ntlm_text(FILE *f, const struct cli *cli,
			 const struct portier_smb_host *h);
json_t *probe_out_ntlm_json(const struct portier_smb_host *h);
/* {null, guest}: the two login attempts of --shares (null if not made). */
json_t *probe_out_sessions_json(const struct portier_smb_host *h);
/* {via, entries, total, list: [{name, type, type_bits, hidden, remark}]}
 * or {via, error}; null when no session reached IPC$. */
json_t *probe_out_shares_json(const struct portier_smb_host *h);

/* ---- rpc (probe_out_rpc.c) ---- */

/* The JSON object of docs/json-probe.md for one host; rc and err are the
 * probe's outcome (err names why when rc < 0). */
json_t *probe_out_rpc_json(const struct portier_rpc_host *h, int rc,
			   const struct portier_err *err);
/* The text block of a host whose mapper answered: a summary line, each
 * interface with what it exposes and its bindings, the findings. */
void probe_out_rpc_text(FILE *f, const struct cli *cli,
			const struct portier_rpc_host *h);

/* ---- XML host scripts (probe_elems.c) ---- */

/* A script's structured part (out.h): el[0..n) point into text. */
struct probe_out_elems {
	struct portier_out_elem *el;
	size_t n, cap;
	char *text;
	size_t text_len, text_cap;
};
/*
 * The members of the JSON object o as <elem> and <table> parts: with only,
 * those named in names (a NULL-terminated list, or NULL); without, all but
 * those.  Objects and lists are tables, list items have no key, null is
 * left out, text is cleaned.  0, PORTIER_EINVAL when o is not an object, or
 * PORTIER_ENOMEM (e is then empty).  Free with probe_out_elems_free.
 */
int probe_out_elems_from_json(json_t *o, const char *const *names, bool only,
			      struct probe_out_elems *e);
void probe_out_elems_free(struct probe_out_elems *e);

/* ---- --raw-dir ---- */

/* Open DIR for --raw-dir (O_DIRECTORY) into *fd: EXIT_OK, or EXIT_USAGE
 * after saying why and how to fix it. */
int probe_out_raw_dir(const struct cli *cli, const char *dir, int *fd);
/* Save one reply as name in the --raw-dir dir (open as dirfd; nothing
 * when dirfd < 0 or len is 0); a failure is printed, not fatal. */
void probe_out_raw_write(const struct cli *cli, int dirfd, const char *dir,
			 const char *name, const uint8_t *buf, size_t len);
/*
 * Write len bytes as file name inside the directory dirfd: created 0644 or
 * truncated, never through a symlink (O_NOFOLLOW), and only if it is a
 * regular file (a planted FIFO or device is refused, not blocked on).
 * 0, or -errno (-ELOOP for a symlink, -EINVAL for a non-regular file).
 */
int probe_out_raw_save(int dirfd, const char *name, const uint8_t *buf,
		       size_t len);

/* ---- many hosts at once (probe_pool.c) ---- */

#define PROBE_POOL_MAX_PARALLEL 256

/* How a command probes one host and prints it. */
struct probe_pool_ops {
	size_t result_size; /* each result starts zeroed */
	int (*probe)(void *ctx, const struct portier_addr *a, void *result,
		     struct portier_err *err);
	/* called under the pool's lock, in target order, once per host */
	void (*report)(void *ctx, void *result, int rc,
		       const struct portier_err *err);
	void (*release)(void *result); /* inner allocations; may be NULL */
};

/*
 * Probe the n targets, parallel (at most PROBE_POOL_MAX_PARALLEL) at a
 * time, and report each in target order.  EXIT_OK, or EXIT_RUNTIME after
 * an error message when memory ran out.
 */
int probe_out_pool(struct cli *cli, const struct portier_addr *t, size_t n,
		   unsigned parallel, const struct probe_pool_ops *ops,
		   void *ctx);

/*
 * The common run of `portier smb` and `portier rpc`: the target arguments
 * (an error when there are none), --raw-dir opened into *raw_fd (when
 * raw_dir is set; closed again at the end), then the pool over the hosts.
 * *n_hosts gets the target count.  EXIT_OK, or the exit code after the
 * error was printed.
 */
int probe_out_run(struct cli *cli, char *const *args, size_t n_args, size_t max,
		  const char *raw_dir, int *raw_fd, unsigned parallel,
		  const struct probe_pool_ops *ops, void *ctx, size_t *n_hosts);

/* ---- targets ---- */

/*
 * The target arguments of nbstat and smb: net's target set (the scanner's
 * syntax and address policy) without name resolution and with the
 * skip_edges rule (no .0/.255 of a /24 inside blocks), expanded in
 * ascending order into *out (portier_free) when it holds at most max
 * addresses.  EXIT_OK, or the exit code after the error was printed.
 */
int probe_out_targets(struct cli *cli, char *const *args, size_t n_args,
		      size_t max, struct portier_addr **out, size_t *n_out);

#endif
