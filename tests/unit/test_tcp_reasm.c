/*
 * test_tcp_reasm.c - TCP reassembly: order, retransmission, overlap, wrap,
 * queue caps and count-only mode, checked against the bytes delivered.
 */
#include <stdlib.h>

#include "check.h"
#include "tcp_reasm.h"
#include "ts_limits.h"

struct sink {
	uint8_t out[1 << 20];
	size_t len;
	int calls, gaps, starts;
};

static void collect(void *ctx, const uint8_t *data, size_t len, unsigned flags)
{
	struct sink *s = ctx;
	if (s->len + len <= sizeof(s->out))
		memcpy(s->out + s->len, data, len);
	s->len += len;
	s->calls++;
	s->gaps += (flags & REASM_AFTER_GAP) != 0;
	s->starts += (flags & REASM_SEGMENT_START) != 0;
}

static uint8_t stream[400000];

static void fill(void)
{
	for (size_t i = 0; i < sizeof(stream); i++)
		stream[i] = (uint8_t)(i * 7 + (i >> 8));
}

static void test_in_order_and_reordered(void)
{
	struct reasm_dir d = {0};
	struct sink *s = calloc(1, sizeof(*s));
	size_t mem = 0;
	uint32_t isn = 1000;
	reasm_start(&d, isn);
	/* segments 0..9 of 100 bytes, delivered 0,2,1,4,3,5,5(dup),7,6,9,8 */
	int order[] = {0, 2, 1, 4, 3, 5, 5, 7, 6, 9, 8};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int k = order[i];
		reasm_segment(&d, isn + (uint32_t)k * 100, stream + k * 100, 100, collect, s, &mem);
	}
	CHECK_EQ(s->len, 1000);
	CHECK(memcmp(s->out, stream, 1000) == 0);
	CHECK_EQ(d.dup_bytes, 100);
	CHECK_EQ(d.gap_bytes, 0);
	CHECK_EQ(d.overlap_mismatch_segments, 0); /* the duplicate carried the same bytes */
	CHECK_EQ(mem, REASM_OVERLAP_HISTORY);     /* only the delivered bytes kept for comparison */
	CHECK_EQ(d.queued_segs, 0);
	reasm_free(&d, &mem);
	free(s);
}

static void test_overlap_first_wins(void)
{
	struct reasm_dir d = {0};
	struct sink *s = calloc(1, sizeof(*s));
	size_t mem = 0;
	uint8_t other[300];
	memset(other, 0xee, sizeof(other));
	reasm_start(&d, 0);
	reasm_segment(&d, 0, stream, 200, collect, s, &mem);
	/* overlaps 100..299 with different bytes: the first 100 are already delivered */
	memcpy(other + 100, stream + 200, 100);
	reasm_segment(&d, 100, other, 200, collect, s, &mem);
	CHECK_EQ(s->len, 300);
	CHECK(memcmp(s->out, stream, 300) == 0);
	CHECK_EQ(d.dup_bytes, 100);
	CHECK_EQ(s->starts, 1); /* the trimmed retransmission does not start a segment */
	CHECK_EQ(d.overlap_mismatch_segments, 1);
	reasm_free(&d, &mem);
	free(s);
}

/* A segment overlapping bytes already delivered or queued is counted when its
 * bytes there differ, never when they are equal; the first bytes always win. */
static void test_overlap_mismatch_counted(void)
{
	struct reasm_dir d = {0};
	struct sink *s = calloc(1, sizeof(*s));
	size_t mem = 0;
	uint8_t forged[1000];
	uint32_t isn = 0xfffffe00u; /* the comparison crosses the 2^32 wrap */
	reasm_start(&d, isn);
	reasm_segment(&d, isn, stream, 1000, collect, s, &mem);
	reasm_segment(&d, isn, stream, 1000, collect, s, &mem);            /* equal retransmission */
	reasm_segment(&d, isn + 400, stream + 400, 600, collect, s, &mem); /* equal, inside */
	reasm_segment(&d, isn + 900, stream + 900, 200, collect, s, &mem); /* equal overlap, then new */
	CHECK_EQ(d.overlap_mismatch_segments, 0);
	CHECK_EQ(d.dup_bytes, 1000 + 600 + 100);
	memcpy(forged, stream, sizeof(forged));
	forged[999] ^= 0x01; /* one byte differs, at the last overlapping position */
	reasm_segment(&d, isn, forged, 1000, collect, s, &mem);
	CHECK_EQ(d.overlap_mismatch_segments, 1);
	memcpy(forged, stream + 1000, 100);
	forged[0] ^= 0x80;
	memcpy(forged + 100, stream + 1100, 100); /* overlaps 1000..1099 (differs), then new bytes */
	reasm_segment(&d, isn + 1000, forged, 200, collect, s, &mem);
	CHECK_EQ(d.overlap_mismatch_segments, 2);
	CHECK_EQ(s->len, 1200);
	CHECK(memcmp(s->out, stream, 1200) == 0); /* the first bytes won */

	/* queued out of order: the same segment again with other bytes, then equal bytes */
	memset(forged, 0x5a, 300);
	reasm_segment(&d, isn + 1500, stream + 1500, 300, collect, s, &mem);
	reasm_segment(&d, isn + 1500, forged, 300, collect, s, &mem);
	CHECK_EQ(d.overlap_mismatch_segments, 3);
	reasm_segment(&d, isn + 1500, stream + 1500, 300, collect, s, &mem);
	CHECK_EQ(d.overlap_mismatch_segments, 3);
	reasm_segment(&d, isn + 1200, stream + 1200, 300, collect, s, &mem); /* fills the hole */
	CHECK_EQ(s->len, 1800);
	CHECK(memcmp(s->out, stream, 1800) == 0);

	/* bytes older than the kept history cannot be compared: not counted */
	for (uint32_t off = 1800; off < 1800 + 2 * REASM_OVERLAP_HISTORY; off += 1000)
		reasm_segment(&d, isn + off, stream + off, 1000, collect, s, &mem);
	reasm_segment(&d, isn, forged, 300, collect, s, &mem);
	CHECK_EQ(d.overlap_mismatch_segments, 3);

	/* after the handshake the history is given back and nothing is compared */
	reasm_count_only(&d, &mem);
	CHECK_EQ(mem, 0);
	reasm_segment(&d, isn + 1800, forged, 300, collect, s, &mem);
	CHECK_EQ(d.overlap_mismatch_segments, 3);
	reasm_free(&d, &mem);
	CHECK_EQ(mem, 0);
	free(s);
}

