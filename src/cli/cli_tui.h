/*
 * cli_tui.h - the `tui` command (the curses view over capture files), and
 * what it shares with `live --tui`: the sink into the view's model, the
 * source thread, and standard error held while the view owns the terminal.
 */
#ifndef TLSSCOPE_CLI_TUI_H
#define TLSSCOPE_CLI_TUI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "conn.h"
#include "diagnose.h"

int cmd_tui(int argc, char **argv);

/* False, with one line on stderr, unless standard input and output are a terminal. */
bool cli_tui_need_terminal(const char *command);

/* An analysis sink whose user pointer is a struct tui_model. */
void cli_tui_sink(const struct conn *c, const struct diagnosis *dg, void *model);

/* Messages printed while the screen is the view's go to a temporary file,
 * and out on standard error once the terminal is restored. */
struct cli_tui_held {
	int saved_fd; /* the real stderr, -1 if holding failed (messages then go through) */
	FILE *file;
};
void cli_tui_hold_stderr(struct cli_tui_held *h);
void cli_tui_release_stderr(struct cli_tui_held *h);

/* Start the record source fn(arg) on its own thread, with SIGINT, SIGTERM
 * and SIGWINCH blocked there so that they reach the view's thread. False
 * (nothing started) if the thread cannot be created. */
bool cli_tui_start_source(pthread_t *thread, void *(*fn)(void *), void *arg);

#endif
