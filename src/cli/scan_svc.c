/*
 * scan_svc.c - the scanner's service detection: once the port scan is
 * over, every open TCP port it recorded is handed to the driver
 * (portier_svc_run, inside TLS where the port speaks it) and every open
 * UDP port to portier_svc_udp_probe with the scan's payloads, at most
 * SCAN_SVC_PARALLEL at once through the probe
 * pool of `portier smb` (probe_pool.c).  Only ports of hosts the scan has
 * a record of are asked: they were scan targets.
 *
 * Each port's result goes to the JSON sink when the pool reports it (in
 * address and port order) as {"type":"service", "addr", "port", "proto",
 * "name", "product", "version", "extrainfo", "ostype", "tunnel", "method",
 * "conf", "banner", "module", "findings": [{"severity", "id", "text",
 * "advice", "detail"}]}; the table and XML read the kept results through the port
 * hook of struct portier_out_options when the scan output ends.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/probe_out.h"
#include "cli/scan_svc.h"
#include "portier/svc_udp.h"

#define SCAN_SVC_PARALLEL 64u
#define SCAN_SVC_UDP_WAIT 1000 /* ms for each UDP request's reply */

/* One (host, port) to ask, and what came back. */
struct sv_job {
	struct portier_addr addr;
	uint16_t port;
	bool udp;
	bool done;
	int rc;
	struct portier_svc s;
	char banner[PORTIER_TEXT_MAX(PORTIER_SVC_BANNER_MAX)];
	const char *module;
};

struct scan_svc {
	struct cli *cli;
	struct scan_svc_opts o;
	struct portier_svc_fps *fps;
	struct portier_tls_ctx *tls; /* NULL: no TLS (a note said why) */
	struct portier_out *out;
	volatile sig_atomic_t *stop;
	struct sv_job *jobs;
	struct portier_addr *targets; /* the pool's: job i's address */
	size_t n_jobs, n_reported, n_recognised, n_findings, n_failed;
	bool progress_shown;
	int json_rc;
};

/* What the pool hands from probe to report: the job's index. */
struct sv_result {
	size_t i;
};

struct scan_svc *scan_svc_new(struct cli *cli, const struct scan_svc_opts *o)
{
	struct scan_svc *sv = portier_calloc(1, sizeof(*sv));
	struct portier_err err = {0};

	if (!sv) {
		cli_error(cli, "out of memory");
		return NULL;
	}
	sv->cli = cli;
	sv->o = *o;
	if (portier_svc_fps_builtin(&sv->fps, &err) < 0) {
		cli_error(cli, "service fingerprints: %s", err.msg);
		portier_free(sv);
		return NULL;
	}
	if (portier_tls_ctx_new(&sv->tls, &err) < 0) {
		sv->tls = NULL;
		if (!o->quiet)
			cli_notice(cli,
				   "no TLS (%s): -sV asks in the clear only",
				   err.msg);
	}
	return sv;
}

void scan_svc_free(struct scan_svc *sv)
{
	if (!sv)
		return;
	portier_svc_fps_free(sv->fps);
	portier_tls_ctx_free(sv->tls);
	portier_free(sv->jobs);
	portier_free(sv->targets);
	portier_free(sv);
}

static int job_cmp(const void *a, const void *b)
{
	const struct sv_job *x = a, *y = b;
	int c = portier_addr_cmp(&x->addr, &y->addr);

	if (c)
		return c;
	if (x->udp != y->udp)
		return x->udp ? 1 : -1; /* TCP first, as the outputs list */
	return (int)x->port - (int)y->port;
}

static const struct sv_job *find(const struct scan_svc *sv,
				 const struct portier_addr *a, uint16_t port,
				 bool udp)
{
	struct sv_job key;

	key.addr = *a;
	key.port = port;
	key.udp = udp;
	return sv->n_jobs ? bsearch(&key, sv->jobs, sv->n_jobs,
				    sizeof(*sv->jobs), job_cmp)
			  : NULL;
}

