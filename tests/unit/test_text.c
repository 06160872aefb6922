/*
 * test_text.c - the small shared pieces of src/common that every module
 * leans on: the untrusted-text cleaner in its three modes (terminal, one
 * line of a file format, JSON), the token bucket driven by a fake clock,
 * and the byte-order helpers of portier/bytes.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "portier/bytes.h"
#include "portier/common.h"

/* ---- text cleaner -------------------------------------------------------- */

static void expect_clean(enum portier_text_mode mode, const char *in,
			 const char *want)
{
	char out[256];
	size_t n = portier_text_clean(out, sizeof(out), in, mode);

	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
}

static void test_term_ordinary_text_kept(void **state)
{
	(void)state;
	expect_clean(PORTIER_TEXT_TERM, "sshd", "sshd");
	expect_clean(PORTIER_TEXT_TERM, "", "");
	expect_clean(PORTIER_TEXT_TERM, NULL, "");
	/* valid UTF-8 outside the controls: é, €, 𝄞, U+00A0 */
	expect_clean(PORTIER_TEXT_TERM,
		     "caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e"
		     "\xc2\xa0",
		     "caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e\xc2\xa0");
}

static void test_term_escapes(void **state)
{
	(void)state;
	/* C0: ESC, BEL, tab, newline; DEL */
	expect_clean(PORTIER_TEXT_TERM, "x\x1b]0;pwn\x07", "x\\x1b]0;pwn\\x07");
	expect_clean(PORTIER_TEXT_TERM, "a\tb\nc\x7f", "a\\x09b\\x0ac\\x7f");
	/* not UTF-8: a lone byte, a truncated sequence, an overlong '/', a
	 * surrogate */
	expect_clean(PORTIER_TEXT_TERM, "ev\xffil", "ev\\xffil");
	expect_clean(PORTIER_TEXT_TERM, "a\xc3", "a\\xc3");
	expect_clean(PORTIER_TEXT_TERM, "\xc0\xaf", "\\xc0\\xaf");
	expect_clean(PORTIER_TEXT_TERM, "\xed\xa0\x80", "\\xed\\xa0\\x80");
	/* C1: U+0080, U+009B (CSI), U+009F */
	expect_clean(PORTIER_TEXT_TERM,
		     "c1\xc2\x9b"
		     "31mz",
		     "c1\\u009b31mz");
	expect_clean(PORTIER_TEXT_TERM, "\xc2\x80\xc2\x9f", "\\u0080\\u009f");
	/* bidi: RLO U+202E, LRE U+202A, RLI U+2067, PDI U+2069 */
	expect_clean(PORTIER_TEXT_TERM, "evil\xe2\x80\xaetxt.exe",
		     "evil\\u202etxt.exe");
	expect_clean(PORTIER_TEXT_TERM, "\xe2\x80\xaa\xe2\x81\xa7\xe2\x81\xa9",
		     "\\u202a\\u2067\\u2069");
	/* just outside the ranges: U+00A0, U+2029, U+202F, U+2065, U+206A */
	expect_clean(PORTIER_TEXT_TERM,
		     "\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa",
		     "\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa");
}

static void test_line_mode(void **state)
{
	(void)state;
	/* what the grepable and XML headers need: one '?' per piece */
	expect_clean(PORTIER_TEXT_LINE, "/x\x01\x7f\xff\xc3\xc3\xa9.xml",
		     "/x????\xc3\xa9.xml");
	expect_clean(PORTIER_TEXT_LINE, "g\nHost:\t", "g?Host:?");
	expect_clean(PORTIER_TEXT_LINE, "\xc2\x9b\xe2\x80\xae", "??");
}

static void test_json_mode(void **state)
{
	(void)state;
	/* each byte that is not UTF-8 becomes U+FFFD (docs/json-local.md) */
	expect_clean(PORTIER_TEXT_JSON,
		     "ab\xff"
		     "c",
		     "ab\xef\xbf\xbd"
		     "c");
	expect_clean(PORTIER_TEXT_JSON, "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");
	/* controls stay: the JSON encoder escapes C0, C1 is valid JSON */
	expect_clean(PORTIER_TEXT_JSON, "x\x1b[2J\xc2\x9b", "x\x1b[2J\xc2\x9b");
}

