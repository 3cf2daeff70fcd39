/*
 * test_tls_stream.c - the TLS record layer on real OpenSSL byte streams,
 * cut into every kind of piece, and on hostile input.
 */
#include <stdarg.h>
#include <stdio.h>

#include "check.h"
#include "tls_handshake.h"
#include "tls_pair.h"
#include "tls_stream.h"
#include "ts_limits.h"

struct log {
	char text[8192];
	size_t len;
	int anomalies[4];
	int handshakes;
	uint32_t last_wire_len;
	uint8_t prelude[64]; /* plaintext the stream passed on before TLS (the first 64 bytes) */
	size_t prelude_len;  /* all of it */
};

/* The format attribute lets the compiler check every call's arguments. */
__attribute__((format(printf, 2, 3))) static void logf_(struct log *l, const char *fmt, ...)
{
	if (l->len >= sizeof(l->text) - 64)
		return;
	va_list ap;
	va_start(ap, fmt);
	l->len += (size_t)vsnprintf(l->text + l->len, sizeof(l->text) - l->len, fmt, ap);
	va_end(ap);
}

static void on_record(void *ctx, uint8_t dir, uint8_t type, uint16_t version, uint16_t length, bool encrypted)
{
	logf_(ctx, "R%u/%u ", type, length);
}

static void on_handshake(void *ctx, uint8_t dir, uint8_t type, const uint8_t *body, uint32_t len,
                         uint32_t wire)
{
	struct log *l = ctx;
	l->handshakes++;
	l->last_wire_len = wire;
	/* a checksum of the body proves the bytes, not just the length, came through */
	unsigned sum = 0;
	for (uint32_t i = 0; i < len; i++)
		sum = sum * 31 + body[i];
	logf_(ctx, "H%u/%u ", type, len);
	logf_(ctx, "#%x ", sum);
}

static void on_alert(void *ctx, uint8_t dir, uint8_t level, uint8_t desc)
{
	logf_(ctx, "A%u/%u ", level, desc);
}

static void on_sslv2(void *ctx, uint8_t dir, const uint8_t *body, uint32_t len)
{
	logf_(ctx, "V2/%u ", len);
}

static void on_anomaly(void *ctx, uint8_t dir, enum tls_stream_anomaly a)
{
	struct log *l = ctx;
	l->anomalies[a]++;
}

static void on_prelude(void *ctx, uint8_t dir, const uint8_t *p, size_t n)
{
	struct log *l = ctx;
	for (size_t i = 0; i < n; i++, l->prelude_len++)
		if (l->prelude_len < sizeof(l->prelude))
			l->prelude[l->prelude_len] = p[i];
}

static void on_handshake_ignore(void *ctx, uint8_t dir, uint8_t type, const uint8_t *body, uint32_t len,
                                uint32_t wire)
{
}

static void on_partial(void *ctx, uint8_t dir, uint8_t type, const uint8_t *body, uint32_t len, uint32_t wire)
{
	struct log *l = ctx;
	l->last_wire_len = wire;
	logf_(ctx, "P%u/%u ", type, len);
}

static struct tls_stream_sink sink_for(struct log *l)
{
	struct tls_stream_sink s = {l,          on_record,  on_handshake, on_alert,  on_sslv2,
	                            on_anomaly, on_prelude, NULL,         on_partial};
	return s;
}

/* Feed `b` in pieces of `piece` bytes (0: all at once), each a segment start. */
static void run(const struct tls_bytes *b, size_t piece, struct log *l, size_t *mem)
{
	struct tls_stream s;
	struct tls_stream_sink sink = sink_for(l);
	tls_stream_init(&s, 0);
	size_t step = piece ? piece : b->len;
	for (size_t off = 0; off < b->len; off += step) {
		size_t n = b->len - off < step ? b->len - off : step;
		tls_stream_feed(&s, b->p + off, n, true, false, &sink, mem);
	}
	tls_stream_free(&s, mem);
}

