/*
 * conn_diff.c - good vs bad: shapes, grouping, pairing, comparison and the
 * verdict (see conn_diff.h).
 */
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_diff.h"
#include "tls_names.h"
#include "ts_hash.h"
#include "x509_cert.h"

/* Candidates whose fields are compared when one BAD group looks for its
 * partner: enough for any real pair of captures, bounded for hostile ones. */
#define DIFF_MAX_CANDIDATES 256

const char *diff_pairing_name(enum diff_pairing p)
{
	static const char *const names[DIFF_PAIRING_COUNT] = {
	    [DIFF_PAIRED_BY_SERVER_AND_SNI] = "server_and_sni",
	    [DIFF_PAIRED_BY_SERVER] = "server",
	    [DIFF_PAIRED_BY_SNI] = "server_name",
	    [DIFF_PAIRED_AS_ONLY_SERVER] = "only_server",
	};
	return (unsigned)p < DIFF_PAIRING_COUNT ? names[p] : "unknown";
}

/* Field names reuse the analyze JSON's names for the same things. */
static const char *const field_names[DF_COUNT] = {
    [DF_SERVER_NAME] = "server_name",
    [DF_SUPPORTED_VERSIONS] = "client_hello.supported_versions",
    [DF_CIPHER_SUITES] = "client_hello.cipher_suites",
    [DF_ALPN] = "client_hello.alpn",
    [DF_EXTENSIONS] = "client_hello.extensions",
    [DF_SIGNATURE_ALGORITHMS] = "client_hello.signature_algorithms",
    [DF_SUPPORTED_GROUPS] = "client_hello.supported_groups",
    [DF_KEY_SHARE_GROUPS] = "client_hello.key_share_groups",
    [DF_HELLO_RETRY] = "hello_retry.group",
    [DF_VERSION] = "version",
    [DF_CIPHER] = "cipher",
    [DF_SERVER_ALPN] = "alpn",
    [DF_CERTIFICATES_STATE] = "certificates_state",
    [DF_CERTIFICATES] = "certificates",
    [DF_ALERTS] = "alerts",
    [DF_CLOSED_BY] = "closed_by",
    [DF_OUTCOME] = "outcome",
    [DF_FINDINGS] = "findings",
};

const char *diff_field_name(enum diff_field f)
{
	return (unsigned)f < DF_COUNT ? field_names[f] : "unknown";
}

/* ------------------------------------------------------------------ shapes */

/* RFC 8701 GREASE values are drawn at random per connection: kept as one
 * value, so two connections of the same client compare equal. */
#define DIFF_GREASE 0x0a0a

static uint16_t degrease(uint16_t v)
{
	return tls_is_grease(v) ? DIFF_GREASE : v;
}

static void u16_copy(uint16_t *dst, const uint16_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = degrease(src[i]);
}

static void u16_list_copy(struct tls_u16_list *dst, const struct tls_u16_list *src)
{
	dst->count = src->count;
	dst->total = src->total;
	u16_copy(dst->v, src->v, src->count);
}

static void copy_client_hello(struct diff_shape *s, const struct tls_client_hello *ch)
{
	s->has_client_hello = true;
	if (ch->sni_count) {
		s->sni_present = true;
		conn_wire_text(ch->sni[0].bytes, ch->sni[0].len, s->sni, sizeof(s->sni));
	}
	u16_list_copy(&s->supported_versions, &ch->supported_versions);
	s->legacy_version = ch->legacy_version;
	s->cipher_suite_count = ch->cipher_suite_count;
	u16_copy(s->cipher_suites, ch->cipher_suites, ch->cipher_suite_count);
	for (size_t i = 0; i < ch->alpn_count && i < DIFF_MAX_ALPN; i++)
		conn_wire_text(ch->alpn[i].bytes, ch->alpn[i].len, s->alpn[s->alpn_count++],
		               sizeof(s->alpn[0]));
	s->extensions.total = ch->extension_total;
	for (size_t i = 0; i < ch->extension_count && i < TLS_MAX_LIST_ITEMS; i++)
		s->extensions.v[s->extensions.count++] = degrease(ch->extensions[i].type);
	u16_list_copy(&s->signature_algorithms, &ch->signature_algorithms);
	u16_list_copy(&s->supported_groups, &ch->supported_groups);
	u16_list_copy(&s->key_share_groups, &ch->key_share_groups);
}

