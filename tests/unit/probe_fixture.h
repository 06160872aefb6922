/*
 * probe_fixture.h - reading a recorded reply from tests/data/probe/ (made
 * with `portier nbstat|smb --raw-dir`) in the probe tests: the unit tests
 * and the nbstat sweep lab test, and from tests/data/svc/ (replies captured
 * from real servers) in the service-detection tests.  $PORTIER_TESTDATA
 * names tests/data.
 */
#ifndef PORTIER_TEST_PROBE_FIXTURE_H
#define PORTIER_TEST_PROBE_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The bytes of tests/data/sub/name in buf; fails the test unless
 * 0 < size < cap. */
static inline size_t fixture_load(const char *sub, const char *name,
				  uint8_t *buf, size_t cap)
{
	const char *dir = getenv("PORTIER_TESTDATA");
	char path[4096];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s/%s", dir ? dir : "tests/data", sub,
		 name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("fixture %s missing", path);
	n = fread(buf, 1, cap, f);
	fclose(f);
	assert_true(n > 0 && n < cap);
	return n;
}

/* A reply recorded by `portier nbstat|smb --raw-dir`, in tests/data/probe. */
static inline size_t probe_fixture_load(const char *name, uint8_t *buf,
					size_t cap)
{
	return fixture_load("probe", name, buf, cap);
}

#endif
