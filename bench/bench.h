/* SPDX-License-Identifier: MIT */
/* bench.h - what every benchmark shares: dying with a message, the clock, median and p99 */
#ifndef TAPQD_BENCH_H
#define TAPQD_BENCH_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef BENCH_NAME
#define BENCH_NAME "bench"
#endif

static inline void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fputs(BENCH_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		die("clock_gettime: %s", strerror(errno));
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct bench_stats {
	double median_us;
	double p99_us;
};

static inline int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Sorts v (nanoseconds) in place. */
static inline struct bench_stats bench_stats(uint64_t *v, size_t n)
{
	struct bench_stats s;
	size_t p99 = (99 * n + 99) / 100; /* ceil(0.99 n), 1-based */

	qsort(v, n, sizeof(v[0]), bench_cmp_u64);
	if (n % 2)
		s.median_us = (double)v[n / 2] / 1000.0;
	else
		s.median_us = (double)(v[n / 2 - 1] + v[n / 2]) / 2000.0;
	s.p99_us = (double)v[p99 - 1] / 1000.0;
	return s;
}

#endif
