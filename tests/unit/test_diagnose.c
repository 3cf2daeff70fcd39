/*
 * test_diagnose.c - diagnose_conn() on real connection records: the sample
 * captures in pcaps/ (real OpenSSL handshakes from the capture maker, each
 * described in pcaps/MANIFEST.tsv) read through the library's capture and
 * engine, diagnosed against the test PKI's root (pcaps/ca/root.pem) or an
 * empty store, at the capture time of each handshake.
 *
 * Checks, through the public API of diagnose.h only: the findings each
 * capture must give (code and severity, worst first), the expected host and
 * where it came from (--expect rule, SNI, server IP), and what Node, curl and
 * openssl s_client would print. Run from the repository (ctest does).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capture.h"
#include "check.h"
#include "diagnose.h"
#include "engine.h"

#define CA_ROOT "pcaps/ca/root.pem"

/* The diagnosis of the first connection of a capture. */
struct run {
	struct diag_context ctx;
	struct diagnosis d;
	bool seen;
};

static void on_conn(struct conn *c, void *user)
{
	struct run *r = user;
	if (r->seen)
		return;
	diagnose_conn(&r->ctx, c, &r->d);
	r->seen = true;
}

/* Diagnose the first connection of pcaps/NAME.pcap. `ca`: the store's only root (NULL: an empty
 * store); `rule`: one --expect rule or NULL. The diagnosis stays valid until the next call; a
 * NULL name only frees what the last call kept. */
static const struct diagnosis *diagnose_sample(const char *name, const char *ca, const char *rule)
{
	static struct run r;
	static struct cert_cache *cache;
	static struct trust_store *trust;
	static struct expect_rules rules;
	char path[256], err[512];

	cert_cache_free(cache);
	trust_store_free(trust);
	expect_free(&rules);
	memset(&r, 0, sizeof(r));
	memset(&rules, 0, sizeof(rules));
	cache = NULL;
	trust = NULL;
	if (!name)
		return NULL;

	const char *files[1] = {ca};
	struct trust_options o = {.ca_files = files, .ca_file_count = ca ? 1 : 0, .no_system = true};
	trust = trust_store_new(&o, err, sizeof(err));
	cache = cert_cache_new(0);
	CHECK(trust != NULL && cache != NULL);
	if (!trust || !cache) {
		fprintf(stderr, "%s: %s\n", name, err);
		return NULL;
	}
	if (rule)
		CHECK(expect_add(&rules, rule, err, sizeof(err)));
	r.ctx = (struct diag_context){cache, trust, rule ? &rules : NULL};

	struct engine_options eo = {0};
	struct engine *e = engine_new(&eo, on_conn, &r);
	struct capture_info info;
	snprintf(path, sizeof(path), "pcaps/%s.pcap", name);
	engine_set_file(e, 0);
	enum ts_status st = capture_read_file(path, e, &info);
	engine_flush(e);
	engine_free(e);
	CHECK_EQ(st, TS_OK);
	CHECK(r.seen);
	if (st != TS_OK || !r.seen) {
		fprintf(stderr, "%s: no connection (%s)\n", path, info.error);
		return NULL;
	}
	return &r.d;
}

static const struct finding *find(const struct diagnosis *d, const char *code)
{
	for (size_t i = 0; d && i < d->finding_count; i++)
		if (!strcmp(d->findings[i].code, code))
			return &d->findings[i];
	return NULL;
}

/* Worst first; `worst` is the first one's severity (info when there is none). */
static void check_order(const char *name, const struct diagnosis *d)
{
	bool ok = d->worst == (d->finding_count ? d->findings[0].severity : SEV_INFO);
	for (size_t i = 1; i < d->finding_count; i++)
		ok = ok && d->findings[i - 1].severity >= d->findings[i].severity;
	if (!ok)
		fprintf(stderr, "%s: findings not worst first\n", name);
	CHECK(ok);
}

/* A fix never turns verification off, and every finding says something and how to fix it. */
static void check_fixes(const char *name, const struct diagnosis *d)
{
	static const char *const off[] = {"rejectUnauthorized", "NODE_TLS_REJECT_UNAUTHORIZED",
	                                  "--insecure",         " -k ",
	                                  "verify=False",       "CERT_NONE",
	                                  "InsecureSkipVerify", "-verify_return_error off"};
	for (size_t i = 0; i < d->finding_count; i++) {
		const struct finding *f = &d->findings[i];
		CHECK(f->message[0] != '\0');
		CHECK(f->fix[0] != '\0');
		for (size_t k = 0; k < sizeof(off) / sizeof(off[0]); k++)
			if (strstr(f->fix, off[k])) {
				fprintf(stderr, "%s: %s: the fix says '%s'\n", name, f->code, off[k]);
				CHECK_FAIL("a fix that turns verification off");
			}
	}
}

