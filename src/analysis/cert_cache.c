/*
 * cert_cache.c - every distinct certificate of a run, parsed once.
 *
 * Owns a chained hash table keyed by the DER bytes themselves, and a
 * doubly linked recency list through the same entries (most recent at the
 * head). A hit moves the entry to the head; an insert past the cap drops
 * the tail. Entries are allocated one by one so the x509_cert pointer
 * handed out stays put while the table grows.
 *
 * The run's keyed hash of the DER (ts_hash.h) picks the bucket, so no one
 * can choose certificates that share one; the bytes are then compared whole,
 * so a collision never returns another certificate.
 */
#include "cert_cache.h"

#include <stdlib.h>
#include <string.h>

#include "ts_hash.h"
#include "ts_limits.h"

struct cache_entry {
	uint64_t key; /* ts_hash() of the DER */
	uint8_t *der; /* a copy, compared whole on a lookup */
	size_t der_len;
	struct cache_entry *chain;         /* next in the bucket */
	struct cache_entry *newer, *older; /* recency list */
	uint64_t epoch;                    /* the cert_cache_begin() round that last got it */
	size_t bytes;                      /* what it holds, estimated */
	struct x509_cert cert;
};

struct cert_cache {
	struct cache_entry **buckets;
	size_t nbuckets; /* a power of two */
	struct cache_entry *newest, *oldest;
	size_t max_entries;
	struct cert_cache_stats stats;
	struct ts_budget *budget; /* or NULL */
	uint64_t epoch;
};

/* What libcrypto and x509_cert_parse() allocate for a parsed certificate,
 * estimated from its DER (measured with mallinfo2 around the parse: 5-7
 * times the DER for web PKI certificates, 10 times for one of 1500 names,
 * 6 for one of 1000 extensions), and the JSON object an output makes of it
 * later (about the DER's size again). */
#define CERT_PARSED_BASE_BYTES 4096
#define CERT_PARSED_PER_DER_BYTE 12

static size_t entry_bytes(const struct cache_entry *e)
{
	size_t n = sizeof(*e) + e->der_len;
	if (e->cert.parsed)
		n += CERT_PARSED_BASE_BYTES + CERT_PARSED_PER_DER_BYTE * e->der_len;
	return n;
}

#define CACHE_FIRST_BUCKETS 256

static size_t bucket_of(uint64_t key, size_t nbuckets)
{
	return (size_t)(key & (nbuckets - 1));
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
		free(e->der);
		free(e);
	}
	free(cc->buckets);
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
	cc->stats.entries--;
	cc->stats.evicted++;
	cc->stats.bytes -= e->bytes;
	if (cc->budget) {
		ts_budget_release(cc->budget, TS_BUDGET_CERTIFICATES, e->bytes, 1);
		ts_budget_count(cc->budget, TS_BUDGET_CERT_EVICTED, 1);
	}
	x509_cert_free(&e->cert);
	free(e->der);
	free(e);
}

void cert_cache_set_budget(struct cert_cache *cc, struct ts_budget *budget)
{
	cc->budget = budget;
	if (budget)
		ts_budget_charge(budget, TS_BUDGET_CERTIFICATES, cc->stats.bytes, cc->stats.entries);
}

void cert_cache_begin(struct cert_cache *cc)
{
	cc->epoch++;
}

/* Past the budget's cap, the least recently used entries go, never one this round handed out. */
static void evict_for_bytes(struct cert_cache *cc)
{
	while (cc->budget && ts_budget_over(cc->budget, TS_BUDGET_CERTIFICATES) && cc->oldest &&
	       cc->oldest->epoch != cc->epoch)
		evict_oldest(cc);
}

const struct x509_cert *cert_cache_get(struct cert_cache *cc, const uint8_t *der, size_t len)
{
	struct cache_entry *e;
	uint64_t key = ts_hash(der, len);
	size_t b = bucket_of(key, cc->nbuckets);

	cc->stats.lookups++;
	for (e = cc->buckets[b]; e; e = e->chain) {
		if (e->key == key && e->der_len == len && (len == 0 || memcmp(e->der, der, len) == 0)) {
			cc->stats.hits++;
			e->epoch = cc->epoch;
			recency_unlink(cc, e);
			recency_push(cc, e);
			return &e->cert;
		}
	}

	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->der = malloc(len ? len : 1);
	if (!e->der || x509_cert_parse(der, len, &e->cert) != TS_OK) {
		free(e->der);
		free(e);
		return NULL;
	}
	if (len)
		memcpy(e->der, der, len);
	e->der_len = len;
	e->key = key;
	e->epoch = cc->epoch;
	e->bytes = entry_bytes(e);
	cc->stats.parsed++;
	if (!e->cert.parsed)
		cc->stats.unparsable++;
	if (e->cert.oversized)
		cc->stats.oversized++;
	cc->stats.bytes += e->bytes;
	if (cc->budget) {
		ts_budget_charge(cc->budget, TS_BUDGET_CERTIFICATES, e->bytes, 1);
		if (e->cert.oversized)
			ts_budget_count(cc->budget, TS_BUDGET_CERT_OVERSIZED, 1);
	}
	e->chain = cc->buckets[b];
	cc->buckets[b] = e;
	recency_push(cc, e);
	cc->stats.entries++;
	/* The new entry is the newest, so it is never the one dropped. */
	while (cc->stats.entries > cc->max_entries)
		evict_oldest(cc);
	evict_for_bytes(cc);
	table_grow(cc);
	return &e->cert;
}

const struct cert_cache_stats *cert_cache_stats(const struct cert_cache *cc)
{
	return &cc->stats;
}
