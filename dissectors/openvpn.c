/*
 * openvpn.c - OpenVPN packets, the control channel's wrap, TCP framing and
 * the reliability layer's order, read through the bounded reader.
 */
#include "openvpn.h"

#include <stdlib.h>
#include <string.h>

#include "rd.h"

/* The HMAC sizes of the digests --auth takes for tls-auth: MD5, SHA-1, SHA-224, SHA-256, SHA-384, SHA-512. */
static const uint8_t HMAC_SIZES[] = {16, 20, 28, 32, 48, 64};

#define TLS_CRYPT_TAG_LEN 32 /* tls-crypt's HMAC-SHA256 tag (OpenVPN's tls_crypt.h) */
#define SESSION_ID_LEN 8
/* A replay packet-id (tls-auth, tls-crypt) or message packet-id counts up from 0 or 1 per TLS
 * session: one far from 0 in a packet that should start a tunnel is not one. */
#define PLAUSIBLE_ID_MAX 0x00ffffffu

static const char *const OPCODE_NAMES[] = {
    [OPENVPN_P_CONTROL_HARD_RESET_CLIENT_V1] = "P_CONTROL_HARD_RESET_CLIENT_V1",
    [OPENVPN_P_CONTROL_HARD_RESET_SERVER_V1] = "P_CONTROL_HARD_RESET_SERVER_V1",
    [OPENVPN_P_CONTROL_SOFT_RESET_V1] = "P_CONTROL_SOFT_RESET_V1",
    [OPENVPN_P_CONTROL_V1] = "P_CONTROL_V1",
    [OPENVPN_P_ACK_V1] = "P_ACK_V1",
    [OPENVPN_P_DATA_V1] = "P_DATA_V1",
    [OPENVPN_P_CONTROL_HARD_RESET_CLIENT_V2] = "P_CONTROL_HARD_RESET_CLIENT_V2",
    [OPENVPN_P_CONTROL_HARD_RESET_SERVER_V2] = "P_CONTROL_HARD_RESET_SERVER_V2",
    [OPENVPN_P_DATA_V2] = "P_DATA_V2",
    [OPENVPN_P_CONTROL_HARD_RESET_CLIENT_V3] = "P_CONTROL_HARD_RESET_CLIENT_V3",
    [OPENVPN_P_CONTROL_WKC_V1] = "P_CONTROL_WKC_V1",
};

const char *openvpn_opcode_name(uint8_t opcode)
{
	return opcode < sizeof(OPCODE_NAMES) / sizeof(OPCODE_NAMES[0]) ? OPCODE_NAMES[opcode] : NULL;
}

const char *openvpn_wrap_name(enum openvpn_wrap w)
{
	switch (w) {
	case OPENVPN_WRAP_PLAIN:
		return "plain";
	case OPENVPN_WRAP_TLS_AUTH:
		return "tls-auth";
	case OPENVPN_WRAP_TLS_CRYPT:
		return "tls-crypt";
	case OPENVPN_WRAP_TLS_CRYPT_V2:
		return "tls-crypt-v2";
	default:
		return NULL;
	}
}

bool openvpn_opcode_is_control(uint8_t opcode)
{
	return openvpn_opcode_name(opcode) && opcode != OPENVPN_P_DATA_V1 && opcode != OPENVPN_P_DATA_V2;
}

bool openvpn_opcode_is_hard_reset(uint8_t opcode)
{
	switch (opcode) {
	case OPENVPN_P_CONTROL_HARD_RESET_CLIENT_V1:
	case OPENVPN_P_CONTROL_HARD_RESET_SERVER_V1:
	case OPENVPN_P_CONTROL_HARD_RESET_CLIENT_V2:
	case OPENVPN_P_CONTROL_HARD_RESET_SERVER_V2:
	case OPENVPN_P_CONTROL_HARD_RESET_CLIENT_V3:
		return true;
	default:
		return false;
	}
}

bool openvpn_opcode_is_client_reset(uint8_t opcode)
{
	return opcode == OPENVPN_P_CONTROL_HARD_RESET_CLIENT_V1 ||
	       opcode == OPENVPN_P_CONTROL_HARD_RESET_CLIENT_V2 ||
	       opcode == OPENVPN_P_CONTROL_HARD_RESET_CLIENT_V3;
}

/*
 * The reliability fields after the session id (and the wrap's fields):
 *   uint8 ack_count; uint32 acks[ack_count];
 *   uint64 remote_session_id;            only if ack_count > 0
 *   uint32 message_packet_id;            every control opcode but P_ACK_V1
 *   opaque tls_bytes[rest];
 * Plausible for a hard reset (`strict`): message id 0, a client's ack array empty, a
 * server's acking only id 0 (the client's reset); otherwise any message id below
 * PLAUSIBLE_ID_MAX.
 */
