/*
 * run_summary.c - the counts the outputs' summaries show (see run_summary.h).
 */
#include "run_summary.h"

#include <string.h>

int run_summary_worst_of(const struct diagnosis *dg)
{
	return dg && dg->finding_count ? (int)dg->worst : -1;
}

bool run_summary_is_problem(int worst)
{
	return worst >= SEV_WARNING;
}

size_t run_summary_code_index(const struct run_summary *s, const char *code)
{
	for (size_t i = 0; i < s->code_count; i++) /* codes are few: a scan is enough */
		if (!strcmp(s->codes[i], code))
			return i;
	return RUN_SUMMARY_MAX_CODES;
}

static void count_finding(struct run_summary *s, const struct finding *f)
{
	size_t i = run_summary_code_index(s, f->code);
	if (i == RUN_SUMMARY_MAX_CODES) {
		if (s->code_count == RUN_SUMMARY_MAX_CODES)
			return;
		i = s->code_count++;
		s->codes[i] = f->code;
	}
	if ((unsigned)f->severity < SEV_COUNT)
		s->by_code[i][f->severity]++;
}

void run_summary_add(struct run_summary *s, const struct conn *c, const struct diagnosis *dg)
{
	int worst = run_summary_worst_of(dg);
	s->connections++;
	s->tls += c->is_tls;
	s->problems += run_summary_is_problem(worst);
	if ((unsigned)c->outcome < OUTCOME_COUNT)
		s->outcomes[c->outcome]++;
	if (worst >= 0 && worst < SEV_COUNT)
		s->worst[worst]++;
	for (size_t i = 0; dg && i < dg->finding_count; i++)
		count_finding(s, &dg->findings[i]);
	if (!s->first_ns || c->first_ts_ns < s->first_ns)
		s->first_ns = c->first_ts_ns;
	if (c->last_ts_ns > s->last_ns)
		s->last_ns = c->last_ts_ns;
}

unsigned long run_summary_code_total(const struct run_summary *s, size_t i)
{
	unsigned long n = 0;
	for (int sev = 0; sev < SEV_COUNT; sev++)
		n += s->by_code[i][sev];
	return n;
}

int run_summary_code_worst(const struct run_summary *s, size_t i)
{
	for (int sev = SEV_COUNT - 1; sev > 0; sev--)
		if (s->by_code[i][sev])
			return sev;
	return 0;
}
