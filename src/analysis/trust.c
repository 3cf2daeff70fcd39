/*
 * trust.c - the trust store, and verifying a server's chain as an
 * OpenSSL-based client would, at the handshake's capture time.
 *
 * X509_verify_cert stops at its first error. A verify callback that records
 * each error and carries on lets one run see every problem (an expired leaf
 * below an unknown issuer shows both); the verdict is still the first error,
 * which is what the same call without the callback reports. The chain as
 * sent is then checked on its own (order, duplicates, unrelated extras,
 * validity of certificates OpenSSL never reached, weak hashes and keys).
 *
 * A verdict depends only on the certificates sent, the store, and which side
 * of its validity window each certificate that could enter the chain is on
 * at `at`: the sent ones and, transitively by issuer name, the store's
 * candidates. So each cached verdict carries the time interval over which
 * none of those windows opens or closes; a later call with the same chain
 * and `at` inside that interval is answered from the cache (only the
 * seconds-past-notAfter numbers are recomputed). That interval is the
 * "validity state vector" of the chain written as two numbers, and it also
 * covers a store root expiring under a still-valid chain.
 */
#include "trust.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "ts_hash.h"

#define TRUST_MAX_SENT TLS_MAX_CERTS_PER_MSG /* the dissector keeps no more */
#define TRUST_MAX_ERRORS 32                  /* verify-callback errors kept per chain */
#define TRUST_MAX_RELATED 64     /* store certificates whose validity a cached verdict may depend on */
#define TRUST_CACHE_BUCKETS 8192 /* power of two, twice the entries */

struct cache_entry {
	uint8_t key[SHA256_DIGEST_LENGTH]; /* over the sent certificates' SHA-256s */
	int64_t from, until;               /* [from, until): no relevant validity window opens or closes */
	int64_t bound[TRUST_MAX_ISSUES];   /* per issue: notAfter (expired) or notBefore (not yet valid) */
	struct chain_verdict v;
	int32_t next; /* bucket chain, -1 ends */
	bool used;
};

struct trust_store {
	X509_STORE *store;
	X509_STORE_CTX *ctx;
	EVP_MD *sha256;              /* fetched once: SHA256() fetches (and locks) on every call */
	struct cache_entry *entries; /* ring: the oldest is overwritten */
	size_t next_slot;
	size_t ring_entries;      /* TRUST_CACHE_MAX_ENTRIES, or fewer to fit a budget */
	struct ts_budget *budget; /* verdicts part, or NULL */
	int32_t *buckets;
	struct trust_stats stats;
};

/* clang-format off */
static const char *const problem_names[CHAIN_PROBLEM_COUNT] = {
	[CHAIN_SELF_SIGNED_LEAF] = "self-signed-leaf",
	[CHAIN_SELF_SIGNED_IN_CHAIN] = "self-signed-in-chain",
	[CHAIN_UNKNOWN_ISSUER] = "unknown-issuer",
	[CHAIN_MISSING_INTERMEDIATE] = "missing-intermediate",
	[CHAIN_EXPIRED] = "expired",
	[CHAIN_NOT_YET_VALID] = "not-yet-valid",
	[CHAIN_ORDER] = "chain-order",
	[CHAIN_WEAK_SIGNATURE] = "weak-signature",
	[CHAIN_WEAK_KEY] = "weak-key",
	[CHAIN_NOT_FOR_SERVER_AUTH] = "not-for-server-auth",
	[CHAIN_CA_AS_LEAF] = "ca-as-leaf",
	[CHAIN_UNPARSABLE] = "unparsable-certificate",
};

struct verify_error_name {
	int code;
	const char *name;
};

