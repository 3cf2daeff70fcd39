/*
 * tls_fingerprint.h - client and server fingerprints computed from parsed
 * hellos: JA3 and JA3S (Salesforce, BSD-3-Clause) and JA4 (FoxIO's JA4
 * specification, BSD-3-Clause).
 *
 * Owns the text each fingerprint is built from and its hash. It reads only
 * the structs of tls_handshake.h, so it works the same whatever carried the
 * hello (TCP, QUIC); the caller says which for JA4's first character. The
 * rest of JA4+ (JA4S, JA4X, JA4H, JA4L, JA4T, JA4SSH) is under the FoxIO
 * License 1.1, which is not an open-source licence: it is not implemented
 * here (see docs/json.md).
 *
 * A fingerprint needs the hello's lists whole: when one of the lists it
 * reads was cut at its cap (ts_limits.h), the message was cut short, or the
 * hello is an SSLv2-compatible one (neither JA3 nor JA4 defines that form),
 * the functions return false and write an empty string.
 */
#ifndef TLSSCOPE_TLS_FINGERPRINT_H
#define TLSSCOPE_TLS_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>

#include "tls_handshake.h"

/* Room for any JA3, JA3S or JA4_r text the capped hello lists can give, NUL included:
 * at most 256 suites, 64 extensions, 64 groups or signature algorithms, 6 bytes each. */
#define TLS_FP_STRING_MAX 4096
#define TLS_FP_MD5_HEX 33 /* 32 hex digits and the NUL */
#define TLS_FP_JA4_LEN 37 /* "t13d1516h2_8daaf6152771_e5627efa2ab1" and the NUL */

/* JA4's first character: what carried the hello. */
enum tls_fp_transport { TLS_FP_TCP = 't', TLS_FP_QUIC = 'q', TLS_FP_DTLS = 'd' };

/* "SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats", decimal,
 * '-' between list items, GREASE values left out. */
bool tls_ja3_string(const struct tls_client_hello *ch, char *out, size_t outlen);

/* "SSLVersion,Cipher,Extensions" of a ServerHello (or HelloRetryRequest). */
bool tls_ja3s_string(const struct tls_server_hello *sh, char *out, size_t outlen);

/* MD5 of a JA3 or JA3S string as 32 lower-case hex digits: the JA3 / JA3S value proper. */
void tls_fp_md5_hex(const char *text, char out[TLS_FP_MD5_HEX]);

/* JA4, e.g. "t13d1516h2_8daaf6152771_e5627efa2ab1". */
bool tls_ja4(const struct tls_client_hello *ch, enum tls_fp_transport transport, char out[TLS_FP_JA4_LEN]);

/* JA4_r, the text JA4's hashes are taken of: the sorted lists in hex. */
bool tls_ja4_r(const struct tls_client_hello *ch, enum tls_fp_transport transport, char *out, size_t outlen);

/* Both at once, the lists sorted once: false when JA4 cannot be made (as
 * tls_ja4); *raw_ok says whether JA4_r fit in raw (rawlen bytes). */
bool tls_ja4_both(const struct tls_client_hello *ch, enum tls_fp_transport transport,
                  char ja4[TLS_FP_JA4_LEN], char *raw, size_t rawlen, bool *raw_ok);

#endif
