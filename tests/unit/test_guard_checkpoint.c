/*
 * test_guard_checkpoint.c - guard's checkpoint file across versions of the
 * code: tests/data/guard/checkpoint-v1 was written by the code before the
 * guard moved to addr.h's address types, and must load unchanged, value
 * for value.  A damaged, foreign or newer file is refused whole, leaving
 * the detector as it was, and can be set aside.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "portier/guard.h"

/* A private copy of fixture name (the loader wants a file of this user's
 * that nobody else may write); path receives its name. */
static void copy_fixture(const char *name, char *path, size_t len)
{
	const char *dir = getenv("PORTIER_TESTDATA");
	char src[512], buf[4096];
	FILE *in, *out;
	size_t n;
	int fd;

	assert_non_null(dir);
	snprintf(src, sizeof(src), "%s/guard/%s", dir, name);
	portier_strlcpy(path, "/tmp/portier-ckpt-test.XXXXXX", len);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	out = fdopen(fd, "w");
	in = fopen(src, "r");
	assert_non_null(out);
	assert_non_null(in);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

struct collect {
	struct portier_guard_source s[8];
	size_t n;
};

/* det_each gives the most recent first */
static bool collect_one(const struct portier_guard_source *s, void *ctx)
{
	struct collect *c = ctx;

	if (c->n < 8)
		c->s[c->n++] = *s;
	return true;
}

static void load_fixture(const char *name, struct portier_guard_det **d,
			 struct collect *c)
{
	struct portier_guard_config cfg;
	struct portier_err e = {0};
	char path[64];

	copy_fixture(name, path, sizeof(path));
	portier_guard_config_default(&cfg);
	assert_int_equal(portier_guard_det_new(d, &cfg, NULL), 0);
	assert_int_equal(portier_guard_checkpoint_load(*d, path, &e), 0);
	unlink(path);
	memset(c, 0, sizeof(*c));
	portier_guard_det_each(*d, collect_one, c);
}

static void test_v1_loads(void **state)
{
	struct portier_guard_det *d;
	struct collect c;
	const struct portier_guard_source *v6, *hosts, *flagged;
	char text[PORTIER_ADDR_STRLEN];

	(void)state;
	load_fixture("checkpoint-v1", &d, &c);
	assert_int_equal(c.n, 3);
	v6 = &c.s[0]; /* the file lists the oldest first; each gives newest */
	hosts = &c.s[1];
	flagged = &c.s[2];

	assert_string_equal(
		portier_addr_str(&flagged->addr, text, sizeof(text)),
		"198.19.1.9");
	assert_int_equal(flagged->first_us, 1000);
	assert_int_equal(flagged->last_us, 4000);
	assert_int_equal(flagged->flagged_us, 4000);
	assert_int_equal(flagged->ban_until_us, 600004000);
	assert_int_equal(flagged->offenses, 1);
	assert_int_equal(flagged->reason, PG_REASON_TRW);
	assert_int_equal(flagged->kinds[PG_KIND_XMAS], 4);
	assert_int_equal(flagged->failures, 4);
	assert_true(flagged->llr > 5.545 && flagged->llr < 5.546);
	assert_int_equal(flagged->n_touch, 4);
	assert_int_equal(flagged->touch[3].port, 21);
	assert_int_equal(flagged->touch[3].outcome, PG_FAILURE);

	assert_string_equal(portier_addr_str(&hosts->addr, text, sizeof(text)),
			    "198.19.1.10");
	assert_int_equal(hosts->n_hosts, 4);
	assert_string_equal(
		portier_addr_str(&hosts->hosts[3], text, sizeof(text)),
		"198.19.1.102");
	assert_int_equal(hosts->successes, 2);
	assert_int_equal(hosts->n_touch, 7);
	assert_int_equal(hosts->touch[6].host, PORTIER_GUARD_HOST_OTHER);
	assert_int_equal(hosts->touch_head, 7);

	assert_int_equal(v6->addr.family, 6);
	assert_string_equal(portier_addr_str(&v6->addr, text, sizeof(text)),
			    "c613:10b::b");
	assert_string_equal(portier_addr_str(&v6->hosts[0], text, sizeof(text)),
			    "c613:102::");
	assert_int_equal(v6->n_touch, PORTIER_GUARD_PORTS_KEPT);
	assert_int_equal(v6->touch_head, 8); /* a ring that wrapped */
	assert_int_equal(v6->touch[0].port, 1032);
	assert_int_equal(v6->touch[0].proto, 17);
	assert_int_equal(v6->kinds[PG_KIND_UDP], 40);
	assert_true(v6->llr < -4.595 && v6->llr > -4.596);
	portier_guard_det_free(d);
}

/* Each bad file: EINVAL naming what is wrong, nothing loaded. */
static void test_refused_whole(void **state)
{
	static const struct {
		const char *name, *says;
	} bad[] = {
		{"checkpoint-damaged", "damaged at line 3"},
		{"checkpoint-future", "format 2, written by a newer portier"},
		{"checkpoint-foreign", "is not a guard checkpoint"},
	};
	struct portier_guard_config cfg;
	struct portier_guard_det *d;
	struct portier_err e;
	char path[64], aside[128];
	size_t i;

	(void)state;
	portier_guard_config_default(&cfg);
	assert_int_equal(portier_guard_det_new(&d, &cfg, NULL), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		copy_fixture(bad[i].name, path, sizeof(path));
		assert_int_equal(portier_guard_checkpoint_load(d, path, &e),
				 PORTIER_EINVAL);
		assert_non_null(strstr(e.msg, bad[i].says));
		assert_int_equal(portier_guard_det_count(d), 0);
		/* kept aside under a new name, the old name free */
		assert_int_equal(
			portier_guard_checkpoint_set_aside(path, 1234, aside,
							   sizeof(aside), NULL),
			0);
		assert_non_null(strstr(aside, ".refused-1234"));
		assert_int_equal(access(path, F_OK), -1);
		assert_int_equal(access(aside, R_OK), 0);
		unlink(aside);
	}
	/* an empty file is no checkpoint either */
	copy_fixture("checkpoint-foreign", path, sizeof(path));
	assert_int_equal(truncate(path, 0), 0);
	assert_int_equal(portier_guard_checkpoint_load(d, path, &e),
			 PORTIER_EINVAL);
	unlink(path);
	portier_guard_det_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_loads),
		cmocka_unit_test(test_refused_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
