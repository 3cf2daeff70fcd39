/*
 * state_servers.h - the estate as the state file (--state FILE) holds it:
 * one row per server (IP, port, SNI) with its current chain, the mixes of
 * versions, cipher suites, ALPN and outcomes, its failures by cause and by
 * client family, and the timeline of its chain changes.
 *
 * Owns reading the file (read-only, never written) into bounded rows; the
 * outputs (text, JSON Lines, HTML) are report/report_servers. Every list
 * keeps its STATE_LIST_MAX largest values, the rest counted as folded.
 */
#ifndef TLSSCOPE_STATE_SERVERS_H
#define TLSSCOPE_STATE_SERVERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Values kept per list (versions, ciphers, causes, clients, ...): an estate report, not a dump. */
#define STATE_LIST_MAX 16
/* Chain changes kept per server, the latest. */
#define STATE_CHANGES_MAX 32
/* Fingerprints of a chain kept, leaf first (the state file keeps up to TLS_MAX_CERTS_PER_MSG). */
#define STATE_CHAIN_FPS_MAX 8
#define STATE_FP_HEX 65
#define STATE_TEXT 520

struct state_value_count {
	char value[STATE_TEXT];
	uint64_t count;
};

struct state_list {
	struct state_value_count v[STATE_LIST_MAX]; /* largest count first */
	size_t n;
	uint64_t folded; /* the counts of the values past STATE_LIST_MAX, summed */
};

struct state_fingerprints {
	char fp[STATE_CHAIN_FPS_MAX][STATE_FP_HEX]; /* SHA-256 hex, leaf first */
	size_t n;
	size_t total; /* certificates in the chain */
};

struct state_chain_change {
	int64_t at;
	struct state_fingerprints old_chain, new_chain;
	char differs[STATE_TEXT];
};

struct state_server {
	char ip[64];
	int port;
	char sni[STATE_TEXT];
	int64_t first_seen, last_seen;
	uint64_t handshakes;
	uint64_t failures; /* no finished handshake, or a finding of error severity */

	bool has_chain; /* the chain last seen (none: no certificate was ever visible) */
	struct state_fingerprints chain;
	char leaf_subject[STATE_TEXT], leaf_issuer[STATE_TEXT], leaf_key_type[32];
	int64_t leaf_not_after;  /* 0: unknown (the leaf did not parse) */
	int64_t chain_expires;   /* the earliest notAfter sent; 0: unknown */
	int64_t chain_last_seen; /* days to expiry are counted from here */
	uint64_t chain_count;    /* handshakes that presented it */
	uint64_t chains_seen;    /* distinct chains over the whole history */

	struct state_list outcomes, versions, ciphers, alpn, clients, findings;
	struct state_list failure_causes, failure_clients;

	struct state_chain_change changes[STATE_CHANGES_MAX]; /* oldest first */
	size_t change_count;
	uint64_t changes_total;
};

/* Called once per server, in the order of IP, port and SNI; false stops the reading. */
typedef bool (*state_server_fn)(const struct state_server *s, void *user);

/* Read the file at path. False with the reason in err: missing, not a state file, another schema
 * version, a SQLite error; or false from fn (err empty). */
bool state_servers_read(const char *path, state_server_fn fn, void *user, char *err, size_t errlen);

/* Whole days from the chain's last sighting to its first expiry (negative: it had expired). */
int64_t state_server_days_left(const struct state_server *s);

#endif
