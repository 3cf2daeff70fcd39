/*
 * tls13_keys.c - HKDF-Expand-Label and traffic keys (RFC 8446 §7.1, §7.3).
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include "tls13_keys.h"

static bool hkdf(int mode, const EVP_MD *md, const uint8_t *key, size_t key_len, const uint8_t *salt,
                 size_t salt_len, const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	bool ok = false;
	if (ctx) {
		OSSL_PARAM params[6], *p = params;
		*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
		*p++ =
		    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0);
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
		if (salt)
			*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
		if (info)
			*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
		*p = OSSL_PARAM_construct_end();
		ok = EVP_KDF_derive(ctx, out, out_len, params) == 1;
	}
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok;
}

bool tls13_hkdf_expand_label(const EVP_MD *md, const uint8_t *secret, size_t secret_len, const char *label,
                             const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len)
{
	static const char prefix[] = "tls13 ";
	size_t label_len = strlen(label), full = sizeof(prefix) - 1 + label_len;
	/* struct { uint16 length; opaque label<7..255>; opaque context<0..255>; } HkdfLabel */
	uint8_t info[2 + 1 + 255 + 1 + 255];
	if (full > 255 || context_len > 255 || out_len > 0xffff || (context_len && !context))
		return false;
	size_t n = 0;
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)full;
	memcpy(info + n, prefix, sizeof(prefix) - 1);
	n += sizeof(prefix) - 1;
	memcpy(info + n, label, label_len);
	n += label_len;
	info[n++] = (uint8_t)context_len;
	if (context_len)
		memcpy(info + n, context, context_len);
	n += context_len;
	return hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, md, secret, secret_len, NULL, 0, info, n, out, out_len);
}

bool tls13_hkdf_extract(const EVP_MD *md, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                        size_t ikm_len, uint8_t *out)
{
	int len = EVP_MD_get_size(md);
	return len > 0 && hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, md, ikm, ikm_len, salt, salt_len, NULL, 0, out,
	                       (size_t)len);
}

bool tls13_traffic_key_iv(const EVP_MD *md, const uint8_t *secret, size_t secret_len, size_t key_len,
                          uint8_t *key, uint8_t iv[TLS13_IV_LEN])
{
	return tls13_hkdf_expand_label(md, secret, secret_len, "key", NULL, 0, key, key_len) &&
	       tls13_hkdf_expand_label(md, secret, secret_len, "iv", NULL, 0, iv, TLS13_IV_LEN);
}
