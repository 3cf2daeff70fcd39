/*
 * x509_cert.c - one X.509 certificate read with OpenSSL libcrypto into the
 * plain struct x509_cert that the rest of tlsscope uses.
 *
 * Owns every call into libcrypto's X.509 decoding. d2i_X509 does the
 * parsing; everything after it only reads the decoded structure, so a
 * certificate libcrypto accepts always comes out parsed, whatever its
 * extensions hold. Extensions are decoded here one by one rather than read
 * from libcrypto's extension cache (X509_get_key_usage and friends): that
 * cache gives up on the whole certificate when any one extension is bad
 * (EXFLAG_INVALID), and filling it costs an implicitly fetched SHA-1 of the
 * certificate per call.
 *
 * Names and SAN strings are copied as bytes. A string holding a NUL is left
 * out and counted (dropped_names): as a C string it would read as a shorter,
 * different and possibly valid name.
 *
 * The thread's OpenSSL error queue is cleared on the way in and out: errors
 * are reported in parse_error, never left for an unrelated caller to find.
 */
#include "x509_cert.h"

#include <arpa/inet.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "rd.h"
#include "ts_limits.h"

/* ---- digests ------------------------------------------------------------ */

/*
 * Fetched once per process: EVP_sha256() makes EVP_Digest fetch the
 * implementation again on every call, which costs more than hashing a
 * certificate. Never freed; they live as long as the library context.
 */
static EVP_MD *md_sha256, *md_sha1;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void md_fetch(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
}

static bool digest(const uint8_t *p, size_t n, const EVP_MD *md, const EVP_MD *fallback, uint8_t *out,
                   unsigned int want)
{
	unsigned int got = 0;

	/* A failed fetch (odd provider set-up) still gives correct digests, only slower. */
	if (!EVP_Digest(p, n, out, &got, md ? md : fallback, NULL) || got != want)
		return false;
	return true;
}

/* ---- small helpers ------------------------------------------------------ */

static char *hex_upper(const uint8_t *p, size_t n, const char *prefix)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t pl = strlen(prefix);
	char *s = malloc(pl + 2 * n + 1);

	if (!s)
		return NULL;
	memcpy(s, prefix, pl);
	for (size_t i = 0; i < n; i++) {
		s[pl + 2 * i] = hex[p[i] >> 4];
		s[pl + 2 * i + 1] = hex[p[i] & 15];
	}
	s[pl + 2 * n] = 0;
	return s;
}

static char *bytes_dup(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		return NULL;
	if (n)
		memcpy(s, p, n);
	s[n] = 0;
	return s;
}

/* Copy into a fixed field, cut to fit (the fields are sized for every name libcrypto knows). */
static void str_set(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = 0;
}

/*
 * Lists grow by doubling without a capacity field: the capacity is implied
 * by the count (4, then the next power of two), so a SAN list of any length
 * costs linear time.
 */
static bool list_grow(void **v, size_t count, size_t size)
{
	size_t cap;
	void *nv;

	if (count != 0 && (count < 4 || (count & (count - 1)) != 0))
		return true;
	cap = count == 0 ? 4 : count * 2;
	if (cap > SIZE_MAX / size)
		return false;
	nv = realloc(*v, cap * size);
	if (!nv)
		return false;
	*v = nv;
	return true;
}

static bool strings_take(struct x509_strings *l, char *s)
{
	void *v = l->v;

	if (!s || !list_grow(&v, l->count, sizeof(*l->v))) {
		free(s);
		return false;
	}
	l->v = v;
	l->v[l->count++] = s;
	return true;
}

static void strings_free(struct x509_strings *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->count = 0;
}

/*
 * An IA5String from a GeneralName (dNSName, rfc822Name, URI), kept as its
 * exact bytes; one with a NUL inside is dropped and counted. False only
 * when out of memory.
 */
static bool ia5_push(struct x509_cert *c, struct x509_strings *l, const ASN1_STRING *s)
{
	const uint8_t *p = ASN1_STRING_get0_data(s);
	int n = ASN1_STRING_length(s);

	if (n < 0 || (n > 0 && memchr(p, 0, (size_t)n))) {
		c->dropped_names++;
		return true;
	}
	return strings_take(l, bytes_dup(p, (size_t)n));
}

/*
 * A directory string as UTF-8 (ASN1_STRING_to_UTF8 converts BMPString,
 * UniversalString, T61String and the rest), or NULL with *nomem false when
 * it cannot be converted or holds a NUL.
 */