/* ---- the findings of each sample capture ------------------------------- */

struct want {
	const char *code;
	enum severity sev;
};

struct sample {
	const char *name;
	bool with_root; /* the store holds the test PKI's root */
	struct want w[4];
};

static const struct sample SAMPLES[] = {
    {"01-tls12-good", true, {{0}}},
    {"04-tls12-long-chain", true, {{0}}},
    {"02-tls13-good", true, {{"certificate-not-visible", SEV_INFO}}},
    {"03-tls12-no-sni", true, {{"ip-not-in-san", SEV_ERROR}, {"no-sni", SEV_INFO}}},
    {"05-tls12-alert", true, {{"alert", SEV_ERROR}}},
    {"06-reset-after-client-hello", true, {{"reset-after-client-hello", SEV_ERROR}}},
    {"14-client-alert-unknown-ca",
     true,
     /* causes before symptoms: the certificate, the rejection, then the alert that carried it */
     {{"self-signed-leaf", SEV_ERROR}, {"client-rejected-certificate", SEV_ERROR}, {"alert", SEV_ERROR}}},
    {"15-hostname-mismatch", true, {{"hostname-mismatch", SEV_ERROR}}},
    {"16-wildcard-mismatch", true, {{"wildcard-mismatch", SEV_ERROR}}},
    {"17-ip-not-in-san", true, {{"ip-not-in-san", SEV_ERROR}, {"no-sni", SEV_INFO}}},
    {"18-ip-in-san", true, {{"no-sni", SEV_INFO}}},
    {"19-cn-only", true, {{"cn-only", SEV_WARNING}}},
    {"20-self-signed-leaf", true, {{"self-signed-leaf", SEV_ERROR}}},
    {"22-unknown-issuer", true, {{"unknown-issuer", SEV_ERROR}}},
    {"23-missing-intermediate", true, {{"missing-intermediate", SEV_ERROR}}},
    {"24-expired-leaf", true, {{"expired", SEV_ERROR}}},
    {"25-not-yet-valid-leaf", true, {{"not-yet-valid", SEV_ERROR}}},
    {"26-chain-order-wrong", true, {{"chain-order", SEV_WARNING}}},
    {"27-sha1-signed-leaf", true, {{"weak-signature", SEV_ERROR}}},
    {"28-rsa1024-leaf", true, {{"weak-key", SEV_WARNING}}},
    {"29-eku-client-auth-only", true, {{"not-for-server-auth", SEV_ERROR}}},
    {"30-ca-cert-as-leaf", true, {{"ca-as-leaf", SEV_WARNING}}},
    {"31-sni-ip-literal", true, {{"sni-is-ip-literal", SEV_WARNING}}},
    {"32-tls10-obsolete", true, {{"obsolete-version", SEV_WARNING}}},
    {"33-weak-cipher-null", true, {{"weak-cipher", SEV_ERROR}}},
    {"34-client-renegotiation", true, {{"client-renegotiation", SEV_WARNING}}},
    {"35-client-close-no-data-tls12",
     true,
     {{"self-signed-leaf", SEV_ERROR}, {"client-rejected-certificate", SEV_ERROR}}},
    /* The certificate is encrypted: the close without data is all there is to go on, and in TLS 1.3
     * it is the client's rejection (an error), with what a key log would add. */
    {"36-client-close-no-data-tls13",
     true,
     {{"tls13-client-rejected", SEV_ERROR}, {"certificate-not-visible", SEV_INFO}}},
    {"37-warning-unrecognized-name", true, {{"hostname-mismatch", SEV_ERROR}, {"alert", SEV_WARNING}}},
    /* Without the root, a complete chain leads nowhere known. */
    {"01-tls12-good", false, {{"unknown-issuer", SEV_ERROR}}},
    /* The unrelated self-signed root sent is not trusted, nor is the intermediate's issuer. */
    {"21-self-signed-root-in-chain",
     false,
     {{"self-signed-in-chain", SEV_ERROR}, {"unknown-issuer", SEV_ERROR}}},
};

static void test_samples(void)
{
	for (size_t i = 0; i < sizeof(SAMPLES) / sizeof(SAMPLES[0]); i++) {
		const struct sample *s = &SAMPLES[i];
		const struct diagnosis *d = diagnose_sample(s->name, s->with_root ? CA_ROOT : NULL, NULL);
		if (!d)
			continue;
		size_t n = 0;
		while (n < 4 && s->w[n].code)
			n++;
		bool same = d->finding_count == n;
		for (size_t k = 0; same && k < n; k++)
			same = !strcmp(d->findings[k].code, s->w[k].code) &&
			       d->findings[k].severity == s->w[k].sev;
		if (!same) {
			fprintf(stderr, "%s%s: findings", s->name, s->with_root ? "" : " (empty store)");
			for (size_t k = 0; k < d->finding_count; k++)
				fprintf(stderr, " %s/%s", d->findings[k].code,
				        severity_name(d->findings[k].severity));
			fprintf(stderr, "\n");
		}
		CHECK(same);
		check_order(s->name, d);
		check_fixes(s->name, d);
		/* A chain was verified exactly when certificates were seen in clear. */
		CHECK_EQ(d->chain_checked, d->cert_count > 0);
	}
}

