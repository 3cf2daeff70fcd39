/*
 * conn_diff.h - good vs bad: pairing the connections of two runs and saying
 * what differs between each pair and why the bad one most likely failed.
 *
 * Owns the compact form a connection is kept in for the comparison (a
 * "shape": the ClientHello, the server's answer, the outcome and the
 * findings, without ids, ports or times), the grouping of connections of
 * one side with the same shape, the pairing of BAD groups with GOOD ones,
 * the field-by-field comparison and the verdict. Pure functions over
 * records and diagnoses: it prints nothing and keeps no pointer into them.
 */
#ifndef TLSSCOPE_CONN_DIFF_H
#define TLSSCOPE_CONN_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "diagnose.h"

#define DIFF_DEFAULT_MAX_CONNS 10000 /* connections kept per side; more are counted, not compared */
#define DIFF_MAX_CHAIN 8             /* certificate fingerprints kept per connection */
#define DIFF_MAX_ALERTS 4            /* alerts kept per connection */
#define DIFF_MAX_FINDINGS 8          /* finding codes kept per connection (worst first) */
#define DIFF_MAX_ALPN 8
#define DIFF_MAX_IDS 8 /* connection ids listed per group */

enum diff_side_index { DIFF_GOOD = 0, DIFF_BAD = 1 };

struct diff_alert {
	bool from_server;
	bool encrypted;
	uint8_t level;
	uint8_t description;
};

struct diff_finding {
	char code[32];
	uint8_t severity; /* enum severity */
};

/* What the diff compares of one connection. Zeroed before it is filled, so
 * two connections with the same shape are equal byte for byte. */
struct diff_shape {
	char server_ip[48];
	uint16_t server_port;

	bool has_client_hello;
	bool sni_present;
	char sni[256]; /* first host_name as text (conn_wire_text) */
	struct tls_u16_list supported_versions;
	uint16_t legacy_version;
	uint16_t cipher_suites[TLS_MAX_CIPHER_SUITES];
	uint16_t cipher_suite_count;
	char alpn[DIFF_MAX_ALPN][48];
	uint8_t alpn_count;
	struct tls_u16_list extensions; /* types in wire order */
	struct tls_u16_list signature_algorithms;
	struct tls_u16_list supported_groups;
	struct tls_u16_list key_share_groups;

	bool has_server_hello;
	uint16_t version; /* negotiated, 0 without a ServerHello */
	uint16_t cipher;
	bool hello_retry;
	uint16_t hello_retry_group;
	bool has_server_alpn;
	char server_alpn[48];
	uint8_t chain_sha256[DIFF_MAX_CHAIN][32];
	uint8_t chain_count;
	char certificates_state[12]; /* as conn_certificates_state() */
	char leaf_names[160];        /* the leaf's DNS names (or CN), for the verdict */
	struct diff_alert alerts[DIFF_MAX_ALERTS];
	uint8_t alert_count;
	char closed_by[12]; /* "client_fin", ... or "" */
	uint8_t outcome;    /* enum conn_outcome */
	struct diff_finding findings[DIFF_MAX_FINDINGS];
	uint8_t finding_count;
};

/* Connections of one side with the same shape. */
struct diff_group {
	struct diff_shape shape;
	uint64_t ids[DIFF_MAX_IDS]; /* the first connections, by conn.id */
	uint32_t count;
	uint64_t hash;
};

struct diff_side {
	struct diff_group *groups;
	size_t group_count, group_cap;
	size_t *slots; /* open-addressing index into groups (SIZE_MAX: empty) */
	size_t slot_cap;
	uint64_t connections;  /* compared */
	uint64_t not_compared; /* past the cap */
};

/* How a pair was found, most specific first. */
enum diff_pairing {
	DIFF_PAIRED_BY_SERVER_AND_SNI = 0, /* same server address, port and SNI (or both without) */
	DIFF_PAIRED_BY_SERVER,             /* same server address and port, different SNI */
	DIFF_PAIRED_BY_SNI,                /* same SNI, different server address (captures from elsewhere) */
	DIFF_PAIRED_AS_ONLY_SERVER,        /* each side reached one server only */
	DIFF_PAIRING_COUNT
};

