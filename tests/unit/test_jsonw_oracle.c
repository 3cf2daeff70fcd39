/*
 * test_jsonw_oracle.c - the JSON writer checked by a maintained JSON
 * library: every string escape our writer makes is parsed back by jansson
 * (strict: it refuses invalid JSON and invalid UTF-8), and the decoded text
 * must be what docs/json.md promises for wire bytes. UTF-8 validity in the
 * expectation comes from the C library's own decoder (mbrtowc in C.UTF-8),
 * not from the writer's.
 *
 * The writer stays our own for speed (docs/json.md, "Why not jansson"):
 * this test is where jansson guards it.
 */
#include <jansson.h>
#include <locale.h>
#include <stdlib.h>
#include <wchar.h>

#include "check.h"
#include "jsonw.h"

static uint32_t rng = 2463534242u;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Hostile bytes: ASCII, quotes and backslashes, controls, valid UTF-8 of
 * every length, and the invalid kinds (stray continuation, overlong,
 * surrogates, above U+10FFFF, cut sequences). */
static size_t hostile(uint8_t *b, size_t cap)
{
	size_t n = 0, want = next() % 40;
	while (n < want && n + 4 <= cap) {
		uint32_t k = next() % 10, cp;
		switch (k) {
		case 0:
			b[n++] = (uint8_t)(0x20 + next() % 95);
			break;
		case 1:
			b[n++] = (uint8_t) "\"\\/\b\f\n\r\t"[next() % 8];
			break;
		case 2:
			b[n++] = (uint8_t)(next() % 0x20);
			break;
		case 3:
			b[n++] = 0x7f;
			break;
		case 4:
			b[n++] = (uint8_t)(0x80 + next() % 0x80);
			break; /* any high byte */
		case 5:
			cp = 0x80 + next() % 0x780;
			b[n++] = (uint8_t)(0xc0 | cp >> 6);
			b[n++] = (uint8_t)(0x80 | (cp & 63));
			break;
		case 6:
			cp = 0x800 + next() % 0xf800; /* surrogates included */
			b[n++] = (uint8_t)(0xe0 | cp >> 12);
			b[n++] = (uint8_t)(0x80 | (cp >> 6 & 63));
			b[n++] = (uint8_t)(0x80 | (cp & 63));
			break;
		case 7:
			cp = 0x10000 + next() % 0x1f0000; /* past U+10FFFF too */
			b[n++] = (uint8_t)(0xf0 | (cp >> 18 & 7));
			b[n++] = (uint8_t)(0x80 | (cp >> 12 & 63));
			b[n++] = (uint8_t)(0x80 | (cp >> 6 & 63));
			b[n++] = (uint8_t)(0x80 | (cp & 63));
			break;
		case 8:
			b[n++] = 0xc0 | (next() & 1);
			b[n++] = (uint8_t)(0x80 + next() % 64);
			break; /* overlong */
		default:
			b[n++] = (uint8_t)(0xe0 + next() % 16);
			break; /* a cut sequence */
		}
	}
	return n;
}

/* What the JSON string must decode to: docs/json.md's rule for wire bytes. */
static size_t expected_text(const uint8_t *b, size_t n, char *out)
{
	size_t o = 0;
	mbstate_t st;
	for (size_t i = 0; i < n;) {
		if (b[i] == '\\') {
			memcpy(out + o, "\\x5c", 4);
			o += 4;
			i++;
			continue;
		}
		if (b[i] < 0x80) {
			out[o++] = (char)b[i++];
			continue;
		}
		wchar_t wc;
		memset(&st, 0, sizeof(st));
		size_t len = mbrtowc(&wc, (const char *)b + i, n - i, &st);
		/* glibc decodes past U+10FFFF; RFC 3629 ends there */
		if (len != (size_t)-1 && len != (size_t)-2 && len > 0 && !(wc >= 0xd800 && wc <= 0xdfff) &&
		    wc <= 0x10ffff) {
			memcpy(out + o, b + i, len);
			o += len;
			i += len;
		} else {
			o += (size_t)sprintf(out + o, "\\x%02x", b[i]);
			i++;
		}
	}
	out[o] = 0;
	return o;
}

int main(void)
{
	CHECK(setlocale(LC_CTYPE, "C.UTF-8") != NULL);
	struct jsonw w;
	jw_init(&w);
	uint8_t bytes[256];
	char want[1024];
	int parsed = 0, matched = 0, total = 20000;
	for (int t = 0; t < total; t++) {
		size_t n = hostile(bytes, sizeof(bytes));
		jw_reset(&w);
		jw_object_begin(&w, NULL);
		jw_bytes(&w, "wire", bytes, n);
		jw_object_end(&w);
		json_error_t err;
		json_t *v = json_loadb(w.buf, w.len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
		if (!v) {
			fprintf(stderr, "jansson refused %.*s: %s\n", (int)w.len, w.buf, err.text);
			continue;
		}
		parsed++;
		json_t *s = json_object_get(v, "wire");
		size_t wn = expected_text(bytes, n, want);
		if (json_is_string(s) && json_string_length(s) == wn &&
		    !memcmp(json_string_value(s), want, wn))
			matched++;
		else
			fprintf(stderr, "decoded %s, expected %s\n",
			        json_is_string(s) ? json_string_value(s) : "?", want);
		json_decref(v);
	}
	CHECK_EQ(parsed, total);
	CHECK_EQ(matched, total);

	/* Our own strings (file names, messages) come back exactly. */
	const char *own[] = {"plain", "quote \" back\\slash", "tab\tnew\nline", "caf\xc3\xa9 \xe2\x9c\x93",
	                     "\x01\x1f\x7f"};
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		jw_reset(&w);
		jw_array_begin(&w, NULL);
		jw_string(&w, NULL, own[i]);
		jw_array_end(&w);
		json_t *v = json_loadb(w.buf, w.len, 0, NULL);
		CHECK(v && !strcmp(json_string_value(json_array_get(v, 0)), own[i]));
		json_decref(v);
	}
	jw_free(&w);
	return check_report("test_jsonw_oracle");
}
