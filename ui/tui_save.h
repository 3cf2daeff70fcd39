/*
 * tui_save.h - what the curses view writes to disk on request: the selected
 * connection's certificates (`e`) and the current view as a text report
 * (`w`); and the spilled form of a connection's certificates that `e`
 * reads back.
 */
#ifndef TLSSCOPE_TUI_SAVE_H
#define TLSSCOPE_TUI_SAVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "conn.h"
#include "report.h"
#include "tui_model.h"

/* Writer thread: spill the connection's certificates (and the index
 * columns that describe it) to fp. */
void tui_save_spill_certs(FILE *fp, const struct conn *c, const struct report_inputs *in);

/* Export the row's certificates to DIR/<sha256>.pem and DIR/index.tsv
 * (cert_export.h). Writes a one-line result (count or error) into msg. */
bool tui_save_certs(struct tui_model *m, const struct tui_row *r, const char *dir, char *msg, size_t msglen);

/* Write the current view, in its order, as a text report: a summary of the
 * view, then each connection's block. A one-line result goes into msg. */
bool tui_save_report(struct tui_model *m, const char *path, char *msg, size_t msglen);

#endif
