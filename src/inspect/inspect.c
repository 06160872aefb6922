/*
 * inspect.c - one inspection: the sockets of the port (or of the pid),
 * their owners and the owners' ancestors, the executables' provenance,
 * persistence and companions, the hidden-listener cross-check, and the
 * findings drawn from all of it (include/portier/inspect.h).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "inspect/inspect_int.h"
#include "portier/file.h"
#include "portier/local.h"

const char *inspect_rel(const struct inspect_ctx *c, const char *path)
{
	size_t rl = strlen(c->root);

	if (rl && strncmp(path, c->root, rl) == 0 && path[rl] == '/')
		path += rl;
	while (*path == '/')
		path++;
	return path;
}

static void push_note(struct inspect_ctx *c, char *s)
{
	struct portier_inspect *r = c->r;

	if (!s || portier_grow(&r->notes, &c->cap_notes, r->n_notes + 1,
			       sizeof(*r->notes), 8) < 0) {
		portier_free(s);
		c->err = PORTIER_ENOMEM;
		return;
	}
	r->notes[r->n_notes++] = s;
}

void inspect_note(struct inspect_ctx *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (c->r->n_notes >= 200)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	push_note(c, portier_strdup(buf));
}

void inspect_finding(struct inspect_ctx *c, enum portier_risk sev,
		     const char *rule, int pid, const char *fmt, ...)
{
	struct portier_inspect *r = c->r;
	struct portier_inspect_finding *f;
	va_list ap;

	if (portier_grow(&r->findings, &c->cap_find, r->n_findings + 1,
			 sizeof(*r->findings), 8) < 0) {
		c->err = PORTIER_ENOMEM;
		return;
	}
	f = &r->findings[r->n_findings++];
	f->severity = (uint8_t)sev;
	f->pid = pid;
	portier_strlcpy(f->rule, rule, sizeof(f->rule));
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
}

int inspect_room(struct inspect_ctx *c, void *v, size_t *cap, size_t n,
		 size_t size, size_t max, bool *full, const char *what)
{
	if (n >= max) {
		if (!*full)
			inspect_note(c,
				     "more than %zu %s: the rest are not "
				     "listed",
				     max, what);
		*full = true;
		return -1;
	}
	if (portier_grow(v, cap, n + 1, size, 16) < 0) {
		c->err = PORTIER_ENOMEM;
		return -1;
	}
	return 0;
}

int inspect_read(struct inspect_ctx *c, const char *rel, size_t max,
		 char **text)
{
	const char *slash = strrchr(rel, '/');
	char dir[4096];
	int dfd = c->rootfd, rc;

	*text = NULL;
	if (slash) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - rel), rel);
		dfd = openat(c->rootfd, dir,
			     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return -errno;
	}
	rc = portier_file_read(dfd, NULL, slash ? slash + 1 : rel,
			       PORTIER_FILE_TEXT, max, text, NULL);
	if (slash)
		close(dfd);
	if (rc < 0 && rc != PORTIER_ENOENT)
		inspect_note(c, "cannot read /%s: %s", rel,
			     rc == PORTIER_EINVAL ? "too big" : strerror(-rc));
	return rc;
}

static void note_list(void *arg, const char *name)
{
	inspect_note(arg,
		     "cannot read dpkg list %s (too big, not a file, or "
		     "unreadable)",
		     name);
}

void inspect_dpkg_owners(struct inspect_ctx *c, struct portier_dpkg_owner *o,
			 size_t n)
{
	struct portier_err err = {0};
	int rc = portier_dpkg_owners(c->rootfd, "var/lib/dpkg", o, n,
				     PORTIER_DPKG_MD5, note_list, c, &err);

	if (rc == PORTIER_ENOENT)
		inspect_note(c,
			     "no dpkg database at %s/var/lib/dpkg/info: "
			     "package ownership unknown",
			     c->root);
	else if (rc < 0)
		c->err = rc;
	else
		c->r->dpkg_db = true;
}

/* The home directories of <root>/etc/passwd (and /root), once each. */
static void load_homes(struct inspect_ctx *c)
{
	char *text = NULL, *line, *save = NULL;
	size_t cap = 0;

	inspect_read(c, "etc/passwd", INSPECT_FILE_MAX, &text);
	for (line = text ? strtok_r(text, "\n", &save) : NULL;
	     line && c->n_homes < INSPECT_HOMES_MAX;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f = line, *home = NULL;
		int i;
		size_t k;

		for (i = 0; i < 5 && f; i++)
			f = strchr(f, ':') ? strchr(f, ':') + 1 : NULL;
		if (!f || f[0] != '/' || !f[1])
			continue;
		home = f;
		*strchrnul(home, ':') = '\0';
		if (strcmp(home, "/nonexistent") == 0)
			continue;
		for (k = 0; k < c->n_homes; k++)
			if (strcmp(c->homes[k], home) == 0)
				break;
		if (k < c->n_homes)
			continue;
		if (portier_grow(&c->homes, &cap, c->n_homes + 1,
				 sizeof(*c->homes), 16) < 0 ||
		    !(c->homes[c->n_homes] = portier_strdup(home))) {
			c->err = PORTIER_ENOMEM;
			break;
		}
		c->n_homes++;
	}
	portier_free(text);
}

