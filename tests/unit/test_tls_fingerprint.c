/*
 * test_tls_fingerprint.c - JA3 and JA4 against their specifications' own
 * published examples, on ClientHello bytes built here and read back through
 * the real parser (so the test also shows the parser keeps what the
 * fingerprints need: wire order, GREASE values, the first ALPN value).
 *
 * Expected values come from the specifications, not from this code:
 *  - JA3: github.com/salesforce/ja3 README, "769,47-53-5-10-49161-49162-
 *    49171-49172-50-56-19-4,0-10-11,23-24-25,0" -> ada70206e40642a3e4461f35503241d5.
 *  - JA4: github.com/FoxIO-LLC/ja4 technical_details/JA4.md, section
 *    "Example" and "Raw Output": t13d1516h2_8daaf6152771_e5627efa2ab1, its
 *    JA4_r, the no-signature-algorithm hash 6d807ffa2a79, and the ALPN rules
 *    ("ab", "ad", "3b", "3d", "01", "00", a single character counted twice).
 * The JA4 of whole captures is checked against FoxIO's published outputs by
 * the ctest corpus.ja4_published (tests/fingerprint_compare.py).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tls_fingerprint.h"
#include "tls_handshake.h"

/* A ClientHello body under construction. */
struct hello {
	uint8_t b[4096];
	size_t len;
	size_t ext_start; /* where the extensions block's length goes */
};

static void put8(struct hello *h, unsigned v)
{
	h->b[h->len++] = (uint8_t)v;
}

static void put16(struct hello *h, unsigned v)
{
	put8(h, v >> 8);
	put8(h, v & 0xff);
}

static void put_bytes(struct hello *h, const void *p, size_t n)
{
	if (n)
		memcpy(h->b + h->len, p, n);
	h->len += n;
}

/* legacy_version, random, empty session id, suites, null compression; opens the extensions. */
static void hello_begin(struct hello *h, unsigned version, const uint16_t *suites, size_t n)
{
	memset(h, 0, sizeof(*h));
	put16(h, version);
	for (int i = 0; i < 32; i++)
		put8(h, (unsigned)i);
	put8(h, 0);
	put16(h, (unsigned)(2 * n));
	for (size_t i = 0; i < n; i++)
		put16(h, suites[i]);
	put8(h, 1);
	put8(h, 0);
	h->ext_start = h->len;
	put16(h, 0);
}

static void ext(struct hello *h, unsigned type, const void *body, size_t n)
{
	put16(h, type);
	put16(h, (unsigned)n);
	put_bytes(h, body, n);
}

/* An extension whose body is a 16-bit-length vector of 16-bit values. */
static void ext_u16_list(struct hello *h, unsigned type, const uint16_t *v, size_t n, bool vec8)
{
	put16(h, type);
	put16(h, (unsigned)(2 * n + (vec8 ? 1 : 2)));
	if (vec8)
		put8(h, (unsigned)(2 * n));
	else
		put16(h, (unsigned)(2 * n));
	for (size_t i = 0; i < n; i++)
		put16(h, v[i]);
}

static void ext_alpn(struct hello *h, const uint8_t *first, size_t n)
{
	put16(h, 16);
	put16(h, (unsigned)(n + 3));
	put16(h, (unsigned)(n + 1));
	put8(h, (unsigned)n);
	put_bytes(h, first, n);
}

