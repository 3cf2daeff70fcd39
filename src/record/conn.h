/*
 * conn.h - the connection record: everything tlsscope learned about one TCP
 * connection, and the one structure every output reads.
 *
 * Owns the record's shape, its timeline, and the derivation of the outcome.
 * Directions are indexed 0 (the endpoint that sent the first packet we saw)
 * and 1; `client_dir` says which of them is the client, because a capture
 * that starts mid-stream learns the roles only from the first hello.
 * Parsers fill the record through conn_* calls; outputs only read it.
 */
#ifndef TLSSCOPE_CONN_H
#define TLSSCOPE_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "quic.h"
#include "tls_handshake.h"
#include "ts_limits.h"

enum conn_outcome {
	OUTCOME_ESTABLISHED = 0,
	OUTCOME_SERVER_RESET_AFTER_CLIENT_HELLO,
	OUTCOME_SERVER_CLOSED_AFTER_CLIENT_HELLO,
	OUTCOME_SERVER_ALERT,
	OUTCOME_CLIENT_ALERT,
	OUTCOME_CLIENT_CLOSED_AFTER_HANDSHAKE,
	OUTCOME_INCOMPLETE,
	OUTCOME_NOT_TLS,
	OUTCOME_COUNT
};

const char *conn_outcome_name(enum conn_outcome o);

enum conn_event_type {
	EV_SYN = 0,
	EV_SYN_ACK,
	EV_HANDSHAKE,           /* detail: handshake message type, in clear */
	EV_HELLO_RETRY_REQUEST, /* a ServerHello carrying the HRR random */
	EV_CHANGE_CIPHER_SPEC,
	EV_ENCRYPTED_HANDSHAKE, /* first record a side sends under handshake/traffic keys */
	EV_ALERT,               /* detail: level << 8 | description */
	EV_ENCRYPTED_ALERT,
	EV_APPLICATION_DATA, /* first application data record of that side */
	EV_FIN,
	EV_RST,
	EV_RENEGOTIATION, /* a hello after the handshake finished */
	EV_SSLV2_CLIENT_HELLO,
	EV_QUIC_RETRY,               /* a QUIC Retry packet */
	EV_QUIC_VERSION_NEGOTIATION, /* a QUIC Version Negotiation packet */
	EV_QUIC_CONNECTION_CLOSE,    /* the first QUIC CONNECTION_CLOSE frame read from this side */
	EV_COUNT
};

const char *conn_event_name(enum conn_event_type t);

struct conn_event {
	int64_t ts_ns;
	uint16_t detail;
	uint8_t type;   /* enum conn_event_type */
	uint8_t dir;    /* 0 or 1, see client_dir */
	bool decrypted; /* seen only by decrypting with the key log */
};

/* Where in the handshake an alert came. */
enum conn_stage {
	STAGE_BEFORE_SERVER_HELLO = 0,
	STAGE_HANDSHAKE, /* after ServerHello, before both sides finished */
	STAGE_AFTER_HANDSHAKE
};

const char *conn_stage_name(enum conn_stage s);

/* An encrypted TLS 1.3 alert record's length (RFC 8446 5.2): a 2-byte alert, the inner content
 * type, and the AEAD tag (16 bytes, 8 for CCM_8). A record of this size holds nothing else. */
#define TLS13_ALERT_RECORD (2 + 1 + 16)
#define TLS13_ALERT_RECORD_CCM8 (2 + 1 + 8)
/* ... and an empty client Certificate's (RFC 8446 4.4.2): the 4-byte handshake header, an empty
 * request context and an empty certificate_list (1 + 3 bytes), the inner type, the tag. No other
 * message a client sends first under its handshake keys is this short (Finished is 36 or more). */
#define TLS13_EMPTY_CERTIFICATE_RECORD (4 + 1 + 3 + 1 + 16)
#define TLS13_EMPTY_CERTIFICATE_RECORD_CCM8 (4 + 1 + 3 + 1 + 8)

