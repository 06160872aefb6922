/*
 * Fuzz the scan-file reader of `portier diff` (nmap XML and portier JSON
 * Lines, told apart by the first character) and the ndiff-style
 * comparison: the input's two halves are read as two scans and compared
 * both ways.  The input is not NUL-terminated.
 */
#include <stdlib.h>
#include <string.h>

#include "portier/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void diff(const struct portier_scan_file *a,
		 const struct portier_scan_file *b)
{
	struct portier_scan_change *c;
	size_t n;

	if (portier_scan_file_diff(a, b, &c, &n, NULL) == 0)
		portier_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct portier_scan_file *a = NULL, *b = NULL;
	size_t half = size / 2;

	portier_scan_file_parse(text, half, "a", &a, NULL);
	portier_scan_file_parse(text + half, size - half, "b", &b, NULL);
	if (a && b) {
		diff(a, b);
		diff(b, a);
		diff(a, a);
	}
	portier_scan_file_free(a);
	portier_scan_file_free(b);
	return 0;
}
