/*
 * pg.c - the store on PostgreSQL (libpq), for a fleet writing to one
 * database: connecting with bounded retries, the schema's version in a
 * schema_version table, migrated under an advisory lock, and snapshots in
 * and out.  The SQL is schema.c's, in PostgreSQL's words
 * (store_sql_text); values travel in binary.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "portier/bytes.h"
#include "store/pg_int.h"

/* pg_advisory_xact_lock key of the migrations: "PORT". */
#define PG_LOCK_KEY "1347375700"
#define PG_SQL_MAX  8192
/* Listener inserts per pipeline. */
#define PG_BATCH 256

/* ---- messages ------------------------------------------------------------ */

/* libpq's message without its final newline (and only its first line). */
static void pg_msg(const char *m, char *buf, size_t len)
{
	portier_strlcpy(buf, m && *m ? m : "unknown error", len);
	buf[strcspn(buf, "\n")] = '\0';
}

/* err from the connection (or res): EDOWN when the connection is gone. */
int store_pg_err(struct portier_store *st, const PGresult *res,
		 struct portier_err *err, const char *what)
{
	PGconn *c = st->pg->conn;
	const char *m = res ? sym_PQresultErrorMessage(res) : NULL;
	char msg[PORTIER_ERR_MSG_MAX];
	bool down = !c || sym_PQstatus(c) == CONNECTION_BAD;

	pg_msg(m && *m ? m : c ? sym_PQerrorMessage(c) : NULL, msg, sizeof msg);
	portier_err_set(err, down ? PORTIER_STORE_EDOWN : PORTIER_EIO,
			"%s: %s: %s", st->path, what, msg);
	return down ? PORTIER_STORE_EDOWN : PORTIER_EIO;
}

/* Run sql, no parameters; 0 or an error. */
static int pg_exec(struct portier_store *st, const char *sql,
		   struct portier_err *err, const char *what)
{
	PGresult *r = sym_PQexec(st->pg->conn, sql);
	ExecStatusType t = sym_PQresultStatus(r);
	int rc = 0;

	if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK)
		rc = store_pg_err(st, r, err, what);
	sym_PQclear(r);
	return rc;
}

/* ---- parameters, in binary ----------------------------------------------- */

void store_pg_i64(struct params *p, int64_t v)
{
	put_be64(p->ints[p->n], (uint64_t)v);
	p->v[p->n] = (const char *)p->ints[p->n];
	p->len[p->n] = 8;
	p->fmt[p->n] = 1;
	p->type[p->n++] = OID_INT8;
}

void store_pg_bytes(struct params *p, const void *b, size_t n, Oid type)
{
	p->v[p->n] = b;
	p->len[p->n] = (int)n;
	p->fmt[p->n] = 1;
	p->type[p->n++] = type;
}

void store_pg_text(struct params *p, const char *s)
{
	store_pg_bytes(p, s, s ? strlen(s) : 0, OID_TEXT);
}

/* sql (SQLite's words) with p; binary results.  NULL only without memory. */
PGresult *store_pg_query(struct store_pg *pg, const char *sql,
			 const struct params *p)
{
	char text[PG_SQL_MAX];

	if (store_sql_text(sql, STORE_PG, text, sizeof text))
		return NULL;
	return sym_PQexecParams(pg->conn, text, p ? p->n : 0,
				p ? p->type : NULL, p ? p->v : NULL,
				p ? p->len : NULL, p ? p->fmt : NULL, 1);
}

/* ---- binary results ------------------------------------------------------- */

int64_t store_pg_int(const PGresult *r, int row, int col)
{
	const uint8_t *v = (const uint8_t *)sym_PQgetvalue(r, row, col);

	if (sym_PQgetisnull(r, row, col))
		return 0;
	switch (sym_PQgetlength(r, row, col)) {
	case 8:
		return (int64_t)get_be64(v);
	case 4:
		return (int32_t)get_be32(v);
	case 2:
		return (int16_t)get_be16(v);
	default:
		return 0;
	}
}

/* A copy of a text column, NULL for NULL; *fail when out of memory. */
static char *r_text(const PGresult *r, int row, int col, bool *fail)
{
	char *s;

	if (sym_PQgetisnull(r, row, col))
		return NULL;
	s = portier_strndup(sym_PQgetvalue(r, row, col),
			    (size_t)sym_PQgetlength(r, row, col));
	if (!s)
		*fail = true;
	return s;
}

