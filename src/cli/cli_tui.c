/*
 * cli_tui.c - `tlsscope tui [analysis options] FILE...`: the curses view
 * over capture files. The files are read on a background thread, so the
 * list fills while the user browses; the view itself is in ui/.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_analysis.h"
#include "cli_completion.h"
#include "cli_tui.h"
#include "tui.h"

struct tui_files {
	struct pipeline *analysis;
	struct tui_model *model;
	struct report_inputs inputs;
	int unusable;           /* files that could not be read */
	volatile bool finished; /* the reader thread is done (set last) */
};

static void usage(FILE *fp)
{
	fprintf(fp,
	        "usage: tlsscope tui [options] FILE...\n"
	        "\n"
	        "The curses view: connections as a list coloured by severity, the details of\n"
	        "one (ladder, chain, findings, client errors, fixes), filter, sort, export.\n"
	        "Press ? in the view for its keys.\n"
	        "\n"
	        "options:\n"
	        "%s"
	        "See tlsscope(1).\n",
	        analysis_options_help);
}

bool cli_tui_need_terminal(const char *command)
{
	if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		return true;
	fprintf(stderr, "tlsscope: %s needs a terminal (use analyze for a report)\n", command);
	return false;
}

void cli_tui_sink(const struct conn *c, const struct diagnosis *dg, void *model)
{
	tui_model_add(model, c, dg);
}

void cli_tui_hold_stderr(struct cli_tui_held *h)
{
	fflush(stderr);
	h->saved_fd = dup(STDERR_FILENO);
	h->file = tmpfile();
	if (h->saved_fd < 0 || !h->file) {
		if (h->saved_fd >= 0)
			close(h->saved_fd);
		if (h->file)
			fclose(h->file);
		h->saved_fd = -1;
		h->file = NULL;
		return;
	}
	dup2(fileno(h->file), STDERR_FILENO);
}

void cli_tui_release_stderr(struct cli_tui_held *h)
{
	if (h->saved_fd < 0)
		return;
	fflush(stderr);
	dup2(h->saved_fd, STDERR_FILENO);
	close(h->saved_fd);
	h->saved_fd = -1;
	char buf[4096];
	size_t n;
	rewind(h->file);
	while ((n = fread(buf, 1, sizeof(buf), h->file)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(h->file);
	h->file = NULL;
}

bool cli_tui_start_source(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	sigset_t view_signals, old;
	sigemptyset(&view_signals);
	sigaddset(&view_signals, SIGINT);
	sigaddset(&view_signals, SIGTERM);
	sigaddset(&view_signals, SIGWINCH);
	pthread_sigmask(SIG_BLOCK, &view_signals, &old);
	bool ok = pthread_create(thread, NULL, fn, arg) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ok;
}

static void *read_files(void *arg)
{
	struct tui_files *t = arg;
	char status[160];
	for (size_t i = 0; i < t->inputs.count; i++) {
		snprintf(status, sizeof(status), "reading %zu/%zu: %s", i + 1, t->inputs.count,
		         t->inputs.names[i]);
		tui_model_set_status(t->model, status);
		if (!analysis_read_file(t->analysis, (uint32_t)i, t->inputs.names[i], &t->inputs.info[i]))
			t->unusable++;
	}
	analysis_drain(t->analysis);
	if (t->unusable)
		snprintf(status, sizeof(status), "read %zu files, %d unusable (listed on exit)",
		         t->inputs.count, t->unusable);
	else
		snprintf(status, sizeof(status), "read %zu file%s", t->inputs.count,
		         t->inputs.count == 1 ? "" : "s");
	tui_model_set_status(t->model, status);
	tui_model_set_done(t->model);
	__atomic_store_n(&t->finished, true, __ATOMIC_RELEASE);
	return NULL;
}

/* The options of `tui`, also the source of the shell completions (cli_completion.c). */
const struct option tui_long_options[] = {
    ANALYSIS_LONG_OPTIONS,
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};
const char tui_short_options[] = "h";

int cmd_tui(int argc, char **argv)
{
	struct analysis_config cfg;
	struct tui_files t = {0};
	int status = 0, c;
	if (!analysis_config_init(&cfg, argc)) {
		fprintf(stderr, "tlsscope: out of memory\n");
		status = EXIT_USAGE;
		goto out;
	}
	optind = 1;
	while ((c = analysis_getopt(&cfg, argc, argv, tui_short_options, tui_long_options)) != -1) {
		if (c == 'h') {
			usage(stdout);
			goto out;
		}
		if (c != ANALYSIS_OPTION_BAD)
			usage(stderr);
		status = EXIT_USAGE;
		goto out;
	}
	if (optind >= argc) {
		fprintf(stderr, "tlsscope: tui needs at least one capture file\n");
		status = EXIT_USAGE;
		goto out;
	}
	if (!cli_tui_need_terminal("tui")) {
		status = EXIT_USAGE;
		goto out;
	}
	t.inputs.names = (const char **)(argv + optind);
	t.inputs.count = (size_t)(argc - optind);
	t.inputs.info = calloc(t.inputs.count, sizeof(*t.inputs.info));
	t.model = t.inputs.info ? tui_model_new(&t.inputs) : NULL;
	if (!t.model) {
		fprintf(stderr, "tlsscope: out of memory (or no temporary file for the view)\n");
		status = EXIT_USAGE;
		goto out;
	}
	t.analysis = analysis_start(&cfg, cli_tui_sink, t.model);
	if (!t.analysis) {
		status = EXIT_USAGE;
		goto out;
	}
	struct cli_tui_held held;
	cli_tui_hold_stderr(&held);
	pthread_t reader;
	if (!cli_tui_start_source(&reader, read_files, &t)) {
		cli_tui_release_stderr(&held);
		fprintf(stderr, "tlsscope: cannot start the reading thread\n");
		status = EXIT_USAGE;
		goto out;
	}
	status = tui_run(t.model, "tlsscope tui");
	cli_tui_release_stderr(&held);
	if (!__atomic_load_n(&t.finished, __ATOMIC_ACQUIRE)) {
		/* Quit before a large capture was read: there is nothing left to save
		 * and no way to interrupt the reader, so leave without waiting. */
		fflush(NULL);
		_exit(status);
	}
	pthread_join(reader, NULL);
	if (t.unusable && status == 0)
		status = EXIT_USAGE;
out:
	pipeline_free(t.analysis);
	tui_model_free(t.model);
	free(t.inputs.info);
	analysis_config_free(&cfg);
	return status;
}
