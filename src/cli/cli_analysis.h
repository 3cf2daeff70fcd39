/*
 * cli_analysis.h - what the commands that analyse traffic share (analyze,
 * live, tui, diff): the analysis options and the pipeline from frames to
 * diagnosed connection records.
 *
 * Part of the command line, not of the library: it parses arguments and
 * prints their errors. A command adds ANALYSIS_LONG_OPTIONS to its own
 * getopt table, hands each code it does not know to analysis_config_option(),
 * then starts the library's pipeline (pipeline.h) with a sink that receives
 * every finished connection with its diagnosis, on the writer thread, in
 * order; the wrappers here only print what the pipeline returns.
 */
#ifndef TLSSCOPE_CLI_ANALYSIS_H
#define TLSSCOPE_CLI_ANALYSIS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "capture.h"
#include "diagnose.h"
#include "engine.h"
#include "expect.h"
#include "jsonw.h"
#include "pipeline.h"
#include "report_json.h"
#include "trust.h"

#define EXIT_FINDINGS 1
#define EXIT_USAGE 2

/* getopt codes of the shared options (above any character a command uses). */
enum analysis_option_code {
	OPT_ALL = 1000,
	OPT_MEMORY_CAP,
	OPT_IDLE_TIMEOUT,
	OPT_EXPECT,
	OPT_EXPECT_FILE,
	OPT_CA,
	OPT_CA_ADD,
	OPT_CA_DIR,
	OPT_NO_DIAGNOSE,
	OPT_KEYLOG,
	OPT_STATE,
	OPT_ANALYSIS_LAST
};

#define ANALYSIS_LONG_OPTIONS                                                                                \
	{"all", no_argument, NULL, OPT_ALL}, {"memory-cap", required_argument, NULL, OPT_MEMORY_CAP},        \
	    {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},                                     \
	    {"expect", required_argument, NULL, OPT_EXPECT},                                                 \
	    {"expect-file", required_argument, NULL, OPT_EXPECT_FILE},                                       \
	    {"ca", required_argument, NULL, OPT_CA}, {"ca-add", required_argument, NULL, OPT_CA_ADD},        \
	    {"ca-dir", required_argument, NULL, OPT_CA_DIR},                                                 \
	    {"no-diagnose", no_argument, NULL, OPT_NO_DIAGNOSE},                                             \
	    {"state", required_argument, NULL, OPT_STATE},                                                   \
	{                                                                                                    \
		"keylog", required_argument, NULL, OPT_KEYLOG                                                \
	}

/* The help text of the shared options, for each command's usage. */
extern const char analysis_options_help[];

struct analysis_config {
	struct engine_options engine;
	struct expect_rules rules;
	struct trust_options trust;
	bool diagnose;             /* false with --no-diagnose */
	struct keylog *keylog;     /* --keylog files, loaded; engine.keylog points here */
	const char **keylog_paths; /* --keylog files, read when the options end (analysis_getopt) */
	size_t keylog_path_count;
	const char *state_path; /* --state FILE: the SQLite history (state_store.h), or NULL */
	/* Live: when the output is not read and the queue is full, a record is
	 * dropped (counted) rather than the capture waiting while the kernel drops packets. */
	bool drop_records_when_full;
	/* Every file the options read (--keylog, --expect-file, --ca, --ca-add):
	 * an output must not be one of them. */
	char **read_files;
	size_t read_file_count;
};

/* argc bounds how many files the repeatable options can name. False: out of memory. */
bool analysis_config_init(struct analysis_config *cfg, int argc);
void analysis_config_free(struct analysis_config *cfg);

/* 1: handled; 0: not a shared option; -1: a bad value (the message is printed). */
int analysis_config_option(struct analysis_config *cfg, int code, const char *arg);

/* getopt_long over a command's options (optind set to 1 first by the
 * caller): the shared ones are applied to cfg here; at the end the --keylog
 * files are read (their share of --memory-cap is known then). Returns the
 * next code for the command, -1 at the end, or ANALYSIS_OPTION_BAD after a
 * bad shared value or an unusable key log (its message printed). */
#define ANALYSIS_OPTION_BAD (-2)
int analysis_getopt(struct analysis_config *cfg, int argc, char **argv, const char *shortopts,
                    const struct option *longopts);

/* --color=WHEN: false (message printed) unless auto, always or never. */
bool parse_color(const char *when);
/* Colour for this stream: "always", or "auto" on a terminal without NO_COLOR. */
bool color_wanted(const char *when, FILE *fp);

/* pipeline_new() with the configuration, the reason printed: NULL for a
 * CA file that cannot be read or no memory. Free with pipeline_free(). */
struct pipeline *analysis_start(const struct analysis_config *cfg, pipeline_sink_fn sink, void *user);

/* pipeline_read_file(), the problem printed: false for an unusable file; a
 * truncated one gives a warning and true. */
bool analysis_read_file(struct pipeline *p, uint32_t file_index, const char *name, struct capture_info *info);

/* pipeline_drain(), with a warning when --keylog matched nothing. */
void analysis_drain(struct pipeline *p);

/* One connection as a JSON line into fp (an error object in its place if it
 * is larger than the JSON writer's limit). False if writing failed. */
bool json_conn_line(struct jsonw *w, FILE *fp, const struct conn *c, const struct diagnosis *dg,
                    const struct report_inputs *in);

/* --fail-on: "never" gives SEV_COUNT. False (message printed) for a bad value. */
bool parse_fail_on(const char *arg, int *out);

#endif
