/*
 * test_svc_smb.c - the smb and msrpc service modules on replies recorded
 * from Samba: 445 asks an SMB2 NEGOTIATE, 139 a NetBIOS session first,
 * 135 binds to the endpoint mapper; a reply cut anywhere is judged at
 * its end, never read past.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "portier/svc.h"
#include "probe_fixture.h"

struct run {
	const struct portier_svc_proto *p;
	struct portier_svc_conv c;
	struct portier_svc s;
	uint8_t out[512];
	size_t out_len;
};

static void start(struct run *r, const char *name, uint16_t port)
{
	memset(r, 0, sizeof(*r));
	r->p = portier_svc_proto_find(name);
	assert_non_null(r->p);
	r->c.host = "192.0.2.7";
	r->c.port = port;
	assert_int_equal(r->p->step(&r->c, NULL, 0, r->out, sizeof(r->out),
				    &r->out_len, &r->s),
			 PORTIER_SVC_SEND);
}

static enum portier_svc_verdict feed(struct run *r, const uint8_t *b, size_t n)
{
	uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees more */
	enum portier_svc_verdict v;

	memcpy(copy, b, n);
	r->out_len = 0;
	v = r->p->step(&r->c, copy, n, r->out, sizeof(r->out), &r->out_len,
		       &r->s);
	free(copy);
	return v;
}

static void test_smb_445(void **state)
{
	uint8_t b[1024];
	size_t n = probe_fixture_load("smb2-0202-samba.bin", b, sizeof(b)), k;
	struct run r;

	(void)state;
	start(&r, "smb", 445);
	/* framed SMB2 NEGOTIATE: 4-byte length, then 0xFE 'SMB' */
	assert_true(r.out_len > 68 && memcmp(r.out + 4, "\xfeSMB", 4) == 0);
	for (k = 0; k < n; k++)
		assert_int_equal(feed(&r, b, k), PORTIER_SVC_MORE);
	assert_int_equal(feed(&r, b, n), PORTIER_SVC_DONE);
	assert_string_equal(r.s.name, "microsoft-ds");
	assert_non_null(strstr(r.s.extrainfo, "SMB 2.0.2"));
	/* cut, with the end of the reply: not SMB */
	start(&r, "smb", 445);
	r.c.eof = true;
	assert_int_equal(feed(&r, b, n / 2), PORTIER_SVC_NOT);
	/* an HTTP answer is no session-service packet */
	start(&r, "smb", 445);
	assert_int_equal(feed(&r, (const uint8_t *)"HTTP/1.1 400 Bad", 16),
			 PORTIER_SVC_NOT);
}

static void test_smb_139(void **state)
{
	static const uint8_t positive[] = {0x82, 0, 0, 0};
	static const uint8_t negative[] = {0x83, 0, 0, 1, 0x82};
	uint8_t b[1024];
	size_t n = probe_fixture_load("smb2-0202-samba.bin", b, sizeof(b));
	struct run r;

	(void)state;
	start(&r, "smb", 139);
	assert_int_equal(r.out[0], 0x81); /* a session request */
	assert_int_equal(feed(&r, positive, sizeof(positive)),
			 PORTIER_SVC_SEND);
	assert_true(memcmp(r.out + 4, "\xfeSMB", 4) == 0);
	assert_int_equal(feed(&r, b, n), PORTIER_SVC_DONE);
	assert_string_equal(r.s.name, "netbios-ssn");
	start(&r, "smb", 139);
	assert_int_equal(feed(&r, negative, sizeof(negative)),
			 PORTIER_SVC_DONE);
	assert_string_equal(r.s.name, "netbios-ssn");
	assert_non_null(strstr(r.s.extrainfo, "session refused"));
}

static void test_msrpc(void **state)
{
	uint8_t b[1024];
	size_t n = probe_fixture_load("rpc-samba-bind-ack.bin", b, sizeof(b)),
	       k;
	struct run r;

	(void)state;
	start(&r, "msrpc", 135);
	assert_int_equal(r.out[0], 5);	/* DCE/RPC 5.0 */
	assert_int_equal(r.out[2], 11); /* bind */
	for (k = 0; k < n; k++)
		assert_int_equal(feed(&r, b, k), PORTIER_SVC_MORE);
	assert_int_equal(feed(&r, b, n), PORTIER_SVC_DONE);
	assert_string_equal(r.s.name, "msrpc");
	assert_string_equal(r.s.product, "Microsoft Windows RPC");
	start(&r, "msrpc", 135);
	r.c.eof = true;
	assert_int_equal(feed(&r, b, 9), PORTIER_SVC_NOT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smb_445),
		cmocka_unit_test(test_smb_139),
		cmocka_unit_test(test_msrpc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
