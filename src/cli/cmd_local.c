/*
 * cmd_local.c - `portier local`: the ports of this machine and who owns
 * them (netstat -anop, ss -tulpn, fport in one command).
 *
 * This file turns the flags people already type into a query for the local
 * module and picks the view: the socket list (local_out.c), or the
 * statistics, interfaces and summary views (local_stats.c).  Filters the
 * kernel can apply (protocol, family, state) go into the query; the others
 * (port, pid, user) are applied to the snapshot here.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/local_out.h"
#include "cli/local_stats.h"

struct local_opts {
	struct portier_local_query q;
	bool listening, all, numeric, processes, pid_column, verbose, json;
	bool stats, interfaces, summary;
	bool have_states, have_port, have_pid, have_user;
	uint32_t states;
	uint16_t port_lo, port_hi;
	unsigned port_protos; /* from "N/tcp", "N/udp" */
	long pid;
	uint32_t uid;
};

static const char local_help[] =
	"usage: portier local [-t] [-u] [-w] [-x] [-l|-a] [-n] [-p] [-o] [-v]\n"
	"                     [-4|-6] [--state STATE] [--port N[-M]] [--pid N]\n"
	"                     [--user USER] [--netns NAME | --all-netns] [--json]\n"
	"       portier local --summary | -s | -e  [--netns NAME] [--json]\n"
	"\n"
	"Show this machine's sockets: protocol, local and remote address and\n"
	"port, state, queues, the service the port is known for, and with -p\n"
	"the processes that own each socket (all of them when a socket is\n"
	"shared, e.g. after fork).  Sockets come from the kernel through\n"
	"NETLINK_SOCK_DIAG; owners from /proc.  Addresses are never resolved\n"
	"to names (no DNS queries are sent).  The flags combine as in netstat\n"
	"and ss: -tulpn, -tanp, -ano.\n"
	"\n"
	"what to show:\n"
	"  -t, --tcp          TCP sockets\n"
	"  -u, --udp          UDP sockets (-t and -u by default)\n"
	"  -w, --raw          raw IP sockets (the PORT of a raw socket is its\n"
	"                     IP protocol number)\n"
	"  -x, --unix         UNIX domain sockets (the path is the address)\n"
	"  -4, --ipv4 / -6, --ipv6   one address family only\n"
	"  -l, --listening    listeners only: TCP LISTEN, unconnected UDP/raw\n"
	"  -a, --all          every state (default: connections, no listeners)\n"
	"  --state STATE      only this state; repeatable.  ss's or netstat's\n"
	"                     names: listen, estab(lished), syn-sent, syn-recv,\n"
	"                     fin-wait-1, fin-wait-2, time-wait, close-wait,\n"
	"                     last-ack, closing, unconn, connected, all\n"
	"  --port N[-M]       sockets whose local or remote port is N (or in N-M)\n"
	"  --pid N            sockets owned by process N (implies -p)\n"
	"  --user USER        sockets owned by USER (a name or a uid)\n"
	"\n"
	"columns:\n"
	"  -n, --numeric      no SERVICE column (ports are always numbers)\n"
	"  -p, --processes    USER and PROCESS (pid/command of every owner)\n"
	"  -o, --pid-column   a PID column (like Windows netstat -ano)\n"
	"  -v, --verbose      CLASS of the service port (well-known,\n"
	"                     registered, dynamic), EXE (full path,\n"
	"                     \"(deleted)\" when the file was removed) and UNIT\n"
	"                     (systemd unit or container); implies -p\n"
	"\n"
	"other views:\n"
	"  -s, --stats        protocol counters (netstat -s) from\n"
	"                     /proc/net/snmp, netstat and snmp6, with the ones\n"
	"                     that matter for ports explained\n"
	"  -e, --interfaces   bytes, packets, errors and drops per interface\n"
	"  --summary          sockets per state, and a diagnosis in plain words:\n"
	"                     CLOSE-WAIT piling up on a process (it does not "
	"close\n"
	"                     its sockets; named), TIME-WAIT and the ephemeral\n"
	"                     port range, SYN-RECV (SYN flood), full accept\n"
	"                     queues, overflow and SYN cookie counters\n"
	"\n"
	"namespaces and output:\n"
	"  --netns NAME       read network namespace NAME (/run/netns/NAME, or an\n"
	"                     absolute path such as /proc/PID/ns/net)\n"
	"  --all-netns        every namespace: named ones and those only\n"
	"                     processes (containers) hold; adds a NETNS column\n"
	"  --json             JSON Lines, one object per socket "
	"(docs/json-local.md)\n"
	"\n"
	"Without root you see every socket, but the owners of only your own\n"
	"processes; root sees the owners of every user's sockets.\n"
	"\n"
	"examples:\n"
	"  portier local -tulpn             listeners and their programs\n"
	"  portier local -tanp --port 443   everything on port 443\n"
	"  portier local -ap --pid 1234     what process 1234 has open\n"
	"  portier local --summary          what the states say\n"
	"  portier local -l --all-netns -p  listeners of containers too\n"
	"  portier local -tan --json | jq -r 'select(.state==\"ESTAB\")'\n"
	"\n"
	"exit: 0 success, 2 bad usage, 3 the kernel or /proc could not be read\n";