static void test_sequence_wrap(void)
{
	struct reasm_dir d = {0};
	struct sink *s = calloc(1, sizeof(*s));
	size_t mem = 0;
	uint32_t isn = 0xffffff00u;
	reasm_start(&d, isn);
	reasm_segment(&d, isn + 200, stream + 200, 200, collect, s, &mem); /* wraps past 0 */
	reasm_segment(&d, isn, stream, 200, collect, s, &mem);
	CHECK_EQ(s->len, 400);
	CHECK(memcmp(s->out, stream, 400) == 0);
	CHECK_EQ(d.next_seq, isn + 400);
	reasm_free(&d, &mem);
	free(s);
}

static void test_queue_cap_skips_gap(void)
{
	struct reasm_dir d = {0};
	struct sink *s = calloc(1, sizeof(*s));
	size_t mem = 0, peak = 0;
	reasm_start(&d, 0);
	/* byte 0..999 never arrives; then far more out-of-order data than the cap */
	size_t seg = 1000, n = (REASM_MAX_OOO_BYTES / seg) + 50;
	for (size_t i = 1; i <= n; i++) {
		reasm_segment(&d, (uint32_t)(i * seg), stream + (i * seg) % 300000, seg, collect, s, &mem);
		if (mem > peak)
			peak = mem;
	}
	CHECK(d.limit_hits >= 1);
	CHECK_EQ(d.gap_bytes, seg);
	CHECK(s->gaps >= 1);
	CHECK(peak <= REASM_MAX_OOO_BYTES + REASM_MAX_OOO_SEGMENTS * 64);
	reasm_drain(&d, collect, s, &mem);
	CHECK_EQ(s->len, n * seg); /* everything but the lost first segment */
	CHECK_EQ(mem, REASM_OVERLAP_HISTORY);
	reasm_free(&d, &mem);
	CHECK_EQ(mem, 0);
	free(s);
}

static void test_flood_of_tiny_segments(void)
{
	struct reasm_dir d = {0};
	struct sink *s = calloc(1, sizeof(*s));
	size_t mem = 0, peak = 0;
	reasm_start(&d, 0);
	for (uint32_t i = 0; i < 100000; i++) {
		reasm_segment(&d, 10 + i * 2, stream, 1, collect, s,
		              &mem); /* every other byte: never in order */
		if (mem > peak)
			peak = mem;
	}
	CHECK(d.queued_segs <= REASM_MAX_OOO_SEGMENTS);
	CHECK(peak < (1u << 20));
	reasm_free(&d, &mem);
	CHECK_EQ(mem, 0);
	free(s);
}

static void test_count_only(void)
{
	struct reasm_dir d = {0};
	struct sink *s = calloc(1, sizeof(*s));
	size_t mem = 0;
	reasm_start(&d, 0);
	reasm_count_only(&d, &mem);
	reasm_segment(&d, 0, stream, 100, collect, s, &mem);
	CHECK_EQ(mem, 0); /* in order: handed on in place, nothing copied */
	reasm_segment(&d, 200, stream + 200, 100, collect, s, &mem); /* reordered: held */
	CHECK(mem > 0);
	reasm_segment(&d, 100, stream + 100, 100, collect, s, &mem);
	CHECK_EQ(mem, 0);
	CHECK_EQ(s->len, 300);
	CHECK(memcmp(s->out, stream, 300) == 0);
	/* a gap longer than the quiet cap is given up at once */
	size_t n = REASM_MAX_OOO_BYTES_QUIET / 1000 + 2;
	for (size_t i = 0; i < n; i++)
		reasm_segment(&d, (uint32_t)(1300 + i * 1000), stream, 1000, collect, s, &mem);
	CHECK(d.limit_hits >= 1);
	CHECK_EQ(d.gap_bytes, 1000);
	CHECK(mem <= REASM_MAX_OOO_BYTES_QUIET + 64 * 8);
	reasm_free(&d, &mem);
	CHECK_EQ(mem, 0);
	free(s);
}

static void test_far_future_ignored(void)
{
	struct reasm_dir d = {0};
	struct sink *s = calloc(1, sizeof(*s));
	size_t mem = 0;
	reasm_start(&d, 5);
	reasm_segment(&d, 5 + REASM_MAX_WINDOW + 10, stream, 100, collect, s, &mem);
	CHECK_EQ(mem, 0);
	CHECK_EQ(s->len, 0);
	reasm_segment(&d, 5, stream, 0, collect, s, &mem); /* empty segment: nothing */
	CHECK_EQ(s->calls, 0);
	free(s);
}

int main(void)
{
	fill();
	test_in_order_and_reordered();
	test_overlap_first_wins();
	test_overlap_mismatch_counted();
	test_sequence_wrap();
	test_queue_cap_skips_gap();
	test_flood_of_tiny_segments();
	test_count_only();
	test_far_future_ignored();
	return check_report("test_tcp_reasm");
}
