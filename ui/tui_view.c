/*
 * tui_view.c - drawing the curses view (see tui_view.h).
 */
#include "tui_view.h"

#include <curses.h>
#include <langinfo.h>
#include <string.h>
#include <wchar.h>

#include "report_text.h"
#include "tls_names.h"
#include "tui_detail.h"

/* Colour pairs: the severities (as the text report colours them), then the matched name. */
enum { PAIR_INFO = 1, PAIR_WARNING, PAIR_ERROR, PAIR_MATCH };

#define SUMMARY_LINES 2 /* the title line and the counts line */

void tui_view_init_colors(struct tui_state *s)
{
	s->color = has_colors();
	if (!s->color)
		return;
	start_color();
	use_default_colors();
	init_pair(PAIR_INFO, COLOR_CYAN, -1);
	init_pair(PAIR_WARNING, COLOR_YELLOW, -1);
	init_pair(PAIR_ERROR, COLOR_RED, -1);
	init_pair(PAIR_MATCH, COLOR_GREEN, -1);
}

/* Severity attributes; without colours, error and worse stand out in bold. */
static attr_t severity_attr(const struct tui_state *s, int sev)
{
	switch (sev) {
	case SEV_INFO:
		return s->color ? COLOR_PAIR(PAIR_INFO) : A_NORMAL;
	case SEV_WARNING:
		return s->color ? COLOR_PAIR(PAIR_WARNING) : A_NORMAL;
	case SEV_ERROR:
		return s->color ? COLOR_PAIR(PAIR_ERROR) : A_BOLD;
	case SEV_CRITICAL:
		return (s->color ? COLOR_PAIR(PAIR_ERROR) : 0) | A_BOLD;
	default:
		return A_NORMAL;
	}
}

static attr_t style_attr(const struct tui_state *s, char style)
{
	switch (style) {
	case TUI_STYLE_HEADING:
		return A_BOLD;
	case TUI_STYLE_MATCH:
		return (s->color ? COLOR_PAIR(PAIR_MATCH) : A_UNDERLINE) | A_BOLD;
	case TUI_STYLE_MISMATCH:
		return (s->color ? COLOR_PAIR(PAIR_ERROR) : A_REVERSE) | A_BOLD;
	default:
		if (style >= TUI_STYLE_INFO && style <= TUI_STYLE_CRITICAL)
			return severity_attr(s, style - TUI_STYLE_INFO);
		return A_NORMAL;
	}
}

/* How many bytes of text fit in `cols` columns (UTF-8 aware); *used gets the columns. */
static size_t fit(const char *text, size_t len, int cols, int *used)
{
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	size_t at = 0;
	int w = 0;
	while (at < len) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, text + at, len - at, &st);
		int cw = 1;
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			n = 1; /* not a character here: one column, as curses shows it */
			memset(&st, 0, sizeof(st));
		} else {
			cw = wcwidth(wc);
			if (cw < 0)
				cw = 1;
		}
		if (w + cw > cols)
			break;
		w += cw;
		at += n;
	}
	if (used)
		*used = w;
	return at;
}

/* Text in a cell of `width` columns at (y, x): cut with '~' if too long, padded with spaces. */
static void cell(int y, int x, int width, const char *text, attr_t attr)
{
	if (width <= 0)
		return;
	size_t len = strlen(text);
	int used;
	size_t n = fit(text, len, width, &used);
	attron(attr);
	if (n < len && width > 1) {
		n = fit(text, len, width - 1, &used);
		mvaddnstr(y, x, text, (int)n);
		addch('~');
		used++;
	} else {
		mvaddnstr(y, x, text, (int)n);
	}
	for (; used < width; used++)
		addch(' ');
	attroff(attr);
}

int tui_view_list_rows(const struct tui_state *s)
{
	int body = LINES - SUMMARY_LINES - 2; /* header line and status line */
	if (!s->detail_open)
		return body;
	int rows = body / 3;
	return rows < 5 ? 5 : rows;
}

int tui_view_detail_rows(const struct tui_state *s)
{
	return LINES - SUMMARY_LINES - 2 - tui_view_list_rows(s) - 1; /* minus the pane's title line */
}

/* The outcome as the list shows it: short enough that 120 columns hold every
 * column whole (the detail pane and the reports give the full name). */
static const char *outcome_label(int outcome)
{
	switch ((enum conn_outcome)outcome) {
	case OUTCOME_SERVER_RESET_AFTER_CLIENT_HELLO:
		return "server reset";
	case OUTCOME_SERVER_CLOSED_AFTER_CLIENT_HELLO:
		return "server closed";
	case OUTCOME_SERVER_ALERT:
		return "server alert";
	case OUTCOME_CLIENT_ALERT:
		return "client alert";
	case OUTCOME_CLIENT_CLOSED_AFTER_HANDSHAKE:
		return "client closed";
	case OUTCOME_NOT_TLS:
		return "not TLS";
	default:
		return conn_outcome_name((enum conn_outcome)outcome);
	}
}

