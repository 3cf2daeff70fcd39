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
#include "client_software.h"
#include "client_trust.h"
#include "conn.h"
#include "expect.h"
#include "hostname.h"
#include "resume_link.h"
#include "trust.h"

enum severity { SEV_INFO = 0, SEV_WARNING, SEV_ERROR, SEV_CRITICAL, SEV_COUNT };

const char *severity_name(enum severity s); /* "info", "warning", "error", "critical" */
bool severity_parse(const char *s, enum severity *out);

#define DIAG_MAX_FINDINGS 24
#define DIAG_TEXT 640

/* Every finding tlsscope raises; finding_kind() gives its stable name,
 * usual severity and where docs/findings.md explains it. */
enum finding_code {
	/* certificate and chain */
	FINDING_HOSTNAME_MISMATCH = 0,
	FINDING_WILDCARD_MISMATCH,
	FINDING_IP_NOT_IN_SAN,
	FINDING_CN_ONLY,
	FINDING_SELF_SIGNED_LEAF,
	FINDING_SELF_SIGNED_IN_CHAIN,
	FINDING_UNKNOWN_ISSUER,
	FINDING_MISSING_INTERMEDIATE,
	FINDING_EXPIRED,
	FINDING_NOT_YET_VALID,
	FINDING_CHAIN_ORDER,
	FINDING_WEAK_SIGNATURE,
	FINDING_WEAK_KEY,
	FINDING_NOT_FOR_SERVER_AUTH,
	FINDING_CA_AS_LEAF,
	FINDING_UNPARSABLE_CERTIFICATE,
	FINDING_CERTIFICATE_NOT_VISIBLE,
	/* behaviour on the wire */
	FINDING_RESET_AFTER_CLIENT_HELLO,
	FINDING_UNKNOWN_SNI,
	FINDING_ALERT,
	FINDING_CLIENT_REJECTED_CERTIFICATE,
	FINDING_NO_SNI,
	FINDING_SNI_IS_IP_LITERAL,
	FINDING_OBSOLETE_VERSION,
	FINDING_WEAK_CIPHER,
	FINDING_CLIENT_RENEGOTIATION,
	/* what a failed handshake shows when its content is hidden or missing */
	FINDING_PLAIN_HTTP_SERVER,
	FINDING_NO_SERVER_HELLO,
	FINDING_HANDSHAKE_CUT_OFF,
	FINDING_CLIENT_CERTIFICATE_MISSING,
	FINDING_TLS13_CLIENT_REJECTED,
	FINDING_TLS13_SERVER_REJECTED,
	/* client certificates (mutual TLS) */
	FINDING_CLIENT_CERTIFICATE_INVALID,
	FINDING_CLIENT_CERTIFICATE_REJECTED,
	/* certificate: valid at the handshake, but not for long (diag_context.expiry_warn_days) */
	FINDING_EXPIRY_SOON,
	FINDING_HANDSHAKE_GAP, /* the capture missed bytes of the handshake */
	FINDING_TRUST_DIFFERS_BY_CLIENT,
	FINDING_CODE_COUNT
};

/* Where a finding stands in the chain of events: findings are listed worst
 * first and, at equal severity, causes before the signals and alerts they led to. */
enum finding_role {
	FINDING_CAUSE = 0, /* a certificate, policy or configuration reason */
	FINDING_SIGNAL,    /* a side rejecting or leaving: what the cause made it do */
	FINDING_SYMPTOM,   /* an alert: the message that carried the rejection */
};

struct finding_kind {
	enum finding_code code;
	const char *name;       /* stable: "hostname-mismatch", ... (JSON "code") */
	enum severity severity; /* the usual one; some rules raise or lower it */
	const char *doc;        /* anchor in docs/findings.md */
	enum finding_role role;
};

/* The table entry of a code; NULL when out of range. */
const struct finding_kind *finding_kind(enum finding_code code);
/* The code of a stable name ("expired"); false when there is none. */
bool finding_code_parse(const char *name, enum finding_code *out);

struct finding {
	const char *code; /* stable: "hostname-mismatch", ... (finding_kind(kind)->name) */
	enum finding_code kind;
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

enum expected_source {
	EXPECT_NONE = 0,
	EXPECT_RULE,
	EXPECT_SNI,
	EXPECT_SERVER_IP,
	EXPECT_CONNECT,
	EXPECT_STARTTLS
};

/* "rule", "sni", "server_ip", "connect", "starttls", NULL */
const char *expected_source_name(enum expected_source s);

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

	struct finding findings[DIAG_MAX_FINDINGS]; /* worst first; causes before their symptoms */
	size_t finding_count;
	enum severity worst; /* SEV_INFO when there are none */

	struct client_error clients[CLIENT_COUNT];
	bool clients_from_chain; /* predictions include the certificate checks */

	bool sni_checked;      /* an SNI was sent and the leaf was visible and parsed */
	bool sni_matches_cert; /* ... and the leaf covers that name (Node's rules) */

	struct resume_origin resumed; /* a resumption: the connection that created its session */
	/* Each client's chain verdict under its own trust (client_trust.h); points at `verdict`
	 * for the clients that trust as the run's store does. Set when chain_checked. */
	const struct chain_verdict *client_verdict[CLIENT_COUNT];
	struct chain_verdict own_verdict[CLIENT_COUNT];
	bool trust_differs; /* some clients trust the chain and others do not */

	struct client_software software; /* who sent the ClientHello (client_software.h) */
};

struct diag_context {
	struct cert_cache *cache;
	struct trust_store *trust;
	const struct expect_rules *rules; /* may be NULL */
	struct resume_links *resume;      /* the run's sessions; NULL: resumptions are not linked */
	struct trust_store *client_trust; /* --client-ca (purpose sslclient), or NULL */
	/* expiry-soon when a certificate sent expires within this many days of the handshake; 0: never */
	int expiry_warn_days;
	struct client_trust *clients; /* each client's trust; NULL: every client uses `trust` */
};

/* Diagnose one finished connection. The result points into the cache: use
 * it before the next diagnose_conn() on the same cache. */
void diagnose_conn(struct diag_context *ctx, const struct conn *c, struct diagnosis *out);

/* The clients in the order to show them: the one that sent the ClientHello first (when it is
 * identified and predicted), then the others in enum order. */
void diagnosis_client_order(const struct diagnosis *d, enum tls_client order[CLIENT_COUNT]);

/* A finding added after the diagnosis (by a later stage: the state store's change findings), in its
 * place by severity, with no certificate; the caller fills message and fix. NULL when there is no room. */
struct finding *diagnosis_add_finding(struct diagnosis *d, const char *code, enum severity sev);

#endif
