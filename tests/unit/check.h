/*
 * check.h - the few assertion macros the unit tests use.
 *
 * A failed CHECK prints the file, line and expression and marks the test
 * failed; the test keeps going so one run shows every broken case. A part
 * whose inputs are missing calls check_skip(): the run then exits 77, which
 * ctest reports as skipped (SKIP_RETURN_CODE), unless a check failed.
 */
#ifndef TLSSCOPE_CHECK_H
#define TLSSCOPE_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;
static int check_skips;

static inline void check_skip(const char *test, const char *what)
{
	check_skips++;
	printf("SKIP: %s: %s\n", test, what);
}

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		check_count++;                                                                               \
		if (!(cond)) {                                                                               \
			check_failures++;                                                                    \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);             \
		}                                                                                            \
	} while (0)

/* A failure the test found by other means; the message says what. */
#define CHECK_FAIL(msg)                                                                                      \
	do {                                                                                                 \
		check_count++;                                                                               \
		check_failures++;                                                                            \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, msg);                       \
	} while (0)

#define CHECK_EQ(a, b)                                                                                       \
	do {                                                                                                 \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);                              \
		check_count++;                                                                               \
		if (check_a_ != check_b_) {                                                                  \
			check_failures++;                                                                    \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld != %lld)\n", __FILE__,       \
			        __LINE__, #a, #b, check_a_, check_b_);                                       \
		}                                                                                            \
	} while (0)

#define CHECK_STR(a, b)                                                                                      \
	do {                                                                                                 \
		const char *check_a_ = (a), *check_b_ = (b);                                                 \
		check_count++;                                                                               \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {                             \
			check_failures++;                                                                    \
			fprintf(stderr, "%s:%d: CHECK_STR failed: %s == %s (\"%s\" != \"%s\")\n", __FILE__,  \
			        __LINE__, #a, #b, check_a_ ? check_a_ : "(null)",                            \
			        check_b_ ? check_b_ : "(null)");                                             \
		}                                                                                            \
	} while (0)

static inline int check_report(const char *name)
{
	printf("%s: %d checks, %d failed, %d parts skipped\n", name, check_count, check_failures,
	       check_skips);
	return check_failures ? 1 : check_skips ? 77 : 0;
}

#endif
