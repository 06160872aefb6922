/*
 * inspect_out.c - `portier inspect` on a terminal and as JSON.  Every
 * string that comes from the system (command lines, paths, file lines, user
 * names) is cleaned first: portier_text_clean for the terminal,
 * cli_json_string for JSON.
 */
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "cli/inspect_out.h"
#include "cli/local_out.h"
#include "portier/local.h"

#define CLEAN_MAX PORTIER_TEXT_MAX(4096)

/* Untrusted text made safe for a terminal, in buf (CLEAN_MAX bytes). */
static const char *term(char *buf, const char *s)
{
	portier_text_clean(buf, CLEAN_MAX, s ? s : "-", PORTIER_TEXT_TERM);
	return buf;
}

static const char *when(int64_t t, char *buf, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm))
		return "-";
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* The socket as local's printer wants it, for the address text. */
static void endpoint(const struct portier_inspect_sock *s, bool remote,
		     char *buf, size_t cap)
{
	struct portier_sock ps = {0};

	ps.family = s->family;
	ps.proto = s->proto == PORTIER_PROTO_TCP ? PORTIER_LOCAL_TCP
						 : PORTIER_LOCAL_UDP;
	memcpy(ps.laddr, s->laddr, 16);
	memcpy(ps.raddr, s->raddr, 16);
	ps.lport = s->lport;
	ps.rport = s->rport;
	ps.state = s->state;
	local_out_endpoint(&ps, remote, buf, cap);
}

static const char *state_name(const struct portier_inspect_sock *s)
{
	struct portier_sock ps = {0};

	ps.proto = s->proto == PORTIER_PROTO_TCP ? PORTIER_LOCAL_TCP
						 : PORTIER_LOCAL_UDP;
	ps.state = s->state;
	return portier_sock_state_name(&ps);
}

static const char *package_text(const struct portier_inspect *r,
				const struct portier_inspect_exe *e, char *buf,
				size_t cap)
{
	char c1[CLEAN_MAX];

	if (!e->package[0])
		return r->dpkg_db ? "none: not owned by any package"
				  : "unknown: no dpkg database";
	snprintf(buf, cap, "%s (%s)", term(c1, e->package),
		 e->verified == 1   ? "md5sum verified"
		 : e->verified == 0 ? "md5sum DIFFERS"
				    : "no md5sum to check");
	return buf;
}

static void print_proc(const struct cli *cli, const struct portier_inspect *r,
		       const struct portier_inspect_proc *p, FILE *f)
{
	const struct portier_inspect_exe *e = &p->exe;
	const struct portier_inspect_proc *a;
	char t1[64], t2[64], pkg[CLEAN_MAX + 32];
	char c1[CLEAN_MAX], c2[CLEAN_MAX];
	int depth = 0;

	fprintf(f, "\n%sprocess %d (%s)%s  user %s (%u)  started %s\n",
		cli_color_on(cli, CLI_BOLD), p->pid, term(c1, p->comm),
		cli_color_off(cli), term(c2, p->user), p->uid,
		when(p->start, t1, sizeof(t1)));
	fprintf(f, "  command    %s\n", term(c1, p->cmdline));
	fprintf(f, "  cwd        %s\n", term(c1, p->cwd));
	fprintf(f, "  unit       %s", term(c1, p->unit));
	fprintf(f, "  container %s\n", term(c1, p->container));
	fprintf(f, "  cgroup     %s\n", term(c1, p->cgroup));
	if (p->netns)
		fprintf(f, "  netns      net:[%llu]\n",
			(unsigned long long)p->netns);
	if (p->root)
		fprintf(f,
			"  root       %s (another mount namespace: its files "
			"were read there)\n",
			term(c1, p->root));
	fprintf(f, "  parents   ");
	for (a = portier_inspect_proc_of(r, p->ppid); a && depth++ < 64;
	     a = portier_inspect_proc_of(r, a->ppid))
		fprintf(f, " <- %d %s", a->pid, term(c1, a->comm));
	fprintf(f, depth ? "\n" : " -\n");
	fprintf(f, "  executable %s%s%s\n", term(c1, e->path),
		e->deleted ? " (deleted)" : "", e->memfd ? " (memfd)" : "");
	if (!e->opened)
		return;
	fprintf(f, "    sha256   %s\n", e->sha256);
	fprintf(f, "    file     %llu bytes, mode %04o, owner %u:%u%s%s\n",
		(unsigned long long)e->size, e->mode & 07777, e->uid, e->gid,
		(e->mode & 06000) ? ", set-ID" : "",
		e->caps ? ", file capabilities" : "");
	fprintf(f, "    times    mtime %s  ctime %s\n",
		when(e->mtime, t1, sizeof(t1)), when(e->ctime, t2, sizeof(t2)));
	fprintf(f, "    package  %s\n", package_text(r, e, pkg, sizeof(pkg)));
}

