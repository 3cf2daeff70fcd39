/*
 * tls_decrypt.h - opening TLS records with keys from a key log.
 *
 * Owns the record protection of the AEAD suites a passive reader can open
 * with a key log: per-direction keys, the sequence number, the nonce and
 * additional data of each version, and the inner plaintext of TLS 1.3.
 *
 *  TLS 1.3 (RFC 8446 5.2, 5.3, 7.3): TLS_AES_128_GCM_SHA256,
 *    TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256; keys from a
 *    traffic secret; nonce = iv XOR seq; AAD = the record header.
 *  TLS 1.2 (RFC 5246 6.3, RFC 5288, RFC 7905): the AES-GCM suites with RSA,
 *    DHE_RSA, ECDHE_RSA or ECDHE_ECDSA key exchange and the three
 *    ECDHE/DHE ChaCha20-Poly1305 suites; keys from the master secret
 *    through the PRF's key block.
 *
 * Only libcrypto is used. A direction holds one EVP context; nothing else
 * is allocated.
 */
#ifndef TLSSCOPE_TLS_DECRYPT_H
#define TLSSCOPE_TLS_DECRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

enum tls_aead { TLS_AEAD_NONE = 0, TLS_AEAD_AES_128_GCM, TLS_AEAD_AES_256_GCM, TLS_AEAD_CHACHA20_POLY1305 };

#define TLS_AEAD_TAG_LEN 16

/* The AEAD and hash of a suite this module can open (TLS_AEAD_NONE if not). */
enum tls_aead tls_decrypt_suite(uint16_t suite, bool tls13, const EVP_MD **md);

struct tls_decrypt_dir {
	EVP_CIPHER_CTX *ctx; /* NULL: no keys */
	uint8_t aead;        /* enum tls_aead */
	bool tls13;
	uint8_t iv[12]; /* TLS 1.3 and ChaCha20: the whole IV; TLS 1.2 GCM: 4-byte salt */
	uint64_t seq;   /* of the next record */
};

/* Keys from a TLS 1.3 traffic secret (the record sequence restarts at 0). */
bool tls_decrypt_init13(struct tls_decrypt_dir *d, uint16_t suite, const uint8_t *secret, size_t secret_len);

/* Both directions' keys from a TLS 1.2 master secret (RFC 5246 6.3 key block). */
bool tls_decrypt_init12(struct tls_decrypt_dir *client, struct tls_decrypt_dir *server, uint16_t suite,
                        const uint8_t *master, size_t master_len, const uint8_t client_random[32],
                        const uint8_t server_random[32]);

enum tls_decrypt_status {
	TLS_DECRYPT_OK = 0,
	TLS_DECRYPT_BAD_TAG,   /* did not authenticate: wrong key, wrong sequence, or damaged bytes */
	TLS_DECRYPT_MALFORMED, /* too short for the AEAD, or a TLS 1.3 record all padding */
	TLS_DECRYPT_NO_KEYS
};

/*
 * Open one record: hdr is its 5-byte header, body the len bytes after it.
 * out (len bytes of room) gets the plaintext, *content_type the inner type
 * (TLS 1.3) or the header's. The sequence number advances whatever the
 * result, as the record was sent.
 */
enum tls_decrypt_status tls_decrypt_record(struct tls_decrypt_dir *d, const uint8_t hdr[5],
                                           const uint8_t *body, size_t len, uint8_t *out, size_t *out_len,
                                           uint8_t *content_type);

/* A record that is not opened still uses a sequence number. */
static inline void tls_decrypt_skip(struct tls_decrypt_dir *d)
{
	d->seq++;
}

void tls_decrypt_clear(struct tls_decrypt_dir *d);

#endif