static void test_real_streams(int version)
{
	struct tls_bytes c2s = {0}, s2c = {0};
	CHECK(tls_pair_run(version, "split.example.test", &c2s, &s2c));
	const struct tls_bytes *dirs[2] = {&c2s, &s2c};
	for (int d = 0; d < 2; d++) {
		struct log whole = {0};
		size_t mem = 0;
		run(dirs[d], 0, &whole, &mem);
		CHECK_EQ(mem, 0);
		CHECK(whole.handshakes >= 1);
		/* The same events whatever the cut, byte by byte included. */
		size_t pieces[] = {1, 2, 3, 4, 5, 6, 7, 13, 100, 1460};
		for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
			struct log l = {0};
			run(dirs[d], pieces[i], &l, &mem);
			CHECK_STR(l.text, whole.text);
			CHECK_EQ(mem, 0);
		}
	}
	/* The client's first message is its ClientHello, in a handshake record. */
	struct log l = {0};
	size_t mem = 0;
	run(&c2s, 0, &l, &mem);
	CHECK(strncmp(l.text, "R22/", 4) == 0);
	CHECK(strstr(l.text, "H1/") != NULL);
	struct log ls = {0};
	run(&s2c, 0, &ls, &mem);
	CHECK(strstr(ls.text, "H2/") != NULL);
	if (version == TLS1_2_VERSION) {
		CHECK(strstr(ls.text, "H11/") != NULL);  /* Certificate in clear */
		CHECK(strstr(ls.text, "H14/0") != NULL); /* ServerHelloDone, empty body */
	} else {
		CHECK(strstr(ls.text, "H11/") == NULL); /* encrypted in TLS 1.3 */
		CHECK(strstr(ls.text, "R23/") != NULL);
	}
	free(c2s.p);
	free(s2c.p);
}

static void test_starttls_prelude(void)
{
	struct tls_bytes c2s = {0}, s2c = {0};
	CHECK(tls_pair_run(TLS1_2_VERSION, NULL, &c2s, &s2c));
	struct log l = {0}, ref = {0};
	size_t mem = 0;
	run(&c2s, 0, &ref, &mem);
	struct tls_stream s;
	struct tls_stream_sink sink = sink_for(&l);
	tls_stream_init(&s, 0);
	const char *ehlo = "EHLO client.example.test\r\n", *starttls = "STARTTLS\r\n";
	tls_stream_feed(&s, (const uint8_t *)ehlo, strlen(ehlo), true, false, &sink, &mem);
	tls_stream_feed(&s, (const uint8_t *)starttls, strlen(starttls), true, false, &sink, &mem);
	CHECK_EQ(s.state, TLS_STREAM_DETECT);
	tls_stream_feed(&s, c2s.p, c2s.len, true, false, &sink, &mem);
	CHECK_EQ(s.state, TLS_STREAM_RECORDS);
	CHECK_EQ(s.scanned, strlen(ehlo) + strlen(starttls));
	/* The sink saw exactly the plaintext, no TLS byte: what STARTTLS detection reads. */
	CHECK_EQ(l.prelude_len, s.scanned);
	CHECK(memcmp(l.prelude, "EHLO client.example.test\r\nSTARTTLS\r\n", l.prelude_len) == 0);
	CHECK_STR(l.text, ref.text);
	tls_stream_free(&s, &mem);

	/* PostgreSQL's server: a 1-byte 'S' segment, held until the ServerHello's segment shows it is
	 * not the start of TLS, then passed on as prelude. */
	struct log ls = {0}, sref = {0};
	run(&s2c, 0, &sref, &mem);
	sink = sink_for(&ls);
	tls_stream_init(&s, 1);
	tls_stream_peer_is_tls(&s);
	tls_stream_feed(&s, (const uint8_t *)"S", 1, true, false, &sink, &mem);
	CHECK_EQ(ls.prelude_len, 0);
	tls_stream_feed(&s, s2c.p, s2c.len, true, false, &sink, &mem);
	CHECK_EQ(s.state, TLS_STREAM_RECORDS);
	CHECK_EQ(ls.prelude_len, 1);
	CHECK_EQ(ls.prelude[0], 'S');
	CHECK_EQ(s.scanned, 1);
	CHECK_STR(ls.text, sref.text);
	tls_stream_free(&s, &mem);
	free(c2s.p);
	free(s2c.p);
}

