/*
 * report_inputs.h - what every output is told about the run besides its
 * records: the inputs' names and what reading each gave, the terminal's
 * colour and width, and the roll-up.
 */
#ifndef TLSSCOPE_REPORT_INPUTS_H
#define TLSSCOPE_REPORT_INPUTS_H

#include <stdbool.h>
#include <stddef.h>

#include "run_info.h"

struct rollup; /* report_rollup.h */

/* The inputs of the run, indexed by conn.file_index. */
struct report_inputs {
	const char **names;
	struct capture_info *info;
	size_t count;
	bool color; /* the text report may use ANSI colours (a terminal, or --color=always) */
	int width;  /* the text report wraps long lines at this many columns (0: never) */
	const struct live_counters *capture; /* live capture (names[0] is the interface); NULL for files */
	const struct rollup *rollup; /* the run's roll-up (sorted), rendered by text and HTML; or NULL */
};

#endif
