/*
 * test_rpc.c - the DCE/RPC and endpoint mapper parsers of the probe module
 * (dcerpc.c, epm.c, rpc_ifaces.c) and the endpoint list's judgement.
 *
 * The real exchange is Samba 4.17's samba-dcerpcd on 135 in the lab
 * (tests/data/probe/rpc-samba-*.bin, recorded with `portier rpc --raw-dir`):
 * a bind_ack, then one ept_lookup response in two fragments holding 38
 * entries, a zeroed handle and EPT_S_NOT_REGISTERED.  Hostile variants are
 * made from it: counts larger than the stub, lengths past the end, every
 * truncation, fragments out of order, of another call or past the bound.
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
#include "probe_fixture.h"

static struct portier_epm_lookup_reply page; /* 30 KiB: not on the stack */
static uint8_t frag1[8192], frag2[2048], stub[16384];
static size_t n1, n2, stub_len;

static void must_fail(int rc, const struct portier_err *err, const char *quote)
{
	assert_int_equal(rc, PORTIER_EPROTO);
	if (!strstr(err->msg, quote))
		fail_msg("error '%s' does not mention '%s'", err->msg, quote);
}

/* The two recorded fragments, parsed and reassembled into stub. */
static int load(void **state)
{
	struct portier_dcerpc_reasm r = {
		.buf = stub, .cap = sizeof(stub), .call_id = 2};
	struct portier_dcerpc_pdu p;
	struct portier_err err = {0};
	(void)state;

	n1 = probe_fixture_load("rpc-samba-lookup-frag1.bin", frag1,
				sizeof(frag1));
	n2 = probe_fixture_load("rpc-samba-lookup-frag2.bin", frag2,
				sizeof(frag2));
	assert_int_equal(portier_dcerpc_parse(frag1, n1, &p, &err), 0);
	assert_int_equal(portier_dcerpc_reasm_add(&r, frag1, &p, &err), 0);
	assert_false(r.done);
	assert_int_equal(portier_dcerpc_parse(frag2, n2, &p, &err), 0);
	assert_int_equal(portier_dcerpc_reasm_add(&r, frag2, &p, &err), 0);
	assert_true(r.done);
	stub_len = r.len;
	return 0;
}

static void test_guid(void **state)
{
	uint8_t g[16];
	char s[40];
	(void)state;

	portier_guid_str(portier_rpc_epm_syntax.uuid, s, sizeof(s));
	assert_string_equal(s, "e1af8308-5d1f-11c9-91a4-08002b14a0fa");
	portier_guid_str(portier_rpc_ndr_syntax.uuid, s, sizeof(s));
	assert_string_equal(s, "8a885d04-1ceb-11c9-9fe8-08002b104860");
	assert_int_equal(
		portier_guid_parse("E1AF8308-5D1F-11C9-91A4-08002B14A0FA", g),
		0);
	assert_memory_equal(g, portier_rpc_epm_syntax.uuid, 16);
	assert_int_equal(portier_guid_parse("e1af8308-5d1f-11c9-91a4", g),
			 PORTIER_EINVAL);
	assert_int_equal(
		portier_guid_parse("e1af8308x5d1f-11c9-91a4-08002b14a0fa", g),
		PORTIER_EINVAL);
	assert_int_equal(
		portier_guid_parse("g1af8308-5d1f-11c9-91a4-08002b14a0fa", g),
		PORTIER_EINVAL);
}

static void test_bind(void **state)
{
	struct portier_dcerpc_bind_params bp = {.call_id = 1};
	struct portier_dcerpc_pdu p;
	struct portier_err err = {0};
	uint8_t b[128], ack[128];
	size_t n =
		probe_fixture_load("rpc-samba-bind-ack.bin", ack, sizeof(ack));
	(void)state;

	assert_int_equal(portier_dcerpc_bind_build(b, sizeof(b), &bp), 72);
	assert_int_equal(b[0], 5);
	assert_int_equal(b[2], PORTIER_DCERPC_BIND);
	assert_int_equal(b[3], 3);
	assert_int_equal(b[4], 0x10);
	assert_int_equal(get_le16(b + 8), 72);
	assert_int_equal(get_le32(b + 12), 1);
	assert_memory_equal(b + 32, portier_rpc_epm_syntax.uuid, 16);
	assert_int_equal(get_le16(b + 48), 3);
	assert_memory_equal(b + 52, portier_rpc_ndr_syntax.uuid, 16);
	assert_int_equal(get_le16(b + 68), 2);
	assert_int_equal(portier_dcerpc_bind_build(b, 71, &bp), PORTIER_EINVAL);

	assert_int_equal(portier_dcerpc_parse(ack, n, &p, &err), 0);
	assert_int_equal(p.ptype, PORTIER_DCERPC_BIND_ACK);
	assert_int_equal(p.call_id, 1);
	assert_int_equal(p.max_xmit, 4280);
	assert_string_equal(p.sec_addr, "135");
	assert_int_equal(p.n_results, 1);
	assert_int_equal(p.result, 0);
	assert_memory_equal(p.accepted_syntax.uuid, portier_rpc_ndr_syntax.uuid,
			    16);
	/* every truncation is an error (the PDU says how long it is) */
	for (; n > 0; n--)
		assert_int_equal(portier_dcerpc_parse(ack, n - 1, &p, &err) < 0,
				 true);
}

