/*
 * store_test_util.h - what the store's unit tests share: a private
 * directory under /tmp for each test (made in setup, removed in teardown)
 * and SQL run on a database file behind the store's back.  Include after
 * <cmocka.h> and <sqlite3.h>.
 */
#ifndef PORTIER_STORE_TEST_UTIL_H
#define PORTIER_STORE_TEST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A new directory /tmp/portier-test-NAME.XXXXXX into dir. */
static inline void store_test_mkdir(char *dir, size_t len, const char *name)
{
	snprintf(dir, len, "/tmp/portier-test-%s.XXXXXX", name);
	assert_non_null(mkdtemp(dir));
}

/* Remove dir and all in it; 0 when that worked. */
static inline int store_test_rmdir(const char *dir)
{
	char cmd[160];

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd);
}

/* The first column of sql's first row in the database at path (-1 when
 * there is no row, 0 for NULL). */
static inline int64_t sql_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	int64_t v = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

static inline void sql_run(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

#endif
