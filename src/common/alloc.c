/*
 * alloc.c - the one allocation wrapper of libportier.  It exists for the
 * failure-injection hook: tests ask for the Nth allocation to fail and check
 * that every caller returns PORTIER_ENOMEM cleanly (curl's torture tests,
 * sqlite's OOM tests).
 */
#include <stdlib.h>
#include <string.h>

#include "portier/common.h"

static long alloc_budget = -1; /* < 0: never fail */

void portier_alloc_fail_after(long n)
{
	alloc_budget = n;
}

static bool alloc_allowed(void)
{
	if (alloc_budget < 0)
		return true;
	if (alloc_budget == 0)
		return false;
	alloc_budget--;
	return true;
}

void *portier_malloc(size_t size)
{
	return alloc_allowed() ? malloc(size ? size : 1) : NULL;
}

void *portier_calloc(size_t n, size_t size)
{
	return alloc_allowed() ? calloc(n ? n : 1, size ? size : 1) : NULL;
}

void *portier_realloc(void *ptr, size_t size)
{
	return alloc_allowed() ? realloc(ptr, size ? size : 1) : NULL;
}

char *portier_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *copy = portier_malloc(len + 1);

	if (!copy)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

char *portier_strdup(const char *s)
{
	return portier_strndup(s, strlen(s));
}

void portier_free(void *ptr)
{
	free(ptr);
}

size_t portier_pow2_size(size_t n, size_t lo, size_t hi)
{
	size_t p = lo;

	while (p < n && p < hi)
		p <<= 1;
	return p;
}

int portier_grow(void *v, size_t *cap, size_t n, size_t elem, size_t first)
{
	void **pv = v;
	size_t ncap;
	void *nv;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : first;
	if (ncap <= n || ncap > SIZE_MAX / elem)
		return PORTIER_ENOMEM;
	nv = portier_realloc(*pv, ncap * elem);
	if (!nv)
		return PORTIER_ENOMEM;
	*pv = nv;
	*cap = ncap;
	return 0;
}
