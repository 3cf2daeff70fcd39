/*
 * keylog.h - the NSS key log (SSLKEYLOGFILE) that lets a passive reader
 * decrypt a handshake.
 *
 * Owns reading key log text (as written by OpenSSL, Node.js, curl, Firefox,
 * Chrome: "LABEL <client_random hex> <secret hex>", '#' comments) into a
 * table keyed by the 32-byte client random. The file is hostile input like
 * any other: lines and the file are capped (ts_limits.h), lines that do not
 * parse are counted with the number of the first one, unknown labels are
 * counted and skipped. Once loaded the table is read-only, so one key log
 * can serve several engines or threads (live capture, QUIC).
 */
#ifndef TLSSCOPE_KEYLOG_H
#define TLSSCOPE_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ts_status.h"

#define KEYLOG_RANDOM_LEN 32
#define KEYLOG_MAX_SECRET 48 /* a TLS 1.2 master secret; TLS 1.3 secrets are 32 or 48 */

/* The secrets a line can carry, one slot each per client random. */
enum keylog_label {
	KEYLOG_CLIENT_RANDOM = 0, /* TLS <= 1.2 master secret */
	KEYLOG_CLIENT_EARLY_TRAFFIC_SECRET,
	KEYLOG_CLIENT_HANDSHAKE_TRAFFIC_SECRET,
	KEYLOG_SERVER_HANDSHAKE_TRAFFIC_SECRET,
	KEYLOG_CLIENT_TRAFFIC_SECRET_0,
	KEYLOG_SERVER_TRAFFIC_SECRET_0,
	KEYLOG_EXPORTER_SECRET,
	KEYLOG_EARLY_EXPORTER_SECRET,
	KEYLOG_LABEL_COUNT
};

const char *keylog_label_name(enum keylog_label l); /* as written in the file */

struct keylog_secret {
	uint8_t len; /* 0: the key log had no such line */
	uint8_t v[KEYLOG_MAX_SECRET];
};

struct keylog_entry {
	uint8_t client_random[KEYLOG_RANDOM_LEN];
	struct keylog_secret secret[KEYLOG_LABEL_COUNT];
	struct keylog_entry *next; /* hash chain */
};

struct keylog_stats {
	uint64_t lines;          /* lines read, comments and blank ones included */
	uint64_t secrets;        /* lines whose secret was kept */
	uint64_t unknown_labels; /* well-formed lines with a label we do not use */
	uint64_t bad_lines;      /* lines that do not parse: bad hex, wrong length, too long */
	uint64_t first_bad_line; /* line number of the first of them (1-based), 0 if none */
	uint64_t duplicates;     /* a secret given again for the same client random (the last wins) */
	uint64_t entries;        /* distinct client randoms */
	uint64_t dropped;        /* lines not kept: keylog_max_entries() was reached */
	bool file_cut;           /* the file was longer than KEYLOG_MAX_FILE_BYTES: the rest was not read */
};

/* What one line was. */
enum keylog_line {
	KEYLOG_LINE_SECRET = 0, /* kept */
	KEYLOG_LINE_SKIPPED,    /* blank or comment */
	KEYLOG_LINE_UNKNOWN,    /* well-formed, label not used */
	KEYLOG_LINE_BAD,        /* does not parse */
	KEYLOG_LINE_FULL,       /* keylog_max_entries() reached */
	KEYLOG_LINE_NOMEM
};

struct keylog;

struct keylog *keylog_new(void);
void keylog_free(struct keylog *kl);

/* Keep at most the client randoms that fit in max_bytes (the key-log part
 * of the memory budget, ts_budget.h), and never more than KEYLOG_MAX_ENTRIES;
 * lines for new randoms past that are dropped (counted). Before loading. */
void keylog_set_max_bytes(struct keylog *kl, size_t max_bytes);
size_t keylog_max_entries(const struct keylog *kl);

/* Heap bytes held: the entries and the table. */
size_t keylog_bytes(const struct keylog *kl);

/* One line (without its newline; a trailing '\r' is ignored). Counted in the stats. */
enum keylog_line keylog_add_line(struct keylog *kl, const char *line, size_t len);

/*
 * Read a key log file (repeatable: entries add up). TS_OK, also when some
 * lines did not parse (see the stats); TS_MALFORMED when the file cannot be
 * read (err says why) or holds no usable line at all; TS_NOMEM.
 */
enum ts_status keylog_load_file(struct keylog *kl, const char *path, char *err, size_t errlen);

/* The secrets for a client random, or NULL. */
const struct keylog_entry *keylog_find(const struct keylog *kl,
                                       const uint8_t client_random[KEYLOG_RANDOM_LEN]);

const struct keylog_stats *keylog_stats(const struct keylog *kl);

#endif
