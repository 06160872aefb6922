/*
 * scanstore.c - scan results in the store (`portier scan --store`,
 * `portier snapshot --import FILE`): the hosts and ports of a scan file
 * (scanfile.c) saved as one scan, and read back for `portier diff
 * --scans`, which compares them as ndiff does (scandiff.c).  Written once
 * for both backends (query.c).
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

static const char save_what[] = "cannot save the scan";

static int put_host(struct store_q *qh, struct store_q *qp, int64_t id,
		    const struct portier_scan_host *h, struct portier_err *err)
{
	int rc;

	store_q_reset(qh);
	store_q_i64(qh, id);
	store_q_text(qh, h->id);
	store_q_text(qh, h->name ? h->name : "");
	store_q_text(qh, h->state);
	store_q_text(qh, h->extraports ? h->extraports : "");
	if ((rc = store_q_step(qh, err)) < 0)
		return rc;
	for (size_t k = 0; k < h->n_ports; k++) {
		const struct portier_scan_port *p = &h->ports[k];

		store_q_reset(qp);
		store_q_i64(qp, id);
		store_q_text(qp, h->id);
		store_q_i64(qp, p->port);
		store_q_i64(qp, p->proto);
		store_q_text(qp, p->state);
		store_q_text(qp, p->service);
		if ((rc = store_q_step(qp, err)) < 0)
			return rc;
	}
	return 0;
}

/* The scan's rows, inside the caller's transaction. */
static int put_scan(struct portier_store *st, const struct portier_scan_file *f,
		    int64_t time, const char *source, int64_t *id,
		    struct portier_err *err)
{
	struct store_q *q, *qh = NULL, *qp = NULL;
	int rc;

	if (!(q = store_q_new(st, store_sql_insert_scan, save_what, err)))
		return err->code;
	store_q_i64(q, time);
	store_q_text(q, source ? source : "");
	rc = store_q_step(q, err);
	if (rc == 1)
		*id = store_q_int(q, 0);
	store_q_free(q);
	if (rc != 1)
		return rc ? rc
			  : portier_err_set(err, PORTIER_EIO, "%s: %s: no id",
					    st->path, save_what);
	rc = 0;
	if (!(qh = store_q_new(st, store_sql_insert_scan_host, save_what,
			       err)) ||
	    !(qp = store_q_new(st, store_sql_insert_scan_port, save_what, err)))
		rc = err->code;
	for (size_t i = 0; !rc && i < f->n; i++)
		rc = put_host(qh, qp, *id, &f->hosts[i], err);
	store_q_free(qh);
	store_q_free(qp);
	return rc;
}

int portier_store_scan_save(struct portier_store *st,
			    const struct portier_scan_file *f, int64_t time,
			    const char *source, int64_t *id,
			    struct portier_err *err)
{
	int rc;

	*id = 0;
	if ((rc = store_ready(st, err)) ||
	    (rc = store_run(st, "BEGIN IMMEDIATE", save_what, err)))
		return rc;
	if ((rc = put_scan(st, f, time, source, id, err)) ||
	    (rc = store_run(st, "COMMIT", save_what, err))) {
		struct portier_err ignored = {0};

		store_run(st, "ROLLBACK", save_what, &ignored);
		*id = 0;
	}
	return rc;
}

static int hid_cmp(const void *key, const void *h)
{
	return strcmp(key, ((const struct portier_scan_host *)h)->id);
}

/* The hosts of scan id into f, sorted by id. */
static int load_hosts(struct portier_store *st, int64_t id,
		      struct portier_scan_file *f, struct portier_err *err)
{
	struct store_q *q = store_q_new(st, store_sql_scan_hosts,
					"cannot read a scan", err);
	size_t cap = 0;
	int rc;

	if (!q)
		return err->code;
	store_q_i64(q, id);
	while ((rc = store_q_step(q, err)) == 1) {
		struct portier_scan_host *x;
		const char *s;

		if (portier_grow(&f->hosts, &cap, f->n + 1, sizeof *f->hosts,
				 8)) {
			rc = PORTIER_ENOMEM;
			break;
		}
		x = &f->hosts[f->n++];
		memset(x, 0, sizeof *x);
		x->id = portier_strdup((s = store_q_str(q, 0)) ? s : "");
		x->name = portier_strdup((s = store_q_str(q, 1)) ? s : "");
		x->extraports =
			portier_strdup((s = store_q_str(q, 3)) ? s : "");
		portier_strlcpy(x->state, (s = store_q_str(q, 2)) ? s : "",
				sizeof x->state);
		if (!x->id || !x->name || !x->extraports) {
			rc = PORTIER_ENOMEM;
			break;
		}
	}
	store_q_free(q);
	if (rc == PORTIER_ENOMEM)
		return portier_err_set(err, rc, "out of memory");
	store_scan_file_sort(f);
	return rc;
}

