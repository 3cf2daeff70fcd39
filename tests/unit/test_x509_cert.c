/*
 * test_x509_cert.c - x509_cert_parse and the certificate cache.
 *
 * Three sources of certificates: ones built here with libcrypto, one per
 * feature (every SAN type, names in odd encodings, names hiding a NUL,
 * GeneralizedTime, weak signature hashes, each extension, self-signed versus
 * merely self-issued); real ones from the sample captures and the public
 * corpus (tests/unit/data/x509/, made by extract.sh there), whose expected
 * facts were read off `openssl x509 -text`, `openssl x509 -serial
 * -fingerprint -sha256 -dateopt iso_8601` and tshark; and broken bytes
 * (empty, garbage, every prefix of a certificate, trailing bytes).
 * Every parse must leave the thread's OpenSSL error queue empty.
 */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert_cache.h"
#include "check.h"
#include "x509_cert.h"

/* ---- helpers ------------------------------------------------------------ */

struct der {
	uint8_t *p;
	size_t len;
};

static struct der der_of(X509 *x)
{
	struct der d = {NULL, 0};
	unsigned char *p = NULL;
	int n = i2d_X509(x, &p);

	CHECK(n > 0);
	if (n > 0) {
		d.p = malloc((size_t)n);
		memcpy(d.p, p, (size_t)n);
		d.len = (size_t)n;
	}
	OPENSSL_free(p);
	return d;
}

/* Parse `x` from its DER; the struct must be freed by the caller. */
static void parse_x509(X509 *x, struct x509_cert *c)
{
	struct der d = der_of(x);

	CHECK_EQ(x509_cert_parse(d.p, d.len, c), TS_OK);
	CHECK(c->parsed);
	CHECK_EQ(c->der_len, d.len);
	CHECK_STR(c->parse_error, "");
	CHECK_EQ(ERR_peek_error(), 0);
	free(d.p);
}

static void sha256_of(const uint8_t *p, size_t n, uint8_t out[32])
{
	unsigned int len = 0;

	EVP_Digest(n ? p : (const uint8_t *)"", n, out, &len, EVP_sha256(), NULL);
}

static void hex_of(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02X", p[i]);
	out[2 * n] = 0;
}

/* "a,b,c" of a string list, for one-line comparisons. */
static const char *joined(const struct x509_strings *l)
{
	static char buf[8192];
	size_t off = 0;

	buf[0] = 0;
	for (size_t i = 0; i < l->count && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? "," : "", l->v[i]);
	return buf;
}

static EVP_PKEY *key_ec(const char *curve)
{
	EVP_PKEY *k = EVP_EC_gen(curve);

	CHECK(k != NULL);
	return k;
}

static EVP_PKEY *key_rsa(unsigned bits)
{
	EVP_PKEY *k = EVP_RSA_gen(bits);

	CHECK(k != NULL);
	return k;
}

static EVP_PKEY *key_named(const char *alg)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, alg);

	CHECK(k != NULL);
	return k;
}

/* A v3 certificate for `key`, valid through 2026, names and extensions still to add. */
static X509 *cert_new(EVP_PKEY *key, long serial)
{
	X509 *x = X509_new();

	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	CHECK(ASN1_TIME_set_string(X509_getm_notBefore(x), "260101000000Z"));
	CHECK(ASN1_TIME_set_string(X509_getm_notAfter(x), "270101000000Z"));
	X509_set_pubkey(x, key);
	return x;
}

static void name_add(X509_NAME *n, const char *field, const char *utf8)
{
	CHECK(X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8, (const unsigned char *)utf8, -1, -1, 0));
}

/* A CN of exactly these bytes with this ASN.1 string type (no conversion, no checks). */
static void cn_add_raw(X509_NAME *n, int type, const char *bytes, int len)
{
	CHECK(X509_NAME_add_entry_by_NID(n, NID_commonName, type, (const unsigned char *)bytes, len, -1, 0));
}

static void subject_cn(X509 *x, const char *cn)
{
	name_add(X509_get_subject_name(x), "CN", cn);
}

static void issuer_cn_set(X509 *x, const char *cn)
{
	name_add(X509_get_issuer_name(x), "CN", cn);
}

/* An extension in openssl.cnf syntax; `issuer` for authorityKeyIdentifier (NULL: self). */
static void ext_add(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	CHECK(e != NULL);
	if (e)
		CHECK(X509_add_ext(x, e, -1));
	X509_EXTENSION_free(e);
}

static void sign(X509 *x, EVP_PKEY *key, const EVP_MD *md)
{
	CHECK(X509_sign(x, key, md) > 0);
}

/* A CA certificate "CN=Test CA" to issue the leaves. */
static X509 *ca_new(EVP_PKEY *key)
{
	X509 *ca = cert_new(key, 1);

	subject_cn(ca, "Test CA");
	issuer_cn_set(ca, "Test CA");
	ext_add(ca, NULL, NID_basic_constraints, "critical,CA:TRUE");
	ext_add(ca, NULL, NID_subject_key_identifier, "hash");
	sign(ca, key, EVP_sha256());
	return ca;
}

/* ---- certificates built here --------------------------------------------- */

static void test_san_every_type(void)
{
	EVP_PKEY *cak = key_ec("P-256"), *k = key_ec("P-256");
	X509 *ca = ca_new(cak), *x = cert_new(k, 0x1234);
	struct x509_cert c, cac;
	struct der d;
	uint8_t sha[32];
	unsigned char sha1[20];
	unsigned int n1 = 0;
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	static const uint8_t v4[4] = {192, 0, 2, 7};

	name_add(X509_get_subject_name(x), "O", "Example, Inc.");
	subject_cn(x, "www.example.test");
	X509_set_issuer_name(x, X509_get_subject_name(ca));
	ext_add(x, NULL, NID_subject_alt_name,
	        "DNS:www.example.test,DNS:*.example.test,IP:192.0.2.7,IP:2001:db8::1,"
	        "email:admin@example.test,URI:https://www.example.test/path?q=1,RID:1.2.3.4,"
	        "DNS:example.test");
	sign(x, cak, EVP_sha256());
	parse_x509(x, &c);

	CHECK(c.has_san);
	CHECK_STR(joined(&c.san_dns), "www.example.test,*.example.test,example.test");
	CHECK_EQ(c.san_ip_count, 2);
	if (c.san_ip_count == 2) {
		CHECK_EQ(c.san_ip[0].len, 4);
		CHECK(memcmp(c.san_ip[0].addr, v4, 4) == 0);
		CHECK_STR(c.san_ip[0].text, "192.0.2.7");
		CHECK_EQ(c.san_ip[1].len, 16);
		CHECK(memcmp(c.san_ip[1].addr, v6, 16) == 0);
		CHECK_STR(c.san_ip[1].text, "2001:db8::1");
	}
	CHECK_STR(joined(&c.san_email), "admin@example.test");
	CHECK_STR(joined(&c.san_uri), "https://www.example.test/path?q=1");
	CHECK_EQ(c.dropped_names, 0);

	/* RFC 4514: last RDN first, ',' inside a value escaped. */
	CHECK_STR(c.subject, "CN=www.example.test,O=Example\\, Inc.");
	CHECK_STR(c.issuer, "CN=Test CA");
	CHECK_STR(joined(&c.subject_cn), "www.example.test");
	CHECK_STR(c.issuer_cn, "Test CA");
	CHECK_EQ(c.version, 3);
	CHECK_STR(c.serial, "1234");
	CHECK_EQ(c.not_before, 1767225600); /* 2026-01-01T00:00:00Z */
	CHECK_EQ(c.not_after, 1798761600);  /* 2027-01-01T00:00:00Z */
	CHECK_STR(c.key_type, "EC");
	CHECK_EQ(c.key_bits, 256);
	CHECK_STR(c.key_curve, "prime256v1");
	CHECK_STR(c.signature_algorithm, "ecdsa-with-SHA256");
	CHECK(!c.weak_signature_hash);
	CHECK(!c.has_basic_constraints && !c.is_ca);
	CHECK_EQ(c.path_len, -1);
	CHECK(!c.has_key_usage);
	CHECK_EQ(c.key_usage, 0);
	CHECK(!c.has_eku && !c.eku_server_auth && !c.eku_client_auth && !c.eku_any);
	CHECK_EQ(c.eku.count, 0);
	CHECK_EQ(c.aia_ca_issuers.count + c.aia_ocsp.count, 0);
	CHECK(c.ski == NULL && c.aki == NULL);
	CHECK(!c.self_issued && !c.self_signed);
	CHECK(c.x509 != NULL);

	/* Fingerprints of the DER, as libcrypto computes them. */
	d = der_of(x);
	sha256_of(d.p, d.len, sha);
	CHECK(memcmp(c.sha256, sha, 32) == 0);
	CHECK(X509_digest(x, EVP_sha1(), sha1, &n1) && n1 == 20);
	CHECK(memcmp(c.sha1, sha1, 20) == 0);
	free(d.p);

	/* The issuer is self-signed. */
	parse_x509(ca, &cac);
	CHECK(cac.self_issued && cac.self_signed);
	CHECK(cac.has_basic_constraints && cac.is_ca);
	CHECK_EQ(cac.path_len, -1);
	CHECK(!cac.has_san);

	x509_cert_free(&c);
	x509_cert_free(&cac);
	CHECK(c.subject == NULL && c.x509 == NULL && c.san_dns.v == NULL && c.san_ip == NULL);
	x509_cert_free(&c); /* zeroed: freeing again is harmless */
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(k);
	EVP_PKEY_free(cak);
}

