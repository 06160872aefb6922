/*
 * cmd_rpc.c - `portier rpc`: what the DCE/RPC endpoint mapper on TCP 135
 * tells anyone who asks: every registered interface with its bindings (TCP
 * and UDP ports, named pipes, local endpoints), like impacket's rpcdump.
 *
 * The probe module binds to the mapper and walks ept_lookup to the end;
 * this file prints a one-line summary per host (nbtscan-like), then the
 * interfaces grouped by UUID and version with their bindings, or a JSON
 * object per host, and the library's findings (print spooler or EFSR
 * registered: coercion and relay; the list itself readable).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/probe_out.h"

#define RPC_MAX_TARGETS 4096

struct rpc_run {
	struct cli *cli;
	struct portier_rpc_opts opt;
	bool json;
	const char *raw_dir;
	int raw_fd;
	unsigned hosts_up, hosts_down, findings;
	int printed;
};

static void save_raw(const struct rpc_run *run,
		     const struct portier_rpc_host *h)
{
	char ip[PORTIER_ADDR_STRLEN], name[96];

	portier_addr_str(&h->addr, ip, sizeof(ip));
	snprintf(name, sizeof(name), "rpc-%s-%u.bin", ip, h->port);
	probe_out_raw_write(run->cli, run->raw_fd, run->raw_dir, name, h->raw,
			    h->raw_len);
}

static void report(void *ctx, void *result, int rc,
		   const struct portier_err *err)
{
	struct rpc_run *run = ctx;
	struct portier_rpc_host *h = result;
	struct portier_probe_finding f[PORTIER_RPC_MAX_FINDINGS];

	if (!run->json && run->printed++)
		putchar('\n');
	save_raw(run, h);
	if (rc < 0) {
		run->hosts_down++;
		if (run->json)
			(void)cli_json_line(stdout,
					    probe_out_rpc_json(h, rc, err));
		else
			printf("%s\n", err->msg);
		fflush(stdout);
		return;
	}
	run->hosts_up++;
	run->findings += (unsigned)portier_rpc_judge(h, f);
	if (run->json)
		(void)cli_json_line(stdout, probe_out_rpc_json(h, rc, err));
	else
		probe_out_rpc_text(stdout, run->cli, h);
	fflush(stdout);
}

static int probe(void *ctx, const struct portier_addr *a, void *result,
		 struct portier_err *err)
{
	const struct rpc_run *run = ctx;

	return portier_probe_rpc_host(a, &run->opt, result, err);
}

static void release(void *result)
{
	portier_rpc_host_free(result);
}

static const struct probe_pool_ops rpc_pool_ops = {
	.result_size = sizeof(struct portier_rpc_host),
	.probe = probe,
	.report = report,
	.release = release,
};

static int cmd_rpc(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"timeout", required_argument, NULL, 't'},
		{"max-pages", required_argument, NULL, 'm'},
		{"json", no_argument, NULL, 'j'},
		{"raw-dir", required_argument, NULL, 'D'},
		{"parallel", required_argument, NULL, 'P'},
		{NULL, 0, NULL, 0},
	};
	struct rpc_run run = {.cli = cli, .raw_fd = -1};
	unsigned long v;
	unsigned parallel = 16;
	size_t n;
	int c, rc;

	run.opt.timeout_ms = 3000;
	while ((c = cli_getopt(cli, argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (cli_opt_ulong(cli, "--timeout", optarg, 10, 60000,
					  &v))
				return EXIT_USAGE;
			run.opt.timeout_ms = (unsigned)v;
			break;
		case 'm':
			if (cli_opt_ulong(cli, "--max-pages", optarg, 1, 4096,
					  &v))
				return EXIT_USAGE;
			run.opt.max_pages = (unsigned)v;
			break;
		case 'j':
			run.json = true;
			break;
		case 'D':
			run.raw_dir = optarg;
			break;
		case 'P':
			if (cli_opt_ulong(cli, "--parallel", optarg, 1,
					  PROBE_POOL_MAX_PARALLEL, &v))
				return EXIT_USAGE;
			parallel = (unsigned)v;
			break;
		default: /* cli_getopt said why */
			return EXIT_USAGE;
		}
	}
	rc = probe_out_run(cli, argv + optind, (size_t)(argc - optind),
			   RPC_MAX_TARGETS, run.raw_dir, &run.raw_fd, parallel,
			   &rpc_pool_ops, &run, &n);
	if (rc != EXIT_OK)
		return rc;
	if (!run.json)
		fprintf(stderr,
			"portier rpc: %zu host%s asked, %u listed endpoints, "
			"%u did not, %u finding%s\n",
			n, n == 1 ? "" : "s", run.hosts_up, run.hosts_down,
			run.findings, run.findings == 1 ? "" : "s");
	return run.findings ? EXIT_FINDINGS : EXIT_OK;
}

