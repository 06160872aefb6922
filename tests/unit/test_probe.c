/*
 * test_probe.c - the probe module's pure functions: NetBIOS name encoding,
 * node status queries and replies, NetBIOS session packets, SMB1/SMB2
 * negotiation, target lists.
 *
 * Real replies recorded from the lab's Samba 4.17 (tests/data/probe/, made
 * with `portier nbstat|smb --raw-dir`) are parsed field by field; hand-made
 * hostile replies (counts larger than the packet, lengths past the end,
 * empty names, every truncation of a real reply) must give PORTIER_EPROTO
 * with the bad value quoted, never a crash or a partial answer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "portier/kb.h"
#include "portier/net.h"
#include "portier/probe.h"
#include "probe_fixture.h"

static struct portier_nbstat_reply nb; /* 8 KiB: not on the stack */

/* ---- NetBIOS names ----------------------------------------------------- */

static void test_encode_name(void **state)
{
	uint8_t e[34];
	(void)state;

	assert_int_equal(portier_nb_encode_name("*", 0, e), 0);
	assert_int_equal(e[0], 32);
	assert_memory_equal(e + 1, "CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 32);
	assert_int_equal(e[33], 0);
	/* lower case goes out upper case, padded with spaces ('CA') */
	assert_int_equal(portier_nb_encode_name("labsrv2", 0x20, e), 0);
	assert_memory_equal(e + 1, "EMEBECFDFCFGDCCACACACACACACACACA", 32);
	assert_int_equal(portier_nb_encode_name("SIXTEENCHARSLONG", 0, e),
			 PORTIER_EINVAL);
	assert_int_equal(portier_nb_encode_name("", 0, e), PORTIER_EINVAL);
}

/* ---- node status ------------------------------------------------------- */

static void test_nbstat_build(void **state)
{
	struct portier_nbstat_params p = {.trn_id = 0xd79e};
	uint8_t q[64], r[2048];
	size_t rn = probe_fixture_load("nbstat-samba-5names.bin", r, sizeof(r));
	(void)state;

	assert_int_equal(portier_nbstat_build(q, sizeof(q), &p), 50);
	assert_int_equal(q[0], 0xd7);
	assert_int_equal(q[1], 0x9e);
	assert_int_equal(q[2] & 0x80, 0); /* a request */
	assert_int_equal(q[3] & 0x10, 0); /* never the broadcast flag */
	assert_int_equal(q[5], 1);	  /* one question */
	/* the answer repeats our question name, type NBSTAT, class IN */
	assert_true(rn > 50);
	assert_memory_equal(q + 12, r + 12, 38);
	assert_int_equal(portier_nbstat_build(q, 49, &p), PORTIER_EINVAL);
}

static void test_nbstat_samba(void **state)
{
	uint8_t r[2048];
	size_t n = probe_fixture_load("nbstat-samba-5names.bin", r, sizeof(r));
	struct portier_nbstat_summary s;
	struct portier_err err = {0};
	static const struct {
		const char *name;
		uint8_t suffix;
		bool group;
	} want[] = {
		{"LABSRV2", 0x00, false},   {"LABSRV2", 0x03, false},
		{"LABSRV2", 0x20, false},   {"PORTIERLAB", 0x00, true},
		{"PORTIERLAB", 0x1e, true},
	};
	size_t i;
	(void)state;

	assert_int_equal(portier_nbstat_parse(r, n, &nb, &err), 0);
	assert_int_equal(nb.trn_id, 0xd79e);
	assert_int_equal(nb.n_names, 5);
	for (i = 0; i < 5; i++) {
		assert_string_equal(nb.names[i].name, want[i].name);
		assert_int_equal(nb.names[i].suffix, want[i].suffix);
		assert_int_equal(!!(nb.names[i].flags & PORTIER_NB_FLAG_GROUP),
				 want[i].group);
		assert_true(nb.names[i].flags & PORTIER_NB_FLAG_ACT);
		assert_string_equal(portier_nb_node_type(nb.names[i].flags),
				    "B");
	}
	assert_true(nb.have_mac);
	assert_memory_equal(nb.mac, "\0\0\0\0\0\0", 6);
	portier_nbstat_summarize(&nb, &s);
	assert_string_equal(s.computer, "LABSRV2");
	assert_string_equal(s.workgroup, "PORTIERLAB");
	assert_string_equal(s.user, ""); /* <03> is the machine's own */
	assert_true(s.roles & PORTIER_NB_ROLE_FILE_SERVER);
	assert_false(s.roles & PORTIER_NB_ROLE_DOMAIN_CONTROLLER);
	assert_true(s.mac_zero);
	assert_string_equal(portier_nb_name_meaning(&nb.names[2]),
			    "file server service");
	assert_string_equal(portier_nb_name_meaning(&nb.names[3]),
			    "workgroup or domain name");
}

/* Samba after winning the browser election, with one alias */
static void test_nbstat_samba_master(void **state)
{
	uint8_t r[2048];
	size_t n = probe_fixture_load("nbstat-samba-master-browser.bin", r,
				      sizeof(r));
	struct portier_nbstat_summary s;
	struct portier_err err = {0};
	(void)state;

	assert_int_equal(portier_nbstat_parse(r, n, &nb, &err), 0);
	assert_int_equal(nb.n_names, 10);
	assert_string_equal(nb.names[3].name, "..__MSBROWSE__.");
	assert_memory_equal(nb.names[3].raw, "\x01\x02__MSBROWSE__\x02", 15);
	assert_int_equal(nb.names[3].suffix, 0x01);
	assert_true(nb.names[3].flags & PORTIER_NB_FLAG_GROUP);
	assert_string_equal(nb.names[5].name, "PORTIERLAB");
	assert_int_equal(nb.names[5].suffix, 0x1d);
	assert_false(nb.names[5].flags & PORTIER_NB_FLAG_GROUP);
	assert_string_equal(portier_nb_name_meaning(&nb.names[5]),
			    "master browser");
	portier_nbstat_summarize(&nb, &s);
	assert_string_equal(s.computer, "LABSRV2");
	assert_string_equal(s.user, ""); /* PTFILES<03> is an alias */
	assert_true(s.roles & PORTIER_NB_ROLE_MASTER_BROWSER);
	assert_true(s.roles & PORTIER_NB_ROLE_FILE_SERVER);
}

static void test_nbstat_every_truncation(void **state)
{
	uint8_t r[2048];
	size_t n = probe_fixture_load("nbstat-samba-5names.bin", r, sizeof(r)),
	       k;
	(void)state;

	/* RDLENGTH covers the whole statistics block, so every shorter
	 * prefix must be refused, not read as fewer names */
	for (k = 0; k < n; k++) {
		struct portier_err err = {0};

		assert_int_equal(portier_nbstat_parse(r, k, &nb, &err),
				 PORTIER_EPROTO);
		assert_true(err.msg[0] != '\0');
	}
}

/* A Windows-like reply built by hand: header, answer name, RDATA. */
static size_t windows_reply(uint8_t *b, const uint8_t *names, uint8_t count,
			    size_t stats)
{
	size_t o = 0, rd = 1 + (size_t)count * 18 + stats;

	memcpy(b, "\x12\x34\x84\x00\x00\x00\x00\x01\x00\x00\x00\x00", 12);
	o = 12;
	portier_nb_encode_name("*", 0, b + o);
	o += 34;
	memcpy(b + o, "\x00\x21\x00\x01\x00\x00\x00\x00", 8);
	o += 8;
	b[o++] = (uint8_t)(rd >> 8);
	b[o++] = (uint8_t)rd;
	b[o++] = count;
	memcpy(b + o, names, (size_t)count * 18);
	o += (size_t)count * 18;
	memset(b + o, 0, stats);
	if (stats >= 6)
		memcpy(b + o, "\x00\x1a\x2b\x3c\x4d\x5e", 6);
	return o + stats;
}

static uint8_t win_names[6 * 18];

static void make_win_names(void)
{
	static const struct {
		const char *n;
		uint8_t suffix;
		uint16_t flags;
	} v[] = {
		{"WKS01", 0x00, 0x6400},
		{"CORP", 0x00, 0xe400},
		{"WKS01", 0x20, 0x6400},
		{"ALICE", 0x03, 0x6400},
		{"CORP", 0x1c, 0xe400},
		{"\x01\x02__MSBROWSE__\x02", 0x01, 0xe400},
	};
	size_t i;

	for (i = 0; i < 6; i++) {
		uint8_t *p = win_names + i * 18;

		memset(p, ' ', 15);
		memcpy(p, v[i].n, strlen(v[i].n));
		p[15] = v[i].suffix;
		p[16] = (uint8_t)(v[i].flags >> 8);
		p[17] = (uint8_t)v[i].flags;
	}
}

static void test_nbstat_windows_like(void **state)
{
	uint8_t b[1024];
	size_t n;
	struct portier_nbstat_summary s;
	struct portier_err err = {0};
	(void)state;

	make_win_names();
	n = windows_reply(b, win_names, 6, 46);
	assert_int_equal(portier_nbstat_parse(b, n, &nb, &err), 0);
	assert_int_equal(nb.n_names, 6);
	assert_string_equal(portier_nb_node_type(nb.names[0].flags), "H");
	assert_string_equal(nb.names[5].name, "..__MSBROWSE__.");
	assert_memory_equal(nb.mac, "\x00\x1a\x2b\x3c\x4d\x5e", 6);
	portier_nbstat_summarize(&nb, &s);
	assert_string_equal(s.computer, "WKS01");
	assert_string_equal(s.workgroup, "CORP");
	assert_string_equal(s.user, "ALICE");
	assert_true(s.roles & PORTIER_NB_ROLE_DOMAIN_CONTROLLER);
	assert_true(s.roles & PORTIER_NB_ROLE_MASTER_BROWSER);
	assert_true(s.roles & PORTIER_NB_ROLE_FILE_SERVER);
	assert_false(s.mac_zero);
	assert_string_equal(portier_nb_name_meaning(&nb.names[4]),
			    "domain controllers");
	/* a statistics block too short for the MAC: names kept, no MAC */
	n = windows_reply(b, win_names, 6, 4);
	assert_int_equal(portier_nbstat_parse(b, n, &nb, &err), 0);
	assert_false(nb.have_mac);
	/* zero names is a valid, empty table */
	n = windows_reply(b, win_names, 0, 46);
	assert_int_equal(portier_nbstat_parse(b, n, &nb, &err), 0);
	assert_int_equal(nb.n_names, 0);
}

static void expect_bad(const uint8_t *b, size_t n, const char *quote)
{
	struct portier_err err = {0};

	assert_int_equal(portier_nbstat_parse(b, n, &nb, &err), PORTIER_EPROTO);
	if (!strstr(err.msg, quote))
		fail_msg("error '%s' does not mention '%s'", err.msg, quote);
}

static void test_nbstat_hostile(void **state)
{
	uint8_t b[1024], c[1024];
	size_t n, rd_off = 12 + 34 + 8;
	(void)state;

	make_win_names();
	n = windows_reply(b, win_names, 3, 46);
	/* name count larger than the packet */
	memcpy(c, b, n);
	c[rd_off + 2] = 200;
	expect_bad(c, n, "name count 200");
	/* RDLENGTH past the end */
	memcpy(c, b, n);
	c[rd_off] = 0xff;
	c[rd_off + 1] = 0xff;
	expect_bad(c, n, "RDLENGTH 65535");
	/* RDLENGTH zero: no count at all */
	memcpy(c, b, n);
	c[rd_off] = 0;
	c[rd_off + 1] = 0;
	expect_bad(c, n, "empty");
	/* a name of only spaces */
	memcpy(c, b, n);
	memset(c + rd_off + 3 + 18, ' ', 15);
	expect_bad(c, n, "name 2 of 3 is empty");
	/* a name of only NULs */
	memcpy(c, b, n);
	memset(c + rd_off + 3, 0, 15);
	expect_bad(c, n, "name 1 of 3 is empty");
	/* answer-name label longer than 63 */
	memcpy(c, b, n);
	c[12] = 64;
	expect_bad(c, n, "label length of 64");
	/* answer name whose label runs past the end */
	memcpy(c, b, 14);
	c[12] = 40;
	expect_bad(c, 14, "past the end");
	/* a request, not a response */
	memcpy(c, b, n);
	c[2] = 0x00;
	expect_bad(c, n, "request");
	/* an error rcode */
	memcpy(c, b, n);
	c[3] = 0x03;
	expect_bad(c, n, "rcode 3");
	/* no answer record */
	memcpy(c, b, n);
	c[7] = 0;
	expect_bad(c, n, "no answer");
	/* the wrong record type */
	memcpy(c, b, n);
	c[12 + 34 + 1] = 0x20;
	expect_bad(c, n, "0x0020");
	/* a question count pointing past the packet */
	memcpy(c, b, n);
	c[5] = 50;
	expect_bad(c, n, "question");
	/* truncated header */
	expect_bad(b, 11, "12-byte");
	expect_bad(b, 0, "12-byte");
}

static void test_nbstat_compressed_name(void **state)
{
	uint8_t b[1024], c[1024];
	size_t n, k;
	struct portier_err err = {0};
	(void)state;

	make_win_names();
	n = windows_reply(b, win_names, 2, 46);
	/* the answer name as a compression pointer instead of 34 bytes */
	memcpy(c, b, 12);
	c[12] = 0xc0;
	c[13] = 0x0c;
	k = n - 34 - 12;
	memcpy(c + 14, b + 12 + 34, k);
	assert_int_equal(portier_nbstat_parse(c, 14 + k, &nb, &err), 0);
	assert_int_equal(nb.n_names, 2);
	expect_bad(c, 13, "pointer cut off");
}

/* ---- NetBIOS session --------------------------------------------------- */

static void test_nbss(void **state)
{
	struct portier_nbss_params p = {.called = "LABSRV2"};
	struct portier_nbss_reply r;
	struct portier_err err = {0};
	uint8_t b[128];
	(void)state;

	assert_int_equal(portier_nbss_build(b, sizeof(b), NULL), 72);
	assert_memory_equal(b, "\x81\x00\x00\x44", 4);
	/* *SMBSERVER<20> with space padding (CA) */
	assert_memory_equal(b + 5, "CKFDENECFDEFFCFGEFFCCACACACACACA", 32);
	assert_int_equal(b[4 + 33], 0);
	assert_int_equal(portier_nbss_build(b, sizeof(b), &p), 72);
	assert_memory_equal(b + 5, "EMEBECFDFCFGDCCACACACACACACACACA", 32);
	assert_int_equal(portier_nbss_build(b, 71, &p), PORTIER_EINVAL);

	assert_int_equal(
		portier_nbss_parse((const uint8_t *)"\x82\0\0\0", 4, &r, &err),
		0);
	assert_int_equal(r.type, PORTIER_NBSS_POSITIVE);
	assert_int_equal(portier_nbss_parse((const uint8_t *)"\x83\0\0\x01\x82",
					    5, &r, &err),
			 0);
	assert_int_equal(r.type, PORTIER_NBSS_NEGATIVE);
	assert_int_equal(r.error, 0x82);
	assert_string_equal(portier_nbss_error_name(r.error),
			    "called name not present");
	assert_int_equal(portier_nbss_parse(
				 (const uint8_t *)"\x84\0\0\x06\xc6\x13\x01\x02"
						  "\x01\xbd",
				 10, &r, &err),
			 0);
	assert_int_equal(r.retarget_port, 445);
	assert_int_equal(ntohl(r.retarget_addr.s_addr), 0xc6130102);
	/* a negative response without its error byte */
	assert_int_equal(portier_nbss_parse((const uint8_t *)"\x83\0\0\x01", 4,
					    &r, &err),
			 PORTIER_EPROTO);
	assert_non_null(strstr(err.msg, "claims 1 bytes"));
	/* a positive response with a body */
	assert_int_equal(portier_nbss_parse((const uint8_t *)"\x82\0\0\x01\0",
					    5, &r, &err),
			 PORTIER_EPROTO);
	/* a session message where a response belongs */
	assert_int_equal(
		portier_nbss_parse((const uint8_t *)"\0\0\0\0", 4, &r, &err),
		PORTIER_EPROTO);
	assert_non_null(strstr(err.msg, "0x00"));
	assert_int_equal(
		portier_nbss_parse((const uint8_t *)"\x82\0", 2, &r, &err),
		PORTIER_EPROTO);
	/* framing */
	assert_int_equal(
		portier_nbss_frame_len((const uint8_t *)"\0\x01\0\0", 4, &err),
		4 + 65536);
	assert_int_equal(
		portier_nbss_frame_len((const uint8_t *)"\0\0", 2, &err), 0);
	assert_int_equal(
		portier_nbss_frame_len((const uint8_t *)"\x42\0\0\0", 4, &err),
		PORTIER_EPROTO);
	assert_int_equal(portier_nbss_frame_len((const uint8_t *)"\x82\x02\0\0",
						4, &err),
			 PORTIER_EPROTO);
}

/* ---- SMB ------------------------------------------------------------------ */

static void test_smb1_build(void **state)
{
	struct portier_smb_params p = {.dialect = PORTIER_SMB_NT1};
	uint8_t b[128];
	long n = portier_smb1_build(b, sizeof(b), &p);
	(void)state;

	assert_int_equal(n, 4 + 32 + 3 + 12);
	assert_int_equal(b[3], n - 4);
	assert_memory_equal(b + 4, "\xffSMB\x72", 5);
	assert_memory_equal(b + 39, "\x02NT LM 0.12\0", 12);
	assert_int_equal(portier_smb1_build(b, 50, &p), PORTIER_EINVAL);
}

static void test_smb2_build(void **state)
{
	struct portier_smb_params p = {.dialect = PORTIER_SMB_311};
	uint8_t b[512], *s = b + 4;
	long n;
	uint32_t off;
	(void)state;

	memset(p.client_guid, 0x11, 16);
	memset(p.salt, 0x22, 32);
	n = portier_smb2_build(b, sizeof(b), &p);
	assert_true(n > 104);
	assert_int_equal((size_t)(b[1] << 16 | b[2] << 8 | b[3]), n - 4);
	assert_memory_equal(s, "\xfeSMB\x40\x00", 6);
	assert_int_equal(s[64], 36); /* StructureSize */
	assert_int_equal(s[66], 1);  /* one dialect */
	assert_int_equal(s[100] | s[101] << 8, 0x0311);
	off = (uint32_t)s[92] | (uint32_t)s[93] << 8 | (uint32_t)s[94] << 16 |
	      (uint32_t)s[95] << 24;
	assert_int_equal(off, 104);  /* 8-byte aligned after 102 */
	assert_int_equal(s[96], 3);  /* three contexts */
	assert_int_equal(s[off], 1); /* pre-auth integrity first */
	assert_memory_equal(s + 76, p.client_guid, 16);
	/* 2.0.2 alone: zero client GUID, no contexts, 102 bytes of SMB2 */
	p.dialect = PORTIER_SMB_202;
	assert_int_equal(portier_smb2_build(b, sizeof(b), &p), 4 + 102);
	assert_memory_equal(s + 76, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	p.dialect = PORTIER_SMB_NT1;
	assert_int_equal(portier_smb2_build(b, sizeof(b), &p), PORTIER_EINVAL);
	p.dialect = PORTIER_SMB_300;
	assert_int_equal(portier_smb2_build(b, 100, &p), PORTIER_EINVAL);
}

static void test_smb_samba_replies(void **state)
{
	static const struct {
		const char *file;
		uint16_t dialect;
	} v[] = {
		{"smb2-0202-samba.bin", PORTIER_SMB_202},
		{"smb2-0210-samba.bin", PORTIER_SMB_210},
		{"smb2-0300-samba.bin", PORTIER_SMB_300},
		{"smb2-0302-samba.bin", PORTIER_SMB_302},
		{"smb2-0311-samba.bin", PORTIER_SMB_311},
		{"smb2-0311-samba-139.bin", PORTIER_SMB_311},
	};
	struct portier_smb_negotiate r;
	struct portier_err err = {0};
	uint8_t b[2048];
	size_t i, n;
	(void)state;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = probe_fixture_load(v[i].file, b, sizeof(b));
		assert_int_equal(portier_smb_parse(b, n, &r, &err), 0);
		assert_true(r.accepted);
		assert_false(r.smb1);
		assert_int_equal(r.dialect, v[i].dialect);
		assert_true(r.signing_enabled);
		assert_false(r.signing_required);
		assert_true(r.have_guid);
		/* Samba's GUID starts with its lower-case NetBIOS name */
		assert_memory_equal(r.server_guid, "labsrv2", 7);
		assert_true(portier_filetime_to_unix(r.system_time) >
			    1700000000);
		assert_int_equal(r.boot_time, 0);
		assert_true(r.capabilities & PORTIER_SMB2_CAP_DFS);
	}
	assert_int_equal(r.preauth_hash, 1);
	assert_int_equal(r.cipher, 2);
	assert_true(r.have_signing_algo);
	assert_string_equal(portier_smb_cipher_name(r.cipher), "AES-128-GCM");
	assert_string_equal(portier_smb_hash_name(r.preauth_hash), "SHA-512");
	assert_string_equal(portier_smb_signing_name(r.signing_algo),
			    "AES-GMAC");

	n = probe_fixture_load("smb2-0311-signing-required.bin", b, sizeof(b));
	assert_int_equal(portier_smb_parse(b, n, &r, &err), 0);
	assert_true(r.accepted);
	assert_true(r.signing_required);

	n = probe_fixture_load("smb1-refused-samba.bin", b, sizeof(b));
	assert_int_equal(portier_smb_parse(b, n, &r, &err), 0);
	assert_true(r.smb1);
	assert_false(r.accepted);

	n = probe_fixture_load("smb1-nt1-only.bin", b, sizeof(b));
	assert_int_equal(portier_smb_parse(b, n, &r, &err), 0);
	assert_true(r.smb1);
	assert_true(r.accepted);
	assert_int_equal(r.dialect, PORTIER_SMB_NT1);
	assert_false(r.signing_required);
	assert_true(r.have_guid);
	assert_memory_equal(r.server_guid, "labsrv2", 7);

	n = probe_fixture_load("smb1-nt1-signing-required.bin", b, sizeof(b));
	assert_int_equal(portier_smb_parse(b, n, &r, &err), 0);
	assert_true(r.accepted);
	assert_true(r.signing_enabled);
	assert_true(r.signing_required);
}

static void test_smb_every_truncation(void **state)
{
	static const char *const files[] = {
		"smb2-0311-samba.bin", "smb2-0202-samba.bin",
		"smb1-nt1-only.bin", "smb1-refused-samba.bin"};
	struct portier_smb_negotiate r;
	uint8_t b[2048];
	size_t f, n, k;
	(void)state;

	for (f = 0; f < 4; f++) {
		n = probe_fixture_load(files[f], b, sizeof(b));
		for (k = 0; k < n; k++) {
			struct portier_err err = {0};

			assert_int_equal(portier_smb_parse(b, k, &r, &err),
					 PORTIER_EPROTO);
			assert_true(err.msg[0] != '\0');
		}
	}
}

static void put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void expect_smb_bad(const uint8_t *b, size_t n, const char *quote)
{
	struct portier_smb_negotiate r;
	struct portier_err err = {0};

	assert_int_equal(portier_smb_parse(b, n, &r, &err), PORTIER_EPROTO);
	if (!strstr(err.msg, quote))
		fail_msg("error '%s' does not mention '%s'", err.msg, quote);
}

static void test_smb_hostile(void **state)
{
	struct portier_smb_negotiate r;
	struct portier_err err = {0};
	uint8_t b[2048], c[2048];
	uint8_t *s = c + 4, *body = c + 4 + 64;
	size_t n = probe_fixture_load("smb2-0311-samba.bin", b, sizeof(b));
	(void)state;

#define FRESH() memcpy(c, b, n)
	FRESH(); /* an error status: a refusal, parsed, not accepted */
	put32le(s + 8, 0xc00000bb);
	assert_int_equal(portier_smb_parse(c, n, &r, &err), 0);
	assert_false(r.accepted);
	assert_int_equal(r.status, 0xc00000bb);
	FRESH(); /* context count far beyond the packet */
	body[6] = 0xff;
	body[7] = 0x7f;
	expect_smb_bad(c, n, "past the end");
	FRESH(); /* context offset outside the reply */
	put32le(body + 60, 100000);
	expect_smb_bad(c, n, "offset 100000");
	FRESH(); /* security buffer past the end */
	body[58] = 0xff;
	body[59] = 0xff;
	expect_smb_bad(c, n, "security buffer");
	FRESH(); /* StructureSize */
	body[0] = 64;
	expect_smb_bad(c, n, "StructureSize 64");
	FRESH(); /* a request, not a response */
	s[16] = 0;
	expect_smb_bad(c, n, "request");
	FRESH(); /* unknown dialect */
	body[4] = 0x99;
	expect_smb_bad(c, n, "0x0399");
	FRESH(); /* stream header longer than the data */
	c[1] = 0x10;
	expect_smb_bad(c, n, "announces");
	FRESH(); /* neither SMB1 nor SMB2 */
	s[0] = 0xfd;
	expect_smb_bad(c, n, "neither");
	FRESH(); /* not a session message */
	c[0] = 0x85;
	expect_smb_bad(c, n, "0x85");

	n = probe_fixture_load("smb1-nt1-only.bin", b, sizeof(b));
	FRESH(); /* SMB1 ByteCount past the end */
	c[4 + 33 + 34] = 0xff;
	c[4 + 33 + 35] = 0xff;
	expect_smb_bad(c, n, "ByteCount 65535");
	FRESH(); /* a dialect index we never offered */
	c[4 + 33] = 3;
	expect_smb_bad(c, n, "index 3");
	FRESH(); /* word count that does not fit */
	c[4 + 32] = 200;
	expect_smb_bad(c, n, "200 parameter words");
#undef FRESH
}

static void test_dialect_names(void **state)
{
	uint16_t d;
	(void)state;

	assert_string_equal(portier_smb_dialect_name(PORTIER_SMB_311), "3.1.1");
	assert_string_equal(portier_smb_dialect_name(PORTIER_SMB_NT1),
			    "NT LM 0.12");
	assert_int_equal(portier_smb_dialect_parse("2.1", &d), 0);
	assert_int_equal(d, PORTIER_SMB_210);
	assert_int_equal(portier_smb_dialect_parse("NT1", &d), 0);
	assert_int_equal(d, PORTIER_SMB_NT1);
	assert_int_equal(portier_smb_dialect_parse("4.0", &d), PORTIER_EINVAL);
	assert_int_equal(portier_filetime_to_unix(0), 0);
	assert_int_equal(portier_filetime_to_unix(116444736000000000ull), 0);
	assert_int_equal(portier_filetime_to_unix(116444736010000000ull), 1);
}

/* ---- judgement ---------------------------------------------------------- */

static void test_judge(void **state)
{
	static struct portier_smb_host h;
	struct portier_probe_finding f[PORTIER_SMB_MAX_FINDINGS];
	struct portier_nbstat_summary s;
	char buf[512];
	uint8_t b[1024];
	size_t n;
	(void)state;

	memset(&h, 0, sizeof(h));
	assert_int_equal(portier_smb_judge(&h, f), 0); /* nothing accepted */
	h.highest = PORTIER_SMB_311;
	h.signing_required = true;
	assert_int_equal(portier_smb_judge(&h, f), 0);
	h.signing_required = false;
	assert_int_equal(portier_smb_judge(&h, f), 1);
	assert_string_equal(f[0].id, "signing-not-required");
	assert_int_equal(f[0].risk, PORTIER_RISK_MEDIUM);
	h.smb1 = true;
	assert_int_equal(portier_smb_judge(&h, f), 2);
	assert_string_equal(f[0].id, "smb1-accepted"); /* worst first */
	assert_int_equal(f[0].risk, PORTIER_RISK_HIGH);

	make_win_names();
	n = windows_reply(b, win_names, 6, 46);
	assert_int_equal(portier_nbstat_parse(b, n, &nb, NULL), 0);
	portier_nbstat_summarize(&nb, &s);
	portier_nbstat_describe(&nb, &s, buf, sizeof(buf));
	assert_string_equal(buf,
			    "gives anyone 6 names: computer WKS01, "
			    "workgroup/domain CORP, logged-on user ALICE, "
			    "roles: file server, domain controller, master "
			    "browser, its MAC address");
	/* a small buffer is cut, never overrun */
	portier_nbstat_describe(&nb, &s, buf, 10);
	assert_string_equal(buf, "gives any");
	assert_string_equal(portier_nb_role_key(PORTIER_NB_ROLE_IIS), "iis");
}

/* ---- vtables ------------------------------------------------------------ */

static void test_vtables(void **state)
{
	const struct portier_probe *const all[] = {
		&portier_nbstat_probe, &portier_nbss_probe, &portier_smb1_probe,
		&portier_smb2_probe};
	struct portier_nbstat_params np = {.trn_id = 7};
	uint8_t b[512];
	size_t i;
	(void)state;

	for (i = 0; i < 4; i++) {
		assert_non_null(all[i]->name);
		assert_non_null(all[i]->build);
		assert_non_null(all[i]->parse);
		assert_true(all[i]->out_size > 0);
	}
	assert_int_equal(portier_nbstat_probe.port, 137);
	assert_int_equal(portier_nbstat_probe.proto, PORTIER_PROTO_UDP);
	assert_int_equal(portier_nbss_probe.port, 139);
	assert_int_equal(portier_smb2_probe.port, 445);
	assert_int_equal(portier_nbstat_probe.build(b, sizeof(b), &np), 50);
	assert_int_equal(portier_smb2_probe.build(b, sizeof(b), NULL) > 0, 1);
}

/* ---- targets --------------------------------------------------------------- */

/*
 * nbstat's and smb's targets: net's target set with the skip_edges rule
 * and no name resolution (what probe_out_targets() builds), expanded.
 */
static int expand(const char *arg, size_t max, struct portier_addr **v,
		  size_t *n, struct portier_err *err)
{
	struct portier_targets_options o = {.skip_edges = true};
	struct portier_targets *t = NULL;
	uint64_t i;
	int rc;

	*v = NULL;
	*n = 0;
	rc = portier_targets_new(&t, &o);
	if (rc == 0)
		rc = portier_targets_add(t, arg, false, err);
	if (rc == 0)
		rc = portier_targets_finish(t, err);
	if (rc == 0 && portier_targets_count(t) > max)
		rc = PORTIER_EINVAL;
	if (rc == 0 &&
	    !(*v = portier_calloc(portier_targets_count(t), sizeof(**v))))
		rc = PORTIER_ENOMEM;
	for (i = 0; rc == 0 && i < portier_targets_count(t); i++)
		portier_targets_at(t, i, &(*v)[i]);
	if (rc == 0)
		*n = (size_t)portier_targets_count(t);
	portier_targets_free(t);
	return rc;
}

static size_t targets(const char *arg, struct portier_addr **v, int *rc)
{
	size_t n;

	*rc = expand(arg, 70000, v, &n, NULL);
	return n;
}

static void test_targets(void **state)
{
	struct portier_addr *v = NULL;
	char s[64];
	int rc;
	(void)state;

	assert_int_equal(targets("198.19.1.0/24", &v, &rc), 254);
	portier_addr_str(&v[0], s, sizeof(s));
	assert_string_equal(s, "198.19.1.1");
	portier_addr_str(&v[253], s, sizeof(s));
	assert_string_equal(s, "198.19.1.254"); /* never .255 */
	portier_free(v);
	assert_int_equal(targets("198.19.1.7/31", &v, &rc), 2);
	portier_free(v);
	assert_int_equal(targets("198.19.1.10-20", &v, &rc), 11);
	portier_free(v);
	assert_int_equal(targets("198.19.1.250-198.19.2.3", &v, &rc), 8);
	portier_free(v);
	/* a /28: network and broadcast address left out */
	assert_int_equal(targets("198.19.1.16/28", &v, &rc), 14);
	portier_addr_str(&v[0], s, sizeof(s));
	assert_string_equal(s, "198.19.1.17");
	portier_free(v);
	assert_int_equal(targets("fd70:7:1::2", &v, &rc), 1);
	assert_int_equal(v[0].family, 6);
	portier_free(v);
	assert_int_equal(targets("fd70:7:1::5/126", &v, &rc), 4);
	portier_addr_str(&v[3], s, sizeof(s));
	assert_string_equal(s, "fd70:7:1::7");
	portier_free(v);
	targets("198.19.1.20-10", &v, &rc);
	assert_int_equal(rc, PORTIER_EINVAL);
	targets("198.19.1.0/4", &v, &rc); /* more than 65536 /24 pieces */
	assert_int_equal(rc, PORTIER_EINVAL);
	targets("host.example", &v, &rc); /* names are not resolved */
	assert_int_equal(rc, PORTIER_EINVAL);
	targets("fd70::/64", &v, &rc); /* more than max */
	assert_int_equal(rc, PORTIER_EINVAL);
	targets("10.0.0.0/8", &v, &rc);
	assert_int_equal(rc, PORTIER_EINVAL);
	portier_alloc_fail_after(0);
	targets("198.19.1.2", &v, &rc);
	portier_alloc_fail_after(-1);
	assert_int_equal(rc, PORTIER_ENOMEM);
}

/* Targets that are not one host: a lone multicast, limited broadcast,
 * 0.x, :: or fe80:: address is refused with its name; blocks and ranges
 * skip them and the .0 and .255 of every /24 (the directed broadcasts of
 * the usual subnets), so a sweep never puts a broadcast or multicast query
 * on the wire. */
static void expect_refused(const char *arg, const char *why)
{
	struct portier_addr *v = NULL;
	struct portier_err err = {0};
	size_t n = 99;

	assert_int_equal(expand(arg, 70000, &v, &n, &err), PORTIER_EINVAL);
	assert_null(v);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err.msg, arg));
	assert_non_null(strstr(err.msg, why));
	assert_true(err.hint[0] != '\0');
}

