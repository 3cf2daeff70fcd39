/*
 * cli_servers.c - `tlsscope servers`: its options, and the rows of the
 * state file (state_servers.h) handed to the outputs (report_servers.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli_analysis.h"
#include "cli_completion.h"
#include "cli_number.h"
#include "cli_same_file.h"
#include "cli_servers.h"
#include "jsonw.h"
#include "report_servers.h"
#include "state_servers.h"

const char servers_usage[] =
    "usage: tlsscope servers --state FILE [options]   (the estate report of a state file)\n"
    "\n"
    "options for servers:\n"
    "  --state FILE         the SQLite history written by analyze/live --state (read only)\n"
    "  --json               JSON Lines: one object per server (docs/state.md)\n"
    "  -o, --output FILE    write to FILE instead of standard output\n"
    "  --html FILE          also write a self-contained HTML page to FILE\n"
    "  --expiry-warn DAYS   mark chains expiring within DAYS of their last sighting (default 30)\n";

enum servers_option { OPT_SERVERS_STATE = 1000, OPT_SERVERS_JSON, OPT_SERVERS_HTML, OPT_SERVERS_EXPIRY_WARN };

/* The options of `servers`, also the source of the shell completions (cli_completion.c). */
const struct option servers_long_options[] = {
    {"state", required_argument, NULL, OPT_SERVERS_STATE},
    {"json", no_argument, NULL, OPT_SERVERS_JSON},
    {"output", required_argument, NULL, 'o'},
    {"html", required_argument, NULL, OPT_SERVERS_HTML},
    {"expiry-warn", required_argument, NULL, OPT_SERVERS_EXPIRY_WARN},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};
const char servers_short_options[] = "o:h";

struct servers_run {
	FILE *out;
	bool json;
	int warn_days;
	struct jsonw w;
	struct servers_html *html;
	bool write_failed;
};

static bool each_server(const struct state_server *s, void *user)
{
	struct servers_run *r = user;
	if (r->json) {
		servers_json(&r->w, s);
		if (!jw_flush_line(&r->w, r->out))
			r->write_failed = true;
	} else {
		servers_text(r->out, s, r->warn_days);
	}
	if (r->html && !servers_html_add(r->html, s))
		r->write_failed = true;
	return !r->write_failed;
}

int cmd_servers(int argc, char **argv)
{
	struct servers_run run = {.out = stdout, .warn_days = ANALYSIS_EXPIRY_WARN_DAYS};
	const char *state = NULL, *output = NULL, *html_file = NULL;
	FILE *html_fp = NULL;
	int status = 0, c;
	uint64_t v;
	jw_init(&run.w);
	optind = 1;
	while ((c = getopt_long(argc, argv, servers_short_options, servers_long_options, NULL)) != -1) {
		switch (c) {
		case OPT_SERVERS_STATE:
			state = optarg;
			break;
		case OPT_SERVERS_JSON:
			run.json = true;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_SERVERS_HTML:
			html_file = optarg;
			break;
		case OPT_SERVERS_EXPIRY_WARN:
			if (!cli_parse_number("--expiry-warn", optarg, 0, 3650, &v)) {
				status = EXIT_USAGE;
				goto out;
			}
			run.warn_days = (int)v;
			break;
		case 'h':
			fputs(servers_usage, stdout);
			goto out;
		default:
			fputs(servers_usage, stderr);
			status = EXIT_USAGE;
			goto out;
		}
	}
	if (!state || optind != argc) {
		fprintf(stderr, "tlsscope: servers needs --state FILE and nothing else\n");
		fputs(servers_usage, stderr);
		status = EXIT_USAGE;
		goto out;
	}
	char *inputs[] = {(char *)state};
	if (!cli_output_not_input("-o", output, inputs, 1) ||
	    !cli_output_not_input("--html", html_file, inputs, 1)) {
		status = EXIT_USAGE;
		goto out;
	}
	if (output && !(run.out = fopen(output, "w"))) {
		fprintf(stderr, "tlsscope: %s: cannot write: %s\n", output, strerror(errno));
		run.out = stdout;
		status = EXIT_USAGE;
		goto out;
	}
	if (html_file) {
		html_fp = fopen(html_file, "w");
		run.html = html_fp ? servers_html_new(run.warn_days) : NULL;
		if (!run.html) {
			fprintf(stderr, "tlsscope: %s: cannot write: %s\n", html_file,
			        html_fp ? "no temporary file for the HTML page" : strerror(errno));
			status = EXIT_USAGE;
			goto out;
		}
	}
	char err[1200];
	if (!state_servers_read(state, each_server, &run, err, sizeof(err))) {
		if (err[0])
			fprintf(stderr, "tlsscope: --state %s\n", err);
		status = EXIT_USAGE;
		goto out;
	}
	if (run.html) {
		bool ok = servers_html_finish(run.html, html_fp, state);
		run.html = NULL;
		if (!ok)
			run.write_failed = true;
	}
	if (fflush(run.out) != 0)
		run.write_failed = true;
out:
	if (run.write_failed) {
		fprintf(stderr, "tlsscope: servers: a write failed\n");
		status = EXIT_USAGE;
	}
	servers_html_discard(run.html);
	if (html_fp && fclose(html_fp) != 0 && !status) {
		fprintf(stderr, "tlsscope: %s: cannot write\n", html_file);
		status = EXIT_USAGE;
	}
	if (run.out != stdout)
		fclose(run.out);
	jw_free(&run.w);
	return status;
}
