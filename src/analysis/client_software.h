/*
 * client_software.h - which client software sent a ClientHello, from the
 * ClientHello alone: node, curl, openssl, python, java, gnutls, go or unknown.
 *
 * Owns the comparison with the table measured on the real clients
 * (client_software.tab, written by tests/e2e/client_hellos.py and compiled
 * in): cipher suites, extension types (without the ones an application or the
 * moment decides: SNI, ALPN, padding, pre_shared_key, early_data, cookie),
 * supported groups, signature algorithms and versions, each in wire order with
 * GREASE values removed. All five equal: high confidence; the same cipher
 * suites, groups and signature algorithms with other extensions or versions
 * (the same library, other options): medium; the same cipher suites only: low.
 */
#ifndef TLSSCOPE_CLIENT_SOFTWARE_H
#define TLSSCOPE_CLIENT_SOFTWARE_H

#include <stdbool.h>

#include "hostname.h"
#include "tls_handshake.h"

enum client_confidence {
	CLIENT_CONFIDENCE_NONE = 0,
	CLIENT_CONFIDENCE_LOW,
	CLIENT_CONFIDENCE_MEDIUM,
	CLIENT_CONFIDENCE_HIGH
};

const char *client_confidence_name(enum client_confidence c); /* "none", "low", "medium", "high" */

struct client_software {
	const char *name;     /* the table's client ("node", "curl", ...), or "unknown" */
	const char *measured; /* the version the table was measured on ("node v20.20.2"), or "" */
	enum client_confidence confidence;
	char evidence[448]; /* what matched, and what did not */
};

/* Identify the sender of `ch` (NULL: unknown, confidence none). */
void client_software_identify(const struct tls_client_hello *ch, struct client_software *out);

/* One line for a reader: "node (high confidence: ...evidence)", "unknown (...evidence)". */
void client_software_describe(const struct client_software *s, char *out, size_t cap);

/* The predicted client it is (for leading client_errors with it); false for unknown, gnutls. */
bool client_software_client(const struct client_software *s, enum tls_client *out);

#endif
