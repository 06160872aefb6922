/*
 * tls_judge.c - what a TLS server's certificate and session mean for the
 * defender (findings with advice), and nmap's ssl-cert text of them.
 *
 * Severity: an expired certificate is high (every client that checks
 * refuses it, and those that are told to click through learn to ignore
 * the warning); self-signed, not yet valid, weak signatures and keys and
 * TLS 1.0/1.1 are medium (a man in the middle can pose as the server, or
 * the protocol has known attacks); SSLv3 is high (POODLE).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "portier/tls.h"

static const struct portier_probe_finding f_expired = {
	PORTIER_RISK_HIGH,
	"tls-expired",
	"the certificate has expired: clients that check refuse the "
	"connection, and users told to click through the warning can no "
	"longer tell a man in the middle from the real server",
	"renew it: with Let's Encrypt run `certbot renew` (or your ACME "
	"client) and make sure its timer runs; otherwise have your CA issue "
	"a new one; then reload the service",
};
static const struct portier_probe_finding f_not_yet = {
	PORTIER_RISK_MEDIUM,
	"tls-not-yet-valid",
	"the certificate is not valid yet: clients refuse it (or the "
	"server's or the scanner's clock is wrong)",
	"check the clock of the server (timedatectl, NTP) and the "
	"certificate's notBefore; install a certificate that is valid now",
};
static const struct portier_probe_finding f_self = {
	PORTIER_RISK_MEDIUM,
	"tls-self-signed",
	"the certificate is self-signed: no client can verify it, so "
	"anyone on the path can present their own and read the traffic",
	"on a public service use a certificate from a CA (Let's Encrypt via "
	"certbot or another ACME client); inside a site, sign it with your "
	"own CA and install that CA on the clients",
};
static const struct portier_probe_finding f_weak_sig = {
	PORTIER_RISK_MEDIUM,
	"tls-weak-signature",
	"the certificate is signed with MD5 or SHA-1: collisions in these "
	"hashes let an attacker forge a certificate with the same signature",
	"reissue the certificate with a SHA-256 signature (any current CA "
	"and `openssl req -sha256` do this by default)",
};
static const struct portier_probe_finding f_sslv3 = {
	PORTIER_RISK_HIGH,
	"tls-old-protocol",
	"the server negotiates SSLv3, broken by POODLE (CVE-2014-3566)",
	"allow only TLS 1.2 and 1.3: nginx `ssl_protocols TLSv1.2 TLSv1.3;`, "
	"Apache `SSLProtocol -all +TLSv1.2 +TLSv1.3`, Postfix "
	"`smtpd_tls_protocols = >=TLSv1.2`",
};
static const struct portier_probe_finding f_old = {
	PORTIER_RISK_MEDIUM,
	"tls-old-protocol",
	"the server negotiates TLS 1.0 or 1.1, deprecated by RFC 8996 (weak "
	"hashes in the handshake, BEAST against CBC ciphers)",
	"allow only TLS 1.2 and 1.3: nginx `ssl_protocols TLSv1.2 TLSv1.3;`, "
	"Apache `SSLProtocol -all +TLSv1.2 +TLSv1.3`, Postfix "
	"`smtpd_tls_protocols = >=TLSv1.2`",
};
static const struct portier_probe_finding f_weak_key = {
	PORTIER_RISK_MEDIUM,
	"tls-weak-key",
	"the certificate's key is too short to resist factoring or discrete "
	"log attacks for long (NIST: at least 2048-bit RSA, 224-bit EC)",
	"generate a new key (`openssl genpkey -algorithm RSA -pkeyopt "
	"rsa_keygen_bits:2048`, or an EC P-256 key) and have the certificate "
	"reissued for it",
};

/* t in UTC: "2026-12-04T16:35:00" as nmap's ssl-cert writes it (iso), or
 * "2026-12-04 16:35" for a finding's text */
