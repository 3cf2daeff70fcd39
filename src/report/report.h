/*
 * report.h - the outputs: JSON Lines and the text report.
 *
 * Owns how a connection record and the run summary are shown. Outputs only
 * read struct conn and struct ts_stats; they parse nothing.
 */
#ifndef TLSSCOPE_REPORT_H
#define TLSSCOPE_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "capture.h"
#include "capture_live.h"
#include "conn.h"
#include "diagnose.h"
#include "jsonw.h"
#include "ts_stats.h"

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

/*
 * A JSON Lines stream (docs/json.md). Compact detail (the default): each
 * connection line lists its certificates by SHA-256, and each distinct
 * certificate is written once, as its own "certificate" line, before the
 * first connection line that names it (once per UTC day of capture time with
 * `daily`, for a long-running capture). Full detail: every connection line
 * carries its ClientHello, ServerHello, timeline and certificates inline, and
 * there are no certificate lines.
 */
enum json_detail { JSON_DETAIL_COMPACT, JSON_DETAIL_FULL };

struct json_report;

/* NULL when out of memory. */
struct json_report *json_report_new(enum json_detail detail, bool daily);
void json_report_free(struct json_report *r);

/* Forget which certificates were written: the stream goes on in a new file (after SIGHUP). */
void json_report_restart(struct json_report *r);

/* "compact" or "full" into *out; false if the word is neither. */
bool json_detail_parse(const char *word, enum json_detail *out);

/* Write the connection's lines to fp: the certificate lines it needs, then its record (an
 * "error" object if the record is larger than the writer's limit). `dg` may be NULL (no
 * diagnosis run): its fields are then left out. False if a write failed. */
bool json_report_conn(struct json_report *r, FILE *fp, const struct conn *c, const struct diagnosis *dg,
                      const struct report_inputs *in);
/* The run summary line. False if a write failed. */
bool json_report_summary(struct json_report *r, FILE *fp, const struct ts_stats *s,
                         const struct report_inputs *in);

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

/* SHA-256 of a certificate's DER; false if libcrypto failed. */
bool report_sha256(const uint8_t *der, size_t len, uint8_t out[32]);
/* SHA-256 of a certificate's DER, hex (65 bytes with NUL). */
void report_sha256_hex(const uint8_t *der, size_t len, char out[65]);

#endif
