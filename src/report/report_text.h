/*
 * report_text.h - the text report: per connection, the run summary, the
 * one-line live form, and the whole report (worst first).
 *
 * Owns how a connection record and the run summary read as text. It reads
 * struct conn, the diagnosis and struct ts_stats; it parses nothing.
 */
#ifndef TLSSCOPE_REPORT_TEXT_H
#define TLSSCOPE_REPORT_TEXT_H

#include <stdbool.h>
#include <stdio.h>

#include "conn.h"
#include "diagnose.h"
#include "report_inputs.h"
#include "ts_stats.h"

void report_text_conn(FILE *fp, const struct conn *c, const struct diagnosis *dg,
                      const struct report_inputs *in);
void report_text_summary(FILE *fp, const struct ts_stats *s, const struct report_inputs *in);

/* Live output: one line per connection (time, id, client -> server, expected
 * name, version, outcome, finding codes), then each finding's message
 * indented under it. */
void report_text_brief(FILE *fp, const struct conn *c, const struct diagnosis *dg,
                       const struct report_inputs *in);

/*
 * The text report as a whole: it opens with a summary (inputs, capture
 * span, outcomes, findings by code, the servers with the most problems),
 * then the connections with problems worst first, then one line per
 * healthy connection. Blocks are kept in a temporary file until the end,
 * so memory holds only a small index per connection.
 */
struct text_report;

struct text_report *text_report_new(bool problems_only);
void text_report_add(struct text_report *t, const struct conn *c, const struct diagnosis *dg,
                     const struct report_inputs *in);
/* Write everything to fp (no summary when s is NULL); false if a write failed. Frees the report. */
bool text_report_finish(struct text_report *t, FILE *fp, const struct ts_stats *s,
                        const struct report_inputs *in);
void text_report_discard(struct text_report *t);

/* Capture time as "YYYY-MM-DD HH:MM:SS.ffffff" UTC (nine digits when nano). */
void report_time_text(int64_t ts_ns, bool nano, char *buf, size_t n);

/* One timeline event as the report words it ("ClientHello", "alert fatal ..."). */
void report_text_event(const struct conn_event *e, char *buf, size_t n);

/* Copy len bytes at off of a temporary file (the reports' blocks) to fp; false if they cannot be read. */
bool report_copy_range(FILE *from, long off, size_t len, FILE *fp);

#endif
