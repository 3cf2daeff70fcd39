/*
 * jsonw.c - streaming JSON writer (see jsonw.h).
 */
#include "jsonw.h"
#include "ts_utf8.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void jw_init(struct jsonw *w)
{
	memset(w, 0, sizeof(*w));
	w->first[0] = true;
	w->time_sec = INT64_MIN;
}

void jw_free(struct jsonw *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

void jw_reset(struct jsonw *w)
{
	w->len = 0;
	w->failed = false;
	w->depth = 0;
	w->first[0] = true;
}

static bool grow(struct jsonw *w, size_t more);

static inline bool reserve(struct jsonw *w, size_t more)
{
	if (!w->failed && more <= w->cap - w->len)
		return true;
	return grow(w, more);
}

static bool grow(struct jsonw *w, size_t more)
{
	if (w->failed)
		return false;
	if (more > JSONW_MAX_BYTES - w->len) {
		w->failed = true;
		return false;
	}
	size_t cap = w->cap ? w->cap : 4096;
	while (cap - w->len < more)
		cap *= 2;
	if (cap > JSONW_MAX_BYTES)
		cap = JSONW_MAX_BYTES;
	char *b = realloc(w->buf, cap);
	if (!b) {
		w->failed = true;
		return false;
	}
	w->buf = b;
	w->cap = cap;
	return true;
}

static inline void put(struct jsonw *w, const char *s, size_t n)
{
	if (!reserve(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static inline void putc_(struct jsonw *w, char c)
{
	if (!reserve(w, 1))
		return;
	w->buf[w->len++] = c;
}

/* The comma and "key": before a value, in one reservation. Key strings are
 * our own ASCII identifiers: no escaping needed. */
static inline void prefix(struct jsonw *w, const char *key)
{
	size_t klen = key ? strlen(key) : 0;
	if (!reserve(w, klen + 4))
		return;
	char *o = w->buf + w->len;
	if (!w->first[w->depth])
		*o++ = ',';
	w->first[w->depth] = false;
	if (key) {
		*o++ = '"';
		memcpy(o, key, klen);
		o += klen;
		*o++ = '"';
		*o++ = ':';
	}
	w->len = (size_t)(o - w->buf);
}

static void open_(struct jsonw *w, const char *key, char c)
{
	prefix(w, key);
	putc_(w, c);
	if (w->depth + 1 >= JSONW_MAX_DEPTH) {
		w->failed = true;
		return;
	}
	w->first[++w->depth] = true;
}

static void close_(struct jsonw *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	putc_(w, c);
}

void jw_object_begin(struct jsonw *w, const char *key)
{
	open_(w, key, '{');
}

void jw_object_end(struct jsonw *w)
{
	close_(w, '}');
}

void jw_array_begin(struct jsonw *w, const char *key)
{
	open_(w, key, '[');
}

void jw_array_end(struct jsonw *w)
{
	close_(w, ']');
}

static const char hexdig[] = "0123456789abcdef";

static void put_escaped(struct jsonw *w, const uint8_t *s, size_t n, bool wire)
{
	putc_(w, '"');
	size_t i = 0;
	while (i < n && !w->failed) {
		/* copy a run of plain ASCII at once */
		size_t run = i;
		while (run < n && s[run] >= 0x20 && s[run] < 0x7f && s[run] != '"' && s[run] != '\\')
			run++;
		if (run > i) {
			put(w, (const char *)s + i, run - i);
			i = run;
			continue;
		}
		uint8_t c = s[i];
		char esc[8];
		switch (c) {
		case '"':
			put(w, "\\\"", 2);
			i++;
			continue;
		case '\\':
			/* in wire bytes a backslash is written \x5c like any escaped byte,
			 * so the text "\xc0" cannot pass for the byte 0xc0 */
			if (wire)
				put(w, "\\\\x5c", 5);
			else
				put(w, "\\\\", 2);
			i++;
			continue;
		case '\n':
			put(w, "\\n", 2);
			i++;
			continue;
		case '\r':
			put(w, "\\r", 2);
			i++;
			continue;
		case '\t':
			put(w, "\\t", 2);
			i++;
			continue;
		default:
			break;
		}
		if (c < 0x20 || c == 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hexdig[c >> 4];
			esc[5] = hexdig[c & 15];
			put(w, esc, 6);
			i++;
			continue;
		}
		uint32_t cp;
		size_t ul = ts_utf8_sequence(s + i, n - i, &cp);
		if (ul && ts_utf8_invisible(cp)) {
			/* the same string to a JSON reader; never a raw CSI or bidi override to a terminal */
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)(cp & 0xffff)); /* all in the BMP */
			put(w, esc, 6);
			i += ul;
		} else if (ul) {
			put(w, (const char *)s + i, ul);
			i += ul;
		} else {
			esc[0] = '\\';
			esc[1] = '\\';
			esc[2] = 'x';
			esc[3] = hexdig[c >> 4];
			esc[4] = hexdig[c & 15];
			put(w, esc, 5);
			i++;
		}
	}
	putc_(w, '"');
}

void jw_string(struct jsonw *w, const char *key, const char *s)
{
	if (!s) {
		jw_null(w, key);
		return;
	}
	prefix(w, key);
	put_escaped(w, (const uint8_t *)s, strlen(s), false);
}

void jw_ascii(struct jsonw *w, const char *key, const char *s)
{
	if (!s) {
		jw_null(w, key);
		return;
	}
	size_t n = strlen(s);
	prefix(w, key);
	if (!reserve(w, n + 2))
		return;
	w->buf[w->len++] = '"';
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len++] = '"';
}

void jw_bytes(struct jsonw *w, const char *key, const uint8_t *b, size_t n)
{
	prefix(w, key);
	put_escaped(w, b, n, true);
}

void jw_hex(struct jsonw *w, const char *key, const uint8_t *b, size_t n)
{
	prefix(w, key);
	if (!reserve(w, 2 * n + 2))
		return;
	char *o = w->buf + w->len;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		*o++ = hexdig[b[i] >> 4];
		*o++ = hexdig[b[i] & 15];
	}
	*o++ = '"';
	w->len = (size_t)(o - w->buf);
}

