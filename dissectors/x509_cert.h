/*
 * x509_cert.h - what tlsscope reads out of one X.509 certificate.
 *
 * Owns the extraction of certificate fields with OpenSSL libcrypto (the
 * only place X.509 is parsed): names, subjectAltName entries, validity,
 * key, signature algorithm, and the extensions the diagnosis needs. Strings
 * are UTF-8 made by libcrypto (RFC 4514 for names), owned by the struct.
 * A certificate libcrypto cannot parse gives parsed == false and a reason;
 * the fingerprints are still set.
 */
#ifndef TLSSCOPE_X509_CERT_H
#define TLSSCOPE_X509_CERT_H

#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ts_status.h"

/* A list of strings owned by the certificate. */
struct x509_strings {
	char **v;
	size_t count;
};

/* An IP address from a subjectAltName: 4 or 16 bytes, and its text. */
struct x509_ip {
	uint8_t addr[16];
	uint8_t len; /* 4 or 16; other lengths are kept as len 0 (malformed) */
	char text[48];
};

/* keyUsage bits (RFC 5280 4.2.1.3), in this order. */
enum {
	X509_KU_DIGITAL_SIGNATURE = 1u << 0,
	X509_KU_NON_REPUDIATION = 1u << 1,
	X509_KU_KEY_ENCIPHERMENT = 1u << 2,
	X509_KU_DATA_ENCIPHERMENT = 1u << 3,
	X509_KU_KEY_AGREEMENT = 1u << 4,
	X509_KU_KEY_CERT_SIGN = 1u << 5,
	X509_KU_CRL_SIGN = 1u << 6,
	X509_KU_ENCIPHER_ONLY = 1u << 7,
	X509_KU_DECIPHER_ONLY = 1u << 8
};

struct x509_cert {
	uint8_t sha256[32];
	uint8_t sha1[20];
	uint32_t der_len;
	bool parsed;
	bool oversized;        /* not parsed: past a per-certificate limit (ts_limits.h X509_MAX_*) */
	char parse_error[160]; /* why not, when !parsed */

	char *subject; /* RFC 4514, e.g. "CN=www.example.test,O=Example" */
	char *issuer;
	struct x509_strings subject_cn; /* every CN of the subject, in order */
	char *issuer_cn;                /* last CN of the issuer, NULL if none */
	struct x509_strings san_dns;
	struct x509_ip *san_ip;
	size_t san_ip_count;
	struct x509_strings san_email;
	struct x509_strings san_uri;
	bool has_san;         /* the subjectAltName extension is present (even if empty) */
	size_t dropped_names; /* subject CNs and SAN/AIA strings left out of the lists above: they
	                         held a NUL (which could hide a different name behind a valid
	                         one, CVE-2009-2408) or were not convertible to UTF-8 */

	int64_t not_before; /* Unix seconds (UTCTime and GeneralizedTime alike) */
	int64_t not_after;
	char *serial; /* hex, as OpenSSL prints it, upper case, no colons */
	int version;  /* 1, 2 or 3 */

	char key_type[24];            /* "RSA", "EC", "Ed25519", "ML-DSA-44", ... */
	int key_bits;                 /* EVP_PKEY_get_bits(); 0 if unknown */
	char key_curve[32];           /* EC: "prime256v1" etc., else "" */
	char signature_algorithm[48]; /* long name, e.g. "sha256WithRSAEncryption" */
	bool weak_signature_hash;     /* MD2/MD4/MD5/SHA-1 */

	bool has_basic_constraints;
	bool is_ca;
	int path_len; /* -1 when absent */
	bool has_key_usage;
	uint32_t key_usage; /* X509_KU_* */
	bool has_eku;
	bool eku_server_auth, eku_client_auth, eku_any;
	struct x509_strings eku;            /* short names or dotted OIDs, in order */
	struct x509_strings aia_ca_issuers; /* URLs */
	struct x509_strings aia_ocsp;
	char *ski; /* hex, NULL if absent */
	char *aki; /* keyIdentifier hex, NULL if absent */

	bool self_issued; /* issuer DN equals subject DN */
	bool self_signed; /* self-issued and the signature verifies with its own key */

	X509 *x509; /* the parsed certificate (NULL if !parsed), owned */
};

/* Parse one DER certificate. Never fails on bad input: see `parsed`. TS_NOMEM only. */
enum ts_status x509_cert_parse(const uint8_t *der, size_t len, struct x509_cert *out);
void x509_cert_free(struct x509_cert *c);

/* "Mar  1 00:00:00 2026 GMT"-free: ISO 8601 UTC "2026-03-01T00:00:00Z" into buf (>= 21 bytes). */
const char *x509_time_format(int64_t t, char *buf, size_t len);

/* A DER Name from the wire (a CertificateRequest's certificate_authorities entry) as RFC 4514 text,
 * written like `subject`; cut to fit n. False (and "") when the bytes are not one whole Name. */
bool x509_name_der_text(const uint8_t *der, size_t len, char *out, size_t n);

/* Whether the certificate's issuer (issuer true) or subject equals that DER Name, as OpenSSL
 * compares names (X509_NAME_cmp: the canonical encodings). */
bool x509_cert_names_match(const struct x509_cert *c, const uint8_t *der, size_t len, bool issuer);

#endif