static void test_not_tls_budget(void)
{
	struct log l = {0};
	size_t mem = 0;
	struct tls_stream s;
	struct tls_stream_sink sink = sink_for(&l);
	tls_stream_init(&s, 0);
	uint8_t junk[1000];
	memset(junk, 'A', sizeof(junk));
	for (int i = 0; i < 100 && s.state == TLS_STREAM_DETECT; i++)
		tls_stream_feed(&s, junk, sizeof(junk), true, false, &sink, &mem);
	CHECK_EQ(s.state, TLS_STREAM_NOT_TLS);
	CHECK(s.scanned > TLS_STARTTLS_SCAN_BYTES);
	CHECK_EQ(l.len, 0);
	tls_stream_free(&s, &mem);
}

static void test_hostile_lengths(void)
{
	struct log l = {0};
	size_t mem = 0, peak = 0;
	struct tls_stream s;
	struct tls_stream_sink sink = sink_for(&l);
	tls_stream_init(&s, 0);
	/* A ClientHello claiming 16 MiB, carried in full-size records. */
	uint8_t rec[5 + 16384];
	memset(rec, 0x41, sizeof(rec));
	rec[0] = 22;
	rec[1] = 3;
	rec[2] = 1;
	rec[3] = 0x40;
	rec[4] = 0x00;
	rec[5] = 1;
	rec[6] = 0xff;
	rec[7] = 0xff;
	rec[8] = 0xff;
	tls_stream_feed(&s, rec, sizeof(rec), true, false, &sink, &mem);
	rec[5] = 0x41;
	size_t left = 0xffffff - (16384 - 4); /* the rest of the message body, exactly */
	while (left > 0) {
		size_t n = left < 16384 ? left : 16384;
		rec[3] = (uint8_t)(n >> 8);
		rec[4] = (uint8_t)n;
		tls_stream_feed(&s, rec, 5 + n, true, false, &sink, &mem);
		left -= n;
		if (mem > peak)
			peak = mem;
	}
	CHECK_EQ(l.anomalies[TLS_ANOM_HANDSHAKE_TOO_LONG], 1);
	CHECK(peak <= TLS_MAX_HANDSHAKE_MSG);
	CHECK_EQ(l.handshakes, 1); /* delivered once, cut at the cap */
	CHECK_EQ(l.last_wire_len, 0xffffff);
	tls_stream_free(&s, &mem);
	CHECK_EQ(mem, 0);

	/* A bad header after a good record: sync lost, reported once. */
	tls_stream_init(&s, 0);
	uint8_t two[] = {22, 3, 3, 0, 4, 14, 0, 0, 0, 0x99, 0x99, 0x99, 0x99, 0x99};
	tls_stream_feed(&s, two, sizeof(two), true, false, &sink, &mem);
	CHECK_EQ(s.state, TLS_STREAM_RESYNC);
	CHECK_EQ(l.anomalies[TLS_ANOM_BAD_RECORD_HEADER], 1);
	tls_stream_free(&s, &mem);
}

/* A record that ends right after a handshake header: the body is in the
 * next record (no bytes are copied until then; found by fuzz_html). */
static void test_header_ends_record(void)
{
	struct log l = {0};
	size_t mem = 0;
	struct tls_stream s;
	struct tls_stream_sink sink = sink_for(&l);
	tls_stream_init(&s, 0);
	uint8_t header_only[] = {22, 3, 3, 0, 4, 11, 0, 0, 5};
	uint8_t body[] = {22, 3, 3, 0, 5, 1, 2, 3, 4, 5};
	tls_stream_feed(&s, header_only, sizeof(header_only), true, false, &sink, &mem);
	CHECK_EQ(l.handshakes, 0);
	CHECK_EQ(s.state, TLS_STREAM_RECORDS);
	tls_stream_feed(&s, body, sizeof(body), true, false, &sink, &mem);
	CHECK_EQ(l.handshakes, 1);
	CHECK(strstr(l.text, "R22/4 R22/5 H11/5 ") != NULL);
	tls_stream_free(&s, &mem);
	CHECK_EQ(mem, 0);
}

