/*
 * spool.c - snapshots kept on disk while the PostgreSQL store is down: the
 * file format (pure encode and decode), and the directory of them, one
 * file per snapshot, sent oldest first when the store is back.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "portier/bytes.h"
#include "portier/file.h"
#include "portier/store.h"

/* Version 2 added each listener's pkg_verified after its package; a file
 * of version 1 is still read, its listeners' packages unverified. */
#define SPOOL_MAGIC	"PORTIERSPOOL"
#define SPOOL_MAGIC_LEN 12
#define SPOOL_VERSION	2
#define SPOOL_HEAD	(SPOOL_MAGIC_LEN + 1 + 4)
#define SPOOL_NULL	0xffffffffu
/* The fewest bytes a listener takes: its fixed fields and seven NULLs. */
#define SPOOL_MIN_LISTENER (1 + 1 + 16 + 2 + 8 + 4 + 4 + 1 + 1 + 1 + 7 * 4)
#define SPOOL_MAX_FILE	   (64u << 20)
#define SPOOL_SUFFIX	   ".snap"

/* ---- encoding ------------------------------------------------------------ */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool fail;
};

static uint8_t *room(struct wbuf *w, size_t n)
{
	uint8_t *at;

	if (w->fail || portier_grow(&w->p, &w->cap, w->len + n, 1, 4096)) {
		w->fail = true;
		return NULL;
	}
	at = w->p + w->len;
	w->len += n;
	return at;
}

static void w_u8(struct wbuf *w, uint8_t v)
{
	uint8_t *p = room(w, 1);

	if (p)
		*p = v;
}

static void w_u16(struct wbuf *w, uint16_t v)
{
	uint8_t *p = room(w, 2);

	if (p)
		put_be16(p, v);
}

static void w_u32(struct wbuf *w, uint32_t v)
{
	uint8_t *p = room(w, 4);

	if (p)
		put_be32(p, v);
}

static void w_u64(struct wbuf *w, uint64_t v)
{
	uint8_t *p = room(w, 8);

	if (p)
		put_be64(p, v);
}

static void w_bytes(struct wbuf *w, const void *b, size_t n)
{
	uint8_t *p = room(w, n);

	if (p && n)
		memcpy(p, b, n);
}

static void w_str(struct wbuf *w, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n >= SPOOL_NULL) {
		w->fail = true;
		return;
	}
	w_u32(w, s ? (uint32_t)n : SPOOL_NULL);
	w_bytes(w, s, n);
}

static void w_listener(struct wbuf *w, const struct portier_listener *x)
{
	w_u8(w, x->proto);
	w_u8(w, x->family);
	w_bytes(w, x->addr, 16);
	w_u16(w, x->port);
	w_str(w, x->netns);
	w_u64(w, x->inode);
	w_u32(w, (uint32_t)x->pid);
	w_u32(w, x->uid);
	w_str(w, x->comm);
	w_str(w, x->exe);
	w_u8(w, (uint8_t)(x->exe_deleted | x->have_sha << 1));
	if (x->have_sha)
		w_bytes(w, x->sha256, 32);
	w_str(w, x->unit);
	w_str(w, x->container);
	w_str(w, x->package);
	w_u8(w, x->pkg_verified);
	w_u8(w, x->kb_risk);
	w_u8(w, x->audit);
	w_str(w, x->rules);
}

int portier_spool_encode(const struct portier_snapshot *s, uint8_t **out,
			 size_t *len, struct portier_err *err)
{
	struct wbuf w = {0};

	*out = NULL;
	*len = 0;
	w_bytes(&w, SPOOL_MAGIC, SPOOL_MAGIC_LEN);
	w_u8(&w, SPOOL_VERSION);
	w_u32(&w, 0); /* the body's length, below */
	w_u64(&w, (uint64_t)s->time);
	w_str(&w, s->host);
	w_str(&w, s->machine_id);
	w_str(&w, s->key);
	w_u32(&w, (uint32_t)s->n);
	for (size_t i = 0; i < s->n; i++)
		w_listener(&w, &s->l[i]);
	if (w.fail || w.len - SPOOL_HEAD > SPOOL_MAX_FILE) {
		portier_free(w.p);
		return portier_err_set(err, PORTIER_ENOMEM,
				       "cannot encode the snapshot for the "
				       "spool: out of memory or too large");
	}
	put_be32(w.p + SPOOL_MAGIC_LEN + 1, (uint32_t)(w.len - SPOOL_HEAD));
	*out = w.p;
	*len = w.len;
	return 0;
}

