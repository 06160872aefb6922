/*
 * test_ntlmssp.c - the first leg of an NTLM login over SMB2 (ntlmssp.c):
 * the NEGOTIATE_MESSAGE and SESSION_SETUP request as built, and the
 * CHALLENGE_MESSAGE in the lab Samba's SESSION_SETUP response
 * (tests/data/probe/smb2-ntlm-challenge-samba.bin), then hostile variants
 * of it: every truncation, offsets and AV_PAIR lengths past the end, a
 * SPNEGO-like wrapper, UTF-16 that is not well formed.
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
#include "probe/wire.h"
#include "probe_fixture.h"

static uint8_t reply[512];
static size_t reply_len;

static void must_fail(int rc, const struct portier_err *err, const char *quote)
{
	assert_int_equal(rc, PORTIER_EPROTO);
	if (!strstr(err->msg, quote))
		fail_msg("error '%s' does not mention '%s'", err->msg, quote);
}

static int load(void **state)
{
	(void)state;
	reply_len = probe_fixture_load("smb2-ntlm-challenge-samba.bin", reply,
				       sizeof(reply));
	return 0;
}

static void test_negotiate_build(void **state)
{
	uint8_t b[64];
	long n = portier_ntlmssp_negotiate_build(b, sizeof(b), NULL);

	(void)state;
	assert_int_equal(n, 40);
	assert_memory_equal(b, "NTLMSSP\0", 8);
	assert_int_equal(get_le32(b + 8), 1);
	/* unicode, request target, NTLM, extended security, version */
	assert_int_equal(get_le32(b + 12) & 0x02080205u, 0x02080205u);
	assert_int_equal(portier_ntlmssp_negotiate_build(b, 39, NULL),
			 PORTIER_EINVAL);
}

static void test_setup_build(void **state)
{
	uint8_t blob[40], b[256];
	struct portier_smb2_setup_params p = {.message_id = 1,
					      .session_id = 0x1234,
					      .blob = blob,
					      .blob_len = sizeof(blob)};
	long n;

	(void)state;
	memset(blob, 0xab, sizeof(blob));
	n = portier_smb2_session_setup_build(b, sizeof(b), &p);
	assert_int_equal(n, 4 + 64 + 24 + 40);
	assert_int_equal(get_be24(b + 1), 64 + 24 + 40);
	assert_memory_equal(b + 4, "\xfeSMB", 4);
	assert_int_equal(get_le16(b + 4 + 12), 1); /* SESSION_SETUP */
	assert_int_equal(get_le64(b + 4 + 24), 1);
	assert_int_equal(get_le64(b + 4 + 40), 0x1234);
	assert_int_equal(get_le16(b + 4 + 64), 25);
	assert_int_equal(get_le16(b + 4 + 76), 88);
	assert_int_equal(get_le16(b + 4 + 78), 40);
	assert_memory_equal(b + 4 + 88, blob, 40);
	assert_int_equal(portier_smb2_session_setup_build(b, 100, &p),
			 PORTIER_EINVAL);
}

static void test_samba_challenge(void **state)
{
	struct portier_smb2_setup_reply r;
	struct portier_ntlm_info n;
	struct portier_err err = {0};

	(void)state;
	assert_int_equal(
		portier_smb2_session_setup_parse(reply, reply_len, &r, &err),
		0);
	assert_int_equal(r.status, PORTIER_STATUS_MORE_PROCESSING);
	assert_int_equal(r.session_flags, 0);
	assert_int_not_equal(r.session_id, 0);
	assert_int_equal(r.blob_off + r.blob_len, reply_len);
	assert_int_equal(portier_ntlmssp_challenge_parse(reply + r.blob_off,
							 r.blob_len, &n, &err),
			 0);
	assert_string_equal(n.target, "LABSRV7");
	assert_string_equal(n.nb_computer, "LABSRV7");
	assert_string_equal(n.nb_domain, "LABSRV7");
	assert_string_equal(n.dns_computer, "vm");
	assert_string_equal(n.dns_domain, "");
	assert_string_equal(n.dns_tree, "");
	assert_true(n.timestamp > 0);
	assert_true(portier_filetime_to_unix(n.timestamp) > 1700000000);
	assert_true(n.have_version);
	assert_int_equal(n.os_major, 6);
	assert_int_equal(n.os_minor, 1);
	assert_int_equal(n.ntlm_revision, 15);
	assert_int_equal(n.n_pairs, 5);
}

