/*
 * parse.c - checked number parsing.  strtoul alone accepts "-1" (wrapping it),
 * leading blanks and trailing junk; every number a user types goes through
 * here instead, so "70000" or "1e3" is rejected with the value quoted.
 */
#include <ctype.h>
#include <stdlib.h>

#include "portier/common.h"

int portier_parse_ulong(const char *s, unsigned long min, unsigned long max,
			unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return PORTIER_EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return PORTIER_EINVAL;
	*out = v;
	return 0;
}
