/*
 * output_queue.c - single-producer, single-consumer ring of records with a
 * mutex and two condition variables (see output_queue.h).
 */
#include "output_queue.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

/* Records a live queue always takes (if slots are free) before the output part's cap applies. */
#define OUTPUT_MIN_LIVE_RECORDS 16

struct output_queue {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	struct conn *slots;
	size_t *slot_bytes; /* heap bytes each slot's record holds until released */
	bool *slot_held;    /* the slot holds a record not yet released */
	size_t held_bytes;  /* sum of slot_bytes: what the output part's cap limits */
	size_t cap, head, count;
	struct ts_budget *budget; /* output part, or NULL; charged by the producer only */
	size_t batch;             /* wake a sleeping writer only once this many records wait */
	bool done;
	uint64_t dropped; /* by output_queue_offer; read with atomics */
	bool writer_waiting,
	    producer_waiting; /* wake only a thread that sleeps: a futex call per record costs */
	output_fn fn;
	void *user;
};

static void *writer(void *arg)
{
	struct output_queue *q = arg;
	for (;;) {
		pthread_mutex_lock(&q->lock);
		while (q->count == 0 && !q->done) {
			q->writer_waiting = true;
			pthread_cond_wait(&q->not_empty, &q->lock);
			q->writer_waiting = false;
		}
		if (q->count == 0 && q->done) {
			pthread_mutex_unlock(&q->lock);
			return NULL;
		}
		struct conn *c = &q->slots[q->head];
		pthread_mutex_unlock(&q->lock);

		/* The slot stays ours until count drops: the producer never writes it.
		 * Its allocations are freed by the producer when it reuses the slot,
		 * so malloc and free stay on one thread (no arena lock traffic). */
		q->fn(c, q->user);

		pthread_mutex_lock(&q->lock);
		q->head = (q->head + 1) % q->cap;
		q->count--;
		/* Wake a producer blocked on a full queue only once half of it is free:
		 * waking it per record costs a futex round trip per record. */
		if (q->producer_waiting && (q->count <= q->cap / 2 || q->done))
			pthread_cond_signal(&q->not_full);
		pthread_mutex_unlock(&q->lock);
	}
}

struct output_queue *output_queue_start(size_t slots, size_t batch, output_fn fn, void *user)
{
	struct output_queue *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->slots = calloc(slots, sizeof(*q->slots));
	q->slot_bytes = calloc(slots, sizeof(*q->slot_bytes));
	q->slot_held = calloc(slots, sizeof(*q->slot_held));
	q->cap = slots;
	q->batch = batch < 1 ? 1 : batch > slots ? slots : batch;
	q->fn = fn;
	q->user = user;
	if (!q->slots || !q->slot_bytes || !q->slot_held || pthread_mutex_init(&q->lock, NULL) != 0) {
		free(q->slots);
		free(q->slot_bytes);
		free(q->slot_held);
		free(q);
		return NULL;
	}
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->not_full, NULL);
	if (pthread_create(&q->thread, NULL, writer, q) != 0) {
		pthread_cond_destroy(&q->not_empty);
		pthread_cond_destroy(&q->not_full);
		pthread_mutex_destroy(&q->lock);
		free(q->slots);
		free(q->slot_bytes);
		free(q->slot_held);
		free(q);
		return NULL;
	}
	return q;
}

void output_queue_set_budget(struct output_queue *q, struct ts_budget *budget)
{
	if (!q || q->budget)
		return;
	q->budget = budget;
	ts_budget_charge(budget, TS_BUDGET_OUTPUT,
	                 q->cap * (sizeof(*q->slots) + sizeof(*q->slot_bytes) + sizeof(*q->slot_held)), 0);
}

/* Free the record a slot still holds from before (producer side only). */
static void slot_release(struct output_queue *q, size_t i)
{
	conn_release(&q->slots[i]);
	if (q->budget && q->slot_held[i])
		ts_budget_release(q->budget, TS_BUDGET_OUTPUT, q->slot_bytes[i], 1);
	q->held_bytes -= q->slot_bytes[i];
	q->slot_bytes[i] = 0;
	q->slot_held[i] = false;
}

