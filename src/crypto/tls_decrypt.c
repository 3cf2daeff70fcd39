/*
 * tls_decrypt.c - AEAD record protection of TLS 1.2 and 1.3 (see tls_decrypt.h).
 */
#include "tls_decrypt.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include "tls13_keys.h"

enum tls_aead tls_decrypt_suite(uint16_t suite, bool tls13, const EVP_MD **md)
{
	*md = EVP_sha256();
	if (tls13) {
		switch (suite) {
		case 0x1301:
			return TLS_AEAD_AES_128_GCM;
		case 0x1302:
			*md = EVP_sha384();
			return TLS_AEAD_AES_256_GCM;
		case 0x1303:
			return TLS_AEAD_CHACHA20_POLY1305;
		default:
			return TLS_AEAD_NONE;
		}
	}
	switch (suite) {
	case 0x009c: /* TLS_RSA_WITH_AES_128_GCM_SHA256 */
	case 0x009e: /* TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 */
	case 0xc02b: /* TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
	case 0xc02f: /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
		return TLS_AEAD_AES_128_GCM;
	case 0x009d: /* TLS_RSA_WITH_AES_256_GCM_SHA384 */
	case 0x009f: /* TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 */
	case 0xc02c: /* TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 */
	case 0xc030: /* TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 */
		*md = EVP_sha384();
		return TLS_AEAD_AES_256_GCM;
	case 0xcca8: /* TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
	case 0xcca9: /* TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 */
	case 0xccaa: /* TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
		return TLS_AEAD_CHACHA20_POLY1305;
	default:
		return TLS_AEAD_NONE;
	}
}

static const EVP_CIPHER *aead_cipher(enum tls_aead a, size_t *key_len)
{
	switch (a) {
	case TLS_AEAD_AES_128_GCM:
		*key_len = 16;
		return EVP_aes_128_gcm();
	case TLS_AEAD_AES_256_GCM:
		*key_len = 32;
		return EVP_aes_256_gcm();
	case TLS_AEAD_CHACHA20_POLY1305:
		*key_len = 32;
		return EVP_chacha20_poly1305();
	default:
		*key_len = 0;
		return NULL;
	}
}

void tls_decrypt_clear(struct tls_decrypt_dir *d)
{
	EVP_CIPHER_CTX_free(d->ctx);
	memset(d, 0, sizeof(*d));
}

/* Load the key once; each record then only sets its nonce. */
static bool set_key(struct tls_decrypt_dir *d, enum tls_aead a, bool tls13, const uint8_t *key)
{
	size_t key_len;
	const EVP_CIPHER *cipher = aead_cipher(a, &key_len);
	tls_decrypt_clear(d);
	if (!cipher)
		return false;
	d->ctx = EVP_CIPHER_CTX_new();
	if (!d->ctx || EVP_DecryptInit_ex(d->ctx, cipher, NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(d->ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) != 1 ||
	    EVP_DecryptInit_ex(d->ctx, NULL, NULL, key, NULL) != 1) {
		tls_decrypt_clear(d);
		return false;
	}
	d->aead = (uint8_t)a;
	d->tls13 = tls13;
	return true;
}

bool tls_decrypt_init13(struct tls_decrypt_dir *d, uint16_t suite, const uint8_t *secret, size_t secret_len)
{
	const EVP_MD *md;
	enum tls_aead a = tls_decrypt_suite(suite, true, &md);
	size_t key_len;
	uint8_t key[32], iv[TLS13_IV_LEN];
	if (!aead_cipher(a, &key_len) || secret_len != (size_t)EVP_MD_get_size(md) ||
	    !tls13_traffic_key_iv(md, secret, secret_len, key_len, key, iv))
		return false;
	bool ok = set_key(d, a, true, key);
	memcpy(d->iv, iv, sizeof(iv));
	OPENSSL_cleanse(key, sizeof(key));
	return ok;
}

/* PRF(master_secret, "key expansion", server_random + client_random) (RFC 5246 6.3). */
static bool key_block(const EVP_MD *md, const uint8_t *master, size_t master_len,
                      const uint8_t *client_random, const uint8_t *server_random, uint8_t *out,
                      size_t out_len)
{
	static const char label[] = "key expansion";
	uint8_t seed[sizeof(label) - 1 + 64];
	memcpy(seed, label, sizeof(label) - 1);
	memcpy(seed + sizeof(label) - 1, server_random, 32);
	memcpy(seed + sizeof(label) - 1 + 32, client_random, 32);
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	bool ok = false;
	if (ctx) {
		OSSL_PARAM params[4];
		params[0] =
		    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0);
		params[1] =
		    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)master, master_len);
		params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof(seed));
		params[3] = OSSL_PARAM_construct_end();
		ok = EVP_KDF_derive(ctx, out, out_len, params) == 1;
	}
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok;
}

