/*
 * ts_limits.h - every limit tlsscope enforces, in one place.
 *
 * Each number says where it comes from. Every limit has a counter in
 * struct ts_stats (ts_stats.h) that says how often it was hit, and the
 * table in docs/limits.md lists them for users.
 */
#ifndef TLSSCOPE_LIMITS_H
#define TLSSCOPE_LIMITS_H

/* Link and network layers. */
#define DECODE_MAX_ENCAP_DEPTH 8      /* VLAN tags + tunnels nested in one frame */
#define DECODE_MAX_IPV6_EXT_HEADERS 8 /* extension headers followed per packet */

/* Flow table. Defaults; the CLI can change the memory cap and idle timeout. */
#define FLOW_DEFAULT_MEMORY_CAP (256u << 20) /* all flow state, buffers included */
#define FLOW_DEFAULT_IDLE_TIMEOUT_S                                                                          \
	300 /* a quiet TCP connection is dropped, as in Zeek's tcp_inactivity_timeout */
#define FLOW_HANDSHAKE_IDLE_TIMEOUT_S 60          /* a flow still in its handshake waits less */
#define FLOW_EXPIRY_SCAN_INTERVAL_NS 1000000000LL /* look for idle flows once a capture second */
#define FLOW_DECIDE_GRACE_NS                                                                                 \
	1000000000LL /* live: a finished handshake is called established after this long                     \
	                without client data or close (a client that rejects the server                       \
	                closes within milliseconds) */
/* A connection closed by both FINs or a RST is remembered this long, so that
 * a segment still in flight (a retransmission, data racing the RST) is
 * counted as late, not taken for a new connection: Linux's TIME_WAIT
 * (TCP_TIMEWAIT_LEN, 60 s). A SYN ends the wait at once. */
#define FLOW_LINGER_NS (60LL * 1000000000LL)
#define FLOW_LINGER_MAX 4096 /* closed connections remembered at once; the oldest is forgotten first */

/* Capture time. A frame dated this far past the running clock is an
 * anomaly read at the running time (one forged far-future frame would
 * otherwise stop idle expiry for the rest of the capture); the clock
 * follows only once CAPTURE_TIME_JUMP_CONFIRM frames in a row agree on the
 * new window (a merged capture, or one paused for hours, then resumed). */
#define CAPTURE_TIME_JUMP_MAX_NS (3600LL * 1000000000LL) /* an hour: twelve default idle timeouts */
#define CAPTURE_TIME_JUMP_CONFIRM 16

/* TCP reassembly, per direction. */
#define REASM_MAX_OOO_BYTES (256u << 10)      /* bytes held waiting for a gap to fill */
#define REASM_MAX_OOO_BYTES_QUIET (64u << 10) /* the same once the handshake is over: reordering only */
#define REASM_MAX_OOO_SEGMENTS 512            /* segments held waiting for a gap to fill */
/* delivered bytes kept to compare retransmissions with (a power of two): a
 * few MSS-sized segments, the span a spurious retransmission goes back */
#define REASM_OVERLAP_HISTORY 4096u
/* a segment further ahead than this is not ours (RFC 7323 max window) */
#define REASM_MAX_WINDOW (1u << 30)

/* TLS. */
#define TLS_MAX_RECORD_LEN (16384u + 2048u) /* RFC 5246 6.2.3: TLSCiphertext.length <= 2^14 + 2048 */
#define TLS_MAX_HANDSHAKE_MSG                                                                                \
	(256u << 10)                         /* OpenSSL's max_cert_list default is 100 KiB; a ClientHello    \
	                                        is capped near 128 KiB; twice that for odd servers */
#define TLS_MAX_HANDSHAKE_BYTES (512u << 10) /* all cleartext handshake bytes kept per direction */
#define TLS_STARTTLS_SCAN_BYTES (64u << 10)  /* plaintext prelude searched for a TLS hello per direction */
/* Prelude start kept per direction: a MySQL greeting's capabilities sit about 50 bytes in, after
 * a version string; an XMPP stream header's `to` up to about 200, after an XML declaration. */
#define STARTTLS_HEAD_BYTES 256
#define STARTTLS_TAIL_BYTES                                                                                  \
	256                      /* prelude end kept per direction: the upgrade command and its answer       \
	                            (an XMPP <starttls/> is 51 bytes, an LDAP StartTLS request 31) */
#define TLS_MAX_CERTS_PER_MSG 32 /* certificates kept from one Certificate message */
#define TLS_MAX_CERT_BYTES (256u << 10) /* DER bytes kept per connection, all certificates */
#define TLS_MAX_CIPHER_SUITES 256       /* suites kept from a ClientHello (the list is counted whole) */
#define TLS_MAX_EXTENSIONS 64           /* extensions kept per hello, in wire order */
#define TLS_MAX_LIST_ITEMS 64           /* groups, signature algorithms, versions, ALPN ids kept */
#define TLS_MAX_SNI_NAMES 4             /* server_name entries kept (RFC 6066 allows one per type) */
#define TLS_MAX_NAME_LEN 255            /* RFC 6066: HostName is opaque<1..2^16-1>; DNS names are <= 253 */
#define TLS_MAX_ALPN_LEN 255            /* RFC 7301: ProtocolName is opaque<1..2^8-1> */
#define TLS_MAX_ALERTS 16               /* alerts kept per connection */

/* QUIC. */
#define QUIC_MAX_CRYPTO_BYTES                                                                                \
	(64u << 10) /* CRYPTO stream bytes kept per direction and packet number space:                       \
	               a ClientHello fits many times over, a certificate chain                               \
	               (Handshake space, with a key log) nearly always */