static void r_copy(const PGresult *r, int row, int col, char *buf, size_t len)
{
	size_t n = sym_PQgetisnull(r, row, col)
			   ? 0
			   : (size_t)sym_PQgetlength(r, row, col);

	if (n >= len)
		n = len - 1;
	memcpy(buf, sym_PQgetvalue(r, row, col), n);
	buf[n] = '\0';
}

/* ---- connecting ------------------------------------------------------------ */

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static void sleep_ms(unsigned ms)
{
	struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000};

	while (nanosleep(&t, &t))
		;
}

/* Connect, with the options' attempts and back-off. */
static int pg_connect(struct portier_store *st, struct portier_err *err)
{
	struct store_pg *pg = st->pg;
	/* Ours first: a value in the string given wins over them. */
	const char *const keys[] = {"connect_timeout", "application_name",
				    "dbname", NULL};
	const char *const vals[] = {"5", "portier", pg->conninfo, NULL};
	unsigned attempts = pg->o.attempts ? pg->o.attempts : 4;
	unsigned delay = pg->o.delay_ms ? pg->o.delay_ms : 250;
	char msg[PORTIER_ERR_MSG_MAX] = "";

	sym_PQfinish(pg->conn);
	pg->conn = NULL;
	pg->prepared = false;
	for (unsigned i = 1; i <= attempts; i++) {
		pg->conn = sym_PQconnectdbParams(keys, vals, 1);
		if (!pg->conn)
			return portier_err_set(err, PORTIER_ENOMEM,
					       "out of memory");
		if (sym_PQstatus(pg->conn) == CONNECTION_OK)
			break;
		pg_msg(sym_PQerrorMessage(pg->conn), msg, sizeof msg);
		sym_PQfinish(pg->conn);
		pg->conn = NULL;
		if (i == attempts)
			break;
		if (pg->o.log) {
			char line[PORTIER_ERR_MSG_MAX + 256];

			snprintf(line, sizeof line,
				 "cannot reach the store %s (attempt %u of "
				 "%u): %s; trying again in %u ms",
				 st->path, i, attempts, msg, delay);
			pg->o.log(pg->o.log_ctx, line);
		}
		sleep_ms(delay);
		delay = delay * 2 > 4000 ? 4000 : delay * 2;
	}
	if (!pg->conn) {
		portier_err_set(err, PORTIER_STORE_EDOWN,
				"cannot reach the store %s after %u attempt%s: "
				"%s",
				st->path, attempts, attempts == 1 ? "" : "s",
				msg);
		return PORTIER_STORE_EDOWN;
	}
	sym_PQsetNoticeProcessor(pg->conn, quiet, NULL);
	return pg_exec(st, "SET client_min_messages = warning", err,
		       "cannot set up the session");
}

/* ---- the schema ------------------------------------------------------------ */

/* The version of the schema in the current schema of the database: 0 for
 * one without tables; PORTIER_EIO for one that is not a portier store. */
static int pg_version(struct portier_store *st, int *version,
		      struct portier_err *err)
{
	PGresult *r;
	int64_t tables, ours, ver = 0;
	int rc = 0;

	r = store_pg_query(
		st->pg,
		"SELECT count(*), count(*) FILTER (WHERE c.relname ="
		" 'schema_version') FROM pg_catalog.pg_class c JOIN"
		" pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
		" WHERE n.nspname = current_schema() AND c.relkind IN"
		" ('r', 'p', 'v', 'm', 'f')",
		NULL);
	if (sym_PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = store_pg_err(st, r, err, "cannot read the database");
		sym_PQclear(r);
		return rc;
	}
	tables = store_pg_int(r, 0, 0);
	ours = store_pg_int(r, 0, 1);
	sym_PQclear(r);
	*version = 0;
	if (!tables)
		return 0;
	if (ours) {
		r = store_pg_query(st->pg,
				   "SELECT app, version FROM schema_version",
				   NULL);
		if (sym_PQresultStatus(r) != PGRES_TUPLES_OK) {
			rc = store_pg_err(st, r, err,
					  "cannot read the database");
			sym_PQclear(r);
			return rc;
		}
		if (sym_PQntuples(r) == 1 && sym_PQgetlength(r, 0, 0) == 7 &&
		    !memcmp(sym_PQgetvalue(r, 0, 0), "portier", 7)) {
			ver = store_pg_int(r, 0, 1);
			sym_PQclear(r);
			goto check;
		}
		sym_PQclear(r);
	}
	portier_err_set(err, PORTIER_EIO,
			"%s: not a portier store (the database holds tables "
			"of something else)",
			st->path);
	portier_err_hint(err, "name an empty database, or one portier made");
	return PORTIER_EIO;
check:
	if ((rc = store_version_known(st, ver, "database", err)))
		return rc;
	*version = (int)ver;
	return 0;
}

