/*
 * test_openvpn.c - OpenVPN packets (dissectors/openvpn.h): the hard resets of
 * real openvpn 2.6 tunnels (tests/wild/: plain, tls-auth with HMAC-SHA256,
 * tls-crypt) and hand-made hostile packets: every prefix, lengths past the
 * end, ack arrays past the end or over OpenVPN's 8, TCP framing split at
 * every byte, and message packet-ids duplicated, reordered, missing and far
 * ahead. Each input sits in a buffer of its exact size, so the sanitizer
 * build catches any read past it.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "openvpn.h"

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (; h[0] && h[1] && n < cap; h += 2) {
		unsigned v;
		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static uint8_t *exact(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	memcpy(c, p, n);
	return c;
}

static struct openvpn_layout detect_exact(const uint8_t *p, size_t n, bool strict)
{
	uint8_t *c = exact(p, n);
	struct openvpn_layout l = openvpn_detect_layout(c, n, strict);
	free(c);
	return l;
}

static enum ts_status parse_exact(const uint8_t *p, size_t n, struct openvpn_layout l,
                                  struct openvpn_packet *pk)
{
	uint8_t *c = exact(p, n);
	enum ts_status st = openvpn_packet_parse(c, n, l, pk);
	if (st == TS_OK && pk->payload_len)
		CHECK(pk->payload >= c && pk->payload + pk->payload_len == c + n);
	pk->payload = NULL; /* the copy goes now */
	free(c);
	return st;
}

/* The client's first packet of each real capture (UDP payload; the TCP one without its length). */
static const char *const PLAIN_RESET = "38aff0d3ac3b2f0a680000000000";
static const char *const SERVER_RESET = "406b59f5ad155d791c0100000000aff0d3ac3b2f0a6800000000";
static const char *const TLS_AUTH_RESET =
    "384225c4857194dffea5874df0ea9984b3a066bab19f1ded9fbb8c75e3068c2cdb22e150ae0cd"
    "20766000000016b171ef50000000000";
static const char *const TLS_CRYPT_RESET =
    "3849e22878a4769f32000000016b171ef9f8692f8d741936e0900d5bfe5a9b25d60c50ccfd676bd138"
    "ab8b86cdd09737f092b24573b5";