const struct portier_inspect_proc *
portier_inspect_proc_of(const struct portier_inspect *r, int pid)
{
	size_t i;

	for (i = 0; i < r->n_procs; i++)
		if (r->procs[i].pid == pid)
			return &r->procs[i];
	return NULL;
}

/* Read pid into r->procs (once).  0, PORTIER_ENOENT if it is gone. */
static int add_proc(struct inspect_ctx *c, int pid, bool owner,
		    const struct portier_proc *lp)
{
	struct portier_inspect *r = c->r;
	struct portier_inspect_proc p;
	int rc;

	if (portier_inspect_proc_of(r, pid))
		return 0;
	if (portier_grow(&r->procs, &c->cap_procs, r->n_procs + 1,
			 sizeof(*r->procs), 8) < 0)
		return c->err = PORTIER_ENOMEM;
	rc = inspect_proc_read(c, pid, owner, &p);
	if (rc == 0 && lp) {
		/* local's cgroup reading knows units and containers best */
		if (lp->unit) {
			portier_free(p.unit);
			p.unit = portier_strdup(lp->unit);
		}
		if (lp->container)
			p.container = portier_strdup(lp->container);
	}
	if (rc < 0) {
		inspect_proc_clear(&p);
		return rc;
	}
	r->procs[r->n_procs++] = p;
	return 0;
}

static int add_sock(struct inspect_ctx *c, const struct portier_local *l,
		    const struct portier_sock *s, int pid, int fd)
{
	struct portier_inspect *r = c->r;
	struct portier_inspect_sock *o;

	(void)l;
	if (portier_grow(&r->socks, &c->cap_socks, r->n_socks + 1,
			 sizeof(*r->socks), 8) < 0)
		return c->err = PORTIER_ENOMEM;
	o = &r->socks[r->n_socks++];
	memset(o, 0, sizeof(*o));
	o->proto = s->proto == PORTIER_LOCAL_TCP ? PORTIER_PROTO_TCP
						 : PORTIER_PROTO_UDP;
	o->family = s->family;
	o->state = s->state;
	memcpy(o->laddr, s->laddr, 16);
	memcpy(o->raddr, s->raddr, 16);
	o->lport = s->lport;
	o->rport = s->rport;
	o->inode = s->inode;
	o->pid = pid;
	o->fd = fd;
	return 0;
}

