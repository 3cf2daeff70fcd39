/*
 * rd.h - the bounded byte reader every dissector reads network bytes through.
 *
 * Owns nothing: a reader is a view (pointer, length, offset) over bytes that
 * somebody else keeps alive. Every read checks the remaining length first
 * (`n > len - off`, which cannot wrap) and failure is sticky: after the first
 * short read all reads return 0 / NULL / an empty child, so a parser checks
 * `r.err` once per structure instead of after every field.
 *
 * Length-prefixed vectors become child readers (rd_vec8/16/24): the parent
 * skips the whole vector whatever the child does with it, so one malformed
 * extension can never make the parser read into the next field.
 */
#ifndef TLSSCOPE_RD_H
#define TLSSCOPE_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool err;
};

static inline struct rd rd_init(const uint8_t *p, size_t len)
{
	struct rd r = {p, p ? len : 0, 0, false};
	return r;
}

static inline size_t rd_left(const struct rd *r)
{
	return r->err ? 0 : r->len - r->off;
}

/* Borrow n bytes, or NULL (and the reader fails) if fewer remain. */
static inline const uint8_t *rd_bytes(struct rd *r, size_t n)
{
	if (r->err || n > r->len - r->off) {
		r->err = true;
		return NULL;
	}
	const uint8_t *b = r->p + r->off;
	r->off += n;
	return b;
}

static inline bool rd_skip(struct rd *r, size_t n)
{
	return rd_bytes(r, n) != NULL;
}

static inline uint8_t rd_u8(struct rd *r)
{
	const uint8_t *b = rd_bytes(r, 1);
	return b ? b[0] : 0;
}

static inline uint16_t rd_u16(struct rd *r)
{
	const uint8_t *b = rd_bytes(r, 2);
	return b ? (uint16_t)((b[0] << 8) | b[1]) : 0;
}

static inline uint32_t rd_u24(struct rd *r)
{
	const uint8_t *b = rd_bytes(r, 3);
	return b ? ((uint32_t)b[0] << 16) | ((uint32_t)b[1] << 8) | b[2] : 0;
}

static inline uint32_t rd_u32(struct rd *r)
{
	const uint8_t *b = rd_bytes(r, 4);
	return b ? ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3] : 0;
}

/* A child reader over the next n bytes; the parent moves past all of them. */
static inline struct rd rd_sub(struct rd *r, size_t n)
{
	const uint8_t *b = rd_bytes(r, n);
	struct rd child = {b, b ? n : 0, 0, b == NULL};
	return child;
}

static inline struct rd rd_vec8(struct rd *r)
{
	uint8_t n = rd_u8(r);
	return r->err ? (struct rd){NULL, 0, 0, true} : rd_sub(r, n);
}

static inline struct rd rd_vec16(struct rd *r)
{
	uint16_t n = rd_u16(r);
	return r->err ? (struct rd){NULL, 0, 0, true} : rd_sub(r, n);
}

static inline struct rd rd_vec24(struct rd *r)
{
	uint32_t n = rd_u24(r);
	return r->err ? (struct rd){NULL, 0, 0, true} : rd_sub(r, n);
}

/* No error and every byte consumed: the structure had no trailing bytes. */
static inline bool rd_done(const struct rd *r)
{
	return !r->err && r->off == r->len;
}

#endif
