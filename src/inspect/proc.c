/*
 * proc.c - one process as inspect reports it: parent, command line, user,
 * cwd, start time, cgroup, network namespace, and (for the socket owners)
 * the executable, opened through <proc>/PID/exe so that the bytes hashed
 * are the ones that run, even when the file was deleted or replaced.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "inspect/inspect_int.h"
#include "portier/file.h"

#define EXE_HASH_MAX ((uint64_t)1 << 31) /* 2 GiB: more is noted */

/* Read <proc>/PID/name into buf (NUL-terminated); its length or -errno. */
static ssize_t read_proc(struct inspect_ctx *c, int pid, const char *name,
			 char *buf, size_t cap)
{
	char path[64];
	size_t len = 0;
	int fd;

	snprintf(path, sizeof(path), "%d/%s", pid, name);
	fd = openat(c->procfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	while (len + 1 < cap) {
		ssize_t n = read(fd, buf + len, cap - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

static char *link_of(struct inspect_ctx *c, int pid, const char *name)
{
	char path[64], buf[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "%d/%s", pid, name);
	n = readlinkat(c->procfd, path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return portier_strdup(buf);
}

/* Seconds since the epoch the system booted (<proc>/stat btime), or 0;
 * read once per run, whatever the length of the lines before it (the intr
 * line of a large machine runs to many kilobytes). */
static int64_t boot_time(struct inspect_ctx *c)
{
	char *text = NULL;
	const char *b;

	if (c->btime)
		return c->btime > 0 ? c->btime : 0;
	c->btime = -1;
	if (portier_file_read(c->procfd, NULL, "stat", PORTIER_FILE_TEXT,
			      INSPECT_FILE_MAX, &text, NULL) < 0)
		return 0;
	b = portier_text_line(text, "btime ");
	if (b && strtoll(b, NULL, 10) > 0)
		c->btime = strtoll(b, NULL, 10);
	portier_free(text);
	return c->btime > 0 ? c->btime : 0;
}

/* ppid and start time from <proc>/PID/stat; false if it cannot be read. */
static bool read_stat(struct inspect_ctx *c, struct portier_inspect_proc *p)
{
	char buf[2048], *rp, *f, *save = NULL;
	int i = 0;
	ssize_t n = read_proc(c, p->pid, "stat", buf, sizeof(buf));

	if (n <= 0 || !(rp = strrchr(buf, ')')))
		return false;
	{
		char *lp = strchr(buf, '(');

		if (lp && lp < rp)
			portier_strlcpy(p->comm, lp + 1,
					(size_t)(rp - lp) < sizeof(p->comm)
						? (size_t)(rp - lp)
						: sizeof(p->comm));
	}
	/* fields from 3 (state) on */
	for (f = strtok_r(rp + 1, " ", &save); f;
	     f = strtok_r(NULL, " ", &save), i++) {
		if (i == 1)
			p->ppid = atoi(f);
		if (i == 19) {
			long hz = sysconf(_SC_CLK_TCK);
			int64_t bt = boot_time(c);

			if (hz > 0 && bt > 0)
				p->start = bt + strtoll(f, NULL, 10) / hz;
			break;
		}
	}
	return true;
}

static void read_exe(struct inspect_ctx *c, struct portier_inspect_proc *p)
{
	struct portier_inspect_exe *e = &p->exe;
	char path[64];
	struct stat st;
	uint64_t size = 0;
	int fd, rc;

	e->verified = -1;
	e->path = link_of(c, p->pid, "exe");
	if (e->path) {
		size_t len = strlen(e->path);

		if (len > 10 && strcmp(e->path + len - 10, " (deleted)") == 0) {
			e->deleted = true;
			e->path[len - 10] = '\0';
		}
		e->memfd = strncmp(e->path, "/memfd:", 7) == 0;
	}
	snprintf(path, sizeof(path), "%d/exe", p->pid);
	fd = openat(c->procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		inspect_note(c, "pid %d: cannot open its executable: %s",
			     p->pid, strerror(errno));
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		inspect_note(c, "pid %d: its executable is not a regular file",
			     p->pid);
		close(fd);
		return;
	}
	rc = portier_digests_fd(fd, EXE_HASH_MAX, e->sha256, e->md5, &size);
	if (rc < 0) {
		inspect_note(c, "pid %d: cannot read its executable: %s",
			     p->pid, strerror(-rc));
		close(fd);
		return;
	}
	if (size < (uint64_t)st.st_size)
		inspect_note(c,
			     "pid %d: only the first %llu bytes of its "
			     "executable were hashed",
			     p->pid, (unsigned long long)size);
	e->opened = true;
	e->size = (uint64_t)st.st_size;
	e->mtime = st.st_mtim.tv_sec;
	e->ctime = st.st_ctim.tv_sec;
	e->uid = st.st_uid;
	e->gid = st.st_gid;
	e->mode = st.st_mode;
	e->caps = fgetxattr(fd, "security.capability", NULL, 0) > 0;
	close(fd);
}

/* The user name of uid from <root>/etc/passwd, else the number. */
static char *user_of(struct inspect_ctx *c, uint32_t uid)
{
	char *text = NULL, num[16], *line, *save = NULL, *name = NULL;

	if (inspect_read(c, "etc/passwd", INSPECT_FILE_MAX, &text) == 0) {
		for (line = strtok_r(text, "\n", &save); line && !name;
		     line = strtok_r(NULL, "\n", &save)) {
			char *c1 = strchr(line, ':'), *c2, *c3, *end;
			unsigned long u;

			if (!c1 || !(c2 = strchr(c1 + 1, ':')) ||
			    !(c3 = strchr(c2 + 1, ':')))
				continue;
			if (c3 == c2 + 1)
				continue; /* no uid: never read as 0 */
			*c1 = *c3 = '\0';
			u = strtoul(c2 + 1, &end, 10);
			if (*end == '\0' && u == uid)
				name = portier_strdup(line);
		}
	}
	portier_free(text);
	if (name)
		return name;
	snprintf(num, sizeof(num), "%u", uid);
	return portier_strdup(num);
}

int inspect_proc_read(struct inspect_ctx *c, int pid, bool owner,
		      struct portier_inspect_proc *p)
{
	char buf[4096];
	ssize_t n;
	const char *uidl, *cg;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->owner = owner;
	p->exe.verified = -1;
	if (!read_stat(c, p)) {
		p->gone = true;
		inspect_note(c, "pid %d vanished while it was inspected", pid);
		return PORTIER_ENOENT;
	}
	n = read_proc(c, pid, "cmdline", buf, sizeof(buf));
	if (n > 0) {
		ssize_t i;

		while (n > 0 && buf[n - 1] == '\0')
			n--;
		for (i = 0; i < n; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		buf[n] = '\0';
		p->cmdline = portier_strdup(buf);
	}
	p->uid = UINT32_MAX;
	if (read_proc(c, pid, "status", buf, sizeof(buf)) > 0) {
		uidl = portier_text_line(buf, "Uid:");
		if (uidl) {
			p->uid = (uint32_t)strtoul(uidl, NULL, 10);
			p->user = user_of(c, p->uid);
		}
	}
	p->cwd = link_of(c, pid, "cwd");
	n = read_proc(c, pid, "cgroup", buf, sizeof(buf));
	/* the unified hierarchy's line ("0::/path"), at a line's start */
	cg = n > 0 ? portier_text_line(buf, "0::") : NULL;
	if (cg) {
		const char *e = strchr(cg, '\n'), *u;
		size_t len = e ? (size_t)(e - cg) : strlen(cg);

		p->cgroup = portier_strndup(cg, len);
		/* the innermost .service or .scope names the unit */
		if (p->cgroup && (u = strrchr(p->cgroup, '/')) != NULL &&
		    (strstr(u, ".service") || strstr(u, ".scope")))
			p->unit = portier_strdup(u + 1);
	}
	{
		char *ns = link_of(c, pid, "ns/net");

		if (ns && strncmp(ns, "net:[", 5) == 0)
			p->netns = strtoull(ns + 5, NULL, 10);
		portier_free(ns);
	}
	if (owner)
		read_exe(c, p);
	return 0;
}

void inspect_proc_clear(struct portier_inspect_proc *p)
{
	portier_free(p->cmdline);
	portier_free(p->cwd);
	portier_free(p->user);
	portier_free(p->cgroup);
	portier_free(p->unit);
	portier_free(p->container);
	portier_free(p->root);
	portier_free(p->exe.path);
	memset(p, 0, sizeof(*p));
}
