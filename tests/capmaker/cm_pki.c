/*
 * cm_pki.c - the test PKI: every key and certificate any scenario sends,
 * made with libcrypto from the deterministic generator.  The table below is
 * the whole design: "tlsscope Test Root CA" (P-256) -> "tlsscope Test Issuing
 * CA" (RSA-2048, so a SHA-1 leaf can be sha1WithRSAEncryption as in the wild)
 * -> the leaves, plus the deliberately broken ones and two foreign
 * hierarchies.  All of it is made at start, whichever captures are asked
 * for, so a capture's bytes never depend on the selection; serials are
 * hashes of the table entry, validity is relative to CM_EPOCH.
 */
#include "capmaker.h"

#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

enum key_type { KEY_P256, KEY_RSA1024, KEY_RSA2048, KEY_RSA4096 };

struct cert_def {
	const char *org, *cn;
	enum key_type key;
	enum cm_cert_id issuer; /* CM_CERT_NONE: self-signed */
	const char *bc, *ku, *eku, *san, *aia;
	int not_before, not_after; /* days relative to CM_EPOCH */
	bool sha1;
};

#define ORG "tlsscope Test PKI"
#define CA_BC "critical,CA:TRUE"
#define CA_KU "critical,keyCertSign,cRLSign"
#define LEAF_BC "critical,CA:FALSE"
#define LEAF_KU_EC "critical,digitalSignature"
#define LEAF_KU_RSA "critical,digitalSignature,keyEncipherment"
#define WWW_SAN "DNS:www.example.test,DNS:example.test"
/* What public CAs put in leaves, and what the missing-intermediate case
 * needs to be diagnosable: where the issuer can be fetched. */
#define LEAF_AIA "caIssuers;URI:http://ca.example.test/issuing.crt"

/* A leaf: its fields in table order.  The common case, a leaf of the
 * Issuing CA valid from 30 days before to 60 days after the capture start,
 * is LEAF_EC/LEAF_RSA; odd ones spell everything out. */
#define LEAFX(org_, cn_, key_, issuer_, bc_, ku_, eku_, san_, aia_, nb_, na_)                                \
	.org = (org_), .cn = (cn_), .key = (key_), .issuer = (issuer_), .bc = (bc_), .ku = (ku_),            \
	.eku = (eku_), .san = (san_), .aia = (aia_), .not_before = (nb_), .not_after = (na_)
#define LEAF_EC(cn_, san_)                                                                                   \
	LEAFX(ORG, cn_, KEY_P256, CM_ISSUING, LEAF_BC, LEAF_KU_EC, "serverAuth", san_, LEAF_AIA, -30, 60)
#define LEAF_RSA(cn_, key_, san_)                                                                            \
	LEAFX(ORG, cn_, key_, CM_ISSUING, LEAF_BC, LEAF_KU_RSA, "serverAuth", san_, LEAF_AIA, -30, 60)
#define WWW "www.example.test"

