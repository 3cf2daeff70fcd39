/*
 * report_html.h - the HTML report: one self-contained page (inline CSS,
 * SVG and script, nothing fetched) with summary charts, a sortable and
 * filterable table of connections, and per connection a handshake ladder,
 * the certificate chain as cards, and the findings with each client's
 * error and the fix.
 *
 * Like the text report it keeps each connection's HTML in a temporary
 * file, so memory holds only a small index per connection; at most
 * HTML_MAX_CONNS connections (the worst first) are shown, the charts count
 * them all. The building blocks below are public so that other pages
 * (tlsscope diff) draw connections the same way.
 */
#ifndef TLSSCOPE_REPORT_HTML_H
#define TLSSCOPE_REPORT_HTML_H

#include <stdbool.h>
#include <stdio.h>

#include "conn.h"
#include "diagnose.h"
#include "report_inputs.h"
#include "ts_stats.h"

struct html_report;

struct html_report *html_report_new(void);
void html_report_add(struct html_report *h, const struct conn *c, const struct diagnosis *dg,
                     const struct report_inputs *in);
/* Write the page to fp (s may be NULL); false if a write failed. Frees h. */
bool html_report_finish(struct html_report *h, FILE *fp, const struct ts_stats *s,
                        const struct report_inputs *in);
void html_report_discard(struct html_report *h);

/* Text for element content and quoted attribute values: & < > " ' escaped,
 * control characters written as \xNN. NULL writes nothing. */
void html_escape(FILE *fp, const char *s);
/* Doctype, meta (viewport, a Content-Security-Policy that forbids any fetch), inline CSS, <body>. */
void html_page_begin(FILE *fp, const char *title);
/* The inline script (sorting, filtering, opening a linked connection) and the closing tags. */
void html_page_end(FILE *fp);
/* The connection's timeline as a two-lane ladder: messages, alerts, FIN and RST with relative times. */
void html_ladder_svg(FILE *fp, const struct conn *c, const struct report_inputs *in);
/* The server's certificates as sent, one card each, with the expected host against the SANs.
 * dg may be NULL (no diagnosis): then only what the wire shows. */
void html_chain_cards(FILE *fp, const struct conn *c, const struct diagnosis *dg);
/* Findings worst first with their fixes, then what each client would report. */
void html_findings(FILE *fp, const struct diagnosis *dg);

#endif