/* Every cut of the response is refused with a reason, never read past. */
static void test_truncations(void **state)
{
	struct portier_smb2_setup_reply r;
	struct portier_ntlm_info n;
	struct portier_err err;
	size_t cut;

	(void)state;
	for (cut = 0; cut < reply_len; cut++) {
		uint8_t *c = malloc(cut ? cut : 1);
		int rc;

		memcpy(c, reply, cut);
		memset(&err, 0, sizeof(err));
		rc = portier_smb2_session_setup_parse(c, cut, &r, &err);
		if (rc == 0)
			rc = portier_ntlmssp_challenge_parse(
				c + r.blob_off, r.blob_len, &n, &err);
		assert_int_equal(rc, PORTIER_EPROTO);
		assert_true(err.msg[0] != '\0');
		free(c);
	}
}

static void test_hostile_fields(void **state)
{
	uint8_t b[512];
	const size_t m = 4 + 72; /* the CHALLENGE_MESSAGE in the reply */
	struct portier_smb2_setup_reply r;
	struct portier_ntlm_info n;
	struct portier_err err = {0};

	(void)state;
	/* the security buffer runs past the response */
	memcpy(b, reply, reply_len);
	put_le16(b + 4 + 70, 0xffff);
	must_fail(portier_smb2_session_setup_parse(b, reply_len, &r, &err),
		  &err, "outside the");
	/* a stream header longer than what arrived */
	memcpy(b, reply, reply_len);
	put_be24(b + 1, 0xffffff);
	must_fail(portier_smb2_session_setup_parse(b, reply_len, &r, &err),
		  &err, "has no SMB2 header");
	/* TargetName past the message */
	memcpy(b, reply, reply_len);
	put_le32(b + m + 16, 0x7fffffff);
	must_fail(
		portier_ntlmssp_challenge_parse(b + m, reply_len - m, &n, &err),
		&err, "TargetName");
	/* TargetInfo longer than the message */
	memcpy(b, reply, reply_len);
	put_le16(b + m + 40, 0xfff0);
	must_fail(
		portier_ntlmssp_challenge_parse(b + m, reply_len - m, &n, &err),
		&err, "TargetInfo");
	/* the first AV_PAIR claims more than there is */
	memcpy(b, reply, reply_len);
	put_le16(b + m + get_le32(b + m + 44) + 2, 0xfff0);
	must_fail(
		portier_ntlmssp_challenge_parse(b + m, reply_len - m, &n, &err),
		&err, "claims 65520 bytes");
	/* a timestamp of the wrong size */
	memcpy(b, reply, reply_len);
	{
		size_t o = m + get_le32(b + m + 44);

		while (get_le16(b + o) != 7)
			o += 4 + get_le16(b + o + 2);
		put_le16(b + o + 2, 4);
	}
	must_fail(
		portier_ntlmssp_challenge_parse(b + m, reply_len - m, &n, &err),
		&err, "MsvAvTimestamp of 4 bytes");
	/* no challenge at all */
	must_fail(portier_ntlmssp_challenge_parse(reply, 60, &n, &err), &err,
		  "no NTLMSSP CHALLENGE_MESSAGE");
}

/* A wrapper before the message (SPNEGO's negTokenResp) is skipped: the
 * offsets count from the signature. */
static void test_wrapped(void **state)
{
	uint8_t b[600];
	const size_t m = 4 + 72;
	size_t len = reply_len - m;
	struct portier_ntlm_info n;
	struct portier_err err = {0};

	(void)state;
	memcpy(b, "\xa1\x81\xff\x30\x81\xfc\xa0\x03\x0a\x01\x01NTLMSSP\0\x01",
	       20);
	memcpy(b + 20, reply + m, len);
	assert_int_equal(portier_ntlmssp_challenge_parse(b, 20 + len, &n, &err),
			 0);
	assert_string_equal(n.nb_computer, "LABSRV7");
}

/* UTF-16 that is not well formed becomes U+FFFD; BMP and astral code
 * points become UTF-8; control characters stay (the CLI cleans them). */
