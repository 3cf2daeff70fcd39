/*
 * cert_cache.h - every distinct certificate of a run, parsed once.
 *
 * Owns the table from a certificate's DER bytes to its parsed x509_cert. Real traffic
 * repeats a few hundred certificates thousands of times and parsing one
 * costs ~90 us, so a connection only looks its certificates up. The cache
 * is capped (CERT_CACHE_MAX_ENTRIES), and with a budget also in bytes (the
 * budget's certificates part, ts_budget.h); past either cap the least
 * recently used entry is dropped (counted). Not thread-safe: one cache per
 * thread.
 */
#ifndef TLSSCOPE_CERT_CACHE_H
#define TLSSCOPE_CERT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "ts_budget.h"
#include "x509_cert.h"

struct cert_cache;

struct cert_cache_stats {
	uint64_t lookups, hits, parsed, evicted, unparsable;
	uint64_t oversized; /* parsed certificates refused by a per-certificate limit (of unparsable) */
	size_t entries;
	size_t bytes; /* held, estimated (see cert_cache.c) */
};

#define CERT_CACHE_MIN_ENTRIES 128

struct cert_cache *cert_cache_new(size_t max_entries); /* 0: CERT_CACHE_MAX_ENTRIES; raised to the minimum */
void cert_cache_free(struct cert_cache *cc);

/* Charge the cache's bytes to the budget's certificates part, and evict to
 * stay under its cap (NULL: entries only). The budget outlives the cache. */
void cert_cache_set_budget(struct cert_cache *cc, struct ts_budget *budget);

/* A new connection's lookups follow: the entries it gets are not evicted by
 * bytes until the next call (those of the one before may be). */
void cert_cache_begin(struct cert_cache *cc);

/*
 * The parsed certificate for these DER bytes (parsed now if new). The
 * pointer stays valid until the cache is freed or the entry is evicted;
 * eviction drops the least recently used entry and the cache keeps at least
 * CERT_CACHE_MIN_ENTRIES, so the certificates of the connection being worked
 * on (at most TLS_MAX_CERTS_PER_MSG * 2) are never evicted under it.
 * NULL only when out of memory.
 */
const struct x509_cert *cert_cache_get(struct cert_cache *cc, const uint8_t *der, size_t len);

const struct cert_cache_stats *cert_cache_stats(const struct cert_cache *cc);

#endif