static void test_layouts(void)
{
	uint8_t b[128];
	size_t n = unhex(PLAIN_RESET, b, sizeof(b));
	struct openvpn_layout l = detect_exact(b, n, true);
	CHECK_EQ(l.wrap, OPENVPN_WRAP_PLAIN);
	for (size_t k = 0; k < n; k++)
		CHECK_EQ(detect_exact(b, k, true).wrap, OPENVPN_WRAP_UNKNOWN);
	struct openvpn_packet pk;
	CHECK(parse_exact(b, n, l, &pk) == TS_OK);
	CHECK(pk.opcode == OPENVPN_P_CONTROL_HARD_RESET_CLIENT_V2 && pk.key_id == 0 && pk.readable);
	CHECK(pk.session_id == 0xaff0d3ac3b2f0a68ull && pk.ack_count == 0 && pk.has_message_id &&
	      pk.message_id == 0);
	CHECK_EQ(pk.payload_len, 0);

	n = unhex(SERVER_RESET, b, sizeof(b));
	CHECK_EQ(detect_exact(b, n, true).wrap, OPENVPN_WRAP_PLAIN);
	CHECK(parse_exact(b, n, l, &pk) == TS_OK);
	CHECK(pk.opcode == OPENVPN_P_CONTROL_HARD_RESET_SERVER_V2 && pk.ack_count == 1 && pk.acks[0] == 0);

	n = unhex(TLS_AUTH_RESET, b, sizeof(b));
	l = detect_exact(b, n, true);
	CHECK(l.wrap == OPENVPN_WRAP_TLS_AUTH && l.hmac_len == 32);
	CHECK(parse_exact(b, n, l, &pk) == TS_OK && pk.readable && pk.message_id == 0 && pk.payload_len == 0);
	/* Read as plain, the HMAC's first byte is an ack count of 0xa5: over OpenVPN's 8. */
	CHECK(parse_exact(b, n, (struct openvpn_layout){OPENVPN_WRAP_PLAIN, 0}, &pk) == TS_MALFORMED);
	for (size_t k = 0; k < n; k++) {
		struct openvpn_layout p = detect_exact(b, k, true);
		CHECK(p.wrap != OPENVPN_WRAP_PLAIN && p.wrap != OPENVPN_WRAP_TLS_AUTH);
	}

	n = unhex(TLS_CRYPT_RESET, b, sizeof(b));
	l = detect_exact(b, n, true);
	CHECK_EQ(l.wrap, OPENVPN_WRAP_TLS_CRYPT);
	CHECK(parse_exact(b, n, l, &pk) == TS_OK && !pk.readable && pk.payload_len == 0);
	/* tls-crypt-v2's opcode says so, if the clear fields fit. */
	b[0] = OPENVPN_P_CONTROL_HARD_RESET_CLIENT_V3 << 3;
	CHECK_EQ(detect_exact(b, n, true).wrap, OPENVPN_WRAP_TLS_CRYPT_V2);
	b[0] = OPENVPN_P_CONTROL_HARD_RESET_CLIENT_V2 << 3;
	CHECK_EQ(detect_exact(b, 9 + 8 + 32, true).wrap, OPENVPN_WRAP_UNKNOWN); /* no encrypted fields */

	/* Every single-byte corruption of the real resets is answered within the bytes. */
	const char *const all[] = {PLAIN_RESET, SERVER_RESET, TLS_AUTH_RESET, TLS_CRYPT_RESET};
	for (size_t i = 0; i < 4; i++) {
		n = unhex(all[i], b, sizeof(b));
		for (size_t k = 0; k < n; k++) {
			uint8_t c[128];
			memcpy(c, b, n);
			c[k] ^= 0x5a;
			struct openvpn_layout p = detect_exact(c, n, k % 2);
			enum ts_status st = parse_exact(c, n, p, &pk);
			CHECK(st == TS_OK || st == TS_MALFORMED);
			CHECK(st != TS_OK || p.wrap != OPENVPN_WRAP_UNKNOWN || !pk.control);
		}
	}
}

