/*
 * cmd_top.c - `portier top`: a live view of this host's sockets, like
 * Sysinternals TCPView or Active Ports, with actions on the selected one.
 *
 * Each refresh takes a socket snapshot with owners (local.h), turns it into
 * rows and marks what changed since the last one (top.h, pure); the view
 * the user chose picks and orders the rows.  This file reads the options
 * and runs either the curses loop (top_ui.c) or, with --once, prints one
 * frame as text for scripts and tests.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/top_ui.h"
#include "portier/local.h"

#define TOP_WALK_EVERY 10

/* The rows of this namespace's TCP and UDP sockets, with owners or not. */
static int read_rows(struct top_state *st, bool owners,
		     struct portier_top_row **rows, size_t *n,
		     struct portier_err *err)
{
	struct portier_local_query q = {
		.protos = PORTIER_LOCAL_TCP | PORTIER_LOCAL_UDP,
		.states = PORTIER_STATES_ALL,
		.processes = owners,
		.proc_root = st->cli->proc_root,
	};
	struct portier_local *l = NULL;
	int rc = portier_local_collect(&q, &l, err);

	if (rc == 0)
		rc = portier_top_rows(l, cli_kb(st->cli), rows, n, err);
	portier_local_free(l);
	return rc;
}

/* cur (key-sorted) becomes this frame, marked against the last one. */
static int set_frame(struct top_state *st, const struct portier_top_row *cur,
		     size_t ncur, struct portier_err *err)
{
	struct portier_top_row *marked = NULL;
	size_t n = 0;
	int rc;

	/* the first frame marks nothing */
	if (st->have_prev)
		rc = portier_top_diff(st->prev, st->nprev, cur, ncur, &marked,
				      &n, err);
	else
		rc = portier_top_diff(cur, ncur, cur, ncur, &marked, &n, err);
	if (rc < 0)
		return rc;
	portier_free(st->rows);
	st->rows = marked;
	st->n = n;
	return top_reselect(st, err);
}

int top_refresh(struct top_state *st, struct portier_err *err)
{
	struct portier_top_row *cur = NULL;
	size_t ncur = 0, miss;
	int rc;

	rc = read_rows(st, false, &cur, &ncur, err);
	if (rc < 0)
		return rc;
	/* the frame shown until now is the one this one is marked against */
	if (st->rows) {
		portier_free(st->prev);
		st->prev = st->rows;
		st->nprev = st->n;
		st->have_prev = true;
		st->rows = NULL;
		st->n = 0;
	}
	miss = portier_top_owners_from(cur, ncur, st->known, st->nknown);
	st->need_walk =
		miss > 0 || !st->known || ++st->since_walk >= TOP_WALK_EVERY;
	rc = set_frame(st, cur, ncur, err);
	portier_free(cur);
	return rc;
}

int top_walk(struct top_state *st, struct portier_err *err)
{
	struct portier_top_row *cur = NULL;
	size_t ncur = 0;
	int rc;

	rc = read_rows(st, true, &cur, &ncur, err);
	if (rc < 0)
		return rc;
	rc = set_frame(st, cur, ncur, err);
	portier_free(st->known);
	st->known = cur;
	st->nknown = ncur;
	st->since_walk = 0;
	st->need_walk = false;
	return rc;
}

void top_state_free(struct top_state *st)
{
	portier_free(st->rows);
	portier_free(st->prev);
	portier_free(st->known);
	portier_free(st->idx);
}

int top_reselect(struct top_state *st, struct portier_err *err)
{
	size_t *idx = NULL, n = 0, i;
	int rc;

	st->view.search = st->search;
	rc = portier_top_select(st->rows, st->n, &st->view, &idx, &n, err);
	if (rc < 0)
		return rc;
	portier_free(st->idx);
	st->idx = idx;
	st->nidx = n;
	if (st->have_sel) {
		for (i = 0; i < n; i++) {
			if (portier_top_key_cmp(&st->rows[idx[i]], &st->sel) ==
			    0) {
				st->cursor = i;
				break;
			}
		}
	}
	if (st->cursor >= n)
		st->cursor = n ? n - 1 : 0;
	st->have_sel = n > 0;
	if (n)
		st->sel = st->rows[idx[st->cursor]];
	return 0;
}

