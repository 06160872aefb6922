/*
 * test_probe_elems.c - a probe's JSON object as the <elem>/<table> list of
 * an XML host script (src/cli/probe_elems.c, compiled in here: the CLI has
 * no library of its own): members in order, objects and lists as tables,
 * list items without a key, nulls left out, control characters masked,
 * the member filter both ways, deep nesting cut, and no leak or partial
 * list when memory runs out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/probe_elems.c"

static void expect(const struct probe_out_elems *e, size_t i, unsigned depth,
		   const char *key, const char *value)
{
	assert_true(i < e->n);
	assert_int_equal(e->el[i].depth, depth);
	if (key)
		assert_string_equal(e->el[i].key, key);
	else
		assert_null(e->el[i].key);
	if (value)
		assert_string_equal(e->el[i].value, value);
	else
		assert_null(e->el[i].value);
}

static void test_shapes(void **state)
{
	json_t *o = json_loads(
		"{\"host\":\"198.19.1.2\",\"highest\":\"3.1.1\",\"smb1\":true,"
		"\"gone\":null,\"port\":445,\"ratio\":0.5,"
		"\"accepted\":[\"NT LM 0.12\",\"3.1.1\"],"
		"\"shares\":{\"list\":[{\"name\":\"E\\u001b[2J\\u0007\","
		"\"hidden\":false}]}}",
		0, NULL);
	static const char *const skip[] = {"host", NULL};
	struct probe_out_elems e;

	(void)state;
	assert_non_null(o);
	assert_int_equal(probe_out_elems_from_json(o, skip, false, &e), 0);
	expect(&e, 0, 0, "highest", "3.1.1");
	expect(&e, 1, 0, "smb1", "true");
	expect(&e, 2, 0, "port", "445"); /* "gone" (null) left out */
	expect(&e, 3, 0, "ratio", "0.5");
	expect(&e, 4, 0, "accepted", NULL);
	expect(&e, 5, 1, NULL, "NT LM 0.12");
	expect(&e, 6, 1, NULL, "3.1.1");
	expect(&e, 7, 0, "shares", NULL);
	expect(&e, 8, 1, "list", NULL);
	expect(&e, 9, 2, NULL, NULL);
	expect(&e, 10, 3, "name", "E?[2J?"); /* controls masked */
	expect(&e, 11, 3, "hidden", "false");
	assert_int_equal(e.n, 12);
	probe_out_elems_free(&e);

	/* only the named members */
	static const char *const only[] = {"shares", NULL};
	assert_int_equal(probe_out_elems_from_json(o, only, true, &e), 0);
	expect(&e, 0, 0, "shares", NULL);
	assert_int_equal(e.n, 5);
	probe_out_elems_free(&e);
	json_decref(o);

	/* not an object */
	o = json_integer(1);
	assert_int_equal(probe_out_elems_from_json(o, NULL, false, &e),
			 PORTIER_EINVAL);
	assert_int_equal(e.n, 0);
	json_decref(o);
}

/* Lists in lists past MAX_DEPTH are cut, not recursed into. */
static void test_deep(void **state)
{
	json_t *o = json_object(), *inner = json_array(), *a;
	struct probe_out_elems e;
	int i;

	(void)state;
	json_array_append_new(inner, json_string("bottom"));
	for (i = 0; i < 40; i++) {
		a = json_array();
		json_array_append_new(a, inner);
		inner = a;
	}
	json_object_set_new(o, "deep", inner);
	assert_int_equal(probe_out_elems_from_json(o, NULL, false, &e), 0);
	assert_int_equal(e.n, MAX_DEPTH);
	for (i = 0; i < (int)e.n; i++)
		assert_true(e.el[i].depth < MAX_DEPTH);
	probe_out_elems_free(&e);
	json_decref(o);
}

/* Without memory: PORTIER_ENOMEM and nothing left over, at every step. */
static void test_no_memory(void **state)
{
	json_t *o = json_loads("{\"a\":[1,2,3,{\"b\":\"c\"}],\"d\":\"e\"}", 0,
			       NULL);
	struct probe_out_elems e;
	long k;
	int rc;

	(void)state;
	for (k = 0;; k++) {
		portier_alloc_fail_after(k);
		rc = probe_out_elems_from_json(o, NULL, false, &e);
		portier_alloc_fail_after(-1);
		if (rc == 0)
			break;
		assert_int_equal(rc, PORTIER_ENOMEM);
		assert_int_equal(e.n, 0);
		assert_null(e.el);
		assert_null(e.text);
	}
	assert_int_equal(e.n, 7);
	probe_out_elems_free(&e);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_deep),
		cmocka_unit_test(test_no_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
