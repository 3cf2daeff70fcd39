/*
 * starttls.h - which protocol upgraded a plaintext connection to TLS.
 *
 * Owns the recognition of the upgrade commands in the plaintext that each
 * side sent before its first TLS record (the "prelude" the record layer
 * skips, tls_stream.h): SMTP/IRC STARTTLS, IMAP STARTTLS, POP3 STLS, FTP
 * AUTH TLS, XMPP <starttls/>, LDAP's StartTLS extended operation, the
 * PostgreSQL SSLRequest and the MySQL SSL request. Per direction it keeps
 * only the first STARTTLS_HEAD_BYTES and the last STARTTLS_TAIL_BYTES of the
 * prelude (ts_limits.h): a greeting or a binary request is at the start,
 * the upgrade command and its answer at the end. It never prints and never
 * fails; bytes that are not one of these protocols give STARTTLS_NONE.
 */
#ifndef TLSSCOPE_STARTTLS_H
#define TLSSCOPE_STARTTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ts_limits.h"

enum starttls_proto {
	STARTTLS_NONE = 0, /* TLS from the first byte, or a prelude that is none of these */
	STARTTLS_SMTP,
	STARTTLS_IMAP,
	STARTTLS_POP3,
	STARTTLS_FTP,
	STARTTLS_XMPP,
	STARTTLS_LDAP,
	STARTTLS_POSTGRESQL,
	STARTTLS_MYSQL,
	STARTTLS_IRC,
	STARTTLS_PROTO_COUNT
};

/* The prelude of one direction, as much of it as is kept. */
struct starttls_dir {
	uint8_t head[STARTTLS_HEAD_BYTES];
	uint8_t tail[STARTTLS_TAIL_BYTES];
	uint16_t head_len;
	uint16_t tail_len;
};

/* Plaintext bytes of one direction, in stream order. */
void starttls_feed(struct starttls_dir *d, const uint8_t *p, size_t n);

/*
 * The protocol that asked for TLS, judged from both directions' preludes.
 * The roles are read from the bytes themselves (the side that sent the
 * upgrade request is the client), so the caller's guess of who is the
 * client does not matter.
 */
enum starttls_proto starttls_detect(const struct starttls_dir *a, const struct starttls_dir *b);

/*
 * An HTTPS proxy tunnel (RFC 9110 9.3.6): the client's prelude starts with "CONNECT host:port
 * HTTP/1.x" (authority-form, RFC 9112 3.2.3) and the server's answer with a 2xx status line. Fills
 * the host as sent (an IPv6 literal without its brackets; at most `cap` bytes, else false) and the
 * port. Either argument may be the client: the CONNECT line says which.
 */
bool starttls_http_connect(const struct starttls_dir *a, const struct starttls_dir *b, uint8_t *host,
                           size_t cap, size_t *host_len, uint16_t *port);

/*
 * XMPP (RFC 6120 4.7.2): the domain the initiating entity's stream header names in its `to`
 * attribute, the name it checks the server's certificate against (RFC 6120 13.7.2), whether or
 * not it also sends SNI. Either argument may be the client: the side that asked for <starttls/> is.
 * Fills at most `cap` bytes (else false); false when no stream header with a plausible domain is
 * in the kept head of the client's prelude.
 */
bool starttls_xmpp_to(const struct starttls_dir *a, const struct starttls_dir *b, uint8_t *host, size_t cap,
                      size_t *host_len);

/* "smtp", "imap", ...; NULL for STARTTLS_NONE. Zeek's names for the same analyzers. */
const char *starttls_name(enum starttls_proto p);

#endif
