/*
 * test_srvsvc.c - the share list parser (srvsvc.c): NetrShareEnum level 1
 * stubs written here the way Samba answers (pointers, a conformant array,
 * deferred strings, TotalEntries, a resume handle, the WERROR), then
 * hostile ones: counts beyond the bounds, strings past the end, every
 * truncation.  And the SMB2 pipe requests as built.
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

static struct portier_share_list list; /* 25 KiB: not on the stack */

struct w {
	uint8_t *b;
	size_t len;
};

static void u32(struct w *w, uint32_t v)
{
	while (w->len % 4)
		w->b[w->len++] = 0;
	put_le32(w->b + w->len, v);
	w->len += 4;
}

static void str(struct w *w, const char *s)
{
	size_t i, n = strlen(s) + 1;

	u32(w, (uint32_t)n);
	u32(w, 0);
	u32(w, (uint32_t)n);
	for (i = 0; i < n; i++) {
		put_le16(w->b + w->len, (uint8_t)s[i]);
		w->len += 2;
	}
}

/* A response stub of n shares named s<i> (type i % 4), remark "r". */
static size_t stub(uint8_t *b, uint32_t n, uint32_t count_in_array)
{
	struct w w = {b, 0};
	uint32_t i;
	char name[16];

	u32(&w, 1);
	u32(&w, 1);
	u32(&w, 0x20000);
	u32(&w, n);
	u32(&w, 0x20004);
	u32(&w, count_in_array);
	for (i = 0; i < n; i++) {
		u32(&w, 0x20008 + i);
		u32(&w, i % 4 | (i == 1 ? PORTIER_STYPE_SPECIAL : 0));
		u32(&w, 0x30000 + i);
	}
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "s%u", i);
		str(&w, name);
		str(&w, "r");
	}
	u32(&w, n);
	u32(&w, 0); /* no resume handle */
	u32(&w, 0); /* WERR_OK */
	return w.len;
}

static void must_fail(int rc, const struct portier_err *err, const char *quote)
{
	assert_int_equal(rc, PORTIER_EPROTO);
	if (!strstr(err->msg, quote))
		fail_msg("error '%s' does not mention '%s'", err->msg, quote);
}

static void test_build(void **state)
{
	struct portier_share_enum_params p = {.server = "\\\\h"};
	uint8_t b[128];
	char g[40];
	long n;

	(void)state;
	n = portier_srvsvc_share_enum_build(b, sizeof(b), &p);
	/* name: 16 + 8 (4 characters with the NUL), then 7 words */
	assert_int_equal(n, 16 + 8 + 28);
	assert_int_equal(get_le32(b + 4), 4);
	assert_int_equal(get_le16(b + 16), '\\');
	assert_int_equal(get_le32(b + 24), 1); /* level */
	assert_int_equal(get_le32(b + 44), 0xffffffffu);
	portier_guid_str(portier_rpc_srvsvc_syntax.uuid, g, sizeof(g));
	assert_string_equal(g, "4b324fc8-1670-01d3-1278-5a47bf6ee188");
	assert_int_equal(portier_rpc_srvsvc_syntax.major, 3);
}

static void test_parse(void **state)
{
	uint8_t b[4096];
	size_t len = stub(b, 4, 4);
	struct portier_err err = {0};

	(void)state;
	assert_int_equal(portier_srvsvc_share_enum_parse(b, len, &list, &err),
			 0);
	assert_int_equal(list.n_entries, 4);
	assert_int_equal(list.n, 4);
	assert_int_equal(list.total, 4);
	assert_int_equal(list.status, 0);
	assert_string_equal(list.shares[3].name, "s3");
	assert_string_equal(list.shares[3].remark, "r");
	assert_string_equal(portier_share_type_name(list.shares[3].type),
			    "IPC");
	assert_string_equal(portier_share_type_name(list.shares[1].type),
			    "Printer");
	assert_string_equal(portier_share_type_name(list.shares[0].type),
			    "Disk");
}

/* Every cut is refused with a reason. */
static void test_truncations(void **state)
{
	uint8_t b[4096];
	size_t len = stub(b, 3, 3), cut;
	struct portier_err err;

	(void)state;
	for (cut = 0; cut < len; cut++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(
			portier_srvsvc_share_enum_parse(b, cut, &list, &err),
			PORTIER_EPROTO);
		assert_true(err.msg[0] != '\0');
	}
}

