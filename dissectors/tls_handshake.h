/*
 * tls_handshake.h - TLS handshake message parsers (RFC 5246, RFC 8446).
 *
 * Owns the layout of the handshake messages a passive observer sees in
 * clear: ClientHello (including SSLv2-compatible ones), ServerHello and
 * HelloRetryRequest, Certificate, CertificateRequest, CertificateStatus,
 * ServerKeyExchange. Each parser takes one complete message body (the bytes
 * after the 4-byte handshake header) and fills a plain struct; it keeps no
 * pointer into the body except where a function says so. Lists are capped
 * (ts_limits.h) but always counted whole, so the caller can say "kept 64 of
 * 91". Parsers never print: they return a status and set `malformed` notes.
 */
#ifndef TLSSCOPE_TLS_HANDSHAKE_H
#define TLSSCOPE_TLS_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ts_limits.h"
#include "ts_status.h"

/* Handshake message types (IANA "TLS HandshakeType"). */
enum {
	TLS_HS_HELLO_REQUEST = 0,
	TLS_HS_CLIENT_HELLO = 1,
	TLS_HS_SERVER_HELLO = 2,
	TLS_HS_NEW_SESSION_TICKET = 4,
	TLS_HS_END_OF_EARLY_DATA = 5,
	TLS_HS_ENCRYPTED_EXTENSIONS = 8,
	TLS_HS_CERTIFICATE = 11,
	TLS_HS_SERVER_KEY_EXCHANGE = 12,
	TLS_HS_CERTIFICATE_REQUEST = 13,
	TLS_HS_SERVER_HELLO_DONE = 14,
	TLS_HS_CERTIFICATE_VERIFY = 15,
	TLS_HS_CLIENT_KEY_EXCHANGE = 16,
	TLS_HS_FINISHED = 20,
	TLS_HS_CERTIFICATE_STATUS = 22,
	TLS_HS_KEY_UPDATE = 24,
	TLS_HS_COMPRESSED_CERTIFICATE = 25, /* RFC 8879 */
	TLS_HS_MESSAGE_HASH = 254
};

/* Record content types (RFC 8446 5.1). */
enum {
	TLS_CT_CHANGE_CIPHER_SPEC = 20,
	TLS_CT_ALERT = 21,
	TLS_CT_HANDSHAKE = 22,
	TLS_CT_APPLICATION_DATA = 23,
	TLS_CT_HEARTBEAT = 24
};

/* Extension types used by the parsers (IANA "TLS ExtensionType Values"). */
enum {
	TLS_EXT_SERVER_NAME = 0,
	TLS_EXT_STATUS_REQUEST = 5,
	TLS_EXT_SUPPORTED_GROUPS = 10,
	TLS_EXT_EC_POINT_FORMATS = 11,
	TLS_EXT_SIGNATURE_ALGORITHMS = 13,
	TLS_EXT_ALPN = 16,
	TLS_EXT_SCT = 18,
	TLS_EXT_ENCRYPT_THEN_MAC = 22,
	TLS_EXT_EXTENDED_MASTER_SECRET = 23,
	TLS_EXT_SESSION_TICKET = 35,
	TLS_EXT_PRE_SHARED_KEY = 41,
	TLS_EXT_EARLY_DATA = 42,
	TLS_EXT_SUPPORTED_VERSIONS = 43,
	TLS_EXT_COOKIE = 44,
	TLS_EXT_PSK_KEY_EXCHANGE_MODES = 45,
	TLS_EXT_POST_HANDSHAKE_AUTH = 49,
	TLS_EXT_SIGNATURE_ALGORITHMS_CERT = 50,
	TLS_EXT_KEY_SHARE = 51,
	TLS_EXT_ENCRYPTED_CLIENT_HELLO = 0xfe0d,
	TLS_EXT_RENEGOTIATION_INFO = 0xff01
};

/* A list of 16-bit code points kept up to a cap; `total` counts them all. */
struct tls_u16_list {
	uint16_t v[TLS_MAX_LIST_ITEMS];
	uint16_t count; /* kept */
	uint16_t total; /* on the wire */
};

/* Bytes from the wire (may hold NUL or anything else: not a C string). */
struct tls_name {
	uint16_t len;      /* bytes kept in `bytes` */
	uint16_t wire_len; /* length on the wire (> len when cut at the cap) */
	uint8_t bytes[TLS_MAX_NAME_LEN];
};

