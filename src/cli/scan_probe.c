/*
 * scan_probe.c - the scanner's follow-up probes: once the port scan is over,
 * ask the hosts it found what NetBIOS and SMB give away, reusing the probe
 * module (portier_nbstat_sweep, portier_probe_smb_host, portier_smb_judge)
 * and the views `portier nbstat` and `portier smb` print (probe_out.h).
 *
 * Which host gets what: with -sV, smb and nbstat for every host with 139 or
 * 445 open; with --probe smb, the same hosts for SMB; with --probe nbstat,
 * every host that answered the scan at all (an open or a closed port), over
 * 137/udp, IPv4 only.  The hosts come from the output records of the scan,
 * so nothing is ever sent to an address that was not a scan target.
 *
 * NetBIOS goes first, as one rate-limited sweep from one socket; its computer
 * names then serve as the called name when SMB has only 139 to talk to.  SMB
 * runs up to SMB_PARALLEL hosts at once.  Each result goes to the JSON sink
 * the moment it is known; the table and XML read them back through the
 * per-host hooks of struct portier_out_options when the scan output ends.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/probe_out.h"
#include "cli/scan_probe.h"

#define SMB_PARALLEL   16u
#define SMB_TIMEOUT_MS 3000u

struct sp_host {
	struct portier_addr addr;
	bool want_smb, want_nbstat, p445, p139;
	struct portier_nbstat_result *nb; /* NULL until it has an outcome */
	struct portier_smb_host *smb;	  /* NULL until probed */
	int smb_rc;
	struct portier_err smb_err;
	char *xml_nb, *xml_smb; /* XML script outputs, made lazily */
};

struct scan_probes {
	struct cli *cli;
	unsigned bits;
	bool auto_sv, quiet;
	const struct portier_kb_entry *kb137;
	struct portier_out *out;
	struct sp_host *hosts;
	size_t n_hosts, n_nbstat, n_smb, n_v6_skipped;
	unsigned nb_answered, smb_up, smb_findings;
	int json_rc;
	bool oom; /* a host could not be probed for lack of memory */
	volatile sig_atomic_t *stop;
	pthread_mutex_t lock; /* the JSON sink and next_smb, between workers */
	size_t next_smb;
	size_t *smb_list;
};

/* ---- the list of probes ------------------------------------------------- */

