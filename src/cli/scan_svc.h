/*
 * scan_svc.h - `portier scan -sV` (and --probe MODULE): after the port
 * scan, ask every open TCP (and UDP) port what answers there with the service
 * detection driver (svc_run.h), many ports at once, and hand the results
 * to the output sinks (the table's VERSION column, XML <service> and
 * <script>, one {"type":"service"} JSON object per port).  Only
 * src/cli/cmd_scan.c uses it.
 */
#ifndef PORTIER_CLI_SCAN_SVC_H
#define PORTIER_CLI_SCAN_SVC_H

#include <signal.h>

#include "cli/cli.h"
#include "portier/out.h"
#include "portier/svc_run.h"
#include "portier/udp_payloads.h"

/* The most modules --probe can name. */
#define SCAN_SVC_MAX_ONLY 32

struct scan_svc_opts {
	/* the -sU payloads: open UDP ports are asked with them again */
	const struct portier_udp_payloads *udp_payloads;
	unsigned intensity; /* 0-9 */
	bool intrusive;
	const struct portier_svc_proto *const *only; /* --probe modules */
	size_t n_only;
	bool quiet, progress;
};

struct scan_svc;

/* NULL after an error message (the built-in fingerprints did not parse,
 * or memory ran out). */
struct scan_svc *scan_svc_new(struct cli *cli, const struct scan_svc_opts *o);
/* Point the sinks' per-port hook at sv (before portier_out_open). */
void scan_svc_hook(struct scan_svc *sv, struct portier_out_options *oo);
/*
 * Probe every open TCP port the scan recorded (and every open UDP port,
 * with the UDP payloads: svc_udp.h), SCAN_SVC_PARALLEL at a time,
 * writing each result to the JSON sink as it comes and keeping it for the
 * table and XML.  *stop (SIGINT) ends it early.  EXIT_OK or EXIT_RUNTIME
 * (printed); findings do not change the exit code.
 */
int scan_svc_run(struct scan_svc *sv, struct portier_out *out,
		 volatile sig_atomic_t *stop);
/* One line on stderr: ports asked, recognised, findings. */
void scan_svc_report(const struct scan_svc *sv);
void scan_svc_free(struct scan_svc *sv);

#endif