/* Every X509_V_ERR_* of OpenSSL 3.0 (x509_vfy.h), in value order. */
#define VE(x) { x, #x }
static const struct verify_error_name verify_error_names[] = {
	VE(X509_V_OK),
	VE(X509_V_ERR_UNSPECIFIED),
	VE(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT),
	VE(X509_V_ERR_UNABLE_TO_GET_CRL),
	VE(X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE),
	VE(X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE),
	VE(X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY),
	VE(X509_V_ERR_CERT_SIGNATURE_FAILURE),
	VE(X509_V_ERR_CRL_SIGNATURE_FAILURE),
	VE(X509_V_ERR_CERT_NOT_YET_VALID),
	VE(X509_V_ERR_CERT_HAS_EXPIRED),
	VE(X509_V_ERR_CRL_NOT_YET_VALID),
	VE(X509_V_ERR_CRL_HAS_EXPIRED),
	VE(X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD),
	VE(X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD),
	VE(X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD),
	VE(X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD),
	VE(X509_V_ERR_OUT_OF_MEM),
	VE(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT),
	VE(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN),
	VE(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY),
	VE(X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE),
	VE(X509_V_ERR_CERT_CHAIN_TOO_LONG),
	VE(X509_V_ERR_CERT_REVOKED),
	VE(X509_V_ERR_NO_ISSUER_PUBLIC_KEY),
	VE(X509_V_ERR_PATH_LENGTH_EXCEEDED),
	VE(X509_V_ERR_INVALID_PURPOSE),
	VE(X509_V_ERR_CERT_UNTRUSTED),
	VE(X509_V_ERR_CERT_REJECTED),
	VE(X509_V_ERR_SUBJECT_ISSUER_MISMATCH),
	VE(X509_V_ERR_AKID_SKID_MISMATCH),
	VE(X509_V_ERR_AKID_ISSUER_SERIAL_MISMATCH),
	VE(X509_V_ERR_KEYUSAGE_NO_CERTSIGN),
	VE(X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER),
	VE(X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION),
	VE(X509_V_ERR_KEYUSAGE_NO_CRL_SIGN),
	VE(X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION),
	VE(X509_V_ERR_INVALID_NON_CA),
	VE(X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED),
	VE(X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE),
	VE(X509_V_ERR_PROXY_CERTIFICATES_NOT_ALLOWED),
	VE(X509_V_ERR_INVALID_EXTENSION),
	VE(X509_V_ERR_INVALID_POLICY_EXTENSION),
	VE(X509_V_ERR_NO_EXPLICIT_POLICY),
	VE(X509_V_ERR_DIFFERENT_CRL_SCOPE),
	VE(X509_V_ERR_UNSUPPORTED_EXTENSION_FEATURE),
	VE(X509_V_ERR_UNNESTED_RESOURCE),
	VE(X509_V_ERR_PERMITTED_VIOLATION),
	VE(X509_V_ERR_EXCLUDED_VIOLATION),
	VE(X509_V_ERR_SUBTREE_MINMAX),
	VE(X509_V_ERR_APPLICATION_VERIFICATION),
	VE(X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE),
	VE(X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX),
	VE(X509_V_ERR_UNSUPPORTED_NAME_SYNTAX),
	VE(X509_V_ERR_CRL_PATH_VALIDATION_ERROR),
	VE(X509_V_ERR_PATH_LOOP),
	VE(X509_V_ERR_SUITE_B_INVALID_VERSION),
	VE(X509_V_ERR_SUITE_B_INVALID_ALGORITHM),
	VE(X509_V_ERR_SUITE_B_INVALID_CURVE),
	VE(X509_V_ERR_SUITE_B_INVALID_SIGNATURE_ALGORITHM),
	VE(X509_V_ERR_SUITE_B_LOS_NOT_ALLOWED),
	VE(X509_V_ERR_SUITE_B_CANNOT_SIGN_P_384_WITH_P_256),
	VE(X509_V_ERR_HOSTNAME_MISMATCH),
	VE(X509_V_ERR_EMAIL_MISMATCH),
	VE(X509_V_ERR_IP_ADDRESS_MISMATCH),
	VE(X509_V_ERR_DANE_NO_MATCH),
	VE(X509_V_ERR_EE_KEY_TOO_SMALL),
	VE(X509_V_ERR_CA_KEY_TOO_SMALL),
	VE(X509_V_ERR_CA_MD_TOO_WEAK),
	VE(X509_V_ERR_INVALID_CALL),
	VE(X509_V_ERR_STORE_LOOKUP),
	VE(X509_V_ERR_NO_VALID_SCTS),
	VE(X509_V_ERR_PROXY_SUBJECT_NAME_VIOLATION),
	VE(X509_V_ERR_OCSP_VERIFY_NEEDED),
	VE(X509_V_ERR_OCSP_VERIFY_FAILED),
	VE(X509_V_ERR_OCSP_CERT_UNKNOWN),
	VE(X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM),
	VE(X509_V_ERR_SIGNATURE_ALGORITHM_MISMATCH),
	VE(X509_V_ERR_SIGNATURE_ALGORITHM_INCONSISTENCY),
	VE(X509_V_ERR_INVALID_CA),
	VE(X509_V_ERR_PATHLEN_INVALID_FOR_NON_CA),
	VE(X509_V_ERR_PATHLEN_WITHOUT_KU_KEY_CERT_SIGN),
	VE(X509_V_ERR_KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA),
	VE(X509_V_ERR_ISSUER_NAME_EMPTY),
	VE(X509_V_ERR_SUBJECT_NAME_EMPTY),
	VE(X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER),
	VE(X509_V_ERR_MISSING_SUBJECT_KEY_IDENTIFIER),
	VE(X509_V_ERR_EMPTY_SUBJECT_ALT_NAME),
	VE(X509_V_ERR_EMPTY_SUBJECT_SAN_NOT_CRITICAL),
	VE(X509_V_ERR_CA_BCONS_NOT_CRITICAL),
	VE(X509_V_ERR_AUTHORITY_KEY_IDENTIFIER_CRITICAL),
	VE(X509_V_ERR_SUBJECT_KEY_IDENTIFIER_CRITICAL),
	VE(X509_V_ERR_CA_CERT_MISSING_KEY_USAGE),
	VE(X509_V_ERR_EXTENSIONS_REQUIRE_VERSION_3),
	VE(X509_V_ERR_EC_KEY_EXPLICIT_PARAMS),
	{ 0, NULL }
};
#undef VE
/* clang-format on */