enum {
	OPT_STATE = 256,
	OPT_PORT,
	OPT_PID,
	OPT_USER,
	OPT_SUMMARY,
	OPT_NETNS,
	OPT_ALL_NETNS,
	OPT_JSON,
};

static const struct option long_opts[] = {
	{"tcp", no_argument, NULL, 't'},
	{"udp", no_argument, NULL, 'u'},
	{"raw", no_argument, NULL, 'w'},
	{"unix", no_argument, NULL, 'x'},
	{"ipv4", no_argument, NULL, '4'},
	{"ipv6", no_argument, NULL, '6'},
	{"listening", no_argument, NULL, 'l'},
	{"all", no_argument, NULL, 'a'},
	{"numeric", no_argument, NULL, 'n'},
	{"processes", no_argument, NULL, 'p'},
	{"pid-column", no_argument, NULL, 'o'},
	{"verbose", no_argument, NULL, 'v'},
	{"stats", no_argument, NULL, 's'},
	{"interfaces", no_argument, NULL, 'e'},
	{"state", required_argument, NULL, OPT_STATE},
	{"port", required_argument, NULL, OPT_PORT},
	{"pid", required_argument, NULL, OPT_PID},
	{"user", required_argument, NULL, OPT_USER},
	{"summary", no_argument, NULL, OPT_SUMMARY},
	{"netns", required_argument, NULL, OPT_NETNS},
	{"all-netns", no_argument, NULL, OPT_ALL_NETNS},
	{"json", no_argument, NULL, OPT_JSON},
	{NULL, 0, NULL, 0},
};

static int parse_user(struct cli *cli, const char *s, uint32_t *uid)
{
	struct passwd *pw;
	unsigned long v;

	if (portier_parse_ulong(s, 0, UINT32_MAX - 1, &v) == 0) {
		*uid = (uint32_t)v;
		return 0;
	}
	pw = getpwnam(s);
	if (!pw) {
		cli_error(cli, "no user '%s'", s);
		cli_hint("give a user name from /etc/passwd or a numeric uid");
		return EXIT_USAGE;
	}
	*uid = pw->pw_uid;
	return 0;
}

static int parse_args(struct cli *cli, int argc, char **argv,
		      struct local_opts *o)
{
	struct portier_err err = {0};
	unsigned long v;
	uint32_t mask;
	unsigned protos;
	int c;

