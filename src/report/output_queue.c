/*
 * output_queue.c - single-producer, single-consumer ring of records with a
 * mutex and two condition variables (see output_queue.h).
 */
#include "output_queue.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct output_queue {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	struct conn *slots;
	size_t cap, head, count;
	size_t batch; /* wake a sleeping writer only once this many records wait */
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
	q->cap = slots;
	q->batch = batch < 1 ? 1 : batch > slots ? slots : batch;
	q->fn = fn;
	q->user = user;
	if (!q->slots || pthread_mutex_init(&q->lock, NULL) != 0) {
		free(q->slots);
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
		free(q);
		return NULL;
	}
	return q;
}

/* Fill the slot at tail (free: the writer does not touch slots beyond count). */
static void enqueue(struct output_queue *q, size_t tail, struct conn *c)
{

	conn_release(&q->slots[tail]); /* the record written from this slot before */
	conn_move(&q->slots[tail], c);

	pthread_mutex_lock(&q->lock);
	q->count++;
	if (q->writer_waiting && q->count >= q->batch)
		pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
}

void output_queue_push(struct output_queue *q, struct conn *c)
{
	pthread_mutex_lock(&q->lock);
	while (q->count == q->cap) {
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
	bool full = q->count == q->cap;
	size_t tail = (q->head + q->count) % q->cap;
	pthread_mutex_unlock(&q->lock);
	if (full) {
		__atomic_add_fetch(&q->dropped, 1, __ATOMIC_RELAXED);
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
		conn_release(&q->slots[i]);
	free(q->slots);
	free(q);
}
