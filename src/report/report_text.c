/*
 * report_text.c - the readable report: one block per connection and a
 * summary of the run.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_budget.h"
#include "report_text.h"
#include "report_rollup.h"
#include "run_summary.h"
#include "starttls.h"
#include "text_escape.h"
#include "tls_fingerprint.h"
#include "tls_names.h"
#include "ts_limits.h"

void report_time_text(int64_t ts_ns, bool nano, char *buf, size_t n)
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

static const char *who(const struct conn *c, uint8_t dir)
{
	return dir == c->client_dir ? "client" : "server";
}

void report_text_event(const struct conn_event *e, char *buf, size_t n)
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
		snprintf(buf, n, "alert %s %s(%u)", lv ? lv : "?", ds ? ds : "?",
		         (unsigned)(e->detail & 0xff));
		break;
	}
	case EV_APPLICATION_DATA:
		snprintf(buf, n, "%s", e->detail == 1 ? "application_data (early data)" : "application_data");
		break;
	default:
		snprintf(buf, n, "%s", conn_event_name((enum conn_event_type)e->type));
	}
}

/* ANSI SGR colours for severities (only when the report goes to a terminal, or --color=always). */
static const char *color_on(bool color, enum severity s)
{
	static const char *const codes[SEV_COUNT] = {"\033[36m", "\033[33m", "\033[31m", "\033[1;31m"};
	return color && (unsigned)s < SEV_COUNT ? codes[s] : "";
}

static const char *color_off(bool color)
{
	return color ? "\033[0m" : "";
}

static const char *const text_clients[] = {"node", "openssl", "curl", "python", "go", "java"};

/*
 * Print `text` after `lead` (already `col` columns wide), wrapped at
 * `width` columns with continuation lines indented to `indent`; width 0
 * leaves the line whole (a file or a pipe: grep wants one line per fact).
 */
static void wrapped(FILE *fp, int col, int indent, const char *text, int width)
{
	char safe[4 * DIAG_TEXT]; /* every text here is built from wire strings */
	text_escape(text, safe, sizeof(safe));
	const char *p = safe;
	while (*p) {
		int room = width > 0 ? width - col : 0;
		size_t n = strlen(p);
		if (width <= 0 || n <= (size_t)room || width - indent < 20) {
			fprintf(fp, "%s\n", p);
			return;
		}
		if (room < 20) {
			/* A long label left no room: start the text on the next line. */
			fprintf(fp, "\n%*s", indent, "");
			col = indent;
			continue;
		}
		/* Break at the last space that fits; a word longer than the room is cut. */
		size_t cut = (size_t)room;
		while (cut > 0 && p[cut] != ' ')
			cut--;
		if (cut == 0)
			cut = (size_t)room;
		while (cut > 1 && ((unsigned char)p[cut] & 0xc0) == 0x80)
			cut--; /* never inside a UTF-8 character */
		fprintf(fp, "%.*s\n%*s", (int)cut, p, indent, "");
		p += cut;
		while (*p == ' ')
			p++;
		col = indent;
	}
	fputc('\n', fp);
}

/* Findings first, worst first, each with the fix; then what each client would print. */
/* JA4 and JA3 of the first ClientHello, JA3S of the ServerHello (the JSON also has their texts). */
static void text_fingerprints(FILE *fp, const struct conn *c)
{
	char text[TLS_FP_STRING_MAX], md5[TLS_FP_MD5_HEX];
	if (c->client_hello) {
		char ja4[TLS_FP_JA4_LEN];
		if (tls_ja4(c->client_hello, c->transport == CONN_TRANSPORT_QUIC ? TLS_FP_QUIC : TLS_FP_TCP,
		            ja4))
			fprintf(fp, "    JA4          %s\n", ja4);
		if (tls_ja3_string(c->client_hello, text, sizeof(text))) {
			tls_fp_md5_hex(text, md5);
			fprintf(fp, "    JA3          %s\n", md5);
		}
	}
	if (c->server_hello && tls_ja3s_string(c->server_hello, text, sizeof(text))) {
		tls_fp_md5_hex(text, md5);
		fprintf(fp, "    JA3S         %s\n", md5);
	}
}

