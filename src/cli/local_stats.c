/*
 * local_stats.c - `portier local -s`, `-e` and `--summary`.
 *
 * -s prints the kernel's protocol counters (what netstat -s shows) and
 * explains the ones that matter for ports: overflowing listeners, SYN
 * cookies, retransmissions, resets, UDP buffer drops.  -e prints the
 * interface counters.  --summary counts the sockets per state and prints
 * the diagnosis of the local module (diag.c) in plain words.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/local_out.h"
#include "cli/local_stats.h"

static const struct {
	const char *group, *name, *meaning;
} meanings[] = {
	{"Tcp", "ActiveOpens", "connections this host opened (SYN sent)"},
	{"Tcp", "PassiveOpens", "connections this host accepted"},
	{"Tcp", "AttemptFails",
	 "connection attempts that failed (refused, reset or timed out)"},
	{"Tcp", "EstabResets", "established connections reset"},
	{"Tcp", "CurrEstab", "connections now ESTABLISHED or CLOSE-WAIT"},
	{"Tcp", "RetransSegs",
	 "segments sent again: loss or congestion when high against OutSegs"},
	{"Tcp", "InErrs", "segments received with errors (bad checksum...)"},
	{"Tcp", "OutRsts",
	 "resets sent: often answers to connections to closed ports, e.g. a "
	 "port scan"},
	{"TcpExt", "ListenOverflows",
	 "a listener's accept queue was full: the program accepts too "
	 "slowly or its backlog is too small"},
	{"TcpExt", "ListenDrops", "SYNs to listeners dropped, for any reason"},
	{"TcpExt", "SyncookiesSent",
	 "SYN queue full, answered with SYN cookies: a SYN flood or a burst"},
	{"TcpExt", "SyncookiesRecv", "valid SYN cookies that came back"},
	{"TcpExt", "SyncookiesFailed", "SYN cookies that did not check out"},
	{"TcpExt", "TCPTimeouts", "retransmission timeouts"},
	{"TcpExt", "TCPAbortOnData",
	 "connections reset because data arrived after close"},
	{"TcpExt", "TCPAbortOnTimeout",
	 "connections given up after too many retransmissions"},
	{"TcpExt", "TCPReqQFullDrop",
	 "SYNs dropped because the SYN queue was full (no SYN cookies)"},
	{"TcpExt", "TW", "connections that went through TIME-WAIT"},
	{"Udp", "NoPorts",
	 "datagrams to a port nothing listens on (answered with ICMP port "
	 "unreachable): a UDP scan looks like this"},
	{"Udp", "InErrors", "datagrams that could not be delivered"},
	{"Udp", "RcvbufErrors",
	 "datagrams dropped because a socket's receive buffer was full"},
	{"Udp", "SndbufErrors", "datagrams not sent: send buffer full"},
	{"Ip", "InDiscards", "IP packets discarded for lack of resources"},
	{"Ip", "InAddrErrors", "IP packets for an address that is not ours"},
	{"Icmp", "InDestUnreachs",
	 "destination unreachable messages received (e.g. closed UDP ports)"},
	{"Icmp", "OutDestUnreachs",
	 "destination unreachable messages sent (e.g. for closed UDP ports)"},
};

const char *local_stat_meaning(const char *group, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(meanings) / sizeof(meanings[0]); i++)
		if (strcmp(meanings[i].group, group) == 0 &&
		    strcmp(meanings[i].name, name) == 0)
			return meanings[i].meaning;
	return NULL;
}

/* The extended groups have hundreds of counters: show the non-zero ones. */
static bool long_group(const char *g)
{
	return strcmp(g, "TcpExt") == 0 || strcmp(g, "IpExt") == 0 ||
	       strcmp(g, "MPTcpExt") == 0 || strcmp(g, "Icmp6") == 0 ||
	       strcmp(g, "IcmpMsg") == 0 || strcmp(g, "Ip6") == 0;
}

