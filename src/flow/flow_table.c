/*
 * flow_table.c - chained hash of live flows plus an activity list.
 */
#include "flow_table.h"

#include <stdlib.h>
#include <string.h>

#include "ts_hash.h"

bool flow_table_init(struct flow_table *t, size_t initial_buckets)
{
	size_t n = 64;
	while (n < initial_buckets)
		n <<= 1;
	memset(t, 0, sizeof(*t));
	t->buckets = calloc(n, sizeof(*t->buckets));
	if (!t->buckets)
		return false;
	t->bucket_count = n;
	return true;
}

void flow_table_destroy(struct flow_table *t)
{
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

void flow_key_of(const struct packet *p, struct flow_key *key, bool *from_lo)
{
	int c = memcmp(p->src.bytes, p->dst.bytes, 16);
	bool src_lo = c < 0 || (c == 0 && p->sport <= p->dport);
	const struct ts_addr *lo = src_lo ? &p->src : &p->dst;
	const struct ts_addr *hi = src_lo ? &p->dst : &p->src;
	memcpy(key->addr_lo, lo->bytes, 16);
	memcpy(key->addr_hi, hi->bytes, 16);
	key->port_lo = src_lo ? p->sport : p->dport;
	key->port_hi = src_lo ? p->dport : p->sport;
	key->proto = p->ip_proto;
	*from_lo = src_lo;
}

/* Keyed (ts_hash.h): the addresses and ports are the sender's to choose,
 * and flows chosen to share a bucket would make every lookup a walk. */
uint32_t flow_key_hash(const struct flow_key *key)
{
	uint8_t b[sizeof(key->addr_lo) + sizeof(key->addr_hi) + 5];
	memcpy(b, key->addr_lo, 16);
	memcpy(b + 16, key->addr_hi, 16);
	b[32] = (uint8_t)(key->port_lo >> 8);
	b[33] = (uint8_t)key->port_lo;
	b[34] = (uint8_t)(key->port_hi >> 8);
	b[35] = (uint8_t)key->port_hi;
	b[36] = key->proto;
	uint64_t h = ts_hash(b, sizeof(b));
	return (uint32_t)(h ^ (h >> 32));
}

static bool key_equal(const struct flow_key *a, const struct flow_key *b)
{
	return a->port_lo == b->port_lo && a->port_hi == b->port_hi && a->proto == b->proto &&
	       memcmp(a->addr_lo, b->addr_lo, 16) == 0 && memcmp(a->addr_hi, b->addr_hi, 16) == 0;
}

struct flow_node *flow_table_lookup(struct flow_table *t, const struct flow_key *key, uint32_t hash)
{
	for (struct flow_node *n = t->buckets[hash & (t->bucket_count - 1)]; n; n = n->hash_next)
		if (n->hash == hash && key_equal(&n->key, key))
			return n;
	return NULL;
}

static void grow(struct flow_table *t)
{
	size_t n = t->bucket_count * 2;
	struct flow_node **b = calloc(n, sizeof(*b));
	if (!b)
		return; /* keep the old table: longer chains, still correct */
	for (size_t i = 0; i < t->bucket_count; i++) {
		struct flow_node *e = t->buckets[i];
		while (e) {
			struct flow_node *next = e->hash_next;
			size_t j = e->hash & (n - 1);
			e->hash_next = b[j];
			b[j] = e;
			e = next;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->bucket_count = n;
}

void flow_table_insert(struct flow_table *t, struct flow_node *n)
{
	if (t->count >= t->bucket_count)
		grow(t);
	size_t i = n->hash & (t->bucket_count - 1);
	n->hash_next = t->buckets[i];
	t->buckets[i] = n;
	n->lru_prev = t->lru_tail;
	n->lru_next = NULL;
	if (t->lru_tail)
		t->lru_tail->lru_next = n;
	else
		t->lru_head = n;
	t->lru_tail = n;
	t->count++;
}

static void lru_unlink(struct flow_table *t, struct flow_node *n)
{
	if (n->lru_prev)
		n->lru_prev->lru_next = n->lru_next;
	else
		t->lru_head = n->lru_next;
	if (n->lru_next)
		n->lru_next->lru_prev = n->lru_prev;
	else
		t->lru_tail = n->lru_prev;
	n->lru_prev = n->lru_next = NULL;
}

void flow_table_remove(struct flow_table *t, struct flow_node *n)
{
	struct flow_node **at = &t->buckets[n->hash & (t->bucket_count - 1)];
	while (*at && *at != n)
		at = &(*at)->hash_next;
	if (*at)
		*at = n->hash_next;
	lru_unlink(t, n);
	t->count--;
}

void flow_table_touch(struct flow_table *t, struct flow_node *n, int64_t ts_ns)
{
	n->last_ts_ns = ts_ns;
	if (t->lru_tail == n)
		return;
	lru_unlink(t, n);
	n->lru_prev = t->lru_tail;
	t->lru_tail->lru_next = n;
	t->lru_tail = n;
}
