/*
 * fuzz_html.c - libFuzzer harness for the HTML report writer: the input is a
 * whole pcap or pcapng file (as fuzz_capture.c reads it); every connection
 * is diagnosed and added to an HTML report, which is then written to a
 * memory stream. The page must come out whole: html_report_finish() says
 * it succeeded and the text ends with the page's closing tag, so the
 * summary charts, the table, the ladders, chain cards and findings of every
 * connection and the closing script were all written.
 *
 * Seeds: the captures of pcaps/ and tests/regress/ as they are.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_read.h"
#include "report_html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct html_run {
	struct html_report *h;
	struct report_inputs in;
};

static void on_conn(const struct conn *c, const struct diagnosis *dg, void *user)
{
	struct html_run *r = user;
	html_report_add(r->h, c, dg, &r->in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[] = {"fuzz<&\"'>.pcap"}; /* a name the page must escape */
	struct capture_info info;
	struct ts_stats stats;
	struct html_run r = {.h = html_report_new()};
	if (!r.h)
		return 0;
	r.in.names = names;
	r.in.info = &info;
	r.in.count = 1;
	if (!fuzz_read_capture(data, size, 0, NULL, &info, &stats, on_conn, &r)) {
		html_report_discard(r.h);
		return 0;
	}
	char *page = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&page, &len);
	if (!fp) {
		html_report_discard(r.h);
		return 0;
	}
	bool ok = html_report_finish(r.h, fp, &stats, &r.in);
	if (fclose(fp) != 0 || !ok || !fuzz_ends_with(page, len, "</html>\n"))
		abort();
	free(page);
	return 0;
}
