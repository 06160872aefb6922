/*
 * scan_args.h - the options of `portier scan` as parsed from argv (nmap's
 * short forms like -sS, -oX, -iL, -sV included), and what they become
 * (scan_input.c).  Only the scan command uses it.
 */
#ifndef PORTIER_CLI_SCAN_ARGS_H
#define PORTIER_CLI_SCAN_ARGS_H

#include "cli/cli.h"
#include "cli/scan_svc.h"
#include "portier/net.h"
#include "portier/udp_payloads.h"

struct scan_opts {
	const char *ports, *resume, *shard, *exclude, *exclude_file;
	const char *json, *xml, *grep;
	bool to_store;	   /* --store[=PATH]: the results into the store */
	const char *store; /* its PATH, or NULL for the default */
	const char **input_files;
	size_t n_input_files;
	unsigned top_ports;
	int method; /* -1: default */
	bool no_resolve, want_v6, open_only, closed, quiet, verbose, progress;
	bool have_seed, probe_sv;
	bool udp;		  /* -sU: UDP ports too (or only) */
	const char *udp_payloads; /* --udp-payloads FILE */
	bool unprivileged;	  /* -sU over connected sockets, not raw */
	unsigned probes;	  /* SCAN_PROBE_* from --probe */
	/* service-detection modules --probe named (http, ftp, ...) */
	const struct portier_svc_proto *svc_only[SCAN_SVC_MAX_ONLY];
	size_t n_svc_only;
	unsigned intensity; /* --version-intensity, 0-9 */
	bool intrusive;	    /* --intrusive: modules may write */
	uint64_t seed;
	double rate;
	unsigned max_retries, max_parallel;
	unsigned min_rtt, max_rtt, init_rtt;
	char args[2048]; /* the command line as typed, for output headers */
	/* -oA BASE: the three file names it stands for (json, xml, grep
	 * point here) */
	char all_json[4096], all_xml[4096], all_grep[4096];
};

/*
 * Fill o from argv (o is cleared first; optind is left at the first
 * operand).  Returns 0 or an exit code, the error printed.  free(o->input_files)
 * when done.
 */
int scan_parse_opts(struct cli *cli, int argc, char **argv,
		    struct scan_opts *o);

/* nmap's port frequencies, used when installed (--top-ports, -F, names) */
#define SCAN_NMAP_SERVICES "/usr/share/nmap/nmap-services"

/* scan_input.c: the operands and -iL files as a target set (minus the
 * exclusions); 0 or an exit code, the error printed */
int scan_build_targets(struct cli *cli, struct scan_opts *o, int argc,
		       char **argv, struct portier_targets **out);
/* the TCP and UDP port lists of -p / --top-ports / -F, checked against the
 * methods asked for; 0 or an exit code, the error printed */
int scan_build_ports(struct cli *cli, struct scan_opts *o,
		     struct portier_ports *p);
/* -sU's payloads (--udp-payloads FILE or the built-in set; *out NULL
 * without -sU); 0 or an exit code, the error printed */
int scan_load_payloads(struct cli *cli, const struct scan_opts *o,
		       struct portier_udp_payloads **out);

#endif
