/*
 * run_summary.h - the counts every output's summary shows, in one model.
 *
 * Owns counting the run's connections as the summaries show them: how many,
 * how many spoke TLS, how many had a problem (worst finding a warning or
 * worse), by outcome, by worst severity, the findings by code and severity,
 * and the capture span they cover. The text report's summary, the HTML
 * page's tiles and charts and the TUI's summary bar each fill one with
 * run_summary_add() per connection and render it; none counts on its own.
 */
#ifndef TLSSCOPE_RUN_SUMMARY_H
#define TLSSCOPE_RUN_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "diagnose.h"

/* Distinct finding codes counted; a code past them is left out of the counts. */
#define RUN_SUMMARY_MAX_CODES 64

struct run_summary {
	unsigned long connections;
	unsigned long tls;      /* of which spoke TLS */
	unsigned long problems; /* of which the worst finding is a warning or worse */
	unsigned long outcomes[OUTCOME_COUNT];
	unsigned long worst[SEV_COUNT];           /* connections by their worst finding (none: not counted) */
	const char *codes[RUN_SUMMARY_MAX_CODES]; /* finding codes, first seen first (static strings) */
	unsigned long by_code[RUN_SUMMARY_MAX_CODES][SEV_COUNT]; /* findings per code and severity */
	size_t code_count;
	int64_t first_ns, last_ns; /* first start and last end of the connections; 0 if none */
};

/* Count one connection (dg may be NULL: no findings). Start from a zeroed struct. */
void run_summary_add(struct run_summary *s, const struct conn *c, const struct diagnosis *dg);

/* The index of a finding code in s->codes, or RUN_SUMMARY_MAX_CODES if it is not there. */
size_t run_summary_code_index(const struct run_summary *s, const char *code);
/* Findings of code i, of any severity. */
unsigned long run_summary_code_total(const struct run_summary *s, size_t i);
/* The worst severity code i was raised with. */
int run_summary_code_worst(const struct run_summary *s, size_t i);

/* The worst severity of a diagnosis, -1 if it has no findings (or none was made). */
int run_summary_worst_of(const struct diagnosis *dg);
/* A problem, as every output counts one: the worst finding (a run_summary_worst_of value) is a warning or
 * worse. */
bool run_summary_is_problem(int worst);

#endif
