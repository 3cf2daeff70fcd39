/*
 * cli_diff.c - `tlsscope diff GOOD BAD`: the command, its options, the
 * output width. The pairing, comparison and verdicts are the library's
 * (conn_diff.h), and so are the outputs (diff_report.h, diff_html.h); this
 * file runs the analysis over the two captures and hands the result on.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli_number.h"
#include "cli_same_file.h"
#include "cli_analysis.h"
#include "cli_completion.h"
#include "cli_diff.h"
#include "conn_diff.h"
#include "diff_html.h"
#include "diff_report.h"
#include "jsonw.h"

#define DIFF_DEFAULT_WIDTH 100
#define DIFF_MIN_WIDTH 60

const char diff_usage[] =
    "usage: tlsscope diff [options] GOOD BAD   (two captures: one that works, one that fails)\n"
    "\n"
    "options for diff:\n"
    "  --json               one JSON document: pairs, per-field values, verdicts, unpaired\n"
    "  -o, --output FILE    write to FILE instead of standard output\n"
    "  --html FILE          also write a self-contained HTML page to FILE: per pair the\n"
    "                       verdict, the differing fields and both handshakes side by side\n"
    "  --all-fields         text: show the fields that are equal too\n"
    "  --max-connections N  connections compared per capture (default 10000); more are counted\n"
    "\n"
    "analysis (as for analyze):\n";

struct diff_run {
	struct conn_diff diff;
	struct diff_html *html; /* --html: drawings of each group's first connection */
	struct report_inputs inputs;
};

/* On the writer thread: each finished connection into its side's groups;
 * a connection that opens a group is drawn for the page while it exists. */
static void diff_sink(const struct conn *c, const struct diagnosis *dg, void *user)
{
	struct diff_run *r = user;
	enum diff_side_index side = c->file_index == 0 ? DIFF_GOOD : DIFF_BAD;
	size_t groups = r->diff.side[side].group_count;
	if (conn_diff_add(&r->diff, side, c, dg) && r->html && r->diff.side[side].group_count > groups)
		diff_html_add_group(r->html, side, groups, c, dg, &r->inputs);
}

/* COLUMNS, else the terminal's width, else 100. */
static int output_width(FILE *out)
{
	const char *cols = getenv("COLUMNS");
	long w = 0;
	if (cols && *cols) {
		char *end;
		w = strtol(cols, &end, 10);
		if (*end)
			w = 0;
	}
	if (w <= 0 && isatty(fileno(out))) {
		struct winsize ws;
		if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0)
			w = ws.ws_col;
	}
	if (w <= 0)
		w = DIFF_DEFAULT_WIDTH;
	return w < DIFF_MIN_WIDTH ? DIFF_MIN_WIDTH : w > DIFF_TEXT_MAX_WIDTH ? DIFF_TEXT_MAX_WIDTH : (int)w;
}

/* ------------------------------------------------------------------ command */

enum diff_option_code {
	OPT_DIFF_JSON = OPT_ANALYSIS_LAST + 1,
	OPT_DIFF_ALL_FIELDS,
	OPT_DIFF_MAX_CONNECTIONS,
	OPT_DIFF_HTML,
};