/* One migration or statement in PostgreSQL's words. */
static int pg_exec_schema(struct portier_store *st, const char *sql,
			  struct portier_err *err)
{
	char text[PG_SQL_MAX];

	if (store_sql_text(sql, STORE_PG, text, sizeof text))
		return portier_err_set(err, PORTIER_EINVAL,
				       "a migration is too long");
	return pg_exec(st, text, err, "cannot update the schema");
}

/*
 * Check the schema and migrate it, in one transaction that holds an
 * advisory lock: writers opening a new database at once wait for the one
 * that creates it.  A refusal rolls back, writing nothing.
 */
static int pg_migrate(struct portier_store *st, struct portier_err *err)
{
	char sql[128];
	int v = 0, rc;

	if ((rc = pg_exec(st, "BEGIN", err, "cannot begin")) ||
	    (rc = pg_exec(st, "SELECT pg_advisory_xact_lock(" PG_LOCK_KEY ")",
			  err, "cannot lock the schema")) ||
	    (rc = pg_version(st, &v, err)))
		goto fail;
	st->version = v;
	if (v == PORTIER_STORE_SCHEMA)
		return pg_exec(st, "COMMIT", err, "cannot commit");
	if (v == 0 && !(st->pg->o.flags & PORTIER_STORE_CREATE)) {
		/* history and diff create nothing */
		rc = portier_err_set(err, PORTIER_ENOENT,
				     "no store in %s (no snapshot yet)",
				     st->path);
		goto fail;
	}
	if (v == 0 &&
	    (rc = pg_exec_schema(st,
				 "CREATE TABLE schema_version(app TEXT NOT"
				 " NULL, version INTEGER NOT NULL);"
				 "INSERT INTO schema_version VALUES('portier',"
				 " 0);",
				 err)))
		goto fail;
	for (; v < PORTIER_STORE_SCHEMA; v++)
		if ((rc = pg_exec_schema(st, store_migrations[v], err)))
			goto fail;
	snprintf(sql, sizeof sql, "UPDATE schema_version SET version = %d",
		 PORTIER_STORE_SCHEMA);
	if ((rc = pg_exec(st, sql, err, "cannot update the schema")) ||
	    (rc = pg_exec(st, "COMMIT", err, "cannot commit")))
		goto fail;
	st->version = PORTIER_STORE_SCHEMA;
	return 0;
fail:
	sym_PQclear(sym_PQexec(st->pg->conn, "ROLLBACK"));
	return rc;
}

int store_pg_open(struct portier_store *st, const char *conninfo,
		  const struct portier_store_opts *o, struct portier_err *err)
{
	char *perr = NULL;
	PQconninfoOption *opts;
	int rc = store_pg_lib_load(err);

	if (rc < 0)
		return rc;
	opts = sym_PQconninfoParse(conninfo, &perr);
	if (!opts) {
		char msg[PORTIER_ERR_MSG_MAX];

		/* libpq quotes what it could not parse, which may be a
		 * piece of the password: name the string only, redacted. */
		pg_msg(perr, msg, sizeof msg);
		sym_PQfreemem(perr);
		if (strcmp(st->path, conninfo))
			portier_strlcpy(msg,
					"(details withheld: the string "
					"holds a password)",
					sizeof msg);
		portier_err_set(err, PORTIER_EIO,
				"%s: not a valid connection string: %s",
				st->path, msg);
		portier_err_hint(err, "see \"Connection Strings\" in "
				      "PostgreSQL's libpq documentation");
		return PORTIER_EIO;
	}
	sym_PQconninfoFree(opts);
	if (!(st->pg = portier_calloc(1, sizeof *st->pg)) ||
	    !(st->pg->conninfo = portier_strdup(conninfo)))
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	st->pg->o = *o;
	if ((rc = pg_connect(st, err)))
		return rc;
	return pg_migrate(st, err);
}

