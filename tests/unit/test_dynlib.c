/*
 * test_dynlib.c - portier_dynlib_load: a library that is there fills its
 * pointers once; a missing library or function is a clear error that says
 * which package to install, and leaves no pointer half set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "portier/dynlib.h"

static PORTIER_DLSYM_DEFINE(strlen);
static PORTIER_DLSYM_DEFINE(strcmp);

static void loads_and_fills(void **state)
{
	const struct portier_dynsym syms[] = {PORTIER_DLSYM(strlen),
					      PORTIER_DLSYM(strcmp)};
	struct portier_dynlib c = {"libc.so.6", "the test", "libc6",
				   syms,	2,	    false};

	(void)state;
	sym_strlen = NULL;
	sym_strcmp = NULL;
	assert_int_equal(portier_dynlib_load(&c, NULL), 0);
	assert_true(c.loaded);
	assert_int_equal(sym_strlen("four"), 4);
	assert_int_equal(sym_strcmp("a", "a"), 0);
	/* the second call does nothing */
	sym_strlen = NULL;
	assert_int_equal(portier_dynlib_load(&c, NULL), 0);
	assert_null(sym_strlen);
}

static void missing_library(void **state)
{
	const struct portier_dynsym syms[] = {PORTIER_DLSYM(strlen)};
	struct portier_dynlib none = {"libportier-absent.so.9",
				      "PostgreSQL support",
				      "libpq5",
				      syms,
				      1,
				      false};
	struct portier_err err = {0};

	(void)state;
	sym_strlen = NULL;
	assert_int_equal(portier_dynlib_load(&none, &err), PORTIER_EIO);
	assert_false(none.loaded);
	assert_null(sym_strlen);
	assert_string_equal(err.msg, "PostgreSQL support needs "
				     "libportier-absent.so.9 (apt-get install "
				     "libpq5)");
	assert_non_null(strstr(err.hint, "libportier-absent.so.9"));
}

/* a library older than the headers: none of its pointers is used */
static void missing_function(void **state)
{
	static void (*sym_portier_absent_fn)(void);
	const struct portier_dynsym syms[] = {
		PORTIER_DLSYM(strlen),
		{"portier_absent_fn", (void **)&sym_portier_absent_fn}};
	struct portier_dynlib c = {"libc.so.6", "the test", "libc6",
				   syms,	2,	    false};
	struct portier_err err = {0};

	(void)state;
	assert_int_equal(portier_dynlib_load(&c, &err), PORTIER_EIO);
	assert_false(c.loaded);
	assert_null(sym_strlen);
	assert_null(sym_portier_absent_fn);
	assert_non_null(strstr(err.hint, "portier_absent_fn"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loads_and_fills),
		cmocka_unit_test(missing_library),
		cmocka_unit_test(missing_function),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