/* ---- decoding ------------------------------------------------------------ */

struct rbuf {
	const uint8_t *p;
	size_t len, off;
	bool fail;
};

static const uint8_t *take(struct rbuf *r, size_t n)
{
	const uint8_t *at;

	if (r->fail || r->len - r->off < n) {
		r->fail = true;
		return NULL;
	}
	at = r->p + r->off;
	r->off += n;
	return at;
}

static uint8_t r_u8(struct rbuf *r)
{
	const uint8_t *p = take(r, 1);

	return p ? *p : 0;
}

static uint16_t r_u16(struct rbuf *r)
{
	const uint8_t *p = take(r, 2);

	return p ? get_be16(p) : 0;
}

static uint32_t r_u32(struct rbuf *r)
{
	const uint8_t *p = take(r, 4);

	return p ? get_be32(p) : 0;
}

static uint64_t r_u64(struct rbuf *r)
{
	const uint8_t *p = take(r, 8);

	return p ? get_be64(p) : 0;
}

static void r_bytes(struct rbuf *r, void *out, size_t n)
{
	const uint8_t *p = take(r, n);

	if (p)
		memcpy(out, p, n);
}

/* A string, or NULL for the NULL mark; r->fail on a bad one (or memory). */
static char *r_str(struct rbuf *r)
{
	uint32_t n = r_u32(r);
	const uint8_t *p;
	char *s;

	if (r->fail || n == SPOOL_NULL)
		return NULL;
	if (!(p = take(r, n)))
		return NULL;
	if (memchr(p, '\0', n) || !(s = portier_strndup((const char *)p, n))) {
		r->fail = true;
		return NULL;
	}
	return s;
}

static void r_listener(struct rbuf *r, struct portier_listener *x,
		       uint8_t version)
{
	uint8_t flags;

	x->proto = r_u8(r);
	x->family = r_u8(r);
	r_bytes(r, x->addr, 16);
	x->port = r_u16(r);
	x->netns = r_str(r);
	x->inode = r_u64(r);
	x->pid = (int)r_u32(r);
	x->uid = r_u32(r);
	x->comm = r_str(r);
	x->exe = r_str(r);
	flags = r_u8(r);
	x->exe_deleted = flags & 1;
	x->have_sha = flags & 2;
	if (flags & ~3u)
		r->fail = true;
	if (x->have_sha)
		r_bytes(r, x->sha256, 32);
	x->unit = r_str(r);
	x->container = r_str(r);
	x->package = r_str(r);
	if (version >= 2) {
		x->pkg_verified = r_u8(r);
		if (x->pkg_verified > PORTIER_PKG_VERIFIES)
			r->fail = true;
	}
	x->kb_risk = r_u8(r);
	x->audit = r_u8(r);
	x->rules = r_str(r);
	if (!x->netns)
		r->fail = true; /* every listener has one, "" at least */
}

int portier_spool_decode(const uint8_t *buf, size_t len,
			 struct portier_snapshot **out, struct portier_err *err)
{
	struct rbuf r = {.p = buf, .len = len};
	struct portier_snapshot *s;
	char *key;
	uint32_t n;

