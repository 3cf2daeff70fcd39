/*
 * main.c - the tlsscope command line: argument parsing, input files, and the
 * choice of output. Everything else lives in the library.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cert_export.h"
#include "cli_analysis.h"
#include "cli_completion.h"
#include "cli_tui.h"
#include "cli_version.h"
#include "cli_live.h"
#include "cli_diff.h"
#include "cli_same_file.h"
#include "jsonw.h"
#include "report_json.h"
#include "report_text.h"
#include "report_html.h"
#include "report_rollup.h"

/* The outputs of `analyze`: the text report or JSON Lines, and the extras. */
struct analyze_outputs {
	bool json;
	FILE *out;
	struct jsonw w;
	struct report_inputs inputs;
	bool write_failed;
	FILE *json_file; /* --json-file: JSON Lines there as well */
	struct jsonw wf;
	struct cert_export export; /* --export-certs */
	struct text_report *text;  /* the text report being gathered (text mode) */
	struct html_report *html;  /* --html: the page being gathered */
	struct rollup *rollup;     /* the roll-up both the text and HTML reports show */
};

static void usage(FILE *fp)
{
	fprintf(fp,
	        "usage: tlsscope analyze [options] FILE...   (FILE may be - for standard input)\n"
	        "       tlsscope tui [analysis options] FILE...   (the curses view; tlsscope tui --help)\n"
	        "       tlsscope diff [options] GOOD BAD     (what differs; tlsscope diff --help)\n"
	        "%s"
	        "       tlsscope --version | --help\n"
	        "\n"
	        "options for analyze:\n"
	        "  --json               JSON Lines: one object per connection, then a summary object\n"
	        "  -o, --output FILE    write the report to FILE instead of standard output\n"
	        "  --no-summary         leave out the summary\n"
	        "  --problems-only      text report: leave out the healthy connections\n"
	        "  --color=WHEN         text report colours: auto (a terminal), always, never\n"
	        "  --json-file FILE     also write JSON Lines to FILE (with the text report on stdout)\n"
	        "  --html FILE          also write a self-contained HTML report to FILE (charts, a\n"
	        "                       sortable table, handshake ladders, certificate chains)\n"
	        "  --export-certs DIR   write each distinct certificate to DIR/<sha256>.pem and\n"
	        "                       DIR/index.tsv (connection to certificates)\n"
	        "  --fail-on SEVERITY   exit 1 when a finding is at least SEVERITY: info, warning,\n"
	        "                       error (the default), critical, or never\n"
	        "%s"
	        "See tlsscope(1) and docs/json.md; tlsscope live --help for live capture.\n",
	        live_usage, analysis_options_help);
}

static void write_conn(const struct conn *c, const struct diagnosis *dg, void *user)
{
	struct analyze_outputs *o = user;
	if (o->json) {
		if (!json_conn_line(&o->w, o->out, c, dg, &o->inputs))
			o->write_failed = true;
	} else {
		text_report_add(o->text, c, dg, &o->inputs);
	}
	if (o->json_file && !json_conn_line(&o->wf, o->json_file, c, dg, &o->inputs))
		o->write_failed = true;
	html_report_add(o->html, c, dg, &o->inputs);
	rollup_add(o->rollup, c, dg);
	cert_export_conn(&o->export, c, &o->inputs);
}

