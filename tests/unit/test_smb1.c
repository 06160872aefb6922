/*
 * test_smb1.c - the SMB1 requests of `portier smb --shares` for servers that
 * speak only NT LM 0.12 (smb1.c): each request as built, field by field
 * (offsets from MS-SMB and MS-CIFS), and the one response parser on
 * hand-made replies of the five commands, their every truncation, and
 * hostile counts and offsets, which must give PORTIER_EPROTO naming the
 * value, never a read past the buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "portier/bytes.h"
#include "portier/probe.h"

/* The frame and SMB1 header: WordCount sits at 36 of the frame. */
#define WC 36

static void must_fail(int rc, const struct portier_err *err, const char *quote)
{
	assert_int_equal(rc, PORTIER_EPROTO);
	if (!strstr(err->msg, quote))
		fail_msg("error '%s' does not mention '%s'", err->msg, quote);
}

/* The request's frame length, header and word count. */
static void check_request(const uint8_t *b, long len, uint8_t cmd, uint8_t wc)
{
	assert_true(len > WC + 3);
	assert_int_equal(b[0], 0);
	assert_int_equal(get_be24(b + 1), (uint32_t)len - 4);
	assert_memory_equal(b + 4, "\xffSMB", 4);
	assert_int_equal(b[8], cmd);
	assert_int_equal(get_le16(b + 14), 0xc801); /* unicode, ext security */
	assert_int_equal(b[WC], wc);
	/* ByteCount covers the rest exactly */
	assert_int_equal(get_le16(b + WC + 1 + 2 * wc),
			 (size_t)len - (WC + 3 + 2 * (size_t)wc));
}

static void test_session_setup_build(void **state)
{
	static const uint8_t blob[] = "NTLMSSP\0\1\0\0\0";
	struct portier_smb1_params p = {.mid = 7,
					.uid = 0x1234,
					.data = blob,
					.data_len = sizeof(blob)};
	uint8_t b[256];
	long len = portier_smb1_session_setup_build(b, sizeof(b), &p);

	(void)state;
	check_request(b, len, 0x73, 12);
	assert_int_equal(get_le16(b + 32), 0x1234); /* UID */
	assert_int_equal(get_le16(b + 34), 7);	    /* MID */
	assert_int_equal(b[WC + 1], 0xff);	    /* no AndX */
	assert_int_equal(get_le16(b + WC + 15), sizeof(blob));
	assert_int_equal(get_le32(b + WC + 21), 0x8000005c);
	assert_memory_equal(b + WC + 27, blob, sizeof(blob));
	/* too small a buffer, no blob */
	assert_true(portier_smb1_session_setup_build(b, 60, &p) < 0);
	p.data = NULL;
	assert_true(portier_smb1_session_setup_build(b, sizeof(b), &p) < 0);
}

static void test_tree_connect_build(void **state)
{
	struct portier_smb1_params p = {
		.mid = 3, .uid = 100, .path = "\\\\10.0.0.1\\IPC$"};
	uint8_t b[256];
	long len = portier_smb1_tree_connect_build(b, sizeof(b), &p);
	size_t i, n = strlen(p.path);

	(void)state;
	check_request(b, len, 0x75, 4);
	assert_int_equal(get_le16(b + WC + 5), 0x0008); /* extended response */
	assert_int_equal(get_le16(b + WC + 7), 1);	/* password length */
	assert_int_equal(b[WC + 11], 0);		/* the password */
	assert_int_equal((WC + 12 - 4) % 2, 0);		/* path 2-aligned */
	for (i = 0; i < n; i++)
		assert_int_equal(get_le16(b + WC + 12 + 2 * i),
				 (uint8_t)p.path[i]);
	assert_int_equal(get_le16(b + WC + 12 + 2 * n), 0);
	assert_memory_equal(b + WC + 14 + 2 * n, "?????", 6);
	/* a path that is not printable ASCII is refused */
	p.path = "\\\\h\\a\x1b";
	assert_true(portier_smb1_tree_connect_build(b, sizeof(b), &p) < 0);
}

static void test_create_build(void **state)
{
	struct portier_smb1_params p = {.tid = 5, .path = "srvsvc"};
	uint8_t b[256];
	long len = portier_smb1_create_build(b, sizeof(b), &p);
	const uint8_t *w = b + WC + 1;

	(void)state;
	check_request(b, len, 0xa2, 24);
	assert_int_equal(get_le16(b + 28), 5);	       /* TID */
	assert_int_equal(get_le16(w + 5), 2 * 7);      /* "\srvsvc" */
	assert_int_equal(get_le32(w + 35), 1);	       /* FILE_OPEN */
	assert_int_equal(get_le32(w + 39), 0);	       /* not a directory */
	assert_int_equal(get_le16(b + WC + 52), '\\'); /* after one pad */
	assert_int_equal(get_le16(b + WC + 54), 's');
	/* the root directory: no name, FILE_DIRECTORY_FILE, our access */
	p.dir = true;
	p.access = 0x2;
	len = portier_smb1_create_build(b, sizeof(b), &p);
	check_request(b, len, 0xa2, 24);
	assert_int_equal(get_le16(w + 5), 0);
	assert_int_equal(get_le32(w + 15), 0x2);
	assert_int_equal(get_le32(w + 35), 1);
	assert_int_equal(get_le32(w + 39), 1);
}

