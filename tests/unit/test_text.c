/*
 * test_text.c - the small shared pieces of src/common that every module
 * leans on: the token bucket driven by a fake clock and the byte-order
 * helpers of portier/bytes.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "portier/bytes.h"
#include "portier/common.h"

/* ---- token bucket --------------------------------------------------------- */

static int take_n(struct portier_bucket *b, uint64_t t, int tries)
{
	int got = 0, i;

	for (i = 0; i < tries; i++)
		got += portier_bucket_take(b, t);
	return got;
}

static void test_bucket(void **state)
{
	struct portier_bucket b;
	uint64_t t = 1000000000ull;

	(void)state;
	portier_bucket_init(&b, 1000, 10, t);
	assert_int_equal(take_n(&b, t, 20), 10); /* the burst, then nothing */
	assert_true(portier_bucket_wait_ns(&b, t) > 0);
	assert_true(portier_bucket_wait_ns(&b, t) <= 1000001);
	t += 5000000; /* 5 ms at 1000/s: 5 more */
	assert_int_equal(take_n(&b, t, 20), 5);
	t += 1000000000; /* a long pause refills to the burst, not beyond */
	assert_int_equal(take_n(&b, t, 100), 10);
	portier_bucket_set_rate(&b, 0); /* unlimited */
	assert_true(portier_bucket_take(&b, t));
	assert_int_equal(portier_bucket_wait_ns(&b, t), 0);
}

static void test_bucket_wait_is_exact(void **state)
{
	struct portier_bucket b;
	uint64_t t = 5, w;

	(void)state;
	/* the node-status sweep's default: rate 100/s, burst rate/50 + 1 */
	portier_bucket_init(&b, 100, 100 / 50.0 + 1, t);
	assert_int_equal(take_n(&b, t, 10), 3);
	w = portier_bucket_wait_ns(&b, t);
	assert_true(w >= 10000000 && w <= 10000001); /* 10 ms per token */
	assert_false(portier_bucket_take(&b, t + w - 2));
	assert_true(portier_bucket_take(&b, t + w));
	/* a burst below 1 still lets one event through */
	portier_bucket_init(&b, 1, 0, t);
	assert_int_equal(take_n(&b, t, 5), 1);
}

static void test_bucket_clock_backwards(void **state)
{
	struct portier_bucket b;
	uint64_t t = 10000000000000ull; /* 10000 s */

	(void)state;
	/* guard's alert cap: rate N/s, burst N, a wall clock that may step */
	portier_bucket_init(&b, 20, 20, t);
	assert_int_equal(take_n(&b, t, 30), 20);
	/* the clock steps back an hour: no tokens from that */
	t -= 3600000000000ull;
	assert_int_equal(take_n(&b, t, 5), 0);
	/* and time counts again from there */
	t += 100000000; /* 100 ms at 20/s */
	assert_int_equal(take_n(&b, t, 5), 2);
}

/* ---- byte order ------------------------------------------------------------ */

static void test_bytes(void **state)
{
	static const uint8_t in[8] = {0x01, 0x02, 0x03, 0x04,
				      0x05, 0x06, 0x07, 0x88};
	uint8_t out[9];

	(void)state;
	assert_int_equal(get_be16(in), 0x0102);
	assert_int_equal(get_le16(in), 0x0201);
	assert_int_equal(get_be24(in), 0x010203);
	assert_int_equal(get_be32(in), 0x01020304);
	assert_int_equal(get_le32(in), 0x04030201);
	assert_true(get_be64(in) == 0x0102030405060788ull);
	assert_true(get_le64(in) == 0x8807060504030201ull);
	/* the top bit survives (no sign extension) and an odd address works */
	assert_int_equal(get_be16(in + 7 - 1), 0x0788);
	assert_int_equal(get_le16(in + 6), 0x8807);

	memset(out, 0, sizeof(out));
	put_be16(out + 1, 0xa1b2);
	assert_memory_equal(out + 1, "\xa1\xb2", 2);
	put_le16(out + 1, 0xa1b2);
	assert_memory_equal(out + 1, "\xb2\xa1", 2);
	put_be24(out + 1, 0x123456);
	assert_memory_equal(out + 1, "\x12\x34\x56", 3);
	put_be32(out + 1, 0xdeadbeef);
	assert_memory_equal(out + 1, "\xde\xad\xbe\xef", 4);
	put_le32(out + 1, 0xdeadbeef);
	assert_memory_equal(out + 1, "\xef\xbe\xad\xde", 4);
	put_be64(out + 1, 0x0102030405060788ull);
	assert_memory_equal(out + 1, in, 8);
	put_le64(out + 1, 0x8807060504030201ull);
	assert_memory_equal(out + 1, in, 8);
	assert_true(get_le64(out + 1) == 0x8807060504030201ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_bucket_wait_is_exact),
		cmocka_unit_test(test_bucket_clock_backwards),
		cmocka_unit_test(test_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
