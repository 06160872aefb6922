/*
 * fw_test_util.h - helpers the firewall's unit tests share: fixtures under
 * $PORTIER_TESTDATA/fw, port sets as text, specs from text, and comparing a
 * rendered policy with its golden file (PORTIER_UPDATE_GOLDEN=1 rewrites
 * the golden file; read the diff).  Include after <cmocka.h>.
 */
#ifndef PORTIER_FW_TEST_UTIL_H
#define PORTIER_FW_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portier/fw.h"

static inline const char *fixture(const char *name)
{
	static char path[4096];
	const char *dir = getenv("PORTIER_TESTDATA");

	snprintf(path, sizeof(path), "%s/fw/%s", dir ? dir : "tests/data",
		 name);
	return path;
}

static inline char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return buf;
}

static inline char *fmt(const struct portier_fw_portset *s)
{
	static char out[1024];
	char *t = portier_fw_portset_format(s, ",");

	assert_non_null(t);
	snprintf(out, sizeof(out), "%s", t);
	portier_free(t);
	return out;
}

static inline void spec_of(const char *text, struct portier_fw_spec *spec)
{
	assert_int_equal(portier_fw_spec_parse(text, 0, spec, NULL), 0);
}

static inline void check_golden(const struct portier_fw_policy *p,
				const char *name)
{
	char *script = NULL, *want;
	const char *path = fixture(name);

	assert_int_equal(portier_fw_render(p, &script, NULL), 0);
	if (getenv("PORTIER_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(script, f);
		fclose(f);
	}
	want = slurp(path);
	if (!want)
		fail_msg("golden file %s missing", path);
	if (strcmp(script, want) != 0)
		fail_msg("%s differs; rendered:\n%s", name, script);
	free(want);
	portier_free(script);
}
#endif
