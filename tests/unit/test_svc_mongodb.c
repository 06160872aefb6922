/*
 * test_svc_mongodb.c - the MongoDB module of `portier scan -sV` and the
 * BSON writer and reader under it.
 *
 * MongoDB is not packaged for Debian 12, so the replies are written from
 * the wire protocol's description (OP_REPLY, OP_MSG) and the fields a 7.0
 * server and a 3.4 server put in their isMaster, buildInfo and
 * listDatabases answers; the requests are checked byte for byte.  BSON
 * documents whose sizes lie, strings without their NUL and unknown types
 * must stop the reader, never let it read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "svc/bson.h"
#include "svc_script.h"

#define OP_REPLY 1
#define OP_QUERY 2004
#define OP_MSG	 2013

static const struct portier_svc_proto *mongo(void)
{
	const struct portier_svc_proto *p = portier_svc_proto_find("mongodb");

	assert_non_null(p);
	assert_false(p->server_first);
	assert_int_equal(p->ports[0], 27017);
	return p;
}

/* ---- replies ----------------------------------------------------------- */

/* A reply to request id with opcode op carrying doc. */
static size_t reply(uint8_t *buf, size_t cap, uint32_t id, uint32_t op,
		    const uint8_t *doc, size_t dlen)
{
	size_t off = 16;

	assert_true(cap >= 16 + 20 + dlen);
	put_le32(buf + 4, 900 + id); /* the server's own request id */
	put_le32(buf + 8, id);
	put_le32(buf + 12, op);
	if (op == OP_REPLY) {
		put_le32(buf + off, 8); /* AwaitCapable */
		put_le64(buf + off + 4, 0);
		put_le32(buf + off + 12, 0);
		put_le32(buf + off + 16, 1);
		off += 20;
	} else {
		put_le32(buf + off, 0);
		buf[off + 4] = 0;
		off += 5;
	}
	memcpy(buf + off, doc, dlen);
	off += dlen;
	put_le32(buf, (uint32_t)off);
	return off;
}

static size_t hello_doc(uint8_t *buf, size_t cap, int32_t wire)
{
	struct svc_bson_w w;

	svc_bson_begin(&w, buf, cap);
	svc_bson_bool(&w, "ismaster", true);
	svc_bson_bool(&w, "helloOk", true);
	svc_bson_int32(&w, "maxBsonObjectSize", 16777216);
	svc_bson_int32(&w, "maxWireVersion", wire);
	svc_bson_int32(&w, "minWireVersion", 0);
	svc_bson_bool(&w, "readOnly", false);
	svc_bson_double(&w, "ok", 1.0);
	return svc_bson_end(&w);
}

static size_t buildinfo_doc(uint8_t *buf, size_t cap, const char *ver)
{
	struct svc_bson_w w;

	svc_bson_begin(&w, buf, cap);
	svc_bson_string(&w, "version", ver);
	svc_bson_string(&w, "gitVersion",
			"04b2a5b1b0b1e1c2a1e4a5a4ab9b5d1c8c1d6e39");
	svc_bson_int32(&w, "bits", 64);
	svc_bson_double(&w, "ok", 1.0);
	return svc_bson_end(&w);
}

/* {databases: [{name: n0, sizeOnDisk...}, ...], ok: 1} */
static size_t listdb_doc(uint8_t *buf, size_t cap, const char *const *names,
			 size_t n)
{
	uint8_t arr[512], one[128];
	struct svc_bson_w w, a, d;
	size_t i, alen, dlen;
	char key[8];

	svc_bson_begin(&a, arr, sizeof(arr));
	for (i = 0; i < n; i++) {
		svc_bson_begin(&d, one, sizeof(one));
		svc_bson_string(&d, "name", names[i]);
		svc_bson_double(&d, "sizeOnDisk", 40960.0);
		svc_bson_bool(&d, "empty", false);
		dlen = svc_bson_end(&d);
		snprintf(key, sizeof(key), "%zu", i);
		svc_bson_sub(&a, SVC_BSON_DOC, key, one, dlen);
	}
	alen = svc_bson_end(&a);
	svc_bson_begin(&w, buf, cap);
	svc_bson_sub(&w, SVC_BSON_ARRAY, "databases", arr, alen);
	svc_bson_double(&w, "totalSize", 245760.0);
	svc_bson_double(&w, "ok", 1.0);
	return svc_bson_end(&w);
}

