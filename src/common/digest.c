/*
 * digest.c - the one home of hashing: SHA-256 and MD5 through OpenSSL's
 * libcrypto EVP interface.  SHA-256 names an executable (inspect, the
 * snapshot store); MD5 is what dpkg's md5sums files record.
 */
#include <openssl/evp.h>
#include <unistd.h>

#include "portier/digest.h"

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
	EVP_MD_CTX *s = EVP_MD_CTX_new(), *m = EVP_MD_CTX_new();
	unsigned char buf[65536];
	unsigned dl;
	uint64_t total = 0;
	int rc = 0;

	if (!s || !m || EVP_DigestInit_ex(s, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestInit_ex(m, EVP_md5(), NULL) != 1)
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
		if (EVP_DigestUpdate(s, buf, (size_t)n) != 1 ||
		    EVP_DigestUpdate(m, buf, (size_t)n) != 1)
			rc = PORTIER_EIO;
	}
	if (rc == 0 && sha256 && EVP_DigestFinal_ex(s, sha256, &dl) != 1)
		rc = PORTIER_EIO;
	if (rc == 0 && md5 && EVP_DigestFinal_ex(m, md5, &dl) != 1)
		rc = PORTIER_EIO;
	if (size)
		*size = total;
	EVP_MD_CTX_free(s);
	EVP_MD_CTX_free(m);
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

	return EVP_Digest(data, len, out, &dl, EVP_sha256(), NULL) == 1
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
