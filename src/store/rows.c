/*
 * rows.c - snapshots in and out of the database, and the executables'
 * hashes with their cache.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "portier/bytes.h"
#include "portier/digest.h"
#include "store/store_int.h"

static void bind_text(sqlite3_stmt *q, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

static int insert_listener(sqlite3_stmt *q, int64_t id,
			   const struct portier_listener *x)
{
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int(q, 2, x->proto);
	sqlite3_bind_int(q, 3, x->family);
	sqlite3_bind_blob(q, 4, x->addr, 16, SQLITE_STATIC);
	sqlite3_bind_int(q, 5, x->port);
	bind_text(q, 6, x->netns ? x->netns : "");
	sqlite3_bind_int64(q, 7, (sqlite3_int64)x->inode);
	sqlite3_bind_int(q, 8, x->pid);
	sqlite3_bind_int64(q, 9, x->uid);
	bind_text(q, 10, x->comm);
	bind_text(q, 11, x->exe);
	sqlite3_bind_int(q, 12, x->exe_deleted);
	bind_text(q, 13, x->unit);
	bind_text(q, 14, x->container);
	if (x->have_sha)
		sqlite3_bind_blob(q, 15, x->sha256, 32, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, 15);
	sqlite3_bind_int(q, 16, x->kb_risk);
	sqlite3_bind_int(q, 17, x->audit);
	bind_text(q, 18, x->rules);
	bind_text(q, 19, x->package);
	if (store_verified_col(x->pkg_verified) < 0)
		sqlite3_bind_null(q, 20);
	else
		sqlite3_bind_int(q, 20, store_verified_col(x->pkg_verified));
	return sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
}

/* The id of the snapshot already stored under key; 0 when none. */
static int64_t sqlite_key_id(struct portier_store *st, const char *key)
{
	sqlite3_stmt *q;
	int64_t id = 0;

	if (sqlite3_prepare_v2(st->db, store_sql_snapshot_by_key, -1, &q,
			       NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		id = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return id;
}

int store_save_rows(struct portier_store *st, struct portier_snapshot *s)
{
	sqlite3_stmt *q = NULL;
	int64_t id;
	int rc;

	if (sqlite3_prepare_v2(st->db, store_sql_insert_snapshot, -1, &q,
			       NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(q, 1, s->time);
	bind_text(q, 2, s->host ? s->host : "");
	bind_text(q, 3, s->machine_id ? s->machine_id : "");
	bind_text(q, 4, s->key[0] ? s->key : NULL);
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) { /* this key is stored already */
		sqlite3_finalize(q);
		s->id = sqlite_key_id(st, s->key);
		return 1;
	}
	if (rc != SQLITE_ROW)
		goto fail;
	id = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	if (sqlite3_prepare_v2(st->db, store_sql_insert_listener, -1, &q,
			       NULL) != SQLITE_OK)
		goto fail;
	for (size_t i = 0; i < s->n; i++)
		if (insert_listener(q, id, &s->l[i]))
			goto fail;
	sqlite3_finalize(q);
	s->id = id;
	return 0;
fail:
	sqlite3_finalize(q);
	return -1;
}

int store_save_tx(struct portier_store *st, struct portier_snapshot *s,
		  store_more_fn more, void *ctx, const char *what,
		  struct portier_err *err)
{
	int64_t id = s->id;
	int rc, saved;

	if (st->pg)
		return store_pg_save(st, s, more, ctx, what, err);
	if ((rc = store_exec(st, "BEGIN IMMEDIATE", err)))
		return rc;
	saved = store_save_rows(st, s);
	if (saved == 1) { /* its key is stored already: nothing to add */
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return 0;
	}
	if (saved)
		rc = store_sql_err(st, err, what);
	else if (!more || !(rc = more(st, s, ctx, err)))
		rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) ==
				     SQLITE_OK
			     ? 0
			     : store_sql_err(st, err, what);
	if (rc) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		s->id = id;
	}
	return rc;
}

int portier_store_save(struct portier_store *st, struct portier_snapshot *s,
		       struct portier_err *err)
{
	return store_save_tx(st, s, NULL, NULL, "cannot save the snapshot",
			     err);
}

/* A copy of column i as a string, NULL for NULL; *fail on no memory. */
static char *col_text(sqlite3_stmt *q, int i, bool *fail)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	char *d;

	if (!t)
		return NULL;
	d = portier_strdup((const char *)t);
	if (!d)
		*fail = true;
	return d;
}

