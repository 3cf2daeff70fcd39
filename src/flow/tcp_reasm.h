/*
 * tcp_reasm.h - reassembly of one direction of a TCP connection.
 *
 * Owns the in-order delivery of a byte stream from segments that may arrive
 * out of order, twice, overlapping, or not at all. Policy:
 *  - bytes already delivered win: a retransmission or overlap is trimmed to
 *    the part not yet delivered, and among queued segments the lower
 *    sequence number wins (what Wireshark and Zeek do by default);
 *  - out-of-order segments are copied into a queue capped at
 *    REASM_MAX_OOO_BYTES / REASM_MAX_OOO_SEGMENTS; when a cap is hit the gap
 *    is declared lost, skipped and counted, and delivery resumes after it;
 *  - sequence numbers compare modulo 2^32 (RFC 793 serial arithmetic), and a
 *    segment more than REASM_MAX_WINDOW ahead is not part of this stream;
 *  - in count-only mode (the handshake is over) segments in order are handed
 *    on in place and never copied (the consumer only reads record headers);
 *    out-of-order segments are still queued, up to the smaller
 *    REASM_MAX_OOO_BYTES_QUIET, so reordering does not cost record sync;
 *  - until count-only mode the last REASM_OVERLAP_HISTORY delivered bytes are
 *    kept, so a segment overlapping them with different bytes is counted
 *    (Suricata's "overlap with different data"); the first bytes still win.
 * It knows nothing of what the bytes mean.
 */
#ifndef TLSSCOPE_TCP_REASM_H
#define TLSSCOPE_TCP_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct reasm_seg;

struct reasm_dir {
	bool started;            /* next_seq is known */
	bool count_only;         /* stop copying: see above */
	uint32_t next_seq;       /* first byte not yet delivered */
	struct reasm_seg *queue; /* out-of-order segments, sorted by sequence */
	uint32_t queued_bytes;
	uint16_t queued_segs;
	uint64_t gap_bytes;                 /* bytes skipped as lost */
	uint64_t dup_bytes;                 /* bytes received again and dropped */
	uint32_t limit_hits;                /* times the queue cap forced a skip */
	uint8_t *history;                   /* ring of the last delivered bytes, indexed by seq */
	uint32_t history_len;               /* bytes of it valid, ending at next_seq */
	uint64_t overlap_mismatch_segments; /* segments overlapping held bytes with other bytes */
};

/* Delivery flags. */
enum {
	REASM_SEGMENT_START = 1u << 0, /* data begins where a segment began */
	REASM_AFTER_GAP = 1u << 1      /* bytes were lost just before this data */
};

typedef void (*reasm_deliver_fn)(void *ctx, const uint8_t *data, size_t len, unsigned flags);

/* Start the stream at `seq` (the SYN's ISN + 1, or a first data segment). */
void reasm_start(struct reasm_dir *d, uint32_t seq);

/*
 * Add one segment. Data that becomes in-order is delivered through `fn`
 * before this returns, the segment's own bytes straight from `data`.
 * *mem is adjusted by the bytes the queue holds more or less.
 */
void reasm_segment(struct reasm_dir *d, uint32_t seq, const uint8_t *data, size_t len, reasm_deliver_fn fn,
                   void *ctx, size_t *mem);

/* The segment just added was cut by the capture: captured up to
 * `captured_end`, sent up to `wire_end`. If delivery reached its captured
 * end, the rest can never arrive: it is skipped and counted as a gap (true). */
bool reasm_skip_snapped(struct reasm_dir *d, uint32_t captured_end, uint32_t wire_end);

/* Give up on the gaps: deliver everything queued, gaps skipped and flagged. */
void reasm_drain(struct reasm_dir *d, reasm_deliver_fn fn, void *ctx, size_t *mem);

/* Switch to count-only mode (the queue is kept: it will drain in order). */
void reasm_count_only(struct reasm_dir *d, size_t *mem);

void reasm_free(struct reasm_dir *d, size_t *mem);

#endif