struct conn_alert {
	int64_t ts_ns;
	uint8_t dir;
	uint8_t level;       /* 0 when encrypted */
	uint8_t description; /* 0 when encrypted */
	bool encrypted;
	bool inferred;  /* no alert record: a TLS 1.3 record too short to be anything else */
	bool decrypted; /* encrypted, read with the key log: level and description are known */
	uint8_t stage;  /* enum conn_stage */
};

/* Whether the key log opened this connection's encrypted records. */
enum conn_keylog {
	CONN_KEYLOG_NONE = 0,  /* no key log given, or no ServerHello to match */
	CONN_KEYLOG_MATCHED,   /* its secrets were found and opened every record tried */
	CONN_KEYLOG_NOT_FOUND, /* no line for this client random */
	CONN_KEYLOG_FAILED     /* found, but the records could not be opened (see the note) */
};

const char *conn_keylog_name(enum conn_keylog k);

/* Why decryption stopped or did not start; the first reason is kept. */
enum conn_decrypt_note {
	DECRYPT_NOTE_NONE = 0,
	DECRYPT_NOTE_NO_CLIENT_HELLO,   /* no ClientHello seen: no client random to look up */
	DECRYPT_NOTE_NO_ENTRY,          /* the key log has no line for the client random */
	DECRYPT_NOTE_MISSING_SECRET,    /* a needed secret is missing (a truncated key log?) */
	DECRYPT_NOTE_UNSUPPORTED_SUITE, /* the suite is not one tls_decrypt.h opens */
	DECRYPT_NOTE_BAD_SECRET,        /* a secret's length does not fit the suite */
	DECRYPT_NOTE_SERVER_FAILED,     /* a server record did not authenticate */
	DECRYPT_NOTE_CLIENT_FAILED,     /* a client record did not authenticate */
	DECRYPT_NOTE_NO_TRAFFIC_SECRET, /* handshake read, but no *_TRAFFIC_SECRET_0 for what follows */
	DECRYPT_NOTE_COUNT
};

const char *conn_decrypt_note_text(enum conn_decrypt_note n);

struct conn_decryption {
	uint8_t keylog;          /* enum conn_keylog */
	uint8_t note;            /* enum conn_decrypt_note */
	uint32_t records[2];     /* records opened, per direction */
	bool server_flight_read; /* the server's Finished was decrypted: its whole flight was seen */
};

/* A certificate as sent: DER bytes in the record's blob. */
struct conn_cert {
	uint32_t off;
	uint32_t len;
};

struct conn_cert_list {
	uint8_t *blob; /* DER bytes, owned by the record */
	uint32_t blob_len;
	struct conn_cert certs[TLS_MAX_CERTS_PER_MSG];
	uint16_t count; /* kept */
	uint16_t total; /* in the message on the wire */
	bool present;   /* a Certificate message was seen */
	bool cut;       /* some certificates or bytes were not kept (a limit) */
	bool truncated; /* the stream ended inside the message: the rest never arrived */
};

struct conn_side {
	struct ts_addr addr;
	uint16_t port;
	uint64_t packets;
	uint64_t payload_bytes; /* TCP payload, retransmissions included */
	uint64_t tls_records;
	uint64_t app_data_bytes; /* application_data record bodies */
	bool syn, fin, rst;
	int64_t close_ns;       /* time of this side's first FIN or RST (0: none) */
	bool close_rst;         /* ... and it was a RST (a FIN may be followed by a RST) */
	bool is_tls;            /* a TLS record was found in this direction */
	uint32_t prelude_bytes; /* plaintext before the first TLS record (STARTTLS etc.) */
	uint8_t plain_head[8];  /* the first bytes sent in clear before any TLS record ("HTTP/1.1") */
	uint8_t plain_head_len;
	bool ccs;                           /* ChangeCipherSpec sent */
	bool encrypted_handshake;           /* a record under handshake keys (Finished or TLS 1.3 flight) */
	bool app_data;                      /* application data sent */
	bool finished;                      /* this side's handshake is over, as far as the wire shows */
	uint64_t gaps;                      /* bytes never seen (capture loss) */
	uint64_t overlap_mismatch_segments; /* segments whose overlap with held bytes differed */
	uint16_t first_encrypted_len;       /* TLS 1.3: length of its first record under handshake keys */
	uint32_t handshake_gaps;            /* holes in this stream before the handshake was over */
};