/* The options of `diff`, also the source of the shell completions (cli_completion.c). */
const struct option diff_long_options[] = {
    ANALYSIS_LONG_OPTIONS,
    {"json", no_argument, NULL, OPT_DIFF_JSON},
    {"output", required_argument, NULL, 'o'},
    {"all-fields", no_argument, NULL, OPT_DIFF_ALL_FIELDS},
    {"html", required_argument, NULL, OPT_DIFF_HTML},
    {"max-connections", required_argument, NULL, OPT_DIFF_MAX_CONNECTIONS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};
const char diff_short_options[] = "o:h";

int cmd_diff(int argc, char **argv)
{
	struct analysis_config cfg;
	struct pipeline *a = NULL;
	struct diff_run run = {.html = NULL};
	struct jsonw w;
	struct capture_info info[2];
	FILE *out = stdout, *html_fp = NULL;
	const char *output = NULL, *html_file = NULL;
	bool json = false, all_fields = false;
	unsigned long max_conns = DIFF_DEFAULT_MAX_CONNS;
	int status = 0, c;
	conn_diff_init(&run.diff, 0);
	jw_init(&w);
	memset(info, 0, sizeof(info));
	if (!analysis_config_init(&cfg, argc)) {
		fprintf(stderr, "tlsscope: out of memory\n");
		status = EXIT_USAGE;
		goto out;
	}
	optind = 1;
	while ((c = analysis_getopt(&cfg, argc, argv, diff_short_options, diff_long_options)) != -1) {
		switch (c) {
		case ANALYSIS_OPTION_BAD:
			status = EXIT_USAGE;
			goto out;
		case OPT_DIFF_JSON:
			json = true;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_DIFF_ALL_FIELDS:
			all_fields = true;
			break;
		case OPT_DIFF_HTML:
			html_file = optarg;
			break;
		case OPT_DIFF_MAX_CONNECTIONS: {
			uint64_t v;
			if (!cli_parse_number("--max-connections", optarg, 1, 10000000, &v)) {
				status = EXIT_USAGE;
				goto out;
			}
			max_conns = (unsigned long)v;
			break;
		}
		case 'h':
			fputs(diff_usage, stdout);
			fputs(analysis_options_help, stdout);
			goto out;
		default:
			fputs(diff_usage, stderr);
			status = EXIT_USAGE;
			goto out;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "tlsscope: diff needs two capture files: GOOD (a run that works) and BAD "
		                "(one that fails)\n");
		status = EXIT_USAGE;
		goto out;
	}
	run.diff.max_conns = max_conns;
	const char *names[2] = {argv[optind], argv[optind + 1]};
	if (!strcmp(names[0], "-") && !strcmp(names[1], "-")) {
		fprintf(stderr, "tlsscope: diff: only one of GOOD and BAD can be standard input\n");
		status = EXIT_USAGE;
		goto out;
	}
	if (!cli_output_not_input("-o", output, argv + optind, 2) ||
	    !cli_output_not_input("--html", html_file, argv + optind, 2) ||
	    !cli_output_not_input("-o", output, cfg.read_files, cfg.read_file_count) ||
	    !cli_output_not_input("--html", html_file, cfg.read_files, cfg.read_file_count)) {
		status = EXIT_USAGE;
		goto out;
	}
	if (output && !(out = fopen(output, "w"))) {
		fprintf(stderr, "tlsscope: %s: cannot write: %s\n", output, strerror(errno));
		out = stdout;
		status = EXIT_USAGE;
		goto out;
	}
	if (html_file) {
		html_fp = fopen(html_file, "w");
		run.html = html_fp ? diff_html_new() : NULL;
		if (!run.html) {
			fprintf(stderr, "tlsscope: %s: cannot write: %s\n", html_file,
			        html_fp ? "no temporary file for the HTML page" : strerror(errno));
			status = EXIT_USAGE;
			goto out;
		}
	}
	run.inputs.names = names;
	run.inputs.info = info;
	run.inputs.count = 2;
	a = analysis_start(&cfg, diff_sink, &run);
	if (!a) {
		status = EXIT_USAGE;
		goto out;
	}
	for (uint32_t i = 0; i < 2; i++)
		if (!analysis_read_file(a, i, names[i], &info[i]))
			status = EXIT_USAGE;
	analysis_drain(a);
	if (status)
		goto out;
	if (run.diff.out_of_memory || !conn_diff_pair(&run.diff)) {
		fprintf(stderr, "tlsscope: out of memory\n");
		status = EXIT_USAGE;
		goto out;
	}
	for (int s = 0; s < 2; s++)
		if (run.diff.side[s].not_compared)
			fprintf(stderr,
			        "tlsscope: warning: %s: %llu connections past --max-connections %lu were not "
			        "compared\n",
			        names[s], (unsigned long long)run.diff.side[s].not_compared, max_conns);
	if (json) {
		diff_report_json(&w, &run.diff, names);
		if (!jw_flush_line(&w, out))
			status = EXIT_USAGE;
	} else {
		diff_report_text(out, &run.diff, names, output_width(out), all_fields);
	}
	if (run.html) {
		bool ok = diff_html_write(run.html, html_fp, &run.diff, names);
		if (fclose(html_fp) != 0 || !ok) {
			fprintf(stderr, "tlsscope: %s: writing the HTML page failed\n", html_file);
			status = EXIT_USAGE;
		}
		html_fp = NULL;
	}
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(stderr, "tlsscope: writing the diff failed: %s\n", strerror(errno));
		status = EXIT_USAGE;
	}
out:
	pipeline_free(a);
	conn_diff_free(&run.diff);
	diff_html_free(run.html);
	if (html_fp)
		fclose(html_fp);
	jw_free(&w);
	analysis_config_free(&cfg);
	if (out != stdout && fclose(out) != 0 && !status) {
		fprintf(stderr, "tlsscope: writing the diff failed: %s\n", strerror(errno));
		status = EXIT_USAGE;
	}
	return status;
}