static char *dirstring_utf8(const ASN1_STRING *s, bool *nomem)
{
	unsigned char *u = NULL;
	int n = ASN1_STRING_to_UTF8(&u, s);
	char *r = NULL;

	*nomem = false;
	if (n < 0)
		return NULL;
	if (n == 0 || !memchr(u, 0, (size_t)n)) {
		r = bytes_dup(u, (size_t)n);
		*nomem = r == NULL;
	}
	OPENSSL_free(u);
	return r;
}

/* ---- names -------------------------------------------------------------- */

/*
 * RFC 4514 text. ESC_MSB is dropped from the RFC 2253 flags so UTF-8 stays
 * UTF-8 instead of becoming \C3\BC; outputs escape for their medium. Should
 * libcrypto fail to print a value as text, the whole name comes out in the
 * RFC 4514 "#hex" form instead (3.0 already refuses, in d2i_X509, names it
 * cannot convert to UTF-8, so this is a guard rather than a path).
 */
#define NAME_FLAGS (XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB)
#define NAME_FLAGS_HEX ((XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) | ASN1_STRFLGS_DUMP_ALL)

static char *name_text(BIO *b, const X509_NAME *nm)
{
	char *p = NULL;
	long n;

	(void)BIO_reset(b);
	if (X509_NAME_print_ex(b, nm, 0, NAME_FLAGS) < 0) {
		(void)BIO_reset(b);
		if (X509_NAME_print_ex(b, nm, 0, NAME_FLAGS_HEX) < 0)
			(void)BIO_reset(b);
	}
	n = BIO_get_mem_data(b, &p);
	if (n < 0)
		n = 0;
	/* Control bytes (NUL included) are escaped as \XX by ESC_CTRL, so this is a C string. */
	return bytes_dup((const uint8_t *)p, (size_t)n);
}

static bool names_read(struct x509_cert *c, X509 *x)
{
	const X509_NAME *subj = X509_get_subject_name(x), *iss = X509_get_issuer_name(x);
	BIO *b = BIO_new(BIO_s_mem());
	int idx, last = -1;
	bool nomem = false;

	if (!b)
		return false;
	c->subject = name_text(b, subj);
	c->issuer = name_text(b, iss);
	BIO_free(b);
	if (!c->subject || !c->issuer)
		return false;

	for (idx = -1; (idx = X509_NAME_get_index_by_NID(subj, NID_commonName, idx)) >= 0;) {
		char *s = dirstring_utf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx)), &nomem);

		if (nomem)
			return false;
		if (!s)
			c->dropped_names++;
		else if (!strings_take(&c->subject_cn, s))
			return false;
	}

	for (idx = -1; (idx = X509_NAME_get_index_by_NID(iss, NID_commonName, idx)) >= 0;)
		last = idx;
	if (last >= 0) {
		/* For display only; an unconvertible issuer CN is just absent. */
		c->issuer_cn =
		    dirstring_utf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(iss, last)), &nomem);
		if (nomem)
			return false;
	}
	return true;
}

/* ---- subjectAltName (RFC 5280 4.2.1.6) ---------------------------------- */

static bool san_ip_push(struct x509_cert *c, const ASN1_OCTET_STRING *o)
{
	const uint8_t *p = ASN1_STRING_get0_data(o);
	int n = ASN1_STRING_length(o);
	struct x509_ip *ip;
	void *v = c->san_ip;

	if (!list_grow(&v, c->san_ip_count, sizeof(*c->san_ip)))
		return false;
	c->san_ip = v;
	ip = &c->san_ip[c->san_ip_count++];
	memset(ip, 0, sizeof(*ip));
	/* Any other length is malformed (8 and 32 belong to name constraints): kept as len 0, text "". */
	if (n == 4 || n == 16) {
		memcpy(ip->addr, p, (size_t)n);
		ip->len = (uint8_t)n;
		if (!inet_ntop(n == 4 ? AF_INET : AF_INET6, ip->addr, ip->text, sizeof(ip->text)))
			ip->text[0] = 0;
	}
	return true;
}

/*
 * Every subjectAltName extension, not only the first: a certificate with
 * two is invalid, but what a lenient client might match must be visible.
 */
