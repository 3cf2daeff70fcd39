/*
 * text_escape.h - the one escaping of wire-derived strings for text a
 * terminal shows (analyze and diff text, the live line, stderr).
 *
 * A certificate name, SNI or any text built from them may hold ESC, C1
 * controls, bidi overrides or invalid UTF-8: printed raw they clear the
 * screen, set the window title or reorder what the reader sees. Printable
 * ASCII and well-formed UTF-8 of visible characters pass; every other byte
 * becomes \xNN (a backslash itself stays, so RFC 4514 escapes read as before).
 */
#ifndef TLSSCOPE_TEXT_ESCAPE_H
#define TLSSCOPE_TEXT_ESCAPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The escaped text of b[0..n) into out (always NUL-terminated, cut at a whole
 * escape when out is short); returns the length written. */
size_t text_escape_bytes(const uint8_t *b, size_t n, char *out, size_t outlen);

/* The same for a C string (NULL reads as ""). */
size_t text_escape(const char *s, char *out, size_t outlen);

/* The escaped text of s written to fp, however long s is. */
void text_escape_put(FILE *fp, const char *s);

#endif
