/*
 * dpkg.c - the one reader of dpkg's database (include/portier/dpkg.h).
 * The paths asked about and their merged-/usr twins become one sorted key
 * array; each .list is read once and each of its lines is looked up by
 * binary search (lines of another length than any key are skipped without
 * a comparison), so a pass costs the same for one path or for thousands.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portier/digest.h"
#include "portier/dpkg.h"
#include "portier/file.h"

#define DPKG_LISTS_MAX 400000 /* directory entries looked at */

/* The next line of [*p, end) (without its '\n'); false at the end. */
static bool next_line(const char **p, const char *end, const char **l,
		      size_t *ll)
{
	const char *nl;

	if (*p >= end)
		return false;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	*l = *p;
	*ll = (size_t)((nl ? nl : end) - *p);
	*p = nl ? nl + 1 : end;
	return true;
}

bool portier_dpkg_list_has(const char *text, size_t len, const char *path)
{
	const char *p = text, *end = text + len, *l;
	size_t ll, pl = strlen(path);

	while (next_line(&p, end, &l, &ll))
		if (ll == pl && memcmp(l, path, pl) == 0)
			return true;
	return false;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static bool is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!s[i] || !strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	return true;
}

bool portier_dpkg_md5sums_find(const char *text, size_t len, const char *path,
			       char hex[33])
{
	const char *p = text, *end = text + len, *l;
	size_t ll, pl;

	if (path[0] != '/')
		return false;
	path++;
	pl = strlen(path);
	while (next_line(&p, end, &l, &ll)) {
		const char *f = l + 32;

		if (ll < 34 || !is_hex(l, 32) || !is_blank(*f))
			continue;
		while (f < l + ll && is_blank(*f))
			f++;
		if ((size_t)(l + ll - f) == pl && memcmp(f, path, pl) == 0) {
			size_t i;

			for (i = 0; i < 32; i++)
				hex[i] = (char)(l[i] | 0x20);
			hex[32] = '\0';
			return true;
		}
	}
	return false;
}

bool portier_dpkg_usr_alias(const char *path, char *buf, size_t cap)
{
	static const char *const dirs[] = {"/bin/",   "/sbin/",	 "/lib/",
					   "/lib32/", "/lib64/", "/libx32/"};
	size_t i;
	int n = -1;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		size_t dl = strlen(dirs[i]);

		if (strncmp(path, "/usr", 4) == 0 &&
		    strncmp(path + 4, dirs[i], dl) == 0) {
			n = snprintf(buf, cap, "%s", path + 4);
			break;
		}
		if (strncmp(path, dirs[i], dl) == 0) {
			n = snprintf(buf, cap, "/usr%s", path);
			break;
		}
	}
	return n > 0 && (size_t)n < cap;
}

int portier_dpkg_verify_md5(const struct portier_dpkg_owner *o, const char *md5)
{
	size_t i;

	if (!o->package[0] || !o->md5[0] || !md5 || strlen(md5) != 32)
		return -1;
	for (i = 0; i < 32; i++)
		if ((md5[i] | 0x20) != o->md5[i])
			return 0;
	return 1;
}

int portier_dpkg_verify_fd(const struct portier_dpkg_owner *o, int fd,
			   uint64_t max)
{
	char md5[33];

	if (!o->package[0] || !o->md5[0])
		return -1;
	if (portier_digests_fd(fd, max, NULL, md5, NULL) < 0)
		return -1;
	return portier_dpkg_verify_md5(o, md5);
}

/* A path or twin to look for, and the owner entry it stands for. */
struct key {
	const char *s;
	size_t len, idx;
};

static int key_cmp_mem(const char *a, size_t al, const char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	return c ? c : al < bl ? -1 : al > bl ? 1 : 0;
}

static int key_qcmp(const void *pa, const void *pb)
{
	const struct key *a = pa, *b = pb;

	return key_cmp_mem(a->s, a->len, b->s, b->len);
}

/* The first key equal to l[0..ll), or NULL. */
static const struct key *key_find(const struct key *k, size_t n, const char *l,
				  size_t ll)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key_cmp_mem(k[mid].s, k[mid].len, l, ll) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && key_cmp_mem(k[lo].s, k[lo].len, l, ll) == 0 ? &k[lo]
								     : NULL;
}

struct pass {
	struct portier_dpkg_owner *o;
	struct key *keys;
	size_t n_keys, min_len, max_len, left;
	char *twins;
};

/* Keys for each path and its twin; 0 or PORTIER_ENOMEM. */
static int make_keys(struct pass *ps, size_t n)
{
	size_t i, room = 0, used = 0;

	for (i = 0; i < n; i++)
		if (ps->o[i].path && ps->o[i].path[0])
			room += strlen(ps->o[i].path) + 5;
	ps->keys = portier_calloc(2 * n + 1, sizeof(*ps->keys));
	ps->twins = portier_malloc(room + 1);
	if (!ps->keys || !ps->twins)
		return PORTIER_ENOMEM;
	ps->min_len = SIZE_MAX;
	for (i = 0; i < n; i++) {
		const char *p = ps->o[i].path;
		size_t pl;

		if (!p || !p[0])
			continue;
		ps->left++;
		pl = strlen(p);
		ps->keys[ps->n_keys++] = (struct key){p, pl, i};
		if (portier_dpkg_usr_alias(p, ps->twins + used, room - used)) {
			size_t tl = strlen(ps->twins + used);

			ps->keys[ps->n_keys++] =
				(struct key){ps->twins + used, tl, i};
			used += tl + 1;
		}
	}
	for (i = 0; i < ps->n_keys; i++) {
		if (ps->keys[i].len < ps->min_len)
			ps->min_len = ps->keys[i].len;
		if (ps->keys[i].len > ps->max_len)
			ps->max_len = ps->keys[i].len;
	}
	if (ps->n_keys)
		qsort(ps->keys, ps->n_keys, sizeof(*ps->keys), key_qcmp);
	return 0;
}

