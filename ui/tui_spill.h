/*
 * tui_spill.h - the spilled form of a connection's certificates: written by
 * the model on the writer thread into its temporary file, read back by the
 * view's `e` (tui_save.c). One record: a struct cert_export_conn_info, then
 * per certificate a struct spilled_cert and its DER bytes.
 */
#ifndef TLSSCOPE_TUI_SPILL_H
#define TLSSCOPE_TUI_SPILL_H

#include <stdint.h>
#include <stdio.h>

#include "conn.h"
#include "report_inputs.h"

/* A spilled certificate: its place, then its DER bytes. */
struct spilled_cert {
	uint8_t client; /* 0: a server certificate, 1: a client certificate */
	uint16_t position;
	uint32_t len;
};

/* Writer thread: spill the connection's certificates (and the index
 * columns that describe it) to fp; nothing for a connection without any. */
void tui_spill_certs(FILE *fp, const struct conn *c, const struct report_inputs *in);

#endif
