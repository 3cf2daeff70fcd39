/*
 * cli_diff.c - `tlsscope diff GOOD BAD`: the command, its options and its
 * outputs (text side by side, one JSON document). The pairing, comparison
 * and verdicts are the library's (conn_diff.h); this file only runs the
 * analysis over the two captures and shows the result.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli_analysis.h"
#include "cli_diff.h"
#include "conn_diff.h"
#include "diff_html.h"
#include "jsonw.h"

#define DIFF_DEFAULT_WIDTH 100
#define DIFF_MIN_WIDTH 60
#define DIFF_MAX_WIDTH 400

const char diff_usage[] =
	"usage: tlsscope diff [options] GOOD BAD   (two captures: one that works, one that fails)\n"
	"\n"
	"options for diff:\n"
	"  --json               one JSON document: pairs, per-field values, verdicts, unpaired\n"
	"  -o, --output FILE    write to FILE instead of standard output\n"
	"  --html FILE          also write a self-contained HTML page to FILE: per pair the\n"
	"                       verdict, the differing fields and both handshakes side by side\n"
	"  --all-fields         text: show the fields that are equal too\n"
	"  --max-connections N  connections compared per capture (default 10000); more are counted\n"
	"\n"
	"analysis (as for analyze):\n";

struct diff_run {
	struct conn_diff diff;
	struct diff_html *html;     /* --html: drawings of each group's first connection */
	struct report_inputs inputs;
};

/* On the writer thread: each finished connection into its side's groups;
 * a connection that opens a group is drawn for the page while it exists. */
static void diff_sink(const struct conn *c, const struct diagnosis *dg, void *user)
{
	struct diff_run *r = user;
	enum diff_side_index side = c->file_index == 0 ? DIFF_GOOD : DIFF_BAD;
	size_t groups = r->diff.side[side].group_count;
	if (conn_diff_add(&r->diff, side, c, dg) && r->html && r->diff.side[side].group_count > groups)
		diff_html_add_group(r->html, side, groups, c, dg, &r->inputs);
}

/* ------------------------------------------------------------------ text */

