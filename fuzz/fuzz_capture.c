/*
 * fuzz_capture.c - libFuzzer harness for the capture file readers: the
 * input is a whole pcap or pcapng file, read through capture_read_memory()
 * (libpcap's parsers, the header sniffing of capture.c, timestamp
 * conversion), then analysed by the engine. Each connection is diagnosed
 * and written as text and JSON, and the run's summary in both, so the text
 * writer sees every field a fuzzed capture can fill.
 *
 * Seeds: the captures of pcaps/ and tests/regress/ as they are.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture.h"
#include "cert_cache.h"
#include "diagnose.h"
#include "engine.h"
#include "fuzz_diag.h"
#include "jsonw.h"
#include "report_json.h"
#include "report_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct diag_context diag;
static struct diagnosis dg;
static FILE *sink;

struct run {
	struct jsonw w;
	struct report_inputs in;
};

static void on_conn(struct conn *c, void *user)
{
	struct run *r = user;
	diagnose_conn(&diag, c, &dg);
	report_json_conn(&r->w, c, &dg, &r->in);
	jw_reset(&r->w);
	report_text_conn(sink, c, &dg, &r->in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_diag_init(&diag);
	if (!sink)
		sink = fopen("/dev/null", "w");
	struct run r = {0};
	static const char *names[] = {"fuzz"};
	struct capture_info info;
	r.in.names = names;
	r.in.info = &info;
	r.in.count = 1;
	r.in.width = 80;
	jw_init(&r.w);
	struct engine_options o = {.memory_cap = 1u << 20};
	struct engine *e = engine_new(&o, on_conn, &r);
	if (!e)
		return 0;
	engine_set_file(e, 0);
	capture_read_memory(data, size, "fuzz", e, &info);
	engine_flush(e);
	report_json_summary(&r.w, engine_stats(e), &r.in);
	jw_reset(&r.w);
	report_text_summary(sink, engine_stats(e), &r.in);
	engine_free(e);
	jw_free(&r.w);
	return 0;
}