static void test_cut_and_size(void **state)
{
	char out[8];
	size_t n;

	(void)state;
	/* the size to allocate, without a buffer */
	assert_int_equal(
		portier_text_clean(NULL, 0, "a\x1b", PORTIER_TEXT_TERM), 5);
	assert_int_equal(
		portier_text_clean(NULL, 0, "\xff\xff", PORTIER_TEXT_JSON), 6);
	/* an escape that does not fit is left out whole, and nothing after */
	n = portier_text_clean(out, 4,
			       "ab\x1b"
			       "c",
			       PORTIER_TEXT_TERM);
	assert_int_equal(n, 7);
	assert_string_equal(out, "ab");
	/* so is a character: never half of "é" */
	n = portier_text_clean(out, 3, "a\xc3\xa9", PORTIER_TEXT_TERM);
	assert_int_equal(n, 3);
	assert_string_equal(out, "a");
	/* exactly full */
	n = portier_text_clean(out, 5, "\x1b", PORTIER_TEXT_TERM);
	assert_int_equal(n, 4);
	assert_string_equal(out, "\\x1b");
	/* cap 1: just the NUL */
	n = portier_text_clean(out, 1, "abc", PORTIER_TEXT_LINE);
	assert_int_equal(n, 3);
	assert_string_equal(out, "");
	/* the worst case fits PORTIER_TEXT_MAX */
	{
		char big[PORTIER_TEXT_MAX(3)];

		n = portier_text_clean(big, sizeof(big), "\x01\x02\x03",
				       PORTIER_TEXT_TERM);
		assert_true(n < sizeof(big));
	}
}

static void test_display_control(void **state)
{
	(void)state;
	assert_false(portier_text_is_display_control(0x7f));
	assert_true(portier_text_is_display_control(0x80));
	assert_true(portier_text_is_display_control(0x9b));
	assert_true(portier_text_is_display_control(0x9f));
	assert_false(portier_text_is_display_control(0xa0));
	assert_false(portier_text_is_display_control(0x2029));
	assert_true(portier_text_is_display_control(0x202a));
	assert_true(portier_text_is_display_control(0x202e));
	assert_false(portier_text_is_display_control(0x202f));
	assert_false(portier_text_is_display_control(0x2065));
	assert_true(portier_text_is_display_control(0x2066));
	assert_true(portier_text_is_display_control(0x2069));
	assert_false(portier_text_is_display_control(0x206a));
}

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

/* portier_text_line: a key at the start of any line, the first included */
static void test_text_line(void **state)
{
	const char *st = "Uid:\t0\t0\nGid:\t5\nXUid:\t9\n";

	(void)state;
	assert_string_equal(portier_text_line(st, "Uid:"),
			    "\t0\t0\nGid:\t5\nXUid:\t9\n");
	assert_int_equal(strtoul(portier_text_line(st, "Gid:"), NULL, 10), 5);
	assert_null(portier_text_line(st, "Pid:"));
	assert_null(portier_text_line("", "Uid:"));
	assert_int_equal(
		strtoul(portier_text_line("cpu 1\nbtime 42\n", "btime "), NULL,
			10),
		42);
	/* "XUid:" is not "Uid:": only a line's start counts */
	assert_ptr_equal(portier_text_line("XUid: 9\n", "Uid:"), NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_line),
		cmocka_unit_test(test_term_ordinary_text_kept),
		cmocka_unit_test(test_term_escapes),
		cmocka_unit_test(test_line_mode),
		cmocka_unit_test(test_json_mode),
		cmocka_unit_test(test_cut_and_size),
		cmocka_unit_test(test_display_control),
		cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_bucket_wait_is_exact),
		cmocka_unit_test(test_bucket_clock_backwards),
		cmocka_unit_test(test_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