static void test_request(void **state)
{
	struct portier_epm_lookup_params lp = {.max_ents = 0};
	struct portier_dcerpc_request_params rp = {.call_id = 7, .opnum = 2};
	uint8_t s[64], b[128];
	(void)state;

	memset(lp.handle, 0xab, sizeof(lp.handle));
	assert_int_equal(portier_epm_lookup_build(s, sizeof(s), &lp), 44);
	assert_int_equal(get_le32(s), 0);      /* RPC_C_EP_ALL_ELTS */
	assert_int_equal(get_le32(s + 12), 1); /* RPC_C_VERS_ALL */
	assert_int_equal(s[16], 0xab);
	assert_int_equal(get_le32(s + 36), PORTIER_EPM_MAX_PAGE);
	lp.max_ents = PORTIER_EPM_MAX_PAGE + 1;
	assert_int_equal(portier_epm_lookup_build(s, sizeof(s), &lp),
			 PORTIER_EINVAL);
	rp.stub = s;
	rp.stub_len = 44;
	assert_int_equal(portier_dcerpc_request_build(b, sizeof(b), &rp), 68);
	assert_int_equal(b[2], PORTIER_DCERPC_REQUEST);
	assert_int_equal(get_le16(b + 8), 68);
	assert_int_equal(get_le32(b + 16), 44); /* alloc_hint */
	assert_int_equal(get_le16(b + 22), 2);	/* opnum */
	assert_memory_equal(b + 24, s, 44);
	assert_int_equal(portier_dcerpc_request_build(b, 67, &rp),
			 PORTIER_EINVAL);
}

static const struct portier_epm_entry *find(const char *binding)
{
	uint32_t i;

	for (i = 0; i < page.n_entries; i++)
		if (strcmp(page.entries[i].binding, binding) == 0)
			return &page.entries[i];
	return NULL;
}

static void test_lookup_samba(void **state)
{
	struct portier_err err = {0};
	const struct portier_epm_entry *e;
	const struct portier_rpc_iface_info *info;
	char s[40];
	(void)state;

	assert_int_equal(portier_epm_lookup_parse(stub, stub_len, &page, &err),
			 0);
	assert_int_equal(page.n_entries, 38);
	assert_true(page.handle_null);
	assert_int_equal(page.status, PORTIER_EPT_S_NOT_REGISTERED);
	e = &page.entries[0];
	portier_guid_str(e->iface.uuid, s, sizeof(s));
	assert_string_equal(s, "82273fdc-e32a-18c3-3f78-827929dc23ea");
	assert_true(e->have_iface);
	assert_int_equal(e->iface.major, 0);
	assert_string_equal(e->annotation, "eventlog");
	assert_string_equal(e->binding, "ncacn_np:[\\pipe\\eventlog]");
	assert_int_equal(e->rpc_proto, PORTIER_EPM_NCACN);
	assert_memory_equal(e->transfer.uuid, portier_rpc_ndr_syntax.uuid, 16);
	e = find("ncacn_ip_tcp:198.19.1.2[135]");
	assert_non_null(e);
	assert_memory_equal(e->iface.uuid, portier_rpc_epm_syntax.uuid, 16);
	assert_int_equal(e->iface.major, 3);
	assert_int_equal(e->port, 135);
	assert_string_equal(e->host, "198.19.1.2");
	assert_string_equal(e->protseq, "ncacn_ip_tcp");
	e = find("ncalrpc:[EPMAPPER]");
	assert_non_null(e);
	assert_int_equal(e->rpc_proto, PORTIER_EPM_NCALRPC);
	e = find("ncacn_http:0.0.0.0[593]");
	assert_non_null(e);
	assert_int_equal(e->port, 593);
	e = find("ncacn_np:[\\pipe\\spoolss]");
	assert_non_null(e);
	info = portier_rpc_iface_find(e->iface.uuid);
	assert_non_null(info);
	assert_string_equal(info->finding, "rpc-spooler-exposed");
}