static void test_hostile(void **state)
{
	static uint8_t b[300 * 40];
	struct portier_err err = {0};
	size_t len;

	(void)state;
	/* more shares than are kept: the first ones kept, all counted */
	len = stub(b, 200, 200);
	assert_int_equal(portier_srvsvc_share_enum_parse(b, len, &list, &err),
			 0);
	assert_int_equal(list.n_entries, 200);
	assert_int_equal(list.n, PORTIER_SMB_MAX_SHARES);
	assert_string_equal(list.shares[127].name, "s127");
	/* a count beyond what is walked */
	len = stub(b, 2, 2);
	put_le32(b + 12, 1000000);
	must_fail(portier_srvsvc_share_enum_parse(b, len, &list, &err), &err,
		  "claims 1000000 shares");
	/* a count the stub cannot hold */
	put_le32(b + 12, 4000);
	put_le32(b + 20, 4000);
	must_fail(portier_srvsvc_share_enum_parse(b, len, &list, &err), &err,
		  "ends inside");
	/* the array's size disagrees with the count */
	len = stub(b, 2, 3);
	must_fail(portier_srvsvc_share_enum_parse(b, len, &list, &err), &err,
		  "share array of 3 for 2");
	/* a string longer than its size, and one past the end */
	len = stub(b, 1, 1);
	put_le32(b + 24 + 12 + 8, 9); /* actual 9 of max 3 */
	must_fail(portier_srvsvc_share_enum_parse(b, len, &list, &err), &err,
		  "a string of 9 characters");
	len = stub(b, 1, 1);
	put_le32(b + 24 + 12, 0x7000000);
	put_le32(b + 24 + 12 + 8, 0x7000000);
	must_fail(portier_srvsvc_share_enum_parse(b, len, &list, &err), &err,
		  "runs past the response");
	/* another level */
	len = stub(b, 1, 1);
	put_le32(b, 2);
	must_fail(portier_srvsvc_share_enum_parse(b, len, &list, &err), &err,
		  "level 2");
}

static void test_pipe_requests(void **state)
{
	uint8_t b[512], pdu[72];
	struct portier_smb2_file_params p = {.message_id = 4,
					     .session_id = 5,
					     .tree_id = 6,
					     .name = "srvsvc",
					     .data = pdu,
					     .data_len = sizeof(pdu),
					     .max_out = 4280};
	struct portier_smb2_file_reply r;
	struct portier_err err = {0};
	long n;

	(void)state;
	memset(p.file_id, 0xee, 16);
	memset(pdu, 0x5, sizeof(pdu));
	n = portier_smb2_pipe_open_build(b, sizeof(b), &p);
	assert_int_equal(n, 4 + 64 + 56 + 12);
	assert_int_equal(get_le16(b + 4 + 12), 5);
	assert_int_equal(get_le32(b + 4 + 36), 6);
	assert_int_equal(get_le32(b + 4 + 100), 1); /* FILE_OPEN */
	n = portier_smb2_transceive_build(b, sizeof(b), &p);
	assert_int_equal(n, 4 + 64 + 56 + 72);
	assert_int_equal(get_le32(b + 4 + 68), PORTIER_FSCTL_PIPE_TRANSCEIVE);
	assert_memory_equal(b + 4 + 120, pdu, sizeof(pdu));
	n = portier_smb2_read_build(b, sizeof(b), &p);
	assert_int_equal(n, 4 + 64 + 49);
	assert_int_equal(get_le32(b + 4 + 68), 4280);
	/* a READ response whose data runs past it */
	put_be24(b + 1, 64 + 16);
	put_le32(b + 4 + 16, 1);
	put_le16(b + 4 + 64, 17);
	b[4 + 66] = 80;
	put_le32(b + 4 + 68, 100);
	must_fail(portier_smb2_file_parse(b, 4 + 64 + 16, &r, &err), &err,
		  "outside the");
}

/* The root open asks for reading only and never creates; its response's
 * MxAc context is read, a context past the end refused. */