struct tls_extension {
	uint16_t type;
	uint16_t len;
};

struct tls_client_hello {
	bool sslv2_format;       /* SSLv2-compatible CLIENT-HELLO (no extensions possible) */
	uint16_t legacy_version; /* client_version */
	uint8_t random[32];      /* SSLv2: the challenge, right-aligned and zero-padded */
	uint8_t session_id_len;
	uint8_t session_id[32];
	uint16_t cipher_suites[TLS_MAX_CIPHER_SUITES]; /* SSLv2: 3-byte kinds with a zero first byte */
	uint16_t cipher_suite_count;                   /* kept */
	uint16_t cipher_suite_total;                   /* on the wire */
	uint8_t compression_methods[16];
	uint8_t compression_count;
	struct tls_extension extensions[TLS_MAX_EXTENSIONS]; /* wire order */
	uint16_t extension_count;                            /* kept */
	uint16_t extension_total;                            /* on the wire */
	bool duplicate_extension;                            /* RFC 8446 4.2: MUST NOT appear twice */

	struct tls_name sni[TLS_MAX_SNI_NAMES]; /* host_name entries, in order */
	uint8_t sni_count;
	uint8_t sni_total;
	struct tls_name alpn[8];
	uint8_t alpn_count;
	uint8_t alpn_total;
	struct tls_u16_list supported_versions;
	struct tls_u16_list supported_groups;
	uint8_t ec_point_formats[8];
	uint8_t ec_point_format_count;
	uint8_t ec_point_format_total; /* on the wire */
	struct tls_u16_list signature_algorithms;
	struct tls_u16_list key_share_groups;
	struct tls_u16_list psk_key_exchange_modes;
	uint16_t psk_identity_count; /* pre_shared_key identities offered */
	bool has_pre_shared_key;
	bool has_early_data;
	bool has_renegotiation_info;
	bool has_encrypted_client_hello; /* ECH outer ClientHello (draft-ietf-tls-esni) */
	bool has_session_ticket;
	uint16_t session_ticket_len;  /* > 0: the client is resuming with a ticket */
	uint64_t session_ticket_hash; /* tls_ticket_hash() of that ticket, 0 if none */
	uint64_t psk_identity_hash;   /* tls_ticket_hash() of the first PSK identity, 0 if none */
	bool has_status_request;
	bool has_extended_master_secret;
	bool has_encrypt_then_mac;
	bool has_post_handshake_auth;
	bool has_scsv_renegotiation; /* TLS_EMPTY_RENEGOTIATION_INFO_SCSV offered */
	bool has_scsv_fallback;      /* TLS_FALLBACK_SCSV offered */
	unsigned malformed;          /* TLS_HELLO_* bits below */
};

/* Notes a hello parser raises; the message is still used as far as it parsed. */
enum {
	TLS_HELLO_TRUNCATED = 1u << 0,     /* the message ended inside a field */
	TLS_HELLO_TRAILING = 1u << 1,      /* bytes after the last field */
	TLS_HELLO_BAD_EXTENSION = 1u << 2, /* an extension's body did not parse */
	TLS_HELLO_LIST_CUT = 1u << 3       /* a list was longer than its cap */
};

struct tls_server_hello {
	uint16_t legacy_version;   /* server_version */
	uint16_t selected_version; /* supported_versions extension, 0 if absent */
	uint8_t random[32];
	uint8_t session_id_len;
	uint8_t session_id[32];
	uint16_t cipher_suite;
	uint8_t compression_method;
	bool is_hello_retry_request; /* random is SHA-256("HelloRetryRequest") (RFC 8446 4.1.3) */
	struct tls_extension extensions[TLS_MAX_EXTENSIONS];
	uint16_t extension_count;
	uint16_t extension_total;
	struct tls_name alpn; /* selected protocol, len 0 if none */
	bool has_alpn;
	uint16_t key_share_group; /* 0 if none; in an HRR, the group asked for */
	bool has_pre_shared_key;
	uint16_t selected_psk_identity;
	bool has_renegotiation_info;
	bool has_extended_master_secret;
	bool has_encrypt_then_mac;
	bool has_session_ticket;
	bool has_status_request; /* the server will send CertificateStatus */
	bool has_sct;
	unsigned malformed; /* TLS_HELLO_* bits */
};

/* The version the connection uses: supported_versions if present, else server_version. */
static inline uint16_t tls_server_hello_version(const struct tls_server_hello *sh)
{
	return sh->selected_version ? sh->selected_version : sh->legacy_version;
}

