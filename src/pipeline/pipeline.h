/*
 * pipeline.h - the library's one entry point from frames to diagnosed
 * connection records.
 *
 * Owns the assembly of the stages: the engine (decode, flows, reassembly,
 * sessions, records), capture files into it, the diagnosis of each finished
 * record (certificate cache, trust store, expectations) and the writer
 * thread that hands records to the caller's sink in order. It never prints:
 * every call returns a status and, where a person needs one, a reason.
 *
 * It sits above report/ (the writer thread is report/output_queue) and below
 * the command line and the curses view, which only parse options and print.
 */
#ifndef TLSSCOPE_PIPELINE_H
#define TLSSCOPE_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "diagnose.h"
#include "engine.h"
#include "expect.h"
#include "state_store.h"
#include "trust.h"
#include "ts_status.h"

struct pipeline_options {
	struct engine_options engine;
	const struct expect_rules *rules; /* may be NULL; kept by the caller */
	struct trust_options trust;
	struct trust_options client_trust;   /* --client-ca; no files: client chains are not verified */
	struct client_trust_options clients; /* what each client was given (--client, --ssl-cert-file) */
	bool diagnose;                       /* false: records only, no certificate parsing or findings */
	int expiry_warn_days; /* expiry-soon within this many days of the handshake; 0: never */
	bool no_thread;       /* call the sink on the analysing thread (tests, fuzzers) */
	/* Live: when the output is not read and the queue is full, a record is
	 * dropped (counted) rather than the capture waiting while the kernel drops packets. */
	bool drop_records_when_full;
};

/* Runs on the writer thread (or inline), once per finished connection, in
 * order. `dg` is NULL without diagnosis. Both are valid only during the call. */
typedef void (*pipeline_sink_fn)(const struct conn *c, const struct diagnosis *dg, void *user);

struct pipeline;

/* TS_OK with *out set; TS_MALFORMED when the trust store cannot be made
 * (err names the file), TS_NOMEM (err says so). */
enum ts_status pipeline_new(const struct pipeline_options *opts, pipeline_sink_fn sink, void *user,
                            struct pipeline **out, char *err, size_t errlen);

/* Keep a history of every record (state_store.h; NULL: none): the pipeline
 * adds each diagnosed record to it on the sink's thread, flushes it at each
 * drain and closes it when freed. Call before any frame. */
void pipeline_keep_state(struct pipeline *p, struct state_store *state);

/* After a drain: why the history could not be written, or NULL. */
const char *pipeline_state_error(const struct pipeline *p);

/* Where frames go (live capture feeds it directly). */
struct engine *pipeline_engine(struct pipeline *p);

/* Read one capture file (its connections are finished at its end). The
 * status is capture_read_file()'s: info says why a file was unusable or
 * where it was cut. */
enum ts_status pipeline_read_file(struct pipeline *p, uint32_t file_index, const char *name,
                                  struct capture_info *info);

/* A stop flag and a progress callback for the reads that follow (NULL: none). */
void pipeline_set_control(struct pipeline *p, const struct capture_control *control);

/* Inputs read (TS_OK) so far that held no connection at all. */
unsigned pipeline_empty_inputs(const struct pipeline *p);

/* Finish every open connection and wait until the sink has seen all. */
void pipeline_drain(struct pipeline *p);

/* True after a drain when key logs were given but matched no connection
 * that looked for one (a key log from another client or run). */
bool pipeline_keylog_unused(const struct pipeline *p);

/* Records dropped because the output queue was full (drop_records_when_full). */
uint64_t pipeline_records_dropped(const struct pipeline *p);

/* Worst finding severity passed to the sink so far, -1 if none. */
int pipeline_worst(const struct pipeline *p);

void pipeline_free(struct pipeline *p);

#endif