static bool read_listener(sqlite3_stmt *q, struct portier_listener *x)
{
	bool fail = false;
	const void *addr = sqlite3_column_blob(q, 2);
	const void *sha = sqlite3_column_blob(q, 13);

	x->proto = (uint8_t)sqlite3_column_int(q, 0);
	x->family = (uint8_t)sqlite3_column_int(q, 1);
	if (addr && sqlite3_column_bytes(q, 2) == 16)
		memcpy(x->addr, addr, 16);
	x->port = (uint16_t)sqlite3_column_int(q, 3);
	x->netns = col_text(q, 4, &fail);
	x->inode = (uint64_t)sqlite3_column_int64(q, 5);
	x->pid = sqlite3_column_int(q, 6);
	x->uid = (uint32_t)sqlite3_column_int64(q, 7);
	x->comm = col_text(q, 8, &fail);
	x->exe = col_text(q, 9, &fail);
	x->exe_deleted = sqlite3_column_int(q, 10) != 0;
	x->unit = col_text(q, 11, &fail);
	x->container = col_text(q, 12, &fail);
	if (sha && sqlite3_column_bytes(q, 13) == 32) {
		memcpy(x->sha256, sha, 32);
		x->have_sha = true;
	}
	x->kb_risk = (uint8_t)sqlite3_column_int(q, 14);
	x->audit = (uint8_t)sqlite3_column_int(q, 15);
	x->rules = col_text(q, 16, &fail);
	x->package = col_text(q, 17, &fail);
	x->pkg_verified =
		store_verified_from(sqlite3_column_type(q, 18) == SQLITE_NULL,
				    sqlite3_column_int64(q, 18));
	return !fail;
}

static int listener_qcmp(const void *a, const void *b)
{
	return portier_listener_cmp(a, b);
}

/* The listeners of snapshot s->id into s. */
static int sqlite_load_listeners(struct portier_store *st,
				 struct portier_snapshot *s,
				 struct portier_err *err)
{
	sqlite3_stmt *q;
	size_t cap = 0;
	bool fail = false;
	int rc = SQLITE_DONE;

	if (sqlite3_prepare_v2(st->db, store_sql_select_listeners, -1, &q,
			       NULL) != SQLITE_OK)
		return store_sql_err(st, err, "cannot read a snapshot");
	sqlite3_bind_int64(q, 1, s->id);
	while (!fail && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (portier_grow(&s->l, &cap, s->n + 1, sizeof *s->l, 64)) {
			fail = true;
			break;
		}
		memset(&s->l[s->n], 0, sizeof *s->l);
		fail = !read_listener(q, &s->l[s->n++]);
	}
	if (!fail && rc != SQLITE_DONE) {
		rc = store_sql_err(st, err, "cannot read a snapshot");
		sqlite3_finalize(q);
		return rc;
	}
	sqlite3_finalize(q);
	if (fail)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	return 0;
}

/* Snapshot id into s: PORTIER_ENOENT when there is none. */
static int sqlite_load(struct portier_store *st, int64_t id,
		       struct portier_snapshot *s, struct portier_err *err)
{
	sqlite3_stmt *q;
	bool fail = false;
	int rc;

	if (sqlite3_prepare_v2(st->db, store_sql_select_snapshot, -1, &q,
			       NULL) != SQLITE_OK)
		return store_sql_err(st, err, "cannot read a snapshot");
	sqlite3_bind_int64(q, 1, id);
	rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(q);
		if (rc == SQLITE_DONE)
			return portier_err_set(err, PORTIER_ENOENT,
					       "no snapshot %lld in %s",
					       (long long)id, st->path);
		return store_sql_err(st, err, "cannot read a snapshot");
	}
	s->id = id;
	s->time = sqlite3_column_int64(q, 0);
	s->host = col_text(q, 1, &fail);
	s->machine_id = col_text(q, 2, &fail);
	if (sqlite3_column_text(q, 3))
		portier_strlcpy(s->key, (const char *)sqlite3_column_text(q, 3),
				sizeof s->key);
	sqlite3_finalize(q);
	if (fail)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	return sqlite_load_listeners(st, s, err);
}

