/* Fuzz the certificate parser and what reads its facts: the judge and
 * nmap's ssl-cert text (a server's certificate is hostile input). */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "portier/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct portier_tls_info info;
	struct portier_svc s;
	struct portier_err err;
	char text[2048];
	size_t n;

	if (portier_tls_cert_parse(data, size, &info, &err) != 0)
		return 0;
	memset(&s, 0, sizeof(s));
	portier_tls_judge(&info, (time_t)1780272000, &s);
	n = portier_tls_ssl_cert_text(&info, text, sizeof(text));
	if (n < sizeof(text) && strlen(text) != n)
		__builtin_trap();
	/* a short buffer is cut, never overrun */
	portier_tls_ssl_cert_text(&info, text, 7);
	if (strlen(text) > 6)
		__builtin_trap();
	return 0;
}
