/*
 * test_keylog.c - the NSS key log reader on well-formed and hostile lines:
 * every label, comments, CRLF, bad hex, wrong lengths, extra fields, long
 * lines, duplicates, a file cut in the middle of a line, lookups.
 */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "keylog.h"
#include "ts_limits.h"

#define R1 "0102030405060708091011121314151617181920212223242526272829303132"
#define R2 "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
#define S32 "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
#define S48 S32 "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"

static enum keylog_line add(struct keylog *kl, const char *s)
{
	return keylog_add_line(kl, s, strlen(s));
}

static void test_lines(void)
{
	struct keylog *kl = keylog_new();
	CHECK(kl != NULL);
	CHECK_EQ(add(kl, "CLIENT_RANDOM " R1 " " S48), KEYLOG_LINE_SECRET);
	CHECK_EQ(add(kl, "SERVER_HANDSHAKE_TRAFFIC_SECRET " R2 " " S32 "\r"), KEYLOG_LINE_SECRET);
	CHECK_EQ(add(kl, "CLIENT_HANDSHAKE_TRAFFIC_SECRET\t" R2 "  " S48), KEYLOG_LINE_SECRET);
	CHECK_EQ(add(kl, "# SSL/TLS secrets log file"), KEYLOG_LINE_SKIPPED);
	CHECK_EQ(add(kl, ""), KEYLOG_LINE_SKIPPED);
	CHECK_EQ(add(kl, "   "), KEYLOG_LINE_SKIPPED);
	CHECK_EQ(add(kl, "RSA 0011 2233"), KEYLOG_LINE_BAD); /* not a 32-byte random */
	CHECK_EQ(add(kl, "CLIENT_ECH_SECRET " R1 " " S32), KEYLOG_LINE_UNKNOWN);
	CHECK_EQ(add(kl, "CLIENT_RANDOM " R1 " " S32), KEYLOG_LINE_BAD);           /* master secret is 48 */
	CHECK_EQ(add(kl, "CLIENT_TRAFFIC_SECRET_0 " R1 " a0a1"), KEYLOG_LINE_BAD); /* cut secret */
	CHECK_EQ(add(kl, "CLIENT_TRAFFIC_SECRET_0 " R1 " " S32 "0"), KEYLOG_LINE_BAD); /* odd digits */
	CHECK_EQ(add(kl, "CLIENT_TRAFFIC_SECRET_0 " R1 " " S32 " extra"), KEYLOG_LINE_BAD);
	CHECK_EQ(add(kl, "CLIENT_TRAFFIC_SECRET_0 " R1 " " S48 S48), KEYLOG_LINE_BAD); /* too long a secret */
	CHECK_EQ(add(kl, "CLIENT_TRAFFIC_SECRET_0 " R1 "zz " S32), KEYLOG_LINE_BAD);
	CHECK_EQ(add(kl, "CLIENT_TRAFFIC_SECRET_0 x" R1 " " S32), KEYLOG_LINE_BAD);
	CHECK_EQ(add(kl, "CLIENT_TRAFFIC_SECRET_0 " R1), KEYLOG_LINE_BAD);
	CHECK_EQ(add(kl, "SERVER_HANDSHAKE_TRAFFIC_SECRET " R2 " " S48),
	         KEYLOG_LINE_SECRET); /* again: last wins */

	const struct keylog_stats *st = keylog_stats(kl);
	CHECK_EQ(st->lines, 17);
	CHECK_EQ(st->secrets, 4);
	CHECK_EQ(st->bad_lines, 9);
	CHECK_EQ(st->first_bad_line, 7);
	CHECK_EQ(st->unknown_labels, 1);
	CHECK_EQ(st->duplicates, 1);
	CHECK_EQ(st->entries, 2);

	static const char r1_hex[] = R1, r2_hex[] = R2;
	uint8_t r1[32], r2[32];
	for (int i = 0; i < 32; i++) {
		unsigned v;
		sscanf(&r1_hex[2 * i], "%2x", &v);
		r1[i] = (uint8_t)v;
		sscanf(&r2_hex[2 * i], "%2x", &v);
		r2[i] = (uint8_t)v;
	}
	const struct keylog_entry *e = keylog_find(kl, r1);
	CHECK(e != NULL);
	if (e) {
		CHECK_EQ(e->secret[KEYLOG_CLIENT_RANDOM].len, 48);
		CHECK_EQ(e->secret[KEYLOG_CLIENT_RANDOM].v[47], 0xcf);
		CHECK_EQ(e->secret[KEYLOG_CLIENT_TRAFFIC_SECRET_0].len, 0);
	}
	e = keylog_find(kl, r2);
	CHECK(e != NULL);
	if (e) {
		CHECK_EQ(e->secret[KEYLOG_SERVER_HANDSHAKE_TRAFFIC_SECRET].len, 48);
		CHECK_EQ(e->secret[KEYLOG_CLIENT_HANDSHAKE_TRAFFIC_SECRET].len, 48);
		CHECK_EQ(e->secret[KEYLOG_CLIENT_RANDOM].len, 0);
	}
	r1[31] ^= 1;
	CHECK(keylog_find(kl, r1) == NULL);
	CHECK(keylog_find(NULL, r1) == NULL);
	keylog_free(kl);
}

