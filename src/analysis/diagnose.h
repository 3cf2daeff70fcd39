/*
 * diagnose.h - from a connection record to findings: what went wrong, what
 * each common client would print, and the proper fix.
 *
 * Owns the expected host of a connection (a user rule, else the SNI, else
 * the server's IP address), the findings with their stable codes and
 * severities (docs/findings.md), and the per-client error predictions.
 * Certificates are parsed once per run through the cache; chains are
 * verified at the handshake's capture time through the trust store. The
 * fix offered is always the proper one, never turning verification off.
 */
#ifndef TLSSCOPE_DIAGNOSE_H
#define TLSSCOPE_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>

#include "cert_cache.h"
#include "conn.h"
#include "expect.h"
#include "hostname.h"
#include "trust.h"

enum severity { SEV_INFO = 0, SEV_WARNING, SEV_ERROR, SEV_CRITICAL, SEV_COUNT };

const char *severity_name(enum severity s); /* "info", "warning", "error", "critical" */
bool severity_parse(const char *s, enum severity *out);

#define DIAG_MAX_FINDINGS 24
#define DIAG_TEXT 640

struct finding {
	const char *code; /* stable: "hostname-mismatch", ... */
	enum severity severity;
	int cert; /* index into the certificates as sent, -1 if none */
	char message[DIAG_TEXT];
	char fix[DIAG_TEXT];
};

/* What a client would report: fails == false means it would connect. */
struct client_error {
	bool fails;
	char code[96];
	char message[DIAG_TEXT];
};

enum expected_source { EXPECT_NONE = 0, EXPECT_RULE, EXPECT_SNI, EXPECT_SERVER_IP };

const char *expected_source_name(enum expected_source s); /* "rule", "sni", "server_ip", NULL */

struct diagnosis {
	char expected_host[256]; /* the name checked (the first, with a rule) */
	enum expected_source expected_source;
	const struct expect_rule *rule; /* the rule that applied, or NULL */

	const struct x509_cert *certs[TLS_MAX_CERTS_PER_MSG]; /* server certificates as sent, parsed */
	size_t cert_count;
	bool chain_checked; /* the certificates were visible and verified */
	struct chain_verdict verdict;
	struct host_match host[CLIENT_COUNT];
	bool host_checked;

	struct finding findings[DIAG_MAX_FINDINGS]; /* worst first */
	size_t finding_count;
	enum severity worst; /* SEV_INFO when there are none */

	struct client_error clients[CLIENT_COUNT];
	bool clients_from_chain; /* predictions include the certificate checks */
};

struct diag_context {
	struct cert_cache *cache;
	struct trust_store *trust;
	const struct expect_rules *rules; /* may be NULL */
};

/* Diagnose one finished connection. The result points into the cache: use
 * it before the next diagnose_conn() on the same cache. */
void diagnose_conn(struct diag_context *ctx, const struct conn *c, struct diagnosis *out);

/* A finding added after the diagnosis (by a later stage: the state store's change findings), in its
 * place by severity, with no certificate; the caller fills message and fix. NULL when there is no room. */
struct finding *diagnosis_add_finding(struct diagnosis *d, const char *code, enum severity sev);

#endif