static const struct cert_def defs[CM_CERT_COUNT] = {
    [CM_ROOT] = {.org = ORG,
                 .cn = "tlsscope Test Root CA",
                 .key = KEY_P256,
                 .bc = CA_BC,
                 .ku = CA_KU,
                 .not_before = -3 * 365,
                 .not_after = 20 * 365},
    [CM_ISSUING] = {.org = ORG,
                    .cn = "tlsscope Test Issuing CA",
                    .key = KEY_RSA2048,
                    .issuer = CM_ROOT,
                    .bc = "critical,CA:TRUE,pathlen:0",
                    .ku = "critical,digitalSignature,keyCertSign,cRLSign",
                    .eku = "serverAuth,clientAuth",
                    .aia = "caIssuers;URI:http://ca.example.test/root.crt",
                    .not_before = -2 * 365,
                    .not_after = 8 * 365},
    [CM_LEAF_WWW] = {LEAF_EC(WWW, WWW_SAN)},
    [CM_LEAF_API] = {LEAF_EC("api.example.test", "DNS:api.example.test")},
    [CM_LEAF_CDN] = {LEAF_EC("cdn.example.test", "DNS:cdn.example.test")},
    [CM_POLICY_CA] = {.org = ORG,
                      .cn = "tlsscope Test Policy CA",
                      .key = KEY_P256,
                      .issuer = CM_ROOT,
                      .bc = "critical,CA:TRUE,pathlen:1",
                      .ku = CA_KU,
                      .aia = "caIssuers;URI:http://ca.example.test/root.crt",
                      .not_before = -2 * 365,
                      .not_after = 8 * 365},
    [CM_ISSUING2] = {.org = ORG,
                     .cn = "tlsscope Test Issuing CA 2",
                     .key = KEY_P256,
                     .issuer = CM_POLICY_CA,
                     .bc = "critical,CA:TRUE,pathlen:0",
                     .ku = CA_KU,
                     .eku = "serverAuth",
                     .aia = "caIssuers;URI:http://ca.example.test/policy.crt",
                     .not_before = -2 * 365,
                     .not_after = 8 * 365},
    /* Many SANs and a 4096-bit key: a Certificate message that needs many
     * small segments. */
    [CM_LEAF_LONG] = {LEAFX(ORG, WWW, KEY_RSA4096, CM_ISSUING2, LEAF_BC, LEAF_KU_RSA, "serverAuth",
                            WWW_SAN ",DNS:static.example.test,DNS:images.example.test,"
                                    "DNS:login.example.test,DNS:mail.example.test",
                            "caIssuers;URI:http://ca.example.test/issuing2.crt", -30, 60)},
    [CM_LEAF_SELFSIGNED] = {LEAFX(ORG, WWW, KEY_P256, CM_CERT_NONE, LEAF_BC, LEAF_KU_EC, "serverAuth",
                                  WWW_SAN, NULL, -30, 60)},
    [CM_LEAF_WILDCARD] = {LEAF_EC("*.example.test", "DNS:*.example.test,DNS:example.test")},
    [CM_LEAF_IPSAN] = {LEAF_EC(WWW, "DNS:www.example.test,IP:10.0.0.2")},
    [CM_LEAF_CNONLY] = {LEAF_EC(WWW, NULL)},
    [CM_OTHER_ROOT] = {.org = "tlsscope Other PKI",
                       .cn = "tlsscope Other Root CA",
                       .key = KEY_P256,
                       .bc = CA_BC,
                       .ku = CA_KU,
                       .not_before = -365,
                       .not_after = 10 * 365},
    [CM_UNKNOWN_ROOT] = {.org = "tlsscope Unknown PKI",
                         .cn = "tlsscope Unknown Root CA",
                         .key = KEY_P256,
                         .bc = CA_BC,
                         .ku = CA_KU,
                         .not_before = -365,
                         .not_after = 10 * 365},
    [CM_UNKNOWN_ISSUING] = {.org = "tlsscope Unknown PKI",
                            .cn = "tlsscope Unknown Issuing CA",
                            .key = KEY_P256,
                            .issuer = CM_UNKNOWN_ROOT,
                            .bc = "critical,CA:TRUE,pathlen:0",
                            .ku = CA_KU,
                            .not_before = -365,
                            .not_after = 5 * 365},
    [CM_LEAF_UNKNOWN] = {LEAFX(ORG, WWW, KEY_P256, CM_UNKNOWN_ISSUING, LEAF_BC, LEAF_KU_EC, "serverAuth",
                               WWW_SAN, "caIssuers;URI:http://pki.unknown.test/issuing.crt", -30, 60)},
    [CM_LEAF_EXPIRED] = {LEAFX(ORG, WWW, KEY_P256, CM_ISSUING, LEAF_BC, LEAF_KU_EC, "serverAuth", WWW_SAN,
                               LEAF_AIA, -100, -10)},
    [CM_LEAF_NOTYET] = {LEAFX(ORG, WWW, KEY_P256, CM_ISSUING, LEAF_BC, LEAF_KU_EC, "serverAuth", WWW_SAN,
                              LEAF_AIA, 5, 95)},
    [CM_LEAF_UNRELATED] = {LEAFX("tlsscope Other PKI", "unrelated.example.test", KEY_P256, CM_OTHER_ROOT,
                                 LEAF_BC, LEAF_KU_EC, "serverAuth", "DNS:unrelated.example.test", NULL, -30,
                                 60)},
    [CM_LEAF_SHA1] = {LEAF_EC(WWW, WWW_SAN), .sha1 = true},
    [CM_LEAF_RSA1024] = {LEAF_RSA(WWW, KEY_RSA1024, WWW_SAN)},
    [CM_LEAF_CLIENTAUTH] = {LEAFX(ORG, WWW, KEY_P256, CM_ISSUING, LEAF_BC, LEAF_KU_EC, "clientAuth", WWW_SAN,
                                  LEAF_AIA, -30, 60)},
    [CM_LEAF_CA] = {LEAFX(ORG, WWW, KEY_P256, CM_ISSUING, "critical,CA:TRUE",
                          "critical,digitalSignature,keyCertSign,cRLSign", "serverAuth", WWW_SAN, LEAF_AIA,
                          -30, 60)},
    [CM_LEAF_RSA2048] = {LEAF_RSA(WWW, KEY_RSA2048, WWW_SAN)},
    /* Valid at the capture, but due for renewal (expiry-soon). */
    [CM_LEAF_EXPIRING] = {LEAFX(ORG, WWW, KEY_P256, CM_ISSUING, LEAF_BC, LEAF_KU_EC, "serverAuth", WWW_SAN,
                                LEAF_AIA, -78, 12)},
    [CM_ISSUING_SHORT] = {.org = ORG,
                          .cn = "tlsscope Test Issuing CA 2025",
                          .key = KEY_P256,
                          .issuer = CM_ROOT,
                          .bc = "critical,CA:TRUE,pathlen:0",
                          .ku = CA_KU,
                          .aia = "caIssuers;URI:http://ca.example.test/root.crt",
                          .not_before = -345,
                          .not_after = 20},
    [CM_LEAF_UNDER_SHORT] = {LEAFX(ORG, WWW, KEY_P256, CM_ISSUING_SHORT, LEAF_BC, LEAF_KU_EC, "serverAuth",
                                   WWW_SAN, "caIssuers;URI:http://ca.example.test/issuing2025.crt", -30, 60)},
};