/* The sockets q names, with their owners read. */
static int collect(struct inspect_ctx *c, struct portier_err *err)
{
	const struct portier_inspect_query *q = c->q;
	struct portier_local_query lq = {
		.protos = 0,
		.processes = true,
		.proc_root = q->proc_root,
		.netns = q->netns,
	};
	struct portier_local *l = NULL;
	size_t i;
	uint32_t k;
	int rc;

	lq.protos = (!q->protos || (q->protos & PORTIER_PROTO_TCP)
			     ? PORTIER_LOCAL_TCP
			     : 0) |
		    (!q->protos || (q->protos & PORTIER_PROTO_UDP)
			     ? PORTIER_LOCAL_UDP
			     : 0);
	if (!q->pid) {
		lq.states = PORTIER_STATES_LISTENING;
		lq.have_ports = true;
		lq.port_lo = lq.port_hi = q->port;
	}
	rc = portier_local_collect(&lq, &l, err);
	if (rc < 0)
		return rc;
	for (i = 0; rc == 0 && i < l->n_socks; i++) {
		const struct portier_sock *s = &l->socks[i];
		bool mine = !q->pid;

		if (!q->pid &&
		    (s->lport != q->port || !portier_sock_listening(s)))
			continue;
		for (k = 0; q->pid && k < s->owner_count; k++)
			if (portier_local_owner(l, s, k, NULL)->pid == q->pid)
				mine = true;
		if (!mine)
			continue;
		if (!s->owner_count)
			rc = add_sock(c, l, s, 0, -1);
		for (k = 0; rc == 0 && k < s->owner_count; k++) {
			int fd;
			const struct portier_proc *p =
				portier_local_owner(l, s, k, &fd);

			if (q->pid && p->pid != q->pid)
				continue;
			rc = add_sock(c, l, s, p->pid, fd);
			if (rc == 0 &&
			    add_proc(c, p->pid, true, p) == PORTIER_ENOMEM)
				rc = PORTIER_ENOMEM;
		}
	}
	if (rc == 0 && l->procs_denied)
		inspect_note(c,
			     "%zu processes could not be read: run as root "
			     "to see every owner",
			     l->procs_denied);
	portier_local_free(l);
	if (rc < 0)
		return portier_err_set(err, rc, "out of memory");
	if (q->pid && !portier_inspect_proc_of(c->r, q->pid)) {
		rc = add_proc(c, q->pid, true, NULL);
		if (rc == PORTIER_ENOENT)
			return portier_err_set(
				err, rc, "no process with pid %d", q->pid);
		if (rc < 0)
			return portier_err_set(err, rc, "out of memory");
	}
	if (!q->pid && !c->r->n_socks) {
		portier_err_set(err, PORTIER_ENOENT,
				"nothing listens on port %u",
				(unsigned)q->port);
		portier_err_hint(err, "'portier local -l' lists the listeners; "
				      "inspect --pid PID works for any "
				      "process");
		return PORTIER_ENOENT;
	}
	return 0;
}

static void ancestors(struct inspect_ctx *c)
{
	size_t i, n = c->r->n_procs;

	for (i = 0; i < n; i++) {
		int ppid = c->r->procs[i].ppid, depth = 0;

		while (ppid > 0 && depth++ < INSPECT_CHAIN_MAX &&
		       !portier_inspect_proc_of(c->r, ppid)) {
			if (add_proc(c, ppid, false, NULL) < 0)
				break;
			ppid = c->r->procs[c->r->n_procs - 1].ppid;
		}
	}
}

static bool system_dir(const char *path)
{
	static const char *const dirs[] = {"/usr/", "/bin/", "/sbin/",
					   "/lib",  "/etc/", "/opt/"};
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (strncmp(path, dirs[i], strlen(dirs[i])) == 0)
			return true;
	return false;
}

/* Where a dropped binary hides: temporary, shared-memory, home, dot dirs. */
static bool odd_place(const struct inspect_ctx *c, const char *path)
{
	const char *rel = inspect_rel(c, path);
	size_t i;

	if (strncmp(rel, "tmp/", 4) == 0 || strncmp(rel, "var/tmp/", 8) == 0 ||
	    strncmp(rel, "dev/shm/", 8) == 0 || strncmp(rel, "home/", 5) == 0 ||
	    strncmp(rel, "root/", 5) == 0 || strstr(rel, "/.") || rel[0] == '.')
		return true;
	for (i = 0; i < c->n_homes; i++) {
		const char *h = inspect_rel(c, c->homes[i]);
		size_t hl = strlen(h);

		if (hl && strncmp(rel, h, hl) == 0 && rel[hl] == '/' &&
		    !system_dir(path))
			return true;
	}
	return false;
}

/* Package, persistence, companions and the findings for one owner; known:
 * its executable's dpkg owner when it was looked up already, or NULL. */
