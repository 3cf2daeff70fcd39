/*
 * text_escape.c - wire strings made safe for a terminal (see text_escape.h).
 */
#include "text_escape.h"

#include <stdbool.h>
#include <string.h>

#include "ts_utf8.h"

/* Bytes of b[0..n) that pass as they are: a printable ASCII byte or one
 * visible UTF-8 character; 0 means the byte at b is to be escaped. */
static size_t passes(const uint8_t *b, size_t n)
{
	uint32_t cp;
	if (b[0] >= 0x20 && b[0] < 0x7f)
		return 1;
	size_t len = b[0] >= 0x80 ? ts_utf8_sequence(b, n, &cp) : 0;
	return len && !ts_utf8_invisible(cp) ? len : 0;
}

size_t text_escape_bytes(const uint8_t *b, size_t n, char *out, size_t outlen)
{
	size_t o = 0;
	if (!outlen)
		return 0;
	for (size_t i = 0; i < n;) {
		size_t k = passes(b + i, n - i);
		if (k) {
			if (o + k >= outlen)
				break;
			memcpy(out + o, b + i, k);
			o += k;
			i += k;
		} else {
			if (o + 4 >= outlen)
				break;
			snprintf(out + o, outlen - o, "\\x%02x", b[i]);
			o += 4;
			i++;
		}
	}
	out[o] = 0;
	return o;
}

size_t text_escape(const char *s, char *out, size_t outlen)
{
	return text_escape_bytes((const uint8_t *)(s ? s : ""), s ? strlen(s) : 0, out, outlen);
}

void text_escape_put(FILE *fp, const char *s)
{
	const uint8_t *b = (const uint8_t *)(s ? s : "");
	size_t n = s ? strlen(s) : 0;
	for (size_t i = 0; i < n;) {
		size_t k = passes(b + i, n - i);
		if (k) {
			fwrite(b + i, 1, k, fp);
			i += k;
		} else {
			fprintf(fp, "\\x%02x", b[i++]);
		}
	}
}
