/*
 * test_svc_udp.c - service detection on UDP ports: replies captured from
 * real dnsmasq 2.90, chrony, net-snmp, Samba's nmbd and memcached 1.6.18
 * in a lab namespace are described as nmap -sV describes them; cut and
 * hostile replies never read past their end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "portier/svc_udp.h"

/* bytes from hex text; *n their count; the caller frees */
static uint8_t *hex(const char *h, size_t *n)
{
	size_t i, len = strlen(h) / 2;
	uint8_t *b = malloc(len ? len : 1);

	assert_non_null(b);
	for (i = 0; i < len; i++) {
		unsigned v;

		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		b[i] = (uint8_t)v;
	}
	*n = len;
	return b;
}

static const char dns_req[] =
	"707200000001000000000000076"
	"57273696f6e0462696e6400" /* version.bind */ "00100003";
static const char dns_reply[] =
	"7072848000010001000000000776657273696f6e0462696e640000100003c00c"
	"0010000300000000000d0c646e736d6173712d322e3930";
static const char ntp_reply[] =
	"240a00e600000000000000007f7f0101eebd6900c72a775e0000000000000000"
	"eebd6901d94904a9eebd6901d94e7d82";
static const char snmp_v1_reply[] =
	"306302010004067075626c6963a2560204706f72740201000201003048304606"
	"082b06010201010100043a4c696e757820766d20362e31382e34342d66632d76"
	"3132353220233120534d5020505245454d50545f44594e414d49432040302078"
	"38365f3634";
static const char snmp_v3_reply[] =
	"306d020103300f02024a69020300ffe30401000201030421301f041180001f88"
	"805355650b7fea126b000000000201010201020400040004003034041180001f"
	"88805355650b7fea126b000000000400a81d02022a2b0201000201003011300f"
	"060a2b060106030f01010400410101";
static const char nbstat_reply[] =
	"70728400000000010000000020434b4141414141414141414141414141414141"
	"414141414141414141414141410000210001000000000089054c414253525632"
	"20202020202020200004004c41425352563220202020202020200304004c4142"
	"535256322020202020202020200400504f52544945524c414220202020200084"
	"00504f52544945524c414220202020201e840000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"00";
static const char mc_reply[] =
	"707200000001000056455253494f4e20312e362e31380d0a";

static bool describe(enum portier_udp_parser p, const char *req_hex,
		     const char *reply_hex, struct portier_svc *s)
{
	size_t rn, n;
	uint8_t *req = hex(req_hex, &rn), *b = hex(reply_hex, &n);
	bool ok = portier_svc_udp_describe(p, req, rn, b, n, s);

	free(req);
	free(b);
	return ok;
}

static void test_dns(void **state)
{
	struct portier_svc s = {0};

	(void)state;
	assert_true(describe(PORTIER_UDP_DNS, dns_req, dns_reply, &s));
	assert_string_equal(s.name, "domain");
	assert_string_equal(s.match_text, "dnsmasq-2.90");
	assert_int_equal(s.conf, 10);
	assert_true(s.probed);
}

static void test_dns_refused(void **state)
{
	struct portier_svc s = {0};
	size_t n;
	uint8_t *b = hex(dns_req, &n);

	(void)state;
	b[2] |= 0x80;
	b[3] = 5; /* REFUSED, no answer */
	assert_true(portier_svc_udp_describe(PORTIER_UDP_DNS, b, n, b, n, &s));
	assert_string_equal(s.extrainfo, "generic dns response: REFUSED");
	assert_string_equal(s.match_text, "");
	free(b);
}

static void test_ntp(void **state)
{
	struct portier_svc s = {0};

	(void)state;
	assert_true(describe(PORTIER_UDP_NTP, "23", ntp_reply, &s));
	assert_string_equal(s.name, "ntp");
	assert_string_equal(s.product, "NTP");
	assert_string_equal(s.version, "v4");
	assert_string_equal(s.extrainfo, "secondary server");
}

