/*
 * openvpn.h - the OpenVPN wire format that carries a TLS handshake (OpenVPN's
 * control channel, doc/doxygen/doc_protocol_overview.h and ssl_pkt.h of
 * OpenVPN 2.x; Wireshark's packet-openvpn.c reads the same fields).
 *
 * Owns three things, none of which knows of flows or of TLS:
 *  - reading one OpenVPN packet (opcode and key id, session id, the
 *    tls-auth HMAC and replay id when there is one, the ack array, the
 *    message packet-id and the TLS bytes it carries);
 *  - telling how the control channel is wrapped (plain, tls-auth with an
 *    HMAC of some size, tls-crypt), learned from the hard-reset packets;
 *  - the two ways packets arrive: over TCP each is prefixed by its 2-byte
 *    length (openvpn_framer, a push parser across segments), over UDP one
 *    per datagram; and the reliability layer's retransmissions and
 *    reordering, undone by openvpn_reorder (each message packet-id once, in
 *    order, with OPENVPN_MAX_PENDING held ahead).
 */
#ifndef TLSSCOPE_OPENVPN_H
#define TLSSCOPE_OPENVPN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ts_limits.h"
#include "ts_status.h"

/* Opcodes (the high 5 bits of the first byte; the low 3 are the key id). */
enum openvpn_opcode {
	OPENVPN_P_CONTROL_HARD_RESET_CLIENT_V1 = 1,
	OPENVPN_P_CONTROL_HARD_RESET_SERVER_V1 = 2,
	OPENVPN_P_CONTROL_SOFT_RESET_V1 = 3,
	OPENVPN_P_CONTROL_V1 = 4,
	OPENVPN_P_ACK_V1 = 5,
	OPENVPN_P_DATA_V1 = 6,
	OPENVPN_P_CONTROL_HARD_RESET_CLIENT_V2 = 7,
	OPENVPN_P_CONTROL_HARD_RESET_SERVER_V2 = 8,
	OPENVPN_P_DATA_V2 = 9,
	OPENVPN_P_CONTROL_HARD_RESET_CLIENT_V3 = 10, /* tls-crypt-v2: the client's wrapped key follows */
	OPENVPN_P_CONTROL_WKC_V1 = 11                /* tls-crypt-v2: a control packet with the wrapped key */
};

/* RELIABLE_ACK_SIZE of OpenVPN's reliable.h: OpenVPN itself rejects a longer ack array. */
#define OPENVPN_MAX_ACKS 8

/* How the control channel is wrapped (--tls-auth, --tls-crypt, --tls-crypt-v2). */
enum openvpn_wrap {
	OPENVPN_WRAP_UNKNOWN = 0, /* not learned yet */
	OPENVPN_WRAP_PLAIN,       /* no tls-auth or tls-crypt: the fields are in clear */
	OPENVPN_WRAP_TLS_AUTH,    /* an HMAC (hmac_len bytes), packet-id and time after the session id */
	OPENVPN_WRAP_TLS_CRYPT,   /* packet-id, time and a tag in clear, the rest encrypted */
	OPENVPN_WRAP_TLS_CRYPT_V2 /* the same, the client's key wrapped in its hard reset */
};

/* "plain", "tls-auth", "tls-crypt", "tls-crypt-v2"; NULL for UNKNOWN. */
const char *openvpn_wrap_name(enum openvpn_wrap w);

/* "P_CONTROL_V1" ..., NULL for an opcode OpenVPN does not define. */
const char *openvpn_opcode_name(uint8_t opcode);

struct openvpn_layout {
	uint8_t wrap;     /* enum openvpn_wrap */
	uint8_t hmac_len; /* OPENVPN_WRAP_TLS_AUTH: bytes of its HMAC (20 for SHA-1 ... 64 for SHA-512) */
};

struct openvpn_packet {
	uint8_t opcode; /* enum openvpn_opcode */
	uint8_t key_id; /* 0-7: which TLS session of the tunnel (0 the first, renegotiations after) */
	bool control;   /* a control-channel opcode (everything but P_DATA_V1/V2) */
	bool readable;  /* a control packet whose fields were read (not tls-crypt-encrypted) */
	uint64_t session_id;
	uint8_t ack_count;
	uint32_t acks[OPENVPN_MAX_ACKS];
	bool has_message_id; /* every control opcode but P_ACK_V1 */
	uint32_t message_id;
	const uint8_t *payload; /* the TLS bytes it carries (borrowed from the packet) */
	size_t payload_len;
};

/* Is this opcode one of the control channel's? */
bool openvpn_opcode_is_control(uint8_t opcode);

/* Is this opcode a hard reset (the first packet of each side of a tunnel)? */
bool openvpn_opcode_is_hard_reset(uint8_t opcode);

/* ... and one the client sends (the tunnel's first packet)? */
bool openvpn_opcode_is_client_reset(uint8_t opcode);

