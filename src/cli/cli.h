/*
 * cli.h - what the subcommands of the portier tool share.
 *
 * src/cli/ is the only code that parses argv, prints to the terminal or
 * exits.  Each subcommand is src/cli/cmd_<name>.c and defines
 * `const struct cli_command cli_cmd_<name>`; CMake builds the command table
 * from the file names, so adding a command touches no other file.
 */
#ifndef PORTIER_CLI_H
#define PORTIER_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "portier/common.h"
#include "portier/kb.h"

/* Exit codes, the same for every command (docs/portier.1, EXIT STATUS). */
enum {
	EXIT_OK = 0,
	EXIT_FINDINGS =
		1,	/* findings, or ports changed, where a command judges */
	EXIT_USAGE = 2, /* bad usage or input */
	EXIT_RUNTIME = 3, /* permission, network, resource */
};

/* State of one run of the tool, owned by main(). */
struct cli {
	const char *cmd; /* the subcommand's name, for messages */
	bool stdout_tty;
	bool stderr_tty;
	bool color;	       /* colour on stdout: a TTY and no NO_COLOR */
	const char *proc_root; /* $PORTIER_PROC_ROOT or "/proc" */
	struct portier_kb *kb; /* loaded on first use by cli_kb() */
};

struct cli_command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary; /* one line for `portier --help` */
	const char *help;    /* the text of `portier CMD --help` */
	/* more of it, printed after help: C99 promises string literals
	 * only up to 4095 bytes (-Woverlength-strings), so a long text is
	 * two; NULL for most commands */
	const char *help_more;
	int rank; /* order in `portier --help` */
};

/* Messages on stderr: "portier CMD: msg" and "hint: ..." (git's style). */
void cli_error(const struct cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cli_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_notice(const struct cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print err (message and hint) and return the exit code its code means. */
int cli_report(const struct cli *cli, const struct portier_err *err);
/* Exit code for a negative PORTIER_E* code. */
int cli_exit_code(int code);

/*
 * Options (opts.c): getopt_long without glibc's own messages.  Returns what
 * getopt_long returns, or CLI_OPT_ERROR after printing, in the one wording
 * all commands share, that the option is unrecognized, lacks its argument
 * or takes none, with the hint of cli_usage_hint(); the caller then returns
 * EXIT_USAGE.  shortopts as for getopt_long, without the leading ':'.
 */
#define CLI_OPT_ERROR '?'
int cli_getopt(const struct cli *cli, int argc, char **argv,
	       const char *shortopts, const struct option *longopts,
	       int *longindex);
/* "hint: 'portier CMD --help' (or 'portier help CMD') lists the options" */
void cli_usage_hint(const struct cli *cli);
/*
 * A value an option refuses: "invalid value 'VALUE' for option 'OPT'" and a
 * hint saying what it accepts (printf format).  Returns EXIT_USAGE.
 */
int cli_opt_invalid(const struct cli *cli, const char *opt, const char *value,
		    const char *accepted, ...)
	__attribute__((format(printf, 4, 5)));
/* value as a whole number in [lo, hi] for opt: 0, or EXIT_USAGE printed. */
int cli_opt_ulong(const struct cli *cli, const char *opt, const char *value,
		  unsigned long lo, unsigned long hi, unsigned long *out);
/* --pid PID (1 to 2147483647): 0 with *pid set, or EXIT_USAGE printed. */
int cli_opt_pid(const struct cli *cli, const char *value, int *pid);

/* --fail-on LEVEL (high, medium, low, info): 0 with *out set, or EXIT_USAGE
 * after printing what it accepts. */
int cli_opt_fail_on(const struct cli *cli, const char *value,
		    enum portier_risk *out);

/* The knowledge base with the user's overlays, or NULL after an error. */
struct portier_kb *cli_kb(struct cli *cli);

/* ANSI colour around text when cli->color, else nothing. */
enum cli_color { CLI_RED, CLI_YELLOW, CLI_GREEN, CLI_BOLD, CLI_DIM };
const char *cli_color_on(const struct cli *cli, enum cli_color c);
const char *cli_color_off(const struct cli *cli);
/* Colour for a risk level: high red, medium yellow, else none. */
enum cli_color cli_risk_color(enum portier_risk r);

/* Terminal width of stdout (80 when not a TTY). */
int cli_term_width(void);
/*
 * Print text wrapped to width, every line after the first indented by
 * indent columns (the first is assumed to be there already).
 */
void cli_print_wrapped(FILE *f, const char *text, int indent, int width);

/*
 * Parse a port argument: "N" or "N-M", optionally "/tcp" or "/udp".
 * Returns 0 or PORTIER_EINVAL with the reason in err.
 */
int cli_parse_port_arg(const char *s, uint16_t *lo, uint16_t *hi,
		       unsigned *protos, struct portier_err *err);
/*
 * The operand of a command aimed at one port or one process (inspect,
 * clean), after the options: with pid set there must be none, else exactly
 * one port (1-65535, optionally /tcp or /udp) into *port and *protos.
 * which says what to give when nothing is (the error's text).  Returns -1
 * to go on, or the exit code after printing.
 */
int cli_port_or_pid(const struct cli *cli, int argc, char **argv, int pid,
		    const char *which, uint16_t *port, unsigned *protos);

/*
 * A JSON string for text that comes from the system (process names, paths,
 * user names...), which need not be UTF-8: a copy of s with every byte that
 * is not part of a valid UTF-8 sequence replaced by U+FFFD, so jansson never
 * refuses it.  json_null() for a NULL s; NULL only when out of memory.  Use
 * it with "s:o" in json_pack.
 */
json_t *cli_json_string(const char *s);

/*
 * Write o to f as one compact JSON line (reals with 4 significant digits)
 * and release it.  Returns 0, or -1 when o is NULL or could not be
 * serialized (out of memory): the caller reports it, never skips a line.
 */
int cli_json_line(FILE *f, json_t *o);

/* An aligned text table: add rows of strings, then print. */
struct cli_table;
struct cli_table *cli_table_new(size_t ncols, const char *const *headers);
/* Add a row; the strings are copied.  Returns 0 or PORTIER_ENOMEM. */
int cli_table_add(struct cli_table *t, const char *const *cells);
/* Print with columns padded; the last column is never padded. */
void cli_table_print(const struct cli_table *t, FILE *f);
void cli_table_free(struct cli_table *t);

#endif
