/*
 * dpkg.c - which Debian package owns a path, read from dpkg's own database
 * (<root>/var/lib/dpkg/info/PKG.list and PKG.md5sums) rather than by
 * running dpkg: the files are plain text, and a tampered dpkg binary could
 * lie.  One pass over the .list files answers for many paths at once; on a
 * merged-/usr system a package may list /bin/x while the process runs
 * /usr/bin/x, so each path's twin is looked for too.
 */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "inspect/inspect_int.h"
#include "portier/file.h"

#define INFO_DIR "var/lib/dpkg/info"

/* The md5 pkg's .md5sums records for path or its twin. */
static void find_md5(int infofd, const char *pkg, struct inspect_owner *o)
{
	char name[160], twin[4096], *text = NULL;
	int rc;

	snprintf(name, sizeof(name), "%s.md5sums", pkg);
	rc = portier_file_read(infofd, INFO_DIR, name, PORTIER_FILE_TEXT,
			       INSPECT_LIST_MAX, &text, NULL);
	if (rc < 0)
		return; /* a package without sums: nothing to verify */
	if (!inspect_md5sums_find(text, strlen(text), o->path, o->md5) &&
	    inspect_usr_alias(o->path, twin, sizeof(twin)))
		inspect_md5sums_find(text, strlen(text), twin, o->md5);
	portier_free(text);
}

void inspect_dpkg_owners(struct inspect_ctx *c, struct inspect_owner *o,
			 size_t n)
{
	char twin[4096];
	size_t i, left = n, seen = 0;
	int infofd, dfd;
	DIR *d;
	struct dirent *de;

	for (i = 0; i < n; i++) {
		o[i].package[0] = o[i].md5[0] = '\0';
		if (!o[i].path[0])
			left--; /* "": nothing to look up */
	}
	infofd =
		openat(c->rootfd, INFO_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (infofd < 0) {
		inspect_note(c,
			     "no dpkg database at %s/" INFO_DIR
			     ": package ownership unknown",
			     c->root);
		return;
	}
	c->r->dpkg_db = true;
	dfd = dup(infofd);
	d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d && dfd >= 0)
		close(dfd);
	while (d && left && (de = readdir(d)) != NULL &&
	       seen++ < 20 * INSPECT_DIR_MAX) {
		size_t nl = strlen(de->d_name);
		char *text = NULL, pkg[128];

		if (nl < 6 || nl - 5 >= sizeof(pkg) ||
		    strcmp(de->d_name + nl - 5, ".list") != 0)
			continue;
		if (portier_file_read(infofd, INFO_DIR, de->d_name,
				      PORTIER_FILE_TEXT, INSPECT_LIST_MAX,
				      &text, NULL) < 0) {
			inspect_note(c,
				     "cannot read dpkg list %s (too big, "
				     "not a file, or unreadable)",
				     de->d_name);
			continue;
		}
		memcpy(pkg, de->d_name, nl - 5);
		pkg[nl - 5] = '\0';
		for (i = 0; i < n; i++) {
			size_t len = strlen(text);

			if (o[i].package[0] || !o[i].path[0])
				continue;
			if (inspect_dpkg_list_has(text, len, o[i].path) ||
			    (inspect_usr_alias(o[i].path, twin, sizeof(twin)) &&
			     inspect_dpkg_list_has(text, len, twin))) {
				portier_strlcpy(o[i].package, pkg,
						sizeof(o[i].package));
				find_md5(infofd, pkg, &o[i]);
				left--;
			}
		}
		portier_free(text);
	}
	if (d)
		closedir(d);
	close(infofd);
}
