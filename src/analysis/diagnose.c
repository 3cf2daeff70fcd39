/*
 * diagnose.c - findings and per-client error predictions for one connection
 * (see diagnose.h; every code is documented in docs/findings.md).
 */
#include "diagnose.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "decode.h"
#include "tls_names.h"

const char *severity_name(enum severity s)
{
	static const char *const names[SEV_COUNT] = {"info", "warning", "error", "critical"};
	return (unsigned)s < SEV_COUNT ? names[s] : "unknown";
}

bool severity_parse(const char *s, enum severity *out)
{
	for (int i = 0; i < SEV_COUNT; i++)
		if (!strcasecmp(s, severity_name((enum severity)i))) {
			*out = (enum severity)i;
			return true;
		}
	return false;
}

const char *expected_source_name(enum expected_source s)
{
	switch (s) {
	case EXPECT_RULE:
		return "rule";
	case EXPECT_SNI:
		return "sni";
	case EXPECT_SERVER_IP:
		return "server_ip";
	case EXPECT_CONNECT:
		return "connect";
	case EXPECT_STARTTLS:
		return "starttls";
	default:
		return NULL;
	}
}

/* ------------------------------------------------------------ the table */

#define KIND(c, n, s, a, r) [FINDING_##c] = {FINDING_##c, n, SEV_##s, a, FINDING_##r}
static const struct finding_kind finding_kinds[FINDING_CODE_COUNT] = {
    KIND(HOSTNAME_MISMATCH, "hostname-mismatch", ERROR, "hostname-mismatch", CAUSE),
    KIND(WILDCARD_MISMATCH, "wildcard-mismatch", ERROR, "wildcard-mismatch", CAUSE),
    KIND(IP_NOT_IN_SAN, "ip-not-in-san", ERROR, "ip-not-in-san", CAUSE),
    KIND(CN_ONLY, "cn-only", WARNING, "cn-only", CAUSE),
    KIND(SELF_SIGNED_LEAF, "self-signed-leaf", ERROR, "self-signed-leaf", CAUSE),
    KIND(SELF_SIGNED_IN_CHAIN, "self-signed-in-chain", ERROR, "self-signed-in-chain", CAUSE),
    KIND(UNKNOWN_ISSUER, "unknown-issuer", ERROR, "unknown-issuer", CAUSE),
    KIND(MISSING_INTERMEDIATE, "missing-intermediate", ERROR, "missing-intermediate", CAUSE),
    KIND(EXPIRED, "expired", ERROR, "expired", CAUSE),
    KIND(NOT_YET_VALID, "not-yet-valid", ERROR, "not-yet-valid", CAUSE),
    KIND(CHAIN_ORDER, "chain-order", WARNING, "chain-order", CAUSE),
    KIND(WEAK_SIGNATURE, "weak-signature", ERROR, "weak-signature", CAUSE),
    KIND(WEAK_KEY, "weak-key", WARNING, "weak-key", CAUSE),
    KIND(NOT_FOR_SERVER_AUTH, "not-for-server-auth", ERROR, "not-for-server-auth", CAUSE),
    KIND(CA_AS_LEAF, "ca-as-leaf", WARNING, "ca-as-leaf", CAUSE),
    KIND(UNPARSABLE_CERTIFICATE, "unparsable-certificate", ERROR, "unparsable-certificate", CAUSE),
    KIND(CERTIFICATE_NOT_VISIBLE, "certificate-not-visible", INFO, "certificate-not-visible", CAUSE),
    KIND(RESET_AFTER_CLIENT_HELLO, "reset-after-client-hello", ERROR, "reset-after-client-hello", SIGNAL),
    KIND(UNKNOWN_SNI, "unknown-sni", ERROR, "unknown-sni", CAUSE),
    KIND(ALERT, "alert", ERROR, "alert", SYMPTOM),
    KIND(CLIENT_REJECTED_CERTIFICATE, "client-rejected-certificate", ERROR, "client-rejected-certificate",
         SIGNAL),
    KIND(NO_SNI, "no-sni", INFO, "no-sni", CAUSE),
    KIND(SNI_IS_IP_LITERAL, "sni-is-ip-literal", WARNING, "sni-is-ip-literal", CAUSE),
    KIND(OBSOLETE_VERSION, "obsolete-version", WARNING, "obsolete-version", CAUSE),
    KIND(WEAK_CIPHER, "weak-cipher", ERROR, "weak-cipher", CAUSE),
    KIND(CLIENT_RENEGOTIATION, "client-renegotiation", WARNING, "client-renegotiation", CAUSE),
    KIND(PLAIN_HTTP_SERVER, "plain-http-server", ERROR, "plain-http-server", CAUSE),
    KIND(NO_SERVER_HELLO, "no-server-hello", ERROR, "no-server-hello", SIGNAL),
    KIND(HANDSHAKE_CUT_OFF, "handshake-cut-off", ERROR, "handshake-cut-off", SIGNAL),
    KIND(CLIENT_CERTIFICATE_MISSING, "client-certificate-missing", ERROR, "client-certificate-missing",
         CAUSE),
    KIND(TLS13_CLIENT_REJECTED, "tls13-client-rejected", ERROR, "tls13-client-rejected", SIGNAL),
    KIND(TLS13_SERVER_REJECTED, "tls13-server-rejected", ERROR, "tls13-server-rejected", SIGNAL),
    KIND(CLIENT_CERTIFICATE_INVALID, "client-certificate-invalid", ERROR, "client-certificate-invalid",
         CAUSE),
    KIND(CLIENT_CERTIFICATE_REJECTED, "client-certificate-rejected", ERROR, "client-certificate-rejected",
         SIGNAL),
    KIND(EXPIRY_SOON, "expiry-soon", WARNING, "expiry-soon", CAUSE),
    KIND(HANDSHAKE_GAP, "handshake-gap", WARNING, "handshake-gap", CAUSE),
    KIND(TRUST_DIFFERS_BY_CLIENT, "trust-differs-by-client", ERROR, "trust-differs-by-client", CAUSE),
};
#undef KIND

/* The finding each chain problem raises (trust.h names them alike). */
static const enum finding_code chain_finding[CHAIN_PROBLEM_COUNT] = {
    [CHAIN_SELF_SIGNED_LEAF] = FINDING_SELF_SIGNED_LEAF,
    [CHAIN_SELF_SIGNED_IN_CHAIN] = FINDING_SELF_SIGNED_IN_CHAIN,
    [CHAIN_UNKNOWN_ISSUER] = FINDING_UNKNOWN_ISSUER,
    [CHAIN_MISSING_INTERMEDIATE] = FINDING_MISSING_INTERMEDIATE,
    [CHAIN_EXPIRED] = FINDING_EXPIRED,
    [CHAIN_NOT_YET_VALID] = FINDING_NOT_YET_VALID,
    [CHAIN_ORDER] = FINDING_CHAIN_ORDER,
    [CHAIN_WEAK_SIGNATURE] = FINDING_WEAK_SIGNATURE,
    [CHAIN_WEAK_KEY] = FINDING_WEAK_KEY,
    [CHAIN_NOT_FOR_SERVER_AUTH] = FINDING_NOT_FOR_SERVER_AUTH,
    [CHAIN_CA_AS_LEAF] = FINDING_CA_AS_LEAF,
    [CHAIN_UNPARSABLE] = FINDING_UNPARSABLE_CERTIFICATE,
};

const struct finding_kind *finding_kind(enum finding_code code)
{
	return (unsigned)code < FINDING_CODE_COUNT ? &finding_kinds[code] : NULL;
}

bool finding_code_parse(const char *name, enum finding_code *out)
{
	for (int i = 0; i < FINDING_CODE_COUNT; i++)
		if (!strcmp(name, finding_kinds[i].name)) {
			*out = (enum finding_code)i;
			return true;
		}
	return false;
}

/* ---------------------------------------------------------------- helpers */

static struct finding *add_as(struct diagnosis *d, enum finding_code code, enum severity sev, int cert)
{
	if (d->finding_count == DIAG_MAX_FINDINGS)
		return NULL;
	struct finding *f = &d->findings[d->finding_count++];
	f->kind = code;
	f->code = finding_kinds[code].name;
	f->severity = sev;
	f->cert = cert;
	f->message[0] = f->fix[0] = 0;
	if (sev > d->worst)
		d->worst = sev;
	return f;
}

/* A finding added by another module (diagnosis_add_finding) stands with the symptoms. */
static enum finding_role role_of(const struct finding *f)
{
	return (unsigned)f->kind < FINDING_CODE_COUNT ? finding_kinds[f->kind].role : FINDING_SYMPTOM;
}

/* A finding at its usual severity. */
static struct finding *add(struct diagnosis *d, enum finding_code code, int cert)
{
	return add_as(d, code, finding_kinds[code].severity, cert);
}

__attribute__((format(printf, 3, 4))) static void say(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(dst, n, fmt, ap);
	va_end(ap);
}

#define MSG(f, ...)                                                                                          \
	do {                                                                                                 \
		if (f)                                                                                       \
			say((f)->message, sizeof((f)->message), __VA_ARGS__);                                \
	} while (0)
#define FIX(f, ...)                                                                                          \
	do {                                                                                                 \
		if (f)                                                                                       \
			say((f)->fix, sizeof((f)->fix), __VA_ARGS__);                                        \
	} while (0)