static bool reliability_fields_fit(struct rd *r, uint8_t opcode, bool strict)
{
	uint8_t n = rd_u8(r);
	if (n > OPENVPN_MAX_ACKS || (strict && openvpn_opcode_is_client_reset(opcode) && n))
		return false;
	for (uint8_t i = 0; i < n; i++)
		if (rd_u32(r) != 0 && strict)
			return false;
	if (n)
		rd_skip(r, SESSION_ID_LEN);
	if (opcode != OPENVPN_P_ACK_V1) {
		uint32_t id = rd_u32(r);
		if (strict ? id != 0 : id > PLAUSIBLE_ID_MAX)
			return false;
	}
	return !r->err;
}

/* tls-auth and tls-crypt's replay protection (OpenVPN's packet_id.h, long form): a packet-id
 * counting from 1 and a time_t; neither is 0. */
static bool replay_fields_fit(struct rd *r)
{
	uint32_t id = rd_u32(r);
	uint32_t time = rd_u32(r);
	return !r->err && id != 0 && id <= PLAUSIBLE_ID_MAX && time != 0;
}

/*
 * Layouts of a control packet (ssl_pkt.h):
 *   plain:     op|key_id  session_id[8]  reliability fields
 *   tls-auth:  op|key_id  session_id[8]  hmac[hmac_len]  packet_id[4]  time[4]  reliability fields
 *   tls-crypt: op|key_id  session_id[8]  packet_id[4]  time[4]  tag[32]  encrypted fields
 */
struct openvpn_layout openvpn_detect_layout(const uint8_t *p, size_t len, bool strict)
{
	struct openvpn_layout none = {OPENVPN_WRAP_UNKNOWN, 0};
	if (len < 1 + SESSION_ID_LEN)
		return none;
	uint8_t opcode = p[0] >> 3;
	if (!openvpn_opcode_is_control(opcode))
		return none;
	bool tls_crypt_v2 =
	    opcode == OPENVPN_P_CONTROL_HARD_RESET_CLIENT_V3 || opcode == OPENVPN_P_CONTROL_WKC_V1;
	struct rd r = rd_init(p + 1 + SESSION_ID_LEN, len - 1 - SESSION_ID_LEN);
	if (!tls_crypt_v2) {
		if (reliability_fields_fit(&r, opcode, strict))
			return (struct openvpn_layout){OPENVPN_WRAP_PLAIN, 0};
		for (size_t i = 0; i < sizeof(HMAC_SIZES); i++) {
			r = rd_init(p + 1 + SESSION_ID_LEN, len - 1 - SESSION_ID_LEN);
			rd_skip(&r, HMAC_SIZES[i]);
			if (replay_fields_fit(&r) && reliability_fields_fit(&r, opcode, strict))
				return (struct openvpn_layout){OPENVPN_WRAP_TLS_AUTH, HMAC_SIZES[i]};
		}
	}
	/* Encrypted fields: at least an ack count, and a message id for all but P_ACK_V1. */
	r = rd_init(p + 1 + SESSION_ID_LEN, len - 1 - SESSION_ID_LEN);
	if (replay_fields_fit(&r) && rd_skip(&r, TLS_CRYPT_TAG_LEN) &&
	    rd_left(&r) >= (opcode == OPENVPN_P_ACK_V1 ? 1u : 5u))
		return (struct openvpn_layout){
		    tls_crypt_v2 ? OPENVPN_WRAP_TLS_CRYPT_V2 : OPENVPN_WRAP_TLS_CRYPT, 0};
	return none;
}

