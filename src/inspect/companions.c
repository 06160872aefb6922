/*
 * companions.c - files that arrived with the binary: those whose mtime or
 * ctime lies within the window (--window minutes) of the binary's, in the
 * binary's own directory and in the usual drop directories (/tmp,
 * /var/tmp, /dev/shm, ~/.cache, ~/.config).  Files a package owns whose
 * md5sum still verifies are left out: an update touches many at once.
 */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inspect/inspect_int.h"
#include "portier/file.h"

struct cwalk {
	struct inspect_ctx *c;
	const struct portier_inspect_exe *exe;
	char exe_path[4096]; /* as seen from the root */
	int64_t window;
	size_t entries;
};

static bool near(int64_t a, int64_t b, int64_t w)
{
	return a >= b - w && a <= b + w;
}

static void add(struct cwalk *cw, const char *file, const struct stat *st)
{
	struct inspect_ctx *c = cw->c;
	struct portier_inspect *r = c->r;
	struct portier_inspect_companion *k;
	size_t i;

	for (i = 0; i < r->n_companions; i++)
		if (strcmp(r->companions[i].path, file) == 0)
			return;
	if (inspect_room(c, &r->companions, &c->cap_comp, r->n_companions,
			 sizeof(*r->companions), INSPECT_COMP_MAX,
			 &c->comp_full, "companion files") < 0)
		return;
	k = &r->companions[r->n_companions];
	k->path = portier_strdup(file);
	if (!k->path) {
		c->err = PORTIER_ENOMEM;
		return;
	}
	k->size = (uint64_t)st->st_size;
	k->mtime = st->st_mtim.tv_sec;
	k->ctime = st->st_ctim.tv_sec;
	r->n_companions++;
}

static void walk_dir(struct cwalk *cw, int fd, const char *dir, int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;

	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char file[4096];
		struct stat st;

		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] ||
		     (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (++cw->entries > 10 * INSPECT_DIR_MAX)
			break;
		if (snprintf(file, sizeof(file), "%s/%s",
			     strcmp(dir, "/") ? dir : "",
			     de->d_name) >= (int)sizeof(file) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub;

			if (depth <= 0)
				continue;
			sub = openat(dirfd(d), de->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					     O_CLOEXEC);
			if (sub >= 0)
				walk_dir(cw, sub, file, depth - 1);
			continue;
		}
		if (strcmp(file, cw->exe_path) == 0)
			continue; /* the binary itself */
		if (near(st.st_mtim.tv_sec, cw->exe->mtime, cw->window) ||
		    near(st.st_ctim.tv_sec, cw->exe->ctime, cw->window))
			add(cw, file, &st);
	}
	closedir(d);
}

static void walk(struct cwalk *cw, const char *dir, int depth)
{
	const char *rel = inspect_rel(cw->c, dir);
	char shown[4096];
	int fd = openat(cw->c->rootfd, rel[0] ? rel : ".",
			O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	snprintf(shown, sizeof(shown), "/%s", rel);
	if (fd >= 0)
		walk_dir(cw, fd, shown, depth);
}

static const char *const drops[] = {"/tmp/", "/var/tmp/", "/dev/shm/"};

/* Could a package own path?  Not in a drop directory or a home, unless
 * it is the binary's own directory (exe_dir, with its '/'). */
static bool packageable(const char *path, const char *exe_dir)
{
	size_t i;

	if (strncmp(path, exe_dir, strlen(exe_dir)) == 0 &&
	    !strchr(path + strlen(exe_dir), '/'))
		return true;
	for (i = 0; i < sizeof(drops) / sizeof(drops[0]); i++)
		if (strncmp(path, drops[i], strlen(drops[i])) == 0)
			return false;
	return strncmp(path, "/home/", 6) != 0 &&
	       strncmp(path, "/root/", 6) != 0;
}

/* Drop the companions dpkg owns whose content still matches its md5. */
static void drop_packaged(struct inspect_ctx *c, const char *exe_dir)
{
	struct portier_inspect *r = c->r;
	struct portier_dpkg_owner *o;
	size_t i, kept = 0;

	if (!r->n_companions)
		return;
	/* packages install nothing in the drop directories and homes: the
	 * pass over dpkg's lists is for the other files */
	for (i = 0; i < r->n_companions; i++)
		if (packageable(r->companions[i].path, exe_dir))
			break;
	if (i == r->n_companions)
		return;
	o = portier_calloc(r->n_companions, sizeof(*o));
	if (!o) {
		c->err = PORTIER_ENOMEM;
		return;
	}
	for (i = 0; i < r->n_companions; i++)
		o[i].path = packageable(r->companions[i].path, exe_dir)
				    ? r->companions[i].path
				    : "";
	inspect_dpkg_owners(c, o, r->n_companions);
	for (i = 0; i < r->n_companions; i++) {
		FILE *f = NULL;
		int ok = -1;

		/* a FIFO or device planted where dpkg has a file must not
		 * block the run: opened without blocking, regular files only */
		if (o[i].md5[0] &&
		    portier_file_open_read(c->rootfd, NULL,
					   inspect_rel(c, o[i].path), 0, &f,
					   NULL) == 0) {
			ok = portier_dpkg_verify_fd(&o[i], fileno(f), 0);
			fclose(f);
		}
		if (ok == 1) {
			portier_free(r->companions[i].path);
			continue;
		}
		r->companions[kept++] = r->companions[i];
	}
	r->n_companions = kept;
	portier_free(o);
}

void inspect_companions(struct inspect_ctx *c,
			const struct portier_inspect_proc *p)
{
	struct cwalk cw = {.c = c, .exe = &p->exe};
	size_t i;

	if (!p->exe.opened || !p->exe.path || p->exe.memfd)
		return;
	cw.window = (int64_t)c->r->window_min * 60;
	snprintf(cw.exe_path, sizeof(cw.exe_path), "/%s",
		 inspect_rel(c, p->exe.path));
	{
		char dir[4096];
		const char *slash = strrchr(p->exe.path, '/');

		if (slash && slash > p->exe.path) {
			snprintf(dir, sizeof(dir), "%.*s",
				 (int)(slash - p->exe.path), p->exe.path);
			walk(&cw, dir, 0);
		}
	}
	for (i = 0; i < sizeof(drops) / sizeof(drops[0]); i++) {
		char d[32];

		/* "/tmp/" -> "/tmp" */
		snprintf(d, sizeof(d), "%.*s", (int)strlen(drops[i]) - 1,
			 drops[i]);
		walk(&cw, d, 3);
	}
	for (i = 0; i < c->n_homes; i++) {
		char d[4096];

		snprintf(d, sizeof(d), "%s/.cache", c->homes[i]);
		walk(&cw, d, 3);
		snprintf(d, sizeof(d), "%s/.config", c->homes[i]);
		walk(&cw, d, 3);
	}
	{
		char *slash = strrchr(cw.exe_path, '/');

		if (slash)
			slash[1] = '\0';
		drop_packaged(c, cw.exe_path);
	}
}
