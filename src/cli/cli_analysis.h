/*
 * cli_analysis.h - what the commands that analyse traffic share (analyze,
 * live, tui, diff): the analysis options and the pipeline from frames to
 * diagnosed connection records.
 *
 * Part of the command line, not of the library: it parses arguments and
 * prints their errors. A command adds ANALYSIS_LONG_OPTIONS to its own
 * getopt table, hands each code it does not know to analysis_config_option(),
 * then starts an analysis with a sink that receives every finished
 * connection with its diagnosis, on the writer thread, in order.
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
#include "report.h"
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
	bool diagnose;         /* false with --no-diagnose */
	struct keylog *keylog; /* --keylog files, loaded; engine.keylog points here */
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
 * caller): the shared ones are applied to cfg here. Returns the next code
 * for the command, -1 at the end, or ANALYSIS_OPTION_BAD after a bad shared
 * value (its message printed). */
#define ANALYSIS_OPTION_BAD (-2)
int analysis_getopt(struct analysis_config *cfg, int argc, char **argv, const char *shortopts,
                    const struct option *longopts);

/* --color=WHEN: false (message printed) unless auto, always or never. */
bool parse_color(const char *when);
/* Colour for this stream: "always", or "auto" on a terminal without NO_COLOR. */
bool color_wanted(const char *when, FILE *fp);

/* Runs on the writer thread, once per finished connection, in order. `dg`
 * is NULL with --no-diagnose. Both are valid only during the call. */
typedef void (*analysis_sink_fn)(const struct conn *c, const struct diagnosis *dg, void *user);

struct analysis;

/* NULL with the reason printed (a CA file that cannot be read, no memory). */
struct analysis *analysis_start(const struct analysis_config *cfg, analysis_sink_fn sink, void *user);

/* Where the frames go. */
struct engine *analysis_engine(struct analysis *a);

/* Read a capture file into the analysis (its connections are finished at
 * its end). Prints the problem and returns false for an unusable file; a
 * truncated one gives a warning and true. */
bool analysis_read_file(struct analysis *a, uint32_t file_index, const char *name, struct capture_info *info);

/* A stop flag and a progress callback for the reads that follow (NULL: none). */
void analysis_set_control(struct analysis *a, const struct capture_control *control);

/* Inputs read so far that held no connection at all (each got a warning). */
unsigned analysis_empty_inputs(const struct analysis *a);

/* Finish every open connection and wait until the sink has seen all. */
void analysis_drain(struct analysis *a);

/* Records dropped because the output queue was full (drop_records_when_full). */
uint64_t analysis_records_dropped(const struct analysis *a);

/* Worst finding severity passed to the sink so far, -1 if none. */
int analysis_worst(const struct analysis *a);

void analysis_free(struct analysis *a);

/* One connection as a JSON line into fp (an error object in its place if it
 * is larger than the JSON writer's limit). False if writing failed. */
bool json_conn_line(struct jsonw *w, FILE *fp, const struct conn *c, const struct diagnosis *dg,
                    const struct report_inputs *in);

/* --fail-on: "never" gives SEV_COUNT. False (message printed) for a bad value. */
bool parse_fail_on(const char *arg, int *out);

#endif