enum ts_status openvpn_packet_parse(const uint8_t *p, size_t len, struct openvpn_layout layout,
                                    struct openvpn_packet *out)
{
	memset(out, 0, sizeof(*out));
	struct rd r = rd_init(p, len);
	uint8_t first = rd_u8(&r);
	if (r.err)
		return TS_MALFORMED;
	out->opcode = first >> 3;
	out->key_id = first & 7;
	if (!openvpn_opcode_name(out->opcode))
		return TS_MALFORMED;
	out->control = openvpn_opcode_is_control(out->opcode);
	if (!out->control)
		return TS_OK; /* data channel: encrypted with keys the TLS session exported */
	const uint8_t *sid = rd_bytes(&r, SESSION_ID_LEN);
	if (!sid)
		return TS_MALFORMED;
	for (int i = 0; i < SESSION_ID_LEN; i++)
		out->session_id = out->session_id << 8 | sid[i];
	switch (layout.wrap) {
	case OPENVPN_WRAP_PLAIN:
		break;
	case OPENVPN_WRAP_TLS_AUTH:
		rd_skip(&r, layout.hmac_len);
		rd_skip(&r, 8); /* replay packet-id and time */
		break;
	case OPENVPN_WRAP_TLS_CRYPT:
	case OPENVPN_WRAP_TLS_CRYPT_V2:
		return rd_skip(&r, 8 + TLS_CRYPT_TAG_LEN) ? TS_OK : TS_MALFORMED;
	default:
		return TS_MALFORMED;
	}
	uint8_t n = rd_u8(&r);
	if (r.err || n > OPENVPN_MAX_ACKS)
		return TS_MALFORMED;
	out->ack_count = n;
	for (uint8_t i = 0; i < n; i++)
		out->acks[i] = rd_u32(&r);
	if (n)
		rd_skip(&r, SESSION_ID_LEN); /* the peer's session id */
	if (out->opcode != OPENVPN_P_ACK_V1) {
		out->has_message_id = true;
		out->message_id = rd_u32(&r);
	}
	if (r.err)
		return TS_MALFORMED;
	out->readable = true;
	out->payload_len = rd_left(&r);
	out->payload = out->payload_len ? rd_bytes(&r, out->payload_len) : NULL;
	return TS_OK;
}

bool openvpn_looks_like_start(const uint8_t *p, size_t len, bool tcp)
{
	struct rd r = rd_init(p, len);
	size_t plen = len;
	if (tcp) {
		plen = rd_u16(&r);
		if (r.err || plen > rd_left(&r))
			return false;
		p += 2;
	}
	if (plen < 1 + SESSION_ID_LEN + 5)
		return false;
	uint8_t opcode = p[0] >> 3;
	if ((p[0] & 7) != 0 || (opcode != OPENVPN_P_CONTROL_HARD_RESET_CLIENT_V2 &&
	                        opcode != OPENVPN_P_CONTROL_HARD_RESET_CLIENT_V3))
		return false;
	/* A session id is 8 random bytes (OpenVPN's session_id_random): all zero is other bytes. */
	static const uint8_t zero_id[SESSION_ID_LEN];
	if (!memcmp(p + 1, zero_id, SESSION_ID_LEN))
		return false;
	return openvpn_detect_layout(p, plen, true).wrap != OPENVPN_WRAP_UNKNOWN;
}

/* ---- TCP: packet = uint16 length, then that many bytes ---- */

static void framer_next(struct openvpn_framer *fr)
{
	fr->len_have = 0;
	fr->need = fr->have = 0;
	fr->skipping = false;
}

enum ts_status openvpn_framer_feed(struct openvpn_framer *fr, const uint8_t *data, size_t len,
                                   openvpn_packet_fn fn, void *ctx, size_t *mem)
{
	while (len && !fr->lost) {
		if (fr->len_have < 2) {
			fr->len_bytes[fr->len_have++] = *data++;
			len--;
			if (fr->len_have == 2) {
				fr->need = (uint16_t)(fr->len_bytes[0] << 8 | fr->len_bytes[1]);
				if (!fr->need)
					framer_next(fr); /* an empty packet: nothing to read */
			}
			continue;
		}
		if (fr->have == 0) {
			uint8_t opcode = data[0] >> 3;
			fr->skipping =
			    !openvpn_opcode_is_control(opcode) || fr->need > OPENVPN_MAX_CONTROL_PACKET;
			if (fr->skipping) {
				fr->skipped++;
				if (openvpn_opcode_is_control(opcode))
					fr->too_long++;
				fn(ctx, data, 1, false);
			} else if (len >= fr->need) {
				fn(ctx, data, fr->need, true); /* whole in this delivery: no copy */
				data += fr->need;
				len -= fr->need;
				framer_next(fr);
				continue;
			} else if (!fr->buf) {
				fr->buf = malloc(OPENVPN_MAX_CONTROL_PACKET);
				if (!fr->buf) {
					fr->lost = true;
					return TS_NOMEM;
				}
				*mem += OPENVPN_MAX_CONTROL_PACKET;
			}
		}
		size_t take = (size_t)(fr->need - fr->have) < len ? (size_t)(fr->need - fr->have) : len;
		if (!fr->skipping)
			memcpy(fr->buf + fr->have, data, take);
		fr->have = (uint16_t)(fr->have + take);
		data += take;
		len -= take;
		if (fr->have == fr->need) {
			if (!fr->skipping)
				fn(ctx, fr->buf, fr->need, true);
			framer_next(fr);
		}
	}
	return TS_OK;
}

