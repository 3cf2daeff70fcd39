/*
 * report_rollup.c - cause x server x client groups of the run (see report_rollup.h).
 */
#include "report_rollup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "ts_limits.h"

/* Twice the groups, so that probing stays short. */
#define ROLLUP_SLOTS (2 * ROLLUP_MAX_GROUPS)

struct rollup *rollup_new(void)
{
	struct rollup *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->groups = calloc(ROLLUP_MAX_GROUPS, sizeof(*r->groups));
	r->slots = calloc(ROLLUP_SLOTS, sizeof(*r->slots));
	if (!r->groups || !r->slots) {
		rollup_free(r);
		return NULL;
	}
	return r;
}

static uint32_t fnv1a(uint32_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return (h ^ 0xffu) * 16777619u; /* a separator between the key's parts */
}

static bool same_group(const struct rollup_group *g, const char *cause, const char *server,
                       const char *client)
{
	return !strcmp(g->cause, cause) && !strcmp(g->server, server) && !strcmp(g->client, client);
}

void rollup_add(struct rollup *r, const struct conn *c, const struct diagnosis *dg)
{
	if (!r)
		return;
	r->connections++;
	if (!dg || !dg->finding_count || dg->worst < SEV_WARNING)
		return;
	r->problems++;
	const struct finding *cause = &dg->findings[0]; /* worst first */
	char ip[64], server[320], client[64];
	const struct conn_side *srv = conn_server(c);
	ts_addr_format(&srv->addr, ip, sizeof(ip));
	snprintf(server, sizeof(server), srv->addr.family == 6 ? "[%s]:%u %s" : "%s:%u %s", ip, srv->port,
	         dg->expected_host[0] ? dg->expected_host : "-");
	/* The client software when its ClientHello names it ("works from curl, not from node"); else the
	 * address, so that unnamed clients are not all one group. */
	if (dg->software.name && strcmp(dg->software.name, "unknown"))
		snprintf(client, sizeof(client), "%s", dg->software.name);
	else
		ts_addr_format(&conn_client(c)->addr, client, sizeof(client));
	uint32_t h = fnv1a(fnv1a(fnv1a(2166136261u, cause->code), server), client);
	for (uint32_t probe = 0; probe < ROLLUP_SLOTS; probe++) {
		uint32_t *slot = &r->slots[(h + probe) % ROLLUP_SLOTS];
		if (*slot && same_group(&r->groups[*slot - 1], cause->code, server, client)) {
			r->groups[*slot - 1].count++;
			return;
		}
		if (!*slot) {
			if (r->count == ROLLUP_MAX_GROUPS)
				break;
			struct rollup_group *g = &r->groups[r->count++];
			g->cause = cause->code;
			g->severity = (int)cause->severity;
			snprintf(g->server, sizeof(g->server), "%s", server);
			snprintf(g->client, sizeof(g->client), "%s", client);
			g->count = 1;
			g->example_id = c->id;
			*slot = (uint32_t)r->count;
			return;
		}
	}
	r->dropped++;
}

static int worst_largest(const void *a, const void *b)
{
	const struct rollup_group *x = a, *y = b;
	if (x->severity != y->severity)
		return y->severity - x->severity;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->example_id < y->example_id ? -1 : x->example_id > y->example_id;
}

void rollup_sort(struct rollup *r)
{
	if (!r || !r->count)
		return;
	qsort(r->groups, r->count, sizeof(*r->groups), worst_largest);
}

bool rollup_worth_showing(const struct rollup *r)
{
	return r && r->connections >= ROLLUP_MIN_CONNS && r->problems;
}

void rollup_free(struct rollup *r)
{
	if (!r)
		return;
	free(r->groups);
	free(r->slots);
	free(r);
}
