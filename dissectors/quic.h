/*
 * quic.h - the QUIC packet layer of one UDP flow, as a passive reader sees it.
 *
 * Owns long-header parsing (RFC 8999 invariants, RFC 9000 §17.2), version
 * detection (v1 RFC 9000, v2 RFC 9369, IETF drafts 23-34), the Initial keys
 * (RFC 9001 §5.2, RFC 9369 §3.3), header protection removal (RFC 9001 §5.4),
 * AEAD_AES_128/256_GCM packet decryption (and AEAD_CHACHA20_POLY1305 for
 * Handshake packets, whose suite the key log's connection chose), the frame walk of Initial and
 * Handshake packets, and CRYPTO stream reassembly by offset into whole TLS
 * handshake messages. What it finds goes to the caller's sink; it knows
 * nothing of UDP, flows or the connection record. Handshake packets are
 * opened only once the caller hands in the handshake traffic secrets
 * (quic_conn_set_handshake_secrets(), for a key log); 0-RTT and 1-RTT packets
 * are counted, never decrypted.
 */
#ifndef TLSSCOPE_QUIC_H
#define TLSSCOPE_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ts_limits.h"
#include "ts_status.h"

#define QUIC_VERSION_NEGOTIATION 0x00000000u
#define QUIC_VERSION_1 0x00000001u
#define QUIC_VERSION_2 0x6b3343cfu

#define QUIC_MAX_CID_LEN 20 /* RFC 9000 §17.2: v1 connection IDs are at most 20 bytes */

enum quic_packet_type {
	QUIC_PKT_INITIAL = 0,
	QUIC_PKT_ZERO_RTT,
	QUIC_PKT_HANDSHAKE,
	QUIC_PKT_RETRY,
	QUIC_PKT_VERSION_NEGOTIATION,
	QUIC_PKT_ONE_RTT, /* short header */
	QUIC_PKT_TYPE_COUNT
};

const char *quic_packet_type_name(enum quic_packet_type t);

/* Packet number spaces whose CRYPTO frames are read (RFC 9000 §12.3). */
enum quic_space { QUIC_SPACE_INITIAL = 0, QUIC_SPACE_HANDSHAKE, QUIC_SPACE_COUNT };

/* Roles inside a QUIC connection: keys differ per sender. */
enum quic_role { QUIC_ROLE_CLIENT = 0, QUIC_ROLE_SERVER = 1 };

enum quic_anomaly {
	QUIC_ANOM_UNDECRYPTABLE = 0,       /* a protected packet no key opened */
	QUIC_ANOM_MALFORMED_PACKET,        /* a header or frame that does not parse */
	QUIC_ANOM_CRYPTO_LIMIT,            /* CRYPTO bytes past the per-stream buffer, or too many holes */
	QUIC_ANOM_UNKNOWN_VERSION,         /* a long header of a version we cannot read */
	QUIC_ANOM_HANDSHAKE_UNDECRYPTABLE, /* with handshake secrets set, a Handshake packet did not open */
	QUIC_ANOM_NOMEM,
	QUIC_ANOM_GREASED_VERSION /* not a fault: a long header of a version reserved for greasing */
};

struct quic_cid {
	uint8_t len;
	uint8_t b[QUIC_MAX_CID_LEN];
};

/* What the sink learns about every packet header read. */
struct quic_packet_info {
	enum quic_packet_type type;
	uint32_t version;     /* 0 for short headers */
	struct quic_cid dcid; /* long headers only */
	struct quic_cid scid;
	bool decrypted;
	size_t length; /* bytes of the packet in the datagram */
	/* Version Negotiation only: the Supported Version list (4 bytes each, a
	 * view into the datagram valid during the callback) and its length. */
	const uint8_t *vn_versions;
	size_t vn_count;
};

struct quic_sink {
	void *ctx;
	void (*packet)(void *ctx, uint8_t dir, const struct quic_packet_info *pi);
	/* The sender of `dir` is now known to be the client (or server). */
	void (*role)(void *ctx, uint8_t dir, enum quic_role role);
	/* One whole TLS handshake message from a CRYPTO stream. */
	void (*handshake)(void *ctx, uint8_t dir, enum quic_space space, uint8_t msg_type,
	                  const uint8_t *body, uint32_t len);
	/* CONNECTION_CLOSE (RFC 9000 §19.19); `application` for type 0x1d. */
	void (*close)(void *ctx, uint8_t dir, bool application, uint64_t error_code, uint64_t frame_type,
	              const uint8_t *reason, size_t reason_len);
	void (*anomaly)(void *ctx, uint8_t dir, enum quic_anomaly a);
};

/* Keys protecting one direction of one packet number space. */
struct quic_packet_keys {
	bool valid;
	uint32_t version; /* Initial keys: the version they were derived for */
	bool chacha;      /* AEAD_CHACHA20_POLY1305 (RFC 9001 §5.4.4 header protection) */
	uint8_t key_len;  /* 16 (AES-128-GCM) or 32 (AES-256-GCM, ChaCha20-Poly1305) */
	uint8_t key[32];
	uint8_t iv[12];
	uint8_t hp[32];
};