static bool san_read(struct x509_cert *c, X509 *x)
{
	int idx;

	for (idx = -1; (idx = X509_get_ext_by_NID(x, NID_subject_alt_name, idx)) >= 0;) {
		GENERAL_NAMES *gens = X509V3_EXT_d2i(X509_get_ext(x, idx));
		bool ok = true;

		c->has_san = true;
		if (!gens)
			continue;
		for (int i = 0; ok && i < sk_GENERAL_NAME_num(gens); i++) {
			const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

			switch (g->type) {
			case GEN_DNS:
				ok = ia5_push(c, &c->san_dns, g->d.dNSName);
				break;
			case GEN_EMAIL:
				ok = ia5_push(c, &c->san_email, g->d.rfc822Name);
				break;
			case GEN_URI:
				ok = ia5_push(c, &c->san_uri, g->d.uniformResourceIdentifier);
				break;
			case GEN_IPADD:
				ok = san_ip_push(c, g->d.iPAddress);
				break;
			default:
				/* otherName, directoryName, registeredID: no client matches hosts on them. */
				break;
			}
		}
		GENERAL_NAMES_free(gens);
		if (!ok)
			return false;
	}
	return true;
}

/* ---- validity ----------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * Unix seconds of a UTCTime or GeneralizedTime. Plain arithmetic rather
 * than timegm: no dependence on the width of time_t for dates past 2038.
 * An unreadable time gives 0, so an unreadable notAfter looks expired.
 */