static void text_findings(FILE *fp, const struct diagnosis *d, bool color, int width)
{
	if (d->expected_host[0]) {
		fputs("    expected     ", fp);
		text_escape_put(fp, d->expected_host);
		fprintf(fp, " (from %s)\n", expected_source_name(d->expected_source));
	}
	for (size_t i = 0; i < d->finding_count; i++) {
		const struct finding *f = &d->findings[i];
		fprintf(fp, "    %s%-8s%s %s: ", color_on(color, f->severity), severity_name(f->severity),
		        color_off(color), f->code);
		wrapped(fp, 13 + (int)strlen(f->code) + 2, 13, f->message, width);
		if (f->fix[0]) {
			fprintf(fp, "             fix: ");
			wrapped(fp, 18, 18, f->fix, width);
		}
	}
	bool any = false;
	enum tls_client order[CLIENT_COUNT];
	diagnosis_client_order(d, order);
	for (int i = 0; i < CLIENT_COUNT; i++) {
		int k = (int)order[i];
		const struct client_error *e = &d->clients[k];
		if (k >= 6 || !e->fails)
			continue;
		if (!any)
			fprintf(fp, "    clients would report:\n");
		any = true;
		fprintf(fp, "      %-8s %s: ", text_clients[k], e->code);
		wrapped(fp, 15 + (int)strlen(e->code) + 2, 15, e->message, width);
	}
	if (d->finding_count && !any && d->clients_from_chain)
		fprintf(fp, "    clients would connect (the findings above are warnings or notes)\n");
}

/* "2026-03-01" of a Unix time. */
static const char *date_text(int64_t t, char *buf, size_t n)
{
	x509_time_format(t, buf, n);
	char *tee = strchr(buf, 'T');
	if (tee)
		*tee = 0;
	return buf;
}

/* The names a certificate covers, as one line: "DNS:a, DNS:b, IP:10.0.0.1". */
static void san_text(const struct x509_cert *x, char *buf, size_t n)
{
	size_t k = 0;
	buf[0] = 0;
	for (size_t i = 0; i < x->san_dns.count && k < n; i++)
		k += (size_t)snprintf(buf + k, n - k, "%sDNS:%s", k ? ", " : "", x->san_dns.v[i]);
	for (size_t i = 0; i < x->san_ip_count && k < n; i++)
		k += (size_t)snprintf(buf + k, n - k, "%sIP:%s", k ? ", " : "", x->san_ip[i].text);
	if (!k)
		snprintf(buf, n, "%s", x->has_san ? "(empty subjectAltName)" : "(no subjectAltName)");
}

/*
 * The chain as sent, as a tree: each certificate with its names, validity
 * at capture time and fingerprint prefix, then the issuer it names. The
 * leaf's names sit next to the expected host and whether they cover it.
 */
