/*
 * report_servers.h - the estate report of `tlsscope servers`: the servers of
 * a state file (state_servers.h) as text, JSON Lines (docs/state.md) or one
 * self-contained HTML page in the look of the connection report.
 *
 * A server whose chain expires within warn_days of its last sighting, or
 * with failed handshakes, counts as a problem (marked, and kept by the
 * page's problems-only filter).
 */
#ifndef TLSSCOPE_REPORT_SERVERS_H
#define TLSSCOPE_REPORT_SERVERS_H

#include <stdbool.h>
#include <stdio.h>

#include "jsonw.h"
#include "state_servers.h"

/* One server as a text block. */
void servers_text(FILE *fp, const struct state_server *s, int warn_days);

/* One server as a JSON object {"type":"server", ...} into w (the caller flushes the line). */
void servers_json(struct jsonw *w, const struct state_server *s);

struct servers_html;

/* NULL: no memory or no temporary file. */
struct servers_html *servers_html_new(int warn_days);
/* False when a write failed. */
bool servers_html_add(struct servers_html *h, const struct state_server *s);
/* The page into fp, with state_name in its title; false if a write failed. Frees h. */
bool servers_html_finish(struct servers_html *h, FILE *fp, const char *state_name);
void servers_html_discard(struct servers_html *h);

#endif
