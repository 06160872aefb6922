/*
 * scan_probe.h - `portier scan --probe smb,smb-shares,nbstat,rpc` and `-sV`:
 * after the port scan, ask the hosts that fit what NetBIOS (137/udp), SMB
 * (445/139) and the RPC endpoint mapper (135/tcp) reveal,
 * with the probe module's code, and hand the results to the output sinks
 * (a block under each host's table, JSON objects, XML host scripts).
 * Only src/cli/cmd_scan.c uses it.
 */
#ifndef PORTIER_CLI_SCAN_PROBE_H
#define PORTIER_CLI_SCAN_PROBE_H

#include <signal.h>

#include "cli/cli.h"
#include "cli/scan_svc.h"
#include "portier/out.h"

enum {
	SCAN_PROBE_SMB = 1 << 0,
	SCAN_PROBE_NBSTAT = 1 << 1,
	SCAN_PROBE_SHARES = 1 << 2, /* smb with `portier smb --shares` */
	SCAN_PROBE_RPC = 1 << 3,    /* the endpoint mapper on 135 */
};

/* The accepted names, for help and errors. */
#define SCAN_PROBE_NAMES "smb, smb-shares, nbstat, rpc"

/*
 * Parse a comma list of probe names ("smb,nbstat,http") into SCAN_PROBE_*
 * bits, added to *bits, and service-detection modules (svc.h's table),
 * added to mods (room for SCAN_SVC_MAX_ONLY, *n_mods of them in use).  An
 * unknown or empty name is an error naming it and the accepted ones
 * (printed); returns 0 or EXIT_USAGE.
 */
int scan_probe_parse(const struct cli *cli, const char *list, unsigned *bits,
		     const struct portier_svc_proto **mods, size_t *n_mods);

struct scan_probes;

/*
 * Which probes to run: bits from --probe; auto_sv for -sV (smb-shares and
 * nbstat for hosts with 139 or 445 open, rpc for hosts with 135 open).
 * Returns NULL when out of memory.
 */
struct scan_probes *scan_probes_new(struct cli *cli, unsigned bits,
				    bool auto_sv, bool quiet);
/* A note when no scanned port can ever lead to a probe (-sV -p 80). */
void scan_probes_check_ports(const struct scan_probes *sp,
			     const uint16_t *ports, size_t n);
/* Point the sinks' per-host hooks at sp (before portier_out_open). */
void scan_probes_hook(struct scan_probes *sp, struct portier_out_options *oo);
/*
 * Pick the hosts from the scan's records, probe them (nbstat in one sweep,
 * SMB and RPC up to 16 hosts at a time), write each result to the JSON sink as it
 * comes, and keep them for the table and XML that portier_out_finish writes.
 * Only hosts the scan has a record of are probed: they were scan targets.
 * *stop set (SIGINT) ends the probing early.  Returns EXIT_OK or
 * EXIT_RUNTIME (printed); findings do not change the exit code.
 */
int scan_probes_run(struct scan_probes *sp, struct portier_out *out,
		    volatile sig_atomic_t *stop);
/* One line on stderr: how many hosts were probed and what was found. */
void scan_probes_report(const struct scan_probes *sp);
void scan_probes_free(struct scan_probes *sp);

#endif