const char *chain_problem_name(enum chain_problem p)
{
	if ((unsigned)p >= CHAIN_PROBLEM_COUNT)
		return "unknown";
	return problem_names[p];
}

const char *trust_verify_error_name(int code)
{
	for (const struct verify_error_name *e = verify_error_names; e->name; e++)
		if (e->code == code)
			return e->name;
	return NULL;
}

static void set_error_name(int code, char *buf, size_t len)
{
	const char *name = trust_verify_error_name(code);
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "X509_V_ERR_%d", code); /* from a newer OpenSSL than the table */
}

static void set_names(struct chain_verdict *v)
{
	set_error_name(v->verify_error, v->verify_error_name, sizeof(v->verify_error_name));
	snprintf(v->verify_error_text, sizeof(v->verify_error_text), "%s",
	         X509_verify_cert_error_string(v->verify_error));
}

/* "WHAT: WHY" into the caller's buffer; the first message wins. */
static void set_err(char *err, size_t errlen, const char *what, const char *why)
{
	if (err && errlen && err[0] == '\0')
		snprintf(err, errlen, "%s: %s", what, why);
}

static void set_err_errno(char *err, size_t errlen, const char *path, int e)
{
	char msg[160];
	snprintf(msg, sizeof(msg), "cannot read: %s", strerror(e));
	set_err(err, errlen, path, msg);
}

/* ---- the store ---- */

/*
 * All certificates of a PEM file (other PEM blocks, such as keys, are
 * skipped); a file with no PEM certificate is tried once as a single DER
 * certificate.
 */
static bool load_cert_file(X509_STORE *store, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		set_err_errno(err, errlen, path, errno);
		return false;
	}
	BIO *bio = BIO_new_fp(f, BIO_CLOSE);
	if (!bio) {
		fclose(f);
		set_err(err, errlen, path, "cannot read: out of memory");
		return false;
	}

	size_t n = 0;
	bool ok = true;
	X509 *x;
	while ((x = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL)) != NULL) {
		if (!X509_STORE_add_cert(store, x))
			ok = false;
		X509_free(x);
		n++;
	}
	unsigned long e = ERR_peek_last_error();
	if (n > 0 && e && !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
		/* A damaged block after good ones: say so rather than trust half a bundle. */
		const char *why = ERR_reason_error_string(e);
		char msg[160];
		snprintf(msg, sizeof(msg), "cannot read: %s", why ? why : "malformed PEM");
		set_err(err, errlen, path, msg);
		ok = false;
	} else if (n == 0) {
		if (BIO_reset(bio) == 0 && (x = d2i_X509_bio(bio, NULL)) != NULL) {
			if (!X509_STORE_add_cert(store, x))
				ok = false;
			X509_free(x);
		} else {
			set_err(err, errlen, path, "no certificate found");
			ok = false;
		}
	}
	if (!ok)
		set_err(err, errlen, path, "cannot add a certificate to the store");
	BIO_free(bio);
	ERR_clear_error();
	return ok;
}

static bool load_cert_dir(X509_STORE *store, const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		set_err_errno(err, errlen, path, errno);
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		set_err(err, errlen, path, "cannot read: not a directory");
		return false;
	}
	bool ok = X509_STORE_load_path(store, path) == 1;
	ERR_clear_error();
	if (!ok)
		set_err(err, errlen, path, "cannot read: not usable as a certificate directory");
	return ok;
}

/*
 * The system store (OpenSSL's default file and hashed directories, or
 * SSL_CERT_FILE / SSL_CERT_DIR), read once into memory. Left to
 * X509_STORE_set_default_paths(), every verification that misses the store
 * lists and opens the directory's files again: most of the time of a
 * capture of many distinct certificates.
 */
static void load_system_store(X509_STORE *store)
{
	const char *file = getenv(X509_get_default_cert_file_env());
	const char *dirs = getenv(X509_get_default_cert_dir_env());
	X509_STORE_load_file(store, file ? file : X509_get_default_cert_file());
	ERR_clear_error();
	char list[4096], path[4096];
	snprintf(list, sizeof(list), "%s", dirs ? dirs : X509_get_default_cert_dir());
	char *save = NULL;
	for (char *dir = strtok_r(list, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		DIR *d = opendir(dir);
		if (!d)
			continue;
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			struct stat st;
			if (de->d_name[0] == '.' ||
			    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path) ||
			    stat(path, &st) != 0 || !S_ISREG(st.st_mode))
				continue;
			X509_STORE_load_file(store, path); /* a certificate already held is skipped */
			ERR_clear_error();
		}
		closedir(d);
	}
}

