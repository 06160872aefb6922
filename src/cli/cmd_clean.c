/*
 * cmd_clean.c - `portier clean PORT | --pid PID`, `--undo ID`, `--list`:
 * a reversible removal of the program behind a port.  inspect finds it,
 * the clean module plans, acts and undoes; this file parses the
 * arguments, prints the plan, asks for confirmation and names the
 * quarantine to undo from.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/clean_out.h"
#include "cli/cli.h"
#include "portier/clean.h"
#include "portier/inspect.h"

static const char clean_help[] =
	"usage: portier clean [OPTIONS] PORT[/tcp|/udp]\n"
	"       portier clean [OPTIONS] --pid PID\n"
	"       portier clean --undo ID\n"
	"       portier clean --list\n"
	"\n"
	"Remove the program behind a listening port (or a process) so that\n"
	"it can be put back exactly.  What `portier inspect` finds becomes a\n"
	"plan, printed first:\n"
	"  - the owning processes and their children are stopped (SIGSTOP);\n"
	"  - their executables (read through /proc/PID/exe, so a deleted\n"
	"    binary is still saved) and companion files are copied into a\n"
	"    private quarantine, with a manifest of hashes, paths, modes,\n"
	"    owners and times;\n"
	"  - the processes are killed;\n"
	"  - systemd units that start them are disabled (unit files and\n"
	"    links moved into quarantine) and masked;\n"
	"  - every other persistence entry is moved into quarantine; a line\n"
	"    in a shared file (a crontab, ld.so.preload, an rc file) is taken\n"
	"    out of it, the whole file kept in quarantine;\n"
	"  - the executables and companions are removed (their copies stay);\n"
	"  - the port is closed with the firewall (portier's table, with an\n"
	"    undo point).\n"
	"Nothing is deleted.  Files a Debian package owns that still verify\n"
	"are never touched, and a process running a packaged binary that\n"
	"verifies is left alone.  Before each file step the file must still\n"
	"be what the plan saw; if it changed, clean stops there.\n"
	"\n"
	"The plan is carried out with --yes, or after a y on the terminal.\n"
	"Without a terminal and without --yes it is only printed.\n"
	"\n"
	"options:\n"
	"  --pid PID        clean this process and its sockets\n"
	"  --yes            carry out the plan without asking\n"
	"  --window MIN     companions: minutes around the binary's times\n"
	"                   (default 10, at most 10080)\n"
	"  --undo ID        put back everything quarantine ID holds: files\n"
	"                   byte for byte with mode, owner and times, the\n"
	"                   units, the firewall; a killed program is not\n"
	"                   started again\n"
	"  --list           the quarantines and their state\n"
	"\n"
	"environment:\n"
	"  PORTIER_ROOT       the system under this directory instead of /;\n"
	"                     the quarantine is PORTIER_ROOT/var/lib/portier/\n"
	"                     quarantine (root's alone, mode 0700)\n"
	"  PORTIER_PROC_ROOT  read processes from this directory\n"
	"  PORTIER_STATE_DIR  the firewall's undo points (as for `portier\n"
	"                     firewall`; default PORTIER_ROOT/var/lib/portier/fw)\n"
	"\n"
	"examples:\n"
	"  sudo portier clean 45576\n"
	"  sudo portier clean --pid 1234 --yes\n"
	"  sudo portier clean --undo 20261204T132240Z-45576\n"
	"\n"
	"exit: 0 done (or nothing to do), 1 a plan printed but not carried\n"
	"out, 2 bad usage, no listener on the port, no such process or\n"
	"quarantine, a file that changed before clean touched it, 3 not root\n"
	"or the system failed (what was done is undone with --undo)\n";

enum {
	OPT_PID = 256,
	OPT_YES,
	OPT_WINDOW,
	OPT_UNDO,
	OPT_LIST,
};

static const struct option long_opts[] = {
	{"pid", required_argument, NULL, OPT_PID},
	{"yes", no_argument, NULL, OPT_YES},
	{"window", required_argument, NULL, OPT_WINDOW},
	{"undo", required_argument, NULL, OPT_UNDO},
	{"list", no_argument, NULL, OPT_LIST},
	{NULL, 0, NULL, 0},
};

struct clean_args {
	struct portier_inspect_query q;
	bool yes, list;
	const char *undo;
};

static int parse_args(struct cli *cli, int argc, char **argv,
		      struct clean_args *a)
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
		case OPT_YES:
			a->yes = true;
			break;
		case OPT_UNDO:
			a->undo = optarg;
			break;
		case OPT_LIST:
			a->list = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if ((a->undo || a->list) &&
	    (a->q.pid || optind < argc || (a->undo && a->list))) {
		cli_error(cli,
			  "--%s stands alone: no port, --pid or other "
			  "action with it",
			  a->undo ? "undo" : "list");
		cli_usage_hint(cli);
		return EXIT_USAGE;
	}
	if (a->undo || a->list)
		return -1;
	return cli_port_or_pid(cli, argc, argv, a->q.pid,
			       "PORT, --pid PID, --undo ID or --list",
			       &a->q.port, &a->q.protos);
}

static void progress(const struct portier_clean_step *s, void *ctx)
{
	clean_out_step(ctx, s, "done: ", stdout);
	fflush(stdout);
}

static int list(struct cli *cli, const struct portier_clean_env *env)
{
	struct portier_err err = {0};
	char **ids = NULL;
	size_t i, n = 0;
	int rc = portier_clean_list(env, &ids, &n, &err);

	if (rc < 0)
		return cli_report(cli, &err);
	if (!n)
		printf("no quarantines\n");
	for (i = 0; i < n; i++) {
		struct portier_clean_plan *p = NULL;

		portier_err_clear(&err);
		if (portier_clean_load(env, ids[i], &p, &err) == 0)
			clean_out_list_line(p, stdout);
		else
			printf("%-28s unreadable: %s\n", ids[i], err.msg);
		portier_clean_plan_free(p);
		portier_free(ids[i]);
	}
	portier_free(ids);
	return EXIT_OK;
}

static int undo(struct cli *cli, const struct portier_clean_env *env,
		const char *id)
{
	struct portier_err err = {0};
	struct portier_clean_plan *p = NULL;
	size_t i, n = 0;

	if (portier_clean_undo(env, id, &p, &err) < 0)
		return cli_report(cli, &err);
	for (i = p->n_steps; i-- > 0;)
		if (p->steps[i].state == PORTIER_CLEAN_UNDONE &&
		    p->steps[i].kind != PORTIER_CLEAN_SAVE &&
		    p->steps[i].kind != PORTIER_CLEAN_STOP &&
		    p->steps[i].kind != PORTIER_CLEAN_KILL) {
			clean_out_step(cli, &p->steps[i], "undone: ", stdout);
			n++;
		}
	printf("quarantine %s undone (%zu steps put back)\n", p->id, n);
	if (p->note[0])
		printf("note: %s\n", p->note);
	printf("the killed program was not started again; its copy stays in "
	       "the quarantine\n");
	if (p->reboot)
		printf("reboot: /etc/ld.so.preload or a kernel module was "
		       "involved\n");
	portier_clean_plan_free(p);
	return EXIT_OK;
}

/* --yes, or y on the terminal; false with the reason printed. */
static bool confirmed(struct cli *cli, bool yes)
{
	char line[32];

	if (yes)
		return true;
	if (!isatty(STDIN_FILENO) || !cli->stdout_tty) {
		cli_notice(cli, "plan not carried out: no --yes, and no "
				"terminal to confirm on");
		return false;
	}
	printf("carry out this plan? [y/N] ");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin) ||
	    (strcmp(line, "y\n") != 0 && strcmp(line, "yes\n") != 0)) {
		cli_notice(cli, "plan not carried out");
		return false;
	}
	return true;
}

