/*
 * pipeline.c - frames to diagnosed records, assembled once (see pipeline.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cert_cache.h"
#include "output_queue.h"
#include "pipeline.h"

/* Records waiting for the writer thread: enough to ride out bursts, few
 * enough that their memory does not matter. */
#define PIPELINE_OUTPUT_SLOTS 64
/* Live, where a full queue drops records: room for a reader that pauses for a while. */
#define PIPELINE_LIVE_OUTPUT_SLOTS 1024

struct pipeline {
	struct engine *engine;
	struct output_queue *queue; /* NULL: records are handled inline */
	struct diag_context diag;   /* used only by the thread that runs the sink */
	struct diagnosis dg;
	bool diagnose;
	pipeline_sink_fn sink;
	void *user;
	bool keylog; /* key logs given: say when they matched nothing */
	bool drop_when_full;
	uint64_t records_dropped; /* once the queue is gone */
	int worst;
	struct state_store *state;             /* or NULL; used by the thread that runs the sink */
	bool state_failed;                     /* the last drain could not write it */
	const struct capture_control *control; /* stop flag and progress, or NULL */
	unsigned empty_inputs;                 /* inputs that held no connection at all */
};

static void handle_record(struct conn *c, void *user)
{
	struct pipeline *p = user;
	const struct diagnosis *dg = NULL;
	if (p->diagnose) {
		diagnose_conn(&p->diag, c, &p->dg);
		dg = &p->dg;
	}
	if (p->state)
		state_store_add(p->state, c, p->diagnose ? &p->dg : NULL); /* its change findings into dg */
	if (dg && dg->finding_count && (int)dg->worst > p->worst)
		p->worst = (int)dg->worst;
	p->sink(c, dg, p->user);
}

static void on_conn(struct conn *c, void *user)
{
	struct pipeline *p = user;
	if (p->queue && p->drop_when_full)
		output_queue_offer(p->queue, c); /* a dropped record is counted there */
	else if (p->queue)
		output_queue_push(p->queue, c);
	else
		handle_record(c, p);
}

enum ts_status pipeline_new(const struct pipeline_options *opts, pipeline_sink_fn sink, void *user,
                            struct pipeline **out, char *err, size_t errlen)
{
	*out = NULL;
	struct pipeline *p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return TS_NOMEM;
	}
	p->diagnose = opts->diagnose;
	p->keylog = opts->engine.keylog != NULL;
	p->sink = sink;
	p->user = user;
	p->worst = -1;
	p->diag.rules = opts->rules;
	p->diag.expiry_warn_days = opts->expiry_warn_days;
	p->diag.trust = trust_store_new(&opts->trust, err, errlen);
	if (!p->diag.trust) {
		pipeline_free(p);
		return TS_MALFORMED;
	}
	if (opts->client_trust.ca_file_count) {
		p->diag.client_trust = trust_store_new(&opts->client_trust, err, errlen);
		if (!p->diag.client_trust) {
			pipeline_free(p);
			return TS_MALFORMED;
		}
	}
	p->diag.clients = client_trust_new(&opts->clients, &opts->trust, p->diag.trust, err, errlen);
	if (!p->diag.clients) {
		pipeline_free(p);
		return TS_MALFORMED;
	}
	p->diag.cache = cert_cache_new(0);
	p->diag.resume = resume_links_new();
	p->engine = engine_new(&opts->engine, on_conn, p);
	if (!p->diag.cache || !p->diag.resume || !p->engine) {
		pipeline_free(p);
		snprintf(err, errlen, "out of memory");
		return TS_NOMEM;
	}
	/* One budget for the run: the caches charge the parts they own. */
	struct ts_budget *budget = engine_budget(p->engine);
	cert_cache_set_budget(p->diag.cache, budget);
	trust_store_set_budget(p->diag.trust, budget);
	/* The writer thread formats while this one analyses; without it, inline.
	 * Live records are written at once; offline the writer wakes for batches. */
	if (!opts->no_thread) {
		size_t batch = opts->engine.report_when_decided ? 1 : PIPELINE_OUTPUT_SLOTS / 4;
		p->drop_when_full = opts->drop_records_when_full;
		p->queue =
		    output_queue_start(p->drop_when_full ? PIPELINE_LIVE_OUTPUT_SLOTS : PIPELINE_OUTPUT_SLOTS,
		                       batch, handle_record, p);
		output_queue_set_budget(p->queue, budget);
	}
	*out = p;
	return TS_OK;
}

struct engine *pipeline_engine(struct pipeline *p)
{
	return p->engine;
}

enum ts_status pipeline_read_file(struct pipeline *p, uint32_t file_index, const char *name,
                                  struct capture_info *info)
{
	engine_set_file(p->engine, file_index);
	uint64_t before = engine_stats(p->engine)->connections;
	enum ts_status st = capture_read_file_controlled(name, p->engine, info, p->control);
	engine_flush(p->engine);
	if (st == TS_OK && engine_stats(p->engine)->connections == before)
		p->empty_inputs++;
	return st;
}

void pipeline_set_control(struct pipeline *p, const struct capture_control *control)
{
	p->control = control;
}

unsigned pipeline_empty_inputs(const struct pipeline *p)
{
	return p->empty_inputs;
}

void pipeline_drain(struct pipeline *p)
{
	/* The capture has stopped: the open connections wait for the reader, as the summary does. */
	p->drop_when_full = false;
	engine_flush(p->engine);
	p->records_dropped = output_queue_dropped(p->queue);
	output_queue_finish(p->queue); /* every record through the sink */
	p->queue = NULL;
	p->state_failed = p->state && !state_store_flush(p->state);
}

void pipeline_keep_state(struct pipeline *p, struct state_store *state)
{
	p->state = state;
}

const char *pipeline_state_error(const struct pipeline *p)
{
	return p->state_failed ? state_store_error(p->state) : NULL;
}

bool pipeline_keylog_unused(const struct pipeline *p)
{
	const struct ts_stats *st = engine_stats(p->engine);
	return p->keylog && !st->keylog[CONN_KEYLOG_MATCHED] && !st->keylog[CONN_KEYLOG_FAILED] &&
	       st->keylog[CONN_KEYLOG_NOT_FOUND];
}

uint64_t pipeline_records_dropped(const struct pipeline *p)
{
	return p->queue ? output_queue_dropped(p->queue) : p->records_dropped;
}

int pipeline_worst(const struct pipeline *p)
{
	return p->worst;
}

void pipeline_free(struct pipeline *p)
{
	if (!p)
		return;
	output_queue_finish(p->queue);
	engine_free(p->engine);
	cert_cache_free(p->diag.cache);
	resume_links_free(p->diag.resume);
	client_trust_free(p->diag.clients);
	trust_store_free(p->diag.trust);
	trust_store_free(p->diag.client_trust);
	state_store_close(p->state);
	free(p);
}
