/*
 * scan_input.c - what `portier scan` scans: the target set (arguments, -iL
 * files, --exclude), the TCP and UDP port lists (-p with T:/U:, --top-ports,
 * -F) checked against the methods asked for, and the UDP payloads (-sU).
 * Every refusal here happens before anything is sent (exit 2).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/scan_args.h"
#include "portier/net.h"
#include "portier/udp_payloads.h"

int scan_build_targets(struct cli *cli, struct scan_opts *o, int argc,
		       char **argv, struct portier_targets **out)
{
	struct portier_targets_options topt = {.resolve = !o->no_resolve,
					       .want_v6 = o->want_v6};
	struct portier_err err = {0};
	struct portier_targets *t = NULL;
	int i, rc = 0;
	size_t k;

	*out = NULL;
	if (optind >= argc && !o->n_input_files) {
		cli_error(cli, "no targets given");
		cli_hint(
			"name what to scan, e.g. 'portier scan 198.19.1.2 -p 22,80' "
			"or -iL FILE; there is no default target");
		return EXIT_USAGE;
	}
	if (portier_targets_new(&t, &topt) < 0)
		return EXIT_RUNTIME;
	for (i = optind; i < argc && rc == 0; i++)
		rc = portier_targets_add(t, argv[i], false, &err);
	for (k = 0; k < o->n_input_files && rc == 0; k++)
		rc = portier_targets_add_file(t, o->input_files[k], false,
					      &err);
	if (rc == 0 && o->exclude)
		rc = portier_targets_add(t, o->exclude, true, &err);
	if (rc == 0 && o->exclude_file)
		rc = portier_targets_add_file(t, o->exclude_file, true, &err);
	if (rc == 0)
		rc = portier_targets_finish(t, &err);
	if (rc < 0) {
		portier_targets_free(t);
		if (rc == PORTIER_ENOENT)
			err.code = PORTIER_EINVAL; /* a bad name is bad input */
		return cli_report(cli, &err);
	}
	*out = t;
	return 0;
}

/* Why a port list does not fit the scan types given; 0 when it does. */
static int ports_fit(struct cli *cli, struct scan_opts *o,
		     struct portier_ports *p)
{
	char list[64];

	if (p->n_udp && !o->udp) {
		portier_out_port_ranges(p->udp, p->n_udp, list, sizeof(list));
		cli_error(cli,
			  "UDP ports (U:%s in '%s') given, but no UDP scan "
			  "(-sU)",
			  list, o->ports);
		cli_hint("add -sU (with -sS or -sT for the T: ports too), or "
			 "drop the U: part");
		return EXIT_USAGE;
	}
	if (p->n_tcp && o->udp && o->method < 0) {
		portier_out_port_ranges(p->tcp, p->n_tcp, list, sizeof(list));
		cli_error(cli,
			  "TCP ports (T:%s in '%s') given, but only a UDP scan "
			  "(-sU)",
			  list, o->ports);
		cli_hint("add -sS or -sT (-sSU, -sTU) to scan them, or drop "
			 "the T: part");
		return EXIT_USAGE;
	}
	if (o->udp && !p->n_udp) {
		cli_error(cli, "-sU given, but '%s' names no UDP port",
			  o->ports);
		cli_hint("ports without a prefix are scanned over every "
			 "protocol given; U:53,T:22 names them apart");
		return EXIT_USAGE;
	}
	return 0;
}

/* What -sU cannot do yet: stop before anything is sent. */
static int udp_fit(struct cli *cli, const struct scan_opts *o)
{
	const char *what = o->resume ? "--resume" : NULL;

	if (!o->udp && o->udp_payloads) {
		cli_error(cli, "--udp-payloads given without a UDP scan (-sU)");
		cli_hint("add -sU");
		return EXIT_USAGE;
	}
	if (o->udp && what) {
		cli_error(cli, "%s is not supported with -sU yet", what);
		cli_hint("scan UDP ports without %s, or the TCP ports alone "
			 "with it",
			 what);
		return EXIT_USAGE;
	}
	return 0;
}

int scan_build_ports(struct cli *cli, struct scan_opts *o,
		     struct portier_ports *p)
{
	struct portier_err err = {0};
	const char *source;
	unsigned plain = 0;
	int rc;

	if ((rc = udp_fit(cli, o)) != 0)
		return rc;
	if (!o->udp || o->method >= 0)
		plain |= PORTIER_PROTO_TCP;
	if (o->udp)
		plain |= PORTIER_PROTO_UDP;

	if (o->ports && o->top_ports) {
		cli_error(cli, "give either -p or --top-ports/-F, not both");
		cli_hint(
			"-p names the ports; --top-ports N and -F pick the most "
			"common ones");
		return EXIT_USAGE;
	}
	if (o->ports) {
		if (portier_ports_parse_for(o->ports, plain, p, &err) < 0)
			return cli_report(cli, &err);
		if ((rc = ports_fit(cli, o, p)) != 0) {
			portier_ports_release(p);
			return rc;
		}
		return 0;
	}
	if ((plain & PORTIER_PROTO_TCP) &&
	    portier_ports_top(o->top_ports ? o->top_ports : 1000,
			      SCAN_NMAP_SERVICES, p, &source, &err) < 0)
		return cli_report(cli, &err);
	if ((plain & PORTIER_PROTO_UDP) &&
	    portier_ports_top_udp(o->top_ports ? o->top_ports : 1000,
				  SCAN_NMAP_SERVICES, p, &source, &err) < 0)
		return cli_report(cli, &err);
	return 0;
}

/* The payload set for -sU: --udp-payloads FILE or the built-in one. */
int scan_load_payloads(struct cli *cli, const struct scan_opts *o,
		       struct portier_udp_payloads **out)
{
	struct portier_err err = {0};
	int rc;

	*out = NULL;
	if (!o->udp)
		return 0;
	rc = o->udp_payloads
		     ? portier_udp_payloads_load(o->udp_payloads, out, &err)
		     : portier_udp_payloads_builtin(out, &err);
	return rc < 0 ? cli_report(cli, &err) : 0;
}
