/*
 * java_keystore.h - the trusted certificates of a Java keystore (cacerts, a
 * -Djavax.net.ssl.trustStore file): JKS read with a bounded reader, PKCS#12
 * through libcrypto (password "changeit", Java's default, then none).
 *
 * Owns only the file format: each trusted certificate is handed to a
 * callback as DER. The JKS integrity digest is not checked (a truststore is
 * read for its certificates, as keytool -list does without a password).
 */
#ifndef TLSSCOPE_JAVA_KEYSTORE_H
#define TLSSCOPE_JAVA_KEYSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JAVA_KEYSTORE_MAX_BYTES (16u << 20) /* larger files are not truststores */
#define JAVA_KEYSTORE_MAX_ENTRIES 4096

typedef void (*java_keystore_cert_fn)(const uint8_t *der, size_t len, void *user);

/* Every certificate of the keystore in `data` (JKS or PKCS#12): how many were passed to `fn` (may
 * be NULL: only count them),
 * or -1 when the bytes are neither format (a message in err). */
long java_keystore_read(const uint8_t *data, size_t len, java_keystore_cert_fn fn, void *user, char *err,
                        size_t errlen);

/* The same for a file. */
long java_keystore_read_file(const char *path, java_keystore_cert_fn fn, void *user, char *err,
                             size_t errlen);

#endif