struct trust_store *trust_store_new(const struct trust_options *o, char *err, size_t errlen)
{
	static const struct trust_options none;
	if (!o)
		o = &none;
	if (err && errlen)
		err[0] = '\0';

	struct trust_store *ts = calloc(1, sizeof(*ts));
	if (!ts) {
		set_err(err, errlen, "trust store", "out of memory");
		return NULL;
	}
	ts->store = X509_STORE_new();
	ts->ctx = X509_STORE_CTX_new();
	ts->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	ts->entries = calloc(TRUST_CACHE_MAX_ENTRIES, sizeof(*ts->entries));
	ts->buckets = malloc(TRUST_CACHE_BUCKETS * sizeof(*ts->buckets));
	if (!ts->store || !ts->ctx || !ts->entries || !ts->buckets) {
		set_err(err, errlen, "trust store", "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < TRUST_CACHE_BUCKETS; i++)
		ts->buckets[i] = -1;
	ts->ring_entries = TRUST_CACHE_MAX_ENTRIES;

	/* --ca replaces the system bundle, as Node's `ca` and curl's --cacert do. A
	 * missing system bundle is an empty store, not an error: verdicts say so. */
	if (!o->no_system && o->ca_file_count == 0)
		load_system_store(ts->store);
	ERR_clear_error();
	for (size_t i = 0; i < o->ca_file_count; i++)
		if (!load_cert_file(ts->store, o->ca_files[i], err, errlen))
			goto fail;
	for (size_t i = 0; i < o->ca_add_file_count; i++)
		if (!load_cert_file(ts->store, o->ca_add_files[i], err, errlen))
			goto fail;
	for (size_t i = 0; i < o->ca_dir_count; i++)
		if (!load_cert_dir(ts->store, o->ca_dirs[i], err, errlen))
			goto fail;

	STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(ts->store);
	for (int i = 0; i < sk_X509_OBJECT_num(objs); i++)
		if (X509_OBJECT_get_type(sk_X509_OBJECT_value(objs, i)) == X509_LU_X509)
			ts->stats.store_certs++;
	ERR_clear_error();
	return ts;

fail:
	ERR_clear_error();
	trust_store_free(ts);
	return NULL;
}

void trust_store_free(struct trust_store *ts)
{
	if (!ts)
		return;
	X509_STORE_CTX_free(ts->ctx);
	EVP_MD_free(ts->sha256);
	X509_STORE_free(ts->store);
	free(ts->entries);
	free(ts->buckets);
	free(ts);
}

const struct trust_stats *trust_store_stats(const struct trust_store *ts)
{
	return &ts->stats;
}

/* ---- one verification ---- */

struct verify_error {
	int code, depth, cert;
};

struct run {
	const struct x509_cert *const *certs;
	size_t count; /* sent certificates considered (capped) */
	int64_t at;
	X509_STORE_CTX *ctx;
	struct stack_st_X509 *chain; /* STACK_OF(X509) as built, owned by ctx */

	struct verify_error err[TRUST_MAX_ERRORS];
	size_t err_count;

	bool cacheable;
	int64_t from, until;
	int64_t bound[TRUST_MAX_ISSUES];
	struct chain_verdict *out;
};

static bool usable(const struct x509_cert *c)
{
	return c && c->parsed && c->x509;
}

/* Index of x in the chain as sent, -1 if it is not a sent certificate. */
static int sent_index(const struct run *r, X509 *x)
{
	if (!x)
		return -1;
	for (size_t i = 0; i < r->count; i++)
		if (usable(r->certs[i]) && r->certs[i]->x509 == x)
			return (int)i;
	for (size_t i = 0; i < r->count; i++)
		if (usable(r->certs[i]) && X509_cmp(r->certs[i]->x509, x) == 0)
			return (int)i;
	return -1;
}

/* Record every error and carry on, so one run names them all. */
static int collect_cb(int ok, X509_STORE_CTX *ctx)
{
	if (ok)
		return ok;
	struct run *r = X509_STORE_CTX_get_app_data(ctx);
	int code = X509_STORE_CTX_get_error(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);
	for (size_t i = 0; i < r->err_count; i++)
		if (r->err[i].code == code && r->err[i].depth == depth)
			return 1;
	if (r->err_count < TRUST_MAX_ERRORS) {
		struct verify_error *e = &r->err[r->err_count++];
		e->code = code;
		e->depth = depth;
		e->cert = sent_index(r, X509_STORE_CTX_get_current_cert(ctx));
	}
	return 1;
}

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool asn1_time_unix(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return false;
	*out = days_from_civil(tm.tm_year + 1900LL, tm.tm_mon + 1LL, tm.tm_mday) * 86400 +
	       tm.tm_hour * 3600LL + tm.tm_min * 60LL + tm.tm_sec;
	return true;
}

static bool cert_window(X509 *x, int64_t *nb, int64_t *na)
{
	return asn1_time_unix(X509_get0_notBefore(x), nb) && asn1_time_unix(X509_get0_notAfter(x), na);
}

/*
 * A window edge narrows the interval over which the verdict holds. As in
 * X509_cmp_time, a certificate is valid for notBefore <= t < notAfter, so
 * the state changes at each edge itself.
 */
static void narrow(struct run *r, int64_t edge)
{
	if (edge <= r->at) {
		if (edge > r->from)
			r->from = edge;
	} else if (edge < r->until) {
		r->until = edge;
	}
}

static void narrow_by(struct run *r, X509 *x)
{
	int64_t nb, na;
	if (!cert_window(x, &nb, &na)) {
		r->cacheable = false;
		return;
	}
	narrow(r, nb);
	narrow(r, na);
}

static bool has_issue(const struct chain_verdict *v, enum chain_problem p, int cert)
{
	for (size_t i = 0; i < v->issue_count; i++)
		if (v->issues[i].problem == p && v->issues[i].cert == cert)
			return true;
	return false;
}

static void add_issue(struct run *r, enum chain_problem p, int cert, int64_t bound)
{
	struct chain_verdict *v = r->out;
	if (has_issue(v, p, cert) || v->issue_count >= TRUST_MAX_ISSUES)
		return;
	r->bound[v->issue_count] = bound;
	v->issues[v->issue_count++] = (struct chain_issue){.problem = p, .cert = cert, .delta_s = 0};
}

static void fill_deltas(struct chain_verdict *v, const int64_t *bound, int64_t at)
{
	for (size_t i = 0; i < v->issue_count; i++) {
		struct chain_issue *is = &v->issues[i];
		if (is->problem == CHAIN_EXPIRED)
			is->delta_s = at - bound[i];
		else if (is->problem == CHAIN_NOT_YET_VALID)
			is->delta_s = bound[i] - at;
		else
			is->delta_s = 0;
	}
}

/* Issues by problem, then certificate, so equal chains read alike. */
static void sort_issues(struct run *r)
{
	struct chain_verdict *v = r->out;
	for (size_t i = 1; i < v->issue_count; i++) {
		struct chain_issue is = v->issues[i];
		int64_t b = r->bound[i];
		size_t j = i;
		while (j > 0 &&
		       (v->issues[j - 1].problem > is.problem ||
		        (v->issues[j - 1].problem == is.problem && v->issues[j - 1].cert > is.cert))) {
			v->issues[j] = v->issues[j - 1];
			r->bound[j] = r->bound[j - 1];
			j--;
		}
		v->issues[j] = is;
		r->bound[j] = b;
	}
}

/* The store holds this very certificate (a sent root can be trusted). */
static bool store_has(X509_STORE_CTX *ctx, X509 *x)
{
	STACK_OF(X509) *sk = X509_STORE_CTX_get1_certs(ctx, X509_get_subject_name(x));
	bool found = false;
	for (int i = 0; sk && i < sk_X509_num(sk) && !found; i++)
		found = X509_cmp(sk_X509_value(sk, i), x) == 0;
	sk_X509_pop_free(sk, X509_free);
	return found;
}

/* Validity at `at`: the other two issues, for a sent (cert >= 0) or store certificate. */
static void check_window(struct run *r, X509 *x, int cert)
{
	int64_t nb, na;
	if (!cert_window(x, &nb, &na))
		return;
	if (r->at >= na)
		add_issue(r, CHAIN_EXPIRED, cert, na);
	else if (r->at < nb)
		add_issue(r, CHAIN_NOT_YET_VALID, cert, nb);
}

static bool weak_key(const char *type, int bits)
{
	if (bits <= 0)
		return false;
	if (strncmp(type, "RSA", 3) == 0 || strcmp(type, "DSA") == 0)
		return bits < 2048;
	if (strcmp(type, "EC") == 0)
		return bits < 224;
	return false;
}

/* The two weakness checks for a store certificate, read from its X509. */
static void check_store_cert(struct run *r, X509 *x)
{
	if (X509_self_signed(x, 0) == 1)
		return; /* a root's own signature and key are not what makes it trusted */
	int md = NID_undef, pk = NID_undef;
	if (X509_get_signature_info(x, &md, &pk, NULL, NULL) == 1 &&
	    (md == NID_md5 || md == NID_sha1 || md == NID_md4 || md == NID_md2 || md == NID_md5_sha1))
		add_issue(r, CHAIN_WEAK_SIGNATURE, -1, 0);
	EVP_PKEY *key = X509_get0_pubkey(x);
	if (key) {
		const char *type = "";
		switch (EVP_PKEY_get_base_id(key)) {
		case EVP_PKEY_RSA:
		case EVP_PKEY_RSA_PSS:
			type = "RSA";
			break;
		case EVP_PKEY_DSA:
			type = "DSA";
			break;
		case EVP_PKEY_EC:
			type = "EC";
			break;
		}
		if (weak_key(type, EVP_PKEY_get_bits(key)))
			add_issue(r, CHAIN_WEAK_KEY, -1, 0);
	}
}

/*
 * The chain as sent: after the leaf, each certificate should issue the one
 * before it (RFC 5246 7.4.2; RFC 8446 4.4.2 still asks for that order, and
 * many clients build only from it). Follow the issuer links from the leaf
 * through the sent certificates; flag duplicates, certificates on that path
 * sent before their subject, and certificates on no path at all. A sent
 * root that nobody trusts is already named self-signed-in-chain.
 */
static void check_order(struct run *r)
{
	const struct x509_cert *const *c = r->certs;
	size_t n = r->count;
	bool dup[TRUST_MAX_SENT] = {false}, on_path[TRUST_MAX_SENT] = {false};
	int path[TRUST_MAX_SENT];
	size_t plen = 0;

	for (size_t i = 1; i < n; i++)
		for (size_t j = 0; j < i && !dup[i]; j++)
			dup[i] =
			    c[i] && c[j] && memcmp(c[i]->sha256, c[j]->sha256, sizeof(c[i]->sha256)) == 0;

	path[plen++] = 0;
	on_path[0] = true;
	for (int cur = 0; plen < n;) {
		X509 *x = c[cur]->x509;
		if (X509_check_issued(x, x) == X509_V_OK)
			break; /* self-issued: the top */
		int next = -1;
		for (size_t j = 1; j < n && next < 0; j++)
			if (!on_path[j] && !dup[j] && usable(c[j]) &&
			    X509_check_issued(c[j]->x509, x) == X509_V_OK)
				next = (int)j;
		if (next < 0)
			break;
		path[plen++] = next;
		on_path[next] = true;
		cur = next;
	}

	for (size_t k = 1; k < plen; k++)
		if (path[k] < path[k - 1])
			add_issue(r, CHAIN_ORDER, path[k], 0);
	for (size_t j = 1; j < n; j++) {
		if (dup[j]) {
			add_issue(r, CHAIN_ORDER, (int)j, 0);
			continue;
		}
		if (on_path[j] || !usable(c[j]))
			continue;
		bool related = false; /* another issuer of a path certificate (a cross-signed CA) */
		for (size_t k = 0; k < plen && !related; k++)
			related = X509_check_issued(c[j]->x509, c[path[k]]->x509) == X509_V_OK;
		if (!related && !has_issue(r->out, CHAIN_SELF_SIGNED_IN_CHAIN, (int)j))
			add_issue(r, CHAIN_ORDER, (int)j, 0);
	}
}

static void derive_issues(struct run *r)
{
	struct chain_verdict *v = r->out;
	const struct x509_cert *const *c = r->certs;
	const struct x509_cert *leaf = c[0];
	bool issuer_missing = false;

	for (size_t i = 0; i < r->err_count; i++) {
		const struct verify_error *e = &r->err[i];
		switch (e->code) {
		case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
			add_issue(r, CHAIN_SELF_SIGNED_LEAF, 0, 0);
			break;
		case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
			add_issue(r, CHAIN_SELF_SIGNED_IN_CHAIN, e->cert, 0);
			break;
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
		case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
			issuer_missing = true;
			break;
		case X509_V_ERR_INVALID_PURPOSE:
			add_issue(r, CHAIN_NOT_FOR_SERVER_AUTH, e->cert, 0);
			break;
		default:
			break;
		}
	}
	/* Where the built chain stops tells a missing intermediate from an unknown CA. */
	if (issuer_missing) {
		if (v->built_count <= 1)
			add_issue(r, CHAIN_MISSING_INTERMEDIATE, 0, 0);
		else
			add_issue(r, CHAIN_UNKNOWN_ISSUER, v->built[v->built_count - 1], 0);
	}

	if (leaf->self_signed && !store_has(r->ctx, leaf->x509))
		add_issue(r, CHAIN_SELF_SIGNED_LEAF, 0, 0);
	if (leaf->has_eku && !leaf->eku_server_auth && !leaf->eku_any)
		add_issue(r, CHAIN_NOT_FOR_SERVER_AUTH, 0, 0);
	if (leaf->is_ca)
		add_issue(r, CHAIN_CA_AS_LEAF, 0, 0);

	for (size_t i = 0; i < r->count; i++) {
		if (!usable(c[i])) {
			add_issue(r, CHAIN_UNPARSABLE, (int)i, 0);
			continue;
		}
		/* An untrusted root sent along only matters when the chain did not
		 * verify; beside a chain that completes through the store it is an
		 * unrelated extra (chain-order). */
		if (i > 0 && c[i]->self_signed && !v->trusted && !store_has(r->ctx, c[i]->x509))
			add_issue(r, CHAIN_SELF_SIGNED_IN_CHAIN, (int)i, 0);
		check_window(r, c[i]->x509, (int)i);
		if (!c[i]->self_signed && c[i]->weak_signature_hash)
			add_issue(r, CHAIN_WEAK_SIGNATURE, (int)i, 0);
		if (!c[i]->self_signed && weak_key(c[i]->key_type, c[i]->key_bits))
			add_issue(r, CHAIN_WEAK_KEY, (int)i, 0);
	}
	for (size_t d = 0; d < v->built_count; d++) {
		if (v->built[d] >= 0)
			continue;
		X509 *x = sk_X509_value(r->chain, (int)d);
		check_window(r, x, -1);
		check_store_cert(r, x);
	}
	check_order(r);
	sort_issues(r);
}

/*
 * Bound the interval the verdict holds for: the windows of every sent
 * certificate and of every store certificate that chain building could
 * pick, found by issuer name from the sent ones onwards.
 */
static void bound_validity(struct run *r)
{
	X509 *seen[TRUST_MAX_RELATED];
	size_t nseen = 0;

	for (size_t i = 0; i < r->count && nseen < TRUST_MAX_RELATED; i++) {
		if (!usable(r->certs[i]))
			continue;
		narrow_by(r, r->certs[i]->x509);
		seen[nseen++] = r->certs[i]->x509;
	}
	/* `seen` holds sent certificates (borrowed) then store ones (held). */
	size_t sent = nseen;
	for (size_t q = 0; q < nseen && r->cacheable; q++) {
		STACK_OF(X509) *sk = X509_STORE_CTX_get1_certs(r->ctx, X509_get_issuer_name(seen[q]));
		for (int i = 0; sk && i < sk_X509_num(sk); i++) {
			X509 *x = sk_X509_value(sk, i);
			bool known = false;
			for (size_t k = 0; k < nseen && !known; k++)
				known = X509_cmp(seen[k], x) == 0;
			if (known)
				continue;
			if (nseen == TRUST_MAX_RELATED) {
				r->cacheable = false;
				break;
			}
			narrow_by(r, x);
			X509_up_ref(x);
			seen[nseen++] = x;
		}
		sk_X509_pop_free(sk, X509_free);
	}
	for (size_t k = sent; k < nseen; k++)
		X509_free(seen[k]);
}

static void verify_now(struct trust_store *ts, struct run *r)
{
	struct chain_verdict *v = r->out;
	X509_STORE_CTX *ctx = ts->ctx;
	STACK_OF(X509) *untrusted = sk_X509_new_null();

	for (size_t i = 1; untrusted && i < r->count; i++)
		if (usable(r->certs[i]) && !sk_X509_push(untrusted, r->certs[i]->x509))
			r->cacheable = false;
	if (!untrusted || !X509_STORE_CTX_init(ctx, ts->store, r->certs[0]->x509, untrusted)) {
		v->verify_error = v->verify_error_last = X509_V_ERR_OUT_OF_MEM;
		set_names(v);
		r->cacheable = false;
		sk_X509_free(untrusted);
		ERR_clear_error();
		return;
	}
	r->ctx = ctx;
	/* What libssl sets for a client checking a server: purpose and trust sslserver. */
	X509_STORE_CTX_set_default(ctx, "ssl_server");
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	X509_STORE_CTX_set_trust(ctx, X509_TRUST_SSL_SERVER);
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)r->at);
	X509_STORE_CTX_set_app_data(ctx, r);
	X509_STORE_CTX_set_verify_cb(ctx, collect_cb);

