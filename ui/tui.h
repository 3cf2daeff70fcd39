/*
 * tui.h - the curses view's entry point: the event loop and its keys.
 *
 * The view shows whatever the model receives. Any record source can feed
 * it: a command starts its analysis with a sink that calls
 * tui_model_add() (files read on a background thread, or a live capture),
 * then runs tui_run() on its own thread until the user quits.
 */
#ifndef TLSSCOPE_TUI_H
#define TLSSCOPE_TUI_H

#include "tui_model.h"

/* Run the interface until q (returns 0) or SIGINT/SIGTERM (returns 130).
 * The terminal is restored either way. title heads the summary bar. */
int tui_run(struct tui_model *m, const char *title);

#endif