/* ---- the expected host: rule, else SNI, else the server's address ------- */

static void test_expected_host(void)
{
	const struct diagnosis *d = diagnose_sample("15-hostname-mismatch", CA_ROOT, NULL);
	if (d) {
		CHECK_STR(d->expected_host, "shop.example.test");
		CHECK_EQ(d->expected_source, EXPECT_SNI);
		CHECK(d->rule == NULL);
		CHECK_STR(expected_source_name(d->expected_source), "sni");
	}
	d = diagnose_sample("17-ip-not-in-san", CA_ROOT, NULL);
	if (d) {
		CHECK_STR(d->expected_host, "10.0.0.2");
		CHECK_EQ(d->expected_source, EXPECT_SERVER_IP);
		CHECK_STR(expected_source_name(d->expected_source), "server_ip");
	}
	/* A rule for the server names what it should present: the IP no longer has to be in the SAN. */
	d = diagnose_sample("17-ip-not-in-san", CA_ROOT, "10.0.0.2:443=www.example.test");
	if (d) {
		CHECK_STR(d->expected_host, "www.example.test");
		CHECK_EQ(d->expected_source, EXPECT_RULE);
		CHECK_STR(expected_source_name(d->expected_source), "rule");
		CHECK(d->rule != NULL);
		CHECK(find(d, "ip-not-in-san") == NULL);
		CHECK(find(d, "hostname-mismatch") == NULL);
		CHECK(!d->clients[CLIENT_NODE].fails && !d->clients[CLIENT_CURL].fails);
	}
	/* The client asked for a name the rule does not know: that is the finding, and the name
	 * checked against the certificate is the rule's first. */
	d = diagnose_sample("15-hostname-mismatch", CA_ROOT, "10.0.0.2=www.example.test");
	if (d) {
		CHECK_STR(d->expected_host, "www.example.test");
		const struct finding *f = find(d, "unknown-sni");
		CHECK(f != NULL);
		CHECK(f && f->severity == SEV_ERROR);
		CHECK(f && strstr(f->message, "shop.example.test") != NULL);
		CHECK(find(d, "hostname-mismatch") == NULL);
	}
	/* When the SNI is among the rule's names it is the one checked, whatever its position. */
	d = diagnose_sample("15-hostname-mismatch", CA_ROOT, "10.0.0.2=www.example.test,SHOP.example.test");
	if (d) {
		CHECK(!strcasecmp(d->expected_host, "shop.example.test")); /* the second name of the rule */
		CHECK(find(d, "unknown-sni") == NULL);
		CHECK(find(d, "hostname-mismatch") != NULL);
	}
	/* A rule for another server does not apply. */
	d = diagnose_sample("15-hostname-mismatch", CA_ROOT, "10.9.9.9=www.example.test");
	if (d) {
		CHECK_EQ(d->expected_source, EXPECT_SNI);
		CHECK(d->rule == NULL);
		CHECK(find(d, "hostname-mismatch") != NULL);
	}
	CHECK(expected_source_name(EXPECT_NONE) == NULL);
}

/* ---- what Node, curl and openssl s_client would print ------------------- */

/* What one client prints for one capture: its code, and words its message must contain. */
struct client_want {
	const char *capture;
	enum tls_client client;
	const char *code;
	const char *text;
};

