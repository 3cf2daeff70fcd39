/*
 * diff_html.h - the page of `tlsscope diff --html`: per pair the verdict,
 * the differing fields side by side, and the two connections drawn next to
 * each other (handshake ladder, certificate chain, findings).
 *
 * Owns the drawings of each group's first connection, made while the
 * records still exist (they are freed after the sink returns) and kept in
 * a temporary file, so memory holds only an offset per group; and the page
 * laid out from them and a paired struct conn_diff. Uses the building
 * blocks of report_html.h.
 */
#ifndef TLSSCOPE_DIFF_HTML_H
#define TLSSCOPE_DIFF_HTML_H

#include <stdbool.h>
#include <stdio.h>

#include "conn_diff.h"
#include "report_inputs.h"

struct diff_html;

/* NULL: no temporary file or no memory. */
struct diff_html *diff_html_new(void);

/* Draw the connection that opened group `group` of `side`. False: writing failed or no memory. */
bool diff_html_add_group(struct diff_html *h, enum diff_side_index side, size_t group, const struct conn *c,
                         const struct diagnosis *dg, const struct report_inputs *in);

/* The page for a paired diff; false if a write failed. `names` are the GOOD and BAD files. */
bool diff_html_write(struct diff_html *h, FILE *fp, const struct conn_diff *d, const char *const names[2]);

void diff_html_free(struct diff_html *h);

#endif