/* Columns of the terminal the report goes to; 0 (no wrapping) for a file or pipe. */
static int terminal_width(FILE *fp)
{
	struct winsize ws;
	if (!isatty(fileno(fp)))
		return 0;
	if (ioctl(fileno(fp), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		return ws.ws_col;
	const char *cols = getenv("COLUMNS");
	int n = cols ? atoi(cols) : 0;
	return n >= 40 ? n : 80;
}

/* Set by SIGINT/SIGTERM: stop reading, then report what was read. */
static volatile sig_atomic_t analyze_stop;

static void on_stop_signal(int sig)
{
	(void)sig;
	analyze_stop = 1;
}

/* No SA_RESTART, so a read blocked on a pipe returns EINTR; SA_RESETHAND, so
 * a second Ctrl-C ends tlsscope at once. */
static void catch_stop_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = (int)SA_RESETHAND; /* glibc's unsigned 0x80000000 into an int: the same bit */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* The writer thread must not take the signal, or the blocked read goes on. */
static void block_stop_signals(bool block)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/* Progress on a terminal: one line, rewritten in place. */
static void show_progress(void *user, uint64_t bytes_read, uint64_t bytes_total, uint64_t frames)
{
	const char *name = user;
	if (bytes_total)
		fprintf(stderr, "\rtlsscope: %s: %3u%% (%llu frames)", name,
		        (unsigned)(bytes_read * 100 / bytes_total), (unsigned long long)frames);
	else
		fprintf(stderr, "\rtlsscope: %s: %llu frames", name, (unsigned long long)frames);
	fflush(stderr);
}

static FILE *open_output(const char *path)
{
	FILE *fp = fopen(path, "w");
	if (!fp)
		fprintf(stderr, "tlsscope: %s: cannot write: %s\n", path, strerror(errno));
	return fp;
}

/* Every output of analyze against every file it reads, before any is opened. */
static bool outputs_not_inputs(const char *output, const char *json_file, const char *html_file,
                               const char *export_dir, char *const *inputs, size_t n)
{
	char index[4096];
	if (export_dir)
		snprintf(index, sizeof(index), "%s/index.tsv", export_dir);
	return cli_output_not_input("-o", output, inputs, n) &&
	       cli_output_not_input("--json-file", json_file, inputs, n) &&
	       cli_output_not_input("--html", html_file, inputs, n) &&
	       cli_output_not_input("--export-certs", export_dir ? index : NULL, inputs, n);
}

enum analyze_option_code {
	OPT_JSON = OPT_ANALYSIS_LAST + 1,
	OPT_NO_SUMMARY,
	OPT_JSON_FILE,
	OPT_FAIL_ON,
	OPT_PROBLEMS_ONLY,
	OPT_COLOR,
	OPT_EXPORT_CERTS,
	OPT_HTML,
};

/* The options of `analyze`, also the source of the shell completions (cli_completion.c). */
const struct option analyze_long_options[] = {
    ANALYSIS_LONG_OPTIONS,
    {"json", no_argument, NULL, OPT_JSON},
    {"output", required_argument, NULL, 'o'},
    {"no-summary", no_argument, NULL, OPT_NO_SUMMARY},
    {"json-file", required_argument, NULL, OPT_JSON_FILE},
    {"html", required_argument, NULL, OPT_HTML},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"problems-only", no_argument, NULL, OPT_PROBLEMS_ONLY},
    {"color", required_argument, NULL, OPT_COLOR},
    {"export-certs", required_argument, NULL, OPT_EXPORT_CERTS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};
const char analyze_short_options[] = "o:h";

static int cmd_analyze(int argc, char **argv)
{
	struct analyze_outputs o = {.out = stdout};
	struct analysis_config cfg;
	struct pipeline *a = NULL;
	const char *output = NULL, *json_file = NULL, *export_dir = NULL, *color = "auto", *html_file = NULL;
	FILE *html_fp = NULL;
	bool problems_only = false, summary = true;
	int fail_on = SEV_ERROR;
	char err[1200];
	int status = 0;
	int c;
	if (!analysis_config_init(&cfg, argc)) {
		fprintf(stderr, "tlsscope: out of memory\n");
		status = EXIT_USAGE;
		goto out;
	}
	optind = 1;
	while ((c = analysis_getopt(&cfg, argc, argv, analyze_short_options, analyze_long_options)) != -1) {
		switch (c) {
		case ANALYSIS_OPTION_BAD:
			status = EXIT_USAGE;
			goto out;
		case OPT_JSON:
			o.json = true;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_NO_SUMMARY:
			summary = false;
			break;
		case OPT_JSON_FILE:
			json_file = optarg;
			break;
		case OPT_HTML:
			html_file = optarg;
			break;
		case OPT_PROBLEMS_ONLY:
			problems_only = true;
			break;
		case OPT_COLOR:
			if (!parse_color(optarg)) {
				status = EXIT_USAGE;
				goto out;
			}
			color = optarg;
			break;
		case OPT_FAIL_ON:
			if (!parse_fail_on(optarg, &fail_on)) {
				status = EXIT_USAGE;
				goto out;
			}
			break;
		case OPT_EXPORT_CERTS:
			export_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			goto out;
		default:
			usage(stderr);
			status = EXIT_USAGE;
			goto out;
		}
	}
	if (optind >= argc) {
		fprintf(stderr,
		        "tlsscope: analyze needs at least one capture file (or - for standard input)\n");
		status = EXIT_USAGE;
		goto out;
	}
	if (!outputs_not_inputs(output, json_file, html_file, export_dir, argv + optind,
	                        (size_t)(argc - optind)) ||
	    !outputs_not_inputs(output, json_file, html_file, export_dir, cfg.read_files,
	                        cfg.read_file_count)) {
		status = EXIT_USAGE;
		goto out;
	}
	if (output && !(o.out = open_output(output))) {
		status = EXIT_USAGE;
		goto out;
	}
	if (json_file) {
		if (!(o.json_file = open_output(json_file))) {
			status = EXIT_USAGE;
			goto out;
		}
		static char jbuf[1u << 20];
		setvbuf(o.json_file, jbuf, _IOFBF, sizeof(jbuf));
	}
	if (html_file) {
		html_fp = fopen(html_file, "w");
		o.html = html_fp ? html_report_new() : NULL;
		if (!o.html) {
			fprintf(stderr, "tlsscope: %s: cannot write: %s\n", html_file,
			        html_fp ? "no temporary file for the HTML report" : strerror(errno));
			status = EXIT_USAGE;
			goto out;
		}
	}
	if (export_dir && !cert_export_open(&o.export, export_dir, err, sizeof(err))) {
		fprintf(stderr, "tlsscope: --export-certs %s\n", err);
		status = EXIT_USAGE;
		goto out;
	}
	/* Colour only for a person at a terminal (and not when NO_COLOR is set). */
	o.inputs.color = !o.json && color_wanted(color, o.out);
	o.inputs.width = o.json ? 0 : terminal_width(o.out);
	if (!o.json) {
		o.text = text_report_new(problems_only);
		if (!o.text) {
			fprintf(stderr, "tlsscope: cannot make a temporary file for the text report\n");
			status = EXIT_USAGE;
			goto out;
		}
	}
	static char outbuf[1u << 20]; /* glibc ignores a size given without a buffer */
	setvbuf(o.out, outbuf, _IOFBF, sizeof(outbuf));
	size_t nfiles = (size_t)(argc - optind);
	o.inputs.names = (const char **)(argv + optind);
	o.inputs.count = nfiles;
	o.inputs.info = calloc(nfiles, sizeof(*o.inputs.info));
	jw_init(&o.w);
	jw_init(&o.wf);
	if (!o.inputs.info) {
		fprintf(stderr, "tlsscope: out of memory\n");
		status = EXIT_USAGE;
		goto out;
	}
	block_stop_signals(true); /* inherited by the writer thread */
	if ((o.text || o.html) && !(o.rollup = rollup_new())) {
		block_stop_signals(false);
		fprintf(stderr, "tlsscope: out of memory\n");
		status = EXIT_USAGE;
		goto out;
	}
	a = analysis_start(&cfg, write_conn, &o);
	block_stop_signals(false);
	if (!a) {
		status = EXIT_USAGE;
		goto out;
	}
	catch_stop_signals();
	bool progress = isatty(STDERR_FILENO);
	struct capture_control control = {.stop = &analyze_stop, .progress = progress ? show_progress : NULL};
	pipeline_set_control(a, &control);
	for (size_t i = 0; i < nfiles && !analyze_stop; i++) {
		control.user = (void *)o.inputs.names[i];
		if (!analysis_read_file(a, (uint32_t)i, o.inputs.names[i], &o.inputs.info[i]))
			status = EXIT_USAGE;
		if (progress)
			fprintf(stderr, "\r\033[K"); /* clear the progress line */
	}
	if (analyze_stop)
		fprintf(stderr, "tlsscope: interrupted: reporting what was read so far\n");
	analysis_drain(a); /* every record written before the summary */
	const struct ts_stats *stats = engine_stats(pipeline_engine(a));
	rollup_sort(o.rollup);
	o.inputs.rollup = o.rollup;
	if (summary) {
		if (o.json) {
			report_json_summary(&o.w, stats, &o.inputs);
			if (!jw_flush_line(&o.w, o.out))
				o.write_failed = true;
		}
		if (o.json_file) {
			report_json_summary(&o.wf, stats, &o.inputs);
			if (!jw_flush_line(&o.wf, o.json_file))
				o.write_failed = true;
		}
	}
	if (o.text) {
		/* The text report opens with its summary, so it is written last. */
		if (!text_report_finish(o.text, o.out, summary ? stats : NULL, &o.inputs))
			o.write_failed = true;
		o.text = NULL;
	}
	if (o.html) {
		if (!html_report_finish(o.html, html_fp, stats, &o.inputs))
			o.write_failed = true;
		o.html = NULL;
	}
	bool write_ok = fflush(o.out) == 0 && !o.write_failed;
	if (html_fp) {
		write_ok = fclose(html_fp) == 0 && write_ok;
		html_fp = NULL;
	}
	if (o.json_file) {
		write_ok = fclose(o.json_file) == 0 && write_ok;
		o.json_file = NULL;
	}
	if (export_dir && !cert_export_close(&o.export)) {
		fprintf(stderr, "tlsscope: --export-certs %s\n", o.export.error);
		status = EXIT_USAGE;
	}
	if (output) {
		write_ok = fclose(o.out) == 0 && write_ok;
		o.out = stdout; /* closed */
	}
	if (!write_ok) {
		fprintf(stderr, "tlsscope: writing the report failed: %s\n", strerror(errno));
		status = EXIT_USAGE;
	}
	/* Unusable input (2) outranks findings (1): a CI job must see both apart. */
	if (status == 0 && fail_on < SEV_COUNT && pipeline_worst(a) >= fail_on)
		status = EXIT_FINDINGS;
	/* An input with no connection at all is an error-level problem for --fail-on. */
	if (status == 0 && fail_on <= SEV_ERROR && pipeline_empty_inputs(a))
		status = EXIT_FINDINGS;
out:
	/* One way out, so every early error frees what was made before it. */
	pipeline_free(a);
	jw_free(&o.w);
	jw_free(&o.wf);
	text_report_discard(o.text);
	html_report_discard(o.html);
	rollup_free(o.rollup);
	if (html_fp)
		fclose(html_fp);
	if (o.json_file)
		fclose(o.json_file);
	cert_export_close(&o.export);
	free(o.inputs.info);
	analysis_config_free(&cfg);
	if (o.out && o.out != stdout)
		fclose(o.out);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		cli_version_print(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "analyze"))
		return cmd_analyze(argc - 1, argv + 1);
	if (!strcmp(argv[1], "tui"))
		return cmd_tui(argc - 1, argv + 1);
	if (!strcmp(argv[1], "live"))
		return cmd_live(argc - 1, argv + 1);
	if (!strcmp(argv[1], "diff"))
		return cmd_diff(argc - 1, argv + 1);
	if (!strcmp(argv[1], "completion")) /* hidden: the build makes the installed completions */
		return cmd_completion(argc - 1, argv + 1);
	fprintf(stderr, "tlsscope: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
