/*
 * tui_detail.c - the detail pane's text for one connection (see tui_detail.h).
 */
#include "tui_detail.h"

#include <stdarg.h>
#include <string.h>

#include "cert_export.h"
#include "report_text.h"
#include "tls_names.h"

/* Width of the arrow between "client" and "server" in the ladder. */
#define LADDER_WIDTH 40

static void line(FILE *fp, char style, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One line; control characters (there are none in escaped wire text, but
 * certificate strings are libcrypto's) become '?' so they cannot drive the terminal. */
static void line(FILE *fp, char style, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	fprintf(fp, "%c%s\n", style, buf);
}

static void endpoints(FILE *fp, const struct conn *c, const struct report_inputs *in)
{
	bool nano = in && c->file_index < in->count && in->info && in->info[c->file_index].nanosecond;
	char t[64], ip[64];
	line(fp, TUI_STYLE_HEADING, "Connection #%llu%s%s", (unsigned long long)c->id,
	     in && c->file_index < in->count ? "  in " : "",
	     in && c->file_index < in->count ? in->names[c->file_index] : "");
	report_time_text(c->first_ts_ns, nano, t, sizeof(t));
	line(fp, TUI_STYLE_TEXT, "  time      %s UTC", t);
	for (int k = 0; k < 2; k++) {
		const struct conn_side *s = k == 0 ? conn_client(c) : conn_server(c);
		ts_addr_format(&s->addr, ip, sizeof(ip));
		bool v6 = s->addr.family == 6;
		line(fp, TUI_STYLE_TEXT, "  %s    %s%s%s:%u  (%llu packets, %llu bytes)",
		     k == 0 ? "client" : "server", v6 ? "[" : "", ip, v6 ? "]" : "", s->port,
		     (unsigned long long)s->packets, (unsigned long long)s->payload_bytes);
	}
}

static void negotiation(FILE *fp, const struct conn *c, const struct diagnosis *dg)
{
	char tmp[600];
	const struct tls_client_hello *ch = c->client_hello;
	const struct tls_server_hello *sh = c->server_hello;
	if (ch && ch->sni_count) {
		conn_wire_text(ch->sni[0].bytes, ch->sni[0].len, tmp, sizeof(tmp));
		line(fp, TUI_STYLE_TEXT, "  SNI       %s", tmp);
	} else if (ch) {
		line(fp, TUI_STYLE_TEXT, "  SNI       (none)");
	}
	if (dg && dg->expected_host[0])
		line(fp, TUI_STYLE_TEXT, "  expected  %s (from %s)", dg->expected_host,
		     expected_source_name(dg->expected_source));
	if (sh) {
		const char *cn = tls_cipher_suite_name(sh->cipher_suite);
		char v[24];
		line(fp, TUI_STYLE_TEXT, "  version   %s", tls_version_name(conn_version(c), v, sizeof(v)));
		if (cn)
			line(fp, TUI_STYLE_TEXT, "  cipher    %s", cn);
		else
			line(fp, TUI_STYLE_TEXT, "  cipher    0x%04x", sh->cipher_suite);
		if (sh->has_alpn) {
			conn_wire_text(sh->alpn.bytes, sh->alpn.len, tmp, sizeof(tmp));
			line(fp, TUI_STYLE_TEXT, "  ALPN      %s", tmp);
		}
	} else if (ch) {
		line(fp, TUI_STYLE_TEXT, "  version   (no ServerHello)");
	}
	if (c->handshake_done)
		line(fp, TUI_STYLE_TEXT, "  outcome   %s (handshake %.1f ms)", conn_outcome_name(c->outcome),
		     (double)(c->handshake_done_ns - c->first_ts_ns) / 1e6);
	else
		line(fp, TUI_STYLE_TEXT, "  outcome   %s", conn_outcome_name(c->outcome));
	char anomalies[512] = "";
	size_t k = 0;
	for (int i = 0; i < ANOM_COUNT && k < sizeof(anomalies); i++)
		if (c->anomalies[i])
			k += (size_t)snprintf(anomalies + k, sizeof(anomalies) - k, "%s%s x%u", k ? ", " : "",
			                      conn_anomaly_name((enum conn_anomaly)i), c->anomalies[i]);
	if (k)
		line(fp, TUI_STYLE_WARNING, "  anomalies %s", anomalies);
}

static void findings(FILE *fp, const struct diagnosis *dg)
{
	if (!dg->finding_count) {
		line(fp, TUI_STYLE_HEADING, "Findings: none");
		return;
	}
	line(fp, TUI_STYLE_HEADING, "Findings (%zu, worst first)", dg->finding_count);
	for (size_t i = 0; i < dg->finding_count; i++) {
		const struct finding *f = &dg->findings[i];
		line(fp, (char)(TUI_STYLE_INFO + f->severity), "  %-8s %s: %s", severity_name(f->severity),
		     f->code, f->message);
		if (f->fix[0])
			line(fp, TUI_STYLE_TEXT, "           fix: %s", f->fix);
	}
}

static void clients(FILE *fp, const struct diagnosis *dg)
{
	bool any = false;
	for (int k = 0; k < CLIENT_COUNT; k++)
		any = any || dg->clients[k].fails;
	if (!any && !dg->clients_from_chain)
		return;
	line(fp, TUI_STYLE_HEADING, "What clients would report");
	char sender[DIAG_TEXT];
	client_software_describe(&dg->software, sender, sizeof(sender));
	line(fp, TUI_STYLE_TEXT, "  sent by  %s", sender);
	enum tls_client order[CLIENT_COUNT];
	diagnosis_client_order(dg, order);
	for (int i = 0; i < CLIENT_COUNT; i++) {
		int k = (int)order[i];
		const struct client_error *e = &dg->clients[k];
		if (k == CLIENT_BROWSER && !e->fails && !e->code[0])
			continue;
		if (e->fails)
			line(fp, TUI_STYLE_ERROR, "  %-8s %s: %s", tls_client_name((enum tls_client)k),
			     e->code, e->message);
		else
			line(fp, TUI_STYLE_TEXT, "  %-8s would connect", tls_client_name((enum tls_client)k));
	}
}

/* Who sent what when: client on the left, server on the right. */
static void ladder(FILE *fp, const struct conn *c)
{
	char what[200], arrow[LADDER_WIDTH + 1];
	line(fp, TUI_STYLE_HEADING, "Ladder (ms from the first packet)");
	for (uint16_t i = 0; i < c->event_count; i++) {
		const struct conn_event *e = &c->events[i];
		report_text_event(e, what, sizeof(what));
		bool to_server = e->dir == c->client_dir;
		int n = snprintf(arrow, sizeof(arrow), "%s %s ", to_server ? "---" : "<--", what);
		for (int k = n < 0 ? 0 : n; k < LADDER_WIDTH; k++)
			arrow[k] = '-';
		arrow[LADDER_WIDTH] = '\0';
		if (to_server)
			arrow[LADDER_WIDTH - 1] = '>';
		char style = e->type == EV_ALERT || e->type == EV_RST ? TUI_STYLE_WARNING : TUI_STYLE_TEXT;
		line(fp, style, "  %+10.3f  client %s server", (double)(e->ts_ns - c->first_ts_ns) / 1e6,
		     arrow);
	}
	if (c->event_total > c->event_count)
		line(fp, TUI_STYLE_TEXT, "  ... %u more events not kept", c->event_total - c->event_count);
}

/* The leaf's names, the one that matched the expected host highlighted. */
static void leaf_names(FILE *fp, const struct x509_cert *x, const struct diagnosis *dg)
{
	const struct host_match *hm = dg && dg->host_checked ? &dg->host[CLIENT_OPENSSL] : NULL;
	const char *matched = hm ? hm->matched : NULL;
	for (size_t j = 0; j < x->san_dns.count; j++) {
		bool hit = matched && !strcmp(matched, x->san_dns.v[j]);
		line(fp, hit ? TUI_STYLE_MATCH : TUI_STYLE_TEXT, "      SAN     DNS:%s%s%s", x->san_dns.v[j],
		     hit ? "   <= matches " : "", hit ? dg->expected_host : "");
	}
	for (size_t j = 0; j < x->san_ip_count; j++) {
		bool hit = matched && !strcmp(matched, x->san_ip[j].text);
		line(fp, hit ? TUI_STYLE_MATCH : TUI_STYLE_TEXT, "      SAN     IP:%s%s%s", x->san_ip[j].text,
		     hit ? "   <= matches " : "", hit ? dg->expected_host : "");
	}
	if (!x->has_san)
		line(fp, TUI_STYLE_TEXT, "      SAN     (no subjectAltName extension)");
	for (size_t j = 0; j < x->subject_cn.count; j++) {
		bool hit = matched && !strcmp(matched, x->subject_cn.v[j]);
		line(fp, hit ? TUI_STYLE_MATCH : TUI_STYLE_TEXT, "      CN      %s%s", x->subject_cn.v[j],
		     hit ? "   <= matches the expected host only as a CN fallback" : "");
	}
	if (!hm)
		return;
	char rejected[200] = "";
	size_t k = 0;
	for (int cl = 0; cl < CLIENT_COUNT && k < sizeof(rejected); cl++)
		if (!dg->host[cl].ok)
			k += (size_t)snprintf(rejected + k, sizeof(rejected) - k, "%s%s", k ? ", " : "",
			                      tls_client_name((enum tls_client)cl));
	if (!k)
		return;
	const char *why = "matches none of these names";
	if (hm->result == HOST_MISMATCH_WILDCARD)
		why = "is not covered by the wildcard (it covers one label only)";
	else if (hm->result == HOST_IP_NOT_IN_SAN)
		why = "is an IP address and no IP SAN equals it";
	else if (hm->result == HOST_NO_NAMES)
		why = "cannot match: the certificate names no host";
	else if (hm->ok)
		why = "matches for OpenSSL but not for every client";
	line(fp, TUI_STYLE_MISMATCH, "      x expected %s %s (rejected by %s)", dg->expected_host, why,
	     rejected);
}

static void chain(FILE *fp, const struct conn *c, const struct diagnosis *dg)
{
	const struct conn_cert_list *l = &c->server_certs;
	if (!l->present) {
		line(fp, TUI_STYLE_HEADING, "Certificates: %s", conn_certificates_state(c));
		return;
	}
	if (dg && dg->chain_checked)
		line(fp, TUI_STYLE_HEADING, "Certificate chain: %u sent, %s%s", l->total,
		     dg->verdict.trusted ? "verifies" : "does not verify: ",
		     dg->verdict.trusted ? "" : dg->verdict.verify_error_name);
	else
		line(fp, TUI_STYLE_HEADING, "Certificate chain: %u sent%s", l->total,
		     l->cut ? " (some not kept)" : "");
	for (uint16_t i = 0; i < l->count; i++) {
		const struct x509_cert *x = dg && i < dg->cert_count ? dg->certs[i] : NULL;
		char sha[65], t1[32], t2[32];
		report_sha256_hex(l->blob + l->certs[i].off, l->certs[i].len, sha);
		if (!x || !x->parsed) {
			line(fp, TUI_STYLE_TEXT, "  [%u] %s", i, x ? x->parse_error : "(not parsed)");
			line(fp, TUI_STYLE_TEXT, "      sha256  %.16s...", sha);
			continue;
		}
		line(fp, TUI_STYLE_TEXT, "  [%u] %s", i, x->subject ? x->subject : "?");
		line(fp, TUI_STYLE_TEXT, "      issuer  %s%s", x->issuer ? x->issuer : "?",
		     x->self_signed ? "  (self-signed)" : "");
		line(fp, TUI_STYLE_TEXT, "      valid   %s .. %s",
		     x509_time_format(x->not_before, t1, sizeof(t1)),
		     x509_time_format(x->not_after, t2, sizeof(t2)));
		line(fp, TUI_STYLE_TEXT, "      key     %s %d, %s", x->key_type, x->key_bits,
		     x->signature_algorithm);
		line(fp, TUI_STYLE_TEXT, "      sha256  %.16s...", sha);
		if (i == 0)
			leaf_names(fp, x, dg);
	}
}

void tui_detail_write(FILE *fp, const struct conn *c, const struct diagnosis *dg,
                      const struct report_inputs *in)
{
	endpoints(fp, c, in);
	negotiation(fp, c, dg);
	if (dg) {
		findings(fp, dg);
		clients(fp, dg);
	}
	ladder(fp, c);
	chain(fp, c, dg);
}
