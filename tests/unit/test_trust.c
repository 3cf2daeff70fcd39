/*
 * test_trust.c - chain verification on the sample captures' certificates
 * (tests/unit/data/chains, extracted from pcaps/ by extract_chains.sh),
 * with pcaps/ca/root.pem as the only trust anchor unless a test says
 * otherwise, plus chains made here for what the captures do not show
 * (MD5/SHA-1 below a root, a weak store intermediate, an untrusted root
 * sent in place, an unparsable entry).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "check.h"
#include "trust.h"
#include "x509_cert.h"

#define CAPTURE_AT 1772323200LL      /* 2026-03-01T00:00:00Z, when the samples were captured */
#define LEAF_NOT_BEFORE 1769731200LL /* 2026-01-30: the usual leaf's window */
#define LEAF_NOT_AFTER 1777507200LL  /* 2026-04-30 */
#define INTER_NOT_AFTER 2024611200LL /* 2034-02-27: tlsscope Test Issuing CA */
#define ROOT_NOT_AFTER 2403043200LL  /* 2046-02-24: tlsscope Test Root CA */
#define DAY 86400LL

#define MAX_CHAIN 8

static char repo[1024];
static char root_pem[1200], inter_pem[1200];

struct chain {
	struct x509_cert c[MAX_CHAIN];
	const struct x509_cert *p[MAX_CHAIN];
	size_t n;
};

/* The repository: $TLSSCOPE_ROOT, else where this file lives, else ".". */
static void find_repo(void)
{
	const char *env = getenv("TLSSCOPE_ROOT");
	const char *suffix = "/tests/unit/test_trust.c", *file = __FILE__;
	size_t flen = strlen(file), slen = strlen(suffix);

	if (env && *env)
		snprintf(repo, sizeof(repo), "%s", env);
	else if (flen > slen && strcmp(file + flen - slen, suffix) == 0)
		snprintf(repo, sizeof(repo), "%.*s", (int)(flen - slen), file);
	else
		snprintf(repo, sizeof(repo), ".");
	snprintf(root_pem, sizeof(root_pem), "%s/pcaps/ca/root.pem", repo);
	snprintf(inter_pem, sizeof(inter_pem), "%s/pcaps/ca/intermediate.pem", repo);
}

static bool read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	*buf = NULL;
	*len = 0;
	if (!f)
		return false;
	size_t cap = 1 << 16;
	*buf = malloc(cap);
	*len = *buf ? fread(*buf, 1, cap, f) : 0;
	fclose(f);
	return *buf != NULL;
}

static void chain_add_der(struct chain *ch, const uint8_t *der, size_t len)
{
	CHECK(ch->n < MAX_CHAIN);
	if (ch->n >= MAX_CHAIN)
		return;
	CHECK_EQ(x509_cert_parse(der, len, &ch->c[ch->n]), TS_OK);
	ch->p[ch->n] = &ch->c[ch->n];
	ch->n++;
}

static void chain_add_x509(struct chain *ch, X509 *x)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	CHECK(len > 0);
	if (len > 0)
		chain_add_der(ch, der, (size_t)len);
	OPENSSL_free(der);
}

static X509 *pem_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	return x;
}

static void chain_add_pem(struct chain *ch, const char *path)
{
	X509 *x = pem_cert(path);
	CHECK(x != NULL);
	if (x)
		chain_add_x509(ch, x);
	X509_free(x);
}

/* Certificates sent in capture NN-name: data/chains/NN-name/0.der, 1.der, ... */
static void chain_load(struct chain *ch, const char *name)
{
	memset(ch, 0, sizeof(*ch));
	for (size_t i = 0; i < MAX_CHAIN; i++) {
		char path[1400];
		uint8_t *der;
		size_t len;
		snprintf(path, sizeof(path), "%s/tests/unit/data/chains/%s/%zu.der", repo, name, i);
		if (!read_file(path, &der, &len))
			break;
		chain_add_der(ch, der, len);
		free(der);
	}
	if (ch->n == 0)
		fprintf(stderr,
		        "test_trust: no certificates for %s (run tests/unit/data/extract_chains.sh)\n", name);
	CHECK(ch->n > 0);
}

static void chain_free(struct chain *ch)
{
	for (size_t i = 0; i < ch->n; i++)
		x509_cert_free(&ch->c[i]);
	memset(ch, 0, sizeof(*ch));
}

static struct trust_store *store_with(const char *ca, const char *ca_add, bool no_system)
{
	const char *files[1] = {ca}, *adds[1] = {ca_add};
	struct trust_options o = {
	    .ca_files = files,
	    .ca_file_count = ca ? 1 : 0,
	    .ca_add_files = adds,
	    .ca_add_file_count = ca_add ? 1 : 0,
	    .no_system = no_system,
	};
	char err[512] = "";
	struct trust_store *ts = trust_store_new(&o, err, sizeof(err));
	if (!ts)
		fprintf(stderr, "test_trust: store: %s\n", err);
	CHECK(ts != NULL);
	return ts;
}

static struct trust_store *test_store(void)
{
	return store_with(root_pem, NULL, false);
}

struct want {
	enum chain_problem problem;
	int cert;
	int64_t delta_s;
};

