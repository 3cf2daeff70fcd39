/*
 * report_json.c - one JSON object per connection, and the run summary.
 * Every field is documented in docs/json.md; change them together.
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "cert_export.h"
#include "json_cert_table.h"
#include "report_budget.h"
#include "report_json.h"
#include "openvpn.h"
#include "starttls.h"
#include "tls_fingerprint.h"
#include "tls_names.h"

static const EVP_MD *sha256_md(void)
{
	static EVP_MD *md; /* fetched once: an implicit fetch per digest costs more than the digest */
	if (!md)
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
	return md;
}

bool report_sha256(const uint8_t *der, size_t len, uint8_t out[32])
{
	unsigned int n = 0;
	return EVP_Digest(der, len, out, &n, sha256_md(), NULL) && n == 32;
}

static bool file_nano(const struct report_inputs *in, uint32_t idx)
{
	return in && idx < in->count && in->info && in->info[idx].nanosecond;
}

/* A 16-bit code point as its name, else "GREASE_0x0a0a" or "0x1234" (formatted into tmp). */
static const char *code_text(uint16_t v, const char *name, char tmp[24])
{
	if (name)
		return name;
	snprintf(tmp, 24, tls_is_grease(v) ? "GREASE_0x%04x" : "0x%04x", v);
	return tmp;
}

static void code_name(struct jsonw *w, uint16_t v, const char *name)
{
	char tmp[24];
	jw_ascii(w, NULL, code_text(v, name, tmp));
}

static void version_value(struct jsonw *w, const char *key, uint16_t v)
{
	char tmp[24];
	if (!v)
		jw_null(w, key);
	else if (tls_is_grease(v))
		jw_ascii(w, key, code_text(v, NULL, tmp));
	else
		jw_ascii(w, key, tls_version_name(v, tmp, sizeof(tmp)));
}

static void u16_list(struct jsonw *w, const char *key, const struct tls_u16_list *l,
                     const char *(*namer)(uint16_t))
{
	jw_array_begin(w, key);
	for (uint16_t i = 0; i < l->count; i++)
		code_name(w, l->v[i], namer ? namer(l->v[i]) : NULL);
	jw_array_end(w);
}

static void version_list(struct jsonw *w, const char *key, const struct tls_u16_list *l)
{
	jw_array_begin(w, key);
	for (uint16_t i = 0; i < l->count; i++)
		version_value(w, NULL, l->v[i]);
	jw_array_end(w);
}

