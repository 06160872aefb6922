/*
 * digest.c - SHA-256 and MD5 of a file in one pass, through OpenSSL's
 * libcrypto EVP interface: SHA-256 names an executable, MD5 is what dpkg's
 * md5sums files record.
 */
#include <openssl/evp.h>
#include <unistd.h>

#include "portier/inspect.h"

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

int portier_digests_fd(int fd, uint64_t max, char sha256[65], char md5[33],
		       uint64_t *size)
{
	EVP_MD_CTX *s = EVP_MD_CTX_new(), *m = EVP_MD_CTX_new();
	unsigned char buf[65536], d[EVP_MAX_MD_SIZE];
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
	if (rc == 0 && sha256) {
		if (EVP_DigestFinal_ex(s, d, &dl) != 1)
			rc = PORTIER_EIO;
		else
			to_hex(d, dl, sha256);
	}
	if (rc == 0 && md5) {
		if (EVP_DigestFinal_ex(m, d, &dl) != 1)
			rc = PORTIER_EIO;
		else
			to_hex(d, dl, md5);
	}
	if (size)
		*size = total;
	EVP_MD_CTX_free(s);
	EVP_MD_CTX_free(m);
	return rc;
}