static void test_alerts_and_encrypted(void)
{
	struct log l = {0};
	size_t mem = 0;
	struct tls_stream s;
	struct tls_stream_sink sink = sink_for(&l);
	tls_stream_init(&s, 1);
	tls_stream_peer_is_tls(&s);
	/* cleartext fatal handshake_failure, then (after CCS) an encrypted alert */
	uint8_t bytes[] = {21, 3, 3, 0, 2, 2, 40, 20, 3, 3, 0, 1, 1};
	tls_stream_feed(&s, bytes, sizeof(bytes), true, false, &sink, &mem);
	tls_stream_set_encrypted(&s);
	uint8_t enc[5 + 26] = {21, 3, 3, 0, 26};
	tls_stream_feed(&s, enc, sizeof(enc), true, false, &sink, &mem);
	CHECK_STR(l.text, "R21/2 A2/40 R20/1 R21/26 ");
	tls_stream_free(&s, &mem);
}

static void test_sslv2_hello(void)
{
	/* SSLv2 CLIENT-HELLO: len 0x8000|N, type 1, version 3.1, 3 ciphers, no session id, 16-byte challenge
	 */
	uint8_t h[2 + 9 + 9 + 16] = {0x80, 9 + 9 + 16, 1, 3,    1, 0, 9,    0,    0,    0,
	                             16,   0,          0, 0x2f, 0, 0, 0x35, 0x01, 0x00, 0x80};
	struct log l = {0};
	size_t mem = 0;
	struct tls_stream s;
	struct tls_stream_sink sink = sink_for(&l);
	tls_stream_init(&s, 0);
	tls_stream_feed(&s, h, 7, true, false, &sink, &mem);
	tls_stream_feed(&s, h + 7, sizeof(h) - 7, false, false, &sink, &mem);
	CHECK_STR(l.text, "V2/34 ");
	tls_stream_free(&s, &mem);
	CHECK_EQ(mem, 0);
}

/* Collecting encrypted record bodies for decryption (tls_stream_collect_record). */
struct collect {
	struct tls_stream *s;
	uint8_t body[20000];
	uint32_t len;
	uint8_t hdr[5];
	int bodies;
};

static void collect_record(void *ctx, uint8_t dir, uint8_t type, uint16_t version, uint16_t length,
                           bool encrypted)
{
	struct collect *c = ctx;
	if (type == TLS_CT_APPLICATION_DATA)
		tls_stream_collect_record(c->s);
}

static void collect_body(void *ctx, uint8_t dir, const uint8_t hdr[5], const uint8_t *body, uint32_t len)
{
	struct collect *c = ctx;
	c->bodies++;
	memcpy(c->hdr, hdr, 5);
	c->len = len;
	memcpy(c->body, body, len < sizeof(c->body) ? len : sizeof(c->body));
}

static void alert_ignore(void *ctx, uint8_t dir, uint8_t level, uint8_t desc)
{
}

static void sslv2_ignore(void *ctx, uint8_t dir, const uint8_t *body, uint32_t len)
{
}

static void anomaly_ignore(void *ctx, uint8_t dir, enum tls_stream_anomaly a)
{
}

static struct tls_stream_sink collect_sink(struct collect *c)
{
	struct tls_stream_sink s = {c,
	                            collect_record,
	                            on_handshake_ignore,
	                            alert_ignore,
	                            sslv2_ignore,
	                            anomaly_ignore,
	                            NULL,
	                            collect_body,
	                            NULL};
	return s;
}

