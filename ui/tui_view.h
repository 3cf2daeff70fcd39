/*
 * tui_view.h - drawing the curses view: the summary bar, the connection
 * list, the detail pane, the status line, the help overlay, and the
 * message for a terminal too small. It draws the interface state it is
 * given and changes nothing but that state's scroll positions.
 */
#ifndef TLSSCOPE_TUI_VIEW_H
#define TLSSCOPE_TUI_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "tui_model.h"

#define TUI_MIN_COLS 80
#define TUI_MIN_LINES 24

enum tui_prompt { TUI_PROMPT_NONE = 0, TUI_PROMPT_FILTER, TUI_PROMPT_EXPORT, TUI_PROMPT_WRITE };

struct tui_state {
	struct tui_model *model;
	const char *title;    /* "tlsscope tui", "tlsscope live eth0" */
	size_t selected;      /* position in the view */
	uint64_t selected_id; /* the connection it is, to keep it selected as the view changes */
	size_t top;           /* first list position on screen */
	bool detail_open;
	size_t detail_scroll; /* first detail line on screen (after wrapping) */
	char *detail;         /* the selected connection's detail lines, read back on opening */
	size_t detail_len;
	uint64_t detail_id; /* whose detail is loaded; 0 if none */
	bool help_open;
	enum tui_prompt prompt;
	char input[256];   /* the prompt's text being typed */
	char message[320]; /* the last action's result, on the status line */
	bool color;
};

/* After initscr(): colour pairs for the severities, if the terminal has colours. */
void tui_view_init_colors(struct tui_state *s);

/* Rows of the list for the current terminal size (PgUp/PgDn move by this). */
int tui_view_list_rows(const struct tui_state *s);
/* Rows of the detail pane. */
int tui_view_detail_rows(const struct tui_state *s);

/* Draw everything into the virtual screen; the caller calls doupdate(). */
void tui_view_draw(struct tui_state *s);

#endif
