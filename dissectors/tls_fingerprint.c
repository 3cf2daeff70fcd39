/*
 * tls_fingerprint.c - JA3, JA3S and JA4 from parsed hellos (see
 * tls_fingerprint.h). The rules follow the published descriptions:
 * JA3/JA3S from Salesforce's README (github.com/salesforce/ja3), JA4 from
 * FoxIO's technical_details/JA4.md (github.com/FoxIO-LLC/ja4).
 */
#include "tls_fingerprint.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "tls_names.h"

/* Text built into a caller's buffer; `full` once something did not fit. */
struct fp_text {
	char *p;
	size_t cap;
	size_t len;
	bool full;
};

static struct fp_text text_init(char *out, size_t outlen)
{
	struct fp_text t = {out, outlen, 0, outlen == 0};
	if (outlen)
		out[0] = '\0';
	return t;
}

__attribute__((format(printf, 2, 3))) static void text_add(struct fp_text *t, const char *fmt, ...)
{
	if (t->full)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->cap - t->len) {
		t->full = true;
		t->p[t->len] = '\0';
		return;
	}
	t->len += (size_t)n;
}

/* Close the text: false (and an empty string) if it did not fit. */
static bool text_done(struct fp_text *t)
{
	if (t->full && t->cap)
		t->p[0] = '\0';
	return !t->full;
}

static void text_char(struct fp_text *t, char c)
{
	if (t->full)
		return;
	if (t->len + 1 >= t->cap) {
		t->full = true;
		return;
	}
	t->p[t->len++] = c;
	t->p[t->len] = '\0';
}

/* One value, decimal or JA4's four hex digits: by hand, as a hello has
 * hundreds of them and formatting them is most of a fingerprint's cost. */
static void text_u16(struct fp_text *t, uint16_t v, bool hex)
{
	static const char hexd[] = "0123456789abcdef";
	if (t->full)
		return;
	if (t->len + 6 >= t->cap) {
		t->full = true;
		return;
	}
	char *o = t->p + t->len;
	if (hex) {
		for (int shift = 12; shift >= 0; shift -= 4)
			*o++ = hexd[(v >> shift) & 0xf];
	} else {
		char r[5];
		size_t k = 0;
		do {
			r[k++] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		while (k)
			*o++ = r[--k];
	}
	*o = '\0';
	t->len = (size_t)(o - t->p);
}

/* Append `sep`-separated values, GREASE left out; `hex` for JA4's four hex digits, else decimal. */
static void text_list(struct fp_text *t, const uint16_t *v, size_t n, char sep, bool hex)
{
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (tls_is_grease(v[i]))
			continue;
		if (!first)
			text_char(t, sep);
		text_u16(t, v[i], hex);
		first = false;
	}
}

/* Lists a fingerprint reads, kept whole? (A cut list would give a wrong fingerprint, not a short one.) */
static bool client_hello_whole(const struct tls_client_hello *ch)
{
	return !ch->sslv2_format && !(ch->malformed & TLS_HELLO_TRUNCATED) &&
	       ch->cipher_suite_count == ch->cipher_suite_total &&
	       ch->extension_count == ch->extension_total &&
	       ch->supported_groups.count == ch->supported_groups.total &&
	       ch->ec_point_format_count == ch->ec_point_format_total &&
	       ch->signature_algorithms.count == ch->signature_algorithms.total &&
	       ch->supported_versions.count == ch->supported_versions.total &&
	       (ch->alpn_count == 0 || ch->alpn[0].len == ch->alpn[0].wire_len);
}

static void extension_types(const struct tls_extension *ext, uint16_t n, uint16_t *out)
{
	for (uint16_t i = 0; i < n; i++)
		out[i] = ext[i].type;
}

bool tls_ja3_string(const struct tls_client_hello *ch, char *out, size_t outlen)
{
	struct fp_text t = text_init(out, outlen);
	if (!client_hello_whole(ch))
		return false;
	uint16_t types[TLS_MAX_EXTENSIONS];
	extension_types(ch->extensions, ch->extension_count, types);

	text_add(&t, "%u,", (unsigned)ch->legacy_version);
	text_list(&t, ch->cipher_suites, ch->cipher_suite_count, '-', false);
	text_add(&t, ",");
	text_list(&t, types, ch->extension_count, '-', false);
	text_add(&t, ",");
	text_list(&t, ch->supported_groups.v, ch->supported_groups.count, '-', false);
	text_add(&t, ",");
	for (uint8_t i = 0; i < ch->ec_point_format_count; i++)
		text_add(&t, i ? "-%u" : "%u", (unsigned)ch->ec_point_formats[i]);
	return text_done(&t);
}