void store_pg_close(struct portier_store *st)
{
	if (!st->pg)
		return;
	sym_PQfinish(st->pg->conn);
	if (st->pg->conninfo) {
		explicit_bzero(st->pg->conninfo, strlen(st->pg->conninfo));
		portier_free(st->pg->conninfo);
	}
	portier_free(st->pg);
	st->pg = NULL;
}

/* ---- snapshots ------------------------------------------------------------- */

static void p_listener(struct params *p, int64_t id,
		       const struct portier_listener *x)
{
	p->n = 0;
	store_pg_i64(p, id);
	store_pg_i64(p, x->proto);
	store_pg_i64(p, x->family);
	store_pg_bytes(p, x->addr, 16, OID_BYTEA);
	store_pg_i64(p, x->port);
	store_pg_text(p, x->netns ? x->netns : "");
	store_pg_i64(p, (int64_t)x->inode);
	store_pg_i64(p, x->pid);
	store_pg_i64(p, x->uid);
	store_pg_text(p, x->comm);
	store_pg_text(p, x->exe);
	store_pg_i64(p, x->exe_deleted);
	store_pg_text(p, x->unit);
	store_pg_text(p, x->container);
	store_pg_bytes(p, x->have_sha ? x->sha256 : NULL, x->have_sha ? 32 : 0,
		       OID_BYTEA);
	store_pg_i64(p, x->kb_risk);
	store_pg_i64(p, x->audit);
	store_pg_text(p, x->rules);
	store_pg_text(p, x->package);
	if (store_verified_col(x->pkg_verified) < 0)
		store_pg_bytes(p, NULL, 0, OID_INT8);
	else
		store_pg_i64(p, store_verified_col(x->pkg_verified));
}

/* The id under key, after the insert found it there (0 when none). */
static int64_t pg_key_id(struct store_pg *pg, const char *key)
{
	struct params p = {0};
	PGresult *r;
	int64_t id = 0;

	store_pg_text(&p, key);
	r = store_pg_query(pg, store_sql_snapshot_by_key, &p);
	if (sym_PQresultStatus(r) == PGRES_TUPLES_OK && sym_PQntuples(r) == 1)
		id = store_pg_int(r, 0, 0);
	sym_PQclear(r);
	return id;
}

/*
 * The results of a pipeline of n inserts and its sync: 0, or the first
 * error.  Reads until the sync (or the connection fails).
 */
static int pg_pipeline_results(struct portier_store *st, size_t n,
			       struct portier_err *err)
{
	PGconn *c = st->pg->conn;
	size_t nulls = 0;
	int rc = 0;

	for (;;) {
		PGresult *r = sym_PQgetResult(c);
		ExecStatusType t;

		if (!r) { /* the end of one insert's results */
			if (++nulls > n || sym_PQstatus(c) == CONNECTION_BAD)
				return rc ? rc
					  : store_pg_err(
						    st, NULL, err,
						    "cannot save the snapshot");
			continue;
		}
		t = sym_PQresultStatus(r);
		if (t != PGRES_COMMAND_OK && t != PGRES_PIPELINE_SYNC &&
		    t != PGRES_PIPELINE_ABORTED && !rc)
			rc = store_pg_err(st, r, err,
					  "cannot save the snapshot");
		sym_PQclear(r);
		if (t == PGRES_PIPELINE_SYNC)
			return rc;
	}
}

/*
 * n listeners sent as one pipeline: a round trip for the lot instead of
 * one each.  Batches stay small enough that the server's answers fit in
 * the socket's buffer while we are still writing (no deadlock in libpq's
 * blocking mode).
 */
static int pg_insert_batch(struct portier_store *st, int64_t id,
			   const struct portier_listener *l, size_t n,
			   struct portier_err *err)
{
	PGconn *c = st->pg->conn;
	struct params p = {0};
	int rc = 0;

