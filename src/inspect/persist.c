/*
 * persist.c - the places that can start a program again, searched for the
 * binary's path (or merged-/usr twin), its SHA-256, its name as a word, or
 * another file in its directory: systemd units, drop-ins, timers and
 * enabling links; cron (system and users, the periodic directories);
 * /etc/rc.local and init.d; udev rules; XDG autostart; shell profiles and
 * rc files; /etc/ld.so.preload; authorized_keys command= options; sudoers;
 * at jobs; PAM configuration; apt hooks; systemd generators.
 *
 * Each file is read whole but bounded (INSPECT_FILE_MAX), never through a
 * symbolic link at its last component (a link's target is matched as
 * text), and parsed by the pure line parsers of parse.c where the format
 * has structure (cron, units, authorized_keys), so a comment never counts.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "inspect/inspect_int.h"
#include "portier/file.h"

/* How a file's lines are read. */
enum how {
	HOW_TEXT,      /* any line that is not a comment */
	HOW_CRON,      /* a user crontab */
	HOW_CRON_USER, /* /etc/crontab, /etc/cron.d: with a user field */
	HOW_UNIT,      /* systemd unit or drop-in: values only */
	HOW_SSH,       /* authorized_keys: command= values only */
	HOW_LINES,     /* every line (ld.so.preload) */
};

struct place {
	const char *path; /* relative to the root, or to a home */
	uint8_t place, how;
	bool dir;
};

static const struct place sys_places[] = {
	{"etc/systemd/system", PORTIER_PLACE_SYSTEMD, HOW_UNIT, true},
	{"run/systemd/system", PORTIER_PLACE_SYSTEMD, HOW_UNIT, true},
	{"usr/lib/systemd/system", PORTIER_PLACE_SYSTEMD, HOW_UNIT, true},
	{"lib/systemd/system", PORTIER_PLACE_SYSTEMD, HOW_UNIT, true},
	{"etc/systemd/user", PORTIER_PLACE_SYSTEMD, HOW_UNIT, true},
	{"usr/lib/systemd/user", PORTIER_PLACE_SYSTEMD, HOW_UNIT, true},
	{"etc/crontab", PORTIER_PLACE_CRON, HOW_CRON_USER, false},
	{"etc/cron.d", PORTIER_PLACE_CRON, HOW_CRON_USER, true},
	{"var/spool/cron/crontabs", PORTIER_PLACE_CRON, HOW_CRON, true},
	{"etc/cron.hourly", PORTIER_PLACE_CRON, HOW_TEXT, true},
	{"etc/cron.daily", PORTIER_PLACE_CRON, HOW_TEXT, true},
	{"etc/cron.weekly", PORTIER_PLACE_CRON, HOW_TEXT, true},
	{"etc/cron.monthly", PORTIER_PLACE_CRON, HOW_TEXT, true},
	{"etc/anacrontab", PORTIER_PLACE_CRON, HOW_TEXT, false},
	{"etc/rc.local", PORTIER_PLACE_RC, HOW_TEXT, false},
	{"etc/init.d", PORTIER_PLACE_RC, HOW_TEXT, true},
	{"etc/udev/rules.d", PORTIER_PLACE_UDEV, HOW_TEXT, true},
	{"run/udev/rules.d", PORTIER_PLACE_UDEV, HOW_TEXT, true},
	{"usr/lib/udev/rules.d", PORTIER_PLACE_UDEV, HOW_TEXT, true},
	{"lib/udev/rules.d", PORTIER_PLACE_UDEV, HOW_TEXT, true},
	{"etc/xdg/autostart", PORTIER_PLACE_XDG, HOW_TEXT, true},
	{"etc/profile", PORTIER_PLACE_SHELL, HOW_TEXT, false},
	{"etc/profile.d", PORTIER_PLACE_SHELL, HOW_TEXT, true},
	{"etc/bash.bashrc", PORTIER_PLACE_SHELL, HOW_TEXT, false},
	{"etc/environment", PORTIER_PLACE_SHELL, HOW_TEXT, false},
	{"etc/zsh/zshrc", PORTIER_PLACE_SHELL, HOW_TEXT, false},
	{"etc/zsh/zprofile", PORTIER_PLACE_SHELL, HOW_TEXT, false},
	{"etc/ld.so.preload", PORTIER_PLACE_PRELOAD, HOW_LINES, false},
	{"etc/sudoers", PORTIER_PLACE_SUDOERS, HOW_TEXT, false},
	{"etc/sudoers.d", PORTIER_PLACE_SUDOERS, HOW_TEXT, true},
	{"var/spool/cron/atjobs", PORTIER_PLACE_AT, HOW_TEXT, true},
	{"var/spool/at", PORTIER_PLACE_AT, HOW_TEXT, true},
	{"etc/pam.d", PORTIER_PLACE_PAM, HOW_TEXT, true},
	{"etc/apt/apt.conf.d", PORTIER_PLACE_APT, HOW_TEXT, true},
	/* generators are programs: their bytes are searched (NULs as spaces) */
	{"etc/systemd/system-generators", PORTIER_PLACE_GENERATOR, HOW_LINES,
	 true},
	{"run/systemd/system-generators", PORTIER_PLACE_GENERATOR, HOW_LINES,
	 true},
	{"usr/lib/systemd/system-generators", PORTIER_PLACE_GENERATOR,
	 HOW_LINES, true},
	{"lib/systemd/system-generators", PORTIER_PLACE_GENERATOR, HOW_LINES,
	 true},
	{"usr/local/lib/systemd/system-generators", PORTIER_PLACE_GENERATOR,
	 HOW_LINES, true},
};