static void utc_text(time_t t, char *buf, size_t cap, bool iso)
{
	struct tm tm;
	size_t n = 0;

	if (gmtime_r(&t, &tm))
		n = iso ? strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm)
			: strftime(buf, cap, "%Y-%m-%d %H:%M", &tm);
	if (n == 0)
		snprintf(buf, cap, "?");
}

static bool weak_key(const struct portier_tls_info *info)
{
	if (!info->key_bits)
		return false;
	if (!strcmp(info->key_type, "rsa") || !strcmp(info->key_type, "dsa"))
		return info->key_bits < 2048;
	if (!strcmp(info->key_type, "ec"))
		return info->key_bits < 224;
	return false;
}

void portier_tls_judge(const struct portier_tls_info *info, time_t now,
		       struct portier_svc *s)
{
	char when[32];

	if (info->version[0])
		s->tunnel_ssl = true;
	if (!strcmp(info->version, "SSLv3") || !strcmp(info->version, "SSLv2"))
		portier_svc_add_finding(s, &f_sslv3, "negotiated %s",
					info->version);
	else if (!strcmp(info->version, "TLSv1") ||
		 !strcmp(info->version, "TLSv1.1"))
		portier_svc_add_finding(s, &f_old, "negotiated %s (%s)",
					info->version, info->cipher);
	if (!info->has_cert)
		return;
	if (now > info->not_after) {
		utc_text(info->not_after, when, sizeof(when), false);
		portier_svc_add_finding(
			s, &f_expired, "certificate for %.60s expired %s UTC",
			info->subject_cn[0] ? info->subject_cn : "(no CN)",
			when);
	}
	if (now < info->not_before) {
		utc_text(info->not_before, when, sizeof(when), false);
		portier_svc_add_finding(s, &f_not_yet,
					"certificate valid only from %s UTC",
					when);
	}
	if (info->self_signed)
		portier_svc_add_finding(
			s, &f_self, "self-signed certificate for %.80s",
			info->subject_cn[0] ? info->subject_cn : "(no CN)");
	if (info->weak_sig)
		portier_svc_add_finding(s, &f_weak_sig, "signed with %s",
					info->sig_alg);
	if (weak_key(info))
		portier_svc_add_finding(s, &f_weak_key, "%u-bit %s key",
					info->key_bits, info->key_type);
}

/* Append printf output to buf at *used (kept <= the whole length). */
static void __attribute__((format(printf, 4, 5)))
add(char *buf, size_t cap, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*used < cap ? buf + *used : NULL,
		      *used < cap ? cap - *used : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n;
}

size_t portier_tls_ssl_cert_text(const struct portier_tls_info *info, char *buf,
				 size_t cap)
{
	size_t used = 0, i;
	char when[32];

	if (cap)
		buf[0] = '\0';
	if (!info->has_cert)
		return 0;
	add(buf, cap, &used, "Subject: %s", info->subject_nmap);
	for (i = 0; i < info->n_sans; i++)
		add(buf, cap, &used, "%s%s%s",
		    i ? ", " : "\nSubject Alternative Name: ",
		    info->sans[i].ip ? "IP Address:" : "DNS:",
		    info->sans[i].name);
	add(buf, cap, &used, "\nIssuer: %s", info->issuer_nmap);
	add(buf, cap, &used, "\nPublic Key type: %s", info->key_type);
	add(buf, cap, &used, "\nPublic Key bits: %u", info->key_bits);
	add(buf, cap, &used, "\nSignature Algorithm: %s", info->sig_alg);
	utc_text(info->not_before, when, sizeof(when), true);
	add(buf, cap, &used, "\nNot valid before: %s", when);
	utc_text(info->not_after, when, sizeof(when), true);
	add(buf, cap, &used, "\nNot valid after:  %s", when);
	/* plain hex, as nmap 7.9x writes it (older ones grouped by 4) */
	if (info->md5[0])
		add(buf, cap, &used, "\nMD5:   %s", info->md5);
	if (info->sha1[0])
		add(buf, cap, &used, "\nSHA-1: %s", info->sha1);
	return used;
}
