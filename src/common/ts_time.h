/*
 * ts_time.h - capture timestamps as one signed count of nanoseconds.
 *
 * Owns the conversion of a capture's (seconds, fraction) pair into the
 * int64_t nanoseconds used everywhere else, with checked arithmetic: a
 * pcapng timestamp scaled by if_tsresol/if_tsoffset can name any second of
 * a 64-bit counter (year 2262 is already past INT64_MAX nanoseconds).
 */
#ifndef TLSSCOPE_TIME_H
#define TLSSCOPE_TIME_H

#include <stdbool.h>
#include <stdint.h>

/* Capture times are kept in [0, TS_TIME_MAX_NS] (1970 to about 2116), so
 * that the sum or difference of two of them can never overflow. */
#define TS_TIME_MAX_NS (INT64_MAX / 4)
/* What a timestamp outside that range reads as (the engine counts it). */
#define TS_TIME_INVALID INT64_MIN

/* sec * 1e9 + frac * frac_scale, or TS_TIME_INVALID when that is negative,
 * past TS_TIME_MAX_NS or does not fit in 64 bits. */
static inline int64_t ts_time_from_parts(int64_t sec, int64_t frac, int64_t frac_scale)
{
	int64_t whole, part, ns;
	if (__builtin_mul_overflow(sec, (int64_t)1000000000, &whole) ||
	    __builtin_mul_overflow(frac, frac_scale, &part) || __builtin_add_overflow(whole, part, &ns) ||
	    ns < 0 || ns > TS_TIME_MAX_NS)
		return TS_TIME_INVALID;
	return ns;
}

#endif