int portier_store_load(struct portier_store *st, int64_t id,
		       struct portier_snapshot **out, struct portier_err *err)
{
	struct portier_snapshot *s = portier_calloc(1, sizeof *s);
	int rc;

	*out = NULL;
	if (!s)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	rc = st->pg ? store_pg_load(st, id, s, err)
		    : sqlite_load(st, id, s, err);
	if (rc) {
		portier_snapshot_free(s);
		return rc;
	}
	if (s->n)
		qsort(s->l, s->n, sizeof *s->l, listener_qcmp);
	*out = s;
	return 0;
}

bool portier_snapshot_same_host(const struct portier_snapshot_info *a,
				const struct portier_snapshot_info *b)
{
	/* A snapshot of a store older than version 4 (or of a host without
	 * /etc/machine-id) has no machine id: its name alone says. */
	return !strcmp(a->host, b->host) &&
	       (!a->machine_id[0] || !b->machine_id[0] ||
		!strcmp(a->machine_id, b->machine_id));
}

/* Column i as a string into buf ("" for NULL). */
static void col_copy(sqlite3_stmt *q, int i, char *buf, size_t len)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	portier_strlcpy(buf, t ? (const char *)t : "", len);
}

int portier_store_list(struct portier_store *st,
		       struct portier_snapshot_info **out, size_t *n,
		       struct portier_err *err)
{
	sqlite3_stmt *q;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st->pg)
		return store_pg_list(st, out, n, err);
	if (sqlite3_prepare_v2(st->db, store_sql_list, -1, &q, NULL) !=
	    SQLITE_OK)
		return store_sql_err(st, err, "cannot list snapshots");
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct portier_snapshot_info *x;

		if (portier_grow(out, &cap, *n + 1, sizeof **out, 16)) {
			sqlite3_finalize(q);
			portier_free(*out);
			*out = NULL;
			*n = 0;
			return portier_err_set(err, PORTIER_ENOMEM,
					       "out of memory");
		}
		x = &(*out)[(*n)++];
		x->id = sqlite3_column_int64(q, 0);
		x->time = sqlite3_column_int64(q, 1);
		x->listeners = (size_t)sqlite3_column_int64(q, 2);
		col_copy(q, 3, x->host, sizeof x->host);
		col_copy(q, 4, x->machine_id, sizeof x->machine_id);
	}
	if (rc != SQLITE_DONE) {
		rc = store_sql_err(st, err, "cannot list snapshots");
		sqlite3_finalize(q);
		portier_free(*out);
		*out = NULL;
		*n = 0;
		return rc;
	}
	sqlite3_finalize(q);
	return 0;
}

/* ---- executables' hashes ------------------------------------------------- */

struct hash_q {
	sqlite3_stmt *get, *put;
};

/* An executable's digests. */
struct exe_sums {
	uint8_t sha256[32], md5[16];
};

/* Both digests of the open file fd, in one pass. */
static bool digest_file(int fd, struct exe_sums *out)
{
	char sha[65], md5[33];

	return portier_digests_fd(fd, 0, sha, md5, NULL) == 0 &&
	       portier_hex_decode(sha, out->sha256, 32) &&
	       portier_hex_decode(md5, out->md5, 16);
}

/* The digests of pid's executable into out; false when it cannot be
 * read.  A cached row without an MD5 (written before schema 6) is hashed
 * again and replaced. */
static bool hash_exe(struct hash_q *h, const char *proc_root, int pid,
		     struct exe_sums *out)
{
	char path[4096];
	struct stat sb;
	int64_t mtime;
	bool ok = false;
	int fd;