const char *
diff_pairing_name(enum diff_pairing p); /* "server_and_sni", "server", "server_name", "only_server" */

/* The fields compared, in the order they are shown. */
enum diff_field {
	DF_SERVER_NAME = 0,
	DF_SUPPORTED_VERSIONS,
	DF_CIPHER_SUITES,
	DF_ALPN,
	DF_EXTENSIONS,
	DF_SIGNATURE_ALGORITHMS,
	DF_SUPPORTED_GROUPS,
	DF_KEY_SHARE_GROUPS,
	DF_HELLO_RETRY,
	DF_VERSION,
	DF_CIPHER,
	DF_SERVER_ALPN,
	DF_CERTIFICATES_STATE,
	DF_CERTIFICATES,
	DF_ALERTS,
	DF_CLOSED_BY,
	DF_OUTCOME,
	DF_FINDINGS,
	DF_COUNT
};

/* The field's name in the JSON ("client_hello.cipher_suites", "version", ...). */
const char *diff_field_name(enum diff_field f);

/* One side's value of a field, as text items. A scalar field has at most
 * one item (none: null); a list field any number. */
#define DIFF_VALUE_MAX_ITEMS (TLS_MAX_CIPHER_SUITES + 4)
struct diff_value {
	bool is_list;
	size_t count;
	const char *items[DIFF_VALUE_MAX_ITEMS];
	char buf[DIFF_VALUE_MAX_ITEMS * 48];
	size_t used;
};

void diff_field_value(const struct diff_shape *s, enum diff_field f, struct diff_value *out);

bool diff_value_has(const struct diff_value *v, const char *item);

/* Lists longer than DIFF_SHORT_LIST holding other items (not only in another
 * order): shown whole side by side they hide what differs. */
#define DIFF_SHORT_LIST 8
bool diff_value_long_lists_differ(const struct diff_value *a, const struct diff_value *b);

/* The items of a that b lacks (pointing into a), after a first item "of N,
 * only here:" (or "of N, none only here") when `lead`. */
void diff_value_only_in(const struct diff_value *a, const struct diff_value *b, bool lead,
                        struct diff_value *out);

struct diff_pair {
	size_t good, bad; /* indexes into the sides' groups */
	enum diff_pairing pairing;
	bool differs[DF_COUNT];
	size_t differ_count;
	char verdict[512];
};

struct conn_diff {
	struct diff_side side[2];
	size_t max_conns;        /* per side */
	struct diff_pair *pairs; /* one per BAD group that found a partner */
	size_t pair_count;
	bool *good_paired; /* per GOOD group, after conn_diff_pair() */
	bool *bad_paired;
	bool out_of_memory; /* a connection could not be kept */
};

void conn_diff_init(struct conn_diff *d, size_t max_conns_per_side); /* 0: DIFF_DEFAULT_MAX_CONNS */
void conn_diff_free(struct conn_diff *d);

/* Reduce a finished connection (and its diagnosis, may be NULL) to its shape. */
void diff_shape_from_conn(struct diff_shape *out, const struct conn *c, const struct diagnosis *dg);

/* Add one connection to a side. False when it was not kept: the side's cap
 * was reached (counted in not_compared) or memory ran out (out_of_memory). */
bool conn_diff_add(struct conn_diff *d, enum diff_side_index side, const struct conn *c,
                   const struct diagnosis *dg);

/* Compare two shapes field by field; returns the number of differing fields. */
size_t diff_compare(const struct diff_shape *good, const struct diff_shape *bad, bool differs[DF_COUNT]);

/* The most likely reason the BAD connection failed where the GOOD one did
 * not, from the differences in priority order (one sentence). */
void diff_verdict(const struct diff_shape *good, const struct diff_shape *bad, char *out, size_t outlen);

/* Pair every BAD group with the closest GOOD group and fill pairs,
 * good_paired and bad_paired. False: out of memory. */
bool conn_diff_pair(struct conn_diff *d);

/* Groups of a side in no pair (`paired`: good_paired or bad_paired). */
size_t conn_diff_unpaired(const struct diff_side *sd, const bool *paired);

#endif