/* Entries after an annotation of odd length start on a 4-byte boundary:
 * an object UUID that is not all zeros must be read from there. */
static void test_lookup_object_aligned(void **state)
{
	static uint8_t b[16384];
	struct portier_err err = {0};
	uint8_t want[16];
	(void)state;

	memcpy(b, stub, stub_len);
	/* entry 0: object at 36, annotation count at 60 ("eventlog\0") */
	assert_int_equal(get_le32(b + 60), 9);
	memset(b + 76, 0x11, 16); /* entry 1's object, after 3 pad bytes */
	memset(want, 0x11, sizeof(want));
	assert_int_equal(portier_epm_lookup_parse(b, stub_len, &page, &err), 0);
	assert_memory_equal(page.entries[1].object, want, 16);
	assert_string_equal(page.entries[1].annotation, "ntsvcs");
}

static void test_lookup_truncations(void **state)
{
	struct portier_err err = {0};
	size_t n;
	(void)state;

	for (n = 0; n < stub_len; n++) {
		err.msg[0] = '\0';
		assert_int_equal(portier_epm_lookup_parse(stub, n, &page, &err),
				 PORTIER_EPROTO);
		assert_true(err.msg[0] != '\0');
		assert_int_equal(page.n_entries, 0);
	}
}

static void test_lookup_hostile(void **state)
{
	static uint8_t b[16384];
	struct portier_err err = {0};
	(void)state;

	/* a count beyond the page we asked for */
	memcpy(b, stub, stub_len);
	put_le32(b + 20, 0xffffffff);
	must_fail(portier_epm_lookup_parse(b, stub_len, &page, &err), &err,
		  "4294967295 entries");
	/* the array's actual count disagrees with num_ents */
	memcpy(b, stub, stub_len);
	put_le32(b + 32, 39);
	must_fail(portier_epm_lookup_parse(b, stub_len, &page, &err), &err,
		  "entry array of 39");
	/* a huge annotation count */
	memcpy(b, stub, stub_len);
	put_le32(b + 60, 0x7fffffff);
	must_fail(portier_epm_lookup_parse(b, stub_len, &page, &err), &err,
		  "annotation of 2147483647");
}

/* The first tower's bytes within the stub (after 38 entries). */
static size_t first_tower(void)
{
	size_t off = 36;
	uint32_t i;

	for (i = 0; i < 38; i++) {
		off += 16 + 4 + 4;
		off += 4 + get_le32(stub + off);
		off = (off + 3) & ~(size_t)3;
	}
	return off; /* max_count, tower_length, octets */
}

static void test_tower_hostile(void **state)
{
	static uint8_t b[16384];
	struct portier_epm_entry e;
	struct portier_err err = {0};
	size_t t = first_tower(), tl = get_le32(stub + t + 4), n;
	(void)state;

	assert_int_equal(get_le32(stub + t), tl);
	assert_int_equal(portier_epm_tower_parse(stub + t + 8, tl, &e, &err),
			 0);
	assert_string_equal(e.binding, "ncacn_np:[\\pipe\\eventlog]");
	for (n = 0; n < tl; n++)
		assert_int_equal(
			portier_epm_tower_parse(stub + t + 8, n, &e, &err) < 0,
			/* the floors are all there once the count says so */
			n < tl);
	/* a floor length past the tower */
	memcpy(b, stub + t + 8, tl);
	put_le16(b + 2, 0xffff);
	must_fail(portier_epm_tower_parse(b, tl, &e, &err), &err,
		  "runs past the tower");
	/* a tower length past the stub */
	memcpy(b, stub, stub_len);
	put_le32(b + t, 0x10000000);
	put_le32(b + t + 4, 0x10000000);
	must_fail(portier_epm_lookup_parse(b, stub_len, &page, &err), &err,
		  "runs past the response");
	/* tower_length and the conformant size disagree */
	memcpy(b, stub, stub_len);
	put_le32(b + t + 4, (uint32_t)tl - 1);
	must_fail(portier_epm_lookup_parse(b, stub_len, &page, &err), &err,
		  "tower length");
	/* a first floor that is not a UUID */
	memcpy(b, stub + t + 8, tl);
	b[4] = 0x07;
	must_fail(portier_epm_tower_parse(b, tl, &e, &err), &err,
		  "not a UUID floor");
}

