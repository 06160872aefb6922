/*
 * cmd_nbstat.c - `portier nbstat`: what one UDP packet to port 137 makes a
 * host reveal (the `nbtstat -A` / `nbtscan` / `nmblookup -A` view).
 *
 * The library sweeps the targets (probe module); this file only turns each
 * host's outcome into an nbtscan-like line, an nmblookup-like table (-v) or
 * a JSON object, and says in one line what the host leaks and how to stop
 * it, from the knowledge base's advice for 137/udp.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/probe_out.h"

#define NBSTAT_MAX_TARGETS 65536

struct nbstat_run {
	struct cli *cli;
	bool json, verbose, all, quiet;
	const char *raw_dir;
	int raw_fd; /* the --raw-dir directory, -1 without it */
	const struct portier_kb_entry *kb137;
	unsigned answered, malformed, silent, refused, failed;
	size_t total;  /* targets, for the progress line */
	bool progress; /* stderr is a terminal and the sweep is big */
	bool progress_shown;
	bool header_done;
};

static void save_raw(const struct nbstat_run *run,
		     const struct portier_nbstat_result *r, const char *ip)
{
	char name[64];

	snprintf(name, sizeof(name), "nbstat-%s.bin", ip);
	probe_out_raw_write(run->cli, run->raw_fd, run->raw_dir, name, r->raw,
			    r->raw_len);
}

static void show_result(const struct portier_nbstat_result *r, void *ctx)
{
	struct nbstat_run *run = ctx;
	char ip[INET6_ADDRSTRLEN];
	const struct cli *cli = run->cli;

	portier_addr_str(&r->addr, ip, sizeof(ip));
	save_raw(run, r, ip);
	switch (r->status) {
	case 0:
		run->answered++;
		break;
	case PORTIER_EPROTO:
		run->malformed++;
		break;
	case -ETIMEDOUT:
		run->silent++;
		break;
	case -ECONNREFUSED:
		run->refused++;
		break;
	default:
		run->failed++;
		break;
	}
	if (run->json) {
		if (r->status == 0 || r->status == PORTIER_EPROTO || run->all)
			(void)cli_json_line(
				stdout, probe_out_nbstat_json(r, run->kb137));
		return;
	}
	if (r->status != 0) {
		/* a malformed reply is always shown: something answered */
		if (r->status == PORTIER_EPROTO || run->all)
			printf("%-16s %s%s: %s%s\n", ip,
			       cli_color_on(cli, CLI_RED),
			       probe_out_nbstat_status(r->status), r->err.msg,
			       cli_color_off(cli));
		return;
	}
	if (run->verbose) {
		if (run->answered + run->malformed > 1)
			putchar('\n');
		probe_out_nbstat_table(stdout, r);
	} else {
		if (!run->header_done && !run->quiet) {
			probe_out_nbstat_header(stdout);
			run->header_done = true;
		}
		probe_out_nbstat_line(stdout, r);
	}
	if (!run->quiet)
		probe_out_nbstat_leak(stdout, cli, r, run->kb137);
}

/* Each outcome, with a "N/M hosts settled" line on the terminal for big
 * sweeps: updated every 64 hosts and after each printed host, wiped before
 * anything goes to stdout and at the end. */
static void on_result(const struct portier_nbstat_result *r, void *ctx)
{
	struct nbstat_run *run = ctx;
	bool prints = r->status == 0 || r->status == PORTIER_EPROTO || run->all;
	size_t done;

	if (run->progress && run->progress_shown && prints) {
		fputs("\r\033[K", stderr);
		run->progress_shown = false;
	}
	show_result(r, ctx);
	if (!run->progress)
		return;
	fflush(stdout);
	done = (size_t)run->answered + run->malformed + run->silent +
	       run->refused + run->failed;
	if (done == run->total) {
		if (run->progress_shown)
			fputs("\r\033[K", stderr);
		run->progress_shown = false;
	} else if (done % 64 == 0 || prints) {
		fprintf(stderr, "\r%zu/%zu hosts settled", done, run->total);
		run->progress_shown = true;
	}
}

