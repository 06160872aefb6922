/*
 * clock.c - the monotonic clock the scanner paces, times out and
 * checkpoints by: never the wall clock, which can jump.
 */
#include <time.h>

#include "portier/net.h"

uint64_t portier_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
