/*
 * main.c - the tlsscope command line: argument parsing, input files, and the
 * choice of output. Everything else lives in the library.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "cert_cache.h"
#include "cert_export.h"
#include "diagnose.h"
#include "engine.h"
#include "jsonw.h"
#include "keylog.h"
#include "output_queue.h"
#include "report.h"
#include "ts_limits.h"

#define EXIT_USAGE 2
#define EXIT_FINDINGS 1

struct cli {
	bool json;
	bool summary;
	FILE *out;
	struct jsonw w;
	struct report_inputs inputs;
	bool write_failed;
	struct output_queue *queue; /* NULL: records are written inline */
	struct diag_context diag;   /* used only by the thread that writes */
	struct diagnosis dg;
	bool diagnose;              /* --no-diagnose turns it off */
	FILE *json_file;            /* --json-file: JSON Lines there as well */
	struct jsonw wf;
	struct cert_export export;  /* --export-certs */
	int fail_on;                /* severity that makes the exit status 1; SEV_COUNT: never */
	struct text_report *text;   /* the text report being gathered (text mode) */
	int worst;                  /* worst finding severity reported, -1 if none (writer thread) */
};

/* Records waiting for the writer thread: enough to ride out bursts, few
 * enough that their memory does not matter. */
#define CLI_OUTPUT_SLOTS 64

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: tlsscope analyze [options] FILE...   (FILE may be - for standard input)\n"
		"       tlsscope --version | --help\n"
		"\n"
		"options for analyze:\n"
		"  --json               JSON Lines: one object per connection, then a summary object\n"
		"  -o, --output FILE    write the report to FILE instead of standard output\n"
		"  --all                report every TCP connection, not only TLS ones\n"
		"  --no-summary         leave out the summary\n"
		"  --problems-only      text report: leave out the healthy connections\n"
		"  --color=WHEN         text report colours: auto (a terminal), always, never\n"
		"  --json-file FILE     also write JSON Lines to FILE (with the text report on stdout)\n"
		"  --export-certs DIR   write each distinct certificate to DIR/<sha256>.pem and\n"
		"                       DIR/index.tsv (connection to certificates)\n"
		"  --memory-cap SIZE    cap on connection state (e.g. 64M; default 256M); the\n"
		"                       least recently active connections are ended past it\n"
		"  --idle-timeout SECS  end a quiet connection after SECS of capture time (default 300)\n"
		"  --keylog FILE        NSS key log (SSLKEYLOGFILE; repeatable): decrypt TLS 1.3\n"
		"                       handshakes (the certificate) and TLS 1.2 encrypted alerts\n"
		"\n"
		"diagnosis:\n"
		"  --expect NAME[,NAME...]               names every server must present\n"
		"  --expect IP[:PORT]=NAME[,NAME...]     names one server must present (repeatable)\n"
		"  --expect-file FILE   one --expect rule per line ('#' comments)\n"
		"  --ca FILE            trust only the CA certificates in FILE (PEM; repeatable), like\n"
		"                       Node's ca option or curl --cacert\n"
		"  --ca-add FILE        trust FILE's CA certificates as well as the system store\n"
		"  --ca-dir DIR         trust a hashed CA directory (c_rehash layout)\n"
		"  --fail-on SEVERITY   exit 1 when a finding is at least SEVERITY: info, warning,\n"
		"                       error (the default), critical, or never\n"
		"  --no-diagnose        only the connection records: no certificate parsing,\n"
		"                       verification, findings or client_errors\n"
		"See tlsscope(1) and docs/json.md.\n");
}

/* One connection as a JSON line into fp (an error object if too large). */
static bool write_json_line(struct jsonw *w, FILE *fp, const struct conn *c, const struct diagnosis *dg,
			    const struct report_inputs *in)
{
	report_json_conn(w, c, dg, in);
	if (w->failed) {
		/* Larger than JSONW_MAX_BYTES: say so in the stream rather than drop it. */
		jw_reset(w);
		jw_object_begin(w, NULL);
		jw_ascii(w, "type", "error");
		jw_uint(w, "id", c->id);
		jw_ascii(w, "error", "record larger than the JSON writer's limit");
		jw_object_end(w);
	}
	return jw_flush_line(w, fp);
}

