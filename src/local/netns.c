/*
 * netns.c - network namespaces: find them all, and step into one.
 *
 * A namespace is known by the inode of its nsfs file.  Named namespaces
 * (ip netns add) are bind mounts in /run/netns; the others exist only
 * because some process lives in them (containers), so <proc>/[pid]/ns/net
 * is walked too and each inode seen for the first time is labelled by
 * that process.  Entering uses setns(2) on the calling thread, which needs
 * CAP_SYS_ADMIN; a netlink socket opened inside keeps speaking for that
 * namespace after we step back out.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "local/local_int.h"

#define NETNS_RUN_DIR "/run/netns"

struct ns_list {
	struct portier_netns *v;
	size_t n, cap;
};

static int ns_add(struct ns_list *l, uint64_t ino, const char *label,
		  const char *path)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].inode == ino)
			return 0;
	if (portier_grow(&l->v, &l->cap, l->n + 1, sizeof(*l->v), 16) < 0)
		return PORTIER_ENOMEM;
	l->v[l->n].inode = ino;
	l->v[l->n].pid = 0;
	portier_strlcpy(l->v[l->n].label, label, sizeof(l->v[0].label));
	portier_strlcpy(l->v[l->n].path, path, sizeof(l->v[0].path));
	l->n++;
	return 0;
}

/*
 * The namespace inode of <proc>/PID/ns/net (path; pid relative to procfd).
 * The kernel's link reads "net:[INODE]": one readlink, cheaper than a stat
 * that follows it into nsfs (10,000 processes cost a visible fraction of
 * inspect).  Anything else (a test's proc root links to the real file) is
 * followed by stat.
 */
static int ns_inode(int procfd, const char *pid, const char *path,
		    uint64_t *ino)
{
	char rel[64], buf[64], *end;
	struct stat st;
	ssize_t n;

	snprintf(rel, sizeof(rel), "%.32s/ns/net", pid);
	n = readlinkat(procfd, rel, buf, sizeof(buf) - 1);
	if (n > 6 && strncmp(buf, "net:[", 5) == 0 && buf[n - 1] == ']') {
		buf[n - 1] = '\0';
		errno = 0;
		*ino = strtoull(buf + 5, &end, 10);
		if (!errno && *end == '\0' && end > buf + 5)
			return 0;
	}
	if (stat(path, &st) < 0)
		return -1;
	*ino = st.st_ino;
	return 0;
}

