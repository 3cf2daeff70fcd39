/*
 * report_budget.h - the memory budget in the run summary.
 *
 * Owns how the budget's parts (ts_budget.h) are shown: the JSON summary's
 * `memory` object and the text summary's memory lines. Reads the budget only.
 */
#ifndef TLSSCOPE_REPORT_BUDGET_H
#define TLSSCOPE_REPORT_BUDGET_H

#include <stdio.h>

#include "jsonw.h"
#include "ts_budget.h"

/* "memory": {"cap_bytes": .., "<part>": {"cap_bytes", "peak_bytes", "peak_count", <reasons>}, ...} */
void report_json_budget(struct jsonw *w, const struct ts_budget *b);

/* One line of peaks, and one of what was let go (only if anything was). */
void report_text_budget(FILE *fp, const struct ts_budget *b);

#endif