	int ret = X509_verify_cert(ctx);
	ts->stats.verifies++;

	r->chain = X509_STORE_CTX_get0_chain(ctx);
	for (int d = 0; r->chain && d < sk_X509_num(r->chain) && v->built_count < TLS_MAX_CHAIN_BUILT; d++)
		v->built[v->built_count++] = sent_index(r, sk_X509_value(r->chain, d));

	/* What a client that stops at the first error (curl, Python) sees, and
	 * what one that lets them all through and asks afterwards (Node) sees. */
	v->verify_error_last = X509_STORE_CTX_get_error(ctx);
	if (r->err_count > 0) {
		v->verify_error = r->err[0].code;
		v->error_depth = r->err[0].depth;
	} else if (ret != 1) {
		v->verify_error = X509_STORE_CTX_get_error(ctx);
		v->error_depth = X509_STORE_CTX_get_error_depth(ctx);
		if (v->verify_error == X509_V_OK)
			v->verify_error = X509_V_ERR_UNSPECIFIED;
		v->verify_error_last = v->verify_error;
		r->cacheable = false; /* an internal failure, not a property of the chain */
	}
	v->trusted = ret == 1 && r->err_count == 0;

	derive_issues(r);
	bound_validity(r);
	set_names(v);

	X509_STORE_CTX_cleanup(ctx);
	sk_X509_free(untrusted);
	r->ctx = NULL;
	r->chain = NULL;
	ERR_clear_error();
}