static void test_frag_hostile(void **state)
{
	static uint8_t big[8];
	struct portier_dcerpc_reasm r = {.buf = stub, .cap = sizeof(stub)};
	struct portier_dcerpc_pdu p;
	struct portier_err err = {0};
	uint8_t b[8192];
	(void)state;

	/* frag_length shorter than the header, or not what arrived */
	memcpy(b, frag1, n1);
	put_le16(b + 8, 10);
	must_fail(portier_dcerpc_parse(b, n1, &p, &err), &err,
		  "shorter than the header");
	assert_int_equal(portier_dcerpc_frag_len(b, 9, &err), 0);
	put_le16(b + 8, 60000);
	must_fail(portier_dcerpc_parse(b, n1, &p, &err), &err,
		  "fragment length 60000");
	/* big-endian, version 4 */
	memcpy(b, frag1, n1);
	b[4] = 0x00;
	must_fail(portier_dcerpc_parse(b, n1, &p, &err), &err, "big-endian");
	b[4] = 0x10;
	b[0] = 4;
	must_fail(portier_dcerpc_parse(b, n1, &p, &err), &err, "not DCE/RPC");
	/* an auth_length past the PDU */
	memcpy(b, frag1, n1);
	put_le16(b + 10, 0xfff0);
	must_fail(portier_dcerpc_parse(b, n1, &p, &err), &err, "auth_length");

	/* the second fragment first */
	assert_int_equal(portier_dcerpc_parse(frag2, n2, &p, &err), 0);
	r.call_id = 2;
	must_fail(portier_dcerpc_reasm_add(&r, frag2, &p, &err), &err,
		  "lacks the first-fragment flag");
	/* a fragment of another call */
	assert_int_equal(portier_dcerpc_parse(frag1, n1, &p, &err), 0);
	r.call_id = 3;
	must_fail(portier_dcerpc_reasm_add(&r, frag1, &p, &err), &err,
		  "call 2 while waiting for call 3");
	/* the first fragment twice */
	r.call_id = 2;
	assert_int_equal(portier_dcerpc_reasm_add(&r, frag1, &p, &err), 0);
	must_fail(portier_dcerpc_reasm_add(&r, frag1, &p, &err), &err,
		  "carries the first-fragment flag");
	/* more than the buffer holds */
	r = (struct portier_dcerpc_reasm){
		.buf = big, .cap = sizeof(big), .call_id = 2};
	must_fail(portier_dcerpc_reasm_add(&r, frag1, &p, &err), &err,
		  "larger than 8 bytes");
	/* a flood of middle fragments stops at max_frags */
	r = (struct portier_dcerpc_reasm){
		.buf = stub, .cap = sizeof(stub), .call_id = 2, .max_frags = 1};
	assert_int_equal(portier_dcerpc_reasm_add(&r, frag1, &p, &err), 0);
	memcpy(b, frag1, n1);
	b[3] = 0; /* neither first nor last */
	assert_int_equal(portier_dcerpc_parse(b, n1, &p, &err), 0);
	must_fail(portier_dcerpc_reasm_add(&r, b, &p, &err), &err,
		  "more than 1 fragments");
	/* after the last fragment nothing more belongs to the call */
	r.done = true;
	must_fail(portier_dcerpc_reasm_add(&r, b, &p, &err), &err,
		  "after the last");
}

static void test_fault_and_nak(void **state)
{
	struct portier_dcerpc_pdu p;
	struct portier_err err = {0};
	uint8_t f[32] = {
		5, 0, PORTIER_DCERPC_FAULT, 3, 0x10, 0, 0, 0, 32, 0, 0, 0, 2, 0,
		0, 0};
	uint8_t n[24] = {5, 0,	  PORTIER_DCERPC_BIND_NAK,
			 3, 0x10, 0,
			 0, 0,	  24,
			 0, 0,	  0,
			 1, 0,	  0,
			 0, 4,	  0};
	(void)state;

	put_le32(f + 24, 0x1c010002);
	assert_int_equal(portier_dcerpc_parse(f, sizeof(f), &p, &err), 0);
	assert_int_equal(p.fault_status, 0x1c010002);
	assert_string_equal(portier_dcerpc_fault_name(p.fault_status),
			    "operation out of range");
	f[8] = 24; /* a fault cut before its status */
	must_fail(portier_dcerpc_parse(f, 24, &p, &err), &err,
		  "fault without a status");
	assert_int_equal(portier_dcerpc_parse(n, sizeof(n), &p, &err), 0);
	assert_int_equal(p.ptype, PORTIER_DCERPC_BIND_NAK);
	assert_int_equal(p.reject_reason, 4);
	n[2] = 99;
	must_fail(portier_dcerpc_parse(n, sizeof(n), &p, &err), &err,
		  "unexpected PDU type 99");
}

