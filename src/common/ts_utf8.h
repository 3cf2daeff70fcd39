/*
 * ts_utf8.h - the one UTF-8 decoder of the outputs (JSON strings, terminal
 * text): which bytes form a well-formed character (RFC 3629).
 */
#ifndef TLSSCOPE_TS_UTF8_H
#define TLSSCOPE_TS_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of the well-formed multi-byte sequence at s (n bytes left) and its
 * code point: no overlong forms, no surrogates, nothing past U+10FFFF.
 * 0 if ill-formed, and for an ASCII byte (the caller handles those). */
static inline size_t ts_utf8_sequence(const uint8_t *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t v, min;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2, v = s[0] & 0x1fu, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3, v = s[0] & 0x0fu, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4, v = s[0] & 0x07u, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3fu);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* Code points a terminal acts on or that change how a line reads: C1
 * controls (U+009B is CSI), bidi embeddings, overrides and isolates
 * (Unicode TR 9), zero-width and line/paragraph separators, the BOM. */
static inline bool ts_utf8_invisible(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
	       (cp >= 0xfff9 && cp <= 0xfffb);
}

#endif