/* A P_CONTROL_V1 (plain): session id, `acks` acked ids and the peer's session id, message id, payload. */
static size_t control_packet(uint8_t *b, uint8_t key_id, uint8_t acks, uint32_t id, const char *payload)
{
	size_t n = 0;
	b[n++] = (uint8_t)(OPENVPN_P_CONTROL_V1 << 3 | key_id);
	memcpy(b + n, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	n += 8;
	b[n++] = acks;
	for (uint8_t i = 0; i < acks; i++) {
		memcpy(b + n, "\x00\x00\x00", 3);
		b[n + 3] = i;
		n += 4;
	}
	if (acks) {
		memcpy(b + n, "\x99\xaa\xbb\xcc\xdd\xee\xff\x00", 8);
		n += 8;
	}
	b[n++] = (uint8_t)(id >> 24);
	b[n++] = (uint8_t)(id >> 16);
	b[n++] = (uint8_t)(id >> 8);
	b[n++] = (uint8_t)id;
	memcpy(b + n, payload, strlen(payload));
	return n + strlen(payload);
}

static void test_control_packets(void)
{
	struct openvpn_layout plain = {OPENVPN_WRAP_PLAIN, 0};
	struct openvpn_packet pk;
	uint8_t b[256];
	size_t n = control_packet(b, 1, 2, 7, "\x16\x03\x01hello");
	CHECK(parse_exact(b, n, plain, &pk) == TS_OK);
	CHECK(pk.opcode == OPENVPN_P_CONTROL_V1 && pk.key_id == 1 && pk.ack_count == 2 && pk.acks[1] == 1);
	CHECK(pk.message_id == 7 && pk.payload_len == 8);
	CHECK_EQ(detect_exact(b, n, false).wrap, OPENVPN_WRAP_PLAIN);
	CHECK_EQ(detect_exact(b, n, true).wrap, OPENVPN_WRAP_UNKNOWN); /* acks ids but 0: no reset */
	/* Cut anywhere before the payload: malformed, never read past. */
	for (size_t k = 0; k < n - 8; k++)
		CHECK(parse_exact(b, k, plain, &pk) == TS_MALFORMED);
	for (size_t k = n - 8; k <= n; k++)
		CHECK(parse_exact(b, k, plain, &pk) == TS_OK && pk.payload_len == k - (n - 8));
	/* An ack array claiming more ids than the packet holds, or more than OpenVPN's 8. */
	n = control_packet(b, 0, 0, 1, "");
	b[9] = 8;
	CHECK(parse_exact(b, n, plain, &pk) == TS_MALFORMED);
	n = control_packet(b, 0, 8, 1, "x");
	CHECK(parse_exact(b, n, plain, &pk) == TS_OK && pk.ack_count == 8 && pk.payload_len == 1);
	b[9] = 9;
	CHECK(parse_exact(b, n, plain, &pk) == TS_MALFORMED);
	b[9] = 0xff;
	CHECK(parse_exact(b, n, plain, &pk) == TS_MALFORMED);
	CHECK_EQ(detect_exact(b, n, false).wrap, OPENVPN_WRAP_UNKNOWN);
	/* P_ACK_V1 has no message id; data packets only their opcode; unknown opcodes are not OpenVPN. */
	n = control_packet(b, 0, 1, 0, "");
	b[0] = OPENVPN_P_ACK_V1 << 3;
	CHECK(parse_exact(b, n - 4, plain, &pk) == TS_OK && !pk.has_message_id && pk.payload_len == 0);
	b[0] = OPENVPN_P_DATA_V2 << 3;
	CHECK(parse_exact(b, 1, plain, &pk) == TS_OK && !pk.control);
	for (unsigned op = 12; op < 32; op++) {
		b[0] = (uint8_t)(op << 3);
		CHECK(parse_exact(b, n, plain, &pk) == TS_MALFORMED);
		CHECK_EQ(detect_exact(b, n, false).wrap, OPENVPN_WRAP_UNKNOWN);
	}
	b[0] = 0;
	CHECK(parse_exact(b, n, plain, &pk) == TS_MALFORMED);
	CHECK(parse_exact(b, 0, plain, &pk) == TS_MALFORMED);
	/* A layout not learned yet reads nothing. */
	n = control_packet(b, 0, 0, 1, "x");
	CHECK(parse_exact(b, n, (struct openvpn_layout){OPENVPN_WRAP_UNKNOWN, 0}, &pk) == TS_MALFORMED);
}

static void test_looks_like_start(void)
{
	uint8_t b[128], t[130];
	size_t n = unhex(PLAIN_RESET, b, sizeof(b));
	CHECK(openvpn_looks_like_start(b, n, false));
	t[0] = 0;
	t[1] = (uint8_t)n;
	memcpy(t + 2, b, n);
	uint8_t *c = exact(t, n + 2);
	CHECK(openvpn_looks_like_start(c, n + 2, true));
	for (size_t k = 0; k < n + 2; k++)
		CHECK(!openvpn_looks_like_start(c, k, true)); /* the whole packet must be there */
	free(c);
	t[1] = 0xff; /* a length past the bytes */
	CHECK(!openvpn_looks_like_start(t, n + 2, true));
	t[0] = t[1] = 0;
	CHECK(!openvpn_looks_like_start(t, n + 2, true));
	b[0] |= 1; /* key id 1: not a tunnel's first packet */
	CHECK(!openvpn_looks_like_start(b, n, false));
	/* The server's reset is not the client's first bytes; key method 1's went with OpenVPN 2.5. */
	b[0] = OPENVPN_P_CONTROL_HARD_RESET_SERVER_V2 << 3;
	CHECK(!openvpn_looks_like_start(b, n, false));
	b[0] = OPENVPN_P_CONTROL_HARD_RESET_CLIENT_V1 << 3;
	CHECK(!openvpn_looks_like_start(b, n, false));
	b[0] = OPENVPN_P_CONTROL_HARD_RESET_CLIENT_V2 << 3;
	CHECK(openvpn_looks_like_start(b, n, false));
	memset(b + 1, 0, 8); /* zeros where the random session id goes: other bytes */
	CHECK(!openvpn_looks_like_start(b, n, false));
	CHECK(!openvpn_looks_like_start(
	    (const uint8_t *)"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x00\x00\x00", 14, false));
}

struct collected {
	size_t packets, whole, bytes;
	uint8_t first[8];
};

static void on_packet(void *ctx, const uint8_t *p, size_t len, bool whole)
{
	struct collected *c = ctx;
	if (c->packets < sizeof(c->first))
		c->first[c->packets] = p[0];
	c->packets++;
	c->whole += whole;
	c->bytes += len;
}

static void test_framer(void)
{
	/* control (19 bytes), data (5), control too long for OPENVPN_MAX_CONTROL_PACKET, empty, control. */
	static uint8_t stream[2 + 19 + 2 + 5 + 2 + OPENVPN_MAX_CONTROL_PACKET + 1 + 2 + 2 + 14];
	uint8_t pkt[64];
	size_t n = 0, k = control_packet(pkt, 0, 0, 1, "abcde");
	stream[n++] = 0;
	stream[n++] = (uint8_t)k;
	memcpy(stream + n, pkt, k);
	n += k;
	memcpy(stream + n, "\x00\x05\x48\x00\x00\x01\xff", 7);
	n += 7;
	stream[n++] = (OPENVPN_MAX_CONTROL_PACKET + 1) >> 8;
	stream[n++] = (OPENVPN_MAX_CONTROL_PACKET + 1) & 0xff;
	stream[n] = OPENVPN_P_CONTROL_V1 << 3;
	n += OPENVPN_MAX_CONTROL_PACKET + 1;
	stream[n++] = 0;
	stream[n++] = 0;
	k = unhex(PLAIN_RESET, pkt, sizeof(pkt));
	stream[n++] = 0;
	stream[n++] = (uint8_t)k;
	memcpy(stream + n, pkt, k);
	n += k;
	CHECK_EQ(n, sizeof(stream));
	/* Whole, then split at every byte, then byte by byte: the same packets. */
	for (size_t split = 0; split <= n + 1; split++) {
		struct openvpn_framer fr = {0};
		struct collected got = {0};
		size_t mem = 0;
		if (split == n + 1) {
			for (size_t i = 0; i < n; i++)
				CHECK(openvpn_framer_feed(&fr, stream + i, 1, on_packet, &got, &mem) ==
				      TS_OK);
		} else {
			CHECK(openvpn_framer_feed(&fr, stream, split, on_packet, &got, &mem) == TS_OK);
			CHECK(openvpn_framer_feed(&fr, stream + split, n - split, on_packet, &got, &mem) ==
			      TS_OK);
		}
		CHECK_EQ(got.packets, 4);
		CHECK_EQ(got.whole, 2);
		CHECK_EQ(got.bytes, 19 + 1 + 1 + 14);
		CHECK(got.first[0] == OPENVPN_P_CONTROL_V1 << 3 && got.first[1] == 0x48 &&
		      got.first[3] == 0x38);
		CHECK(fr.skipped == 2 && fr.too_long == 1);
		openvpn_framer_free(&fr, &mem);
		CHECK_EQ(mem, 0);
	}
	/* After lost bytes the boundaries are unknown: nothing more is cut. */
	struct openvpn_framer fr = {0};
	struct collected got = {0};
	size_t mem = 0;
	openvpn_framer_lost(&fr);
	CHECK(openvpn_framer_feed(&fr, stream, n, on_packet, &got, &mem) == TS_OK && got.packets == 0);
	/* A length prefix cut mid-way, then a claim of 65535 that never ends: nothing handed on. */
	struct openvpn_framer fr2 = {0};
	CHECK(openvpn_framer_feed(&fr2, (const uint8_t *)"\xff", 1, on_packet, &got, &mem) == TS_OK);
	CHECK(openvpn_framer_feed(&fr2, (const uint8_t *)"\xff\x20\x01\x02", 4, on_packet, &got, &mem) ==
	      TS_OK);
	CHECK(got.packets == 1 && got.whole == 0); /* counted, skipped: longer than the cap */
	openvpn_framer_free(&fr2, &mem);
	CHECK_EQ(mem, 0);
}

struct delivered {
	uint32_t ids[64];
	bool gap[64];
	size_t count;
};

static void on_bytes(void *ctx, const uint8_t *p, size_t len, bool after_gap)
{
	struct delivered *d = ctx;
	CHECK(len == 4);
	if (d->count < 64 && len == 4) {
		d->ids[d->count] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		d->gap[d->count++] = after_gap;
	}
}

/* The payload of id i is i itself, so the order delivered is visible. */
static void add(struct openvpn_reorder *r, uint32_t id, struct delivered *d, size_t *mem)
{
	uint8_t p[4] = {(uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id};
	uint8_t *c = exact(p, 4);
	CHECK(openvpn_reorder_add(r, id, c, 4, on_bytes, d, mem) == TS_OK);
	free(c);
}

static void test_reorder(void)
{
	struct openvpn_reorder r = {0};
	struct delivered d = {0};
	size_t mem = 0;
	openvpn_reorder_start(&r, 0);
	const uint32_t ids[] = {0, 2, 1, 1, 0, 3, 5, 5, 4, 2};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		add(&r, ids[i], &d, &mem);
	CHECK_EQ(d.count, 6);
	for (uint32_t i = 0; i < 6 && i < d.count; i++)
		CHECK(d.ids[i] == i && !d.gap[i]);
	CHECK(r.duplicates == 4 && r.reordered == 2 && r.dropped == 0 && r.pending_count == 0 && mem == 0);

	/* Id 6 never comes: OPENVPN_MAX_PENDING are held, the next one gives it up. */
	d.count = 0;
	for (uint32_t id = 7; id < 7 + OPENVPN_MAX_PENDING; id++)
		add(&r, id, &d, &mem);
	CHECK(d.count == 0 && r.pending_count == OPENVPN_MAX_PENDING && mem == 4 * OPENVPN_MAX_PENDING);
	add(&r, 7 + OPENVPN_MAX_PENDING + 1, &d, &mem); /* 24: 23 is missing too */
	CHECK_EQ(d.count, OPENVPN_MAX_PENDING);
	CHECK(d.ids[0] == 7 && d.gap[0] && !d.gap[1] &&
	      d.ids[OPENVPN_MAX_PENDING - 1] == 6 + OPENVPN_MAX_PENDING);
	CHECK(r.dropped == 1 && r.pending_count == 1 && r.next_id == 7 + OPENVPN_MAX_PENDING);
	add(&r, 6, &d, &mem); /* the lost one, late: already given up */
	CHECK(r.duplicates == 5);
	/* Far past any window: ignored, nothing held. */
	add(&r, 0x7fff0000u, &d, &mem);
	CHECK(r.too_far == 1 && r.pending_count == 1);
	/* The end: what is held goes on after a gap. */
	d.count = 0;
	openvpn_reorder_flush(&r, on_bytes, &d, &mem);
	CHECK(d.count == 1 && d.ids[0] == 24 && d.gap[0] && r.dropped == 2 && mem == 0);

	/* Ids that wrap past 2^32 keep their order; free gives back what is held. */
	struct openvpn_reorder w = {0};
	d.count = 0;
	openvpn_reorder_start(&w, 0xfffffffeu);
	add(&w, 0xffffffffu, &d, &mem);
	add(&w, 0, &d, &mem);
	add(&w, 0xfffffffeu, &d, &mem);
	CHECK(d.count == 3 && d.ids[0] == 0xfffffffeu && d.ids[2] == 0);
	add(&w, 5, &d, &mem);
	CHECK(w.pending_count == 1 && mem == 4);
	openvpn_reorder_free(&w, &mem);
	CHECK(w.pending_count == 0 && mem == 0);
	/* Too long to hold: counted as lost, not copied. */
	static uint8_t big[OPENVPN_MAX_CONTROL_PACKET + 1];
	CHECK(openvpn_reorder_add(&w, 9, big, sizeof(big), on_bytes, &d, &mem) == TS_OK && mem == 0);
}

int main(void)
{
	test_layouts();
	test_control_packets();
	test_looks_like_start();
	test_framer();
	test_reorder();
	CHECK(strcmp(openvpn_wrap_name(OPENVPN_WRAP_TLS_AUTH), "tls-auth") == 0 &&
	      !openvpn_wrap_name(OPENVPN_WRAP_UNKNOWN));
	CHECK(openvpn_opcode_name(OPENVPN_P_DATA_V2) && !openvpn_opcode_name(0) && !openvpn_opcode_name(31));
	return check_report("test_openvpn");
}