static bool has_addr(const struct portier_addr *v, size_t n, const char *ip)
{
	char s[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < n; i++) {
		portier_addr_str(&v[i], s, sizeof(s));
		if (strcmp(s, ip) == 0)
			return true;
	}
	return false;
}

/* The SMB probe applies the address policy to whatever it is handed:
 * refused before any socket is opened (so nothing can be sent). */
static void test_smb_host_not_target(void **state)
{
	static const char *const bad[] = {"::",
					  "ff02::1",
					  "fe80::1",
					  "224.0.0.1",
					  "255.255.255.255",
					  "0.0.0.0",
					  "::ffff:224.0.0.1"};
	struct portier_smb_host *h = portier_malloc(sizeof(*h));
	size_t i;
	(void)state;

	assert_non_null(h);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct portier_addr a;
		struct portier_err err = {0};

		assert_int_equal(portier_addr_parse(bad[i], &a), 0);
		assert_int_equal(portier_probe_smb_host(&a, NULL, h, &err),
				 PORTIER_EINVAL);
		assert_non_null(strstr(err.msg, bad[i]));
		assert_int_equal(h->direct, PORTIER_TCP_UNTRIED);
		assert_int_equal(h->nbss, PORTIER_TCP_UNTRIED);
	}
	portier_free(h);
}

