/*
 * sqlite_lib.c - the SQLite pointers of store_int.h and their loader.
 */
#define STORE_SQLITE_DEFINE
#include "store/store_int.h"

STORE_SQLITE_SYMS(PORTIER_DLSYM_EACH_DEFINE)

static const struct portier_dynsym sqlite_syms[] = {
	STORE_SQLITE_SYMS(PORTIER_DLSYM_EACH)};

int store_sqlite_load(struct portier_err *err)
{
	static struct portier_dynlib sqlite =
		PORTIER_DYNLIB_INIT("libsqlite3.so.0", "the snapshot store",
				    "libsqlite3-0", sqlite_syms);

	return portier_dynlib_load(&sqlite, err);
}