	optind = 1;
	while ((c = cli_getopt(cli, argc, argv, "+tuwx46lanpovse", long_opts,
			       NULL)) != -1) {
		switch (c) {
		case 't':
			o->q.protos |= PORTIER_LOCAL_TCP;
			break;
		case 'u':
			o->q.protos |= PORTIER_LOCAL_UDP;
			break;
		case 'w':
			o->q.protos |= PORTIER_LOCAL_RAW;
			break;
		case 'x':
			o->q.protos |= PORTIER_LOCAL_UNIX;
			break;
		case '4':
			o->q.families |= PORTIER_LOCAL_V4;
			break;
		case '6':
			o->q.families |= PORTIER_LOCAL_V6;
			break;
		case 'l':
			o->listening = true;
			break;
		case 'a':
			o->all = true;
			break;
		case 'n':
			o->numeric = true;
			break;
		case 'p':
			o->processes = true;
			break;
		case 'o':
			o->pid_column = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 's':
			o->stats = true;
			break;
		case 'e':
			o->interfaces = true;
			break;
		case OPT_STATE:
			if (portier_sock_state_parse(optarg, &mask) < 0)
				return cli_opt_invalid(
					cli, "--state", optarg,
					"use listen, estab, syn-sent, syn-recv, "
					"fin-wait-1, fin-wait-2, time-wait, "
					"close-wait, last-ack, closing, unconn, "
					"connected or all");
			o->states |= mask;
			o->have_states = true;
			break;
		case OPT_PORT:
			if (cli_parse_port_arg(optarg, &o->port_lo, &o->port_hi,
					       &protos, &err) < 0)
				return cli_report(cli, &err);
			/* "53/udp" also picks the protocol */
			if (!(protos &
			      (PORTIER_PROTO_TCP | PORTIER_PROTO_UDP))) {
				cli_error(cli,
					  "--port '%s': portier local "
					  "shows TCP and UDP sockets only",
					  optarg);
				cli_hint("use N, N/tcp or N/udp");
				return EXIT_USAGE;
			}
			if (protos == PORTIER_PROTO_TCP)
				o->port_protos |= PORTIER_LOCAL_TCP;
			else if (protos == PORTIER_PROTO_UDP)
				o->port_protos |= PORTIER_LOCAL_UDP;
			o->have_port = true;
			break;
		case OPT_PID:
			if (cli_opt_ulong(cli, "--pid", optarg, 1, INT32_MAX,
					  &v) != 0)
				return EXIT_USAGE;
			o->pid = (long)v;
			o->have_pid = true;
			break;
		case OPT_USER:
			if (parse_user(cli, optarg, &o->uid) != 0)
				return EXIT_USAGE;
			o->have_user = true;
			break;
		case OPT_SUMMARY:
			o->summary = true;
			break;
		case OPT_NETNS:
			o->q.netns = optarg;
			break;
		case OPT_ALL_NETNS:
			o->q.all_netns = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		default: /* cli_getopt said why */
			return EXIT_USAGE;
		}
	}
	if (o->port_protos && !o->q.protos)
		o->q.protos = o->port_protos;
	if (optind < argc) {
		cli_error(cli, "unexpected argument '%s'", argv[optind]);
		cli_hint("portier local takes options only, e.g. "
			 "'portier local -tulpn --port %s'",
			 argv[optind]);
		return EXIT_USAGE;
	}
	if (o->q.netns && o->q.all_netns) {
		cli_error(cli,
			  "--netns '%s' and --all-netns exclude each other",
			  o->q.netns);
		cli_hint("give one namespace with --netns, or --all-netns");
		return EXIT_USAGE;
	}
	if ((o->stats || o->interfaces) &&
	    (o->q.all_netns || o->summary || (o->stats && o->interfaces))) {
		cli_error(cli, "-s, -e, --summary and --all-netns are separate "
			       "views; pick one");
		cli_hint("run them one after the other");
		return EXIT_USAGE;
	}
	return -1;
}