static void summary_bar(const struct tui_state *s)
{
	struct tui_model *m = s->model;
	const struct tui_counts *k = tui_model_counts(m);
	char buf[1024];
	const char *filter = tui_model_filter(m);
	int n = snprintf(
	    buf, sizeof(buf), " %s  %zu connection%s, %zu shown, problems %llu  sort: %s%s%s%s  %s", s->title,
	    k->rows, k->rows == 1 ? "" : "s", tui_model_view_count(m), (unsigned long long)k->run.problems,
	    tui_sort_name(tui_model_sort(m)), tui_model_problems_only(m) ? "  problems only" : "",
	    filter[0] ? "  filter: " : "", filter, k->status);
	if (k->dropped && n > 0 && (size_t)n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - (size_t)n, "  ROW CAP %d REACHED: %llu not shown",
		         TUI_MAX_ROWS, (unsigned long long)k->dropped);
	cell(0, 0, COLS, buf, A_REVERSE);

	size_t at = 0;
	buf[0] = '\0';
	for (int i = 0; i < OUTCOME_COUNT && at < sizeof(buf); i++)
		if (k->run.outcomes[i])
			at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s %s %llu", at ? "," : "",
			                       outcome_label((int)i), (unsigned long long)k->run.outcomes[i]);
	for (size_t i = 0; i < k->run.code_count && at < sizeof(buf); i++)
		at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s %s %llu",
		                       i ? "," : "  | findings:", tui_model_code_name(m, i),
		                       (unsigned long long)run_summary_code_total(&k->run, i));
	cell(1, 0, COLS, buf, A_NORMAL);
}

/* The list's columns: fixed ones, and flexible ones fitted to what is on screen. */
enum {
	COL_TIME,
	COL_CLIENT,
	COL_SERVER,
	COL_SNI,
	COL_VERSION,
	COL_OUTCOME,
	COL_SEVERITY,
	COL_FINDING,
	COL_COUNT
};

struct column {
	const char *title;
	int width;
	int min;
};

static void row_cells(const struct tui_state *s, const struct tui_row *r, char cells[COL_COUNT][80])
{
	char t[64];
	report_time_text(r->first_ts_ns, false, t, sizeof(t));
	snprintf(cells[COL_TIME], 80, "%.12s", t + 11); /* HH:MM:SS.mmm */
	snprintf(cells[COL_CLIENT], 80, "%s", r->client);
	snprintf(cells[COL_SERVER], 80, "%s", r->server);
	snprintf(cells[COL_SNI], 80, "%s", r->sni[0] ? r->sni : "-");
	/* A TLS 1.3 draft as 1.3-dNN: the list keeps the SNI whole, the detail names the draft. */
	if (tls13_draft_number(r->version)) {
		snprintf(cells[COL_VERSION], 80, "1.3-d%u", tls13_draft_number(r->version));
	} else {
		char v[24];
		snprintf(cells[COL_VERSION], 80, "%s",
		         r->version ? tls_version_name(r->version, v, sizeof(v)) : "-");
	}
	snprintf(cells[COL_OUTCOME], 80, "%s", outcome_label(r->outcome));
	snprintf(cells[COL_SEVERITY], 80, "%s",
	         r->worst >= 0 ? severity_name((enum severity)r->worst) : "ok");
	snprintf(cells[COL_FINDING], 80, "%s",
	         r->worst >= 0 ? tui_model_code_name(s->model, r->worst_code) : "-");
}

/* Widths: what the visible rows need, then shrunk (the endpoints first: an
 * IPv6 address is the widest cell and its port the least telling part) to fit. */
static void fit_columns(const struct tui_state *s, struct column *cols, size_t first, size_t count)
{
	static const char *const titles[COL_COUNT] = {"time (UTC)", "client",  "server",   "SNI",
	                                              "version",    "outcome", "severity", "worst finding"};
	static const int mins[COL_COUNT] = {12, 14, 14, 14, 7, 13, 8, 16};
	for (int c = 0; c < COL_COUNT; c++) {
		cols[c].title = titles[c];
		cols[c].min = mins[c];
		cols[c].width = (int)strlen(titles[c]);
	}
	char cells[COL_COUNT][80];
	for (size_t i = first; i < first + count; i++) {
		row_cells(s, tui_model_view_row(s->model, i), cells);
		for (int c = 0; c < COL_COUNT; c++) {
			int w = (int)strlen(cells[c]);
			if (w > cols[c].width)
				cols[c].width = w;
		}
	}
	int total = COL_COUNT - 1; /* one space between columns */
	for (int c = 0; c < COL_COUNT; c++)
		total += cols[c].width;
	/* Shrink the least telling columns first, to a comfortable width, then all to a tight one. */
	static const int shrink_order[] = {COL_CLIENT, COL_SERVER, COL_SNI, COL_FINDING, COL_OUTCOME};
	static const int tight[COL_COUNT] = {12, 9, 10, 10, 7, 8, 8, 10};
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < sizeof(shrink_order) / sizeof(shrink_order[0]) && total > COLS; i++) {
			struct column *col = &cols[shrink_order[i]];
			int floor = pass ? tight[shrink_order[i]] : col->min;
			int cut = total - COLS;
			if (cut > col->width - floor)
				cut = col->width - floor;
			if (cut > 0) {
				col->width -= cut;
				total -= cut;
			}
		}
	if (total < COLS)
		cols[COL_FINDING].width += COLS - total; /* the last column runs to the edge */
}