/* The leaf's DNS names, else its CNs: what the failing client's name was checked against. */
static void leaf_names(struct diff_shape *s, const struct x509_cert *leaf)
{
	const struct x509_strings *names = leaf->san_dns.count ? &leaf->san_dns : &leaf->subject_cn;
	size_t used = 0;
	for (size_t i = 0; i < names->count && used + 1 < sizeof(s->leaf_names); i++) {
		int n = snprintf(s->leaf_names + used, sizeof(s->leaf_names) - used, "%s%s", i ? ", " : "",
		                 names->v[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (used >= sizeof(s->leaf_names))
		s->leaf_names[sizeof(s->leaf_names) - 1] = '\0';
}

static const char *conn_closed_by(const struct conn *c)
{
	if (!c->closed)
		return "";
	static const char *const names[2][2] = {{"server_fin", "server_rst"}, {"client_fin", "client_rst"}};
	return names[c->first_close_dir == c->client_dir][c->first_close_rst];
}

void diff_shape_from_conn(struct diff_shape *s, const struct conn *c, const struct diagnosis *dg)
{
	memset(s, 0, sizeof(*s));
	const struct conn_side *srv = conn_server(c);
	ts_addr_format(&srv->addr, s->server_ip, sizeof(s->server_ip));
	s->server_port = srv->port;
	if (c->client_hello)
		copy_client_hello(s, c->client_hello);
	if (c->server_hello) {
		s->has_server_hello = true;
		s->version = conn_version(c);
		s->cipher = c->server_hello->cipher_suite;
		if (c->server_hello->has_alpn) {
			s->has_server_alpn = true;
			conn_wire_text(c->server_hello->alpn.bytes, c->server_hello->alpn.len, s->server_alpn,
			               sizeof(s->server_alpn));
		}
	}
	if (c->hello_retry) {
		s->hello_retry = true;
		s->hello_retry_group = c->hello_retry->key_share_group;
	}
	const struct conn_cert_list *cl = &c->server_certs;
	for (size_t i = 0; i < cl->count && i < DIFF_MAX_CHAIN; i++) {
		const struct conn_cert *cert = &cl->certs[i];
		SHA256(cl->blob + cert->off, cert->len, s->chain_sha256[s->chain_count]);
		s->chain_count++;
	}
	snprintf(s->certificates_state, sizeof(s->certificates_state), "%s", conn_certificates_state(c));
	if (dg && dg->cert_count && dg->certs[0] && dg->certs[0]->parsed)
		leaf_names(s, dg->certs[0]);
	for (size_t i = 0; i < c->alert_count && s->alert_count < DIFF_MAX_ALERTS; i++) {
		const struct conn_alert *a = &c->alerts[i];
		s->alerts[s->alert_count++] = (struct diff_alert){
		    .from_server = a->dir != c->client_dir,
		    .encrypted = a->encrypted,
		    .level = a->level,
		    .description = a->description,
		};
	}
	snprintf(s->closed_by, sizeof(s->closed_by), "%s", conn_closed_by(c));
	s->outcome = (uint8_t)c->outcome;
	for (size_t i = 0; dg && i < dg->finding_count && s->finding_count < DIFF_MAX_FINDINGS; i++) {
		struct diff_finding *f = &s->findings[s->finding_count++];
		snprintf(f->code, sizeof(f->code), "%s", dg->findings[i].code);
		f->severity = (uint8_t)dg->findings[i].severity;
	}
}

/* ------------------------------------------------------------------ field values */

__attribute__((format(printf, 2, 3))) static void value_add(struct diff_value *v, const char *fmt, ...)
{
	if (v->count >= DIFF_VALUE_MAX_ITEMS || v->used >= sizeof(v->buf))
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(v->buf + v->used, sizeof(v->buf) - v->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(v->buf) - v->used)
		return; /* does not fit whole: left out rather than cut */
	v->items[v->count++] = v->buf + v->used;
	v->used += (size_t)n + 1;
}

/* A code point by its IANA name, or its number. */
static void value_add_code(struct diff_value *v, uint16_t code, const char *(*name)(uint16_t))
{
	const char *n = name(code);
	if (n)
		value_add(v, "%s", n);
	else
		value_add(v, tls_is_grease(code) ? "GREASE" : "0x%04x", code);
}

static const char *version_name(uint16_t v)
{
	static _Thread_local char buf[24];
	return tls_version_name(v, buf, sizeof(buf));
}

static void value_add_list(struct diff_value *v, const uint16_t *codes, size_t n,
                           const char *(*name)(uint16_t))
{
	v->is_list = true;
	for (size_t i = 0; i < n; i++)
		value_add_code(v, codes[i], name);
}

static const char *alert_name(uint8_t description)
{
	const char *n = tls_alert_name(description);
	return n ? n : "unknown";
}

void diff_field_value(const struct diff_shape *s, enum diff_field f, struct diff_value *v)
{
	v->is_list = false;
	v->count = 0;
	v->used = 0;
	const struct tls_u16_list *list = NULL;
	const char *(*name)(uint16_t) = NULL;
	switch (f) {
	case DF_SERVER_NAME:
		if (s->sni_present)
			value_add(v, "%s", s->sni);
		return;
	case DF_SUPPORTED_VERSIONS:
		list = &s->supported_versions;
		name = version_name;
		break;
	case DF_CIPHER_SUITES:
		value_add_list(v, s->cipher_suites, s->cipher_suite_count, tls_cipher_suite_name);
		return;
	case DF_ALPN:
		v->is_list = true;
		for (size_t i = 0; i < s->alpn_count; i++)
			value_add(v, "%s", s->alpn[i]);
		return;
	case DF_EXTENSIONS:
		list = &s->extensions;
		name = tls_extension_name;
		break;
	case DF_SIGNATURE_ALGORITHMS:
		list = &s->signature_algorithms;
		name = tls_signature_scheme_name;
		break;
	case DF_SUPPORTED_GROUPS:
		list = &s->supported_groups;
		name = tls_group_name;
		break;
	case DF_KEY_SHARE_GROUPS:
		list = &s->key_share_groups;
		name = tls_group_name;
		break;
	case DF_HELLO_RETRY:
		if (s->hello_retry) {
			if (s->hello_retry_group)
				value_add_code(v, s->hello_retry_group, tls_group_name);
			else
				value_add(v, "none");
		}
		return;
	case DF_VERSION:
		if (s->has_server_hello)
			value_add(v, "%s", version_name(s->version));
		return;
	case DF_CIPHER:
		if (s->has_server_hello)
			value_add_code(v, s->cipher, tls_cipher_suite_name);
		return;
	case DF_SERVER_ALPN:
		if (s->has_server_alpn)
			value_add(v, "%s", s->server_alpn);
		return;
	case DF_CERTIFICATES_STATE:
		value_add(v, "%s", s->certificates_state);
		return;
	case DF_CERTIFICATES:
		v->is_list = true;
		for (size_t i = 0; i < s->chain_count; i++) {
			char hex[65];
			for (size_t j = 0; j < 32; j++)
				snprintf(hex + 2 * j, 3, "%02x", s->chain_sha256[i][j]);
			value_add(v, "%s", hex);
		}
		return;
	case DF_ALERTS:
		v->is_list = true;
		for (size_t i = 0; i < s->alert_count; i++) {
			const struct diff_alert *a = &s->alerts[i];
			const char *from = a->from_server ? "server" : "client";
			const char *level = tls_alert_level_name(a->level);
			if (a->encrypted)
				value_add(v, "%s encrypted", from);
			else
				value_add(v, "%s %s %s", from, level ? level : "unknown",
				          alert_name(a->description));
		}
		return;
	case DF_CLOSED_BY:
		if (s->closed_by[0])
			value_add(v, "%s", s->closed_by);
		return;
	case DF_OUTCOME:
		value_add(v, "%s", conn_outcome_name((enum conn_outcome)s->outcome));
		return;
	case DF_FINDINGS:
		v->is_list = true;
		for (size_t i = 0; i < s->finding_count; i++)
			value_add(v, "%s (%s)", s->findings[i].code,
			          severity_name((enum severity)s->findings[i].severity));
		return;
	case DF_COUNT:
		return;
	}
	value_add_list(v, list->v, list->count, name);
}

bool diff_value_has(const struct diff_value *v, const char *item)
{
	for (size_t i = 0; i < v->count; i++)
		if (!strcmp(v->items[i], item))
			return true;
	return false;
}

bool diff_value_long_lists_differ(const struct diff_value *a, const struct diff_value *b)
{
	if (!a->is_list || (a->count <= DIFF_SHORT_LIST && b->count <= DIFF_SHORT_LIST))
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (!diff_value_has(b, a->items[i]))
			return true;
	for (size_t i = 0; i < b->count; i++)
		if (!diff_value_has(a, b->items[i]))
			return true;
	return false;
}

void diff_value_only_in(const struct diff_value *a, const struct diff_value *b, bool lead,
                        struct diff_value *out)
{
	out->is_list = true;
	out->count = 0;
	out->used = 0;
	size_t only = 0;
	for (size_t i = 0; i < a->count; i++)
		only += !diff_value_has(b, a->items[i]);
	if (lead) {
		if (only)
			value_add(out, "of %zu, only here:", a->count);
		else
			value_add(out, "of %zu, none only here", a->count);
	}
	for (size_t i = 0; i < a->count && out->count < DIFF_VALUE_MAX_ITEMS; i++)
		if (!diff_value_has(b, a->items[i]))
			out->items[out->count++] = a->items[i];
}

/* ------------------------------------------------------------------ comparison */

static bool u16_list_equal(const struct tls_u16_list *a, const struct tls_u16_list *b)
{
	return a->count == b->count && !memcmp(a->v, b->v, a->count * sizeof(a->v[0]));
}

static bool findings_equal(const struct diff_shape *a, const struct diff_shape *b)
{
	if (a->finding_count != b->finding_count)
		return false;
	for (size_t i = 0; i < a->finding_count; i++)
		if (a->findings[i].severity != b->findings[i].severity ||
		    strcmp(a->findings[i].code, b->findings[i].code))
			return false;
	return true;
}

/* On the shapes themselves, not their text: pairing compares many candidates. */
static bool field_equal(const struct diff_shape *a, const struct diff_shape *b, enum diff_field f)
{
	switch (f) {
	case DF_SERVER_NAME:
		return a->sni_present == b->sni_present && !strcmp(a->sni, b->sni);
	case DF_SUPPORTED_VERSIONS:
		return u16_list_equal(&a->supported_versions, &b->supported_versions);
	case DF_CIPHER_SUITES:
		return a->cipher_suite_count == b->cipher_suite_count &&
		       !memcmp(a->cipher_suites, b->cipher_suites,
		               a->cipher_suite_count * sizeof(a->cipher_suites[0]));
	case DF_ALPN:
		return a->alpn_count == b->alpn_count && !memcmp(a->alpn, b->alpn, sizeof(a->alpn));
	case DF_EXTENSIONS:
		return u16_list_equal(&a->extensions, &b->extensions);
	case DF_SIGNATURE_ALGORITHMS:
		return u16_list_equal(&a->signature_algorithms, &b->signature_algorithms);
	case DF_SUPPORTED_GROUPS:
		return u16_list_equal(&a->supported_groups, &b->supported_groups);
	case DF_KEY_SHARE_GROUPS:
		return u16_list_equal(&a->key_share_groups, &b->key_share_groups);
	case DF_HELLO_RETRY:
		return a->hello_retry == b->hello_retry && a->hello_retry_group == b->hello_retry_group;
	case DF_VERSION:
		return a->has_server_hello == b->has_server_hello && a->version == b->version;
	case DF_CIPHER:
		return a->has_server_hello == b->has_server_hello && a->cipher == b->cipher;
	case DF_SERVER_ALPN:
		return a->has_server_alpn == b->has_server_alpn && !strcmp(a->server_alpn, b->server_alpn);
	case DF_CERTIFICATES_STATE:
		return !strcmp(a->certificates_state, b->certificates_state);
	case DF_CERTIFICATES:
		return a->chain_count == b->chain_count &&
		       !memcmp(a->chain_sha256, b->chain_sha256, a->chain_count * 32u);
	case DF_ALERTS:
		return a->alert_count == b->alert_count &&
		       !memcmp(a->alerts, b->alerts, a->alert_count * sizeof(a->alerts[0]));
	case DF_CLOSED_BY:
		return !strcmp(a->closed_by, b->closed_by);
	case DF_OUTCOME:
		return a->outcome == b->outcome;
	case DF_FINDINGS:
		return findings_equal(a, b);
	case DF_COUNT:
		break;
	}
	return true;
}

size_t diff_compare(const struct diff_shape *good, const struct diff_shape *bad, bool differs[DF_COUNT])
{
	size_t n = 0;
	for (int f = 0; f < DF_COUNT; f++) {
		differs[f] = !field_equal(good, bad, (enum diff_field)f);
		n += differs[f];
	}
	return n;
}

/* ------------------------------------------------------------------ verdict */

static bool has_finding(const struct diff_shape *s, const char *code)
{
	for (size_t i = 0; i < s->finding_count; i++)
		if (!strcmp(s->findings[i].code, code))
			return true;
	return false;
}

static bool u16_in(const uint16_t *v, size_t n, uint16_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* Does the client offer this version? Without supported_versions a client
 * offers legacy_version and (as far as the wire says) everything below. */
static bool offers_version(const struct diff_shape *s, uint16_t version)
{
	if (s->supported_versions.count)
		return u16_in(s->supported_versions.v, s->supported_versions.count, version);
	return version <= s->legacy_version;
}

static const struct diff_alert *first_alert(const struct diff_shape *s, bool from_server)
{
	for (size_t i = 0; i < s->alert_count; i++)
		if (s->alerts[i].from_server == from_server &&
		    (s->alerts[i].encrypted || s->alerts[i].level == 2))
			return &s->alerts[i];
	return NULL;
}

static bool chain_prefix(const struct diff_shape *shorter, const struct diff_shape *longer)
{
	if (shorter->chain_count >= longer->chain_count)
		return false;
	return !memcmp(shorter->chain_sha256, longer->chain_sha256, shorter->chain_count * 32u);
}

/* A verdict is a cause (what differs) and its effect (what happened to the
 * failing connection). The rules are tried in priority order; the first
 * that applies gives the cause. */
struct verdict_input {
	const struct diff_shape *good, *bad;
	const bool *differs;
};

struct verdict_rule {
	bool (*applies)(const struct verdict_input *in);
	/* Writes the cause; returns true when it already says what happened. */
	bool (*cause)(const struct verdict_input *in, char *out, size_t len);
};

static bool sni_dropped(const struct verdict_input *in)
{
	return in->good->sni_present && !in->bad->sni_present && in->bad->has_client_hello;
}

static bool say_sni_dropped(const struct verdict_input *in, char *out, size_t len)
{
	snprintf(out, len, "the failing client sent no SNI (the working one asked for %s)", in->good->sni);
	return false;
}

static bool name_not_covered(const struct verdict_input *in)
{
	return in->differs[DF_SERVER_NAME] &&
	       (has_finding(in->bad, "hostname-mismatch") || has_finding(in->bad, "wildcard-mismatch") ||
	        has_finding(in->bad, "ip-not-in-san") || has_finding(in->bad, "cn-only"));
}

static bool say_name_not_covered(const struct verdict_input *in, char *out, size_t len)
{
	const char *names = in->bad->leaf_names[0] ? in->bad->leaf_names : in->good->leaf_names;
	const char *asked = in->bad->sni_present ? in->bad->sni : in->bad->server_ip;
	if (names[0])
		snprintf(out, len,
		         "the failing client asked for %s but the server's certificate covers only %s", asked,
		         names);
	else
		snprintf(out, len,
		         "the failing client asked for %s, which the server's certificate does not cover",
		         asked);
	return false;
}

static bool sni_changed(const struct verdict_input *in)
{
	return in->differs[DF_SERVER_NAME] && in->bad->has_client_hello;
}

static bool say_sni_changed(const struct verdict_input *in, char *out, size_t len)
{
	if (!in->good->sni_present)
		snprintf(out, len, "the failing client sent SNI %s, the working one none", in->bad->sni);
	else
		snprintf(out, len, "the failing client asked for %s, the working one for %s", in->bad->sni,
		         in->good->sni);
	return false;
}

static bool intermediate_missing(const struct verdict_input *in)
{
	return in->differs[DF_CERTIFICATES] && in->bad->chain_count &&
	       (has_finding(in->bad, "missing-intermediate") || chain_prefix(in->bad, in->good));
}

static bool say_intermediate_missing(const struct verdict_input *in, char *out, size_t len)
{
	snprintf(out, len,
	         "the server sent a different chain to the failing client: the intermediate is missing");
	return false;
}

static bool chain_changed(const struct verdict_input *in)
{
	return in->differs[DF_CERTIFICATES] && in->bad->chain_count && in->good->chain_count;
}

static bool say_chain_changed(const struct verdict_input *in, char *out, size_t len)
{
	const char *what = "the server sent a different certificate chain to the failing client";
	if (in->bad->finding_count)
		snprintf(out, len, "%s (%s)", what, in->bad->findings[0].code);
	else
		snprintf(out, len, "%s", what);
	return false;
}

static bool version_not_offered(const struct verdict_input *in)
{
	return in->good->has_server_hello && in->bad->has_client_hello &&
	       !offers_version(in->bad, in->good->version);
}

static bool say_version_not_offered(const struct verdict_input *in, char *out, size_t len)
{
	struct diff_value v;
	diff_field_value(in->bad, DF_SUPPORTED_VERSIONS, &v);
	size_t used = (size_t)snprintf(out, len, "the failing client offers only ");
	size_t shown = 0;
	for (size_t i = 0; i < v.count && used < len; i++) {
		if (!strncmp(v.items[i], "GREASE", 6))
			continue;
		used += (size_t)snprintf(out + used, len - used, "%s%s", shown++ ? ", " : "", v.items[i]);
	}
	if (!shown && used < len)
		snprintf(out + used, len - used, "%s and older", version_name(in->bad->legacy_version));
	return false;
}

static bool cipher_not_offered(const struct verdict_input *in)
{
	return in->good->has_server_hello && in->bad->has_client_hello &&
	       !u16_in(in->bad->cipher_suites, in->bad->cipher_suite_count, in->good->cipher);
}

static bool say_cipher_not_offered(const struct verdict_input *in, char *out, size_t len)
{
	const char *n = tls_cipher_suite_name(in->good->cipher);
	char num[8];
	snprintf(num, sizeof(num), "0x%04x", in->good->cipher);
	snprintf(out, len, "the failing client does not offer %s, the cipher suite the working one got",
	         n ? n : num);
	return false;
}

static bool retry_changed(const struct verdict_input *in)
{
	return in->differs[DF_HELLO_RETRY] || in->differs[DF_SUPPORTED_GROUPS] ||
	       in->differs[DF_KEY_SHARE_GROUPS];
}

static bool say_retry_changed(const struct verdict_input *in, char *out, size_t len)
{
	if (in->bad->hello_retry && !in->good->hello_retry)
		snprintf(out, len,
		         "the server asked the failing client for another key share (HelloRetryRequest)");
	else
		snprintf(out, len, "the failing client offers other key exchange groups");
	return false;
}

static bool alpn_changed(const struct verdict_input *in)
{
	return in->differs[DF_ALPN];
}

static bool say_alpn_changed(const struct verdict_input *in, char *out, size_t len)
{
	snprintf(out, len, "the failing client offers other ALPN protocols");
	return false;
}

/* What a certificate rejection alert most likely means. */
static const struct {
	uint8_t description;
	const char *meaning;
} rejection_reasons[] = {
    {48, "it does not trust the issuing CA (a private CA missing from its trust store?)"}, /* unknown_ca */
    {42, "it found the certificate bad"},                               /* bad_certificate */
    {43, "it does not accept this kind of certificate"},                /* unsupported_certificate */
    {44, "it considers the certificate revoked"},                       /* certificate_revoked */
    {45, "it considers the certificate expired (is its clock right?)"}, /* certificate_expired */
    {46, "it could not verify the certificate"},                        /* certificate_unknown */
    {49, "its checks of the certificate failed"},                       /* access_denied */
};

static bool server_answer_same(const struct verdict_input *in)
{
	for (int f = DF_HELLO_RETRY; f <= DF_CERTIFICATES; f++)
		if (in->differs[f])
			return false;
	return true;
}

/* The server answered both alike and the failing client gave up: whatever
 * else its ClientHello says, it is the client that refused. */
static bool client_rejected(const struct verdict_input *in)
{
	enum conn_outcome o = (enum conn_outcome)in->bad->outcome;
	return (o == OUTCOME_CLIENT_ALERT || o == OUTCOME_CLIENT_CLOSED_AFTER_HANDSHAKE) &&
	       in->bad->has_server_hello && server_answer_same(in);
}

static bool say_client_rejected(const struct verdict_input *in, char *out, size_t len)
{
	const char *same = "same handshake";
	for (int f = DF_SERVER_NAME; f < DF_HELLO_RETRY; f++)
		if (in->differs[f])
			same = "the server answered both alike";
	const struct diff_alert *a = first_alert(in->bad, false);
	if (!a) {
		snprintf(out, len,
		         "%s; the failing client closed the connection right after the handshake without "
		         "a word (as Node.js does when it rejects the certificate)",
		         same);
		return true;
	}
	if (a->encrypted) {
		snprintf(out, len,
		         "%s; the failing client aborted with an encrypted alert (it most likely rejected "
		         "the certificate)",
		         same);
		return true;
	}
	const char *meaning = "it aborted the handshake";
	for (size_t i = 0; i < sizeof(rejection_reasons) / sizeof(rejection_reasons[0]); i++)
		if (rejection_reasons[i].description == a->description)
			meaning = rejection_reasons[i].meaning;
	snprintf(out, len, "%s; the failing client rejected the certificate (%s): %s", same,
	         alert_name(a->description), meaning);
	return true;
}

static bool hello_changed(const struct verdict_input *in)
{
	for (int f = DF_SUPPORTED_VERSIONS; f <= DF_KEY_SHARE_GROUPS; f++)
		if (in->differs[f])
			return true;
	return false;
}

static bool say_hello_changed(const struct verdict_input *in, char *out, size_t len)
{
	size_t used = (size_t)snprintf(out, len, "the failing client's ClientHello differs in");
	const char *sep = " ";
	for (int f = DF_SUPPORTED_VERSIONS; f <= DF_KEY_SHARE_GROUPS && used < len; f++) {
		if (!in->differs[f])
			continue;
		const char *name = strchr(field_names[f], '.') + 1;
		used += (size_t)snprintf(out + used, len - used, "%s%s", sep, name);
		sep = ", ";
	}
	return false;
}

static bool findings_changed(const struct verdict_input *in)
{
	return in->differs[DF_FINDINGS] && in->bad->finding_count;
}

static bool say_findings_changed(const struct verdict_input *in, char *out, size_t len)
{
	snprintf(out, len, "same ClientHello; the failing connection has the finding %s",
	         in->bad->findings[0].code);
	return false;
}

static bool always(const struct verdict_input *in)
{
	return true;
}

static bool say_no_difference(const struct verdict_input *in, char *out, size_t len)
{
	snprintf(out, len, "no difference the wire shows in the ClientHello or the server's answer");
	return false;
}

static const struct verdict_rule verdict_rules[] = {
    {sni_dropped, say_sni_dropped},
    {name_not_covered, say_name_not_covered},
    {sni_changed, say_sni_changed},
    {version_not_offered, say_version_not_offered},
    {cipher_not_offered, say_cipher_not_offered},
    {intermediate_missing, say_intermediate_missing},
    {chain_changed, say_chain_changed},
    {client_rejected, say_client_rejected},
    {retry_changed, say_retry_changed},
    {alpn_changed, say_alpn_changed},
    {hello_changed, say_hello_changed},
    {findings_changed, say_findings_changed},
    {always, say_no_difference},
};

static void say_alert(const struct diff_shape *bad, bool from_server, const char *who_did, char *out,
                      size_t len)
{
	const struct diff_alert *a = first_alert(bad, from_server);
	if (a && !a->encrypted)
		snprintf(out, len, "%s %s %s alert", who_did,
		         strchr("aeiou", alert_name(a->description)[0]) ? "an" : "a",
		         alert_name(a->description));
	else
		snprintf(out, len, "%s an encrypted alert", who_did);
}

/* What happened to the failing connection. */
static void effect(const struct diff_shape *good, const struct diff_shape *bad, char *out, size_t len)
{
	switch ((enum conn_outcome)bad->outcome) {
	case OUTCOME_SERVER_RESET_AFTER_CLIENT_HELLO:
		snprintf(out, len, "the server reset it");
		return;
	case OUTCOME_SERVER_CLOSED_AFTER_CLIENT_HELLO:
		snprintf(out, len, "the server closed the connection without answering");
		return;
	case OUTCOME_SERVER_ALERT:
		say_alert(bad, true, "the server answered with", out, len);
		return;
	case OUTCOME_CLIENT_ALERT:
		say_alert(bad, false, "the failing client aborted with", out, len);
		return;
	case OUTCOME_CLIENT_CLOSED_AFTER_HANDSHAKE:
		snprintf(out, len, "the failing client closed the connection right after the handshake");
		return;
	case OUTCOME_INCOMPLETE:
		snprintf(out, len, "the handshake did not complete");
		return;
	case OUTCOME_NOT_TLS:
		snprintf(out, len, "it did not speak TLS");
		return;
	case OUTCOME_ESTABLISHED:
	case OUTCOME_COUNT:
		break;
	}
	if (bad->finding_count && bad->findings[0].severity >= SEV_ERROR && !findings_equal(good, bad))
		snprintf(out, len,
		         "the handshake completed, but a client that checks the certificate refuses it");
	else if (good->outcome == OUTCOME_ESTABLISHED)
		snprintf(out, len, "both were established");
	else
		snprintf(out, len, "it was established all the same");
}

void diff_verdict(const struct diff_shape *good, const struct diff_shape *bad, char *out, size_t outlen)
{
	bool differs[DF_COUNT];
	diff_compare(good, bad, differs);
	struct verdict_input in = {good, bad, differs};
	char cause[384], what[160];
	for (size_t i = 0; i < sizeof(verdict_rules) / sizeof(verdict_rules[0]); i++) {
		if (!verdict_rules[i].applies(&in))
			continue;
		if (verdict_rules[i].cause(&in, cause, sizeof(cause))) {
			snprintf(out, outlen, "%s", cause);
			return;
		}
		break;
	}
	effect(good, bad, what, sizeof(what));
	snprintf(out, outlen, "%s; %s", cause, what);
}

/* ------------------------------------------------------------------ groups */

/* Keyed (ts_hash.h): the shapes come from captures anyone can write. */
static uint64_t shape_hash(const struct diff_shape *s)
{
	return ts_hash(s, sizeof(*s));
}

void conn_diff_init(struct conn_diff *d, size_t max_conns_per_side)
{
	memset(d, 0, sizeof(*d));
	d->max_conns = max_conns_per_side ? max_conns_per_side : DIFF_DEFAULT_MAX_CONNS;
}

void conn_diff_free(struct conn_diff *d)
{
	for (int i = 0; i < 2; i++) {
		free(d->side[i].groups);
		free(d->side[i].slots);
	}
	free(d->pairs);
	free(d->good_paired);
	free(d->bad_paired);
	memset(d, 0, sizeof(*d));
}

static bool side_rehash(struct diff_side *sd, size_t slot_cap)
{
	size_t *slots = malloc(slot_cap * sizeof(*slots));
	if (!slots)
		return false;
	for (size_t i = 0; i < slot_cap; i++)
		slots[i] = SIZE_MAX;
	for (size_t g = 0; g < sd->group_count; g++) {
		size_t k = (size_t)sd->groups[g].hash & (slot_cap - 1);
		while (slots[k] != SIZE_MAX)
			k = (k + 1) & (slot_cap - 1);
		slots[k] = g;
	}
	free(sd->slots);
	sd->slots = slots;
	sd->slot_cap = slot_cap;
	return true;
}

bool conn_diff_add(struct conn_diff *d, enum diff_side_index side, const struct conn *c,
                   const struct diagnosis *dg)
{
	struct diff_side *sd = &d->side[side];
	if (sd->connections >= d->max_conns) {
		sd->not_compared++;
		return false;
	}
	/* Grow the index at half full, the groups by doubling. */
	if ((sd->group_count + 1) * 2 > sd->slot_cap &&
	    !side_rehash(sd, sd->slot_cap ? sd->slot_cap * 2 : 64))
		goto nomem;
	if (sd->group_count == sd->group_cap) {
		size_t cap = sd->group_cap ? sd->group_cap * 2 : 16;
		struct diff_group *g = realloc(sd->groups, cap * sizeof(*g));
		if (!g)
			goto nomem;
		sd->groups = g;
		sd->group_cap = cap;
	}
	/* Built in the free slot at the end: kept if new, else only counted. */
	struct diff_group *fresh = &sd->groups[sd->group_count];
	diff_shape_from_conn(&fresh->shape, c, dg);
	fresh->hash = shape_hash(&fresh->shape);
	size_t k = (size_t)fresh->hash & (sd->slot_cap - 1);
	for (; sd->slots[k] != SIZE_MAX; k = (k + 1) & (sd->slot_cap - 1)) {
		struct diff_group *g = &sd->groups[sd->slots[k]];
		if (g->hash == fresh->hash && !memcmp(&g->shape, &fresh->shape, sizeof(g->shape))) {
			if (g->count < DIFF_MAX_IDS)
				g->ids[g->count] = c->id;
			g->count++;
			sd->connections++;
			return true;
		}
	}
	memset(fresh->ids, 0, sizeof(fresh->ids));
	fresh->ids[0] = c->id;
	fresh->count = 1;
	sd->slots[k] = sd->group_count++;
	sd->connections++;
	return true;
nomem:
	d->out_of_memory = true;
	sd->not_compared++;
	return false;
}

/* ------------------------------------------------------------------ pairing */

static bool same_server(const struct diff_shape *a, const struct diff_shape *b)
{
	return a->server_port == b->server_port && !strcmp(a->server_ip, b->server_ip);
}

static bool same_sni(const struct diff_shape *a, const struct diff_shape *b)
{
	return a->sni_present == b->sni_present && !strcmp(a->sni, b->sni);
}

static bool pairs_at(enum diff_pairing level, const struct diff_shape *good, const struct diff_shape *bad)
{
	switch (level) {
	case DIFF_PAIRED_BY_SERVER_AND_SNI:
		return same_server(good, bad) && same_sni(good, bad);
	case DIFF_PAIRED_BY_SERVER:
		return same_server(good, bad);
	case DIFF_PAIRED_BY_SNI:
		return good->sni_present && same_sni(good, bad);
	case DIFF_PAIRED_AS_ONLY_SERVER:
		return true;
	case DIFF_PAIRING_COUNT:
		break;
	}
	return false;
}

/* Every group of the side talks to the same server. */
static bool one_server(const struct diff_side *sd)
{
	for (size_t i = 1; i < sd->group_count; i++)
		if (!same_server(&sd->groups[0].shape, &sd->groups[i].shape))
			return false;
	return sd->group_count > 0;
}

bool conn_diff_pair(struct conn_diff *d)
{
	const struct diff_side *good = &d->side[DIFF_GOOD], *bad = &d->side[DIFF_BAD];
	free(d->pairs);
	free(d->good_paired);
	free(d->bad_paired);
	d->pair_count = 0;
	d->pairs = calloc(bad->group_count + 1, sizeof(*d->pairs));
	d->good_paired = calloc(good->group_count + 1, sizeof(bool));
	d->bad_paired = calloc(bad->group_count + 1, sizeof(bool));
	if (!d->pairs || !d->good_paired || !d->bad_paired)
		return false;
	bool only_servers = one_server(good) && one_server(bad);
	for (size_t b = 0; b < bad->group_count; b++) {
		const struct diff_shape *bs = &bad->groups[b].shape;
		struct diff_pair best = {.good = SIZE_MAX};
		for (int level = 0; level < DIFF_PAIRING_COUNT && best.good == SIZE_MAX; level++) {
			if (level == DIFF_PAIRED_AS_ONLY_SERVER && !only_servers)
				break;
			size_t tried = 0;
			for (size_t g = 0; g < good->group_count && tried < DIFF_MAX_CANDIDATES; g++) {
				const struct diff_shape *gs = &good->groups[g].shape;
				if (!pairs_at((enum diff_pairing)level, gs, bs))
					continue;
				tried++;
				struct diff_pair cand = {
				    .good = g, .bad = b, .pairing = (enum diff_pairing)level};
				cand.differ_count = diff_compare(gs, bs, cand.differs);
				/* The closest partner; among equals, one that was established. */
				bool better = best.good == SIZE_MAX ||
				              cand.differ_count < best.differ_count ||
				              (cand.differ_count == best.differ_count &&
				               gs->outcome == OUTCOME_ESTABLISHED &&
				               good->groups[best.good].shape.outcome != OUTCOME_ESTABLISHED);
				if (better)
					best = cand;
			}
		}
		if (best.good == SIZE_MAX)
			continue;
		diff_verdict(&good->groups[best.good].shape, bs, best.verdict, sizeof(best.verdict));
		d->pairs[d->pair_count++] = best;
		d->good_paired[best.good] = true;
		d->bad_paired[b] = true;
	}
	return true;
}

size_t conn_diff_unpaired(const struct diff_side *sd, const bool *paired)
{
	size_t n = 0;
	for (size_t i = 0; i < sd->group_count; i++)
		n += !paired[i];
	return n;
}
