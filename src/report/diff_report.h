/*
 * diff_report.h - the outputs of `tlsscope diff` as text and JSON.
 *
 * Owns how a paired struct conn_diff is shown: the text side by side in a
 * GOOD and a BAD column (differing fields only unless all_fields; long
 * lists that differ as what only one side has; the verdict wrapped to the
 * width), and the JSON document of docs/json.md ("The diff document",
 * docs/tlsscope-diff.schema.json). The HTML page is diff_html.h's.
 */
#ifndef TLSSCOPE_DIFF_REPORT_H
#define TLSSCOPE_DIFF_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "conn_diff.h"
#include "jsonw.h"

#define DIFF_TEXT_MAX_WIDTH 400 /* columns used at most, however wide the terminal */

/* `names` are the GOOD and BAD files; `width` the columns to fit. */
void diff_report_text(FILE *out, const struct conn_diff *d, const char *const names[2], int width,
                      bool all_fields);

/* One JSON object into w (the caller flushes it). */
void diff_report_json(struct jsonw *w, const struct conn_diff *d, const char *const names[2]);

#endif