/* Anomalies: counted per record, never fatal (Zeek calls them weirds). */
enum conn_anomaly {
	ANOM_RECORD_TOO_LONG = 0,
	ANOM_HANDSHAKE_TOO_LONG,
	ANOM_MALFORMED_CLIENT_HELLO,
	ANOM_MALFORMED_SERVER_HELLO,
	ANOM_MALFORMED_CERTIFICATE,
	ANOM_MALFORMED_HANDSHAKE,
	ANOM_OOO_LIMIT,
	ANOM_CAPTURE_GAP,
	ANOM_CERT_LIMIT,
	ANOM_EVENTS_DROPPED,
	ANOM_RECORD_SYNC_LOST,
	ANOM_EVICTED,
	ANOM_SNAPPED,
	ANOM_OUT_OF_MEMORY,
	ANOM_QUIC_UNDECRYPTABLE,   /* an Initial packet no key opened */
	ANOM_QUIC_MALFORMED,       /* a QUIC header or frame that does not parse */
	ANOM_QUIC_CRYPTO_LIMIT,    /* CRYPTO bytes past QUIC_MAX_CRYPTO_BYTES or too many holes */
	ANOM_QUIC_UNKNOWN_VERSION, /* a long header of a version we cannot read, in a QUIC flow */
	ANOM_COUNT
};

const char *conn_anomaly_name(enum conn_anomaly a);

/* How the TLS handshake travelled (ECS network.transport says "udp" for QUIC). UDP: in the
 * control channel of OpenVPN over UDP (conn.openvpn). */
enum conn_transport { CONN_TRANSPORT_TCP = 0, CONN_TRANSPORT_QUIC, CONN_TRANSPORT_UDP };

/* What the OpenVPN layer showed when the TLS was carried in an OpenVPN
 * control channel (dissectors/openvpn.h), over TCP or UDP. */
struct conn_openvpn {
	bool seen;                   /* the flow is OpenVPN */
	uint8_t wrap;                /* enum openvpn_wrap: how the control channel is wrapped */
	uint8_t hmac_len;            /* tls-auth: bytes of its HMAC */
	uint32_t control_packets[2]; /* by direction */
	uint32_t data_packets[2];
	uint32_t retransmitted;     /* control packets whose message packet-id came before */
	uint32_t reordered;         /* ... that arrived before an earlier id and were held */
	uint32_t lost;              /* message packet-ids given up on (OPENVPN_MAX_PENDING, or the end) */
	uint32_t malformed;         /* packets that do not parse (or whose wrap no layout fits) */
	uint32_t other_key_packets; /* control packets of a later TLS session (key id): not read */
};

/* What the QUIC packet layer showed (transport == CONN_TRANSPORT_QUIC). */
struct conn_quic {
	uint32_t version;                              /* of the first long header of a version we read */
	uint8_t client_initial_dcid[QUIC_MAX_CID_LEN]; /* DCID of the client's first Initial: the Initial
	                                                  keys' source */
	uint8_t client_initial_dcid_len;
	uint8_t server_scid[QUIC_MAX_CID_LEN]; /* SCID of the server's first long header */
	uint8_t server_scid_len;
	bool server_scid_set;
	bool client_dcid_set;
	uint32_t packets[2][QUIC_PKT_TYPE_COUNT]; /* [dir][enum quic_packet_type] */
	uint32_t undecryptable;                   /* Initial packets no key opened */
	uint64_t crypto_cut_bytes;                /* CRYPTO bytes not kept (QUIC_MAX_CRYPTO_BYTES) */
	bool one_rtt[2];                          /* a short-header packet sent by this direction */
	bool close_seen;                          /* the first CONNECTION_CLOSE: */
	uint8_t close_dir;
	bool close_application; /* frame type 0x1d */
	uint64_t close_error_code;
	uint64_t close_frame_type;
	uint8_t close_reason[QUIC_MAX_CLOSE_REASON];
	uint8_t close_reason_len;
	uint16_t close_reason_wire_len;
	uint32_t vn_versions[QUIC_MAX_VN_VERSIONS]; /* the first Version Negotiation packet's offer */
	uint16_t vn_count;                          /* kept */
	uint16_t vn_total;                          /* on the wire */
	bool vn_seen;
	uint32_t greased_packets; /* long headers of a greased version (RFC 9000 §15) */
};

