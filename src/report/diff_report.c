/*
 * diff_report.c - the text and JSON of `tlsscope diff` (see diff_report.h).
 */
#include <string.h>

#include "diff_report.h"
#include "text_escape.h"

/* ------------------------------------------------------------------ text */

/* A value's items wrapped into lines of at most `width` characters. */
struct text_lines {
	char *line[DIFF_VALUE_MAX_ITEMS * 2];
	size_t count;
	char buf[DIFF_VALUE_MAX_ITEMS * 80];
	size_t used;
};

static void lines_push(struct text_lines *t, const char *s, size_t n)
{
	if (t->count >= sizeof(t->line) / sizeof(t->line[0]) || t->used + n + 1 > sizeof(t->buf))
		return;
	t->line[t->count++] = memcpy(t->buf + t->used, s, n);
	t->buf[t->used + n] = '\0';
	t->used += n + 1;
}

static void wrap_value(const struct diff_value *v, enum diff_field f, size_t width, struct text_lines *t)
{
	char cur[DIFF_TEXT_MAX_WIDTH + 4]; /* a UTF-8 character is never cut: up to 3 bytes over */
	size_t len = 0;
	t->count = 0;
	t->used = 0;
	if (!v->count) {
		lines_push(t, "-", 1);
		return;
	}
	for (size_t i = 0; i < v->count; i++) {
		char item[4 * 96]; /* items hold wire names: escaped as text_escape does */
		/* Fingerprints are long: position and the first 16 hex digits tell chains apart. */
		if (f == DF_CERTIFICATES)
			snprintf(item, sizeof(item), "%zu:%.16s", i, v->items[i]);
		else
			text_escape(v->items[i], item, sizeof(item));
		size_t n = strlen(item);
		size_t need = n + (i + 1 < v->count ? 1 : 0); /* the comma */
		if (len && len + 1 + need > width) {
			lines_push(t, cur, len);
			len = 0;
		}
		if (len)
			cur[len++] = ' ';
		/* An item longer than the column is cut across lines. */
		for (size_t k = 0; k < n; k++) {
			if (len >= width && ((unsigned char)item[k] & 0xc0) != 0x80) {
				lines_push(t, cur, len);
				len = 0;
			}
			cur[len++] = item[k];
		}
		if (i + 1 < v->count &&
		    (n == 0 || item[n - 1] != ':')) { /* an empty item gets its comma too */
			if (len >= width) {
				lines_push(t, cur, len);
				len = 0;
			}
			cur[len++] = ',';
		}
	}
	if (len)
		lines_push(t, cur, len);
}

static void text_group(FILE *out, const char *label, const struct diff_group *g)
{
	const struct diff_shape *s = &g->shape;
	fprintf(out, "%s #%llu", label, (unsigned long long)g->ids[0]);
	if (g->count > 1)
		fprintf(out, " (and %u more alike)", g->count - 1);
	fprintf(out, " %s:%u %s %s", s->server_ip, s->server_port, s->sni_present ? s->sni : "(no SNI)",
	        conn_outcome_name((enum conn_outcome)s->outcome));
}

struct text_layout {
	int width;
	int label_width;
	int column_width;
};

/* A sentence after a lead, wrapped at spaces to `width`, continued under its start. */
static void text_wrapped(FILE *out, const char *lead, const char *raw, size_t width)
{
	char safe[4 * sizeof(((struct diff_pair *)0)->verdict)];
	const char *text = safe;
	text_escape(raw, safe, sizeof(safe));
	size_t indent = strlen(lead), col = indent;
	fputs(lead, out);
	while (*text) {
		size_t word = strcspn(text, " ");
		if (col > indent && col + 1 + word > width) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', out);
			col++;
		}
		fwrite(text, 1, word, out);
		col += word;
		text += word;
		text += strspn(text, " ");
	}
	fputc('\n', out);
}

static void text_row(FILE *out, const struct text_layout *lay, const char *label, const struct text_lines *a,
                     const struct text_lines *b, char mark)
{
	size_t rows = a->count > b->count ? a->count : b->count;
	for (size_t r = 0; r < rows; r++) {
		const char *right = r < b->count ? b->line[r] : "";
		fprintf(out, "%c %-*s %-*s |%s%s\n", r ? ' ' : mark, lay->label_width, r ? "" : label,
		        lay->column_width, r < a->count ? a->line[r] : "", *right ? " " : "", right);
	}
}