	if (!sym_PQenterPipelineMode(c))
		return store_pg_err(st, NULL, err, "cannot save the snapshot");
	for (size_t i = 0; i < n; i++) {
		p_listener(&p, id, &l[i]);
		if (!sym_PQsendQueryPrepared(c, "portier_listener", p.n, p.v,
					     p.len, p.fmt, 1)) {
			n = i;
			rc = store_pg_err(st, NULL, err,
					  "cannot save the snapshot");
			break;
		}
	}
	if (sym_PQpipelineSync(c)) {
		int rc2 = pg_pipeline_results(st, n, err);

		rc = rc ? rc : rc2;
	} else if (!rc) {
		rc = store_pg_err(st, NULL, err, "cannot save the snapshot");
	}
	if (!sym_PQexitPipelineMode(c) && !rc)
		rc = store_pg_err(st, NULL, err, "cannot save the snapshot");
	return rc;
}

static int pg_insert_listeners(struct portier_store *st, int64_t id,
			       const struct portier_snapshot *s,
			       struct portier_err *err)
{
	struct store_pg *pg = st->pg;
	struct params p = {0};
	PGresult *r;
	int rc = 0;

	if (!pg->prepared) {
		char text[PG_SQL_MAX];

		p_listener(&p, 0, &(struct portier_listener){0});
		store_sql_text(store_sql_insert_listener, STORE_PG, text,
			       sizeof text);
		r = sym_PQprepare(pg->conn, "portier_listener", text, p.n,
				  p.type);
		if (sym_PQresultStatus(r) != PGRES_COMMAND_OK)
			rc = store_pg_err(st, r, err,
					  "cannot save the snapshot");
		sym_PQclear(r);
		if (rc)
			return rc;
		pg->prepared = true;
	}
	for (size_t i = 0; i < s->n && !rc; i += PG_BATCH)
		rc = pg_insert_batch(st, id, s->l + i,
				     s->n - i < PG_BATCH ? s->n - i : PG_BATCH,
				     err);
	return rc;
}

static int pg_save_once(struct portier_store *st, struct portier_snapshot *s,
			store_more_fn more, void *ctx, const char *what,
			struct portier_err *err)
{
	struct params p = {0};
	PGresult *r;
	int64_t id;
	int rc;

	if ((rc = pg_exec(st, "BEGIN", err, what)))
		return rc;
	store_pg_i64(&p, s->time);
	store_pg_text(&p, s->host ? s->host : "");
	store_pg_text(&p, s->machine_id ? s->machine_id : "");
	store_pg_text(&p, s->key[0] ? s->key : NULL);
	r = store_pg_query(st->pg, store_sql_insert_snapshot, &p);
	if (sym_PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = store_pg_err(st, r, err, what);
		sym_PQclear(r);
		goto fail;
	}
	if (sym_PQntuples(r) == 0) { /* this key is stored already */
		sym_PQclear(r);
		sym_PQclear(sym_PQexec(st->pg->conn, "ROLLBACK"));
		s->id = pg_key_id(st->pg, s->key);
		return 0;
	}
	id = store_pg_int(r, 0, 0);
	sym_PQclear(r);
	s->id = id; /* what more() refers to */
	if ((rc = pg_insert_listeners(st, id, s, err)) ||
	    (more && (rc = more(st, s, ctx, err))) ||
	    (rc = pg_exec(st, "COMMIT", err, what)))
		goto fail;
	return 0;
fail:
	sym_PQclear(sym_PQexec(st->pg->conn, "ROLLBACK"));
	return rc;
}

int store_pg_ready(struct portier_store *st, struct portier_err *err)
{
	if (sym_PQstatus(st->pg->conn) == CONNECTION_OK)
		return 0;
	return pg_connect(st, err);
}

int store_pg_save(struct portier_store *st, struct portier_snapshot *s,
		  store_more_fn more, void *ctx, const char *what,
		  struct portier_err *err)
{
	int64_t id = s->id;
	int rc;

	if ((rc = store_pg_ready(st, err)))
		return rc;
	rc = pg_save_once(st, s, more, ctx, what, err);
	/* The server went away: reconnect and send it again.  The key makes
	 * that safe when the first COMMIT arrived but its answer did not. */
	if (rc == PORTIER_STORE_EDOWN) {
		if (st->pg->o.log)
			st->pg->o.log(st->pg->o.log_ctx, err->msg);
		if (!(rc = pg_connect(st, err)))
			rc = pg_save_once(st, s, more, ctx, what, err);
	}
	if (rc)
		s->id = id;
	return rc;
}

static bool pg_read_listener(const PGresult *r, int i,
			     struct portier_listener *x)
{
	bool fail = false;