static int64_t time_read(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400 +
	       tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

const char *x509_time_format(int64_t t, char *buf, size_t len)
{
	int64_t days, secs, z, era, doe, yoe, y, doy, mp, d, m;

	if (!buf || len == 0)
		return "";
	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	/* H. Hinnant's civil_from_days. */
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	snprintf(buf, len, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", (long long)y, (long long)m,
	         (long long)d, (long long)(secs / 3600), (long long)(secs / 60 % 60), (long long)(secs % 60));
	return buf;
}

/* ---- key and signature algorithm ---------------------------------------- */

struct nid_name {
	int nid;
	const char *name;
};

/* clang-format off */
/* Key types by algorithm NID, spelled as people write them (OpenSSL's short names are not). */
static const struct nid_name key_names[] = {
	{ NID_rsaEncryption, "RSA" },   { NID_rsassaPss, "RSA-PSS" },  { NID_dsa, "DSA" },
	{ NID_X9_62_id_ecPublicKey, "EC" }, { NID_ED25519, "Ed25519" }, { NID_ED448, "Ed448" },
	{ NID_X25519, "X25519" },       { NID_X448, "X448" },          { NID_dhKeyAgreement, "DH" },
	{ NID_dhpublicnumber, "DHX" },  { NID_sm2, "SM2" },            { 0, NULL },
};
/* clang-format on */

/* clang-format off */
/*
 * Post-quantum algorithms OpenSSL 3.0 has no object for (FIPS 204, 205,
 * 203; NIST CSOR OIDs), named as OpenSSL 3.5 names them. The same OID
 * names the key and the signature algorithm.
 */
static const struct {
	const char *oid;
	const char *name;
} pq_names[] = {
	{ "2.16.840.1.101.3.4.3.17", "ML-DSA-44" },
	{ "2.16.840.1.101.3.4.3.18", "ML-DSA-65" },
	{ "2.16.840.1.101.3.4.3.19", "ML-DSA-87" },
	{ "2.16.840.1.101.3.4.3.20", "SLH-DSA-SHA2-128s" },
	{ "2.16.840.1.101.3.4.3.21", "SLH-DSA-SHA2-128f" },
	{ "2.16.840.1.101.3.4.3.22", "SLH-DSA-SHA2-192s" },
	{ "2.16.840.1.101.3.4.3.23", "SLH-DSA-SHA2-192f" },
	{ "2.16.840.1.101.3.4.3.24", "SLH-DSA-SHA2-256s" },
	{ "2.16.840.1.101.3.4.3.25", "SLH-DSA-SHA2-256f" },
	{ "2.16.840.1.101.3.4.3.26", "SLH-DSA-SHAKE-128s" },
	{ "2.16.840.1.101.3.4.3.27", "SLH-DSA-SHAKE-128f" },
	{ "2.16.840.1.101.3.4.3.28", "SLH-DSA-SHAKE-192s" },
	{ "2.16.840.1.101.3.4.3.29", "SLH-DSA-SHAKE-192f" },
	{ "2.16.840.1.101.3.4.3.30", "SLH-DSA-SHAKE-256s" },
	{ "2.16.840.1.101.3.4.3.31", "SLH-DSA-SHAKE-256f" },
	{ "2.16.840.1.101.3.4.4.1", "ML-KEM-512" },
	{ "2.16.840.1.101.3.4.4.2", "ML-KEM-768" },
	{ "2.16.840.1.101.3.4.4.3", "ML-KEM-1024" },
};
/* clang-format on */

static const char *nid_lookup(const struct nid_name *t, int nid)
{
	for (; t->name; t++)
		if (t->nid == nid)
			return t->name;
	return NULL;
}

/*
 * An algorithm OID as text into buf: the post-quantum name, else OpenSSL's
 * long name when `long_name` (short name otherwise), else the dotted OID.
 */
static void oid_text(const ASN1_OBJECT *obj, bool long_name, char *buf, size_t len)
{
	char dotted[80];
	int nid = OBJ_obj2nid(obj);

	buf[0] = 0;
	if (!obj)
		return;
	if (nid != NID_undef) {
		str_set(buf, len, long_name ? OBJ_nid2ln(nid) : OBJ_nid2sn(nid));
		return;
	}
	if (OBJ_obj2txt(dotted, sizeof(dotted), obj, 1) <= 0)
		return;
	for (size_t i = 0; i < sizeof(pq_names) / sizeof(pq_names[0]); i++) {
		if (strcmp(dotted, pq_names[i].oid) == 0) {
			str_set(buf, len, pq_names[i].name);
			return;
		}
	}
	str_set(buf, len, dotted);
}

static void key_read(struct x509_cert *c, X509 *x, EVP_PKEY *pk)
{
	const char *name;

	if (!pk) {
		/*
		 * libcrypto could not decode the key (an algorithm it does
		 * not know, such as ML-DSA in 3.0, or broken key bytes): name
		 * it from the SubjectPublicKeyInfo algorithm OID.
		 */
		ASN1_OBJECT *alg = NULL;

		X509_PUBKEY_get0_param(&alg, NULL, NULL, NULL, X509_get_X509_PUBKEY(x));
		name = nid_lookup(key_names, OBJ_obj2nid(alg));
		if (name)
			str_set(c->key_type, sizeof(c->key_type), name);
		else
			oid_text(alg, false, c->key_type, sizeof(c->key_type));
		return;
	}

	name = nid_lookup(key_names, EVP_PKEY_get_base_id(pk));
	if (!name)
		name = EVP_PKEY_get0_type_name(pk);
	str_set(c->key_type, sizeof(c->key_type), name ? name : "unknown");
	c->key_bits = EVP_PKEY_get_bits(pk);
	if (c->key_bits < 0)
		c->key_bits = 0;
	if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC || EVP_PKEY_get_base_id(pk) == EVP_PKEY_SM2) {
		if (!EVP_PKEY_get_group_name(pk, c->key_curve, sizeof(c->key_curve), NULL))
			str_set(c->key_curve, sizeof(c->key_curve),
			        "explicit"); /* curve given by its parameters */
	}
}

static bool md_is_weak(int md)
{
	return md == NID_md2 || md == NID_md4 || md == NID_md5 || md == NID_md5_sha1 || md == NID_sha1;
}

static void signature_read(struct x509_cert *c, X509 *x)
{
	const X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *obj = NULL;
	int md = NID_undef, pk = NID_undef;

	X509_get0_signature(NULL, &alg, x);
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	oid_text(obj, true, c->signature_algorithm, sizeof(c->signature_algorithm));

	/*
	 * The OID names the hash for all but RSA-PSS (hash in the parameters)
	 * and EdDSA (none); only those pay for X509_get_signature_info,
	 * which fills libcrypto's extension cache.
	 */
	if (!OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, &pk) || md == NID_undef) {
		md = NID_undef;
		if (!X509_get_signature_info(x, &md, NULL, NULL, NULL))
			md = NID_undef;
	}
	c->weak_signature_hash = md_is_weak(md);
}

/* ---- extensions (RFC 5280 4.2.1) ---------------------------------------- */

/* The first extension with this NID, decoded; *present says whether there is one. */
static void *ext_first(X509 *x, int nid, bool *present)
{
	int idx = X509_get_ext_by_NID(x, nid, -1);

	*present = idx >= 0;
	return idx >= 0 ? X509V3_EXT_d2i(X509_get_ext(x, idx)) : NULL;
}

