/*
 * cli_analysis.c - the shared analysis options of the commands and the
 * messages of their pipeline (see cli_analysis.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_analysis.h"
#include "cli_number.h"
#include "keylog.h"
#include "ts_limits.h"
#include "state_store.h"
#include "text_escape.h"

const char analysis_options_help[] =
    "  --all                report every TCP connection, not only TLS ones\n"
    "  --memory-cap SIZE    cap on all a run holds (e.g. 64M; default 256M): half for\n"
    "                       connections (the least recently active end past it), the\n"
    "                       rest for certificates, verdicts, key log, output\n"
    "  --idle-timeout SECS  end a quiet connection after SECS of capture time (default 300)\n"
    "  --keylog FILE        NSS key log (SSLKEYLOGFILE; repeatable): decrypt TLS 1.3\n"
    "                       and QUIC handshakes (the certificate), TLS 1.2 encrypted alerts\n"
    "\n"
    "diagnosis:\n"
    "  --expect NAME[,NAME...]               names every server must present\n"
    "  --expect IP[:PORT]=NAME[,NAME...]     names one server must present (repeatable)\n"
    "  --expect-file FILE   one --expect rule per line ('#' comments)\n"
    "  --ca FILE            trust only the CA certificates in FILE (PEM; repeatable), like\n"
    "                       Node's ca option or curl --cacert\n"
    "  --ca-add FILE        trust FILE's CA certificates as well as the system store\n"
    "  --ca-dir DIR         trust a hashed CA directory (c_rehash layout)\n"
    "  --client-ca FILE     the CAs the servers accept client certificates from (PEM;\n"
    "                       repeatable): each client certificate is verified against them\n"
    "                       (--ca, --ca-add and --ca-dir apply to every client)\n"
    "  --client CLIENT:OPTION[=VALUE]  what one client was given (repeatable;\n"
    "                       docs/clients.md): node:ca=FILE, node:extra-ca=FILE\n"
    "                       (NODE_EXTRA_CA_CERTS), node:use-openssl-ca, openssl:cafile=FILE,\n"
    "                       openssl:capath=DIR, curl:cacert=FILE, curl:capath=DIR,\n"
    "                       python:cafile=FILE, python:capath=DIR, go:roots=FILE,\n"
    "                       java:truststore=FILE (a JKS or PKCS#12 keystore)\n"
    "  --system-ca-add FILE a private root installed in the machine's store\n"
    "                       (update-ca-certificates): not read by Node's bundled roots\n"
    "  --ssl-cert-file FILE the clients ran with SSL_CERT_FILE=FILE (openssl, curl, Python,\n"
    "                       Go, node --use-openssl-ca read it; Java and Node do not)\n"
    "  --ssl-cert-dir DIR   the clients ran with SSL_CERT_DIR=DIR (as above)\n"
    "  --no-diagnose        only the connection records: no certificate parsing,\n"
    "                       verification, findings or client_errors\n"
    "  --state FILE         add every TLS connection to the SQLite history FILE (made if\n"
    "                       missing): chains, versions, outcomes per server; findings\n"
    "                       chain-changed and new-failure-mode (docs/state.md)\n"
    "  --expiry-warn DAYS   finding expiry-soon when a certificate sent expires within DAYS\n"
    "                       of the handshake's capture time (default 30; 0: off)\n";

bool analysis_config_init(struct analysis_config *cfg, int argc)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->diagnose = true;
	cfg->expiry_warn_days = ANALYSIS_EXPIRY_WARN_DAYS;
	size_t n = argc > 0 ? (size_t)argc : 1;
	cfg->trust.ca_files = calloc(n, sizeof(char *));
	cfg->trust.ca_add_files = calloc(n, sizeof(char *));
	cfg->trust.ca_dirs = calloc(n, sizeof(char *));
	cfg->client_trust.ca_files = calloc(n, sizeof(char *));
	cfg->client_trust.client_auth = true;
	cfg->trust.system_add_files = calloc(n, sizeof(char *));
	cfg->read_files = calloc(n, sizeof(char *));
	cfg->keylog_paths = calloc(n, sizeof(char *));
	return cfg->trust.ca_files && cfg->trust.ca_add_files && cfg->trust.ca_dirs &&
	       cfg->client_trust.ca_files && cfg->trust.system_add_files && cfg->read_files &&
	       cfg->keylog_paths;
}

void analysis_config_free(struct analysis_config *cfg)
{
	expect_free(&cfg->rules);
	keylog_free(cfg->keylog);
	free(cfg->trust.ca_files);
	free(cfg->trust.ca_add_files);
	free(cfg->trust.ca_dirs);
	free(cfg->client_trust.ca_files);
	free(cfg->trust.system_add_files);
	free(cfg->read_files);
	free(cfg->keylog_paths);
	memset(cfg, 0, sizeof(*cfg));
}

/* --keylog FILE: add its lines to *kl (made on first use). A file with
 * nothing usable is an error; lines that do not parse only a warning. */