static void test_names(void)
{
	EVP_PKEY *k = key_ec("P-256");
	X509 *x;
	struct x509_cert c;
	/* "Zürich" as UTF-8 and as BMPString (UCS-2 big-endian). */
	static const char zurich[] = "Z\xc3\xbcrich";
	static const char zurich_bmp[] = {0, 'Z', 0, '\xfc', 0, 'r', 0, 'i', 0, 'c', 0, 'h'};

	/* No subjectAltName, the name only in the CN. */
	x = cert_new(k, 2);
	subject_cn(x, "www.example.test");
	issuer_cn_set(x, "Test CA");
	sign(x, k, EVP_sha256());
	parse_x509(x, &c);
	CHECK(!c.has_san);
	CHECK_EQ(c.san_dns.count + c.san_ip_count + c.san_email.count + c.san_uri.count, 0);
	CHECK_STR(joined(&c.subject_cn), "www.example.test");
	CHECK(!c.self_issued && !c.self_signed); /* signed by its own key, but named for another issuer */
	x509_cert_free(&c);
	X509_free(x);

	/* Two CNs in the subject, two in the issuer: every subject CN in order, the issuer's last. */
	x = cert_new(k, 3);
	subject_cn(x, "first.example.test");
	name_add(X509_get_subject_name(x), "O", "Example");
	subject_cn(x, "second.example.test");
	issuer_cn_set(x, "Root Name");
	issuer_cn_set(x, "Issuing Name");
	sign(x, k, EVP_sha256());
	parse_x509(x, &c);
	CHECK_EQ(c.subject_cn.count, 2);
	CHECK_STR(joined(&c.subject_cn), "first.example.test,second.example.test");
	CHECK_STR(c.subject, "CN=second.example.test,O=Example,CN=first.example.test");
	CHECK_STR(c.issuer_cn, "Issuing Name");
	CHECK_STR(c.issuer, "CN=Issuing Name,CN=Root Name");
	x509_cert_free(&c);
	X509_free(x);

	/* UTF-8 stays UTF-8 in the RFC 4514 text and the CN list, whatever the string type. */
	x = cert_new(k, 4);
	name_add(X509_get_subject_name(x), "C", "CH");
	subject_cn(x, zurich);
	cn_add_raw(X509_get_subject_name(x), V_ASN1_BMPSTRING, zurich_bmp, (int)sizeof(zurich_bmp));
	name_add(X509_get_issuer_name(x), "O", "Stra\303\237e=1+2");
	sign(x, k, EVP_sha256());
	parse_x509(x, &c);
	CHECK_STR(joined(&c.subject_cn), "Z\xc3\xbcrich,Z\xc3\xbcrich");
	CHECK_STR(c.subject, "CN=Z\xc3\xbcrich,CN=Z\xc3\xbcrich,C=CH");
	CHECK_STR(c.issuer, "O=Stra\303\237e=1\\+2"); /* RFC 4514 2.4 escapes '+', not '=' */
	CHECK(c.issuer_cn == NULL);
	x509_cert_free(&c);
	X509_free(x);

	/* An empty subject, the names only in the SAN. */
	x = cert_new(k, 5);
	issuer_cn_set(x, "Test CA");
	ext_add(x, NULL, NID_subject_alt_name, "critical,DNS:only.example.test");
	sign(x, k, EVP_sha256());
	parse_x509(x, &c);
	CHECK_STR(c.subject, "");
	CHECK_EQ(c.subject_cn.count, 0);
	CHECK(c.subject_cn.v == NULL);
	CHECK_STR(joined(&c.san_dns), "only.example.test");
	x509_cert_free(&c);
	X509_free(x);

	EVP_PKEY_free(k);
}

/* A GeneralName of raw bytes (the config syntax cannot say NUL). */
static void gen_push(GENERAL_NAMES *gens, int type, const char *bytes, int len)
{
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_STRING *s = type == GEN_IPADD ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new();

	CHECK(ASN1_STRING_set(s, bytes, len));
	GENERAL_NAME_set0_value(g, type, s);
	sk_GENERAL_NAME_push(gens, g);
}

static void test_names_with_nul(void)
{
	EVP_PKEY *k = key_ec("P-256");
	X509 *x = cert_new(k, 6);
	GENERAL_NAMES *gens = GENERAL_NAMES_new();
	struct x509_cert c;
	/* CVE-2009-2408: read as a C string this is www.bank.test, which the CA never vouched for. */
	static const char nul_name[] = "www.bank.test\0.evil.test";
	static const char nul_mail[] = "ceo@bank.test\0@evil.test";
	static const char nul_uri[] = "https://bank.test\0.evil.test/";

	cn_add_raw(X509_get_subject_name(x), V_ASN1_UTF8STRING, nul_name, (int)sizeof(nul_name) - 1);
	subject_cn(x, "ok.example.test");
	issuer_cn_set(x, "Test CA");
	gen_push(gens, GEN_DNS, nul_name, (int)sizeof(nul_name) - 1);
	gen_push(gens, GEN_DNS, "ok.example.test", -1);
	gen_push(gens, GEN_EMAIL, nul_mail, (int)sizeof(nul_mail) - 1);
	gen_push(gens, GEN_URI, nul_uri, (int)sizeof(nul_uri) - 1);
	gen_push(gens, GEN_IPADD, "\x0a\x00\x00\x02\x01", 5); /* neither 4 nor 16 bytes */
	gen_push(gens, GEN_DNS, "", 0);
	CHECK(X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) == 1);
	GENERAL_NAMES_free(gens);
	sign(x, k, EVP_sha256());
	parse_x509(x, &c);

	CHECK_EQ(c.san_dns.count, 2);
	if (c.san_dns.count == 2) {
		CHECK_STR(c.san_dns.v[0], "ok.example.test");
		CHECK_STR(c.san_dns.v[1], ""); /* empty, but not hiding anything */
	}
	CHECK_EQ(c.san_email.count, 0);
	CHECK_EQ(c.san_uri.count, 0);
	CHECK_EQ(c.san_ip_count, 1);
	if (c.san_ip_count == 1) {
		CHECK_EQ(c.san_ip[0].len, 0);
		CHECK_STR(c.san_ip[0].text, "");
	}
	CHECK_STR(joined(&c.subject_cn), "ok.example.test");
	CHECK_EQ(c.dropped_names, 4); /* the CN, the dNSName, the email, the URI */
	/* The RFC 4514 text escapes the NUL rather than stopping at it. */
	CHECK(strstr(c.subject, "www.bank.test\\00.evil.test") != NULL);
	CHECK(c.has_san);
	x509_cert_free(&c);
	X509_free(x);

	/*
	 * A UTF8String that is not UTF-8: libcrypto 3.0 refuses the whole
	 * certificate (it converts every name to UTF-8 to compare names), so
	 * it cannot be built through the API; patch the DER instead.
	 */
	x = cert_new(k, 7);
	subject_cn(x, "caf\x01");
	issuer_cn_set(x, "Test CA");
	sign(x, k, EVP_sha256());
	{
		struct der d = der_of(x);
		uint8_t *hit = NULL;

		for (size_t i = 0; i + 6 <= d.len && !hit; i++)
			if (memcmp(d.p + i, "\x0c\004caf\001", 6) == 0)
				hit = d.p + i;
		CHECK(hit != NULL);
		if (hit) {
			hit[5] = 0xff;
			CHECK_EQ(x509_cert_parse(d.p, d.len, &c), TS_OK);
			CHECK(!c.parsed);
			CHECK(strstr(c.parse_error, "utf8") != NULL);
			CHECK_EQ(ERR_peek_error(), 0);
			x509_cert_free(&c);
		}
		free(d.p);
	}
	X509_free(x);

	EVP_PKEY_free(k);
}