bool tls_ja3s_string(const struct tls_server_hello *sh, char *out, size_t outlen)
{
	struct fp_text t = text_init(out, outlen);
	if ((sh->malformed & TLS_HELLO_TRUNCATED) || sh->extension_count != sh->extension_total)
		return false;
	uint16_t types[TLS_MAX_EXTENSIONS];
	extension_types(sh->extensions, sh->extension_count, types);

	text_add(&t, "%u,%u,", (unsigned)sh->legacy_version, (unsigned)sh->cipher_suite);
	text_list(&t, types, sh->extension_count, '-', false);
	return text_done(&t);
}

static void digest_hex(const EVP_MD *md, const char *text, char *out, size_t hex_digits)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	static const char hexd[] = "0123456789abcdef";

	if (!EVP_Digest(text, strlen(text), d, &dlen, md, NULL))
		dlen = 0;
	size_t i = 0;
	for (; i < hex_digits && i / 2 < dlen; i++)
		out[i] = hexd[(d[i / 2] >> ((i % 2) ? 0 : 4)) & 0xf];
	for (; i < hex_digits; i++)
		out[i] = '0'; /* only if libcrypto failed: never a plausible-looking partial hash */
	out[hex_digits] = '\0';
}

/* Digests fetched once, on first use from one thread at a time (the
 * outputs): an implicit fetch per call costs more than hashing a hello. */
static const EVP_MD *fetched(EVP_MD **slot, const char *name)
{
	if (!*slot)
		*slot = EVP_MD_fetch(NULL, name, NULL);
	return *slot;
}

static EVP_MD *md5_md, *sha256_fp_md;

void tls_fp_md5_hex(const char *text, char out[TLS_FP_MD5_HEX])
{
	digest_hex(fetched(&md5_md, "MD5"), text, out, TLS_FP_MD5_HEX - 1);
}

/* --- JA4 --- */

/* The version JA4 names: the highest of supported_versions, else legacy_version. */
static uint16_t ja4_version(const struct tls_client_hello *ch)
{
	uint16_t best = 0;
	for (uint16_t i = 0; i < ch->supported_versions.count; i++) {
		uint16_t v = ch->supported_versions.v[i];
		if (tls_is_grease(v))
			continue;
		/* DTLS numbers count down (0xfeff is 1.0, 0xfefc is 1.3). */
		bool dtls = (v >> 8) == 0xfe;
		if (!best || (dtls ? v < best : v > best))
			best = v;
	}
	return best ? best : ch->legacy_version;
}

static const char *ja4_version_text(uint16_t v)
{
	switch (v) {
	case 0x0304:
		return "13";
	case 0x0303:
		return "12";
	case 0x0302:
		return "11";
	case 0x0301:
		return "10";
	case 0x0300:
		return "s3";
	case 0x0002:
		return "s2";
	case 0xfeff:
		return "d1";
	case 0xfefd:
		return "d2";
	case 0xfefc:
		return "d3";
	default:
		return "00";
	}
}

static bool is_alnum(uint8_t b)
{
	return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z');
}

/* First and last character of the first ALPN value; its hex form's if either is not alphanumeric. */
static void ja4_alpn(const struct tls_client_hello *ch, char out[3])
{
	static const char hexd[] = "0123456789abcdef";
	out[0] = out[1] = '0';
	out[2] = '\0';
	if (ch->alpn_count == 0 || ch->alpn[0].len == 0)
		return;
	uint8_t first = ch->alpn[0].bytes[0], last = ch->alpn[0].bytes[ch->alpn[0].len - 1];
	if (is_alnum(first) && is_alnum(last)) {
		out[0] = (char)first;
		out[1] = (char)last;
	} else {
		out[0] = hexd[first >> 4];
		out[1] = hexd[last & 0xf];
	}
}

static size_t sorted_without(const uint16_t *v, size_t n, bool drop, uint16_t drop_a, uint16_t drop_b,
                             uint16_t *out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (tls_is_grease(v[i]) || (drop && (v[i] == drop_a || v[i] == drop_b)))
			continue;
		/* Insertion as they come: hello lists are short and mostly sorted already. */
		size_t j = k++;
		for (; j > 0 && out[j - 1] > v[i]; j--)
			out[j] = out[j - 1];
		out[j] = v[i];
	}
	return k;
}