static bool load_keylog(struct keylog **kl, const char *path, size_t cap)
{
	char err[1200];
	if (!*kl && !(*kl = keylog_new())) {
		fprintf(stderr, "tlsscope: out of memory\n");
		return false;
	}
	keylog_set_max_bytes(*kl, ts_budget_part_cap(cap ? cap : FLOW_DEFAULT_MEMORY_CAP, TS_BUDGET_KEYLOG));
	struct keylog_stats before = *keylog_stats(*kl);
	if (keylog_load_file(*kl, path, err, sizeof(err)) != TS_OK) {
		fprintf(stderr, "tlsscope: --keylog %s\n", err);
		return false;
	}
	const struct keylog_stats *st = keylog_stats(*kl);
	if (st->bad_lines > before.bad_lines && !before.bad_lines)
		fprintf(
		    stderr,
		    "tlsscope: warning: --keylog %s: %llu lines not understood (the first is line %llu)\n",
		    path, (unsigned long long)st->bad_lines,
		    (unsigned long long)(st->first_bad_line - before.lines));
	else if (st->bad_lines > before.bad_lines)
		fprintf(stderr, "tlsscope: warning: --keylog %s: %llu lines not understood\n", path,
		        (unsigned long long)(st->bad_lines - before.bad_lines));
	if (st->file_cut && !before.file_cut)
		fprintf(stderr, "tlsscope: warning: --keylog %s: only the first %u MiB were read\n", path,
		        KEYLOG_MAX_FILE_BYTES >> 20);
	if (st->dropped > before.dropped)
		fprintf(stderr,
		        "tlsscope: warning: --keylog: more than %zu connections (the key log's share of "
		        "--memory-cap); the rest were ignored\n",
		        keylog_max_entries(*kl));
	return true;
}

int analysis_config_option(struct analysis_config *cfg, int code, const char *arg)
{
	char err[1200];
	uint64_t v;
	if (code == OPT_KEYLOG || code == OPT_EXPECT_FILE || code == OPT_CA || code == OPT_CA_ADD ||
	    code == OPT_CLIENT_CA || code == OPT_SYSTEM_CA_ADD || code == OPT_SSL_CERT_FILE)
		cfg->read_files[cfg->read_file_count++] = (char *)arg; /* one per option: argc bounds them */
	switch (code) {
	case OPT_ALL:
		cfg->engine.report_all = true;
		return 1;
	case OPT_MEMORY_CAP:
		/* Below 1 MiB nothing useful fits; past 1 TiB is a typo, not a machine. */
		if (!cli_parse_size("--memory-cap", arg, 1u << 20, 1ull << 40, &v))
			return -1;
		cfg->engine.memory_cap = (size_t)v;
		return 1;
	case OPT_IDLE_TIMEOUT:
		if (!cli_parse_number("--idle-timeout", arg, 1, 86400 * 7, &v))
			return -1;
		cfg->engine.idle_timeout_s = (int)v;
		return 1;
	case OPT_EXPECT:
		if (!expect_add(&cfg->rules, arg, err, sizeof(err))) {
			fprintf(stderr, "tlsscope: --expect %s\n", err);
			return -1;
		}
		return 1;
	case OPT_EXPECT_FILE:
		if (!expect_add_file(&cfg->rules, arg, err, sizeof(err))) {
			fprintf(stderr, "tlsscope: --expect-file %s\n", err);
			return -1;
		}
		return 1;
	case OPT_CA:
		cfg->trust.ca_files[cfg->trust.ca_file_count++] = arg;
		return 1;
	case OPT_CA_ADD:
		cfg->trust.ca_add_files[cfg->trust.ca_add_file_count++] = arg;
		return 1;
	case OPT_CA_DIR:
		cfg->trust.ca_dirs[cfg->trust.ca_dir_count++] = arg;
		return 1;
	case OPT_CLIENT_CA:
		cfg->client_trust.ca_files[cfg->client_trust.ca_file_count++] = arg;
		return 1;
	case OPT_SYSTEM_CA_ADD:
		cfg->trust.system_add_files[cfg->trust.system_add_file_count++] = arg;
		return 1;
	case OPT_CLIENT:
		if (!client_trust_parse(&cfg->clients, arg, err, sizeof(err))) {
			fprintf(stderr, "tlsscope: --client %s\n", err);
			return -1;
		}
		return 1;
	case OPT_SSL_CERT_FILE:
		cfg->clients.ssl_cert_file = arg;
		return 1;
	case OPT_SSL_CERT_DIR:
		cfg->clients.ssl_cert_dir = arg;
		return 1;
	case OPT_NO_DIAGNOSE:
		cfg->diagnose = false;
		return 1;
	case OPT_STATE:
		cfg->state_path = arg;
		return 1;
	case OPT_EXPIRY_WARN:
		/* Ten years: past it every certificate in use would warn. */
		if (!cli_parse_number("--expiry-warn", arg, 0, 3650, &v))
			return -1;
		cfg->expiry_warn_days = (int)v;
		return 1;
	case OPT_KEYLOG:
		/* read once every option is known: the key log's share depends on --memory-cap */
		cfg->keylog_paths[cfg->keylog_path_count++] = arg;
		return 1;
	default:
		return 0;
	}
}

