/*
 * tcp_reasm.c - one direction of TCP reassembly (policy in tcp_reasm.h).
 */
#include "tcp_reasm.h"

#include <stdlib.h>
#include <string.h>

#include "ts_limits.h"

struct reasm_seg {
	struct reasm_seg *next;
	uint32_t seq;
	uint32_t len;
	uint8_t data[];
};

/* a - b in sequence space: positive when a is after b. */
static inline int64_t seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

void reasm_start(struct reasm_dir *d, uint32_t seq)
{
	d->started = true;
	d->next_seq = seq;
}

/* Deliver the part of [seq, seq+len) not yet delivered; false if none was new. */
static void deliver_new(struct reasm_dir *d, uint32_t seq, const uint8_t *data, size_t len, unsigned flags,
                        reasm_deliver_fn fn, void *ctx)
{
	int64_t behind = -seq_diff(seq, d->next_seq);
	if (behind > 0) {
		if ((uint64_t)behind >= len) {
			d->dup_bytes += len;
			return;
		}
		d->dup_bytes += (uint64_t)behind;
		data += behind;
		len -= (size_t)behind;
		flags &= ~(unsigned)REASM_SEGMENT_START;
	}
	d->next_seq += (uint32_t)len;
	fn(ctx, data, len, flags);
}

/* Hand on every queued segment that is now in order. */
static void deliver_queued(struct reasm_dir *d, reasm_deliver_fn fn, void *ctx, size_t *mem)
{
	while (d->queue && seq_diff(d->queue->seq, d->next_seq) <= 0) {
		struct reasm_seg *s = d->queue;
		d->queue = s->next;
		d->queued_bytes -= s->len;
		d->queued_segs--;
		*mem -= sizeof(*s) + s->len;
		deliver_new(d, s->seq, s->data, s->len, REASM_SEGMENT_START, fn, ctx);
		free(s);
	}
}

/* Declare the bytes before `seq` lost and move past them. */
static void skip_to(struct reasm_dir *d, uint32_t seq)
{
	int64_t gap = seq_diff(seq, d->next_seq);
	if (gap > 0) {
		d->gap_bytes += (uint64_t)gap;
		d->next_seq = seq;
	}
}

static bool enqueue(struct reasm_dir *d, uint32_t seq, const uint8_t *data, size_t len, size_t *mem)
{
	struct reasm_seg **at = &d->queue;
	while (*at && seq_diff((*at)->seq, seq) < 0)
		at = &(*at)->next;
	if (*at && (*at)->seq == seq && (*at)->len >= len) {
		d->dup_bytes += len; /* the same segment again: keep the first */
		return true;
	}
	struct reasm_seg *s = malloc(sizeof(*s) + len);
	if (!s)
		return false;
	s->seq = seq;
	s->len = (uint32_t)len;
	memcpy(s->data, data, len);
	s->next = *at;
	*at = s;
	d->queued_bytes += (uint32_t)len;
	d->queued_segs++;
	*mem += sizeof(*s) + len;
	return true;
}

void reasm_segment(struct reasm_dir *d, uint32_t seq, const uint8_t *data, size_t len, reasm_deliver_fn fn,
                   void *ctx, size_t *mem)
{
	if (len == 0)
		return;
	if (!d->started)
		reasm_start(d, seq);

	int64_t ahead = seq_diff(seq, d->next_seq);
	if (ahead <= 0) {
		deliver_new(d, seq, data, len, REASM_SEGMENT_START, fn, ctx);
		deliver_queued(d, fn, ctx, mem);
		return;
	}
	if (ahead > (int64_t)REASM_MAX_WINDOW) {
		d->dup_bytes += len; /* far outside any window: not this stream's bytes */
		return;
	}
	uint32_t cap = d->count_only ? REASM_MAX_OOO_BYTES_QUIET : REASM_MAX_OOO_BYTES;
	if (d->count_only && d->queued_bytes + len > cap) {
		/* After the handshake a gap this long is not worth holding data for. */
		d->limit_hits++;
		skip_to(d, d->queue && seq_diff(d->queue->seq, seq) < 0 ? d->queue->seq : seq);
		deliver_queued(d, fn, ctx, mem);
		reasm_segment(d, seq, data, len, fn, ctx, mem);
		return;
	}
	if (d->queued_bytes + len > cap || d->queued_segs >= REASM_MAX_OOO_SEGMENTS) {
		/* The gap is not filling: give it up, then place this segment. */
		d->limit_hits++;
		uint32_t to = seq;
		if (d->queue && seq_diff(d->queue->seq, seq) < 0)
			to = d->queue->seq;
		skip_to(d, to);
		if (d->queue && d->queue->seq == d->next_seq) {
			struct reasm_seg *s = d->queue;
			d->queue = s->next;
			d->queued_bytes -= s->len;
			d->queued_segs--;
			*mem -= sizeof(*s) + s->len;
			d->next_seq += s->len;
			fn(ctx, s->data, s->len, REASM_SEGMENT_START | REASM_AFTER_GAP);
			free(s);
			deliver_queued(d, fn, ctx, mem);
		}
		reasm_segment(d, seq, data, len, fn, ctx, mem);
		return;
	}
	if (!enqueue(d, seq, data, len, mem))
		d->gap_bytes += len;
}

void reasm_drain(struct reasm_dir *d, reasm_deliver_fn fn, void *ctx, size_t *mem)
{
	while (d->queue) {
		struct reasm_seg *s = d->queue;
		unsigned flags = REASM_SEGMENT_START;
		if (seq_diff(s->seq, d->next_seq) > 0) {
			skip_to(d, s->seq);
			flags |= REASM_AFTER_GAP;
		}
		d->queue = s->next;
		d->queued_bytes -= s->len;
		d->queued_segs--;
		*mem -= sizeof(*s) + s->len;
		deliver_new(d, s->seq, s->data, s->len, flags, fn, ctx);
		free(s);
	}
}

void reasm_free(struct reasm_dir *d, size_t *mem)
{
	while (d->queue) {
		struct reasm_seg *s = d->queue;
		d->queue = s->next;
		*mem -= sizeof(*s) + s->len;
		free(s);
	}
	d->queued_bytes = 0;
	d->queued_segs = 0;
}

bool reasm_skip_snapped(struct reasm_dir *d, uint32_t captured_end, uint32_t wire_end)
{
	if ((int32_t)(wire_end - d->next_seq) <= 0 || d->next_seq != captured_end)
		return false;
	d->gap_bytes += wire_end - d->next_seq;
	d->next_seq = wire_end;
	return true;
}

void reasm_count_only(struct reasm_dir *d, size_t *mem)
{
	(void)mem;
	d->count_only = true;
}
