/*
 * fw_local.c - where `portier firewall` looks at this host's own sockets:
 * after `close`, who listens behind the ports just closed (closing the door
 * is not removing the room: the service still runs, and the command that
 * stops it is printed); and `suggest`, which turns `portier audit`'s
 * findings into the ports worth closing.
 *
 * Sockets and owners come from the local module (sock_diag and /proc), the
 * judgement from the audit module; the choice of ports is
 * portier_fw_suggest, a pure function of both.
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/fw_out.h"
#include "portier/audit.h"
#include "portier/local.h"

/*
 * "smbd (pid 812, unit smbd.service)".  The process name and the unit and
 * container names (from cgroup paths) are others' to choose: they go
 * through the terminal cleaner like every text view's, so neither a C0
 * escape, a C1 CSI nor a bidirectional override can rewrite the stop
 * command printed on the same line.
 */
static void describe_proc(const struct portier_proc *p, char *buf, size_t len)
{
	char raw[512];

	if (!p) {
		snprintf(buf, len,
			 "a process portier cannot see (run as root "
			 "to see every owner)");
		return;
	}
	snprintf(raw, sizeof(raw), "%s (pid %d%s%s%s%s)",
		 *p->comm ? p->comm : "?", p->pid, p->unit ? ", unit " : "",
		 p->unit ? p->unit : "", p->container ? ", container " : "",
		 p->container ? p->container : "");
	/* a name cut short above ends in bytes that are escaped here */
	portier_text_clean(buf, len, raw, PORTIER_TEXT_TERM);
}

void fw_out_listeners(struct cli *cli, const struct portier_fw_spec *spec,
		      FILE *f)
{
	struct portier_local_query q = {
		.protos = PORTIER_LOCAL_TCP | PORTIER_LOCAL_UDP,
		.states = PORTIER_STATES_LISTENING,
		.proc_root = cli->proc_root,
	};
	struct portier_local *l = NULL;
	size_t i;
	bool any = false;

	/*
	 * Sockets first (sock_diag, cheap); the walk over every process's
	 * open files only when one of them listens on a port just closed.
	 */
	if (portier_local_collect(&q, &l, NULL) < 0)
		return; /* a hint only: the rules are applied either way */
	for (i = 0; i < l->n_socks && !any; i++) {
		const struct portier_sock *s = &l->socks[i];
		int proto = s->proto == PORTIER_LOCAL_TCP ? PORTIER_FW_TCP
							  : PORTIER_FW_UDP;

		any = s->lport && !portier_sock_loopback(s) &&
		      portier_sock_listening(s) &&
		      portier_fw_portset_has(&spec->ports[proto], s->lport);
	}
	portier_local_free(l);
	l = NULL;
	q.processes = true;
	if (!any || portier_local_collect(&q, &l, NULL) < 0)
		return;
	for (i = 0; i < l->n_socks; i++) {
		const struct portier_sock *s = &l->socks[i];
		const struct portier_proc *p = NULL;
		int proto = s->proto == PORTIER_LOCAL_TCP ? PORTIER_FW_TCP
							  : PORTIER_FW_UDP;
		char who[256], stop[600], addr[64];

		if (!s->lport || portier_sock_loopback(s) ||
		    !portier_sock_listening(s) ||
		    !portier_fw_portset_has(&spec->ports[proto], s->lport))
			continue;
		if (s->owner_count)
			p = portier_local_owner(l, s, 0, NULL);
		describe_proc(p, who, sizeof(who));
		portier_fw_stop_command(p, stop, sizeof(stop));
		portier_sock_addr(s, false, addr, sizeof(addr));
		fprintf(f,
			"%s/%u is closed, but %s still listens on %s%s%s:%u; "
			"to remove the service rather than hide it: %s\n",
			portier_fw_proto_name(proto), s->lport, who,
			s->family == AF_INET6 ? "[" : "", addr,
			s->family == AF_INET6 ? "]" : "", s->lport, stop);
	}
	portier_local_free(l);
}

int fw_suggest_collect(struct cli *cli, const struct portier_fw_policy *cur,
		       uint16_t ssh_port, struct portier_fw_spec *close,
		       FILE *f)
{
	struct portier_local_query q = {
		.protos = PORTIER_LOCAL_TCP | PORTIER_LOCAL_UDP,
		.states = PORTIER_STATES_ALL,
		.processes = true,
		.proc_root = cli->proc_root,
	};
	struct portier_audit_opts ao = {.privileged = geteuid() == 0};
	struct portier_err err = {0};
	struct portier_local *l = NULL;
	struct portier_finding *fs = NULL;
	struct portier_fw_suggestion *sg = NULL;
	struct portier_kb *kb = cli_kb(cli);
	size_t nf = 0, ns = 0, i;
	int rc = 0;

	memset(close, 0, sizeof(*close));
	if (!kb)
		return -EXIT_USAGE;
	portier_ephemeral_range(cli->proc_root, &ao.eph_lo, &ao.eph_hi, NULL);
	if (portier_local_collect(&q, &l, &err) < 0 ||
	    portier_audit_run(l, kb, &ao, &fs, &nf, &err) < 0 ||
	    portier_fw_suggest(l, fs, nf, cur, ssh_port, PORTIER_RISK_MEDIUM,
			       &sg, &ns, &err) < 0) {
		rc = -cli_report(cli, &err);
		goto out;
	}
	if (!ns)
		fprintf(f, "the audit found no risky port reachable from "
			   "other hosts: nothing to close\n");
	for (i = 0; i < ns; i++) {
		const struct portier_fw_suggestion *s = &sg[i];
		const struct portier_finding *fi = s->finding;
		const struct portier_proc *p =
			fi->proc >= 0 ? &l->procs[fi->proc] : NULL;
		char who[256], port[16];
		char reason[PORTIER_TEXT_MAX(sizeof(fi->reason))];

		describe_proc(p, who, sizeof(who));
		snprintf(port, sizeof(port), "%u/%s", s->port,
			 portier_fw_proto_name(s->proto));
		fprintf(f, "%-6s %-9s %-7s %s, %s\n",
			s->close ? "close" : "skip", port,
			portier_audit_severity_name(s->severity),
			portier_audit_rule_name(fi->rule), who);
		/* the reason names the owner: comm and path, cleaned */
		portier_text_clean(reason, sizeof(reason), fi->reason,
				   PORTIER_TEXT_TERM);
		fprintf(f, "       %s\n", reason);
		if (!s->close && s->in_use)
			fprintf(f,
				"       not suggested: %s (%u connection%s)\n",
				s->why_not, s->in_use,
				s->in_use == 1 ? "" : "s");
		else if (!s->close)
			fprintf(f, "       not suggested: %s\n", s->why_not);
		if (s->close && portier_fw_portset_add(&close->ports[s->proto],
						       s->port, s->port) < 0) {
			rc = -EXIT_RUNTIME;
			break;
		}
	}
	if (!ao.privileged)
		fprintf(f, "(not root: other users' processes were not "
			   "judged)\n");
out:
	portier_free(sg);
	portier_free(fs);
	portier_local_free(l);
	return rc;
}