/* The verdict names exactly these issues (sorted by problem, then cert), with these deltas. */
static void check_issues(const char *what, const struct chain_verdict *v, const struct want *w, size_t n)
{
	bool same = v->issue_count == n;
	for (size_t i = 0; same && i < n; i++)
		same = v->issues[i].problem == w[i].problem && v->issues[i].cert == w[i].cert &&
		       v->issues[i].delta_s == w[i].delta_s;
	CHECK(same);
	if (same)
		return;
	fprintf(stderr, "  %s: got", what);
	for (size_t i = 0; i < v->issue_count; i++)
		fprintf(stderr, " %s@%d(%lld)", chain_problem_name(v->issues[i].problem), v->issues[i].cert,
		        (long long)v->issues[i].delta_s);
	fprintf(stderr, ", want");
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " %s@%d(%lld)", chain_problem_name(w[i].problem), w[i].cert,
		        (long long)w[i].delta_s);
	fprintf(stderr, "\n");
}

static void check_built(const char *what, const struct chain_verdict *v, const int *b, size_t n)
{
	bool same = v->built_count == n;
	for (size_t i = 0; same && i < n; i++)
		same = v->built[i] == b[i];
	CHECK(same);
	if (same)
		return;
	fprintf(stderr, "  %s: built", what);
	for (size_t i = 0; i < v->built_count; i++)
		fprintf(stderr, " %d", v->built[i]);
	fprintf(stderr, "\n");
}

#define ISSUES(what, v, ...)                                                                                 \
	do {                                                                                                 \
		const struct want w_[] = {__VA_ARGS__};                                                      \
		check_issues(what, v, w_, sizeof(w_) / sizeof(w_[0]));                                       \
	} while (0)
#define NO_ISSUES(what, v) check_issues(what, v, NULL, 0)
#define BUILT(what, v, ...)                                                                                  \
	do {                                                                                                 \
		const int b_[] = {__VA_ARGS__};                                                              \
		check_built(what, v, b_, sizeof(b_) / sizeof(b_[0]));                                        \
	} while (0)

/* Verify one sample capture's chain at `at` against the test root. */
static void verify_sample(struct trust_store *ts, const char *name, int64_t at, struct chain_verdict *v)
{
	struct chain ch;
	chain_load(&ch, name);
	trust_verify(ts, ch.p, ch.n, at, v);
	chain_free(&ch);
}

/* ---- the sample captures ---- */

static void test_good_chains(void)
{
	struct trust_store *ts = test_store();
	struct chain_verdict v;

	verify_sample(ts, "01-tls12-good", CAPTURE_AT, &v);
	CHECK(v.trusted);
	CHECK_EQ(v.verify_error, X509_V_OK);
	CHECK_EQ(v.error_depth, -1);
	CHECK_EQ(v.verify_error_last, X509_V_OK);
	CHECK_STR(v.verify_error_name, "X509_V_OK");
	CHECK_STR(v.verify_error_text, "ok");
	BUILT("01", &v, 0, 1, -1);
	NO_ISSUES("01", &v);

	verify_sample(ts, "04-tls12-long-chain", CAPTURE_AT, &v);
	CHECK(v.trusted);
	BUILT("04", &v, 0, 1, 2, -1);
	NO_ISSUES("04", &v);

	verify_sample(ts, "18-ip-in-san", CAPTURE_AT, &v);
	CHECK(v.trusted);
	BUILT("18", &v, 0, 1, -1);
	NO_ISSUES("18", &v);
	trust_store_free(ts);
}