static void test_collect(void)
{
	/* A handshake record (not asked for), then a 300-byte application_data record. */
	uint8_t wire[5 + 4 + 5 + 300];
	size_t n = 0;
	const uint8_t hs[] = {0x16, 0x03, 0x03, 0x00, 0x04, 0x0e, 0x00, 0x00, 0x00};
	memcpy(wire, hs, sizeof(hs));
	n = sizeof(hs);
	const uint8_t ad[] = {0x17, 0x03, 0x03, 0x01, 0x2c};
	memcpy(wire + n, ad, 5);
	n += 5;
	for (int i = 0; i < 300; i++)
		wire[n++] = (uint8_t)(i * 7);
	size_t cuts[] = {0, 1, 9, 10, 14, 15, 100, n - 1};
	for (size_t k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++) {
		struct tls_stream s;
		struct collect c = {&s, {0}, 0, {0}, 0};
		struct tls_stream_sink sink = collect_sink(&c);
		size_t mem = 0;
		tls_stream_init(&s, 0);
		tls_stream_feed(&s, wire, cuts[k], true, false, &sink, &mem);
		tls_stream_feed(&s, wire + cuts[k], n - cuts[k], cuts[k] == 0, false, &sink, &mem);
		CHECK_EQ(c.bodies, 1);
		CHECK_EQ(c.len, 300);
		CHECK(memcmp(c.body, wire + 14, 300) == 0);
		CHECK(memcmp(c.hdr, ad, 5) == 0);
		tls_stream_free(&s, &mem);
		CHECK_EQ(mem, 0);
	}
	/* Bytes lost inside the record: nothing is handed on. */
	struct tls_stream s;
	struct collect c = {&s, {0}, 0, {0}, 0};
	struct tls_stream_sink sink = collect_sink(&c);
	size_t mem = 0;
	tls_stream_init(&s, 0);
	tls_stream_feed(&s, wire, 100, true, false, &sink, &mem);
	tls_stream_feed(&s, wire + 150, n - 150, false, true, &sink, &mem);
	CHECK_EQ(c.bodies, 0);
	tls_stream_free(&s, &mem);
	CHECK_EQ(mem, 0);
}

/* The stream ends inside a Certificate spanning records: what arrived is handed
 * on once, as a part, and a message that was whole is never handed on again. */
static void test_end_inside_message(void)
{
	uint8_t wire[5 + 4 + 100 + 5 + 50];
	size_t n = 0;
	const uint8_t rec1[] = {0x16, 0x03, 0x03, 0x00, 104, 0x0b, 0x00, 0x01, 0x00}; /* claims 256 */
	memcpy(wire, rec1, sizeof(rec1));
	n = sizeof(rec1);
	for (int i = 0; i < 100; i++)
		wire[n++] = (uint8_t)i;
	const uint8_t rec2[] = {0x16, 0x03, 0x03, 0x00, 50};
	memcpy(wire + n, rec2, 5);
	n += 5;
	for (int i = 0; i < 40; i++) /* the second record itself is cut after 40 of 50 bytes */
		wire[n++] = (uint8_t)(100 + i);
	struct log l = {0};
	struct tls_stream s;
	struct tls_stream_sink sink = sink_for(&l);
	size_t mem = 0;
	tls_stream_init(&s, 1);
	tls_stream_feed(&s, wire, n, true, false, &sink, &mem);
	CHECK_EQ(l.handshakes, 0);
	tls_stream_end(&s, &sink);
	CHECK(strstr(l.text, "P11/140 ") != NULL);
	CHECK_EQ(l.last_wire_len, 256);
	size_t before = l.len;
	tls_stream_end(&s, &sink); /* nothing held any more */
	CHECK_EQ(l.len, before);
	tls_stream_free(&s, &mem);
	CHECK_EQ(mem, 0);

	/* a whole message, then the end: no part */
	const uint8_t whole[] = {0x16, 0x03, 0x03, 0x00, 0x04, 0x0e, 0x00, 0x00, 0x00};
	struct log l2 = {0};
	sink = sink_for(&l2);
	tls_stream_init(&s, 1);
	tls_stream_feed(&s, whole, sizeof(whole), true, false, &sink, &mem);
	tls_stream_end(&s, &sink);
	CHECK_EQ(l2.handshakes, 1);
	CHECK(strstr(l2.text, "P") == NULL);
	tls_stream_free(&s, &mem);
}

int main(void)
{
	test_end_inside_message();
	test_real_streams(TLS1_2_VERSION);
	test_real_streams(TLS1_3_VERSION);
	test_starttls_prelude();
	test_not_tls_budget();
	test_hostile_lengths();
	test_header_ends_record();
	test_alerts_and_encrypted();
	test_sslv2_hello();
	test_collect();
	return check_report("test_tls_stream");
}