int analysis_getopt(struct analysis_config *cfg, int argc, char **argv, const char *shortopts,
                    const struct option *longopts)
{
	int c;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		int shared = analysis_config_option(cfg, c, optarg);
		if (shared < 0)
			return ANALYSIS_OPTION_BAD;
		if (shared == 0)
			return c;
	}
	for (size_t i = 0; i < cfg->keylog_path_count; i++) {
		if (!load_keylog(&cfg->keylog, cfg->keylog_paths[i], cfg->engine.memory_cap))
			return ANALYSIS_OPTION_BAD;
		cfg->engine.keylog = cfg->keylog;
	}
	cfg->keylog_path_count = 0; /* loaded */
	return -1;
}

bool parse_color(const char *when)
{
	if (!strcmp(when, "auto") || !strcmp(when, "always") || !strcmp(when, "never"))
		return true;
	fprintf(stderr, "tlsscope: --color: '%s' is not auto, always or never\n", when);
	return false;
}

bool color_wanted(const char *when, FILE *fp)
{
	return !strcmp(when, "always") ||
	       (!strcmp(when, "auto") && isatty(fileno(fp)) && !getenv("NO_COLOR"));
}

bool parse_json_detail(const char *arg, enum json_detail *out)
{
	if (json_detail_parse(arg, out))
		return true;
	fprintf(stderr, "tlsscope: --json-detail: '%s' is not compact or full\n", arg);
	return false;
}

bool parse_fail_on(const char *arg, int *out)
{
	enum severity sev;
	if (!strcmp(arg, "never")) {
		*out = SEV_COUNT;
		return true;
	}
	if (severity_parse(arg, &sev)) {
		*out = (int)sev;
		return true;
	}
	fprintf(stderr, "tlsscope: --fail-on: '%s' is not info, warning, error, critical or never\n", arg);
	return false;
}

struct pipeline *analysis_start(const struct analysis_config *cfg, pipeline_sink_fn sink, void *user)
{
	char err[1200];
	struct pipeline_options opts = {.engine = cfg->engine,
	                                .rules = &cfg->rules,
	                                .trust = cfg->trust,
	                                .client_trust = cfg->client_trust,
	                                .clients = cfg->clients,
	                                .diagnose = cfg->diagnose,
	                                .expiry_warn_days = cfg->expiry_warn_days,
	                                .drop_records_when_full = cfg->drop_records_when_full};
	struct pipeline *p;
	if (pipeline_new(&opts, sink, user, &p, err, sizeof(err)) != TS_OK) {
		fprintf(stderr, "tlsscope: %s\n", err);
		return NULL;
	}
	struct state_store *state = NULL;
	if (cfg->state_path && !(state = state_store_open(cfg->state_path, err, sizeof(err)))) {
		fprintf(stderr, "tlsscope: --state %s\n", err);
		pipeline_free(p);
		return NULL;
	}
	pipeline_keep_state(p, state);
	return p;
}

bool analysis_read_file(struct pipeline *p, uint32_t file_index, const char *name, struct capture_info *info)
{
	unsigned empty_before = pipeline_empty_inputs(p);
	enum ts_status st = pipeline_read_file(p, file_index, name, info);
	char why[4 * sizeof(info->error)]; /* may quote the file's bytes */
	text_escape(info->error, why, sizeof(why));
	if (st != TS_OK) {
		fprintf(stderr, "tlsscope: %s\n", why);
		return false;
	}
	if (info->truncated || info->interrupted)
		fprintf(stderr, "tlsscope: warning: %s; the packets before it were analysed\n", why);
	if (pipeline_empty_inputs(p) != empty_before) {
		char shown[4 * 256];
		text_escape(strcmp(name, "-") ? name : "standard input", shown, sizeof(shown));
		fprintf(stderr, "tlsscope: warning: %s: no connection in %llu frames%s\n", shown,
		        (unsigned long long)info->frames,
		        info->frames ? ""
		                     : " (a tcpdump stopped before it wrote its buffer? use tcpdump -U)");
	}
	return true;
}

void analysis_drain(struct pipeline *p)
{
	pipeline_drain(p);
	const char *state_error = pipeline_state_error(p);
	if (state_error)
		fprintf(stderr, "tlsscope: --state: %s; the records before it are kept\n", state_error);
	if (pipeline_keylog_unused(p))
		fprintf(stderr, "tlsscope: warning: --keylog: no connection in the capture is in the key log "
		                "(a key log from another client or run?)\n");
}
