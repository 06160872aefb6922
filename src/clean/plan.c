/*
 * plan.c - what clean will do, drawn from inspect's report and a fresh
 * look at every file it names.
 *
 * The order of the steps is the order they run in: stop the owners, copy
 * their executables (through /proc/PID/exe) and companions into
 * quarantine, kill, disable and mask the units, move or rewrite the other
 * persistence files, remove the executables and companions (their copies
 * are safe by then), block the ports.  A file a package owns that still
 * verifies is never planned; an owner running a verified packaged binary
 * is left alone with all that goes with it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clean/clean_int.h"
#include "portier/inspect.h"
#include "portier/local.h"

/* What one persistence file gets. */
struct pfile {
	const char *path;
	uint8_t place;
	bool whole;
	uint32_t *lines;
	size_t n_lines;
};

struct planner {
	struct portier_clean_plan *p;
	const struct portier_inspect *r;
	size_t cap_kids;
	const char *root; /* "" or the prefix */
	int rootfd;
	int *targets; /* pids of the owners that are cleaned */
	size_t n_targets;
	/* their descendants that own no socket (stopped and killed too) */
	struct portier_inspect_child *kids;
	size_t n_kids;
	const char *proc_root;
	struct pfile *files;
	size_t n_files, cap_files;
	struct portier_inspect_owned *owned; /* per files[] */
	size_t *removes; /* SAVE steps whose file is removed later */
	size_t n_removes, cap_removes;
	size_t cap_steps, cap_kept;
	int err;
};

