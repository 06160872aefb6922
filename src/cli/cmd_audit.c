/*
 * cmd_audit.c - `portier audit`: judge this machine's open ports.
 *
 * Reads every socket with its owners (local module), lets the audit module
 * judge them against the knowledge base, and prints the findings, most
 * severe first, each with its reason and advice, then a summary line.
 * --fail-on turns the verdict into the exit code for cron and CI.
 */
#include <getopt.h>
#include <stdio.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/local_out.h"
#include "portier/audit.h"
#include "portier/local.h"

static const char audit_help[] =
	"usage: portier audit [--json] [--fail-on LEVEL] [--netns NAME | "
	"--all-netns]\n"
	"                     [--close-wait N]\n"
	"\n"
	"Judge every listening socket of this machine (and every connection\n"
	"it opened) against the port knowledge base, and print findings with\n"
	"a severity (high, medium, low, info), the reason, and what to do.\n"
	"\n"
	"findings (rule names as in the JSON output):\n"
	"  trojan-port      a known trojan/backdoor port listens (31337, 12345,\n"
	"                   27374, ...).  Many are IANA services today, so the\n"
	"                   severity follows the owner: low when the program is\n"
	"                   named after the port's service and runs from a system\n"
	"                   directory, medium for other programs, high when the\n"
	"                   owner runs from a deleted file, /tmp, /dev/shm or a\n"
	"                   home, or no owner can be seen.  Never raised for the\n"
	"                   local port of an outgoing connection.\n"
	"  trojan-remote    a connection this host opened to a trojan port\n"
	"  windows-sharing  SMB 445, NetBIOS 137-139 or RPC 135 on a non-loopback\n"
	"                   address (high)\n"
	"  legacy-service   telnet 23, rlogin 513, rsh 514, tftp 69/udp or finger\n"
	"                   79 listening at all (high; medium on loopback)\n"
	"  local-only       a service that belongs on loopback (databases, "
	"caches,\n"
	"                   admin APIs: 6379, 11211, 9200, 27017, 2375 ...) bound\n"
	"                   to 0.0.0.0, :: or another non-loopback address\n"
	"  risky-port       another port the knowledge base rates risky is\n"
	"                   reachable (severity below its risk: reachable is\n"
	"                   normal for some)\n"
	"  exe-deleted      a listener's executable was deleted (high)\n"
	"  exe-location     a listener runs from /tmp, /var/tmp, /dev/shm or a\n"
	"                   home directory (high)\n"
	"  name-mismatch    a well-known port (22, 25, 53, 445, 3306, ...) held "
	"by\n"
	"                   a program that is not what serves it (medium)\n"
	"  close-wait       a process holds N or more connections in CLOSE-WAIT:\n"
	"                   it never closes sockets (medium; high at 10 x N)\n"
	"  no-owner         a listener no process holds (info; root only)\n"
	"  unknown-port     a listener on a port with no known service (info)\n"
	"\n"
	"options:\n"
	"  --json           JSON Lines: one object per finding, then a summary\n"
	"                   object (docs/json-local.md)\n"
	"  --fail-on LEVEL  exit 1 if a finding of LEVEL or worse exists: high,\n"
	"                   medium, low or info\n"
	"  --netns NAME     judge network namespace NAME (/run/netns/NAME or an\n"
	"                   absolute path)\n"
	"  --all-netns      judge every network namespace (containers too)\n"
	"  --close-wait N   CLOSE-WAIT connections per process that make a\n"
	"                   finding (default 50)\n"
	"\n"
	"Run it as root: without root the owners of other users' sockets are\n"
	"invisible, and the rules that judge the owner cannot be applied.\n"
	"\n"
	"examples:\n"
	"  portier audit\n"
	"  portier audit --fail-on high        # in cron: mail when exit is 1\n"
	"  portier audit --json | jq -r 'select(.severity==\"high\").reason'\n"
	"\n"
	"exit: 0 done (no finding at the --fail-on level), 1 findings at or\n"
	"above the --fail-on level, 2 bad usage, 3 sockets could not be read\n";