static void text_pair(FILE *out, const struct conn_diff *d, const struct diff_pair *p, size_t n,
                      const struct text_layout *lay, bool all_fields)
{
	const struct diff_group *g = &d->side[DIFF_GOOD].groups[p->good],
	                        *b = &d->side[DIFF_BAD].groups[p->bad];
	static struct diff_value va, vb, only_a, only_b;
	static struct text_lines la, lb;
	fprintf(out, "pair %zu, paired by %s:\n  ", n, diff_pairing_name(p->pairing));
	text_group(out, "GOOD", g);
	fprintf(out, "\n  ");
	text_group(out, "BAD ", b);
	fprintf(out, "\n");
	la.count = lb.count = 0;
	lines_push(&la, "GOOD", 4);
	lines_push(&lb, "BAD", 3);
	if (!p->differ_count && !all_fields)
		fprintf(out, "  (every field is equal)\n");
	else
		text_row(out, lay, "field", &la, &lb, ' ');
	for (int f = 0; f < DF_COUNT; f++) {
		if (!p->differs[f] && !all_fields)
			continue;
		diff_field_value(&g->shape, (enum diff_field)f, &va);
		diff_field_value(&b->shape, (enum diff_field)f, &vb);
		if (p->differs[f] && !all_fields && f != DF_CERTIFICATES &&
		    diff_value_long_lists_differ(&va, &vb)) {
			/* Long lists (cipher suites) side by side hide the difference: show what only one
			 * has. */
			diff_value_only_in(&va, &vb, true, &only_a);
			diff_value_only_in(&vb, &va, true, &only_b);
			wrap_value(&only_a, (enum diff_field)f, (size_t)lay->column_width, &la);
			wrap_value(&only_b, (enum diff_field)f, (size_t)lay->column_width, &lb);
		} else {
			wrap_value(&va, (enum diff_field)f, (size_t)lay->column_width, &la);
			wrap_value(&vb, (enum diff_field)f, (size_t)lay->column_width, &lb);
		}
		text_row(out, lay, diff_field_name((enum diff_field)f), &la, &lb, p->differs[f] ? '*' : ' ');
	}
	text_wrapped(out, "  verdict: ", p->verdict, (size_t)lay->width);
	fprintf(out, "\n");
}

static void text_unpaired(FILE *out, const struct diff_side *sd, const bool *paired, const char *label)
{
	if (!conn_diff_unpaired(sd, paired))
		return;
	fprintf(out, "only in %s (no partner found):\n", label);
	for (size_t i = 0; i < sd->group_count; i++) {
		if (paired[i])
			continue;
		fprintf(out, "  ");
		text_group(out, label, &sd->groups[i]);
		fprintf(out, "\n");
	}
	fprintf(out, "\n");
}

static void text_side(FILE *out, const char *label, const char *file, const struct diff_side *sd)
{
	fprintf(out, "%s %s: %llu connection%s in %zu group%s", label, file,
	        (unsigned long long)sd->connections, sd->connections == 1 ? "" : "s", sd->group_count,
	        sd->group_count == 1 ? "" : "s");
	if (sd->not_compared)
		fprintf(out, "; %llu more not compared (--max-connections)",
		        (unsigned long long)sd->not_compared);
	fprintf(out, "\n");
}

void diff_report_text(FILE *out, const struct conn_diff *d, const char *const names[2], int width,
                      bool all_fields)
{
	if (width > DIFF_TEXT_MAX_WIDTH)
		width = DIFF_TEXT_MAX_WIDTH;
	/* The label column fits the longest name shown. */
	struct text_layout lay = {.width = width, .label_width = 5};
	for (size_t i = 0; i < d->pair_count; i++)
		for (int f = 0; f < DF_COUNT; f++) {
			int n = (int)strlen(diff_field_name((enum diff_field)f));
			if ((all_fields || d->pairs[i].differs[f]) && n > lay.label_width)
				lay.label_width = n;
		}
	/* "* label GOOD | BAD": mark, three separators. */
	lay.column_width = (width - lay.label_width - 2 - 1 - 3) / 2;
	if (lay.column_width < 16)
		lay.column_width = 16;
	text_side(out, "GOOD", names[0], &d->side[DIFF_GOOD]);
	text_side(out, "BAD ", names[1], &d->side[DIFF_BAD]);
	fprintf(out, "%zu pair%s\n\n", d->pair_count, d->pair_count == 1 ? "" : "s");
	for (size_t i = 0; i < d->pair_count; i++)
		text_pair(out, d, &d->pairs[i], i + 1, &lay, all_fields);
	text_unpaired(out, &d->side[DIFF_GOOD], d->good_paired, "GOOD");
	text_unpaired(out, &d->side[DIFF_BAD], d->bad_paired, "BAD");
}

