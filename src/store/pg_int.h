/* pg_int.h - what pg.c shares with the statements of query.c: the
 * connection, parameters sent in binary, and results read back. */
#ifndef PORTIER_STORE_PG_INT_H
#define PORTIER_STORE_PG_INT_H

#include <libpq-fe.h>

#include "portier/dynlib.h"
#include "store/store_int.h"

/*
 * libpq's functions, called through the pointers pg_lib.c fills: every
 * entry point of the backend runs store_pg_lib_load first (0, or
 * PORTIER_EIO with err saying which package to install).
 */
int store_pg_lib_load(struct portier_err *err);
PORTIER_DLSYM_DECLARE(PQclear);
PORTIER_DLSYM_DECLARE(PQconnectdbParams);
PORTIER_DLSYM_DECLARE(PQconninfoFree);
PORTIER_DLSYM_DECLARE(PQconninfoParse);
PORTIER_DLSYM_DECLARE(PQenterPipelineMode);
PORTIER_DLSYM_DECLARE(PQerrorMessage);
PORTIER_DLSYM_DECLARE(PQexec);
PORTIER_DLSYM_DECLARE(PQexecParams);
PORTIER_DLSYM_DECLARE(PQexitPipelineMode);
PORTIER_DLSYM_DECLARE(PQfinish);
PORTIER_DLSYM_DECLARE(PQfreemem);
PORTIER_DLSYM_DECLARE(PQgetResult);
PORTIER_DLSYM_DECLARE(PQgetisnull);
PORTIER_DLSYM_DECLARE(PQgetlength);
PORTIER_DLSYM_DECLARE(PQgetvalue);
PORTIER_DLSYM_DECLARE(PQntuples);
PORTIER_DLSYM_DECLARE(PQpipelineSync);
PORTIER_DLSYM_DECLARE(PQprepare);
PORTIER_DLSYM_DECLARE(PQresultErrorMessage);
PORTIER_DLSYM_DECLARE(PQresultStatus);
PORTIER_DLSYM_DECLARE(PQsendQueryPrepared);
PORTIER_DLSYM_DECLARE(PQsetNoticeProcessor);
PORTIER_DLSYM_DECLARE(PQstatus);

#define PG_MAX_PARAMS 20

/* Type oids of the parameters we send (pg_type.h). */
#define OID_BYTEA 17
#define OID_INT8  20
#define OID_TEXT  25

struct store_pg {
	PGconn *conn;
	char *conninfo; /* as given (with the password): for reconnecting */
	struct portier_store_opts o;
	bool prepared; /* the listener insert, on this connection */
};

struct params {
	const char *v[PG_MAX_PARAMS];
	int len[PG_MAX_PARAMS], fmt[PG_MAX_PARAMS];
	Oid type[PG_MAX_PARAMS];
	uint8_t ints[PG_MAX_PARAMS][8];
	int n;
};

void store_pg_i64(struct params *p, int64_t v);
void store_pg_bytes(struct params *p, const void *b, size_t n, Oid type);
/* s as text; NULL sends NULL. */
void store_pg_text(struct params *p, const char *s);

/* sql (SQLite's words) with p; binary results.  NULL only without memory. */
PGresult *store_pg_query(struct store_pg *pg, const char *sql,
			 const struct params *p);
/* An integer column of a binary result (0 for NULL). */
int64_t store_pg_int(const PGresult *r, int row, int col);
/* err from the connection (or res): PORTIER_STORE_EDOWN when the
 * connection is gone, else PORTIER_EIO. */
int store_pg_err(struct portier_store *st, const PGresult *res,
		 struct portier_err *err, const char *what);

#endif