/* Many entries: the table grows and every one is still found. */
static void test_many(void)
{
	struct keylog *kl = keylog_new();
	char line[256];
	for (unsigned i = 0; i < 5000; i++) {
		snprintf(line, sizeof(line), "CLIENT_RANDOM %056x%08x " S48, 0u, i);
		CHECK_EQ(add(kl, line), KEYLOG_LINE_SECRET);
	}
	CHECK_EQ(keylog_stats(kl)->entries, 5000);
	int missing = 0;
	for (unsigned i = 0; i < 5000; i++) {
		uint8_t r[32] = {0};
		r[28] = (uint8_t)(i >> 24);
		r[29] = (uint8_t)(i >> 16);
		r[30] = (uint8_t)(i >> 8);
		r[31] = (uint8_t)i;
		missing += keylog_find(kl, r) == NULL;
	}
	CHECK_EQ(missing, 0);
	keylog_free(kl);
}

static void test_file(void)
{
	char path[] = "/tmp/tlsscope-keylog-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	FILE *fp = fdopen(fd, "w");
	/* A good line, a line longer than the cap, a NUL inside a line, and a last line cut short. */
	fprintf(fp, "CLIENT_RANDOM " R1 " " S48 "\n");
	for (int i = 0; i < KEYLOG_MAX_LINE * 3; i++)
		fputc('A', fp);
	fputc('\n', fp);
	fputs("CLIENT_RANDOM ", fp);
	fputc(0, fp);
	fputs(R2 " " S48 "\n", fp);
	fputs("SERVER_HANDSHAKE_TRAFFIC_SECRET " R2 " a0a1a2", fp);
	fclose(fp);

	struct keylog *kl = keylog_new();
	char err[256] = "";
	CHECK_EQ(keylog_load_file(kl, path, err, sizeof(err)), TS_OK);
	const struct keylog_stats *st = keylog_stats(kl);
	CHECK_EQ(st->lines, 4);
	CHECK_EQ(st->secrets, 1);
	CHECK_EQ(st->bad_lines, 3);
	CHECK_EQ(st->first_bad_line, 2);

	/* Nothing usable at all, or no file: an error that names the file. */
	fp = fopen(path, "w");
	fputs("hello\nworld\n", fp);
	fclose(fp);
	struct keylog *empty = keylog_new();
	CHECK_EQ(keylog_load_file(empty, path, err, sizeof(err)), TS_MALFORMED);
	CHECK(strstr(err, path) != NULL);
	unlink(path);
	CHECK_EQ(keylog_load_file(empty, path, err, sizeof(err)), TS_MALFORMED);
	CHECK(strstr(err, "cannot read") != NULL);
	keylog_free(empty);
	keylog_free(kl);
}

int main(void)
{
	test_lines();
	test_many();
	test_file();
	return check_report("test_keylog");
}
