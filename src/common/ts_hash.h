/*
 * ts_hash.h - the keyed hash of every table indexed by bytes from the
 * network (flows, key-log client randoms, certificates, verified chains,
 * diff groups).
 *
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012; RFC-style description in the paper's section 2) keyed per run with
 * 16 random bytes, so that no one who writes a capture or a key log can
 * choose inputs that share a bucket. TLSSCOPE_HASH_KEY in the environment
 * (32 hex digits) fixes the key, for tests that must be reproducible; the
 * outputs never depend on the key (no table is printed in bucket order).
 */
#ifndef TLSSCOPE_HASH_H
#define TLSSCOPE_HASH_H

#include <stddef.h>
#include <stdint.h>

struct ts_hash_key {
	uint64_t k0, k1; /* the 16 key bytes read as two little-endian words */
};

/* SipHash-2-4 of len bytes under key. */
uint64_t ts_siphash24(const struct ts_hash_key *key, const void *data, size_t len);

/* SipHash-2-4 under the run's key: from TLSSCOPE_HASH_KEY if set and
 * valid, else from getrandom() (OpenSSL's RAND_bytes if that fails), made
 * once per process on first use. */
uint64_t ts_hash(const void *data, size_t len);

#endif
