/*
 * tui_save.h - what the curses view writes to disk on request: the selected
 * connection's certificates (`e`) and the current view as a text report
 * (`w`). The certificates are read back from the model's spill file
 * (tui_spill.h).
 */
#ifndef TLSSCOPE_TUI_SAVE_H
#define TLSSCOPE_TUI_SAVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "conn.h"
#include "report_inputs.h"
#include "tui_model.h"

/* Export the row's certificates to DIR/<sha256>.pem and DIR/index.tsv
 * (cert_export.h). Writes a one-line result (count or error) into msg. */
bool tui_save_certs(struct tui_model *m, const struct tui_row *r, const char *dir, char *msg, size_t msglen);

/* Write the current view, in its order, as a text report: a summary of the
 * view, then each connection's block. A one-line result goes into msg. */
bool tui_save_report(struct tui_model *m, const char *path, char *msg, size_t msglen);

#endif
