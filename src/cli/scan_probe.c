/*
 * scan_probe.c - the scanner's follow-up probes: once the port scan is over,
 * ask the hosts it found what NetBIOS, SMB and the RPC endpoint mapper give
 * away, reusing the probe module (portier_nbstat_sweep,
 * portier_probe_smb_host, portier_probe_rpc_host and their judges) and the
 * views `portier nbstat`, `portier smb` and `portier rpc` print
 * (probe_out.h).
 *
 * Which host gets what: with -sV, smb and nbstat for every host with 139 or
 * 445 open; with --probe smb, the same hosts for SMB; --probe smb-shares
 * the same with `portier smb --shares` (NTLM names, null and guest
 * sessions, shares and their access); --probe rpc every host with 135 open;
 * with --probe nbstat, every host that answered the scan at all (an open or
 * a closed port), over 137/udp, IPv4 only.  -sV alone never logs in or
 * lists: smb-shares and rpc run only when --probe names them, as nmap's -sV
 * runs no scripts.  The hosts come from the output records of the scan, so
 * nothing is ever sent to an address that was not a scan target.
 *
 * NetBIOS goes first, as one rate-limited sweep from one socket; its computer
 * names then serve as the called name when SMB has only 139 to talk to.  SMB
 * and RPC hosts run up to PROBE_PARALLEL at once.  Each result goes to the
 * JSON sink the moment it is known; the table and XML read them back through
 * the per-host hooks of struct portier_out_options when the scan output
 * ends.  In XML each becomes a <script> with the text view as its output
 * and the JSON object's members as <elem> and <table> (probe_elems.c).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/probe_out.h"
#include "cli/scan_probe.h"

#define PROBE_PARALLEL	 16u
#define PROBE_TIMEOUT_MS 3000u

/* The host scripts of XML, in the order they are written. */
enum { SC_NBSTAT, SC_SMB, SC_SHARES, SC_RPC, SC_N };
static const char *const script_id[SC_N] = {"nbstat", "smb-protocols",
					    "smb-enum-shares", "msrpc-enum"};
/* The JSON object each script's elems come from, and which members. */
enum { JS_NBSTAT, JS_SMB, JS_RPC, JS_N };
static const unsigned script_json[SC_N] = {JS_NBSTAT, JS_SMB, JS_SMB, JS_RPC};
static const char *const shares_members[] = {"ntlm", "sessions", "shares",
					     NULL};
static const char *const not_host[] = {"host", NULL};
static const char *const smb_skip[] = {"host", "ntlm", "sessions", "shares",
				       NULL};

struct sp_host {
	struct portier_addr addr;
	bool want_smb, want_nbstat, want_rpc, p445, p139;
	struct portier_nbstat_result *nb; /* NULL until it has an outcome */
	struct portier_smb_host *smb;	  /* NULL until probed */
	int smb_rc;
	struct portier_err smb_err;
	struct portier_rpc_host *rpc; /* NULL until probed */
	int rpc_rc;
	struct portier_err rpc_err;
	json_t *json[JS_N]; /* the objects -oJ got, kept for XML */
	/* XML script outputs and elems, made lazily */
	char *xml[SC_N];
	struct probe_out_elems elems[SC_N];
};

/* One SMB or RPC probe of a host. */
struct sp_job {
	size_t host;
	bool rpc;
};

struct scan_probes {
	struct cli *cli;
	unsigned bits;
	bool auto_sv, quiet;
	const struct portier_kb_entry *kb137;
	struct portier_out *out;
	struct sp_host *hosts;
	size_t n_hosts, n_nbstat, n_smb, n_rpc, n_v6_skipped;
	unsigned nb_answered, smb_up, smb_findings, rpc_up, rpc_findings;
	int json_rc;
	bool oom; /* a host could not be probed for lack of memory */
	volatile sig_atomic_t *stop;
	pthread_mutex_t lock; /* the JSON sink and next_job, between workers */
	size_t next_job, n_jobs;
	struct sp_job *jobs;
};

