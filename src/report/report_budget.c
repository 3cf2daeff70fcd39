/*
 * report_budget.c - the memory budget in the run summary (see report_budget.h).
 */
#include "report_budget.h"

#include <inttypes.h>

void report_json_budget(struct jsonw *w, const struct ts_budget *b)
{
	jw_object_begin(w, "memory");
	jw_uint(w, "cap_bytes", b->total_cap);
	for (int p = 0; p < TS_BUDGET_PART_COUNT; p++) {
		const struct ts_budget_part_state *s = &b->part[p];
		jw_object_begin(w, ts_budget_part_name((enum ts_budget_part)p));
		jw_uint(w, "cap_bytes", s->cap);
		jw_uint(w, "peak_bytes", s->peak);
		jw_uint(w, "peak_count", s->items_peak);
		for (int r = 0; r < TS_BUDGET_REASON_COUNT; r++)
			if (ts_budget_reason_part((enum ts_budget_reason)r) == (enum ts_budget_part)p)
				jw_uint(w, ts_budget_reason_name((enum ts_budget_reason)r), b->reason[r]);
		jw_object_end(w);
	}
	jw_object_end(w);
}

static double mib(size_t bytes)
{
	return (double)bytes / (1 << 20);
}

void report_text_budget(FILE *fp, const struct ts_budget *b)
{
	fprintf(fp, "memory peak (of --memory-cap %.1f MiB):", mib(b->total_cap));
	for (int p = 0; p < TS_BUDGET_PART_COUNT; p++)
		fprintf(fp, "%s %s %.1f/%.1f MiB", p ? "," : "", ts_budget_part_name((enum ts_budget_part)p),
		        mib(b->part[p].peak), mib(b->part[p].cap));
	fputc('\n', fp);
	const char *sep = "memory limits hit:";
	for (int r = 0; r < TS_BUDGET_REASON_COUNT; r++) {
		if (!b->reason[r])
			continue;
		fprintf(fp, "%s %s %s %" PRIu64, sep,
		        ts_budget_part_name(ts_budget_reason_part((enum ts_budget_reason)r)),
		        ts_budget_reason_name((enum ts_budget_reason)r), b->reason[r]);
		sep = ",";
	}
	if (sep[0] == ',')
		fputc('\n', fp);
}
