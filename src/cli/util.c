/*
 * util.c - messages, colour, wrapping and argument parsing shared by the
 * subcommands.  Messages follow one shape everywhere: "portier CMD: what is
 * wrong, with the bad value quoted", then an optional "hint:" line.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/cli.h"
#include "portier/audit.h"

/* "portier CMD: " + kind + the message, one line on stderr. */
static void __attribute__((format(printf, 3, 0)))
say(const struct cli *cli, const char *kind, const char *fmt, va_list ap)
{
	fprintf(stderr, "portier %s: %s", cli->cmd, kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_error(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(cli, "", fmt, ap);
	va_end(ap);
}

void cli_notice(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(cli, "note: ", fmt, ap);
	va_end(ap);
}

void cli_hint(const char *fmt, ...)
{
	va_list ap;

	fputs("hint: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_exit_code(int code)
{
	return code == PORTIER_EINVAL || code == PORTIER_ENOENT ? EXIT_USAGE
								: EXIT_RUNTIME;
}

int cli_report(const struct cli *cli, const struct portier_err *err)
{
	cli_error(cli, "%s", err->msg[0] ? err->msg : strerror(-err->code));
	if (err->hint[0])
		cli_hint("%s", err->hint);
	return cli_exit_code(err->code);
}

int cli_opt_fail_on(const struct cli *cli, const char *value,
		    enum portier_risk *out)
{
	if (portier_audit_severity_parse(value, out) < 0)
		return cli_opt_invalid(cli, "--fail-on", value,
				       "--fail-on takes high, medium, low or "
				       "info");
	return 0;
}

struct portier_kb *cli_kb(struct cli *cli)
{
	struct portier_err err = {0};

	if (!cli->kb && portier_kb_new(&cli->kb, NULL, &err) < 0) {
		cli_report(cli, &err);
		cli_hint("fix or remove the overlay file named above");
		return NULL;
	}
	return cli->kb;
}

const char *cli_color_on(const struct cli *cli, enum cli_color c)
{
	static const char *const codes[] = {"\033[31m", "\033[33m", "\033[32m",
					    "\033[1m", "\033[2m"};

	return cli->color ? codes[c] : "";
}

const char *cli_color_off(const struct cli *cli)
{
	return cli->color ? "\033[0m" : "";
}

enum cli_color cli_risk_color(enum portier_risk r)
{
	switch (r) {
	case PORTIER_RISK_HIGH:
		return CLI_RED;
	case PORTIER_RISK_MEDIUM:
		return CLI_YELLOW;
	default:
		return CLI_DIM;
	}
}

int cli_term_width(void)
{
	struct winsize ws;

	if (isatty(STDOUT_FILENO) &&
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		return ws.ws_col;
	return 80;
}

void cli_print_wrapped(FILE *f, const char *text, int indent, int width)
{
	int col = indent, avail = width - indent;

	if (avail < 20)
		avail = 20;
	while (*text) {
		size_t word = strcspn(text, " ");

		if (col > indent && col + 1 + (int)word > indent + avail) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fwrite(text, 1, word, f);
		col += (int)word;
		text += word;
		while (*text == ' ')
			text++;
	}
	fputc('\n', f);
}

int cli_parse_port_arg(const char *s, uint16_t *lo, uint16_t *hi,
		       unsigned *protos, struct portier_err *err)
{
	char buf[64];
	char *slash, *dash;
	unsigned long a, b;

	if (strlen(s) >= sizeof(buf))
		return portier_err_set(err, PORTIER_EINVAL,
				       "bad port '%.40s...'", s);
	portier_strlcpy(buf, s, sizeof(buf));
	*protos = PORTIER_PROTO_TCP | PORTIER_PROTO_UDP;
	slash = strchr(buf, '/');
	if (slash) {
		*slash++ = '\0';
		if (portier_proto_parse(slash, protos) < 0) {
			portier_err_set(err, PORTIER_EINVAL,
					"bad protocol '%s' in '%s'", slash, s);
			portier_err_hint(
				err,
				"use tcp, udp, sctp or dccp, as in 137/udp");
			return PORTIER_EINVAL;
		}
	}
	dash = strchr(buf, '-');
	if (dash)
		*dash++ = '\0';
	if (portier_parse_ulong(buf, 0, 65535, &a) < 0 ||
	    (dash && portier_parse_ulong(dash, 0, 65535, &b) < 0)) {
		portier_err_set(err, PORTIER_EINVAL, "bad port '%s'", s);
		portier_err_hint(err,
				 "a port is a number from 0 to 65535, a range "
				 "is LOW-HIGH, e.g. 445, 137/udp or 6970-7170");
		return PORTIER_EINVAL;
	}
	if (!dash)
		b = a;
	if (a > b) {
		portier_err_set(err, PORTIER_EINVAL,
				"bad range '%s': %lu is above %lu", s, a, b);
		portier_err_hint(err,
				 "write the lower port first, e.g. 6970-7170");
		return PORTIER_EINVAL;
	}
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

json_t *cli_json_string(const char *s)
{
	size_t len;
	char *buf;
	json_t *j;

	if (!s)
		return json_null();
	len = portier_text_clean(NULL, 0, s, PORTIER_TEXT_JSON);
	buf = malloc(len + 1);
	if (!buf)
		return NULL;
	portier_text_clean(buf, len + 1, s, PORTIER_TEXT_JSON);
	j = json_stringn(buf, len);
	free(buf);
	return j;
}

int cli_json_line(FILE *f, json_t *o)
{
	char *text =
		o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(4)) : NULL;

	if (text)
		fprintf(f, "%s\n", text);
	free(text);
	json_decref(o);
	return text ? 0 : -1;
}

int cli_port_or_pid(const struct cli *cli, int argc, char **argv, int pid,
		    const char *which, uint16_t *port, unsigned *protos)
{
	struct portier_err err = {0};
	uint16_t lo, hi;

	if (pid && optind < argc) {
		cli_error(cli, "--pid %d and port '%s' exclude each other", pid,
			  argv[optind]);
		cli_hint("%s one port or one process", cli->cmd);
		return EXIT_USAGE;
	}
	if (pid)
		return -1;
	if (optind >= argc) {
		cli_error(cli, "which port? give %s", which);
		cli_usage_hint(cli);
		return EXIT_USAGE;
	}
	if (optind + 1 < argc) {
		cli_error(cli, "unexpected argument '%s'", argv[optind + 1]);
		cli_hint("%s takes one port", cli->cmd);
		return EXIT_USAGE;
	}
	if (cli_parse_port_arg(argv[optind], &lo, &hi, protos, &err) < 0)
		return cli_report(cli, &err);
	if (lo != hi || lo == 0) {
		cli_error(cli, "'%s' is not one port", argv[optind]);
		cli_hint("give one port from 1 to 65535, such as 45576 or "
			 "53/udp");
		return EXIT_USAGE;
	}
	*port = lo;
	return -1;
}
