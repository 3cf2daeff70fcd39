/*
 * report_metrics.h - the counters of a live run in the Prometheus text
 * exposition format 0.0.4 (what `tlsscope live --metrics` serves; the
 * socket is the command line's): handshakes by outcome, findings by code,
 * handshakes by server and version, capture drops and memory.
 *
 * Threads: records are counted on the writer thread, the capture counters
 * set by the capture loop, the page written by the server's thread; a
 * mutex keeps them apart. The server-and-version series are capped at
 * METRICS_MAX_SERVER_SERIES (and finding codes at METRICS_MAX_CODES):
 * the rest go to server="other" (code="other") and are counted as folded.
 */
#ifndef TLSSCOPE_REPORT_METRICS_H
#define TLSSCOPE_REPORT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conn.h"
#include "diagnose.h"

/* A scrape of a few hundred series stays small; a scanner's sweep must not grow it without end. */
#define METRICS_MAX_SERVER_SERIES 200
/* Above the number of finding codes tlsscope has, with room for the state store's. */
#define METRICS_MAX_CODES 64

struct metrics;

/* What the capture loop knows, set as a whole. */
struct metrics_capture {
	uint64_t packets_received, dropped_by_kernel, dropped_by_interface;
	uint64_t records_dropped; /* the output was not read */
	size_t flow_memory, flow_memory_peak, flow_memory_cap;
};

struct metrics *metrics_new(void); /* NULL: no memory */
void metrics_free(struct metrics *m);

/* One finished connection (those that are not TLS are not counted); dg may be NULL. */
void metrics_count_record(struct metrics *m, const struct conn *c, const struct diagnosis *dg);
void metrics_set_capture(struct metrics *m, const struct metrics_capture *k);

/* The exposition into fp; false if a write failed. */
bool metrics_write(struct metrics *m, FILE *fp);

/* The Content-Type of what metrics_write writes. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