/* Over the output part's cap: free the records already written (the slots
 * outside [head, head + count), which the writer no longer reads; lock held). */
static void release_written(struct output_queue *q)
{
	for (size_t k = q->count; k < q->cap; k++) {
		size_t i = (q->head + k) % q->cap;
		if (q->slot_held[i])
			slot_release(q, i);
	}
}

/* Room for a record of `bytes` (lock held): a free slot, and the records'
 * bytes under the output part's cap once at least `min_waiting` records
 * wait (a record larger than the part still goes alone). The slots
 * themselves, made at the start, are charged but not capped. */
static bool room_for(struct output_queue *q, size_t bytes, size_t min_waiting)
{
	if (q->count == q->cap)
		return false;
	if (!q->budget || q->count < min_waiting)
		return true;
	size_t cap = q->budget->part[TS_BUDGET_OUTPUT].cap;
	if (q->held_bytes + bytes <= cap)
		return true;
	release_written(q);
	return q->held_bytes + bytes <= cap;
}

/* Fill the slot at tail (free: the writer does not touch slots beyond count). */
static void enqueue(struct output_queue *q, size_t tail, struct conn *c)
{

	slot_release(q, tail); /* the record written from this slot before */
	size_t bytes = conn_heap_bytes(c);
	conn_move(&q->slots[tail], c);
	q->slot_bytes[tail] = bytes;
	q->slot_held[tail] = true;
	q->held_bytes += bytes;
	if (q->budget)
		ts_budget_charge(q->budget, TS_BUDGET_OUTPUT, bytes, 1);

	pthread_mutex_lock(&q->lock);
	q->count++;
	if (q->writer_waiting && q->count >= q->batch)
		pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
}

void output_queue_push(struct output_queue *q, struct conn *c)
{
	size_t bytes = conn_heap_bytes(c);
	bool counted = false;
	pthread_mutex_lock(&q->lock);
	while (!room_for(q, bytes, 1)) {
		if (q->count < q->cap && !counted) {
			ts_budget_count(q->budget, TS_BUDGET_OUTPUT_WAITED, 1);
			counted = true;
		}
		/* a writer waiting for a batch would not wake: fewer records than that hold the room */
		if (q->writer_waiting)
			pthread_cond_signal(&q->not_empty);
		q->producer_waiting = true;
		pthread_cond_wait(&q->not_full, &q->lock);
		q->producer_waiting = false;
	}
	size_t tail = (q->head + q->count) % q->cap;
	pthread_mutex_unlock(&q->lock);
	enqueue(q, tail, c);
}

bool output_queue_offer(struct output_queue *q, struct conn *c)
{
	pthread_mutex_lock(&q->lock);
	/* live: a short burst must not cost records, whatever their size */
	bool full = !room_for(q, conn_heap_bytes(c), OUTPUT_MIN_LIVE_RECORDS);
	size_t tail = (q->head + q->count) % q->cap;
	pthread_mutex_unlock(&q->lock);
	if (full) {
		__atomic_add_fetch(&q->dropped, 1, __ATOMIC_RELAXED);
		if (q->budget)
			ts_budget_count(q->budget, TS_BUDGET_OUTPUT_DROPPED, 1);
		return false;
	}
	enqueue(q, tail, c);
	return true;
}

uint64_t output_queue_dropped(struct output_queue *q)
{
	return q ? __atomic_load_n(&q->dropped, __ATOMIC_RELAXED) : 0;
}

void output_queue_finish(struct output_queue *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->done = true;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
	pthread_mutex_destroy(&q->lock);
	for (size_t i = 0; i < q->cap; i++)
		slot_release(q, i);
	free(q->slots);
	free(q->slot_bytes);
	free(q->slot_held);
	free(q);
}
