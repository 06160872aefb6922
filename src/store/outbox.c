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

/* One int64 of a query with the host as its one parameter (0 when no
 * row; *found says whether there was one). */
static int host_int(struct portier_store *st, const char *sql, const char *host,
		    int64_t *v, bool *found, struct portier_err *err)
{
	struct store_q *q =
		store_q_new(st, sql, "cannot read the watch state", err);
	int rc;

	*v = 0;
	if (!q)
		return err->code;
	store_q_text(q, host ? host : "");
	rc = store_q_step(q, err);
	if (rc == 1)
		*v = store_q_int(q, 0);
	if (found)
		*found = rc == 1;
	store_q_free(q);
	return rc > 0 ? 0 : rc;
}

int portier_store_watch_get(struct portier_store *st, const char *host,
			    int64_t *snapshot, int64_t *delivered,
			    struct portier_err *err)
{
	struct store_q *q;
	int rc;

	*snapshot = *delivered = 0;
	if ((rc = store_ready(st, err)) ||
	    !(q = store_q_new(st, store_sql_watch_row,
			      "cannot read the watch state", err)))
		return rc ? rc : err->code;
	store_q_text(q, host ? host : "");
	rc = store_q_step(q, err);
	if (rc == 1) {
		*snapshot = store_q_int(q, 0);
		*delivered = store_q_int(q, 1);
	}
	store_q_free(q);
	if (rc)
		return rc > 0 ? 0 : rc;
	/* No watch yet: the host's last snapshot, every event delivered. */
	if ((rc = host_int(st, store_sql_host_last_snapshot, host, snapshot,
			   NULL, err)))
		return rc;
	return host_int(st, store_sql_host_last_event, host, delivered, NULL,
			err);
}

/* The events and the watch row, inside the caller's transaction. */
struct events_in {
	const uint8_t *kinds;
	const char *const *bodies;
	size_t n;
	int64_t *first;
};

static int put_events(struct portier_store *st,
		      const struct portier_snapshot *s, void *ctx,
		      struct portier_err *err)
{
	static const char what[] = "cannot save the watch's events";
	const struct events_in *e = ctx;
	struct store_q *q;
	int64_t delivered;
	bool found;
	int rc;

	*e->first = 0;
	/* A first watch row starts with every earlier event delivered. */
	if ((rc = host_int(st, store_sql_watch_row, s->host, &delivered, &found,
			   err)) ||
	    (!found && (rc = host_int(st, store_sql_host_last_event, s->host,
				      &delivered, NULL, err))))
		return rc;
	if (!(q = store_q_new(st, store_sql_insert_event, what, err)))
		return err->code;
	for (size_t i = 0; i < e->n; i++) {
		store_q_reset(q);
		store_q_text(q, s->host ? s->host : "");
		store_q_i64(q, s->id);
		store_q_text(q, portier_event_name(
					(enum portier_event_kind)e->kinds[i]));
		store_q_text(q, e->bodies[i]);
		if ((rc = store_q_step(q, err)) != 1) {
			store_q_free(q);
			return rc ? rc
				  : portier_err_set(err, PORTIER_EIO,
						    "%s: %s: no seq", st->path,
						    what);
		}
		if (!i)
			*e->first = store_q_int(q, 0);
	}
	store_q_free(q);
	if (!(q = store_q_new(st, store_sql_upsert_watch, what, err)))
		return err->code;
	store_q_text(q, s->host ? s->host : "");
	store_q_i64(q, s->id);
	store_q_i64(q, found ? 0 : delivered);
	rc = store_q_step(q, err);
	store_q_free(q);
	return rc > 0 ? 0 : rc;
}

int portier_store_watch_commit(struct portier_store *st,
			       struct portier_snapshot *s, const uint8_t *kinds,
			       const char *const *bodies, size_t n,
			       int64_t *first_seq, struct portier_err *err)
{
	struct events_in e = {kinds, bodies, n, first_seq};

	*first_seq = 0;
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
	struct store_q *q;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = store_ready(st, err)) ||
	    !(q = store_q_new(st, store_sql_outbox, "cannot read the events",
			      err)))
		return rc ? rc : err->code;
	store_q_text(q, host ? host : "");
	store_q_i64(q, after);
	while ((rc = store_q_step(q, err)) == 1) {
		const char *body = store_q_str(q, 1);

		if (portier_grow(out, &cap, *n + 1, sizeof **out, 16) ||
		    !((*out)[*n].body = portier_strdup(body ? body : ""))) {
			rc = portier_err_set(err, PORTIER_ENOMEM,
					     "out of memory");
			break;
		}
		(*out)[*n].seq = store_q_int(q, 0);
		(*out)[(*n)++].snapshot = store_q_int(q, 2);
	}
	store_q_free(q);
	if (rc) {
		portier_outbox_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

int portier_store_delivered(struct portier_store *st, const char *host,
			    int64_t seq, struct portier_err *err)
{
	struct store_q *q;
	int rc;

	if ((rc = store_ready(st, err)) ||
	    !(q = store_q_new(st, store_sql_delivered,
			      "cannot record a delivery", err)))
		return rc ? rc : err->code;
	store_q_i64(q, seq);
	store_q_text(q, host ? host : "");
	store_q_i64(q, seq);
	rc = store_q_step(q, err);
	store_q_free(q);
	return rc > 0 ? 0 : rc;
}
