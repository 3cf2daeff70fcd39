/*
 * fuzz_keylog_decrypt.c - libFuzzer harness for TLS 1.3 handshake
 * decryption with a key log: the key schedule, record decryption and the
 * handshake messages read from the decrypted records.
 *
 * Two inputs in one harness, told apart by the first bytes:
 *  - a pcap or pcapng file (its magic number): a fuzzed capture decrypted
 *    with the real key log of fuzz/data/tls13-keylog.keys;
 *  - anything else: a fuzzed key log (read line by line, as fuzz_keylog.c
 *    does) applied to the real capture fuzz/data/tls13-keylog.pcap, so the
 *    decryption runs with mutated secrets, lengths and labels.
 * Each connection is diagnosed and written as JSON and text.
 *
 * The pair is the first connection of the corpus's
 * ja4__http2-with-cookies.pcapng (youtube.com, TLS_AES_128_GCM_SHA256, the
 * certificates only readable decrypted), its first 13 frames as a pcap.
 * Before fuzzing, the harness checks that the real key log does open it.
 * Seeds: that capture and that key log.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_read.h"
#include "jsonw.h"
#include "keylog.h"
#include "report_json.h"
#include "report_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct decrypt_run {
	struct jsonw w;
	struct report_inputs in;
	FILE *sink;
	bool certificates_read; /* a connection's certificates were seen */
};

static void on_conn(const struct conn *c, const struct diagnosis *dg, void *user)
{
	struct decrypt_run *r = user;
	report_json_conn(&r->w, c, dg, &r->in);
	jw_reset(&r->w);
	report_text_conn(r->sink, c, dg, &r->in);
	if (!strcmp(conn_certificates_state(c), "visible"))
		r->certificates_read = true;
}

static uint8_t *capture;
static size_t capture_len;
static struct keylog *good_keylog;

static struct keylog *keylog_from_text(const uint8_t *data, size_t size)
{
	struct keylog *kl = keylog_new();
	const char *p = (const char *)data, *end = p + size;
	while (kl && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		keylog_add_line(kl, p, len);
		p += len + (nl != NULL);
	}
	return kl;
}

/* Decrypt with kl; the run's counters into *stats. False: out of memory. */
static bool run(const uint8_t *cap, size_t cap_len, const struct keylog *kl, struct ts_stats *stats,
                bool *certificates_read)
{
	static const char *names[] = {"fuzz"};
	struct capture_info info;
	struct decrypt_run r = {.in = {.names = names, .info = &info, .count = 1, .width = 80}};
	if (!(r.sink = fopen("/dev/null", "w")))
		return false;
	jw_init(&r.w);
	bool ok = fuzz_read_capture(cap, cap_len, 0, kl, &info, stats, on_conn, &r);
	jw_free(&r.w);
	fclose(r.sink);
	*certificates_read = r.certificates_read;
	return ok;
}

/* The harness tests decryption only if the real pair decrypts: check it once. */
static void load_pair(void)
{
	size_t keys_len;
	capture = fuzz_load_file("fuzz/data/tls13-keylog.pcap", &capture_len);
	uint8_t *keys = fuzz_load_file("fuzz/data/tls13-keylog.keys", &keys_len);
	good_keylog = keylog_from_text(keys, keys_len);
	free(keys);
	struct ts_stats stats;
	bool certificates_read = false;
	if (!good_keylog || !run(capture, capture_len, good_keylog, &stats, &certificates_read) ||
	    stats.keylog[CONN_KEYLOG_MATCHED] != 1 || !certificates_read) {
		fprintf(stderr, "fuzz_keylog_decrypt: the real key log does not decrypt the real capture\n");
		abort();
	}
}

static bool is_capture(const uint8_t *data, size_t size)
{
	static const uint8_t magics[][4] = {{0xa1, 0xb2, 0xc3, 0xd4},
	                                    {0xd4, 0xc3, 0xb2, 0xa1},
	                                    {0xa1, 0xb2, 0x3c, 0x4d},
	                                    {0x4d, 0x3c, 0xb2, 0xa1},
	                                    {0x0a, 0x0d, 0x0d, 0x0a}};
	for (size_t i = 0; size >= 4 && i < sizeof(magics) / sizeof(magics[0]); i++)
		if (!memcmp(data, magics[i], 4))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!capture)
		load_pair();
	struct ts_stats stats;
	bool certificates_read;
	if (is_capture(data, size)) {
		run(data, size, good_keylog, &stats, &certificates_read);
		return 0;
	}
	struct keylog *kl = keylog_from_text(data, size);
	if (kl)
		run(capture, capture_len, kl, &stats, &certificates_read);
	keylog_free(kl);
	return 0;
}