static void test_utf16(void **state)
{
	uint8_t b[512];
	const size_t m = 4 + 72;
	size_t o, nlen;
	struct portier_ntlm_info n;
	struct portier_err err = {0};
	/* ESC, a high surrogate without its low half, U+20AC, U+1F600 */
	static const uint8_t name[] = {0x1b, 0,	   0x00, 0xd8, 0xac,
				       0x20, 0x3d, 0xd8, 0x00, 0xde};

	(void)state;
	memcpy(b, reply, reply_len);
	o = m + get_le32(b + m + 44); /* the first AV_PAIR: NbDomainName */
	nlen = get_le16(b + o + 2);
	assert_true(nlen >= sizeof(name));
	memcpy(b + o + 4, name, sizeof(name));
	put_le16(b + o + 2, sizeof(name));
	/* the rest of the old value becomes an unknown pair of its own */
	put_le16(b + o + 4 + sizeof(name), 0x00ff);
	put_le16(b + o + 6 + sizeof(name), (uint16_t)(nlen - sizeof(name) - 4));
	assert_int_equal(
		portier_ntlmssp_challenge_parse(b + m, reply_len - m, &n, &err),
		0);
	assert_string_equal(n.nb_domain, "\x1b\xef\xbf\xbd\xe2\x82\xac\xf0\x9f"
					 "\x98\x80");
	assert_string_equal(n.nb_computer, "LABSRV7");
}

/* A character that does not fit ends the text: a later, shorter one never
 * takes its place ("ab" and not "ab$" from "ab\u20ac$" in 5 bytes). */
static void test_utf16_cut(void **state)
{
	static const uint8_t s[] = {'a', 0, 'b', 0, 0xac, 0x20, '$', 0};
	static const uint8_t astral[] = {'x',  0,    0x3d, 0xd8,
					 0x00, 0xde, 'y',  0};
	char out[16];

	(void)state;
	memset(out, 'Z', sizeof(out));
	probe_utf16_to_utf8(s, sizeof(s), out, 5);
	assert_string_equal(out, "ab");
	probe_utf16_to_utf8(s, sizeof(s), out, 6);
	assert_string_equal(out, "ab\xe2\x82\xac");
	probe_utf16_to_utf8(s, sizeof(s), out, 7);
	assert_string_equal(out, "ab\xe2\x82\xac$");
	probe_utf16_to_utf8(astral, sizeof(astral), out, 5);
	assert_string_equal(out, "x");
	probe_utf16_to_utf8(s, sizeof(s), out, 1);
	assert_string_equal(out, "");
	/* cap 0 writes nothing at all */
	out[0] = 'Z';
	probe_utf16_to_utf8(s, sizeof(s), out, 0);
	assert_int_equal(out[0], 'Z');
}

static void test_refusal(void **state)
{
	uint8_t b[512];
	struct portier_smb2_setup_reply r;
	struct portier_err err = {0};

	(void)state;
	/* an error response (2.2.2) parses, with its status */
	memcpy(b, reply, 4 + 64 + 9);
	put_be24(b + 1, 64 + 9);
	put_le32(b + 4 + 8, 0xc000006d); /* STATUS_LOGON_FAILURE */
	assert_int_equal(
		portier_smb2_session_setup_parse(b, 4 + 64 + 9, &r, &err), 0);
	assert_int_equal(r.status, 0xc000006d);
	assert_int_equal(r.blob_len, 0);
	/* a reply to another command is not ours */
	memcpy(b, reply, reply_len);
	put_le16(b + 4 + 12, 3);
	must_fail(portier_smb2_session_setup_parse(b, reply_len, &r, &err),
		  &err, "not an SMB2 SESSION_SETUP response");
}

/* MS-NLMP 3.2.5.1.2: the anonymous AUTHENTICATE_MESSAGE. */
static void test_authenticate_anonymous(void **state)
{
	static const uint8_t z1[1] = {0};
	struct portier_ntlm_auth_params p = {
		.flags = 0xa2888205u | PORTIER_NTLM_NEG_ANONYMOUS,
		.lm = z1,
		.lm_len = 1};
	uint8_t b[256];
	long n;

	(void)state;
	n = portier_ntlmssp_authenticate_build(b, sizeof(b), &p);
	assert_int_equal(n, 88 + 1);
	assert_memory_equal(b, "NTLMSSP\0", 8);
	assert_int_equal(get_le32(b + 8), 3);
	assert_int_equal(get_le16(b + 12), 1); /* LM: one zero byte */
	assert_int_equal(get_le32(b + 16), 88);
	assert_int_equal(b[88], 0);
	assert_int_equal(get_le16(b + 20), 0); /* no NT response */
	assert_int_equal(get_le16(b + 36), 0); /* no user */
	assert_int_equal(get_le32(b + 60), p.flags);
	assert_int_equal(portier_ntlmssp_authenticate_build(b, 88, &p),
			 PORTIER_EINVAL);
}

