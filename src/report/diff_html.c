/*
 * diff_html.c - the page of `tlsscope diff --html` (see diff_html.h).
 */
#include <stdlib.h>
#include <string.h>

#include "diff_html.h"
#include "report_html.h"

/* Where a group's drawing lies in the temporary file. */
struct diff_fragment {
	long off;
	long len; /* 0: none drawn */
};

struct diff_html {
	FILE *tmp;
	struct diff_fragment *frag[2];
	size_t cap[2];
	bool failed;
};

/* The page's own additions to report_html's style sheet. */
static const char diff_css[] =
    "<style>"
    ".verdict{font-size:1.15rem;font-weight:600;background:var(--badbg);border-left:5px solid var(--error);"
    "border-radius:8px;padding:10px 14px;margin:8px 0 12px}"
    "table.diff{table-layout:fixed}table.diff col.f{width:17em}"
    "table.diff th{cursor:default}table.diff th:after{content:none}"
    "table.diff td{white-space:normal;vertical-align:top;overflow-wrap:anywhere}"
    "table.diff td.f{white-space:nowrap;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em}"
    "table.diff tr.eq td{color:var(--muted)}"
    "section.pair{margin-bottom:34px}"
    "</style>\n";

struct diff_html *diff_html_new(void)
{
	FILE *tmp = tmpfile();
	struct diff_html *h = tmp ? calloc(1, sizeof(*h)) : NULL;
	if (h)
		h->tmp = tmp;
	else if (tmp)
		fclose(tmp);
	return h;
}

void diff_html_free(struct diff_html *h)
{
	if (!h)
		return;
	if (h->tmp)
		fclose(h->tmp);
	free(h->frag[0]);
	free(h->frag[1]);
	free(h);
}

bool diff_html_add_group(struct diff_html *h, enum diff_side_index side, size_t group, const struct conn *c,
                         const struct diagnosis *dg, const struct report_inputs *in)
{
	if (group >= h->cap[side]) {
		size_t cap = h->cap[side] ? h->cap[side] * 2 : 16;
		while (cap <= group)
			cap *= 2;
		struct diff_fragment *f = realloc(h->frag[side], cap * sizeof(*f));
		if (!f) {
			h->failed = true;
			return false;
		}
		memset(f + h->cap[side], 0, (cap - h->cap[side]) * sizeof(*f));
		h->frag[side] = f;
		h->cap[side] = cap;
	}
	if (fseek(h->tmp, 0, SEEK_END) != 0) {
		h->failed = true;
		return false;
	}
	long off = ftell(h->tmp);
	fputs("<h3>Handshake</h3>\n", h->tmp);
	html_ladder_svg(h->tmp, c, in);
	fputs("<h3>Certificates</h3>\n", h->tmp);
	html_chain_cards(h->tmp, c, dg);
	if (dg) {
		fputs("<h3>Findings</h3>\n", h->tmp);
		html_findings(h->tmp, dg);
	}
	long end = ftell(h->tmp);
	if (off < 0 || end < off || ferror(h->tmp)) {
		h->failed = true;
		return false;
	}
	h->frag[side][group] = (struct diff_fragment){off, end - off};
	return true;
}

static void copy_fragment(struct diff_html *h, FILE *fp, enum diff_side_index side, size_t group)
{
	const struct diff_fragment *f = group < h->cap[side] ? &h->frag[side][group] : NULL;
	if (!f || !f->len) {
		fputs("<p class=\"note\">Not drawn.</p>\n", fp);
		return;
	}
	char buf[8192];
	long left = f->len;
	if (fseek(h->tmp, f->off, SEEK_SET) != 0) {
		h->failed = true;
		return;
	}
	while (left > 0) {
		size_t want = left < (long)sizeof(buf) ? (size_t)left : sizeof(buf);
		size_t got = fread(buf, 1, want, h->tmp);
		if (!got) {
			h->failed = true;
			return;
		}
		fwrite(buf, 1, got, fp);
		left -= (long)got;
	}
}

/* Field name, then GOOD and BAD sharing the rest alike. */
#define DIFF_COLS "<colgroup><col class=\"f\"><col><col></colgroup>"

static void write_items(FILE *fp, const struct diff_value *v)
{
	if (!v->count) {
		fputs("<span class=\"none\">&mdash;</span>", fp);
		return;
	}
	size_t first_len = strlen(v->items[0]); /* an item may be empty: never index before it */
	bool first_is_label = first_len && v->items[0][first_len - 1] == ':';
	for (size_t i = 0; i < v->count; i++) {
		if (i)
			fputs(i == 1 && first_is_label ? " " : ", ", fp);
		html_escape(fp, v->items[i]);
	}
}

static void group_title(FILE *fp, const char *label, const struct diff_group *g)
{
	const struct diff_shape *s = &g->shape;
	fprintf(fp, "%s #%llu", label, (unsigned long long)g->ids[0]);
	if (g->count > 1)
		fprintf(fp, " (and %u more alike)", g->count - 1);
	fputs(" &middot; <span class=\"mono\">", fp);
	html_escape(fp, s->server_ip);
	fprintf(fp, ":%u</span> &middot; ", s->server_port);
	html_escape(fp, s->sni_present ? s->sni : "(no SNI)");
	fputs(" &middot; ", fp);
	html_escape(fp, conn_outcome_name((enum conn_outcome)s->outcome));
}

