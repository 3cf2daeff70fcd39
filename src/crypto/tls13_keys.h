/*
 * tls13_keys.h - the TLS 1.3 key schedule pieces a passive reader needs.
 *
 * Owns HKDF-Expand-Label (RFC 8446 §7.1) and the derivation of a record
 * protection key and IV from a traffic secret (§7.3). TLS 1.3 with a key
 * log and QUIC Initial packets (RFC 9001 §5) both build on it. Only
 * libcrypto is used; nothing here keeps state.
 */
#ifndef TLSSCOPE_TLS13_KEYS_H
#define TLSSCOPE_TLS13_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* Longest secret or key any TLS 1.3 suite uses (SHA-384). */
#define TLS13_MAX_SECRET 48
#define TLS13_IV_LEN 12

/*
 * HKDF-Expand-Label(secret, label, context, out_len) with the "tls13 "
 * prefix added here (pass "key", not "tls13 key"). QUIC's labels
 * ("quic key", "quicv2 hp", ...) go through it unchanged. False if the
 * label or lengths do not fit the HkdfLabel structure or libcrypto fails.
 */
bool tls13_hkdf_expand_label(const EVP_MD *md, const uint8_t *secret, size_t secret_len, const char *label,
                             const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len);

/* HKDF-Extract(salt, ikm) into out (EVP_MD_get_size(md) bytes). */
bool tls13_hkdf_extract(const EVP_MD *md, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                        size_t ikm_len, uint8_t *out);

/* The write key (key_len bytes) and IV (12 bytes) of a traffic secret. */
bool tls13_traffic_key_iv(const EVP_MD *md, const uint8_t *secret, size_t secret_len, size_t key_len,
                          uint8_t *key, uint8_t iv[TLS13_IV_LEN]);

#endif
