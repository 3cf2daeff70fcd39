/*
 * tui_model.h - what the curses view shows, apart from how: one compact row
 * per connection, the view over them (filter, problems only, sort), the
 * run's counts, and each connection's detail, report block and
 * certificates spilled to a temporary file.
 *
 * Connections arrive on the analysis writer thread (tui_model_add) while
 * the interface runs on another; everything else is for the interface
 * thread. Rows are written once and never move (the array is allocated at
 * its cap, untouched pages cost nothing), so the interface reads a row
 * without the lock once it has seen the count under it.
 */
#ifndef TLSSCOPE_TUI_MODEL_H
#define TLSSCOPE_TUI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conn.h"
#include "diagnose.h"
#include "report_inputs.h"
#include "run_summary.h"

/* Rows kept: about 220 bytes each, so at most ~45 MB; later connections
 * are counted, and the summary bar says so. */
#define TUI_MAX_ROWS 200000
/* Distinct finding codes the model names (docs/findings.md has fewer): the run summary's. */
#define TUI_MAX_CODES RUN_SUMMARY_MAX_CODES
_Static_assert(TUI_MAX_CODES <= 64, "a row's finding codes are bits of a uint64_t");
/* Bytes of one connection's detail read back for display. */
#define TUI_MAX_DETAIL (256u * 1024u)

enum tui_sort { TUI_SORT_TIME = 0, TUI_SORT_SEVERITY, TUI_SORT_SERVER, TUI_SORT_SNI, TUI_SORT_COUNT };

const char *tui_sort_name(enum tui_sort s);

struct tui_row {
	uint64_t id;
	int64_t first_ts_ns;
	char client[48]; /* "ip:port", IPv6 in brackets */
	char server[48];
	char sni[64];       /* wire text (escaped), cut to fit; "" if none */
	uint16_t version;   /* negotiated, 0 if none */
	uint8_t outcome;    /* enum conn_outcome */
	int8_t worst;       /* worst finding severity, -1 when there are none */
	uint8_t worst_code; /* index into the model's codes (valid when worst >= 0) */
	uint64_t codes;     /* bit i: the connection has finding code i */
	uint32_t file_index;
	/* In the spill file, one after another from spill_off: */
	long spill_off;
	uint32_t detail_len; /* detail lines (see tui_detail.h) */
	uint32_t report_len; /* the text report's block */
	uint32_t certs_len;  /* certificates for export */
};

/* A row with problems: a finding of warning or worse (as the text report counts them). */
static inline bool tui_row_is_problem(const struct tui_row *r)
{
	return r->worst >= SEV_WARNING;
}

struct tui_counts {
	size_t rows;            /* connections kept */
	uint64_t dropped;       /* connections past TUI_MAX_ROWS */
	struct run_summary run; /* every connection added, kept or not; its codes index tui_row.codes */
	bool done;              /* the source has finished (all files read) */
	char status[160];       /* the source's own words: "reading 3 files", "drops 12" */
};

struct tui_model;

/* `in` names the inputs (file names in details and reports); it must outlive the model. */
struct tui_model *tui_model_new(const struct report_inputs *in);
void tui_model_free(struct tui_model *m);

/* Writer thread: add a finished connection (dg may be NULL). */
void tui_model_add(struct tui_model *m, const struct conn *c, const struct diagnosis *dg);

/* Any thread: what the source says about itself, and that it has finished. */
void tui_model_set_status(struct tui_model *m, const char *text);
void tui_model_set_done(struct tui_model *m);

/* Interface thread from here on. */

void tui_model_set_filter(struct tui_model *m, const char *text); /* "" shows all */
const char *tui_model_filter(const struct tui_model *m);
void tui_model_set_problems_only(struct tui_model *m, bool on);
bool tui_model_problems_only(const struct tui_model *m);
void tui_model_set_sort(struct tui_model *m, enum tui_sort s);
enum tui_sort tui_model_sort(const struct tui_model *m);

/* Rebuild the view if rows arrived or its settings changed; true if it did
 * (or the counts changed), so the screen needs drawing. */
bool tui_model_refresh(struct tui_model *m);

/* The view as of the last refresh. */
size_t tui_model_view_count(const struct tui_model *m);
const struct tui_row *tui_model_view_row(const struct tui_model *m, size_t i);
/* Position of the connection with this id in the view, or -1. */
long tui_model_view_find(const struct tui_model *m, uint64_t id);
/* The counts as of the last refresh. */
const struct tui_counts *tui_model_counts(const struct tui_model *m);
/* Name of finding code index i. */
const char *tui_model_code_name(const struct tui_model *m, size_t i);

/* Read len bytes at off of the spill file into buf; false on error. */
bool tui_model_read(struct tui_model *m, long off, void *buf, size_t len);

const struct report_inputs *tui_model_inputs(const struct tui_model *m);

#endif
