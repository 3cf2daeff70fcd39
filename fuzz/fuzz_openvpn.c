/*
 * fuzz_openvpn.c - libFuzzer harness for the OpenVPN dissector: packets,
 * the control channel's wrap, TCP framing and the message packet-id order.
 *
 * The first input byte says whether the chunks that follow are TCP stream
 * bytes (bit 0: cut by the framer, fed in pieces of the size in bits 1-7)
 * or UDP datagrams. Each chunk is a direction byte, a 2-byte length and its
 * bytes. Every packet goes through layout detection (from the first control
 * packet, as the session does), the parser and the reorder buffer; the
 * invariants the callers rely on are checked, and all memory is given back.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "openvpn.h"
#include "rd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tunnel {
	struct openvpn_layout layout;
	struct openvpn_reorder reorder[2];
	uint8_t dir;
	size_t mem;
	size_t tls_bytes;
};

static void on_bytes(void *ctx, const uint8_t *p, size_t len, bool after_gap)
{
	struct tunnel *t = ctx;
	(void)after_gap;
	for (size_t i = 0; i < len; i++)
		t->tls_bytes += p[i] & 1; /* every byte handed on is readable */
}

static void on_packet(void *ctx, const uint8_t *p, size_t len, bool whole)
{
	struct tunnel *t = ctx;
	if (!whole)
		return;
	if (t->layout.wrap == OPENVPN_WRAP_UNKNOWN && len)
		t->layout = openvpn_detect_layout(p, len, openvpn_opcode_is_hard_reset(p[0] >> 3));
	struct openvpn_packet pk;
	if (openvpn_packet_parse(p, len, t->layout, &pk) != TS_OK)
		return;
	if (pk.ack_count > OPENVPN_MAX_ACKS ||
	    (pk.payload_len && (pk.payload < p || pk.payload + pk.payload_len > p + len)))
		abort();
	if (pk.readable && pk.has_message_id)
		openvpn_reorder_add(&t->reorder[t->dir], pk.message_id, pk.payload, pk.payload_len, on_bytes,
		                    t, &t->mem);
	if (t->reorder[t->dir].pending_count > OPENVPN_MAX_PENDING)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool tcp = data[0] & 1;
	size_t piece = (size_t)(data[0] >> 1) + 1;
	struct tunnel t = {0};
	struct openvpn_framer fr[2];
	memset(fr, 0, sizeof(fr));
	struct rd r = rd_init(data + 1, size - 1);
	for (unsigned chunks = 0; rd_left(&r) && chunks < 4096; chunks++) {
		t.dir = rd_u8(&r) & 1;
		struct rd c = rd_vec16(&r);
		if (r.err)
			break;
		if (!tcp) {
			on_packet(&t, c.p, c.len, true);
			continue;
		}
		for (size_t off = 0; off < c.len; off += piece)
			openvpn_framer_feed(&fr[t.dir], c.p + off, c.len - off < piece ? c.len - off : piece,
			                    on_packet, &t, &t.mem);
	}
	for (uint8_t dir = 0; dir < 2; dir++) {
		t.dir = dir;
		openvpn_reorder_flush(&t.reorder[dir], on_bytes, &t, &t.mem);
		openvpn_reorder_free(&t.reorder[dir], &t.mem);
		openvpn_framer_free(&fr[dir], &t.mem);
	}
	if (t.mem != 0)
		abort();
	return 0;
}