/*
 * One certificate of a Certificate message: a view into the message body
 * passed to tls_certificate_parse (valid only as long as that body is).
 */
struct tls_cert_view {
	const uint8_t *der;
	uint32_t len;
	const uint8_t *ext; /* TLS 1.3: the entry's extensions block (after its 2-byte length), else NULL */
	uint16_t ext_len;
};

/* What a TLS 1.3 CertificateEntry's extensions staple (RFC 8446 4.4.2.1). */
struct tls_cert_entry_ext {
	bool ocsp; /* status_request: an OCSP response (RFC 6066 8 CertificateStatus body) */
	uint32_t ocsp_len;
	uint16_t sct_count; /* signed_certificate_timestamp: SCTs in the list (RFC 6962 3.3) */
};

/* Parse one entry's extensions (tls_cert_view.ext). TS_MALFORMED if they do not parse. */
enum ts_status tls_cert_entry_extensions_parse(const uint8_t *ext, size_t len,
                                               struct tls_cert_entry_ext *out);

/* Parse a ClientHello body. TS_OK, or TS_MALFORMED when not even the fixed
 * part (version, random, session id, suites) could be read. */
enum ts_status tls_client_hello_parse(const uint8_t *body, size_t len, struct tls_client_hello *out);

/* Parse an SSLv2-compatible CLIENT-HELLO given the record body after the
 * 2-byte SSLv2 length header (msg_type 1 first). Sets sslv2_format. */
enum ts_status tls_client_hello_parse_sslv2(const uint8_t *body, size_t len, struct tls_client_hello *out);

/* Parse a ServerHello (or HelloRetryRequest) body. */
enum ts_status tls_server_hello_parse(const uint8_t *body, size_t len, struct tls_server_hello *out);

/*
 * Parse a Certificate body. `tls13` selects the RFC 8446 4.4.2 layout
 * (request context, per-certificate extensions). Fills up to `max` views in
 * wire order; *total is the number of certificates on the wire.
 */
enum ts_status tls_certificate_parse(const uint8_t *body, size_t len, bool tls13, struct tls_cert_view *out,
                                     size_t max, size_t *count, size_t *total);

struct tls_certificate_request {
	uint8_t cert_types[16]; /* TLS <= 1.2 ClientCertificateType list */
	uint8_t cert_type_count;
	struct tls_u16_list signature_algorithms;
	uint16_t ca_name_count; /* certificate_authorities entries */
	/* The first TLS_MAX_CA_NAMES of them as DER DistinguishedNames (RFC 5280 Name), copied into
	 * ca_der; a name too long for the caps is left out (ca_names_cut) but counted above. */
	uint8_t ca_der[TLS_MAX_CA_NAME_BYTES];
	uint16_t ca_off[TLS_MAX_CA_NAMES], ca_len[TLS_MAX_CA_NAMES];
	uint16_t ca_kept;
	uint16_t ca_der_used;
	bool ca_names_cut;
};

enum ts_status tls_certificate_request_parse(const uint8_t *body, size_t len, bool tls13,
                                             struct tls_certificate_request *out);

/* A session ticket (or TLS 1.3 PSK identity) as a run-keyed 64-bit hash, never 0: what links a
 * resumption to the handshake that issued the ticket without keeping the ticket's bytes. */
uint64_t tls_ticket_hash(const uint8_t *ticket, size_t len);

/* NewSessionTicket (RFC 5077 3.3; TLS 1.3 RFC 8446 4.6.1): *ticket_hash = tls_ticket_hash() of the
 * ticket, 0 when it is empty. */
enum ts_status tls_new_session_ticket_parse(const uint8_t *body, size_t len, bool tls13,
                                            uint64_t *ticket_hash);

/* CertificateStatus (RFC 6066 8): status_type and the OCSP response length. */
enum ts_status tls_certificate_status_parse(const uint8_t *body, size_t len, uint8_t *status_type,
                                            uint32_t *response_len);

/*
 * ServerKeyExchange (RFC 8422 5.4, RFC 5246 7.4.3): for ECDHE suites the
 * named group; for DHE suites the prime size in bits. The suite decides
 * which layout is read. Both outputs are 0 when the layout is neither.
 */
enum ts_status tls_server_key_exchange_parse(const uint8_t *body, size_t len, uint16_t cipher_suite,
                                             uint16_t *named_group, uint16_t *dh_bits);

#endif
