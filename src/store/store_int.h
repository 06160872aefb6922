/* store_int.h - what the files of src/store/ share. */
#ifndef PORTIER_STORE_INT_H
#define PORTIER_STORE_INT_H

#include <sqlite3.h>

#include "portier/dynlib.h"
#include "portier/store.h"

/*
 * SQLite, loaded by portier_store_open_opts (store_sqlite_load, in
 * sqlite_lib.c) rather than at every start of every command.  The names
 * below stand for the pointers filled then, so the code calls SQLite as
 * it documents itself; a function not listed fails to link: add it.
 */
/* clang-format off */
#define STORE_SQLITE_SYMS(X) \
	X(sqlite3_bind_blob) \
	X(sqlite3_bind_int) \
	X(sqlite3_bind_int64) \
	X(sqlite3_bind_null) \
	X(sqlite3_bind_text) \
	X(sqlite3_busy_timeout) \
	X(sqlite3_clear_bindings) \
	X(sqlite3_close) \
	X(sqlite3_column_blob) \
	X(sqlite3_column_bytes) \
	X(sqlite3_column_int) \
	X(sqlite3_column_int64) \
	X(sqlite3_column_text) \
	X(sqlite3_column_type) \
	X(sqlite3_errmsg) \
	X(sqlite3_exec) \
	X(sqlite3_extended_errcode) \
	X(sqlite3_extended_result_codes) \
	X(sqlite3_finalize) \
	X(sqlite3_open_v2) \
	X(sqlite3_prepare_v2) \
	X(sqlite3_reset) \
	X(sqlite3_step)
/* clang-format on */
STORE_SQLITE_SYMS(PORTIER_DLSYM_EACH_DECLARE)
int store_sqlite_load(struct portier_err *err);
#ifndef STORE_SQLITE_DEFINE /* sqlite_lib.c names the functions */
#define sqlite3_bind_blob	      sym_sqlite3_bind_blob
#define sqlite3_bind_int	      sym_sqlite3_bind_int
#define sqlite3_bind_int64	      sym_sqlite3_bind_int64
#define sqlite3_bind_null	      sym_sqlite3_bind_null
#define sqlite3_bind_text	      sym_sqlite3_bind_text
#define sqlite3_busy_timeout	      sym_sqlite3_busy_timeout
#define sqlite3_clear_bindings	      sym_sqlite3_clear_bindings
#define sqlite3_close		      sym_sqlite3_close
#define sqlite3_column_blob	      sym_sqlite3_column_blob
#define sqlite3_column_bytes	      sym_sqlite3_column_bytes
#define sqlite3_column_int	      sym_sqlite3_column_int
#define sqlite3_column_int64	      sym_sqlite3_column_int64
#define sqlite3_column_text	      sym_sqlite3_column_text
#define sqlite3_column_type	      sym_sqlite3_column_type
#define sqlite3_errmsg		      sym_sqlite3_errmsg
#define sqlite3_exec		      sym_sqlite3_exec
#define sqlite3_extended_errcode      sym_sqlite3_extended_errcode
#define sqlite3_extended_result_codes sym_sqlite3_extended_result_codes
#define sqlite3_finalize	      sym_sqlite3_finalize
#define sqlite3_open_v2		      sym_sqlite3_open_v2
#define sqlite3_prepare_v2	      sym_sqlite3_prepare_v2
#define sqlite3_reset		      sym_sqlite3_reset
#define sqlite3_step		      sym_sqlite3_step
#endif

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
/* 0 when ver is a schema this build knows; else PORTIER_EIO, err naming
 * it newer and saying the what ("file", "database") was left alone. */
int store_version_known(struct portier_store *st, int64_t ver, const char *what,
			struct portier_err *err);
/* Run sql (no results); 0 or PORTIER_EIO. */
int store_exec(struct portier_store *st, const char *sql,
	       struct portier_err *err);

/* Insert s and its listeners inside the caller's transaction (SQLite);
 * s->id gets its id.  1 when s's key is stored already (s->id is that
 * snapshot's, nothing was added), -1 on failure (the database's error
 * says why). */
int store_save_rows(struct portier_store *st, struct portier_snapshot *s);

/* What a transaction of store_save_tx adds after the snapshot: 0, or an
 * error that err describes. */
typedef int (*store_more_fn)(struct portier_store *st,
			     const struct portier_snapshot *s, void *ctx,
			     struct portier_err *err);

/* One transaction on either backend: s saved, then more(st, s, ctx, err)
 * when given, then COMMIT; on failure a ROLLBACK, err from what (or from
 * more).  When s's key is stored already nothing is added (more is not
 * run) and s->id is that snapshot's.  PostgreSQL: a connection lost on the
 * way is made again and the whole transaction sent again (the key makes
 * that safe); PORTIER_STORE_EDOWN when that fails. */
