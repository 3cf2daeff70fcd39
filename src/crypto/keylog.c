/*
 * keylog.c - NSS key log reader and its table by client random (see keylog.h).
 */
#include "keylog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ts_hash.h"
#include "ts_limits.h"

struct keylog {
	struct keylog_entry **buckets;
	size_t nbuckets;    /* a power of two */
	size_t max_entries; /* KEYLOG_MAX_ENTRIES, or fewer under keylog_set_max_bytes() */
	struct keylog_stats stats;
};

static const char *const label_names[KEYLOG_LABEL_COUNT] = {
    [KEYLOG_CLIENT_RANDOM] = "CLIENT_RANDOM",
    [KEYLOG_CLIENT_EARLY_TRAFFIC_SECRET] = "CLIENT_EARLY_TRAFFIC_SECRET",
    [KEYLOG_CLIENT_HANDSHAKE_TRAFFIC_SECRET] = "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    [KEYLOG_SERVER_HANDSHAKE_TRAFFIC_SECRET] = "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    [KEYLOG_CLIENT_TRAFFIC_SECRET_0] = "CLIENT_TRAFFIC_SECRET_0",
    [KEYLOG_SERVER_TRAFFIC_SECRET_0] = "SERVER_TRAFFIC_SECRET_0",
    [KEYLOG_EXPORTER_SECRET] = "EXPORTER_SECRET",
    [KEYLOG_EARLY_EXPORTER_SECRET] = "EARLY_EXPORTER_SECRET",
};

const char *keylog_label_name(enum keylog_label l)
{
	return (unsigned)l < KEYLOG_LABEL_COUNT ? label_names[l] : "unknown";
}

struct keylog *keylog_new(void)
{
	struct keylog *kl = calloc(1, sizeof(*kl));
	if (!kl)
		return NULL;
	kl->nbuckets = 256;
	kl->max_entries = KEYLOG_MAX_ENTRIES;
	kl->buckets = calloc(kl->nbuckets, sizeof(*kl->buckets));
	if (!kl->buckets) {
		free(kl);
		return NULL;
	}
	return kl;
}

void keylog_free(struct keylog *kl)
{
	if (!kl)
		return;
	for (size_t i = 0; i < kl->nbuckets; i++) {
		struct keylog_entry *e = kl->buckets[i];
		while (e) {
			struct keylog_entry *next = e->next;
			free(e);
			e = next;
		}
	}
	free(kl->buckets);
	free(kl);
}

const struct keylog_stats *keylog_stats(const struct keylog *kl)
{
	return &kl->stats;
}

/* An entry and its share of the bucket array (at most one bucket per entry, twice after a grow). */
#define KEYLOG_ENTRY_BYTES (sizeof(struct keylog_entry) + 2 * sizeof(struct keylog_entry *))

void keylog_set_max_bytes(struct keylog *kl, size_t max_bytes)
{
	size_t n = max_bytes / KEYLOG_ENTRY_BYTES;
	kl->max_entries = n < KEYLOG_MAX_ENTRIES ? n : KEYLOG_MAX_ENTRIES;
}

size_t keylog_max_entries(const struct keylog *kl)
{
	return kl->max_entries;
}

size_t keylog_bytes(const struct keylog *kl)
{
	return sizeof(*kl) + kl->nbuckets * sizeof(*kl->buckets) +
	       (size_t)kl->stats.entries * sizeof(struct keylog_entry);
}

/* The whole random, keyed (ts_hash.h): a key log is a file anyone can
 * write, and lines sharing their first bytes must not share a bucket. */
static size_t bucket_of(const struct keylog *kl, const uint8_t *random)
{
	return (size_t)ts_hash(random, KEYLOG_RANDOM_LEN) & (kl->nbuckets - 1);
}

static void grow(struct keylog *kl)
{
	size_t n = kl->nbuckets * 2;
	struct keylog_entry **b = calloc(n, sizeof(*b));
	if (!b)
		return; /* longer chains, still correct */
	struct keylog_entry **old = kl->buckets;
	size_t old_n = kl->nbuckets;
	kl->buckets = b;
	kl->nbuckets = n;
	for (size_t i = 0; i < old_n; i++) {
		struct keylog_entry *e = old[i];
		while (e) {
			struct keylog_entry *next = e->next;
			size_t k = bucket_of(kl, e->client_random);
			e->next = b[k];
			b[k] = e;
			e = next;
		}
	}
	free(old);
}

