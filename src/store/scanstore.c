/*
 * scanstore.c - scan results in the store (`portier scan --store`,
 * `portier snapshot --import FILE`): the hosts and ports of a scan file
 * (scanfile.c) saved as one scan, and read back for `portier diff
 * --scans`, which compares them as ndiff does (scandiff.c).
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

static int put_host(struct portier_store *st, sqlite3_stmt *qh,
		    sqlite3_stmt *qp, int64_t id,
		    const struct portier_scan_host *h)
{
	sqlite3_reset(qh);
	sqlite3_bind_int64(qh, 1, id);
	sqlite3_bind_text(qh, 2, h->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(qh, 3, h->name ? h->name : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(qh, 4, h->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(qh, 5, h->extraports ? h->extraports : "", -1,
			  SQLITE_STATIC);
	if (sqlite3_step(qh) != SQLITE_DONE)
		return -1;
	for (size_t k = 0; k < h->n_ports; k++) {
		const struct portier_scan_port *p = &h->ports[k];

		sqlite3_reset(qp);
		sqlite3_bind_int64(qp, 1, id);
		sqlite3_bind_text(qp, 2, h->id, -1, SQLITE_STATIC);
		sqlite3_bind_int(qp, 3, p->port);
		sqlite3_bind_int(qp, 4, p->proto);
		sqlite3_bind_text(qp, 5, p->state, -1, SQLITE_STATIC);
		sqlite3_bind_text(qp, 6, p->service, -1, SQLITE_STATIC);
		if (sqlite3_step(qp) != SQLITE_DONE)
			return -1;
	}
	(void)st;
	return 0;
}

int portier_store_scan_save(struct portier_store *st,
			    const struct portier_scan_file *f, int64_t time,
			    const char *source, int64_t *id,
			    struct portier_err *err)
{
	sqlite3_stmt *q = NULL, *qh = NULL, *qp = NULL;
	int rc;

	*id = 0;
	if ((rc = store_need_sqlite(st, "stored scans", err)))
		return rc;
	if ((rc = store_exec(st, "BEGIN IMMEDIATE", err)))
		return rc;
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO scan(time, source) VALUES(?, ?)",
			       -1, &q, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(q, 1, time);
	sqlite3_bind_text(q, 2, source ? source : "", -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE)
		goto fail;
	*id = sqlite3_last_insert_rowid(st->db);
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO scan_host(scan, hid, name, state,"
			       " extraports) VALUES(?, ?, ?, ?, ?)",
			       -1, &qh, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db,
			       "INSERT INTO scan_port(scan, hid, port, proto,"
			       " state, service) VALUES(?, ?, ?, ?, ?, ?)",
			       -1, &qp, NULL) != SQLITE_OK)
		goto fail;
	for (size_t i = 0; i < f->n; i++)
		if (put_host(st, qh, qp, *id, &f->hosts[i]))
			goto fail;
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_finalize(q);
	sqlite3_finalize(qh);
	sqlite3_finalize(qp);
	return 0;
fail:
	rc = store_sql_err(st, err, "cannot save the scan");
	sqlite3_finalize(q);
	sqlite3_finalize(qh);
	sqlite3_finalize(qp);
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	*id = 0;
	return rc;
}

static char *col_dup(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	return portier_strdup(t ? (const char *)t : "");
}

static void col_copy(sqlite3_stmt *q, int i, char *buf, size_t len)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	portier_strlcpy(buf, t ? (const char *)t : "", len);
}

/* The hosts of scan id, then their ports (both in the file's order: hosts
 * by id, ports by number and protocol). */
static int load_rows(struct portier_store *st, int64_t id,
		     struct portier_scan_file *f)
{
	sqlite3_stmt *q = NULL;
	size_t cap = 0, h = 0, pcap = 0;
	int rc;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT hid, name, state, extraports FROM"
			       " scan_host WHERE scan = ? ORDER BY hid",
			       -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct portier_scan_host *x;