static bool wanted(const struct local_opts *o, const struct portier_local *l,
		   const struct portier_sock *s)
{
	if (o->have_port &&
	    (s->proto == PORTIER_LOCAL_UNIX ||
	     !((s->lport >= o->port_lo && s->lport <= o->port_hi) ||
	       (s->rport >= o->port_lo && s->rport <= o->port_hi))))
		return false;
	if (o->have_user && s->uid != o->uid)
		return false;
	if (o->have_pid) {
		uint32_t i;

		for (i = 0; i < s->owner_count; i++)
			if (portier_local_owner(l, s, i, NULL)->pid == o->pid)
				return true;
		return false;
	}
	return true;
}

static void note_privilege(struct cli *cli, const struct portier_local *l)
{
	if (l->procs_scanned && l->procs_denied && geteuid() != 0)
		cli_notice(cli,
			   "%zu processes of other users could not be "
			   "examined: their sockets show no owner; root sees "
			   "the owners of every socket",
			   l->procs_denied);
}

static int list_sockets(struct cli *cli, struct local_opts *o)
{
	struct portier_err err = {0};
	struct portier_local *l = NULL;
	struct local_view v = {.cli = cli};
	uint32_t *idx;
	size_t i, n = 0;
	int rc;

	if (o->have_states)
		o->q.states = o->states;
	else if (o->all)
		o->q.states = PORTIER_STATES_ALL;
	else if (o->listening)
		o->q.states = PORTIER_STATES_LISTENING;
	else
		o->q.states = PORTIER_STATES_ALL & ~PORTIER_STATES_LISTENING;
	o->q.processes = o->processes || o->pid_column || o->have_pid ||
			 o->verbose || o->json;
	o->q.proc_root = cli->proc_root;
	o->q.have_ports = o->have_port;
	o->q.port_lo = o->port_lo;
	o->q.port_hi = o->port_hi;
	rc = portier_local_collect(&o->q, &l, &err);
	if (rc < 0)
		return cli_report(cli, &err);
	idx = malloc((l->n_socks ? l->n_socks : 1) * sizeof(*idx));
	if (!idx) {
		portier_local_free(l);
		cli_error(cli, "out of memory");
		return EXIT_RUNTIME;
	}
	for (i = 0; i < l->n_socks; i++)
		if (wanted(o, l, &l->socks[i]))
			idx[n++] = (uint32_t)i;
	local_out_sort(l, idx, n);
	v.l = l;
	v.kb = NULL;
	if (!o->numeric || o->json) {
		v.kb = cli_kb(cli);
		if (!v.kb) { /* cli_kb said why: a bad overlay file */
			free(idx);
			portier_local_free(l);
			return EXIT_USAGE;
		}
	}
	v.services = !o->numeric;
	v.processes = o->processes || o->have_pid || o->verbose;
	v.pid_column = o->pid_column;
	v.verbose = o->verbose;
	v.netns = o->q.all_netns;
	local_view_init(&v);
	rc = EXIT_OK;
	if (o->json && local_out_json(&v, idx, n, stdout) < 0) {
		cli_error(cli, "out of memory while writing JSON: output is "
			       "incomplete");
		rc = EXIT_RUNTIME;
	} else if (!o->json)
		local_out_table(&v, idx, n, stdout);
	note_privilege(cli, l);
	free(idx);
	portier_local_free(l);
	return rc;
}

static int cmd_local(struct cli *cli, int argc, char **argv)
{
	struct local_opts o = {.pid = 0};
	int rc = parse_args(cli, argc, argv, &o);

	if (rc >= 0)
		return rc;
	if (o.stats || o.interfaces)
		return local_stats_view(cli, o.q.netns, o.interfaces, o.json);
	if (o.summary) {
		o.q.states = PORTIER_STATES_ALL;
		o.q.processes = true;
		o.q.proc_root = cli->proc_root;
		return local_summary_view(cli, &o.q, o.json);
	}
	return list_sockets(cli, &o);
}

const struct cli_command cli_cmd_local = {
	.name = "local",
	.run = cmd_local,
	.summary = "this machine's sockets and who owns them (netstat, ss)",
	.help = local_help,
	.rank = 20,
};