static void test_targets_not_unicast(void **state)
{
	struct portier_addr *v = NULL;
	size_t n;
	int rc;
	(void)state;

	expect_refused("224.0.0.1", "multicast");
	expect_refused("239.255.255.250", "multicast");
	expect_refused("255.255.255.255", "broadcast");
	expect_refused("0.0.0.0", "0.0.0.0/8");
	expect_refused("0.1.2.3", "0.0.0.0/8");
	expect_refused("224.0.0.1/32", "multicast");
	expect_refused("ff02::1", "multicast");
	expect_refused("::", "unspecified");
	/* the stricter rule of net, now probe's too: no link-local IPv6 */
	expect_refused("fe80::1", "link-local");
	expect_refused("::ffff:224.0.0.1", "multicast");
	/* blocks and ranges with nothing left to ask */
	expect_refused("224.0.0.0/24", "multicast");
	expect_refused("224.0.0.1-20", "multicast");
	expect_refused("198.19.1.255-255", "no host address left");
	expect_refused("198.19.1.255/32", "no host address left");
	expect_refused("ff02::/120", "multicast");
	/* a range over a /24 boundary skips .255 and .0 */
	n = targets("198.19.1.250-198.19.2.5", &v, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(n, 10); /* .250-.254, 2.1-2.5 */
	assert_false(has_addr(v, n, "198.19.1.255"));
	assert_false(has_addr(v, n, "198.19.2.0"));
	assert_true(has_addr(v, n, "198.19.1.254"));
	assert_true(has_addr(v, n, "198.19.2.1"));
	portier_free(v);
	n = targets("10.9.0.0-255", &v, &rc);
	assert_int_equal(n, 254);
	assert_false(has_addr(v, n, "10.9.0.0"));
	assert_false(has_addr(v, n, "10.9.0.255"));
	portier_free(v);
	/* a /23: the .255 and .0 in its middle are gone too */
	n = targets("198.19.0.0/23", &v, &rc);
	assert_int_equal(n, 508);
	assert_false(has_addr(v, n, "198.19.0.255"));
	assert_false(has_addr(v, n, "198.19.1.0"));
	portier_free(v);
	/* a /31 keeps .254 and loses .255 */
	n = targets("198.19.1.254/31", &v, &rc);
	assert_int_equal(n, 1);
	assert_true(has_addr(v, n, "198.19.1.254"));
	portier_free(v);
	/* a range running into multicast stops at its edge; one leaving
	 * 0.0.0.0/8 starts past it */
	n = targets("223.255.255.250-224.0.0.5", &v, &rc);
	assert_int_equal(n, 5);
	assert_false(has_addr(v, n, "224.0.0.1"));
	portier_free(v);
	n = targets("0.255.255.250-1.0.0.3", &v, &rc);
	assert_int_equal(n, 3);
	assert_false(has_addr(v, n, "0.255.255.250"));
	portier_free(v);
	/* a lone .255 or .0 address is a host in a wider subnet: kept */
	assert_int_equal(targets("198.19.1.255", &v, &rc), 1);
	portier_free(v);
	assert_int_equal(targets("198.19.2.0", &v, &rc), 1);
	portier_free(v);
	/* an IPv6 block leaves out the unspecified address */
	n = targets("::/126", &v, &rc);
	assert_int_equal(n, 3);
	assert_false(has_addr(v, n, "::"));
	portier_free(v);
}

/* The answer is for "*" (what we asked): for_star.  Another name, or a
 * compression pointer that leads elsewhere, parses but is not ours. */
static void test_nbstat_for_star(void **state)
{
	uint8_t r[PORTIER_NBSTAT_MAX_REPLY], c[PORTIER_NBSTAT_MAX_REPLY];
	size_t n = probe_fixture_load("nbstat-samba-5names.bin", r, sizeof(r)),
	       k;
	struct portier_err err = {0};
	(void)state;

	assert_int_equal(portier_nbstat_parse(r, n, &nb, &err), 0);
	assert_true(nb.for_star);
	/* the answer name of LABSRV2<00> instead of "*" */
	memcpy(c, r, n);
	assert_int_equal(portier_nb_encode_name("LABSRV2", 0, c + 12), 0);
	assert_int_equal(portier_nbstat_parse(c, n, &nb, &err), 0);
	assert_false(nb.for_star);
	/* one letter off */
	memcpy(c, r, n);
	c[20] = 'B';
	assert_int_equal(portier_nbstat_parse(c, n, &nb, &err), 0);
	assert_false(nb.for_star);
	/* lower case is still "*" */
	memcpy(c, r, n);
	c[13] = 'c';
	c[14] = 'k';
	assert_int_equal(portier_nbstat_parse(c, n, &nb, &err), 0);
	assert_true(nb.for_star);
	/* a question for "*" and the answer as a pointer to it */
	memcpy(c, r, 12);
	c[5] = 1; /* QDCOUNT */
	memcpy(c + 12, r + 12, 34);
	memcpy(c + 46, "\x00\x21\x00\x01", 4);
	c[50] = 0xc0;
	c[51] = 0x0c;
	k = n - 12 - 34;
	memcpy(c + 52, r + 12 + 34, k);
	assert_int_equal(portier_nbstat_parse(c, 52 + k, &nb, &err), 0);
	assert_int_equal(nb.n_names, 5);
	assert_true(nb.for_star);
	/* the question is for another name: not ours either */
	assert_int_equal(portier_nb_encode_name("LABSRV2", 0, c + 12), 0);
	assert_int_equal(portier_nbstat_parse(c, 52 + k, &nb, &err), 0);
	assert_false(nb.for_star);
	/* a pointer into the header */
	memcpy(c, r, 12);
	c[12] = 0xc0;
	c[13] = 0x02;
	memcpy(c + 14, r + 12 + 34, k);
	assert_int_equal(portier_nbstat_parse(c, 14 + k, &nb, &err), 0);
	assert_false(nb.for_star);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_name),
		cmocka_unit_test(test_nbstat_build),
		cmocka_unit_test(test_nbstat_samba),
		cmocka_unit_test(test_nbstat_samba_master),
		cmocka_unit_test(test_nbstat_every_truncation),
		cmocka_unit_test(test_nbstat_windows_like),
		cmocka_unit_test(test_nbstat_hostile),
		cmocka_unit_test(test_nbstat_compressed_name),
		cmocka_unit_test(test_nbss),
		cmocka_unit_test(test_smb1_build),
		cmocka_unit_test(test_smb2_build),
		cmocka_unit_test(test_smb_samba_replies),
		cmocka_unit_test(test_smb_every_truncation),
		cmocka_unit_test(test_smb_hostile),
		cmocka_unit_test(test_dialect_names),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_vtables),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_targets_not_unicast),
		cmocka_unit_test(test_smb_host_not_target),
		cmocka_unit_test(test_nbstat_for_star),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