	x->proto = (uint8_t)store_pg_int(r, i, 0);
	x->family = (uint8_t)store_pg_int(r, i, 1);
	if (sym_PQgetlength(r, i, 2) == 16)
		memcpy(x->addr, sym_PQgetvalue(r, i, 2), 16);
	x->port = (uint16_t)store_pg_int(r, i, 3);
	x->netns = r_text(r, i, 4, &fail);
	x->inode = (uint64_t)store_pg_int(r, i, 5);
	x->pid = (int)store_pg_int(r, i, 6);
	x->uid = (uint32_t)store_pg_int(r, i, 7);
	x->comm = r_text(r, i, 8, &fail);
	x->exe = r_text(r, i, 9, &fail);
	x->exe_deleted = store_pg_int(r, i, 10) != 0;
	x->unit = r_text(r, i, 11, &fail);
	x->container = r_text(r, i, 12, &fail);
	if (!sym_PQgetisnull(r, i, 13) && sym_PQgetlength(r, i, 13) == 32) {
		memcpy(x->sha256, sym_PQgetvalue(r, i, 13), 32);
		x->have_sha = true;
	}
	x->kb_risk = (uint8_t)store_pg_int(r, i, 14);
	x->audit = (uint8_t)store_pg_int(r, i, 15);
	x->rules = r_text(r, i, 16, &fail);
	x->package = r_text(r, i, 17, &fail);
	x->pkg_verified = store_verified_from(sym_PQgetisnull(r, i, 18),
					      store_pg_int(r, i, 18));
	return !fail;
}

int store_pg_load(struct portier_store *st, int64_t id,
		  struct portier_snapshot *s, struct portier_err *err)
{
	struct params p = {0};
	bool fail = false;
	PGresult *r;
	int rc, n;

	if ((rc = store_pg_ready(st, err)))
		return rc;
	store_pg_i64(&p, id);
	r = store_pg_query(st->pg, store_sql_select_snapshot, &p);
	if (sym_PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = store_pg_err(st, r, err, "cannot read a snapshot");
		sym_PQclear(r);
		return rc;
	}
	if (sym_PQntuples(r) != 1) {
		sym_PQclear(r);
		return portier_err_set(err, PORTIER_ENOENT,
				       "no snapshot %lld in %s", (long long)id,
				       st->path);
	}
	s->id = id;
	s->time = store_pg_int(r, 0, 0);
	s->host = r_text(r, 0, 1, &fail);
	s->machine_id = r_text(r, 0, 2, &fail);
	r_copy(r, 0, 3, s->key, sizeof s->key);
	sym_PQclear(r);
	r = store_pg_query(st->pg, store_sql_select_listeners, &p);
	if (sym_PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = store_pg_err(st, r, err, "cannot read a snapshot");
		sym_PQclear(r);
		return rc;
	}
	n = sym_PQntuples(r);
	if (n && !(s->l = portier_calloc((size_t)n, sizeof *s->l)))
		fail = true;
	for (int i = 0; i < n && !fail; i++)
		fail = !pg_read_listener(r, i, &s->l[s->n++]);
	sym_PQclear(r);
	return fail ? portier_err_set(err, PORTIER_ENOMEM, "out of memory") : 0;
}

int store_pg_list(struct portier_store *st, struct portier_snapshot_info **out,
		  size_t *n, struct portier_err *err)
{
	PGresult *r;
	int rows, rc;

	if ((rc = store_pg_ready(st, err)))
		return rc;
	r = store_pg_query(st->pg, store_sql_list, NULL);
	if (sym_PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = store_pg_err(st, r, err, "cannot list snapshots");
		sym_PQclear(r);
		return rc;
	}
	rows = sym_PQntuples(r);
	if (rows && !(*out = portier_calloc((size_t)rows, sizeof **out))) {
		sym_PQclear(r);
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	}
	for (int i = 0; i < rows; i++) {
		struct portier_snapshot_info *x = &(*out)[i];

		x->id = store_pg_int(r, i, 0);
		x->time = store_pg_int(r, i, 1);
		x->listeners = (size_t)store_pg_int(r, i, 2);
		r_copy(r, i, 3, x->host, sizeof x->host);
		r_copy(r, i, 4, x->machine_id, sizeof x->machine_id);
	}
	*n = (size_t)rows;
	sym_PQclear(r);
	return 0;
}
