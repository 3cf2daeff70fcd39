/*
 * cert_cache.c - every distinct certificate of a run, parsed once.
 *
 * Owns a chained hash table keyed by the SHA-256 of the DER bytes, and a
 * doubly linked recency list through the same entries (most recent at the
 * head). A hit moves the entry to the head; an insert past the cap drops
 * the tail. Entries are allocated one by one so the x509_cert pointer
 * handed out stays put while the table grows.
 *
 * The key is the full 32-byte digest, compared whole: the bucket index uses
 * only its first bytes, which anyone can make collide, but that only
 * lengthens a chain (bounded by the cap), it never returns another
 * certificate.
 */
#include "cert_cache.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "ts_limits.h"

struct cache_entry {
	uint8_t key[32];
	struct cache_entry *chain;         /* next in the bucket */
	struct cache_entry *newer, *older; /* recency list */
	struct x509_cert cert;
};

struct cert_cache {
	struct cache_entry **buckets;
	size_t nbuckets; /* a power of two */
	struct cache_entry *newest, *oldest;
	size_t max_entries;
	EVP_MD *sha256; /* fetched once per cache: an implicit fetch per lookup costs more than the digest */
	struct cert_cache_stats stats;
};

#define CACHE_FIRST_BUCKETS 256

static size_t bucket_of(const uint8_t key[32], size_t nbuckets)
{
	uint64_t h;

	/* SHA-256 output is uniform already; its first 8 bytes are the hash. */
	memcpy(&h, key, sizeof(h));
	return (size_t)(h & (nbuckets - 1));
}

struct cert_cache *cert_cache_new(size_t max_entries)
{
	struct cert_cache *cc = calloc(1, sizeof(*cc));

	if (!cc)
		return NULL;
	if (max_entries == 0)
		max_entries = CERT_CACHE_MAX_ENTRIES;
	if (max_entries < CERT_CACHE_MIN_ENTRIES)
		max_entries = CERT_CACHE_MIN_ENTRIES;
	cc->max_entries = max_entries;
	cc->nbuckets = CACHE_FIRST_BUCKETS;
	cc->buckets = calloc(cc->nbuckets, sizeof(*cc->buckets));
	/* NULL when the provider set-up has no SHA-256 to fetch: EVP_sha256() then fetches per call. */
	cc->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!cc->buckets) {
		cert_cache_free(cc);
		return NULL;
	}
	return cc;
}

void cert_cache_free(struct cert_cache *cc)
{
	struct cache_entry *e, *next;

	if (!cc)
		return;
	for (e = cc->newest; e; e = next) {
		next = e->older;
		x509_cert_free(&e->cert);
		free(e);
	}
	free(cc->buckets);
	EVP_MD_free(cc->sha256);
	free(cc);
}

static void recency_unlink(struct cert_cache *cc, struct cache_entry *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		cc->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		cc->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void recency_push(struct cert_cache *cc, struct cache_entry *e)
{
	e->newer = NULL;
	e->older = cc->newest;
	if (cc->newest)
		cc->newest->newer = e;
	else
		cc->oldest = e;
	cc->newest = e;
}

/* Keep the load factor at or below one. A failed resize leaves longer chains, nothing worse. */
static void table_grow(struct cert_cache *cc)
{
	size_t n = cc->nbuckets * 2;
	struct cache_entry **b;

	if (cc->stats.entries <= cc->nbuckets || n > SIZE_MAX / sizeof(*b))
		return;
	b = calloc(n, sizeof(*b));
	if (!b)
		return;
	for (struct cache_entry *e = cc->newest; e; e = e->older) {
		size_t i = bucket_of(e->key, n);

		e->chain = b[i];
		b[i] = e;
	}
	free(cc->buckets);
	cc->buckets = b;
	cc->nbuckets = n;
}

static void evict_oldest(struct cert_cache *cc)
{
	struct cache_entry *e = cc->oldest, **pp;

	for (pp = &cc->buckets[bucket_of(e->key, cc->nbuckets)]; *pp != e; pp = &(*pp)->chain)
		;
	*pp = e->chain;
	recency_unlink(cc, e);
	x509_cert_free(&e->cert);
	free(e);
	cc->stats.entries--;
	cc->stats.evicted++;
}

const struct x509_cert *cert_cache_get(struct cert_cache *cc, const uint8_t *der, size_t len)
{
	uint8_t key[32];
	unsigned int klen = 0;
	struct cache_entry *e;
	size_t b;

	cc->stats.lookups++;
	if (!EVP_Digest(len ? der : (const uint8_t *)"", len, key, &klen,
	                cc->sha256 ? cc->sha256 : EVP_sha256(), NULL) ||
	    klen != sizeof(key))
		return NULL; /* only an allocation can fail here */

	b = bucket_of(key, cc->nbuckets);
	for (e = cc->buckets[b]; e; e = e->chain) {
		if (memcmp(e->key, key, sizeof(key)) == 0) {
			cc->stats.hits++;
			recency_unlink(cc, e);
			recency_push(cc, e);
			return &e->cert;
		}
	}

	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	if (x509_cert_parse(der, len, &e->cert) != TS_OK) {
		free(e);
		return NULL;
	}
	memcpy(e->key, key, sizeof(key));
	cc->stats.parsed++;
	if (!e->cert.parsed)
		cc->stats.unparsable++;
	e->chain = cc->buckets[b];
	cc->buckets[b] = e;
	recency_push(cc, e);
	cc->stats.entries++;
	/* The new entry is the newest, so it is never the one dropped. */
	while (cc->stats.entries > cc->max_entries)
		evict_oldest(cc);
	table_grow(cc);
	return &e->cert;
}

const struct cert_cache_stats *cert_cache_stats(const struct cert_cache *cc)
{
	return &cc->stats;
}
