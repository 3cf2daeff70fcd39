/*
 * hostname.h - does a certificate name the host a client expects, by the
 * rules of each client people actually use.
 *
 * Owns the per-client name matching: which subjectAltName types count,
 * whether the subject CN is a fallback, how wildcards match, and how an IP
 * address host is treated. Each rule set follows the client's documented
 * behaviour and is checked against the real client on loopback (tests).
 * Input is the already-parsed certificate; nothing here touches OpenSSL.
 */
#ifndef TLSSCOPE_HOSTNAME_H
#define TLSSCOPE_HOSTNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "x509_cert.h"

enum tls_client {
	CLIENT_NODE = 0, /* Node.js tls.checkServerIdentity */
	CLIENT_OPENSSL,  /* openssl s_client -verify_hostname / X509_check_host defaults */
	CLIENT_CURL,     /* curl built with OpenSSL */
	CLIENT_PYTHON,   /* Python 3.7+ ssl.create_default_context() */
	CLIENT_GO,       /* Go crypto/tls */
	CLIENT_JAVA,     /* Java default HTTPS hostname verifier */
	CLIENT_BROWSER,  /* Chrome / Firefox (CA/Browser Forum rules) */
	CLIENT_COUNT
};

const char *
tls_client_name(enum tls_client c); /* "node", "openssl", "curl", "python", "go", "java", "browser" */

enum host_match_result {
	HOST_MATCH = 0,         /* a SAN matched */
	HOST_MATCH_CN,          /* matched the subject CN (fallback; some clients refuse) */
	HOST_MISMATCH,          /* names present, none matched */
	HOST_MISMATCH_WILDCARD, /* only a wildcard came close: it covers one label (or is partial / too broad)
	                         */
	HOST_IP_NOT_IN_SAN,     /* host is an IP address and no IP SAN equals it */
	HOST_NO_NAMES           /* the certificate names no host at all this client would look at */
};

struct host_match {
	enum host_match_result result;
	bool ok;                   /* result is HOST_MATCH or (HOST_MATCH_CN and the client accepts it) */
	const char *matched;       /* the certificate name that matched (points into the cert), or NULL */
	const char *near_wildcard; /* the wildcard SAN that came closest, for the message, or NULL */
};

/* Parse an IPv4 or IPv6 literal (no brackets, no zone); true if `host` is one. */
bool hostname_parse_ip(const char *host, uint8_t addr[16], uint8_t *len);

/* Match `host` (a DNS name or an IP literal, any case, optional trailing dot) against `cert` for `client`. */
struct host_match hostname_match(enum tls_client client, const struct x509_cert *cert, const char *host);

/* Does the DNS name `pattern` (from a certificate) match `host` under the client's wildcard rules? */
bool hostname_pattern_matches(enum tls_client client, const char *pattern, const char *host);

#endif
