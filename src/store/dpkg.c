/*
 * dpkg.c - which Debian package ships each listener's executable, asked of
 * the one dpkg reader (portier/dpkg.h) in one pass over the lists for all
 * of the snapshot's distinct executables.  The store keeps the package's
 * name, without the ":arch" of a multi-arch list.
 */
#include <fcntl.h>
#include <string.h>

#include "portier/dpkg.h"
#include "portier/store.h"

int portier_store_packages(struct portier_snapshot *s, const char *admindir,
			   struct portier_err *err)
{
	struct portier_dpkg_owner *o;
	int rc;

	o = portier_calloc(s->n + 1, sizeof(*o));
	if (!o)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->n; i++)
		o[i].path = s->l[i].exe;
	rc = portier_dpkg_owners(AT_FDCWD, admindir, o, s->n, 0, NULL, NULL,
				 NULL);
	if (rc == PORTIER_ENOENT) {
		/* no dpkg here: packages stay unknown (NULL) */
		portier_free(o);
		return 0;
	}
	if (rc < 0) {
		portier_free(o);
		return portier_err_set(err, rc, "out of memory");
	}
	for (size_t i = 0; rc == 0 && i < s->n; i++) {
		if (!s->l[i].exe)
			continue;
		s->l[i].package = portier_strndup(o[i].package,
						  strcspn(o[i].package, ":"));
		if (!s->l[i].package)
			rc = portier_err_set(err, PORTIER_ENOMEM,
					     "out of memory");
	}
	portier_free(o);
	return rc;
}