static size_t count_without_grease(const uint16_t *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += !tls_is_grease(v[i]);
	return k;
}

/* The three parts of JA4 before hashing: "t13d1516h2", the sorted suites, the sorted
 * extensions (SNI and ALPN left out) followed by "_" and the signature algorithms. */
struct ja4_parts {
	char a[11];
	char b[TLS_FP_STRING_MAX];
	char c[TLS_FP_STRING_MAX];
	bool b_empty, c_empty;
};

static bool ja4_build(const struct tls_client_hello *ch, enum tls_fp_transport transport, struct ja4_parts *p)
{
	if (!client_hello_whole(ch))
		return false;
	uint16_t types[TLS_MAX_EXTENSIONS], sorted[TLS_MAX_CIPHER_SUITES];
	extension_types(ch->extensions, ch->extension_count, types);

	bool sni = false;
	for (uint16_t i = 0; i < ch->extension_count; i++)
		sni |= types[i] == TLS_EXT_SERVER_NAME;
	size_t nc = count_without_grease(ch->cipher_suites, ch->cipher_suite_count);
	size_t ne = count_without_grease(types, ch->extension_count);
	char alpn[3];
	ja4_alpn(ch, alpn);
	snprintf(p->a, sizeof(p->a), "%c%s%c%02u%02u%s", (char)transport, ja4_version_text(ja4_version(ch)),
	         sni ? 'd' : 'i', (unsigned)(nc > 99 ? 99 : nc), (unsigned)(ne > 99 ? 99 : ne), alpn);

	struct fp_text b = text_init(p->b, sizeof(p->b));
	size_t k = sorted_without(ch->cipher_suites, ch->cipher_suite_count, false, 0, 0, sorted);
	text_list(&b, sorted, k, ',', true);
	p->b_empty = k == 0;

	struct fp_text c = text_init(p->c, sizeof(p->c));
	k = sorted_without(types, ch->extension_count, true, TLS_EXT_SERVER_NAME, TLS_EXT_ALPN, sorted);
	text_list(&c, sorted, k, ',', true);
	p->c_empty = k == 0;
	const struct tls_u16_list *sig = &ch->signature_algorithms;
	if (count_without_grease(sig->v, sig->count)) {
		text_add(&c, "_");
		text_list(&c, sig->v, sig->count, ',', true);
	}
	return text_done(&b) && text_done(&c);
}

/* 12 hex digits of SHA-256, or twelve zeros for an empty list (the spec's rule, not a hash). */
static void ja4_hash12(const char *text, bool empty, char out[13])
{
	if (empty) {
		memset(out, '0', 12);
		out[12] = '\0';
		return;
	}
	digest_hex(fetched(&sha256_fp_md, "SHA256"), text, out, 12);
}

bool tls_ja4_both(const struct tls_client_hello *ch, enum tls_fp_transport transport,
                  char ja4[TLS_FP_JA4_LEN], char *raw, size_t rawlen, bool *raw_ok)
{
	ja4[0] = '\0';
	struct fp_text t = text_init(raw, raw ? rawlen : 0);
	if (raw_ok)
		*raw_ok = false;
	struct ja4_parts *p = malloc(sizeof(*p));
	if (!p)
		return false;
	bool ok = ja4_build(ch, transport, p);
	if (ok) {
		char hb[13], hc[13];
		ja4_hash12(p->b, p->b_empty, hb);
		ja4_hash12(p->c, p->c_empty, hc);
		snprintf(ja4, TLS_FP_JA4_LEN, "%s_%s_%s", p->a, hb, hc);
		if (raw) {
			text_add(&t, "%s_%s_%s", p->a, p->b, p->c);
			if (raw_ok)
				*raw_ok = text_done(&t);
		}
	}
	free(p);
	return ok;
}

bool tls_ja4(const struct tls_client_hello *ch, enum tls_fp_transport transport, char out[TLS_FP_JA4_LEN])
{
	return tls_ja4_both(ch, transport, out, NULL, 0, NULL);
}

bool tls_ja4_r(const struct tls_client_hello *ch, enum tls_fp_transport transport, char *out, size_t outlen)
{
	char ja4[TLS_FP_JA4_LEN];
	bool raw_ok;
	return tls_ja4_both(ch, transport, ja4, out, outlen, &raw_ok) && raw_ok;
}