static int kept(struct planner *pl, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int kept(struct planner *pl, const char *path, const char *fmt, ...)
{
	struct portier_clean_plan *p = pl->p;
	struct portier_clean_kept *k;
	char why[512];
	va_list ap;

	if (portier_grow(&p->kept, &pl->cap_kept, p->n_kept + 1,
			 sizeof(*p->kept), 8) < 0)
		return pl->err = PORTIER_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	k = &p->kept[p->n_kept];
	k->path = portier_strdup(path);
	k->why = portier_strdup(why);
	if (!k->path || !k->why) {
		portier_free(k->path);
		portier_free(k->why);
		return pl->err = PORTIER_ENOMEM;
	}
	p->n_kept++;
	return 0;
}

static bool is_target(const struct planner *pl, int pid)
{
	size_t i;

	for (i = 0; i < pl->n_targets; i++)
		if (pl->targets[i] == pid)
			return true;
	return false;
}

/* Is path already the subject of a file step? */
static bool planned(const struct portier_clean_plan *p, const char *path)
{
	size_t i;

	for (i = 0; i < p->n_steps; i++)
		if (p->steps[i].path && strcmp(p->steps[i].path, path) == 0 &&
		    p->steps[i].kind != PORTIER_CLEAN_REMOVE)
			return true;
	return false;
}

static int set_str(struct planner *pl, char **dst, const char *s)
{
	if (!s)
		return 0;
	*dst = portier_strdup(s);
	if (!*dst)
		return pl->err = PORTIER_ENOMEM;
	return 0;
}

static void qname_for(const struct portier_clean_plan *p, char *buf, size_t cap)
{
	snprintf(buf, cap, "f%03zu", p->n_steps);
}

/* A step about a file: its path, a quarantine name and its state now. */
static struct portier_clean_step *
file_step(struct planner *pl, enum portier_clean_kind kind, const char *path,
	  const struct portier_clean_file *f, const char *why)
{
	struct portier_clean_step *s;
	char q[32];

	qname_for(pl->p, q, sizeof(q));
	s = clean_add_step(pl->p, kind);
	if (!s) {
		pl->err = PORTIER_ENOMEM;
		return NULL;
	}
	s->file = *f;
	s->file.target = NULL;
	if (set_str(pl, &s->path, path) < 0 ||
	    set_str(pl, &s->file.target, f->target) < 0 ||
	    set_str(pl, &s->why, why) < 0 ||
	    (kind != PORTIER_CLEAN_MASK && set_str(pl, &s->qname, q) < 0))
		return NULL;
	return s;
}

static bool is_target(const struct planner *pl, int pid);

/* The rest of the tree below the owners: a child a backdoor forked holds
 * no socket but is part of it. */
static void find_kids(struct planner *pl)
{
	struct portier_inspect_child *c = NULL;
	size_t i, j, k, n = 0;

	for (i = 0; i < pl->n_targets && !pl->err; i++) {
		if (portier_inspect_descendants(pl->proc_root, pl->targets[i],
						&c, &n, NULL) < 0) {
			kept(pl, "the children",
			     "could not be read from the process table");
			return;
		}
		for (j = 0; j < n; j++) {
			bool seen = is_target(pl, c[j].pid) ||
				    c[j].pid == getpid() || c[j].pid == 1;

			for (k = 0; k < pl->n_kids && !seen; k++)
				seen = pl->kids[k].pid == c[j].pid;
			if (seen)
				continue;
			if (portier_grow(&pl->kids, &pl->cap_kids,
					 pl->n_kids + 1, sizeof(*pl->kids),
					 8) < 0) {
				pl->err = PORTIER_ENOMEM;
				break;
			}
			pl->kids[pl->n_kids++] = c[j];
		}
		portier_free(c);
	}
}

/* The owners: left alone when they run a packaged binary that verifies. */
static void choose_targets(struct planner *pl)
{
	const struct portier_inspect *r = pl->r;
	char chain[512];
	size_t i, o;

	pl->targets = portier_calloc(r->n_procs + 1, sizeof(*pl->targets));
	if (!pl->targets) {
		pl->err = PORTIER_ENOMEM;
		return;
	}
	for (i = 0; i < r->n_procs; i++) {
		const struct portier_inspect_proc *pr = &r->procs[i];
		char who[64];

		if (!pr->owner || pr->gone)
			continue;
		snprintf(who, sizeof(who), "pid %d (%s)", pr->pid, pr->comm);
		if (pr->pid == 1 || pr->pid == getpid()) {
			kept(pl, who, "init or portier itself: never stopped");
			continue;
		}
		if (pr->exe.package[0] && pr->exe.verified == 1) {
			kept(pl, who,
			     "runs %s, owned by package %s and verified "
			     "against dpkg's md5sum: left alone",
			     pr->exe.path ? pr->exe.path : "?",
			     pr->exe.package);
			continue;
		}
		pl->targets[pl->n_targets++] = pr->pid;
	}
	if (!pl->n_targets && !pl->p->n_kept)
		kept(pl, "the sockets",
		     "no owning process could be seen (as root, every "
		     "process is)");
	/* the ancestors, in one line: they may be a shell or init */
	for (i = 0, o = 0; pl->n_targets && i < r->n_procs; i++)
		if (!r->procs[i].owner && o < sizeof(chain) - 40)
			o += (size_t)snprintf(chain + o, sizeof(chain) - o,
					      "%s%d (%s)", o ? ", " : "",
					      r->procs[i].pid,
					      r->procs[i].comm);
	if (o)
		kept(pl, "the parent chain", "%s: left running", chain);
	find_kids(pl);
}

static void keep_for_remove(struct planner *pl);

static void plan_procs(struct planner *pl, enum portier_clean_kind kind)
{
	size_t i;

	for (i = 0; i < pl->n_targets + pl->n_kids && !pl->err; i++) {
		struct portier_clean_step *s = clean_add_step(pl->p, kind);
		char why[64];

		if (!s) {
			pl->err = PORTIER_ENOMEM;
			return;
		}
		if (i < pl->n_targets) {
			const struct portier_inspect_proc *pr =
				portier_inspect_proc_of(pl->r, pl->targets[i]);

			s->pid = pr->pid;
			s->start = pr->start;
			portier_strlcpy(s->comm, pr->comm, sizeof(s->comm));
			continue;
		}
		s->pid = pl->kids[i - pl->n_targets].pid;
		portier_strlcpy(s->comm, pl->kids[i - pl->n_targets].comm,
				sizeof(s->comm));
		snprintf(why, sizeof(why), "a child of pid %d",
			 pl->kids[i - pl->n_targets].ppid);
		set_str(pl, &s->why, why);
	}
}

/* Copies of the executables (and, when they are still on disk, unchanged
 * from what runs, the files themselves to remove later). */
static void plan_exes(struct planner *pl)
{
	size_t i, j;

	for (i = 0; i < pl->n_targets && !pl->err; i++) {
		const struct portier_inspect_proc *pr =
			portier_inspect_proc_of(pl->r, pl->targets[i]);
		const struct portier_inspect_exe *e = &pr->exe;
		struct portier_clean_file f = {0}, disk = {0};
		struct portier_clean_step *s;
		char path[4096];
		bool dup = false, on_disk = false;

		if (!e->opened) {
			kept(pl, pr->comm,
			     "its executable could not be read: not copied");
			continue;
		}
		snprintf(path, sizeof(path), "/%s",
			 e->path && !e->memfd ? clean_rel(pl->root, e->path)
					      : "");
		for (j = 0; j < pl->p->n_steps; j++)
			if (pl->p->steps[j].kind == PORTIER_CLEAN_SAVE &&
			    strcmp(pl->p->steps[j].file.sha256, e->sha256) ==
				    0 &&
			    strcmp(pl->p->steps[j].path, path) == 0)
				dup = true;
		if (dup)
			continue;
		portier_strlcpy(f.sha256, e->sha256, sizeof(f.sha256));
		f.size = e->size;
		f.mode = e->mode & 07777;
		f.uid = e->uid;
		f.gid = e->gid;
		f.mtime_ns = e->mtime * 1000000000LL;
		f.atime_ns = f.mtime_ns;
		if (!e->deleted && !e->memfd && path[1] &&
		    clean_file_info(pl->rootfd, clean_rel("", path), &disk,
				    NULL, NULL, NULL) == 0) {
			if (!disk.link && strcmp(disk.sha256, e->sha256) == 0) {
				f = disk;
				on_disk = true;
			} else {
				kept(pl, path,
				     "differs from the running binary: left "
				     "on disk (the running one is copied)");
			}
		}
		s = file_step(pl, PORTIER_CLEAN_SAVE, path, &f,
			      e->memfd	   ? "the executable (a memory file)"
			      : e->deleted ? "the executable (deleted while it "
					     "runs)"
					   : "the executable");
		portier_free(disk.target);
		if (s) {
			s->pid = pr->pid;
			s->start = pr->start;
			portier_strlcpy(s->comm, pr->comm, sizeof(s->comm));
			if (on_disk)
				keep_for_remove(pl);
		}
	}
}

static void plan_companions(struct planner *pl)
{
	size_t i;

	for (i = 0; pl->n_targets && i < pl->r->n_companions && !pl->err; i++) {
		const char *path = pl->r->companions[i].path;
		struct portier_clean_file f = {0};

		if (planned(pl->p, path))
			continue;
		if (clean_file_info(pl->rootfd, clean_rel("", path), &f, NULL,
				    NULL, NULL) < 0 ||
		    f.link) {
			kept(pl, path, "not a regular file now: not copied");
			portier_free(f.target);
			continue;
		}
		if (file_step(pl, PORTIER_CLEAN_SAVE, path, &f,
			      "a companion (changed near the binary's time)"))
			keep_for_remove(pl);
	}
}

/* ---- persistence ------------------------------------------------------- */

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

/* Files whose whole content is the entry: units, timers, autostart files,
 * generators, at jobs, init scripts, the periodic cron scripts, links. */
static bool whole_file(const struct portier_inspect_hit *h)
{
	switch (h->place) {
	case PORTIER_PLACE_SYSTEMD:
	case PORTIER_PLACE_TIMER:
	case PORTIER_PLACE_XDG:
	case PORTIER_PLACE_GENERATOR:
	case PORTIER_PLACE_AT:
		return true;
	default:
		break;
	}
	return h->line == 0 || under(h->file, "/etc/init.d") ||
	       under(h->file, "/etc/cron.hourly") ||
	       under(h->file, "/etc/cron.daily") ||
	       under(h->file, "/etc/cron.weekly") ||
	       under(h->file, "/etc/cron.monthly");
}

static void group_hits(struct planner *pl)
{
	size_t i, j;

	for (i = 0; i < pl->r->n_hits && !pl->err; i++) {
		const struct portier_inspect_hit *h = &pl->r->hits[i];
		struct pfile *f = NULL;

		for (j = 0; j < pl->n_files; j++)
			if (strcmp(pl->files[j].path, h->file) == 0)
				f = &pl->files[j];
		if (!f) {
			if (portier_grow(&pl->files, &pl->cap_files,
					 pl->n_files + 1, sizeof(*pl->files),
					 8) < 0) {
				pl->err = PORTIER_ENOMEM;
				return;
			}
			f = &pl->files[pl->n_files++];
			memset(f, 0, sizeof(*f));
			f->path = h->file;
			f->place = h->place;
		}
		if (whole_file(h))
			f->whole = true;
		if (h->line) {
			uint32_t *l = portier_realloc(
				f->lines, (f->n_lines + 1) * sizeof(*l));

			if (!l) {
				pl->err = PORTIER_ENOMEM;
				return;
			}
			f->lines = l;
			f->lines[f->n_lines++] = h->line;
		}
		if (h->place == PORTIER_PLACE_PRELOAD ||
		    under(h->file, "/etc/modules-load.d") ||
		    strcmp(h->file, "/etc/modules") == 0 ||
		    under(h->file, "/etc/modprobe.d"))
			pl->p->reboot = true;
	}
}

static bool unit_name(const char *name)
{
	static const char *const sfx[] = {".service", ".socket", ".timer",
					  ".path", ".target"};
	size_t i, n = strlen(name);

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
		if (n > strlen(sfx[i]) &&
		    strcmp(name + n - strlen(sfx[i]), sfx[i]) == 0)
			return true;
	return false;
}

/* The unit a unit file (not a drop-in, not an enabling link) defines. */
static const char *unit_of(const struct pfile *f)
{
	const char *b = strrchr(f->path, '/');
	const char *parent;

	if ((f->place != PORTIER_PLACE_SYSTEMD &&
	     f->place != PORTIER_PLACE_TIMER) ||
	    !b)
		return NULL;
	/* the directory holding it must be a unit directory, not X.d or
	 * X.wants */
	parent = b;
	while (parent > f->path && parent[-1] != '/')
		parent--;
	if ((b - parent > 2 && memcmp(b - 2, ".d", 2) == 0) ||
	    (b - parent > 6 && memcmp(b - 6, ".wants", 6) == 0) ||
	    (b - parent > 9 && memcmp(b - 9, ".requires", 9) == 0))
		return NULL;
	return unit_name(b + 1) ? b + 1 : NULL;
}

/* Where the mask of a unit file goes: beside it for /etc and user units,
 * /etc/systemd/system for vendor and runtime ones. */
static void mask_path(const char *unit_file, const char *unit, char *buf,
		      size_t cap)
{
	const char *b = strrchr(unit_file, '/');

	if (under(unit_file, "/etc/systemd/system") ||
	    under(unit_file, "/etc/systemd/user") ||
	    strstr(unit_file, "/.config/systemd/user/"))
		snprintf(buf, cap, "%.*s/%s", (int)(b - unit_file), unit_file,
			 unit);
	else
		snprintf(buf, cap, "/etc/systemd/system/%s", unit);
}

static void plan_file(struct planner *pl, struct pfile *pf, size_t idx)
{
	const struct portier_inspect_owned *o = &pl->owned[idx];
	struct portier_clean_file f = {0};
	struct portier_clean_step *s;
	char *text = NULL;
	size_t len = 0;
	bool whole = pf->whole;
	int rc;

	if (planned(pl->p, pf->path))
		return; /* a companion too: saved and removed as one */
	if (o->package[0] && o->verified == 1) {
		kept(pl, pf->path,
		     "owned by package %s and verified: left alone",
		     o->package);
		return;
	}
	rc = clean_file_info(pl->rootfd, clean_rel("", pf->path), &f,
			     whole ? NULL : &text, whole ? NULL : &len, NULL);
	if (rc < 0) {
		kept(pl, pf->path, "cannot be read now: left alone");
		return;
	}
	if (!whole &&
	    (f.link || !pf->n_lines ||
	     portier_clean_only_lines(text, len, pf->lines, pf->n_lines)))
		whole = true;
	if (whole) {
		s = file_step(pl, PORTIER_CLEAN_MOVE, pf->path, &f,
			      f.link ? "a persistence link"
				     : "a persistence file");
		if (s && unit_of(pf) && set_str(pl, &s->unit, unit_of(pf)) < 0)
			s = NULL;
	} else {
		char *out = NULL;
		size_t out_len = 0;
		s = file_step(pl, PORTIER_CLEAN_REWRITE, pf->path, &f,
			      "persistence lines in a shared file");
		if (s &&
		    portier_clean_drop_lines(text, len, pf->lines, pf->n_lines,
					     &out, &out_len) == 0 &&
		    portier_sha256_hex(out, out_len, s->new_sha256) == 0) {
			s->lines = pf->lines;
			s->n_lines = pf->n_lines;
			pf->lines = NULL;
			pf->n_lines = 0;
		} else {
			pl->err = PORTIER_ENOMEM;
		}
		portier_free(out);
	}
	portier_free(f.target);
	portier_free(text);
}

static void plan_mask(struct planner *pl, const char *unit_file,
		      const char *unit)
{
	char devnull[] = "/dev/null";
	struct portier_clean_file f = {
		.link = true, .target = devnull, .size = 9, .mode = 0777};
	struct portier_clean_file now = {0};
	struct portier_clean_step *s;
	char path[4096];
	size_t i;

	for (i = 0; i < pl->p->n_steps; i++)
		if (pl->p->steps[i].kind == PORTIER_CLEAN_MASK &&
		    strcmp(pl->p->steps[i].unit, unit) == 0)
			return;
	mask_path(unit_file, unit, path, sizeof(path));
	if (clean_file_info(pl->rootfd, clean_rel("", path), &now, NULL, NULL,
			    NULL) == 0 &&
	    !planned(pl->p, path)) {
		bool masked = now.link && strcmp(now.target, "/dev/null") == 0;

		kept(pl, path,
		     masked ? "unit %s is masked already"
			    : "exists: unit %s not masked",
		     unit);
		portier_free(now.target);
		return;
	}
	f.mtime_ns = f.atime_ns = (int64_t)time(NULL) * 1000000000LL;
	s = file_step(pl, PORTIER_CLEAN_MASK, path, &f,
		      "mask the unit (a link to /dev/null)");
	if (s)
		set_str(pl, &s->unit, unit);
}

static void plan_persistence(struct planner *pl)
{
	size_t i, n_steps0;

	if (!pl->n_targets)
		return;
	group_hits(pl);
	if (pl->err || !pl->n_files)
		return;
	pl->owned = portier_calloc(pl->n_files, sizeof(*pl->owned));
	if (!pl->owned) {
		pl->err = PORTIER_ENOMEM;
		return;
	}
	for (i = 0; i < pl->n_files; i++)
		pl->owned[i].path = pl->files[i].path;
	/* no dpkg database: nothing is known to be packaged */
	portier_inspect_owners(pl->root[0] ? pl->root : "/", pl->owned,
			       pl->n_files, NULL);
	/* units first (disable: links and unit files), then their masks,
	 * then every other place */
	for (i = 0; i < pl->n_files && !pl->err; i++)
		if (pl->files[i].place == PORTIER_PLACE_SYSTEMD ||
		    pl->files[i].place == PORTIER_PLACE_TIMER)
			plan_file(pl, &pl->files[i], i);
	n_steps0 = pl->p->n_steps;
	for (i = 0; i < n_steps0 && !pl->err; i++)
		if (pl->p->steps[i].kind == PORTIER_CLEAN_MOVE &&
		    pl->p->steps[i].unit)
			plan_mask(pl, pl->p->steps[i].path,
				  pl->p->steps[i].unit);
	for (i = 0; i < pl->n_files && !pl->err; i++)
		if (pl->files[i].place != PORTIER_PLACE_SYSTEMD &&
		    pl->files[i].place != PORTIER_PLACE_TIMER)
			plan_file(pl, &pl->files[i], i);
}

/* The SAVE steps' files that are still on disk go once all is stopped. */
static void plan_removes(struct planner *pl)
{
	size_t i;

	for (i = 0; i < pl->n_removes && !pl->err; i++) {
		const struct portier_clean_step *s =
			&pl->p->steps[pl->removes[i]];
		struct portier_clean_step *rm;
		struct portier_clean_file f = s->file;
		char *path = portier_strdup(s->path);
		char *q = portier_strdup(s->qname);

		rm = path && q ? file_step(pl, PORTIER_CLEAN_REMOVE, path, &f,
					   "remove it (the copy in "
					   "quarantine stays)")
			       : NULL;
		portier_free(path);
		if (!rm) {
			portier_free(q);
			pl->err = PORTIER_ENOMEM;
			return;
		}
		/* the bytes come back from the SAVE step's copy */
		portier_free(rm->qname);
		rm->qname = q;
	}
}

static void keep_for_remove(struct planner *pl)
{
	if (pl->err)
		return;
	if (pl->n_removes >= pl->cap_removes &&
	    portier_grow(&pl->removes, &pl->cap_removes, pl->n_removes + 1,
			 sizeof(*pl->removes), 8) < 0) {
		pl->err = PORTIER_ENOMEM;
		return;
	}
	pl->removes[pl->n_removes++] = pl->p->n_steps - 1;
}

static void plan_blocks(struct planner *pl)
{
	size_t i, j;

	for (i = 0; i < pl->r->n_socks && !pl->err; i++) {
		const struct portier_inspect_sock *k = &pl->r->socks[i];
		struct portier_clean_step *s;
		bool dup = false;

		if (!is_target(pl, k->pid) || !k->lport ||
		    (k->proto == PORTIER_PROTO_TCP &&
		     k->state != PORTIER_SS_LISTEN))
			continue;
		for (j = 0; j < pl->p->n_steps; j++)
			if (pl->p->steps[j].kind == PORTIER_CLEAN_BLOCK &&
			    pl->p->steps[j].port == k->lport &&
			    pl->p->steps[j].proto == k->proto)
				dup = true;
		if (dup)
			continue;
		s = clean_add_step(pl->p, PORTIER_CLEAN_BLOCK);
		if (!s ||
		    set_str(pl, &s->why,
			    "close the port (firewall, undo point)") < 0) {
			pl->err = PORTIER_ENOMEM;
			return;
		}
		s->port = k->lport;
		s->proto = k->proto;
	}
}

/* A killed owner whose systemd service has its unit file moved: the
 * service is stopped too, or Restart= would start it again. */
static void plan_kill_units(struct planner *pl)
{
	size_t i, j;

	for (i = 0; i < pl->p->n_steps && !pl->err; i++) {
		struct portier_clean_step *k = &pl->p->steps[i];
		const struct portier_inspect_proc *pr;

		if (k->kind != PORTIER_CLEAN_KILL)
			continue;
		pr = portier_inspect_proc_of(pl->r, k->pid);
		if (!pr || !pr->unit)
			continue;
		for (j = 0; j < pl->p->n_steps; j++)
			if (pl->p->steps[j].kind == PORTIER_CLEAN_MOVE &&
			    pl->p->steps[j].unit &&
			    strcmp(pl->p->steps[j].unit, pr->unit) == 0) {
				set_str(pl, &k->unit, pr->unit);
				break;
			}
	}
}

static void plan_stops(struct planner *pl)
{
	plan_procs(pl, PORTIER_CLEAN_STOP);
}

static void plan_kills(struct planner *pl)
{
	plan_procs(pl, PORTIER_CLEAN_KILL);
}

/* The parts of a plan, in the order their steps run. */
static void (*const parts[])(struct planner *) = {
	choose_targets,	 plan_stops,   plan_exes,
	plan_companions, plan_kills,   plan_persistence,
	plan_kill_units, plan_removes, plan_blocks,
};

int portier_clean_plan(const struct portier_clean_query *q,
		       const struct portier_inspect *r,
		       struct portier_clean_plan **out, struct portier_err *err)
{
	struct planner pl = {.r = r};
	char root[4096];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	*out = NULL;
	if (clean_open_root(q->root, root, sizeof(root), &pl.rootfd, err) < 0)
		return PORTIER_EIO;
	pl.root = root;
	pl.p = portier_calloc(1, sizeof(*pl.p));
	if (!pl.p || !(pl.p->root = portier_strdup(root[0] ? root : "/"))) {
		pl.err = PORTIER_ENOMEM;
		goto out;
	}
	pl.proc_root = q->proc_root;
	pl.p->port = q->port;
	pl.p->pid = q->pid;
	if (gmtime_r(&now, &tm))
		strftime(pl.p->created, sizeof(pl.p->created),
			 "%Y-%m-%dT%H:%M:%SZ", &tm);
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]) && !pl.err; i++)
		parts[i](&pl);
out:
	close(pl.rootfd);
	for (i = 0; i < pl.n_files; i++)
		portier_free(pl.files[i].lines);
	portier_free(pl.files);
	portier_free(pl.owned);
	portier_free(pl.targets);
	portier_free(pl.kids);
	portier_free(pl.removes);
	if (pl.err) {
		portier_clean_plan_free(pl.p);
		return portier_err_set(err, pl.err, "out of memory");
	}
	*out = pl.p;
	return 0;
}