static void chain_key(const struct trust_store *ts, const struct x509_cert *const *certs, size_t count,
                      uint8_t key[SHA256_DIGEST_LENGTH])
{
	static const uint8_t none[32];
	uint8_t buf[4 + TRUST_MAX_SENT * 32];
	size_t len = 0;

	buf[len++] = (uint8_t)(count >> 24);
	buf[len++] = (uint8_t)(count >> 16);
	buf[len++] = (uint8_t)(count >> 8);
	buf[len++] = (uint8_t)count;
	for (size_t i = 0; i < count; i++) {
		memcpy(buf + len, certs[i] ? certs[i]->sha256 : none, 32);
		len += 32;
	}
	if (!ts->sha256 || !EVP_Digest(buf, len, key, NULL, ts->sha256, NULL))
		SHA256(buf, len, key);
}

/* Keyed (ts_hash.h): the key is a digest of certificates anyone can make,
 * and grinding them into one bucket must not pay. */
static uint32_t key_bucket(const uint8_t *key)
{
	return (uint32_t)ts_hash(key, SHA256_DIGEST_LENGTH) & (TRUST_CACHE_BUCKETS - 1);
}

static struct cache_entry *cache_find(struct trust_store *ts, const uint8_t *key, int64_t at)
{
	for (int32_t i = ts->buckets[key_bucket(key)]; i >= 0; i = ts->entries[i].next) {
		struct cache_entry *e = &ts->entries[i];
		if (memcmp(e->key, key, SHA256_DIGEST_LENGTH) == 0 && e->from <= at && at < e->until)
			return e;
	}
	return NULL;
}