static void test_root_open(void **state)
{
	uint8_t b[512];
	struct portier_smb2_file_params p = {
		.message_id = 9, .session_id = 5, .tree_id = 6};
	struct portier_smb2_file_reply r;
	struct portier_err err = {0};
	uint8_t *s = b + 4;
	long n;

	(void)state;
	n = portier_smb2_root_open_build(b, sizeof(b), &p);
	assert_int_equal(n, 4 + 64 + 56 + 24);
	assert_int_equal(get_le32(s + 88), 0x00100081); /* no write bit */
	assert_int_equal(get_le32(s + 100), 1);		/* FILE_OPEN */
	assert_int_equal(get_le16(s + 110), 0);		/* the root */
	assert_memory_equal(s + 120 + 16, "MxAc", 4);
	/* a CREATE response with one MxAc context after its 88 bytes */
	memset(b, 0, sizeof(b));
	memcpy(s, "\xfeSMB", 4);
	put_le16(s + 4, 64);
	put_le16(s + 12, 5);
	put_le32(s + 16, 1);
	put_le16(s + 64, 89);
	memset(s + 128, 0xab, 16);
	put_le32(s + 144, 152); /* CreateContextsOffset */
	put_le32(s + 148, 32);
	put_le16(s + 152 + 4, 16);
	put_le16(s + 152 + 6, 4);
	put_le16(s + 152 + 10, 24);
	put_le32(s + 152 + 12, 8);
	memcpy(s + 152 + 16, "MxAc", 4);
	put_le32(s + 152 + 28, 0x001f01ff);
	put_be24(b + 1, 184);
	assert_int_equal(portier_smb2_file_parse(b, 4 + 184, &r, &err), 0);
	assert_true(r.have_mxac);
	assert_int_equal(r.mxac_status, 0);
	assert_int_equal(r.mxac_access, 0x001f01ff);
	assert_int_equal(r.file_id[0], 0xab);
	put_le32(s + 148, 400);
	must_fail(portier_smb2_file_parse(b, 4 + 184, &r, &err), &err,
		  "create contexts");
	put_le32(s + 148, 32);
	put_le32(s + 152 + 12, 4000);
	must_fail(portier_smb2_file_parse(b, 4 + 184, &r, &err), &err,
		  "create context 1 runs past");
}

/* Readable needs the open, writable FILE_ADD_FILE in both masks. */
static void test_access_verdicts(void **state)
{
	struct portier_share_access a = {.tried = true,
					 .tree_access = 0x001f01ff,
					 .opened = true,
					 .dir_access = 0x001200a9};

	(void)state;
	assert_true(portier_share_reachable(&a));
	assert_true(portier_share_readable(&a));
	assert_false(portier_share_writable(&a));
	a.dir_access |= PORTIER_FILE_ADD_FILE;
	assert_true(portier_share_writable(&a));
	a.tree_access &= ~PORTIER_FILE_ADD_FILE;
	assert_false(portier_share_writable(&a));
	a.tree_status = 0xc0000022;
	assert_false(portier_share_reachable(&a));
	assert_false(portier_share_readable(&a));
	a = (struct portier_share_access){.tried = true, .io = -110};
	assert_false(portier_share_reachable(&a));
}

/* The share findings, worst first, and only where a share allows it. */
static void test_judge(void **state)
{
	static struct portier_smb_host h;
	struct portier_probe_finding f[PORTIER_SMB_MAX_FINDINGS];
	struct portier_share_access rw = {.tried = true,
					  .tree_access = 0x001f01ff,
					  .opened = true,
					  .dir_access = 0x001f01ff};
	size_t n;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.highest = PORTIER_SMB_311; /* signing not required: medium */
	h.shares_tried = true;
	h.shares = &list;
	memset(&list, 0, sizeof(list));
	list.n = 2;
	strcpy(list.shares[0].name, "data");
	strcpy(list.shares[1].name, "x$");
	n = portier_smb_judge(&h, f);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].id, "signing-not-required");
	list.shares[0].guest_access = rw;
	list.shares[1].null_access =
		(struct portier_share_access){.tried = true};
	n = portier_smb_judge(&h, f);
	assert_int_equal(n, 4);
	assert_string_equal(f[0].id, "smb-share-writable");
	assert_int_equal(f[0].risk, PORTIER_RISK_HIGH);
	assert_string_equal(f[1].id, "smb-share-readable");
	/* the two mediums keep their order */
	assert_string_equal(f[2].id, "signing-not-required");
	assert_string_equal(f[3].id, "smb-hidden-share-reachable");
	/* a listing that failed judges no share */
	h.shares_status = PORTIER_EPROTO;
	assert_int_equal(portier_smb_judge(&h, f), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_pipe_requests),
		cmocka_unit_test(test_root_open),
		cmocka_unit_test(test_access_verdicts),
		cmocka_unit_test(test_judge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