static void test_transact_read_build(void **state)
{
	static const uint8_t pdu[] = {5, 0, 11, 3, 16, 0, 0, 0, 72, 0};
	struct portier_smb1_params p = {.fid = 0x4001,
					.data = pdu,
					.data_len = sizeof(pdu),
					.max_count = 4280};
	uint8_t b[256];
	long len = portier_smb1_transact_build(b, sizeof(b), &p);
	const uint8_t *w = b + WC + 1;
	size_t off;

	(void)state;
	check_request(b, len, 0x25, 16);
	assert_int_equal(get_le16(w + 2), sizeof(pdu)); /* TotalDataCount */
	assert_int_equal(get_le16(w + 6), 4280);	/* MaxDataCount */
	assert_int_equal(get_le16(w + 22), sizeof(pdu));
	off = get_le16(w + 24);
	assert_int_equal(off % 4, 0);
	assert_memory_equal(b + 4 + off, pdu, sizeof(pdu));
	assert_int_equal((size_t)len, 4 + off + sizeof(pdu));
	assert_int_equal(w[26], 2);		    /* SetupCount */
	assert_int_equal(get_le16(w + 28), 0x0026); /* TransactNmPipe */
	assert_int_equal(get_le16(w + 30), 0x4001);
	assert_int_equal(get_le16(b + WC + 36), '\\'); /* "\PIPE\" */
	assert_int_equal(get_le16(b + WC + 38), 'P');

	len = portier_smb1_read_build(b, sizeof(b), &p);
	check_request(b, len, 0x2e, 12);
	assert_int_equal(get_le16(w + 4), 0x4001);
	assert_int_equal(get_le16(w + 10), 4280);
}

/* A framed SMB1 response: cmd, status, uid/tid, wc words, then bc bytes. */
static size_t resp(uint8_t *b, uint8_t cmd, uint32_t status,
		   const uint8_t *words, uint8_t wc, const uint8_t *bytes,
		   uint16_t bc)
{
	size_t n = WC + 1 + 2 * (size_t)wc + 2 + bc;

	memset(b, 0, n);
	put_be24(b + 1, (uint32_t)(n - 4));
	memcpy(b + 4, "\xffSMB", 4);
	b[8] = cmd;
	put_le32(b + 9, status);
	put_le16(b + 28, 9);  /* TID */
	put_le16(b + 32, 77); /* UID */
	b[WC] = wc;
	if (wc)
		memcpy(b + WC + 1, words, 2 * (size_t)wc);
	put_le16(b + WC + 1 + 2 * wc, bc);
	if (bc)
		memcpy(b + WC + 3 + 2 * wc, bytes, bc);
	return n;
}

/* Every truncation fails cleanly (ASan watches the reads). */
static void truncations(const uint8_t *b, size_t n)
{
	struct portier_smb1_reply r;
	struct portier_err err = {0};
	uint8_t *copy;
	size_t k;

	for (k = 0; k < n; k++) {
		copy = malloc(k ? k : 1);
		memcpy(copy, b, k);
		assert_int_equal(portier_smb1_parse(copy, k, &r, &err),
				 PORTIER_EPROTO);
		free(copy);
	}
}

