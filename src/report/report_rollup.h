/*
 * report_rollup.h - the run's roll-up, shared by the text and HTML reports.
 *
 * Owns grouping the connections with a problem (worst finding at least a
 * warning) by cause (that worst finding's code) x server (address, port and
 * the name checked) x client (the client software named from the ClientHello,
 * else the client's address), with a count and one example
 * connection id per group. It is computed once per run by whoever hands the
 * records to the outputs (rollup_add per record); each report only renders
 * the same struct. Memory is capped at ROLLUP_MAX_GROUPS groups; connections
 * of groups past it are counted in `dropped`.
 */
#ifndef TLSSCOPE_REPORT_ROLLUP_H
#define TLSSCOPE_REPORT_ROLLUP_H

#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "diagnose.h"

struct rollup_group {
	const char *cause; /* a finding code (static string) */
	int severity;      /* enum severity of that finding */
	char server[320];  /* "ip:port name" */
	char client[64];   /* the client software's name ("node"), else the client's address */
	unsigned long count;
	uint64_t example_id; /* the first connection of the group */
};

struct rollup {
	struct rollup_group *groups;
	size_t count;
	unsigned long connections; /* every connection added, with a problem or not */
	unsigned long problems;    /* of which were grouped or dropped */
	unsigned long dropped;     /* problems in groups past ROLLUP_MAX_GROUPS */
	uint32_t *slots;           /* open-addressing index into groups (0: empty, else index + 1) */
};

/* NULL when out of memory. */
struct rollup *rollup_new(void);
void rollup_add(struct rollup *r, const struct conn *c, const struct diagnosis *dg);
/* Groups worst severity first, then largest. Call once, after the last rollup_add (the index
 * then no longer matches the groups). */
void rollup_sort(struct rollup *r);
/* More than a handful of connections and at least one problem: worth a roll-up. */
bool rollup_worth_showing(const struct rollup *r);
void rollup_free(struct rollup *r);

#endif