static bool print_stats(const struct portier_stats *st, bool json)
{
	const char *group = "";
	char safe[512];
	size_t i;

	for (i = 0; i < st->n; i++) {
		const struct portier_stat *s = &st->v[i];
		const char *m = local_stat_meaning(s->group, s->name);

		if (json) {
			json_t *o = json_pack("{s:s, s:o, s:o, s:I}", "type",
					      "counter", "group",
					      cli_json_string(s->group), "name",
					      cli_json_string(s->name), "value",
					      (json_int_t)s->value);

			if (o && m &&
			    json_object_set_new(o, "meaning", json_string(m))) {
				json_decref(o);
				o = NULL;
			}
			if (cli_json_line(stdout, o))
				return false;
			continue;
		}
		if (s->value == 0 && !m && long_group(s->group))
			continue;
		/* names from files under $PORTIER_PROC_ROOT: no raw controls */
		if (strcmp(group, s->group) != 0) {
			group = s->group;
			printf("%s%s:\n", i ? "\n" : "",
			       local_out_safe(safe, sizeof(safe), group));
		}
		printf("  %-24s %12llu%s%s\n",
		       local_out_safe(safe, sizeof(safe), s->name),
		       (unsigned long long)s->value, m ? "  " : "", m ? m : "");
	}
	return true;
}

static bool print_ifaces(const struct portier_ifstat *v, size_t n, bool json)
{
	char safe[4 * sizeof(v->name) + 1];
	size_t i;

	if (!json)
		printf("%-16s %14s %12s %8s %8s %14s %12s %8s %8s\n", "IFACE",
		       "RX-BYTES", "RX-PACKETS", "RX-ERR", "RX-DROP",
		       "TX-BYTES", "TX-PACKETS", "TX-ERR", "TX-DROP");
	for (i = 0; i < n; i++) {
		const struct portier_ifstat *s = &v[i];

		if (json) {
			if (cli_json_line(
				    stdout,
				    json_pack(
					    "{s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
					    " s:I}",
					    "type", "interface", "name",
					    cli_json_string(s->name),
					    "rx_bytes", (json_int_t)s->rx_bytes,
					    "rx_packets",
					    (json_int_t)s->rx_packets,
					    "rx_errors", (json_int_t)s->rx_errs,
					    "rx_dropped",
					    (json_int_t)s->rx_drop, "tx_bytes",
					    (json_int_t)s->tx_bytes,
					    "tx_packets",
					    (json_int_t)s->tx_packets,
					    "tx_errors", (json_int_t)s->tx_errs,
					    "tx_dropped",
					    (json_int_t)s->tx_drop)))
				return false;
			continue;
		}
		printf("%-16s %14llu %12llu %8llu %8llu %14llu %12llu %8llu "
		       "%8llu\n",
		       local_out_safe(safe, sizeof(safe), s->name),
		       (unsigned long long)s->rx_bytes,
		       (unsigned long long)s->rx_packets,
		       (unsigned long long)s->rx_errs,
		       (unsigned long long)s->rx_drop,
		       (unsigned long long)s->tx_bytes,
		       (unsigned long long)s->tx_packets,
		       (unsigned long long)s->tx_errs,
		       (unsigned long long)s->tx_drop);
	}
	return true;
}

