/*
 * alloc.c - the one allocation wrapper of libportier.  It exists for the
 * failure-injection hook: tests ask for the Nth allocation to fail and check
 * that every caller returns PORTIER_ENOMEM cleanly (curl's torture tests,
 * sqlite's OOM tests).
 */
#include <stdint.h>
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

int portier_grow(void *arrayp, size_t *cap, size_t need, size_t elem,
		 size_t first)
{
	size_t ncap = *cap ? *cap : (first ? first : 1);
	void *old, *grown;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return PORTIER_ENOMEM;
		ncap *= 2;
	}
	if (elem && ncap > SIZE_MAX / elem)
		return PORTIER_ENOMEM;
	/* the element pointer is read and written as bytes: its type is the
	 * caller's, not void * */
	memcpy(&old, arrayp, sizeof(old));
	grown = portier_realloc(old, ncap * elem);
	if (!grown)
		return PORTIER_ENOMEM;
	memcpy(arrayp, &grown, sizeof(grown));
	*cap = ncap;
	return 0;
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
	size_t p = lo ? lo : 1;

	while (p < n && p < hi && p <= SIZE_MAX / 2)
		p <<= 1;
	return p;
}
