/*
 * tls_cert.c - the facts of a server certificate (names, dates, key,
 * signature, fingerprints), read with libcrypto from an X509 the TLS layer
 * received or from DER bytes.  Everything here is pure: no trust store, no
 * clock (the judge is told the time).
 */
#include <stdio.h>
#include <string.h>

#include "portier/addr.h"
#include "svc/tls_int.h"

const char *tls_ossl_reason(char *buf, size_t cap, const char *fallback)
{
	unsigned long first = ERR_get_error();
	const char *r = first ? ERR_reason_error_string(first) : NULL;

	if (r)
		snprintf(buf, cap, "%s", r);
	else if (first)
		ERR_error_string_n(first, buf, cap);
	else
		snprintf(buf, cap, "%s", fallback);
	ERR_clear_error();
	return buf;
}

/*
 * An ASN.1 string from the certificate as cleaned UTF-8 for one line, cut
 * to what dst holds (a cut inside a character shows as '?').
 */
static void clean_asn1(char *dst, size_t cap, const ASN1_STRING *s)
{
	unsigned char *u = NULL;
	int len = s ? ASN1_STRING_to_UTF8(&u, s) : -1;
	char text[PORTIER_TLS_NAME_MAX * 2];
	size_t n, i;

	if (len < 0) {
		ERR_clear_error();
		snprintf(dst, cap, "?");
		return;
	}
	n = (size_t)len < sizeof(text) - 1 ? (size_t)len : sizeof(text) - 1;
	if (n)
		memcpy(text, u, n);
	text[n] = '\0';
	OPENSSL_free(u);
	/* an embedded NUL would cut the name short where a reader sees it */
	for (i = 0; i < n; i++)
		if (text[i] == '\0')
			text[i] = '?';
	portier_text_clean(dst, cap, text, PORTIER_TEXT_LINE);
}

/* Append "sep key=value" to dst (of cap, *used so far), cut when full. */
static void append_rdn(char *dst, size_t cap, size_t *used, const char *key,
		       const X509_NAME_ENTRY *e)
{
	char value[PORTIER_TLS_NAME_MAX];
	int n;

	if (*used >= cap)
		return;
	clean_asn1(value, sizeof(value), X509_NAME_ENTRY_get_data(e));
	n = snprintf(dst + *used, cap - *used, "%s%s=%s", *used ? "/" : "", key,
		     value);
	if (n > 0)
		*used += (size_t)n;
	if (*used >= cap)
		*used = cap;
}

/*
 * A name as "commonName=a/organizationName=b": every RDN in order into
 * full, nmap's four into nmap, the last commonName into cn.
 */
static void name_facts(const X509_NAME *name, char *full, size_t full_cap,
		       char *nmap, size_t nmap_cap, char *cn, size_t cn_cap)
{
	static const int nmap_nids[] = {NID_commonName, NID_organizationName,
					NID_stateOrProvinceName,
					NID_countryName};
	size_t used = 0, nused = 0;
	int i, count, last;

	full[0] = nmap[0] = cn[0] = '\0';
	if (!name)
		return;
	count = X509_NAME_entry_count(name);
	for (i = 0; i < count; i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
		const ASN1_OBJECT *o = X509_NAME_ENTRY_get_object(e);
		int nid = OBJ_obj2nid(o);
		char key[80];

		if (nid != NID_undef)
			snprintf(key, sizeof(key), "%s", OBJ_nid2ln(nid));
		else if (OBJ_obj2txt(key, sizeof(key), o, 1) <= 0)
			snprintf(key, sizeof(key), "?");
		append_rdn(full, full_cap, &used, key, e);
	}
	for (i = 0; i < (int)(sizeof(nmap_nids) / sizeof(nmap_nids[0])); i++) {
		int at = X509_NAME_get_index_by_NID(name, nmap_nids[i], -1);

		if (at >= 0)
			append_rdn(nmap, nmap_cap, &nused,
				   OBJ_nid2ln(nmap_nids[i]),
				   X509_NAME_get_entry(name, at));
	}
	/* the most specific commonName is the last one */
	for (last = -1, i = -1;
	     (i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0;)
		last = i;
	if (last >= 0)
		clean_asn1(cn, cn_cap,
			   X509_NAME_ENTRY_get_data(
				   X509_NAME_get_entry(name, last)));
}

static void san_facts(X509 *x, struct portier_tls_info *out)
{
	GENERAL_NAMES *gens =
		X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int i, n = gens ? sk_GENERAL_NAME_num(gens) : 0;

	for (i = 0; i < n; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		struct portier_tls_san *san = &out->sans[out->n_sans];
		struct portier_addr a;
		const ASN1_OCTET_STRING *ip;

		if (g->type != GEN_DNS && g->type != GEN_IPADD)
			continue;
		out->n_sans_total++;
		if (out->n_sans == PORTIER_TLS_MAX_SANS)
			continue;
		if (g->type == GEN_DNS) {
			san->ip = false;
			clean_asn1(san->name, sizeof(san->name), g->d.dNSName);
		} else {
			ip = g->d.iPAddress;
			san->ip = true;
			if (ip &&
			    (ASN1_STRING_length(ip) == 4 ||
			     ASN1_STRING_length(ip) == 16) &&
			    portier_addr_set(
				    &a, ASN1_STRING_length(ip) == 4 ? 4 : 6,
				    ASN1_STRING_get0_data(ip)) == 0)
				portier_addr_str(&a, san->name,
						 sizeof(san->name));
			else
				snprintf(san->name, sizeof(san->name), "?");
		}
		out->n_sans++;
	}
	GENERAL_NAMES_free(gens);
	ERR_clear_error();
}

static int asn1_time(const ASN1_TIME *a, time_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!a || ASN1_TIME_to_tm(a, &tm) != 1)
		return -1;
	*out = timegm(&tm);
	return 0;
}