int local_stats_view(struct cli *cli, const char *netns, bool interfaces,
		     bool json)
{
	struct portier_err err = {0};
	struct portier_stats st = {0};
	struct portier_ifstat *ifs = NULL;
	size_t n = 0;
	int restore = -1, rc;

	if (netns && portier_netns_enter(netns, &restore, &err) < 0)
		return cli_report(cli, &err);
	if (interfaces)
		rc = portier_ifstats_read(cli->proc_root, &ifs, &n, &err);
	else
		rc = portier_stats_read(&st, cli->proc_root, &err);
	if (portier_netns_leave(restore, &err) < 0) {
		/* what was read may not even be the namespace asked for */
		portier_free(ifs);
		portier_stats_free(&st);
		return cli_report(cli, &err);
	}
	if (rc < 0) {
		portier_stats_free(&st);
		return cli_report(cli, &err);
	}
	rc = interfaces ? print_ifaces(ifs, n, json) : print_stats(&st, json);
	portier_free(ifs);
	portier_stats_free(&st);
	if (!rc) {
		cli_error(cli, "out of memory while writing JSON: output is "
			       "incomplete");
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static const char *const proto_names[4] = {"tcp", "udp", "raw", "unix"};

static bool print_counts(const struct portier_local *l, bool json)
{
	uint32_t counts[4][PORTIER_SS_MAX];
	struct portier_sock fake = {0};
	int p, st;

	portier_local_count_states(l, counts);
	if (json) {
		json_t *o = json_pack("{s:s, s:I}", "type", "state_counts",
				      "sockets", (json_int_t)l->n_socks);

		for (p = 0; o && p < 4; p++) {
			json_t *m = json_object();

			fake.proto = (uint8_t)(1u << p);
			for (st = 1; m && st < PORTIER_SS_MAX; st++) {
				fake.state = (uint8_t)st;
				if (counts[p][st])
					json_object_set_new(
						m,
						portier_sock_state_name(&fake),
						json_integer(counts[p][st]));
			}
			json_object_set_new(o, proto_names[p], m);
		}
		return cli_json_line(stdout, o) == 0;
	}
	printf("%zu sockets\n%-12s %8s %8s %8s\n", l->n_socks, "STATE", "TCP",
	       "UDP", "RAW");
	for (st = 1; st < PORTIER_SS_MAX; st++) {
		if (!counts[0][st] && !counts[1][st] && !counts[2][st])
			continue;
		fake.proto = PORTIER_LOCAL_TCP;
		fake.state = (uint8_t)st;
		printf("%-12s %8u %8u %8u\n",
		       st == PORTIER_SS_CLOSE ? "CLOSE/UNCONN"
					      : portier_sock_state_name(&fake),
		       counts[0][st], counts[1][st], counts[2][st]);
	}
	return true;
}

int local_summary_view(struct cli *cli, const struct portier_local_query *q,
		       bool json)
{
	struct portier_err err = {0};
	struct portier_stats st = {0};
	struct portier_local *l = NULL;
	struct portier_diag_opts dopt = {0};
	struct portier_diag d[64];
	char safe[4 * sizeof(d[0].text) + 1];
	size_t n, i;
	int restore = -1, rc;
	bool failed = false;

	if (q->netns && portier_netns_enter(q->netns, &restore, &err) < 0)
		return cli_report(cli, &err);
	if (portier_stats_read(&st, cli->proc_root, NULL) < 0)
		portier_stats_free(&st);
	if (portier_ephemeral_range(cli->proc_root, &dopt.eph_lo, &dopt.eph_hi,
				    NULL) < 0)
		dopt.eph_lo = dopt.eph_hi = 0;
	if (portier_netns_leave(restore, &err) < 0) {
		portier_stats_free(&st);
		return cli_report(cli, &err);
	}
	rc = portier_local_collect(q, &l, &err);
	if (rc < 0) {
		portier_stats_free(&st);
		return cli_report(cli, &err);
	}
	if (!print_counts(l, json))
		failed = true;
	n = portier_local_diagnose(l, st.n ? &st : NULL, &dopt, d,
				   sizeof(d) / sizeof(d[0]));
	if (n > sizeof(d) / sizeof(d[0]))
		n = sizeof(d) / sizeof(d[0]);
	if (!json)
		printf("\ndiagnosis:%s\n", n ? "" : " nothing unusual");
	for (i = 0; i < n; i++) {
		static const char *const kinds[] = {
			"close_wait",  "time_wait",	  "syn_recv",
			"listen_full", "listen_overflow", "syn_cookies",
			"retransmits", "udp_rcvbuf"};

		if (json) {
			/* text names processes: anyone's bytes */
			if (cli_json_line(
				    stdout,
				    json_pack("{s:s, s:s, s:s, s:i, s:i, s:o}",
					      "type", "diagnosis", "kind",
					      kinds[d[i].kind], "severity",
					      portier_risk_name(
						      (enum portier_risk)d[i]
							      .severity),
					      "pid", d[i].pid, "count",
					      (int)d[i].count, "text",
					      cli_json_string(d[i].text))))
				failed = true;
			continue;
		}
		printf("  %s%-6s%s ",
		       cli_color_on(cli,
				    cli_risk_color(
					    (enum portier_risk)d[i].severity)),
		       portier_risk_name((enum portier_risk)d[i].severity),
		       cli_color_off(cli));
		local_out_safe(safe, sizeof(safe), d[i].text);
		if (cli->stdout_tty)
			cli_print_wrapped(stdout, safe, 9, cli_term_width());
		else
			printf("%s\n", safe);
	}
	if (!json && l->procs_denied && l->procs_scanned)
		cli_notice(cli,
			   "%zu processes of other users could not be "
			   "examined; run as root to name them",
			   l->procs_denied);
	portier_local_free(l);
	portier_stats_free(&st);
	if (failed) {
		cli_error(cli, "out of memory while writing JSON: output is "
			       "incomplete");
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}