enum { OPT_JSON = 256, OPT_FAIL_ON, OPT_NETNS, OPT_ALL_NETNS, OPT_CW };

static const struct option long_opts[] = {
	{"json", no_argument, NULL, OPT_JSON},
	{"fail-on", required_argument, NULL, OPT_FAIL_ON},
	{"netns", required_argument, NULL, OPT_NETNS},
	{"all-netns", no_argument, NULL, OPT_ALL_NETNS},
	{"close-wait", required_argument, NULL, OPT_CW},
	{NULL, 0, NULL, 0},
};

struct audit_args {
	bool json, have_fail;
	enum portier_risk fail_on;
	struct portier_local_query q;
	uint32_t close_wait;
};

static int parse_args(struct cli *cli, int argc, char **argv,
		      struct audit_args *a)
{
	unsigned long v;
	int c;

	optind = 1;
	while ((c = cli_getopt(cli, argc, argv, "+", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_FAIL_ON:
			if (cli_opt_fail_on(cli, optarg, &a->fail_on) != 0)
				return EXIT_USAGE;
			a->have_fail = true;
			break;
		case OPT_NETNS:
			a->q.netns = optarg;
			break;
		case OPT_ALL_NETNS:
			a->q.all_netns = true;
			break;
		case OPT_CW:
			if (cli_opt_ulong(cli, "--close-wait", optarg, 1,
					  1000000, &v) != 0)
				return EXIT_USAGE;
			a->close_wait = (uint32_t)v;
			break;
		default: /* cli_getopt said why */
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error(cli, "unexpected argument '%s'", argv[optind]);
		cli_hint("portier audit judges this machine; it takes options "
			 "only");
		return EXIT_USAGE;
	}
	if (a->q.netns && a->q.all_netns) {
		cli_error(cli,
			  "--netns '%s' and --all-netns exclude each other",
			  a->q.netns);
		cli_hint("give one namespace with --netns, or --all-netns");
		return EXIT_USAGE;
	}
	return -1;
}

static json_t *where_json(const char *where)
{
	json_t *arr = json_array();

	while (arr && *where) {
		size_t len = strcspn(where, ",");
		char one[sizeof(((struct portier_finding *)0)->where)];

		/* an entry may be a socket path: anyone's bytes */
		portier_strlcpy(one, where,
				len < sizeof(one) ? len + 1 : sizeof(one));
		if (json_array_append_new(arr, cli_json_string(one)) < 0) {
			json_decref(arr);
			return NULL;
		}
		where += len;
		while (*where == ',' || *where == ' ')
			where++;
	}
	return arr;
}

static json_t *proc_json(const struct portier_proc *p)
{
	if (!p)
		return json_null();
	return json_pack("{s:i, s:o, s:o, s:b, s:o, s:o, s:o}", "pid", p->pid,
			 "comm", cli_json_string(p->comm), "exe",
			 cli_json_string(p->exe), "exe_deleted", p->exe_deleted,
			 "user", cli_json_string(p->user), "unit",
			 cli_json_string(p->unit), "container",
			 cli_json_string(p->container));
}

static int print_finding_json(const struct portier_local *l,
			      const struct portier_finding *f)
{
	const struct portier_proc *p = f->proc >= 0 ? &l->procs[f->proc] : NULL;
	const struct portier_sock *s =
		f->sock != UINT32_MAX ? &l->socks[f->sock] : NULL;
	json_t *o = json_pack(
		"{s:s, s:s, s:s, s:o, s:o, s:o, s:i, s:o, s:o, s:o, s:o}",
		"type", "finding", "severity",
		portier_audit_severity_name((enum portier_risk)f->severity),
		"rule",
		portier_audit_rule_name((enum portier_audit_rule)f->rule),
		"proto",
		f->proto ? json_string(portier_local_proto_name(f->proto))
			 : json_null(),
		"port", f->port ? json_integer(f->port) : json_null(), "where",
		where_json(f->where), "count", (int)f->count, "reason",
		cli_json_string(f->reason), "advice",
		cli_json_string(f->advice), "process", proc_json(p), "netns",
		cli_json_string(s ? l->netns[s->netns] : ""));

	if (o && f->kb) {
		json_t *kbo = json_pack(
			"{s:o, s:s, s:s, s:o}", "service",
			cli_json_string(f->kb->name), "risk",
			portier_risk_name((enum portier_risk)f->kb->risk),
			"scope",
			portier_scope_name((enum portier_scope)f->kb->scope),
			"trojans", cli_json_string(f->kb->trojans));

		if (json_object_set_new(o, "kb", kbo) < 0) {
			json_decref(o);
			o = NULL;
		}
	} else if (o && json_object_set_new(o, "kb", json_null()) < 0) {
		json_decref(o);
		o = NULL;
	}
	return cli_json_line(stdout, o);
}

static void print_finding(struct cli *cli, const struct portier_local *l,
			  const struct portier_finding *f, int width)
{
	enum portier_risk sev = (enum portier_risk)f->severity;
	const struct portier_sock *s =
		f->sock != UINT32_MAX ? &l->socks[f->sock] : NULL;
	char sevname[16];
	/* 4 bytes of \xNN for each byte at worst */
	char safe[4 * sizeof(f->reason) + 1];
	size_t i;

	portier_strlcpy(sevname, portier_audit_severity_name(sev),
			sizeof(sevname));
	for (i = 0; sevname[i]; i++)
		sevname[i] = (char)(sevname[i] & ~0x20);
	printf("%s%-6s%s  %s%s%s", cli_color_on(cli, cli_risk_color(sev)),
	       sevname, cli_color_off(cli), cli_color_on(cli, CLI_BOLD),
	       portier_audit_rule_name((enum portier_audit_rule)f->rule),
	       cli_color_off(cli));
	/* paths, process and namespace names are anyone's to choose: print
	 * them with their control characters escaped */
	if (f->where[0])
		printf("  %s", local_out_safe(safe, sizeof(safe), f->where));
	if (s && l->netns[s->netns][0])
		printf("  (netns %s)",
		       local_out_safe(safe, sizeof(safe), l->netns[s->netns]));
	printf("\n        ");
	local_out_safe(safe, sizeof(safe), f->reason);
	if (cli->stdout_tty)
		cli_print_wrapped(stdout, safe, 8, width);
	else
		printf("%s\n", safe);
	printf("        advice: ");
	local_out_safe(safe, sizeof(safe), f->advice);
	if (cli->stdout_tty)
		cli_print_wrapped(stdout, safe, 16, width);
	else
		printf("%s\n", safe);
	putchar('\n');
}

/* The worst severity of the findings that concern socket s, or -1. */
static int verdict_of(const struct portier_local *l, uint32_t si,
		      const struct portier_finding *f, size_t n)
{
	const struct portier_sock *s = &l->socks[si];
	char w[96], a[64];
	int worst = -1;
	size_t i;

	portier_sock_addr(s, false, a, sizeof(a));
	snprintf(w, sizeof(w),
		 s->family == AF_INET6 ? "%s [%s]:%u" : "%s %s:%u",
		 portier_local_proto_name(s->proto), a, s->lport);
	for (i = 0; i < n; i++) {
		const char *hit =
			f[i].sock == si ? f[i].where : strstr(f[i].where, w);
		size_t wl = strlen(w);

		/* a whole entry of the list, not the prefix of a longer one */
		if (f[i].sock != si &&
		    (!hit || (hit[wl] != '\0' && hit[wl] != ',')))
			continue;
		if (f[i].proc >= 0 && s->owner_count && f[i].sock != si &&
		    f[i].proto == 0) {
			uint32_t k;
			bool owned = false;

			for (k = 0; k < s->owner_count; k++)
				owned |= l->owners[s->owner_first + k].proc ==
					 (uint32_t)f[i].proc;
			if (!owned)
				continue;
		}
		if ((int)f[i].severity > worst)
			worst = f[i].severity;
	}
	return worst;
}

/* Every listener judged, with its worst verdict: the report's overview. */
static void print_listeners(struct cli *cli, const struct portier_local *l,
			    struct portier_kb *kb,
			    const struct portier_finding *f, size_t n)
{
	static const char *const hdr[] = {"PROTO",   "LOCAL",	"SERVICE",
					  "PROCESS", "VERDICT", "NETNS"};
	bool netns = l->n_netns > 1 || (l->n_netns == 1 && l->netns[0][0]);
	struct cli_table *t = cli_table_new(netns ? 6 : 5, hdr);
	uint32_t *idx = malloc((l->n_socks ? l->n_socks : 1) * sizeof(*idx));
	size_t i, k, m = 0;

	if (!t || !idx) {
		cli_table_free(t);
		free(idx);
		return;
	}
	for (i = 0; i < l->n_socks; i++)
		idx[m++] = (uint32_t)i;
	local_out_sort(l, idx, m);
	for (k = 0; k < m; k++) {
		const struct portier_sock *s = &l->socks[idx[k]];
		const struct portier_proc *p =
			portier_local_owner(l, s, 0, NULL);
		char local[96], a[64], proc[64], proto[8], sproc[256],
			snetns[512];
		const char *svc, *cells[6];
		int v;

		if (!portier_sock_listening(s) || !s->lport)
			continue;
		portier_sock_addr(s, false, a, sizeof(a));
		snprintf(local, sizeof(local),
			 s->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a,
			 s->lport);
		snprintf(proto, sizeof(proto), "%s%s",
			 portier_local_proto_name(s->proto),
			 s->family == AF_INET6 ? "6" : "");
		svc = portier_kb_service_name(kb, s->lport,
					      s->proto == PORTIER_LOCAL_TCP
						      ? PORTIER_PROTO_TCP
						      : PORTIER_PROTO_UDP);
		if (p)
			snprintf(proc, sizeof(proc), "%d/%s", p->pid, p->comm);
		else
			portier_strlcpy(proc, "-", sizeof(proc));
		v = verdict_of(l, idx[k], f, n);
		cells[0] = proto;
		cells[1] = local;
		cells[2] = svc ? svc : "-";
		cells[3] = local_out_safe(sproc, sizeof(sproc), proc);
		cells[4] = v < 0 ? "ok"
				 : portier_audit_severity_name(
					   (enum portier_risk)v);
		cells[5] = l->netns[s->netns][0]
				   ? local_out_safe(snetns, sizeof(snetns),
						    l->netns[s->netns])
				   : "-";
		cli_table_add(t, cells);
	}
	printf("%slistening sockets%s\n", cli_color_on(cli, CLI_BOLD),
	       cli_color_off(cli));
	cli_table_print(t, stdout);
	cli_table_free(t);
	free(idx);
	putchar('\n');
}

static int cmd_audit(struct cli *cli, int argc, char **argv)
{
	struct audit_args a = {.fail_on = PORTIER_RISK_HIGH};
	struct portier_err err = {0};
	struct portier_local *l = NULL;
	struct portier_finding *f = NULL;
	struct portier_audit_opts ao = {0};
	struct portier_kb *kb;
	size_t n = 0, i, listeners = 0, counts[4] = {0};
	int rc = parse_args(cli, argc, argv, &a), exit_code = EXIT_OK;

	if (rc >= 0)
		return rc;
	kb = cli_kb(cli);
	if (!kb)
		return EXIT_USAGE;
	a.q.protos = PORTIER_LOCAL_TCP | PORTIER_LOCAL_UDP;
	a.q.states = PORTIER_STATES_ALL;
	a.q.processes = true;
	a.q.proc_root = cli->proc_root;
	if (a.q.netns) {
		int restore;

		if (portier_netns_enter(a.q.netns, &restore, &err) < 0)
			return cli_report(cli, &err);
		portier_ephemeral_range(cli->proc_root, &ao.eph_lo, &ao.eph_hi,
					NULL);
		if (portier_netns_leave(restore, &err) < 0)
			return cli_report(cli, &err);
	} else {
		portier_ephemeral_range(cli->proc_root, &ao.eph_lo, &ao.eph_hi,
					NULL);
	}
	if (portier_local_collect(&a.q, &l, &err) < 0)
		return cli_report(cli, &err);
	ao.privileged = geteuid() == 0;
	ao.close_wait_min = a.close_wait;
	if (portier_audit_run(l, kb, &ao, &f, &n, &err) < 0) {
		portier_local_free(l);
		return cli_report(cli, &err);
	}
	for (i = 0; i < l->n_socks; i++)
		if (portier_sock_listening(&l->socks[i]) && l->socks[i].lport)
			listeners++;
	if (!a.json)
		print_listeners(cli, l, kb, f, n);
	for (i = 0; i < n; i++) {
		counts[f[i].severity & 3]++;
		if (a.have_fail && f[i].severity >= a.fail_on)
			exit_code = EXIT_FINDINGS;
		if (a.json && print_finding_json(l, &f[i]) < 0) {
			/* a finding left out would make the summary lie */
			cli_error(cli,
				  "out of memory while writing finding %zu "
				  "of %zu as JSON: output is incomplete",
				  i + 1, n);
			portier_free(f);
			portier_local_free(l);
			return EXIT_RUNTIME;
		} else if (!a.json)
			print_finding(cli, l, &f[i], cli_term_width());
	}
	if (a.json) {
		json_t *o = json_pack(
			"{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:b}", "type",
			"summary", "findings", (int)n, "high",
			(int)counts[PORTIER_RISK_HIGH], "medium",
			(int)counts[PORTIER_RISK_MEDIUM], "low",
			(int)counts[PORTIER_RISK_LOW], "info",
			(int)counts[PORTIER_RISK_NONE], "listeners",
			(int)listeners, "sockets", (int)l->n_socks,
			"privileged", ao.privileged);

		if (o)
			json_object_set_new(
				o, "fail_on",
				a.have_fail
					? json_string(
						  portier_audit_severity_name(
							  a.fail_on))
					: json_null());
		if (cli_json_line(stdout, o) < 0) {
			cli_error(cli, "out of memory while writing the JSON "
				       "summary");
			exit_code = EXIT_RUNTIME;
		}
	} else {
		printf("%s%zu finding%s: %zu high, %zu medium, %zu low, %zu "
		       "info%s (%zu listening socket%s and %zu other%s judged)\n",
		       cli_color_on(cli, CLI_BOLD), n, n == 1 ? "" : "s",
		       counts[PORTIER_RISK_HIGH], counts[PORTIER_RISK_MEDIUM],
		       counts[PORTIER_RISK_LOW], counts[PORTIER_RISK_NONE],
		       cli_color_off(cli), listeners, listeners == 1 ? "" : "s",
		       l->n_socks - listeners,
		       l->n_socks - listeners == 1 ? "" : "s");
	}
	if (!ao.privileged)
		cli_notice(cli,
			   "not root: the owners of other users' sockets "
			   "are invisible%s; run as root for a full audit",
			   l->procs_denied ? " (some processes were skipped)"
					   : "");
	portier_free(f);
	portier_local_free(l);
	return exit_code;
}

const struct cli_command cli_cmd_audit = {
	.name = "audit",
	.run = cmd_audit,
	.summary = "judge this machine's open ports: findings and advice",
	.help = audit_help,
	.rank = 30,
};
