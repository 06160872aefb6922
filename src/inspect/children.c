/*
 * children.c - the descendants of a process, for callers that stop a
 * whole process tree (clean).  One pass over <proc_root>/[pid]/stat gives
 * each process's parent; the tree is then walked from the given pid.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portier/inspect.h"

#define PROCS_MAX (1u << 22)

/* pid, ppid and comm from one stat file; false if it cannot be read. */
static bool read_stat(int procfd, const char *name,
		      struct portier_inspect_child *c)
{
	char path[64], buf[1024], *lp, *rp;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/stat", name);
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	lp = strchr(buf, '(');
	rp = strrchr(buf, ')');
	if (!lp || !rp || rp < lp || !rp[1] || !rp[2] || rp[2] == 'Z' ||
	    rp[2] == 'X')
		return false;
	c->pid = atoi(buf);
	portier_strlcpy(c->comm, lp + 1,
			(size_t)(rp - lp) < sizeof(c->comm) ? (size_t)(rp - lp)
							    : sizeof(c->comm));
	c->ppid = atoi(rp + 4); /* ") S ppid" */
	return c->pid > 0;
}

int portier_inspect_child_read(const char *proc_root, int pid,
			       struct portier_inspect_child *c)
{
	char name[16];
	int procfd = open(proc_root ? proc_root : "/proc",
			  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool ok;

	if (procfd < 0)
		return PORTIER_ENOENT;
	snprintf(name, sizeof(name), "%d", pid);
	ok = read_stat(procfd, name, c) && c->pid == pid;
	close(procfd);
	return ok ? 0 : PORTIER_ENOENT;
}

int portier_inspect_descendants(const char *proc_root, int pid,
				struct portier_inspect_child **out, size_t *n,
				struct portier_err *err)
{
	struct portier_inspect_child *all = NULL, *res = NULL, c;
	size_t n_all = 0, cap_all = 0, n_res = 0, cap_res = 0, i, done = 0;
	struct dirent *de;
	int procfd, dfd;
	DIR *d;

	*out = NULL;
	*n = 0;
	procfd = open(proc_root ? proc_root : "/proc",
		      O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dfd = procfd >= 0 ? dup(procfd) : -1;
	d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		if (procfd >= 0)
			close(procfd);
		return portier_err_set(err, PORTIER_EIO, "cannot read '%s'",
				       proc_root ? proc_root : "/proc");
	}
	while ((de = readdir(d)) != NULL && n_all < PROCS_MAX) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    !read_stat(procfd, de->d_name, &c))
			continue;
		if (portier_grow(&all, &cap_all, n_all + 1, sizeof(*all), 256) <
		    0)
			goto nomem;
		all[n_all++] = c;
	}
	/* breadth first: res holds the tree found so far, done the part
	 * whose children were looked for */
	for (i = 0; i < n_all; i++)
		if (all[i].ppid == pid && all[i].pid != pid) {
			if (portier_grow(&res, &cap_res, n_res + 1,
					 sizeof(*res), 8) < 0)
				goto nomem;
			res[n_res++] = all[i];
		}
	while (done < n_res) {
		int parent = res[done++].pid;

		for (i = 0; i < n_all; i++) {
			size_t j;
			bool seen = all[i].pid == pid;

			if (all[i].ppid != parent)
				continue;
			for (j = 0; j < n_res && !seen; j++)
				seen = res[j].pid == all[i].pid;
			if (seen)
				continue;
			if (portier_grow(&res, &cap_res, n_res + 1,
					 sizeof(*res), 8) < 0)
				goto nomem;
			res[n_res++] = all[i];
		}
	}
	closedir(d);
	close(procfd);
	portier_free(all);
	*out = res;
	*n = n_res;
	return 0;
nomem:
	closedir(d);
	close(procfd);
	portier_free(all);
	portier_free(res);
	return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
}
