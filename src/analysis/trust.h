/*
 * trust.h - the trust store, and verifying a server's chain the way an
 * OpenSSL-based client would, at the capture time of the handshake.
 *
 * Owns X509_STORE set-up (the system bundle, or --ca files that replace it,
 * --ca-add files that add to it, --ca-dir directories) and
 * X509_verify_cert with X509_VERIFY_PARAM_set_time, purpose sslserver, the
 * sent certificates as untrusted intermediates. On top of OpenSSL's single
 * verify result it names every chain problem it can see, with which
 * certificate it concerns, so the findings can say exactly what to fix.
 * Results are cached per (sent chain, capture-time validity state).
 */
#ifndef TLSSCOPE_TRUST_H
#define TLSSCOPE_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ts_budget.h"
#include "ts_limits.h"
#include "x509_cert.h"

struct trust_options {
	const char **ca_files; /* --ca: replace the system store */
	size_t ca_file_count;
	const char **ca_add_files; /* --ca-add: add to the system store (or to --ca) */
	size_t ca_add_file_count;
	const char **ca_dirs; /* --ca-dir: hashed directories (c_rehash layout) */
	size_t ca_dir_count;
	bool no_system;   /* do not load the system store even without --ca */
	bool client_auth; /* verify client certificates (purpose sslclient, as a server does: --client-ca) */
	/* The system store's file and directories (':'-separated) in place of SSL_CERT_FILE /
	 * SSL_CERT_DIR of tlsscope's own environment and OpenSSL's defaults; NULL: those. */
	const char *system_file;
	const char *system_dirs;
	const char **system_add_files; /* --system-ca-add: in the system store, when it is loaded */
	size_t system_add_file_count;
};

struct trust_store;

/* NULL on error with a message (naming the file) in err. */
struct trust_store *trust_store_new(const struct trust_options *o, char *err, size_t errlen);
void trust_store_free(struct trust_store *ts);

/* Charge the verdict cache to the budget's verdicts part, holding no more
 * verdicts than fit in its cap (at least TRUST_CACHE_MIN_ENTRIES); each one
 * overwritten is counted. Before the first trust_verify(). */
void trust_store_set_budget(struct trust_store *ts, struct ts_budget *budget);
/* Add the certificates of a PEM text (other blocks skipped); how many were added. Only before the
 * first trust_verify(): verdicts already cached would not see them. */
size_t trust_store_add_pem(struct trust_store *ts, const char *pem, size_t len);
/* Add one DER certificate; false when it does not parse. Same rule as above. */
bool trust_store_add_der(struct trust_store *ts, const uint8_t *der, size_t len);
/* Add every certificate file of a directory (not only hashed names): how many files held one. */
size_t trust_store_add_dir_files(struct trust_store *ts, const char *dir);

/* What is wrong with a chain; `cert` indexes the chain as sent (-1: not a sent cert). */
enum chain_problem {
	CHAIN_SELF_SIGNED_LEAF = 0, /* the leaf is self-signed and not trusted itself */
	CHAIN_SELF_SIGNED_IN_CHAIN, /* a self-signed root was sent but is not in the store */
	CHAIN_UNKNOWN_ISSUER,       /* leads to a CA not in the store, its root not sent */
	CHAIN_MISSING_INTERMEDIATE, /* the leaf's issuer was not sent; the store has no path (AIA may help) */
	CHAIN_EXPIRED,              /* notAfter before capture time */
	CHAIN_NOT_YET_VALID,        /* notBefore after capture time */
	CHAIN_ORDER,                /* sent out of order, or with unrelated extra certificates */
	CHAIN_WEAK_SIGNATURE,       /* MD5/SHA-1 signature on a certificate below the root */
	CHAIN_WEAK_KEY,             /* RSA/DSA < 2048 bits, EC < 224 bits */
	CHAIN_NOT_FOR_SERVER_AUTH,  /* the leaf's extendedKeyUsage excludes serverAuth */
	CHAIN_CA_AS_LEAF,           /* the leaf is a CA certificate (basicConstraints CA:TRUE) */
	CHAIN_UNPARSABLE,           /* a sent certificate libcrypto cannot parse */
	CHAIN_PROBLEM_COUNT
};

const char *chain_problem_name(enum chain_problem p); /* "self-signed-leaf", ... as finding codes */
const char *trust_verify_error_name(int code);        /* "X509_V_ERR_CERT_HAS_EXPIRED"; NULL if unknown */

struct chain_issue {
	enum chain_problem problem;
	int cert;        /* index in the chain as sent, -1 if none */
	int64_t delta_s; /* expired / not yet valid: seconds past notAfter / before notBefore */
};

#define TRUST_MAX_ISSUES 16

struct chain_verdict {
	bool trusted;                   /* X509_verify_cert succeeded (name not checked here) */
	int verify_error;               /* X509_V_OK or X509_V_ERR_* */
	int error_depth;                /* depth in the built chain where it failed; -1 when X509_V_OK */
	char verify_error_name[64];     /* "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT" (X509_V_OK when fine) */
	char verify_error_text[128];    /* X509_verify_cert_error_string() */
	int verify_error_last;          /* the error left when every error is let through, as Node.js does
	                                   (its callback returns 1, then it reads SSL_get_verify_result) */
	int built[TLS_MAX_CHAIN_BUILT]; /* built chain, leaf first: index into sent certs, or -1 = from the
	                                   store */
	size_t built_count;
	struct chain_issue issues[TRUST_MAX_ISSUES];
	size_t issue_count;
};

/*
 * Verify the server chain `certs` (as sent, leaf first; entries may be
 * unparsed) at Unix time `at`. Never checks the host name (see hostname.h).
 */
void trust_verify(struct trust_store *ts, const struct x509_cert *const *certs, size_t count, int64_t at,
                  struct chain_verdict *out);

/* Verdicts are cached per store (not thread-safe: one store per thread). */
struct trust_stats {
	uint64_t verifies; /* X509_verify_cert calls: cache misses that built a chain */
	uint64_t cache_hits;
	uint64_t cache_evictions; /* entries dropped at TRUST_CACHE_MAX_ENTRIES, oldest first */
	size_t cache_entries;
	size_t store_certs; /* certificates in the store when it was made (hashed directories load lazily) */
};

const struct trust_stats *trust_store_stats(const struct trust_store *ts);

#endif
