/*
 * report_text.c - the readable report: one block per connection and a
 * summary of the run.
 */
#include <string.h>
#include <time.h>

#include "report.h"
#include "tls_names.h"

static void fmt_time(int64_t ts_ns, bool nano, char *buf, size_t n)
{
	time_t t = (time_t)(ts_ns / 1000000000LL);
	long long frac = ts_ns % 1000000000LL;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, n, "?");
		return;
	}
	size_t k = strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
	if (nano)
		snprintf(buf + k, n - k, ".%09lld", frac);
	else
		snprintf(buf + k, n - k, ".%06lld", frac / 1000);
}

/* Wire bytes made printable: anything outside printable ASCII as \xNN. */
static void fmt_bytes(const uint8_t *b, size_t len, char *out, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 5 < n; i++) {
		if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\\')
			out[o++] = (char)b[i];
		else
			o += (size_t)snprintf(out + o, n - o, "\\x%02x", b[i]);
	}
	out[o < n ? o : n - 1] = 0;
}

static const char *who(const struct conn *c, uint8_t dir)
{
	return dir == c->client_dir ? "client" : "server";
}

static void event_text(const struct conn_event *e, char *buf, size_t n)
{
	switch (e->type) {
	case EV_HANDSHAKE: {
		const char *hn = tls_handshake_type_name((uint8_t)e->detail);
		snprintf(buf, n, "%s", hn ? hn : "handshake");
		break;
	}
	case EV_ALERT: {
		const char *lv = tls_alert_level_name((uint8_t)(e->detail >> 8));
		const char *ds = tls_alert_name((uint8_t)e->detail);
		snprintf(buf, n, "alert %s %s(%u)", lv ? lv : "?", ds ? ds : "?", e->detail & 0xff);
		break;
	}
	case EV_APPLICATION_DATA:
		snprintf(buf, n, "%s", e->detail == 1 ? "application_data (early data)" : "application_data");
		break;
	default:
		snprintf(buf, n, "%s", conn_event_name((enum conn_event_type)e->type));
	}
}

static const char *const text_clients[] = { "node", "openssl", "curl", "python", "go", "java" };

/* Findings first, worst first, each with the fix; then what each client would print. */
static void text_findings(FILE *fp, const struct diagnosis *d)
{
	if (d->expected_host[0])
		fprintf(fp, "    expected     %s (from %s)\n", d->expected_host,
			expected_source_name(d->expected_source));
	for (size_t i = 0; i < d->finding_count; i++) {
		const struct finding *f = &d->findings[i];
		fprintf(fp, "    %-8s %s: %s\n", severity_name(f->severity), f->code, f->message);
		if (f->fix[0])
			fprintf(fp, "             fix: %s\n", f->fix);
	}
	bool any = false;
	for (int k = 0; k < 6; k++) {
		const struct client_error *e = &d->clients[k];
		if (!e->fails)
			continue;
		if (!any)
			fprintf(fp, "    clients would report:\n");
		any = true;
		fprintf(fp, "      %-8s %s: %s\n", text_clients[k], e->code, e->message);
	}
	if (d->finding_count && !any && d->clients_from_chain)
		fprintf(fp, "    clients would connect (the findings above are warnings or notes)\n");
}

