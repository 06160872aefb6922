/*
 * test_svc_ssh.c - the SSH module over replies captured from OpenSSH 9.2
 * (Debian 12's sshd, default settings and one configured with weak
 * algorithms), split at every byte, cut short and made hostile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "portier/bytes.h"
#include "svc/svc_int.h"
#include "svc_test_util.h"

static uint8_t banner[512], kex[4096];
static size_t banner_n, kex_n;

static void load(const char *prefix)
{
	char name[64];

	snprintf(name, sizeof(name), "%s_banner.bin", prefix);
	banner_n = svc_fixture(name, banner, sizeof(banner));
	snprintf(name, sizeof(name), "%s_kexinit.bin", prefix);
	kex_n = svc_fixture(name, kex, sizeof(kex));
}

static void test_openssh_default(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;
	const struct portier_svc_finding *f;

	(void)state;
	load("ssh");
	svc_script_add(&sc, banner, banner_n);
	svc_script_add(&sc, kex, kex_n);
	svc_check(&portier_svc_ssh, 22, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_string_equal(r.s.name, "ssh");
	assert_string_equal(r.s.match_text,
			    "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10");
	assert_string_equal(r.s.extrainfo, "protocol 2.0");
	assert_string_equal(r.sent, "SSH-2.0-portier\r\n");
	assert_int_equal(r.s.conf, 8);
	assert_true(r.s.probed);
	/* Debian's defaults: nothing weak, the lists summarised */
	assert_null(svc_finding(&r.s, "ssh-weak-algorithms"));
	assert_null(svc_finding(&r.s, "ssh-rsa-sha1-signature"));
	f = svc_finding(&r.s, "ssh-algorithms");
	assert_non_null(f);
	assert_non_null(strstr(f->detail, "hostkey rsa-sha2-512,rsa-sha2-256,"
					  "ecdsa-sha2-nistp256,ssh-ed25519"));
	assert_non_null(strstr(f->detail, "; kex 12, cipher 6, mac 10; prefers "
					  "sntrup761x25519-sha512, chacha20"));
}