static void write_conn(struct conn *c, void *user)
{
	struct cli *cli = user;
	const struct diagnosis *dg = NULL;
	if (cli->diagnose) {
		diagnose_conn(&cli->diag, c, &cli->dg);
		dg = &cli->dg;
		if (dg->finding_count && (int)dg->worst > cli->worst)
			cli->worst = (int)dg->worst;
	}
	if (cli->json) {
		if (!write_json_line(&cli->w, cli->out, c, dg, &cli->inputs))
			cli->write_failed = true;
	} else {
		text_report_add(cli->text, c, dg, &cli->inputs);
	}
	if (cli->json_file && !write_json_line(&cli->wf, cli->json_file, c, dg, &cli->inputs))
		cli->write_failed = true;
	cert_export_conn(&cli->export, c, &cli->inputs);
}

static void on_conn(struct conn *c, void *user)
{
	struct cli *cli = user;
	if (cli->queue)
		output_queue_push(cli->queue, c);
	else
		write_conn(c, cli);
}

static bool parse_size(const char *s, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return false;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end || v < (1u << 20))
		return false; /* below 1 MiB nothing useful fits */
	*out = (size_t)v;
	return true;
}

/* --keylog FILE: add its lines to *kl (made on first use). A file with
 * nothing usable is an error; lines that do not parse only a warning. */
static bool load_keylog(struct keylog **kl, const char *path)
{
	char err[1200];
	if (!*kl && !(*kl = keylog_new())) {
		fprintf(stderr, "tlsscope: out of memory\n");
		return false;
	}
	struct keylog_stats before = *keylog_stats(*kl);
	if (keylog_load_file(*kl, path, err, sizeof(err)) != TS_OK) {
		fprintf(stderr, "tlsscope: --keylog %s\n", err);
		return false;
	}
	const struct keylog_stats *st = keylog_stats(*kl);
	if (st->bad_lines > before.bad_lines && !before.bad_lines)
		fprintf(stderr, "tlsscope: warning: --keylog %s: %llu lines not understood (the first is line %llu)\n",
			path, (unsigned long long)st->bad_lines, (unsigned long long)(st->first_bad_line - before.lines));
	else if (st->bad_lines > before.bad_lines)
		fprintf(stderr, "tlsscope: warning: --keylog %s: %llu lines not understood\n", path,
			(unsigned long long)(st->bad_lines - before.bad_lines));
	if (st->file_cut && !before.file_cut)
		fprintf(stderr, "tlsscope: warning: --keylog %s: only the first %u MiB were read\n", path,
			KEYLOG_MAX_FILE_BYTES >> 20);
	if (st->dropped > before.dropped)
		fprintf(stderr, "tlsscope: warning: --keylog: more than %u connections; the rest were ignored\n",
			KEYLOG_MAX_ENTRIES);
	return true;
}