static void cache_insert(struct trust_store *ts, const uint8_t *key, const struct run *r)
{
	int32_t slot = (int32_t)ts->next_slot;
	struct cache_entry *e = &ts->entries[slot];

	ts->next_slot = (ts->next_slot + 1) % ts->ring_entries;
	if (e->used) {
		int32_t *link = &ts->buckets[key_bucket(e->key)];
		while (*link != slot)
			link = &ts->entries[*link].next;
		*link = e->next;
		ts->stats.cache_evictions++;
		ts->stats.cache_entries--;
		if (ts->budget)
			ts_budget_count(ts->budget, TS_BUDGET_VERDICT_EVICTED, 1);
	} else if (ts->budget) {
		ts_budget_charge(ts->budget, TS_BUDGET_VERDICTS, sizeof(*e), 1);
	}
	memcpy(e->key, key, SHA256_DIGEST_LENGTH);
	e->from = r->from;
	e->until = r->until;
	memcpy(e->bound, r->bound, sizeof(e->bound));
	e->v = *r->out;
	e->used = true;
	uint32_t b = key_bucket(key);
	e->next = ts->buckets[b];
	ts->buckets[b] = slot;
	ts->stats.cache_entries++;
}

void trust_store_set_budget(struct trust_store *ts, struct ts_budget *budget)
{
	size_t table = TRUST_CACHE_BUCKETS * sizeof(*ts->buckets);
	size_t cap = budget->part[TS_BUDGET_VERDICTS].cap;
	size_t fit = cap > table ? (cap - table) / sizeof(*ts->entries) : 0;
	if (ts->stats.cache_entries || ts->budget)
		return; /* before the first verdict only */
	ts->budget = budget;
	ts->ring_entries = fit < TRUST_CACHE_MIN_ENTRIES   ? TRUST_CACHE_MIN_ENTRIES
	                   : fit > TRUST_CACHE_MAX_ENTRIES ? TRUST_CACHE_MAX_ENTRIES
	                                                   : fit;
	ts_budget_charge(budget, TS_BUDGET_VERDICTS, table, 0);
}

