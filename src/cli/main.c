/*
 * main.c - the portier tool: find the subcommand in the table and run it.
 *
 * Nothing here knows what a command does.  The shared set-up (TTY and
 * colour detection, the proc root, the lazily loaded knowledge base) lives
 * in struct cli; `--help` is answered here for every command, so each
 * command's help text is in one place, its cli_command.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#define PORTIER_CMD(name) extern const struct cli_command cli_cmd_##name;
#include "commands.inc"
#undef PORTIER_CMD

static const struct cli_command *const commands[] = {
#define PORTIER_CMD(name) &cli_cmd_##name,
#include "commands.inc"
#undef PORTIER_CMD
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static int by_rank(const void *a, const void *b)
{
	const struct cli_command *const *x = a, *const *y = b;

	return (*x)->rank - (*y)->rank;
}

static void usage(FILE *f)
{
	const struct cli_command *sorted[N_COMMANDS];
	size_t i;

	memcpy(sorted, commands, sizeof(sorted));
	qsort(sorted, N_COMMANDS, sizeof(sorted[0]), by_rank);
	fputs("usage: portier [--version] [--help] COMMAND [ARGS]\n\n"
	      "portier is a port-security toolkit: it knows every port, shows "
	      "this machine's\nports and who owns them, and judges what it "
	      "finds.\n\ncommands:\n",
	      f);
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", sorted[i]->name, sorted[i]->summary);
	fputs("\n'portier help COMMAND' or 'portier COMMAND --help' explains "
	      "a command;\n'man portier' has the details.\n\n"
	      "exit codes: 0 success, 1 findings (where a command judges), "
	      "2 bad usage or input,\n3 runtime failure (permission, network, "
	      "resource)\n",
	      f);
}

static const struct cli_command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	fprintf(stderr, "portier: '%s' is not a portier command\n", name);
	cli_hint("'portier --help' lists the commands");
	return EXIT_USAGE;
}

static bool wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return true;
	}
	return false;
}

static int print_help(const struct cli_command *cmd)
{
	fputs(cmd->help, stdout);
	if (cmd->help_more)
		fputs(cmd->help_more, stdout);
	return EXIT_OK;
}

/* `portier help [COMMAND]`; its only option is --help, as everywhere. */
static int help(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct cli cli = {.cmd = "help"};
	const struct cli_command *cmd;
	int c;

	optind = 1;
	while ((c = cli_getopt(&cli, argc, argv, "+h", longopts, NULL)) != -1)
		if (c == CLI_OPT_ERROR)
			return EXIT_USAGE;
	if (optind == argc || strcmp(argv[optind], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	cmd = find_command(argv[optind]);
	return cmd ? print_help(cmd) : unknown_command(argv[optind]);
}

static int run_command(const struct cli_command *cmd, int argc, char **argv)
{
	struct cli cli = {0};
	const char *root = getenv("PORTIER_PROC_ROOT");
	int rc;

	cli.cmd = cmd->name;
	cli.stdout_tty = isatty(STDOUT_FILENO);
	cli.stderr_tty = isatty(STDERR_FILENO);
	cli.color = cli.stdout_tty && !getenv("NO_COLOR");
	cli.proc_root = root && *root ? root : "/proc";

	rc = cmd->run(&cli, argc, argv);
	portier_kb_free(cli.kb);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "portier %s: cannot write to standard output\n",
			cmd->name);
		return EXIT_RUNTIME;
	}
	return rc;
}

int main(int argc, char **argv)
{
	const struct cli_command *cmd;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("portier %s\n", PORTIER_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0)
		return help(argc - 1, argv + 1);
	if (argv[1][0] == '-') {
		fprintf(stderr, "portier: unrecognized option '%s'\n", argv[1]);
		cli_hint("options go after the command: portier COMMAND "
			 "[OPTIONS]; see 'portier --help'");
		return EXIT_USAGE;
	}
	cmd = find_command(argv[1]);
	if (!cmd)
		return unknown_command(argv[1]);
	if (wants_help(argc - 1, argv + 1))
		return print_help(cmd);
	return run_command(cmd, argc - 1, argv + 1);
}