/* A CRYPTO stream being put back together by offset, with its cap. */
struct quic_crypto_range {
	uint32_t start, end;
};

struct quic_crypto_stream {
	uint8_t *buf; /* stream bytes from offset 0, `cap` allocated */
	uint32_t cap;
	struct quic_crypto_range ranges[QUIC_MAX_CRYPTO_RANGES]; /* received, sorted, disjoint */
	uint8_t range_count;
	uint32_t delivered; /* bytes handed on as whole messages */
	bool dead;          /* gave up: a message too long for the buffer */
};

struct quic_conn {
	uint32_t version; /* of the first long header with a known version */
	bool role_known;
	uint8_t client_dir;
	struct quic_cid key_dcid; /* the client Initial DCID the Initial keys come from */
	bool key_dcid_set;
	struct quic_packet_keys keys[QUIC_SPACE_COUNT][2]; /* [space][role] */
	int64_t largest_pn[QUIC_SPACE_COUNT][2];           /* -1: none yet */
	struct quic_crypto_stream crypto[QUIC_SPACE_COUNT][2];
	uint64_t crypto_cut_bytes;
};

/* Largest QUIC packet we copy to decrypt: a UDP datagram can be no larger. */
#define QUIC_SCRATCH_LEN 65536

/* Known version that we can decrypt Initials of (v1, v2, drafts 23-34). */
bool quic_version_supported(uint32_t version);

/* A version reserved to exercise version negotiation (RFC 9000 §15: 0x?a?a?a?a). */
bool quic_version_is_greased(uint32_t version);

/* Zeek-style name: "1", "quicv2", "draft-29", or NULL for others. */
const char *quic_version_name(uint32_t version);

/*
 * Cheap first look at a UDP payload, before any flow state: a long header
 * of a version we read, a Version Negotiation packet, or a client's
 * greased-version probe (a full-size long-header datagram, RFC 9000 §14.1,
 * sent to make the server offer its versions).
 */
bool quic_may_start(const uint8_t *p, size_t len);

void quic_conn_init(struct quic_conn *q);
void quic_conn_free(struct quic_conn *q, size_t *mem);

/* Stop reading one packet number space's CRYPTO streams and free their
 * buffers (the handshake is over: only retransmissions can still come). */
void quic_conn_close_space(struct quic_conn *q, enum quic_space space, size_t *mem);

/*
 * One UDP datagram from direction `dir`: every coalesced packet in it is
 * parsed, Initial packets (and Handshake packets once keys are set) are
 * decrypted into `scratch` (QUIC_SCRATCH_LEN bytes, the caller's), their
 * frames walked. *mem tracks bytes allocated.
 */
void quic_conn_datagram(struct quic_conn *q, uint8_t dir, const uint8_t *data, size_t len, uint8_t *scratch,
                        const struct quic_sink *sink, size_t *mem);

/*
 * The seam for a key log: the client and server handshake traffic secrets
 * (CLIENT_/SERVER_HANDSHAKE_TRAFFIC_SECRET) of the chosen suite (0x1301,
 * 0x1302 or 0x1303); later Handshake packets are decrypted and their CRYPTO
 * frames (EncryptedExtensions, Certificate, ...) handed to the sink. Either
 * secret may be NULL (a key log without it): that side's Handshake packets
 * then stay closed, and are reported as QUIC_ANOM_HANDSHAKE_UNDECRYPTABLE.
 * TS_UNSUPPORTED for another suite, TS_MALFORMED for a secret of the wrong
 * length; nothing is set then.
 */
enum ts_status quic_conn_set_handshake_secrets(struct quic_conn *q, uint16_t cipher_suite,
                                               const uint8_t *client_secret, const uint8_t *server_secret,
                                               size_t secret_len);

/* Initial keys of one side (RFC 9001 §5.2; RFC 9369 §3.3 for v2). */
bool quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len, enum quic_role role,
                       struct quic_packet_keys *out);

/*
 * Remove header protection from and decrypt the long- or short-header packet
 * `pkt` (pkt_len bytes: header, packet number, payload, tag) whose packet
 * number starts at pn_offset. Works on a copy in `scratch`; on TS_OK the
 * plaintext payload is at *payload (inside scratch) and *pn the full packet
 * number, reconstructed from `largest_pn` (RFC 9000 §A.3; -1 if none).
 */
enum ts_status quic_packet_open(const struct quic_packet_keys *k, const uint8_t *pkt, size_t pkt_len,
                                size_t pn_offset, int64_t largest_pn, uint8_t *scratch, size_t scratch_len,
                                const uint8_t **payload, size_t *payload_len, uint64_t *pn);

#endif