static void set_error(struct client_error *e, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(struct client_error *e, const char *code, const char *fmt, ...)
{
	if (e->fails)
		return; /* the first failure is what the client reports */
	e->fails = true;
	snprintf(e->code, sizeof(e->code), "%s", code);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

/* Java throws javax.net.ssl.SSLHandshakeException with its cause's message; the cause
 * (ValidatorException, CertificateException) is named after it, as the stack trace shows it. */
static void java_error(struct client_error *e, const char *cause, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void java_error(struct client_error *e, const char *cause, const char *fmt, ...)
{
	if (e->fails)
		return;
	char msg[DIAG_TEXT - 96];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	set_error(e, "javax.net.ssl.SSLHandshakeException", "%s (caused by %s)", msg, cause);
}

/* "DNS:a, DNS:b, IP Address:10.0.0.2" as Node prints a certificate's subjectaltname. */
static void altnames(const struct x509_cert *c, char *out, size_t n)
{
	size_t o = 0;
	out[0] = 0;
	for (size_t i = 0; c && i < c->san_dns.count && o < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%sDNS:%s", o ? ", " : "", c->san_dns.v[i]);
	for (size_t i = 0; c && i < c->san_ip_count && o < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%sIP Address:%s", o ? ", " : "", c->san_ip[i].text);
}

/* "www.example.test, example.test" as Go lists the names it would accept. */
static void dns_list(const struct x509_cert *c, char *out, size_t n)
{
	size_t o = 0;
	out[0] = 0;
	for (size_t i = 0; c && i < c->san_dns.count && o < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%s%s", o ? ", " : "", c->san_dns.v[i]);
}

static const char *leaf_cn(const struct x509_cert *c)
{
	return c && c->subject_cn.count ? c->subject_cn.v[c->subject_cn.count - 1] : NULL;
}

static void fmt_duration(int64_t s, char *out, size_t n)
{
	if (s < 0)
		s = -s;
	if (s >= 2 * 86400)
		snprintf(out, n, "%lld days", (long long)(s / 86400));
	else if (s >= 2 * 3600)
		snprintf(out, n, "%lld hours", (long long)(s / 3600));
	else if (s >= 120)
		snprintf(out, n, "%lld minutes", (long long)(s / 60));
	else
		snprintf(out, n, "%lld seconds", (long long)s);
}

/* OpenSSL's reason text for a received alert: "sslv3 alert handshake failure". */
static const char *openssl_alert_reason(uint8_t desc)
{
	switch (desc) {
	case 10:
		return "sslv3 alert unexpected message";
	case 20:
		return "sslv3 alert bad record mac";
	case 21:
		return "tlsv1 alert decryption failed";
	case 22:
		return "tlsv1 alert record overflow";
	case 30:
		return "sslv3 alert decompression failure";
	case 40:
		return "sslv3 alert handshake failure";
	case 41:
		return "sslv3 alert no certificate";
	case 42:
		return "sslv3 alert bad certificate";
	case 43:
		return "sslv3 alert unsupported certificate";
	case 44:
		return "sslv3 alert certificate revoked";
	case 45:
		return "sslv3 alert certificate expired";
	case 46:
		return "sslv3 alert certificate unknown";
	case 47:
		return "sslv3 alert illegal parameter";
	case 48:
		return "tlsv1 alert unknown ca";
	case 49:
		return "tlsv1 alert access denied";
	case 50:
		return "tlsv1 alert decode error";
	case 51:
		return "tlsv1 alert decrypt error";
	case 60:
		return "tlsv1 alert export restriction";
	case 70:
		return "tlsv1 alert protocol version";
	case 71:
		return "tlsv1 alert insufficient security";
	case 80:
		return "tlsv1 alert internal error";
	case 86:
		return "tlsv1 alert inappropriate fallback";
	case 90:
		return "tlsv1 alert user cancelled";
	case 100:
		return "tlsv1 alert no renegotiation";
	case 109:
		return "tlsv13 alert missing extension";
	case 110:
		return "tlsv1 unsupported extension";
	case 111:
		return "tlsv1 certificate unobtainable";
	case 112:
		return "tlsv1 unrecognized name";
	case 113:
		return "tlsv1 bad certificate status response";
	case 114:
		return "tlsv1 bad certificate hash value";
	case 115:
		return "tlsv1 alert unknown psk identity";
	case 116:
		return "tlsv13 alert certificate required";
	case 120:
		return "tlsv1 alert no application protocol";
	default:
		return NULL;
	}
}

/* "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE": Node's code for an OpenSSL reason. */
static void node_ssl_code(const char *reason, char *out, size_t n)
{
	size_t o = (size_t)snprintf(out, n, "ERR_SSL_");
	for (const char *p = reason; *p && o + 1 < n; p++)
		out[o++] = *p == ' ' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	out[o < n ? o : n - 1] = 0;
}

/* Go's and Java's names for alerts (crypto/tls alert.go; JSSE Alert enum). */
static const char *go_alert_text(uint8_t desc)
{
	const char *n = tls_alert_name(desc);
	static char buf[64];
	if (!n)
		return "alert";
	size_t o = 0;
	for (const char *p = n; *p && o + 1 < sizeof(buf); p++)
		buf[o++] = *p == '_' ? ' ' : *p;
	buf[o] = 0;
	return buf;
}

/* ------------------------------------------------------- expected host */

/* Through a CONNECT tunnel the server's address is the proxy's: the CONNECT line names the host the
 * client dialled. An IP literal there with an SNI beside it is a client that resolved the name
 * itself: the SNI is the name it checks. */
static bool connect_names_host(const struct conn *c)
{
	char host[300];
	uint8_t addr[16], len;
	if (!c->http_connect)
		return false;
	conn_wire_text(c->prelude_host.bytes, c->prelude_host.len, host, sizeof(host));
	return !(hostname_parse_ip(host, addr, &len) && c->client_hello && c->client_hello->sni_count);
}

static void expected_host(struct diag_context *ctx, const struct conn *c, struct diagnosis *d)
{
	const struct conn_side *srv = conn_server(c);
	const struct tls_client_hello *ch = c->client_hello;
	d->rule = ctx->rules ? expect_lookup(ctx->rules, &srv->addr, srv->port) : NULL;
	if (d->rule) {
		/* The rule's names are all the server's: check the one the client asked
		 * for when it is among them, else the first. */
		const char *pick = d->rule->names[0];
		if (ch && ch->sni_count) {
			char sni[300];
			conn_wire_text(ch->sni[0].bytes, ch->sni[0].len, sni, sizeof(sni));
			for (size_t i = 0; i < d->rule->name_count; i++)
				if (!strcasecmp(d->rule->names[i], sni))
					pick = d->rule->names[i];
		}
		snprintf(d->expected_host, sizeof(d->expected_host), "%s", pick);
		d->expected_source = EXPECT_RULE;
	} else if (connect_names_host(c)) {
		conn_wire_text(c->prelude_host.bytes, c->prelude_host.len, d->expected_host,
		               sizeof(d->expected_host));
		d->expected_source = EXPECT_CONNECT;
	} else if (ch && ch->sni_count) {
		conn_wire_text(ch->sni[0].bytes, ch->sni[0].len, d->expected_host, sizeof(d->expected_host));
		d->expected_source = EXPECT_SNI;
	} else if (!c->http_connect && c->prelude_host.len) {
		/* XMPP names the domain in its stream header and checks the certificate against it
		 * (RFC 6120 13.7.2), SNI or not: without SNI it, not the address, is the expected name. */
		conn_wire_text(c->prelude_host.bytes, c->prelude_host.len, d->expected_host,
		               sizeof(d->expected_host));
		d->expected_source = EXPECT_STARTTLS;
	} else if (ch || (c->server_hello && !conn_handshake_gapped(c))) {
		/* a ClientHello lost in a hole may have named the server: no name to check then */
		ts_addr_format(&srv->addr, d->expected_host, sizeof(d->expected_host));
		d->expected_source = EXPECT_SERVER_IP;
	}
}

/* ------------------------------------------------------- wire findings */

static bool sni_is_ip(const struct tls_client_hello *ch)
{
	char host[300];
	uint8_t addr[16], len;
	if (!ch || !ch->sni_count)
		return false;
	conn_wire_text(ch->sni[0].bytes, ch->sni[0].len, host, sizeof(host));
	return hostname_parse_ip(host, addr, &len);
}

static const char *alert_meaning(const struct conn_alert *a, bool from_server)
{
	switch (a->description) {
	case 112:
		return from_server ? "the server does not know the name sent in SNI"
		                   : "the client does not accept the name";
	case 40:
		return from_server ? "no cipher suite, group or signature algorithm both sides support "
		                     "(compare what the "
		                     "client offered with what the server accepts)"
		                   : "the client found no acceptable parameters in the server's answer";
	case 70:
		return from_server ? "the server does not support any TLS version the client offered"
		                   : "the client does not support the version the server chose";
	case 71:
		return "the server requires stronger parameters than the client offered";
	case 42:
	case 43:
	case 44:
	case 45:
	case 46:
	case 48:
		return from_server ? "the server rejected the client's certificate (mutual TLS)"
		                   : "the client rejected the server's certificate chain";
	case 116:
		return "the server requires a client certificate and none was sent";
	case 120:
		return "no application protocol (ALPN) in common";
	case 86:
		return "the client retried with a lower version the server knows it supports (a downgrade)";
	case 0:
		return "orderly close";
	default:
		return NULL;
	}
}

static bool rejects_certificate(uint8_t desc)
{
	return desc == 42 || desc == 43 || desc == 44 || desc == 45 || desc == 46 || desc == 48;
}

/* "TLSv1.0 to TLSv1.2 and 9 cipher suites (TLS_ECDHE_..., ...)": what a client offered. */
static const char *offered_summary(const struct tls_client_hello *ch)
{
	static char buf[400];
	if (!ch)
		return "nothing visible";
	char v1[24];
	size_t o;
	if (ch->supported_versions.count) {
		char v2[24];
		uint16_t lo = 0xffff, hi = 0;
		for (uint16_t i = 0; i < ch->supported_versions.count; i++) {
			uint16_t v = ch->supported_versions.v[i];
			if (tls_is_grease(v))
				continue;
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		o = (size_t)snprintf(buf, sizeof(buf), "%s to %s",
		                     tls_version_name(lo == 0xffff ? 0 : lo, v1, sizeof(v1)),
		                     tls_version_name(hi, v2, sizeof(v2)));
	} else {
		o = (size_t)snprintf(buf, sizeof(buf), "up to %s",
		                     tls_version_name(ch->legacy_version, v1, sizeof(v1)));
	}
	if (o < sizeof(buf))
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, " and %u cipher suites (",
		                      ch->cipher_suite_total);
	unsigned shown = 0;
	for (uint16_t i = 0; i < ch->cipher_suite_count && shown < 3 && o < sizeof(buf); i++) {
		const char *n = tls_cipher_suite_name(ch->cipher_suites[i]);
		if (!n || tls_is_grease(ch->cipher_suites[i]))
			continue;
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", shown ? ", " : "", n);
		shown++;
	}
	if (o < sizeof(buf))
		snprintf(buf + o, sizeof(buf) - o, "%s)", ch->cipher_suite_total > shown ? ", ..." : "");
	return buf;
}

/* The SNI as text ("" without one) and the server's address, which most wire rules quote. */
struct wire_view {
	const struct tls_client_hello *ch;
	const struct conn_side *srv;
	char sni[300];
	char ip[64];
};

static void wire_view_init(const struct conn *c, struct wire_view *w)
{
	w->ch = c->client_hello;
	w->sni[0] = 0;
	if (w->ch && w->ch->sni_count)
		conn_wire_text(w->ch->sni[0].bytes, w->ch->sni[0].len, w->sni, sizeof(w->sni));
	w->srv = conn_server(c);
	ts_addr_format(&w->srv->addr, w->ip, sizeof(w->ip));
}

static bool server_speaks_http(const struct conn *c);
static bool tls13_hidden(const struct conn *c);
static bool client_certificate_refused(const struct conn *c);

static void rule_reset_after_client_hello(const struct conn *c, const struct wire_view *w,
                                          struct diagnosis *d)
{
	if ((c->outcome != OUTCOME_SERVER_RESET_AFTER_CLIENT_HELLO &&
	     c->outcome != OUTCOME_SERVER_CLOSED_AFTER_CLIENT_HELLO) ||
	    server_speaks_http(c))
		return;
	const char *how = c->outcome == OUTCOME_SERVER_RESET_AFTER_CLIENT_HELLO ? "reset" : "closed";
	struct finding *f = add(d, FINDING_RESET_AFTER_CLIENT_HELLO, -1);
	if (w->sni[0]) {
		MSG(f,
		    "The server %s the connection right after the ClientHello for '%s': it does not "
		    "serve "
		    "that name (unknown SNI).",
		    how, w->sni);
		FIX(f,
		    "Send the name the server is configured for: Node tls.connect({host, servername: "
		    "'NAME'}), "
		    "curl --resolve NAME:%u:%s https://NAME/ (or --connect-to), openssl s_client "
		    "-servername "
		    "NAME; or configure the server (virtual host and certificate) for '%s'.",
		    w->srv->port, w->ip, w->sni);
	} else {
		MSG(f,
		    "The client sent no SNI and the server %s the connection right after the "
		    "ClientHello: "
		    "the server requires SNI.",
		    how);
		FIX(f,
		    "Connect by host name so the client sends SNI: Node tls.connect({host: IP, "
		    "servername: "
		    "'NAME'}), curl --resolve NAME:%u:%s https://NAME/, openssl s_client -servername "
		    "NAME.",
		    w->srv->port, w->ip);
	}
}

static void rule_unknown_sni(const struct conn *c, const struct wire_view *w, struct diagnosis *d)
{
	(void)c;
	if (!d->rule || !w->sni[0])
		return;
	for (size_t i = 0; i < d->rule->name_count; i++)
		if (!strcasecmp(d->rule->names[i], w->sni))
			return;
	struct finding *f = add(d, FINDING_UNKNOWN_SNI, -1);
	MSG(f,
	    "The client asked for '%s', which is not among the names expected for %s:%u "
	    "(%s%s).",
	    w->sni, w->ip, w->srv->port, d->rule->names[0], d->rule->name_count > 1 ? ", ..." : "");
	FIX(f,
	    "Make the client send one of the server's names as SNI (Node servername, curl "
	    "--resolve, "
	    "openssl s_client -servername), or add '%s' to the server's configuration and "
	    "certificate.",
	    w->sni);
}

/* One finding per cleartext (or decrypted) alert but close_notify. */
static void rule_alerts(const struct conn *c, const struct wire_view *w, struct diagnosis *d)
{
	static const char *const stage_text[] = {"before the ServerHello", "during the handshake",
	                                         "after the handshake"};
	for (uint16_t i = 0; i < c->alert_count; i++) {
		const struct conn_alert *a = &c->alerts[i];
		bool from_server = a->dir != c->client_dir;
		if ((a->encrypted && !a->decrypted) || a->description == 0)
			continue;
		const char *name = tls_alert_name(a->description);
		const char *meaning = alert_meaning(a, from_server);
		if (from_server && a->description == 40 && client_certificate_refused(c))
			meaning = "the server requires a client certificate and none was sent";
		/* An alert the server sent after the client had already closed answers that close: a
		 * consequence, never the headline. */
		const struct conn_side *cli = conn_client(c);
		bool after_close = from_server && cli->close_ns && a->ts_ns > cli->close_ns;
		enum severity sev = a->level == 2 && !after_close ? SEV_ERROR : SEV_WARNING;
		struct finding *f = add_as(d, FINDING_ALERT, sev, -1);
		MSG(f, "The %s sent %s %s(%u) %s%s%s%s.", from_server ? "server" : "client",
		    a->level == 2   ? "fatal"
		    : a->level == 1 ? "warning"
		                    : "unknown-level",
		    name ? name : "alert", a->description, stage_text[a->stage < 3 ? a->stage : 2],
		    meaning && !after_close ? ": " : "", meaning && !after_close ? meaning : "",
		    after_close ? ", after the client had closed the connection (its answer to that close, "
		                  "not the cause)"
		                : "");
		if (from_server && a->description == 112)
			FIX(f,
			    "Send an SNI the server is configured for, or add '%s' to the server's "
			    "configuration.",
			    w->sni[0] ? w->sni : "the name");
		else if (from_server &&
		         (a->description == 40 || a->description == 70 || a->description == 71))
			FIX(f,
			    "The client offered %s; enable a version and suite both sides support (TLS 1.2+ "
			    "with "
			    "AEAD suites) on the side that lacks them.",
			    offered_summary(w->ch));
		else if (!from_server && rejects_certificate(a->description))
			FIX(f, "See the certificate findings: fix the chain the server sends (or the "
			       "client's trust store "
			       "for a private CA) rather than turning verification off.");
	}
}

/* How the client showed it rejected the connection, or NULL: a certificate alert, an encrypted
 * alert before the handshake ended, or (a hint only) a close right after the handshake. */
static const char *client_rejection(const struct conn *c, bool *only_closed)
{
	const char *rejected_by = NULL;
	bool orderly_close = false;
	*only_closed = false;
	for (uint16_t i = 0; i < c->alert_count; i++) {
		const struct conn_alert *a = &c->alerts[i];
		if (a->dir != c->client_dir)
			continue;
		if (a->encrypted && !a->decrypted) {
			if (a->stage != STAGE_AFTER_HANDSHAKE)
				rejected_by = a->inferred
				                  ? "an encrypted alert (TLS 1.3, inferred from its size)"
				                  : "an encrypted alert";
		} else if (a->description != 0 && rejects_certificate(a->description)) {
			rejected_by = tls_alert_name(a->description);
		}
		/* A close_notify read with the key log says the client closed in good order (a probe,
		 * or a client with nothing to send), which a client rejecting the certificate does not
		 * send. */
		if (a->decrypted && a->description == 0)
			orderly_close = true;
	}
	if (!rejected_by && !orderly_close && c->outcome == OUTCOME_CLIENT_CLOSED_AFTER_HANDSHAKE) {
		*only_closed = true;
		rejected_by =
		    "closing right after the handshake without sending data (what Node.js does when its "
		    "certificate check fails; a client that only probes the server looks the same)";
	}
	return rejected_by;
}

static void rule_client_rejected(const struct conn *c, const struct wire_view *w, struct diagnosis *d)
{
	(void)w;
	bool only_closed;
	const char *rejected_by = client_rejection(c, &only_closed);
	if (!rejected_by || (tls13_hidden(c) && conn_server(c)->encrypted_handshake))
		return; /* TLS 1.3 with the certificate hidden: rule_tls13_client_rejected says it */
	/* A close without an alert is only a hint: an error if the certificate
	 * findings explain it, a warning otherwise (set after the chain checks). */
	struct finding *f =
	    add_as(d, FINDING_CLIENT_REJECTED_CERTIFICATE, only_closed ? SEV_WARNING : SEV_ERROR, -1);
	MSG(f, "The client rejected the connection by %s.", rejected_by);
	FIX(f, "Fix what the certificate findings name; if none are visible (TLS 1.3), capture a key "
	       "log "
	       "(SSLKEYLOGFILE, node --tls-keylog) and give it to tlsscope --keylog to see the chain.");
}

static void rule_no_sni(const struct conn *c, const struct wire_view *w, struct diagnosis *d)
{
	(void)c;
	if (!w->ch || w->ch->sni_count || w->ch->sslv2_format)
		return;
	struct finding *f = add(d, FINDING_NO_SNI, -1);
	if (d->expected_source == EXPECT_STARTTLS) {
		MSG(f,
		    "The ClientHello carries no server_name, though the XMPP stream header names %s: "
		    "a server hosting several domains cannot tell which certificate to send.",
		    d->expected_host);
		FIX(f, "Have the client send SNI for the domain it names (its TLS library's server name "
		       "setting).");
		return;
	}
	MSG(f, "The ClientHello carries no server_name: the client dialled an IP address or disabled "
	       "SNI; "
	       "servers hosting several names cannot tell which certificate to send.");
	FIX(f, "Connect by host name (or set Node's servername / curl --resolve) so SNI is sent.");
}

static void rule_sni_is_ip(const struct conn *c, const struct wire_view *w, struct diagnosis *d)
{
	(void)c;
	if (!sni_is_ip(w->ch))
		return;
	struct finding *f = add(d, FINDING_SNI_IS_IP_LITERAL, -1);
	MSG(f,
	    "The SNI '%s' is an IP address, which RFC 6066 section 3 forbids; servers may ignore or "
	    "reject it.",
	    w->sni);
	FIX(f, "Send a DNS name as SNI, or none when connecting to an IP address (Node: do not set "
	       "servername "
	       "to an IP).");
}

static void rule_obsolete_version(const struct conn *c, const struct wire_view *w, struct diagnosis *d)
{
	(void)w;
	uint16_t v = conn_version(c);
	if (!v || v >= 0x0303 || tls_is_grease(v))
		return;
	// cppcheck-suppress variableScope -- read inside MSG's if (f), which a declaration cannot enter
	char vn[24];
	struct finding *f = add_as(d, FINDING_OBSOLETE_VERSION, v <= 0x0300 ? SEV_ERROR : SEV_WARNING, -1);
	MSG(f,
	    "The connection uses %s, deprecated by RFC 8996 and refused by current clients' "
	    "defaults.",
	    tls_version_name(v, vn, sizeof(vn)));
	FIX(f, "Enable TLS 1.2 and 1.3 on the server (and the client), and turn the old versions off.");
}

static void rule_weak_cipher(const struct conn *c, const struct wire_view *w, struct diagnosis *d)
{
	(void)w;
	if (!c->server_hello)
		return;
	const char *cs = tls_cipher_suite_name(c->server_hello->cipher_suite);
	if (!cs || !(strstr(cs, "_NULL_") || strstr(cs, "EXPORT") || strstr(cs, "_anon_") ||
	             strstr(cs, "RC4") || strstr(cs, "3DES") || strstr(cs, "_DES_") || strstr(cs, "_DES40_")))
		return;
	bool broken = strstr(cs, "_NULL_") || strstr(cs, "EXPORT") || strstr(cs, "_anon_") ||
	              strstr(cs, "_DES_") || strstr(cs, "_DES40_");
	struct finding *f = add_as(d, FINDING_WEAK_CIPHER, broken ? SEV_ERROR : SEV_WARNING, -1);
	MSG(f, "The server chose %s: %s.", cs,
	    strstr(cs, "_NULL_")   ? "no encryption at all"
	    : strstr(cs, "_anon_") ? "no server authentication"
	    : strstr(cs, "RC4")    ? "RC4 is broken (RFC 7465)"
	                           : "a weak or export-grade cipher");
	FIX(f, "Configure the server for AEAD suites (AES-GCM, ChaCha20-Poly1305) with ECDHE.");
}

static void rule_client_renegotiation(const struct conn *c, const struct wire_view *w, struct diagnosis *d)
{
	(void)w;
	if (!c->renegotiation)
		return;
	uint8_t who = c->client_dir;
	for (uint16_t i = 0; i < c->event_count; i++)
		if (c->events[i].type == EV_RENEGOTIATION)
			who = c->events[i].dir;
	if (who != c->client_dir)
		return;
	struct finding *f = add(d, FINDING_CLIENT_RENEGOTIATION, -1);
	MSG(f, "The client renegotiated after the handshake (TLS 1.2): client-initiated "
	       "renegotiation "
	       "costs the server a full handshake and many servers refuse it.");
	FIX(f, "Avoid renegotiation: use TLS 1.3 (post-handshake auth or KeyUpdate) or new "
	       "connections.");
}

/* The server answered the ClientHello in clear text ("HTTP/1.1 400", or an HTML page with no status
 * line, as an HTTP/0.9 answer has): the port speaks HTTP, not TLS. */
static bool server_speaks_http(const struct conn *c)
{
	const struct conn_side *srv = conn_server(c);
	if (!c->client_hello || srv->is_tls || srv->plain_head_len < 5)
		return false;
	if (!memcmp(srv->plain_head, "HTTP/", 5))
		return true;
	for (size_t i = 0; i < srv->plain_head_len; i++)
		if (srv->plain_head[i] != '\n' && srv->plain_head[i] != '\r' &&
		    (srv->plain_head[i] < 0x20 || srv->plain_head[i] >= 0x7f))
			return false;
	return srv->plain_head[0] == '<';
}

static void rule_plain_http_server(const struct conn *c, const struct wire_view *w, struct diagnosis *d)
{
	if (!server_speaks_http(c))
		return;
	const struct conn_side *srv = w->srv;
	char head[sizeof(srv->plain_head) + 1];
	size_t n = 0;
	for (; n < srv->plain_head_len && srv->plain_head[n] >= 0x20 && srv->plain_head[n] < 0x7f; n++)
		head[n] = (char)srv->plain_head[n];
	head[n] = 0;
	struct finding *f = add(d, FINDING_PLAIN_HTTP_SERVER, -1);
	MSG(f,
	    "The server answered the ClientHello in plain text ('%s...'): port %u speaks HTTP, not TLS "
	    "(wrong port or scheme). OpenSSL-based clients report \"wrong version number\".",
	    head, srv->port);
	FIX(f,
	    "Use the server's HTTPS port (the one its TLS listener uses, 443 by default), or http:// if "
	    "this service is meant to be plain HTTP on port %u; check the port in the URL, the proxy and "
	    "the load balancer's listener.",
	    srv->port);
}

static int64_t ms_between(int64_t from_ns, int64_t to_ns)
{
	return to_ns > from_ns ? (to_ns - from_ns) / 1000000 : 0;
}

static int64_t client_hello_ns(const struct conn *c)
{
	for (uint16_t i = 0; i < c->event_count; i++)
		if (c->events[i].type == EV_HANDSHAKE && c->events[i].detail == TLS_HS_CLIENT_HELLO)
			return c->events[i].ts_ns;
	return c->first_ts_ns;
}

/* A ClientHello with no answer at all: the client timed out, or the capture ended first. */
static void rule_no_server_hello(const struct conn *c, const struct wire_view *w, struct diagnosis *d)
{
	const struct conn_side *cli = conn_client(c);
	if (!w->ch || c->server_hello || w->srv->payload_bytes || c->outcome != OUTCOME_INCOMPLETE)
		return;
	int64_t hello = client_hello_ns(c);
	/* A capture that ended while the client still waited shows no failure yet: a warning. */
	struct finding *f = add_as(d, FINDING_NO_SERVER_HELLO, cli->close_ns ? SEV_ERROR : SEV_WARNING, -1);
	if (cli->close_ns)
		MSG(f,
		    "The server never answered the ClientHello: the client gave up after %lld ms and "
		    "%s the connection (a handshake timeout: curl 28, Python TimeoutError, Go \"TLS "
		    "handshake timeout\", Java SocketTimeoutException).",
		    (long long)ms_between(hello, cli->close_ns), cli->close_rst ? "reset" : "closed");
	else
		MSG(f,
		    "The server had not answered the ClientHello when the capture ended, %lld ms later "
		    "(a client waits until its handshake timeout).",
		    (long long)ms_between(hello, c->last_ts_ns));
	FIX(f,
	    "Check that a TLS server listens on %s:%u and is not stalled (its accept queue, a firewall "
	    "or a proxy that holds the connection); capture on the server side to see whether the "
	    "ClientHello arrives.",
	    w->ip, w->srv->port);
}

/* Every side that rejected or left a handshake, seen by the rules before this one. */
static bool rejection_found(const struct diagnosis *d)
{
	for (size_t i = 0; i < d->finding_count; i++)
		if (role_of(&d->findings[i]) == FINDING_SIGNAL || d->findings[i].kind == FINDING_ALERT)
			return true;
	return false;
}

/* The server answered, then the handshake stopped before both Finished messages. */
static void rule_handshake_cut_off(const struct conn *c, const struct wire_view *w, struct diagnosis *d)
{
	if (!c->server_hello || c->outcome != OUTCOME_INCOMPLETE || rejection_found(d))
		return;
	const struct conn_side *cli = conn_client(c);
	const struct conn_side *srv = w->srv;
	bool server_first = srv->close_ns && (!cli->close_ns || srv->close_ns <= cli->close_ns);
	char in_certificate[160];
	snprintf(in_certificate, sizeof(in_certificate),
	         "inside the server's Certificate message (the chain was cut after %u whole certificate%s, "
	         "listed as they came; no missing issuer is inferred)",
	         (unsigned)c->server_certs.total, c->server_certs.total == 1 ? "" : "s");
	const char *step = cli->encrypted_handshake || cli->ccs   ? "after the client's Finished"
	                   : srv->encrypted_handshake || srv->ccs ? "before the client's Finished"
	                   : c->server_certs.truncated            ? in_certificate
	                                                          : "after the ServerHello";
	struct finding *f = add_as(d, FINDING_HANDSHAKE_CUT_OFF,
	                           srv->close_ns || cli->close_ns ? SEV_ERROR : SEV_WARNING, -1);
	if (server_first)
		MSG(f,
		    "The handshake stopped %s: the server %s the connection mid-way without an alert (the "
		    "client sees an unexpected EOF or ECONNRESET).",
		    step, srv->close_rst ? "reset" : "closed");
	else if (cli->close_ns)
		MSG(f,
		    "The handshake stopped %s: the client %s the connection without an alert (it gave up: a "
		    "timeout, or a check it failed silently).",
		    step, cli->close_rst ? "reset" : "closed");
	else
		MSG(f, "The handshake stopped %s and the capture ended before either side closed.", step);
	FIX(f, "Look at the side that closed: its log names the reason (a crash, a timeout, a middlebox or "
	       "proxy cutting TLS); capture longer if the capture itself ended first.");
}

/* TLS 1.3: the client's first record under its handshake keys is an empty Certificate by its size. */
static bool tls13_empty_client_certificate(const struct conn *c)
{
	uint16_t n = conn_client(c)->first_encrypted_len;
	return conn_is_tls13(c) &&
	       (n == TLS13_EMPTY_CERTIFICATE_RECORD || n == TLS13_EMPTY_CERTIFICATE_RECORD_CCM8);
}

static bool alert_sized(uint64_t bytes);

/* TLS 1.3 whose server alert is not readable: the server's only record after the client's Finished
 * was alert-sized, and it then closed. */
static bool tls13_server_alert_hidden(const struct conn *c)
{
	const struct conn_side *cli = conn_client(c), *srv = conn_server(c);
	if (!conn_is_tls13(c) || c->transport == CONN_TRANSPORT_QUIC || !cli->encrypted_handshake ||
	    !alert_sized(srv->app_data_bytes) || !srv->close_ns)
		return false;
	for (uint16_t i = 0; i < c->alert_count; i++)
		if (c->alerts[i].dir != c->client_dir && c->alerts[i].decrypted)
			return false; /* the key log read it: the alert finding says what it was */
	return true;
}

/* Without the key log: the client answered with an empty Certificate (so the server had asked for
 * one) and the server then sent one alert and closed: certificate_required (116), inferred. */
static bool client_certificate_required_inferred(const struct conn *c)
{
	return tls13_server_alert_hidden(c) && tls13_empty_client_certificate(c) && !c->client_certs.present;
}

static const char client_certificate_fix[] =
    "Give the client the certificate and key the server accepts: curl --cert client.pem "
    "--key client.key, Node tls.connect({key, cert}) (or https.request's key/cert), openssl "
    "s_client -cert -key, Python SSLContext.load_cert_chain(), Go tls.Config.Certificates, "
    "Java a key store (javax.net.ssl.keyStore).";

/* " The server accepts certificates issued by: DN; DN." from its CertificateRequest, or "". */
static const char *certificate_authorities_text(const struct conn *c)
{
	static char buf[DIAG_TEXT / 2];
	const struct tls_certificate_request *cr = c->certificate_request_info;
	buf[0] = 0;
	if (!cr || !cr->ca_name_count)
		return buf;
	size_t o = (size_t)snprintf(buf, sizeof(buf), " The server accepts certificates issued by: ");
	for (uint16_t i = 0; i < cr->ca_kept && o < sizeof(buf); i++) {
		char dn[256];
		if (!x509_name_der_text(cr->ca_der + cr->ca_off[i], cr->ca_len[i], dn, sizeof(dn)))
			snprintf(dn, sizeof(dn), "(a name that does not parse)");
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? "; " : "", dn);
	}
	if (o < sizeof(buf))
		snprintf(buf + o, sizeof(buf) - o, "%s.", cr->ca_name_count > cr->ca_kept ? "; ..." : "");
	return buf;
}

/* The server asked for a client certificate, got none, and refused the handshake. */
static bool client_certificate_refused(const struct conn *c)
{
	if (!c->certificate_request || c->client_certs.count)
		return false;
	for (uint16_t i = 0; i < c->alert_count; i++) {
		const struct conn_alert *a = &c->alerts[i];
		if (a->dir != c->client_dir && (!a->encrypted || a->decrypted) && a->level == 2 &&
		    (a->description == 40 || a->description == 42 || a->description == 116))
			return true;
	}
	return false;
}

static void rule_client_certificate_missing(const struct conn *c, const struct wire_view *w,
                                            struct diagnosis *d)
{
	(void)w;
	bool inferred = !client_certificate_refused(c);
	if (inferred && !client_certificate_required_inferred(c))
		return;
	struct finding *f = add(d, FINDING_CLIENT_CERTIFICATE_MISSING, -1);
	if (inferred)
		MSG(f,
		    "Inferred from record sizes (TLS 1.3 without a key log): the client's first encrypted "
		    "record "
		    "is %u bytes, the size of an empty Certificate message, so the server had asked for a "
		    "client certificate and the client sent none; the server then answered the client's "
		    "Finished with one alert-sized record and closed: certificate_required (116), which the "
		    "clients report. A key log of the connection would show the CertificateRequest and the "
		    "alert.",
		    conn_client(c)->first_encrypted_len);
	else
		MSG(f,
		    "The server asked for a client certificate (CertificateRequest) and the client sent none "
		    "(an empty Certificate); the server then refused the handshake (mutual TLS).%s",
		    certificate_authorities_text(c));
	FIX(f, "%s", client_certificate_fix);
}

/* TLS 1.3 whose certificate the capture does not show (no key log, or it did not open it). */
static bool tls13_hidden(const struct conn *c)
{
	return conn_is_tls13(c) && c->transport != CONN_TRANSPORT_QUIC && !c->server_certs.present &&
	       !c->decryption.server_flight_read;
}

static bool alert_sized(uint64_t bytes)
{
	return bytes == TLS13_ALERT_RECORD || bytes == TLS13_ALERT_RECORD_CCM8;
}

static const char tls13_keylog_adds[] =
    "A key log of this connection (tlsscope --keylog) would show the certificate and the alert's "
    "reason, and so which check failed.";

/* TLS 1.3 without the certificate: where the client stopped says that it rejected the server. */
static void rule_tls13_client_rejected(const struct conn *c, const struct wire_view *w, struct diagnosis *d)
{
	if (!tls13_hidden(c) || !w->srv->encrypted_handshake)
		return;
	const struct conn_side *cli = conn_client(c);
	const char *how = NULL;
	bool alerted = false;
	for (uint16_t i = 0; i < c->alert_count; i++)
		if (c->alerts[i].dir == c->client_dir && c->alerts[i].encrypted && !c->alerts[i].decrypted &&
		    c->alerts[i].stage != STAGE_AFTER_HANDSHAKE)
			alerted = true;
	if (alerted)
		how = "sent an encrypted alert where its Finished was due";
	else if (!cli->encrypted_handshake && cli->close_ns)
		how = cli->close_rst ? "reset the connection where its Finished was due"
		                     : "closed the connection where its Finished was due";
	else if (cli->encrypted_handshake && alert_sized(cli->app_data_bytes) && cli->close_ns)
		how = "sent its Finished, then one alert-sized record instead of a request, and closed";
	else if (cli->encrypted_handshake && !cli->app_data && cli->close_ns &&
	         c->outcome == OUTCOME_CLIENT_CLOSED_AFTER_HANDSHAKE)
		how = "sent its Finished and closed without sending any data";
	if (!how)
		return;
	struct finding *f = add(d, FINDING_TLS13_CLIENT_REJECTED, -1);
	MSG(f,
	    "The client rejected the server's encrypted flight: it %s. In TLS 1.3 a client stops there "
	    "when its check of the server's certificate fails (trust or host name; Node.js closes "
	    "without an alert, curl and OpenSSL send one); a client that only probes looks the same. %s",
	    how, tls13_keylog_adds);
	FIX(f, "Run the client again with a key log and give it to tlsscope --keylog to see the certificate "
	       "and the name it was checked against: curl and browsers SSLKEYLOGFILE=FILE, node "
	       "--tls-keylog=FILE, openssl s_client -keylogfile FILE. Then fix what the certificate "
	       "findings name (the SAN, the chain, the client's trust for a private CA).");
}

/* TLS 1.3 without the key log: the server's only word after the client's Finished was an alert. */
static void rule_tls13_server_rejected(const struct conn *c, const struct wire_view *w, struct diagnosis *d)
{
	(void)w;
	if (!tls13_server_alert_hidden(c))
		return;
	struct finding *f = add(d, FINDING_TLS13_SERVER_REJECTED, -1);
	MSG(f,
	    "The server answered the client's Finished with one alert-sized encrypted record and closed: "
	    "it rejected the client after the handshake. In TLS 1.3 that is where a server that requires "
	    "a client certificate says certificate_required (none sent) or rejects the one sent. %s",
	    tls13_keylog_adds);
	FIX(f, "If the server requires client certificates (mutual TLS), give the client one it accepts: "
	       "curl --cert client.pem --key client.key, Node tls.connect({key, cert}), openssl s_client "
	       "-cert -key, Python load_cert_chain(). The server's log, or a key log, names the reason.");
}

/* Bytes of the handshake were never captured: say so, and what cannot be known. */
static void rule_handshake_gap(const struct conn *c, const struct wire_view *w, struct diagnosis *d)
{
	(void)w;
	if (!conn_handshake_gapped(c))
		return;
	const struct conn_side *cli = conn_client(c), *srv = conn_server(c);
	struct finding *f = add(d, FINDING_HANDSHAKE_GAP, -1);
	MSG(f,
	    "The capture missed part of the handshake: %u hole%s in the client's bytes, %u in the "
	    "server's (%llu and %llu bytes never seen). The messages in them are unknown%s%s, so no "
	    "rejection, timeout or cut-off is inferred from their absence; the records around them are "
	    "as the wire shows.",
	    (unsigned)cli->handshake_gaps, cli->handshake_gaps == 1 ? "" : "s", (unsigned)srv->handshake_gaps,
	    (unsigned long long)cli->gaps, (unsigned long long)srv->gaps,
	    c->client_hello ? "" : " (the ClientHello among them: the name asked for is unknown)",
	    c->server_hello || c->hello_retry ? "" : " (the ServerHello may be among them)");
	FIX(f, "Capture again without loss: capture on the client or server host rather than a mirror "
	       "port, with a larger buffer (tcpdump -B 8192) and the whole packet (tcpdump -s 0), and "
	       "check the capture's drop count (tcpdump prints \"packets dropped by kernel\").");
}

typedef void wire_rule(const struct conn *c, const struct wire_view *w, struct diagnosis *d);

/* Rules that read a failure from something the wire did not show (a missing
 * message, a record's size, a close after a message): not applied when the
 * capture itself missed handshake bytes, as the missing part is unknown. */
static wire_rule *const absence_rules[] = {
    rule_client_certificate_missing, rule_client_rejected, rule_tls13_client_rejected,
    rule_tls13_server_rejected,      rule_no_server_hello, rule_handshake_cut_off,
};

// cppcheck-suppress constParameter -- a function pointer: const would qualify the function type
static bool reads_absence(wire_rule *rule)
{
	for (size_t i = 0; i < sizeof(absence_rules) / sizeof(absence_rules[0]); i++)
		if (absence_rules[i] == rule)
			return true;
	return false;
}

/* In the order their findings are listed (before sorting by severity). */
static wire_rule *const wire_rules[] = {
    rule_plain_http_server,
    rule_reset_after_client_hello,
    rule_unknown_sni,
    rule_client_certificate_missing,
    rule_alerts,
    rule_client_rejected,
    rule_tls13_client_rejected,
    rule_tls13_server_rejected,
    rule_no_server_hello,
    rule_handshake_cut_off,
    rule_no_sni,
    rule_sni_is_ip,
    rule_obsolete_version,
    rule_weak_cipher,
    rule_client_renegotiation,
    rule_handshake_gap,
};

static void wire_findings(const struct conn *c, struct diagnosis *d)
{
	struct wire_view w;
	wire_view_init(c, &w);
	bool gapped = conn_handshake_gapped(c);
	for (size_t i = 0; i < sizeof(wire_rules) / sizeof(wire_rules[0]); i++)
		if (!gapped || !reads_absence(wire_rules[i]))
			wire_rules[i](c, &w, d);
}
/* ------------------------------------------------- certificate findings */

static const char *chain_fix(enum chain_problem p)
{
	switch (p) {
	case CHAIN_SELF_SIGNED_LEAF:
		return "Use a certificate issued by a CA the clients trust; for a private service, trust "
		       "that exact "
		       "certificate or its private CA on the client (Node ca / NODE_EXTRA_CA_CERTS, curl "
		       "--cacert, "
		       "Python cafile).";
	case CHAIN_SELF_SIGNED_IN_CHAIN:
		return "If this root is your private CA, add it to the clients' trust (Node ca / "
		       "NODE_EXTRA_CA_CERTS, "
		       "curl --cacert); otherwise get the certificate from a public CA. Servers need not "
		       "send the root.";
	case CHAIN_UNKNOWN_ISSUER:
		return "Add the issuing private CA's root to the clients' trust store (Node ca / "
		       "NODE_EXTRA_CA_CERTS, "
		       "curl --cacert, Python cafile), or use a certificate from a public CA.";
	case CHAIN_MISSING_INTERMEDIATE:
		return "Configure the server to send the intermediate certificate(s) after the leaf (the "
		       "full chain "
		       "file, e.g. fullchain.pem).";
	case CHAIN_EXPIRED:
		return "Renew the certificate and install the new one (and its chain) on the server.";
	case CHAIN_NOT_YET_VALID:
		return "Check the clocks (server, CA, and the capturing host); install the certificate once "
		       "it is valid.";
	case CHAIN_ORDER:
		return "Send the chain in order: leaf first, then each issuer, and nothing unrelated.";
	case CHAIN_WEAK_SIGNATURE:
		return "Reissue the certificate signed with SHA-256 or better.";
	case CHAIN_WEAK_KEY:
		return "Reissue the certificate with an RSA key of at least 2048 bits or an EC P-256 key.";
	case CHAIN_NOT_FOR_SERVER_AUTH:
		return "Reissue the certificate with extendedKeyUsage serverAuth.";
	case CHAIN_CA_AS_LEAF:
		return "Issue a proper end-entity certificate (basicConstraints CA:FALSE) for the server.";
	case CHAIN_UNPARSABLE:
		return "Replace the certificate: the bytes the server sends are not a valid X.509 "
		       "certificate.";
	default:
		return "";
	}
}

/* A Certificate message cut short lists only the certificates that arrived: an
 * issuer absent from them may have been on its way, so no link is judged
 * missing or out of order (the cut itself is said by handshake-cut-off). */
static void drop_unsent_link_issues(struct chain_verdict *v)
{
	size_t kept = 0;
	for (size_t i = 0; i < v->issue_count; i++) {
		enum chain_problem p = v->issues[i].problem;
		if (p != CHAIN_MISSING_INTERMEDIATE && p != CHAIN_UNKNOWN_ISSUER && p != CHAIN_ORDER)
			v->issues[kept++] = v->issues[i];
	}
	v->issue_count = kept;
}

static void chain_findings(const struct conn *c, struct diagnosis *d)
{
	for (size_t i = 0; i < d->verdict.issue_count; i++) {
		const struct chain_issue *is = &d->verdict.issues[i];
		const struct x509_cert *cert =
		    is->cert >= 0 && (size_t)is->cert < d->cert_count ? d->certs[is->cert] : NULL;
		const char *subj = cert && cert->subject ? cert->subject : "?";
		char dur[48], when[32];
		struct finding *f = add(d, chain_finding[is->problem], is->cert);
		switch (is->problem) {
		case CHAIN_SELF_SIGNED_LEAF:
			MSG(f,
			    "The server's certificate (%s) is self-signed and not trusted "
			    "(DEPTH_ZERO_SELF_SIGNED_CERT).",
			    subj);
			break;
		case CHAIN_SELF_SIGNED_IN_CHAIN:
			MSG(f,
			    "The chain ends in a self-signed root the trust store does not have: %s "
			    "(SELF_SIGNED_CERT_IN_CHAIN).",
			    subj);
			break;
		case CHAIN_UNKNOWN_ISSUER:
			MSG(f,
			    "The chain leads to '%s', a CA that is not in the trust store, and its root was "
			    "not sent "
			    "(UNABLE_TO_GET_ISSUER_CERT_LOCALLY).",
			    cert && cert->issuer ? cert->issuer : "?");
			break;
		case CHAIN_MISSING_INTERMEDIATE: {
			const char *aia =
			    cert && cert->aia_ca_issuers.count ? cert->aia_ca_issuers.v[0] : NULL;
			MSG(f,
			    "The server sent its certificate without the intermediate that issued it ('%s'): "
			    "\"unable to verify the first certificate\" "
			    "(UNABLE_TO_VERIFY_LEAF_SIGNATURE).%s%s%s",
			    cert && cert->issuer ? cert->issuer : "?",
			    aia ? " The leaf's AIA names it at " : "", aia ? aia : "",
			    aia ? " (browsers fetch it; Node, curl, Python and Go do not)." : "");
			break;
		}
		case CHAIN_EXPIRED:
			fmt_duration(is->delta_s, dur, sizeof(dur));
			MSG(f,
			    "Certificate %d (%s) expired on %s, %s before this handshake (CERT_HAS_EXPIRED).",
			    is->cert, subj,
			    cert ? x509_time_format(cert->not_after, when, sizeof(when)) : "?", dur);
			break;
		case CHAIN_NOT_YET_VALID:
			fmt_duration(is->delta_s, dur, sizeof(dur));
			MSG(f,
			    "Certificate %d (%s) is valid only from %s, %s after this handshake "
			    "(CERT_NOT_YET_VALID).",
			    is->cert, subj,
			    cert ? x509_time_format(cert->not_before, when, sizeof(when)) : "?", dur);
			break;
		case CHAIN_ORDER:
			MSG(f,
			    "The certificates are not sent in issuing order, or certificate %d (%s) does not "
			    "belong "
			    "to the chain.",
			    is->cert, subj);
			break;
		case CHAIN_WEAK_SIGNATURE:
			MSG(f,
			    "Certificate %d (%s) is signed with %s; OpenSSL 3 (security level 1+), Go and "
			    "browsers "
			    "refuse SHA-1 and MD5 signatures (CA_MD_TOO_WEAK).",
			    is->cert, subj, cert ? cert->signature_algorithm : "a weak hash");
			break;
		case CHAIN_WEAK_KEY:
			MSG(f,
			    "Certificate %d (%s) has a %d-bit %s key, below what current clients require "
			    "(EE_KEY_TOO_SMALL at OpenSSL security level 2, Python's default).",
			    is->cert, subj, cert ? cert->key_bits : 0, cert ? cert->key_type : "");
			break;
		case CHAIN_NOT_FOR_SERVER_AUTH:
			MSG(f,
			    "The server's certificate (%s) has an extendedKeyUsage without serverAuth "
			    "(INVALID_PURPOSE: \"unsuitable certificate purpose\").",
			    subj);
			break;
		case CHAIN_CA_AS_LEAF:
			MSG(f,
			    "The server presents a CA certificate (basicConstraints CA:TRUE) as its own: %s.",
			    subj);
			break;
		case CHAIN_UNPARSABLE:
			MSG(f, "Certificate %d could not be parsed: %s.", is->cert,
			    cert && cert->parse_error[0] ? cert->parse_error : "invalid DER");
			break;
		default:
			break;
		}
		FIX(f, "%s", chain_fix(is->problem));
	}
	(void)c;
}

/* The certificate sent that expires first, when that is within warn_days of the handshake: the day the
 * chain stops verifying. Certificates already out of their validity have their own findings. */
static void expiry_soon(struct diagnosis *d, int64_t at, int warn_days)
{
	int first = -1;
	for (size_t i = 0; i < d->cert_count; i++) {
		const struct x509_cert *x = d->certs[i];
		if (x->parsed && x->not_before <= at && x->not_after >= at &&
		    (first < 0 || x->not_after < d->certs[first]->not_after))
			first = (int)i;
	}
	if (first < 0 || d->certs[first]->not_after - at >= (int64_t)warn_days * 86400)
		return;
	const struct x509_cert *x = d->certs[first];
	char left[48], when[32], leaf_until[32];
	fmt_duration(x->not_after - at, left, sizeof(left));
	x509_time_format(x->not_after, when, sizeof(when));
	struct finding *f = add(d, FINDING_EXPIRY_SOON, first);
	if (first == 0) {
		MSG(f,
		    "The server's certificate (%s) expires on %s, %s after this handshake (warned within %d "
		    "days); from then on every client fails with CERT_HAS_EXPIRED.",
		    x->subject ? x->subject : "?", when, left, warn_days);
		FIX(f,
		    "Renew the certificate before %s and install the new one with its intermediates (the "
		    "full chain) on the server; automate renewal (ACME) so it happens well before expiry.",
		    when);
		return;
	}
	x509_time_format(d->certs[0]->not_after, leaf_until, sizeof(leaf_until));
	MSG(f,
	    "Certificate %d (%s), sent in the chain, expires on %s, %s after this handshake and before the "
	    "leaf (valid until %s; warned within %d days): from then on the chain no longer verifies.",
	    first, x->subject ? x->subject : "?", when, left, leaf_until, warn_days);
	FIX(f,
	    "Before %s, replace that intermediate in the server's chain file with the one the CA issues "
	    "under now (from the CA's repository), or renew the leaf under the CA's current intermediate.",
	    when);
}

static void host_findings(struct diagnosis *d)
{
	const struct x509_cert *leaf = d->certs[0];
	const struct host_match *node = &d->host[CLIENT_NODE];
	const char *host = d->expected_host;
	char names[DIAG_TEXT / 2];
	altnames(leaf, names, sizeof(names));
	struct finding *f = NULL;
	switch (node->result) {
	case HOST_MATCH:
		break;
	case HOST_MATCH_CN:
		if (!node->ok) {
			/* An IP host whose only name is a CN: Node refuses, IP SANs only. */
			f = add(d, FINDING_IP_NOT_IN_SAN, 0);
			MSG(f,
			    "IP: %s is not in the cert's list: %s (a client that dials an IP address checks "
			    "only IP "
			    "subjectAltNames, never the CN).",
			    host, names[0] ? names : "(none)");
			FIX(f,
			    "Reissue the certificate with subjectAltName IP:%s, or connect by a host name it "
			    "covers.",
			    host);
			break;
		}
		{
			char accept[160] = "", refuse[160] = "";
			size_t a = 0, r = 0;
			for (int k = 0; k < CLIENT_COUNT; k++) {
				if (d->host[k].ok)
					a += (size_t)snprintf(accept + a, sizeof(accept) - a, "%s%s",
					                      a ? ", " : "",
					                      tls_client_name((enum tls_client)k));
				else
					r += (size_t)snprintf(refuse + r, sizeof(refuse) - r, "%s%s",
					                      r ? ", " : "",
					                      tls_client_name((enum tls_client)k));
			}
			f = add(d, FINDING_CN_ONLY, 0);
			MSG(f,
			    "The certificate has no DNS subjectAltName; '%s' matches only its subject CN "
			    "(%s). Accepted by: "
			    "%s; refused by: %s.",
			    host, leaf_cn(leaf) ? leaf_cn(leaf) : "?", accept[0] ? accept : "none",
			    refuse[0] ? refuse : "none");
			FIX(f,
			    "Reissue the certificate with subjectAltName DNS:%s (CAs and RFC 6125 require "
			    "SANs).",
			    host);
			break;
		}
	case HOST_MISMATCH_WILDCARD:
		f = add(d, FINDING_WILDCARD_MISMATCH, 0);
		MSG(f,
		    "Host: %s. is not in the cert's altnames: %s (the wildcard %s covers exactly one label).",
		    host, names, node->near_wildcard ? node->near_wildcard : "");
		FIX(f,
		    "Reissue the certificate with subjectAltName DNS:%s (a wildcard never spans two labels), "
		    "or "
		    "connect to a name the certificate covers.",
		    host);
		break;
	case HOST_IP_NOT_IN_SAN:
		f = add(d, FINDING_IP_NOT_IN_SAN, 0);
		MSG(f,
		    "IP: %s is not in the cert's list: %s (a client that dials an IP address checks only IP "
		    "subjectAltNames).",
		    host, names[0] ? names : "(none)");
		FIX(f,
		    "Connect by a host name the certificate covers (with servername set to it), or reissue "
		    "the "
		    "certificate with subjectAltName IP:%s.",
		    host);
		break;
	case HOST_MISMATCH:
	case HOST_NO_NAMES:
	default:
		f = add(d, FINDING_HOSTNAME_MISMATCH, 0);
		if (leaf &&
		    leaf->san_dns.count) /* Node's wording depends on DNS SANs, not on the extension */
			MSG(f, "Host: %s. is not in the cert's altnames: %s", host,
			    names[0] ? names : "(none)");
		else
			MSG(f, "Host: %s. is not cert's CN: %s", host,
			    leaf_cn(leaf) ? leaf_cn(leaf) : "(none)");
		if (d->expected_source == EXPECT_SNI)
			FIX(f,
			    "Reissue the certificate with subjectAltName DNS:%s, or, if the client should "
			    "reach "
			    "another name, set that name as servername (SNI).",
			    host);
		else
			FIX(f,
			    "Reissue the certificate with subjectAltName DNS:%s (or install the certificate "
			    "meant "
			    "for that name on this server).",
			    host);
		break;
	}
}

/* ------------------------------------------------------ client errors */

/* Chain verdict in each client's words. OpenSSL-based clients (Node, openssl,
 * curl, Python) report OpenSSL's first verify error. */
static void chain_errors(const struct chain_verdict *v, const struct x509_cert *const *certs,
                         struct client_error *clients, int64_t at)
{
	const char *ename = v->verify_error_name;
	const char *short_name = strncmp(ename, "X509_V_ERR_", 11) == 0 ? ename + 11 : ename;
	const char *text = v->verify_error_text;
	bool has[CHAIN_PROBLEM_COUNT] = {false};
	for (size_t i = 0; i < v->issue_count; i++)
		has[v->issues[i].problem] = true;

	if (!v->trusted) {
		/* Node lets every verify error through and reports the last one (e.g.
		 * UNABLE_TO_VERIFY_LEAF_SIGNATURE where OpenSSL stops at
		 * UNABLE_TO_GET_ISSUER_CERT_LOCALLY for a leaf sent alone). */
		int last = v->verify_error_last ? v->verify_error_last : v->verify_error;
		const char *lname = trust_verify_error_name(last);
		const char *lshort = lname && !strncmp(lname, "X509_V_ERR_", 11) ? lname + 11 : short_name;
		set_error(&clients[CLIENT_NODE], lshort, "%s", X509_verify_cert_error_string(last));
		set_error(&clients[CLIENT_OPENSSL], ename, "verify error:num=%d:%s", v->verify_error, text);
		set_error(&clients[CLIENT_CURL], "60", "SSL certificate problem: %s", text);
		set_error(&clients[CLIENT_PYTHON], "SSLCertVerificationError",
		          "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: %s", text);
	}
	/* Weak signatures: OpenSSL 3 at security level 1 (every client's default here) refuses SHA-1. */
	if (has[CHAIN_WEAK_SIGNATURE] && v->trusted) {
		set_error(&clients[CLIENT_NODE], "CA_MD_TOO_WEAK", "CA signature digest algorithm too weak");
		set_error(&clients[CLIENT_OPENSSL], "X509_V_ERR_CA_MD_TOO_WEAK",
		          "verify error:num=68:CA signature digest algorithm too weak");
		set_error(&clients[CLIENT_CURL], "60",
		          "SSL certificate problem: CA signature digest algorithm too weak");
		set_error(&clients[CLIENT_PYTHON], "SSLCertVerificationError",
		          "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: CA signature digest "
		          "algorithm too weak");
	}
	/* Python's default context runs at security level 2: RSA keys below 2048 bits fail. */
	if (has[CHAIN_WEAK_KEY])
		set_error(&clients[CLIENT_PYTHON], "SSLCertVerificationError",
		          "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: EE certificate key "
		          "too weak");

	/* Go crypto/tls (x509.Verify): its own chain builder, no AIA fetching. */
	struct client_error *go = &clients[CLIENT_GO];
	if (has[CHAIN_EXPIRED] || has[CHAIN_NOT_YET_VALID]) {
		for (size_t i = 0; i < v->issue_count; i++) {
			const struct chain_issue *is = &v->issues[i];
			if (is->problem != CHAIN_EXPIRED && is->problem != CHAIN_NOT_YET_VALID)
				continue;
			const struct x509_cert *c = is->cert >= 0 ? certs[is->cert] : NULL;
			char t1[32], t2[32];
			set_error(
			    go, "x509.CertificateInvalidError",
			    "x509: certificate has expired or is not yet valid: "
			    "current time %s is %s %s",
			    x509_time_format(at, t2, sizeof(t2)),
			    is->problem == CHAIN_EXPIRED ? "after" : "before",
			    c ? x509_time_format(is->problem == CHAIN_EXPIRED ? c->not_after : c->not_before,
			                         t1, sizeof(t1))
			      : "?");
			break;
		}
	}
	if (has[CHAIN_SELF_SIGNED_LEAF] || has[CHAIN_SELF_SIGNED_IN_CHAIN] || has[CHAIN_UNKNOWN_ISSUER] ||
	    has[CHAIN_MISSING_INTERMEDIATE])
		set_error(go, "x509.UnknownAuthorityError", "x509: certificate signed by unknown authority");
	if (has[CHAIN_WEAK_SIGNATURE])
		set_error(go, "x509.InsecureAlgorithmError",
		          "x509: cannot verify signature: insecure algorithm SHA1-RSA");
	if (has[CHAIN_NOT_FOR_SERVER_AUTH])
		set_error(go, "x509.CertificateInvalidError",
		          "x509: certificate specifies an incompatible key usage");

	/* Java (PKIX through the default trust manager). */
	struct client_error *java = &clients[CLIENT_JAVA];
	if (has[CHAIN_EXPIRED] || has[CHAIN_NOT_YET_VALID])
		java_error(java, "sun.security.validator.ValidatorException",
		           "PKIX path validation failed: java.security.cert.CertPathValidatorException: "
		           "validity check failed");
	if (has[CHAIN_SELF_SIGNED_LEAF] || has[CHAIN_SELF_SIGNED_IN_CHAIN] || has[CHAIN_UNKNOWN_ISSUER] ||
	    has[CHAIN_MISSING_INTERMEDIATE])
		java_error(
		    java, "sun.security.validator.ValidatorException",
		    "PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: "
		    "unable to find valid certification path to requested target");
	if (has[CHAIN_NOT_FOR_SERVER_AUTH])
		java_error(java, "sun.security.validator.ValidatorException",
		           "Extended key usage does not permit use for TLS server authentication");
}

/* ------------------------------------------------- trust per client */

/* Each client's verdict under its own store; the run's verdict for those that trust alike. */
static void client_verdicts(struct diag_context *ctx, const struct conn *c, struct diagnosis *d, int64_t at)
{
	for (int k = 0; k < CLIENT_COUNT; k++) {
		struct trust_store *ts =
		    ctx->clients ? client_trust_store(ctx->clients, (enum tls_client)k) : ctx->trust;
		d->client_verdict[k] = &d->verdict;
		if (!ts || ts == ctx->trust)
			continue;
		trust_verify(ts, d->certs, d->cert_count, at, &d->own_verdict[k]);
		if (c->server_certs.truncated)
			drop_unsent_link_issues(&d->own_verdict[k]);
		d->client_verdict[k] = &d->own_verdict[k];
	}
}

/* The run's chain errors for every client, then each client with its own store in its own words. */
static void client_chain_errors(struct diagnosis *d, int64_t at)
{
	struct client_error before[CLIENT_COUNT], own[CLIENT_COUNT];
	memcpy(before, d->clients, sizeof(before));
	chain_errors(&d->verdict, d->certs, d->clients, at);
	for (int k = 0; k < CLIENT_COUNT; k++) {
		if (d->client_verdict[k] == &d->verdict)
			continue;
		memcpy(own, before, sizeof(own));
		chain_errors(d->client_verdict[k], d->certs, own, at);
		d->clients[k] = own[k];
	}
}

/* The CA a client that trusts the chain found in its store: the issuer of the last sent
 * certificate of its built chain (the subject, when that one is a self-signed root). */
static const char *trusted_root_name(const struct diagnosis *d, const struct chain_verdict *v)
{
	for (size_t i = v->built_count; i-- > 0;) {
		int idx = v->built[i];
		if (idx < 0 || (size_t)idx >= d->cert_count || !d->certs[idx]->parsed)
			continue;
		const struct x509_cert *x = d->certs[idx];
		if (i == v->built_count - 1 && x->subject)
			return x->subject; /* the root itself was sent */
		return x->issuer ? x->issuer : "?";
	}
	return "?";
}

/* The proper switch of each client to trust one more root (never verification off). */
static const char *trust_switch(enum tls_client k, enum client_trust_base base)
{
	switch (k) {
	case CLIENT_NODE:
		return base == CLIENT_TRUST_FILES ? "Node.js: add root.pem to the list given as the ca "
		                                    "option (it replaces every other root)"
		                                  : "Node.js: NODE_EXTRA_CA_CERTS=/path/root.pem (added to "
		                                    "its bundled roots at start-up), or "
		                                    "node --use-openssl-ca to read the system store";
	case CLIENT_OPENSSL:
		return "openssl: s_client -CAfile /path/root.pem, or install it in the system store";
	case CLIENT_CURL:
		return "curl: --cacert /path/root.pem, or install it in the system store "
		       "(/usr/local/share/ca-certificates/root.crt, then update-ca-certificates)";
	case CLIENT_PYTHON:
		return "Python: ssl.create_default_context(cafile='/path/root.pem') or "
		       "SSL_CERT_FILE=/path/root.pem";
	case CLIENT_GO:
		return "Go: SSL_CERT_FILE=/path/root.pem, or tls.Config.RootCAs";
	case CLIENT_JAVA:
		return "Java: keytool -importcert -cacerts -storepass changeit -alias private-root -file "
		       "/path/root.pem (or -Djavax.net.ssl.trustStore=a keystore holding it)";
	default:
		return "";
	}
}

static void trust_differs_finding(struct diag_context *ctx, struct diagnosis *d)
{
	int trusting = -1, failing = 0;
	for (int k = 0; k < CLIENT_COUNT; k++) {
		if (k == CLIENT_BROWSER)
			continue; /* browsers' own root programs are not modelled */
		if (d->client_verdict[k]->trusted)
			trusting = trusting < 0 ? k : trusting;
		else
			failing++;
	}
	if (trusting < 0 || !failing)
		return;
	d->trust_differs = true;
	const struct chain_verdict *tv = d->client_verdict[trusting];
	int top = tv->built_count ? tv->built[0] : 0;
	for (size_t i = 0; i < tv->built_count; i++)
		if (tv->built[i] >= 0)
			top = tv->built[i];
	struct finding *f = add(d, FINDING_TRUST_DIFFERS_BY_CLIENT, top);
	if (!f)
		return;
	char refuse[DIAG_TEXT / 2] = "", accept[96] = "", fix[DIAG_TEXT] = "";
	size_t r = 0, a = 0, x = 0;
	for (int k = 0; k < CLIENT_COUNT; k++) {
		if (k == CLIENT_BROWSER)
			continue;
		const struct chain_verdict *v = d->client_verdict[k];
		const char *name = tls_client_name((enum tls_client)k);
		if (v->trusted) {
			if (a < sizeof(accept))
				a += (size_t)snprintf(accept + a, sizeof(accept) - a, "%s%s", a ? ", " : "",
				                      name);
			continue;
		}
		const char *err = v->verify_error_name;
		if (r < sizeof(refuse))
			r += (size_t)snprintf(refuse + r, sizeof(refuse) - r, "%s%s with %s (%s)",
			                      r ? "; " : "", name,
			                      client_trust_source(ctx->clients, (enum tls_client)k),
			                      !strncmp(err, "X509_V_ERR_", 11) ? err + 11 : err);
		enum client_trust_base base = client_trust_base_of(ctx->clients, (enum tls_client)k);
		if (x < sizeof(fix))
			x += (size_t)snprintf(fix + x, sizeof(fix) - x, "%s%s", x ? "; " : "",
			                      trust_switch((enum tls_client)k, base));
	}
	MSG(f,
	    "The clients do not trust this chain alike: %s trust it (%s has '%s'); %s cannot build a trusted "
	    "chain.",
	    accept, client_trust_source(ctx->clients, (enum tls_client)trusting), trusted_root_name(d, tv),
	    refuse);
	FIX(f, "Give each failing client the root '%s' (root.pem): %s.", trusted_root_name(d, tv), fix);
}

static void host_errors(struct diagnosis *d)
{
	const struct x509_cert *leaf = d->certs[0];
	const char *host = d->expected_host;
	char names[DIAG_TEXT / 2], dns[DIAG_TEXT / 2], ips[DIAG_TEXT / 4];
	altnames(leaf, names, sizeof(names));
	dns_list(leaf, dns, sizeof(dns));
	size_t o = 0;
	ips[0] = 0;
	for (size_t i = 0; i < leaf->san_ip_count && o < sizeof(ips);
	     i++) /* Node lists only the IP SANs here */
		o += (size_t)snprintf(ips + o, sizeof(ips) - o, "%s%s", o ? ", " : "", leaf->san_ip[i].text);
	uint8_t addr[16], alen;
	bool is_ip = hostname_parse_ip(host, addr, &alen);

	if (!d->host[CLIENT_NODE].ok) {
		if (is_ip)
			set_error(&d->clients[CLIENT_NODE], "ERR_TLS_CERT_ALTNAME_INVALID",
			          "Hostname/IP does not match certificate's altnames: IP: %s is not in the "
			          "cert's list: %s",
			          host, ips);
		else if (leaf->san_dns.count)
			set_error(&d->clients[CLIENT_NODE], "ERR_TLS_CERT_ALTNAME_INVALID",
			          "Hostname/IP does not match certificate's altnames: Host: %s. is not in "
			          "the cert's "
			          "altnames: %s",
			          host, names);
		else
			set_error(&d->clients[CLIENT_NODE], "ERR_TLS_CERT_ALTNAME_INVALID",
			          "Hostname/IP does not match certificate's altnames: Host: %s. is not "
			          "cert's CN: %s",
			          host, leaf_cn(leaf) ? leaf_cn(leaf) : "undefined");
	}
	if (!d->host[CLIENT_OPENSSL].ok)
		set_error(&d->clients[CLIENT_OPENSSL],
		          is_ip ? "X509_V_ERR_IP_ADDRESS_MISMATCH" : "X509_V_ERR_HOSTNAME_MISMATCH",
		          is_ip ? "verify error:num=64:IP address mismatch"
		                : "verify error:num=62:hostname mismatch");
	if (!d->host[CLIENT_CURL].ok) {
		if (leaf->has_san || is_ip)
			set_error(
			    &d->clients[CLIENT_CURL], "60",
			    "SSL: no alternative certificate subject name matches target host name '%s'",
			    host);
		else
			set_error(&d->clients[CLIENT_CURL], "60",
			          "SSL: certificate subject name '%s' does not match target host name '%s'",
			          leaf_cn(leaf) ? leaf_cn(leaf) : "", host);
	}
	if (!d->host[CLIENT_PYTHON].ok)
		set_error(&d->clients[CLIENT_PYTHON], "SSLCertVerificationError",
		          "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: %s mismatch, "
		          "certificate is not "
		          "valid for '%s'.",
		          is_ip ? "IP address" : "Hostname", host);
	if (!d->host[CLIENT_GO].ok) {
		if (is_ip && !leaf->san_ip_count)
			set_error(&d->clients[CLIENT_GO], "x509.HostnameError",
			          "x509: cannot validate certificate for %s because it "
			          "doesn't contain any IP SANs",
			          host);
		else if (!leaf->has_san && leaf_cn(leaf))
			set_error(&d->clients[CLIENT_GO], "x509.HostnameError",
			          "x509: certificate relies on legacy Common Name "
			          "field, use SANs instead");
		else if (dns[0])
			set_error(&d->clients[CLIENT_GO], "x509.HostnameError",
			          "x509: certificate is valid for %s, not %s", dns, host);
		else
			set_error(&d->clients[CLIENT_GO], "x509.HostnameError",
			          "x509: certificate is not valid for any names, but "
			          "wanted to match %s",
			          host);
	}
	if (!d->host[CLIENT_JAVA].ok) {
		if (is_ip)
			java_error(&d->clients[CLIENT_JAVA], "java.security.cert.CertificateException",
			           "No subject alternative names matching IP address %s found", host);
		else if (leaf->san_dns.count)
			java_error(&d->clients[CLIENT_JAVA], "java.security.cert.CertificateException",
			           "No subject alternative DNS name matching %s found.", host);
		else
			java_error(&d->clients[CLIENT_JAVA], "java.security.cert.CertificateException",
			           "No name matching %s found", host);
	}
}

/* The peer reset the connection during the handshake, in each client's words. */
static void reset_errors(struct diagnosis *d, const char *ip, unsigned port)
{
	set_error(&d->clients[CLIENT_NODE], "ECONNRESET", "read ECONNRESET");
	set_error(&d->clients[CLIENT_OPENSSL], "ECONNRESET", "write:errno=104");
	set_error(&d->clients[CLIENT_CURL], "35", "Recv failure: Connection reset by peer");
	set_error(&d->clients[CLIENT_PYTHON], "ConnectionResetError", "[Errno 104] Connection reset by peer");
	set_error(&d->clients[CLIENT_GO], "syscall.ECONNRESET",
	          "read tcp CLIENT->%s:%u: read: connection reset by peer", ip, port);
	set_error(&d->clients[CLIENT_JAVA], "java.net.SocketException", "Connection reset");
}

/* The peer closed the connection during the handshake without an alert. */
static void eof_errors(struct diagnosis *d, const char *host, unsigned port)
{
	set_error(&d->clients[CLIENT_NODE], "ECONNRESET",
	          "Client network socket disconnected before secure TLS connection was established");
	set_error(&d->clients[CLIENT_OPENSSL], "SSL_ERROR_SYSCALL", "unexpected eof while reading");
	set_error(&d->clients[CLIENT_CURL], "35",
	          "OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to %s:%u", host, port);
	set_error(&d->clients[CLIENT_PYTHON], "SSLEOFError",
	          "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in "
	          "violation of protocol");
	set_error(&d->clients[CLIENT_GO], "io.EOF", "EOF");
	set_error(&d->clients[CLIENT_JAVA], "javax.net.ssl.SSLHandshakeException",
	          "Remote host terminated the handshake (caused by java.io.EOFException: SSL peer shut down "
	          "incorrectly)");
}

/* A plain-HTTP answer to the ClientHello: the record layer reads "HTTP" as a bad version. */
static void plain_http_errors(struct diagnosis *d)
{
	set_error(&d->clients[CLIENT_NODE], "EPROTO",
	          "error:0A00010B:SSL routines:ssl3_get_record:wrong version number");
	set_error(&d->clients[CLIENT_OPENSSL], "SSL_R_WRONG_VERSION_NUMBER",
	          "error:0A00010B:SSL routines:ssl3_get_record:wrong version number");
	set_error(&d->clients[CLIENT_CURL], "35",
	          "OpenSSL/%s: error:0A00010B:SSL routines::wrong version number",
	          OpenSSL_version(OPENSSL_VERSION_STRING));
	set_error(&d->clients[CLIENT_PYTHON], "SSLError", "[SSL: WRONG_VERSION_NUMBER] wrong version number");
	set_error(&d->clients[CLIENT_GO], "tls.RecordHeaderError",
	          "tls: first record does not look like a TLS handshake");
	set_error(&d->clients[CLIENT_JAVA], "javax.net.ssl.SSLException",
	          "Unsupported or unrecognized SSL message");
}

/* No answer to the ClientHello: each client waits for its own timeout. */
static void timeout_errors(struct diagnosis *d)
{
	set_error(
	    &d->clients[CLIENT_NODE], "ETIMEDOUT",
	    "no answer to the ClientHello: the socket waits (a 'timeout' event with socket.setTimeout)");
	set_error(&d->clients[CLIENT_OPENSSL], "ETIMEDOUT", "no answer: s_client waits until interrupted");
	/* curl's connect timeout (300 s by default, --connect-timeout) covers the handshake; --max-time
	 * says "Connection timed out after N milliseconds" instead. Python: Debian 12's 3.11. */
	set_error(&d->clients[CLIENT_CURL], "28", "SSL connection timeout");
	set_error(&d->clients[CLIENT_PYTHON], "TimeoutError",
	          "_ssl.c:975: The handshake operation timed out");
	set_error(&d->clients[CLIENT_GO], "net/http.tlsHandshakeTimeoutError",
	          "net/http: TLS handshake timeout");
	set_error(&d->clients[CLIENT_JAVA], "java.net.SocketTimeoutException", "Read timed out");
}

/* TLS 1.3: a server alert after the client's own flight arrives when the client's handshake call has
 * returned (the client does not wait for the server's verdict on its certificate): curl meets it in
 * SSL_read. */
static bool server_alert_after_connect(const struct conn *c, const struct conn_alert *a)
{
	return conn_is_tls13(c) && a->stage != STAGE_BEFORE_SERVER_HELLO &&
	       conn_client(c)->encrypted_handshake;
}

/* A fatal alert `desc` from the server, in each client's words; measured with OpenSSL 3.0 (openssl,
 * curl, Python), Node's bundled OpenSSL, Go and Java (e2e.real_clients, e2e.mtls). */
static void server_alert_errors(struct diagnosis *d, uint8_t desc, bool after_connect)
{
	const char *reason = openssl_alert_reason(desc);
	const char *name = tls_alert_name(desc);
	if (reason) {
		char code[96];
		/* OpenSSL's packed error code: library SSL (0x0A), reason 1000 + alert. */
		unsigned long packed = 0x0A000000UL + 1000u + desc;
		char r_code[96];
		node_ssl_code(reason, code, sizeof(code));
		snprintf(r_code, sizeof(r_code), "SSL_R_%s", code + 8);
		set_error(&d->clients[CLIENT_NODE], code,
		          "error:%08lX:SSL routines:ssl3_read_bytes:%s:SSL alert number %u", packed, reason,
		          desc);
		set_error(&d->clients[CLIENT_OPENSSL], r_code,
		          "error:%08lX:SSL routines:ssl3_read_bytes:%s:SSL alert number %u", packed, reason,
		          desc);
		if (after_connect)
			set_error(&d->clients[CLIENT_CURL], "56",
			          "OpenSSL SSL_read: OpenSSL/%s: error:%08lX:SSL routines::%s, errno 0",
			          OpenSSL_version(OPENSSL_VERSION_STRING), packed, reason);
		else if (desc == 45) /* curl takes certificate_expired for its own verification failing */
			set_error(&d->clients[CLIENT_CURL], "60", "SSL certificate verification failed");
		else
			set_error(&d->clients[CLIENT_CURL], "35", "OpenSSL/%s: error:%08lX:SSL routines::%s",
			          OpenSSL_version(OPENSSL_VERSION_STRING), packed, reason);
		char upper[96];
		snprintf(upper, sizeof(upper), "%s", code + 8);
		set_error(&d->clients[CLIENT_PYTHON], "SSLError", "[SSL: %s] %s", upper, reason);
	}
	set_error(&d->clients[CLIENT_GO], "tls.AlertError", "remote error: tls: %s", go_alert_text(desc));
	set_error(&d->clients[CLIENT_JAVA], "javax.net.ssl.SSLHandshakeException", "Received fatal alert: %s",
	          name ? name : "unknown");
}

/* What the wire alone shows: resets, closes and alerts before the certificate matters. */
static void wire_errors(const struct conn *c, struct diagnosis *d)
{
	const struct conn_side *srv = conn_server(c);
	char ip[64];
	ts_addr_format(&srv->addr, ip, sizeof(ip));
	const char *host = d->expected_host[0] ? d->expected_host : ip;

	if (server_speaks_http(c)) {
		plain_http_errors(d);
		return;
	}
	if (c->outcome == OUTCOME_SERVER_RESET_AFTER_CLIENT_HELLO) {
		reset_errors(d, ip, srv->port);
		return;
	}
	if (c->outcome == OUTCOME_SERVER_CLOSED_AFTER_CLIENT_HELLO) {
		eof_errors(d, host, srv->port);
		return;
	}
	if (c->outcome == OUTCOME_INCOMPLETE && c->client_hello && !c->server_hello && !srv->payload_bytes &&
	    conn_client(c)->close_ns) {
		timeout_errors(d);
		return;
	}
	/* The server left mid-handshake without an alert. */
	if (c->outcome == OUTCOME_INCOMPLETE && c->server_hello && !c->alert_count && srv->close_ns &&
	    (!conn_client(c)->close_ns || srv->close_ns <= conn_client(c)->close_ns)) {
		if (srv->close_rst)
			reset_errors(d, ip, srv->port);
		else
			eof_errors(d, host, srv->port);
		return;
	}
	/* A fatal alert from the server ends every client's handshake the same way. */
	for (uint16_t i = 0; i < c->alert_count; i++) {
		const struct conn_alert *a = &c->alerts[i];
		if (a->dir == c->client_dir || (a->encrypted && !a->decrypted) || a->level != 2)
			continue;
		/* An alert after the client had closed answers that close: the client's own reason stands
		 * (s_server -www sends decode_error to a client that left after a rejected chain). */
		if (conn_client(c)->close_ns && a->ts_ns > conn_client(c)->close_ns)
			continue;
		server_alert_errors(d, a->description, server_alert_after_connect(c, a));
		return;
	}
	if (client_certificate_required_inferred(c))
		server_alert_errors(d, 116, true);
}

/* --------------------------------------------- client certificates (mTLS) */

/* The server's readable fatal alert that rejects a client certificate it was sent, or NULL. */
static const struct conn_alert *client_certificate_alert(const struct conn *c)
{
	if (!c->client_certs.count)
		return NULL;
	for (uint16_t i = 0; i < c->alert_count; i++) {
		const struct conn_alert *a = &c->alerts[i];
		if (a->dir != c->client_dir && (!a->encrypted || a->decrypted) && a->level == 2 &&
		    (rejects_certificate(a->description) || a->description == 49))
			return a;
	}
	return NULL;
}

/* The client's certificates as sent, parsed through the cache. */
static size_t client_certs_parsed(struct diag_context *ctx, const struct conn *c,
                                  const struct x509_cert **out)
{
	const struct conn_cert_list *l = &c->client_certs;
	size_t n = 0;
	for (uint16_t i = 0; i < l->count && ctx->cache; i++) {
		const struct x509_cert *x =
		    cert_cache_get(ctx->cache, l->blob + l->certs[i].off, l->certs[i].len);
		if (!x)
			break;
		out[n++] = x;
	}
	return n;
}

/* None of the client's certificates is issued by (or is) a CA the server named. */
static bool client_ca_not_asked_for(const struct conn *c, const struct x509_cert *const *certs, size_t n)
{
	const struct tls_certificate_request *cr = c->certificate_request_info;
	if (!cr || !cr->ca_kept || cr->ca_names_cut)
		return false; /* no list (any CA), or not all of it kept */
	for (size_t i = 0; i < n; i++)
		for (uint16_t k = 0; k < cr->ca_kept; k++)
			if (x509_cert_names_match(certs[i], cr->ca_der + cr->ca_off[k], cr->ca_len[k],
			                          true) ||
			    x509_cert_names_match(certs[i], cr->ca_der + cr->ca_off[k], cr->ca_len[k], false))
				return false;
	return true;
}

static const char client_ca_fix[] =
    "Use a client certificate issued by one of the CAs the server accepts, or, if this CA should be "
    "accepted, add it to the server's client CA list (nginx ssl_client_certificate, Apache "
    "SSLCACertificateFile, openssl s_server -CAfile)";

/* What is wrong with the client's leaf at capture time `at`, as text ("" when nothing shows), and the
 * fix for the first thing. */
static void client_leaf_problems(const struct conn *c, const struct x509_cert *const *certs, size_t n,
                                 int64_t at, char *why, size_t len, const char **fix)
{
	const struct x509_cert *leaf = certs[0];
	char when[32], dur[48];
	size_t o = 0;
	why[0] = 0;
	*fix = NULL;
	if (leaf->parsed && at > leaf->not_after) {
		fmt_duration(at - leaf->not_after, dur, sizeof(dur));
		o += (size_t)snprintf(why + o, len - o, "; it expired on %s, %s before the handshake",
		                      x509_time_format(leaf->not_after, when, sizeof(when)), dur);
		*fix = "Renew the client certificate (a new one from the CA the server accepts) and "
		       "configure the "
		       "client with it";
	} else if (leaf->parsed && at < leaf->not_before) {
		fmt_duration(leaf->not_before - at, dur, sizeof(dur));
		o += (size_t)snprintf(why + o, len - o, "; it is valid only from %s, %s after the handshake",
		                      x509_time_format(leaf->not_before, when, sizeof(when)), dur);
		*fix = "Check the clocks of the client, the CA and the server; use the certificate once it "
		       "is valid";
	}
	if (o < len && leaf->parsed && leaf->has_eku && !leaf->eku_client_auth && !leaf->eku_any) {
		o += (size_t)snprintf(why + o, len - o,
		                      "; its extendedKeyUsage lacks clientAuth (OpenSSL servers refuse it: "
		                      "unsupported certificate purpose)");
		if (!*fix)
			*fix = "Issue the client certificate with extendedKeyUsage clientAuth (a server "
			       "certificate "
			       "is not a client certificate) and configure the client with it";
	}
	if (o < len && client_ca_not_asked_for(c, certs, n)) {
		snprintf(why + o, len - o,
		         "; it is issued by '%s', which is not among the CAs the server asked for",
		         leaf->issuer ? leaf->issuer : "?");
		if (!*fix)
			*fix = client_ca_fix;
	}
}

/* --client-ca: the client's chain verified at capture time as a server verifies it (purpose sslclient);
 * said only when the checks above found nothing, which it would repeat. */
static void client_chain_unverified(struct trust_store *client_trust, const struct x509_cert *const *certs,
                                    size_t n, int64_t at, char *why, size_t len, const char **fix)
{
	struct chain_verdict v;
	if (!client_trust || why[0])
		return;
	trust_verify(client_trust, certs, n, at, &v);
	if (v.trusted)
		return;
	snprintf(why, len, "; it does not verify against --client-ca at the capture time: %s (%s)",
	         v.verify_error_name, v.verify_error_text);
	*fix = client_ca_fix;
}

/* Findings on the client's own certificate: what is wrong with it (client-certificate-invalid), and
 * the server's rejection of it (client-certificate-rejected). */
static void client_certificate_findings(struct diag_context *ctx, const struct conn *c, struct diagnosis *d,
                                        int64_t at)
{
	const struct x509_cert *certs[TLS_MAX_CERTS_PER_MSG];
	size_t n = client_certs_parsed(ctx, c, certs);
	if (!n)
		return;
	const struct conn_alert *a = client_certificate_alert(c);
	const char *subject = certs[0]->subject ? certs[0]->subject : "?";
	char why[DIAG_TEXT / 2];
	const char *fix;
	client_leaf_problems(c, certs, n, at, why, sizeof(why), &fix);
	client_chain_unverified(ctx->client_trust, certs, n, at, why, sizeof(why), &fix);
	if (why[0]) {
		struct finding *f =
		    add_as(d, FINDING_CLIENT_CERTIFICATE_INVALID, a ? SEV_ERROR : SEV_WARNING, -1);
		MSG(f, "The client's certificate (%s) is not one the server should accept%s.%s", subject, why,
		    certificate_authorities_text(c));
		FIX(f,
		    "%s: curl --cert client.pem --key client.key, Node tls.connect({key, cert}), openssl "
		    "s_client -cert -key, Python SSLContext.load_cert_chain().",
		    fix);
	}
	if (!a)
		return;
	const char *name = tls_alert_name(a->description);
	struct finding *f = add(d, FINDING_CLIENT_CERTIFICATE_REJECTED, -1);
	MSG(f, "The server rejected the client's certificate (%s, issued by %s) with %s (%u)%s.%s", subject,
	    certs[0]->issuer ? certs[0]->issuer : "?", name ? name : "an alert", a->description,
	    why[0] ? why
	           : ": the certificate shows no reason the capture can see (the server's log names it)",
	    certificate_authorities_text(c));
	FIX(f, "%s.",
	    fix ? fix
	        : "Check which CAs the server accepts for client certificates and give the client a "
	          "certificate and key from one of them (curl --cert/--key, Node key/cert)");
}

/* ------------------------------------------------------------- entry */

/* Zeek's sni_matches_cert: the leaf covers the SNI the client sent (whatever name a rule expects). */
static void sni_match(const struct conn *c, struct diagnosis *d)
{
	const struct tls_client_hello *ch = c->client_hello;
	if (!ch || !ch->sni_count || !d->certs[0]->parsed)
		return;
	char sni[300];
	conn_wire_text(ch->sni[0].bytes, ch->sni[0].len, sni, sizeof(sni));
	d->sni_checked = true;
	d->sni_matches_cert = hostname_match(CLIENT_NODE, d->certs[0], sni).ok;
}

static int64_t handshake_time_s(const struct conn *c)
{
	for (uint16_t i = 0; i < c->event_count; i++)
		if (c->events[i].type == EV_HANDSHAKE && c->events[i].detail == TLS_HS_CERTIFICATE &&
		    c->events[i].dir != c->client_dir)
			return c->events[i].ts_ns / 1000000000LL;
	return c->first_ts_ns / 1000000000LL;
}

/* The capture time of the client's Certificate message (a client certificate is judged then). */
static int64_t client_certificate_time_s(const struct conn *c)
{
	for (uint16_t i = 0; i < c->event_count; i++)
		if (c->events[i].type == EV_HANDSHAKE && c->events[i].detail == TLS_HS_CERTIFICATE &&
		    c->events[i].dir == c->client_dir)
			return c->events[i].ts_ns / 1000000000LL;
	return c->last_ts_ns / 1000000000LL;
}

/* A client that closed without a word rejected the chain if the chain gives it a reason. */
static void raise_rejection(struct diagnosis *d)
{
	struct finding *hint = NULL;
	bool reason = false;
	for (size_t i = 0; i < d->finding_count; i++) {
		struct finding *f = &d->findings[i];
		if (f->kind == FINDING_CLIENT_REJECTED_CERTIFICATE)
			hint = f;
		else if (f->cert >= 0 && f->severity >= SEV_ERROR)
			reason = true;
	}
	if (hint && reason && hint->severity < SEV_ERROR) {
		hint->severity = SEV_ERROR;
		if (d->worst < SEV_ERROR)
			d->worst = SEV_ERROR;
	}
}

/* Worst first; at equal severity causes before signals before alerts (the certificate or policy
 * reason, then the rejection and the alert it caused); otherwise the order they were found in. */
static bool listed_before(const struct finding *a, const struct finding *b)
{
	if (a->severity != b->severity)
		return a->severity > b->severity;
	return role_of(a) < role_of(b);
}

static void sort_findings(struct diagnosis *d)
{
	for (size_t i = 1; i < d->finding_count; i++) {
		struct finding f = d->findings[i];
		size_t j = i;
		while (j > 0 && listed_before(&f, &d->findings[j - 1])) {
			d->findings[j] = d->findings[j - 1];
			j--;
		}
		d->findings[j] = f;
	}
}

/* The rejections and alerts a listed cause explains name it in their fix, so that the fix a
 * reader meets under a symptom is the cause's. */
static void fixes_name_cause(struct diagnosis *d)
{
	if (!d->finding_count)
		return;
	const struct finding *cause = &d->findings[0];
	if (role_of(cause) != FINDING_CAUSE || cause->severity < SEV_ERROR)
		return;
	for (size_t i = 1; i < d->finding_count; i++) {
		struct finding *f = &d->findings[i];
		if (role_of(f) == FINDING_CAUSE || (unsigned)f->kind >= FINDING_CODE_COUNT)
			continue;
		char fix[DIAG_TEXT];
		say(fix, sizeof(fix), "Caused by %s (listed first): %s", cause->code, cause->fix);
		memcpy(f->fix, fix, sizeof(fix));
	}
}

struct finding *diagnosis_add_finding(struct diagnosis *d, const char *code, enum severity sev)
{
	if (d->finding_count == DIAG_MAX_FINDINGS)
		return NULL;
	size_t at = d->finding_count;
	while (at > 0 && d->findings[at - 1].severity < sev)
		at--; /* after the findings at least as severe: the order stays worst first */
	memmove(&d->findings[at + 1], &d->findings[at], (d->finding_count - at) * sizeof(d->findings[0]));
	d->finding_count++;
	struct finding *f = &d->findings[at];
	f->code = code;
	f->kind = FINDING_CODE_COUNT; /* a finding of another module, not in the table */
	f->severity = sev;
	f->cert = -1;
	f->message[0] = f->fix[0] = 0;
	if (sev > d->worst)
		d->worst = sev;
	return f;
}

/* Clear what a diagnosis is read by (counts, flags, first bytes of texts):
 * the whole struct is ~40 KiB and is reused for every connection. */
static void diagnosis_reset(struct diagnosis *d)
{
	d->expected_host[0] = 0;
	d->expected_source = EXPECT_NONE;
	d->rule = NULL;
	d->cert_count = 0;
	d->chain_checked = d->host_checked = d->clients_from_chain = false;
	d->sni_checked = d->sni_matches_cert = false;
	memset(&d->verdict, 0, sizeof(d->verdict));
	memset(d->host, 0, sizeof(d->host));
	d->finding_count = 0;
	d->resumed.conn_id = 0;
	for (int k = 0; k < CLIENT_COUNT; k++) {
		d->clients[k].fails = false;
		d->clients[k].code[0] = d->clients[k].message[0] = 0;
	}
}

/* TLS 1.3 without a readable Certificate: say why, and how to get a key log from the client in use. */
static void certificate_not_visible(const struct conn *c, struct diagnosis *d)
{
	static const char how[] =
	    "Get a key log from the client and run tlsscope analyze --keylog FILE: curl and browsers "
	    "SSLKEYLOGFILE=FILE; Node.js node --tls-keylog=FILE or tlsSocket.on('keylog', line => "
	    "fs.appendFileSync(FILE, line)); openssl s_client -keylogfile FILE; Python "
	    "SSLContext.keylog_filename; Go tls.Config.KeyLogWriter.";
	const struct conn_decryption *dc = &c->decryption;
	if (dc->server_flight_read && !c->certificate_compressed)
		return; /* decrypted, and the server sent no certificate (a resumption): nothing to check */
	struct finding *f = add(d, FINDING_CERTIFICATE_NOT_VISIBLE, -1);
	if (c->certificate_compressed) {
		MSG(f,
		    "The server sent its certificate compressed (RFC 8879 CompressedCertificate), which "
		    "tlsscope "
		    "does not decompress: the chain and the host name cannot be checked from the capture.");
		FIX(f, "Capture a client that does not offer compress_certificate (curl, Node.js, openssl "
		       "s_client) "
		       "with a key log to see the chain.");
	} else if (dc->keylog == CONN_KEYLOG_NONE && c->transport == CONN_TRANSPORT_QUIC) {
		MSG(f,
		    "QUIC (TLS 1.3) sends the server's certificate in encrypted Handshake packets: without a "
		    "key log the chain and the host name cannot be checked from the capture.");
		FIX(f, "%s", how);
	} else if (dc->keylog == CONN_KEYLOG_NONE) {
		MSG(f, "TLS 1.3 encrypts the server's certificate: without a key log the chain and the host "
		       "name "
		       "cannot be checked from the capture.");
		FIX(f, "%s", how);
	} else {
		MSG(f, "TLS 1.3 encrypts the server's certificate, and the key log did not open it: %s.",
		    conn_decrypt_note_text((enum conn_decrypt_note)dc->note)
		        ? conn_decrypt_note_text((enum conn_decrypt_note)dc->note)
		        : "no reason recorded");
		FIX(f,
		    "Use the key log written by the client of this very connection, complete (while the "
		    "capture ran). %s",
		    how);
	}
}

void diagnosis_client_order(const struct diagnosis *d, enum tls_client order[CLIENT_COUNT])
{
	enum tls_client lead;
	size_t n = 0;
	bool has_lead = client_software_client(&d->software, &lead);
	if (has_lead)
		order[n++] = lead;
	for (int k = 0; k < CLIENT_COUNT; k++)
		if (!has_lead || k != (int)lead)
			order[n++] = (enum tls_client)k;
}

void diagnose_conn(struct diag_context *ctx, const struct conn *c, struct diagnosis *d)
{
	diagnosis_reset(d);
	d->worst = SEV_INFO;
	client_software_identify(c->client_hello, &d->software);
	if (!c->is_tls)
		return;
	expected_host(ctx, c, d);

	const struct conn_cert_list *l = &c->server_certs;
	if (ctx->cache)
		cert_cache_begin(ctx->cache);
	for (uint16_t i = 0; i < l->count && ctx->cache; i++) {
		const struct x509_cert *x =
		    cert_cache_get(ctx->cache, l->blob + l->certs[i].off, l->certs[i].len);
		if (!x)
			break;
		d->certs[d->cert_count++] = x;
	}

	wire_errors(c, d);
	wire_findings(c, d);

	if (d->cert_count && ctx->trust) {
		int64_t at = handshake_time_s(c);
		trust_verify(ctx->trust, d->certs, d->cert_count, at, &d->verdict);
		d->chain_checked = true;
		if (c->server_certs.truncated)
			drop_unsent_link_issues(&d->verdict);
		d->clients_from_chain = !c->server_certs.truncated; /* no client got this chain whole */
		client_verdicts(ctx, c, d, at);
		chain_findings(c, d);
		if (ctx->expiry_warn_days > 0)
			expiry_soon(d, at, ctx->expiry_warn_days);
		trust_differs_finding(ctx, d);
		if (d->clients_from_chain)
			client_chain_errors(d, at);
		if (d->certs[0]->parsed && d->expected_host[0]) {
			for (int k = 0; k < CLIENT_COUNT; k++)
				d->host[k] =
				    hostname_match((enum tls_client)k, d->certs[0], d->expected_host);
			d->host_checked = true;
			host_findings(d);
			host_errors(d);
		}
		sni_match(c, d);
	} else if (conn_is_tls13(c) && !c->server_certs.present && !conn_resumption(c)) {
		certificate_not_visible(c, d); /* a PSK resumption sends no certificate to see */
	}
	resume_links_note(ctx->resume, c, d->certs, d->cert_count, d->chain_checked ? &d->verdict : NULL,
	                  &d->resumed);
	client_certificate_findings(ctx, c, d, client_certificate_time_s(c));
	raise_rejection(d);
	sort_findings(d);
	fixes_name_cause(d);
}
