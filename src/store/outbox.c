/*
 * outbox.c - where `portier watch` stands, kept in the store so that a
 * watch killed at any moment resumes without repeating or losing an
 * event: the baseline snapshot and the events it produced are committed
 * together (table event, numbered by seq), and delivery is recorded after
 * each event went out (watch.delivered).  docs/store.md explains the
 * order.
 */
#include <string.h>

#include "store/store_int.h"

static void bind_host(sqlite3_stmt *q, int i, const char *host)
{
	sqlite3_bind_text(q, i, host ? host : "", -1, SQLITE_STATIC);
}

/* One int64 of a query with the host bound to ?1 (0 when no row). */
static int host_int(struct portier_store *st, const char *sql, const char *host,
		    int64_t *v, bool *found, struct portier_err *err)
{
	sqlite3_stmt *q;
	int rc;

	*v = 0;
	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
		return store_sql_err(st, err, "cannot read the watch state");
	bind_host(q, 1, host);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(q, 0);
	if (found)
		*found = rc == SQLITE_ROW;
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sql_err(st, err, "cannot read the watch state");
	return 0;
}

int portier_store_watch_get(struct portier_store *st, const char *host,
			    int64_t *snapshot, int64_t *delivered,
			    struct portier_err *err)
{
	bool found;
	int rc;

	if ((rc = store_need_sqlite(st, "the watch state", err)))
		return rc;
	if ((rc = host_int(st,
			   "SELECT coalesce(snapshot, 0) FROM watch"
			   " WHERE host = ?1",
			   host, snapshot, &found, err)))
		return rc;
	if (found)
		return host_int(st,
				"SELECT delivered FROM watch WHERE host = ?1",
				host, delivered, NULL, err);
	/* No watch yet: the host's last snapshot, every event delivered. */
	if ((rc = host_int(st,
			   "SELECT coalesce(max(id), 0) FROM snapshot"
			   " WHERE host = ?1",
			   host, snapshot, NULL, err)))
		return rc;
	return host_int(
		st, "SELECT coalesce(max(seq), 0) FROM event WHERE host = ?1",
		host, delivered, NULL, err);
}

/* The events and the watch row, inside the caller's transaction. */
struct events_in {
	const uint8_t *kinds;
	const char *const *bodies;
	size_t n;
	int64_t *first;
};

static int put_events(struct portier_store *st,
		      const struct portier_snapshot *s, void *ctx)
{
	const struct events_in *e = ctx;
	const uint8_t *kinds = e->kinds;
	const char *const *bodies = e->bodies;
	size_t n = e->n;
	int64_t *first = e->first;
	sqlite3_stmt *q = NULL;
	int64_t delivered;
	bool found;

	*first = 0;
	/* A first watch row starts with every earlier event delivered. */
	if (host_int(st, "SELECT 1 FROM watch WHERE host = ?1", s->host,
		     &delivered, &found, NULL) ||
	    (!found && host_int(st,
				"SELECT coalesce(max(seq), 0) FROM event"
				" WHERE host = ?1",
				s->host, &delivered, NULL, NULL)))
		return -1;
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO event(host, snapshot, kind, body)"
			       " VALUES(?, ?, ?, ?)",
			       -1, &q, NULL) != SQLITE_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(q);
		bind_host(q, 1, s->host);
		sqlite3_bind_int64(q, 2, s->id);
		sqlite3_bind_text(
			q, 3,
			portier_event_name((enum portier_event_kind)kinds[i]),
			-1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, bodies[i], -1, SQLITE_STATIC);
		if (sqlite3_step(q) != SQLITE_DONE) {
			sqlite3_finalize(q);
			return -1;
		}
		if (!i)
			*first = sqlite3_last_insert_rowid(st->db);
	}
	sqlite3_finalize(q);
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO watch(host, snapshot, delivered)"
			       " VALUES(?1, ?2, ?3) ON CONFLICT(host) DO"
			       " UPDATE SET snapshot = ?2",
			       -1, &q, NULL) != SQLITE_OK)
		return -1;
	bind_host(q, 1, s->host);
	sqlite3_bind_int64(q, 2, s->id);
	sqlite3_bind_int64(q, 3, found ? 0 : delivered);
	if (sqlite3_step(q) != SQLITE_DONE) {
		sqlite3_finalize(q);
		return -1;
	}
	sqlite3_finalize(q);
	return 0;
}

int portier_store_watch_commit(struct portier_store *st,
			       struct portier_snapshot *s, const uint8_t *kinds,
			       const char *const *bodies, size_t n,
			       int64_t *first_seq, struct portier_err *err)
{
	struct events_in e = {kinds, bodies, n, first_seq};

	return store_save_tx(st, s, put_events, &e,
			     "cannot save the watch's snapshot", err);
}

void portier_outbox_free(struct portier_outbox *o, size_t n)
{
	for (size_t i = 0; o && i < n; i++)
		portier_free(o[i].body);
	portier_free(o);
}

int portier_store_outbox(struct portier_store *st, const char *host,
			 int64_t after, struct portier_outbox **out, size_t *n,
			 struct portier_err *err)
{
	sqlite3_stmt *q;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = store_need_sqlite(st, "watch events", err)))
		return rc;
	if (sqlite3_prepare_v2(
		    st->db,
		    "SELECT seq, body, snapshot FROM event WHERE host = ?"
		    " AND seq > ? ORDER BY seq",
		    -1, &q, NULL) != SQLITE_OK)
		return store_sql_err(st, err, "cannot read the events");
	bind_host(q, 1, host);
	sqlite3_bind_int64(q, 2, after);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *body = (const char *)sqlite3_column_text(q, 1);

		if (portier_grow(out, &cap, *n + 1, sizeof **out, 16) ||
		    !((*out)[*n].body = portier_strdup(body ? body : ""))) {
			sqlite3_finalize(q);
			portier_outbox_free(*out, *n);
			*out = NULL;
			*n = 0;
			return portier_err_set(err, PORTIER_ENOMEM,
					       "out of memory");
		}
		(*out)[*n].seq = sqlite3_column_int64(q, 0);
		(*out)[(*n)++].snapshot = sqlite3_column_int64(q, 2);
	}
	if (rc != SQLITE_DONE) {
		rc = store_sql_err(st, err, "cannot read the events");
		sqlite3_finalize(q);
		portier_outbox_free(*out, *n);
		*out = NULL;
		*n = 0;
		return rc;
	}
	sqlite3_finalize(q);
	return 0;
}

int portier_store_delivered(struct portier_store *st, const char *host,
			    int64_t seq, struct portier_err *err)
{
	sqlite3_stmt *q;
	int rc;

	if ((rc = store_need_sqlite(st, "watch events", err)))
		return rc;
	if (sqlite3_prepare_v2(st->db,
			       "UPDATE watch SET delivered = ? WHERE host = ?"
			       " AND delivered < ?",
			       -1, &q, NULL) != SQLITE_OK)
		return store_sql_err(st, err, "cannot record a delivery");
	sqlite3_bind_int64(q, 1, seq);
	bind_host(q, 2, host);
	sqlite3_bind_int64(q, 3, seq);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return store_sql_err(st, err, "cannot record a delivery");
	return 0;
}