static void judge_exe(struct inspect_ctx *c, struct portier_inspect_proc *p,
		      const struct portier_dpkg_owner *known)
{
	struct portier_inspect_exe *e = &p->exe;
	struct portier_dpkg_owner o = {0};
	struct inspect_needles n = {0};
	char shown[4096], alias[4096], dir[4096], dir_alias[4096];
	const char *base;
	size_t first_hit = c->r->n_hits, i;
	bool trusted;

	if (!e->path)
		return;
	if (e->memfd)
		inspect_finding(c, PORTIER_RISK_HIGH, "exe-memfd", p->pid,
				"pid %d runs from an anonymous memory file "
				"(%s): nothing on disk to check",
				p->pid, e->path);
	if (e->deleted && !e->memfd) /* a memfd is always "(deleted)" */
		inspect_finding(c, PORTIER_RISK_HIGH, "exe-deleted", p->pid,
				"pid %d runs %s, which was deleted", p->pid,
				e->path);
	if (e->memfd)
		return;
	if (odd_place(c, e->path))
		inspect_finding(c, PORTIER_RISK_HIGH, "exe-location", p->pid,
				"pid %d runs from %s: a temporary, hidden or "
				"home directory",
				p->pid, e->path);
	snprintf(shown, sizeof(shown), "/%s", inspect_rel(c, e->path));
	o.path = shown;
	if (known)
		o = *known;
	else
		inspect_dpkg_owners(c, &o, 1);
	portier_strlcpy(e->package, o.package, sizeof(e->package));
	if (e->opened)
		e->verified = (int8_t)portier_dpkg_verify_md5(&o, e->md5);
	if (!o.package[0] && c->r->dpkg_db)
		inspect_finding(c, PORTIER_RISK_MEDIUM, "not-packaged", p->pid,
				"%s is not owned by any package", shown);
	else if (e->verified == 0)
		inspect_finding(c, PORTIER_RISK_HIGH, "package-modified",
				p->pid,
				"%s belongs to package %s but its md5sum no "
				"longer verifies",
				shown, o.package);
	trusted = o.package[0] && e->verified == 1;
	if (e->opened && !trusted && (e->mode & 06000))
		inspect_finding(c, PORTIER_RISK_MEDIUM, "setuid", p->pid,
				"%s is set-user/group-ID (mode %04o)", shown,
				e->mode & 07777);
	if (e->opened && !trusted && e->caps)
		inspect_finding(c, PORTIER_RISK_MEDIUM, "file-caps", p->pid,
				"%s carries file capabilities", shown);

	n.path = e->path;
	if (portier_dpkg_usr_alias(e->path, alias, sizeof(alias)))
		n.alias = alias;
	else if (strcmp(shown, e->path) != 0)
		n.alias = shown; /* planted under the root: its path there */
	base = strrchr(e->path, '/');
	base = base ? base + 1 : e->path;
	if (strlen(base) >= 3)
		n.name = base;
	n.sha256 = e->opened ? e->sha256 : NULL;
	if (!system_dir(shown) && base > e->path + 1) {
		const char *sb = strrchr(shown, '/');

		snprintf(dir, sizeof(dir), "%.*s", (int)(base - e->path),
			 e->path);
		n.dir = dir;
		snprintf(dir_alias, sizeof(dir_alias), "%.*s",
			 (int)(sb - shown + 1), shown);
		if (strcmp(dir, dir_alias) != 0 && sb > shown)
			n.dir_alias = dir_alias;
	}
	inspect_persistence(c, &n);
	for (i = first_hit; !trusted && i < c->r->n_hits; i++) {
		const struct portier_inspect_hit *h = &c->r->hits[i];

		inspect_finding(
			c,
			h->place == PORTIER_PLACE_PRELOAD ? PORTIER_RISK_HIGH
			: h->match == PORTIER_MATCH_NAME  ? PORTIER_RISK_LOW
							  : PORTIER_RISK_MEDIUM,
			"persistence", p->pid, "%s:%u (%s) names it by %s",
			h->file, h->line, portier_inspect_place_name(h->place),
			portier_inspect_match_name(h->match));
	}
	if (!trusted) {
		size_t before = c->r->n_companions;

		inspect_companions(c, p);
		if (c->r->n_companions > before)
			inspect_finding(c, PORTIER_RISK_LOW, "companions",
					p->pid,
					"%zu files changed within %u minutes "
					"of %s",
					c->r->n_companions - before,
					c->r->window_min, shown);
	}
}

/* Does pid live in another mount namespace than this process (a
 * container)?  Unknown (a proc root without self) counts as no. */
bool inspect_other_mnt(struct inspect_ctx *c, int pid)
{
	char path[64], mine[64], its[64];
	ssize_t a, b;

	snprintf(path, sizeof(path), "%d/ns/mnt", pid);
	a = readlinkat(c->procfd, "self/ns/mnt", mine, sizeof(mine) - 1);
	b = readlinkat(c->procfd, path, its, sizeof(its) - 1);
	return a > 0 && b > 0 && (a != b || memcmp(mine, its, (size_t)a) != 0);
}

/*
 * judge_exe, for a process in another mount namespace through its own
 * root (<proc>/PID/root): the path its executable has, its persistence
 * and companions are what it sees, not what the host has at those paths.
 * With PORTIER_ROOT set the root given is used as it is.
 */
