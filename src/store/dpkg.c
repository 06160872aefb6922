/*
 * dpkg.c - which Debian package ships each listener's executable, from
 * dpkg's own lists (<admindir>/info/PACKAGE[:ARCH].list, one path a line).
 * Every list is read once per snapshot and each line looked up among the
 * snapshot's distinct executables (sorted, binary search).  On a merged-/usr
 * system the kernel names /usr/bin/x what the package lists as /bin/x, so
 * a listed /bin, /sbin or /lib* path is also tried under /usr.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portier/file.h"
#include "portier/store.h"

static int str_qcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The index of path among exes[0..n), or -1. */
static long find(char *const *exes, size_t n, const char *path)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(exes[mid], path);

		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static bool merged_alias(const char *p)
{
	return !strncmp(p, "/bin/", 5) || !strncmp(p, "/sbin/", 6) ||
	       !strncmp(p, "/lib", 4);
}

/* Look the lines of one list up; owner[i] gets pkg for each match. */
static void scan_list(FILE *f, char *const *exes, size_t n, const char **owner,
		      const char *pkg)
{
	char line[4096], alias[4100];

	while (fgets(line, sizeof line, f)) {
		long i;

		line[strcspn(line, "\n")] = '\0';
		i = find(exes, n, line);
		if (i < 0 && merged_alias(line)) {
			snprintf(alias, sizeof alias, "/usr%s", line);
			i = find(exes, n, alias);
		}
		if (i >= 0 && !owner[i])
			owner[i] = pkg;
	}
}

int portier_store_packages(struct portier_snapshot *s, const char *admindir,
			   struct portier_err *err)
{
	char info[4096], **exes = NULL, **names = NULL;
	const char **owner = NULL;
	size_t n = 0, w = 0, n_names = 0, cap_names = 0;
	struct dirent *de;
	DIR *d;
	int rc = PORTIER_ENOMEM;

	snprintf(info, sizeof info, "%s/info", admindir);
	d = opendir(info);
	if (!d)
		return 0; /* no dpkg here: packages stay unknown (NULL) */
	exes = portier_calloc(s->n + 1, sizeof *exes);
	owner = portier_calloc(s->n + 1, sizeof *owner);
	if (!exes || !owner)
		goto out;
	for (size_t i = 0; i < s->n; i++)
		if (s->l[i].exe)
			exes[n++] = s->l[i].exe;
	if (n)
		qsort(exes, n, sizeof *exes, str_qcmp);
	for (size_t i = 0; i < n; i++)
		if (!w || strcmp(exes[w - 1], exes[i]))
			exes[w++] = exes[i];
	n = w;
	while (n && (de = readdir(d))) {
		size_t len = strlen(de->d_name), colon;
		int fd;
		FILE *f;

		if (len < 6 || strcmp(de->d_name + len - 5, ".list"))
			continue;
		if (portier_grow(&names, &cap_names, n_names + 1, sizeof *names,
				 64))
			goto out;
		/* "openssh-server:amd64.list" -> "openssh-server" */
		colon = strcspn(de->d_name, ":");
		names[n_names] = portier_strndup(
			de->d_name, colon < len - 5 ? colon : len - 5);
		if (!names[n_names])
			goto out;
		n_names++;
		fd = openat(dirfd(d), de->d_name,
			    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0 || !(f = fdopen(fd, "r"))) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		scan_list(f, exes, n, owner, names[n_names - 1]);
		fclose(f);
	}
	for (size_t i = 0; i < s->n; i++) {
		long k;

		if (!s->l[i].exe)
			continue;
		k = find(exes, n, s->l[i].exe);
		s->l[i].package =
			portier_strdup(k >= 0 && owner[k] ? owner[k] : "");
		if (!s->l[i].package)
			goto out;
	}
	rc = 0;
out:
	closedir(d);
	for (size_t i = 0; i < n_names; i++)
		portier_free(names[i]);
	portier_free(names);
	portier_free(exes);
	portier_free(owner);
	return rc ? portier_err_set(err, rc, "out of memory") : 0;
}
