/* store_int.h - what the files of src/store/ share. */
#ifndef PORTIER_STORE_INT_H
#define PORTIER_STORE_INT_H

#include <sqlite3.h>

#include "portier/store.h"

struct portier_store {
	sqlite3 *db;
	char *path;
	int version; /* schema version */
};

/* err from the database's last error ("PATH: what: reason"); PORTIER_EIO. */
int store_sql_err(struct portier_store *st, struct portier_err *err,
		  const char *what);
/* Run sql (no results); 0 or PORTIER_EIO. */
int store_exec(struct portier_store *st, const char *sql,
	       struct portier_err *err);

/* Insert s and its listeners inside the caller's transaction; s->id gets
 * its id.  -1 on failure (the database's error says why). */
int store_save_rows(struct portier_store *st, struct portier_snapshot *s);

/* One transaction: s saved (store_save_rows), then more(st, s, ctx) when
 * given (0 or -1), then COMMIT; on failure a ROLLBACK, err from what. */
int store_save_tx(struct portier_store *st, struct portier_snapshot *s,
		  int (*more)(struct portier_store *st,
			      const struct portier_snapshot *s, void *ctx),
		  void *ctx, const char *what, struct portier_err *err);

#endif
