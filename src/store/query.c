/*
 * query.c - one statement on either backend (store_int.h): the SQL text
 * of schema.c, its parameters, and its rows, so that what the store does
 * with them (outbox.c, scanstore.c) is written once for SQLite and
 * PostgreSQL.  On SQLite a prepared statement stepped row by row; on
 * PostgreSQL the statement in its words (store_sql_text), sent with
 * binary parameters when first stepped, its rows read from the result.
 */
#include <string.h>

#include "store/pg_int.h"

struct store_q {
	struct portier_store *st;
	const char *what;
	sqlite3_stmt *lite; /* SQLite */
	int bound;	    /* SQLite: parameters bound so far */
	const char *sql;    /* PostgreSQL: the text (SQLite's words) */
	struct params p;    /* PostgreSQL: the parameters */
	PGresult *res;	    /* PostgreSQL: the rows, once run */
	int row;	    /* PostgreSQL: the current row */
};

struct store_q *store_q_new(struct portier_store *st, const char *sql,
			    const char *what, struct portier_err *err)
{
	struct store_q *q = portier_calloc(1, sizeof *q);

	if (!q) {
		portier_err_set(err, PORTIER_ENOMEM, "out of memory");
		return NULL;
	}
	q->st = st;
	q->what = what;
	q->sql = sql;
	q->row = -1;
	if (!st->pg &&
	    sqlite3_prepare_v2(st->db, sql, -1, &q->lite, NULL) != SQLITE_OK) {
		store_sql_err(st, err, what);
		portier_free(q);
		return NULL;
	}
	return q;
}

void store_q_i64(struct store_q *q, int64_t v)
{
	if (q->lite)
		sqlite3_bind_int64(q->lite, ++q->bound, v);
	else if (q->p.n < PG_MAX_PARAMS)
		store_pg_i64(&q->p, v);
}

void store_q_text(struct store_q *q, const char *s)
{
	if (q->lite && s)
		sqlite3_bind_text(q->lite, ++q->bound, s, -1, SQLITE_STATIC);
	else if (q->lite)
		sqlite3_bind_null(q->lite, ++q->bound);
	else if (q->p.n < PG_MAX_PARAMS)
		store_pg_text(&q->p, s);
}

static int q_step_pg(struct store_q *q, struct portier_err *err)
{
	ExecStatusType t;

	if (!q->res) {
		q->res = store_pg_query(q->st->pg, q->sql, &q->p);
		if (!q->res) /* no connection, or no memory */
			return store_pg_err(q->st, NULL, err, q->what);
		t = sym_PQresultStatus(q->res);
		if (t != PGRES_TUPLES_OK && t != PGRES_COMMAND_OK)
			return store_pg_err(q->st, q->res, err, q->what);
	}
	if (q->row + 1 >= sym_PQntuples(q->res))
		return 0;
	q->row++;
	return 1;
}

int store_q_step(struct store_q *q, struct portier_err *err)
{
	int rc;

	if (!q->lite)
		return q_step_pg(q, err);
	rc = sqlite3_step(q->lite);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_sql_err(q->st, err, q->what);
}

int64_t store_q_int(const struct store_q *q, int col)
{
	if (q->lite)
		return sqlite3_column_int64(q->lite, col);
	return store_pg_int(q->res, q->row, col);
}

const char *store_q_str(const struct store_q *q, int col)
{
	if (q->lite)
		return (const char *)sqlite3_column_text(q->lite, col);
	/* libpq ends every value with a NUL, binary ones too */
	return sym_PQgetisnull(q->res, q->row, col)
		       ? NULL
		       : sym_PQgetvalue(q->res, q->row, col);
}

void store_q_reset(struct store_q *q)
{
	if (q->lite) {
		sqlite3_reset(q->lite);
		sqlite3_clear_bindings(q->lite);
		q->bound = 0;
		return;
	}
	sym_PQclear(q->res);
	q->res = NULL;
	q->row = -1;
	q->p.n = 0;
}

void store_q_free(struct store_q *q)
{
	if (!q)
		return;
	sqlite3_finalize(q->lite);
	if (q->res) /* libpq is loaded only for a PostgreSQL store */
		sym_PQclear(q->res);
	portier_free(q);
}

int store_ready(struct portier_store *st, struct portier_err *err)
{
	return st->pg ? store_pg_ready(st, err) : 0;
}

int store_run(struct portier_store *st, const char *sql, const char *what,
	      struct portier_err *err)
{
	struct store_q *q = store_q_new(st, sql, what, err);
	int rc;

	if (!q)
		return err->code ? err->code : PORTIER_EIO;
	rc = store_q_step(q, err);
	store_q_free(q);
	return rc > 0 ? 0 : rc;
}
