/*
 * owned.c - dpkg ownership and verification of arbitrary files, for
 * callers outside inspect (clean leaves packaged files that still verify
 * alone).  The database is read by the one dpkg reader (dpkg.h), as in
 * inspect's own run; this only sets up its context and checks the sums.
 */
#include <fcntl.h>
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