int scan_probe_parse(const struct cli *cli, const char *list, unsigned *bits)
{
	const char *p = list;

	for (;;) {
		size_t len = strcspn(p, ",");

		if (len == 3 && strncmp(p, "smb", 3) == 0) {
			*bits |= SCAN_PROBE_SMB;
		} else if (len == 6 && strncmp(p, "nbstat", 6) == 0) {
			*bits |= SCAN_PROBE_NBSTAT;
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
			cli_hint("the probes are %s, comma-separated, e.g. "
				 "--probe smb,nbstat",
				 SCAN_PROBE_NAMES);
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
		portier_free(sp->hosts[i].nb);
		portier_free(sp->hosts[i].smb);
		free(sp->hosts[i].xml_nb);
		free(sp->hosts[i].xml_smb);
	}
	portier_free(sp->hosts);
	portier_free(sp->smb_list);
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

/* {"type": type, ...the fields of `portier smb|nbstat --json`...} */
static void put_json(struct scan_probes *sp, const char *type, json_t *o)
{
	json_t *t = json_pack("{s:s}", "type", type);
	char *text = NULL;
	int rc;

	if (t && o && json_object_update(t, o) == 0)
		text = json_dumps(t, JSON_COMPACT | JSON_REAL_PRECISION(4));
	json_decref(t);
	json_decref(o);
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
	sp->smb_list = n ? portier_calloc(n, sizeof(*sp->smb_list)) : NULL;
	if (n && (!sp->hosts || !sp->smb_list)) {
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
		h->want_smb = smb_port &&
			      (sp->auto_sv || (sp->bits & SCAN_PROBE_SMB));
		h->want_nbstat = (sp->auto_sv && smb_port) ||
				 ((sp->bits & SCAN_PROBE_NBSTAT) && answered);
		if (h->want_nbstat && h->addr.family != 4) {
			h->want_nbstat =
				false; /* NetBIOS names are IPv4 only */
			sp->n_v6_skipped++;
		}
		if (!h->want_smb && !h->want_nbstat)
			continue;
		sp->n_nbstat += h->want_nbstat;
		if (h->want_smb)
			sp->smb_list[sp->n_smb++] = k;
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
	put_json(sp, "nbstat", probe_out_nbstat_json(r, sp->kb137));
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

/* ---- SMB ----------------------------------------------------------------- */

static void *smb_worker(void *arg)
{
	struct scan_probes *sp = arg;

	for (;;) {
		struct portier_smb_opts opt = {.timeout_ms = SMB_TIMEOUT_MS};
		struct portier_nbstat_summary s;
		struct portier_smb_host *res;
		struct portier_err err = {0};
		struct sp_host *h;
		size_t i;
		int rc;

		pthread_mutex_lock(&sp->lock);
		i = sp->next_smb < sp->n_smb && !*sp->stop ? sp->next_smb++
							   : sp->n_smb;
		pthread_mutex_unlock(&sp->lock);
		if (i == sp->n_smb)
			return NULL;
		h = &sp->hosts[sp->smb_list[i]];
		if (!(res = portier_calloc(1, sizeof(*res)))) {
			pthread_mutex_lock(&sp->lock);
			sp->oom = true;
			pthread_mutex_unlock(&sp->lock);
			continue;
		}
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
			struct portier_probe_finding
				f[PORTIER_SMB_MAX_FINDINGS];
			size_t nf = portier_smb_judge(res, f);

			pthread_mutex_lock(&sp->lock);
			sp->smb_up += res->highest != 0;
			sp->smb_findings += (unsigned)nf;
			pthread_mutex_unlock(&sp->lock);
		}
		h->smb_rc = rc;
		h->smb_err = err;
		put_json(sp, "smb",
			 probe_out_smb_json(res, rc < 0 ? &err : NULL));
		h->smb = res; /* read by the sinks only after every join */
	}
}

static void run_smb(struct scan_probes *sp)
{
	pthread_t tid[SMB_PARALLEL];
	unsigned started = 0, want = SMB_PARALLEL, k;

	if (!sp->n_smb)
		return;
	if (want > sp->n_smb)
		want = (unsigned)sp->n_smb;
	while (started + 1 < want &&
	       pthread_create(&tid[started], NULL, smb_worker, sp) == 0)
		started++;
	smb_worker(sp); /* this thread works too */
	for (k = 0; k < started; k++)
		pthread_join(tid[k], NULL);
}

void scan_probes_check_ports(const struct scan_probes *sp,
			     const uint16_t *ports, size_t n)
{
	size_t i;

	if (sp->quiet || (sp->bits & SCAN_PROBE_NBSTAT))
		return; /* nbstat asks every host that answered, any port */
	for (i = 0; i < n; i++)
		if (ports[i] == 139 || ports[i] == 445)
			return;
	cli_notice(sp->cli,
		   "%s probes only hosts with 139/tcp or 445/tcp "
		   "open, and neither port is scanned; add -p 139,445",
		   sp->auto_sv ? "-sV" : "--probe smb");
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
		run_smb(sp);
	if (*stop && sp->next_smb < sp->n_smb) {
		cli_error(sp->cli, "interrupted: %zu of %zu SMB hosts probed",
			  sp->next_smb, sp->n_smb);
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
}

/* The text view without colour, as one string (for an XML attribute). */
static char *plain_text(const struct scan_probes *sp, const struct sp_host *h,
			bool smb)
{
	struct cli plain = *sp->cli;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	plain.color = false;
	if (smb)
		smb_text(f, &plain, h);
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

static size_t host_scripts(void *ctx, const struct portier_addr *a,
			   struct portier_out_script *out, size_t max)
{
	struct scan_probes *sp = ctx;
	struct sp_host *h = find(sp, a);
	size_t n = 0;

	if (!h)
		return 0;
	if (h->nb && n < max) {
		if (!h->xml_nb)
			h->xml_nb = plain_text(sp, h, false);
		if (h->xml_nb)
			out[n++] = (struct portier_out_script){
				"nbstat", h->xml_nb, NULL, 0};
	}
	if (h->smb && n < max) {
		if (!h->xml_smb)
			h->xml_smb = plain_text(sp, h, true);
		if (h->xml_smb)
			out[n++] = (struct portier_out_script){
				"smb-protocols", h->xml_smb, NULL, 0};
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
