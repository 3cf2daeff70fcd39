/*
 * output_queue.h - hands finished connection records to a writer thread.
 *
 * Owns the bounded queue between the analysis (one thread) and the outputs
 * (another): formatting a record costs about as much as finding it, and a
 * machine has more than one core. Records are moved in (conn_move), so the
 * analysis frees nothing of theirs; the writer formats, writes and releases
 * them in the order they were pushed; a record's memory is freed on the
 * pushing thread when its slot is reused. At most `slots` records wait, and
 * with a budget no more bytes than its output part (ts_budget.h) allows; a
 * full queue makes the analysis wait (counted), so memory stays bounded.
 */
#ifndef TLSSCOPE_OUTPUT_QUEUE_H
#define TLSSCOPE_OUTPUT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "ts_budget.h"

/* Runs on the writer thread. */
typedef void (*output_fn)(struct conn *c, void *user);

struct output_queue;

/* NULL if the thread could not be started (the caller then writes inline).
 * A sleeping writer is woken once `batch` records wait (1: at once). */
struct output_queue *output_queue_start(size_t slots, size_t batch, output_fn fn, void *user);

/* Charge the records waiting (and those written but not yet freed) to the
 * budget's output part: past its cap, push() waits and offer() drops. From
 * the producer's thread, before the first record; the budget outlives q. */
void output_queue_set_budget(struct output_queue *q, struct ts_budget *budget);

/* Move the record into the queue (waits while the queue is full). */
void output_queue_push(struct output_queue *q, struct conn *c);

/* Move the record into the queue if a slot is free; false (the record left
 * to the caller, counted as dropped) if not. For a live capture, whose
 * packets must not wait for a reader that has stopped reading. */
bool output_queue_offer(struct output_queue *q, struct conn *c);

/* Records output_queue_offer() dropped so far (any thread). */
uint64_t output_queue_dropped(struct output_queue *q);

/* Wait until every pushed record is written, then stop the thread and free. */
void output_queue_finish(struct output_queue *q);

#endif