struct conn {
	uint64_t id;         /* order of first packet in the run, from 1 */
	uint32_t file_index; /* which input file */
	int64_t first_ts_ns, last_ts_ns;
	struct conn_side side[2];
	uint8_t client_dir;  /* 0 or 1 */
	uint8_t role_source; /* enum conn_role_source */
	uint8_t transport;   /* enum conn_transport */
	struct conn_quic quic;

	/* TLS */
	bool is_tls;
	uint8_t starttls; /* enum starttls_proto: the plaintext protocol that upgraded to TLS */
	bool sslv2_client_hello;
	uint16_t record_version;               /* first record header version seen from the client */
	struct tls_client_hello *client_hello; /* first ClientHello, NULL if none */
	uint16_t client_hello_count;
	struct tls_client_hello *client_hello2; /* the one after an HRR (or a renegotiation), NULL if none */
	struct tls_server_hello *server_hello;  /* last non-HRR ServerHello, NULL if none */
	struct tls_server_hello *hello_retry;   /* HRR, NULL if none */
	uint16_t server_hello_count;            /* HRRs included */
	struct conn_cert_list server_certs;
	struct conn_cert_list client_certs;
	bool certificate_request;
	bool certificate_compressed; /* the server sent CompressedCertificate (RFC 8879): not read */
	bool certificate_status;
	uint32_t ocsp_response_len;
	uint16_t scts_stapled; /* SCTs in the TLS 1.3 leaf's CertificateEntry (read with a key log) */
	uint16_t ske_group;    /* ServerKeyExchange named group */
	uint16_t ske_dh_bits;  /* ServerKeyExchange DHE prime size */
	bool handshake_done;
	bool renegotiation;
	int64_t handshake_done_ns;

	struct conn_alert alerts[TLS_MAX_ALERTS];
	uint16_t alert_count;
	uint16_t alert_total;

	struct conn_event events[CONN_MAX_EVENTS];
	uint16_t event_count;
	uint32_t event_total;

	uint32_t anomalies[ANOM_COUNT];
	enum conn_outcome outcome; /* set by conn_finish() */
	bool capture_ended;        /* still open when the capture ended */
	bool timed_out;
	bool port_reused;        /* ended by a new SYN on the same addresses and ports */
	bool reported_open;      /* live: reported when decided, before the connection ended */
	bool closed;             /* a FIN or RST was seen */
	uint8_t first_close_dir; /* who closed first (valid when closed) */
	bool first_close_rst;    /* ... and whether with a RST */
	bool server_hello_done;  /* the server's TLS <= 1.2 flight ended (ServerHelloDone) */
	struct conn_decryption decryption;
	uint64_t tickets_issued[CONN_MAX_TICKETS]; /* tls_ticket_hash() of each NewSessionTicket's ticket */
	uint8_t ticket_count;                      /* kept; more are not linked */
	struct tls_certificate_request *certificate_request_info; /* the first one parsed, NULL if none */
	bool http_connect;                                        /* TLS through an HTTP CONNECT tunnel */
	uint16_t connect_port;                                    /* ... to this port */
	/* The host the plaintext before TLS names (wire bytes): the CONNECT line's (http_connect), or the
	 * domain of an XMPP client's stream header (`to`, starttls xmpp); empty when none does. */
	struct tls_name prelude_host;
	/* The real client a load balancer named in a PROXY protocol header before
	 * the client's first bytes (version 0: there was none). */
	struct {
		uint8_t version;  /* 1 or 2 */
		bool has_address; /* false: v1 UNKNOWN, v2 LOCAL (a health check), a family without IP */
		uint16_t port;
		struct ts_addr addr;
	} proxied;
	struct conn_openvpn openvpn;
};

