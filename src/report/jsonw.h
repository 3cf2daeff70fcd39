/*
 * jsonw.h - a streaming JSON writer into a growable buffer.
 *
 * Owns JSON syntax: commas, nesting, string escaping, number formatting.
 * Strings from the wire are bytes, not text: valid UTF-8 passes through,
 * control characters are escaped as \u00XX, and a byte that is not part of
 * valid UTF-8 is written as the four characters \xNN (as Zeek does), and
 * so is a backslash (\x5c), so a hostile name can neither break the JSON
 * nor pass for another name. Our own strings (file names) get plain JSON
 * escaping. The buffer is capped (JSONW_MAX_BYTES); past it the writer
 * fails sticky and the caller writes an error object instead.
 */
#ifndef TLSSCOPE_JSONW_H
#define TLSSCOPE_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSONW_MAX_DEPTH 16
#define JSONW_MAX_BYTES (16u << 20) /* one record: far above 32 certificates in base64 */

struct jsonw {
	char *buf;
	size_t len, cap;
	bool failed;
	int depth;
	bool first[JSONW_MAX_DEPTH];
	int64_t time_sec;     /* second of the cached date prefix (formatting dates is costly) */
	char time_prefix[24]; /* "YYYY-MM-DDTHH:MM:SS" of time_sec */
};

void jw_init(struct jsonw *w);
void jw_free(struct jsonw *w);
void jw_reset(struct jsonw *w);

/* `key` is NULL inside arrays and for the top-level value. */
void jw_object_begin(struct jsonw *w, const char *key);
void jw_object_end(struct jsonw *w);
void jw_array_begin(struct jsonw *w, const char *key);
void jw_array_end(struct jsonw *w);

void jw_string(struct jsonw *w, const char *key, const char *s);             /* NULL -> null */
void jw_bytes(struct jsonw *w, const char *key, const uint8_t *b, size_t n); /* wire bytes, escaped */
void jw_hex(struct jsonw *w, const char *key, const uint8_t *b, size_t n);
void jw_base64(struct jsonw *w, const char *key, const uint8_t *b, size_t n);
/* A string we made ourselves, known to be plain printable ASCII without quotes
 * or backslashes (IANA names, enum names): copied without escaping. */
void jw_ascii(struct jsonw *w, const char *key, const char *s);
void jw_uint(struct jsonw *w, const char *key, uint64_t v);
/* A duration in nanoseconds written as milliseconds with 3 decimals. */
void jw_ms(struct jsonw *w, const char *key, int64_t ns);
void jw_int(struct jsonw *w, const char *key, int64_t v);
void jw_double(struct jsonw *w, const char *key, double v, int decimals);
void jw_bool(struct jsonw *w, const char *key, bool v);
void jw_null(struct jsonw *w, const char *key);

/* A value already written as JSON (by a jsonw): copied as it is. */
void jw_raw(struct jsonw *w, const char *key, const char *json, size_t n);

/* ISO 8601 UTC time with 6 or 9 fractional digits: "2026-03-01T00:00:00.000000Z". */
void jw_time(struct jsonw *w, const char *key, int64_t ts_ns, bool nanosecond);

/* End a top-level value with a newline, so that another line can follow in the buffer. */
void jw_newline(struct jsonw *w);

/* Write the buffer plus a newline to fp and reset; false on a write error. */
bool jw_flush_line(struct jsonw *w, FILE *fp);

#endif