static void judge_in_root(struct inspect_ctx *c, struct portier_inspect_proc *p,
			  const struct portier_dpkg_owner *known)
{
	char path[64];
	const char *root = c->root;
	char **homes = c->homes;
	size_t n_homes = c->n_homes, i;
	int rootfd = c->rootfd, fd;

	if (c->root[0] || !inspect_other_mnt(c, p->pid)) {
		judge_exe(c, p, known);
		return;
	}
	snprintf(path, sizeof(path), "%d/root", p->pid);
	fd = openat(c->procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		inspect_note(
			c,
			"pid %d lives in another mount namespace but %s/%s "
			"cannot be opened (%s): its files were read on "
			"the host",
			p->pid, c->q->proc_root ? c->q->proc_root : "/proc",
			path, strerror(errno));
		judge_exe(c, p, NULL);
		return;
	}
	p->root = portier_malloc(strlen(path) + 8);
	if (!p->root) {
		close(fd);
		c->err = PORTIER_ENOMEM;
		return;
	}
	snprintf(p->root, strlen(path) + 8, "/proc/%s", path);
	inspect_note(c,
		     "pid %d lives in another mount namespace (a container): "
		     "its executable, persistence and companions were read "
		     "through %s",
		     p->pid, p->root);
	c->rootfd = fd;
	c->root = "";
	c->homes = NULL;
	c->n_homes = 0;
	load_homes(c);
	judge_exe(c, p, NULL);
	for (i = 0; i < c->n_homes; i++)
		portier_free(c->homes[i]);
	portier_free(c->homes);
	c->homes = homes;
	c->n_homes = n_homes;
	c->root = root;
	c->rootfd = rootfd;
	close(fd);
}

/* The hidden-listener check, run for a port no view shows: did it find
 * the port taken (or, sweeping, any port)? */
static bool hidden_on_port(struct inspect_ctx *c)
{
	size_t i;

	inspect_hidden(c);
	if (c->q->sweep && c->r->n_hidden)
		return true;
	for (i = 0; i < c->r->n_hidden; i++)
		if (c->r->hidden[i].port == c->q->port)
			return true;
	return false;
}

static int by_severity(const void *a, const void *b)
{
	const struct portier_inspect_finding *x = a, *y = b;

	return (int)y->severity - (int)x->severity;
}

static void judge(struct inspect_ctx *c)
{
	struct portier_inspect *r = c->r;
	struct inspect_pre *pre;
	size_t i;
	bool all_trusted = r->n_procs > 0;

	for (i = 0; i < r->n_socks; i++)
		if (!r->socks[i].pid) {
			inspect_finding(c, PORTIER_RISK_MEDIUM, "no-owner", 0,
					"a socket on port %u has no owner this "
					"user can see",
					r->socks[i].lport);
			break;
		}
	pre = inspect_dpkg_pre(c);
	for (i = 0; i < r->n_procs; i++) {
		if (!r->procs[i].owner)
			continue;
		judge_in_root(c, &r->procs[i],
			      pre && pre[i].shown[0] ? &pre[i].o : NULL);
		if (!(r->procs[i].exe.package[0] &&
		      r->procs[i].exe.verified == 1))
			all_trusted = false;
	}
	portier_free(pre);
	if (r->kb && r->kb->trojans && strcmp(r->kb->trojans, "-") != 0 &&
	    r->kb->trojans[0] && !all_trusted)
		inspect_finding(c, PORTIER_RISK_MEDIUM, "trojan-port", 0,
				"port %u was used by %s", c->q->port,
				r->kb->trojans);
	for (i = 0; i < r->n_hidden; i++) {
		const struct portier_inspect_hidden *h = &r->hidden[i];
		char ns[100] = "";

		if (h->netns_label[0])
			snprintf(ns, sizeof(ns), " in namespace %s",
				 h->netns_label);
		if (!h->in_diag && !h->in_procnet)
			inspect_finding(
				c, (enum portier_risk)h->confidence,
				"hidden-listener", 0,
				"likely hidden: %s port %u%s is taken (bind "
				"test, twice) but neither sock_diag nor "
				"/proc/net shows a socket on it (or a socket "
				"is bound there without listening)",
				portier_proto_name(h->proto), h->port, ns);
		else
			inspect_finding(
				c, (enum portier_risk)h->confidence,
				"hidden-listener", 0,
				"%s%s port %u%s is listed by %s but not by %s",
				h->confidence == PORTIER_RISK_HIGH
					? "likely hidden: "
					: "",
				portier_proto_name(h->proto), h->port, ns,
				h->in_diag ? "sock_diag" : "/proc/net",
				h->in_diag ? "/proc/net" : "sock_diag");
	}
	if (r->n_findings)
		qsort(r->findings, r->n_findings, sizeof(*r->findings),
		      by_severity);
}