/* ------------------------------------------------------------------ JSON */

static void json_value(struct jsonw *w, const char *key, const struct diff_value *v)
{
	if (v->is_list) {
		jw_array_begin(w, key);
		for (size_t i = 0; i < v->count; i++)
			jw_string(w, NULL, v->items[i]);
		jw_array_end(w);
	} else {
		jw_string(w, key, v->count ? v->items[0] : NULL);
	}
}

static void json_group(struct jsonw *w, const char *key, const struct diff_group *g)
{
	const struct diff_shape *s = &g->shape;
	jw_object_begin(w, key);
	jw_array_begin(w, "ids");
	for (size_t i = 0; i < g->count && i < DIFF_MAX_IDS; i++)
		jw_uint(w, NULL, g->ids[i]);
	jw_array_end(w);
	jw_uint(w, "connections", g->count);
	jw_object_begin(w, "server");
	jw_string(w, "ip", s->server_ip);
	jw_uint(w, "port", s->server_port);
	jw_object_end(w);
	jw_string(w, "server_name", s->sni_present ? s->sni : NULL);
	jw_ascii(w, "outcome", conn_outcome_name((enum conn_outcome)s->outcome));
	if (s->finding_count)
		jw_ascii(w, "worst_severity", severity_name((enum severity)s->findings[0].severity));
	else
		jw_null(w, "worst_severity");
	jw_object_end(w);
}

static void json_side(struct jsonw *w, const char *key, const char *file, const struct diff_side *sd)
{
	jw_object_begin(w, key);
	jw_string(w, "file", file);
	jw_uint(w, "connections", sd->connections);
	jw_uint(w, "groups", sd->group_count);
	jw_uint(w, "not_compared", sd->not_compared);
	jw_object_end(w);
}

static void json_unpaired(struct jsonw *w, const char *key, const struct diff_side *sd, const bool *paired)
{
	jw_array_begin(w, key);
	for (size_t i = 0; i < sd->group_count; i++)
		if (!paired[i])
			json_group(w, NULL, &sd->groups[i]);
	jw_array_end(w);
}

void diff_report_json(struct jsonw *w, const struct conn_diff *d, const char *const names[2])
{
	static struct diff_value va, vb;
	jw_object_begin(w, NULL);
	jw_ascii(w, "type", "diff");
	json_side(w, "good", names[0], &d->side[DIFF_GOOD]);
	json_side(w, "bad", names[1], &d->side[DIFF_BAD]);
	jw_array_begin(w, "pairs");
	for (size_t i = 0; i < d->pair_count; i++) {
		const struct diff_pair *p = &d->pairs[i];
		const struct diff_group *g = &d->side[DIFF_GOOD].groups[p->good];
		const struct diff_group *b = &d->side[DIFF_BAD].groups[p->bad];
		jw_object_begin(w, NULL);
		jw_ascii(w, "paired_by", diff_pairing_name(p->pairing));
		json_group(w, "good", g);
		json_group(w, "bad", b);
		jw_uint(w, "differ_count", p->differ_count);
		jw_array_begin(w, "fields");
		for (int f = 0; f < DF_COUNT; f++) {
			diff_field_value(&g->shape, (enum diff_field)f, &va);
			diff_field_value(&b->shape, (enum diff_field)f, &vb);
			jw_object_begin(w, NULL);
			jw_ascii(w, "name", diff_field_name((enum diff_field)f));
			jw_bool(w, "differs", p->differs[f]);
			json_value(w, "good", &va);
			json_value(w, "bad", &vb);
			jw_object_end(w);
		}
		jw_array_end(w);
		jw_string(w, "verdict", p->verdict);
		jw_object_end(w);
	}
	jw_array_end(w);
	json_unpaired(w, "unpaired_good", &d->side[DIFF_GOOD], d->good_paired);
	json_unpaired(w, "unpaired_bad", &d->side[DIFF_BAD], d->bad_paired);
	jw_object_end(w);
}
