/*
 * flow_table.h - the table of live TCP connections.
 *
 * Owns lookup by 5-tuple (both directions find the same flow), the order of
 * last activity (least recently active first, for idle expiry and for
 * eviction when the memory cap is reached) and growth of the hash. It does
 * not know what a flow holds beyond its key and timestamps: the engine
 * allocates flows and frees them. It also remembers, for FLOW_LINGER_NS and
 * at most FLOW_LINGER_MAX at once, the keys of connections that were closed,
 * so that a late segment of one is not taken for a new connection.
 */
#ifndef TLSSCOPE_FLOW_TABLE_H
#define TLSSCOPE_FLOW_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"

/* Endpoints in canonical order (lower address/port first) so both directions hash alike. */
struct flow_key {
	uint8_t addr_lo[16], addr_hi[16];
	uint16_t port_lo, port_hi;
	uint8_t proto;
};

struct flow_node {
	struct flow_node *hash_next;
	struct flow_node *lru_prev, *lru_next;
	struct flow_key key;
	uint32_t hash;
	bool lo_is_dir0; /* the lower endpoint sent the flow's first packet */
	int64_t last_ts_ns;
};

/* A closed connection's key, remembered for a while (a ring, oldest first). */
struct flow_linger {
	struct flow_key key;
	uint32_t hash;
	bool used;
	int64_t closed_ns;
	uint32_t next; /* index + 1 of the next entry in the same bucket, 0 at the end */
};

struct flow_table {
	struct flow_node **buckets;
	size_t bucket_count; /* power of two */
	size_t count;
	struct flow_node *lru_head, *lru_tail; /* oldest first */
	struct flow_linger *linger;            /* FLOW_LINGER_MAX entries, made on first use */
	uint32_t *linger_buckets;              /* FLOW_LINGER_MAX heads (index + 1, 0: empty) */
	uint32_t linger_oldest, linger_used;   /* the ring's start and how many entries are live */
};

bool flow_table_init(struct flow_table *t, size_t initial_buckets);
void flow_table_destroy(struct flow_table *t); /* frees the buckets, not the flows */

/* Key of a packet; *from_lo says whether the packet came from the lower endpoint. */
void flow_key_of(const struct packet *p, struct flow_key *key, bool *from_lo);
uint32_t flow_key_hash(const struct flow_key *key);

struct flow_node *flow_table_lookup(struct flow_table *t, const struct flow_key *key, uint32_t hash);

/* Link a flow the caller allocated (key, hash and lo_is_dir0 set). Grows the table as needed. */
void flow_table_insert(struct flow_table *t, struct flow_node *n);
void flow_table_remove(struct flow_table *t, struct flow_node *n);

/* Remember that the connection with this key was closed at ts (both FINs or
 * a RST). False if there was no memory for the list: the key is then not
 * remembered, which only costs a late segment its label. */
bool flow_table_linger(struct flow_table *t, const struct flow_key *key, uint32_t hash, int64_t ts_ns);

/* True if a connection with this key was closed less than FLOW_LINGER_NS
 * before now. */
bool flow_table_lingering(const struct flow_table *t, const struct flow_key *key, uint32_t hash,
                          int64_t now_ns);

/* Forget a closed key: a new connection (a SYN) uses it. */
void flow_table_unlinger(struct flow_table *t, const struct flow_key *key, uint32_t hash);

/* Mark activity at ts: the flow becomes the most recent. */
void flow_table_touch(struct flow_table *t, struct flow_node *n, int64_t ts_ns);

static inline struct flow_node *flow_table_oldest(const struct flow_table *t)
{
	return t->lru_head;
}

/* Direction of a packet within the flow: 0 if it came from the endpoint that sent the first packet. */
static inline uint8_t flow_dir(const struct flow_node *n, bool from_lo)
{
	return (uint8_t)(from_lo == n->lo_is_dir0 ? 0 : 1);
}

#endif
