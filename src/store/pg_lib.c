/*
 * pg_lib.c - libpq, loaded when a store on PostgreSQL is opened (pg.c and
 * query.c call it through these pointers; dynlib.h says why it is not
 * linked: its Kerberos, LDAP and TLS libraries would cost every command).
 */
#include "portier/dynlib.h"
#include "store/pg_int.h"

PORTIER_DLSYM_DEFINE(PQclear);
PORTIER_DLSYM_DEFINE(PQconnectdbParams);
PORTIER_DLSYM_DEFINE(PQconninfoFree);
PORTIER_DLSYM_DEFINE(PQconninfoParse);
PORTIER_DLSYM_DEFINE(PQenterPipelineMode);
PORTIER_DLSYM_DEFINE(PQerrorMessage);
PORTIER_DLSYM_DEFINE(PQexec);
PORTIER_DLSYM_DEFINE(PQexecParams);
PORTIER_DLSYM_DEFINE(PQexitPipelineMode);
PORTIER_DLSYM_DEFINE(PQfinish);
PORTIER_DLSYM_DEFINE(PQfreemem);
PORTIER_DLSYM_DEFINE(PQgetResult);
PORTIER_DLSYM_DEFINE(PQgetisnull);
PORTIER_DLSYM_DEFINE(PQgetlength);
PORTIER_DLSYM_DEFINE(PQgetvalue);
PORTIER_DLSYM_DEFINE(PQntuples);
PORTIER_DLSYM_DEFINE(PQpipelineSync);
PORTIER_DLSYM_DEFINE(PQprepare);
PORTIER_DLSYM_DEFINE(PQresultErrorMessage);
PORTIER_DLSYM_DEFINE(PQresultStatus);
PORTIER_DLSYM_DEFINE(PQsendQueryPrepared);
PORTIER_DLSYM_DEFINE(PQsetNoticeProcessor);
PORTIER_DLSYM_DEFINE(PQstatus);

static const struct portier_dynsym pq_syms[] = {
	PORTIER_DLSYM(PQclear),
	PORTIER_DLSYM(PQconnectdbParams),
	PORTIER_DLSYM(PQconninfoFree),
	PORTIER_DLSYM(PQconninfoParse),
	PORTIER_DLSYM(PQenterPipelineMode),
	PORTIER_DLSYM(PQerrorMessage),
	PORTIER_DLSYM(PQexec),
	PORTIER_DLSYM(PQexecParams),
	PORTIER_DLSYM(PQexitPipelineMode),
	PORTIER_DLSYM(PQfinish),
	PORTIER_DLSYM(PQfreemem),
	PORTIER_DLSYM(PQgetResult),
	PORTIER_DLSYM(PQgetisnull),
	PORTIER_DLSYM(PQgetlength),
	PORTIER_DLSYM(PQgetvalue),
	PORTIER_DLSYM(PQntuples),
	PORTIER_DLSYM(PQpipelineSync),
	PORTIER_DLSYM(PQprepare),
	PORTIER_DLSYM(PQresultErrorMessage),
	PORTIER_DLSYM(PQresultStatus),
	PORTIER_DLSYM(PQsendQueryPrepared),
	PORTIER_DLSYM(PQsetNoticeProcessor),
	PORTIER_DLSYM(PQstatus),
};

int store_pg_lib_load(struct portier_err *err)
{
	static struct portier_dynlib pq = PORTIER_DYNLIB_INIT(
		"libpq.so.5", "PostgreSQL support", "libpq5", pq_syms);

	return portier_dynlib_load(&pq, err);
}