static void test_judge(void **state)
{
	struct portier_rpc_host h = {0};
	struct portier_probe_finding f[PORTIER_RPC_MAX_FINDINGS];
	struct portier_err err = {0};
	static struct portier_epm_entry ents[64];
	uint32_t i, k = 0;
	(void)state;

	assert_int_equal(portier_epm_lookup_parse(stub, stub_len, &page, &err),
			 0);
	/* not bound: nothing was listed, nothing to judge */
	assert_int_equal(portier_rpc_judge(&h, f), 0);
	h.bound = true;
	h.pages = 1;
	h.entries = ents;
	for (i = 0; i < page.n_entries; i++) {
		const struct portier_rpc_iface_info *info =
			portier_rpc_iface_find(page.entries[i].iface.uuid);

		if (!info || !info->finding)
			ents[k++] = page.entries[i];
	}
	h.n_entries = k;
	assert_int_equal(portier_rpc_judge(&h, f), 1);
	assert_string_equal(f[0].id, "rpc-endpoints-listed");
	h.n_entries = page.n_entries;
	memcpy(ents, page.entries, page.n_entries * sizeof(ents[0]));
	assert_int_equal(portier_rpc_judge(&h, f), 2);
	assert_string_equal(f[0].id, "rpc-spooler-exposed");
	assert_int_equal(f[0].risk, PORTIER_RISK_HIGH);
	/* an EFSR tower makes the third */
	assert_int_equal(
		portier_guid_parse("c681d488-d850-11d0-8c52-00c04fd90f7e",
				   ents[h.n_entries].iface.uuid),
		0);
	h.n_entries++;
	assert_int_equal(portier_rpc_judge(&h, f), 3);
	assert_string_equal(f[1].id, "rpc-efsr-exposed");
}

/* The address policy holds before any socket: nothing is sent to a
 * multicast, broadcast or unspecified address, and the result is clean. */
static void test_host_not_target(void **state)
{
	static const char *const bad[] = {
		"::",	     "ff02::1",		"fe80::1",
		"224.0.0.1", "255.255.255.255", "0.0.0.0"};
	struct portier_rpc_host h;
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct portier_addr a;
		struct portier_err err = {0};

		assert_int_equal(portier_addr_parse(bad[i], &a), 0);
		assert_int_equal(portier_probe_rpc_host(&a, NULL, &h, &err),
				 PORTIER_EINVAL);
		assert_non_null(strstr(err.msg, bad[i]));
		assert_int_equal(h.tcp, PORTIER_TCP_UNTRIED);
		assert_int_equal(h.n_entries, 0);
		portier_rpc_host_free(&h);
	}
}

/* Out of memory before the connection: an error, no leak, no socket. */
static void test_host_nomem(void **state)
{
	struct portier_rpc_host h;
	struct portier_addr a;
	struct portier_err err = {0};
	long n;
	(void)state;

	assert_int_equal(portier_addr_parse("198.19.1.2", &a), 0);
	for (n = 0; n < 4; n++) {
		portier_alloc_fail_after(n);
		assert_int_equal(portier_probe_rpc_host(&a, NULL, &h, &err),
				 PORTIER_ENOMEM);
		portier_alloc_fail_after(-1);
		assert_non_null(strstr(err.msg, "out of memory"));
		portier_rpc_host_free(&h);
	}
}

static void test_vtables(void **state)
{
	struct portier_err err = {0};
	uint8_t b[128];
	(void)state;

	assert_int_equal(portier_dcerpc_bind_probe.port, 135);
	assert_int_equal(portier_dcerpc_bind_probe.build(b, sizeof(b), NULL),
			 72);
	assert_memory_equal(b + 32, portier_rpc_epm_syntax.uuid, 16);
	assert_int_equal(portier_epm_lookup_probe.build(b, sizeof(b), NULL),
			 44);
	assert_int_equal(portier_epm_lookup_probe.out_size, sizeof(page));
	assert_int_equal(
		portier_epm_lookup_probe.parse(stub, stub_len, &page, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guid),
		cmocka_unit_test(test_bind),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_lookup_samba),
		cmocka_unit_test(test_lookup_object_aligned),
		cmocka_unit_test(test_lookup_truncations),
		cmocka_unit_test(test_lookup_hostile),
		cmocka_unit_test(test_tower_hostile),
		cmocka_unit_test(test_frag_hostile),
		cmocka_unit_test(test_fault_and_nak),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_host_not_target),
		cmocka_unit_test(test_host_nomem),
		cmocka_unit_test(test_vtables),
	};

	return cmocka_run_group_tests(tests, load, NULL);
}
