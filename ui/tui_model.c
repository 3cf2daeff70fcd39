/*
 * tui_model.c - rows, view and spill file of the curses view (see tui_model.h).
 */
#include "tui_model.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui_detail.h"
#include "report_text.h"
#include "tui_spill.h"

struct tui_model {
	pthread_mutex_t lock;
	const struct report_inputs *in;

	/* Written by the writer thread under the lock. */
	struct tui_row *rows; /* TUI_MAX_ROWS, allocated once */
	size_t published;     /* rows visible to the interface */
	struct tui_counts counts;
	uint64_t generation; /* bumped on every change */
	FILE *spill;         /* writer thread only */
	int spill_fd;        /* read with pread, from any thread */
	bool spill_failed;

	/* Interface thread. */
	char filter[128];
	bool problems_only;
	enum tui_sort sort;
	bool settings_changed;
	uint64_t seen_generation;
	uint32_t *view; /* indexes into rows */
	size_t view_count;
	struct tui_counts shown; /* counts copied at the last refresh */
};

const char *tui_sort_name(enum tui_sort s)
{
	static const char *const names[TUI_SORT_COUNT] = {"time", "severity", "server", "SNI"};
	return (unsigned)s < TUI_SORT_COUNT ? names[s] : "?";
}

struct tui_model *tui_model_new(const struct report_inputs *in)
{
	struct tui_model *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	m->in = in;
	m->rows = malloc(TUI_MAX_ROWS * sizeof(*m->rows)); /* pages are touched only as rows arrive */
	m->view = malloc(TUI_MAX_ROWS * sizeof(*m->view));
	m->spill = tmpfile();
	if (!m->rows || !m->view || !m->spill) {
		tui_model_free(m);
		return NULL;
	}
	m->spill_fd = fileno(m->spill);
	m->settings_changed = true;
	return m;
}