static int parse_num(const struct cli *cli, const char *opt, const char *s,
		     unsigned long lo, unsigned long hi, unsigned *out)
{
	unsigned long v;

	if (cli_opt_ulong(cli, opt, s, lo, hi, &v) != 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int cmd_nbstat(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"rate", required_argument, NULL, 'r'},
		{"retries", required_argument, NULL, 'R'},
		{"timeout", required_argument, NULL, 't'},
		{"verbose", no_argument, NULL, 'v'},
		{"json", no_argument, NULL, 'j'},
		{"all", no_argument, NULL, 'a'},
		{"quiet", no_argument, NULL, 'q'},
		{"raw-dir", required_argument, NULL, 'D'},
		{NULL, 0, NULL, 0},
	};
	/* by default a /24 goes out at once, bigger blocks at 10000/s */
	struct portier_nbstat_opts opt = {
		.rate = 10000, .burst = 256, .retries = 1, .timeout_ms = 1000};
	struct nbstat_run run = {.cli = cli, .raw_fd = -1};
	struct portier_err err = {0};
	struct portier_addr *targets = NULL;
	struct portier_kb *kb;
	size_t n, i;
	int c, rc;

	while ((c = cli_getopt(cli, argc, argv, "vaq", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (parse_num(cli, "--rate", optarg, 0, 1000000,
				      &opt.rate) < 0)
				return EXIT_USAGE;
			opt.burst = 0; /* pace from the first query */
			break;
		case 'R':
			if (parse_num(cli, "--retries", optarg, 0, 10,
				      &opt.retries) < 0)
				return EXIT_USAGE;
			break;
		case 't':
			if (parse_num(cli, "--timeout", optarg, 10, 60000,
				      &opt.timeout_ms) < 0)
				return EXIT_USAGE;
			break;
		case 'v':
			run.verbose = true;
			break;
		case 'j':
			run.json = true;
			break;
		case 'a':
			run.all = true;
			break;
		case 'q':
			run.quiet = true;
			break;
		case 'D':
			run.raw_dir = optarg;
			break;
		default: /* cli_getopt said why */
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		cli_error(cli, "no targets given");
		cli_hint("name the hosts to ask: 'portier nbstat 198.19.1.2' "
			 "or a block 'portier nbstat 198.19.1.0/24'");
		return EXIT_USAGE;
	}
	rc = probe_out_targets(cli, argv + optind, (size_t)(argc - optind),
			       NBSTAT_MAX_TARGETS, &targets, &n);
	if (rc != EXIT_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if (targets[i].family != 4) {
			char ip[PORTIER_ADDR_STRLEN];

			portier_addr_str(&targets[i], ip, sizeof(ip));
			cli_error(cli,
				  "'%s' is IPv6: NetBIOS has no IPv6 "
				  "name service",
				  ip);
			cli_hint("give IPv4 targets; 'portier smb' speaks "
				 "SMB over IPv6");
			portier_free(targets);
			return EXIT_USAGE;
		}
	}
	if (run.raw_dir &&
	    probe_out_raw_dir(cli, run.raw_dir, &run.raw_fd) != EXIT_OK) {
		portier_free(targets);
		return EXIT_USAGE;
	}
	kb = cli_kb(cli);
	run.kb137 = kb ? portier_kb_best(kb, 137, PORTIER_PROTO_UDP) : NULL;
	run.total = n;
	run.progress = cli->stderr_tty && n > 256;
	rc = portier_nbstat_sweep(targets, n, &opt, on_result, &run, &err);
	portier_free(targets);
	if (run.raw_fd >= 0)
		close(run.raw_fd);
	if (rc < 0)
		return cli_report(cli, &err);
	if (!run.json && !run.quiet)
		fprintf(stderr,
			"portier nbstat: %zu host%s asked, %u answered, %u "
			"malformed, %u silent, %u refused (137/udp closed)%s\n",
			n, n == 1 ? "" : "s", run.answered, run.malformed,
			run.silent, run.refused, run.failed ? ", errors" : "");
	return run.answered || run.malformed ? EXIT_FINDINGS : EXIT_OK;
}

const struct cli_command cli_cmd_nbstat = {
	.name = "nbstat",
	.run = cmd_nbstat,
	.rank = 50,
	.summary = "what NetBIOS (137/udp) reveals: names, users, MAC "
		   "(nbtstat -A)",
	.help = "usage: portier nbstat [-v|--json] [--rate N] [--retries N]\n"
		"                      [--timeout MS] [-a] [-q] [--raw-dir DIR] TARGET...\n"
		"\n"
		"Send one NetBIOS node status query (RFC 1002) for the name '*' to\n"
		"137/udp of every target and show what each host gives away: its\n"
		"computer name, workgroup or domain, logged-on user, roles (file\n"
		"server, domain controller, master browser) and the MAC address,\n"
		"with one line on how to stop the leak.  Like nbtscan, nbtstat -A\n"
		"and nmblookup -A.  Only hosts that answer are listed; a summary\n"
		"goes to stderr.\n"
		"\n"
		"A TARGET is written as for 'portier scan' (names are not resolved):\n"
		"an address (198.19.1.2), a block (198.19.1.0/24: its network and\n"
		"broadcast addresses are skipped) or a range (198.19.1.10-20,\n"
		"198.19.1.10-198.19.1.20, 198.19.1-3.1-254).  IPv4 only: NetBIOS\n"
		"has no IPv6 name service.  At most 65536 targets, asked in\n"
		"ascending order, each once.\n"
		"\n"
		"Queries go to unicast hosts only.  A multicast (224.0.0.0/4),\n"
		"255.255.255.255 or 0.x target is an error; blocks and ranges skip\n"
		"those and, like nbtscan, the .0 and .255 of every /24 they cover\n"
		"(198.19.1.250-198.19.2.5 asks 10 hosts).  The socket may not\n"
		"broadcast, so the broadcast address of a local subnet is refused\n"
		"by the kernel; a remote .255 or .0 written as a single address is\n"
		"sent as written.\n"
		"\n"
		"options:\n"
		"  --rate N       at most N queries per second, paced from the\n"
		"                 first (default: 256 at once, then 10000/s; 0: no\n"
		"                 limit, which can lose answers on big blocks)\n"
		"  --retries N    query a silent host N more times (default 1, 0-10);\n"
		"                 the queries are spread evenly over the timeout\n"
		"  --timeout MS   give a host MS milliseconds from its first query\n"
		"                 (default 1000, 10-60000)\n"
		"  -v, --verbose  every name with its suffix, GROUP flag, node type\n"
		"                 and state, like nmblookup -A\n"
		"  --json         JSON Lines, one object per host (docs/json-probe.md)\n"
		"  -a, --all      also list hosts that did not answer\n"
		"  -q, --quiet    no header, no leak lines, no summary\n"
		"  --raw-dir DIR  save every reply as DIR/nbstat-IP.bin (for bug\n"
		"                 reports and test fixtures); an existing symlink or\n"
		"                 non-regular file there is not written through\n"
		"\n"
		"exit status: 0 no host answered, 1 some host revealed its names,\n"
		"2 bad usage, 3 the sweep could not run.\n"
		"\n"
		"examples:\n"
		"  portier nbstat 198.19.1.2\n"
		"  portier nbstat -v 198.19.1.2\n"
		"  portier nbstat --rate 500 --retries 2 198.19.1.0/24\n"
		"  portier nbstat --json 198.19.1.1-50 > names.jsonl\n",
};