/*
 * Learn the control channel's wrap from a hard-reset packet (a whole
 * packet, without the TCP length prefix). Its layout is fixed enough to
 * tell: message packet-id 0, an ack array empty (client) or acking the
 * peer's reset, after either nothing (plain) or an HMAC of 16..64 bytes
 * and a replay id and time (tls-auth); tls-crypt puts the replay id and
 * time right after the session id and encrypts what follows. For another
 * control packet (a capture started mid-tunnel) `strict` false accepts
 * any plausible ack array and message id. UNKNOWN if no layout fits.
 */
struct openvpn_layout openvpn_detect_layout(const uint8_t *p, size_t len, bool strict);

/*
 * Read one packet (without the TCP length prefix) with a known layout.
 * TS_OK: *out is filled (for a data packet only opcode and key id; under
 * tls-crypt only those and the session id). TS_MALFORMED: a field runs
 * past the end or the ack array is longer than OPENVPN_MAX_ACKS.
 */
enum ts_status openvpn_packet_parse(const uint8_t *p, size_t len, struct openvpn_layout layout,
                                    struct openvpn_packet *out);

/*
 * Could this be the first bytes an OpenVPN client sends? `tcp`: behind a
 * 2-byte length. P_CONTROL_HARD_RESET_CLIENT_V2 or V3 (V1 went with key
 * method 1, removed in OpenVPN 2.5) with key id 0 and a session id not all
 * zero, whose whole packet is in p[0..len) and whose layout
 * openvpn_detect_layout() recognises.
 */
bool openvpn_looks_like_start(const uint8_t *p, size_t len, bool tcp);

/* One direction of an OpenVPN-over-TCP stream: cut into packets. */
struct openvpn_framer {
	uint8_t len_bytes[2];
	uint8_t len_have;
	uint16_t need;     /* bytes of the current packet */
	uint16_t have;     /* ... received */
	bool skipping;     /* a data packet, or one over OPENVPN_MAX_CONTROL_PACKET: counted, not kept */
	bool lost;         /* bytes were lost: the packet boundary is unknown, the stream is not read */
	uint8_t *buf;      /* OPENVPN_MAX_CONTROL_PACKET bytes, made with the first control packet */
	uint64_t skipped;  /* packets counted, not kept (data, or too long) */
	uint64_t too_long; /* ... of them control packets past the cap */
};

/* What the framer hands on: a whole packet (a control one, kept), or only the
 * opcode byte of one it skips (len 1: for counting). */
typedef void (*openvpn_packet_fn)(void *ctx, const uint8_t *p, size_t len, bool whole);

/* Feed stream bytes in order; TS_NOMEM if the buffer could not be made. */
enum ts_status openvpn_framer_feed(struct openvpn_framer *fr, const uint8_t *data, size_t len,
                                   openvpn_packet_fn fn, void *ctx, size_t *mem);

/* Bytes of the stream were lost: from here on it cannot be cut into packets. */
void openvpn_framer_lost(struct openvpn_framer *fr);

void openvpn_framer_free(struct openvpn_framer *fr, size_t *mem);

/* The reliability layer of one direction: message packet-ids back in order. */
struct openvpn_reorder {
	bool started;
	uint32_t next_id; /* the id the stream waits for */
	uint8_t pending_count;
	struct {
		uint32_t id;
		uint16_t len;
		uint8_t *bytes;
	} pending[OPENVPN_MAX_PENDING];
	uint64_t duplicates; /* ids seen before: retransmissions */
	uint64_t reordered;  /* ids held until the ones before them arrived */
	uint64_t dropped;    /* ids given up on (never arrived while OPENVPN_MAX_PENDING were held) */
	uint64_t too_far;    /* ids far past the window, ignored */
};

/* In-order TLS bytes; `after_gap`: ids before them were given up on. */
typedef void (*openvpn_bytes_fn)(void *ctx, const uint8_t *p, size_t len, bool after_gap);

/* Start the order at `first_id` (0 from a hard reset; the first id seen mid-tunnel). */
void openvpn_reorder_start(struct openvpn_reorder *r, uint32_t first_id);

/*
 * One control packet's message id and TLS bytes. The bytes of the id the
 * stream waits for go to fn at once, with those held after it; an id
 * ahead is copied and held; an id before the next one is a retransmission.
 * With OPENVPN_MAX_PENDING held, the missing ids are given up and the held
 * ones delivered after a gap. TS_NOMEM when a copy could not be made.
 */
enum ts_status openvpn_reorder_add(struct openvpn_reorder *r, uint32_t id, const uint8_t *p, size_t len,
                                   openvpn_bytes_fn fn, void *ctx, size_t *mem);

/* The stream ended: what is held goes out in order, after a gap. */
void openvpn_reorder_flush(struct openvpn_reorder *r, openvpn_bytes_fn fn, void *ctx, size_t *mem);

void openvpn_reorder_free(struct openvpn_reorder *r, size_t *mem);

#endif