static const struct place home_places[] = {
	{".config/systemd/user", PORTIER_PLACE_SYSTEMD, HOW_UNIT, true},
	{".config/autostart", PORTIER_PLACE_XDG, HOW_TEXT, true},
	{".bashrc", PORTIER_PLACE_SHELL, HOW_TEXT, false},
	{".profile", PORTIER_PLACE_SHELL, HOW_TEXT, false},
	{".bash_profile", PORTIER_PLACE_SHELL, HOW_TEXT, false},
	{".bash_login", PORTIER_PLACE_SHELL, HOW_TEXT, false},
	{".bash_logout", PORTIER_PLACE_SHELL, HOW_TEXT, false},
	{".zshrc", PORTIER_PLACE_SHELL, HOW_TEXT, false},
	{".zprofile", PORTIER_PLACE_SHELL, HOW_TEXT, false},
	{".ssh/authorized_keys", PORTIER_PLACE_SSH, HOW_SSH, false},
	{".ssh/authorized_keys2", PORTIER_PLACE_SSH, HOW_SSH, false},
};

struct walk {
	struct inspect_ctx *c;
	const struct inspect_needles *n;
	/* the second pass: timers and links naming the units found */
	bool units_pass;
	char **units;
	size_t n_units, cap_units;
	size_t files;	  /* files read, for the bound */
	size_t first_hit; /* this search's first entry in r->hits */
	/* directories already searched (/lib is /usr/lib when merged) */
	struct {
		dev_t dev;
		ino_t ino;
	} seen[64];
	size_t n_seen;
};

/* Was the directory open at fd searched before?  Remembers it if not. */
static bool seen_before(struct walk *w, int fd)
{
	struct stat st;
	size_t i;

	if (fstat(fd, &st) < 0)
		return true;
	for (i = 0; i < w->n_seen; i++)
		if (w->seen[i].dev == st.st_dev && w->seen[i].ino == st.st_ino)
			return true;
	if (w->n_seen < sizeof(w->seen) / sizeof(w->seen[0])) {
		w->seen[w->n_seen].dev = st.st_dev;
		w->seen[w->n_seen++].ino = st.st_ino;
	}
	return false;
}

static void add_hit(struct walk *w, uint8_t place, int match, const char *file,
		    uint32_t line, const char *text, size_t len)
{
	struct inspect_ctx *c = w->c;
	struct portier_inspect *r = c->r;
	struct portier_inspect_hit *h;
	size_t i;

	/* one file seen twice in this search (lib -> usr/lib); an earlier
	 * owner's hit on the same line is that owner's, not this one's */
	for (i = w->first_hit; i < r->n_hits; i++)
		if (r->hits[i].line == line &&
		    strcmp(r->hits[i].file, file) == 0)
			return;
	if (inspect_room(c, &r->hits, &c->cap_hits, r->n_hits, sizeof(*r->hits),
			 INSPECT_HITS_MAX, &c->hits_full,
			 "persistence entries") < 0)
		return;
	h = &r->hits[r->n_hits];
	h->place = place;
	h->match = (uint8_t)match;
	h->line = line;
	h->file = portier_strdup(file);
	h->text = portier_strndup(
		text, len < INSPECT_TEXT_MAX ? len : INSPECT_TEXT_MAX);
	if (!h->file || !h->text) {
		portier_free(h->file);
		portier_free(h->text);
		c->err = PORTIER_ENOMEM;
		return;
	}
	r->n_hits++;
}