static void key_facts(X509 *x, struct portier_tls_info *out)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	const char *type;
	int id, bits;

	if (!pk) {
		ERR_clear_error();
		snprintf(out->key_type, sizeof(out->key_type), "unknown");
		return;
	}
	id = EVP_PKEY_get_base_id(pk);
	switch (id) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		type = "rsa";
		break;
	case EVP_PKEY_EC:
		type = "ec";
		break;
	case EVP_PKEY_DSA:
		type = "dsa";
		break;
	case EVP_PKEY_DH:
	case EVP_PKEY_DHX:
		type = "dh";
		break;
	case EVP_PKEY_ED25519:
		type = "ed25519";
		break;
	case EVP_PKEY_ED448:
		type = "ed448";
		break;
	default:
		type = "unknown";
		break;
	}
	snprintf(out->key_type, sizeof(out->key_type), "%s", type);
	bits = EVP_PKEY_get_bits(pk);
	out->key_bits = bits > 0 ? (unsigned)bits : 0;
}

static void sig_facts(X509 *x, struct portier_tls_info *out)
{
	const X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *obj = NULL;
	int nid = X509_get_signature_nid(x), md = NID_undef, pk;

	if (nid != NID_undef) {
		snprintf(out->sig_alg, sizeof(out->sig_alg), "%s",
			 OBJ_nid2ln(nid));
	} else {
		X509_get0_signature(NULL, &alg, x);
		if (alg)
			X509_ALGOR_get0(&obj, NULL, NULL, alg);
		if (!obj || OBJ_obj2txt(out->sig_alg, sizeof(out->sig_alg), obj,
					1) <= 0)
			snprintf(out->sig_alg, sizeof(out->sig_alg), "unknown");
	}
	if (nid != NID_undef && OBJ_find_sigid_algs(nid, &md, &pk))
		out->weak_sig = md == NID_md2 || md == NID_md4 ||
				md == NID_md5 || md == NID_sha1 ||
				md == NID_md5_sha1 || md == NID_mdc2;
}

static void fingerprint(X509 *x, const EVP_MD *md, char *hex, size_t cap)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	hex[0] = '\0';
	if (!md || X509_digest(x, md, d, &len) != 1 || len * 2 + 1 > cap) {
		ERR_clear_error();
		hex[0] = '\0';
		return;
	}
	for (i = 0; i < len; i++)
		snprintf(hex + 2 * i, cap - 2 * i, "%02x", d[i]);
}

int tls_cert_facts(X509 *x, struct portier_tls_info *out,
		   struct portier_err *err)
{
	const X509_NAME *subj = X509_get_subject_name(x);
	const X509_NAME *iss = X509_get_issuer_name(x);
	EVP_PKEY *pk;

	if (asn1_time(X509_get0_notBefore(x), &out->not_before) < 0 ||
	    asn1_time(X509_get0_notAfter(x), &out->not_after) < 0) {
		ERR_clear_error();
		return portier_err_set(err, PORTIER_EPROTO,
				       "certificate has an unreadable validity "
				       "date");
	}
	out->has_cert = true;
	name_facts(subj, out->subject, sizeof(out->subject), out->subject_nmap,
		   sizeof(out->subject_nmap), out->subject_cn,
		   sizeof(out->subject_cn));
	name_facts(iss, out->issuer, sizeof(out->issuer), out->issuer_nmap,
		   sizeof(out->issuer_nmap), out->issuer_cn,
		   sizeof(out->issuer_cn));
	san_facts(x, out);
	key_facts(x, out);
	sig_facts(x, out);
	/* self-signed: it names itself as issuer and its own key verifies
	 * it (a name match alone could be a CA's cert copied by anyone) */
	pk = X509_get0_pubkey(x);
	out->self_signed = subj && iss && X509_NAME_cmp(subj, iss) == 0 && pk &&
			   X509_verify(x, pk) == 1;
	fingerprint(x, EVP_md5(), out->md5, sizeof(out->md5));
	fingerprint(x, EVP_sha1(), out->sha1, sizeof(out->sha1));
	ERR_clear_error();
	return 0;
}

int portier_tls_cert_parse(const uint8_t *der, size_t n,
			   struct portier_tls_info *out,
			   struct portier_err *err)
{
	const unsigned char *p = der;
	X509 *x;
	int rc;
	char why[128];

	memset(out, 0, sizeof(*out));
	if (!der || n == 0)
		return portier_err_set(err, PORTIER_EPROTO,
				       "empty certificate");
	if (n > (size_t)INT32_MAX)
		return portier_err_set(err, PORTIER_EPROTO,
				       "certificate of %zu bytes is too large",
				       n);
	rc = tls_lib_load(err);
	if (rc < 0)
		return rc;
	ERR_clear_error();
	x = d2i_X509(NULL, &p, (long)n);
	if (!x)
		return portier_err_set(
			err, PORTIER_EPROTO, "not a DER certificate: %s",
			tls_ossl_reason(why, sizeof(why), "decode failed"));
	if ((size_t)(p - der) != n) {
		X509_free(x);
		return portier_err_set(err, PORTIER_EPROTO,
				       "%zu bytes after the certificate",
				       n - (size_t)(p - der));
	}
	out->chain_len = 1;
	rc = tls_cert_facts(x, out, err);
	X509_free(x);
	return rc;
}