const struct cli_command cli_cmd_rpc = {
	.name = "rpc",
	.run = cmd_rpc,
	.rank = 65,
	.summary = "what the RPC endpoint mapper on 135 lists (rpcdump)",
	.help = "usage: portier rpc [--json] [--timeout MS] [--max-pages N]\n"
		"                   [--parallel N] [--raw-dir DIR] TARGET...\n"
		"\n"
		"Ask the DCE/RPC endpoint mapper on 135/tcp of each TARGET which RPC\n"
		"interfaces the host offers and where: TCP and UDP ports, named\n"
		"pipes, local (ncalrpc) endpoints.  portier binds to the mapper\n"
		"(e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.0, NDR) without logging\n"
		"in, and calls ept_lookup until the server ends the list (Windows\n"
		"returns an empty handle, Samba EPT_S_NOT_REGISTERED).  The\n"
		"interfaces are named from portier's own table (spooler, EFSR,\n"
		"task scheduler, SAMR, LSA, DRSUAPI, netlogon, WMI/DCOM, ...) with\n"
		"what each exposes.  The first line per host sums it up; then each\n"
		"interface (UUID, version, name) with its bindings, as impacket's\n"
		"rpcdump prints them.\n"
		"\n"
		"Findings: the print spooler (MS-RPRN, MS-PAR) or EFSR registered is\n"
		"high (PrinterBug, PetitPotam: the host can be made to authenticate\n"
		"to an attacker, who relays it); the list readable at all is medium.\n"
		"\n"
		"A hostile or broken server cannot hold portier: every reply waits\n"
		"at most --timeout and a host 8 timeouts in all; a list longer than\n"
		"--max-pages calls (default 256) or 4096 entries, and a response\n"
		"over 1 MiB or 256 fragments are cut, with the entries so far kept\n"
		"and the reason printed.\n"
		"\n"
		"A TARGET is written as for 'portier smb' (names are not resolved):\n"
		"an address, a block (198.19.1.0/28) or a range (198.19.1.10-20); at\n"
		"most 4096, probed --parallel at a time, reported in address order.\n"
		"\n"
		"options:\n"
		"  --timeout MS    per connect and per reply (default 3000)\n"
		"  --max-pages N   ept_lookup calls per host, 1-4096 (default 256)\n"
		"  --parallel N    probe N hosts at once (default 16, 1-256)\n"
		"  --json          JSON Lines, one object per host (docs/json-probe.md)\n"
		"  --raw-dir DIR   save the PDUs each server sent as\n"
		"                  DIR/rpc-IP-135.bin; an existing symlink or\n"
		"                  non-regular file is not written\n"
		"\n"
		"exit status: 0 no finding, 1 findings, 2 bad usage, 3 runtime\n"
		"failure.\n"
		"\n"
		"examples:\n"
		"  portier rpc 198.19.1.2\n"
		"  portier rpc --json 198.19.1.0/28 | jq -r '.entries[].binding'\n",
};
