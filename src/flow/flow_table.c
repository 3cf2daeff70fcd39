/*
 * flow_table.c - chained hash of live flows plus an activity list, and the
 * ring of recently closed keys.
 */
#include "flow_table.h"

#include <stdlib.h>
#include <string.h>

#include "ts_hash.h"
#include "ts_limits.h"

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
	free(t->linger);
	free(t->linger_buckets);
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

/* The closed-key ring: FLOW_LINGER_MAX slots used in order, each bucket a
 * chain of slot indexes (+ 1), so a lookup costs a chain walk however many
 * keys are remembered. The hash is the flow's own (keyed). */
_Static_assert((FLOW_LINGER_MAX & (FLOW_LINGER_MAX - 1)) == 0, "FLOW_LINGER_MAX is a power of two");

static uint32_t *linger_head(const struct flow_table *t, uint32_t hash)
{
	return &t->linger_buckets[hash & (FLOW_LINGER_MAX - 1)];
}

static void linger_unlink(struct flow_table *t, uint32_t slot)
{
	struct flow_linger *l = &t->linger[slot];
	if (!l->used)
		return;
	for (uint32_t *at = linger_head(t, l->hash); *at; at = &t->linger[*at - 1].next) {
		if (*at == slot + 1) {
			*at = l->next;
			break;
		}
	}
	l->used = false;
	l->next = 0;
}

static struct flow_linger *linger_find(const struct flow_table *t, const struct flow_key *key, uint32_t hash)
{
	if (!t->linger)
		return NULL;
	for (uint32_t i = *linger_head(t, hash); i; i = t->linger[i - 1].next) {
		struct flow_linger *l = &t->linger[i - 1];
		if (l->hash == hash && key_equal(&l->key, key))
			return l;
	}
	return NULL;
}

bool flow_table_linger(struct flow_table *t, const struct flow_key *key, uint32_t hash, int64_t ts_ns)
{
	if (!t->linger) {
		t->linger = calloc(FLOW_LINGER_MAX, sizeof(*t->linger));
		t->linger_buckets = calloc(FLOW_LINGER_MAX, sizeof(*t->linger_buckets));
		if (!t->linger || !t->linger_buckets) {
			free(t->linger);
			free(t->linger_buckets);
			t->linger = NULL;
			t->linger_buckets = NULL;
			return false;
		}
	}
	flow_table_unlinger(t, key, hash);
	if (t->linger_used == FLOW_LINGER_MAX) {
		linger_unlink(t, t->linger_oldest);
		t->linger_oldest = (t->linger_oldest + 1) & (FLOW_LINGER_MAX - 1);
		t->linger_used--;
	}
	uint32_t slot = (t->linger_oldest + t->linger_used) & (FLOW_LINGER_MAX - 1);
	struct flow_linger *l = &t->linger[slot];
	l->key = *key;
	l->hash = hash;
	l->closed_ns = ts_ns;
	l->used = true;
	l->next = *linger_head(t, hash);
	*linger_head(t, hash) = slot + 1;
	t->linger_used++;
	return true;
}

bool flow_table_lingering(const struct flow_table *t, const struct flow_key *key, uint32_t hash,
                          int64_t now_ns)
{
	const struct flow_linger *l = linger_find(t, key, hash);
	return l && now_ns - l->closed_ns < FLOW_LINGER_NS;
}

void flow_table_unlinger(struct flow_table *t, const struct flow_key *key, uint32_t hash)
{
	struct flow_linger *l = linger_find(t, key, hash);
	if (l)
		linger_unlink(t, (uint32_t)(l - t->linger));
}