static void test_validity(void)
{
	EVP_PKEY *k = key_ec("P-256");
	X509 *x = cert_new(k, 8);
	struct x509_cert c;
	char buf[32];

	/* UTCTime's range ends at 2049 (RFC 5280 4.1.2.5): later dates are GeneralizedTime. */
	CHECK(ASN1_TIME_set_string(X509_getm_notBefore(x), "500101000000Z"));
	CHECK(ASN1_TIME_set_string(X509_getm_notAfter(x), "20600101000000Z"));
	CHECK_EQ(ASN1_STRING_type(X509_get0_notAfter(x)), V_ASN1_GENERALIZEDTIME);
	subject_cn(x, "time.example.test");
	issuer_cn_set(x, "Test CA");
	sign(x, k, EVP_sha256());
	parse_x509(x, &c);
	CHECK_EQ(c.not_before, -631152000LL);
	CHECK_EQ(c.not_after, 2840140800LL);
	CHECK_STR(x509_time_format(c.not_before, buf, sizeof(buf)), "1950-01-01T00:00:00Z");
	CHECK_STR(x509_time_format(c.not_after, buf, sizeof(buf)), "2060-01-01T00:00:00Z");
	x509_cert_free(&c);

	CHECK(ASN1_TIME_set_string(X509_getm_notBefore(x), "491231235959Z"));
	CHECK(ASN1_TIME_set_string(X509_getm_notAfter(x), "99991231235959Z"));
	sign(x, k, EVP_sha256());
	parse_x509(x, &c);
	CHECK_EQ(c.not_before, 2524607999LL);
	CHECK_EQ(c.not_after, 253402300799LL);
	CHECK_STR(x509_time_format(c.not_after, buf, sizeof(buf)), "9999-12-31T23:59:59Z");
	x509_cert_free(&c);
	X509_free(x);
	EVP_PKEY_free(k);

	CHECK_STR(x509_time_format(0, buf, sizeof(buf)), "1970-01-01T00:00:00Z");
	CHECK_STR(x509_time_format(-1, buf, sizeof(buf)), "1969-12-31T23:59:59Z");
	CHECK_STR(x509_time_format(951825600, buf, sizeof(buf)), "2000-02-29T12:00:00Z");
	CHECK_STR(x509_time_format(-11670955200LL, buf, sizeof(buf)), "1600-02-29T12:00:00Z");
	CHECK_STR(x509_time_format(1772323200, buf, 21), "2026-03-01T00:00:00Z"); /* 21 bytes are enough */
	CHECK_STR(x509_time_format(1772323200, buf, 5), "2026");                  /* cut, still a string */
}

/* Sign with RSA-PSS using `md` for both the message and MGF1. */
static void sign_pss(X509 *x, EVP_PKEY *key, const EVP_MD *md)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;

	CHECK(EVP_DigestSignInit(ctx, &pctx, md, NULL, key) == 1);
	CHECK(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1);
	CHECK(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1);
	CHECK(X509_sign_ctx(x, ctx) > 0);
	EVP_MD_CTX_free(ctx);
}

struct sig_case {
	EVP_PKEY *key;
	const EVP_MD *md;
	bool pss;
	const char *key_type;
	int key_bits;
	const char *curve;
	const char *sigalg;
	bool weak;
};

static void test_keys_and_signatures(void)
{
	EVP_PKEY *rsa1024 = key_rsa(1024), *rsa2048 = key_rsa(2048), *p384 = key_ec("P-384");
	EVP_PKEY *p256 = key_ec("P-256"), *ed25519 = key_named("ED25519"), *ed448 = key_named("ED448");
	/* clang-format off */
	struct sig_case cases[] = {
		{ rsa1024, EVP_sha1(), false, "RSA", 1024, "", "sha1WithRSAEncryption", true },
		{ rsa1024, EVP_md5(), false, "RSA", 1024, "", "md5WithRSAEncryption", true },
		{ rsa2048, EVP_sha256(), false, "RSA", 2048, "", "sha256WithRSAEncryption", false },
		{ rsa2048, EVP_sha1(), true, "RSA", 2048, "", "rsassaPss", true },
		{ rsa2048, EVP_sha256(), true, "RSA", 2048, "", "rsassaPss", false },
		{ p256, EVP_sha1(), false, "EC", 256, "prime256v1", "ecdsa-with-SHA1", true },
		{ p384, EVP_sha384(), false, "EC", 384, "secp384r1", "ecdsa-with-SHA384", false },
		{ ed25519, NULL, false, "Ed25519", 256, "", "ED25519", false },
		{ ed448, NULL, false, "Ed448", 456, "", "ED448", false },
	};
	/* clang-format on */

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sig_case *t = &cases[i];
		X509 *x = cert_new(t->key, (long)(100 + i));
		struct x509_cert c;

		subject_cn(x, "self.example.test");
		issuer_cn_set(x, "self.example.test");
		if (t->pss)
			sign_pss(x, t->key, t->md);
		else
			sign(x, t->key, t->md);
		parse_x509(x, &c);
		CHECK_STR(c.key_type, t->key_type);
		CHECK_EQ(c.key_bits, t->key_bits);
		CHECK_STR(c.key_curve, t->curve);
		CHECK_STR(c.signature_algorithm, t->sigalg);
		CHECK_EQ(c.weak_signature_hash, t->weak);
		CHECK(c.self_issued && c.self_signed);
		if (c.key_bits != t->key_bits || strcmp(c.signature_algorithm, t->sigalg) != 0)
			fprintf(stderr, "  (case %zu)\n", i);
		x509_cert_free(&c);
		X509_free(x);
	}
	EVP_PKEY_free(rsa1024);
	EVP_PKEY_free(rsa2048);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(ed25519);
	EVP_PKEY_free(ed448);
}