int store_save_tx(struct portier_store *st, struct portier_snapshot *s,
		  store_more_fn more, void *ctx, const char *what,
		  struct portier_err *err);

/* ---- one statement on either backend (query.c) -------------------------- */

struct store_q;

/* sql, in SQLite's words (schema.c), made ready on st's backend; NULL
 * when it cannot be (err says why, from what). */
struct store_q *store_q_new(struct portier_store *st, const char *sql,
			    const char *what, struct portier_err *err);
/* The next parameter. */
void store_q_i64(struct store_q *q, int64_t v);
void store_q_text(struct store_q *q, const char *s); /* NULL: NULL */
/* Run the statement (the first call after its parameters), then its next
 * row: 1 a row, 0 no more, else an error err describes
 * (PORTIER_STORE_EDOWN when the PostgreSQL server went away). */
int store_q_step(struct store_q *q, struct portier_err *err);
/* Column col of the current row: 0 / NULL for NULL.  A string lasts
 * until the next step or reset. */
int64_t store_q_int(const struct store_q *q, int col);
const char *store_q_str(const struct store_q *q, int col);
/* Forget the parameters and rows, to run it again. */
void store_q_reset(struct store_q *q);
void store_q_free(struct store_q *q);
/* Before an operation that starts afresh (not inside a transaction): a
 * PostgreSQL connection that was lost is made again; 0 or the error. */
int store_ready(struct portier_store *st, struct portier_err *err);
/* A statement without rows, run once: 0 or the error. */
int store_run(struct portier_store *st, const char *sql, const char *what,
	      struct portier_err *err);

/* Hosts by id, each one's ports by number and protocol: the order
 * struct portier_scan_file promises (scanfile.c). */
void store_scan_file_sort(struct portier_scan_file *f);

/* ---- the one schema (schema.c) ------------------------------------------- */

enum store_dialect { STORE_SQLITE, STORE_PG };

/* listener.pkg_verified: a listener's enum portier_pkg_verify as the
 * column holds it (-1 for NULL, 0 differs, 1 verifies), and back. */
static inline int store_verified_col(uint8_t v)
{
	return v == PORTIER_PKG_UNKNOWN ? -1 : v == PORTIER_PKG_VERIFIES;
}

static inline uint8_t store_verified_from(bool null, int64_t v)
{
	return null ? PORTIER_PKG_UNKNOWN
	       : v  ? PORTIER_PKG_VERIFIES
		    : PORTIER_PKG_DIFFERS;
}

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
/* watch (outbox.c) */
extern const char store_sql_watch_row[];
extern const char store_sql_host_last_snapshot[];
extern const char store_sql_host_last_event[];
extern const char store_sql_insert_event[];
extern const char store_sql_upsert_watch[];
extern const char store_sql_outbox[];
extern const char store_sql_delivered[];
/* stored scans (scanstore.c) */
extern const char store_sql_insert_scan[];
extern const char store_sql_insert_scan_host[];
extern const char store_sql_insert_scan_port[];
extern const char store_sql_scan_exists[];
extern const char store_sql_scan_hosts[];
extern const char store_sql_scan_ports[];
extern const char store_sql_scan_list[];

/*
 * sql in dialect d into out: for PostgreSQL the types become its own
 * (INTEGER -> BIGINT, BLOB -> BYTEA, INTEGER PRIMARY KEY -> BIGSERIAL,
 * WITHOUT ROWID dropped, BEGIN IMMEDIATE is BEGIN) and each ? the next $N, outside quotes.  0, or
 * PORTIER_EINVAL when out is too small.
 */
int store_sql_text(const char *sql, enum store_dialect d, char *out,
		   size_t len);

/* ---- PostgreSQL (pg.c) ---------------------------------------------------- */

int store_pg_open(struct portier_store *st, const char *conninfo,
		  const struct portier_store_opts *o, struct portier_err *err);
void store_pg_close(struct portier_store *st);
/* store_save_tx on PostgreSQL. */
int store_pg_save(struct portier_store *st, struct portier_snapshot *s,
		  store_more_fn more, void *ctx, const char *what,
		  struct portier_err *err);
/* Connect again when the connection was lost (the open's attempts); 0 at
 * once when it is up.  Not inside a transaction. */
int store_pg_ready(struct portier_store *st, struct portier_err *err);
int store_pg_load(struct portier_store *st, int64_t id,
		  struct portier_snapshot *s, struct portier_err *err);
int store_pg_list(struct portier_store *st, struct portier_snapshot_info **out,
		  size_t *n, struct portier_err *err);

#endif
