/*
 * java_keystore.c - trusted certificates out of JKS and PKCS#12 keystores
 * (see java_keystore.h). JKS layout (sun.security.provider.JavaKeyStore):
 * magic 0xFEEDFEED, version 1 or 2, entry count, then per entry a tag (1 private
 * key, 2 trusted certificate), an alias (u16-prefixed), a u64 date and the
 * entry's certificates (version 2 names each one's type first); a SHA-1 digest ends it.
 */
#include "java_keystore.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "rd.h"

#define JKS_MAGIC 0xFEEDFEEDu
#define JKS_TAG_PRIVATE_KEY 1
#define JKS_TAG_TRUSTED_CERT 2

/* One certificate of a JKS entry: (version 2) its type, then u32 length and DER. */
static bool jks_cert(struct rd *r, uint32_t version, java_keystore_cert_fn fn, void *user, long *n)
{
	if (version == 2)
		rd_vec16(r); /* "X.509" */
	uint32_t len = rd_u32(r);
	const uint8_t *der = rd_bytes(r, len);
	if (!der)
		return false;
	if (fn)
		fn(der, len, user);
	(*n)++;
	return true;
}

static long jks_read(const uint8_t *data, size_t len, java_keystore_cert_fn fn, void *user, char *err,
                     size_t errlen)
{
	struct rd r = rd_init(data, len);
	rd_u32(&r); /* magic, checked by the caller */
	uint32_t version = rd_u32(&r);
	uint32_t count = rd_u32(&r);
	if (r.err || (version != 1 && version != 2) || count > JAVA_KEYSTORE_MAX_ENTRIES) {
		snprintf(err, errlen, "not a JKS keystore this reader knows (version %u, %u entries)",
		         version, count);
		return -1;
	}
	long n = 0;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t tag = rd_u32(&r);
		rd_vec16(&r);   /* alias */
		rd_skip(&r, 8); /* creation date */
		if (tag == JKS_TAG_TRUSTED_CERT) {
			if (!jks_cert(&r, version, fn, user, &n))
				break;
		} else if (tag == JKS_TAG_PRIVATE_KEY) {
			uint32_t key_len = rd_u32(&r);
			rd_skip(&r, key_len);
			uint32_t chain = rd_u32(&r);
			if (chain > JAVA_KEYSTORE_MAX_ENTRIES)
				r.err = true;
			for (uint32_t c = 0; c < chain && !r.err; c++)
				jks_cert(&r, version, fn, user, &n);
		} else {
			r.err = true;
		}
		if (r.err)
			break;
	}
	if (r.err) {
		snprintf(err, errlen, "truncated or damaged JKS keystore (%ld certificates read)", n);
		return -1;
	}
	return n;
}

static long pkcs12_read(const uint8_t *data, size_t len, java_keystore_cert_fn fn, void *user, char *err,
                        size_t errlen)
{
	const unsigned char *p = data;
	PKCS12 *p12 = len <= LONG_MAX ? d2i_PKCS12(NULL, &p, (long)len) : NULL;
	if (!p12) {
		snprintf(err, errlen, "neither a JKS nor a PKCS#12 keystore");
		ERR_clear_error();
		return -1;
	}
	static const char *const passwords[] = {"changeit", "", NULL};
	long n = -1;
	for (size_t i = 0; i < sizeof(passwords) / sizeof(passwords[0]) && n < 0; i++) {
		EVP_PKEY *key = NULL;
		X509 *cert = NULL;
		STACK_OF(X509) *ca = NULL;
		if (!PKCS12_parse(p12, passwords[i], &key, &cert, &ca))
			continue;
		n = 0;
		for (int k = -1; k < sk_X509_num(ca); k++) {
			X509 *x = k < 0 ? cert : sk_X509_value(ca, k);
			unsigned char *der = NULL;
			int dl = x ? i2d_X509(x, &der) : -1;
			if (dl > 0) {
				if (fn)
					fn(der, (size_t)dl, user);
				n++;
			}
			OPENSSL_free(der);
		}
		EVP_PKEY_free(key);
		X509_free(cert);
		sk_X509_pop_free(ca, X509_free);
	}
	PKCS12_free(p12);
	ERR_clear_error();
	if (n < 0)
		snprintf(err, errlen, "a PKCS#12 keystore whose password is neither \"changeit\" nor empty");
	return n;
}

long java_keystore_read(const uint8_t *data, size_t len, java_keystore_cert_fn fn, void *user, char *err,
                        size_t errlen)
{
	struct rd r = rd_init(data, len);
	if (rd_u32(&r) == JKS_MAGIC && !r.err)
		return jks_read(data, len, fn, user, err, errlen);
	return pkcs12_read(data, len, fn, user, err, errlen);
}

long java_keystore_read_file(const char *path, java_keystore_cert_fn fn, void *user, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	uint8_t *buf = malloc(JAVA_KEYSTORE_MAX_BYTES);
	size_t len = buf ? fread(buf, 1, JAVA_KEYSTORE_MAX_BYTES, f) : 0;
	bool too_big = buf && len == JAVA_KEYSTORE_MAX_BYTES && fgetc(f) != EOF;
	fclose(f);
	long n = -1;
	char why[200] = "out of memory";
	if (buf && !too_big)
		n = java_keystore_read(buf, len, fn, user, why, sizeof(why));
	else if (too_big)
		snprintf(why, sizeof(why), "larger than %u MiB: not a truststore",
		         JAVA_KEYSTORE_MAX_BYTES >> 20);
	if (n < 0)
		snprintf(err, errlen, "%s: %s", path, why);
	free(buf);
	return n;
}
