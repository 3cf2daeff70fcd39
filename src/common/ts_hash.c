/*
 * ts_hash.c - SipHash-2-4 and the run's hash key.
 */
#include "ts_hash.h"

#include <openssl/rand.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static inline uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* One SipRound (paper, section 2: the ARX network on v0..v3). */
#define SIPROUND(v0, v1, v2, v3)                                                                             \
	do {                                                                                                 \
		v0 += v1;                                                                                    \
		v1 = rotl(v1, 13);                                                                           \
		v1 ^= v0;                                                                                    \
		v0 = rotl(v0, 32);                                                                           \
		v2 += v3;                                                                                    \
		v3 = rotl(v3, 16);                                                                           \
		v3 ^= v2;                                                                                    \
		v0 += v3;                                                                                    \
		v3 = rotl(v3, 21);                                                                           \
		v3 ^= v0;                                                                                    \
		v2 += v1;                                                                                    \
		v1 = rotl(v1, 17);                                                                           \
		v1 ^= v2;                                                                                    \
		v2 = rotl(v2, 32);                                                                           \
	} while (0)

uint64_t ts_siphash24(const struct ts_hash_key *key, const void *data, size_t len)
{
	const uint8_t *p = data;
	/* Initialization: the key xored with "somepseudorandomlygeneratedbytes". */
	uint64_t v0 = key->k0 ^ 0x736f6d6570736575ull;
	uint64_t v1 = key->k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = key->k0 ^ 0x6c7967656e657261ull;
	uint64_t v3 = key->k1 ^ 0x7465646279746573ull;
	size_t whole = len & ~(size_t)7;
	for (size_t i = 0; i < whole; i += 8) {
		uint64_t m = load_le64(p + i);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	/* The last word: the remaining bytes, and the length mod 256 in the top byte. */
	uint64_t b = (uint64_t)(len & 0xff) << 56;
	for (size_t i = 0; i < (len & 7); i++)
		b |= (uint64_t)p[whole + i] << (8 * i);
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	/* Finalization. */
	v2 ^= 0xff;
	for (int r = 0; r < 4; r++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

static struct ts_hash_key run_key;
static pthread_once_t run_key_once = PTHREAD_ONCE_INIT;

static bool key_from_hex(const char *s, uint8_t out[16])
{
	if (!s || strlen(s) != 32)
		return false;
	for (int i = 0; i < 32; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
		        : c >= 'a' && c <= 'f' ? c - 'a' + 10
		        : c >= 'A' && c <= 'F' ? c - 'A' + 10
		                               : -1;
		if (d < 0)
			return false;
		out[i / 2] = (uint8_t)(i % 2 ? out[i / 2] | d : d << 4);
	}
	return true;
}

static void make_run_key(void)
{
	uint8_t k[16];
	if (!key_from_hex(getenv("TLSSCOPE_HASH_KEY"), k) &&
	    getrandom(k, sizeof(k), 0) != (ssize_t)sizeof(k) && RAND_bytes(k, sizeof(k)) != 1) {
		/* No randomness at all (a broken sandbox): the hash still works,
		 * it is only predictable. */
		memset(k, 0x5c, sizeof(k));
	}
	run_key.k0 = load_le64(k);
	run_key.k1 = load_le64(k + 8);
}

uint64_t ts_hash(const void *data, size_t len)
{
	pthread_once(&run_key_once, make_run_key);
	return ts_siphash24(&run_key, data, len);
}