	snprintf(path, sizeof path, "%s/%d/exe", proc_root, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode))
		goto out;
	mtime = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	if (!h->get) { /* no cache */
		ok = digest_file(fd, out);
		goto out;
	}
	sqlite3_reset(h->get);
	sqlite3_bind_int64(h->get, 1, (sqlite3_int64)sb.st_dev);
	sqlite3_bind_int64(h->get, 2, (sqlite3_int64)sb.st_ino);
	sqlite3_bind_int64(h->get, 3, mtime);
	sqlite3_bind_int64(h->get, 4, sb.st_size);
	if (sqlite3_step(h->get) == SQLITE_ROW &&
	    sqlite3_column_bytes(h->get, 0) == 32 &&
	    sqlite3_column_bytes(h->get, 1) == 16) {
		memcpy(out->sha256, sqlite3_column_blob(h->get, 0), 32);
		memcpy(out->md5, sqlite3_column_blob(h->get, 1), 16);
		ok = true;
		goto out;
	}
	if (!digest_file(fd, out))
		goto out;
	ok = true;
	sqlite3_reset(h->put);
	sqlite3_bind_int64(h->put, 1, (sqlite3_int64)sb.st_dev);
	sqlite3_bind_int64(h->put, 2, (sqlite3_int64)sb.st_ino);
	sqlite3_bind_int64(h->put, 3, mtime);
	sqlite3_bind_int64(h->put, 4, sb.st_size);
	sqlite3_bind_blob(h->put, 5, out->sha256, 32, SQLITE_TRANSIENT);
	sqlite3_bind_blob(h->put, 6, out->md5, 16, SQLITE_TRANSIENT);
	sqlite3_step(h->put); /* a cache: a failed insert costs a rehash */
out:
	close(fd);
	return ok;
}

static int pid_qcmp(const void *a, const void *b)
{
	const struct portier_listener *x =
		*(const struct portier_listener *const *)a;
	const struct portier_listener *y =
		*(const struct portier_listener *const *)b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

int portier_store_hash_exes(struct portier_store *st,
			    struct portier_snapshot *s, const char *proc_root,
			    struct portier_err *err)
{
	struct portier_listener **by_pid;
	struct hash_q h = {0};
	size_t n = 0;
	int rc = 0;

	by_pid = portier_calloc(s->n ? s->n : 1, sizeof *by_pid);
	if (!by_pid)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->n; i++)
		if (s->l[i].pid > 0 && s->l[i].exe)
			by_pid[n++] = &s->l[i];
	qsort(by_pid, n, sizeof *by_pid, pid_qcmp);
	/* The cache is keyed by device and inode: only a store of this host
	 * (SQLite) may keep it. */
	if (st && st->db &&
	    (sqlite3_prepare_v2(
		     st->db,
		     "SELECT sha256, md5 FROM exe_hash WHERE dev = ? AND"
		     " inode = ? AND mtime_ns = ? AND size = ?",
		     -1, &h.get, NULL) != SQLITE_OK ||
	     sqlite3_prepare_v2(
		     st->db,
		     "INSERT OR REPLACE INTO exe_hash(dev, inode,"
		     " mtime_ns, size, sha256, md5) VALUES(?, ?, ?, ?, ?, ?)",
		     -1, &h.put, NULL) != SQLITE_OK)) {
		rc = store_sql_err(st, err, "cannot read the hash cache");
		goto out;
	}
	for (size_t i = 0; i < n;) {
		size_t k = i + 1;
		struct exe_sums sum;
		bool ok = hash_exe(&h, proc_root ? proc_root : "/proc",
				   by_pid[i]->pid, &sum);

		while (k < n && by_pid[k]->pid == by_pid[i]->pid)
			k++;
		for (; ok && i < k; i++) {
			memcpy(by_pid[i]->sha256, sum.sha256, 32);
			memcpy(by_pid[i]->md5, sum.md5, 16);
			by_pid[i]->have_sha = by_pid[i]->have_md5 = true;
		}
		i = k;
	}
out:
	sqlite3_finalize(h.get);
	sqlite3_finalize(h.put);
	portier_free(by_pid);
	return rc;
}