#define QUIC_MAX_CRYPTO_RANGES                                                                               \
	16                       /* separate pieces tracked per CRYPTO stream (Chrome scatters its           \
	                            ClientHello over a dozen frames) */
#define QUIC_MAX_CLOSE_REASON 64 /* CONNECTION_CLOSE reason phrase bytes kept */
#define QUIC_MAX_VN_VERSIONS 16  /* versions kept from a Version Negotiation packet (servers offer a few) */

/* OpenVPN (dissectors/openvpn.h). */
#define OPENVPN_MAX_CONTROL_PACKET                                                                           \
	4096 /* a control packet held whole (over TCP, across segments): OpenVPN 2.6 cuts its TLS            \
	        bytes at --tls-mtu (1250 by default), older ones at the link MTU (~1500) */
#define OPENVPN_MAX_PENDING                                                                                  \
	16 /* control packets held per direction until the ones before them arrive: OpenVPN's                \
	      reliability layer receives at most 8 ahead (TLS_RELIABLE_N_REC_BUFFERS) */

/* Certificates. */
#define CERT_CACHE_MAX_ENTRIES 4096 /* distinct certificates kept parsed (a few MiB) */
/* Per certificate, past what real certificates reach: a certificate over one
 * is listed by its fingerprints with parsed false and parse_error
 * "oversized: ..." (counted in the summary's memory.certificates.oversized),
 * so a crafted one cannot make parsing cost megabytes. The chain's length is
 * capped by TLS_MAX_CERTS_PER_MSG and TLS_MAX_CERT_BYTES (certificates_state "cut"). */
#define X509_MAX_DER_BYTES                                                                                   \
	(64u << 10) /* the largest post-quantum ones (an SLH-DSA-SHA2-256f signature is 49,856 bytes,        \
	               FIPS 205) stay below; a web PKI leaf is 1-3 KiB */
/* subjectAltName names: public CAs sell at most 100-250 per certificate */
#define X509_MAX_SAN_ENTRIES 1024
#define X509_MAX_EXTENSIONS 64 /* a web PKI leaf carries about 10 */
/* verified chains remembered (key: the chain and its validity window) */
#define TRUST_CACHE_MAX_ENTRIES 4096
#define TRUST_CACHE_MIN_ENTRIES 64 /* ... and at least this many, whatever the budget */
/* certificates in a verified chain (OpenSSL allows depth 100; 16 is ample) */
#define TLS_MAX_CHAIN_BUILT 16
/* certificates the JSON writer remembers as already written (~100 bytes each); past it
 * it forgets them all and writes each again before its next reference */
#define JSON_CERT_TABLE_MAX_ENTRIES (1u << 17)
/* --json-detail full: bytes of formatted certificate objects kept for reuse */
#define JSON_CERT_MEMO_MAX_BYTES (8u << 20)

/* Key log (--keylog) and decryption of the handshake with it. */
#define KEYLOG_MAX_FILE_BYTES                                                                                \
	(64u << 20)         /* a key log has ~5 lines of ~200 bytes per connection: 64k connections */
#define KEYLOG_MAX_LINE 512 /* longest NSS line: a 31-byte label + 64 + 96 hex digits, with room */
#define KEYLOG_MAX_ENTRIES (1u << 18) /* client randoms kept (~0.4 KiB each) */
#define TLS_DECRYPT_LATE_RECORDS 16   /* records read per side after its Finished: tickets, alerts */
/* ... of those, only records this short (an alert is 19 bytes, a ticket ~250) */
#define TLS_DECRYPT_LATE_RECORD_LEN 2048

/* Connection record. */
#define CONN_MAX_EVENTS 48 /* timeline entries kept per connection */
/* NewSessionTicket tickets kept per connection for linking resumptions: OpenSSL servers send 2 after
 * a TLS 1.3 handshake, one in TLS 1.2 (SSL_CTX_set_num_tickets); a client resumes with one of them. */
#define CONN_MAX_TICKETS 4
/* Sessions (session IDs and tickets) remembered per run to link a resumption to the full handshake
 * that created it; the oldest is forgotten first (a capture's resumptions follow soon after). */
#define RESUME_MAX_SESSIONS 4096
/* CertificateRequest certificate_authorities kept: a server names its client CAs (a handful in
 * practice; a public bundle's 140 names would be 20 KiB), each DER DistinguishedName under
 * TLS_MAX_CA_NAME_LEN, all together under TLS_MAX_CA_NAME_BYTES; the rest are counted. */
#define TLS_MAX_CA_NAMES 16
#define TLS_MAX_CA_NAME_LEN 1024
#define TLS_MAX_CA_NAME_BYTES 4096

/* Outputs. */
/* connections drawn in the HTML report, the worst first: about 7 KB and 150 DOM
 * nodes each; at 2000 a browser takes seconds to open and sort the page. The
 * charts count them all. */
#define HTML_MAX_CONNS 1000
/* rows of the HTML report's connection table (each ~400 bytes of HTML; the
 * details are only for the HTML_MAX_CONNS worst): the filter searches them all */
#define HTML_MAX_ROWS 100000
#define HTML_TABLE_PAGE 500 /* table rows drawn at once; the filter pages through every match */
/* cause x server x client groups of the roll-up: a run with more distinct groups
 * than that has no "top" to show; the rest are counted (rollup.dropped). */
#define ROLLUP_MAX_GROUPS 4096
#define ROLLUP_MIN_CONNS 6 /* the roll-up is shown from this many connections: below, the list is short */
#define ROLLUP_SHOWN 20    /* groups listed at the top of the text and HTML reports, the largest first */

#endif
