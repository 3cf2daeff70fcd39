/*
 * ts_budget.c - the split of --memory-cap and each part's counters (see ts_budget.h).
 */
#include "ts_budget.h"

#include <string.h>

/* Sixteenths of the cap per part. Connection state gets half (as before the
 * budget, it was the only thing held); the certificate cache, which repeats
 * across connections, most of the rest. QUIC is a share within flows: a
 * flood of Initials must not take the TCP connections' room. */
static const unsigned share16[TS_BUDGET_PART_COUNT] = {
    [TS_BUDGET_FLOWS] = 8,    [TS_BUDGET_QUIC] = 2,   [TS_BUDGET_CERTIFICATES] = 3,
    [TS_BUDGET_VERDICTS] = 1, [TS_BUDGET_KEYLOG] = 2, [TS_BUDGET_OUTPUT] = 2,
};

static const char *const part_names[TS_BUDGET_PART_COUNT] = {
    [TS_BUDGET_FLOWS] = "flows",
    [TS_BUDGET_QUIC] = "quic",
    [TS_BUDGET_CERTIFICATES] = "certificates",
    [TS_BUDGET_VERDICTS] = "verdicts",
    [TS_BUDGET_KEYLOG] = "keylog",
    [TS_BUDGET_OUTPUT] = "output",
};

static const struct {
	enum ts_budget_part part;
	const char *name;
} reasons[TS_BUDGET_REASON_COUNT] = {
    [TS_BUDGET_FLOW_EVICTED] = {TS_BUDGET_FLOWS, "evicted"},
    [TS_BUDGET_QUIC_EVICTED] = {TS_BUDGET_QUIC, "evicted"},
    [TS_BUDGET_CERT_EVICTED] = {TS_BUDGET_CERTIFICATES, "evicted"},
    [TS_BUDGET_CERT_OVERSIZED] = {TS_BUDGET_CERTIFICATES, "oversized"},
    [TS_BUDGET_VERDICT_EVICTED] = {TS_BUDGET_VERDICTS, "evicted"},
    [TS_BUDGET_KEYLOG_DROPPED] = {TS_BUDGET_KEYLOG, "dropped"},
    [TS_BUDGET_OUTPUT_WAITED] = {TS_BUDGET_OUTPUT, "waited"},
    [TS_BUDGET_OUTPUT_DROPPED] = {TS_BUDGET_OUTPUT, "dropped"},
};

size_t ts_budget_part_cap(size_t memory_cap, enum ts_budget_part part)
{
	return memory_cap / 16 * share16[part];
}

void ts_budget_init(struct ts_budget *b, size_t memory_cap)
{
	memset(b, 0, sizeof(*b));
	b->total_cap = memory_cap;
	for (int i = 0; i < TS_BUDGET_PART_COUNT; i++)
		b->part[i].cap = ts_budget_part_cap(memory_cap, (enum ts_budget_part)i);
}

void ts_budget_set(struct ts_budget *b, enum ts_budget_part part, size_t bytes, uint64_t items)
{
	struct ts_budget_part_state *s = &b->part[part];
	s->bytes = bytes;
	s->items = items;
	if (bytes > s->peak)
		s->peak = bytes;
	if (items > s->items_peak)
		s->items_peak = items;
}

bool ts_budget_charge(struct ts_budget *b, enum ts_budget_part part, size_t bytes, uint64_t items)
{
	struct ts_budget_part_state *s = &b->part[part];
	ts_budget_set(b, part, s->bytes + bytes, s->items + items);
	return s->bytes > s->cap;
}

void ts_budget_release(struct ts_budget *b, enum ts_budget_part part, size_t bytes, uint64_t items)
{
	struct ts_budget_part_state *s = &b->part[part];
	s->bytes = bytes < s->bytes ? s->bytes - bytes : 0;
	s->items = items < s->items ? s->items - items : 0;
}

bool ts_budget_over(const struct ts_budget *b, enum ts_budget_part part)
{
	return b->part[part].bytes > b->part[part].cap;
}

void ts_budget_count(struct ts_budget *b, enum ts_budget_reason reason, uint64_t n)
{
	b->reason[reason] += n;
}

const char *ts_budget_part_name(enum ts_budget_part part)
{
	return part < TS_BUDGET_PART_COUNT ? part_names[part] : "?";
}

const char *ts_budget_reason_name(enum ts_budget_reason reason)
{
	return reason < TS_BUDGET_REASON_COUNT ? reasons[reason].name : "?";
}

enum ts_budget_part ts_budget_reason_part(enum ts_budget_reason reason)
{
	return reasons[reason].part;
}
