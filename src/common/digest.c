/*
 * digest.c - the one home of hashing: SHA-256 and MD5 through OpenSSL's
 * libcrypto EVP interface.  SHA-256 names an executable (inspect, the
 * snapshot store); MD5 is what dpkg's md5sums files record.  libcrypto is
 * loaded at the first hash (dynlib.h): `portier local` and the other
 * commands that hash nothing do not pay for mapping it.
 */
#include <openssl/evp.h>
#include <unistd.h>

#include "portier/digest.h"
#include "portier/dynlib.h"

static PORTIER_DLSYM_DEFINE(EVP_Digest);
static PORTIER_DLSYM_DEFINE(EVP_DigestFinal_ex);
static PORTIER_DLSYM_DEFINE(EVP_DigestInit_ex);
static PORTIER_DLSYM_DEFINE(EVP_DigestUpdate);
static PORTIER_DLSYM_DEFINE(EVP_MD_CTX_free);
static PORTIER_DLSYM_DEFINE(EVP_MD_CTX_new);
static PORTIER_DLSYM_DEFINE(EVP_md5);
static PORTIER_DLSYM_DEFINE(EVP_sha256);

static const struct portier_dynsym crypto_syms[] = {
	PORTIER_DLSYM(EVP_Digest),	  PORTIER_DLSYM(EVP_DigestFinal_ex),
	PORTIER_DLSYM(EVP_DigestInit_ex), PORTIER_DLSYM(EVP_DigestUpdate),
	PORTIER_DLSYM(EVP_MD_CTX_free),	  PORTIER_DLSYM(EVP_MD_CTX_new),
	PORTIER_DLSYM(EVP_md5),		  PORTIER_DLSYM(EVP_sha256),
};

/* 0, or PORTIER_EIO when libcrypto cannot be loaded. */
static int crypto_load(void)
{
	static struct portier_dynlib crypto =
		PORTIER_DYNLIB_INIT("libcrypto.so.3", "hashing (SHA-256, MD5)",
				    "libssl3", crypto_syms);

	return portier_dynlib_load(&crypto, NULL);
}

static void to_hex(const unsigned char *d, unsigned n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[2 * n] = '\0';
}

/* The core: raw digests of fd's bytes (either output may be NULL). */
static int digest_fd(int fd, uint64_t max, unsigned char sha256[32],
		     unsigned char md5[16], uint64_t *size)
{
	EVP_MD_CTX *s, *m;
	unsigned char buf[65536];
	unsigned dl;
	uint64_t total = 0;
	int rc = crypto_load();

	if (rc < 0)
		return rc;
	s = sym_EVP_MD_CTX_new();
	m = sym_EVP_MD_CTX_new();
	if (!s || !m || sym_EVP_DigestInit_ex(s, sym_EVP_sha256(), NULL) != 1 ||
	    sym_EVP_DigestInit_ex(m, sym_EVP_md5(), NULL) != 1)
		rc = PORTIER_EIO;
	while (rc == 0 && (max == 0 || total < max)) {
		size_t want = sizeof(buf);
		ssize_t n;

		if (max && max - total < want)
			want = (size_t)(max - total);
		n = read(fd, buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (sym_EVP_DigestUpdate(s, buf, (size_t)n) != 1 ||
		    sym_EVP_DigestUpdate(m, buf, (size_t)n) != 1)
			rc = PORTIER_EIO;
	}
	if (rc == 0 && sha256 && sym_EVP_DigestFinal_ex(s, sha256, &dl) != 1)
		rc = PORTIER_EIO;
	if (rc == 0 && md5 && sym_EVP_DigestFinal_ex(m, md5, &dl) != 1)
		rc = PORTIER_EIO;
	if (size)
		*size = total;
	sym_EVP_MD_CTX_free(s);
	sym_EVP_MD_CTX_free(m);
	return rc;
}

int portier_digests_fd(int fd, uint64_t max, char sha256[65], char md5[33],
		       uint64_t *size)
{
	unsigned char s[32], m[16];
	int rc = digest_fd(fd, max, sha256 ? s : NULL, md5 ? m : NULL, size);

	if (rc == 0 && sha256)
		to_hex(s, sizeof(s), sha256);
	if (rc == 0 && md5)
		to_hex(m, sizeof(m), md5);
	return rc;
}

int portier_sha256_fd(int fd, uint8_t out[32])
{
	return digest_fd(fd, 0, out, NULL, NULL);
}

int portier_sha256(const void *data, size_t len, uint8_t out[32])
{
	unsigned dl;

	if (crypto_load() < 0)
		return PORTIER_EIO;
	return sym_EVP_Digest(data, len, out, &dl, sym_EVP_sha256(), NULL) == 1
		       ? 0
		       : PORTIER_EIO;
}

int portier_sha256_hex(const void *data, size_t len, char hex[65])
{
	uint8_t d[32];
	int rc = portier_sha256(data, len, d);

	if (rc == 0)
		to_hex(d, sizeof(d), hex);
	return rc;
}