static void ext_sni(struct hello *h)
{
	static const uint8_t sni[] = {0, 14, 0, 0, 11, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm'};
	ext(h, 0, sni, sizeof(sni));
}

static void hello_parse(struct hello *h, struct tls_client_hello *ch)
{
	size_t ext_len = h->len - h->ext_start - 2;
	h->b[h->ext_start] = (uint8_t)(ext_len >> 8);
	h->b[h->ext_start + 1] = (uint8_t)ext_len;
	memset(ch, 0, sizeof(*ch));
	CHECK_EQ(tls_client_hello_parse(h->b, h->len, ch), TS_OK);
}

/* JA4.md's example hello: 15 suites, 16 extensions in the listed order, ALPN h2, 8 signature algorithms. */
static const uint16_t spec_suites[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                                       0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
static const uint16_t spec_extensions[] = {0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
                                           0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015};
static const uint16_t spec_sigalgs[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};

struct spec_options {
	bool grease;  /* add GREASE to suites, extensions, groups, versions, signature algorithms */
	bool sni;     /* send server_name */
	bool sigalgs; /* send signature_algorithms */
	const uint8_t *alpn;
	size_t alpn_len; /* 0: no ALPN extension at all */
};

static void spec_hello(const struct spec_options *o, struct tls_client_hello *ch)
{
	static struct hello h;
	uint16_t suites[16];
	size_t ns = 0;
	if (o->grease)
		suites[ns++] = 0x2a2a;
	for (size_t i = 0; i < sizeof(spec_suites) / 2; i++)
		suites[ns++] = spec_suites[i];
	hello_begin(&h, 0x0303, suites, ns);
	if (o->grease)
		ext(&h, 0x0a0a, NULL, 0);
	for (size_t i = 0; i < sizeof(spec_extensions) / 2; i++) {
		uint16_t t = spec_extensions[i];
		if (t == 0x0000) {
			if (o->sni)
				ext_sni(&h);
		} else if (t == 0x0010) {
			if (o->alpn_len)
				ext_alpn(&h, o->alpn, o->alpn_len);
		} else if (t == 0x000d) {
			if (o->sigalgs) {
				uint16_t s[9];
				size_t n = 0;
				if (o->grease)
					s[n++] = 0x5a5a;
				memcpy(s + n, spec_sigalgs, sizeof(spec_sigalgs));
				ext_u16_list(&h, t, s, n + 8, false);
			}
		} else if (t == 0x002b) {
			uint16_t v[] = {0x3a3a, 0x0304, 0x0303};
			ext_u16_list(&h, t, o->grease ? v : v + 1, o->grease ? 3 : 2, true);
		} else if (t == 0x000a) {
			uint16_t g[] = {0x4a4a, 0x001d, 0x0017};
			ext_u16_list(&h, t, o->grease ? g : g + 1, o->grease ? 3 : 2, false);
		} else if (t == 0x000b) {
			static const uint8_t pf[] = {1, 0};
			ext(&h, t, pf, sizeof(pf));
		} else {
			ext(&h, t, NULL, 0);
		}
	}
	if (o->grease)
		ext(&h, 0x1a1a, "\0", 1);
	hello_parse(&h, ch);
}

static void test_ja4_spec_example(void)
{
	static struct tls_client_hello ch;
	char ja4[TLS_FP_JA4_LEN], raw[TLS_FP_STRING_MAX];
	struct spec_options o = {false, true, true, (const uint8_t *)"h2", 2};

	spec_hello(&o, &ch);
	CHECK(tls_ja4(&ch, TLS_FP_TCP, ja4));
	CHECK_STR(ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	CHECK(tls_ja4_r(&ch, TLS_FP_TCP, raw, sizeof(raw)));
	CHECK_STR(raw,
	          "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_"
	          "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_"
	          "0403,0804,0401,0503,0805,0501,0806,0601");

	/* GREASE anywhere changes nothing. */
	o.grease = true;
	spec_hello(&o, &ch);
	CHECK(tls_ja4(&ch, TLS_FP_TCP, ja4));
	CHECK_STR(ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");

	/* QUIC only changes the first character. */
	CHECK(tls_ja4(&ch, TLS_FP_QUIC, ja4));
	CHECK_STR(ja4, "q13d1516h2_8daaf6152771_e5627efa2ab1");

	/* No SNI: "i", one extension fewer, and the same c part (SNI is not hashed). */
	o.sni = false;
	spec_hello(&o, &ch);
	CHECK(tls_ja4(&ch, TLS_FP_TCP, ja4));
	CHECK_STR(ja4, "t13i1515h2_8daaf6152771_e5627efa2ab1");

	/* Without signature_algorithms the raw text ends with the extension list, no "_". */
	o.sni = true;
	o.sigalgs = false;
	spec_hello(&o, &ch);
	CHECK(tls_ja4_r(&ch, TLS_FP_TCP, raw, sizeof(raw)));
	CHECK_STR(raw,
	          "t13d1515h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_"
	          "0005,000a,000b,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01");
}

/* JA4.md: "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01 = 6d807ffa2a79":
 * the spec's extensions with an empty signature_algorithms list. */
static void test_ja4_no_sigalgs_hash(void)
{
	static struct hello h;
	static struct tls_client_hello ch;
	char ja4[TLS_FP_JA4_LEN];

	hello_begin(&h, 0x0303, spec_suites, sizeof(spec_suites) / 2);
	for (size_t i = 0; i < sizeof(spec_extensions) / 2; i++) {
		uint16_t t = spec_extensions[i];
		if (t == 0x0010)
			ext_alpn(&h, (const uint8_t *)"h2", 2);
		else if (t == 0x002b)
			ext_u16_list(&h, t, (const uint16_t[]){0x0304}, 1, true);
		else
			ext(&h, t, NULL, 0); /* 000d (and 0000) empty: bad extensions, but present */
	}
	hello_parse(&h, &ch);
	CHECK(tls_ja4(&ch, TLS_FP_TCP, ja4));
	CHECK_STR(ja4, "t13d1516h2_8daaf6152771_6d807ffa2a79");
}

static void alpn_case(const uint8_t *alpn, size_t n, const char *want_a)
{
	static struct tls_client_hello ch;
	char ja4[TLS_FP_JA4_LEN];
	struct spec_options o = {false, true, true, alpn, n};

	spec_hello(&o, &ch);
	CHECK(tls_ja4(&ch, TLS_FP_TCP, ja4));
	CHECK(strncmp(ja4, want_a, strlen(want_a)) == 0);
	if (strncmp(ja4, want_a, strlen(want_a)) != 0)
		fprintf(stderr, "  ALPN case: got %s, want %s...\n", ja4, want_a);
}

static void test_ja4_alpn_rules(void)
{
	alpn_case((const uint8_t *)"http/1.1", 8, "t13d1516h1_");
	alpn_case((const uint8_t *)"h", 1, "t13d1516hh_");
	alpn_case((const uint8_t[]){0xab}, 1, "t13d1516ab_");
	alpn_case((const uint8_t[]){0xab, 0xcd}, 2, "t13d1516ad_");
	alpn_case((const uint8_t[]){0x30, 0xab}, 2,
	          "t13d1516"
	          "3b_");
	alpn_case((const uint8_t[]){0x30, 0x31, 0xab, 0xcd}, 4,
	          "t13d1516"
	          "3d_");
	alpn_case((const uint8_t[]){0x30, 0xab, 0xcd, 0x31}, 4,
	          "t13d1516"
	          "01_");

	/* No ALPN extension: "00", and one extension fewer. */
	static struct tls_client_hello ch;
	char ja4[TLS_FP_JA4_LEN];
	struct spec_options o = {false, true, true, NULL, 0};
	spec_hello(&o, &ch);
	CHECK(tls_ja4(&ch, TLS_FP_TCP, ja4));
	CHECK_STR(ja4, "t13d151500_8daaf6152771_e5627efa2ab1");
}

static void test_ja4_empty_lists(void)
{
	/* No suites and no extensions at all: twelve zeros each, not a hash of nothing. */
	static struct hello h;
	static struct tls_client_hello ch;
	char ja4[TLS_FP_JA4_LEN];

	hello_begin(&h, 0x0301, NULL, 0);
	h.len -= 2; /* no extensions block */
	memset(&ch, 0, sizeof(ch));
	tls_client_hello_parse(h.b, h.len, &ch);
	CHECK(tls_ja4(&ch, TLS_FP_TCP, ja4));
	CHECK_STR(ja4, "t10i000000_000000000000_000000000000");
}

static void test_ja3_readme_example(void)
{
	static const uint16_t suites[] = {47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4};
	static struct hello h;
	static struct tls_client_hello ch;
	char text[TLS_FP_STRING_MAX], md5[TLS_FP_MD5_HEX];

	hello_begin(&h, 769, suites, sizeof(suites) / 2);
	ext_sni(&h);
	ext_u16_list(&h, 10, (const uint16_t[]){23, 24, 25}, 3, false);
	ext(&h, 11, (const uint8_t[]){1, 0}, 2);
	hello_parse(&h, &ch);
	CHECK(tls_ja3_string(&ch, text, sizeof(text)));
	CHECK_STR(text, "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0");
	tls_fp_md5_hex(text, md5);
	CHECK_STR(md5, "ada70206e40642a3e4461f35503241d5");

	/* GREASE in suites, extensions and groups is left out (JA3 README, "GREASE"). */
	static const uint16_t greased[] = {0x0a0a, 47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4};
	hello_begin(&h, 769, greased, sizeof(greased) / 2);
	ext(&h, 0xdada, NULL, 0);
	ext_sni(&h);
	ext_u16_list(&h, 10, (const uint16_t[]){0xfafa, 23, 24, 25}, 4, false);
	ext(&h, 11, (const uint8_t[]){1, 0}, 2);
	hello_parse(&h, &ch);
	CHECK(tls_ja3_string(&ch, text, sizeof(text)));
	CHECK_STR(text, "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0");

	/* No extensions: the empty fields stay, separated. */
	hello_begin(&h, 769, suites, 2);
	h.len -= 2;
	memset(&ch, 0, sizeof(ch));
	CHECK_EQ(tls_client_hello_parse(h.b, h.len, &ch), TS_OK);
	CHECK(tls_ja3_string(&ch, text, sizeof(text)));
	CHECK_STR(text, "769,47-53,,,");
}

static void test_refusals(void)
{
	static struct hello h;
	static struct tls_client_hello ch;
	char text[TLS_FP_STRING_MAX], ja4[TLS_FP_JA4_LEN];

	/* More suites than kept: no fingerprint rather than a wrong one. */
	static uint16_t many[TLS_MAX_CIPHER_SUITES + 1];
	for (size_t i = 0; i < sizeof(many) / 2; i++)
		many[i] = (uint16_t)(0x0100 + i);
	hello_begin(&h, 0x0303, many, sizeof(many) / 2);
	hello_parse(&h, &ch);
	CHECK(!tls_ja3_string(&ch, text, sizeof(text)));
	CHECK_STR(text, "");
	CHECK(!tls_ja4(&ch, TLS_FP_TCP, ja4));

	/* A hello cut inside its extensions. */
	hello_begin(&h, 0x0303, spec_suites, 4);
	ext_sni(&h);
	size_t whole = h.len;
	hello_parse(&h, &ch);
	memset(&ch, 0, sizeof(ch));
	tls_client_hello_parse(h.b, whole - 3, &ch);
	CHECK(ch.malformed & TLS_HELLO_TRUNCATED);
	CHECK(!tls_ja3_string(&ch, text, sizeof(text)));
	CHECK(!tls_ja4(&ch, TLS_FP_TCP, ja4));

	/* A buffer too small gives false and an empty string, never a cut fingerprint. */
	hello_begin(&h, 0x0303, spec_suites, 4);
	hello_parse(&h, &ch);
	CHECK(!tls_ja3_string(&ch, text, 8));
	CHECK_STR(text, "");
}

static void test_ja3s(void)
{
	/* A TLS 1.3 ServerHello: legacy version TLS 1.2, TLS_AES_128_GCM_SHA256, supported_versions then
	 * an x25519 key_share. JA3S lists legacy_version, the suite and the extensions in wire order. */
	static struct hello h;
	static struct tls_server_hello sh;
	char text[TLS_FP_STRING_MAX];
	static const uint8_t key_share[36] = {0x00, 0x1d, 0x00, 0x20};

	hello_begin(&h, 0x0303, (const uint16_t[]){0x1301}, 1);
	h.len -= 2 + 2 + 2 + 2; /* back to the suite list length: a ServerHello has one suite, no vector */
	put16(&h, 0x1301);
	put8(&h, 0);
	h.ext_start = h.len;
	put16(&h, 0);
	ext(&h, 43, (const uint8_t[]){0x03, 0x04}, 2);
	ext(&h, 51, key_share, sizeof(key_share));
	size_t ext_len = h.len - h.ext_start - 2;
	h.b[h.ext_start] = (uint8_t)(ext_len >> 8);
	h.b[h.ext_start + 1] = (uint8_t)ext_len;
	CHECK_EQ(tls_server_hello_parse(h.b, h.len, &sh), TS_OK);
	CHECK_EQ(sh.malformed, 0);
	CHECK(tls_ja3s_string(&sh, text, sizeof(text)));
	CHECK_STR(text, "771,4865,43-51");
}

int main(void)
{
	test_ja4_spec_example();
	test_ja4_no_sigalgs_hash();
	test_ja4_alpn_rules();
	test_ja4_empty_lists();
	test_ja3_readme_example();
	test_refusals();
	test_ja3s();
	return check_report("test_tls_fingerprint");
}
