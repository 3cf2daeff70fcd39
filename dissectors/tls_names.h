/*
 * tls_names.h - IANA names for TLS code points, in one set of tables.
 *
 * Owns the {value, "name"} tables for protocol versions, cipher suites,
 * extensions, alerts, handshake types, supported groups, signature schemes
 * and EC point formats. Lookups never fail: an unknown value gets NULL from
 * the *_name functions, and callers print the number instead.
 */
#ifndef TLSSCOPE_TLS_NAMES_H
#define TLSSCOPE_TLS_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "TLSv1.2", "TLSv1.3", "SSLv3", "SSLv2", "TLSv1.3-draft28"; writes "0xfb1a" for unknown values. */
const char *tls_version_name(uint16_t version, char *buf, size_t buflen);
/* NN of a draft-ietf-tls-tls13-NN version (0x7fNN), 0 for any other version. */
unsigned tls13_draft_number(uint16_t version);

const char *tls_cipher_suite_name(uint16_t suite);      /* "TLS_AES_128_GCM_SHA256" */
const char *tls_extension_name(uint16_t type);          /* "server_name" */
const char *tls_alert_name(uint8_t description);        /* "handshake_failure" */
const char *tls_alert_level_name(uint8_t level);        /* "warning", "fatal" */
const char *tls_handshake_type_name(uint8_t type);      /* "client_hello" */
const char *tls_group_name(uint16_t group);             /* "x25519", "secp256r1" */
const char *tls_signature_scheme_name(uint16_t scheme); /* "rsa_pss_rsae_sha256" */
const char *tls_ec_point_format_name(uint8_t format);   /* "uncompressed" */
const char *tls_content_type_name(uint8_t type);        /* "handshake" */

/* RFC 8701 GREASE values (0x0a0a, 0x1a1a, ... 0xfafa). */
bool tls_is_grease(uint16_t value);

/* Key exchange family of a suite, for reading ServerKeyExchange. */
enum tls_kex { TLS_KEX_OTHER = 0, TLS_KEX_ECDHE, TLS_KEX_DHE, TLS_KEX_RSA, TLS_KEX_TLS13 };
enum tls_kex tls_cipher_suite_kex(uint16_t suite);

#endif