/* A list cell and the space after it (in the row's attributes, so a selected row is one bar). */
static void column_cell(int y, int x, const struct column *col, bool last, const char *text, attr_t attr)
{
	cell(y, x, col->width, text, attr);
	if (!last)
		cell(y, x + col->width, 1, "", attr);
}

static void list(struct tui_state *s)
{
	int rows = tui_view_list_rows(s);
	size_t n = tui_model_view_count(s->model);
	if (s->selected < s->top)
		s->top = s->selected;
	if (s->selected >= s->top + (size_t)rows)
		s->top = s->selected - (size_t)rows + 1;
	/* A view that shrank (a filter) is drawn from the top it now needs, not with blank lines below. */
	if (rows > 0 && s->top + (size_t)rows > n)
		s->top = n > (size_t)rows ? n - (size_t)rows : 0;
	size_t visible = n - s->top < (size_t)rows ? n - s->top : (size_t)rows;
	if (s->top > n)
		visible = 0;
	struct column cols[COL_COUNT];
	fit_columns(s, cols, s->top, visible);
	int x = 0;
	for (int c = 0; c < COL_COUNT; c++) {
		column_cell(SUMMARY_LINES, x, &cols[c], c + 1 == COL_COUNT, cols[c].title,
		            A_BOLD | A_UNDERLINE);
		x += cols[c].width + 1;
	}
	char cells[COL_COUNT][80];
	for (int y = 0; y < rows; y++) {
		int line = SUMMARY_LINES + 1 + y;
		size_t i = s->top + (size_t)y;
		if (i >= n) {
			move(line, 0);
			clrtoeol();
			continue;
		}
		const struct tui_row *r = tui_model_view_row(s->model, i);
		row_cells(s, r, cells);
		attr_t attr = r->worst >= 0 ? severity_attr(s, r->worst) : A_NORMAL;
		if (i == s->selected)
			attr |= A_REVERSE;
		x = 0;
		for (int c = 0; c < COL_COUNT; c++) {
			column_cell(line, x, &cols[c], c + 1 == COL_COUNT, cells[c], attr);
			x += cols[c].width + 1;
		}
	}
	if (n == 0) {
		const struct tui_counts *k = tui_model_counts(s->model);
		cell(SUMMARY_LINES + 2, 2, COLS - 4,
		     k->rows   ? "no connection matches (Esc clears the filter, f shows all)"
		     : k->done ? "no connections in the input"
		               : "reading...",
		     A_NORMAL);
	}
}

/* Draw the detail's screen lines first..first+rows (wrapped to `width`) from y0; returns how many there are.
 */
static size_t detail_lines(const struct tui_state *s, int width, size_t first, int rows, int y0)
{
	size_t count = 0;
	const char *p = s->detail, *end = s->detail + s->detail_len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		char style = *p;
		attr_t attr = style_attr(s, style);
		const char *text = p + 1;
		size_t left = text < nl ? (size_t)(nl - text) : 0;
		do {
			int used;
			size_t k = fit(text, left, width, &used);
			if (k == 0 && left)
				k = 1;
			size_t skip = 0;
			if (k < left) {
				/* Break at the last space that fits, so words stay whole (a word longer than
				 * the line is still cut); the spaces at the break are not carried over. */
				size_t b = k;
				while (b > 0 && text[b] != ' ')
					b--;
				if (b > 0)
					k = b;
				while (k + skip < left && text[k + skip] == ' ')
					skip++;
			}
			if (count >= first && count < first + (size_t)rows) {
				int y = y0 + (int)(count - first);
				move(y, 0);
				clrtoeol();
				attron(attr);
				mvaddnstr(y, 1, text, (int)k);
				attroff(attr);
			}
			count++;
			text += k + skip;
			left -= k + skip;
		} while (left);
		p = nl + 1;
	}
	return count;
}