static const char top_help[] =
	"usage: portier top [-l] [-t|-u] [--sort KEY] [--search TEXT]\n"
	"                   [--interval SECONDS] [--once]\n"
	"\n"
	"A live view of this host's sockets, like TCPView or Active Ports:\n"
	"every TCP and UDP socket, listening and connected, with its program,\n"
	"pid, user, systemd unit, who can reach it (EXP: lo = this host, lan =\n"
	"a site network, any = every address or a public one) and the risk the\n"
	"knowledge base gives its service port.  New rows are green, changed\n"
	"ones yellow, closed ones red (shown once, then dropped).  Refreshes\n"
	"every second; fits an 80x24 terminal (narrow columns are cut, the\n"
	"unit and user columns go first).\n"
	"\n"
	"keys:\n"
	"  up/down, PgUp/PgDn, Home/End   move the selection\n"
	"  s / r        sort by the next column / reverse the order\n"
	"  l            listeners only, or everything\n"
	"  p            tcp and udp, tcp only, udp only\n"
	"  /            search (program, user, unit, address, state, pid);\n"
	"               an empty search shows everything again\n"
	"  i, Enter     the knowledge base's entry for the service port\n"
	"               (what portier info prints); Esc closes it\n"
	"  c            close the selected TCP connection: the kernel aborts\n"
	"               it and the peer gets a reset (sock_diag SOCK_DESTROY,\n"
	"               as ss -K; needs CAP_NET_ADMIN and a kernel with\n"
	"               CONFIG_INET_DIAG_DESTROY)\n"
	"  z            stop the owning process (SIGSTOP), or continue it\n"
	"               (SIGCONT) when it is stopped\n"
	"  k / K        terminate (SIGTERM) / kill (SIGKILL) the owning process\n"
	"  b            block the port: portier firewall close PORT/PROTO, with\n"
	"               its undo point and SSH-session guard\n"
	"  u            undo this session's last block\n"
	"  q            quit\n"
	"Every action asks first (y/N).\n"
	"\n"
	"options:\n"
	"  -l, --listening    start with listeners only\n"
	"  -t, --tcp / -u, --udp   start with one protocol only\n"
	"  --sort KEY         port (default), proto, state, remote, program,\n"
	"                     pid, user, exposure, risk\n"
	"  --search TEXT      start with this search\n"
	"  --interval SECONDS seconds between refreshes, 1 to 3600 (default 1)\n"
	"  --once             print one frame as text and exit (like top -b);\n"
	"                     the width is the terminal's, else 80\n"
	"\n"
	"Without a terminal (and without --once) portier top refuses to run:\n"
	"use portier local for a listing.  Owners of other users' sockets are\n"
	"shown only to root; actions need root or the owner's rights.\n";

static void print_frame(const struct top_state *st)
{
	struct portier_top_layout lay;
	char line[512];
	size_t i;

	portier_top_layout(cli_term_width(), &lay);
	portier_top_header(&lay, line, sizeof(line));
	printf("%s\n", line);
	for (i = 0; i < st->nidx; i++) {
		portier_top_line(&st->rows[st->idx[i]], &lay, line,
				 sizeof(line));
		printf("%s\n", line);
	}
}

static int parse_args(struct top_state *st, int argc, char **argv, bool *once)
{
	static const struct option opts[] = {
		{"listening", no_argument, NULL, 'l'},
		{"tcp", no_argument, NULL, 't'},
		{"udp", no_argument, NULL, 'u'},
		{"sort", required_argument, NULL, 'S'},
		{"search", required_argument, NULL, 'F'},
		{"interval", required_argument, NULL, 'I'},
		{"once", no_argument, NULL, 'O'},
		{NULL, 0, NULL, 0},
	};
	unsigned long secs;
	int c;

	optind = 1;
	while ((c = cli_getopt(st->cli, argc, argv, "ltu", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			st->view.listening = true;
			break;
		case 't':
			st->view.protos |= PORTIER_PROTO_TCP;
			break;
		case 'u':
			st->view.protos |= PORTIER_PROTO_UDP;
			break;
		case 'S':
			if (portier_top_sort_parse(optarg, &st->view.sort) < 0)
				return cli_opt_invalid(
					st->cli, "--sort", optarg,
					"--sort takes port, proto, state, remote, "
					"program, pid, user, exposure or risk");
			break;
		case 'F':
			if (strlen(optarg) >= sizeof(st->search))
				return cli_opt_invalid(
					st->cli, "--search", optarg,
					"--search takes at most %zu bytes",
					sizeof(st->search) - 1);
			portier_strlcpy(st->search, optarg, sizeof(st->search));
			break;
		case 'I':
			if (cli_opt_ulong(st->cli, "--interval", optarg, 1,
					  3600, &secs) != 0)
				return EXIT_USAGE;
			st->interval_ms = (unsigned)secs * 1000;
			break;
		case 'O':
			*once = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error(st->cli, "unexpected argument '%s'", argv[optind]);
		cli_usage_hint(st->cli);
		return EXIT_USAGE;
	}
	return -1;
}

static int cmd_top(struct cli *cli, int argc, char **argv)
{
	struct top_state st = {.cli = cli, .interval_ms = 1000};
	struct portier_err err = {0};
	bool once = false;
	int rc = parse_args(&st, argc, argv, &once);

	if (rc >= 0)
		return rc;
	if (!once && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		cli_error(cli, "this is an interactive view: it needs a "
			       "terminal on its input and output");
		cli_hint("for a listing use 'portier local -tuanp', or "
			 "'portier top --once' for one frame as text");
		return EXIT_USAGE;
	}
	if (top_refresh(&st, &err) < 0 || top_walk(&st, &err) < 0) {
		rc = cli_report(cli, &err);
	} else if (once) {
		print_frame(&st);
		rc = EXIT_OK;
	} else {
		rc = top_ui_run(&st);
	}
	top_state_free(&st);
	return rc;
}

const struct cli_command cli_cmd_top = {
	.name = "top",
	.run = cmd_top,
	.rank = 25,
	.summary = "a live view of every socket, with actions (like TCPView)",
	.help = top_help,
};
