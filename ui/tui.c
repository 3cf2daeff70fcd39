/*
 * tui.c - the curses view's event loop: keys, prompts, and when to redraw
 * (see tui.h).
 */
#include "tui.h"

#include <curses.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "tui_save.h"
#include "tui_view.h"

/* getch() waits this long, so rows that arrive show within a tick. */
#define TUI_TICK_MS 150
#define KEY_ESC 27
#define KEY_CTRL(c) ((c)&0x1f)

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* Read the selected connection's detail back from the spill file. */
static void load_detail(struct tui_state *s)
{
	const struct tui_row *r = tui_model_view_row(s->model, s->selected);
	if (!r || r->id == s->detail_id)
		return;
	free(s->detail);
	s->detail = NULL;
	s->detail_len = 0;
	s->detail_scroll = 0;
	s->detail_id = r->id;
	size_t len = r->detail_len < TUI_MAX_DETAIL ? r->detail_len : TUI_MAX_DETAIL;
	s->detail = malloc(len + 1);
	if (s->detail && tui_model_read(s->model, r->spill_off, s->detail, len)) {
		s->detail_len = len;
		s->detail[len] = '\0';
	} else {
		snprintf(s->message, sizeof(s->message), "cannot read the detail of #%llu back",
		         (unsigned long long)r->id);
	}
}

/* Keep the same connection selected as rows arrive and the view changes. */
static void follow_selection(struct tui_state *s)
{
	size_t n = tui_model_view_count(s->model);
	long at = s->selected_id ? tui_model_view_find(s->model, s->selected_id) : -1;
	if (at >= 0)
		s->selected = (size_t)at;
	else if (s->selected >= n)
		s->selected = n ? n - 1 : 0;
	const struct tui_row *r = tui_model_view_row(s->model, s->selected);
	s->selected_id = r ? r->id : 0;
	if (s->detail_open && r)
		load_detail(s);
}

static void move_selection(struct tui_state *s, long delta)
{
	size_t n = tui_model_view_count(s->model);
	if (!n)
		return;
	long at = (long)s->selected + delta;
	if (at < 0)
		at = 0;
	if (at >= (long)n)
		at = (long)n - 1;
	s->selected = (size_t)at;
	s->selected_id = tui_model_view_row(s->model, s->selected)->id;
}

static void scroll_detail(struct tui_state *s, long delta)
{
	long at = (long)s->detail_scroll + delta;
	s->detail_scroll = at < 0 ? 0 : (size_t)at; /* the view clamps the end */
}

static void start_prompt(struct tui_state *s, enum tui_prompt p, const char *initial)
{
	s->prompt = p;
	snprintf(s->input, sizeof(s->input), "%s", initial);
	s->message[0] = '\0';
}

static void finish_prompt(struct tui_state *s)
{
	const struct tui_row *r = tui_model_view_row(s->model, s->selected);
	switch (s->prompt) {
	case TUI_PROMPT_EXPORT:
		if (!r)
			snprintf(s->message, sizeof(s->message), "no connection selected");
		else
			tui_save_certs(s->model, r, s->input[0] ? s->input : "./tlsscope-certs", s->message,
			               sizeof(s->message));
		break;
	case TUI_PROMPT_WRITE:
		tui_save_report(s->model, s->input[0] ? s->input : "tlsscope-report.txt", s->message,
		                sizeof(s->message));
		break;
	default:
		break;
	}
	s->prompt = TUI_PROMPT_NONE;
}

/* A key while a prompt is open; the filter applies as it is typed. */
static void prompt_key(struct tui_state *s, int ch)
{
	size_t len = strlen(s->input);
	if (ch == KEY_ESC) {
		if (s->prompt == TUI_PROMPT_FILTER)
			tui_model_set_filter(s->model, "");
		s->prompt = TUI_PROMPT_NONE;
		return;
	}
	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		finish_prompt(s);
		return;
	}
	if (ch == KEY_BACKSPACE || ch == 127 || ch == KEY_CTRL('h')) {
		if (len)
			s->input[len - 1] = '\0';
	} else if (ch == KEY_CTRL('u')) {
		s->input[0] = '\0';
	} else if (ch >= 0x20 && ch < 0x7f && len + 1 < sizeof(s->input)) {
		s->input[len] = (char)ch;
		s->input[len + 1] = '\0';
	}
	if (s->prompt == TUI_PROMPT_FILTER)
		tui_model_set_filter(s->model, s->input);
}