static void detail(struct tui_state *s)
{
	int y0 = SUMMARY_LINES + 1 + tui_view_list_rows(s);
	int rows = tui_view_detail_rows(s);
	for (int y = y0; y < y0 + rows + 1; y++) {
		move(y, 0);
		clrtoeol();
	}
	size_t total = detail_lines(s, COLS - 2, (size_t)-1, 0, 0); /* count only */
	if (total <= (size_t)rows)
		s->detail_scroll = 0;
	else if (s->detail_scroll > total - (size_t)rows)
		s->detail_scroll = total - (size_t)rows;
	detail_lines(s, COLS - 2, s->detail_scroll, rows, y0 + 1);
	char title[160];
	snprintf(title, sizeof(title),
	         " detail of #%llu  lines %zu-%zu of %zu  (arrows/PgUp/PgDn scroll, Enter or Esc closes) ",
	         (unsigned long long)s->detail_id, total ? s->detail_scroll + 1 : 0,
	         s->detail_scroll + (size_t)rows < total ? s->detail_scroll + (size_t)rows : total, total);
	move(y0, 0);
	attron(A_BOLD);
	hline(ACS_HLINE, COLS);
	mvaddnstr(y0, 2, title, COLS - 4);
	attroff(A_BOLD);
}

static void status_line(const struct tui_state *s)
{
	static const char *const prompts[] = {
	    "", "filter (SNI, IP, finding; Esc clears): ", "export certificates to directory: ",
	    "write the view as a report to: "};
	if (s->prompt != TUI_PROMPT_NONE) {
		char buf[400];
		snprintf(buf, sizeof(buf), "%s%s", prompts[s->prompt], s->input);
		cell(LINES - 1, 0, COLS, buf, A_BOLD);
		return;
	}
	if (s->message[0])
		cell(LINES - 1, 0, COLS, s->message, A_BOLD);
	else
		cell(LINES - 1, 0, COLS,
		     "Enter details  / filter  f problems only  s sort  e export certs  w write report  ? "
		     "help  q quit",
		     A_NORMAL);
}

static void help(void)
{
	static const char *const lines[] = {
	    "tlsscope: keys",
	    "",
	    "  Up/Down, j/k     move (in the detail pane: scroll)",
	    "  PgUp/PgDn        a page up or down; Home/End, g/G: first/last",
	    "  Enter            open or close the selected connection's details",
	    "  /                filter by SNI, client or server IP:port, finding code",
	    "  Esc              clear the filter; close the detail pane",
	    "  f                show problems only (warnings and worse), or all",
	    "  s                sort by time, severity, server, SNI",
	    "  e                export the selected connection's certificates (PEM)",
	    "  w                write the current view as a text report",
	    "  ?                this help",
	    "  q                quit",
	    "",
	    "Press any key to close this help.",
	};
	int h = (int)(sizeof(lines) / sizeof(lines[0])) + 2, w = 76;
	int y0 = (LINES - h) / 2, x0 = (COLS - w) / 2;
	for (int i = 0; i < h; i++)
		cell(y0 + i, x0, w, "", A_NORMAL);
	for (int i = 0; i < h - 2; i++)
		cell(y0 + 1 + i, x0 + 2, w - 4, lines[i], i == 0 ? A_BOLD : A_NORMAL);
	attron(A_BOLD);
	mvhline(y0, x0, ACS_HLINE, w);
	mvhline(y0 + h - 1, x0, ACS_HLINE, w);
	mvvline(y0, x0, ACS_VLINE, h);
	mvvline(y0, x0 + w - 1, ACS_VLINE, h);
	mvaddch(y0, x0, ACS_ULCORNER);
	mvaddch(y0, x0 + w - 1, ACS_URCORNER);
	mvaddch(y0 + h - 1, x0, ACS_LLCORNER);
	mvaddch(y0 + h - 1, x0 + w - 1, ACS_LRCORNER);
	attroff(A_BOLD);
}

static void too_small(void)
{
	char buf[120];
	bool utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	snprintf(buf, sizeof(buf), "terminal too small (need %d%s%d, have %d%s%d)", TUI_MIN_COLS,
	         utf8 ? "\xc3\x97" : "x", TUI_MIN_LINES, COLS, utf8 ? "\xc3\x97" : "x", LINES);
	int len = (int)strlen(buf) - (utf8 ? 2 : 0); /* each × is two bytes, one column */
	int x = COLS > len ? (COLS - len) / 2 : 0;
	mvaddnstr(LINES / 2, x, buf, COLS - x);
}

void tui_view_draw(struct tui_state *s)
{
	erase();
	if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES) {
		too_small();
		wnoutrefresh(stdscr);
		return;
	}
	summary_bar(s);
	list(s);
	if (s->detail_open && s->detail)
		detail(s);
	status_line(s);
	if (s->help_open)
		help();
	wnoutrefresh(stdscr);
}
