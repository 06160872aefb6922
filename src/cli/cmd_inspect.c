/*
 * cmd_inspect.c - `portier inspect PORT | --pid PID`: the program behind a
 * port, read-only.  The inspect module does the work; this file parses the
 * arguments, reads PORTIER_ROOT, prints the report and turns --fail-on
 * into the exit code.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/inspect_out.h"
#include "portier/inspect.h"

static const char inspect_help[] =
	"usage: portier inspect [OPTIONS] PORT[/tcp|/udp]\n"
	"       portier inspect [OPTIONS] --pid PID\n"
	"\n"
	"Show the program behind a listening port (or a process) and what\n"
	"an investigation needs next, without changing anything:\n"
	"  - the sockets and the owning processes: parent chain, command\n"
	"    line, user, cwd, start time, systemd unit or container, network\n"
	"    namespace;\n"
	"  - the executable, read through /proc/PID/exe (a deleted binary is\n"
	"    still hashed): SHA-256, size, times, owner, set-ID bits, file\n"
	"    capabilities, and the Debian package that owns it with its\n"
	"    md5sum checked against dpkg's database;\n"
	"  - persistence: systemd units, drop-ins, timers and links, cron,\n"
	"    rc.local and init.d, udev rules, XDG autostart, shell profiles,\n"
	"    /etc/ld.so.preload, authorized_keys command=, sudoers, at jobs,\n"
	"    PAM, apt hooks and systemd generators that name its path, its\n"
	"    hash, its name or its directory;\n"
	"  - companions: files changed within --window minutes of the binary\n"
	"    in its directory, /tmp, /var/tmp, /dev/shm, ~/.cache, ~/.config\n"
	"    (package files that verify are left out);\n"
	"  - hidden listeners: sockets sock_diag and /proc/net disagree on, in\n"
	"    every network namespace, confirmed by a second read and a bind\n"
	"    test inside the namespace (bind, no listen, close), and the\n"
	"    port taken while no view shows it, with a confidence;\n"
	"  - findings with a severity, and the port's history from the\n"
	"    knowledge base.\n"
	"A bare number is a port: ports and pids overlap, so a pid takes --pid.\n"
	"\n"
	"options:\n"
	"  --pid PID        inspect this process and its sockets\n"
	"  --window MIN     companions: minutes around the binary's mtime and\n"
	"                   ctime (default 10, at most 10080)\n"
	"  --no-hidden      skip the hidden-listener cross-check\n"
	"  --sweep          bind-test every port no view explains, in every\n"
	"                   network namespace (as unhide-tcp; about 1 s each)\n"
	"  --netns NAME     the sockets of network namespace NAME (/run/netns/\n"
	"                   NAME or an absolute path)\n"
	"  --json           one JSON object (docs/json-inspect.md)\n"
	"  --fail-on LEVEL  exit 1 if a finding of LEVEL or worse exists: high,\n"
	"                   medium, low or info\n"
	"\n"
	"environment:\n"
	"  PORTIER_ROOT       read /etc, /var/lib/dpkg, homes and /tmp under\n"
	"                     this directory instead of / (a mounted image)\n"
	"  PORTIER_PROC_ROOT  read processes from this directory (default /proc)\n"
	"\n"
	"Run it as root: other users' processes and files are otherwise hidden.\n"
	"\n"
	"examples:\n"
	"  portier inspect 45576\n"
	"  portier inspect --pid 1234 --window 30\n"
	"  portier inspect 22 --json | jq .processes[0].exe.package\n"
	"\n"
	"exit: 0 done, 1 findings at or above --fail-on, 2 bad usage, no\n"
	"listener on the port or no such process, 3 the system could not be\n"
	"read\n";

enum {
	OPT_PID = 256,
	OPT_WINDOW,
	OPT_NO_HIDDEN,
	OPT_SWEEP,
	OPT_JSON,
	OPT_FAIL_ON,
	OPT_NETNS,
};

static const struct option long_opts[] = {
	{"pid", required_argument, NULL, OPT_PID},
	{"window", required_argument, NULL, OPT_WINDOW},
	{"no-hidden", no_argument, NULL, OPT_NO_HIDDEN},
	{"sweep", no_argument, NULL, OPT_SWEEP},
	{"json", no_argument, NULL, OPT_JSON},
	{"fail-on", required_argument, NULL, OPT_FAIL_ON},
	{"netns", required_argument, NULL, OPT_NETNS},
	{NULL, 0, NULL, 0},
};

struct inspect_args {
	struct portier_inspect_query q;
	bool json, have_fail;
	enum portier_risk fail_on;
};

static int parse_args(struct cli *cli, int argc, char **argv,
		      struct inspect_args *a)
{
	unsigned long v;
	int c;

	optind = 1;
	while ((c = cli_getopt(cli, argc, argv, "", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_PID:
			if (cli_opt_pid(cli, optarg, &a->q.pid) != 0)
				return EXIT_USAGE;
			break;
		case OPT_WINDOW:
			if (cli_opt_ulong(cli, "--window", optarg, 1,
					  PORTIER_INSPECT_WINDOW_MAX, &v) != 0)
				return EXIT_USAGE;
			a->q.window_min = (unsigned)v;
			break;
		case OPT_SWEEP:
			a->q.sweep = true;
			break;
		case OPT_NO_HIDDEN:
			a->q.no_hidden = true;
			break;
		case OPT_NETNS:
			a->q.netns = optarg;
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_FAIL_ON:
			if (cli_opt_fail_on(cli, optarg, &a->fail_on) != 0)
				return EXIT_USAGE;
			a->have_fail = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	return cli_port_or_pid(cli, argc, argv, a->q.pid, "PORT or --pid PID",
			       &a->q.port, &a->q.protos);
}

static int run(struct cli *cli, int argc, char **argv)
{
	struct inspect_args a = {0};
	struct portier_err err = {0};
	struct portier_inspect *r = NULL;
	const char *root = getenv("PORTIER_ROOT");
	int rc = parse_args(cli, argc, argv, &a);
	size_t i;

	if (rc >= 0)
		return rc;
	a.q.root = root && *root ? root : "/";
	a.q.proc_root = cli->proc_root;
	a.q.kb = a.q.port ? cli_kb(cli) : NULL;
	if (a.q.port && !a.q.kb)
		return EXIT_RUNTIME;
	if (portier_inspect_run(&a.q, &r, &err) < 0)
		return cli_report(cli, &err);
	if (a.json) {
		if (inspect_out_json(r, stdout) < 0) {
			cli_error(cli, "out of memory writing JSON");
			portier_inspect_free(r);
			return EXIT_RUNTIME;
		}
	} else {
		inspect_out_text(cli, r, stdout);
	}
	rc = EXIT_OK;
	for (i = 0; a.have_fail && i < r->n_findings; i++)
		if (r->findings[i].severity >= a.fail_on)
			rc = EXIT_FINDINGS;
	portier_inspect_free(r);
	return rc;
}

const struct cli_command cli_cmd_inspect = {
	.name = "inspect",
	.run = run,
	.summary = "the program behind a port: process, binary, package, "
		   "persistence, companions",
	.help = inspect_help,
	.rank = 35,
};
