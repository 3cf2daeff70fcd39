/*
 * json_cert_table.c - the certificates a JSON Lines stream has written (see json_cert_table.h).
 *
 * A chained hash table; the run's keyed hash of the fingerprint picks the
 * bucket (a capture can carry certificates ground to share low SHA-256 bits),
 * and the 32 bytes are compared whole.
 */
#include "json_cert_table.h"

#include <stdlib.h>
#include <string.h>

#include "ts_hash.h"
#include "ts_limits.h"

#define FIRST_BUCKETS 256

void json_cert_table_init(struct json_cert_table *t)
{
	memset(t, 0, sizeof(*t));
}

static void free_entries(struct json_cert_table *t)
{
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct json_cert_entry *e = t->buckets[i], *next;
		for (; e; e = next) {
			next = e->chain;
			free(e->json);
			free(e);
		}
		t->buckets[i] = NULL;
	}
	t->entries = 0;
	t->memo_bytes = 0;
}

void json_cert_table_free(struct json_cert_table *t)
{
	free_entries(t);
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

/* Keep the load factor at or below one; a failed resize only leaves longer chains. */
static void grow(struct json_cert_table *t)
{
	size_t n = t->nbuckets ? t->nbuckets * 2 : FIRST_BUCKETS;
	if (t->nbuckets && t->entries <= t->nbuckets)
		return;
	struct json_cert_entry **b = calloc(n, sizeof(*b));
	if (!b)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct json_cert_entry *e = t->buckets[i], *next;
		for (; e; e = next) {
			next = e->chain;
			e->chain = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
}

struct json_cert_entry *json_cert_table_get(struct json_cert_table *t, const uint8_t sha256[32])
{
	uint64_t h = ts_hash(sha256, 32);
	if (t->nbuckets) {
		for (struct json_cert_entry *e = t->buckets[h & (t->nbuckets - 1)]; e; e = e->chain)
			if (e->hash == h && !memcmp(e->sha256, sha256, 32))
				return e;
	}
	if (t->entries >= JSON_CERT_TABLE_MAX_ENTRIES) {
		free_entries(t);
		t->forgotten++;
	}
	grow(t);
	if (!t->nbuckets)
		return NULL;
	struct json_cert_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	memcpy(e->sha256, sha256, 32);
	e->day = INT64_MIN;
	e->hash = h;
	e->chain = t->buckets[h & (t->nbuckets - 1)];
	t->buckets[h & (t->nbuckets - 1)] = e;
	t->entries++;
	return e;
}

bool json_cert_table_memo(struct json_cert_table *t, struct json_cert_entry *e, char *json, size_t n)
{
	if (e->json || n > JSON_CERT_MEMO_MAX_BYTES - t->memo_bytes) {
		free(json);
		return false;
	}
	e->json = json;
	e->json_len = n;
	t->memo_bytes += n;
	return true;
}

size_t json_cert_table_bytes(const struct json_cert_table *t)
{
	return t->entries * sizeof(struct json_cert_entry) + t->nbuckets * sizeof(*t->buckets) +
	       t->memo_bytes;
}