static int output_width(FILE *out)
{
	const char *cols = getenv("COLUMNS");
	long w = 0;
	if (cols && *cols) {
		char *end;
		w = strtol(cols, &end, 10);
		if (*end)
			w = 0;
	}
	if (w <= 0 && isatty(fileno(out))) {
		struct winsize ws;
		if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0)
			w = ws.ws_col;
	}
	if (w <= 0)
		w = DIFF_DEFAULT_WIDTH;
	return w < DIFF_MIN_WIDTH ? DIFF_MIN_WIDTH : w > DIFF_MAX_WIDTH ? DIFF_MAX_WIDTH : (int)w;
}

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
	char cur[DIFF_MAX_WIDTH + 1];
	size_t len = 0;
	t->count = 0;
	t->used = 0;
	if (!v->count) {
		lines_push(t, "-", 1);
		return;
	}
	for (size_t i = 0; i < v->count; i++) {
		char item[96];
		/* Fingerprints are long: position and the first 16 hex digits tell chains apart. */
		if (f == DF_CERTIFICATES)
			snprintf(item, sizeof(item), "%zu:%.16s", i, v->items[i]);
		else
			snprintf(item, sizeof(item), "%s", v->items[i]);
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
			if (len >= width) {
				lines_push(t, cur, len);
				len = 0;
			}
			cur[len++] = item[k];
		}
		if (i + 1 < v->count && item[n - 1] != ':') {
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
static void text_wrapped(FILE *out, const char *lead, const char *text, size_t width)
{
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
	const struct diff_group *g = &d->side[DIFF_GOOD].groups[p->good], *b = &d->side[DIFF_BAD].groups[p->bad];
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
	text_row(out, lay, "field", &la, &lb, ' ');
	if (!p->differ_count && !all_fields)
		fprintf(out, "  (every field is equal)\n");
	for (int f = 0; f < DF_COUNT; f++) {
		if (!p->differs[f] && !all_fields)
			continue;
		diff_field_value(&g->shape, (enum diff_field)f, &va);
		diff_field_value(&b->shape, (enum diff_field)f, &vb);
		if (p->differs[f] && !all_fields && f != DF_CERTIFICATES && diff_value_long_lists_differ(&va, &vb)) {
			/* Long lists (cipher suites) side by side hide the difference: show what only one has. */
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
	fprintf(out, "%s %s: %llu connection%s in %zu shape%s", label, file, (unsigned long long)sd->connections,
		sd->connections == 1 ? "" : "s", sd->group_count, sd->group_count == 1 ? "" : "s");
	if (sd->not_compared)
		fprintf(out, "; %llu more not compared (--max-connections)", (unsigned long long)sd->not_compared);
	fprintf(out, "\n");
}

static void write_text(FILE *out, const struct conn_diff *d, const char *const names[2], bool all_fields)
{
	int width = output_width(out);
	/* The label column fits the longest name shown. */
	struct text_layout lay = { .width = width, .label_width = 5 };
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

static void write_json(struct jsonw *w, const struct conn_diff *d, const char *const names[2])
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

/* ------------------------------------------------------------------ command */

enum diff_option_code {
	OPT_DIFF_JSON = OPT_ANALYSIS_LAST + 1,
	OPT_DIFF_ALL_FIELDS,
	OPT_DIFF_MAX_CONNECTIONS,
	OPT_DIFF_HTML,
};

int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		ANALYSIS_LONG_OPTIONS,
		{ "json", no_argument, NULL, OPT_DIFF_JSON },
		{ "output", required_argument, NULL, 'o' },
		{ "all-fields", no_argument, NULL, OPT_DIFF_ALL_FIELDS },
		{ "html", required_argument, NULL, OPT_DIFF_HTML },
		{ "max-connections", required_argument, NULL, OPT_DIFF_MAX_CONNECTIONS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct analysis_config cfg;
	struct analysis *a = NULL;
	struct diff_run run = { .html = NULL };
	struct jsonw w;
	struct capture_info info[2];
	FILE *out = stdout, *html_fp = NULL;
	const char *output = NULL, *html_file = NULL;
	bool json = false, all_fields = false;
	unsigned long max_conns = DIFF_DEFAULT_MAX_CONNS;
	int status = 0, c;
	conn_diff_init(&run.diff, 0);
	jw_init(&w);
	memset(info, 0, sizeof(info));
	if (!analysis_config_init(&cfg, argc)) {
		fprintf(stderr, "tlsscope: out of memory\n");
		status = EXIT_USAGE;
		goto out;
	}
	optind = 1;
	while ((c = analysis_next_option(&cfg, argc, argv, "o:h", opts)) != -1) {
		switch (c) {
		case ANALYSIS_BAD_OPTION: status = EXIT_USAGE; goto out;
		case OPT_DIFF_JSON: json = true; break;
		case 'o': output = optarg; break;
		case OPT_DIFF_ALL_FIELDS: all_fields = true; break;
		case OPT_DIFF_HTML: html_file = optarg; break;
		case OPT_DIFF_MAX_CONNECTIONS: {
			char *end;
			errno = 0;
			max_conns = strtoul(optarg, &end, 10);
			if (errno || *end || !max_conns || max_conns > 10000000) {
				fprintf(stderr, "tlsscope: --max-connections: '%s' is not a number from 1 to 10000000\n",
					optarg);
				status = EXIT_USAGE;
				goto out;
			}
			break;
		}
		case 'h': fputs(diff_usage, stdout); fputs(analysis_options_help, stdout); goto out;
		default: fputs(diff_usage, stderr); status = EXIT_USAGE; goto out;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "tlsscope: diff needs two capture files: GOOD (a run that works) and BAD (one that fails)\n");
		status = EXIT_USAGE;
		goto out;
	}
	run.diff.max_conns = max_conns;
	const char *names[2] = { argv[optind], argv[optind + 1] };
	if (!strcmp(names[0], "-") && !strcmp(names[1], "-")) {
		fprintf(stderr, "tlsscope: diff: only one of GOOD and BAD can be standard input\n");
		status = EXIT_USAGE;
		goto out;
	}
	if (output && !(out = fopen(output, "w"))) {
		fprintf(stderr, "tlsscope: %s: cannot write: %s\n", output, strerror(errno));
		out = stdout;
		status = EXIT_USAGE;
		goto out;
	}
	if (html_file) {
		html_fp = fopen(html_file, "w");
		run.html = html_fp ? diff_html_new() : NULL;
		if (!run.html) {
			fprintf(stderr, "tlsscope: %s: cannot write: %s\n", html_file,
				html_fp ? "no temporary file for the HTML page" : strerror(errno));
			status = EXIT_USAGE;
			goto out;
		}
	}
	run.inputs.names = names;
	run.inputs.info = info;
	run.inputs.count = 2;
	a = analysis_start(&cfg, diff_sink, &run);
	if (!a) {
		status = EXIT_USAGE;
		goto out;
	}
	for (uint32_t i = 0; i < 2; i++)
		if (!analysis_read_file(a, i, names[i], &info[i]))
			status = EXIT_USAGE;
	analysis_drain(a);
	if (status)
		goto out;
	if (run.diff.out_of_memory || !conn_diff_pair(&run.diff)) {
		fprintf(stderr, "tlsscope: out of memory\n");
		status = EXIT_USAGE;
		goto out;
	}
	for (int s = 0; s < 2; s++)
		if (run.diff.side[s].not_compared)
			fprintf(stderr, "tlsscope: warning: %s: %llu connections past --max-connections %lu were not compared\n",
				names[s], (unsigned long long)run.diff.side[s].not_compared, max_conns);
	if (json) {
		write_json(&w, &run.diff, names);
		if (!jw_flush_line(&w, out))
			status = EXIT_USAGE;
	} else {
		write_text(out, &run.diff, names, all_fields);
	}
	if (run.html) {
		bool ok = diff_html_write(run.html, html_fp, &run.diff, names);
		if (fclose(html_fp) != 0 || !ok) {
			fprintf(stderr, "tlsscope: %s: writing the HTML page failed\n", html_file);
			status = EXIT_USAGE;
		}
		html_fp = NULL;
	}
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(stderr, "tlsscope: writing the diff failed: %s\n", strerror(errno));
		status = EXIT_USAGE;
	}
out:
	analysis_free(a);
	conn_diff_free(&run.diff);
	diff_html_free(run.html);
	if (html_fp)
		fclose(html_fp);
	jw_free(&w);
	analysis_config_free(&cfg);
	if (out != stdout && fclose(out) != 0 && !status) {
		fprintf(stderr, "tlsscope: writing the diff failed: %s\n", strerror(errno));
		status = EXIT_USAGE;
	}
	return status;
}
