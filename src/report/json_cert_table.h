/*
 * json_cert_table.h - the certificates a JSON Lines stream has written.
 *
 * Owned by one JSON writer (one output stream): keyed by the certificate's
 * SHA-256, it says whether the stream already carries a "certificate" line
 * for it (and for which UTC day, in live mode), and in --json-detail full
 * keeps the certificate's formatted object so that a certificate sent
 * thousands of times is formatted once. Bounded: past
 * JSON_CERT_TABLE_MAX_ENTRIES it forgets everything (a certificate is then
 * written again before its next reference); formatted objects are kept up to
 * JSON_CERT_MEMO_MAX_BYTES. Not thread-safe: one table per writer.
 */
#ifndef TLSSCOPE_JSON_CERT_TABLE_H
#define TLSSCOPE_JSON_CERT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_cert_entry {
	uint8_t sha256[32];
	int64_t day; /* UTC day (capture time) its line was written; INT64_MIN: not written */
	char *json;  /* full detail: the certificate's object, or NULL */
	size_t json_len;
	uint64_t hash; /* ts_hash() of sha256 */
	struct json_cert_entry *chain;
};

struct json_cert_table {
	struct json_cert_entry **buckets;
	size_t nbuckets; /* a power of two, or 0 before the first insert */
	size_t entries;
	size_t memo_bytes;  /* bytes held in json */
	uint64_t forgotten; /* times the table was emptied at its cap */
};

void json_cert_table_init(struct json_cert_table *t);
void json_cert_table_free(struct json_cert_table *t);

/* The entry for this fingerprint, made (not written, no memo) if new; NULL only when out of memory. */
struct json_cert_entry *json_cert_table_get(struct json_cert_table *t, const uint8_t sha256[32]);

/* Keep `json` (n bytes, taken over: freed here or by the table) as the entry's object if the
 * memo budget allows; true if kept. */
bool json_cert_table_memo(struct json_cert_table *t, struct json_cert_entry *e, char *json, size_t n);

/* Bytes the table holds (entries, buckets, memos), for the memory figures. */
size_t json_cert_table_bytes(const struct json_cert_table *t);

#endif
