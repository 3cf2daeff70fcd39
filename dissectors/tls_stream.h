/*
 * tls_stream.h - the TLS record layer of one direction of a byte stream.
 *
 * Owns finding TLS in a stream (on any port, after a plaintext prelude such
 * as STARTTLS, or an SSLv2-compatible hello), cutting the stream into
 * records whose headers may span segments, and reassembling handshake
 * messages that span records or share one. It is a push parser: bytes come
 * in whatever pieces TCP delivered, nothing is read twice, and only the
 * bytes of cleartext handshake messages are copied (up to
 * TLS_MAX_HANDSHAKE_MSG each). What it finds goes to the caller's sink; it
 * knows nothing of TCP or of the connection record.
 */
#ifndef TLSSCOPE_TLS_STREAM_H
#define TLSSCOPE_TLS_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tls_stream_state {
	TLS_STREAM_DETECT = 0, /* not TLS yet: look for a record at segment starts */
	TLS_STREAM_RECORDS,    /* in sync with the record layer */
	TLS_STREAM_RESYNC,     /* lost the record boundary: look for one at segment starts */
	TLS_STREAM_NOT_TLS     /* gave up: the prelude budget is spent */
};

/* Problems the record layer reports to the sink. */
enum tls_stream_anomaly {
	TLS_ANOM_RECORD_TOO_LONG = 0,
	TLS_ANOM_BAD_RECORD_HEADER,  /* lost sync: a header that is not TLS */
	TLS_ANOM_HANDSHAKE_TOO_LONG, /* a message longer than TLS_MAX_HANDSHAKE_MSG: cut */
	TLS_ANOM_NOMEM
};

struct tls_stream_sink {
	void *ctx;
	/* A record header was read (the body may still be on its way). */
	void (*record)(void *ctx, uint8_t dir, uint8_t content_type, uint16_t version, uint16_t length,
	               bool encrypted);
	/* A complete cleartext handshake message; `cut` if only its first bytes were kept. */
	void (*handshake)(void *ctx, uint8_t dir, uint8_t msg_type, const uint8_t *body, uint32_t len,
	                  uint32_t wire_len);
	/* A cleartext alert. Encrypted alerts are seen through record(). */
	void (*alert)(void *ctx, uint8_t dir, uint8_t level, uint8_t description);
	/* An SSLv2-compatible CLIENT-HELLO record body (after the 2-byte length). */
	void (*sslv2_client_hello)(void *ctx, uint8_t dir, const uint8_t *body, uint32_t len);
	void (*anomaly)(void *ctx, uint8_t dir, enum tls_stream_anomaly a);
	/* Plaintext before TLS (counted in `scanned`), in stream order; may be NULL. */
	void (*prelude)(void *ctx, uint8_t dir, const uint8_t *p, size_t n);
	/* The whole body of a record the sink asked for with tls_stream_collect_record(). */
	void (*record_body)(void *ctx, uint8_t dir, const uint8_t hdr[5], const uint8_t *body, uint32_t len);
	/* A cleartext handshake message the stream ended in: its first `len` bytes
	 * (all that arrived, up to the cap) of `wire_len`. May be NULL. */
	void (*handshake_partial)(void *ctx, uint8_t dir, uint8_t msg_type, const uint8_t *body, uint32_t len,
	                          uint32_t wire_len);
};

struct tls_stream {
	uint8_t dir;
	uint8_t state;     /* enum tls_stream_state */
	bool encrypted;    /* handshake records are encrypted (after a TLS <= 1.2 ChangeCipherSpec) */
	bool headers_only; /* the handshake is over: read record headers, copy nothing */
	bool peer_is_tls;  /* the other direction is TLS: accept any record type to start */
	uint32_t scanned;  /* plaintext bytes looked at before TLS was found */
	uint8_t probe[5];  /* the first bytes of a segment too short to judge alone */
	uint8_t probe_have;

	uint8_t hdr[5];
	uint8_t hdr_have;
	uint8_t rec_type;
	uint16_t rec_version;
	uint32_t rec_left; /* body bytes of the current record still to come */
	bool in_record;

	uint8_t alert[2]; /* cleartext alert bytes collected so far */
	uint8_t alert_have;

	uint8_t hs_hdr[4]; /* handshake message header being collected */
	uint8_t hs_hdr_have;
	uint32_t hs_len;  /* body length from the header */
	uint32_t hs_have; /* body bytes received */
	uint8_t *hs_buf;  /* kept body bytes (min(hs_len, cap)) */
	uint32_t hs_cap;

	bool collect;     /* hand the current record's body to sink->record_body */
	uint8_t *rec_buf; /* its bytes, when they span deliveries (up to TLS_MAX_RECORD_LEN) */
	uint32_t rec_have;
	uint32_t rec_cap;

	uint64_t records;
};

void tls_stream_init(struct tls_stream *s, uint8_t dir);

/*
 * Feed bytes in stream order. `segment_start` says the data starts where a
 * TCP segment started (where a STARTTLS upgrade or a resync may begin);
 * `after_gap` that bytes before it were lost. *mem tracks bytes allocated.
 */
void tls_stream_feed(struct tls_stream *s, const uint8_t *data, size_t len, bool segment_start,
                     bool after_gap, const struct tls_stream_sink *sink, size_t *mem);

/* The other direction of the connection has been found to be TLS: this one
 * then takes a record of any type as its start, not only a hello (a server
 * may answer a ClientHello with an alert). */
void tls_stream_peer_is_tls(struct tls_stream *s);

/*
 * Called from sink->record(): collect this record's body and hand it whole
 * to sink->record_body (to be decrypted). Only records the sink asks for
 * are copied, and only when they span deliveries.
 */
void tls_stream_collect_record(struct tls_stream *s);

/* Plaintext handshake bytes recovered from an encrypted record, in order:
 * cut into messages like cleartext ones and handed to sink->handshake. */
void tls_stream_feed_decrypted_handshake(struct tls_stream *s, const uint8_t *p, size_t n,
                                         const struct tls_stream_sink *sink, size_t *mem);

/* Bytes after those fed so far were lost for good (cut by the capture): a
 * stream reading records has lost their boundary and looks for one again. */
void tls_stream_bytes_lost(struct tls_stream *s);

/* The stream is over (a reset, a close, the capture's end): a handshake
 * message still arriving goes to sink->handshake_partial with what is held. */
void tls_stream_end(struct tls_stream *s, const struct tls_stream_sink *sink);

/* From now on handshake records in this direction are encrypted (TLS <= 1.2 CCS). */
void tls_stream_set_encrypted(struct tls_stream *s);

/* The handshake is over: keep reading record headers but buffer nothing. */
void tls_stream_headers_only(struct tls_stream *s, size_t *mem);

void tls_stream_free(struct tls_stream *s, size_t *mem);

/* Does this look like the start of a TLS record or SSLv2 hello? (`any_type`: not only hellos) */
bool tls_stream_looks_like_tls(const uint8_t *p, size_t len, bool any_type);

#endif