static void text_chain(FILE *fp, const struct conn *c, const struct diagnosis *d, bool color, int width)
{
	int64_t at = c->first_ts_ns / 1000000000LL;
	char buf[1024], d1[32], d2[32];
	fprintf(fp, "    chain        %u sent", c->server_certs.total);
	if (d->chain_checked)
		fprintf(fp, ", %s at capture time%s%s%s", d->verdict.trusted ? "trusted" : "not trusted",
		        d->verdict.trusted ? "" : " (",
		        d->verdict.trusted ? "" : d->verdict.verify_error_text,
		        d->verdict.trusted ? "" : ")");
	fputc('\n', fp);
	for (size_t i = 0; i < d->cert_count; i++) {
		const struct x509_cert *x = d->certs[i];
		int pad = 6 + 3 * (int)i;
		if (!x || !x->parsed) {
			fprintf(fp, "%*s[%zu] (not parsable: ", pad, "", i);
			text_escape_put(fp, x ? x->parse_error : "?");
			fputs(")\n", fp);
			continue;
		}
		fprintf(fp, "%*s[%zu] ", pad, "", i);
		text_escape_put(fp, x->subject ? x->subject : "?");
		fprintf(fp, "%s%s\n", x->is_ca ? "  [CA]" : "", x->self_signed ? "  [self-signed]" : "");
		pad += 4;
		if (i == 0) {
			san_text(x, buf, sizeof(buf));
			fprintf(fp, "%*snames  ", pad, "");
			wrapped(fp, pad + 7, pad + 7, buf, width);
			if (d->host_checked && d->expected_host[0]) {
				const struct host_match *m = &d->host[CLIENT_OPENSSL];
				if (m->ok)
					snprintf(buf, sizeof(buf), "covers the expected %s%s%s%s",
					         d->expected_host, m->matched ? " (by " : "",
					         m->matched ? m->matched : "", m->matched ? ")" : "");
				else
					snprintf(buf, sizeof(buf), "does NOT cover the expected %s",
					         d->expected_host);
				fprintf(fp, "%*s%s", pad, "", m->ok ? "" : color_on(color, SEV_ERROR));
				text_escape_put(fp, buf);
				fprintf(fp, "%s\n", m->ok ? "" : color_off(color));
			}
		}
		bool expired = at > x->not_after, early = at < x->not_before;
		fprintf(fp, "%*svalid  %s .. %s%s%s%s   sha256 ", pad, "",
		        date_text(x->not_before, d1, sizeof(d1)), date_text(x->not_after, d2, sizeof(d2)),
		        (expired || early) ? color_on(color, SEV_ERROR) : "",
		        expired ? "  EXPIRED at capture"
		        : early ? "  NOT YET VALID at capture"
		                : "",
		        (expired || early) ? color_off(color) : "");
		for (int k = 0; k < 6; k++)
			fprintf(fp, "%02x", x->sha256[k]);
		fprintf(fp, "...\n%*s`- issued by ", pad, "");
		text_escape_put(fp, x->issuer ? x->issuer : "?");
		fputc('\n', fp);
	}
	if (c->server_certs.total > d->cert_count)
		fprintf(fp, "      ... %u more not kept\n", c->server_certs.total - (unsigned)d->cert_count);
}

/*
 * The handshake as a compact ladder: one line per burst (messages one side
 * sent at the same moment), relative milliseconds, arrows between the two
 * lanes. Alerts and resets stand out in colour.
 */
static void text_ladder(FILE *fp, const struct conn *c, bool color, int width)
{
	char line[1024], ev[96];
	fprintf(fp, "    handshake    (ms from the first packet)\n");
	for (uint16_t i = 0; i < c->event_count;) {
		const struct conn_event *e = &c->events[i];
		bool bad = false;
		size_t k = 0;
		uint16_t j = i;
		/* A burst: same sender, within a tenth of a millisecond. */
		for (; j < c->event_count && c->events[j].dir == e->dir &&
		       c->events[j].ts_ns - e->ts_ns < 100000;
		     j++) {
			const struct conn_event *f = &c->events[j];
			report_text_event(f, ev, sizeof(ev));
			bad |= f->type == EV_ALERT || f->type == EV_ENCRYPTED_ALERT || f->type == EV_RST;
			if (k < sizeof(line))
				k += (size_t)snprintf(line + k, sizeof(line) - k, "%s%s", k ? ", " : "", ev);
		}
		bool from_client = e->dir == c->client_dir;
		fprintf(fp, "      %10.3f  client %s server  %s", (double)(e->ts_ns - c->first_ts_ns) / 1e6,
		        from_client ? "---->" : "<----", bad ? color_on(color, SEV_ERROR) : "");
		if (bad && color) {
			fprintf(fp, "%s%s\n", line, color_off(color));
		} else {
			wrapped(fp, 40, 40, line, width);
		}
		i = j;
	}
	if (c->event_total > c->event_count)
		fprintf(fp, "      ... %u more events not kept\n", c->event_total - c->event_count);
}