static void basic_constraints_read(struct x509_cert *c, X509 *x)
{
	BASIC_CONSTRAINTS *bc = ext_first(x, NID_basic_constraints, &c->has_basic_constraints);
	int64_t v;

	c->path_len = -1;
	if (!bc)
		return;
	c->is_ca = bc->ca != 0;
	if (bc->pathlen) {
		/* A negative pathLenConstraint is invalid; OpenSSL then allows no CA below (0). */
		if (!ASN1_INTEGER_get_int64(&v, bc->pathlen) || v > INT_MAX)
			v = INT_MAX;
		c->path_len = v < 0 ? 0 : (int)v;
	}
	BASIC_CONSTRAINTS_free(bc);
}

static void key_usage_read(struct x509_cert *c, X509 *x)
{
	/* KeyUsage ::= BIT STRING { digitalSignature (0), ..., decipherOnly (8) }: X509_KU_* is bit n. */
	ASN1_BIT_STRING *ku = ext_first(x, NID_key_usage, &c->has_key_usage);

	if (!ku)
		return;
	for (int i = 0; i <= 8; i++)
		if (ASN1_BIT_STRING_get_bit(ku, i))
			c->key_usage |= 1u << i;
	ASN1_BIT_STRING_free(ku);
}

static bool eku_read(struct x509_cert *c, X509 *x)
{
	EXTENDED_KEY_USAGE *eku = ext_first(x, NID_ext_key_usage, &c->has_eku);
	bool ok = true;

	if (!eku)
		return true;
	for (int i = 0; ok && i < sk_ASN1_OBJECT_num(eku); i++) {
		const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);
		int nid = OBJ_obj2nid(o);
		char buf[128];
		int n;

		c->eku_server_auth |= nid == NID_server_auth;
		c->eku_client_auth |= nid == NID_client_auth;
		c->eku_any |= nid == NID_anyExtendedKeyUsage;
		if (nid != NID_undef)
			str_set(buf, sizeof(buf), OBJ_nid2sn(nid));
		else if ((n = OBJ_obj2txt(buf, sizeof(buf), o, 1)) <= 0 || (size_t)n >= sizeof(buf))
			str_set(buf, sizeof(buf), "invalid-oid"); /* unprintable, or too long to keep whole */
		ok = strings_take(&c->eku, bytes_dup((const uint8_t *)buf, strlen(buf)));
	}
	EXTENDED_KEY_USAGE_free(eku);
	return ok;
}

static bool aia_read(struct x509_cert *c, X509 *x)
{
	bool present;
	AUTHORITY_INFO_ACCESS *aia = ext_first(x, NID_info_access, &present);
	bool ok = true;

	if (!aia)
		return true;
	for (int i = 0; ok && i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
		const ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
		int nid = OBJ_obj2nid(ad->method);

		if (ad->location->type != GEN_URI)
			continue;
		if (nid == NID_ad_ca_issuers)
			ok = ia5_push(c, &c->aia_ca_issuers, ad->location->d.uniformResourceIdentifier);
		else if (nid == NID_ad_OCSP)
			ok = ia5_push(c, &c->aia_ocsp, ad->location->d.uniformResourceIdentifier);
	}
	AUTHORITY_INFO_ACCESS_free(aia);
	return ok;
}

static bool key_ids_read(struct x509_cert *c, X509 *x)
{
	bool present;
	ASN1_OCTET_STRING *ski = ext_first(x, NID_subject_key_identifier, &present);
	AUTHORITY_KEYID *aki = ext_first(x, NID_authority_key_identifier, &present);
	bool ok = true;

	if (ski) {
		c->ski = hex_upper(ASN1_STRING_get0_data(ski), (size_t)ASN1_STRING_length(ski), "");
		ok = c->ski != NULL;
	}
	if (aki && aki->keyid) {
		c->aki =
		    hex_upper(ASN1_STRING_get0_data(aki->keyid), (size_t)ASN1_STRING_length(aki->keyid), "");
		ok = ok && c->aki != NULL;
	}
	ASN1_OCTET_STRING_free(ski);
	AUTHORITY_KEYID_free(aki);
	return ok;
}

/* ---- the certificate ---------------------------------------------------- */