int portier_inspect_run(const struct portier_inspect_query *q,
			struct portier_inspect **out, struct portier_err *err)
{
	struct inspect_ctx c = {.q = q, .rootfd = -1, .procfd = -1};
	char rootbuf[4096];
	const char *root = q->root && q->root[0] ? q->root : "/";
	size_t i;
	int rc;

	*out = NULL;
	if (q->pid < 0 || (!q->pid && !q->port))
		return portier_err_set(err, PORTIER_EINVAL,
				       "give a port (1-65535) or a pid");
	portier_strlcpy(rootbuf, root, sizeof(rootbuf));
	for (i = strlen(rootbuf); i > 0 && rootbuf[i - 1] == '/'; i--)
		rootbuf[i - 1] = '\0';
	c.root = rootbuf;
	c.rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.rootfd < 0)
		return portier_err_set(err, PORTIER_EINVAL,
				       "cannot open root '%s': %s", root,
				       strerror(errno));
	c.procfd = open(q->proc_root ? q->proc_root : "/proc",
			O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.procfd < 0) {
		rc = portier_err_set(err, PORTIER_EIO, "cannot open '%s': %s",
				     q->proc_root ? q->proc_root : "/proc",
				     strerror(errno));
		close(c.rootfd);
		return rc;
	}
	c.r = portier_calloc(1, sizeof(*c.r));
	if (!c.r) {
		rc = portier_err_set(err, PORTIER_ENOMEM, "out of memory");
		goto out;
	}
	c.r->window_min = q->window_min ? q->window_min : 10;
	load_homes(&c);
	rc = collect(&c, err);
	if (rc == PORTIER_ENOENT && !q->pid && !q->no_hidden &&
	    hidden_on_port(&c)) {
		/* no view shows a listener, but the port is taken */
		portier_err_clear(err);
		rc = 0;
	} else if (rc == 0 && !q->no_hidden) {
		inspect_hidden(&c);
	}
	if (rc == 0) {
		ancestors(&c);
		if (!q->pid && q->kb)
			c.r->kb = portier_kb_best(
				q->kb, q->port,
				q->protos ? q->protos
					  : PORTIER_PROTO_TCP |
						    PORTIER_PROTO_UDP);
		judge(&c);
		if (c.err)
			rc = portier_err_set(err, c.err, "out of memory");
	}
out:
	for (i = 0; i < c.n_homes; i++)
		portier_free(c.homes[i]);
	portier_free(c.homes);
	close(c.rootfd);
	close(c.procfd);
	if (rc < 0) {
		portier_inspect_free(c.r);
		return rc;
	}
	*out = c.r;
	return 0;
}

void portier_inspect_free(struct portier_inspect *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n_procs; i++)
		inspect_proc_clear(&r->procs[i]);
	for (i = 0; i < r->n_hits; i++) {
		portier_free(r->hits[i].file);
		portier_free(r->hits[i].text);
	}
	for (i = 0; i < r->n_companions; i++)
		portier_free(r->companions[i].path);
	for (i = 0; i < r->n_notes; i++)
		portier_free(r->notes[i]);
	portier_free(r->socks);
	portier_free(r->procs);
	portier_free(r->hits);
	portier_free(r->companions);
	portier_free(r->hidden);
	portier_free(r->findings);
	portier_free(r->notes);
	portier_free(r);
}

const char *portier_inspect_place_name(unsigned place)
{
	static const char *const names[] = {
		"systemd", "timer", "cron",    "rc",	   "udev",
		"xdg",	   "shell", "preload", "ssh",	   "sudoers",
		"at",	   "pam",   "apt",     "generator"};

	return place < sizeof(names) / sizeof(names[0]) ? names[place] : "?";
}

const char *portier_inspect_match_name(unsigned match)
{
	static const char *const names[] = {"path", "hash", "name", "dir",
					    "unit"};

	return match < sizeof(names) / sizeof(names[0]) ? names[match] : "?";
}