/* Give pkg to every path the list f names that has no owner yet; *line
 * and *cap are the caller's buffer, reused from list to list.  false when
 * the list is longer than the bound (the rest is not read). */
static bool scan_list(struct pass *ps, FILE *f, char **line, size_t *cap,
		      const char *pkg)
{
	size_t total = 0;
	ssize_t got;

	while (ps->left && (got = getline(line, cap, f)) > 0) {
		const struct key *k;
		size_t ll = (size_t)got;

		total += ll;
		if (total > PORTIER_DPKG_LIST_MAX)
			return false;
		if ((*line)[ll - 1] == '\n')
			ll--;
		if (ll < ps->min_len || ll > ps->max_len)
			continue;
		k = key_find(ps->keys, ps->n_keys, *line, ll);
		for (; k && k < ps->keys + ps->n_keys &&
		       key_cmp_mem(k->s, k->len, *line, ll) == 0;
		     k++) {
			struct portier_dpkg_owner *o = &ps->o[k->idx];

			if (o->package[0])
				continue;
			portier_strlcpy(o->package, pkg, sizeof(o->package));
			ps->left--;
		}
	}
	return true;
}

/* The md5 each owned path's package records for it (or for its twin);
 * each .md5sums is read once. */
static void find_md5s(int infofd, struct portier_dpkg_owner *o, size_t n)
{
	char name[160], twin[4096];
	size_t i, j;

	for (i = 0; i < n; i++) {
		char *text = NULL;
		size_t len;

		if (!o[i].package[0] || o[i].md5[0])
			continue;
		for (j = 0; j < i; j++)
			if (strcmp(o[j].package, o[i].package) == 0)
				break;
		if (j < i)
			continue; /* its package's sums were read already */
		snprintf(name, sizeof(name), "%s.md5sums", o[i].package);
		if (portier_file_read(infofd, NULL, name, PORTIER_FILE_TEXT,
				      PORTIER_DPKG_LIST_MAX, &text, NULL) < 0)
			continue; /* a package without sums */
		len = strlen(text);
		for (j = i; j < n; j++) {
			if (strcmp(o[j].package, o[i].package) != 0)
				continue;
			if (!portier_dpkg_md5sums_find(text, len, o[j].path,
						       o[j].md5) &&
			    portier_dpkg_usr_alias(o[j].path, twin,
						   sizeof(twin)))
				portier_dpkg_md5sums_find(text, len, twin,
							  o[j].md5);
		}
		portier_free(text);
	}
}

int portier_dpkg_owners(int dirfd, const char *admindir,
			struct portier_dpkg_owner *o, size_t n, unsigned flags,
			portier_dpkg_skip_fn skip, void *arg,
			struct portier_err *err)
{
	struct pass ps = {.o = o};
	char info[4096], *line = NULL;
	size_t line_cap = 0;
	size_t i, seen = 0;
	int infofd, dfd, rc;
	DIR *d;
	struct dirent *de;

	for (i = 0; i < n; i++)
		o[i].package[0] = o[i].md5[0] = '\0';
	snprintf(info, sizeof(info), "%s/info", admindir);
	infofd = openat(dirfd, info, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (infofd < 0)
		return portier_err_set(err, PORTIER_ENOENT,
				       "no dpkg database at %s", info);
	rc = make_keys(&ps, n);
	if (rc < 0)
		goto out;
	dfd = dup(infofd);
	d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d && dfd >= 0)
		close(dfd);
	while (d && ps.left && (de = readdir(d)) != NULL &&
	       seen++ < DPKG_LISTS_MAX) {
		size_t nl = strlen(de->d_name);
		char pkg[128];
		FILE *f;
		bool whole;

		if (nl < 6 || nl - 5 >= sizeof(pkg) ||
		    strcmp(de->d_name + nl - 5, ".list") != 0)
			continue;
		if (portier_file_open_read(infofd, NULL, de->d_name, 0, &f,
					   NULL) < 0) {
			if (skip)
				skip(arg, de->d_name);
			continue;
		}
		memcpy(pkg, de->d_name, nl - 5);
		pkg[nl - 5] = '\0';
		whole = scan_list(&ps, f, &line, &line_cap, pkg);
		if (ferror(f) || !whole) {
			if (skip)
				skip(arg, de->d_name);
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	if (flags & PORTIER_DPKG_MD5)
		find_md5s(infofd, o, n);
out:
	close(infofd);
	free(line); /* getline's own */
	portier_free(ps.keys);
	portier_free(ps.twins);
	return rc < 0 ? portier_err_set(err, rc, "out of memory") : 0;
}