	*out = NULL;
	if (len < SPOOL_HEAD || memcmp(buf, SPOOL_MAGIC, SPOOL_MAGIC_LEN))
		return portier_err_set(err, PORTIER_EINVAL,
				       "not a portier spool file");
	if (buf[SPOOL_MAGIC_LEN] < 1 || buf[SPOOL_MAGIC_LEN] > SPOOL_VERSION)
		return portier_err_set(err, PORTIER_EINVAL,
				       "spool file of version %u (this portier "
				       "reads 1 to %u)",
				       buf[SPOOL_MAGIC_LEN], SPOOL_VERSION);
	if (get_be32(buf + SPOOL_MAGIC_LEN + 1) != len - SPOOL_HEAD)
		return portier_err_set(err, PORTIER_EINVAL,
				       "spool file truncated or overlong");
	r.off = SPOOL_HEAD;
	if (!(s = portier_calloc(1, sizeof *s)))
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	s->time = (int64_t)r_u64(&r);
	s->host = r_str(&r);
	s->machine_id = r_str(&r);
	key = r_str(&r);
	if (key && strlen(key) < sizeof s->key)
		memcpy(s->key, key, strlen(key) + 1);
	else
		r.fail = true; /* written as a string, "" at least */
	portier_free(key);
	n = r_u32(&r);
	if (!r.fail && (r.len - r.off) / SPOOL_MIN_LISTENER < n)
		r.fail = true;
	if (!r.fail && n && !(s->l = portier_calloc(n, sizeof *s->l))) {
		portier_snapshot_free(s);
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	}
	for (uint32_t i = 0; i < n && !r.fail; i++)
		r_listener(&r, &s->l[s->n++], buf[SPOOL_MAGIC_LEN]);
	if (r.fail || r.off != r.len || !s->host) {
		portier_snapshot_free(s);
		return portier_err_set(
			err, PORTIER_EINVAL,
			"damaged spool file (at byte %zu of %zu)", r.off,
			r.len);
	}
	*out = s;
	return 0;
}

/* ---- the directory ------------------------------------------------------- */

static bool is_spool_name(const char *name)
{
	size_t n = strlen(name), k = strlen(SPOOL_SUFFIX);

	return name[0] != '.' && n > k && !strcmp(name + n - k, SPOOL_SUFFIX);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		portier_free(names[i]);
	portier_free(names);
}

/* The spool files in the directory open at dfd, sorted (oldest first), and
 * their total size. */
static int list_spool(int dfd, const char *dir, char ***out, size_t *n,
		      size_t *bytes, struct portier_err *err)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	*bytes = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return portier_err_set(err, PORTIER_EIO,
				       "cannot read the spool %s: %s", dir,
				       strerror(errno));
	}
	while ((e = readdir(d))) {
		struct stat sb;

		if (!is_spool_name(e->d_name) ||
		    fstatat(dfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(sb.st_mode))
			continue;
		if (portier_grow(out, &cap, *n + 1, sizeof **out, 16) ||
		    !((*out)[*n] = portier_strdup(e->d_name))) {
			closedir(d);
			free_names(*out, *n);
			*out = NULL;
			*n = 0;
			return portier_err_set(err, PORTIER_ENOMEM,
					       "out of memory");
		}
		++*n;
		*bytes += (size_t)sb.st_size;
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof **out, name_cmp);
	return 0;
}

struct blob {
	const uint8_t *p;
	size_t len;
};

static int write_blob(FILE *f, const void *ctx)
{
	const struct blob *b = ctx;

	fwrite(b->p, 1, b->len, f);
	return 0;
}