static size_t unauthorized_doc(uint8_t *buf, size_t cap)
{
	struct svc_bson_w w;

	svc_bson_begin(&w, buf, cap);
	svc_bson_double(&w, "ok", 0.0);
	svc_bson_string(&w, "errmsg",
			"command listDatabases requires authentication");
	svc_bson_int32(&w, "code", 13);
	svc_bson_string(&w, "codeName", "Unauthorized");
	return svc_bson_end(&w);
}

static struct svc_run run;
static uint8_t r1[1024], r2[1024], r3[1024];

/* A whole conversation with a server of wire version `wire`, version
 * ver; listdb true: it lists two databases, else it asks for a login. */
static void conversation(int32_t wire, const char *ver, bool listdb,
			 bool bytewise)
{
	static const char *const names[] = {"admin", "local"};
	uint8_t doc[768];
	uint32_t op = wire >= 6 ? OP_MSG : OP_REPLY;
	struct svc_reply r[3];

	r[0].p = r1;
	r[0].n = reply(r1, sizeof(r1), 1, OP_REPLY, doc,
		       hello_doc(doc, sizeof(doc), wire));
	r[1].p = r2;
	r[1].n = reply(r2, sizeof(r2), 2, op, doc,
		       buildinfo_doc(doc, sizeof(doc), ver));
	r[2].p = r3;
	r[2].n = reply(r3, sizeof(r3), 3, op, doc,
		       listdb ? listdb_doc(doc, sizeof(doc), names, 2)
			      : unauthorized_doc(doc, sizeof(doc)));
	svc_run(mongo(), r, 3, bytewise, SIZE_MAX, false, &run);
}

/* ---- the module ---------------------------------------------------------- */

static void test_requests(void **state)
{
	uint8_t want[128];
	size_t n;
	(void)state;

	conversation(21, "7.0.14", true, false);
	assert_int_equal(run.n_sent, 3);
	/* OP_QUERY admin.$cmd {isMaster: 1}, requestID 1 */
	n = svc_hex("3a000000"
		    "01000000"
		    "00000000"
		    "d4070000" /* header */
		    "00000000"
		    "61646d696e2e24636d6400" /* admin.$cmd */
		    "00000000"
		    "ffffffff" /* skip, ret */
		    "130000001069734d61737465720001000000"
		    "00",
		    want, sizeof(want));
	assert_int_equal(run.sent_len[0], n);
	assert_memory_equal(run.sent[0], want, n);
	/* then OP_MSG {buildInfo: 1, $db: "admin"}, requestID 2 */
	n = svc_hex("38000000"
		    "02000000"
		    "00000000"
		    "dd070000" /* header */
		    "00000000"
		    "00" /* flags, kind 0 */
		    "23000000"
		    "106275696c64496e666f0001000000"
		    "022464620006000000"
		    "61646d696e00"
		    "00",
		    want, sizeof(want));
	assert_int_equal(run.sent_len[1], n);
	assert_memory_equal(run.sent[1], want, n);
	/* {listDatabases: 1, nameOnly: true, $db: "admin"} */
	assert_int_equal(get_le32(run.sent[2] + 12), OP_MSG);
	assert_non_null(memmem(run.sent[2], run.sent_len[2],
			       "listDatabases\0\1\0\0\0\x08nameOnly\0\1", 25));
	assert_non_null(memmem(run.sent[2], run.sent_len[2],
			       "\x02$db\0\6\0\0\0admin", 14));
}

