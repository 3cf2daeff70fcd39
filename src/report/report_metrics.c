/*
 * report_metrics.c - Prometheus text exposition of a live run (see
 * report_metrics.h).
 */
#include "report_metrics.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "tls_names.h"

struct server_series {
	char server[72]; /* IP:port ([IPv6]:port) */
	char version[24];
	uint64_t handshakes;
};

struct code_count {
	char code[48];
	uint64_t count;
};

struct metrics {
	pthread_mutex_t lock;
	uint64_t outcomes[OUTCOME_COUNT];
	struct code_count codes[METRICS_MAX_CODES];
	size_t code_count;
	uint64_t codes_folded;
	struct server_series series[METRICS_MAX_SERVER_SERIES];
	size_t series_count;
	uint64_t series_folded; /* handshakes counted under server="other" */
	struct metrics_capture capture;
};

struct metrics *metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof(*m));
	if (m && pthread_mutex_init(&m->lock, NULL) != 0) {
		free(m);
		return NULL;
	}
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static void count_code(struct metrics *m, const char *code)
{
	for (size_t i = 0; i < m->code_count; i++)
		if (!strcmp(m->codes[i].code, code)) {
			m->codes[i].count++;
			return;
		}
	if (m->code_count == METRICS_MAX_CODES) {
		m->codes_folded++;
		return;
	}
	snprintf(m->codes[m->code_count].code, sizeof(m->codes[0].code), "%s", code);
	m->codes[m->code_count++].count = 1;
}

static void count_server(struct metrics *m, const char *server, const char *version)
{
	for (size_t i = 0; i < m->series_count; i++)
		if (!strcmp(m->series[i].server, server) && !strcmp(m->series[i].version, version)) {
			m->series[i].handshakes++;
			return;
		}
	if (m->series_count == METRICS_MAX_SERVER_SERIES) {
		m->series_folded++;
		return;
	}
	struct server_series *s = &m->series[m->series_count++];
	snprintf(s->server, sizeof(s->server), "%s", server);
	snprintf(s->version, sizeof(s->version), "%s", version);
	s->handshakes = 1;
}

void metrics_count_record(struct metrics *m, const struct conn *c, const struct diagnosis *dg)
{
	if (!c->is_tls)
		return;
	const struct conn_side *srv = &c->side[c->client_dir ? 0 : 1];
	char ip[64], server[72], vbuf[24];
	ts_addr_format(&srv->addr, ip, sizeof(ip));
	snprintf(server, sizeof(server), strchr(ip, ':') ? "[%s]:%u" : "%s:%u", ip, (unsigned)srv->port);
	uint16_t version = conn_version(c);
	const char *vname = version ? tls_version_name(version, vbuf, sizeof(vbuf)) : "none";
	pthread_mutex_lock(&m->lock);
	if ((unsigned)c->outcome < OUTCOME_COUNT)
		m->outcomes[c->outcome]++;
	for (size_t i = 0; dg && i < dg->finding_count; i++)
		count_code(m, dg->findings[i].code);
	count_server(m, server, vname);
	pthread_mutex_unlock(&m->lock);
}

void metrics_set_capture(struct metrics *m, const struct metrics_capture *k)
{
	pthread_mutex_lock(&m->lock);
	m->capture = *k;
	pthread_mutex_unlock(&m->lock);
}

/* A label value: backslash, double quote and newline escaped (the format's only escapes). */
static void label_value(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(fp, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", fp);
		else
			fputc(*s, fp);
	}
}

static void family(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(FILE *fp, const char *name, const char *label, const char *value, uint64_t v)
{
	fprintf(fp, "%s{%s=\"", name, label);
	label_value(fp, value);
	fprintf(fp, "\"} %llu\n", (unsigned long long)v);
}

bool metrics_write(struct metrics *m, FILE *fp)
{
	pthread_mutex_lock(&m->lock);
	family(fp, "tlsscope_handshakes_total", "counter", "TLS connections finished, by outcome.");
	for (int o = 0; o < OUTCOME_COUNT; o++)
		sample(fp, "tlsscope_handshakes_total", "outcome", conn_outcome_name((enum conn_outcome)o),
		       m->outcomes[o]);
	family(fp, "tlsscope_findings_total", "counter",
	       "Findings raised, by code (docs/findings.md); code=\"other\" past the cap.");
	for (size_t i = 0; i < m->code_count; i++)
		sample(fp, "tlsscope_findings_total", "code", m->codes[i].code, m->codes[i].count);
	if (m->codes_folded)
		sample(fp, "tlsscope_findings_total", "code", "other", m->codes_folded);
	family(fp, "tlsscope_server_handshakes_total", "counter",
	       "TLS connections by server (IP:port) and negotiated version; server=\"other\" past the cap.");
	for (size_t i = 0; i < m->series_count; i++) {
		fputs("tlsscope_server_handshakes_total{server=\"", fp);
		label_value(fp, m->series[i].server);
		fputs("\",version=\"", fp);
		label_value(fp, m->series[i].version);
		fprintf(fp, "\"} %llu\n", (unsigned long long)m->series[i].handshakes);
	}
	if (m->series_folded)
		fprintf(fp, "tlsscope_server_handshakes_total{server=\"other\",version=\"other\"} %llu\n",
		        (unsigned long long)m->series_folded);
	fprintf(fp,
	        "# HELP tlsscope_server_series_folded_total TLS connections counted under server=\"other\": "
	        "past %d server and version pairs.\n# TYPE tlsscope_server_series_folded_total counter\n",
	        METRICS_MAX_SERVER_SERIES);
	fprintf(fp, "tlsscope_server_series_folded_total %llu\n", (unsigned long long)m->series_folded);
	const struct metrics_capture *k = &m->capture;
	family(fp, "tlsscope_packets_received_total", "counter", "Packets libpcap handed over.");
	fprintf(fp, "tlsscope_packets_received_total %llu\n", (unsigned long long)k->packets_received);
	family(fp, "tlsscope_packets_dropped_total", "counter",
	       "Packets dropped before tlsscope saw them: by the kernel (no room in the buffer) or the "
	       "interface.");
	sample(fp, "tlsscope_packets_dropped_total", "by", "kernel", k->dropped_by_kernel);
	sample(fp, "tlsscope_packets_dropped_total", "by", "interface", k->dropped_by_interface);
	family(fp, "tlsscope_records_dropped_total", "counter",
	       "Connection records dropped because the output was not read (records_dropped).");
	fprintf(fp, "tlsscope_records_dropped_total %llu\n", (unsigned long long)k->records_dropped);
	family(fp, "tlsscope_memory_bytes", "gauge",
	       "Memory by part: flow state now (flows), its peak (flows_peak), its cap (flows_cap, "
	       "--memory-cap), and these counters (metrics).");
	sample(fp, "tlsscope_memory_bytes", "part", "flows", k->flow_memory);
	sample(fp, "tlsscope_memory_bytes", "part", "flows_peak", k->flow_memory_peak);
	sample(fp, "tlsscope_memory_bytes", "part", "flows_cap", k->flow_memory_cap);
	sample(fp, "tlsscope_memory_bytes", "part", "metrics", sizeof(*m));
	pthread_mutex_unlock(&m->lock);
	return !ferror(fp);
}