/* The movement a key asks for (lines; a page is `page`), false if it is not one. */
static bool motion(int ch, long page, long *delta)
{
	switch (ch) {
	case KEY_UP:
	case 'k':
		*delta = -1;
		return true;
	case KEY_DOWN:
	case 'j':
		*delta = 1;
		return true;
	case KEY_PPAGE:
		*delta = -page;
		return true;
	case KEY_NPAGE:
	case ' ':
		*delta = page;
		return true;
	case KEY_HOME:
	case 'g':
		*delta = -(1L << 30);
		return true;
	case KEY_END:
	case 'G':
		*delta = 1L << 30;
		return true;
	default:
		return false;
	}
}

/* false: quit. */
static bool key(struct tui_state *s, int ch)
{
	if (s->help_open) {
		s->help_open = false; /* any key closes the help */
		return ch != 'q';
	}
	if (s->prompt != TUI_PROMPT_NONE) {
		prompt_key(s, ch);
		return true;
	}
	s->message[0] = '\0';
	switch (ch) {
	case 'q':
		return false;
	case '?':
		s->help_open = true;
		return true;
	case '/':
		start_prompt(s, TUI_PROMPT_FILTER, tui_model_filter(s->model));
		return true;
	case 'f':
		tui_model_set_problems_only(s->model, !tui_model_problems_only(s->model));
		return true;
	case 's':
		tui_model_set_sort(s->model,
		                   (enum tui_sort)((tui_model_sort(s->model) + 1) % TUI_SORT_COUNT));
		return true;
	case 'e':
		start_prompt(s, TUI_PROMPT_EXPORT, "./tlsscope-certs");
		return true;
	case 'w':
		start_prompt(s, TUI_PROMPT_WRITE, "tlsscope-report.txt");
		return true;
	default:
		break;
	}
	long delta;
	if (s->detail_open) {
		if (motion(ch, tui_view_detail_rows(s), &delta))
			scroll_detail(s, delta);
		else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER || ch == KEY_ESC ||
		         ch == KEY_BACKSPACE || ch == KEY_LEFT)
			s->detail_open = false;
		return true;
	}
	if (motion(ch, tui_view_list_rows(s), &delta)) {
		move_selection(s, delta);
	} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		if (tui_model_view_row(s->model, s->selected)) {
			s->detail_open = true;
			load_detail(s);
		}
	} else if (ch == KEY_ESC) {
		tui_model_set_filter(s->model, "");
	}
	return true;
}

int tui_run(struct tui_model *m, const char *title)
{
	struct tui_state s = {.model = m, .title = title};
	struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	setlocale(LC_ALL, ""); /* UTF-8 names from certificates, and line drawing */
	initscr();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	timeout(TUI_TICK_MS);
	tui_view_init_colors(&s);
	bool dirty = true, running = true;
	while (running && !stop_signal) {
		if (tui_model_refresh(m)) {
			follow_selection(&s);
			dirty = true;
		}
		if (dirty) {
			tui_view_draw(&s);
			doupdate(); /* one update of what changed: no flicker */
			dirty = false;
		}
		int ch = getch();
		if (ch == ERR)
			continue;
		dirty = true; /* KEY_RESIZE included: ncurses has the new size */
		if (ch != KEY_RESIZE)
			running = key(&s, ch);
		if (running) {
			tui_model_refresh(m); /* settings the key changed */
			follow_selection(&s);
		}
	}
	endwin();
	free(s.detail);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return stop_signal ? 130 : 0;
}