/* Remember a unit file name that matched (for its timers and links). */
static void add_unit(struct walk *w, const char *file)
{
	const char *base = strrchr(file, '/');
	const char *d = base ? base : file;
	char name[256];
	size_t i, len;

	/* a drop-in: /etc/systemd/system/X.service.d/y.conf names X.service */
	if (base && base > file) {
		const char *pd = base - 1;

		while (pd > file && *pd != '/')
			pd--;
		len = (size_t)(base - pd - 1);
		if (len > 2 && memcmp(base - 2, ".d", 2) == 0) {
			snprintf(name, sizeof(name), "%.*s", (int)(len - 2),
				 pd + 1);
			goto have;
		}
	}
	snprintf(name, sizeof(name), "%s", base ? d + 1 : d);
have:
	for (i = 0; i < w->n_units; i++)
		if (strcmp(w->units[i], name) == 0)
			return;
	if (portier_grow(&w->units, &w->cap_units, w->n_units + 1,
			 sizeof(*w->units), 8) < 0 ||
	    !(w->units[w->n_units] = portier_strdup(name))) {
		w->c->err = PORTIER_ENOMEM;
		return;
	}
	w->n_units++;
}

static bool is_unit(const struct walk *w, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < w->n_units; i++)
		if (strlen(w->units[i]) == len &&
		    memcmp(w->units[i], s, len) == 0)
			return true;
	return false;
}

/* The lines of one file's text. */
static void scan_text(struct walk *w, const struct place *pl, const char *file,
		      const char *text)
{
	const char *p = text;
	uint32_t ln = 0;
	bool timer = w->units_pass;
	bool in_timer_section = false, named_unit = false;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *s = p, *v = NULL;
		size_t sl = len, vl = 0;
		int m = -1, k;
		struct inspect_cron cr;
		struct inspect_unit_kv kv;

		ln++;
		p = nl ? nl + 1 : p + len;
		switch (pl->how) {
		case HOW_CRON:
		case HOW_CRON_USER:
			if (inspect_cron_parse(s, sl, pl->how == HOW_CRON_USER,
					       &cr) == 1)
				m = inspect_match(cr.cmd, cr.cmd_len, w->n);
			break;
		case HOW_UNIT:
			k = inspect_unit_parse(s, sl, &kv);
			if (timer) {
				if (k == 2)
					in_timer_section =
						kv.key_len == 5 &&
						memcmp(kv.key, "Timer", 5) == 0;
				if (k == 1 && in_timer_section &&
				    kv.key_len == 4 &&
				    memcmp(kv.key, "Unit", 4) == 0) {
					named_unit = true;
					if (is_unit(w, kv.val, kv.val_len))
						m = PORTIER_MATCH_UNIT;
				}
			} else if (k == 1) {
				m = inspect_match(kv.val, kv.val_len, w->n);
			}
			break;
		case HOW_SSH:
			if (inspect_ssh_command(s, sl, &v, &vl))
				m = inspect_match(v, vl, w->n);
			break;
		case HOW_LINES:
			m = inspect_match(s, sl, w->n);
			break;
		default:
			while (sl && (*s == ' ' || *s == '\t'))
				s++, sl--;
			if (sl && *s != '#')
				m = inspect_match(s, sl, w->n);
			break;
		}
		if (m >= 0) {
			add_hit(w, timer ? PORTIER_PLACE_TIMER : pl->place, m,
				file, ln, s, sl);
			if (!timer && pl->place == PORTIER_PLACE_SYSTEMD)
				add_unit(w, file);
		}
	}
	/* a timer without Unit= starts the service of its own name */
	if (timer && !named_unit) {
		const char *b = strrchr(file, '/');
		char svc[256];

		b = b ? b + 1 : file;
		if (strlen(b) > 6 &&
		    snprintf(svc, sizeof(svc), "%.*s.service",
			     (int)(strlen(b) - 6), b) < (int)sizeof(svc) &&
		    is_unit(w, svc, strlen(svc)))
			add_hit(w, PORTIER_PLACE_TIMER, PORTIER_MATCH_UNIT,
				file, 0, b, strlen(b));
	}
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* One directory entry (or a named file) at dirfd: file is its root path. */
static void scan_entry(struct walk *w, const struct place *pl, int dirfd,
		       const char *name, const char *file, int depth);

static void scan_dir(struct walk *w, const struct place *pl, int fd,
		     const char *file, int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	size_t count = 0;

	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char sub[4096];

		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] ||
		     (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (++count > INSPECT_DIR_MAX) {
			inspect_note(w->c,
				     "%s: more than %d entries, the rest "
				     "not searched",
				     file, INSPECT_DIR_MAX);
			break;
		}
		if (snprintf(sub, sizeof(sub), "%s/%s", file, de->d_name) >=
		    (int)sizeof(sub))
			continue;
		scan_entry(w, pl, dirfd(d), de->d_name, sub, depth + 1);
	}
	closedir(d);
}

