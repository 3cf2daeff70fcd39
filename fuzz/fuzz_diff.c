/*
 * fuzz_diff.c - libFuzzer harness for `tlsscope diff`: two fuzzed captures
 * through the connection diff (grouping, pairing, comparison, verdicts)
 * and all three of its outputs, text (narrow or wide, differing or all
 * fields), JSON and the HTML page, the page written to a memory stream
 * that must end with its closing tag.
 *
 * Input: a 2-byte big-endian length, that many bytes of the GOOD capture
 * (cut at the end of the input), the rest the BAD capture; the last byte
 * picks the text width and --all-fields. Seeds: pairs of the sample
 * captures (fuzz/diff_seeds.py).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "conn_diff.h"
#include "diff_html.h"
#include "diff_report.h"
#include "fuzz_read.h"
#include "jsonw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Few enough that a fuzzed capture of many connections passes the cap. */
#define FUZZ_DIFF_MAX_CONNS 8

struct diff_run {
	struct conn_diff diff;
	struct diff_html *html;
	struct report_inputs in;
	enum diff_side_index side;
};

/* As cli_diff.c does: a connection that opens a group is drawn for the page. */
static void on_conn(const struct conn *c, const struct diagnosis *dg, void *user)
{
	struct diff_run *r = user;
	size_t groups = r->diff.side[r->side].group_count;
	if (conn_diff_add(&r->diff, r->side, c, dg) && r->diff.side[r->side].group_count > groups)
		diff_html_add_group(r->html, r->side, groups, c, dg, &r->in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	if (!sink)
		sink = fopen("/dev/null", "w");
	if (size < 2)
		return 0;
	size_t good_len = (size_t)data[0] << 8 | data[1];
	const uint8_t *good = data + 2;
	if (good_len > size - 2)
		good_len = size - 2;
	const uint8_t *bad = good + good_len;
	size_t bad_len = size - 2 - good_len;
	uint8_t knobs = data[size - 1];

	static const char *const names[2] = {"good.pcap", "bad <&> .pcap"};
	struct capture_info info[2];
	struct ts_stats stats;
	struct diff_run r = {.html = diff_html_new()};
	if (!r.html)
		return 0;
	conn_diff_init(&r.diff, FUZZ_DIFF_MAX_CONNS);
	r.in.names = (const char **)names;
	r.in.info = info;
	r.in.count = 2;
	r.side = DIFF_GOOD;
	bool read = fuzz_read_capture(good, good_len, 0, NULL, &info[0], &stats, on_conn, &r);
	r.side = DIFF_BAD;
	read = read && fuzz_read_capture(bad, bad_len, 1, NULL, &info[1], &stats, on_conn, &r);
	if (read && !r.diff.out_of_memory && conn_diff_pair(&r.diff)) {
		/* Widths from below the CLI's floor of 60 to its cap. */
		int width = 40 + (knobs & 0x7f) * 3;
		diff_report_text(sink, &r.diff, names, width, knobs & 0x80);
		struct jsonw w;
		jw_init(&w);
		diff_report_json(&w, &r.diff, names);
		jw_free(&w);
		char *page = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&page, &len);
		if (fp) {
			bool ok = diff_html_write(r.html, fp, &r.diff, names);
			if (fclose(fp) != 0 || !ok || !fuzz_ends_with(page, len, "</html>\n"))
				abort();
			free(page);
		}
	}
	conn_diff_free(&r.diff);
	diff_html_free(r.html);
	return 0;
}
