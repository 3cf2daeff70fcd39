/*
 * report_json.h - JSON Lines: one object per connection, and the run summary.
 *
 * Owns how a connection record and the run summary are written as JSON
 * (docs/json.md). It reads struct conn, the diagnosis and struct ts_stats;
 * it parses nothing.
 */
#ifndef TLSSCOPE_REPORT_JSON_H
#define TLSSCOPE_REPORT_JSON_H

#include "conn.h"
#include "diagnose.h"
#include "jsonw.h"
#include "report_inputs.h"
#include "ts_stats.h"

/* `dg` may be NULL (no diagnosis run): its fields are then left out. */
void report_json_conn(struct jsonw *w, const struct conn *c, const struct diagnosis *dg,
                      const struct report_inputs *in);
void report_json_summary(struct jsonw *w, const struct ts_stats *s, const struct report_inputs *in);

#endif