/* Every open TCP and UDP port of every recorded host, sorted. */
static int plan(struct scan_svc *sv)
{
	struct portier_out_host_info *info;
	uint16_t *ports = NULL;
	size_t i, n, total = 0;
	int pass;
	int rc;

	if ((rc = portier_out_host_list(sv->out, &info, &n)) < 0)
		return rc;
	for (i = 0; i < n; i++)
		total += info[i].open;
	sv->jobs = total ? portier_calloc(total, sizeof(*sv->jobs)) : NULL;
	sv->targets =
		total ? portier_calloc(total, sizeof(*sv->targets)) : NULL;
	ports = portier_calloc(65536, sizeof(*ports));
	if ((total && (!sv->jobs || !sv->targets)) || !ports) {
		portier_free(info);
		portier_free(ports);
		return PORTIER_ENOMEM;
	}
	/* TCP ports; UDP ones too when the scan had -sU's payloads */
	for (pass = 0; pass < (sv->o.udp_payloads ? 2 : 1); pass++)
		for (i = 0; i < n; i++) {
			bool udp = pass == 1;
			size_t k, m = portier_out_open_ports(sv->out,
							     &info[i].addr, udp,
							     ports, 65536);

			for (k = 0; k < m && sv->n_jobs < total; k++) {
				sv->jobs[sv->n_jobs].addr = info[i].addr;
				sv->jobs[sv->n_jobs].udp = udp;
				sv->jobs[sv->n_jobs++].port = ports[k];
			}
		}
	portier_free(info);
	portier_free(ports);
	if (sv->n_jobs)
		qsort(sv->jobs, sv->n_jobs, sizeof(*sv->jobs), job_cmp);
	for (i = 0; i < sv->n_jobs; i++)
		sv->targets[i] = sv->jobs[i].addr;
	return 0;
}

/* Text from the network made safe for every output: one line, valid
 * UTF-8, no control characters. */
static void clean_field(char *s, size_t cap)
{
	char tmp[PORTIER_TEXT_MAX(256)];

	/* cut to the field, never inside a character */
	portier_text_clean(tmp, cap < sizeof(tmp) ? cap : sizeof(tmp), s,
			   PORTIER_TEXT_LINE);
	memcpy(s, tmp, strlen(tmp) + 1);
}

static void clean(struct portier_svc *s)
{
	size_t i;

	clean_field(s->name, sizeof(s->name));
	clean_field(s->product, sizeof(s->product));
	clean_field(s->version, sizeof(s->version));
	clean_field(s->extrainfo, sizeof(s->extrainfo));
	clean_field(s->ostype, sizeof(s->ostype));
	clean_field(s->match_text, sizeof(s->match_text));
	for (i = 0; i < s->n_findings; i++)
		clean_field(s->findings[i].detail,
			    sizeof(s->findings[i].detail));
}

/* An open UDP port: its payloads again, each reply that parses described;
 * a port that answered nothing this time keeps the port table's name. */
static int probe_udp(struct scan_svc *sv, struct sv_job *j,
		     struct portier_err *err)
{
	int rc = portier_svc_udp_probe(&j->addr, j->port, sv->o.udp_payloads,
				       SCAN_SVC_UDP_WAIT, &j->s, err);

	if (rc == 0) {
		j->s.match_text[sizeof(j->s.match_text) - 1] = '\0';
		portier_svc_fps_apply(sv->fps, j->s.name, &j->s);
		clean(&j->s);
		return 0;
	}
	if (rc != PORTIER_ENOENT)
		return rc;
	portier_svc_from_table(cli_kb(sv->cli), j->port, PORTIER_PROTO_UDP,
			       &j->s);
	return 0;
}

static int probe_one(void *ctx, const struct portier_addr *a, void *result,
		     struct portier_err *err)
{
	struct scan_svc *sv = ctx;
	struct sv_result *res = result;
	struct sv_job *j;
	struct portier_svc_opts so = {0};
	struct portier_svc_report rep;
	char host[64];

	res->i = (size_t)(a - sv->targets);
	j = &sv->jobs[res->i];
	if (*sv->stop)
		return j->rc = -EINTR;
	if (j->udp)
		return j->rc = probe_udp(sv, j, err);
	portier_addr_str(&j->addr, host, sizeof(host));
	so.host = host;
	so.tls = sv->tls;
	so.intensity = sv->o.intensity;
	so.intrusive = sv->o.intrusive;
	so.only = sv->o.only;
	so.n_only = sv->o.n_only;
	so.fps = sv->fps;
	so.kb = cli_kb(sv->cli);
	j->rc = portier_svc_run(&j->addr, j->port, &so, &j->s, &rep);
	if (j->rc == 0) {
		clean(&j->s);
		memcpy(j->banner, rep.banner, sizeof(j->banner));
		j->module = rep.module;
	} else {
		portier_err_set(err, j->rc, "%s", strerror(-j->rc));
	}
	return j->rc;
}

