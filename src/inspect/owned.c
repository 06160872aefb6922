/*
 * owned.c - dpkg ownership and verification of arbitrary files, for
 * callers outside inspect (clean leaves packaged files that still verify
 * alone), and the one lookup of inspect's owners' executables.  The database is read by the one dpkg reader (dpkg.h), as in
 * inspect's own run; this only sets up its context and checks the sums.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "inspect/inspect_int.h"
#include "portier/dpkg.h"

int portier_inspect_owners(const char *root, struct portier_inspect_owned *o,
			   size_t n, struct portier_err *err)
{
	struct inspect_ctx c = {.rootfd = -1, .procfd = -1};
	struct portier_inspect r = {0};
	struct portier_dpkg_owner *io;
	char rootbuf[4096];
	size_t i;
	int rc = 0;

	root = root && root[0] ? root : "/";
	portier_strlcpy(rootbuf, root, sizeof(rootbuf));
	for (i = strlen(rootbuf); i > 0 && rootbuf[i - 1] == '/'; i--)
		rootbuf[i - 1] = '\0';
	c.root = rootbuf;
	c.r = &r;
	c.rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.rootfd < 0)
		return portier_err_set(err, PORTIER_EIO,
				       "cannot open root '%s': %s", root,
				       strerror(errno));
	io = portier_calloc(n ? n : 1, sizeof(*io));
	if (!io) {
		close(c.rootfd);
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++)
		io[i].path = o[i].path ? o[i].path : "";
	inspect_dpkg_owners(&c, io, n);
	if (!r.dpkg_db)
		rc = portier_err_set(err, PORTIER_ENOENT,
				     "no dpkg database under '%s'", root);
	for (i = 0; i < n; i++) {
		int fd;

		portier_strlcpy(o[i].package, io[i].package,
				sizeof(o[i].package));
		o[i].verified = -1;
		if (!io[i].package[0] || !io[i].md5[0])
			continue;
		fd = openat(c.rootfd, inspect_rel(&c, o[i].path),
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		/* a packaged file that is gone or unreadable does not verify */
		o[i].verified =
			fd >= 0 && portier_dpkg_verify_fd(&io[i], fd, 0) == 1;
		if (fd >= 0)
			close(fd);
	}
	for (i = 0; i < r.n_notes; i++)
		portier_free(r.notes[i]);
	portier_free(r.notes);
	portier_free(io);
	close(c.rootfd);
	return rc;
}

/* One pass for every owner read through the host's root (a container's
 * are read through its own): one process per worker of a server would
 * otherwise read every list again.  Without memory each owner asks alone. */
struct inspect_pre *inspect_dpkg_pre(struct inspect_ctx *c)
{
	struct portier_inspect *r = c->r;
	struct portier_dpkg_owner *o;
	struct inspect_pre *pre;
	size_t i, n = 0;

	if (!r->n_procs)
		return NULL;
	pre = portier_calloc(r->n_procs, sizeof(*pre));
	o = portier_calloc(r->n_procs, sizeof(*o));
	for (i = 0; pre && o && i < r->n_procs; i++) {
		const struct portier_inspect_proc *p = &r->procs[i];

		if (!p->owner || !p->exe.path || p->exe.memfd ||
		    (!c->root[0] && inspect_other_mnt(c, p->pid)))
			continue;
		snprintf(pre[i].shown, sizeof(pre[i].shown), "/%s",
			 inspect_rel(c, p->exe.path));
		o[n++].path = pre[i].shown;
	}
	if (!pre || !o) {
		portier_free(pre);
		portier_free(o);
		return NULL;
	}
	if (n)
		inspect_dpkg_owners(c, o, n);
	for (i = 0, n = 0; i < r->n_procs; i++)
		if (pre[i].shown[0]) {
			pre[i].o = o[n++];
			pre[i].o.path = pre[i].shown;
		}
	portier_free(o);
	return pre;
}