/* Upper-case hex of the INTEGER's magnitude, "-" if negative: what `openssl x509 -serial` prints. */
static char *serial_text(const ASN1_INTEGER *sn)
{
	static const uint8_t zero;
	const uint8_t *p = ASN1_STRING_get0_data(sn);
	int n = ASN1_STRING_length(sn);
	const char *sign = ASN1_STRING_type(sn) == V_ASN1_NEG_INTEGER ? "-" : "";

	/* libcrypto keeps zero as one 0x00 byte or as none; both print as "00". */
	if (n <= 0)
		return hex_upper(&zero, 1, sign);
	return hex_upper(p, (size_t)n, sign);
}

static void parse_error_set(struct x509_cert *c, const char *fallback)
{
	unsigned long e = ERR_peek_error();

	if (e)
		ERR_error_string_n(e, c->parse_error, sizeof(c->parse_error));
	else
		str_set(c->parse_error, sizeof(c->parse_error), fallback);
}

/*
 * RFC 5280 4.1:
 *   Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
 *   TBSCertificate ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1, serialNumber,
 *       signature, issuer, validity { notBefore, notAfter }, subject,
 *       subjectPublicKeyInfo, issuerUniqueID [1], subjectUniqueID [2], extensions [3] }
 *
 * The fingerprints cover all `len` bytes, the same bytes the certificate
 * cache is keyed on. Bytes after the certificate's DER are tolerated (the
 * certificate parses); OpenSSL's TLS client would reject such an entry.
 */
/* A DER length (X.690 8.1.3): short or long form; a reader error if neither. */
static size_t der_length(struct rd *r)
{
	uint8_t first = rd_u8(r);
	if (first < 0x80)
		return first;
	uint8_t size = first & 0x7f;
	size_t n = 0;
	if (size == 0 || size > sizeof(uint32_t)) {
		r->err = true;
		return 0;
	}
	for (uint8_t i = 0; i < size; i++)
		n = n << 8 | rd_u8(r);
	return n;
}

/*
 * Items of the DER SEQUENCE in bytes (X.690 8.9), counted up to limit + 1:
 *   30 len { tag len value }*
 * A malformed item ends the count (libcrypto judges the bytes anyway).
 */
static size_t der_sequence_items(const uint8_t *p, size_t len, size_t limit)
{
	struct rd r = rd_init(p, len);
	if (rd_u8(&r) != 0x30)
		return 0;
	struct rd seq = rd_sub(&r, der_length(&r));
	size_t n = 0;
	while (!seq.err && n <= limit && rd_left(&seq) > 0) {
		rd_u8(&seq); /* GeneralName tags are one byte (X.690 8.1.2.3: numbers below 31) */
		if (!rd_skip(&seq, der_length(&seq)) || seq.err)
			break;
		n++;
	}
	return n;
}

/* A per-certificate limit (ts_limits.h) the certificate passes, or why not. */
static bool within_limits(const X509 *x, char *why, size_t whylen)
{
	int exts = X509_get_ext_count(x);
	if (exts > X509_MAX_EXTENSIONS) {
		snprintf(why, whylen, "oversized: %d extensions (at most %d are read)", exts,
		         X509_MAX_EXTENSIONS);
		return false;
	}
	size_t sans = 0;
	for (int idx = -1; (idx = X509_get_ext_by_NID(x, NID_subject_alt_name, idx)) >= 0;) {
		const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(X509_get_ext(x, idx));
		sans += der_sequence_items(ASN1_STRING_get0_data(v), (size_t)ASN1_STRING_length(v),
		                           X509_MAX_SAN_ENTRIES);
	}
	if (sans > X509_MAX_SAN_ENTRIES) {
		snprintf(why, whylen, "oversized: more than %d subjectAltName entries", X509_MAX_SAN_ENTRIES);
		return false;
	}
	return true;
}

enum ts_status x509_cert_parse(const uint8_t *der, size_t len, struct x509_cert *out)
{
	const unsigned char *p = der;
	X509 *x;
	EVP_PKEY *pk;
	long v;

	memset(out, 0, sizeof(*out));
	out->path_len = -1;
	out->der_len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	if (!der)
		der = (const uint8_t *)"";
	/* Whatever the caller left on the queue is not ours to report, nor to keep. */
	ERR_clear_error();
	pthread_once(&md_once, md_fetch);
	if (!digest(der, len, md_sha256, EVP_sha256(), out->sha256, 32) ||
	    !digest(der, len, md_sha1, EVP_sha1(), out->sha1, 20)) {
		/* With a working digest the only way to fail is allocation. */
		ERR_clear_error();
		return TS_NOMEM;
	}