static json_t *job_json(const struct sv_job *j)
{
	const struct portier_svc *s = &j->s;
	struct portier_probe_finding pf[PORTIER_SVC_MAX_FINDINGS];
	json_t *f, *o;
	char ip[64];
	size_t i;

	portier_addr_str(&j->addr, ip, sizeof(ip));
	/* the findings as every probe writes them, with this host's fact */
	for (i = 0; i < s->n_findings; i++)
		pf[i] = s->findings[i].f;
	f = probe_out_findings_json(pf, s->n_findings);
	for (i = 0; f && i < s->n_findings; i++)
		json_object_set_new(json_array_get(f, i), "detail",
				    cli_json_string(s->findings[i].detail));
	if (j->rc < 0)
		return json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", "service",
				 "addr", ip, "port", j->port, "proto",
				 j->udp ? "udp" : "tcp", "error",
				 strerror(-j->rc));
	o = json_pack(
		"{s:s, s:s, s:i, s:s, s:o, s:o, s:o, s:o, s:o, s:o,"
		" s:s, s:i, s:o, s:o, s:o}",
		"type", "service", "addr", ip, "port", j->port, "proto",
		j->udp ? "udp" : "tcp", "name", cli_json_string(s->name),
		"product", cli_json_string(s->product), "version",
		cli_json_string(s->version), "extrainfo",
		cli_json_string(s->extrainfo), "ostype",
		cli_json_string(s->ostype), "tunnel",
		s->tunnel_ssl ? json_string("ssl") : json_null(), "method",
		s->probed ? "probed" : "table", "conf", s->conf, "banner",
		j->banner[0] ? cli_json_string(j->banner) : json_null(),
		"module", j->module ? json_string(j->module) : json_null(),
		"findings", f ? f : json_array());
	return o;
}

static void progress(struct scan_svc *sv)
{
	if (!sv->o.progress || sv->o.quiet || !isatty(STDERR_FILENO) ||
	    sv->n_jobs < 2)
		return;
	fprintf(stderr, "\r\033[Kportier scan: service detection %zu/%zu ports",
		sv->n_reported, sv->n_jobs);
	fflush(stderr);
	sv->progress_shown = true;
}

/* Under the pool's lock, in job order. */
static void report_one(void *ctx, void *result, int rc,
		       const struct portier_err *err)
{
	struct scan_svc *sv = ctx;
	struct sv_job *j = &sv->jobs[((struct sv_result *)result)->i];
	json_t *o;
	char *text = NULL;
	int wrc;

	(void)rc;
	(void)err;
	sv->n_reported++;
	if (j->rc == -EINTR)
		return; /* never asked */
	j->done = true;
	if (j->rc < 0)
		sv->n_failed++;
	else if (j->s.probed)
		sv->n_recognised++;
	sv->n_findings += j->rc == 0 ? j->s.n_findings : 0;
	o = job_json(j);
	if (o)
		text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	wrc = text ? portier_out_json_line(sv->out, text) : PORTIER_ENOMEM;
	free(text);
	if (wrc < 0 && !sv->json_rc)
		sv->json_rc = wrc;
	progress(sv);
}

int scan_svc_run(struct scan_svc *sv, struct portier_out *out,
		 volatile sig_atomic_t *stop)
{
	static const struct probe_pool_ops ops = {
		.result_size = sizeof(struct sv_result),
		.probe = probe_one,
		.report = report_one,
	};
	int rc;

	sv->out = out;
	sv->stop = stop;
	if (plan(sv) < 0) {
		cli_error(sv->cli, "out of memory choosing ports to probe");
		return EXIT_RUNTIME;
	}
	rc = sv->n_jobs ? probe_out_pool(sv->cli, sv->targets, sv->n_jobs,
					 SCAN_SVC_PARALLEL, &ops, sv)
			: EXIT_OK;
	if (sv->progress_shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	if (rc != EXIT_OK)
		return rc;
	if (*stop) {
		size_t asked = 0, i;

		for (i = 0; i < sv->n_jobs; i++)
			asked += sv->jobs[i].done;
		cli_error(sv->cli,
			  "interrupted: service detection asked %zu of %zu "
			  "ports",
			  asked, sv->n_jobs);
		cli_hint("the port scan itself completed; its results and the "
			 "ports that were asked are in the outputs");
		return EXIT_RUNTIME;
	}
	if (sv->json_rc < 0) {
		cli_error(sv->cli, "cannot write service results to the JSON "
				   "output");
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

void scan_svc_report(const struct scan_svc *sv)
{
	if (sv->o.quiet || !sv->out)
		return;
	fprintf(stderr,
		"portier scan: services: asked %zu port%s, %zu recognised, "
		"%zu unreachable, %zu finding%s\n",
		sv->n_jobs, sv->n_jobs == 1 ? "" : "s", sv->n_recognised,
		sv->n_failed, sv->n_findings, sv->n_findings == 1 ? "" : "s");
}

static const struct portier_svc *port_service(void *ctx,
					      const struct portier_addr *a,
					      uint16_t port, bool udp,
					      const char **banner)
{
	const struct scan_svc *sv = ctx;
	const struct sv_job *j = find(sv, a, port, udp);

	*banner = "";
	if (!j || !j->done || j->rc < 0)
		return NULL;
	*banner = j->banner;
	return &j->s;
}

void scan_svc_hook(struct scan_svc *sv, struct portier_out_options *oo)
{
	oo->port_service = port_service;
	oo->port_ctx = sv;
	oo->keep_hosts = true; /* the ports to ask come from the records */
}
