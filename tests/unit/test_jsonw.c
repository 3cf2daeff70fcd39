/*
 * test_jsonw.c - the JSON writer: syntax, escaping of hostile wire bytes,
 * numbers, times, and the size cap.
 */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "jsonw.h"

static const char *text(struct jsonw *w)
{
	static char out[4096];
	size_t n = w->len < sizeof(out) - 1 ? w->len : sizeof(out) - 1;
	memcpy(out, w->buf, n);
	out[n] = 0;
	jw_reset(w);
	return out;
}

int main(void)
{
	struct jsonw w;
	jw_init(&w);

	jw_object_begin(&w, NULL);
	jw_uint(&w, "a", 0);
	jw_int(&w, "b", -12);
	jw_array_begin(&w, "c");
	jw_bool(&w, NULL, true);
	jw_null(&w, NULL);
	jw_object_begin(&w, NULL);
	jw_object_end(&w);
	jw_array_end(&w);
	jw_string(&w, "d", NULL);
	jw_object_end(&w);
	CHECK_STR(text(&w), "{\"a\":0,\"b\":-12,\"c\":[true,null,{}],\"d\":null}");

	/* wire bytes: quote, control, DEL, valid UTF-8, invalid byte, backslash, NUL */
	const uint8_t wire[] = {'x', '"', '\n', 0x01, 0x7f, 0xc3, 0xa9, 0xc0, '\\', 0x00, 'y'};
	jw_bytes(&w, NULL, wire, sizeof(wire));
	CHECK_STR(text(&w), "\"x\\\"\\n\\u0001\\u007f\xc3\xa9\\\\xc0\\\\x5c\\u0000y\"");
	/* the text "\xc0" and the byte 0xc0 must not come out alike */
	const uint8_t lookalike[] = {'\\', 'x', 'c', '0'};
	jw_bytes(&w, NULL, lookalike, sizeof(lookalike));
	CHECK_STR(text(&w), "\"\\\\x5cxc0\"");
	/* overlong encodings and surrogates are not valid UTF-8 */
	const uint8_t overlong[] = {0xe0, 0x80, 0xaf, 0xed, 0xa0, 0x80};
	jw_bytes(&w, NULL, overlong, sizeof(overlong));
	CHECK_STR(text(&w), "\"\\\\xe0\\\\x80\\\\xaf\\\\xed\\\\xa0\\\\x80\"");
	/* our own strings: plain JSON escaping */
	jw_string(&w, NULL, "C:\\pcaps\\a \"b\".pcap");
	CHECK_STR(text(&w), "\"C:\\\\pcaps\\\\a \\\"b\\\".pcap\"");

	const uint8_t bin[] = {0x00, 0xff, 0x10};
	jw_hex(&w, NULL, bin, 3);
	CHECK_STR(text(&w), "\"00ff10\"");
	const uint8_t b64[] = {'M', 'a', 'n', 'M', 'a'};
	jw_base64(&w, NULL, b64, 5);
	CHECK_STR(text(&w), "\"TWFuTWE=\"");
	jw_base64(&w, NULL, b64, 4);
	CHECK_STR(text(&w), "\"TWFuTQ==\"");
	jw_base64(&w, NULL, b64, 0);
	CHECK_STR(text(&w), "\"\"");

	jw_ms(&w, NULL, 1234567);
	CHECK_STR(text(&w), "1.234");
	jw_ms(&w, NULL, -5000000);
	CHECK_STR(text(&w), "-5.000");
	jw_uint(&w, NULL, UINT64_MAX);
	CHECK_STR(text(&w), "18446744073709551615");
	jw_double(&w, NULL, NAN, 3);
	CHECK_STR(text(&w), "null");

	jw_time(&w, NULL, 1772323200LL * 1000000000LL + 123456789, false);
	CHECK_STR(text(&w), "\"2026-03-01T00:00:00.123456Z\"");
	jw_time(&w, NULL, 1772323200LL * 1000000000LL + 123456789, true);
	CHECK_STR(text(&w), "\"2026-03-01T00:00:00.123456789Z\"");
	jw_time(&w, NULL, 1772323261LL * 1000000000LL, false); /* the cached date moves on */
	CHECK_STR(text(&w), "\"2026-03-01T00:01:01.000000Z\"");

	/* past the cap the writer fails and stays failed until reset */
	size_t big = JSONW_MAX_BYTES / 2 + 10;
	uint8_t *blob = calloc(1, big);
	jw_hex(&w, NULL, blob, big);
	CHECK(w.failed);
	jw_uint(&w, NULL, 1);
	CHECK(w.failed);
	jw_reset(&w);
	CHECK(!w.failed);
	free(blob);

	/* nesting deeper than the cap fails instead of overflowing */
	for (int i = 0; i < JSONW_MAX_DEPTH + 4; i++)
		jw_array_begin(&w, NULL);
	CHECK(w.failed);
	jw_free(&w);
	return check_report("test_jsonw");
}