	if (len == 0 || len > LONG_MAX) {
		str_set(out->parse_error, sizeof(out->parse_error), len == 0 ? "empty" : "too long");
		return TS_OK;
	}
	if (len > X509_MAX_DER_BYTES) {
		snprintf(out->parse_error, sizeof(out->parse_error),
		         "oversized: %zu bytes (at most %u are read)", len, X509_MAX_DER_BYTES);
		out->oversized = true;
		return TS_OK;
	}
	x = d2i_X509(NULL, &p, (long)len);
	if (!x) {
		parse_error_set(out, "not a DER certificate");
		ERR_clear_error();
		return TS_OK;
	}
	if (!within_limits(x, out->parse_error, sizeof(out->parse_error))) {
		X509_free(x);
		out->oversized = true;
		ERR_clear_error();
		return TS_OK;
	}
	out->x509 = x;
	out->parsed = true;
	v = X509_get_version(x);
	/* 1, 2 or 3 in practice; libcrypto does not refuse others, so keep whatever it read. */
	out->version = v >= 0 && v < INT_MAX ? (int)v + 1 : 0;
	out->serial = serial_text(X509_get0_serialNumber(x));
	out->not_before = time_read(X509_get0_notBefore(x));
	out->not_after = time_read(X509_get0_notAfter(x));
	pk = X509_get0_pubkey(x);
	key_read(out, x, pk);
	signature_read(out, x);
	basic_constraints_read(out, x);
	key_usage_read(out, x);
	if (!out->serial || !names_read(out, x) || !san_read(out, x) || !eku_read(out, x) ||
	    !aia_read(out, x) || !key_ids_read(out, x)) {
		x509_cert_free(out);
		ERR_clear_error();
		return TS_NOMEM;
	}

	/*
	 * Equal names alone only make it self-issued (a CA re-keying signs its
	 * new key with the old one, RFC 5280 6.1); self-signed also needs
	 * the signature to verify with the certificate's own key.
	 */
	out->self_issued = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
	out->self_signed = out->self_issued && pk && X509_verify(x, pk) == 1;
	ERR_clear_error();
	return TS_OK;
}

void x509_cert_free(struct x509_cert *c)
{
	if (!c)
		return;
	X509_free(c->x509);
	free(c->subject);
	free(c->issuer);
	free(c->issuer_cn);
	strings_free(&c->subject_cn);
	strings_free(&c->san_dns);
	strings_free(&c->san_email);
	strings_free(&c->san_uri);
	strings_free(&c->eku);
	strings_free(&c->aia_ca_issuers);
	strings_free(&c->aia_ocsp);
	free(c->san_ip);
	free(c->serial);
	free(c->ski);
	free(c->aki);
	memset(c, 0, sizeof(*c));
}

/* d2i_X509_NAME of bytes from the wire; NULL when they are not one whole Name. */
static X509_NAME *name_from_der(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	if (len > LONG_MAX)
		return NULL;
	X509_NAME *nm = d2i_X509_NAME(NULL, &p, (long)len);
	if (nm && p != der + len) {
		X509_NAME_free(nm);
		return NULL;
	}
	return nm;
}

bool x509_name_der_text(const uint8_t *der, size_t len, char *out, size_t n)
{
	if (!n)
		return false;
	out[0] = 0;
	X509_NAME *nm = name_from_der(der, len);
	BIO *b = nm ? BIO_new(BIO_s_mem()) : NULL;
	char *text = b ? name_text(b, nm) : NULL;
	if (text)
		snprintf(out, n, "%s", text);
	free(text);
	BIO_free(b);
	X509_NAME_free(nm);
	return text != NULL;
}

bool x509_cert_names_match(const struct x509_cert *c, const uint8_t *der, size_t len, bool issuer)
{
	if (!c->parsed || !c->x509)
		return false;
	X509_NAME *nm = name_from_der(der, len);
	if (!nm)
		return false;
	const X509_NAME *mine = issuer ? X509_get_issuer_name(c->x509) : X509_get_subject_name(c->x509);
	bool same = X509_NAME_cmp(mine, nm) == 0;
	X509_NAME_free(nm);
	return same;
}