bool tls_decrypt_init12(struct tls_decrypt_dir *client, struct tls_decrypt_dir *server, uint16_t suite,
                        const uint8_t *master, size_t master_len, const uint8_t client_random[32],
                        const uint8_t server_random[32])
{
	const EVP_MD *md;
	enum tls_aead a = tls_decrypt_suite(suite, false, &md);
	size_t key_len;
	if (!aead_cipher(a, &key_len) || master_len != 48)
		return false;
	/* AEAD suites have no MAC keys: client key, server key, client IV, server IV.
	 * The GCM IV is a 4-byte salt (RFC 5288 3); ChaCha20's is 12 bytes (RFC 7905 2). */
	size_t iv_len = a == TLS_AEAD_CHACHA20_POLY1305 ? 12 : 4;
	uint8_t kb[2 * 32 + 2 * 12];
	size_t need = 2 * key_len + 2 * iv_len;
	bool ok = key_block(md, master, master_len, client_random, server_random, kb, need) &&
	          set_key(client, a, false, kb) && set_key(server, a, false, kb + key_len);
	if (ok) {
		memcpy(client->iv, kb + 2 * key_len, iv_len);
		memcpy(server->iv, kb + 2 * key_len + iv_len, iv_len);
	}
	OPENSSL_cleanse(kb, sizeof(kb));
	return ok;
}

enum tls_decrypt_status tls_decrypt_record(struct tls_decrypt_dir *d, const uint8_t hdr[5],
                                           const uint8_t *body, size_t len, uint8_t *out, size_t *out_len,
                                           uint8_t *content_type)
{
	if (!d->ctx)
		return TLS_DECRYPT_NO_KEYS;
	uint64_t seq = d->seq++;
	*out_len = 0;
	uint8_t nonce[12];
	const uint8_t *ct = body;
	size_t ct_len;
	uint8_t aad[13];
	size_t aad_len;
	bool explicit_nonce = !d->tls13 && d->aead != TLS_AEAD_CHACHA20_POLY1305;
	size_t overhead = TLS_AEAD_TAG_LEN + (explicit_nonce ? 8 : 0);
	if (len < overhead)
		return TLS_DECRYPT_MALFORMED;
	ct_len = len - overhead;
	if (explicit_nonce) {
		/* TLS 1.2 GCM: salt from the key block + the 8 bytes sent before the ciphertext. */
		memcpy(nonce, d->iv, 4);
		memcpy(nonce + 4, body, 8);
		ct = body + 8;
	} else {
		/* TLS 1.3 (RFC 8446 5.3), TLS 1.2 ChaCha20 (RFC 7905 2): iv XOR the padded sequence number.
		 */
		memcpy(nonce, d->iv, 12);
		for (int i = 0; i < 8; i++)
			nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
	}
	if (d->tls13) {
		memcpy(aad, hdr, 5); /* RFC 8446 5.2: additional_data = the record header */
		aad_len = 5;
	} else {
		/* RFC 5246 6.2.3.3: seq_num + type + version + length of the plaintext */
		for (int i = 0; i < 8; i++)
			aad[i] = (uint8_t)(seq >> (56 - 8 * i));
		aad[8] = hdr[0];
		aad[9] = hdr[1];
		aad[10] = hdr[2];
		aad[11] = (uint8_t)(ct_len >> 8);
		aad[12] = (uint8_t)ct_len;
		aad_len = 13;
	}
	int n = 0, fin = 0;
	if (EVP_DecryptInit_ex(d->ctx, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_CIPHER_CTX_ctrl(d->ctx, EVP_CTRL_AEAD_SET_TAG, TLS_AEAD_TAG_LEN, (void *)(ct + ct_len)) !=
	        1 ||
	    EVP_DecryptUpdate(d->ctx, NULL, &n, aad, (int)aad_len) != 1 ||
	    (ct_len && EVP_DecryptUpdate(d->ctx, out, &n, ct, (int)ct_len) != 1) ||
	    EVP_DecryptFinal_ex(d->ctx, out + (ct_len ? n : 0), &fin) != 1)
		return TLS_DECRYPT_BAD_TAG;
	size_t plain = ct_len;
	if (!d->tls13) {
		*content_type = hdr[0];
		*out_len = plain;
		return TLS_DECRYPT_OK;
	}
	/* TLSInnerPlaintext: content, then the real type, then zero padding (RFC 8446 5.2). */
	while (plain > 0 && out[plain - 1] == 0)
		plain--;
	if (plain == 0)
		return TLS_DECRYPT_MALFORMED;
	*content_type = out[plain - 1];
	*out_len = plain - 1;
	return TLS_DECRYPT_OK;
}