void inspect_out_text(const struct cli *cli, const struct portier_inspect *r,
		      FILE *f)
{
	char a[128], b[128], t1[64];
	char c1[CLEAN_MAX], c2[CLEAN_MAX];
	size_t i;

	fprintf(f, "%ssockets (%zu)%s\n", cli_color_on(cli, CLI_BOLD),
		r->n_socks, cli_color_off(cli));
	for (i = 0; i < r->n_socks; i++) {
		const struct portier_inspect_sock *s = &r->socks[i];

		endpoint(s, false, a, sizeof(a));
		endpoint(s, true, b, sizeof(b));
		fprintf(f, "  %-4s %-7s %-24s %-24s",
			portier_proto_name(s->proto), state_name(s), a, b);
		if (s->pid)
			fprintf(f, " pid %d fd %d\n", s->pid, s->fd);
		else
			fprintf(f, " owner not visible\n");
	}
	for (i = 0; i < r->n_procs; i++)
		if (r->procs[i].owner)
			print_proc(cli, r, &r->procs[i], f);

	fprintf(f, "\n%spersistence (%zu)%s\n", cli_color_on(cli, CLI_BOLD),
		r->n_hits, cli_color_off(cli));
	for (i = 0; i < r->n_hits; i++) {
		const struct portier_inspect_hit *h = &r->hits[i];

		fprintf(f, "  %-8s %s:%u [%s]\n      %s\n",
			portier_inspect_place_name(h->place), term(c1, h->file),
			h->line, portier_inspect_match_name(h->match),
			term(c2, h->text));
	}
	fprintf(f, "\n%scompanions within %u minutes (%zu)%s\n",
		cli_color_on(cli, CLI_BOLD), r->window_min, r->n_companions,
		cli_color_off(cli));
	for (i = 0; i < r->n_companions; i++)
		fprintf(f, "  %s  %llu bytes  mtime %s\n",
			term(c1, r->companions[i].path),
			(unsigned long long)r->companions[i].size,
			when(r->companions[i].mtime, t1, sizeof(t1)));

	fprintf(f, "\n%shidden listeners%s: ", cli_color_on(cli, CLI_BOLD),
		cli_color_off(cli));
	if (!r->hidden_checked)
		fprintf(f, "not checked\n");
	else if (!r->n_hidden)
		fprintf(f,
			"none (sock_diag and /proc/net agree in %zu network "
			"namespace%s)\n",
			r->hidden_netns, r->hidden_netns == 1 ? "" : "s");
	else
		fprintf(f,
			"%zu likely hidden (%zu network namespace%s "
			"checked)\n",
			r->n_hidden, r->hidden_netns,
			r->hidden_netns == 1 ? "" : "s");
	for (i = 0; i < r->n_hidden; i++) {
		const struct portier_inspect_hidden *h = &r->hidden[i];
		struct portier_inspect_sock s = {.proto = h->proto,
						 .family = h->family,
						 .lport = h->port};

		memcpy(s.laddr, h->laddr, 16);
		endpoint(&s, false, a, sizeof(a));
		fprintf(f, "  %s %s%s%s  %s%s  confidence %s\n",
			portier_proto_name(h->proto), a,
			h->netns_label[0] ? "  namespace " : "",
			term(c1, h->netns_label),
			h->in_diag	? "seen by sock_diag only"
			: h->in_procnet ? "seen by /proc/net only"
					: "seen by neither view",
			h->bind_busy ? ", port taken (bind test, twice)" : "",
			portier_risk_name((enum portier_risk)h->confidence));
	}
	if (r->kb) {
		fprintf(f, "\n%sport history%s (knowledge base)\n",
			cli_color_on(cli, CLI_BOLD), cli_color_off(cli));
		fprintf(f, "  summary  ");
		cli_print_wrapped(f, r->kb->summary, 11, cli_term_width());
		if (r->kb->trojans && r->kb->trojans[0] &&
		    strcmp(r->kb->trojans, "-") != 0) {
			fprintf(f, "  trojans  ");
			cli_print_wrapped(f, r->kb->trojans, 11,
					  cli_term_width());
		}
		fprintf(f, "  advice   ");
		cli_print_wrapped(f, r->kb->advice_linux, 11, cli_term_width());
	}
	fprintf(f, "\n%sfindings (%zu)%s\n", cli_color_on(cli, CLI_BOLD),
		r->n_findings, cli_color_off(cli));
	for (i = 0; i < r->n_findings; i++) {
		const struct portier_inspect_finding *x = &r->findings[i];
		enum portier_risk sev = (enum portier_risk)x->severity;

		fprintf(f, "  %s%-6s%s %-16s %s\n",
			cli_color_on(cli, cli_risk_color(sev)),
			portier_risk_name(sev), cli_color_off(cli), x->rule,
			term(c1, x->text));
	}
	if (r->n_notes)
		fprintf(f, "\nnotes\n");
	for (i = 0; i < r->n_notes; i++)
		fprintf(f, "  %s\n", term(c1, r->notes[i]));
}