const struct keylog_entry *keylog_find(const struct keylog *kl,
                                       const uint8_t client_random[KEYLOG_RANDOM_LEN])
{
	if (!kl)
		return NULL;
	for (const struct keylog_entry *e = kl->buckets[bucket_of(kl, client_random)]; e; e = e->next)
		if (!memcmp(e->client_random, client_random, KEYLOG_RANDOM_LEN))
			return e;
	return NULL;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex text of exactly 2*n digits into n bytes (n <= max). */
static bool parse_hex(const char *s, size_t len, uint8_t *out, size_t max, size_t *n)
{
	if (len == 0 || len % 2 || len / 2 > max)
		return false;
	for (size_t i = 0; i < len; i += 2) {
		int hi = hex_digit(s[i]), lo = hex_digit(s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*n = len / 2;
	return true;
}

/* Next space-separated field of line[*pos..len). */
static bool next_field(const char *line, size_t len, size_t *pos, const char **f, size_t *flen)
{
	size_t i = *pos;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	size_t start = i;
	while (i < len && line[i] != ' ' && line[i] != '\t')
		i++;
	*pos = i;
	*f = line + start;
	*flen = i - start;
	return *flen > 0;
}

static enum keylog_line line_bad(struct keylog *kl)
{
	kl->stats.bad_lines++;
	if (!kl->stats.first_bad_line)
		kl->stats.first_bad_line = kl->stats.lines;
	return KEYLOG_LINE_BAD;
}

/*
 * NSS key log line (developer.mozilla.org, "NSS Key Log Format"):
 *   <label> SP <client_random: 64 hex digits> SP <secret: hex>
 */
enum keylog_line keylog_add_line(struct keylog *kl, const char *line, size_t len)
{
	kl->stats.lines++;
	if (len && line[len - 1] == '\r')
		len--;
	if (len > KEYLOG_MAX_LINE)
		return line_bad(kl);
	size_t pos = 0;
	const char *label, *rnd, *sec, *extra;
	size_t label_len, rnd_len, sec_len, extra_len;
	if (!next_field(line, len, &pos, &label, &label_len) || label[0] == '#')
		return KEYLOG_LINE_SKIPPED;
	if (!next_field(line, len, &pos, &rnd, &rnd_len) || !next_field(line, len, &pos, &sec, &sec_len) ||
	    next_field(line, len, &pos, &extra, &extra_len))
		return line_bad(kl);

	uint8_t random[KEYLOG_RANDOM_LEN], secret[KEYLOG_MAX_SECRET];
	size_t n, secret_len;
	if (!parse_hex(rnd, rnd_len, random, sizeof(random), &n) || n != KEYLOG_RANDOM_LEN ||
	    !parse_hex(sec, sec_len, secret, sizeof(secret), &secret_len))
		return line_bad(kl);
	int which = -1;
	for (int i = 0; i < KEYLOG_LABEL_COUNT; i++)
		if (strlen(label_names[i]) == label_len && !memcmp(label_names[i], label, label_len))
			which = i;
	if (which < 0) {
		kl->stats.unknown_labels++;
		return KEYLOG_LINE_UNKNOWN;
	}
	/* A master secret is 48 bytes; TLS 1.3 secrets are a hash long (SHA-256 or SHA-384). */
	if (which == KEYLOG_CLIENT_RANDOM ? secret_len != 48 : (secret_len != 32 && secret_len != 48))
		return line_bad(kl);

	struct keylog_entry *e = (struct keylog_entry *)keylog_find(kl, random);
	if (!e) {
		if (kl->stats.entries >= kl->max_entries) {
			kl->stats.dropped++;
			return KEYLOG_LINE_FULL;
		}
		e = calloc(1, sizeof(*e));
		if (!e)
			return KEYLOG_LINE_NOMEM;
		memcpy(e->client_random, random, KEYLOG_RANDOM_LEN);
		size_t k = bucket_of(kl, random);
		e->next = kl->buckets[k];
		kl->buckets[k] = e;
		if (++kl->stats.entries > kl->nbuckets)
			grow(kl);
	}
	struct keylog_secret *s = &e->secret[which];
	if (s->len)
		kl->stats.duplicates++;
	s->len = (uint8_t)secret_len;
	memcpy(s->v, secret, secret_len);
	kl->stats.secrets++;
	return KEYLOG_LINE_SECRET;
}

enum ts_status keylog_load_file(struct keylog *kl, const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return TS_MALFORMED;
	}
	uint64_t secrets_before = kl->stats.secrets;
	char line[KEYLOG_MAX_LINE + 2];
	size_t have = 0, total = 0;
	bool too_long = false, nomem = false;
	int ch;
	/* Byte by byte through stdio: a line longer than the cap is counted bad
	 * without ever being held whole, and a NUL cannot end a line early. */
	while ((ch = getc(fp)) != EOF) {
		if (++total > KEYLOG_MAX_FILE_BYTES) {
			kl->stats.file_cut = true;
			break;
		}
		if (ch != '\n') {
			if (have < sizeof(line))
				line[have++] = (char)ch;
			else
				too_long = true;
			continue;
		}
		if (too_long) {
			kl->stats.lines++;
			line_bad(kl);
		} else if (keylog_add_line(kl, line, have) == KEYLOG_LINE_NOMEM) {
			nomem = true;
			break;
		}
		have = 0;
		too_long = false;
	}
	if (!nomem && !kl->stats.file_cut && (have || too_long)) {
		/* A last line without its newline: a key log cut while it was written. */
		if (too_long) {
			kl->stats.lines++;
			line_bad(kl);
		} else if (keylog_add_line(kl, line, have) == KEYLOG_LINE_NOMEM) {
			nomem = true;
		}
	}
	bool read_error = ferror(fp);
	fclose(fp);
	if (nomem) {
		snprintf(err, errlen, "%s: out of memory", path);
		return TS_NOMEM;
	}
	if (read_error) {
		snprintf(err, errlen, "%s: read error", path);
		return TS_MALFORMED;
	}
	if (kl->stats.secrets == secrets_before) {
		snprintf(
		    err, errlen,
		    "%s: no key log line in it (expected lines such as 'CLIENT_RANDOM <64 hex> <96 hex>')",
		    path);
		return TS_MALFORMED;
	}
	return TS_OK;
}