		if (portier_grow(&f->hosts, &cap, f->n + 1, sizeof *f->hosts,
				 8))
			goto nomem;
		x = &f->hosts[f->n++];
		memset(x, 0, sizeof *x);
		x->id = col_dup(q, 0);
		x->name = col_dup(q, 1);
		x->extraports = col_dup(q, 3);
		col_copy(q, 2, x->state, sizeof x->state);
		if (!x->id || !x->name || !x->extraports)
			goto nomem;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE ||
	    sqlite3_prepare_v2(st->db,
			       "SELECT hid, port, proto, state, service FROM"
			       " scan_port WHERE scan = ? ORDER BY hid, port,"
			       " proto",
			       -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *hid = (const char *)sqlite3_column_text(q, 0);
		struct portier_scan_port *p;

		while (h < f->n && hid && strcmp(f->hosts[h].id, hid) < 0) {
			h++;
			pcap = 0;
		}
		if (h == f->n || !hid || strcmp(f->hosts[h].id, hid))
			continue; /* a port of no host: not ours to invent */
		if (portier_grow(&f->hosts[h].ports, &pcap,
				 f->hosts[h].n_ports + 1,
				 sizeof *f->hosts[h].ports, 16))
			goto nomem;
		p = &f->hosts[h].ports[f->hosts[h].n_ports++];
		memset(p, 0, sizeof *p);
		p->port = (uint16_t)sqlite3_column_int(q, 1);
		p->proto = (uint8_t)sqlite3_column_int(q, 2);
		col_copy(q, 3, p->state, sizeof p->state);
		col_copy(q, 4, p->service, sizeof p->service);
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
nomem:
	sqlite3_finalize(q);
	return PORTIER_ENOMEM;
}

int portier_store_scan_load(struct portier_store *st, int64_t id,
			    struct portier_scan_file **out,
			    struct portier_err *err)
{
	struct portier_scan_file *f;
	int64_t found = 0;
	sqlite3_stmt *q;
	int rc;

	*out = NULL;
	if ((rc = store_need_sqlite(st, "stored scans", err)))
		return rc;
	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM scan WHERE id = ?",
			       -1, &q, NULL) != SQLITE_OK)
		return store_sql_err(st, err, "cannot read a scan");
	sqlite3_bind_int64(q, 1, id);
	if (sqlite3_step(q) == SQLITE_ROW)
		found = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	if (!found)
		return portier_err_set(err, PORTIER_ENOENT,
				       "no scan %lld in %s", (long long)id,
				       st->path);
	if (!(f = portier_calloc(1, sizeof *f)))
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	rc = load_rows(st, id, f);
	if (rc) {
		portier_scan_file_free(f);
		if (rc == PORTIER_ENOMEM)
			return portier_err_set(err, rc, "out of memory");
		return store_sql_err(st, err, "cannot read a scan");
	}
	*out = f;
	return 0;
}

int portier_store_scan_list(struct portier_store *st,
			    struct portier_scan_info **out, size_t *n,
			    struct portier_err *err)
{
	sqlite3_stmt *q;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = store_need_sqlite(st, "stored scans", err)))
		return rc;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT s.id, s.time, (SELECT count(*) FROM"
			       " scan_host WHERE scan = s.id), s.source FROM"
			       " scan s ORDER BY s.id",
			       -1, &q, NULL) != SQLITE_OK)
		return store_sql_err(st, err, "cannot list scans");
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct portier_scan_info *x;

		if (portier_grow(out, &cap, *n + 1, sizeof **out, 16)) {
			rc = SQLITE_NOMEM;
			break;
		}
		x = &(*out)[(*n)++];
		x->id = sqlite3_column_int64(q, 0);
		x->time = sqlite3_column_int64(q, 1);
		x->hosts = (size_t)sqlite3_column_int64(q, 2);
		col_copy(q, 3, x->source, sizeof x->source);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		portier_free(*out);
		*out = NULL;
		*n = 0;
		if (rc == SQLITE_NOMEM)
			return portier_err_set(err, PORTIER_ENOMEM,
					       "out of memory");
		return store_sql_err(st, err, "cannot list scans");
	}
	return 0;
}