/* ---- JSON ---------------------------------------------------------------- */

static json_t *sock_json(const struct portier_inspect_sock *s)
{
	char a[128], b[128];

	endpoint(s, false, a, sizeof(a));
	endpoint(s, true, b, sizeof(b));
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:i, s:i}", "proto",
			 portier_proto_name(s->proto), "state", state_name(s),
			 "local", a, "remote", b, "port", s->lport, "inode",
			 (json_int_t)s->inode, "pid", s->pid, "fd", s->fd);
}

static json_t *exe_json(const struct portier_inspect_exe *e)
{
	json_t *o =
		json_pack("{s:o, s:b, s:b}", "path", cli_json_string(e->path),
			  "deleted", e->deleted, "memfd", e->memfd);

	if (o && e->opened &&
	    json_object_update_new(
		    o,
		    json_pack(
			    "{s:s, s:s, s:I, s:I, s:I, s:i, s:i, s:i, "
			    "s:b, s:b, s:o, s:o}",
			    "sha256", e->sha256, "md5", e->md5, "size",
			    (json_int_t)e->size, "mtime", (json_int_t)e->mtime,
			    "ctime", (json_int_t)e->ctime, "uid", (int)e->uid,
			    "gid", (int)e->gid, "mode", (int)(e->mode & 07777),
			    "setid", (e->mode & 06000) != 0, "capabilities",
			    e->caps, "package",
			    e->package[0] ? cli_json_string(e->package)
					  : json_null(),
			    "verified",
			    e->verified < 0 ? json_null()
					    : json_boolean(e->verified))) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *proc_json(const struct portier_inspect_proc *p)
{
	return json_pack("{s:i, s:i, s:b, s:o, s:o, s:o, s:i, s:o, s:I, s:o, "
			 "s:o, s:o, s:I, s:o, s:o}",
			 "pid", p->pid, "ppid", p->ppid, "owner", p->owner,
			 "comm", cli_json_string(p->comm), "cmdline",
			 cli_json_string(p->cmdline), "user",
			 cli_json_string(p->user), "uid", (int)p->uid, "cwd",
			 cli_json_string(p->cwd), "start", (json_int_t)p->start,
			 "cgroup", cli_json_string(p->cgroup), "unit",
			 cli_json_string(p->unit), "container",
			 cli_json_string(p->container), "netns",
			 (json_int_t)p->netns, "root", cli_json_string(p->root),
			 "exe", p->owner ? exe_json(&p->exe) : json_null());
}

static int append(json_t *arr, json_t *o)
{
	return o ? json_array_append_new(arr, o) : -1;
}

int inspect_out_json(const struct portier_inspect *r, FILE *f)
{
	json_t *socks = json_array(), *procs = json_array(),
	       *hits = json_array(), *comp = json_array(),
	       *hidden = json_array(), *finds = json_array(),
	       *notes = json_array(), *o;
	int bad = !socks || !procs || !hits || !comp || !hidden || !finds ||
		  !notes;
	size_t i;

	for (i = 0; !bad && i < r->n_socks; i++)
		bad |= append(socks, sock_json(&r->socks[i])) < 0;
	for (i = 0; !bad && i < r->n_procs; i++)
		bad |= append(procs, proc_json(&r->procs[i])) < 0;
	for (i = 0; !bad && i < r->n_hits; i++) {
		const struct portier_inspect_hit *h = &r->hits[i];

		bad |= append(hits,
			      json_pack("{s:s, s:s, s:o, s:i, s:o}", "place",
					portier_inspect_place_name(h->place),
					"match",
					portier_inspect_match_name(h->match),
					"file", cli_json_string(h->file),
					"line", (int)h->line, "text",
					cli_json_string(h->text))) < 0;
	}
	for (i = 0; !bad && i < r->n_companions; i++) {
		const struct portier_inspect_companion *k = &r->companions[i];

		bad |= append(comp, json_pack("{s:o, s:I, s:I, s:I}", "path",
					      cli_json_string(k->path), "size",
					      (json_int_t)k->size, "mtime",
					      (json_int_t)k->mtime, "ctime",
					      (json_int_t)k->ctime)) < 0;
	}
	for (i = 0; !bad && i < r->n_hidden; i++) {
		const struct portier_inspect_hidden *h = &r->hidden[i];
		struct portier_inspect_sock s = {.proto = h->proto,
						 .family = h->family,
						 .lport = h->port};
		char a[128];

		memcpy(s.laddr, h->laddr, 16);
		endpoint(&s, false, a, sizeof(a));
		bad |= append(hidden,
			      json_pack("{s:s, s:s, s:i, s:I, s:b, s:b, s:b, "
					"s:I, s:o, s:s}",
					"proto", portier_proto_name(h->proto),
					"local", a, "port", h->port, "inode",
					(json_int_t)h->inode, "sock_diag",
					h->in_diag, "procnet", h->in_procnet,
					"bind_busy", h->bind_busy, "netns",
					(json_int_t)h->netns, "netns_label",
					cli_json_string(h->netns_label),
					"confidence",
					portier_risk_name(
						(enum portier_risk)
							h->confidence))) < 0;
	}
	for (i = 0; !bad && i < r->n_findings; i++) {
		const struct portier_inspect_finding *x = &r->findings[i];

		bad |= append(finds,
			      json_pack("{s:s, s:s, s:i, s:o}", "severity",
					portier_risk_name(
						(enum portier_risk)x->severity),
					"rule", x->rule, "pid", x->pid, "text",
					cli_json_string(x->text))) < 0;
	}
	for (i = 0; !bad && i < r->n_notes; i++)
		bad |= append(notes, cli_json_string(r->notes[i])) < 0;
	if (bad) {
		json_decref(socks);
		json_decref(procs);
		json_decref(hits);
		json_decref(comp);
		json_decref(hidden);
		json_decref(finds);
		json_decref(notes);
		return -1;
	}
	o = json_pack("{s:s, s:o, s:o, s:b, s:o, s:i, s:o, s:{s:b, s:i, s:o}, "
		      "s:o, s:o, s:o}",
		      "type", "inspect", "sockets", socks, "processes", procs,
		      "dpkg", r->dpkg_db, "persistence", hits, "window_min",
		      (int)r->window_min, "companions", comp, "hidden",
		      "checked", r->hidden_checked, "netns",
		      (int)r->hidden_netns, "listeners", hidden, "kb",
		      r->kb ? json_pack("{s:s, s:s, s:s, s:s}", "risk",
					portier_risk_name(
						(enum portier_risk)r->kb->risk),
					"summary", r->kb->summary, "trojans",
					r->kb->trojans ? r->kb->trojans : "-",
					"advice", r->kb->advice_linux)
			    : json_null(),
		      "findings", finds, "notes", notes);
	return cli_json_line(f, o);
}