static void field_row(FILE *fp, const struct diff_shape *g, const struct diff_shape *b, enum diff_field f,
                      bool differs)
{
	static _Thread_local struct diff_value va, vb, oa, ob;
	diff_field_value(g, f, &va);
	diff_field_value(b, f, &vb);
	fprintf(fp, "<tr%s><td class=\"f\">%s</td><td>", differs ? "" : " class=\"eq\"", diff_field_name(f));
	if (differs && diff_value_long_lists_differ(&va, &vb)) {
		diff_value_only_in(&va, &vb, true, &oa);
		diff_value_only_in(&vb, &va, true, &ob);
		write_items(fp, &oa);
		fputs("</td><td>", fp);
		write_items(fp, &ob);
	} else {
		write_items(fp, &va);
		fputs("</td><td>", fp);
		write_items(fp, &vb);
	}
	fputs("</td></tr>\n", fp);
}

static void write_pair(struct diff_html *h, FILE *fp, const struct conn_diff *d, size_t n)
{
	const struct diff_pair *p = &d->pairs[n];
	const struct diff_group *g = &d->side[DIFF_GOOD].groups[p->good],
	                        *b = &d->side[DIFF_BAD].groups[p->bad];
	fprintf(
	    fp,
	    "<section class=\"pair\" id=\"pair%zu\">\n<h2>Pair %zu <span class=\"badge plain\">paired by %s"
	    "</span></h2>\n<p class=\"verdict\">",
	    n + 1, n + 1, diff_pairing_name(p->pairing));
	html_escape(fp, p->verdict);
	fputs("</p>\n<p class=\"sub\">", fp);
	group_title(fp, "GOOD", g);
	fputs("<br>", fp);
	group_title(fp, "BAD", b);
	fputs("</p>\n<div class=\"scroll\"><table class=\"diff\">" DIFF_COLS
	      "<thead><tr><th>field</th><th>GOOD</th>"
	      "<th>BAD</th></tr></thead><tbody>\n",
	      fp);
	for (int f = 0; f < DF_COUNT; f++)
		if (p->differs[f])
			field_row(fp, &g->shape, &b->shape, (enum diff_field)f, true);
	fputs("</tbody></table></div>\n", fp);
	if (p->differ_count < DF_COUNT) {
		fprintf(fp,
		        "<details><summary>%zu equal fields</summary><div class=\"scroll\"><table "
		        "class=\"diff\">" DIFF_COLS "<tbody>\n",
		        (size_t)DF_COUNT - p->differ_count);
		for (int f = 0; f < DF_COUNT; f++)
			if (!p->differs[f])
				field_row(fp, &g->shape, &b->shape, (enum diff_field)f, false);
		fputs("</tbody></table></div></details>\n", fp);
	}
	fputs("<div class=\"cols\">\n<div class=\"panel\"><h3>GOOD</h3>\n", fp);
	copy_fragment(h, fp, DIFF_GOOD, p->good);
	fputs("</div>\n<div class=\"panel\"><h3>BAD</h3>\n", fp);
	copy_fragment(h, fp, DIFF_BAD, p->bad);
	fputs("</div>\n</div>\n</section>\n", fp);
}

static void write_unpaired(FILE *fp, const struct diff_side *sd, const bool *paired, const char *label)
{
	if (!conn_diff_unpaired(sd, paired))
		return;
	fprintf(fp, "<h2>Only in %s</h2>\n<ul>\n", label);
	for (size_t i = 0; i < sd->group_count; i++) {
		if (paired[i])
			continue;
		fputs("<li>", fp);
		group_title(fp, label, &sd->groups[i]);
		fputs("</li>\n", fp);
	}
	fputs("</ul>\n", fp);
}

static void side_line(FILE *fp, const char *label, const char *file, const struct diff_side *sd)
{
	fprintf(fp, "<b>%s</b> <span class=\"mono\">", label);
	html_escape(fp, file);
	fprintf(fp, "</span>: %llu connection%s in %zu group%s", (unsigned long long)sd->connections,
	        sd->connections == 1 ? "" : "s", sd->group_count, sd->group_count == 1 ? "" : "s");
	if (sd->not_compared)
		fprintf(fp, ", %llu more not compared", (unsigned long long)sd->not_compared);
}

bool diff_html_write(struct diff_html *h, FILE *fp, const struct conn_diff *d, const char *const names[2])
{
	html_page_begin(fp, "tlsscope diff");
	fputs(diff_css, fp);
	fputs("<main>\n<h1>Good vs bad</h1>\n<p class=\"sub\">", fp);
	side_line(fp, "GOOD", names[0], &d->side[DIFF_GOOD]);
	fputs("<br>", fp);
	side_line(fp, "BAD", names[1], &d->side[DIFF_BAD]);
	fprintf(fp, "<br>%zu pair%s</p>\n", d->pair_count, d->pair_count == 1 ? "" : "s");
	for (size_t i = 0; i < d->pair_count; i++)
		write_pair(h, fp, d, i);
	write_unpaired(fp, &d->side[DIFF_GOOD], d->good_paired, "GOOD");
	write_unpaired(fp, &d->side[DIFF_BAD], d->bad_paired, "BAD");
	fputs("</main>\n", fp);
	html_page_end(fp);
	return !h->failed && !ferror(fp);
}