void jw_base64(struct jsonw *w, const char *key, const uint8_t *b, size_t n)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	prefix(w, key);
	if (!reserve(w, (n + 2) / 3 * 4 + 2))
		return;
	char *o = w->buf + w->len;
	*o++ = '"';
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)b[i] << 16 | (uint32_t)b[i + 1] << 8 | b[i + 2];
		*o++ = tbl[v >> 18];
		*o++ = tbl[(v >> 12) & 63];
		*o++ = tbl[(v >> 6) & 63];
		*o++ = tbl[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)b[i] << 16 | (i + 1 < n ? (uint32_t)b[i + 1] << 8 : 0);
		*o++ = tbl[v >> 18];
		*o++ = tbl[(v >> 12) & 63];
		*o++ = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o++ = '"';
	w->len = (size_t)(o - w->buf);
}

static void put_u64(struct jsonw *w, uint64_t v)
{
	char tmp[24];
	int i = (int)sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(w, tmp + i, sizeof(tmp) - (size_t)i);
}

void jw_uint(struct jsonw *w, const char *key, uint64_t v)
{
	prefix(w, key);
	put_u64(w, v);
}

void jw_int(struct jsonw *w, const char *key, int64_t v)
{
	prefix(w, key);
	if (v < 0) {
		putc_(w, '-');
		put_u64(w, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u64(w, (uint64_t)v);
	}
}

void jw_ms(struct jsonw *w, const char *key, int64_t ns)
{
	prefix(w, key);
	uint64_t us;
	if (ns < 0) {
		putc_(w, '-');
		us = ((uint64_t)0 - (uint64_t)ns) / 1000;
	} else {
		us = (uint64_t)ns / 1000;
	}
	put_u64(w, us / 1000);
	char frac[4] = {'.', (char)('0' + us % 1000 / 100), (char)('0' + us % 100 / 10),
	                (char)('0' + us % 10)};
	put(w, frac, 4);
}

void jw_double(struct jsonw *w, const char *key, double v, int decimals)
{
	char tmp[64];
	prefix(w, key);
	if (v != v || v > 1e300 || v < -1e300) { /* JSON has no NaN or infinity */
		put(w, "null", 4);
		return;
	}
	int n = snprintf(tmp, sizeof(tmp), "%.*f", decimals, v);
	if (n > 0)
		put(w, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

void jw_bool(struct jsonw *w, const char *key, bool v)
{
	prefix(w, key);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void jw_raw(struct jsonw *w, const char *key, const char *json, size_t n)
{
	prefix(w, key);
	put(w, json, n);
}

void jw_null(struct jsonw *w, const char *key)
{
	prefix(w, key);
	put(w, "null", 4);
}

void jw_time(struct jsonw *w, const char *key, int64_t ts_ns, bool nanosecond)
{
	int64_t sec = ts_ns / 1000000000LL, frac = ts_ns % 1000000000LL;
	if (frac < 0) {
		frac += 1000000000LL;
		sec--;
	}
	if (sec != w->time_sec) {
		time_t t = (time_t)sec;
		struct tm tm;
		if (!gmtime_r(&t, &tm) ||
		    !strftime(w->time_prefix, sizeof(w->time_prefix), "%Y-%m-%dT%H:%M:%S", &tm)) {
			jw_null(w, key);
			return;
		}
		w->time_sec = sec;
	}
	/* prefix, '.', 6 or 9 digits, 'Z' */
	char tmp[40];
	size_t n = strlen(w->time_prefix);
	memcpy(tmp, w->time_prefix, n);
	tmp[n++] = '.';
	int digits = nanosecond ? 9 : 6;
	uint64_t f = (uint64_t)(nanosecond ? frac : frac / 1000);
	for (int i = digits - 1; i >= 0; i--) {
		tmp[n + (size_t)i] = (char)('0' + f % 10);
		f /= 10;
	}
	n += (size_t)digits;
	tmp[n++] = 'Z';
	tmp[n] = 0;
	jw_ascii(w, key, tmp);
}

void jw_newline(struct jsonw *w)
{
	putc_(w, '\n');
	w->depth = 0;
	w->first[0] = true;
}

bool jw_flush_line(struct jsonw *w, FILE *fp)
{
	bool ok = !w->failed;
	if (ok) {
		putc_(w, '\n');
		ok = !w->failed && fwrite(w->buf, 1, w->len, fp) == w->len;
	}
	jw_reset(w);
	return ok;
}