void report_text_conn(FILE *fp, const struct conn *c, const struct diagnosis *dg,
                      const struct report_inputs *in)
{
	bool nano = in && c->file_index < in->count && in->info[c->file_index].nanosecond;
	const struct conn_side *cli = conn_client(c), *srv = conn_server(c);
	char t[64], a1[64], a2[64], tmp[600], v[24];
	report_time_text(c->first_ts_ns, nano, t, sizeof(t));
	ts_addr_format(&cli->addr, a1, sizeof(a1));
	ts_addr_format(&srv->addr, a2, sizeof(a2));
	bool v6 = cli->addr.family == 6;
	bool color = in && in->color;
	int width = in ? in->width : 0;
	fprintf(fp, "#%llu  %s  %s%s%s:%u -> %s%s%s:%u", (unsigned long long)c->id, t, v6 ? "[" : "", a1,
	        v6 ? "]" : "", cli->port, v6 ? "[" : "", a2, v6 ? "]" : "", srv->port);
	if (c->transport == CONN_TRANSPORT_QUIC)
		fputs("  QUIC", fp);
	if (in && c->file_index < in->count && in->count > 1)
		fprintf(fp, "  (%s)", in->names[c->file_index]);
	fputc('\n', fp);
	if (c->proxied.version)
		fprintf(fp, "    real client  %s\n", conn_proxied_text(c, tmp, sizeof(tmp)));
	if (c->openvpn.seen)
		fprintf(fp, "    tunnel       %s\n", conn_openvpn_text(c, tmp, sizeof(tmp)));
	if (dg)
		text_findings(fp, dg, color, width);
	if (c->transport == CONN_TRANSPORT_QUIC) {
		const char *qv = quic_version_name(c->quic.version);
		fprintf(fp, "    QUIC         %s%s", qv ? "version " : "", qv ? qv : "version unknown");
		if (c->quic.packets[c->client_dir][QUIC_PKT_ZERO_RTT])
			fputs(", 0-RTT", fp);
		if (c->quic.packets[c->client_dir ^ 1][QUIC_PKT_RETRY])
			fputs(", Retry", fp);
		if (c->quic.close_seen)
			fprintf(fp, ", CONNECTION_CLOSE 0x%llx from %s",
			        (unsigned long long)c->quic.close_error_code,
			        c->quic.close_dir == c->client_dir ? "client" : "server");
		fputc('\n', fp);
	}

	const struct tls_client_hello *ch = c->client_hello;
	const struct tls_server_hello *sh = c->server_hello;
	if (ch && ch->sni_count) {
		conn_wire_text(ch->sni[0].bytes, ch->sni[0].len, tmp, sizeof(tmp));
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
			conn_wire_text(sh->alpn.bytes, sh->alpn.len, tmp, sizeof(tmp));
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
	text_fingerprints(fp, c);
	if (dg && ch) {
		char sender[DIAG_TEXT];
		client_software_describe(&dg->software, sender, sizeof(sender));
		fprintf(fp, "    client       ");
		wrapped(fp, 17, 17, sender, width);
	}
	if (c->hello_retry)
		fprintf(fp, "    retry        HelloRetryRequest (group %s)\n",
		        tls_group_name(c->hello_retry->key_share_group)
		            ? tls_group_name(c->hello_retry->key_share_group)
		            : "?");
	const char *cs = conn_certificates_state(c);
	if (c->server_certs.present && dg && dg->cert_count)
		text_chain(fp, c, dg, color, width);
	else if (c->server_certs.present)
		fprintf(fp, "    certificates %u sent%s\n", c->server_certs.total,
		        c->server_certs.cut ? " (some not kept)" : "");
	else if (!strcmp(cs, "encrypted"))
		fprintf(fp, "    certificates encrypted (TLS 1.3): not visible without a key log\n");
	else if (!strcmp(cs, "compressed"))
		fprintf(fp, "    certificates compressed (RFC 8879): not read\n");
	if (c->decryption.keylog != CONN_KEYLOG_NONE) {
		const char *note = conn_decrypt_note_text((enum conn_decrypt_note)c->decryption.note);
		fprintf(fp, "    key log      %s, %u client and %u server %s decrypted%s%s\n",
		        conn_keylog_name((enum conn_keylog)c->decryption.keylog),
		        c->decryption.records[c->client_dir], c->decryption.records[conn_server_dir(c)],
		        c->transport == CONN_TRANSPORT_QUIC ? "Handshake packets" : "records",
		        note ? ": " : "", note ? note : "");
	} else if (!strcmp(cs, "not_sent"))
		fprintf(fp, "    certificates none sent (session resumed or anonymous)\n");
	if (dg && dg->resumed.conn_id) {
		const struct resume_origin *o = &dg->resumed;
		fprintf(fp, "    resumed from connection %llu (its chain: %u certificate%s, %s)\n",
		        (unsigned long long)o->conn_id, o->cert_total, o->cert_total == 1 ? "" : "s",
		        o->chain_checked ? o->verify_result : "not checked");
	}
	if (c->client_certs.present)
		fprintf(fp, "    client certs %u sent\n", c->client_certs.total);
	fprintf(fp, "    outcome      %s", conn_outcome_name(c->outcome));
	if (c->handshake_done)
		fprintf(fp, " (handshake %.1f ms)", (double)(c->handshake_done_ns - c->first_ts_ns) / 1e6);
	fputc('\n', fp);
	for (uint16_t i = 0; i < c->alert_count; i++) {
		const struct conn_alert *al = &c->alerts[i];
		if (al->encrypted && !al->decrypted)
			fprintf(fp, "    alert        encrypted, from %s, %s\n", who(c, al->dir),
			        conn_stage_name((enum conn_stage)al->stage));
		else
			fprintf(fp, "    alert        %s %s(%u) from %s, %s%s\n",
			        tls_alert_level_name(al->level) ? tls_alert_level_name(al->level) : "?",
			        tls_alert_name(al->description) ? tls_alert_name(al->description) : "?",
			        al->description, who(c, al->dir), conn_stage_name((enum conn_stage)al->stage),
			        al->decrypted ? " (decrypted with the key log)" : "");
	}
	if (starttls_name(c->starttls))
		fprintf(fp, "    STARTTLS     %s: %u bytes from client, %u from server before TLS\n",
		        starttls_name(c->starttls), cli->prelude_bytes, srv->prelude_bytes);
	else if (cli->prelude_bytes || srv->prelude_bytes)
		fprintf(
		    fp,
		    "    prelude      %u bytes from client, %u from server before TLS (protocol upgrade)\n",
		    cli->prelude_bytes, srv->prelude_bytes);
	bool any = false;
	for (int i = 0; i < ANOM_COUNT; i++) {
		if (!c->anomalies[i])
			continue;
		fprintf(fp, "%s%s x%u", any ? ", " : "    anomalies    ",
		        conn_anomaly_name((enum conn_anomaly)i), c->anomalies[i]);
		any = true;
	}
	if (any)
		fputc('\n', fp);
	text_ladder(fp, c, color, width);
	fputc('\n', fp);
}

void report_text_summary(FILE *fp, const struct ts_stats *s, const struct report_inputs *in)
{
	fprintf(fp, "== summary ==\n");
	if (in && in->count > 5) {
		uint64_t frames = 0;
		for (size_t i = 0; i < in->count; i++)
			frames += in->info[i].frames;
		fprintf(fp, "%zu files, %llu frames\n", in->count, (unsigned long long)frames);
	}
	for (size_t i = 0; in && i < in->count; i++) {
		const struct capture_info *fi = &in->info[i];
		if (in->count > 5 && !fi->truncated && !fi->error[0])
			continue; /* many inputs: name only those with something to say */
		fprintf(fp, "%s %s: %llu frames, link type %s%s\n", in->capture ? "interface" : "file",
		        in->names[i], (unsigned long long)fi->frames, fi->dlt_name[0] ? fi->dlt_name : "?",
		        fi->truncated ? ", TRUNCATED" : "");
		if (fi->error[0]) {
			fputs("  ", fp);
			text_escape_put(fp, fi->error);
			fputc('\n', fp);
		}
	}
	if (in && in->capture)
		fprintf(fp,
		        "capture: received %llu, dropped by kernel %llu, dropped by interface %llu, records "
		        "dropped (output not read) %llu\n",
		        (unsigned long long)in->capture->received,
		        (unsigned long long)in->capture->dropped_by_kernel,
		        (unsigned long long)in->capture->dropped_by_interface,
		        (unsigned long long)in->capture->records_dropped);
	fprintf(fp, "packets %llu, bytes %llu\n", (unsigned long long)s->packets,
	        (unsigned long long)s->captured_bytes);
	fprintf(fp, "TCP connections %llu, TLS %llu, reported %llu\n",
	        (unsigned long long)(s->connections - s->quic_flows - s->openvpn_udp_flows),
	        (unsigned long long)(s->tls_connections - s->quic_connections - s->openvpn_udp_connections),
	        (unsigned long long)s->reported);
	if (s->quic_flows)
		fprintf(fp, "QUIC flows %llu, with a TLS handshake %llu\n", (unsigned long long)s->quic_flows,
		        (unsigned long long)s->quic_connections);
	if (s->openvpn_flows)
		fprintf(fp, "OpenVPN tunnels %llu (over UDP %llu), with TLS read %llu\n",
		        (unsigned long long)s->openvpn_flows, (unsigned long long)s->openvpn_udp_flows,
		        (unsigned long long)s->openvpn_connections);
	for (int i = 0; i < OUTCOME_COUNT; i++)
		if (s->outcomes[i])
			fprintf(fp, "  %-34s %llu\n", conn_outcome_name((enum conn_outcome)i),
			        (unsigned long long)s->outcomes[i]);
	for (int i = 1; i < DECODE_SKIP_COUNT; i++)
		if (s->skipped[i])
			fprintf(fp, "skipped (%s) %llu\n", decode_skip_name((enum decode_skip)i),
			        (unsigned long long)s->skipped[i]);
	for (int i = 1; i < DECODE_UNSUPPORTED_COUNT; i++)
		if (s->unsupported_encap[i])
			fprintf(fp, "  of them, in an encapsulation not decoded (%s) %llu\n",
			        decode_unsupported_name((enum decode_unsupported)i),
			        (unsigned long long)s->unsupported_encap[i]);
	if (s->udp_packets > s->quic_packets + s->openvpn_packets)
		fprintf(fp, "UDP packets not analysed %llu\n",
		        (unsigned long long)(s->udp_packets - s->quic_packets - s->openvpn_packets));
	if (s->keylog[CONN_KEYLOG_MATCHED] + s->keylog[CONN_KEYLOG_NOT_FOUND] + s->keylog[CONN_KEYLOG_FAILED])
		fprintf(fp, "key log: %llu connections decrypted, %llu not in it, %llu failed to decrypt\n",
		        (unsigned long long)s->keylog[CONN_KEYLOG_MATCHED],
		        (unsigned long long)s->keylog[CONN_KEYLOG_NOT_FOUND],
		        (unsigned long long)s->keylog[CONN_KEYLOG_FAILED]);
	if (s->timed_out || s->evicted)
		fprintf(fp, "timed out %llu, evicted (memory cap) %llu\n", (unsigned long long)s->timed_out,
		        (unsigned long long)s->evicted);
	if (s->timestamps_out_of_window)
		fprintf(fp, "timestamps out of window %llu (read at the capture's running time)\n",
		        (unsigned long long)s->timestamps_out_of_window);
	for (int i = 0; i < ANOM_COUNT; i++)
		if (s->anomalies[i])
			fprintf(fp, "anomaly %s %llu\n", conn_anomaly_name((enum conn_anomaly)i),
			        (unsigned long long)s->anomalies[i]);
	report_text_budget(fp, &s->budget);
}

/* ------------------------------------------------------------ whole report */

#define TEXT_MAX_SERVERS 4096 /* distinct servers counted for "most problems" */

struct text_block {
	uint64_t id;
	long off;
	size_t len;
	int severity; /* -1: healthy (one line) */
};

struct server_count {
	char key[320]; /* "ip:port sni" */
	unsigned long problems;
};

struct text_report {
	FILE *tmp;
	bool problems_only;
	bool failed;
	struct text_block *blocks;
	size_t count, cap;
	struct run_summary sum; /* every connection added, shown or not */
	struct server_count *servers;
	size_t server_count;
	unsigned long servers_dropped;
};

struct text_report *text_report_new(bool problems_only)
{
	struct text_report *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->tmp = tmpfile();
	t->servers = calloc(TEXT_MAX_SERVERS, sizeof(*t->servers));
	if (!t->tmp || !t->servers) {
		if (t->tmp)
			fclose(t->tmp);
		free(t->servers);
		free(t);
		return NULL;
	}
	t->problems_only = problems_only;
	return t;
}

static void count_server(struct text_report *t, const struct conn *c, const struct diagnosis *dg)
{
	char ip[64], key[320];
	const struct conn_side *srv = conn_server(c);
	ts_addr_format(&srv->addr, ip, sizeof(ip));
	snprintf(key, sizeof(key), srv->addr.family == 6 ? "[%s]:%u %s" : "%s:%u %s", ip, srv->port,
	         dg->expected_source == EXPECT_SNI ? dg->expected_host : "(no SNI)");
	for (size_t i = 0; i < t->server_count; i++)
		if (!strcmp(t->servers[i].key, key)) {
			t->servers[i].problems++;
			return;
		}
	if (t->server_count == TEXT_MAX_SERVERS) {
		t->servers_dropped++;
		return;
	}
	snprintf(t->servers[t->server_count].key, sizeof(t->servers[0].key), "%s", key);
	t->servers[t->server_count++].problems = 1;
}

static void one_line(FILE *fp, const struct conn *c, const struct diagnosis *dg)
{
	char a1[64], a2[64], v[24];
	ts_addr_format(&conn_client(c)->addr, a1, sizeof(a1));
	ts_addr_format(&conn_server(c)->addr, a2, sizeof(a2));
	bool v6 = conn_client(c)->addr.family == 6;
	fprintf(fp, "#%-5llu %s%s%s:%u -> %s%s%s:%u%s  ", (unsigned long long)c->id, v6 ? "[" : "", a1,
	        v6 ? "]" : "", conn_client(c)->port, v6 ? "[" : "", a2, v6 ? "]" : "", conn_server(c)->port,
	        c->transport == CONN_TRANSPORT_QUIC ? " QUIC" : "");
	text_escape_put(fp, dg && dg->expected_host[0] ? dg->expected_host : "-");
	fprintf(fp, "  %s  %s", conn_version(c) ? tls_version_name(conn_version(c), v, sizeof(v)) : "-",
	        conn_outcome_name(c->outcome));
	for (size_t i = 0; dg && i < dg->finding_count; i++)
		fprintf(fp, "%s%s", i ? "," : "  (", dg->findings[i].code);
	fputs(dg && dg->finding_count ? ")\n" : "\n", fp);
}

void report_text_brief(FILE *fp, const struct conn *c, const struct diagnosis *dg,
                       const struct report_inputs *in)
{
	bool nano = in && c->file_index < in->count && in->info[c->file_index].nanosecond;
	bool color = in && in->color;
	char t[64];
	report_time_text(c->first_ts_ns, nano, t, sizeof(t));
	fprintf(fp, "%s  ", t);
	one_line(fp, c, dg);
	for (size_t i = 0; dg && i < dg->finding_count; i++) {
		const struct finding *f = &dg->findings[i];
		fprintf(fp, "    %s%-8s%s %s: ", color_on(color, f->severity), severity_name(f->severity),
		        color_off(color), f->code);
		text_escape_put(fp, f->message);
		fputc('\n', fp);
	}
}

void text_report_add(struct text_report *t, const struct conn *c, const struct diagnosis *dg,
                     const struct report_inputs *in)
{
	if (!t || t->failed)
		return;
	run_summary_add(&t->sum, c, dg);
	int sev = run_summary_worst_of(dg);
	if (!run_summary_is_problem(sev))
		sev = -1; /* shown as one line */
	if (sev >= 0)
		count_server(t, c, dg);
	if (sev < 0 && t->problems_only)
		return;
	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		struct text_block *b = realloc(t->blocks, cap * sizeof(*b));
		if (!b) {
			t->failed = true;
			return;
		}
		t->blocks = b;
		t->cap = cap;
	}
	long off = ftell(t->tmp);
	if (sev >= 0)
		report_text_conn(t->tmp, c, dg, in);
	else
		one_line(t->tmp, c, dg);
	struct text_block *b = &t->blocks[t->count++];
	b->id = c->id;
	b->off = off;
	b->len = (size_t)(ftell(t->tmp) - off);
	b->severity = sev;
}