void openvpn_framer_lost(struct openvpn_framer *fr)
{
	fr->lost = true;
}

void openvpn_framer_free(struct openvpn_framer *fr, size_t *mem)
{
	if (fr->buf) {
		free(fr->buf);
		*mem -= OPENVPN_MAX_CONTROL_PACKET;
		fr->buf = NULL;
	}
}

/* ---- the reliability layer: message packet-ids back in order ---- */

/* An id past the one awaited by more than this is not a retransmission window's (OpenVPN
 * holds 8): garbage, or a capture that lost thousands of packets. */
#define REORDER_MAX_AHEAD 65536u

void openvpn_reorder_start(struct openvpn_reorder *r, uint32_t first_id)
{
	r->started = true;
	r->next_id = first_id;
}

static void release(struct openvpn_reorder *r, uint8_t i, size_t *mem)
{
	free(r->pending[i].bytes);
	*mem -= r->pending[i].len;
	r->pending[i] = r->pending[--r->pending_count];
}

/* Hand on the held ids that follow the one awaited, in order. */
static void deliver_held(struct openvpn_reorder *r, bool after_gap, openvpn_bytes_fn fn, void *ctx,
                         size_t *mem)
{
	for (bool found = true; found;) {
		found = false;
		for (uint8_t i = 0; i < r->pending_count; i++) {
			if (r->pending[i].id != r->next_id)
				continue;
			fn(ctx, r->pending[i].bytes, r->pending[i].len, after_gap);
			after_gap = false;
			release(r, i, mem);
			r->next_id++;
			found = true;
			break;
		}
	}
}

/* Give up on the ids before the nearest one held: it and those after it go on after a gap. */
static void skip_to_nearest(struct openvpn_reorder *r, openvpn_bytes_fn fn, void *ctx, size_t *mem)
{
	uint32_t nearest = UINT32_MAX;
	for (uint8_t i = 0; i < r->pending_count; i++) {
		uint32_t ahead = r->pending[i].id - r->next_id;
		if (ahead < nearest)
			nearest = ahead;
	}
	r->dropped += nearest;
	r->next_id += nearest;
	deliver_held(r, true, fn, ctx, mem);
}

enum ts_status openvpn_reorder_add(struct openvpn_reorder *r, uint32_t id, const uint8_t *p, size_t len,
                                   openvpn_bytes_fn fn, void *ctx, size_t *mem)
{
	if (!r->started)
		openvpn_reorder_start(r, id);
	uint32_t ahead = id - r->next_id;
	if (ahead >= UINT32_MAX / 2) { /* before the one awaited: delivered already */
		r->duplicates++;
		return TS_OK;
	}
	if (ahead == 0) {
		fn(ctx, p, len, false);
		r->next_id++;
		deliver_held(r, false, fn, ctx, mem);
		return TS_OK;
	}
	if (ahead > REORDER_MAX_AHEAD) {
		r->too_far++;
		return TS_OK;
	}
	for (uint8_t i = 0; i < r->pending_count; i++) {
		if (r->pending[i].id == id) {
			r->duplicates++;
			return TS_OK;
		}
	}
	if (len > OPENVPN_MAX_CONTROL_PACKET) {
		r->dropped++; /* too long to hold: the ids after it wait, then go on after a gap */
		return TS_OK;
	}
	while (r->pending_count == OPENVPN_MAX_PENDING) {
		skip_to_nearest(r, fn, ctx, mem);
		if (id - r->next_id >= UINT32_MAX / 2) {
			r->dropped++; /* given up on just now */
			return TS_OK;
		}
		if (id == r->next_id)
			return openvpn_reorder_add(r, id, p, len, fn, ctx, mem);
	}
	uint8_t *copy = NULL;
	if (len) {
		copy = malloc(len);
		if (!copy)
			return TS_NOMEM;
		memcpy(copy, p, len);
	}
	r->pending[r->pending_count].id = id;
	r->pending[r->pending_count].len = (uint16_t)len;
	r->pending[r->pending_count].bytes = copy;
	r->pending_count++;
	r->reordered++;
	*mem += len;
	return TS_OK;
}

void openvpn_reorder_flush(struct openvpn_reorder *r, openvpn_bytes_fn fn, void *ctx, size_t *mem)
{
	while (r->pending_count)
		skip_to_nearest(r, fn, ctx, mem);
}

void openvpn_reorder_free(struct openvpn_reorder *r, size_t *mem)
{
	while (r->pending_count)
		release(r, 0, mem);
}