void trust_verify(struct trust_store *ts, const struct x509_cert *const *certs, size_t count, int64_t at,
                  struct chain_verdict *out)
{
	memset(out, 0, sizeof(*out));
	out->error_depth = -1;

	struct run r = {
	    .certs = certs,
	    .count = count > TRUST_MAX_SENT ? TRUST_MAX_SENT : count,
	    .at = at,
	    .cacheable = true,
	    .from = INT64_MIN,
	    .until = INT64_MAX,
	    .out = out,
	};

	if (r.count == 0 || !usable(certs[0])) {
		/* Nothing to build a chain from: not trusted, and say which entries were unreadable. */
		out->verify_error = out->verify_error_last = X509_V_ERR_UNSPECIFIED;
		out->error_depth = 0;
		for (size_t i = 0; i < r.count; i++)
			if (!usable(certs[i]))
				add_issue(&r, CHAIN_UNPARSABLE, (int)i, 0);
	} else {
		uint8_t key[SHA256_DIGEST_LENGTH];
		chain_key(ts, certs, r.count, key);
		const struct cache_entry *hit = cache_find(ts, key, at);
		if (hit) {
			ts->stats.cache_hits++;
			*out = hit->v;
			fill_deltas(out, hit->bound, at);
			return;
		}
		verify_now(ts, &r);
		fill_deltas(out, r.bound, at);
		if (r.cacheable)
			cache_insert(ts, key, &r);
		return;
	}
	set_names(out);
}
