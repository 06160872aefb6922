/* store_int.h - what the files of src/store/ share. */
#ifndef PORTIER_STORE_INT_H
#define PORTIER_STORE_INT_H

#include <sqlite3.h>

#include "portier/store.h"

struct store_pg; /* pg.c */

struct portier_store {
	sqlite3 *db;	     /* the SQLite backend, or NULL */
	struct store_pg *pg; /* the PostgreSQL backend, or NULL */
	/* The file, or the connection string with its password hidden: what
	 * messages name. */
	char *path;
	int version; /* schema version */
};

/* err from the database's last error ("PATH: what: reason"); PORTIER_EIO. */
int store_sql_err(struct portier_store *st, struct portier_err *err,
		  const char *what);
/* 0 on a SQLite store; on PostgreSQL PORTIER_EINVAL, err saying that what
 * (watch state, stored scans) is kept in SQLite only. */
int store_need_sqlite(struct portier_store *st, const char *what,
		      struct portier_err *err);
/* Run sql (no results); 0 or PORTIER_EIO. */
int store_exec(struct portier_store *st, const char *sql,
	       struct portier_err *err);

/* Insert s and its listeners inside the caller's transaction (SQLite);
 * s->id gets its id.  1 when s's key is stored already (s->id is that
 * snapshot's, nothing was added), -1 on failure (the database's error
 * says why). */
int store_save_rows(struct portier_store *st, struct portier_snapshot *s);

/* One transaction: s saved (store_save_rows), then more(st, s, ctx) when
 * given (0 or -1), then COMMIT; on failure a ROLLBACK, err from what.
 * SQLite only: on PostgreSQL it is PORTIER_EINVAL saying so. */
int store_save_tx(struct portier_store *st, struct portier_snapshot *s,
		  int (*more)(struct portier_store *st,
			      const struct portier_snapshot *s, void *ctx),
		  void *ctx, const char *what, struct portier_err *err);

/* ---- the one schema (schema.c) ------------------------------------------- */

enum store_dialect { STORE_SQLITE, STORE_PG };

/* The migrations, in SQLite's words: store_migrations[i] turns schema i
 * into i + 1. */
extern const char *const store_migrations[PORTIER_STORE_SCHEMA];
/* The statements both backends run, in SQLite's words. */
extern const char store_sql_insert_snapshot[];
extern const char store_sql_snapshot_by_key[];
extern const char store_sql_insert_listener[];
extern const char store_sql_select_snapshot[];
extern const char store_sql_select_listeners[];
extern const char store_sql_list[];

/*
 * sql in dialect d into out: for PostgreSQL the types become its own
 * (INTEGER -> BIGINT, BLOB -> BYTEA, INTEGER PRIMARY KEY -> BIGSERIAL,
 * WITHOUT ROWID dropped) and each ? the next $N, outside quotes.  0, or
 * PORTIER_EINVAL when out is too small.
 */
int store_sql_text(const char *sql, enum store_dialect d, char *out,
		   size_t len);

/* ---- PostgreSQL (pg.c) ---------------------------------------------------- */

int store_pg_open(struct portier_store *st, const char *conninfo,
		  const struct portier_store_opts *o, struct portier_err *err);
void store_pg_close(struct portier_store *st);
int store_pg_save(struct portier_store *st, struct portier_snapshot *s,
		  struct portier_err *err);
int store_pg_load(struct portier_store *st, int64_t id,
		  struct portier_snapshot *s, struct portier_err *err);
int store_pg_list(struct portier_store *st, struct portier_snapshot_info **out,
		  size_t *n, struct portier_err *err);

#endif