static int act(struct cli *cli, const struct portier_clean_env *env,
	       struct portier_clean_plan *p)
{
	struct portier_err err = {0};
	int rc = portier_clean_act(env, p, &err);

	if (rc < 0) {
		rc = cli_report(cli, &err);
		if (p->id[0])
			cli_hint("what was done so far is recorded: put it "
				 "back with 'portier clean --undo %s'",
				 p->id);
		return rc;
	}
	printf("quarantine %s: %s/" PORTIER_CLEAN_DIR "/%s\n", p->id,
	       strcmp(p->root, "/") == 0 ? "" : p->root, p->id);
	printf("undo with: portier clean --undo %s (files, units and the "
	       "firewall come back; the killed program is not restarted)\n",
	       p->id);
	if (p->reboot)
		printf("reboot now: /etc/ld.so.preload or a kernel module was "
		       "involved\n");
	return EXIT_OK;
}

static int run(struct cli *cli, int argc, char **argv)
{
	struct clean_args a = {0};
	struct portier_err err = {0};
	struct portier_inspect *r = NULL;
	struct portier_clean_plan *p = NULL;
	const char *root = getenv("PORTIER_ROOT");
	struct portier_clean_env env = {.progress = progress, .ctx = cli};
	int rc = parse_args(cli, argc, argv, &a);

	if (rc >= 0)
		return rc;
	env.root = root && *root ? root : "/";
	env.proc_root = cli->proc_root;
	env.fw_state_dir = getenv("PORTIER_STATE_DIR");
	if (a.list)
		return list(cli, &env);
	if (a.undo)
		return undo(cli, &env, a.undo);
	a.q.root = env.root;
	a.q.proc_root = cli->proc_root;
	a.q.no_hidden = true;
	if (portier_inspect_run(&a.q, &r, &err) < 0)
		return cli_report(cli, &err);
	rc = portier_clean_plan(&(struct portier_clean_query){.root = env.root,
							      .port = a.q.port,
							      .pid = a.q.pid},
				r, &p, &err);
	portier_inspect_free(r);
	if (rc < 0)
		return cli_report(cli, &err);
	clean_out_plan(cli, p, stdout);
	fflush(stdout);
	if (!p->n_steps)
		rc = EXIT_OK;
	else if (!confirmed(cli, a.yes))
		rc = EXIT_FINDINGS;
	else
		rc = act(cli, &env, p);
	portier_clean_plan_free(p);
	return rc;
}

const struct cli_command cli_cmd_clean = {
	.name = "clean",
	.run = run,
	.summary = "stop and quarantine the program behind a port, "
		   "reversibly (--undo)",
	.help = clean_help,
	.rank = 36,
};