static void test_no_auth(void **state)
{
	const struct portier_svc_finding *f;
	(void)state;

	conversation(21, "7.0.14", true, true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_string_equal(run.s.name, "mongodb");
	assert_string_equal(run.s.product, "MongoDB");
	assert_string_equal(run.s.version, "7.0.14");
	assert_string_equal(run.s.match_text,
			    "maxWireVersion=21 version=7.0.14");
	assert_int_equal(run.s.conf, 10);
	f = svc_finding(&run.s, "mongodb-no-auth");
	assert_non_null(f);
	assert_int_equal(f->f.risk, PORTIER_RISK_HIGH);
	assert_string_equal(f->detail, "listDatabases answered without a "
				       "login: 2 databases (admin, local)");
}

static void test_auth_on(void **state)
{
	(void)state;

	conversation(21, "7.0.14", false, true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_string_equal(run.s.version, "7.0.14");
	assert_int_equal(run.s.n_findings, 0);
}

static void test_legacy_server(void **state)
{
	(void)state;

	/* 3.4 (wire 5): no OP_MSG, every command as OP_QUERY */
	conversation(5, "3.4.24", true, true);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_int_equal(get_le32(run.sent[1] + 12), OP_QUERY);
	assert_int_equal(get_le32(run.sent[2] + 12), OP_QUERY);
	assert_string_equal(run.s.match_text,
			    "maxWireVersion=5 version=3.4.24");
	assert_non_null(svc_finding(&run.s, "mongodb-no-auth"));
}

static void test_cuts(void **state)
{
	size_t i;
	(void)state;

	conversation(21, "7.0.14", true, false);
	for (i = 1; i <= 3; i++) {
		struct svc_reply r[3] = {{r1, get_le32(r1)},
					 {r2, get_le32(r2)},
					 {r3, get_le32(r3)}};

		svc_check_cuts(mongo(), r, i,
			       i < 3 ? PORTIER_SVC_SEND : PORTIER_SVC_DONE);
	}
	/* the isMaster answered, then the connection closed: recognised
	 * without a version */
	{
		struct svc_reply r[2] = {{r1, get_le32(r1)}, {r2, 0}};

		svc_run(mongo(), r, 2, false, SIZE_MAX, true, &run);
		assert_int_equal(run.v, PORTIER_SVC_DONE);
		assert_string_equal(run.s.version, "");
		assert_int_equal(run.s.conf, 8);
	}
}

static void test_hostile(void **state)
{
	uint8_t doc[256], m[512];
	struct svc_reply r = {m, 0};
	size_t dlen;
	(void)state;

	dlen = hello_doc(doc, sizeof(doc), 21);
	/* a reply to another request */
	r.n = reply(m, sizeof(m), 7, OP_REPLY, doc, dlen);
	svc_run(mongo(), &r, 1, false, SIZE_MAX, false, &run);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	/* a message length of 2 GiB */
	r.n = reply(m, sizeof(m), 1, OP_REPLY, doc, dlen);
	put_le32(m, 0x7fffffff);
	svc_run(mongo(), &r, 1, false, SIZE_MAX, false, &run);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	/* a document whose size points past the message */
	r.n = reply(m, sizeof(m), 1, OP_REPLY, doc, dlen);
	put_le32(m + 36, (uint32_t)dlen + 40);
	svc_run(mongo(), &r, 1, false, SIZE_MAX, false, &run);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	/* numberReturned 0 */
	r.n = reply(m, sizeof(m), 1, OP_REPLY, doc, dlen);
	put_le32(m + 32, 0);
	svc_run(mongo(), &r, 1, false, SIZE_MAX, false, &run);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	/* an unknown opcode */
	r.n = reply(m, sizeof(m), 1, OP_REPLY, doc, dlen);
	put_le32(m + 12, 2012);
	svc_run(mongo(), &r, 1, false, SIZE_MAX, false, &run);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
	/* a document without ok */
	{
		struct svc_bson_w w;

		svc_bson_begin(&w, doc, sizeof(doc));
		svc_bson_bool(&w, "ismaster", true);
		r.n = reply(m, sizeof(m), 1, OP_REPLY, doc, svc_bson_end(&w));
		svc_run(mongo(), &r, 1, false, SIZE_MAX, false, &run);
		assert_int_equal(run.v, PORTIER_SVC_NOT);
	}
	/* OP_MSG with a kind-1 section whose size lies */
	{
		static const uint8_t opmsg[] = {
			0x1a, 0, 0, 0, 0, 0, 0, 0, 1,	 0,    0, 0, 0xdd,
			7,    0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0, 0, 0};

		r.p = opmsg;
		r.n = sizeof(opmsg);
		svc_run(mongo(), &r, 1, false, SIZE_MAX, false, &run);
		assert_int_equal(run.v, PORTIER_SVC_NOT);
		r.p = m;
	}
	/* an HTTP server */
	r.n = 16;
	memcpy(m, "HTTP/1.1 400 Bad", 16);
	svc_run(mongo(), &r, 1, false, SIZE_MAX, true, &run);
	assert_int_equal(run.v, PORTIER_SVC_NOT);
}

static void test_lying_database_list(void **state)
{
	static const char *const names[] = {"admin", "config", "local"};
	uint8_t doc[768];
	struct svc_reply r[3];
	(void)state;

	conversation(21, "7.0.14", true, false);
	r[0] = (struct svc_reply){r1, get_le32(r1)};
	r[1] = (struct svc_reply){r2, get_le32(r2)};
	r[2].p = r3;
	r[2].n = reply(r3, sizeof(r3), 3, OP_MSG, doc,
		       listdb_doc(doc, sizeof(doc), names, 3));
	/* the array's size (at the document's offset 15: 4 + type + key)
	 * grown past the document: no list, no finding, still MongoDB */
	put_le32(r3 + 21 + 15, 600);
	svc_run(mongo(), r, 3, false, SIZE_MAX, false, &run);
	assert_int_equal(run.v, PORTIER_SVC_DONE);
	assert_string_equal(run.s.version, "7.0.14");
	assert_int_equal(run.s.n_findings, 0);
}

/* ---- BSON -------------------------------------------------------------- */

static void test_bson_writer(void **state)
{
	uint8_t buf[64], want[64];
	struct svc_bson_w w;
	size_t n;
	(void)state;

	svc_bson_begin(&w, buf, sizeof(buf));
	svc_bson_int32(&w, "isMaster", 1);
	n = svc_hex("130000001069734d617374657200010000"
		    "0000",
		    want, sizeof(want));
	assert_int_equal(svc_bson_end(&w), n);
	assert_memory_equal(buf, want, n);

	/* what does not fit is refused whole */
	svc_bson_begin(&w, buf, 18);
	svc_bson_int32(&w, "isMaster", 1);
	assert_int_equal(svc_bson_end(&w), 0);
	svc_bson_begin(&w, buf, 4);
	assert_int_equal(svc_bson_end(&w), 0);
}

static void test_bson_reader(void **state)
{
	uint8_t doc[256];
	struct svc_bson_elem e;
	struct svc_bson_iter it;
	const uint8_t *p;
	size_t len;
	int64_t v;
	(void)state;

	/* build it with the writer plus hand-written tails */
	{
		struct svc_bson_w w, s;
		uint8_t sub[32];
		size_t slen;

		svc_bson_begin(&s, sub, sizeof(sub));
		svc_bson_int32(&s, "i", 5);
		slen = svc_bson_end(&s);
		svc_bson_begin(&w, doc, sizeof(doc));
		svc_bson_double(&w, "d", 2.5);
		svc_bson_string(&w, "s", "hi");
		svc_bson_sub(&w, SVC_BSON_DOC, "o", sub, slen);
		svc_bson_bool(&w, "t", true);
		len = svc_bson_end(&w);
	}
	assert_true(svc_bson_find(doc, len, "o", &e));
	assert_true(svc_bson_as_doc(&e, &p, &len));
	assert_true(svc_bson_find(p, len, "i", &e));
	assert_true(svc_bson_as_int(&e, &v));
	assert_int_equal(v, 5);
	len = get_le32(doc);
	assert_true(svc_bson_find(doc, len, "d", &e));
	assert_true(svc_bson_as_int(&e, &v));
	assert_int_equal(v, 2);
	assert_true(svc_bson_find(doc, len, "s", &e));
	assert_true(svc_bson_as_str(&e, &p, &len));
	assert_int_equal(len, 2);
	assert_memory_equal(p, "hi", 2);
	assert_false(svc_bson_find(doc, get_le32(doc), "x", &e));

	/* the other types, hand-written: null, regex, oid, binary,
	 * datetime, timestamp, int64, decimal128, minkey, maxkey,
	 * code with scope, DB pointer */
	{
		static const char other[] =
			"0a6e00"	   /* n: null */
			"0b7200612a006900" /* r: regex "a*", "i" */
			"076f00000102030405060708090a0b" /* o: oid */
			"05620002000000000102"		 /* b: binary */
			"096400"
			"0000000000000000" /* d: datetime */
			"117400"
			"0000000000000000" /* t: timestamp */
			"126c00"
			"2a00000000000000" /* l: 42 */
			"134d00"
			"00000000000000000000000000000000"
			"ff6d00"
			"7f7800" /* minkey, maxkey */
			"0f63000f000000"
			"020000006100"
			"0500000000"
			"0c7000"
			"020000006100"
			"000102030405060708090a0b"
			"0d6a00"
			"020000006100" /* j: code */
			"0e7900"
			"020000006100"; /* y: symbol */
		size_t n = 4, count = 0;

		n += svc_hex(other, doc + 4, sizeof(doc) - 5);
		doc[n++] = 0;
		put_le32(doc, (uint32_t)n);
		assert_true(svc_bson_iter_init(&it, doc, n));
		while (svc_bson_next(&it, &e))
			count++;
		assert_false(it.bad);
		assert_int_equal(count, 14);
		assert_true(svc_bson_find(doc, n, "l", &e));
		assert_true(svc_bson_as_int(&e, &v));
		assert_int_equal(v, 42);
	}
}

static void test_bson_lies(void **state)
{
	static const char *const bad[] = {
		"0500000001",			    /* last byte not 0 */
		"0400000000",			    /* size below 5 */
		"ff00000000",			    /* size past the buffer */
		"0f0000000273001000000068690000",   /* string length past end */
		"10000000027300030000006869610000", /* string without NUL */
		"0c0000000273000000000000",	    /* string length 0 */
		"090000004261000000",		    /* unknown type 0x42 */
		"0d000000036f00ff0000000000",	    /* sub-document size lies */
		"0c0000000b7200612a006900",   /* regex options without NUL */
		"0a000000107800010000",	      /* int32 cut by the end */
		"0800000000780000",	      /* a NUL type before the end */
		"0800000010787800",	      /* key without NUL */
		"0d0000000f6300050000000000", /* code with scope too small */
		"0c000000056200ffffffff00",   /* binary length past end */
	};
	uint8_t doc[64];
	struct svc_bson_iter it;
	struct svc_bson_elem e;
	size_t i, n;
	(void)state;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = svc_hex(bad[i], doc, sizeof(doc));
		if (svc_bson_iter_init(&it, doc, n)) {
			while (svc_bson_next(&it, &e))
				;
			if (!it.bad)
				fail_msg("bad document %zu read whole", i);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_no_auth),
		cmocka_unit_test(test_auth_on),
		cmocka_unit_test(test_legacy_server),
		cmocka_unit_test(test_cuts),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_lying_database_list),
		cmocka_unit_test(test_bson_writer),
		cmocka_unit_test(test_bson_reader),
		cmocka_unit_test(test_bson_lies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