static int worst_first(const void *a, const void *b)
{
	const struct text_block *x = a, *y = b;
	if (x->severity != y->severity)
		return y->severity - x->severity;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int most_problems(const void *a, const void *b)
{
	const struct server_count *x = a, *y = b;
	return x->problems < y->problems ? 1 : x->problems > y->problems ? -1 : strcmp(x->key, y->key);
}

bool report_copy_range(FILE *from, long off, size_t len, FILE *fp)
{
	char buf[8192];
	if (fseek(from, off, SEEK_SET) != 0)
		return false;
	while (len > 0) {
		size_t n = fread(buf, 1, len < sizeof(buf) ? len : sizeof(buf), from);
		if (n == 0)
			return false;
		fwrite(buf, 1, n, fp);
		len -= n;
	}
	return true;
}

static void copy_block(struct text_report *t, const struct text_block *b, FILE *fp)
{
	if (!report_copy_range(t->tmp, b->off, b->len, fp))
		t->failed = true;
}

/* The roll-up after the summary: the largest groups, each with a connection to look at. */
static void rollup_text(FILE *fp, const struct rollup *r, bool color)
{
	if (!rollup_worth_showing(r))
		return;
	fprintf(fp, "\n== roll-up: %lu connections with problems by cause, server and client ==\n",
	        r->problems);
	fprintf(fp, "  %-8s %6s  %-28s %-40s %-16s %s\n", "severity", "count", "cause", "server", "client",
	        "example");
	for (size_t i = 0; i < r->count && i < ROLLUP_SHOWN; i++) {
		const struct rollup_group *g = &r->groups[i];
		char server[4 * sizeof(g->server)]; /* the name checked may come from the wire */
		text_escape(g->server, server, sizeof(server));
		fprintf(fp, "  %s%-8s%s %6lu  %-28s %-40s %-16s #%llu\n",
		        color_on(color, (enum severity)g->severity),
		        severity_name((enum severity)g->severity), color_off(color), g->count, g->cause,
		        server, g->client, (unsigned long long)g->example_id);
	}
	if (r->count > ROLLUP_SHOWN)
		fprintf(fp, "  (%zu more groups)\n", r->count - ROLLUP_SHOWN);
	if (r->dropped)
		fprintf(fp, "  (%lu connections in groups past the first %d, not grouped)\n", r->dropped,
		        ROLLUP_MAX_GROUPS);
}

bool text_report_finish(struct text_report *t, FILE *fp, const struct ts_stats *s,
                        const struct report_inputs *in)
{
	if (!t)
		return false;
	bool color = in && in->color;
	if (s)
		report_text_summary(fp, s, in);
	const struct run_summary *sum = &t->sum;
	if (s && (t->count || sum->first_ns)) {
		char t1[64], t2[64];
		report_time_text(sum->first_ns, false, t1, sizeof(t1));
		report_time_text(sum->last_ns, false, t2, sizeof(t2));
		/* The end's date only when it differs: the line fits 72 columns. */
		fprintf(fp, "capture span %s .. %s UTC\n", t1, strncmp(t1, t2, 11) ? t2 : t2 + 11);
	}
	if (s && sum->code_count) {
		fprintf(fp, "findings:\n");
		for (int sev = SEV_COUNT - 1; sev >= 0; sev--)
			for (size_t i = 0; i < sum->code_count; i++)
				if (sum->by_code[i][sev])
					fprintf(fp, "  %s%-8s%s %-28s %lu\n",
					        color_on(color, (enum severity)sev),
					        severity_name((enum severity)sev), color_off(color),
					        sum->codes[i], sum->by_code[i][sev]);
	}
	if (s && t->server_count) {
		qsort(t->servers, t->server_count, sizeof(*t->servers), most_problems);
		fprintf(fp, "servers with the most problems:\n");
		for (size_t i = 0; i < t->server_count && i < 5; i++) {
			char key[4 * sizeof(t->servers[0].key)];
			text_escape(t->servers[i].key, key, sizeof(key));
			fprintf(fp, "  %-50s %lu connection%s\n", key, t->servers[i].problems,
			        t->servers[i].problems == 1 ? "" : "s");
		}
	}
	if (s)
		rollup_text(fp, in ? in->rollup : NULL, color);
	fflush(t->tmp);
	if (t->count)
		qsort(t->blocks, t->count, sizeof(*t->blocks), worst_first);
	size_t problems = 0;
	while (problems < t->count && t->blocks[problems].severity >= 0)
		problems++;
	if (problems)
		fprintf(fp, "\n== connections with problems, worst first ==\n\n");
	for (size_t i = 0; i < problems; i++)
		copy_block(t, &t->blocks[i], fp);
	if (t->count > problems)
		fprintf(fp, "== healthy connections ==\n");
	for (size_t i = problems; i < t->count; i++)
		copy_block(t, &t->blocks[i], fp);
	bool ok = !t->failed && !ferror(fp);
	fclose(t->tmp);
	free(t->blocks);
	free(t->servers);
	free(t);
	return ok;
}

void text_report_discard(struct text_report *t)
{
	if (!t)
		return;
	fclose(t->tmp);
	free(t->blocks);
	free(t->servers);
	free(t);
}
