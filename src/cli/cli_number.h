/*
 * cli_number.h - the one strict parser of numeric command-line values.
 *
 * Digits only: no sign, no spaces, no "0x", no trailing junk; overflow is
 * an error, never a wrap. A bad value prints one line naming the option,
 * the value and the range on stderr (the command then exits 2).
 */
#ifndef TLSSCOPE_CLI_NUMBER_H
#define TLSSCOPE_CLI_NUMBER_H

#include <stdbool.h>
#include <stdint.h>

/* A whole number from min to max ("--count", "10"). */
bool cli_parse_number(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out);

/* A size in bytes with an optional k, M or G suffix (powers of 1024), from min to max bytes. */
bool cli_parse_size(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out);

#endif