void report_text_conn(FILE *fp, const struct conn *c, const struct diagnosis *dg, const struct report_inputs *in)
{
	bool nano = in && c->file_index < in->count && in->info[c->file_index].nanosecond;
	const struct conn_side *cli = conn_client(c), *srv = conn_server(c);
	char t[64], a1[64], a2[64], tmp[600], v[24];
	fmt_time(c->first_ts_ns, nano, t, sizeof(t));
	ts_addr_format(&cli->addr, a1, sizeof(a1));
	ts_addr_format(&srv->addr, a2, sizeof(a2));
	bool v6 = cli->addr.family == 6;
	fprintf(fp, "#%llu  %s  %s%s%s:%u -> %s%s%s:%u", (unsigned long long)c->id, t, v6 ? "[" : "", a1,
		v6 ? "]" : "", cli->port, v6 ? "[" : "", a2, v6 ? "]" : "", srv->port);
	if (in && c->file_index < in->count && in->count > 1)
		fprintf(fp, "  (%s)", in->names[c->file_index]);
	fputc('\n', fp);
	if (dg)
		text_findings(fp, dg);

	const struct tls_client_hello *ch = c->client_hello;
	const struct tls_server_hello *sh = c->server_hello;
	if (ch && ch->sni_count) {
		fmt_bytes(ch->sni[0].bytes, ch->sni[0].len, tmp, sizeof(tmp));
		fprintf(fp, "    SNI          %s\n", tmp);
	} else if (ch) {
		fprintf(fp, "    SNI          (none)\n");
	}
	if (sh) {
		const char *cn = tls_cipher_suite_name(sh->cipher_suite);
		fprintf(fp, "    version      %s\n", tls_version_name(conn_version(c), v, sizeof(v)));
		if (cn)
			fprintf(fp, "    cipher       %s\n", cn);
		else
			fprintf(fp, "    cipher       0x%04x\n", sh->cipher_suite);
		if (sh->has_alpn) {
			fmt_bytes(sh->alpn.bytes, sh->alpn.len, tmp, sizeof(tmp));
			fprintf(fp, "    ALPN         %s\n", tmp);
		}
	} else if (ch) {
		uint16_t best = ch->legacy_version;
		for (uint16_t i = 0; i < ch->supported_versions.count; i++)
			if (!tls_is_grease(ch->supported_versions.v[i]) && ch->supported_versions.v[i] > best)
				best = ch->supported_versions.v[i];
		fprintf(fp, "    version      (no ServerHello; client offered up to %s)\n",
			tls_version_name(best, v, sizeof(v)));
	}
	if (c->hello_retry)
		fprintf(fp, "    retry        HelloRetryRequest (group %s)\n",
			tls_group_name(c->hello_retry->key_share_group) ? tls_group_name(c->hello_retry->key_share_group)
									: "?");
	const char *cs = report_certificates_state(c);
	if (c->server_certs.present)
		fprintf(fp, "    certificates %u sent%s\n", c->server_certs.total, c->server_certs.cut ? " (some not kept)" : "");
	else if (!strcmp(cs, "encrypted"))
		fprintf(fp, "    certificates encrypted (TLS 1.3): not visible without a key log\n");
	else if (!strcmp(cs, "not_sent"))
		fprintf(fp, "    certificates none sent (session resumed or anonymous)\n");
	if (c->client_certs.present)
		fprintf(fp, "    client certs %u sent\n", c->client_certs.total);
	fprintf(fp, "    outcome      %s", conn_outcome_name(c->outcome));
	if (c->handshake_done)
		fprintf(fp, " (handshake %.1f ms)", (double)(c->handshake_done_ns - c->first_ts_ns) / 1e6);
	fputc('\n', fp);
	for (uint16_t i = 0; i < c->alert_count; i++) {
		const struct conn_alert *al = &c->alerts[i];
		if (al->encrypted)
			fprintf(fp, "    alert        encrypted, from %s, %s\n", who(c, al->dir),
				conn_stage_name((enum conn_stage)al->stage));
		else
			fprintf(fp, "    alert        %s %s(%u) from %s, %s\n",
				tls_alert_level_name(al->level) ? tls_alert_level_name(al->level) : "?",
				tls_alert_name(al->description) ? tls_alert_name(al->description) : "?",
				al->description, who(c, al->dir), conn_stage_name((enum conn_stage)al->stage));
	}
	if (cli->prelude_bytes || srv->prelude_bytes)
		fprintf(fp, "    prelude      %u bytes from client, %u from server before TLS (protocol upgrade)\n",
			cli->prelude_bytes, srv->prelude_bytes);
	bool any = false;
	for (int i = 0; i < ANOM_COUNT; i++) {
		if (!c->anomalies[i])
			continue;
		fprintf(fp, "%s%s x%u", any ? ", " : "    anomalies    ", conn_anomaly_name((enum conn_anomaly)i),
			c->anomalies[i]);
		any = true;
	}
	if (any)
		fputc('\n', fp);
	fprintf(fp, "    timeline\n");
	for (uint16_t i = 0; i < c->event_count; i++) {
		const struct conn_event *e = &c->events[i];
		event_text(e, tmp, sizeof(tmp));
		fprintf(fp, "      %+10.3f ms  %s %-7s %s\n", (double)(e->ts_ns - c->first_ts_ns) / 1e6,
			e->dir == c->client_dir ? "C->S" : "S->C", who(c, e->dir), tmp);
	}
	if (c->event_total > c->event_count)
		fprintf(fp, "      ... %u more events not kept\n", c->event_total - c->event_count);
	fputc('\n', fp);
}

void report_text_summary(FILE *fp, const struct ts_stats *s, const struct report_inputs *in)
{
	fprintf(fp, "== summary ==\n");
	for (size_t i = 0; in && i < in->count; i++) {
		const struct capture_info *fi = &in->info[i];
		fprintf(fp, "file %s: %llu frames, link type %s%s\n", in->names[i], (unsigned long long)fi->frames,
			fi->dlt_name[0] ? fi->dlt_name : "?", fi->truncated ? ", TRUNCATED" : "");
		if (fi->error[0])
			fprintf(fp, "  %s\n", fi->error);
	}
	fprintf(fp, "packets %llu, bytes %llu\n", (unsigned long long)s->packets,
		(unsigned long long)s->captured_bytes);
	fprintf(fp, "TCP connections %llu, TLS %llu, reported %llu\n", (unsigned long long)s->connections,
		(unsigned long long)s->tls_connections, (unsigned long long)s->reported);
	for (int i = 0; i < OUTCOME_COUNT; i++)
		if (s->outcomes[i])
			fprintf(fp, "  %-34s %llu\n", conn_outcome_name((enum conn_outcome)i),
				(unsigned long long)s->outcomes[i]);
	for (int i = 1; i < DECODE_SKIP_COUNT; i++)
		if (s->skipped[i])
			fprintf(fp, "skipped (%s) %llu\n", decode_skip_name((enum decode_skip)i),
				(unsigned long long)s->skipped[i]);
	if (s->udp_packets)
		fprintf(fp, "UDP packets not analysed %llu\n", (unsigned long long)s->udp_packets);
	if (s->timed_out || s->evicted)
		fprintf(fp, "timed out %llu, evicted (memory cap) %llu\n", (unsigned long long)s->timed_out,
			(unsigned long long)s->evicted);
	for (int i = 0; i < ANOM_COUNT; i++)
		if (s->anomalies[i])
			fprintf(fp, "anomaly %s %llu\n", conn_anomaly_name((enum conn_anomaly)i),
				(unsigned long long)s->anomalies[i]);
}
