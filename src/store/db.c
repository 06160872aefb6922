/*
 * db.c - the SQLite database of snapshots: where it lives, opening it
 * (refusing what is not ours before anything is written), and the schema
 * migrations (schema.c holds them).  A PostgreSQL connection string goes
 * to pg.c instead.  docs/store.md describes the tables.
 */
#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portier/file.h"
#include "store/store_int.h"

/* PRAGMA application_id of a portier store: "PORT". */
#define STORE_APP_ID 0x504f5254

int store_sql_err(struct portier_store *st, struct portier_err *err,
		  const char *what)
{
	int code = sqlite3_extended_errcode(st->db);

	portier_err_set(err, PORTIER_EIO, "%s: %s: %s", st->path, what,
			sqlite3_errmsg(st->db));
	if ((code & 0xff) == SQLITE_FULL)
		portier_err_hint(err, "the disk is full; the store is as it "
				      "was before this run");
	else if ((code & 0xff) == SQLITE_CORRUPT ||
		 (code & 0xff) == SQLITE_NOTADB)
		portier_err_hint(err, "the file is damaged or not a portier "
				      "store; move it away to start afresh");
	return PORTIER_EIO;
}

int store_version_known(struct portier_store *st, int64_t ver, const char *what,
			struct portier_err *err)
{
	if (ver >= 0 && ver <= PORTIER_STORE_SCHEMA)
		return 0;
	portier_err_set(err, PORTIER_EIO,
			"%s: schema version %lld is newer than this portier "
			"knows (%d)",
			st->path, (long long)ver, PORTIER_STORE_SCHEMA);
	portier_err_hint(err,
			 "use the portier that wrote it, or a newer one; the "
			 "%s was left as it is",
			 what);
	return PORTIER_EIO;
}

int store_exec(struct portier_store *st, const char *sql,
	       struct portier_err *err)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_sql_err(st, err, "cannot update the database");
	return 0;
}

/* One integer from a PRAGMA or query; PORTIER_EIO if it fails. */
static int query_int(struct portier_store *st, const char *sql, int64_t *out,
		     struct portier_err *err)
{
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
		return store_sql_err(st, err, "cannot read the database");
	rc = sqlite3_step(q);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sql_err(st, err, "cannot read the database");
	return 0;
}

/* <state>/name: /var/lib/portier/NAME for root, else under
 * $XDG_STATE_HOME/portier (~/.local/state when unset). */
static char *state_path(const char *name, struct portier_err *err)
{
	const char *base = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char buf[PATH_MAX];
	int n;

	if (geteuid() == 0)
		n = snprintf(buf, sizeof buf, "/var/lib/portier/%s", name);
	else if (base && base[0] == '/')
		n = snprintf(buf, sizeof buf, "%s/portier/%s", base, name);
	else if (home && home[0] == '/')
		n = snprintf(buf, sizeof buf, "%s/.local/state/portier/%s",
			     home, name);
	else {
		portier_err_set(err, PORTIER_EINVAL,
				"no place for the store: neither "
				"XDG_STATE_HOME nor HOME is set");
		portier_err_hint(err, "name one with --store PATH");
		return NULL;
	}
	if (n < 0 || (size_t)n >= sizeof buf) {
		portier_err_set(err, PORTIER_EINVAL, "store path too long");
		return NULL;
	}
	return portier_strdup(buf);
}

char *portier_store_default_path(struct portier_err *err)
{
	const char *env = getenv("PORTIER_STORE");

	if (env && *env)
		return portier_strdup(env);
	return state_path("portier.db", err);
}

char *portier_spool_default_dir(struct portier_err *err)
{
	const char *env = getenv("PORTIER_SPOOL");

	if (env && *env)
		return portier_strdup(env);
	return state_path("spool", err);
}

/* Is this file ours, and of a schema this build knows?  Reads only. */
static int check_file(struct portier_store *st, struct portier_err *err)
{
	int64_t app, ver, objects;
	int rc;

	if ((rc = query_int(st, "PRAGMA application_id", &app, err)) ||
	    (rc = query_int(st, "PRAGMA user_version", &ver, err)) ||
	    (rc = query_int(st, "SELECT count(*) FROM sqlite_master", &objects,
			    err)))
		return rc;
	if (app == 0 && ver == 0 && objects == 0)
		return 0; /* empty: a new store */
	if (app != STORE_APP_ID) {
		portier_err_set(err, PORTIER_EIO,
				"%s: not a portier store (an SQLite database "
				"of something else)",
				st->path);
		portier_err_hint(err, "name another file with --store PATH");
		return PORTIER_EIO;
	}
	if ((rc = store_version_known(st, ver, "file", err)))
		return rc;
	st->version = (int)ver;
	return 0;
}

