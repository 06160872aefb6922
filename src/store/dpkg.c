/*
 * dpkg.c - which Debian package ships each listener's executable, asked of
 * the one dpkg reader (portier/dpkg.h) in one pass over the lists for all
 * of the snapshot's distinct executables.  The store keeps the package's
 * name, without the ":arch" of a multi-arch list, and whether the
 * executable's MD5 (hashed with its SHA-256) is the one the package
 * recorded.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portier/dpkg.h"
#include "portier/store.h"

static int str_qcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int owner_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct portier_dpkg_owner *)elem)->path);
}

/* Does x's executable match the md5sum its owner k recorded? */
static uint8_t verified(const struct portier_dpkg_owner *k,
			const struct portier_listener *x)
{
	char md5[33];

	if (!x->have_md5)
		return PORTIER_PKG_UNKNOWN;
	for (int i = 0; i < 16; i++)
		snprintf(md5 + 2 * i, 3, "%02x", x->md5[i]);
	switch (portier_dpkg_verify_md5(k, md5)) {
	case 1:
		return PORTIER_PKG_VERIFIES;
	case 0:
		return PORTIER_PKG_DIFFERS;
	default: /* no package or no recorded sum */
		return PORTIER_PKG_UNKNOWN;
	}
}

int portier_store_packages(struct portier_snapshot *s, const char *admindir,
			   struct portier_err *err)
{
	struct portier_dpkg_owner *o = NULL;
	const char **exes;
	size_t n = 0, w = 0;
	int rc = PORTIER_ENOMEM;

	/* the snapshot's distinct executables, sorted: one lookup each */
	exes = portier_calloc(s->n + 1, sizeof(*exes));
	if (!exes)
		goto out;
	for (size_t i = 0; i < s->n; i++)
		if (s->l[i].exe)
			exes[n++] = s->l[i].exe;
	if (n)
		qsort(exes, n, sizeof(*exes), str_qcmp);
	for (size_t i = 0; i < n; i++)
		if (!w || strcmp(exes[w - 1], exes[i]) != 0)
			exes[w++] = exes[i];
	o = portier_calloc(w + 1, sizeof(*o));
	if (!o)
		goto out;
	for (size_t i = 0; i < w; i++)
		o[i].path = exes[i];
	rc = portier_dpkg_owners(AT_FDCWD, admindir, o, w, PORTIER_DPKG_MD5,
				 NULL, NULL, NULL);
	if (rc == PORTIER_ENOENT) {
		rc = 0; /* no dpkg here: packages stay unknown (NULL) */
		goto out;
	}
	for (size_t i = 0; rc == 0 && i < s->n; i++) {
		const struct portier_dpkg_owner *k;
		const char *pkg;

		if (!s->l[i].exe)
			continue;
		k = bsearch(s->l[i].exe, o, w, sizeof(*o), owner_cmp);
		pkg = k ? k->package : "";
		portier_free(s->l[i].package); /* asked again: the new answer */
		s->l[i].package = portier_strndup(pkg, strcspn(pkg, ":"));
		if (!s->l[i].package)
			rc = PORTIER_ENOMEM;
		s->l[i].pkg_verified =
			k ? verified(k, &s->l[i]) : PORTIER_PKG_UNKNOWN;
	}
out:
	portier_free(exes);
	portier_free(o);
	return rc < 0 ? portier_err_set(err, rc, "out of memory") : 0;
}