void tui_model_free(struct tui_model *m)
{
	if (!m)
		return;
	if (m->spill)
		fclose(m->spill);
	free(m->rows);
	free(m->view);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static void fill_row(struct tui_row *r, const struct conn *c)
{
	char ip[64];
	memset(r, 0, sizeof(*r));
	r->id = c->id;
	r->first_ts_ns = c->first_ts_ns;
	r->file_index = c->file_index;
	for (int k = 0; k < 2; k++) {
		const struct conn_side *s = k == 0 ? conn_client(c) : conn_server(c);
		char *out = k == 0 ? r->client : r->server;
		ts_addr_format(&s->addr, ip, sizeof(ip));
		snprintf(out, sizeof(r->client), s->addr.family == 6 ? "[%s]:%u" : "%s:%u", ip, s->port);
	}
	const struct tls_client_hello *ch = c->client_hello;
	if (ch && ch->sni_count)
		conn_wire_text(ch->sni[0].bytes, ch->sni[0].len, r->sni, sizeof(r->sni));
	r->version = conn_version(c);
	r->outcome = (uint8_t)c->outcome;
	r->worst = -1;
}

/* The connection's spilled sections; false if writing failed. Writer thread. */
static bool spill(struct tui_model *m, struct tui_row *r, const struct conn *c, const struct diagnosis *dg)
{
	FILE *fp = m->spill;
	r->spill_off = ftell(fp);
	tui_detail_write(fp, c, dg, m->in);
	long a = ftell(fp);
	report_text_conn(fp, c, dg, m->in);
	long b = ftell(fp);
	tui_spill_certs(fp, c, m->in);
	long e = ftell(fp);
	if (r->spill_off < 0 || a < 0 || b < 0 || e < 0 || fflush(fp) != 0)
		return false;
	r->detail_len = (uint32_t)(a - r->spill_off);
	r->report_len = (uint32_t)(b - a);
	r->certs_len = (uint32_t)(e - b);
	return true;
}

void tui_model_add(struct tui_model *m, const struct conn *c, const struct diagnosis *dg)
{
	pthread_mutex_lock(&m->lock);
	size_t n = m->published;
	bool full = n == TUI_MAX_ROWS || m->spill_failed;
	pthread_mutex_unlock(&m->lock);
	struct tui_row *r = full ? NULL : &m->rows[n];
	if (r) {
		/* Only this thread writes rows past `published`: no lock while formatting. */
		fill_row(r, c);
		if (!spill(m, r, c, dg)) {
			m->spill_failed = true;
			r = NULL;
		}
	}
	pthread_mutex_lock(&m->lock);
	struct tui_counts *k = &m->counts;
	run_summary_add(&k->run, c, dg);
	for (size_t i = 0; r && dg && i < dg->finding_count; i++) {
		size_t ci = run_summary_code_index(&k->run, dg->findings[i].code);
		if (ci == TUI_MAX_CODES)
			continue; /* past the codes the summary names */
		r->codes |= 1ull << ci;
		if (i == 0) { /* findings come worst first */
			r->worst = (int8_t)dg->findings[0].severity;
			r->worst_code = (uint8_t)ci;
		}
	}
	if (r)
		m->published = ++k->rows;
	else
		k->dropped++;
	m->generation++;
	pthread_mutex_unlock(&m->lock);
}

void tui_model_set_status(struct tui_model *m, const char *text)
{
	pthread_mutex_lock(&m->lock);
	if (strcmp(m->counts.status, text) != 0) {
		snprintf(m->counts.status, sizeof(m->counts.status), "%s", text);
		m->generation++;
	}
	pthread_mutex_unlock(&m->lock);
}

void tui_model_set_done(struct tui_model *m)
{
	pthread_mutex_lock(&m->lock);
	m->counts.done = true;
	m->generation++;
	pthread_mutex_unlock(&m->lock);
}

void tui_model_set_filter(struct tui_model *m, const char *text)
{
	snprintf(m->filter, sizeof(m->filter), "%s", text);
	m->settings_changed = true;
}

const char *tui_model_filter(const struct tui_model *m)
{
	return m->filter;
}

void tui_model_set_problems_only(struct tui_model *m, bool on)
{
	m->problems_only = on;
	m->settings_changed = true;
}

bool tui_model_problems_only(const struct tui_model *m)
{
	return m->problems_only;
}

void tui_model_set_sort(struct tui_model *m, enum tui_sort s)
{
	m->sort = s;
	m->settings_changed = true;
}

enum tui_sort tui_model_sort(const struct tui_model *m)
{
	return m->sort;
}

static bool contains(const char *hay, const char *needle)
{
	for (; *hay; hay++) {
		size_t i = 0;
		while (needle[i] && hay[i] &&
		       tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
			i++;
		if (!needle[i])
			return true;
	}
	return false;
}

static bool passes(const struct tui_model *m, const struct tui_row *r)
{
	if (m->problems_only && !tui_row_is_problem(r))
		return false;
	if (!m->filter[0])
		return true;
	if (contains(r->sni, m->filter) || contains(r->client, m->filter) || contains(r->server, m->filter))
		return true;
	for (size_t i = 0; i < m->shown.run.code_count; i++)
		if ((r->codes >> i & 1) && contains(m->shown.run.codes[i], m->filter))
			return true;
	return false;
}

/* qsort has no context argument: the rows being sorted, for the comparators. */
static const struct tui_row *sort_rows;

static int by_time(const struct tui_row *x, const struct tui_row *y)
{
	if (x->first_ts_ns != y->first_ts_ns)
		return x->first_ts_ns < y->first_ts_ns ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

#define SORT_FN(name, expr)                                                                                  \
	static int name(const void *a, const void *b)                                                        \
	{                                                                                                    \
		const struct tui_row *x = &sort_rows[*(const uint32_t *)a],                                  \
		                     *y = &sort_rows[*(const uint32_t *)b];                                  \
		int d = (expr);                                                                              \
		return d ? d : by_time(x, y);                                                                \
	}
SORT_FN(cmp_time, 0)
SORT_FN(cmp_severity, y->worst - x->worst)
SORT_FN(cmp_server, strcmp(x->server, y->server))
SORT_FN(cmp_sni, strcmp(x->sni, y->sni))

bool tui_model_refresh(struct tui_model *m)
{
	pthread_mutex_lock(&m->lock);
	bool changed = m->generation != m->seen_generation;
	m->seen_generation = m->generation;
	size_t n = m->published;
	m->shown = m->counts;
	pthread_mutex_unlock(&m->lock);
	if (!changed && !m->settings_changed)
		return false;
	m->settings_changed = false;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (passes(m, &m->rows[i]))
			m->view[k++] = (uint32_t)i;
	m->view_count = k;
	static int (*const cmp[TUI_SORT_COUNT])(const void *, const void *) = {cmp_time, cmp_severity,
	                                                                       cmp_server, cmp_sni};
	sort_rows = m->rows;
	qsort(m->view, k, sizeof(*m->view), cmp[m->sort]);
	return true;
}

size_t tui_model_view_count(const struct tui_model *m)
{
	return m->view_count;
}

const struct tui_row *tui_model_view_row(const struct tui_model *m, size_t i)
{
	return i < m->view_count ? &m->rows[m->view[i]] : NULL;
}

long tui_model_view_find(const struct tui_model *m, uint64_t id)
{
	for (size_t i = 0; i < m->view_count; i++)
		if (m->rows[m->view[i]].id == id)
			return (long)i;
	return -1;
}

const struct tui_counts *tui_model_counts(const struct tui_model *m)
{
	return &m->shown;
}

const char *tui_model_code_name(const struct tui_model *m, size_t i)
{
	return i < m->shown.run.code_count ? m->shown.run.codes[i] : "?";
}

bool tui_model_read(struct tui_model *m, long off, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(m->spill_fd, (char *)buf + got, len - got, (off_t)off + (off_t)got);
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

const struct report_inputs *tui_model_inputs(const struct tui_model *m)
{
	return m->in;
}