/* nmap: "SNMPv1 server; net-snmp SNMPv3 server (public)" */
static void test_snmp(void **state)
{
	struct portier_svc s = {0};
	uint8_t v1[64];
	char req[200];
	size_t i, n = portier_svc_snmp_v1_get(v1, sizeof(v1), 0x706f7274);

	(void)state;
	assert_int_equal(n, 43);
	for (i = 0; i < n; i++)
		sprintf(req + 2 * i, "%02x", v1[i]);
	assert_true(describe(PORTIER_UDP_SNMP, req, snmp_v1_reply, &s));
	assert_true(describe(PORTIER_UDP_SNMP, "3000", snmp_v3_reply, &s));
	assert_string_equal(s.name, "snmp");
	assert_string_equal(s.product, "SNMPv1 server; net-snmp SNMPv3 server");
	assert_string_equal(s.extrainfo, "public");
	assert_int_equal(s.n_findings, 1);
	assert_string_equal(s.findings[0].f.id, "snmp-public");
	assert_int_equal(s.findings[0].f.risk, PORTIER_RISK_HIGH);
	assert_non_null(strstr(s.findings[0].detail, "Linux vm 6.18"));
	assert_non_null(s.findings[0].f.advice);
	/* the same reply again adds nothing */
	assert_true(describe(PORTIER_UDP_SNMP, req, snmp_v1_reply, &s));
	assert_int_equal(s.n_findings, 1);
	assert_string_equal(s.product, "SNMPv1 server; net-snmp SNMPv3 server");
	assert_memory_equal(v1, "\x30\x29\x02\x01\x00\x04\x06public", 13);
	assert_int_equal(portier_svc_snmp_v1_get(v1, 42, 1), 0);
}

/* nmap: "Samba nmbd netbios-ns (workgroup: PORTIERLAB)" */
static void test_nbstat(void **state)
{
	struct portier_svc s = {0};

	(void)state;
	assert_true(describe(PORTIER_UDP_NBSTAT, "7072", nbstat_reply, &s));
	assert_string_equal(s.name, "netbios-ns");
	assert_string_equal(s.product, "Samba nmbd netbios-ns");
	assert_string_equal(s.extrainfo, "workgroup: PORTIERLAB");
}

static void test_memcached(void **state)
{
	struct portier_svc s = {0};

	(void)state;
	assert_true(describe(PORTIER_UDP_MEMCACHED, "7072", mc_reply, &s));
	assert_string_equal(s.name, "memcached");
	assert_string_equal(s.product, "Memcached");
	assert_string_equal(s.version, "1.6.18");
	assert_int_equal(s.n_findings, 1);
	assert_string_equal(s.findings[0].f.id, "memcached-udp");
}

/* Every cut of every reply, and every byte flipped: no read past the end
 * (ASan watches), no garbage in the strings. */
static void test_cuts(void **state)
{
	static const struct {
		enum portier_udp_parser p;
		const char *reply;
	} r[] = {
		{PORTIER_UDP_DNS, dns_reply},
		{PORTIER_UDP_NTP, ntp_reply},
		{PORTIER_UDP_SNMP, snmp_v1_reply},
		{PORTIER_UDP_SNMP, snmp_v3_reply},
		{PORTIER_UDP_NBSTAT, nbstat_reply},
		{PORTIER_UDP_MEMCACHED, mc_reply},
	};
	size_t i, cut, n, k;

	(void)state;
	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		uint8_t *b = hex(r[i].reply, &n);

		for (cut = 0; cut <= n; cut++) {
			uint8_t *c = malloc(cut ? cut : 1);
			struct portier_svc s = {0};

			memcpy(c, b, cut);
			portier_svc_udp_describe(r[i].p, b, n, c, cut, &s);
			assert_true(strlen(s.product) < sizeof(s.product));
			free(c);
		}
		for (k = 0; k < n; k++) {
			struct portier_svc s = {0};
			uint8_t keep = b[k];

			b[k] = 0xff;
			portier_svc_udp_describe(r[i].p, b, n, b, n, &s);
			b[k] = keep;
		}
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_dns_refused),
		cmocka_unit_test(test_ntp),
		cmocka_unit_test(test_snmp),
		cmocka_unit_test(test_nbstat),
		cmocka_unit_test(test_memcached),
		cmocka_unit_test(test_cuts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