static void test_openssh_weak(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;
	const struct portier_svc_finding *f;

	(void)state;
	load("ssh_weak");
	svc_script_add(&sc, banner, banner_n);
	svc_script_add(&sc, kex, kex_n);
	svc_check(&portier_svc_ssh, 2222, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	f = svc_finding(&r.s, "ssh-weak-algorithms");
	assert_non_null(f);
	assert_int_equal(f->f.risk, PORTIER_RISK_MEDIUM);
	assert_string_equal(
		f->detail,
		"kex: diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,"
		"diffie-hellman-group-exchange-sha1; hostkey: ssh-dss; "
		"cipher: aes128-cbc,3des-cbc (+2 more)");
	f = svc_finding(&r.s, "ssh-rsa-sha1-signature");
	assert_non_null(f);
	assert_int_equal(f->f.risk, PORTIER_RISK_LOW);
	/* worst first */
	assert_string_equal(r.s.findings[0].f.id, "ssh-weak-algorithms");
}

/* The KEXINIT sent right behind the banner (as some servers do) is judged
 * without sending anything. */
static void test_kexinit_with_banner(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;
	uint8_t both[4096 + 512];

	(void)state;
	load("ssh_weak");
	memcpy(both, banner, banner_n);
	memcpy(both + banner_n, kex, kex_n);
	svc_script_add(&sc, both, banner_n + kex_n);
	svc_run_script(&portier_svc_ssh, 22, &sc, false, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_int_equal(r.n_sent, 0);
	assert_non_null(svc_finding(&r.s, "ssh-weak-algorithms"));
}

static void test_protocol_1(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;
	const struct portier_svc_finding *f;

	(void)state;
	svc_script_text(&sc, "SSH-1.5-Cisco-1.25\r\n");
	svc_check(&portier_svc_ssh, 22, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_int_equal(r.n_sent, 0);
	assert_string_equal(r.s.extrainfo, "protocol 1.5");
	f = svc_finding(&r.s, "ssh-protocol-1");
	assert_non_null(f);
	assert_int_equal(f->f.risk, PORTIER_RISK_HIGH);

	/* 1.99 speaks both: no finding, the KEXINIT is asked for */
	memset(&sc, 0, sizeof(sc));
	svc_script_text(&sc, "SSH-1.99-OpenSSH_3.9p1\r\n");
	svc_check(&portier_svc_ssh, 22, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_string_equal(r.s.extrainfo, "protocol 1.99");
	assert_null(svc_finding(&r.s, "ssh-protocol-1"));
	assert_string_equal(r.sent, "SSH-2.0-portier\r\n");
}

/* RFC 4253 4.2: other lines may come before the identification. */
static void test_lines_before(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;

	(void)state;
	svc_script_text(&sc, "Welcome to the jump host\r\n"
			     "Authorised use only\r\n"
			     "SSH-2.0-dropbear_2022.83\r\n");
	svc_check(&portier_svc_ssh, 22, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_string_equal(r.s.match_text, "SSH-2.0-dropbear_2022.83");
}

/* Off the SSH ports a banner of text is some other service's: NOT as soon
 * as its first bytes differ, without waiting for more. */
static void test_other_port(void **state)
{
	struct portier_svc_conv c = {.host = "h", .port = 8022};
	struct portier_svc s;
	uint8_t out[64];
	size_t ol;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(portier_svc_ssh.step(&c, (const uint8_t *)"220 x\r\n",
					      7, out, sizeof(out), &ol, &s),
			 PORTIER_SVC_NOT);
	c.port = 22;
	assert_int_equal(portier_svc_ssh.step(&c, (const uint8_t *)"220 x\r\n",
					      7, out, sizeof(out), &ol, &s),
			 PORTIER_SVC_MORE);
	c.port = 8022;
	assert_int_equal(portier_svc_ssh.step(&c,
					      (const uint8_t *)"SSH-2.0-x\r\n",
					      11, out, sizeof(out), &ol, &s),
			 PORTIER_SVC_SEND);
}

static void test_not_ssh(void **state)
{
	static const char *const banners[] = {
		"220 mail.example.org ESMTP\r\n",
		"SSH-\r\n",
		"SSH-2.0\r\n",
		"SSH-3.0-x\r\n",
		"SSH-2x0-x\r\n",
		"HTTP/1.1 400 Bad Request\r\n\r\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(banners) / sizeof(banners[0]); i++) {
		struct svc_script sc = {0};
		struct svc_run r;

		svc_script_text(&sc, banners[i]);
		svc_check(&portier_svc_ssh, 22, &sc, &r);
		assert_int_equal(r.v, PORTIER_SVC_NOT);
		assert_string_equal(r.s.name, "");
	}
}

/* Lengths that point past the packet: recognised from the banner, the
 * lists judged only as far as they are whole, never read beyond. */
static void test_hostile_kexinit(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;
	uint8_t bad[4096];
	size_t off, i;

	(void)state;
	load("ssh_weak");
	/* the first name-list longer than the packet */
	memcpy(bad, kex, kex_n);
	put_be32(bad + 22, 0x7fffffff);
	svc_script_add(&sc, banner, banner_n);
	svc_script_add(&sc, bad, kex_n);
	svc_check(&portier_svc_ssh, 22, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_string_equal(r.s.name, "ssh");
	assert_null(svc_finding(&r.s, "ssh-weak-algorithms"));
	assert_null(svc_finding(&r.s, "ssh-algorithms"));

	/* the fifth list (MACs) running past the payload */
	memcpy(bad, kex, kex_n);
	off = 22;
	for (i = 0; i < 4; i++)
		off += 4 + get_be32(bad + off);
	put_be32(bad + off, (uint32_t)(kex_n - off));
	sc.reply[1] = bad;
	svc_check(&portier_svc_ssh, 22, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_null(svc_finding(&r.s, "ssh-algorithms"));

	/* a packet length beyond what SSH allows, a padding longer than it */
	memcpy(bad, kex, kex_n);
	put_be32(bad, 0xfffffff0);
	svc_check(&portier_svc_ssh, 22, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_int_equal(r.s.n_findings, 0);
	memcpy(bad, kex, kex_n);
	put_be32(bad, 20);
	bad[4] = 255;
	svc_check(&portier_svc_ssh, 22, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_int_equal(r.s.n_findings, 0);

	/* not a KEXINIT */
	memcpy(bad, kex, kex_n);
	bad[5] = 21;
	svc_check(&portier_svc_ssh, 22, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_int_equal(r.s.n_findings, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openssh_default),
		cmocka_unit_test(test_openssh_weak),
		cmocka_unit_test(test_kexinit_with_banner),
		cmocka_unit_test(test_protocol_1),
		cmocka_unit_test(test_lines_before),
		cmocka_unit_test(test_other_port),
		cmocka_unit_test(test_not_ssh),
		cmocka_unit_test(test_hostile_kexinit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