/* Evidence for who is the client, weakest first: stronger evidence overrides weaker. */
enum conn_role_source {
	ROLE_GUESSED = 0, /* lower port / first packet: no better evidence yet */
	ROLE_FROM_SERVER_HELLO,
	ROLE_FROM_CLIENT_HELLO,
	ROLE_FROM_SYN
};

const char *conn_role_source_name(uint8_t s);

static inline uint8_t conn_server_dir(const struct conn *c)
{
	return (uint8_t)(c->client_dir ^ 1);
}

static inline const struct conn_side *conn_client(const struct conn *c)
{
	return &c->side[c->client_dir];
}

static inline const struct conn_side *conn_server(const struct conn *c)
{
	return &c->side[c->client_dir ^ 1];
}

/* Negotiated version (0 if no ServerHello). */
uint16_t conn_version(const struct conn *c);

/* TLS 1.3 or one of its drafts (0x7fNN, Facebook's 0xfbNN): keys change after the ServerHello. */
bool tls_version_is_13(uint16_t version);
bool conn_is_tls13(const struct conn *c);

/* Bytes of the handshake were not captured (a hole in either direction before it was over):
 * what was in them is unknown, and nothing is to be inferred from their absence. */
bool conn_handshake_gapped(const struct conn *c);

/* Append to the timeline; past CONN_MAX_EVENTS only counted. */
void conn_add_event(struct conn *c, int64_t ts_ns, uint8_t dir, enum conn_event_type type, uint16_t detail);

void conn_add_anomaly(struct conn *c, enum conn_anomaly a);

/* The stage a message sent now belongs to. */
enum conn_stage conn_current_stage(const struct conn *c);

/*
 * Live reporting: is the outcome settled while the connection goes on? A
 * failing alert or a close before the handshake is over settles it; a
 * finished handshake is settled by client data or a client close (a close
 * right after the handshake is how some clients reject a certificate), or
 * else by `grace_over`. Never for a connection not (yet) seen to be TLS.
 */
bool conn_decided(const struct conn *c, bool grace_over);

/* Derive `outcome` from what was seen. Call once, when the connection ends
 * (or on a copy, when conn_decided() says it is settled). */
void conn_finish(struct conn *c);

/*
 * Bytes from the wire (a server name, an ALPN id) as text for people and
 * for name checks: printable ASCII kept, anything else, space and backslash
 * included, written as \xNN, so the text cannot pass for another name.
 * Always NUL-terminated; cut to fit outlen.
 */
void conn_wire_text(const uint8_t *b, size_t n, char *out, size_t outlen);

/* The client a PROXY protocol header named, for people: "198.51.100.7:51234
 * (PROXY protocol v1)", "none named (PROXY protocol v2)"; "" without a header. */
const char *conn_proxied_text(const struct conn *c, char *out, size_t outlen);

/* The OpenVPN tunnel that carried the TLS, for people: "OpenVPN over UDP, control channel
 * tls-auth (32-byte HMAC)"; "" when there was none. */
const char *conn_openvpn_text(const struct conn *c, char *out, size_t outlen);

/* Free what the record owns (hellos, certificate blobs), not the record. */
void conn_release(struct conn *c);

/* Heap bytes the record owns (hellos, certificate blobs): what conn_release() frees. */
size_t conn_heap_bytes(const struct conn *c);

/* Move a record: *dst gets everything, src keeps nothing it would free. */
void conn_move(struct conn *dst, struct conn *src);

/* What the capture shows of the server's certificates: "visible", "cut",
 * "compressed", "encrypted", "not_sent" or "not_seen" (docs/json.md). */
const char *conn_certificates_state(const struct conn *c);

/* How the handshake resumed an earlier session, NULL when it did not (or the record cannot
 * tell): "psk" (TLS 1.3: the ServerHello accepts a pre_shared_key), "ticket" or "session_id"
 * (TLS <= 1.2: the server echoes the client's session ID and sends no Certificate, RFC 5077 3.4). */
const char *conn_resumption(const struct conn *c);

#endif