static void test_authenticate_user(void **state)
{
	uint8_t nt[256], b[512], proof[16], cc[8];
	struct portier_ntlm_auth_params p = {.user = "portier-0a0b0c0d",
					     .workstation = "PORTIER"};
	static const uint8_t info[] = {2, 0, 2, 0, 'A', 0};
	long nl, n;

	(void)state;
	memset(proof, 0x11, sizeof(proof));
	memset(cc, 0x22, sizeof(cc));
	nl = portier_ntlmssp_v2_response_build(nt, sizeof(nt), proof, cc,
					       0x0102030405060708ull, info,
					       sizeof(info));
	/* proof, the 28-byte header, the pairs, the added EOL, 4 reserved */
	assert_int_equal(nl, 16 + 28 + 6 + 4 + 4);
	assert_memory_equal(nt, proof, 16);
	assert_int_equal(nt[16], 1);
	assert_int_equal(nt[17], 1);
	assert_int_equal(get_le64(nt + 24), 0x0102030405060708ull);
	assert_memory_equal(nt + 32, cc, 8);
	assert_memory_equal(nt + 44, info, sizeof(info));
	assert_int_equal(get_le32(nt + 50), 0);
	p.nt = nt;
	p.nt_len = (size_t)nl;
	n = portier_ntlmssp_authenticate_build(b, sizeof(b), &p);
	assert_int_equal(n, 88 + nl + 2 * 16 + 2 * 7);
	assert_int_equal(get_le16(b + 20), nl);
	assert_memory_equal(b + get_le32(b + 24), nt, (size_t)nl);
	assert_int_equal(get_le16(b + 36), 32);
	assert_memory_equal(b + get_le32(b + 40), "p\0o\0r\0t\0", 8);
	assert_int_equal(get_le16(b + 44), 14);
	/* a name longer than 64 characters is refused */
	p.user =
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	assert_int_equal(portier_ntlmssp_authenticate_build(b, sizeof(b), &p),
			 PORTIER_EINVAL);
}

static void test_tree_connect(void **state)
{
	struct portier_smb2_tree_params p = {
		.message_id = 3, .session_id = 9, .path = "\\\\h\\IPC$"};
	struct portier_smb2_tree_reply r;
	struct portier_err err = {0};
	uint8_t b[256];
	long n;

	(void)state;
	n = portier_smb2_tree_connect_build(b, sizeof(b), &p);
	assert_int_equal(n, 4 + 64 + 8 + 2 * 8);
	assert_int_equal(get_le16(b + 4 + 12), 3);
	assert_int_equal(get_le16(b + 4 + 68), 72);
	assert_int_equal(get_le16(b + 4 + 70), 16);
	assert_memory_equal(b + 4 + 72, "\\\0\\\0h\0\\\0I\0", 10);
	p.path = "";
	assert_int_equal(portier_smb2_tree_connect_build(b, sizeof(b), &p),
			 PORTIER_EINVAL);
	/* a response: the request turned around, with a 16-byte body */
	p.path = "\\\\h\\IPC$";
	n = portier_smb2_tree_connect_build(b, sizeof(b), &p);
	put_be24(b + 1, 64 + 16);
	put_le32(b + 4 + 16, 1); /* SERVER_TO_REDIR */
	put_le32(b + 4 + 36, 7); /* TreeId */
	put_le16(b + 4 + 64, 16);
	b[4 + 66] = 2; /* pipe */
	put_le32(b + 4 + 76, 0x001f01ff);
	assert_int_equal(
		portier_smb2_tree_connect_parse(b, 4 + 64 + 16, &r, &err), 0);
	assert_int_equal(r.tree_id, 7);
	assert_int_equal(r.share_type, 2);
	assert_int_equal(r.maximal_access, 0x001f01ff);
	/* cut inside the body */
	put_be24(b + 1, 64 + 8);
	must_fail(portier_smb2_tree_connect_parse(b, 4 + 64 + 8, &r, &err),
		  &err, "lacks its 16-byte body");
	/* an error response parses with its status */
	put_le32(b + 4 + 8, 0xc0000022);
	assert_int_equal(
		portier_smb2_tree_connect_parse(b, 4 + 64 + 8, &r, &err), 0);
	assert_int_equal(r.status, 0xc0000022);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiate_build),
		cmocka_unit_test(test_setup_build),
		cmocka_unit_test(test_samba_challenge),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_hostile_fields),
		cmocka_unit_test(test_wrapped),
		cmocka_unit_test(test_utf16),
		cmocka_unit_test(test_utf16_cut),
		cmocka_unit_test(test_refusal),
		cmocka_unit_test(test_authenticate_anonymous),
		cmocka_unit_test(test_authenticate_user),
		cmocka_unit_test(test_tree_connect),
	};

	return cmocka_run_group_tests(tests, load, NULL);
}
