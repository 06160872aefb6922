/*
 * grep.c - nmap's grepable format (-oG): a comment line with the command,
 * then per host a "Status: Up" line and a "Ports:" line whose entries are
 * port/state/protocol/owner/service/rpc/version/ (the version after -sV,
 * as nmap writes it), and a closing comment.
 * Tools that cut these lines with awk and grep keep working.
 */
#include <string.h>

#include "out/out_int.h"

static void when(time_t t, char *buf, size_t len)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%a %b %e %H:%M:%S %Y", &tm);
}

int out_grep_open(struct portier_out *o)
{
	char w[64];

	when(o->start, w, sizeof(w));
	fprintf(o->grep, "# portier %s scan initiated %s as: %s\n",
		PORTIER_VERSION, w, o->opt.args ? o->opt.args : "portier scan");
	return fflush(o->grep) == 0 ? 0 : PORTIER_EIO;
}

int out_grep_finish(struct portier_out *o, const struct portier_scan_stats *st)
{
	size_t up = 0;
	struct out_view v;
	const struct out_host *h;
	const struct out_port *op;
	char w[64];

	if (out_view_start(o, &v) < 0)
		return PORTIER_ENOMEM;
	while ((h = out_view_next(o, &v))) {
		const char *name = out_host_name(o, &h->addr);
		char a[64];
		bool first = true;
		unsigned s, hidden_state = PORTIER_PORT_STATES;

		up++;
		portier_addr_str(&h->addr, a, sizeof(a));
		fprintf(o->grep, "Host: %s (%s)\tStatus: Up\n", a,
			name ? name : "");
		fprintf(o->grep, "Host: %s (%s)\tPorts: ", a, name ? name : "");
		while ((op = out_view_port(o, &v))) {
			const char *banner,
				*svc = out_nmap_service(o, op->port, op->udp);
			const struct portier_svc *det;
			char version[300], tunneled[40], *c;

			det = out_port_service(o, &h->addr, op, &banner);
			if (det && det->probed)
				svc = det->name;
			if (det && det->probed && det->tunnel_ssl) {
				/* nmap: "ssl|http" */
				snprintf(tunneled, sizeof(tunneled), "ssl|%s",
					 det->name);
				svc = tunneled;
			}
			/* as nmap: a '/' inside a field becomes '|' */
			out_version(version, sizeof(version), det);
			for (c = version; *c; c++)
				if (*c == '/')
					*c = '|';
			fprintf(o->grep, "%s%u/%s/%s//%s//%s/",
				first ? "" : ", ", op->port,
				portier_port_state_name(
					(enum portier_port_state)op->state),
				op->udp ? "udp" : "tcp", svc ? svc : "",
				version);
			first = false;
		}
		for (s = 1; s < PORTIER_PORT_STATES; s++)
			if (h->counts[s] && !out_state_listed(o, h, s) &&
			    (hidden_state == PORTIER_PORT_STATES ||
			     h->counts[s] > h->counts[hidden_state]))
				hidden_state = s;
		if (hidden_state < PORTIER_PORT_STATES)
			fprintf(o->grep, "\tIgnored State: %s (%u)",
				portier_port_state_name(
					(enum portier_port_state)hidden_state),
				h->counts[hidden_state]);
		fputc('\n', o->grep);
	}
	/* every host with a result passed the view, shown or not */
	out_view_end(&v);
	when(time(NULL), w, sizeof(w));
	fprintf(o->grep,
		"# portier done at %s -- %zu IP address%s (%zu host%s up) "
		"scanned in %.2f seconds%s\n",
		w, v.seen, v.seen == 1 ? "" : "es", up, up == 1 ? "" : "s",
		(double)st->elapsed_ns / 1e9,
		st->interrupted ? " (interrupted)" : "");
	return fflush(o->grep) == 0 && !ferror(o->grep) ? 0 : PORTIER_EIO;
}
