/*
 * test_udp.c - the UDP payloads: the built-in file parses, every port it
 * names gets its payloads, the NetBIOS payload is portier_nbstat_build's
 * query, and the reply parsers accept a real answer and refuse a wrong one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "portier/bytes.h"
#include "portier/net.h"
#include "portier/probe.h"
#include "portier/udp_payloads.h"

static void test_builtin(void **state)
{
	struct portier_udp_payloads *p = NULL;
	const struct portier_udp_payload *v[PORTIER_UDP_PER_PORT];
	struct portier_nbstat_params nb = {.trn_id = 0x7072};
	struct portier_err err = {0};
	uint8_t q[64];
	long n;

	(void)state;
	assert_int_equal(portier_udp_payloads_builtin(&p, &err), 0);
	assert_true(portier_udp_payloads_count(p) >= 18);
	assert_int_equal(portier_udp_payloads_for(p, 161, v), 2);
	assert_string_equal(v[0]->name, "snmp-public");
	assert_int_equal(portier_udp_payloads_for(p, 123, v), 1);
	assert_int_equal(v[0]->len, 48);
	assert_int_equal(portier_udp_payloads_for(p, 9, v), 1);
	assert_string_equal(v[0]->name, "generic");
	assert_int_equal(v[0]->len, 0);
	/* 137 sends exactly what portier nbstat sends */
	n = portier_nbstat_build(q, sizeof(q), &nb);
	assert_int_equal(portier_udp_payloads_for(p, 137, v), 1);
	assert_int_equal(v[0]->len, (size_t)n);
	assert_memory_equal(v[0]->data, q, (size_t)n);
	portier_udp_payloads_free(p);
}

static void test_replies(void **state)
{
	struct portier_udp_payloads *p = NULL;
	const struct portier_udp_payload *v[PORTIER_UDP_PER_PORT];
	uint8_t r[64];
	const char *svc = NULL;

	(void)state;
	assert_int_equal(portier_udp_payloads_builtin(&p, NULL), 0);
	portier_udp_payloads_for(p, 53, v);
	memcpy(r, v[0]->data, v[0]->len);
	assert_false(portier_udp_reply_parse(v[0]->parser, v[0]->data,
					     v[0]->len, r, v[0]->len, &svc));
	r[2] |= 0x80; /* a response */
	assert_true(portier_udp_reply_parse(v[0]->parser, v[0]->data, v[0]->len,
					    r, v[0]->len, &svc));
	assert_string_equal(svc, "domain");
	r[0] ^= 1; /* another transaction */
	assert_false(portier_udp_reply_parse(v[0]->parser, v[0]->data,
					     v[0]->len, r, v[0]->len, &svc));
	portier_udp_payloads_for(p, 123, v);
	memset(r, 0, 48);
	r[0] = 0x24;
	assert_true(portier_udp_reply_parse(v[0]->parser, v[0]->data, v[0]->len,
					    r, 48, &svc));
	r[0] = 0x23; /* a client request is no answer */
	assert_false(portier_udp_reply_parse(v[0]->parser, v[0]->data,
					     v[0]->len, r, 48, &svc));
	portier_udp_payloads_free(p);
}

static void test_bad_files(void **state)
{
	static const char *const bad[] = {
		"x 53 dns \"\\q\"\n", "x 53 nosuch 00\n",
		"x 53 dns 0\n",	      "  00\n",
		"x U:53 dns 00\n",    "x 53 dns \"open\n",
		"# only comments\n",
	};
	struct portier_udp_payloads *p;
	struct portier_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(portier_udp_payloads_parse(
					 bad[i], strlen(bad[i]), "f", &p, &err),
				 PORTIER_EINVAL);
		assert_null(p);
		assert_non_null(strstr(err.msg, "f:"));
	}
}

/* An ICMP port unreachable from the target quoting our datagram: raw -sU's
 * match (portier_reply_parse, quoted 17); a TCP quote stays a TCP one. */
static void test_unreach_quoting_udp(void **state)
{
	uint8_t p[20 + 8 + 20 + 8] = {0};
	struct portier_reply r;

	(void)state;
	p[0] = 0x45;
	put_be16(p + 2, sizeof(p));
	p[9] = 1;			       /* ICMP */
	memcpy(p + 12, "\xc6\x13\x01\x02", 4); /* from 198.19.1.2 */
	memcpy(p + 16, "\xc6\x13\x01\x01", 4);
	p[20] = 3;    /* destination unreachable */
	p[21] = 3;    /* port */
	p[28] = 0x45; /* the quoted datagram */
	put_be16(p + 30, 28);
	p[37] = 17; /* UDP */
	memcpy(p + 40, "\xc6\x13\x01\x01", 4);
	memcpy(p + 44, "\xc6\x13\x01\x02", 4);
	put_be16(p + 48, 40000); /* our port */
	put_be16(p + 50, 53);	 /* the target's */
	assert_int_equal(portier_reply_parse(p, sizeof(p), &r), 0);
	assert_int_equal(r.kind, PORTIER_REPLY_UNREACH);
	assert_int_equal(r.quoted, 17);
	assert_int_equal(r.sport, 40000);
	assert_int_equal(r.port, 53);
	assert_int_equal(r.icmp_code, 3);
	assert_int_equal(portier_addr_cmp(&r.offender, &r.target), 0);
	p[37] = 47; /* GRE: no ports to match */
	assert_int_equal(portier_reply_parse(p, sizeof(p), &r), PORTIER_EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_unreach_quoting_udp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
