/*
 * opts.c - the one option parser of the subcommands: getopt_long made
 * silent, with the messages printed here so every command words a bad
 * option the same way:
 *
 *   portier CMD: unrecognized option '--x'
 *   portier CMD: option '--y' requires an argument
 *   portier CMD: invalid value 'v' for option '--z'
 *
 * followed by one hint line, and exit status 2 from the caller.  glibc tells
 * the failures apart only through optopt and what optind has passed, so that
 * reading lives here too.
 */
#include <stdarg.h>
#include <string.h>

#include "cli/cli.h"

void cli_usage_hint(const struct cli *cli)
{
	if (strcmp(cli->cmd, "help") == 0) { /* help's help is the overview */
		cli_hint("'portier help' lists the commands, 'portier help "
			 "COMMAND' explains one");
		return;
	}
	cli_hint("'portier %s --help' (or 'portier help %s') lists the "
		 "options",
		 cli->cmd, cli->cmd);
}

/* The name of a long option as typed, without any "=value". */
static int name_len(const char *arg)
{
	return (int)strcspn(arg, "=");
}

/*
 * The long options that start with the len bytes at name, as "--a, --b" in
 * buf (cut with "..." when long); returns how many there are.
 */
static size_t prefix_matches(const struct option *longopts, const char *name,
			     size_t len, char *buf, size_t size)
{
	size_t n = 0, used = 0;

	buf[0] = '\0';
	for (; longopts && longopts->name; longopts++) {
		if (strncmp(longopts->name, name, len) != 0)
			continue;
		if (used < size)
			used += (size_t)snprintf(buf + used, size - used,
						 "%s--%s", n ? ", " : "",
						 longopts->name);
		n++;
	}
	if (used >= size && size > 4)
		memcpy(buf + size - 4, "...", 4);
	return n;
}

/* Is arg ("--name=value") a long option that takes no argument? */
static bool takes_no_value(const struct option *longopts, const char *arg,
			   int val)
{
	size_t len;

	if (strncmp(arg, "--", 2) != 0 || !strchr(arg, '='))
		return false;
	len = (size_t)name_len(arg + 2);
	for (; longopts && longopts->name; longopts++)
		if (strncmp(longopts->name, arg + 2, len) == 0 &&
		    longopts->has_arg == no_argument && longopts->val == val)
			return true;
	return false;
}

static void report(const struct cli *cli, int c, int argc, char **argv,
		   const struct option *longopts)
{
	/* glibc has stepped past a long option, and past a short one
	 * unless more letters of its bundle follow */
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	bool is_long = strncmp(arg, "--", 2) == 0 && arg[2];
	char which[160];

	if (c == ':' && is_long)
		cli_error(cli, "option '%.*s' requires an argument",
			  name_len(arg), arg);
	else if (c == ':')
		cli_error(cli, "option '-%c' requires an argument", optopt);
	else if (optopt && takes_no_value(longopts, arg, optopt))
		cli_error(cli, "option '%.*s' takes no argument", name_len(arg),
			  arg);
	else if (optopt) /* a short one; in a bundle (-tZ) only its letter */
		cli_error(cli, "unrecognized option '-%c'", optopt);
	else if (is_long &&
		 prefix_matches(longopts, arg + 2, (size_t)name_len(arg + 2),
				which, sizeof(which)) > 1)
		cli_error(cli, "ambiguous option '%.*s': it could be %s",
			  name_len(arg), arg, which);
	else
		cli_error(cli, "unrecognized option '%.*s'", name_len(arg),
			  arg);
	cli_usage_hint(cli);
}

int cli_getopt(const struct cli *cli, int argc, char **argv,
	       const char *shortopts, const struct option *longopts,
	       int *longindex)
{
	char spec[128];
	size_t lead = shortopts[0] == '+' || shortopts[0] == '-';
	int c;

	/* ':' must follow a leading '+' or '-': then glibc reports a missing
	 * argument as ':' and prints nothing itself */
	if (strlen(shortopts) + 2 > sizeof(spec))
		return CLI_OPT_ERROR; /* a programming error, caught by tests */
	memcpy(spec, shortopts, lead);
	spec[lead] = ':';
	strcpy(spec + lead + 1, shortopts + lead);
	opterr = 0;
	optopt = 0;
	c = getopt_long(argc, argv, spec, longopts, longindex);
	if (c != '?' && c != ':')
		return c;
	report(cli, c, argc, argv, longopts);
	return CLI_OPT_ERROR;
}

int cli_opt_invalid(const struct cli *cli, const char *opt, const char *value,
		    const char *accepted, ...)
{
	va_list ap;

	cli_error(cli, "invalid value '%s' for option '%s'", value, opt);
	fputs("hint: ", stderr);
	va_start(ap, accepted);
	vfprintf(stderr, accepted, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

int cli_opt_ulong(const struct cli *cli, const char *opt, const char *value,
		  unsigned long lo, unsigned long hi, unsigned long *out)
{
	if (portier_parse_ulong(value, lo, hi, out) == 0)
		return 0;
	return cli_opt_invalid(cli, opt, value,
			       "%s takes a whole number from %lu to %lu", opt,
			       lo, hi);
}

int cli_opt_pid(const struct cli *cli, const char *value, int *pid)
{
	unsigned long v;

	if (cli_opt_ulong(cli, "--pid", value, 1, INT32_MAX, &v) != 0)
		return EXIT_USAGE;
	*pid = (int)v;
	return 0;
}