int portier_netns_list(const char *proc_root, struct portier_netns **out,
		       size_t *n, struct portier_err *err)
{
	struct ns_list l = {0};
	char path[300], label[80], comm[32];
	struct stat st;
	struct dirent *de;
	DIR *d;
	int rc;
	struct local_arena *a;
	const char *ct = NULL, *cgp, *unit;
	char cg[2048];
	ssize_t cg_len;
	uint64_t ino;

	if (!proc_root)
		proc_root = "/proc";
	snprintf(path, sizeof(path), "%s/self/ns/net", proc_root);
	if (stat(path, &st) < 0)
		return portier_err_set(err, -errno,
				       "cannot read own network namespace "
				       "'%s': %s",
				       path, strerror(errno));
	rc = ns_add(&l, st.st_ino, "", path);
	a = local_arena_new(); /* for cgroup parsing; NULL: no labels */

	d = opendir(NETNS_RUN_DIR);
	while (rc == 0 && d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR,
			 de->d_name);
		if (stat(path, &st) == 0)
			rc = ns_add(&l, st.st_ino, de->d_name, path);
	}
	if (d)
		closedir(d);

	d = opendir(proc_root);
	while (rc == 0 && d && (de = readdir(d)) != NULL) {
		ssize_t k;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s/ns/net", proc_root,
			 de->d_name);
		if (ns_inode(dirfd(d), de->d_name, path, &ino) < 0)
			continue;
		/* a namespace seen before: only remember a process of it (the
		 * labels are read once per namespace, not once per process) */
		for (k = 0; k < (ssize_t)l.n; k++)
			if (l.v[k].inode == ino)
				break;
		if (k < (ssize_t)l.n) {
			if (!l.v[k].pid)
				l.v[k].pid = atoi(de->d_name);
			continue;
		}
		snprintf(label, sizeof(label), "%.32s/comm", de->d_name);
		k = local_read_small(dirfd(d), label, comm, sizeof(comm));
		if (k > 0 && comm[k - 1] == '\n')
			comm[k - 1] = '\0';
		/* a container's namespace: say which container */
		ct = NULL;
		snprintf(label, sizeof(label), "%.32s/cgroup", de->d_name);
		cg_len = local_read_small(dirfd(d), label, cg, sizeof(cg));
		if (cg_len > 0 && a)
			local_cgroup_parse(cg, (size_t)cg_len, a, &cgp, &unit,
					   &ct);
		snprintf(label, sizeof(label), "pid %.16s (%.32s)%s%.30s",
			 de->d_name, k > 0 ? comm : "?", ct ? " " : "",
			 ct ? ct : "");
		rc = ns_add(&l, ino, label, path);
		if (rc == 0)
			l.v[l.n - 1].pid = atoi(de->d_name);
	}
	if (d)
		closedir(d);
	local_arena_free(a);
	if (rc < 0) {
		portier_free(l.v);
		return portier_err_set(err, rc,
				       "out of memory listing "
				       "network namespaces");
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

/* Open the namespace file that name stands for. */
static int netns_open(const char *name, struct portier_err *err)
{
	char path[300];
	int fd;

	if (strchr(name, '/')) {
		if (name[0] != '/')
			return portier_err_set(err, PORTIER_EINVAL,
					       "network namespace '%s' is "
					       "neither a name nor an absolute "
					       "path",
					       name);
		portier_strlcpy(path, name, sizeof(path));
	} else {
		if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			return portier_err_set(err, PORTIER_EINVAL,
					       "'%s' is not a network "
					       "namespace name",
					       name);
		snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, name);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		portier_err_set(err, e == ENOENT ? PORTIER_ENOENT : -e,
				"no network namespace '%s' (%s: %s)", name,
				path, strerror(e));
		portier_err_hint(err, "'ip netns list' shows the names; "
				      "--all-netns reads every namespace");
		return err ? err->code : -e;
	}
	return fd;
}

int portier_netns_enter(const char *name, int *restore, struct portier_err *err)
{
	int fd, self;

	fd = netns_open(name, err);
	if (fd < 0)
		return fd;
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		int e = errno;

		close(fd);
		return portier_err_set(err, -e,
				       "cannot open own network namespace: %s",
				       strerror(e));
	}
	if (local_setns(fd, CLONE_NEWNET) < 0) {
		int e = errno;

		close(fd);
		close(self);
		portier_err_set(err, e == EPERM ? PORTIER_EPERM : -e,
				"cannot enter network namespace '%s': %s", name,
				strerror(e));
		if (e == EPERM)
			portier_err_hint(err, "entering a namespace needs "
					      "root (CAP_SYS_ADMIN)");
		return err ? err->code : -e;
	}
	close(fd);
	*restore = self;
	return 0;
}

int (*local_setns)(int fd, int nstype) = setns;

int local_netns_return(int self, struct portier_err *err)
{
	int e = 0;

	/* rare (the namespace was ours a moment ago) but not impossible: a
	 * seccomp filter, or a thread that gained a user namespace */
	if (local_setns(self, CLONE_NEWNET) < 0)
		e = errno;
	close(self);
	if (!e)
		return 0;
	portier_err_set(err, PORTIER_EIO,
			"cannot return to the original network namespace: %s",
			strerror(e));
	portier_err_hint(err, "nothing read after this point could be "
			      "trusted, so portier stopped; run it again");
	return PORTIER_EIO;
}

int portier_netns_leave(int restore, struct portier_err *err)
{
	if (restore < 0)
		return 0;
	return local_netns_return(restore, err);
}