static const struct client_want CLIENT_WANTS[] = {
    /* Node's wording of tls.checkServerIdentity, curl's exit 60, s_client's verify error. */
    {"15-hostname-mismatch", CLIENT_NODE, "ERR_TLS_CERT_ALTNAME_INVALID",
     "Hostname/IP does not match certificate's altnames: Host: shop.example.test. is not in the cert's "
     "altnames: DNS:www.example.test, DNS:example.test"},
    {"15-hostname-mismatch", CLIENT_CURL, "60",
     "SSL: no alternative certificate subject name matches target host name 'shop.example.test'"},
    {"15-hostname-mismatch", CLIENT_OPENSSL, "X509_V_ERR_HOSTNAME_MISMATCH",
     "verify error:num=62:hostname mismatch"},
    {"17-ip-not-in-san", CLIENT_NODE, "ERR_TLS_CERT_ALTNAME_INVALID",
     "IP: 10.0.0.2 is not in the cert's list"},
    {"17-ip-not-in-san", CLIENT_OPENSSL, "X509_V_ERR_IP_ADDRESS_MISMATCH", "num=64:IP address mismatch"},
    {"20-self-signed-leaf", CLIENT_NODE, "DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate"},
    {"20-self-signed-leaf", CLIENT_CURL, "60", "SSL certificate problem: self-signed certificate"},
    {"20-self-signed-leaf", CLIENT_OPENSSL, "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT", "verify error:num=18:"},
    /* Expiry is judged at the capture time (2026-03), not today. */
    {"24-expired-leaf", CLIENT_NODE, "CERT_HAS_EXPIRED", "certificate has expired"},
    {"24-expired-leaf", CLIENT_CURL, "60", "SSL certificate problem: certificate has expired"},
    {"24-expired-leaf", CLIENT_OPENSSL, "X509_V_ERR_CERT_HAS_EXPIRED", "verify error:num=10:"},
    {"25-not-yet-valid-leaf", CLIENT_NODE, "CERT_NOT_YET_VALID", "certificate is not yet valid"},
    {"22-unknown-issuer", CLIENT_NODE, "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
     "unable to get local issuer certificate"},
    {"22-unknown-issuer", CLIENT_CURL, "60",
     "SSL certificate problem: unable to get local issuer certificate"},
    /* Only the leaf sent: Node names the leaf's signature it cannot verify. */
    {"23-missing-intermediate", CLIENT_NODE, "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
     "unable to verify the first certificate"},
    /* Failures on the wire: a reset and a fatal alert, as each client reports them. */
    {"06-reset-after-client-hello", CLIENT_NODE, "ECONNRESET", "ECONNRESET"},
    {"06-reset-after-client-hello", CLIENT_CURL, "35", "Connection reset by peer"},
    {"05-tls12-alert", CLIENT_NODE, "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE", "SSL alert number 40"},
    {"05-tls12-alert", CLIENT_CURL, "35", "sslv3 alert handshake failure"},
    {"05-tls12-alert", CLIENT_OPENSSL, "SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE", "alert handshake failure"},
    /* A CN-only certificate: Go ignores the CN (Node, curl and openssl connect: below). */
    {"19-cn-only", CLIENT_GO, "x509.HostnameError", "certificate relies on legacy Common Name field"},
};

/* Every client connects to these (warnings at most). */
static const char *const ALL_CONNECT[] = {"01-tls12-good", "26-chain-order-wrong", "30-ca-cert-as-leaf"};

static void test_client_errors(void)
{
	for (size_t i = 0; i < sizeof(CLIENT_WANTS) / sizeof(CLIENT_WANTS[0]); i++) {
		const struct client_want *w = &CLIENT_WANTS[i];
		const struct diagnosis *d = diagnose_sample(w->capture, CA_ROOT, NULL);
		if (!d)
			continue;
		const struct client_error *e = &d->clients[w->client];
		CHECK(e->fails);
		CHECK_STR(e->code, w->code);
		if (!strstr(e->message, w->text)) {
			fprintf(stderr, "%s client %d: '%s' does not contain '%s'\n", w->capture,
			        (int)w->client, e->message, w->text);
			CHECK_FAIL("client message");
		}
	}
	for (size_t i = 0; i < sizeof(ALL_CONNECT) / sizeof(ALL_CONNECT[0]); i++) {
		const struct diagnosis *d = diagnose_sample(ALL_CONNECT[i], CA_ROOT, NULL);
		for (int k = 0; d && k < CLIENT_COUNT; k++)
			if (d->clients[k].fails) {
				fprintf(stderr, "%s: client %d would fail: %s\n", ALL_CONNECT[i], k,
				        d->clients[k].code);
				CHECK_FAIL("a client fails on a good connection");
			}
		CHECK(d && d->clients_from_chain);
	}
	const struct diagnosis *d = diagnose_sample("19-cn-only", CA_ROOT, NULL);
	CHECK(d && !d->clients[CLIENT_NODE].fails && !d->clients[CLIENT_CURL].fails &&
	      !d->clients[CLIENT_OPENSSL].fails);
	/* A reset before any certificate: the predictions come from the wire alone. */
	d = diagnose_sample("06-reset-after-client-hello", CA_ROOT, NULL);
	CHECK(d && !d->clients_from_chain);
	d = diagnose_sample("23-missing-intermediate", CA_ROOT, NULL);
	const struct finding *f = find(d, "missing-intermediate");
	CHECK(f && strstr(f->fix, "intermediate") != NULL);
}

int main(void)
{
	test_samples();
	test_expected_host();
	test_client_errors();
	diagnose_sample(NULL, NULL, NULL); /* frees the last run's store and cache */
	CHECK_STR(severity_name(SEV_CRITICAL), "critical");
	enum severity s;
	CHECK(severity_parse("warning", &s) && s == SEV_WARNING);
	CHECK(!severity_parse("sometimes", &s));
	return check_report("test_diagnose");
}