static EVP_PKEY *new_key(enum key_type t)
{
	EVP_PKEY *k = NULL;
	switch (t) {
	case KEY_P256:
		k = EVP_EC_gen("P-256");
		break;
	case KEY_RSA1024:
		k = EVP_RSA_gen(1024);
		break;
	case KEY_RSA2048:
		k = EVP_RSA_gen(2048);
		break;
	case KEY_RSA4096:
		k = EVP_RSA_gen(4096);
		break;
	}
	if (!k)
		cm_die("key generation failed");
	return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX c;
	X509_EXTENSION *e;

	if (!value)
		return;
	X509V3_set_ctx(&c, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_nconf_nid(NULL, &c, nid, value);
	if (!e || !X509_add_ext(x, e, -1))
		cm_die("certificate extension %s=%s", OBJ_nid2sn(nid), value);
	X509_EXTENSION_free(e);
}

/* 16 bytes like a public CA's serial, but a function of the certificate's
 * place in the table so it never changes. */
static void set_serial(X509 *x, enum cm_cert_id id)
{
	unsigned char md[32];
	unsigned len = 0;
	char label[128];
	BIGNUM *bn;

	snprintf(label, sizeof label, "capmaker serial %d %s", (int)id, defs[id].cn);
	if (!EVP_Digest(label, strlen(label), md, &len, EVP_sha256(), NULL))
		cm_die("serial digest");
	md[0] = (unsigned char)((md[0] & 0x3f) | 0x10); /* positive, 16 bytes in DER */
	bn = BN_bin2bn(md, 16, NULL);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
		cm_die("serial");
	BN_free(bn);
}

static void set_name(X509_NAME *n, const char *org, const char *cn)
{
	if (!X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)org, -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0))
		cm_die("certificate name");
}

static X509 *make_cert(struct cm_pki *pki, enum cm_cert_id id)
{
	const struct cert_def *d = &defs[id];
	X509 *x = X509_new();
	X509 *issuer;
	EVP_PKEY *ikey;

	if (!x)
		cm_die("X509_new");
	if (d->issuer != CM_CERT_NONE && !pki->cert[d->issuer])
		cm_die("certificate %d listed before its issuer", (int)id);
	X509_set_version(x, X509_VERSION_3);
	set_serial(x, id);
	if (!ASN1_TIME_set(X509_getm_notBefore(x), (time_t)(CM_EPOCH + d->not_before * CM_DAY)) ||
	    !ASN1_TIME_set(X509_getm_notAfter(x), (time_t)(CM_EPOCH + d->not_after * CM_DAY)))
		cm_die("validity");
	set_name(X509_get_subject_name(x), d->org, d->cn);
	if (!X509_set_pubkey(x, pki->key[id]))
		cm_die("X509_set_pubkey");

	issuer = d->issuer == CM_CERT_NONE ? x : pki->cert[d->issuer];
	ikey = d->issuer == CM_CERT_NONE ? pki->key[id] : pki->key[d->issuer];
	if (!X509_set_issuer_name(x, X509_get_subject_name(issuer)))
		cm_die("issuer name");

	add_ext(x, issuer, NID_basic_constraints, d->bc);
	add_ext(x, issuer, NID_key_usage, d->ku);
	add_ext(x, issuer, NID_ext_key_usage, d->eku);
	add_ext(x, issuer, NID_subject_key_identifier, "hash");
	/* Self-signed certificates carry no AKI, as most roots do not. */
	if (d->issuer != CM_CERT_NONE)
		add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
	add_ext(x, issuer, NID_subject_alt_name, d->san);
	add_ext(x, issuer, NID_info_access, d->aia);

	if (!X509_sign(x, ikey, d->sha1 ? EVP_sha1() : EVP_sha256()))
		cm_die("signing %s", d->cn);
	return x;
}

void cm_pki_make(struct cm_pki *pki)
{
	memset(pki, 0, sizeof *pki);
	for (int id = CM_CERT_NONE + 1; id < CM_CERT_COUNT; id++) {
		pki->key[id] = new_key(defs[id].key);
		pki->cert[id] = make_cert(pki, (enum cm_cert_id)id);
	}
}

void cm_pki_free(struct cm_pki *pki)
{
	for (int id = 0; id < CM_CERT_COUNT; id++) {
		X509_free(pki->cert[id]);
		EVP_PKEY_free(pki->key[id]);
	}
	memset(pki, 0, sizeof *pki);
}

void cm_pki_write_pem(const struct cm_pki *pki, enum cm_cert_id id, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f || !PEM_write_X509(f, pki->cert[id]) || fclose(f) != 0)
		cm_die("cannot write %s", path);
}