static int migrate(struct portier_store *st, struct portier_err *err)
{
	char sql[64];
	int rc;

	if (st->version == PORTIER_STORE_SCHEMA)
		return 0;
	if ((rc = store_exec(st, "BEGIN IMMEDIATE", err)))
		return rc;
	for (int v = st->version; v < PORTIER_STORE_SCHEMA; v++)
		if ((rc = store_exec(st, store_migrations[v], err)))
			goto fail;
	snprintf(sql, sizeof sql, "PRAGMA application_id=%d", STORE_APP_ID);
	if ((rc = store_exec(st, sql, err)))
		goto fail;
	snprintf(sql, sizeof sql, "PRAGMA user_version=%d",
		 PORTIER_STORE_SCHEMA);
	if ((rc = store_exec(st, sql, err)) ||
	    (rc = store_exec(st, "COMMIT", err)))
		goto fail;
	st->version = PORTIER_STORE_SCHEMA;
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* The directory of path must be a private state directory. */
static int check_dir(const char *path, bool create, struct portier_err *err)
{
	char dir[PATH_MAX];
	char *slash;

	if (portier_strlcpy(dir, path, sizeof dir) >= sizeof dir)
		return portier_err_set(err, PORTIER_EINVAL,
				       "store path too long");
	slash = strrchr(dir, '/');
	if (!slash)
		return portier_file_state_dir(".", create, NULL, err);
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	return portier_file_state_dir(dir, create, NULL, err);
}

int portier_store_open(const char *path, unsigned flags,
		       struct portier_store **out, struct portier_err *err)
{
	const struct portier_store_opts o = {.flags = flags};

	return portier_store_open_opts(path, &o, out, err);
}

static int open_pg(const char *conninfo, const struct portier_store_opts *o,
		   struct portier_store **out, struct portier_err *err)
{
	struct portier_store *st = portier_calloc(1, sizeof *st);
	char shown[1024];
	int rc;

	portier_store_redact(conninfo, shown, sizeof shown);
	if (!st || !(st->path = portier_strdup(shown))) {
		portier_free(st);
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	}
	if ((rc = store_pg_open(st, conninfo, o, err))) {
		portier_store_close(st);
		return rc;
	}
	*out = st;
	return 0;
}

int portier_store_open_opts(const char *path,
			    const struct portier_store_opts *o,
			    struct portier_store **out, struct portier_err *err)
{
	bool create = o->flags & PORTIER_STORE_CREATE;
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW |
		     SQLITE_OPEN_NOMUTEX;
	struct portier_store *st;
	int rc;

	*out = NULL;
	/* both backends: a PostgreSQL store's statements pass through
	 * query.c, whose SQLite half then sees NULL handles */
	if ((rc = store_sqlite_load(err)) < 0)
		return rc;
	if (portier_store_is_remote(path))
		return open_pg(path, o, out, err);
	if (!create && access(path, F_OK) != 0)
		return portier_err_set(err, PORTIER_ENOENT,
				       "no store at %s (no snapshot yet)",
				       path);
	if ((rc = check_dir(path, create, err)))
		return rc;
	st = portier_calloc(1, sizeof *st);
	if (!st || !(st->path = portier_strdup(path))) {
		portier_free(st);
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	}
	if (create)
		oflags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &st->db, oflags, NULL) != SQLITE_OK) {
		rc = store_sql_err(st, err, "cannot open");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);
	if ((rc = check_file(st, err)))
		goto fail;
	/* Only now that the file is known to be ours is anything written. */
	if ((rc = store_exec(st, "PRAGMA journal_mode=WAL", err)) ||
	    (rc = store_exec(st, "PRAGMA foreign_keys=ON", err)) ||
	    (rc = migrate(st, err)))
		goto fail;
	*out = st;
	return 0;
fail:
	portier_store_close(st);
	return rc;
}

void portier_store_close(struct portier_store *st)
{
	if (!st)
		return;
	store_pg_close(st);
	sqlite3_close(st->db);
	portier_free(st->path);
	portier_free(st);
}

int portier_store_version(const struct portier_store *st)
{
	return st->version;
}
