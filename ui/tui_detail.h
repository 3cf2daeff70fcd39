/*
 * tui_detail.h - what the detail pane says about one connection.
 *
 * Owns the detail text: endpoints, SNI and expected host, version, cipher
 * and ALPN, the ladder of the handshake, the certificate chain with its
 * names (the expected one highlighted, a failed comparison marked),
 * findings, each client's predicted error and the fixes. It is rendered
 * once, when the connection arrives, as lines of text each led by a style
 * character; the view draws them and never sees the record.
 */
#ifndef TLSSCOPE_TUI_DETAIL_H
#define TLSSCOPE_TUI_DETAIL_H

#include <stdio.h>

#include "conn.h"
#include "diagnose.h"
#include "report_inputs.h"

/* The first character of every detail line. */
enum tui_style {
	TUI_STYLE_TEXT = ' ',
	TUI_STYLE_HEADING = 'H',
	TUI_STYLE_INFO = '0', /* severities: '0' + enum severity */
	TUI_STYLE_WARNING = '1',
	TUI_STYLE_ERROR = '2',
	TUI_STYLE_CRITICAL = '3',
	TUI_STYLE_MATCH = 'M',    /* the certificate name that matched the expected host */
	TUI_STYLE_MISMATCH = 'X', /* the expected host that no name matched */
};

/* Write the detail lines of a connection (dg may be NULL) to fp. Text
 * from the wire is already escaped by the record; certificate strings
 * are UTF-8 from libcrypto, with control characters replaced here. */
void tui_detail_write(FILE *fp, const struct conn *c, const struct diagnosis *dg,
                      const struct report_inputs *in);

#endif
