/*
 * fuzz_engine.c - libFuzzer harness for the whole pipeline after libpcap:
 * decode, flow table, TCP reassembly, TLS record layer, handshake parsers
 * and the JSON output of every record.
 *
 * Every finished connection is also diagnosed (certificate parsing, chain
 * verification against an empty store, host name rules, findings).
 *
 * Input: a sequence of frames, each a 2-byte big-endian length then that
 * many bytes of Ethernet frame. Timestamps advance 1 ms per frame, with a
 * jump past the idle timeout every 64 frames so expiry runs too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jsonw.h"
#include "pipeline.h"
#include "report_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_record(const struct conn *c, const struct diagnosis *dg, void *user)
{
	struct jsonw *w = user;
	report_json_conn(w, c, dg, NULL);
	jw_reset(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The library's pipeline, inline, made once per process (an empty store,
	 * no system files): each input is then read as the CLI reads one more
	 * file, its connections all finished by the drain at its end. */
	static struct jsonw w;
	static struct pipeline *p;
	if (!p) {
		struct pipeline_options o = {.engine = {.memory_cap = 1u << 20},
		                             .trust = {.no_system = true},
		                             .diagnose = true,
		                             .no_thread = true};
		char err[256];
		jw_init(&w);
		if (pipeline_new(&o, on_record, &w, &p, err, sizeof(err)) != TS_OK)
			return 0;
	}
	struct engine *e = pipeline_engine(p);
	int64_t ts = 1700000000LL * 1000000000LL;
	size_t off = 0, n = 0;
	while (size - off >= 2) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		engine_frame(e, 1 /* DLT_EN10MB */, ts, data + off, len, len + (n % 7 == 3 ? 100 : 0));
		off += len;
		ts += (++n % 64) ? 1000000 : 400LL * 1000000000LL;
	}
	pipeline_drain(p);
	return 0;
}