static void extensions(struct jsonw *w, const struct tls_extension *ext, uint16_t count)
{
	jw_array_begin(w, "extensions");
	for (uint16_t i = 0; i < count; i++) {
		jw_object_begin(w, NULL);
		jw_uint(w, "type", ext[i].type);
		char tmp[24];
		jw_ascii(w, "name", code_text(ext[i].type, tls_extension_name(ext[i].type), tmp));
		jw_uint(w, "length", ext[i].len);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void malformed(struct jsonw *w, unsigned bits)
{
	jw_array_begin(w, "malformed");
	if (bits & TLS_HELLO_TRUNCATED)
		jw_ascii(w, NULL, "truncated");
	if (bits & TLS_HELLO_TRAILING)
		jw_ascii(w, NULL, "trailing_bytes");
	if (bits & TLS_HELLO_BAD_EXTENSION)
		jw_ascii(w, NULL, "bad_extension");
	if (bits & TLS_HELLO_LIST_CUT)
		jw_ascii(w, NULL, "list_cut");
	jw_array_end(w);
}

/* A JA3 or JA3S: its MD5 under `key`, the text hashed under `text_key`; both null when not computed. */
static void ja3_pair(struct jsonw *w, const char *key, const char *text_key, bool ok, const char *text)
{
	if (!ok) {
		jw_null(w, key);
		jw_null(w, text_key);
		return;
	}
	char md5[TLS_FP_MD5_HEX];
	tls_fp_md5_hex(text, md5);
	jw_ascii(w, key, md5);
	jw_ascii(w, text_key, text);
}

/* ja3, ja3_string, ja4, ja4_r of one ClientHello; JA4 starts with "q" over QUIC, "t" over TCP. */
static void client_fingerprints(struct jsonw *w, const struct conn *c, const struct tls_client_hello *ch)
{
	enum tls_fp_transport tr = c->transport == CONN_TRANSPORT_QUIC ? TLS_FP_QUIC : TLS_FP_TCP;
	char text[TLS_FP_STRING_MAX], ja4[TLS_FP_JA4_LEN];
	ja3_pair(w, "ja3", "ja3_string", tls_ja3_string(ch, text, sizeof(text)), text);
	bool raw_ok;
	if (tls_ja4_both(ch, tr, ja4, text, sizeof(text), &raw_ok))
		jw_ascii(w, "ja4", ja4);
	else
		jw_null(w, "ja4");
	if (raw_ok)
		jw_ascii(w, "ja4_r", text);
	else
		jw_null(w, "ja4_r");
}

static void server_fingerprint(struct jsonw *w, const struct tls_server_hello *sh)
{
	char text[TLS_FP_STRING_MAX];
	ja3_pair(w, "ja3s", "ja3s_string", tls_ja3s_string(sh, text, sizeof(text)), text);
}

static void client_hello(struct jsonw *w, const struct conn *c, const struct tls_client_hello *ch)
{
	jw_object_begin(w, "client_hello");
	jw_uint(w, "count", c->client_hello_count);
	jw_ascii(w, "format", ch->sslv2_format ? "sslv2" : "tls");
	version_value(w, "record_version", c->record_version);
	version_value(w, "legacy_version", ch->legacy_version);
	jw_hex(w, "random", ch->random, 32);
	jw_hex(w, "session_id", ch->session_id, ch->session_id_len);
	jw_array_begin(w, "cipher_suites");
	for (uint16_t i = 0; i < ch->cipher_suite_count; i++)
		code_name(w, ch->cipher_suites[i], tls_cipher_suite_name(ch->cipher_suites[i]));
	jw_array_end(w);
	jw_uint(w, "cipher_suites_total", ch->cipher_suite_total);
	jw_array_begin(w, "compression_methods");
	for (uint8_t i = 0; i < ch->compression_count; i++)
		jw_uint(w, NULL, ch->compression_methods[i]);
	jw_array_end(w);
	extensions(w, ch->extensions, ch->extension_count);
	jw_uint(w, "extensions_total", ch->extension_total);
	jw_array_begin(w, "server_names");
	for (uint8_t i = 0; i < ch->sni_count; i++)
		jw_bytes(w, NULL, ch->sni[i].bytes, ch->sni[i].len);
	jw_array_end(w);
	jw_array_begin(w, "alpn");
	for (uint8_t i = 0; i < ch->alpn_count; i++)
		jw_bytes(w, NULL, ch->alpn[i].bytes, ch->alpn[i].len);
	jw_array_end(w);
	version_list(w, "supported_versions", &ch->supported_versions);
	u16_list(w, "supported_groups", &ch->supported_groups, tls_group_name);
	jw_array_begin(w, "ec_point_formats");
	for (uint8_t i = 0; i < ch->ec_point_format_count; i++) {
		const char *n = tls_ec_point_format_name(ch->ec_point_formats[i]);
		code_name(w, ch->ec_point_formats[i], n);
	}
	jw_array_end(w);
	u16_list(w, "signature_algorithms", &ch->signature_algorithms, tls_signature_scheme_name);
	u16_list(w, "key_share_groups", &ch->key_share_groups, tls_group_name);
	jw_array_begin(w, "psk_key_exchange_modes");
	for (uint16_t i = 0; i < ch->psk_key_exchange_modes.count; i++) {
		uint16_t m = ch->psk_key_exchange_modes.v[i];
		code_name(w, m, m == 0 ? "psk_ke" : m == 1 ? "psk_dhe_ke" : NULL);
	}
	jw_array_end(w);
	if (ch->has_pre_shared_key) {
		jw_object_begin(w, "pre_shared_key");
		jw_uint(w, "identities", ch->psk_identity_count);
		jw_object_end(w);
	} else {
		jw_null(w, "pre_shared_key");
	}
	jw_bool(w, "early_data", ch->has_early_data);
	jw_bool(w, "session_ticket", ch->has_session_ticket);
	jw_uint(w, "session_ticket_length", ch->session_ticket_len);
	jw_bool(w, "renegotiation_info", ch->has_renegotiation_info || ch->has_scsv_renegotiation);
	jw_bool(w, "encrypted_client_hello", ch->has_encrypted_client_hello);
	jw_bool(w, "status_request", ch->has_status_request);
	jw_bool(w, "extended_master_secret", ch->has_extended_master_secret);
	jw_bool(w, "encrypt_then_mac", ch->has_encrypt_then_mac);
	jw_bool(w, "post_handshake_auth", ch->has_post_handshake_auth);
	jw_bool(w, "fallback_scsv", ch->has_scsv_fallback);
	jw_bool(w, "duplicate_extension", ch->duplicate_extension);
	malformed(w, ch->malformed);
	client_fingerprints(w, c, ch);
	if (c->client_hello2) {
		jw_object_begin(w, "second_hello");
		client_fingerprints(w, c, c->client_hello2);
		jw_object_end(w);
	} else {
		jw_null(w, "second_hello");
	}
	jw_object_end(w);
}

static void server_hello(struct jsonw *w, const struct conn *c)
{
	const struct tls_server_hello *sh = c->server_hello;
	const struct tls_server_hello *hrr = c->hello_retry;
	if (!sh && !hrr) {
		jw_null(w, "server_hello");
		return;
	}
	jw_object_begin(w, "server_hello");
	jw_uint(w, "count", c->server_hello_count);
	jw_bool(w, "hello_retry_request", hrr != NULL);
	if (hrr) {
		jw_object_begin(w, "hello_retry");
		if (hrr->key_share_group) {
			const char *g = tls_group_name(hrr->key_share_group);
			char gt[24];
			jw_ascii(w, "group", code_text(hrr->key_share_group, g, gt));
		} else {
			jw_null(w, "group");
		}
		extensions(w, hrr->extensions, hrr->extension_count);
		server_fingerprint(w, hrr);
		jw_object_end(w);
	} else {
		jw_null(w, "hello_retry");
	}
	if (sh) {
		version_value(w, "legacy_version", sh->legacy_version);
		version_value(w, "version", tls_server_hello_version(sh));
		jw_hex(w, "random", sh->random, 32);
		jw_hex(w, "session_id", sh->session_id, sh->session_id_len);
		const char *cn = tls_cipher_suite_name(sh->cipher_suite);
		char tmp[24];
		jw_ascii(w, "cipher", code_text(sh->cipher_suite, cn, tmp));
		jw_uint(w, "cipher_id", sh->cipher_suite);
		jw_uint(w, "compression_method", sh->compression_method);
		extensions(w, sh->extensions, sh->extension_count);
		if (sh->has_alpn)
			jw_bytes(w, "alpn", sh->alpn.bytes, sh->alpn.len);
		else
			jw_null(w, "alpn");
		if (sh->key_share_group) {
			const char *g = tls_group_name(sh->key_share_group);
			jw_ascii(w, "key_share_group", code_text(sh->key_share_group, g, tmp));
		} else {
			jw_null(w, "key_share_group");
		}
		jw_bool(w, "pre_shared_key", sh->has_pre_shared_key);
		jw_bool(w, "extended_master_secret", sh->has_extended_master_secret);
		jw_bool(w, "encrypt_then_mac", sh->has_encrypt_then_mac);
		jw_bool(w, "renegotiation_info", sh->has_renegotiation_info);
		jw_bool(w, "session_ticket", sh->has_session_ticket);
		jw_bool(w, "status_request", sh->has_status_request);
		malformed(w, sh->malformed);
		server_fingerprint(w, sh);
	} else {
		/* only a HelloRetryRequest: the same fields, all unknown */
		static const char *const fields[] = {"legacy_version",
		                                     "version",
		                                     "random",
		                                     "session_id",
		                                     "cipher",
		                                     "cipher_id",
		                                     "compression_method",
		                                     "alpn",
		                                     "key_share_group",
		                                     "ja3s",
		                                     "ja3s_string"};
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			jw_null(w, fields[i]);
	}
	jw_object_end(w);
}

static void strings(struct jsonw *w, const char *key, const struct x509_strings *l)
{
	jw_array_begin(w, key);
	for (size_t i = 0; i < l->count; i++)
		jw_string(w, NULL, l->v[i]);
	jw_array_end(w);
}

static const char *const key_usage_names[] = {"digitalSignature", "nonRepudiation", "keyEncipherment",
                                              "dataEncipherment", "keyAgreement",   "keyCertSign",
                                              "cRLSign",          "encipherOnly",   "decipherOnly"};

/* The parsed fields of one certificate (diagnosis issue; docs/json.md). */
static void cert_fields(struct jsonw *w, const struct x509_cert *x)
{
	char t[32];
	jw_bool(w, "parsed", x->parsed);
	if (!x->parsed) {
		jw_string(w, "parse_error", x->parse_error);
		return;
	}
	jw_null(w, "parse_error");
	jw_hex(w, "sha1", x->sha1, 20);
	jw_string(w, "subject", x->subject);
	jw_string(w, "issuer", x->issuer);
	strings(w, "subject_cn", &x->subject_cn);
	jw_string(w, "issuer_cn", x->issuer_cn);
	jw_object_begin(w, "san");
	strings(w, "dns", &x->san_dns);
	jw_array_begin(w, "ip");
	for (size_t i = 0; i < x->san_ip_count; i++)
		jw_ascii(w, NULL, x->san_ip[i].text);
	jw_array_end(w);
	strings(w, "email", &x->san_email);
	strings(w, "uri", &x->san_uri);
	jw_object_end(w);
	jw_ascii(w, "not_before", x509_time_format(x->not_before, t, sizeof(t)));
	jw_ascii(w, "not_after", x509_time_format(x->not_after, t, sizeof(t)));
	jw_string(w, "serial", x->serial);
	jw_uint(w, "version", (uint64_t)x->version);
	jw_object_begin(w, "key");
	jw_string(w, "type", x->key_type);
	jw_uint(w, "bits", (uint64_t)x->key_bits);
	if (x->key_curve[0])
		jw_string(w, "curve", x->key_curve);
	else
		jw_null(w, "curve");
	jw_object_end(w);
	jw_string(w, "signature_algorithm", x->signature_algorithm);
	jw_bool(w, "weak_signature_hash", x->weak_signature_hash);
	if (x->has_basic_constraints) {
		jw_object_begin(w, "basic_constraints");
		jw_bool(w, "ca", x->is_ca);
		if (x->path_len >= 0)
			jw_uint(w, "path_len", (uint64_t)x->path_len);
		else
			jw_null(w, "path_len");
		jw_object_end(w);
	} else {
		jw_null(w, "basic_constraints");
	}
	if (x->has_key_usage) {
		jw_array_begin(w, "key_usage");
		for (unsigned i = 0; i < sizeof(key_usage_names) / sizeof(key_usage_names[0]); i++)
			if (x->key_usage & (1u << i))
				jw_ascii(w, NULL, key_usage_names[i]);
		jw_array_end(w);
	} else {
		jw_null(w, "key_usage");
	}
	if (x->has_eku)
		strings(w, "extended_key_usage", &x->eku);
	else
		jw_null(w, "extended_key_usage");
	jw_object_begin(w, "aia");
	strings(w, "ca_issuers", &x->aia_ca_issuers);
	strings(w, "ocsp", &x->aia_ocsp);
	jw_object_end(w);
	jw_string(w, "subject_key_id", x->ski);
	jw_string(w, "authority_key_id", x->aki);
	jw_bool(w, "self_issued", x->self_issued);
	jw_bool(w, "self_signed", x->self_signed);
}

static void cert_object(struct jsonw *w, const uint8_t *der, uint32_t len, const struct x509_cert *x)
{
	jw_object_begin(w, NULL);
	if (x) {
		jw_hex(w, "der_sha256", x->sha256, 32); /* computed once per distinct certificate */
	} else {
		char sha[65];
		report_sha256_hex(der, len, sha);
		jw_ascii(w, "der_sha256", sha);
	}
	jw_uint(w, "der_length", len);
	jw_base64(w, "der_base64", der, len);
	if (x)
		cert_fields(w, x);
	jw_object_end(w);
}

struct json_report {
	enum json_detail detail;
	bool daily;
	struct json_cert_table certs;
	struct jsonw w;     /* the connection line */
	struct jsonw lines; /* compact: the certificate lines it needs, written first */
	struct jsonw tmp;   /* one certificate's object */
};

/* A parsed certificate's object is the same every time it is sent: format it
 * once and keep the text in the stream's table. */
static void cert_object_memo(struct json_report *r, struct jsonw *w, const uint8_t *der, uint32_t len,
                             const struct x509_cert *x)
{
	struct json_cert_entry *e = json_cert_table_get(&r->certs, x->sha256);
	if (e && !e->json) {
		struct jsonw *tmp = &r->tmp;
		jw_reset(tmp);
		cert_object(tmp, der, len, x);
		if (!tmp->failed) {
			char *copy = malloc(tmp->len);
			if (copy) {
				memcpy(copy, tmp->buf, tmp->len);
				json_cert_table_memo(&r->certs, e, copy, tmp->len);
			}
		}
	}
	if (e && e->json)
		jw_raw(w, NULL, e->json, e->json_len);
	else
		cert_object(w, der, len, x);
}

static void cert_list(struct json_report *r, struct jsonw *w, const char *key, const struct conn_cert_list *l,
                      const struct x509_cert *const *parsed, size_t parsed_count)
{
	jw_array_begin(w, key);
	for (uint16_t i = 0; i < l->count; i++) {
		const uint8_t *der = l->blob + l->certs[i].off;
		const struct x509_cert *x = parsed && i < parsed_count ? parsed[i] : NULL;
		if (x)
			cert_object_memo(r, w, der, l->certs[i].len, x);
		else
			cert_object(w, der, l->certs[i].len, NULL);
	}
	jw_array_end(w);
}

static int64_t utc_day(int64_t ts_ns)
{
	int64_t day_ns = 86400LL * 1000000000LL;
	return ts_ns >= 0 ? ts_ns / day_ns : -((-ts_ns + day_ns - 1) / day_ns);
}

/* Compact detail: the certificates by fingerprint, and a "certificate" line (into r->lines)
 * for each one this stream has not written yet (today, when daily). The line has the parsed
 * fields when its first reference has them (a server certificate, with the diagnosis). */
static void cert_fingerprints(struct json_report *r, struct jsonw *w, const char *key, const struct conn *c,
                              const struct conn_cert_list *l, const struct x509_cert *const *parsed,
                              size_t parsed_count, bool nano)
{
	int64_t day = r->daily ? utc_day(c->first_ts_ns) : 0;
	jw_array_begin(w, key);
	for (uint16_t i = 0; i < l->count; i++) {
		const uint8_t *der = l->blob + l->certs[i].off;
		uint32_t len = l->certs[i].len;
		const struct x509_cert *x = parsed && i < parsed_count ? parsed[i] : NULL;
		uint8_t sha[32];
		if (x)
			memcpy(sha, x->sha256, 32); /* computed once per distinct certificate */
		else if (!report_sha256(der, len, sha))
			memset(sha, 0, sizeof(sha));
		jw_hex(w, NULL, sha, 32);
		struct json_cert_entry *e = json_cert_table_get(&r->certs, sha);
		if (e && e->day == day)
			continue;
		struct jsonw *o = &r->lines;
		jw_object_begin(o, NULL);
		jw_ascii(o, "type", "certificate");
		jw_time(o, "ts", c->first_ts_ns, nano);
		jw_hex(o, "der_sha256", sha, 32);
		jw_uint(o, "der_length", len);
		jw_base64(o, "der_base64", der, len);
		if (x)
			cert_fields(o, x);
		jw_object_end(o);
		jw_newline(o);
		if (e)
			e->day = day;
	}
	jw_array_end(w);
}

static const char *host_result_name(enum host_match_result r)
{
	switch (r) {
	case HOST_MATCH:
		return "match";
	case HOST_MATCH_CN:
		return "match_cn";
	case HOST_MISMATCH:
		return "mismatch";
	case HOST_MISMATCH_WILDCARD:
		return "wildcard_mismatch";
	case HOST_IP_NOT_IN_SAN:
		return "ip_not_in_san";
	case HOST_NO_NAMES:
		return "no_names";
	}
	return "unknown";
}

/* expected_host ... client_errors: the diagnosis of the connection. */
static void diagnosis(struct jsonw *w, const struct conn *c, const struct diagnosis *d)
{
	if (d->expected_host[0])
		jw_string(w, "expected_host", d->expected_host);
	else
		jw_null(w, "expected_host");
	jw_ascii(w, "expected_host_source", expected_source_name(d->expected_source));
	if (d->rule) {
		jw_array_begin(w, "expected_names");
		for (size_t i = 0; i < d->rule->name_count; i++)
			jw_string(w, NULL, d->rule->names[i]);
		jw_array_end(w);
	} else {
		jw_null(w, "expected_names");
	}

	if (d->chain_checked) {
		const struct chain_verdict *v = &d->verdict;
		jw_object_begin(w, "verification");
		jw_bool(w, "trusted", v->trusted);
		jw_ascii(w, "verify_result", v->verify_error_name);
		jw_string(w, "verify_message", v->verify_error_text);
		jw_int(w, "error_depth", v->error_depth);
		jw_array_begin(w, "built_chain");
		for (size_t i = 0; i < v->built_count; i++) {
			if (v->built[i] >= 0)
				jw_uint(w, NULL, (uint64_t)v->built[i]);
			else
				jw_ascii(w, NULL, "store");
		}
		jw_array_end(w);
		jw_object_end(w);
	} else {
		jw_null(w, "verification");
	}
	if (d->host_checked) {
		jw_object_begin(w, "hostname_match");
		for (int k = 0; k < CLIENT_COUNT; k++)
			jw_ascii(w, tls_client_name((enum tls_client)k), host_result_name(d->host[k].result));
		jw_object_end(w);
	} else {
		jw_null(w, "hostname_match");
	}
	if (d->sni_checked)
		jw_bool(w, "sni_matches_cert", d->sni_matches_cert);
	else
		jw_null(w, "sni_matches_cert");

	jw_array_begin(w, "findings");
	for (size_t i = 0; i < d->finding_count; i++) {
		const struct finding *f = &d->findings[i];
		jw_object_begin(w, NULL);
		jw_ascii(w, "code", f->code);
		jw_ascii(w, "severity", severity_name(f->severity));
		jw_string(w, "message", f->message);
		jw_string(w, "fix", f->fix[0] ? f->fix : NULL);
		if (f->cert >= 0)
			jw_uint(w, "certificate", (uint64_t)f->cert);
		else
			jw_null(w, "certificate");
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_ascii(w, "worst_severity", d->finding_count ? severity_name(d->worst) : NULL);

	/* Only the clients named in the issue; browsers are in hostname_match. */
	static const enum tls_client shown[] = {CLIENT_NODE,   CLIENT_OPENSSL, CLIENT_CURL,
	                                        CLIENT_PYTHON, CLIENT_GO,      CLIENT_JAVA};
	enum tls_client order[CLIENT_COUNT];
	diagnosis_client_order(d, order);
	jw_object_begin(w, "client_errors");
	for (size_t i = 0; i < CLIENT_COUNT; i++) {
		bool predicted = false; /* the one that sent the ClientHello leads */
		for (size_t j = 0; j < sizeof(shown) / sizeof(shown[0]); j++)
			predicted = predicted || shown[j] == order[i];
		if (!predicted)
			continue;
		const struct client_error *e = &d->clients[order[i]];
		const char *name = tls_client_name(order[i]);
		if (!e->fails) {
			jw_null(w, name);
			continue;
		}
		jw_object_begin(w, name);
		jw_string(w, "code", e->code);
		jw_string(w, "message", e->message);
		jw_object_end(w);
	}
	jw_object_end(w);
	jw_ascii(w, "client_errors_basis",
	         !c->is_tls              ? NULL
	         : d->clients_from_chain ? "chain_and_wire"
	                                 : "wire_only");
}

static const char *side_name(const struct conn *c, uint8_t dir)
{
	return dir == c->client_dir ? "client" : "server";
}

/* RFC 9000 §20.1 transport error names; CRYPTO_ERROR carries a TLS alert. */
static const char *quic_error_name(uint64_t code)
{
	static const char *const names[] = {
	    "NO_ERROR",
	    "INTERNAL_ERROR",
	    "CONNECTION_REFUSED",
	    "FLOW_CONTROL_ERROR",
	    "STREAM_LIMIT_ERROR",
	    "STREAM_STATE_ERROR",
	    "FINAL_SIZE_ERROR",
	    "FRAME_ENCODING_ERROR",
	    "TRANSPORT_PARAMETER_ERROR",
	    "CONNECTION_ID_LIMIT_ERROR",
	    "PROTOCOL_VIOLATION",
	    "INVALID_TOKEN",
	    "APPLICATION_ERROR",
	    "CRYPTO_BUFFER_EXCEEDED",
	    "KEY_UPDATE_ERROR",
	    "AEAD_LIMIT_REACHED",
	    "NO_VIABLE_PATH",
	};
	if (code < sizeof(names) / sizeof(names[0]))
		return names[code];
	if (code >= 0x100 && code <= 0x1ff)
		return "CRYPTO_ERROR";
	if (code == 0x11) /* RFC 9368 */
		return "VERSION_NEGOTIATION_ERROR";
	return NULL;
}

static void quic_packets(struct jsonw *w, const char *key, const uint32_t *counts)
{
	jw_object_begin(w, key);
	for (int t = 0; t < QUIC_PKT_TYPE_COUNT; t++)
		jw_uint(w, quic_packet_type_name((enum quic_packet_type)t), counts[t]);
	jw_object_end(w);
}

static void quic_object(struct jsonw *w, const struct conn *c)
{
	const struct conn_quic *q = &c->quic;
	if (c->transport != CONN_TRANSPORT_QUIC) {
		jw_null(w, "quic");
		return;
	}
	jw_object_begin(w, "quic");
	if (q->version) {
		char tmp[12];
		snprintf(tmp, sizeof(tmp), "0x%08x", (unsigned)q->version);
		jw_ascii(w, "version_id", tmp);
	} else {
		jw_null(w, "version_id");
	}
	if (q->client_dcid_set)
		jw_hex(w, "client_initial_dcid", q->client_initial_dcid, q->client_initial_dcid_len);
	else
		jw_null(w, "client_initial_dcid");
	if (q->server_scid_set)
		jw_hex(w, "server_scid", q->server_scid, q->server_scid_len);
	else
		jw_null(w, "server_scid");
	quic_packets(w, "client_packets", q->packets[c->client_dir]);
	quic_packets(w, "server_packets", q->packets[c->client_dir ^ 1]);
	jw_uint(w, "undecryptable_packets", q->undecryptable);
	jw_uint(w, "crypto_bytes_cut", q->crypto_cut_bytes);
	if (q->close_seen) {
		jw_object_begin(w, "connection_close");
		jw_ascii(w, "from", side_name(c, q->close_dir));
		jw_bool(w, "application", q->close_application);
		jw_uint(w, "error_code", q->close_error_code);
		const char *name = q->close_application ? NULL : quic_error_name(q->close_error_code);
		jw_string(w, "error", name);
		if (q->close_application)
			jw_null(w, "frame_type");
		else
			jw_uint(w, "frame_type", q->close_frame_type);
		jw_bytes(w, "reason", q->close_reason, q->close_reason_len);
		jw_uint(w, "reason_length", q->close_reason_wire_len);
		jw_object_end(w);
	} else {
		jw_null(w, "connection_close");
	}
	if (q->vn_seen) {
		jw_array_begin(w, "version_negotiation");
		for (uint16_t i = 0; i < q->vn_count; i++) {
			char tmp[12];
			snprintf(tmp, sizeof(tmp), "0x%08x", (unsigned)q->vn_versions[i]);
			jw_ascii(w, NULL, tmp);
		}
		jw_array_end(w);
	} else {
		jw_null(w, "version_negotiation");
	}
	jw_uint(w, "version_negotiation_total", q->vn_total);
	jw_uint(w, "greased_version_packets", q->greased_packets);
	jw_object_end(w);
}

static void endpoint(struct jsonw *w, const char *key, const struct conn_side *s)
{
	char ip[64];
	jw_object_begin(w, key);
	jw_ascii(w, "ip", ts_addr_format(&s->addr, ip, sizeof(ip)));
	jw_uint(w, "port", s->port);
	jw_uint(w, "packets", s->packets);
	jw_uint(w, "bytes", s->payload_bytes);
	jw_uint(w, "tls_records", s->tls_records);
	jw_uint(w, "application_data_bytes", s->app_data_bytes);
	jw_uint(w, "prelude_bytes", s->prelude_bytes);
	jw_uint(w, "gap_bytes", s->gaps);
	jw_uint(w, "overlap_mismatch_segments", s->overlap_mismatch_segments);
	jw_uint(w, "handshake_gaps", s->handshake_gaps);
	jw_object_end(w);
}

static const char *end_reason(const struct conn *c)
{
	if (c->anomalies[ANOM_EVICTED])
		return "evicted";
	if (c->timed_out)
		return "timeout";
	if (c->port_reused)
		return "port_reused";
	if (c->side[0].rst || c->side[1].rst)
		return "reset";
	if (c->side[0].fin && c->side[1].fin)
		return "closed";
	if (c->reported_open)
		return "open";
	return "capture_ended";
}

/* "client_fin", "server_rst": who closed first; NULL if nobody did. */
static const char *closed_by(const struct conn *c)
{
	if (!c->closed)
		return NULL;
	bool client = c->first_close_dir == c->client_dir;
	if (c->first_close_rst)
		return client ? "client_rst" : "server_rst";
	return client ? "client_fin" : "server_fin";
}

/* The timeline name of an event: the handshake message's name, or the event's. */
static const char *event_name(const struct conn_event *e, char *buf, size_t n)
{
	if (e->type == EV_HANDSHAKE) {
		const char *hn = tls_handshake_type_name((uint8_t)e->detail);
		if (hn)
			return hn;
		snprintf(buf, n, "handshake_%u", e->detail);
		return buf;
	}
	return conn_event_name((enum conn_event_type)e->type);
}

/* The client a PROXY protocol header named; null when there was no header. */
static void proxied_client(struct jsonw *w, const struct conn *c)
{
	if (!c->proxied.version) {
		jw_null(w, "proxied_client");
		return;
	}
	jw_object_begin(w, "proxied_client");
	if (c->proxied.has_address) {
		char ip[64];
		jw_ascii(w, "ip", ts_addr_format(&c->proxied.addr, ip, sizeof(ip)));
		jw_uint(w, "port", c->proxied.port);
	} else {
		jw_null(w, "ip");
		jw_null(w, "port");
	}
	jw_uint(w, "version", c->proxied.version);
	jw_object_end(w);
}

/* The OpenVPN tunnel that carried the TLS; null when it came straight over TCP or QUIC. */
static void openvpn_tunnel(struct jsonw *w, const struct conn *c)
{
	const struct conn_openvpn *o = &c->openvpn;
	if (!o->seen) {
		jw_null(w, "openvpn");
		return;
	}
	uint8_t cli = c->client_dir, srv = conn_server_dir(c);
	jw_object_begin(w, "openvpn");
	jw_string(w, "control_channel", openvpn_wrap_name((enum openvpn_wrap)o->wrap));
	if (o->wrap == OPENVPN_WRAP_TLS_AUTH)
		jw_uint(w, "hmac_bytes", o->hmac_len);
	else
		jw_null(w, "hmac_bytes");
	jw_uint(w, "client_control_packets", o->control_packets[cli]);
	jw_uint(w, "server_control_packets", o->control_packets[srv]);
	jw_uint(w, "client_data_packets", o->data_packets[cli]);
	jw_uint(w, "server_data_packets", o->data_packets[srv]);
	jw_uint(w, "retransmitted", o->retransmitted);
	jw_uint(w, "reordered", o->reordered);
	jw_uint(w, "lost", o->lost);
	jw_uint(w, "malformed", o->malformed);
	jw_uint(w, "renegotiation_packets", o->other_key_packets);
	jw_object_end(w);
}

static void timeline(struct jsonw *w, const struct conn *c, bool nano)
{
	jw_array_begin(w, "timeline");
	for (uint16_t i = 0; i < c->event_count; i++) {
		const struct conn_event *e = &c->events[i];
		char buf[48];
		jw_object_begin(w, NULL);
		jw_time(w, "ts", e->ts_ns, nano);
		jw_ms(w, "rel_ms", e->ts_ns - c->first_ts_ns);
		jw_ascii(w, "from", side_name(c, e->dir));
		jw_ascii(w, "event", event_name(e, buf, sizeof(buf)));
		if (e->type == EV_ALERT) {
			const char *lv = tls_alert_level_name((uint8_t)(e->detail >> 8));
			const char *ds = tls_alert_name((uint8_t)e->detail);
			jw_ascii(w, "level", lv ? lv : "unknown");
			jw_ascii(w, "description", ds ? ds : "unknown");
			jw_uint(w, "code", e->detail & 0xff);
		}
		if (e->type == EV_APPLICATION_DATA && e->detail == 1)
			jw_bool(w, "early_data", true);
		if (e->decrypted)
			jw_bool(w, "decrypted", true);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_uint(w, "timeline_total", c->event_total);
}

static void decryption(struct jsonw *w, const struct conn *c)
{
	const struct conn_decryption *d = &c->decryption;
	if (d->keylog == CONN_KEYLOG_NONE) {
		jw_null(w, "decryption");
		return;
	}
	jw_object_begin(w, "decryption");
	jw_ascii(w, "keylog", conn_keylog_name((enum conn_keylog)d->keylog));
	jw_object_begin(w, "records_decrypted");
	jw_uint(w, "client", d->records[c->client_dir]);
	jw_uint(w, "server", d->records[conn_server_dir(c)]);
	jw_object_end(w);
	jw_ascii(w, "note", conn_decrypt_note_text((enum conn_decrypt_note)d->note));
	jw_object_end(w);
}

static void alerts(struct jsonw *w, const struct conn *c, bool nano)
{
	jw_array_begin(w, "alerts");
	for (uint16_t i = 0; i < c->alert_count; i++) {
		const struct conn_alert *a = &c->alerts[i];
		jw_object_begin(w, NULL);
		jw_time(w, "ts", a->ts_ns, nano);
		jw_ascii(w, "from", side_name(c, a->dir));
		jw_bool(w, "encrypted", a->encrypted);
		jw_bool(w, "inferred", a->inferred);
		jw_bool(w, "decrypted", a->decrypted);
		if (a->encrypted && !a->decrypted) {
			jw_null(w, "level");
			jw_null(w, "description");
			jw_null(w, "code");
		} else {
			const char *lv = tls_alert_level_name(a->level);
			const char *ds = tls_alert_name(a->description);
			jw_ascii(w, "level", lv ? lv : "unknown");
			jw_ascii(w, "description", ds ? ds : "unknown");
			jw_uint(w, "code", a->description);
		}
		jw_ascii(w, "stage", conn_stage_name((enum conn_stage)a->stage));
		jw_object_end(w);
	}
	jw_array_end(w);
}

/* Who sent the ClientHello (client_software.h): null without one. */
static void client_software_json(struct jsonw *w, const struct conn *c, const struct diagnosis *dg)
{
	if (!c->client_hello) {
		jw_null(w, "client_software");
		return;
	}
	struct client_software own;
	const struct client_software *s = &own;
	if (dg)
		s = &dg->software;
	else
		client_software_identify(c->client_hello, &own);
	jw_object_begin(w, "client_software");
	jw_string(w, "name", s->name);
	jw_ascii(w, "confidence", client_confidence_name(s->confidence));
	jw_string(w, "evidence", s->evidence);
	jw_object_end(w);
}

/* RFC 5246 7.4.4 ClientCertificateType names (IANA "TLS ClientCertificateType Identifiers"). */
static const char *client_certificate_type_name(uint8_t t)
{
	switch (t) {
	case 1:
		return "rsa_sign";
	case 2:
		return "dss_sign";
	case 3:
		return "rsa_fixed_dh";
	case 4:
		return "dss_fixed_dh";
	case 64:
		return "ecdsa_sign";
	case 65:
		return "rsa_fixed_ecdh";
	case 66:
		return "ecdsa_fixed_ecdh";
	default:
		return NULL;
	}
}

/* What the server asked of a client certificate (TLS <= 1.2 in clear, TLS 1.3 with the key log). */
static void certificate_request_details(struct jsonw *w, const struct tls_certificate_request *cr)
{
	if (!cr) {
		jw_null(w, "certificate_request_details");
		return;
	}
	char tmp[24];
	jw_object_begin(w, "certificate_request_details");
	jw_array_begin(w, "certificate_types");
	for (uint8_t i = 0; i < cr->cert_type_count; i++)
		jw_ascii(w, NULL,
		         code_text(cr->cert_types[i], client_certificate_type_name(cr->cert_types[i]), tmp));
	jw_array_end(w);
	u16_list(w, "signature_algorithms", &cr->signature_algorithms, tls_signature_scheme_name);
	jw_array_begin(w, "certificate_authorities");
	for (uint16_t i = 0; i < cr->ca_kept; i++) {
		char dn[512];
		if (x509_name_der_text(cr->ca_der + cr->ca_off[i], cr->ca_len[i], dn, sizeof(dn)))
			jw_string(w, NULL, dn);
		else
			jw_null(w, NULL); /* not a Name: the server's bytes are wrong */
	}
	jw_array_end(w);
	jw_uint(w, "certificate_authorities_total", cr->ca_name_count);
	jw_object_end(w);
}

/* resumed_from, resumed_chain: the earlier connection whose handshake created the session. */
static void resumed_link(struct jsonw *w, const struct resume_origin *o)
{
	if (!o->conn_id) {
		jw_null(w, "resumed_from");
		jw_null(w, "resumed_chain");
		return;
	}
	jw_uint(w, "resumed_from", o->conn_id);
	jw_object_begin(w, "resumed_chain");
	jw_array_begin(w, "der_sha256");
	for (uint8_t i = 0; i < o->cert_count; i++)
		jw_hex(w, NULL, o->sha256[i], 32);
	jw_array_end(w);
	jw_uint(w, "certificates_total", o->cert_total);
	if (o->chain_checked) {
		jw_bool(w, "trusted", o->trusted);
		jw_ascii(w, "verify_result", o->verify_result);
	} else {
		jw_null(w, "trusted");
		jw_null(w, "verify_result");
	}
	jw_object_end(w);
}

/* ja3, ja4, ja3s of a compact record: the client's first ClientHello and the ServerHello. */
static void compact_fingerprints(struct jsonw *w, const struct conn *c)
{
	enum tls_fp_transport tr = c->transport == CONN_TRANSPORT_QUIC ? TLS_FP_QUIC : TLS_FP_TCP;
	char text[TLS_FP_STRING_MAX], ja4[TLS_FP_JA4_LEN], md5[TLS_FP_MD5_HEX];
	const struct tls_client_hello *ch = c->client_hello;
	if (ch && tls_ja3_string(ch, text, sizeof(text))) {
		tls_fp_md5_hex(text, md5);
		jw_ascii(w, "ja3", md5);
	} else {
		jw_null(w, "ja3");
	}
	bool raw_ok;
	if (ch && tls_ja4_both(ch, tr, ja4, text, sizeof(text), &raw_ok))
		jw_ascii(w, "ja4", ja4);
	else
		jw_null(w, "ja4");
	if (c->server_hello && tls_ja3s_string(c->server_hello, text, sizeof(text))) {
		tls_fp_md5_hex(text, md5);
		jw_ascii(w, "ja3s", md5);
	} else {
		jw_null(w, "ja3s");
	}
}

static void conn_record(struct json_report *r, struct jsonw *w, const struct conn *c,
                        const struct diagnosis *dg, const struct report_inputs *in)
{
	bool full = r->detail == JSON_DETAIL_FULL;
	bool nano = file_nano(in, c->file_index);
	const struct tls_client_hello *ch = c->client_hello;
	const struct tls_server_hello *sh = c->server_hello;

	jw_object_begin(w, NULL);
	jw_ascii(w, "type", "connection");
	jw_uint(w, "id", c->id);
	jw_time(w, "ts", c->first_ts_ns, nano);
	jw_time(w, "end_ts", c->last_ts_ns, nano);
	jw_ms(w, "duration_ms", c->last_ts_ns - c->first_ts_ns);
	jw_string(w, "file", in && c->file_index < in->count ? in->names[c->file_index] : NULL);
	endpoint(w, "client", conn_client(c));
	endpoint(w, "server", conn_server(c));
	jw_ascii(w, "roles_from", conn_role_source_name(c->role_source));
	jw_ascii(w, "transport",
	         c->transport == CONN_TRANSPORT_QUIC  ? "quic"
	         : c->transport == CONN_TRANSPORT_UDP ? "udp"
	                                              : "tcp");
	jw_string(w, "quic_version",
	          c->transport == CONN_TRANSPORT_QUIC ? quic_version_name(c->quic.version) : NULL);
	if (starttls_name(c->starttls))
		jw_ascii(w, "starttls", starttls_name(c->starttls));
	else
		jw_null(w, "starttls");
	if (ch && ch->sni_count)
		jw_bytes(w, "server_name", ch->sni[0].bytes, ch->sni[0].len);
	else
		jw_null(w, "server_name");
	version_value(w, "version", conn_version(c));
	if (sh) {
		const char *cn = tls_cipher_suite_name(sh->cipher_suite);
		char tmp[24];
		jw_ascii(w, "cipher", code_text(sh->cipher_suite, cn, tmp));
	} else {
		jw_null(w, "cipher");
	}
	if (sh && sh->has_alpn)
		jw_bytes(w, "alpn", sh->alpn.bytes, sh->alpn.len);
	else
		jw_null(w, "alpn");
	jw_ascii(w, "outcome", conn_outcome_name(c->outcome));
	jw_bool(w, "established", c->handshake_done);
	if (c->handshake_done)
		jw_ms(w, "handshake_ms", c->handshake_done_ns - c->first_ts_ns);
	else
		jw_null(w, "handshake_ms");
	jw_bool(w, "renegotiation", c->renegotiation);
	const char *how = conn_resumption(c);
	jw_bool(w, "resumed", how != NULL);
	if (how)
		jw_ascii(w, "resumption", how);
	else
		jw_null(w, "resumption");
	jw_ascii(w, "end_reason", end_reason(c));
	jw_string(w, "closed_by", closed_by(c));

	if (!full) {
		compact_fingerprints(w, c);
		cert_fingerprints(r, w, "certificates_sha256", c, &c->server_certs, dg ? dg->certs : NULL,
		                  dg ? dg->cert_count : 0, nano);
	} else {
		if (ch)
			client_hello(w, c, ch);
		else
			jw_null(w, "client_hello");
		server_hello(w, c);
		cert_list(r, w, "certificates", &c->server_certs, dg ? dg->certs : NULL,
		          dg ? dg->cert_count : 0);
	}
	jw_uint(w, "certificates_total", c->server_certs.total);
	jw_ascii(w, "certificates_state", conn_certificates_state(c));
	decryption(w, c);
	if (full)
		cert_list(r, w, "client_certificates", &c->client_certs, NULL, 0);
	else
		cert_fingerprints(r, w, "client_certificates_sha256", c, &c->client_certs, NULL, 0, nano);
	jw_uint(w, "client_certificates_total", c->client_certs.total);
	jw_bool(w, "certificate_request", c->certificate_request);
	jw_bool(w, "ocsp_stapled", c->certificate_status);
	jw_uint(w, "scts_stapled", c->scts_stapled);
	if (c->ske_group || c->ske_dh_bits) {
		jw_object_begin(w, "server_key_exchange");
		if (c->ske_group) {
			const char *g = tls_group_name(c->ske_group);
			char tmp[24];
			jw_ascii(w, "group", code_text(c->ske_group, g, tmp));
		} else {
			jw_null(w, "group");
		}
		if (c->ske_dh_bits)
			jw_uint(w, "dh_bits", c->ske_dh_bits);
		else
			jw_null(w, "dh_bits");
		jw_object_end(w);
	} else {
		jw_null(w, "server_key_exchange");
	}
	alerts(w, c, nano);
	jw_uint(w, "alerts_total", c->alert_total);
	quic_object(w, c);
	if (full)
		timeline(w, c, nano);
	if (dg)
		diagnosis(w, c, dg);

	jw_object_begin(w, "anomalies");
	for (int i = 0; i < ANOM_COUNT; i++)
		if (c->anomalies[i])
			jw_uint(w, conn_anomaly_name((enum conn_anomaly)i), c->anomalies[i]);
	jw_object_end(w);
	certificate_request_details(w, c->certificate_request_info);
	if (c->http_connect) {
		jw_object_begin(w, "http_connect");
		jw_bytes(w, "host", c->prelude_host.bytes, c->prelude_host.len);
		jw_uint(w, "port", c->connect_port);
		jw_object_end(w);
	} else {
		jw_null(w, "http_connect");
	}
	if (dg)
		resumed_link(w, &dg->resumed);
	proxied_client(w, c);
	client_software_json(w, c, dg);
	openvpn_tunnel(w, c);
	jw_object_end(w);
}

struct json_report *json_report_new(enum json_detail detail, bool daily)
{
	struct json_report *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->detail = detail;
	r->daily = daily;
	json_cert_table_init(&r->certs);
	jw_init(&r->w);
	jw_init(&r->lines);
	jw_init(&r->tmp);
	return r;
}

void json_report_free(struct json_report *r)
{
	if (!r)
		return;
	json_cert_table_free(&r->certs);
	jw_free(&r->w);
	jw_free(&r->lines);
	jw_free(&r->tmp);
	free(r);
}

void json_report_restart(struct json_report *r)
{
	if (!r)
		return;
	json_cert_table_free(&r->certs);
	json_cert_table_init(&r->certs);
}

bool json_detail_parse(const char *word, enum json_detail *out)
{
	if (!strcmp(word, "compact"))
		*out = JSON_DETAIL_COMPACT;
	else if (!strcmp(word, "full"))
		*out = JSON_DETAIL_FULL;
	else
		return false;
	return true;
}

bool json_report_conn(struct json_report *r, FILE *fp, const struct conn *c, const struct diagnosis *dg,
                      const struct report_inputs *in)
{
	struct jsonw *w = &r->w;
	jw_reset(&r->lines);
	conn_record(r, w, c, dg, in);
	bool ok = true;
	/* A certificate line is at most TLS_MAX_CERT_BYTES in base64: far below the writer's limit. */
	if (r->lines.len && !r->lines.failed)
		ok = fwrite(r->lines.buf, 1, r->lines.len, fp) == r->lines.len;
	if (w->failed) {
		/* Larger than JSONW_MAX_BYTES: say so in the stream rather than drop it. */
		jw_reset(w);
		jw_object_begin(w, NULL);
		jw_ascii(w, "type", "error");
		jw_uint(w, "id", c->id);
		jw_ascii(w, "error", "record larger than the JSON writer's limit");
		jw_object_end(w);
	}
	return jw_flush_line(w, fp) && ok;
}

static void summary_record(struct jsonw *w, const struct ts_stats *s, const struct report_inputs *in)
{
	jw_object_begin(w, NULL);
	jw_ascii(w, "type", "summary");
	jw_array_begin(w, "files");
	for (size_t i = 0; in && i < in->count; i++) {
		const struct capture_info *fi = &in->info[i];
		jw_object_begin(w, NULL);
		jw_string(w, "name", in->names[i]);
		jw_string(w, "link_type", fi->dlt_name[0] ? fi->dlt_name : NULL);
		jw_uint(w, "frames", fi->frames);
		if (fi->timed_frames) {
			jw_time(w, "first_ts", fi->first_ts_ns, fi->nanosecond);
			jw_time(w, "last_ts", fi->last_ts_ns, fi->nanosecond);
		} else {
			jw_null(w, "first_ts");
			jw_null(w, "last_ts");
		}
		jw_ascii(w, "timestamp_precision", fi->nanosecond ? "ns" : "us");
		jw_bool(w, "truncated", fi->truncated);
		jw_string(w, "error", fi->error[0] ? fi->error : NULL);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_uint(w, "packets", s->packets);
	jw_uint(w, "bytes", s->captured_bytes);
	jw_uint(w, "connections", s->connections);
	jw_uint(w, "tls_connections", s->tls_connections);
	jw_uint(w, "reported", s->reported);
	jw_object_begin(w, "outcomes");
	for (int i = 0; i < OUTCOME_COUNT; i++)
		jw_uint(w, conn_outcome_name((enum conn_outcome)i), s->outcomes[i]);
	jw_object_end(w);
	uint64_t skipped = 0;
	jw_object_begin(w, "skipped");
	for (int i = 1; i < DECODE_SKIP_COUNT; i++) {
		skipped += s->skipped[i];
		jw_uint(w, decode_skip_name((enum decode_skip)i), s->skipped[i]);
	}
	jw_object_end(w);
	jw_uint(w, "skipped_total", skipped);
	jw_uint(w, "udp_packets", s->udp_packets);
	jw_uint(w, "quic_packets", s->quic_packets);
	jw_uint(w, "quic_flows", s->quic_flows);
	jw_uint(w, "quic_connections", s->quic_connections);
	jw_uint(w, "stray_packets", s->stray_packets);
	jw_uint(w, "timed_out", s->timed_out);
	jw_uint(w, "evicted", s->evicted);
	jw_uint(w, "open_at_end", s->open_at_end);
	jw_uint(w, "timestamps_out_of_window", s->timestamps_out_of_window);
	if (s->keylog[CONN_KEYLOG_MATCHED] + s->keylog[CONN_KEYLOG_NOT_FOUND] +
	    s->keylog[CONN_KEYLOG_FAILED]) {
		jw_object_begin(w, "keylog");
		jw_uint(w, "matched", s->keylog[CONN_KEYLOG_MATCHED]);
		jw_uint(w, "not_found", s->keylog[CONN_KEYLOG_NOT_FOUND]);
		jw_uint(w, "failed", s->keylog[CONN_KEYLOG_FAILED]);
		jw_object_end(w);
	} else {
		jw_null(w, "keylog");
	}
	jw_uint(w, "gap_bytes", s->gap_bytes);
	jw_uint(w, "duplicate_bytes", s->duplicate_bytes);
	jw_uint(w, "overlap_mismatch_segments", s->overlap_mismatch_segments);
	jw_object_begin(w, "anomalies");
	for (int i = 0; i < ANOM_COUNT; i++)
		jw_uint(w, conn_anomaly_name((enum conn_anomaly)i), s->anomalies[i]);
	jw_object_end(w);
	jw_uint(w, "memory_peak_bytes", s->memory_peak);
	jw_uint(w, "connections_peak", s->flows_peak);
	jw_uint(w, "late_packets", s->late_packets);
	jw_object_begin(w, "unsupported_encapsulations");
	for (int i = 1; i < DECODE_UNSUPPORTED_COUNT; i++)
		if (s->unsupported_encap[i])
			jw_uint(w, decode_unsupported_name((enum decode_unsupported)i),
			        s->unsupported_encap[i]);
	jw_object_end(w);
	if (in && in->capture) {
		jw_object_begin(w, "capture");
		jw_uint(w, "received", in->capture->received);
		jw_uint(w, "dropped_by_kernel", in->capture->dropped_by_kernel);
		jw_uint(w, "dropped_by_interface", in->capture->dropped_by_interface);
		jw_uint(w, "records_dropped", in->capture->records_dropped);
		jw_object_end(w);
	}
	report_json_budget(w, &s->budget);
	jw_uint(w, "openvpn_packets", s->openvpn_packets);
	jw_uint(w, "openvpn_flows", s->openvpn_flows);
	jw_uint(w, "openvpn_udp_flows", s->openvpn_udp_flows);
	jw_uint(w, "openvpn_connections", s->openvpn_connections);
	jw_object_end(w);
}

bool json_report_summary(struct json_report *r, FILE *fp, const struct ts_stats *s,
                         const struct report_inputs *in)
{
	jw_reset(&r->w);
	summary_record(&r->w, s, in);
	return jw_flush_line(&r->w, fp);
}