static int cmd_analyze(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		{ "all", no_argument, NULL, 'a' },
		{ "no-summary", no_argument, NULL, 'S' },
		{ "memory-cap", required_argument, NULL, 'm' },
		{ "idle-timeout", required_argument, NULL, 't' },
		{ "expect", required_argument, NULL, 'e' },
		{ "expect-file", required_argument, NULL, 'E' },
		{ "ca", required_argument, NULL, 'c' },
		{ "ca-add", required_argument, NULL, 'A' },
		{ "ca-dir", required_argument, NULL, 'D' },
		{ "no-diagnose", no_argument, NULL, 'N' },
		{ "json-file", required_argument, NULL, 'J' },
		{ "fail-on", required_argument, NULL, 'F' },
		{ "problems-only", no_argument, NULL, 'P' },
		{ "color", required_argument, NULL, 'C' },
		{ "export-certs", required_argument, NULL, 'X' },
		{ "keylog", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { .summary = true, .out = stdout, .diagnose = true, .fail_on = SEV_ERROR, .worst = -1 };
	struct engine_options eo = { 0 };
	const char *output = NULL, *json_file = NULL, *export_dir = NULL, *color = "auto";
	bool problems_only = false;
	struct expect_rules rules = { 0 };
	struct trust_options to = { 0 };
	const char **ca = calloc((size_t)argc, sizeof(*ca)), **ca_add = calloc((size_t)argc, sizeof(*ca_add));
	const char **ca_dir = calloc((size_t)argc, sizeof(*ca_dir));
	struct engine *e = NULL;
	struct keylog *keylog = NULL;
	char err[1200];
	int status = 0;
	int c;
	if (!ca || !ca_add || !ca_dir) {
		fprintf(stderr, "tlsscope: out of memory\n");
		status = EXIT_USAGE;
		goto out;
	}
	to.ca_files = ca;
	to.ca_add_files = ca_add;
	to.ca_dirs = ca_dir;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': cli.json = true; break;
		case 'o': output = optarg; break;
		case 'a': eo.report_all = true; break;
		case 'S': cli.summary = false; break;
		case 'm':
			if (!parse_size(optarg, &eo.memory_cap)) {
				fprintf(stderr, "tlsscope: --memory-cap: '%s' is not a size of at least 1M\n", optarg);
				{ status = EXIT_USAGE; goto out; }
			}
			break;
		case 't': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v <= 0 || v > 86400 * 7) {
				fprintf(stderr, "tlsscope: --idle-timeout: '%s' is not a number of seconds\n", optarg);
				{ status = EXIT_USAGE; goto out; }
			}
			eo.idle_timeout_s = (int)v;
			break;
		}
		case 'e':
			if (!expect_add(&rules, optarg, err, sizeof(err))) {
				fprintf(stderr, "tlsscope: --expect %s\n", err);
				{ status = EXIT_USAGE; goto out; }
			}
			break;
		case 'E':
			if (!expect_add_file(&rules, optarg, err, sizeof(err))) {
				fprintf(stderr, "tlsscope: --expect-file %s\n", err);
				{ status = EXIT_USAGE; goto out; }
			}
			break;
		case 'c': ca[to.ca_file_count++] = optarg; break;
		case 'A': ca_add[to.ca_add_file_count++] = optarg; break;
		case 'D': ca_dir[to.ca_dir_count++] = optarg; break;
		case 'N': cli.diagnose = false; break;
		case 'J': json_file = optarg; break;
		case 'P': problems_only = true; break;
		case 'C':
			if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never")) {
				fprintf(stderr, "tlsscope: --color: '%s' is not auto, always or never\n", optarg);
				{ status = EXIT_USAGE; goto out; }
			}
			color = optarg;
			break;
		case 'F': {
			enum severity sev;
			if (!strcmp(optarg, "never")) {
				cli.fail_on = SEV_COUNT;
			} else if (severity_parse(optarg, &sev)) {
				cli.fail_on = (int)sev;
			} else {
				fprintf(stderr, "tlsscope: --fail-on: '%s' is not info, warning, error, critical or never\n",
					optarg);
				{ status = EXIT_USAGE; goto out; }
			}
			break;
		}
		case 'X': export_dir = optarg; break;
		case 'K':
			if (!load_keylog(&keylog, optarg)) {
				status = EXIT_USAGE;
				goto out;
			}
			eo.keylog = keylog;
			break;
		case 'h': usage(stdout); goto out;
		default: usage(stderr); status = EXIT_USAGE; goto out;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "tlsscope: analyze needs at least one capture file (or - for standard input)\n");
		{ status = EXIT_USAGE; goto out; }
	}
	cli.diag.trust = trust_store_new(&to, err, sizeof(err));
	if (!cli.diag.trust) {
		fprintf(stderr, "tlsscope: %s\n", err);
		{ status = EXIT_USAGE; goto out; }
	}
	cli.diag.cache = cert_cache_new(0);
	cli.diag.rules = &rules;
	if (output) {
		cli.out = fopen(output, "w");
		if (!cli.out) {
			fprintf(stderr, "tlsscope: %s: cannot write: %s\n", output, strerror(errno));
			{ status = EXIT_USAGE; goto out; }
		}
	}
	if (json_file) {
		cli.json_file = fopen(json_file, "w");
		if (!cli.json_file) {
			fprintf(stderr, "tlsscope: %s: cannot write: %s\n", json_file, strerror(errno));
			{ status = EXIT_USAGE; goto out; }
		}
		static char jbuf[1u << 20];
		setvbuf(cli.json_file, jbuf, _IOFBF, sizeof(jbuf));
	}
	if (export_dir && !cert_export_open(&cli.export, export_dir, err, sizeof(err))) {
		fprintf(stderr, "tlsscope: --export-certs %s\n", err);
		{ status = EXIT_USAGE; goto out; }
	}
	/* Colour only for a person at a terminal (and not when NO_COLOR is set). */
	cli.inputs.color = !cli.json && (!strcmp(color, "always") ||
					 (!strcmp(color, "auto") && isatty(fileno(cli.out)) && !getenv("NO_COLOR")));
	if (!cli.json) {
		cli.text = text_report_new(problems_only);
		if (!cli.text) {
			fprintf(stderr, "tlsscope: cannot make a temporary file for the text report\n");
			{ status = EXIT_USAGE; goto out; }
		}
	}
	static char outbuf[1u << 20]; /* glibc ignores a size given without a buffer */
	setvbuf(cli.out, outbuf, _IOFBF, sizeof(outbuf));
	size_t nfiles = (size_t)(argc - optind);
	cli.inputs.names = (const char **)(argv + optind);
	cli.inputs.count = nfiles;
	cli.inputs.info = calloc(nfiles, sizeof(*cli.inputs.info));
	jw_init(&cli.w);
	jw_init(&cli.wf);
	e = engine_new(&eo, on_conn, &cli);
	cli.queue = output_queue_start(CLI_OUTPUT_SLOTS, CLI_OUTPUT_SLOTS / 4, write_conn, &cli);
	if (!cli.inputs.info || !e) {
		fprintf(stderr, "tlsscope: out of memory\n");
		{ status = EXIT_USAGE; goto out; }
	}

	for (size_t i = 0; i < nfiles; i++) {
		engine_set_file(e, (uint32_t)i);
		enum ts_status st = capture_read_file(cli.inputs.names[i], e, &cli.inputs.info[i]);
		engine_flush(e);
		if (st != TS_OK) {
			fprintf(stderr, "tlsscope: %s\n", cli.inputs.info[i].error);
			status = EXIT_USAGE;
		} else if (cli.inputs.info[i].truncated) {
			fprintf(stderr, "tlsscope: warning: %s; the packets before it were analysed\n",
				cli.inputs.info[i].error);
		}
	}
	engine_flush(e);
	output_queue_finish(cli.queue); /* every record written before the summary */
	const struct ts_stats *st = engine_stats(e);
	if (keylog && !st->keylog[CONN_KEYLOG_MATCHED] && !st->keylog[CONN_KEYLOG_FAILED] &&
	    st->keylog[CONN_KEYLOG_NOT_FOUND])
		fprintf(stderr, "tlsscope: warning: --keylog: no connection in the capture is in the key log "
				"(a key log from another client or run?)\n");
	cli.queue = NULL;
	if (cli.summary) {
		if (cli.json) {
			report_json_summary(&cli.w, engine_stats(e), &cli.inputs);
			if (!jw_flush_line(&cli.w, cli.out))
				cli.write_failed = true;
		}
		if (cli.json_file) {
			report_json_summary(&cli.wf, engine_stats(e), &cli.inputs);
			if (!jw_flush_line(&cli.wf, cli.json_file))
				cli.write_failed = true;
		}
	}
	if (cli.text) {
		/* The text report opens with its summary, so it is written last. */
		if (!text_report_finish(cli.text, cli.out, cli.summary ? engine_stats(e) : NULL, &cli.inputs))
			cli.write_failed = true;
		cli.text = NULL;
	}
	bool write_ok = fflush(cli.out) == 0 && !cli.write_failed;
	if (cli.json_file) {
		write_ok = fclose(cli.json_file) == 0 && write_ok;
		cli.json_file = NULL;
	}
	if (export_dir && !cert_export_close(&cli.export)) {
		fprintf(stderr, "tlsscope: --export-certs %s: writing failed\n", export_dir);
		status = EXIT_USAGE;
	}
	if (output) {
		write_ok = fclose(cli.out) == 0 && write_ok;
		output = NULL; /* closed */
	}
	if (!write_ok) {
		fprintf(stderr, "tlsscope: writing the report failed: %s\n", strerror(errno));
		status = EXIT_USAGE;
	}
	/* Unusable input (2) outranks findings (1): a CI job must see both apart. */
	if (status == 0 && cli.fail_on < SEV_COUNT && cli.worst >= cli.fail_on)
		status = EXIT_FINDINGS;
out:
	/* One way out, so every early error frees what was made before it. */
	output_queue_finish(cli.queue);
	engine_free(e);
	keylog_free(keylog);
	jw_free(&cli.w);
	jw_free(&cli.wf);
	text_report_discard(cli.text);
	if (cli.json_file)
		fclose(cli.json_file);
	cert_export_close(&cli.export);
	free(cli.inputs.info);
	cert_cache_free(cli.diag.cache);
	trust_store_free(cli.diag.trust);
	expect_free(&rules);
	free(ca);
	free(ca_add);
	free(ca_dir);
	if (output && cli.out)
		fclose(cli.out);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("tlsscope 0.1.0\n");
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "analyze"))
		return cmd_analyze(argc - 1, argv + 1);
	fprintf(stderr, "tlsscope: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
