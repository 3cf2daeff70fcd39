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

/* Whether the `n` bytes at `seq`, all already delivered, differ from the ones kept. */
static bool history_differs(const struct reasm_dir *d, uint32_t seq, const uint8_t *data, size_t n)
{
	if (!d->history)
		return false;
	uint32_t oldest = d->next_seq - d->history_len;
	int64_t before_kept = seq_diff(oldest, seq);
	if (before_kept > 0) { /* the start is no longer kept: compare the rest */
		if ((uint64_t)before_kept >= n)
			return false;
		data += before_kept;
		n -= (size_t)before_kept;
		seq = oldest;
	}
	for (size_t i = 0; i < n; i++)
		if (d->history[(seq + (uint32_t)i) & (REASM_OVERLAP_HISTORY - 1)] != data[i])
			return true;
	return false;
}

/* Keep the bytes just delivered at `seq` (not in count-only mode, or without memory). */
static void history_keep(struct reasm_dir *d, uint32_t seq, const uint8_t *data, size_t len, size_t *mem)
{
	if (d->count_only)
		return;
	if (!d->history) {
		d->history = malloc(REASM_OVERLAP_HISTORY);
		if (!d->history)
			return;
		*mem += REASM_OVERLAP_HISTORY;
	}
	if (len > REASM_OVERLAP_HISTORY) {
		seq += (uint32_t)(len - REASM_OVERLAP_HISTORY);
		data += len - REASM_OVERLAP_HISTORY;
		len = REASM_OVERLAP_HISTORY;
	}
	for (size_t i = 0; i < len; i++)
		d->history[(seq + (uint32_t)i) & (REASM_OVERLAP_HISTORY - 1)] = data[i];
	d->history_len = (uint32_t)(d->history_len + len > REASM_OVERLAP_HISTORY ? REASM_OVERLAP_HISTORY
	                                                                         : d->history_len + len);
}

static void history_free(struct reasm_dir *d, size_t *mem)
{
	if (!d->history)
		return;
	free(d->history);
	d->history = NULL;
	d->history_len = 0;
	*mem -= REASM_OVERLAP_HISTORY;
}

/* Deliver the part of [seq, seq+len) not yet delivered; the delivered part wins
 * (counted when its bytes differ). */
static void deliver_new(struct reasm_dir *d, uint32_t seq, const uint8_t *data, size_t len, unsigned flags,
                        reasm_deliver_fn fn, void *ctx, size_t *mem)
{
	int64_t behind = -seq_diff(seq, d->next_seq);
	if (behind > 0) {
		size_t overlap = (uint64_t)behind >= len ? len : (size_t)behind;
		if (history_differs(d, seq, data, overlap))
			d->overlap_mismatch_segments++;
		d->dup_bytes += overlap;
		if (overlap == len)
			return;
		seq += (uint32_t)overlap;
		data += overlap;
		len -= overlap;
		flags &= ~(unsigned)REASM_SEGMENT_START;
	}
	d->next_seq += (uint32_t)len;
	history_keep(d, seq, data, len, mem);
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
		deliver_new(d, s->seq, s->data, s->len, REASM_SEGMENT_START, fn, ctx, mem);
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
		d->history_len = 0; /* what is kept must end at next_seq */
	}
}

static bool enqueue(struct reasm_dir *d, uint32_t seq, const uint8_t *data, size_t len, size_t *mem)
{
	struct reasm_seg **at = &d->queue;
	while (*at && seq_diff((*at)->seq, seq) < 0)
		at = &(*at)->next;
	if (*at && (*at)->seq == seq && (*at)->len >= len) {
		if (memcmp((*at)->data, data, len) != 0)
			d->overlap_mismatch_segments++;
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
		deliver_new(d, seq, data, len, REASM_SEGMENT_START, fn, ctx, mem);
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
			history_keep(d, s->seq, s->data, s->len, mem);
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
		deliver_new(d, s->seq, s->data, s->len, flags, fn, ctx, mem);
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
	history_free(d, mem);
}

bool reasm_skip_snapped(struct reasm_dir *d, uint32_t captured_end, uint32_t wire_end)
{
	if ((int32_t)(wire_end - d->next_seq) <= 0 || d->next_seq != captured_end)
		return false;
	d->gap_bytes += wire_end - d->next_seq;
	d->next_seq = wire_end;
	d->history_len = 0;
	return true;
}

void reasm_count_only(struct reasm_dir *d, size_t *mem)
{
	d->count_only = true;
	history_free(d, mem); /* overlaps are compared during the handshake only */
}
