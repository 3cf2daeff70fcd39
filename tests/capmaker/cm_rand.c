/*
 * cm_rand.c - capmaker's randomness, all of it pinned.  OpenSSL draws on
 * RAND_bytes_ex/RAND_priv_bytes_ex for key generation, hello randoms, session
 * ids, ECDHE shares, ECDSA nonces, RSA-PSS salts, RSA blinding, CBC IVs and
 * ticket keys; OpenSSL 3.0 still routes both through a RAND_METHOD set with
 * RAND_set_rand_method().  We install one driven by a SHA-256 counter
 * generator, reseeded from a label before the PKI and before every scenario,
 * so each capture depends only on its own name.  The wire-level choices
 * (ports, ISNs, interleaving) use a separate splitmix64 stream so they never
 * shift OpenSSL's draws.
 */

/* RAND_METHOD is deprecated in 3.0 but is the only hook that pins every draw
 * of the default provider; keep the deprecation confined to this file. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "capmaker.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

static struct {
	uint8_t key[32];
	uint64_t counter;
} drbg;

static void sha256(const void *p, size_t n, uint8_t out[32])
{
	unsigned len = 0;
	if (!EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) || len != 32)
		cm_die("SHA-256 failed");
}

static int det_bytes(unsigned char *buf, int num)
{
	while (num > 0) {
		uint8_t in[40], out[32];
		memcpy(in, drbg.key, 32);
		for (int i = 0; i < 8; i++)
			in[32 + i] = (uint8_t)(drbg.counter >> (56 - 8 * i));
		drbg.counter++;
		sha256(in, sizeof in, out);
		int take = num < 32 ? num : 32;
		memcpy(buf, out, (size_t)take);
		buf += take;
		num -= take;
	}
	return 1;
}

/* Entropy offered by OpenSSL is ignored on purpose: it would make runs differ. */
static int det_seed(const void *buf, int num)
{
	(void)buf;
	(void)num;
	return 1;
}

static int det_add(const void *buf, int num, double entropy)
{
	(void)buf;
	(void)num;
	(void)entropy;
	return 1;
}

static int det_status(void)
{
	return 1;
}

static const RAND_METHOD det_method = {
    det_seed, det_bytes, NULL, det_add, det_bytes, det_status,
};

void cm_rand_reseed(const char *label)
{
	sha256(label, strlen(label), drbg.key);
	drbg.counter = 0;
}

void cm_rand_install(void)
{
	uint8_t a[32], b[32];

	/* Fetch SHA-256 once before the hook is live, so a provider loading on
	 * first use can never find itself inside det_bytes(). */
	sha256("warm-up", 7, a);
	if (!RAND_set_rand_method(&det_method))
		cm_die("RAND_set_rand_method failed");

	/* If a future OpenSSL stops honouring the hook, fail loudly instead of
	 * writing captures that differ from run to run. */
	cm_rand_reseed("capmaker self-test");
	if (RAND_priv_bytes_ex(NULL, a, sizeof a, 0) != 1)
		cm_die("RAND_priv_bytes_ex failed");
	cm_rand_reseed("capmaker self-test");
	if (RAND_bytes_ex(NULL, b, sizeof b, 0) != 1)
		cm_die("RAND_bytes_ex failed");
	if (memcmp(a, b, sizeof a) != 0)
		cm_die("OpenSSL ignores RAND_set_rand_method(): captures cannot be deterministic");
}

uint64_t cm_label_seed(const char *label)
{
	uint8_t md[32];
	uint64_t v = 0;
	sha256(label, strlen(label), md);
	for (int i = 0; i < 8; i++)
		v = v << 8 | md[i];
	return v;
}

/* splitmix64 (Steele, Lea, Flood 2014): tiny, and good enough for ports,
 * ISNs and the order connections take turns. */
uint64_t cm_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