/* The ports of scan id into f's hosts (ports of one host come together,
 * in whatever order the database sorts host ids). */
static int load_ports(struct portier_store *st, int64_t id,
		      struct portier_scan_file *f, struct portier_err *err)
{
	struct store_q *q = store_q_new(st, store_sql_scan_ports,
					"cannot read a scan", err);
	struct portier_scan_host *h = NULL;
	size_t pcap = 0;
	int rc;

	if (!q)
		return err->code;
	store_q_i64(q, id);
	while ((rc = store_q_step(q, err)) == 1) {
		const char *hid = store_q_str(q, 0), *s;
		struct portier_scan_port *p;

		if (!hid)
			continue;
		if (!h || strcmp(h->id, hid)) {
			h = f->n ? bsearch(hid, f->hosts, f->n,
					   sizeof *f->hosts, hid_cmp)
				 : NULL;
			pcap = h ? h->n_ports : 0;
		}
		if (!h)
			continue; /* a port of no host: not ours to invent */
		if (portier_grow(&h->ports, &pcap, h->n_ports + 1,
				 sizeof *h->ports, 16)) {
			rc = portier_err_set(err, PORTIER_ENOMEM,
					     "out of memory");
			break;
		}
		p = &h->ports[h->n_ports++];
		memset(p, 0, sizeof *p);
		p->port = (uint16_t)store_q_int(q, 1);
		p->proto = (uint8_t)store_q_int(q, 2);
		portier_strlcpy(p->state, (s = store_q_str(q, 3)) ? s : "",
				sizeof p->state);
		portier_strlcpy(p->service, (s = store_q_str(q, 4)) ? s : "",
				sizeof p->service);
	}
	store_q_free(q);
	store_scan_file_sort(f);
	return rc;
}

int portier_store_scan_load(struct portier_store *st, int64_t id,
			    struct portier_scan_file **out,
			    struct portier_err *err)
{
	struct portier_scan_file *f;
	struct store_q *q;
	int64_t found = 0;
	int rc;

	*out = NULL;
	if ((rc = store_ready(st, err)) ||
	    !(q = store_q_new(st, store_sql_scan_exists, "cannot read a scan",
			      err)))
		return rc ? rc : err->code;
	store_q_i64(q, id);
	rc = store_q_step(q, err);
	if (rc == 1)
		found = store_q_int(q, 0);
	store_q_free(q);
	if (rc < 0)
		return rc;
	if (!found)
		return portier_err_set(err, PORTIER_ENOENT,
				       "no scan %lld in %s", (long long)id,
				       st->path);
	if (!(f = portier_calloc(1, sizeof *f)))
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	if ((rc = load_hosts(st, id, f, err)) ||
	    (rc = load_ports(st, id, f, err))) {
		portier_scan_file_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

int portier_store_scan_list(struct portier_store *st,
			    struct portier_scan_info **out, size_t *n,
			    struct portier_err *err)
{
	struct store_q *q;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = store_ready(st, err)) ||
	    !(q = store_q_new(st, store_sql_scan_list, "cannot list scans",
			      err)))
		return rc ? rc : err->code;
	while ((rc = store_q_step(q, err)) == 1) {
		struct portier_scan_info *x;
		const char *s;

		if (portier_grow(out, &cap, *n + 1, sizeof **out, 16)) {
			rc = portier_err_set(err, PORTIER_ENOMEM,
					     "out of memory");
			break;
		}
		x = &(*out)[(*n)++];
		x->id = store_q_int(q, 0);
		x->time = store_q_int(q, 1);
		x->hosts = (size_t)store_q_int(q, 2);
		portier_strlcpy(x->source, (s = store_q_str(q, 3)) ? s : "",
				sizeof x->source);
	}
	store_q_free(q);
	if (rc) {
		portier_free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}
