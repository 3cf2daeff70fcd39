/*
 * test_capture.c - capture input: timestamps that cannot be represented,
 * captures read from memory, and the running clock that one far-future
 * frame must not move.
 */
#include <stdlib.h>

#include "capture.h"
#include "check.h"
#include "engine.h"
#include "ts_limits.h"
#include "ts_time.h"

#define NS 1000000000LL
#define T0 (1767225600LL * NS) /* 2026-01-01 */

static void count_conn(struct conn *c, void *user)
{
	(void)c;
	(*(unsigned *)user)++;
}

static void test_time_from_parts(void)
{
	CHECK_EQ(ts_time_from_parts(0, 0, 1), 0);
	CHECK_EQ(ts_time_from_parts(1, 5, 1000), NS + 5000);
	CHECK_EQ(ts_time_from_parts(1767225600, 999999999, 1), T0 + 999999999);
	CHECK_EQ(ts_time_from_parts(-1, 0, 1), TS_TIME_INVALID);
	CHECK_EQ(ts_time_from_parts(0, -1, 1), TS_TIME_INVALID);
	CHECK_EQ(ts_time_from_parts(10413792000LL, 0, 1), TS_TIME_INVALID); /* 2300: past INT64_MAX ns */
	CHECK_EQ(ts_time_from_parts(INT64_MAX, 0, 1), TS_TIME_INVALID);
	CHECK_EQ(ts_time_from_parts(0, INT64_MAX, 1000), TS_TIME_INVALID);
	CHECK_EQ(ts_time_from_parts(TS_TIME_MAX_NS / NS, TS_TIME_MAX_NS % NS, 1), TS_TIME_MAX_NS);
	CHECK_EQ(ts_time_from_parts(TS_TIME_MAX_NS / NS, TS_TIME_MAX_NS % NS + 1, 1), TS_TIME_INVALID);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	rewind(fp);
	uint8_t *b = n > 0 ? malloc((size_t)n) : NULL;
	if (b && fread(b, 1, (size_t)n, fp) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(fp);
	*len = (size_t)n;
	return b;
}

/* A pcapng frame dated 2300 (microseconds since 1970 past INT64_MAX
 * nanoseconds): read, counted, analysed at the running time. From the file
 * and from memory alike. */
static void test_year_2300(void)
{
	static const char *path = "tests/regress/pcapng-timestamp-year-2300.pcapng";
	for (int from_memory = 0; from_memory < 2; from_memory++) {
		unsigned conns = 0;
		struct engine *e = engine_new(NULL, count_conn, &conns);
		struct capture_info info;
		size_t len = 0;
		uint8_t *bytes = from_memory ? slurp(path, &len) : NULL;
		CHECK(!from_memory || bytes);
		enum ts_status st = from_memory ? capture_read_memory(bytes, len, path, e, &info)
		                                : capture_read_file(path, e, &info);
		CHECK_EQ(st, TS_OK);
		CHECK_EQ(info.frames, 1);
		CHECK_EQ(info.timed_frames, 0);
		CHECK(!info.truncated);
		engine_flush(e);
		CHECK_EQ(engine_stats(e)->timestamps_out_of_window, 1);
		CHECK_EQ(engine_stats(e)->connections, 1);
		engine_free(e);
		free(bytes);
	}
}

/* The same capture from memory and from its file: the same frames and
 * connections; nothing, or bytes that are not a capture, refused. */
static void test_memory_matches_file(void)
{
	static const char *path = "pcaps/02-tls13-good.pcap";
	size_t len = 0;
	uint8_t *bytes = slurp(path, &len);
	CHECK(bytes);
	if (!bytes)
		return;
	uint64_t frames[2], conns[2];
	for (int from_memory = 0; from_memory < 2; from_memory++) {
		unsigned reported = 0;
		struct engine *e = engine_new(NULL, count_conn, &reported);
		struct capture_info info;
		CHECK_EQ(from_memory ? capture_read_memory(bytes, len, path, e, &info)
		                     : capture_read_file(path, e, &info),
		         TS_OK);
		engine_flush(e);
		frames[from_memory] = info.frames;
		conns[from_memory] = reported;
		CHECK_EQ(info.timed_frames, info.frames);
		engine_free(e);
	}
	CHECK(frames[0] > 0 && conns[0] > 0);
	CHECK_EQ(frames[1], frames[0]);
	CHECK_EQ(conns[1], conns[0]);
	struct engine *e = engine_new(NULL, NULL, NULL);
	struct capture_info info;
	CHECK_EQ(capture_read_memory(bytes, 0, "empty", e, &info), TS_MALFORMED);
	CHECK_EQ(capture_read_memory((const uint8_t *)"not a capture at all", 20, "text", e, &info),
	         TS_MALFORMED);
	CHECK(strstr(info.error, "text: not a readable") != NULL);
	engine_free(e);
	free(bytes);
}

/* An Ethernet/IPv4 TCP SYN from 10.9.0.1:port to 10.9.0.2:443. */
static size_t syn_frame(uint8_t *f, uint16_t port)
{
	static const uint8_t head[] = {2,    0, 0, 0,  0, 2, 2,    0, 0,  0, 0, 1, 8,  0, /* Ethernet */
	                               0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 9, 0, 1, 10, 9, 0, 2};
	memcpy(f, head, sizeof(head));
	uint8_t *t = f + sizeof(head);
	memset(t, 0, 20);
	t[0] = (uint8_t)(port >> 8), t[1] = (uint8_t)port;
	t[2] = 443 >> 8, t[3] = 443 & 0xff;
	t[7] = 1;     /* seq */
	t[12] = 0x50; /* data offset 5 */
	t[13] = 0x02; /* SYN */
	t[14] = 0xff, t[15] = 0xff;
	return sizeof(head) + 20;
}

static void syn_at(struct engine *e, uint16_t port, int64_t ts)
{
	uint8_t f[64];
	size_t n = syn_frame(f, port);
	engine_frame(e, 1 /* DLT_EN10MB */, ts, f, n, n);
}

/* One frame dated 2037 among half-open connections of 2026: counted, read
 * at the running time, and idle expiry goes on (before, the clock jumped to
 * 2037, ended every open connection at once and never expired one again). */
static void test_far_future_frame(void)
{
	unsigned conns = 0;
	struct engine_options opts = {.report_all = true};
	struct engine *e = engine_new(&opts, count_conn, &conns);
	syn_at(e, 40001, T0);
	syn_at(e, 40002, 2114380800LL * NS); /* 2037-01-01 */
	syn_at(e, 40003, T0 + 120 * NS);     /* the first two are idle for over 60 s */
	syn_at(e, 40004, T0 + 150 * NS);
	CHECK_EQ(engine_stats(e)->timestamps_out_of_window, 1);
	CHECK_EQ(engine_stats(e)->timed_out, 2);
	CHECK_EQ(conns, 2);
	/* A capture that resumes two days later: the clock follows once
	 * CAPTURE_TIME_JUMP_CONFIRM frames agree, and expiry works there. */
	int64_t later = T0 + 2 * 86400 * NS;
	for (int i = 0; i < CAPTURE_TIME_JUMP_CONFIRM; i++)
		syn_at(e, (uint16_t)(41000 + i), later + i * NS);
	CHECK_EQ(engine_stats(e)->timestamps_out_of_window, CAPTURE_TIME_JUMP_CONFIRM);
	syn_at(e, 42000, later + 200 * NS);
	CHECK_EQ(engine_stats(e)->timestamps_out_of_window, CAPTURE_TIME_JUMP_CONFIRM);
	CHECK_EQ(engine_stats(e)->timed_out, 2 + 2 + CAPTURE_TIME_JUMP_CONFIRM);
	engine_free(e);
}

int main(void)
{
	test_time_from_parts();
	test_year_2300();
	test_memory_matches_file();
	test_far_future_frame();
	return check_report("test_capture");
}
