/*
 * text.c - the terminal table: per host, as nmap prints it, a "Not shown"
 * line for the states too common to list, then PORT STATE SERVICE and
 * portier's risk mark from the knowledge base (high, medium, low), so a
 * glance shows which open doors matter; then what follow-up probes found
 * (scan --probe), through the caller's host_text hook.  Colour only when asked (a TTY).
 * After service detection (-sV) a VERSION column says what answers (product
 * version (extrainfo)), and each port's findings follow it, nmap's script
 * style ("| id (risk): detail", the advice, "|_" on the last line).
 */
#include <string.h>

#include "out/out_int.h"

static const char *on(const struct portier_out *o, const char *code)
{
	return o->opt.color ? code : "";
}

static const char *off(const struct portier_out *o)
{
	return o->opt.color ? "\033[0m" : "";
}

/* product version (extrainfo), or the unrecognised banner in quotes, into
 * buf ("" when there is neither) */
static void version_text(char *buf, size_t len, const struct portier_svc *s,
			 const char *banner)
{
	out_version(buf, len, s);
	if (!buf[0] && banner && banner[0])
		snprintf(buf, len, "banner \"%s\"", banner);
}

static void findings_text(struct portier_out *o, const struct portier_svc *s)
{
	FILE *f = o->opt.text;
	size_t i;

	for (i = 0; s && i < s->n_findings; i++) {
		const struct portier_svc_finding *x = &s->findings[i];
		bool last = i + 1 == s->n_findings;

		fprintf(f, "| %s%s (%s)%s: %s\n", on(o, "\033[31m"), x->f.id,
			portier_risk_name(x->f.risk), off(o), x->detail);
		fprintf(f, "%s   fix: %s\n", last ? "|_" : "| ", x->f.advice);
	}
}

static void not_shown(struct portier_out *o, const struct out_host *h)
{
	FILE *f = o->opt.text;
	unsigned s;

	for (s = 1; s < PORTIER_PORT_STATES; s++) {
		uint8_t why[PORTIER_REASON_COUNT];
		uint32_t cnt[PORTIER_REASON_COUNT];
		size_t k, n = out_hidden_reasons(o, h, s, why, cnt);

		if (!n)
			continue;
		fprintf(f, "Not shown: %u %s %s port%s (", h->counts[s],
			portier_port_state_name((enum portier_port_state)s),
			out_protos(o), h->counts[s] == 1 ? "" : "s");
		for (k = 0; k < n; k++)
			fprintf(f, "%s%u %s", k ? ", " : "", cnt[k],
				portier_reason_name(
					(enum portier_reason)why[k]));
		fputs(")\n", f);
	}
}

int out_text_finish(struct portier_out *o, const struct portier_scan_stats *st)
{
	FILE *f = o->opt.text;
	size_t shown = 0;
	struct out_view v;
	const struct out_host *h;
	const struct out_port *op;
	/* "open|filtered" needs the wider column; TCP tables keep theirs */
	int width = o->opt.n_udp_ports ? 13 : 8;

	if (out_view_start(o, &v) < 0)
		return PORTIER_ENOMEM;
	while ((h = out_view_next(o, &v))) {
		const char *name = out_host_name(o, &h->addr);
		char a[64];
		bool header = false;

		shown++;
		portier_addr_str(&h->addr, a, sizeof(a));
		if (name)
			fprintf(f, "%sportier scan report for %s (%s)%s\n",
				on(o, "\033[1m"), name, a, off(o));
		else
			fprintf(f, "%sportier scan report for %s%s\n",
				on(o, "\033[1m"), a, off(o));
		not_shown(o, h);
		while ((op = out_view_port(o, &v))) {
			const struct portier_svc *svc = NULL;
			const char *banner = NULL, *sname;
			enum portier_risk risk;
			const char *risk_s;
			char port[16], version[400];

			if (!header) {
				fprintf(f, "%-9s %-*s %-16s %s\n", "PORT",
					width, "STATE", "SERVICE",
					o->opt.port_service ? "RISK   VERSION"
							    : "RISK");
				header = true;
			}
			svc = out_port_service(o, &h->addr, op, &banner);
			sname = svc && svc->probed ? svc->name
				: op->parsed
					? op->parsed
					: out_service(o, op->port, op->udp);
			risk_s = op->state == PORTIER_PORT_OPEN
					 ? out_risk(o, op->port, op->udp, &risk)
					 : (risk = PORTIER_RISK_NONE, "");
			snprintf(port, sizeof(port), "%u/%s", op->port,
				 op->udp ? "udp" : "tcp");
			fprintf(f, "%-9s %s%-*s%s %-16s %s%s%s", port,
				op->state == PORTIER_PORT_OPEN
					? on(o, "\033[32m")
					: "",
				width,
				portier_port_state_name(
					(enum portier_port_state)op->state),
				op->state == PORTIER_PORT_OPEN ? off(o) : "",
				sname,
				risk == PORTIER_RISK_HIGH ? on(o, "\033[31m")
				: risk == PORTIER_RISK_MEDIUM
					? on(o, "\033[33m")
					: "",
				risk_s,
				risk >= PORTIER_RISK_MEDIUM ? off(o) : "");
			version_text(version, sizeof(version), svc, banner);
			if (version[0])
				fprintf(f, "%*s%s", 7 - (int)strlen(risk_s), "",
					version);
			fputc('\n', f);
			findings_text(o, svc);
		}
		if (!header && !o->opt.open_only)
			fputs("All scanned ports are in the states above.\n",
			      f);
		if (o->opt.host_text) /* follow-up probe results, if any */
			o->opt.host_text(o->opt.host_ctx, &h->addr, f);
		fputc('\n', f);
	}
	out_view_end(&v);
	if (!shown)
		fprintf(f, "%s\n",
			o->opt.open_only ? "No open ports found."
					 : "No results.");
	(void)st;
	return ferror(f) ? PORTIER_EIO : 0;
}