static void scan_entry(struct walk *w, const struct place *pl, int dirfd,
		       const char *name, const char *file, int depth)
{
	struct stat st;
	char *text = NULL;
	int fd, m, rc;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	/* a file named after the hash: a copy kept for later */
	if (!w->units_pass && w->n->sha256 &&
	    (m = inspect_match(
		     name, strlen(name),
		     &(struct inspect_needles){.sha256 = w->n->sha256})) >= 0)
		add_hit(w, pl->place, m, file, 0, name, strlen(name));
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);

		if (n <= 0)
			return;
		target[n] = '\0';
		if (w->units_pass) {
			/* an enabling link: wants/X.service -> .../X.service */
			const char *b = strrchr(target, '/');

			b = b ? b + 1 : target;
			if (pl->how == HOW_UNIT && is_unit(w, b, strlen(b)))
				add_hit(w, PORTIER_PLACE_SYSTEMD,
					PORTIER_MATCH_UNIT, file, 0, target,
					(size_t)n);
		} else if ((m = inspect_match(target, (size_t)n, w->n)) >= 0) {
			add_hit(w, pl->place, m, file, 0, target, (size_t)n);
		}
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		/* units: X.service.d/ drop-ins and *.wants/ links, one deep */
		if (depth >= 2 || pl->how != HOW_UNIT)
			return;
		fd = openat(dirfd, name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			scan_dir(w, pl, fd, file, depth);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		if (!w->units_pass)
			inspect_note(w->c, "%s is not a regular file: not read",
				     file);
		return;
	}
	if (w->units_pass && !ends_with(name, ".timer"))
		return;
	if (++w->files > 50000)
		return;
	rc = portier_file_read(dirfd, NULL, name, PORTIER_FILE_TEXT,
			       INSPECT_FILE_MAX, &text, NULL);
	if (rc < 0) {
		if (rc != PORTIER_ENOENT)
			inspect_note(w->c, "cannot read %s: %s", file,
				     rc == PORTIER_EINVAL ? "too big"
							  : strerror(-rc));
		return;
	}
	scan_text(w, pl, file, text);
	portier_free(text);
}

/*
 * Open the directory rel of the root.  Places under a home directory are
 * the user's to point anywhere with a symbolic link: links are resolved
 * inside the root (never to the host's / when the root is an image), and a
 * directory on procfs or sysfs is refused, so root is never led to read
 * /proc/kmsg or another process's files as if they were persistence.
 */
static int open_place_dir(int rootfd, const char *rel)
{
	struct open_how how = {.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
			       .resolve =
				       RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	struct statfs sf;
	int fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));

	if (fd < 0 && errno == ENOSYS) /* before Linux 5.6 */
		fd = openat(rootfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && fstatfs(fd, &sf) == 0 &&
	    (sf.f_type == PROC_SUPER_MAGIC || sf.f_type == SYSFS_MAGIC)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A place under base (a root-relative directory, "" for the root). */
static void scan_place(struct walk *w, const struct place *pl, const char *base)
{
	char rel[4096], file[4096], dir[4096];
	const char *slash;
	int dfd;

	if (snprintf(rel, sizeof(rel), "%s%s%s", base, base[0] ? "/" : "",
		     pl->path) >= (int)sizeof(rel))
		return;
	if (snprintf(file, sizeof(file), "/%s", rel) >= (int)sizeof(file))
		return;
	if (pl->dir) {
		dfd = open_place_dir(w->c->rootfd, rel);
		if (dfd >= 0 && seen_before(w, dfd))
			close(dfd);
		else if (dfd >= 0)
			scan_dir(w, pl, dfd, file, 0);
		return;
	}
	slash = strrchr(rel, '/');
	if (!slash) {
		scan_entry(w, pl, w->c->rootfd, rel, file, 0);
		return;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - rel), rel);
	dfd = open_place_dir(w->c->rootfd, dir);
	if (dfd < 0)
		return;
	scan_entry(w, pl, dfd, slash + 1, file, 0);
	close(dfd);
}

static void scan_all(struct walk *w)
{
	size_t i, h;

	for (i = 0; i < sizeof(sys_places) / sizeof(sys_places[0]); i++)
		if (!w->units_pass || sys_places[i].how == HOW_UNIT)
			scan_place(w, &sys_places[i], "");
	for (h = 0; h < w->c->n_homes; h++)
		for (i = 0; i < sizeof(home_places) / sizeof(home_places[0]);
		     i++)
			if (!w->units_pass || home_places[i].how == HOW_UNIT)
				scan_place(w, &home_places[i],
					   inspect_rel(w->c, w->c->homes[h]));
}

void inspect_persistence(struct inspect_ctx *c, const struct inspect_needles *n)
{
	struct walk w = {.c = c, .n = n, .first_hit = c->r->n_hits};
	size_t i;

	scan_all(&w);
	if (w.n_units) {
		w.units_pass = true;
		w.n_seen = 0;
		scan_all(&w);
	}
	for (i = 0; i < w.n_units; i++)
		portier_free(w.units[i]);
	portier_free(w.units);
}
