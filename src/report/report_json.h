/*
 * report_json.h - JSON Lines: one object per connection, and the run summary.
 *
 * Owns how a connection record and the run summary are written as JSON
 * (docs/json.md). It reads struct conn, the diagnosis and struct ts_stats;
 * it parses nothing.
 */
#ifndef TLSSCOPE_REPORT_JSON_H
#define TLSSCOPE_REPORT_JSON_H

#include <stdbool.h>
#include <stdio.h>

#include "conn.h"
#include "diagnose.h"
#include "jsonw.h"
#include "report_inputs.h"
#include "ts_stats.h"

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

/* SHA-256 of a certificate's DER; false if libcrypto failed. */
bool report_sha256(const uint8_t *der, size_t len, uint8_t out[32]);

#endif