static void test_parse_session_setup(void **state)
{
	uint8_t w[8] = {0xff, 0, 0, 0, 1, 0, 4, 0}, bytes[8] = "NTLMxyz",
		b[128];
	struct portier_smb1_reply r;
	struct portier_err err = {0};
	size_t n = resp(b, 0x73, 0xc0000016, w, 4, bytes, 8);

	(void)state;
	assert_int_equal(portier_smb1_parse(b, n, &r, &err), 0);
	assert_int_equal(r.command, 0x73);
	assert_int_equal(r.status, 0xc0000016);
	assert_int_equal(r.uid, 77);
	assert_int_equal(r.action, PORTIER_SMB1_SETUP_GUEST);
	assert_int_equal(r.data_len, 4);
	assert_memory_equal(b + r.data_off, "NTLM", 4);
	truncations(b, n);
	/* a blob longer than the bytes */
	put_le16(w + 6, 9);
	n = resp(b, 0x73, 0, w, 4, bytes, 8);
	must_fail(portier_smb1_parse(b, n, &r, &err), &err, "9 bytes");
	/* an error without words parses with its status */
	n = resp(b, 0x73, 0xc000006d, NULL, 0, NULL, 0);
	assert_int_equal(portier_smb1_parse(b, n, &r, &err), 0);
	assert_int_equal(r.status, 0xc000006d);
	assert_int_equal(r.data_len, 0);
	/* a ByteCount past the end */
	n = resp(b, 0x73, 0, w, 4, bytes, 8);
	put_le16(b + WC + 9, 500);
	must_fail(portier_smb1_parse(b, n, &r, &err), &err, "ByteCount 500");
	/* not SMB1 at all */
	memcpy(b + 4, "\xfeSMB", 4);
	must_fail(portier_smb1_parse(b, n, &r, &err), &err, "not an SMB1");
}

static void test_parse_tree_create(void **state)
{
	uint8_t w[68] = {0xff}, b[256];
	struct portier_smb1_reply r;
	struct portier_err err = {0};
	size_t n;

	(void)state;
	put_le32(w + 6, 0x001f01ff);
	put_le32(w + 10, 0x00120089);
	n = resp(b, 0x75, 0, w, 7, (const uint8_t *)"IPC\0", 4);
	assert_int_equal(portier_smb1_parse(b, n, &r, &err), 0);
	assert_true(r.have_access);
	assert_int_equal(r.max_access, 0x001f01ff);
	assert_int_equal(r.guest_access, 0x00120089);
	assert_int_equal(r.tid, 9);
	truncations(b, n);
	n = resp(b, 0x75, 0, w, 3, NULL, 0); /* without the extension */
	assert_int_equal(portier_smb1_parse(b, n, &r, &err), 0);
	assert_false(r.have_access);
	n = resp(b, 0x75, 0, w, 2, NULL, 0);
	must_fail(portier_smb1_parse(b, n, &r, &err), &err, "2 parameter");

	memset(w, 0, sizeof(w));
	put_le16(w + 5, 0x4001);
	n = resp(b, 0xa2, 0, w, 34, NULL, 0);
	assert_int_equal(portier_smb1_parse(b, n, &r, &err), 0);
	assert_int_equal(r.fid, 0x4001);
	truncations(b, n);
	n = resp(b, 0xa2, 0, w, 20, NULL, 0);
	must_fail(portier_smb1_parse(b, n, &r, &err), &err, "20 parameter");
	n = resp(b, 0x99, 0, w, 2, NULL, 0);
	must_fail(portier_smb1_parse(b, n, &r, &err), &err, "0x99");
}

static void test_parse_transact_read(void **state)
{
	uint8_t w[24] = {0}, data[12] = "0123456789a", b[256];
	struct portier_smb1_reply r;
	struct portier_err err = {0};
	size_t n, off = 32 + 1 + 20 + 2; /* from the SMB header */

	(void)state;
	put_le16(w + 12, sizeof(data)); /* DataCount */
	put_le16(w + 14, (uint16_t)off);
	n = resp(b, 0x25, 0x80000005, w, 10, data, sizeof(data));
	assert_int_equal(portier_smb1_parse(b, n, &r, &err), 0);
	assert_int_equal(r.status, 0x80000005);
	assert_int_equal(r.data_len, sizeof(data));
	assert_memory_equal(b + r.data_off, data, sizeof(data));
	truncations(b, n);
	put_le16(w + 14, 4000); /* the data past the end */
	n = resp(b, 0x25, 0, w, 10, data, sizeof(data));
	must_fail(portier_smb1_parse(b, n, &r, &err), &err, "offset 4000");

	memset(w, 0, sizeof(w));
	off = 32 + 1 + 24 + 2;
	put_le16(w + 10, sizeof(data)); /* DataLength */
	put_le16(w + 12, (uint16_t)off);
	n = resp(b, 0x2e, 0, w, 12, data, sizeof(data));
	assert_int_equal(portier_smb1_parse(b, n, &r, &err), 0);
	assert_memory_equal(b + r.data_off, data, sizeof(data));
	put_le16(w + 10, 60000);
	n = resp(b, 0x2e, 0, w, 12, data, sizeof(data));
	must_fail(portier_smb1_parse(b, n, &r, &err), &err, "60000 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_setup_build),
		cmocka_unit_test(test_tree_connect_build),
		cmocka_unit_test(test_create_build),
		cmocka_unit_test(test_transact_read_build),
		cmocka_unit_test(test_parse_session_setup),
		cmocka_unit_test(test_parse_tree_create),
		cmocka_unit_test(test_parse_transact_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
