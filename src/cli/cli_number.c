/*
 * cli_number.c - strict numbers and sizes of options (see cli_number.h).
 */
#include "cli_number.h"

#include <inttypes.h>
#include <stdio.h>

/* The digits at *s as a number; false if there are none or the number does not fit. */
static bool digits(const char **s, uint64_t *out)
{
	const char *p = *s;
	uint64_t v = 0;
	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*s = p;
	*out = v;
	return true;
}

bool cli_parse_number(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *p = arg;
	uint64_t v;
	if (!digits(&p, &v) || *p || v < min || v > max) {
		fprintf(stderr, "tlsscope: %s: '%s' is not a whole number from %" PRIu64 " to %" PRIu64 "\n",
		        opt, arg, min, max);
		return false;
	}
	*out = v;
	return true;
}

/* "1M" for a round number of MiB, else the bytes. */
static void size_text(uint64_t v, char *buf, size_t n)
{
	if (v && v % (1u << 30) == 0)
		snprintf(buf, n, "%" PRIu64 "G", v >> 30);
	else if (v && v % (1u << 20) == 0)
		snprintf(buf, n, "%" PRIu64 "M", v >> 20);
	else
		snprintf(buf, n, "%" PRIu64, v);
}

bool cli_parse_size(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *p = arg;
	uint64_t v;
	unsigned shift = 0;
	bool ok = digits(&p, &v);
	if (ok && *p) {
		switch (*p++) {
		case 'k':
		case 'K':
			shift = 10;
			break;
		case 'm':
		case 'M':
			shift = 20;
			break;
		case 'g':
		case 'G':
			shift = 30;
			break;
		default:
			ok = false;
		}
		ok = ok && !*p;
	}
	if (ok && v > (UINT64_MAX >> shift))
		ok = false; /* would wrap */
	if (ok)
		v <<= shift;
	if (!ok || v < min || v > max) {
		char lo[32], hi[32];
		size_text(min, lo, sizeof(lo));
		size_text(max, hi, sizeof(hi));
		fprintf(
		    stderr,
		    "tlsscope: %s: '%s' is not a size from %s to %s (a number of bytes, or with k, M or G)\n",
		    opt, arg, lo, hi);
		return false;
	}
	*out = v;
	return true;
}
