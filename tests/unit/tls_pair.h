/*
 * tls_pair.h - run a real OpenSSL handshake in memory and keep the bytes
 * each side wrote, for tests that need genuine TLS streams.
 */
#ifndef TLSSCOPE_TLS_PAIR_H
#define TLSSCOPE_TLS_PAIR_H

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct tls_bytes {
	uint8_t *p;
	size_t len;
};

static inline void tls_bytes_add(struct tls_bytes *b, const uint8_t *p, size_t n)
{
	b->p = realloc(b->p, b->len + n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* Where the bytes each side writes go, in order: dir 0 is client to server. */
typedef void (*tls_pair_sink_fn)(void *user, uint8_t dir, const uint8_t *p, size_t n);

/* Move what `from` wrote into `to`, handing each piece to the sink. */
static inline void tls_pair_pump(BIO *from_net, BIO *to_net, uint8_t dir, tls_pair_sink_fn sink, void *user)
{
	uint8_t buf[16384];
	int n;
	while ((n = BIO_read(from_net, buf, sizeof(buf))) > 0) {
		sink(user, dir, buf, (size_t)n);
		BIO_write(to_net, buf, n);
	}
}

static inline X509 *tls_pair_self_signed(EVP_PKEY **key, const char *cn)
{
	*key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509_set_pubkey(x, *key);
	X509_sign(x, *key, EVP_sha256());
	return x;
}

/*
 * A real handshake, every byte each side writes handed to the sink as it is
 * written (one sink call per piece, flights in order). version:
 * TLS1_2_VERSION or TLS1_3_VERSION; sni may be NULL. client_verify: the
 * client checks the server's self-signed certificate, and so rejects it with
 * an alert. app: after the handshake, one application record each way.
 * Returns whether the handshake finished.
 */
static inline int tls_pair_converse(int version, const char *sni, bool client_verify, bool app,
                                    tls_pair_sink_fn sink, void *user)
{
	EVP_PKEY *key;
	X509 *cert = tls_pair_self_signed(&key, "pair.test");
	SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_min_proto_version(sctx, version);
	SSL_CTX_set_max_proto_version(sctx, version);
	SSL_CTX_use_certificate(sctx, cert);
	SSL_CTX_use_PrivateKey(sctx, key);
	if (client_verify)
		SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
	SSL *s = SSL_new(sctx), *c = SSL_new(cctx);
	BIO *s_int, *s_net, *c_int, *c_net;
	BIO_new_bio_pair(&s_int, 0, &s_net, 0);
	BIO_new_bio_pair(&c_int, 0, &c_net, 0);
	SSL_set_bio(s, s_int, s_int);
	SSL_set_bio(c, c_int, c_int);
	SSL_set_accept_state(s);
	SSL_set_connect_state(c);
	if (sni)
		SSL_set_tlsext_host_name(c, sni);
	int ok = 0;
	for (int i = 0; i < 20 && !ok; i++) {
		int rc = SSL_do_handshake(c);
		tls_pair_pump(c_net, s_net, 0, sink, user);
		if (rc <= 0 && SSL_get_error(c, rc) == SSL_ERROR_SSL)
			break; /* the client gave up (and sent its alert) */
		SSL_do_handshake(s);
		tls_pair_pump(s_net, c_net, 1, sink, user);
		ok = SSL_is_init_finished(c) && SSL_is_init_finished(s);
	}
	if (ok && app) {
		SSL_write(c, "GET / HTTP/1.0\r\n\r\n", 18);
		tls_pair_pump(c_net, s_net, 0, sink, user);
		char buf[64];
		SSL_read(s, buf, sizeof(buf));
		SSL_write(s, "HTTP/1.0 200 OK\r\n\r\n", 19);
		tls_pair_pump(s_net, c_net, 1, sink, user);
		SSL_read(c, buf, sizeof(buf));
		tls_pair_pump(s_net, c_net, 1, sink, user); /* TLS 1.3 tickets */
	}
	ERR_clear_error();
	SSL_free(s);
	SSL_free(c);
	BIO_free(s_net);
	BIO_free(c_net);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	X509_free(cert);
	EVP_PKEY_free(key);
	return ok;
}

static inline void tls_pair_collect(void *user, uint8_t dir, const uint8_t *p, size_t n)
{
	struct tls_bytes **dirs = user;
	tls_bytes_add(dirs[dir], p, n);
}

/* A full handshake plus one application record each way, each direction's bytes in one buffer. */
static inline int tls_pair_run(int version, const char *sni, struct tls_bytes *c2s, struct tls_bytes *s2c)
{
	struct tls_bytes *dirs[2] = {c2s, s2c};
	return tls_pair_converse(version, sni, false, true, tls_pair_collect, dirs);
}

#endif