static void test_diagnosis_cases(void)
{
	struct trust_store *ts = test_store();
	struct chain_verdict v;

	verify_sample(ts, "20-self-signed-leaf", CAPTURE_AT, &v);
	CHECK(!v.trusted);
	CHECK_STR(v.verify_error_name, "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT");
	CHECK_STR(v.verify_error_text, "self-signed certificate");
	CHECK_EQ(v.error_depth, 0);
	CHECK_EQ(v.verify_error_last, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
	BUILT("20", &v, 0);
	ISSUES("20", &v, {CHAIN_SELF_SIGNED_LEAF, 0, 0});

	/* The unrelated root does not stop the chain through the store: it is an
	 * extra certificate (chain-order), not an untrusted root in the chain. */
	verify_sample(ts, "21-self-signed-root-in-chain", CAPTURE_AT, &v);
	CHECK(v.trusted);
	CHECK_STR(v.verify_error_name, "X509_V_OK");
	BUILT("21", &v, 0, 1, -1);
	ISSUES("21", &v, {CHAIN_ORDER, 2, 0});

	verify_sample(ts, "22-unknown-issuer", CAPTURE_AT, &v);
	CHECK(!v.trusted);
	CHECK_STR(v.verify_error_name, "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY");
	CHECK_EQ(v.error_depth, 1);
	CHECK_EQ(v.verify_error_last, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
	BUILT("22", &v, 0, 1);
	ISSUES("22", &v, {CHAIN_UNKNOWN_ISSUER, 1, 0});

	/* curl and Python stop at the first error; Node.js lets verification run on
	 * and reports the last: "unable to verify the first certificate". */
	verify_sample(ts, "23-missing-intermediate", CAPTURE_AT, &v);
	CHECK(!v.trusted);
	CHECK_STR(v.verify_error_name, "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY");
	CHECK_STR(v.verify_error_text, "unable to get local issuer certificate");
	CHECK_EQ(v.error_depth, 0);
	CHECK_EQ(v.verify_error_last, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE);
	CHECK_STR(trust_verify_error_name(v.verify_error_last), "X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE");
	BUILT("23", &v, 0);
	ISSUES("23", &v, {CHAIN_MISSING_INTERMEDIATE, 0, 0});

	/* notAfter 2026-02-19: ten days before the capture. */
	verify_sample(ts, "24-expired-leaf", CAPTURE_AT, &v);
	CHECK(!v.trusted);
	CHECK_STR(v.verify_error_name, "X509_V_ERR_CERT_HAS_EXPIRED");
	CHECK_EQ(v.error_depth, 0);
	BUILT("24", &v, 0, 1, -1);
	ISSUES("24", &v, {CHAIN_EXPIRED, 0, 10 * DAY});

	/* notBefore 2026-03-06: five days after it. */
	verify_sample(ts, "25-not-yet-valid-leaf", CAPTURE_AT, &v);
	CHECK(!v.trusted);
	CHECK_STR(v.verify_error_name, "X509_V_ERR_CERT_NOT_YET_VALID");
	ISSUES("25", &v, {CHAIN_NOT_YET_VALID, 0, 5 * DAY});

	/* leaf, unrelated.example.test, intermediate: OpenSSL finds the path anyway. */
	verify_sample(ts, "26-chain-order-wrong", CAPTURE_AT, &v);
	CHECK(v.trusted);
	BUILT("26", &v, 0, 2, -1);
	ISSUES("26", &v, {CHAIN_ORDER, 1, 0});

	verify_sample(ts, "27-sha1-signed-leaf", CAPTURE_AT, &v);
	CHECK(v.trusted);
	CHECK_STR(v.verify_error_name, "X509_V_OK");
	ISSUES("27", &v, {CHAIN_WEAK_SIGNATURE, 0, 0});

	verify_sample(ts, "28-rsa1024-leaf", CAPTURE_AT, &v);
	CHECK(v.trusted);
	ISSUES("28", &v, {CHAIN_WEAK_KEY, 0, 0});

	verify_sample(ts, "29-eku-client-auth-only", CAPTURE_AT, &v);
	CHECK(!v.trusted);
	CHECK_STR(v.verify_error_name, "X509_V_ERR_INVALID_PURPOSE");
	CHECK_EQ(v.error_depth, 0);
	ISSUES("29", &v, {CHAIN_NOT_FOR_SERVER_AUTH, 0, 0});

	/* OpenSSL accepts a CA certificate as the server's; browsers do not. */
	verify_sample(ts, "30-ca-cert-as-leaf", CAPTURE_AT, &v);
	CHECK(v.trusted);
	ISSUES("30", &v, {CHAIN_CA_AS_LEAF, 0, 0});
	trust_store_free(ts);
}

/* The same chain on either side of each window: the verdict flips, with the right distance. */
static void test_validity_windows(void)
{
	struct trust_store *ts = test_store();
	struct chain_verdict v;

	verify_sample(ts, "01-tls12-good", LEAF_NOT_AFTER - 1, &v);
	CHECK(v.trusted);
	NO_ISSUES("01 last second", &v);
	/* As X509_cmp_time has it: at notAfter itself the certificate has expired. */
	verify_sample(ts, "01-tls12-good", LEAF_NOT_AFTER, &v);
	CHECK(!v.trusted);
	CHECK_STR(v.verify_error_name, "X509_V_ERR_CERT_HAS_EXPIRED");
	ISSUES("01 at notAfter", &v, {CHAIN_EXPIRED, 0, 0});
	verify_sample(ts, "01-tls12-good", LEAF_NOT_AFTER + 100, &v);
	ISSUES("01 after", &v, {CHAIN_EXPIRED, 0, 100});
	verify_sample(ts, "01-tls12-good", LEAF_NOT_BEFORE, &v);
	CHECK(v.trusted);
	verify_sample(ts, "01-tls12-good", LEAF_NOT_BEFORE - 50, &v);
	CHECK(!v.trusted);
	CHECK_STR(v.verify_error_name, "X509_V_ERR_CERT_NOT_YET_VALID");
	ISSUES("01 before", &v, {CHAIN_NOT_YET_VALID, 0, 50});

	/* Every certificate is checked, the store's root too, not only the first OpenSSL trips on. */
	verify_sample(ts, "01-tls12-good", INTER_NOT_AFTER + DAY, &v);
	ISSUES("01 in 2034", &v, {CHAIN_EXPIRED, 0, INTER_NOT_AFTER + DAY - LEAF_NOT_AFTER},
	       {CHAIN_EXPIRED, 1, DAY});
	verify_sample(ts, "01-tls12-good", ROOT_NOT_AFTER + 7, &v);
	CHECK_STR(v.verify_error_name, "X509_V_ERR_CERT_HAS_EXPIRED");
	BUILT("01 in 2046", &v, 0, 1, -1);
	ISSUES("01 in 2046", &v, {CHAIN_EXPIRED, -1, 7},
	       {CHAIN_EXPIRED, 0, ROOT_NOT_AFTER + 7 - LEAF_NOT_AFTER},
	       {CHAIN_EXPIRED, 1, ROOT_NOT_AFTER + 7 - INTER_NOT_AFTER});

	/* The expired sample, before it expired. */
	verify_sample(ts, "24-expired-leaf", CAPTURE_AT - 30 * DAY, &v);
	CHECK(v.trusted);
	NO_ISSUES("24 in January", &v);

	/* Two problems at once: OpenSSL stops at the first, the verdict names both. */
	verify_sample(ts, "22-unknown-issuer", LEAF_NOT_AFTER + DAY, &v);
	CHECK(!v.trusted);
	CHECK_STR(v.verify_error_name, "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY");
	ISSUES("22 expired too", &v, {CHAIN_UNKNOWN_ISSUER, 1, 0}, {CHAIN_EXPIRED, 0, DAY});
	trust_store_free(ts);
}

/* ---- store set-up ---- */

static bool have_system_bundle(void)
{
	struct stat st;
	return stat("/etc/ssl/certs/ca-certificates.crt", &st) == 0 && st.st_size > 0;
}

static void test_system_store(void)
{
	if (!have_system_bundle()) {
		check_skip("test_trust",
		           "no system CA bundle (/etc/ssl/certs/ca-certificates.crt): system-store "
		           "checks not run");
		return;
	}
	struct chain_verdict v;
	struct trust_store *sys = store_with(NULL, NULL, false);
	if (!sys)
		return;
	size_t sys_certs = trust_store_stats(sys)->store_certs;
	CHECK(sys_certs > 10);

	/* The test PKI is private: the public roots do not know its root. */
	verify_sample(sys, "01-tls12-good", CAPTURE_AT, &v);
	CHECK(!v.trusted);
	CHECK_STR(v.verify_error_name, "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY");
	BUILT("01 system", &v, 0, 1);
	ISSUES("01 system", &v, {CHAIN_UNKNOWN_ISSUER, 1, 0});
	trust_store_free(sys);

	/* --ca-add keeps the system roots and adds the file's. */
	struct trust_store *add = store_with(NULL, root_pem, false);
	if (add) {
		CHECK_EQ(trust_store_stats(add)->store_certs, sys_certs + 1);
		verify_sample(add, "01-tls12-good", CAPTURE_AT, &v);
		CHECK(v.trusted);
		BUILT("01 system+add", &v, 0, 1, -1);
		trust_store_free(add);
	}
	/* --ca replaces them. */
	struct trust_store *ca = store_with(root_pem, NULL, false);
	if (ca) {
		CHECK_EQ(trust_store_stats(ca)->store_certs, 1);
		trust_store_free(ca);
	}
}

static void test_store_options(void)
{
	struct chain_verdict v;

	/* no_system: only what is added. */
	struct trust_store *empty = store_with(NULL, NULL, true);
	if (empty) {
		CHECK_EQ(trust_store_stats(empty)->store_certs, 0);
		verify_sample(empty, "01-tls12-good", CAPTURE_AT, &v);
		CHECK(!v.trusted);
		ISSUES("01 empty store", &v, {CHAIN_UNKNOWN_ISSUER, 1, 0});
		trust_store_free(empty);
	}
	struct trust_store *only = store_with(NULL, root_pem, true);
	if (only) {
		CHECK_EQ(trust_store_stats(only)->store_certs, 1);
		verify_sample(only, "01-tls12-good", CAPTURE_AT, &v);
		CHECK(v.trusted);
		trust_store_free(only);
	}

	/* --ca-add on top of --ca: the intermediate in the store completes a leaf sent alone. */
	struct trust_store *both = store_with(root_pem, inter_pem, false);
	if (both) {
		CHECK_EQ(trust_store_stats(both)->store_certs, 2);
		verify_sample(both, "23-missing-intermediate", CAPTURE_AT, &v);
		CHECK(v.trusted);
		BUILT("23 with intermediate", &v, 0, -1, -1);
		NO_ISSUES("23 with intermediate", &v);
		trust_store_free(both);
	}

	/* A missing --ca file is named, with the reason. */
	char err[512] = "";
	const char *missing[] = {"/nonexistent/tlsscope-ca.pem"};
	struct trust_options o = {.ca_files = missing, .ca_file_count = 1};
	CHECK(trust_store_new(&o, err, sizeof(err)) == NULL);
	CHECK_STR(err, "/nonexistent/tlsscope-ca.pem: cannot read: No such file or directory");

	/* A file with no certificate in it. */
	char path[] = "/tmp/test_trust_XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd >= 0) {
		const char text[] = "not a certificate\n";
		CHECK_EQ(write(fd, text, sizeof(text) - 1), (long long)sizeof(text) - 1);
		close(fd);
		const char *notcert[] = {path};
		struct trust_options o2 = {
		    .ca_add_files = notcert, .ca_add_file_count = 1, .no_system = true};
		char want[600];
		snprintf(want, sizeof(want), "%s: no certificate found", path);
		err[0] = '\0';
		CHECK(trust_store_new(&o2, err, sizeof(err)) == NULL);
		CHECK_STR(err, want);

		/* A damaged block after a good one is an error, not half a bundle. */
		FILE *f = fopen(path, "w");
		FILE *r = fopen(root_pem, "r");
		if (f && r) {
			int ch;
			while ((ch = fgetc(r)) != EOF)
				fputc(ch, f);
			fputs("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n", f);
		}
		if (r)
			fclose(r);
		if (f)
			fclose(f);
		err[0] = '\0';
		CHECK(trust_store_new(&o2, err, sizeof(err)) == NULL);
		CHECK(strncmp(err, path, strlen(path)) == 0 && strstr(err, ": cannot read: ") != NULL);

		/* A DER root works as well as PEM. */
		X509 *root = pem_cert(root_pem);
		f = fopen(path, "wb");
		if (root && f)
			CHECK_EQ(i2d_X509_fp(f, root), 1);
		if (f)
			fclose(f);
		X509_free(root);
		struct trust_store *der = trust_store_new(&o2, err, sizeof(err));
		CHECK(der != NULL);
		if (der) {
			verify_sample(der, "01-tls12-good", CAPTURE_AT, &v);
			CHECK(v.trusted);
			trust_store_free(der);
		}
		unlink(path);
	}

	/* --ca-dir: a c_rehash directory; a missing one is named. */
	char dir[] = "/tmp/test_trust_dir_XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	X509 *root = pem_cert(root_pem);
	char hashed[700] = "";
	if (root) {
		snprintf(hashed, sizeof(hashed), "%s/%08lx.0", dir, X509_subject_name_hash(root));
		FILE *f = fopen(hashed, "w");
		if (f) {
			PEM_write_X509(f, root);
			fclose(f);
		}
		X509_free(root);
	}
	const char *dirs[] = {dir};
	struct trust_options od = {.ca_dirs = dirs, .ca_dir_count = 1, .no_system = true};
	struct trust_store *hd = trust_store_new(&od, err, sizeof(err));
	CHECK(hd != NULL);
	if (hd) {
		verify_sample(hd, "01-tls12-good", CAPTURE_AT, &v);
		CHECK(v.trusted);
		BUILT("01 ca-dir", &v, 0, 1, -1);
		trust_store_free(hd);
	}
	unlink(hashed);
	rmdir(dir);
	const char *nodir[] = {"/nonexistent/tlsscope-certs"};
	struct trust_options on = {.ca_dirs = nodir, .ca_dir_count = 1};
	err[0] = '\0';
	CHECK(trust_store_new(&on, err, sizeof(err)) == NULL);
	CHECK_STR(err, "/nonexistent/tlsscope-certs: cannot read: No such file or directory");
	const char *notdir[] = {root_pem};
	on.ca_dirs = notdir;
	err[0] = '\0';
	CHECK(trust_store_new(&on, err, sizeof(err)) == NULL);
	CHECK(strstr(err, ": cannot read: not a directory") != NULL);
}

/* ---- the chain as sent ---- */

static void test_sent_order(void)
{
	struct trust_store *ts = test_store();
	struct chain_verdict v;
	struct chain good, other, ch;
	chain_load(&good, "01-tls12-good");
	chain_load(&other, "26-chain-order-wrong"); /* [1] is unrelated.example.test */

	/* The root sent last, in place: fine; the built chain names it by its sent index. */
	memset(&ch, 0, sizeof(ch));
	chain_add_pem(&ch, root_pem); /* ch.c[0] */
	const struct x509_cert *in_place[] = {good.p[0], good.p[1], &ch.c[0]};
	trust_verify(ts, in_place, 3, CAPTURE_AT, &v);
	CHECK(v.trusted);
	BUILT("leaf,inter,root", &v, 0, 1, 2);
	NO_ISSUES("leaf,inter,root", &v);

	/* The root before its intermediate. */
	const struct x509_cert *swapped[] = {good.p[0], &ch.c[0], good.p[1]};
	trust_verify(ts, swapped, 3, CAPTURE_AT, &v);
	CHECK(v.trusted);
	ISSUES("leaf,root,inter", &v, {CHAIN_ORDER, 1, 0});

	/* The intermediate twice. */
	const struct x509_cert *dup[] = {good.p[0], good.p[1], good.p[1]};
	trust_verify(ts, dup, 3, CAPTURE_AT, &v);
	CHECK(v.trusted);
	ISSUES("duplicate", &v, {CHAIN_ORDER, 2, 0});

	/* The leaf's issuer missing and an unrelated certificate sent instead. */
	const struct x509_cert *wrong[] = {good.p[0], other.p[1]};
	trust_verify(ts, wrong, 2, CAPTURE_AT, &v);
	CHECK(!v.trusted);
	BUILT("wrong intermediate", &v, 0);
	ISSUES("wrong intermediate", &v, {CHAIN_MISSING_INTERMEDIATE, 0, 0}, {CHAIN_ORDER, 1, 0});

	/* An entry libcrypto cannot parse, between good ones: named, and skipped. */
	struct x509_cert bad;
	static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
	CHECK_EQ(x509_cert_parse(junk, sizeof(junk), &bad), TS_OK);
	CHECK(!bad.parsed);
	const struct x509_cert *holed[] = {good.p[0], &bad, good.p[1]};
	trust_verify(ts, holed, 3, CAPTURE_AT, &v);
	CHECK(v.trusted);
	BUILT("unparsable middle", &v, 0, 2, -1);
	ISSUES("unparsable middle", &v, {CHAIN_UNPARSABLE, 1, 0});

	/* An unparsable leaf: nothing to build from. */
	const struct x509_cert *headless[] = {&bad, good.p[1]};
	uint64_t before = trust_store_stats(ts)->verifies;
	trust_verify(ts, headless, 2, CAPTURE_AT, &v);
	CHECK(!v.trusted);
	CHECK_STR(v.verify_error_name, "X509_V_ERR_UNSPECIFIED");
	CHECK_EQ(v.built_count, 0);
	ISSUES("unparsable leaf", &v, {CHAIN_UNPARSABLE, 0, 0});
	CHECK_EQ(trust_store_stats(ts)->verifies, before);

	/* No certificates at all. */
	trust_verify(ts, NULL, 0, CAPTURE_AT, &v);
	CHECK(!v.trusted);
	NO_ISSUES("empty", &v);

	x509_cert_free(&bad);
	chain_free(&ch);
	chain_free(&other);
	chain_free(&good);
	trust_store_free(ts);
}

/* ---- chains made here: weak hashes, an untrusted root sent in place ---- */

static EVP_PKEY *ec_key(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	CHECK(e != NULL);
	if (e)
		X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

/* A certificate for `key`, signed by issuer/ikey with `md` (issuer NULL: self-signed). */
static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, const EVP_MD *md, bool ca)
{
	static long serial = 1000;
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_NAME *name = X509_NAME_new();
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"tlsscope Unit PKI", -1,
	                           -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	X509_NAME_free(name);
	ASN1_TIME_set(X509_getm_notBefore(x), (time_t)(CAPTURE_AT - 30 * DAY));
	ASN1_TIME_set(X509_getm_notAfter(x), (time_t)(CAPTURE_AT + 365 * DAY));
	X509_set_pubkey(x, key);
	X509 *signer = issuer ? issuer : x;
	add_ext(x, signer, NID_subject_key_identifier, "hash");
	add_ext(x, signer, NID_authority_key_identifier, "keyid:always");
	if (ca) {
		add_ext(x, signer, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(x, signer, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(x, signer, NID_ext_key_usage, "serverAuth");
		add_ext(x, signer, NID_subject_alt_name, "DNS:www.example.test");
	}
	CHECK(X509_sign(x, issuer ? ikey : key, md) > 0);
	ERR_clear_error();
	return x;
}

static bool write_pem(const char *path, X509 *const *certs, size_t n)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	for (size_t i = 0; i < n; i++)
		PEM_write_X509(f, certs[i]);
	return fclose(f) == 0;
}

static void test_made_chains(void)
{
	/* An RSA root, so MD5 and SHA-1 RSA signatures can be made below it; the
	 * root's own SHA-1 self-signature is no weakness. */
	EVP_PKEY *rkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY *ikey = ec_key(), *lkey = ec_key();
	CHECK(rkey && ikey && lkey);
	if (!rkey || !ikey || !lkey) {
		EVP_PKEY_free(rkey);
		EVP_PKEY_free(ikey);
		EVP_PKEY_free(lkey);
		return;
	}
	X509 *root = make_cert("Unit Root", rkey, NULL, NULL, EVP_sha1(), true);
	X509 *inter_sha1 = make_cert("Unit Issuing SHA-1", ikey, root, rkey, EVP_sha1(), true);
	X509 *leaf_md5 = make_cert("www.example.test", lkey, root, rkey, EVP_md5(), false);
	X509 *leaf_sha1 = make_cert("www.example.test", lkey, inter_sha1, ikey, EVP_sha1(), false);
	X509 *leaf_ok = make_cert("www.example.test", lkey, inter_sha1, ikey, EVP_sha256(), false);
	X509 *leaf_root = make_cert("www.example.test", lkey, root, rkey, EVP_sha256(), false);
	EVP_PKEY *wkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	CHECK(wkey != NULL);
	X509 *inter_weak =
	    wkey ? make_cert("Unit Issuing RSA-1024", wkey, root, rkey, EVP_sha256(), true) : NULL;
	X509 *leaf_weak =
	    wkey ? make_cert("www.example.test", lkey, inter_weak, wkey, EVP_sha256(), false) : NULL;

	char root_path[] = "/tmp/test_trust_root_XXXXXX", both_path[] = "/tmp/test_trust_both_XXXXXX";
	char weak_path[] = "/tmp/test_trust_weak_XXXXXX";
	int f1 = mkstemp(root_path), f2 = mkstemp(both_path), f3 = mkstemp(weak_path);
	CHECK(f1 >= 0 && f2 >= 0 && f3 >= 0);
	if (f1 >= 0)
		close(f1);
	if (f2 >= 0)
		close(f2);
	if (f3 >= 0)
		close(f3);
	X509 *both[] = {root, inter_sha1}, *weak[] = {root, inter_weak};
	CHECK(write_pem(root_path, both, 1));
	CHECK(write_pem(both_path, both, 2));
	CHECK(write_pem(weak_path, weak, inter_weak ? 2 : 1));

	struct trust_store *ts = store_with(root_path, NULL, false);
	struct trust_store *ts2 = store_with(both_path, NULL, false);
	struct trust_store *ts3 = store_with(weak_path, NULL, false);
	struct chain_verdict v;
	struct chain ch;

	if (ts) {
		/* MD5 leaf straight below the root. */
		memset(&ch, 0, sizeof(ch));
		chain_add_x509(&ch, leaf_md5);
		CHECK(ch.c[0].weak_signature_hash);
		trust_verify(ts, ch.p, ch.n, CAPTURE_AT, &v);
		CHECK(v.trusted);
		BUILT("md5", &v, 0, -1);
		ISSUES("md5", &v, {CHAIN_WEAK_SIGNATURE, 0, 0});
		chain_free(&ch);

		/* SHA-1 on both the leaf and the sent intermediate. */
		chain_add_x509(&ch, leaf_sha1);
		chain_add_x509(&ch, inter_sha1);
		trust_verify(ts, ch.p, ch.n, CAPTURE_AT, &v);
		CHECK(v.trusted);
		BUILT("sha1", &v, 0, 1, -1);
		ISSUES("sha1", &v, {CHAIN_WEAK_SIGNATURE, 0, 0}, {CHAIN_WEAK_SIGNATURE, 1, 0});
		chain_free(&ch);
	}
	if (ts2) {
		/* The SHA-1 intermediate comes from the store: named as cert -1. */
		chain_add_x509(&ch, leaf_ok);
		trust_verify(ts2, ch.p, ch.n, CAPTURE_AT, &v);
		CHECK(v.trusted);
		BUILT("store sha1", &v, 0, -1, -1);
		ISSUES("store sha1", &v, {CHAIN_WEAK_SIGNATURE, -1, 0});
		chain_free(&ch);
	}
	if (ts3 && leaf_weak) {
		/* An RSA-1024 intermediate: from the store (-1), then sent (1). */
		chain_add_x509(&ch, leaf_weak);
		trust_verify(ts3, ch.p, ch.n, CAPTURE_AT, &v);
		CHECK(v.trusted);
		BUILT("store weak key", &v, 0, -1, -1);
		ISSUES("store weak key", &v, {CHAIN_WEAK_KEY, -1, 0});
		chain_add_x509(&ch, inter_weak);
		trust_verify(ts, ch.p, ch.n, CAPTURE_AT, &v);
		CHECK(v.trusted);
		BUILT("sent weak key", &v, 0, 1, -1);
		ISSUES("sent weak key", &v, {CHAIN_WEAK_KEY, 1, 0});
		chain_free(&ch);
	}

	/* A root sent in place that the store (the test PKI's) does not hold. */
	struct trust_store *test = test_store();
	if (test) {
		chain_add_x509(&ch, leaf_root);
		chain_add_x509(&ch, root);
		trust_verify(test, ch.p, ch.n, CAPTURE_AT, &v);
		CHECK(!v.trusted);
		CHECK_STR(v.verify_error_name, "X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN");
		CHECK_EQ(v.error_depth, 1);
		BUILT("untrusted root", &v, 0, 1);
		ISSUES("untrusted root", &v, {CHAIN_SELF_SIGNED_IN_CHAIN, 1, 0});
		chain_free(&ch);
		trust_store_free(test);
	}

	trust_store_free(ts);
	trust_store_free(ts2);
	trust_store_free(ts3);
	unlink(root_path);
	unlink(both_path);
	unlink(weak_path);
	EVP_PKEY_free(wkey);
	X509 *all[] = {root, inter_sha1, leaf_md5, leaf_sha1, leaf_ok, leaf_root, inter_weak, leaf_weak};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		X509_free(all[i]);
	EVP_PKEY_free(rkey);
	EVP_PKEY_free(ikey);
	EVP_PKEY_free(lkey);
}

/* ---- the cache ---- */

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void test_cache(void)
{
	struct trust_store *ts = test_store();
	if (!ts)
		return;
	const struct trust_stats *st = trust_store_stats(ts);
	struct chain good, expired;
	struct chain_verdict v, first;
	chain_load(&good, "01-tls12-good");
	chain_load(&expired, "24-expired-leaf");

	trust_verify(ts, good.p, good.n, CAPTURE_AT, &first);
	CHECK_EQ(st->verifies, 1);
	CHECK_EQ(st->cache_hits, 0);
	CHECK_EQ(st->cache_entries, 1);

	/* A few ms later, the same chain: a hit, the same verdict. */
	trust_verify(ts, good.p, good.n, CAPTURE_AT + 5, &v);
	CHECK_EQ(st->verifies, 1);
	CHECK_EQ(st->cache_hits, 1);
	CHECK(memcmp(&v, &first, sizeof(v)) == 0);

	/* Crossing the leaf's notAfter is a miss; later in the same state, a hit with a new delta. */
	trust_verify(ts, good.p, good.n, LEAF_NOT_AFTER + 1, &v);
	CHECK_EQ(st->verifies, 2);
	ISSUES("cache: expired", &v, {CHAIN_EXPIRED, 0, 1});
	trust_verify(ts, good.p, good.n, LEAF_NOT_AFTER + 10, &v);
	CHECK_EQ(st->verifies, 2);
	CHECK_EQ(st->cache_hits, 2);
	ISSUES("cache: expired later", &v, {CHAIN_EXPIRED, 0, 10});
	/* And back inside the window: the first entry is still there. */
	trust_verify(ts, good.p, good.n, LEAF_NOT_AFTER - 1, &v);
	CHECK_EQ(st->verifies, 2);
	CHECK(v.trusted);

	/* The store's root expiring under a valid-looking chain changes the verdict: not a stale hit. */
	trust_verify(ts, good.p, good.n, INTER_NOT_AFTER + DAY, &v);
	CHECK_EQ(st->verifies, 3);
	trust_verify(ts, good.p, good.n, ROOT_NOT_AFTER + DAY, &v);
	CHECK_EQ(st->verifies, 4);
	ISSUES("cache: root expired", &v, {CHAIN_EXPIRED, -1, DAY},
	       {CHAIN_EXPIRED, 0, ROOT_NOT_AFTER + DAY - LEAF_NOT_AFTER},
	       {CHAIN_EXPIRED, 1, ROOT_NOT_AFTER + DAY - INTER_NOT_AFTER});

	/* delta_s follows `at` on hits. */
	trust_verify(ts, expired.p, expired.n, CAPTURE_AT, &v);
	ISSUES("cache: 24", &v, {CHAIN_EXPIRED, 0, 10 * DAY});
	uint64_t misses = st->verifies;
	trust_verify(ts, expired.p, expired.n, CAPTURE_AT + 3600, &v);
	CHECK_EQ(st->verifies, misses);
	ISSUES("cache: 24 an hour on", &v, {CHAIN_EXPIRED, 0, 10 * DAY + 3600});
	CHECK_STR(v.verify_error_name, "X509_V_ERR_CERT_HAS_EXPIRED");

	/* A different chain (same certificates, one more) is a different key. */
	const struct x509_cert *longer[] = {good.p[0], good.p[1], good.p[1]};
	trust_verify(ts, longer, 3, CAPTURE_AT, &v);
	CHECK_EQ(st->verifies, misses + 1);

	/* What the cache buys. */
	const int rounds = 2000;
	double t0 = now_s();
	for (int i = 0; i < rounds; i++)
		trust_verify(ts, good.p, good.n, CAPTURE_AT + i, &v);
	double hit_us = (now_s() - t0) / rounds * 1e6;
	struct trust_store *cold = test_store();
	double miss_us = 0;
	if (cold) {
		t0 = now_s();
		for (int i = 0; i < 200; i++) {
			trust_verify(cold, good.p, good.n, CAPTURE_AT, &v);
			/* A fresh chain key each time: the same certificates, different fingerprints. */
			good.c[0].sha256[31]++;
		}
		miss_us = (now_s() - t0) / 200 * 1e6;
		CHECK_EQ(trust_store_stats(cold)->verifies, 200);
		CHECK(v.trusted);
		trust_store_free(cold);
	}
	printf("test_trust: verify %.1f us a chain, cache hit %.2f us\n", miss_us, hit_us);
	CHECK(hit_us < miss_us);

	chain_free(&expired);
	chain_free(&good);
	trust_store_free(ts);
}

/* Past TRUST_CACHE_MAX_ENTRIES the oldest entry goes, and lookups stay right. */
static void test_cache_eviction(void)
{
	struct trust_store *ts = test_store();
	if (!ts)
		return;
	const struct trust_stats *st = trust_store_stats(ts);
	struct chain good;
	struct chain_verdict v;
	chain_load(&good, "01-tls12-good");
	struct x509_cert leaf = good.c[0]; /* a shallow copy whose fingerprint names each distinct chain */
	const struct x509_cert *p[] = {&leaf, good.p[1]};

	for (uint32_t i = 0; i <= TRUST_CACHE_MAX_ENTRIES; i++) {
		memcpy(leaf.sha256, &i, sizeof(i));
		trust_verify(ts, p, 2, CAPTURE_AT, &v);
	}
	CHECK_EQ(st->verifies, TRUST_CACHE_MAX_ENTRIES + 1);
	CHECK_EQ(st->cache_entries, TRUST_CACHE_MAX_ENTRIES);
	CHECK_EQ(st->cache_evictions, 1);
	CHECK(v.trusted);

	uint32_t newest = TRUST_CACHE_MAX_ENTRIES, oldest = 0, second = 1;
	memcpy(leaf.sha256, &newest, sizeof(newest));
	trust_verify(ts, p, 2, CAPTURE_AT, &v);
	CHECK_EQ(st->verifies, TRUST_CACHE_MAX_ENTRIES + 1);
	memcpy(leaf.sha256, &second, sizeof(second));
	trust_verify(ts, p, 2, CAPTURE_AT, &v);
	CHECK_EQ(st->verifies, TRUST_CACHE_MAX_ENTRIES + 1);
	memcpy(leaf.sha256, &oldest, sizeof(oldest));
	trust_verify(ts, p, 2, CAPTURE_AT, &v);
	CHECK_EQ(st->verifies, TRUST_CACHE_MAX_ENTRIES + 2);
	CHECK_EQ(st->cache_evictions, 2);
	CHECK(v.trusted);

	chain_free(&good);
	trust_store_free(ts);
}

static void test_names(void)
{
	for (int p = 0; p < CHAIN_PROBLEM_COUNT; p++) {
		const char *n = chain_problem_name((enum chain_problem)p);
		CHECK(n && *n && strcmp(n, "unknown") != 0);
		for (int q = 0; q < p; q++)
			CHECK(strcmp(n, chain_problem_name((enum chain_problem)q)) != 0);
	}
	CHECK_STR(chain_problem_name(CHAIN_SELF_SIGNED_LEAF), "self-signed-leaf");
	CHECK_STR(chain_problem_name(CHAIN_MISSING_INTERMEDIATE), "missing-intermediate");
	CHECK_STR(chain_problem_name(CHAIN_PROBLEM_COUNT), "unknown");
	CHECK_STR(trust_verify_error_name(X509_V_OK), "X509_V_OK");
	CHECK_STR(trust_verify_error_name(X509_V_ERR_EC_KEY_EXPLICIT_PARAMS),
	          "X509_V_ERR_EC_KEY_EXPLICIT_PARAMS");
	CHECK(trust_verify_error_name(100000) == NULL);
}

int main(void)
{
	find_repo();
	char probe[1400];
	snprintf(probe, sizeof(probe), "%s/tests/unit/data/chains/01-tls12-good/0.der", repo);
	if (access(root_pem, R_OK) != 0 || access(probe, R_OK) != 0) {
		fprintf(stderr,
		        "test_trust: %s or %s missing: run from the repository (or set TLSSCOPE_ROOT)\n",
		        root_pem, probe);
		return 1;
	}
	test_names();
	test_good_chains();
	test_diagnosis_cases();
	test_validity_windows();
	test_system_store();
	test_store_options();
	test_sent_order();
	test_made_chains();
	test_cache();
	test_cache_eviction();
	return check_report("test_trust");
}
