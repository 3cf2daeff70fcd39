/*
 * state_store.h - what tlsscope remembers between runs, per server: a SQLite
 * file (--state FILE) that a series of captures and a live sensor fill alike.
 *
 * Owns the file's schema (docs/state.md), its batched writes and the change
 * findings that need a history: `chain-changed` (a chain never seen before on
 * a server that had another) and `new-failure-mode` (a warning or worse, or a
 * client error, this server had not shown before). A server is its IP, port
 * and SNI ("" without one). Every time is capture time, in Unix seconds.
 *
 * Writes go in transactions of STATE_BATCH_RECORDS records (or of
 * STATE_BATCH_SECONDS of capture time), in WAL mode with synchronous=NORMAL:
 * a crash or SIGKILL loses at most the batch in progress, and a record is
 * either wholly in the file or not at all. One thread uses a store.
 */
#ifndef TLSSCOPE_STATE_STORE_H
#define TLSSCOPE_STATE_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "conn.h"
#include "diagnose.h"

/* The schema this build writes (table schema_version); a version 1 file is upgraded when opened,
 * a file of another version is refused. */
#define STATE_SCHEMA_VERSION 2
/* Records per transaction: the most a SIGKILL can lose, and few enough commits to be cheap. */
#define STATE_BATCH_RECORDS 256
/* ... and a batch ends when it spans this much capture time, so a quiet sensor commits too. */
#define STATE_BATCH_SECONDS 2

struct state_store;

/* Open (or create) the file. NULL with the reason in err: not SQLite, another schema, no memory. */
struct state_store *state_store_open(const char *path, char *err, size_t errlen);

/* Count one finished TLS connection (others are skipped) and append to dg, when it has room, the change
 * findings its server's history gives. dg may be NULL (--no-diagnose): the record is counted without
 * findings or change findings. False after a SQLite error (state_store_error says which); the store
 * then ignores further records. */
bool state_store_add(struct state_store *st, const struct conn *c, struct diagnosis *dg);

/* Commit the batch in progress. False after an error. */
bool state_store_flush(struct state_store *st);

/* The first error, or NULL. */
const char *state_store_error(const struct state_store *st);

/* Records counted so far in this run. */
unsigned long long state_store_records(const struct state_store *st);

/* Flush and close; false if the flush failed. NULL is fine. */
bool state_store_close(struct state_store *st);

#endif
