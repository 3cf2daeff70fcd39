/*
 * ts_budget.h - the one memory budget of a run.
 *
 * Owns the split of --memory-cap into parts (flows, QUIC state, the
 * certificate cache, verdict caches, key-log secrets, records waiting for
 * the output), each part's current and peak bytes, and a count per reason
 * a part dropped or evicted something to stay under its cap. The parts'
 * owners charge and release their bytes here and decide what to drop; the
 * summary prints every part. Each part is charged from one thread only
 * (the owner's), and read once the run's threads have stopped, so there is
 * no locking.
 */
#ifndef TLSSCOPE_BUDGET_H
#define TLSSCOPE_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ts_budget_part {
	TS_BUDGET_FLOWS = 0,    /* every connection's state (TCP and QUIC), as memory_peak_bytes */
	TS_BUDGET_QUIC,         /* the QUIC flows among them: a cap of their own */
	TS_BUDGET_CERTIFICATES, /* the certificate cache: DER and parsed certificates */
	TS_BUDGET_VERDICTS,     /* the cache of chain verdicts */
	TS_BUDGET_KEYLOG,       /* key-log secrets (--keylog) */
	TS_BUDGET_OUTPUT,       /* records waiting for the writer thread */
	TS_BUDGET_PART_COUNT
};

/* Why a part let something go. Each belongs to one part (ts_budget_reason_part). */
enum ts_budget_reason {
	TS_BUDGET_FLOW_EVICTED = 0, /* oldest connection ended early (also summary `evicted`) */
	TS_BUDGET_QUIC_EVICTED,     /* oldest QUIC flow ended early */
	TS_BUDGET_CERT_EVICTED,     /* least recently used certificate dropped (parsed again if seen) */
	TS_BUDGET_CERT_OVERSIZED,   /* certificate past a per-certificate limit: listed, not parsed */
	TS_BUDGET_VERDICT_EVICTED,  /* oldest chain verdict dropped (verified again if seen) */
	TS_BUDGET_KEYLOG_DROPPED,   /* key-log line not kept */
	TS_BUDGET_OUTPUT_WAITED,    /* the analysis waited for the writer to free room */
	TS_BUDGET_OUTPUT_DROPPED,   /* live: a record dropped, the writer being behind */
	TS_BUDGET_REASON_COUNT
};

struct ts_budget_part_state {
	size_t bytes, peak, cap;
	uint64_t items, items_peak; /* connections, certificates, verdicts, entries, records */
};

struct ts_budget {
	size_t total_cap; /* --memory-cap */
	struct ts_budget_part_state part[TS_BUDGET_PART_COUNT];
	uint64_t reason[TS_BUDGET_REASON_COUNT];
};

/* Split memory_cap (bytes) into the parts' caps (docs/limits.md lists the shares). */
void ts_budget_init(struct ts_budget *b, size_t memory_cap);

/* A part's cap for a total cap, without a budget (to size a table before the run). */
size_t ts_budget_part_cap(size_t memory_cap, enum ts_budget_part part);

/* bytes (and items) more held by a part; true when the part is now over its cap. */
bool ts_budget_charge(struct ts_budget *b, enum ts_budget_part part, size_t bytes, uint64_t items);
void ts_budget_release(struct ts_budget *b, enum ts_budget_part part, size_t bytes, uint64_t items);
/* Set a part's holding outright (an owner that keeps its own total). */
void ts_budget_set(struct ts_budget *b, enum ts_budget_part part, size_t bytes, uint64_t items);
bool ts_budget_over(const struct ts_budget *b, enum ts_budget_part part);
void ts_budget_count(struct ts_budget *b, enum ts_budget_reason reason, uint64_t n);

/* Names as the summary writes them: "flows", ...; "evicted", "oversized", ... */
const char *ts_budget_part_name(enum ts_budget_part part);
const char *ts_budget_reason_name(enum ts_budget_reason reason);
enum ts_budget_part ts_budget_reason_part(enum ts_budget_reason reason);

#endif