/* The probes --probe knows: each name, its bit. */
static const struct {
	const char *name;
	unsigned bit;
} probe_names[] = {
	{"smb", SCAN_PROBE_SMB},
	{"smb-shares", SCAN_PROBE_SHARES},
	{"nbstat", SCAN_PROBE_NBSTAT},
	{"rpc", SCAN_PROBE_RPC},
};

/* ---- the list of probes ------------------------------------------------- */

/* The service modules' names, comma-separated, into buf. */
static const char *module_names(char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < portier_svc_n_protos && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "",
				      portier_svc_protos[i]->name);
	return buf;
}

int scan_probe_parse(const struct cli *cli, const char *list, unsigned *bits,
		     const struct portier_svc_proto **mods, size_t *n_mods)
{
	const char *p = list;
	char names[512];

	for (;;) {
		size_t len = strcspn(p, ","), k;
		const struct portier_svc_proto *m = NULL;
		char one[64];

		for (k = 0; k < sizeof(probe_names) / sizeof(probe_names[0]);
		     k++)
			if (strlen(probe_names[k].name) == len &&
			    strncmp(p, probe_names[k].name, len) == 0)
				break;
		snprintf(one, sizeof(one), "%.*s", (int)len, p);
		if (k == sizeof(probe_names) / sizeof(probe_names[0]) &&
		    len < sizeof(one))
			m = portier_svc_proto_find(one);
		if (k < sizeof(probe_names) / sizeof(probe_names[0])) {
			*bits |= probe_names[k].bit;
		} else if (m) {
			for (k = 0; k < *n_mods && mods[k] != m; k++)
				;
			if (k == *n_mods && *n_mods < SCAN_SVC_MAX_ONLY)
				mods[(*n_mods)++] = m;
		} else {
			if (len)
				cli_error(cli,
					  "unknown probe '%.*s' in --probe "
					  "'%s'",
					  (int)len, p, list);
			else
				cli_error(cli,
					  "empty probe name in --probe '%s'",
					  list);
			cli_hint("the probes are %s and the service modules "
				 "%s, comma-separated, e.g. --probe smb,http",
				 SCAN_PROBE_NAMES,
				 module_names(names, sizeof(names)));
			return EXIT_USAGE;
		}
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

struct scan_probes *scan_probes_new(struct cli *cli, unsigned bits,
				    bool auto_sv, bool quiet)
{
	struct scan_probes *sp = portier_calloc(1, sizeof(*sp));

	if (!sp)
		return NULL;
	sp->cli = cli;
	sp->bits = bits;
	sp->auto_sv = auto_sv;
	sp->quiet = quiet;
	pthread_mutex_init(&sp->lock, NULL);
	return sp;
}

void scan_probes_free(struct scan_probes *sp)
{
	size_t i;

	if (!sp)
		return;
	for (i = 0; i < sp->n_hosts; i++) {
		struct sp_host *h = &sp->hosts[i];
		unsigned k;

		portier_free(h->nb);
		if (h->smb)
			portier_smb_host_free(h->smb);
		portier_free(h->smb);
		if (h->rpc)
			portier_rpc_host_free(h->rpc);
		portier_free(h->rpc);
		for (k = 0; k < JS_N; k++)
			json_decref(h->json[k]);
		for (k = 0; k < SC_N; k++) {
			free(h->xml[k]);
			probe_out_elems_free(&h->elems[k]);
		}
	}
	portier_free(sp->hosts);
	portier_free(sp->jobs);
	pthread_mutex_destroy(&sp->lock);
	portier_free(sp);
}

static int host_cmp(const void *key, const void *elem)
{
	return portier_addr_cmp(key, &((const struct sp_host *)elem)->addr);
}

static struct sp_host *find(const struct scan_probes *sp,
			    const struct portier_addr *a)
{
	return sp->n_hosts ? bsearch(a, sp->hosts, sp->n_hosts,
				     sizeof(*sp->hosts), host_cmp)
			   : NULL;
}

/* ---- JSON ---------------------------------------------------------------- */

/* {"type": type, ...the fields of `portier smb|nbstat|rpc --json`...};
 * o itself is kept in *keep for the XML scripts. */
static void put_json(struct scan_probes *sp, const char *type, json_t *o,
		     json_t **keep)
{
	json_t *t = json_pack("{s:s}", "type", type);
	char *text = NULL;
	int rc;

	if (t && o && json_object_update(t, o) == 0)
		text = json_dumps(t, JSON_COMPACT | JSON_REAL_PRECISION(4));
	json_decref(t);
	*keep = o;
	pthread_mutex_lock(&sp->lock);
	rc = text ? portier_out_json_line(sp->out, text) : PORTIER_ENOMEM;
	if (rc < 0 && !sp->json_rc)
		sp->json_rc = rc;
	pthread_mutex_unlock(&sp->lock);
	free(text);
}

/* ---- choosing the hosts -------------------------------------------------- */

static int plan(struct scan_probes *sp)
{
	struct portier_out_host_info *info;
	size_t i, n, k = 0;
	int rc;

	if ((rc = portier_out_host_list(sp->out, &info, &n)) < 0)
		return rc;
	sp->hosts = n ? portier_calloc(n, sizeof(*sp->hosts)) : NULL;
	sp->jobs = n ? portier_calloc(2 * n, sizeof(*sp->jobs)) : NULL;
	if (n && (!sp->hosts || !sp->jobs)) {
		portier_free(info);
		return PORTIER_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		struct sp_host *h = &sp->hosts[k];
		bool smb_port, answered = info[i].open + info[i].closed > 0;

		h->addr = info[i].addr;
		h->p445 = portier_out_port_open(sp->out, &h->addr, 445);
		h->p139 = portier_out_port_open(sp->out, &h->addr, 139);
		smb_port = h->p445 || h->p139;
		h->want_smb =
			smb_port &&
			(sp->auto_sv ||
			 (sp->bits & (SCAN_PROBE_SMB | SCAN_PROBE_SHARES)));
		h->want_rpc = (sp->auto_sv || (sp->bits & SCAN_PROBE_RPC)) &&
			      portier_out_port_open(sp->out, &h->addr, 135);
		h->want_nbstat = (sp->auto_sv && smb_port) ||
				 ((sp->bits & SCAN_PROBE_NBSTAT) && answered);
		if (h->want_nbstat && h->addr.family != 4) {
			h->want_nbstat =
				false; /* NetBIOS names are IPv4 only */
			sp->n_v6_skipped++;
		}
		if (!h->want_smb && !h->want_nbstat && !h->want_rpc)
			continue;
		sp->n_nbstat += h->want_nbstat;
		sp->n_smb += h->want_smb;
		sp->n_rpc += h->want_rpc;
		if (h->want_smb)
			sp->jobs[sp->n_jobs++] = (struct sp_job){k, false};
		if (h->want_rpc)
			sp->jobs[sp->n_jobs++] = (struct sp_job){k, true};
		k++;
	}
	sp->n_hosts = k; /* still sorted by address: info was */
	portier_free(info);
	return 0;
}

/* ---- NetBIOS ------------------------------------------------------------- */

static void on_nbstat(const struct portier_nbstat_result *r, void *ctx)
{
	struct scan_probes *sp = ctx;
	struct sp_host *h = find(sp, &r->addr);

	if (!h || h->nb)
		return;
	h->nb = portier_malloc(sizeof(*h->nb));
	if (!h->nb) {
		sp->oom = true;
		return;
	}
	memcpy(h->nb, r, sizeof(*r));
	sp->nb_answered += r->status == 0;
	put_json(sp, "nbstat", probe_out_nbstat_json(r, sp->kb137),
		 &h->json[JS_NBSTAT]);
}

static int run_nbstat(struct scan_probes *sp)
{
	/* the defaults of `portier nbstat` */
	struct portier_nbstat_opts opt = {
		.rate = 10000, .burst = 256, .retries = 1, .timeout_ms = 1000};
	struct portier_addr *t;
	struct portier_err err = {0};
	size_t i, n = 0;
	int rc;

	if (!sp->n_nbstat)
		return EXIT_OK;
	t = portier_calloc(sp->n_nbstat, sizeof(*t));
	if (!t)
		return EXIT_RUNTIME;
	for (i = 0; i < sp->n_hosts; i++)
		if (sp->hosts[i].want_nbstat)
			t[n++] = sp->hosts[i].addr;
	rc = portier_nbstat_sweep(t, n, &opt, on_nbstat, sp, &err);
	portier_free(t);
	if (rc < 0) {
		cli_error(sp->cli, "NetBIOS probes: %s", err.msg);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

/* ---- SMB and RPC ------------------------------------------------------- */

static void count(struct scan_probes *sp, unsigned *up, unsigned *findings,
		  bool is_up, size_t nf)
{
	pthread_mutex_lock(&sp->lock);
	*up += is_up;
	*findings += (unsigned)nf;
	pthread_mutex_unlock(&sp->lock);
}

static void probe_smb(struct scan_probes *sp, struct sp_host *h,
		      struct portier_smb_host *res)
{
	struct portier_smb_opts opt = {
		.timeout_ms = PROBE_TIMEOUT_MS,
		.shares = sp->auto_sv || (sp->bits & SCAN_PROBE_SHARES)};
	struct portier_nbstat_summary s;
	struct portier_err err = {0};
	int rc;

	/* the scan knows which port is open: no race needed */
	opt.only_direct = h->p445;
	opt.only_nbss = !h->p445;
	if (h->nb && h->nb->status == 0) {
		portier_nbstat_summarize(&h->nb->reply, &s);
		if (s.computer[0])
			opt.called = s.computer; /* for 139 */
	}
	rc = portier_probe_smb_host(&h->addr, &opt, res, &err);
	if (rc == 0) {
		struct portier_probe_finding f[PORTIER_SMB_MAX_FINDINGS];

		count(sp, &sp->smb_up, &sp->smb_findings, res->highest != 0,
		      portier_smb_judge(res, f));
	}
	h->smb_rc = rc;
	h->smb_err = err;
	put_json(sp, "smb", probe_out_smb_json(res, rc < 0 ? &err : NULL),
		 &h->json[JS_SMB]);
	h->smb = res; /* read by the sinks only after every join */
}

static void probe_rpc(struct scan_probes *sp, struct sp_host *h,
		      struct portier_rpc_host *res)
{
	struct portier_rpc_opts opt = {.timeout_ms = PROBE_TIMEOUT_MS};
	struct portier_err err = {0};
	int rc = portier_probe_rpc_host(&h->addr, &opt, res, &err);

	if (rc == 0) {
		struct portier_probe_finding f[PORTIER_RPC_MAX_FINDINGS];

		count(sp, &sp->rpc_up, &sp->rpc_findings, true,
		      portier_rpc_judge(res, f));
	}
	h->rpc_rc = rc;
	h->rpc_err = err;
	put_json(sp, "rpc", probe_out_rpc_json(res, rc, &err),
		 &h->json[JS_RPC]);
	h->rpc = res;
}

static void *worker(void *arg)
{
	struct scan_probes *sp = arg;

	for (;;) {
		struct sp_host *h;
		void *res;
		size_t i;

		pthread_mutex_lock(&sp->lock);
		i = sp->next_job < sp->n_jobs && !*sp->stop ? sp->next_job++
							    : sp->n_jobs;
		pthread_mutex_unlock(&sp->lock);
		if (i == sp->n_jobs)
			return NULL;
		h = &sp->hosts[sp->jobs[i].host];
		res = sp->jobs[i].rpc
			      ? portier_calloc(1,
					       sizeof(struct portier_rpc_host))
			      : portier_calloc(1,
					       sizeof(struct portier_smb_host));
		if (!res) {
			pthread_mutex_lock(&sp->lock);
			sp->oom = true;
			pthread_mutex_unlock(&sp->lock);
			continue;
		}
		if (sp->jobs[i].rpc)
			probe_rpc(sp, h, res);
		else
			probe_smb(sp, h, res);
	}
}

static void run_jobs(struct scan_probes *sp)
{
	pthread_t tid[PROBE_PARALLEL];
	unsigned started = 0, want = PROBE_PARALLEL, k;

	if (!sp->n_jobs)
		return;
	if (want > sp->n_jobs)
		want = (unsigned)sp->n_jobs;
	while (started + 1 < want &&
	       pthread_create(&tid[started], NULL, worker, sp) == 0)
		started++;
	worker(sp); /* this thread works too */
	for (k = 0; k < started; k++)
		pthread_join(tid[k], NULL);
}

void scan_probes_check_ports(const struct scan_probes *sp,
			     const uint16_t *ports, size_t n)
{
	bool smb = false, rpc = false;
	size_t i;

	if (sp->quiet)
		return;
	for (i = 0; i < n; i++) {
		smb |= ports[i] == 139 || ports[i] == 445;
		rpc |= ports[i] == 135;
	}
	/* -sV asks every open port what it is; nbstat asks every host that
	 * answered, any port */
	if (!sp->auto_sv && !smb && !(sp->bits & SCAN_PROBE_NBSTAT) &&
	    (sp->bits & (SCAN_PROBE_SMB | SCAN_PROBE_SHARES)))
		cli_notice(sp->cli,
			   "%s probes only hosts with 139/tcp or 445/tcp "
			   "open, and neither port is scanned; add -p 139,445",
			   (sp->bits & SCAN_PROBE_SHARES) ? "--probe smb-shares"
							  : "--probe smb");
	if (!rpc && !sp->auto_sv && (sp->bits & SCAN_PROBE_RPC))
		cli_notice(sp->cli, "--probe rpc probes only hosts with "
				    "135/tcp open, and it is not scanned; "
				    "add -p 135");
}

int scan_probes_run(struct scan_probes *sp, struct portier_out *out,
		    volatile sig_atomic_t *stop)
{
	struct portier_kb *kb = cli_kb(sp->cli);
	int rc;

	sp->out = out;
	sp->stop = stop;
	sp->kb137 = kb ? portier_kb_best(kb, 137, PORTIER_PROTO_UDP) : NULL;
	if (plan(sp) < 0) {
		cli_error(sp->cli, "out of memory choosing hosts to probe");
		return EXIT_RUNTIME;
	}
	if (sp->n_v6_skipped && !sp->quiet)
		cli_notice(sp->cli,
			   "nbstat skips %zu IPv6 host%s: NetBIOS has "
			   "no IPv6 name service",
			   sp->n_v6_skipped, sp->n_v6_skipped == 1 ? "" : "s");
	rc = run_nbstat(sp);
	if (!*stop)
		run_jobs(sp);
	if (*stop && sp->next_job < sp->n_jobs) {
		cli_error(sp->cli,
			  "interrupted: %zu of %zu SMB and RPC probes made",
			  sp->next_job, sp->n_jobs);
		cli_hint("the port scan itself completed; its results and the "
			 "probes that finished are in the outputs");
		return EXIT_RUNTIME;
	}
	if (sp->oom) {
		cli_error(sp->cli, "out of memory: some hosts were not probed");
		return EXIT_RUNTIME;
	}
	if (sp->json_rc < 0) {
		cli_error(sp->cli, "cannot write probe results to the JSON "
				   "output");
		return EXIT_RUNTIME;
	}
	return rc;
}

void scan_probes_report(const struct scan_probes *sp)
{
	if (sp->quiet || !sp->out)
		return;
	fprintf(stderr,
		"portier scan: probes: nbstat asked %zu host%s (%u answered), "
		"smb asked %zu host%s (%u accepted a dialect, %u finding%s)\n",
		sp->n_nbstat, sp->n_nbstat == 1 ? "" : "s", sp->nb_answered,
		sp->n_smb, sp->n_smb == 1 ? "" : "s", sp->smb_up,
		sp->smb_findings, sp->smb_findings == 1 ? "" : "s");
	if (sp->bits & SCAN_PROBE_RPC)
		fprintf(stderr,
			"portier scan: probes: rpc asked %zu host%s (%u "
			"listed endpoints, %u finding%s)\n",
			sp->n_rpc, sp->n_rpc == 1 ? "" : "s", sp->rpc_up,
			sp->rpc_findings, sp->rpc_findings == 1 ? "" : "s");
}

/* ---- the sinks' hooks ------------------------------------------------------ */

static void nbstat_text(FILE *f, const struct cli *cli,
			const struct scan_probes *sp,
			const struct portier_nbstat_result *r)
{
	char ip[INET6_ADDRSTRLEN];

	if (r->status == 0) {
		probe_out_nbstat_table(f, r);
		probe_out_nbstat_leak(f, cli, r, sp->kb137);
		return;
	}
	/* as `portier nbstat -a` shows a host without a good answer */
	portier_addr_str(&r->addr, ip, sizeof(ip));
	fprintf(f, "%-16s %s%s: %s%s\n", ip,
		cli_color_on(cli,
			     r->status == PORTIER_EPROTO ? CLI_RED : CLI_DIM),
		probe_out_nbstat_status(r->status), r->err.msg,
		cli_color_off(cli));
}

static void smb_text(FILE *f, const struct cli *cli, const struct sp_host *h)
{
	if (h->smb_rc < 0)
		fprintf(f, "%s\n", h->smb_err.msg);
	else
		probe_out_smb_text(f, cli, h->smb);
}

static void rpc_text(FILE *f, const struct cli *cli, const struct sp_host *h)
{
	if (h->rpc_rc < 0)
		fprintf(f, "%s\n", h->rpc_err.msg);
	else
		probe_out_rpc_text(f, cli, h->rpc);
}

static void host_text(void *ctx, const struct portier_addr *a, FILE *f)
{
	struct scan_probes *sp = ctx;
	const struct sp_host *h = find(sp, a);

	if (!h)
		return;
	if (h->nb) {
		fputc('\n', f);
		nbstat_text(f, sp->cli, sp, h->nb);
	}
	if (h->smb) {
		fputc('\n', f);
		smb_text(f, sp->cli, h);
	}
	if (h->rpc) {
		fputc('\n', f);
		rpc_text(f, sp->cli, h);
	}
}

/* Script sc's text view without colour, as one string (for an XML
 * attribute). */
static char *plain_text(const struct scan_probes *sp, const struct sp_host *h,
			unsigned sc)
{
	struct cli plain = *sp->cli;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	plain.color = false;
	if (sc == SC_SMB)
		smb_text(f, &plain, h);
	else if (sc == SC_SHARES)
		probe_out_ntlm_text(f, &plain, h->smb);
	else if (sc == SC_RPC)
		rpc_text(f, &plain, h);
	else
		nbstat_text(f, &plain, sp, h->nb);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	while (len && buf[len - 1] == '\n') /* nmap's outputs end without one */
		buf[--len] = '\0';
	return buf;
}

/* Does host h have a result for script sc? */
static bool has_script(const struct sp_host *h, unsigned sc)
{
	switch (sc) {
	case SC_NBSTAT:
		return h->nb;
	case SC_SMB:
		return h->smb;
	case SC_SHARES:
		return h->smb && h->smb_rc == 0 && h->smb->ntlm_tried;
	default:
		return h->rpc;
	}
}

static size_t host_scripts(void *ctx, const struct portier_addr *a,
			   struct portier_out_script *out, size_t max)
{
	struct scan_probes *sp = ctx;
	struct sp_host *h = find(sp, a);
	size_t n = 0;
	unsigned sc;

	if (!h)
		return 0;
	for (sc = 0; sc < SC_N && n < max; sc++) {
		json_t *o = h->json[script_json[sc]];
		struct probe_out_elems *e = &h->elems[sc];

		if (!has_script(h, sc))
			continue;
		if (!h->xml[sc])
			h->xml[sc] = plain_text(sp, h, sc);
		if (!h->xml[sc])
			continue;
		/* the elems are made once; without memory the script has its
		 * output only */
		if (!e->el && o)
			(void)probe_out_elems_from_json(
				o,
				sc == SC_SHARES ? shares_members
				: sc == SC_SMB	? smb_skip
						: not_host,
				sc == SC_SHARES, e);
		out[n++] = (struct portier_out_script){script_id[sc],
						       h->xml[sc], e->el, e->n};
	}
	return n;
}

void scan_probes_hook(struct scan_probes *sp, struct portier_out_options *oo)
{
	oo->host_text = host_text;
	oo->host_scripts = host_scripts;
	oo->host_ctx = sp;
	oo->keep_hosts = true; /* the hosts to probe come from the records */
}