static void test_extensions(void)
{
	EVP_PKEY *cak = key_ec("P-256"), *k = key_ec("P-256");
	X509 *ca = cert_new(cak, 9), *x;
	struct x509_cert cac, c;
	const ASN1_OCTET_STRING *ski;
	char hex[128];

	/* A CA: CA:TRUE pathlen 0, keyCertSign + cRLSign, SKI. */
	subject_cn(ca, "Issuing CA");
	issuer_cn_set(ca, "Root CA");
	ext_add(ca, NULL, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
	ext_add(ca, NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
	ext_add(ca, NULL, NID_subject_key_identifier, "hash");
	sign(ca, cak, EVP_sha256());
	parse_x509(ca, &cac);
	CHECK(cac.has_basic_constraints && cac.is_ca);
	CHECK_EQ(cac.path_len, 0);
	CHECK(cac.has_key_usage);
	CHECK_EQ(cac.key_usage, X509_KU_KEY_CERT_SIGN | X509_KU_CRL_SIGN);
	ski = X509_get0_subject_key_id(ca);
	CHECK(ski != NULL);
	if (ski) {
		hex_of(ASN1_STRING_get0_data(ski), (size_t)ASN1_STRING_length(ski), hex);
		CHECK_STR(cac.ski, hex);
	}
	CHECK(cac.aki == NULL);

	/* A leaf: CA:FALSE, clientAuth only, AIA with two caIssuers and one OCSP URL, SKI, AKI. */
	x = cert_new(k, 10);
	subject_cn(x, "client.example.test");
	X509_set_issuer_name(x, X509_get_subject_name(ca));
	ext_add(x, ca, NID_basic_constraints, "CA:FALSE");
	ext_add(x, ca, NID_key_usage, "critical,digitalSignature,keyEncipherment");
	ext_add(x, ca, NID_ext_key_usage, "clientAuth");
	ext_add(x, ca, NID_info_access,
	        "caIssuers;URI:http://ca.example.test/issuing.crt,OCSP;URI:http://ocsp.example.test/,"
	        "caIssuers;URI:http://ca2.example.test/issuing.p7c");
	ext_add(x, ca, NID_subject_key_identifier, "hash");
	ext_add(x, ca, NID_authority_key_identifier, "keyid:always");
	sign(x, cak, EVP_sha256());
	parse_x509(x, &c);
	CHECK(c.has_basic_constraints && !c.is_ca);
	CHECK_EQ(c.path_len, -1);
	CHECK(c.has_key_usage);
	CHECK_EQ(c.key_usage, X509_KU_DIGITAL_SIGNATURE | X509_KU_KEY_ENCIPHERMENT);
	CHECK(c.has_eku && c.eku_client_auth && !c.eku_server_auth && !c.eku_any);
	CHECK_STR(joined(&c.eku), "clientAuth");
	CHECK_STR(joined(&c.aia_ca_issuers),
	          "http://ca.example.test/issuing.crt,http://ca2.example.test/issuing.p7c");
	CHECK_STR(joined(&c.aia_ocsp), "http://ocsp.example.test/");
	CHECK(c.ski != NULL && cac.ski != NULL && strcmp(c.ski, cac.ski) != 0);
	CHECK_STR(c.aki, cac.ski);
	CHECK(!c.self_issued && !c.self_signed);
	x509_cert_free(&c);
	X509_free(x);

	/* Every keyUsage bit maps to its X509_KU_* bit; EKU names in order, unknown ones dotted. */
	x = cert_new(k, 11);
	subject_cn(x, "all.example.test");
	issuer_cn_set(x, "Test CA");
	ext_add(x, NULL, NID_basic_constraints, "critical,CA:TRUE,pathlen:3");
	ext_add(x, NULL, NID_key_usage,
	        "digitalSignature,nonRepudiation,keyEncipherment,dataEncipherment,keyAgreement,"
	        "keyCertSign,cRLSign,encipherOnly,decipherOnly");
	ext_add(x, NULL, NID_ext_key_usage, "serverAuth,anyExtendedKeyUsage,1.2.3.4.5,codeSigning");
	sign(x, k, EVP_sha256());
	parse_x509(x, &c);
	CHECK(c.is_ca);
	CHECK_EQ(c.path_len, 3);
	CHECK_EQ(c.key_usage, 0x1ff);
	CHECK(c.eku_server_auth && c.eku_any && !c.eku_client_auth);
	CHECK_STR(joined(&c.eku), "serverAuth,anyExtendedKeyUsage,1.2.3.4.5,codeSigning");
	x509_cert_free(&c);
	X509_free(x);

	x = cert_new(k, 12);
	subject_cn(x, "ka.example.test");
	issuer_cn_set(x, "Test CA");
	ext_add(x, NULL, NID_key_usage, "keyAgreement,decipherOnly");
	sign(x, k, EVP_sha256());
	parse_x509(x, &c);
	CHECK(c.has_key_usage && !c.has_basic_constraints);
	CHECK_EQ(c.key_usage, X509_KU_KEY_AGREEMENT | X509_KU_DECIPHER_ONLY);
	x509_cert_free(&c);
	X509_free(x);

	/* Version 1: no extensions at all. */
	x = cert_new(k, 13);
	X509_set_version(x, X509_VERSION_1);
	subject_cn(x, "v1.example.test");
	issuer_cn_set(x, "v1.example.test");
	sign(x, k, EVP_sha256());
	parse_x509(x, &c);
	CHECK_EQ(c.version, 1);
	CHECK(!c.has_basic_constraints && !c.is_ca && !c.has_key_usage && !c.has_eku && !c.has_san);
	CHECK_EQ(c.path_len, -1);
	CHECK(c.ski == NULL && c.aki == NULL);
	CHECK(c.self_issued && c.self_signed);
	x509_cert_free(&c);
	X509_free(x);

	x509_cert_free(&cac);
	X509_free(ca);
	EVP_PKEY_free(k);
	EVP_PKEY_free(cak);
}

static void test_self_signed(void)
{
	EVP_PKEY *a = key_ec("P-256"), *b = key_ec("P-256");
	X509 *x;
	struct x509_cert c;

	/* Subject = issuer, signed by another key: self-issued, not self-signed. */
	x = cert_new(a, 14);
	subject_cn(x, "Same Name");
	issuer_cn_set(x, "Same Name");
	sign(x, b, EVP_sha256());
	/* Why names (and X509_check_issued) are not enough: it looks at names and key ids only. */
	CHECK_EQ(X509_check_issued(x, x), X509_V_OK);
	ERR_clear_error();
	parse_x509(x, &c);
	CHECK(c.self_issued);
	CHECK(!c.self_signed);
	x509_cert_free(&c);

	/* The same certificate signed by its own key. */
	sign(x, a, EVP_sha256());
	parse_x509(x, &c);
	CHECK(c.self_issued && c.self_signed);
	x509_cert_free(&c);
	X509_free(x);

	/* Serial numbers: upper-case hex of the INTEGER as openssl x509 -serial prints it. */
	x = cert_new(a, 0);
	subject_cn(x, "Serial");
	issuer_cn_set(x, "Serial");
	sign(x, a, EVP_sha256());
	parse_x509(x, &c);
	CHECK_STR(c.serial, "00");
	x509_cert_free(&c);
	{
		BIGNUM *bn = NULL;
		ASN1_INTEGER *sn;

		BN_hex2bn(&bn, "00FEDCBA9876543210FEDCBA9876543210");
		sn = BN_to_ASN1_INTEGER(bn, NULL);
		X509_set_serialNumber(x, sn);
		sign(x, a, EVP_sha256());
		parse_x509(x, &c);
		CHECK_STR(c.serial, "FEDCBA9876543210FEDCBA9876543210");
		x509_cert_free(&c);
		BN_set_negative(bn, 1);
		ASN1_INTEGER_free(sn);
		sn = BN_to_ASN1_INTEGER(bn, NULL);
		X509_set_serialNumber(x, sn);
		sign(x, a, EVP_sha256());
		parse_x509(x, &c);
		CHECK_STR(c.serial, "-FEDCBA9876543210FEDCBA9876543210");
		x509_cert_free(&c);
		ASN1_INTEGER_free(sn);
		BN_free(bn);
	}
	X509_free(x);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
}

/* ---- real certificates ------------------------------------------------------ */

static uint8_t *data_read(const char *name, size_t *len)
{
	/* Next to this file (CMake passes absolute paths), else relative to the source root. */
	const char *slash = strrchr(__FILE__, '/');
	char path[4096];
	uint8_t *buf = NULL;
	FILE *f = NULL;
	long n;

	if (slash) {
		snprintf(path, sizeof(path), "%.*s/data/x509/%s", (int)(slash - __FILE__), __FILE__, name);
		f = fopen(path, "rb");
	}
	if (!f) {
		snprintf(path, sizeof(path), "tests/unit/data/x509/%s", name);
		f = fopen(path, "rb");
	}
	if (!f) {
		fprintf(stderr, "cannot open %s\n", name);
		CHECK(f != NULL);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n)
			*len = (size_t)n;
		else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	CHECK(buf != NULL);
	return buf;
}

struct real_cert {
	const char *file;
	const char *sha256;  /* openssl x509 -fingerprint -sha256 */
	const char *subject; /* openssl x509 -subject -nameopt RFC2253,-esc_msb */
	const char *issuer;
	const char *issuer_cn;              /* NULL: none */
	const char *cns;                    /* subject CNs, comma-joined */
	const char *serial;                 /* openssl x509 -serial */
	const char *not_before, *not_after; /* openssl x509 -dateopt iso_8601 */
	int version;
	const char *key_type;
	int key_bits;
	const char *curve;
	const char *sigalg;
	bool weak;
	bool has_san;
	size_t dns_count;
	const char *dns_first, *dns_last; /* NULL when none */
	const char *ips;                  /* comma-joined text */
	bool has_bc, is_ca;
	int path_len;
	bool has_ku;
	uint32_t ku;
	const char *eku;
	const char *ca_issuers, *ocsp;
	const char *ski, *aki; /* NULL: absent */
	bool self_issued, self_signed;
};

#define KU_DS X509_KU_DIGITAL_SIGNATURE
#define KU_KE X509_KU_KEY_ENCIPHERMENT
#define KU_CA (X509_KU_KEY_CERT_SIGN | X509_KU_CRL_SIGN)
#define TEST_PKI ",O=tlsscope Test PKI"
#define ISSUING "CN=tlsscope Test Issuing CA" TEST_PKI
#define ISSUING_AKI "7B8E7F71052146AC0B07C6EE4DA6A94B21DA6997"
#define ISSUING_URL "http://ca.example.test/issuing.crt"
#define WWW "CN=www.example.test" TEST_PKI

/* clang-format off */
static const struct real_cert real_certs[] = {
	{ "01-tls12-good.0.der", "43551FF3CB8836AA3E5EE06ADA147A360C3047705C963EF8895D388E5332759C", WWW,
	  ISSUING, "tlsscope Test Issuing CA", "www.example.test", "1F2BBC33B0FC4EA9C50F02A3390F70DD",
	  "2026-01-30T00:00:00Z", "2026-04-30T00:00:00Z", 3, "EC", 256, "prime256v1",
	  "sha256WithRSAEncryption", false, true, 2, "www.example.test", "example.test", "", true, false, -1,
	  true, KU_DS, "serverAuth", ISSUING_URL, "", "B7D9CC332945E0E791B8B15763EFE754A36923F4", ISSUING_AKI,
	  false, false },
	{ "01-tls12-good.1.der", "81B44580A133B5C3510A02E6350244C421C84689CA5A0F7E1B0BB453006FB9F4", ISSUING,
	  "CN=tlsscope Test Root CA" TEST_PKI, "tlsscope Test Root CA", "tlsscope Test Issuing CA",
	  "1AF2B95F485ED22EEBAE5D44BC76E25A", "2024-03-01T00:00:00Z", "2034-02-27T00:00:00Z", 3, "RSA", 2048, "",
	  "ecdsa-with-SHA256", false, false, 0, NULL, NULL, "", true, true, 0, true, KU_DS | KU_CA,
	  "serverAuth,clientAuth", "http://ca.example.test/root.crt", "", ISSUING_AKI,
	  "CCC2E6BEB6916EC36401AD5025A61A7B10C06E4B", false, false },
	{ "04-tls12-long-chain.0.der", "BA69224B76B25BCE53378CC8C993F2C779FD451F1AE0F4DD6B05AD23C6AE0339", WWW,
	  "CN=tlsscope Test Issuing CA 2" TEST_PKI, "tlsscope Test Issuing CA 2", "www.example.test",
	  "363CFE53D58FDBDA19755D35E7452EEE", "2026-01-30T00:00:00Z", "2026-04-30T00:00:00Z", 3, "RSA", 4096, "",
	  "ecdsa-with-SHA256", false, true, 6, "www.example.test", "mail.example.test", "", true, false, -1, true,
	  KU_DS | KU_KE, "serverAuth", "http://ca.example.test/issuing2.crt", "",
	  "597C47A8A64311A2014B7E55A5CFD597A98076EE", "DB79CA7A1CE3110A18480B22F5908DE90B81E9A8", false, false },
	{ "18-ip-in-san.0.der", "EC486635B1D2637FD2B9C1244C213A864D70E3C5C48358401FCD06AD0BA3BC1B", WWW, ISSUING,
	  "tlsscope Test Issuing CA", "www.example.test", "13A531F1F5DAD9CA5EAC1BAE4B7D4C8C",
	  "2026-01-30T00:00:00Z", "2026-04-30T00:00:00Z", 3, "EC", 256, "prime256v1", "sha256WithRSAEncryption",
	  false, true, 1, "www.example.test", "www.example.test", "10.0.0.2", true, false, -1, true, KU_DS,
	  "serverAuth", ISSUING_URL, "", "C266C8635DFCF2975783C106C19DBD12A10AF9CA", ISSUING_AKI, false, false },
	{ "19-cn-only.0.der", "5441D6C42B1B66F6EB5E67E045207885B0FE5A1D38EAB7947D9A087E3A204BE6", WWW, ISSUING,
	  "tlsscope Test Issuing CA", "www.example.test", "1EDB9BCF21CBB08B73D8729B0356E9A8",
	  "2026-01-30T00:00:00Z", "2026-04-30T00:00:00Z", 3, "EC", 256, "prime256v1", "sha256WithRSAEncryption",
	  false, false, 0, NULL, NULL, "", true, false, -1, true, KU_DS, "serverAuth", ISSUING_URL, "",
	  "F23CA2CC3589B4345EE2B7376A02EF2D5AD19C95", ISSUING_AKI, false, false },
	{ "20-self-signed-leaf.0.der", "C8110CED0C7C15409C3BC13FC1451A395DDC90073DEAD5F9DF7FF971984603A0", WWW, WWW,
	  "www.example.test", "www.example.test", "123F678429F19E73C0D6EF306B40831C", "2026-01-30T00:00:00Z",
	  "2026-04-30T00:00:00Z", 3, "EC", 256, "prime256v1", "ecdsa-with-SHA256", false, true, 2,
	  "www.example.test", "example.test", "", true, false, -1, true, KU_DS, "serverAuth", "", "",
	  "EFF1D9D54C660B3A331723CCC34AF4C92B340568", NULL, true, true },
	{ "27-sha1-signed-leaf.0.der", "54A67C5C6A4B4723776B0BC16BE1DC206CDD15C7061F5A38DFABA10C8953173A", WWW,
	  ISSUING, "tlsscope Test Issuing CA", "www.example.test", "15A1D146170538CCBB06D43EF9DE994C",
	  "2026-01-30T00:00:00Z", "2026-04-30T00:00:00Z", 3, "EC", 256, "prime256v1", "sha1WithRSAEncryption",
	  true, true, 2, "www.example.test", "example.test", "", true, false, -1, true, KU_DS, "serverAuth",
	  ISSUING_URL, "", "CA647E2D5FD4682289285A2625BC7E2BEFC4FF09", ISSUING_AKI, false, false },
	{ "28-rsa1024-leaf.0.der", "8761F52FB490BC0CBA17732FCF4DB8400C09E22365A5FFE6E076CA0713C19D05", WWW, ISSUING,
	  "tlsscope Test Issuing CA", "www.example.test", "3D9F39792E185D9198C90B83CAB84D0F",
	  "2026-01-30T00:00:00Z", "2026-04-30T00:00:00Z", 3, "RSA", 1024, "", "sha256WithRSAEncryption", false,
	  true, 2, "www.example.test", "example.test", "", true, false, -1, true, KU_DS | KU_KE, "serverAuth",
	  ISSUING_URL, "", "33EDDE255231F94F786904029D3B51824AC24713", ISSUING_AKI, false, false },
	{ "29-eku-client-auth-only.0.der", "68859C2C4B2B3A13F57945B57B3CACF5A5FE0397AB4DFEB7331AA4037FB6F016", WWW,
	  ISSUING, "tlsscope Test Issuing CA", "www.example.test", "14F201973074ADDEAD516461322C28FF",
	  "2026-01-30T00:00:00Z", "2026-04-30T00:00:00Z", 3, "EC", 256, "prime256v1", "sha256WithRSAEncryption",
	  false, true, 2, "www.example.test", "example.test", "", true, false, -1, true, KU_DS, "clientAuth",
	  ISSUING_URL, "", "62FDA7C75201BBBAECC8A94E1BA5B1961641266E", ISSUING_AKI, false, false },
	{ "30-ca-cert-as-leaf.0.der", "F685EF10254AE9029F17F8A5D57CF4325E0E7FD452810D8C51E04E000DA6FA57", WWW,
	  ISSUING, "tlsscope Test Issuing CA", "www.example.test", "1B7E8FDFCEAF16247319738A0E2455F8",
	  "2026-01-30T00:00:00Z", "2026-04-30T00:00:00Z", 3, "EC", 256, "prime256v1", "sha256WithRSAEncryption",
	  false, true, 2, "www.example.test", "example.test", "", true, true, -1, true, KU_DS | KU_CA,
	  "serverAuth", ISSUING_URL, "", "DCD82608D948982ED1170F14DA2A16AAEE025D42", ISSUING_AKI, false, false },
	/* Version 1, both dates GeneralizedTime though before 2050 (RFC 5280 says UTCTime). */
	{ "zeek__x509-generalizedtime.0.der", "CD08183F5ED85D69936278BF8D3E9A850ABE14921DBE45E6B28364512A19E0B8",
	  "CN=bro-generalizedtime-test,O=Bro,C=NL", "CN=bro-generalizedtime-test,O=Bro,C=NL",
	  "bro-generalizedtime-test", "bro-generalizedtime-test", "03E8", "2015-09-01T13:33:37Z",
	  "2025-09-01T13:33:37Z", 1, "RSA", 1024, "", "sha1WithRSAEncryption", true, false, 0, NULL, NULL, "",
	  false, false, -1, false, 0, "", "", "", NULL, NULL, true, true },
	/*
	 * ML-DSA-44 (FIPS 204): libcrypto 3.0 cannot decode the key, nor so
	 * check the signature, but the certificate is read whole.
	 */
	{ "zeek__ml-dsa-44-cert.0.der", "FD95785A038018DCCB84CD816602920A1E010D8ACD9CE63407AA68440F595758",
	  "CN=ml-dsa.example.com,O=PQC-Test,C=US", "CN=ml-dsa.example.com,O=PQC-Test,C=US", "ml-dsa.example.com",
	  "ml-dsa.example.com", "6CC93D07602EC79CFD5201B425D1A93C7023197F", "2026-04-03T07:06:08Z",
	  "2027-04-03T07:06:08Z", 3, "ML-DSA-44", 0, "", "ML-DSA-44", false, false, 0, NULL, NULL, "", true, true,
	  -1, false, 0, "", "", "", "BD85C4234CD8238F4EC3C37C5A0DB405FB16FE5E",
	  "BD85C4234CD8238F4EC3C37C5A0DB405FB16FE5E", true, false },
	/* 130 dNSNames (tshark's list, in order, is checked whole below). */
	{ "nDPI__tls_verylong_certificate.0.der", "2E5BA3DB861217589824526E4E9C864460A588E940FD8D076A33A90619D294EE",
	  "CN=p2.shared.global.fastly.net,O=Fastly\\, Inc.,L=San Francisco,ST=California,C=US",
	  "CN=GlobalSign CloudSSL CA - SHA256 - G3,O=GlobalSign nv-sa,C=BE", "GlobalSign CloudSSL CA - SHA256 - G3",
	  "p2.shared.global.fastly.net", "6630D58F2CF21D11DF0ED794", "2019-11-19T01:31:22Z",
	  "2020-08-29T17:19:32Z", 3, "RSA", 2048, "", "sha256WithRSAEncryption", false, true, 130,
	  "p2.shared.global.fastly.net", "www.westwayelectricsupply.com", "", true, false, -1, true,
	  KU_DS | KU_KE, "serverAuth,clientAuth", "http://secure.globalsign.com/cacert/cloudsslsha2g3.crt",
	  "http://ocsp2.globalsign.com/cloudsslsha2g3", "D823B478C3C9AB609EA9564221E5F562B56FBD39",
	  "A92B87E1CE24473B1BBFCF853702559D0D9458E6", false, false },
	{ "zeek__ecdsa-cert.0.der", "11DB6D4F6E4DF14CEC874B9D4A306C64C282DACBD479788EE0510B2C99382DC4",
	  "CN=pantz.org,OU=PositiveSSL,OU=Domain Control Validated",
	  "CN=COMODO ECC Domain Validation Secure Server CA,O=COMODO CA Limited,L=Salford,ST=Greater "
	  "Manchester,C=GB",
	  "COMODO ECC Domain Validation Secure Server CA", "pantz.org", "F0AFBBF558BF4D1B71FED9CB33793EE4",
	  "2014-11-08T00:00:00Z", "2019-11-07T23:59:59Z", 3, "EC", 384, "secp384r1", "ecdsa-with-SHA256", false,
	  true, 2, "pantz.org", "www.pantz.org", "", true, false, -1, true, KU_DS, "serverAuth,clientAuth",
	  "http://crt.comodoca.com/COMODOECCDomainValidationSecureServerCA.crt", "http://ocsp.comodoca.com",
	  "26CFA28060BCB56DDDA0905A79A86EE440A3845E", "BBFA08E0BF54EE5AFD16A4350209A9A4C8ECFD4B", false, false },
	/* An empty issuer name; an empty street attribute. */
	{ "suricata-verify__tls-cert-noissuer__tls.0.der",
	  "428F25AE72D8FE8EAB9A69EB3B4BEEEC02A6AF6AEA8CD4FDCCB013A1C55F24D1",
	  "CN=localhost,postalCode=6565,street=,L=Scottsdale,ST=Arizona,C=US", "", NULL, "localhost",
	  "99EB862A01F848DDB2A639F21AFC0354", "2021-12-26T00:39:18Z", "2024-12-25T00:39:18Z", 3, "RSA", 2048, "",
	  "ecdsa-with-SHA384", false, true, 1, "localhost", "localhost", "", false, false, -1, true,
	  KU_DS | KU_KE, "serverAuth", "", "", NULL, "0CB3894A194C62DDECC119F1E9F441232B03A40E", false, false },
	/* No CN anywhere. */
	{ "zeek__cert-no-cn.0.der", "3CD6D125CCA7C6F128928B0570CD3DC6EFB0AD52F95DBFF292011106B7F8D4B4",
	  "O=TestCorp", "O=TestCorp", NULL, "", "FA17A614059B1EF3", "2015-03-04T00:31:05Z",
	  "2016-03-03T00:31:05Z", 3, "RSA", 2048, "", "sha1WithRSAEncryption", true, false, 0, NULL, NULL, "",
	  true, true, -1, false, 0, "", "", "", "E1F58593C54A947E2C722AD0019FCB1098819B2E",
	  "E1F58593C54A947E2C722AD0019FCB1098819B2E", true, true },
};
/* clang-format on */

static void ips_join(const struct x509_cert *c, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (size_t i = 0; i < c->san_ip_count && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "", c->san_ip[i].text);
}

static void check_real(const struct real_cert *t)
{
	size_t len = 0;
	uint8_t *der = data_read(t->file, &len);
	struct x509_cert c;
	char hex[65], buf[32], ips[256];
	int before = check_failures;

	if (!der)
		return;
	CHECK_EQ(x509_cert_parse(der, len, &c), TS_OK);
	CHECK_EQ(ERR_peek_error(), 0);
	CHECK(c.parsed);
	CHECK_EQ(c.der_len, len);
	hex_of(c.sha256, 32, hex);
	CHECK_STR(hex, t->sha256);
	CHECK_STR(c.subject, t->subject);
	CHECK_STR(c.issuer, t->issuer);
	if (t->issuer_cn)
		CHECK_STR(c.issuer_cn, t->issuer_cn);
	else
		CHECK(c.issuer_cn == NULL);
	CHECK_STR(joined(&c.subject_cn), t->cns);
	CHECK_STR(c.serial, t->serial);
	CHECK_STR(x509_time_format(c.not_before, buf, sizeof(buf)), t->not_before);
	CHECK_STR(x509_time_format(c.not_after, buf, sizeof(buf)), t->not_after);
	CHECK_EQ(c.version, t->version);
	CHECK_STR(c.key_type, t->key_type);
	CHECK_EQ(c.key_bits, t->key_bits);
	CHECK_STR(c.key_curve, t->curve);
	CHECK_STR(c.signature_algorithm, t->sigalg);
	CHECK_EQ(c.weak_signature_hash, t->weak);
	CHECK_EQ(c.has_san, t->has_san);
	CHECK_EQ(c.san_dns.count, t->dns_count);
	if (t->dns_first && c.san_dns.count) {
		CHECK_STR(c.san_dns.v[0], t->dns_first);
		CHECK_STR(c.san_dns.v[c.san_dns.count - 1], t->dns_last);
	}
	ips_join(&c, ips, sizeof(ips));
	CHECK_STR(ips, t->ips);
	CHECK_EQ(c.san_email.count + c.san_uri.count + c.dropped_names, 0);
	CHECK_EQ(c.has_basic_constraints, t->has_bc);
	CHECK_EQ(c.is_ca, t->is_ca);
	CHECK_EQ(c.path_len, t->path_len);
	CHECK_EQ(c.has_key_usage, t->has_ku);
	CHECK_EQ(c.key_usage, t->ku);
	CHECK_STR(joined(&c.eku), t->eku);
	CHECK_EQ(c.has_eku, t->eku[0] != 0);
	CHECK_STR(joined(&c.aia_ca_issuers), t->ca_issuers);
	CHECK_STR(joined(&c.aia_ocsp), t->ocsp);
	if (t->ski)
		CHECK_STR(c.ski, t->ski);
	else
		CHECK(c.ski == NULL);
	if (t->aki)
		CHECK_STR(c.aki, t->aki);
	else
		CHECK(c.aki == NULL);
	CHECK_EQ(c.self_issued, t->self_issued);
	CHECK_EQ(c.self_signed, t->self_signed);
	if (check_failures != before)
		fprintf(stderr, "  (in %s)\n", t->file);
	x509_cert_free(&c);
	free(der);
}

/* leaf_san_dns of nDPI__tls_verylong_certificate.pcap in the corpus TRUTH.tsv (tshark). */
static const char verylong_sans[] =
    "p2.shared.global.fastly.net,*.12wbt.com,*.2bleacherreport.com,*.3bleacherreport.com,"
    "*.4bleacherreport.com,*.8bleacherreport.com,*.abuse.ch,*.acdn-it.ps-pantheon.com,*.cdn.livingmap.com,"
    "*.content.plastiq.com,*.dimensions.ai,*.dollarshaveclub.co.uk,*.dollarshaveclub.com,*.dontpayfull.com,"
    "*.ebisubook.com,*.foreignaffairs.com,*.fs.jibjab.com,*.fs.unitprints.com,*.ggleap.com,*.goodeggs.com,"
    "*.huevosbuenos.com,*.indy.myomnigon.com,*.jwatch.org,*.kingsfordcharcoal.com.au,*.lancenters.com,"
    "*.madebywe.com,*.minirodini.com,*.modcloth.net,*.orionlabs.io,*.ps-pantheon.com,*.scodle.com,"
    "*.steelseries.com,*.theforeman.org,*.uploads.eversign.com,*.uploads.schoox.com,*.vts.com,"
    "*.x.stg1.ebisubook.com,*.yang2020.com,12wbt.com,2bleacherreport.com,3bleacherreport.com,"
    "4bleacherreport.com,8bleacherreport.com,abuse.ch,brita.com,cdn.fwupd.org,cdn.livingmap.com,"
    "cdn.seated.com,cdn.skillacademy.com,clinicaloptions.com,clorox.com,"
    "content-preprod.beaverbrooksweb2.co.uk,"
    "content.beaverbrooks.co.uk,content.plastiq.com,coolmathgames.com,copterroyale.coolmathgames.com,"
    "d8-dev.coolmathgames.com,deflyio.coolmathgames.com,delivery-api.evadacms.com,dimensions.ai,"
    "dollarshaveclub.co.uk,dollarshaveclub.com,dontpayfull.com,eluniverso.com,email.amg-group.co,"
    "email.tekoforlife.co.uk,feedmarket.fr,freshstep.com,ggleap.com,goodeggs.com,heap.io,huevosbuenos.com,"
    "identity.linuxfoundation.org,joebiden.com,jwatch.org,kingsford.co.nz,kingsfordcharcoal.com.au,"
    "lancenters.com,lists.linuxfoundation.org,m-stage.coolmathgames.com,m.coolmathgames.com,madebywe.com,"
    "minirodini.com,modcloth.net,orionlabs.io,puritanmedproducts.com,reviews.org,"
    "rg-video-staging.ruangguru.com,rg-video.ruangguru.com,ruangguru.com,scodle.com,stage.coolmathgames.com,"
    "staging.appblade.com,steelseries.com,stg.platform.eluniverso.com,test.brita.com,test.heap.io,"
    "test.joebiden.com,test.ruangguru.com,theforeman.org,video-cdn.quipper.com,videos.calcworkshop.com,"
    "vts.com,www.101network.com,www.autos101.com,www.brita.com,www.clorox.com,www.collider.com,"
    "www.coolmathgames.com,www.eluniverso.com,www.flinto.com,www.freshstep.com,www.heap.io,www.holagente.com,"
    "www.icsydney.com.au,www.joebiden.com,www.kingsford.co.nz,www.mrnatty.com,www.myjewellerystory.com.au,"
    "www.myjs.com,www.netacea.com,www.parenting101.com,www.puritanmedproducts.com,www.reviews.org,www.sba.sa,"
    "www.shashatcom.sa,www.uat.ontariocolleges.ca,www.vacation101.com,www.walterspeople.co.uk,"
    "www.westwayelectricsupply.com";

static void test_real_certs(void)
{
	size_t len = 0;
	uint8_t *der;
	struct x509_cert c;

	for (size_t i = 0; i < sizeof(real_certs) / sizeof(real_certs[0]); i++)
		check_real(&real_certs[i]);

	der = data_read("nDPI__tls_verylong_certificate.0.der", &len);
	if (der) {
		CHECK_EQ(x509_cert_parse(der, len, &c), TS_OK);
		CHECK_STR(joined(&c.san_dns), verylong_sans);
		x509_cert_free(&c);
		free(der);
	}
}

/* ---- broken input ------------------------------------------------------------ */

static void check_unparsed(const uint8_t *p, size_t n, const char *what)
{
	struct x509_cert c;
	uint8_t sha[32];

	/* Something left on the queue by someone else must neither leak into parse_error nor stay. */
	ERR_raise(ERR_LIB_USER, 77);
	CHECK_EQ(x509_cert_parse(p, n, &c), TS_OK);
	CHECK_EQ(ERR_peek_error(), 0);
	CHECK(!c.parsed);
	CHECK(c.parse_error[0] != 0);
	CHECK(strstr(c.parse_error, "reason(77)") == NULL);
	CHECK(c.x509 == NULL && c.subject == NULL && c.serial == NULL);
	CHECK_EQ(c.der_len, n);
	sha256_of(p, n, sha);
	CHECK(memcmp(c.sha256, sha, 32) == 0);
	if (c.parsed)
		fprintf(stderr, "  (%s, %zu bytes)\n", what, n);
	x509_cert_free(&c);
}

static void test_broken(void)
{
	uint8_t garbage[512];
	uint32_t s = 0x12345678;
	size_t len = 0;
	uint8_t *der = data_read("01-tls12-good.0.der", &len), *longer;
	struct x509_cert c, plain;
	uint8_t sha[32];

	check_unparsed(NULL, 0, "empty");
	{
		struct x509_cert e;

		x509_cert_parse(NULL, 0, &e);
		CHECK_STR(e.parse_error, "empty");
		CHECK(e.sha256[0] == 0xe3 && e.sha256[31] == 0x55); /* SHA-256 of nothing */
		x509_cert_free(&e);
	}
	for (size_t i = 0; i < sizeof(garbage); i++) {
		s ^= s << 13, s ^= s >> 17, s ^= s << 5;
		garbage[i] = (uint8_t)s;
	}
	check_unparsed(garbage, sizeof(garbage), "garbage");
	garbage[0] = 0x30; /* a SEQUENCE header, then nonsense */
	garbage[1] = 0x82;
	garbage[2] = 0x01;
	garbage[3] = 0xfc;
	check_unparsed(garbage, sizeof(garbage), "sequence of garbage");
	{
		struct x509_cert e;

		x509_cert_parse(garbage, sizeof(garbage), &e);
		CHECK(strncmp(e.parse_error, "error:", 6) == 0); /* ERR_error_string_n's form */
		x509_cert_free(&e);
	}
	if (!der)
		return;

	/* Every prefix of a real certificate, and the certificate with a byte dropped from the end. */
	for (size_t n = 0; n < len; n++)
		check_unparsed(der, n, "prefix");

	/* Trailing bytes: the certificate still parses; the fingerprints cover every byte given. */
	longer = malloc(len + 3);
	memcpy(longer, der, len);
	memcpy(longer + len, "\x00\x01\x02", 3);
	CHECK_EQ(x509_cert_parse(der, len, &plain), TS_OK);
	CHECK_EQ(x509_cert_parse(longer, len + 3, &c), TS_OK);
	CHECK_EQ(ERR_peek_error(), 0);
	CHECK(c.parsed);
	CHECK_EQ(c.der_len, len + 3);
	CHECK_STR(c.subject, plain.subject);
	CHECK_STR(c.serial, plain.serial);
	CHECK_STR(joined(&c.san_dns), "www.example.test,example.test");
	sha256_of(longer, len + 3, sha);
	CHECK(memcmp(c.sha256, sha, 32) == 0);
	CHECK(memcmp(c.sha256, plain.sha256, 32) != 0);
	x509_cert_free(&c);
	x509_cert_free(&plain);
	free(longer);
	free(der);
}

/* ---- the cache --------------------------------------------------------------- */

/* A distinct, parseable input number `i`: the certificate with a 4-byte trailer. */
static void variant(const uint8_t *der, size_t len, uint32_t i, uint8_t *out)
{
	memcpy(out, der, len);
	memcpy(out + len, &i, 4);
}

static void test_cache(void)
{
	size_t len = 0;
	uint8_t *der = data_read("20-self-signed-leaf.0.der", &len), *buf;
	struct cert_cache *cc;
	const struct cert_cache_stats *st;
	const struct x509_cert *a, *b, *first;
	uint8_t garbage[64];

	if (!der)
		return;
	buf = malloc(len + 4);

	/* The same DER twice: one parse, one hit, the same record. */
	cc = cert_cache_new(0);
	CHECK(cc != NULL);
	st = cert_cache_stats(cc);
	a = cert_cache_get(cc, der, len);
	b = cert_cache_get(cc, der, len);
	CHECK(a != NULL && a == b);
	CHECK(a && a->parsed && a->self_signed);
	CHECK_EQ(st->lookups, 2);
	CHECK_EQ(st->hits, 1);
	CHECK_EQ(st->parsed, 1);
	CHECK_EQ(st->unparsable, 0);
	CHECK_EQ(st->entries, 1);
	memset(garbage, 0xa5, sizeof(garbage));
	a = cert_cache_get(cc, garbage, sizeof(garbage));
	CHECK(a && !a->parsed);
	CHECK(cert_cache_get(cc, garbage, sizeof(garbage)) == a);
	CHECK(cert_cache_get(cc, NULL, 0) != NULL);
	CHECK_EQ(st->unparsable, 2);
	CHECK_EQ(st->hits, 2);

	/* Far past the first table size: records do not move, lookups still hit. */
	first = cert_cache_get(cc, der, len);
	for (uint32_t i = 0; i < 1500; i++) {
		memcpy(garbage, &i, sizeof(i));
		CHECK(cert_cache_get(cc, garbage, sizeof(garbage)) != NULL);
	}
	CHECK_EQ(st->entries, 1503);
	CHECK_EQ(st->evicted, 0);
	CHECK(cert_cache_get(cc, der, len) == first);
	CHECK_STR(first->subject, "CN=www.example.test,O=tlsscope Test PKI");
	for (uint32_t i = 0; i < 1500; i += 100) {
		uint64_t hits = st->hits;

		memcpy(garbage, &i, sizeof(i));
		CHECK(cert_cache_get(cc, garbage, sizeof(garbage)) != NULL);
		CHECK_EQ(st->hits, hits + 1);
	}
	cert_cache_free(cc);

	/* A cap below the minimum is raised to it. */
	cc = cert_cache_new(10);
	st = cert_cache_stats(cc);
	for (uint32_t i = 0; i < CERT_CACHE_MIN_ENTRIES; i++) {
		variant(der, len, i, buf);
		a = cert_cache_get(cc, buf, len + 4);
		CHECK(a && a->parsed && a->der_len == len + 4);
	}
	CHECK_EQ(st->entries, CERT_CACHE_MIN_ENTRIES);
	CHECK_EQ(st->evicted, 0);

	/* Least recently used goes first: touch 0, so 1 is the oldest. */
	variant(der, len, 0, buf);
	first = cert_cache_get(cc, buf, len + 4);
	CHECK_EQ(st->hits, 1);
	variant(der, len, 1000, buf);
	cert_cache_get(cc, buf, len + 4);
	CHECK_EQ(st->evicted, 1);
	CHECK_EQ(st->entries, CERT_CACHE_MIN_ENTRIES);
	variant(der, len, 0, buf);
	CHECK(cert_cache_get(cc, buf, len + 4) == first); /* 0 survived */
	CHECK_EQ(st->hits, 2);
	variant(der, len, 1, buf);
	cert_cache_get(cc, buf, len + 4); /* 1 did not: parsed again, evicting 2 */
	CHECK_EQ(st->hits, 2);
	CHECK_EQ(st->parsed, CERT_CACHE_MIN_ENTRIES + 2);
	CHECK_EQ(st->evicted, 2);
	variant(der, len, 3, buf);
	cert_cache_get(cc, buf, len + 4); /* 3 is still there */
	CHECK_EQ(st->hits, 3);

	/*
	 * A long run of new certificates: after each one, the 64 before it
	 * (two full Certificate messages) are all still cached.
	 */
	for (uint32_t i = 2000; i < 2400; i++) {
		uint64_t parsed;

		variant(der, len, i, buf);
		CHECK(cert_cache_get(cc, buf, len + 4) != NULL);
		CHECK(st->entries <= CERT_CACHE_MIN_ENTRIES);
		if (i % 50 != 0 || i < 2064)
			continue;
		parsed = st->parsed;
		for (uint32_t j = i - 63; j <= i; j++) {
			variant(der, len, j, buf);
			CHECK(cert_cache_get(cc, buf, len + 4) != NULL);
		}
		CHECK_EQ(st->parsed, parsed);
	}
	CHECK_EQ(st->entries, CERT_CACHE_MIN_ENTRIES);
	CHECK_EQ(st->evicted, st->parsed - CERT_CACHE_MIN_ENTRIES);
	CHECK_EQ(st->lookups, st->hits + st->parsed);
	variant(der, len, 0, buf);
	cert_cache_get(cc, buf, len + 4);
	CHECK_EQ(st->parsed, CERT_CACHE_MIN_ENTRIES + 2 + 400 + 1); /* 0 was evicted long ago */
	cert_cache_free(cc);
	cert_cache_free(NULL);

	free(buf);
	free(der);
}

int main(void)
{
	test_san_every_type();
	test_names();
	test_names_with_nul();
	test_validity();
	test_keys_and_signatures();
	test_extensions();
	test_self_signed();
	test_real_certs();
	test_broken();
	test_cache();
	return check_report("test_x509_cert");
}