int portier_spool_put(const char *dir, const struct portier_snapshot *s,
		      const struct portier_spool_limits *limits,
		      size_t *waiting, struct portier_err *err)
{
	size_t max_files = limits && limits->files ? limits->files : 1000;
	size_t max_bytes = limits && limits->bytes ? limits->bytes : 64u << 20;
	char **names = NULL, name[128];
	size_t n = 0, bytes = 0;
	struct blob b = {0};
	struct timespec now;
	uint8_t *buf = NULL;
	int dfd = -1, rc;

	*waiting = 0;
	if ((rc = portier_file_state_dir(dir, true, &dfd, err)) ||
	    (rc = list_spool(dfd, dir, &names, &n, &bytes, err)) ||
	    (rc = portier_spool_encode(s, &buf, &b.len, err)))
		goto out;
	*waiting = n;
	if (n + 1 > max_files || bytes + b.len > max_bytes) {
		rc = portier_err_set(err, PORTIER_EIO,
				     "the spool %s is full (%zu snapshots, "
				     "%zu bytes; at most %zu and %zu): this "
				     "snapshot was not kept, the older ones "
				     "are",
				     dir, n, bytes, max_files, max_bytes);
		portier_err_hint(err, "bring the store back, or move old "
				      "files out of the spool");
		goto out;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(name, sizeof name, "%012lld%09ld-%s" SPOOL_SUFFIX,
		 (long long)now.tv_sec, now.tv_nsec,
		 s->key[0] ? s->key : "nokey");
	b.p = buf;
	if (!(rc = portier_file_replace_at(dfd, dir, name, write_blob, &b,
					   err)))
		*waiting = n + 1;
out:
	free_names(names, n);
	portier_free(buf);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

/* All of the spool file name into *buf. */
static int read_spool_file(int dfd, const char *dir, const char *name,
			   uint8_t **buf, size_t *len, struct portier_err *err)
{
	size_t cap = 0, max = SPOOL_HEAD + SPOOL_MAX_FILE;
	FILE *f;
	int rc;

	*buf = NULL;
	*len = 0;
	if ((rc = portier_file_open_read(dfd, dir, name, PORTIER_FILE_OURS, &f,
					 err)))
		return rc;
	for (;;) {
		size_t got;

		if (portier_grow(buf, &cap, *len + 65536, 1, 65536)) {
			rc = portier_err_set(err, PORTIER_ENOMEM,
					     "out of memory");
			break;
		}
		got = fread(*buf + *len, 1, cap - *len, f);
		*len += got;
		if (*len > max) {
			rc = portier_err_set(err, PORTIER_EINVAL,
					     "%s/%s: larger than a spool file "
					     "may be",
					     dir, name);
			break;
		}
		if (got == 0) {
			if (ferror(f))
				rc = portier_err_set(err, PORTIER_EIO,
						     "cannot read %s/%s", dir,
						     name);
			break;
		}
	}
	fclose(f);
	if (rc) {
		portier_free(*buf);
		*buf = NULL;
	}
	return rc;
}

/* Send one spool file; 1 when it does not decode (set aside), 0 sent. */
static int send_one(int dfd, const char *dir, const char *name,
		    struct portier_store *st, struct portier_err *err)
{
	struct portier_snapshot *s = NULL;
	uint8_t *buf;
	size_t len;
	int rc;

	if ((rc = read_spool_file(dfd, dir, name, &buf, &len, err)))
		return rc == PORTIER_EINVAL ? 1 : rc;
	rc = portier_spool_decode(buf, len, &s, NULL);
	portier_free(buf);
	if (rc) {
		char bad[300];

		snprintf(bad, sizeof bad, "%s.bad", name);
		renameat(dfd, name, dfd, bad);
		return 1;
	}
	rc = portier_store_save(st, s, err);
	portier_snapshot_free(s);
	if (rc)
		return rc;
	if (unlinkat(dfd, name, 0) && errno != ENOENT)
		return portier_err_set(err, PORTIER_EIO,
				       "cannot remove %s/%s after sending it: "
				       "%s",
				       dir, name, strerror(errno));
	return 0;
}

int portier_spool_flush(const char *dir, struct portier_store *st, size_t *sent,
			size_t *bad, struct portier_err *err)
{
	char **names = NULL;
	size_t n = 0, bytes;
	int dfd = -1, rc;

	*sent = 0;
	*bad = 0;
	rc = portier_file_state_dir(dir, false, &dfd, err);
	if (rc == PORTIER_ENOENT) {
		portier_err_clear(err);
		return 0;
	}
	if (rc || (rc = list_spool(dfd, dir, &names, &n, &bytes, err)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		rc = send_one(dfd, dir, names[i], st, err);
		if (rc < 0)
			break;
		if (rc == 1)
			++*bad;
		else
			++*sent;
		rc = 0;
	}
out:
	free_names(names, n);
	if (dfd >= 0)
		close(dfd);
	return rc;
}
