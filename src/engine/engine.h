/*
 * engine.h - the analysis pipeline behind one public interface.
 *
 * Owns the order of work for each decoded packet: flow lookup, TCP
 * reassembly, the TLS record layer, and the connection record; and the end
 * of connections (close, reset, idle timeout on capture time, eviction under
 * the memory cap, end of input). Each finished connection's record is handed
 * to the caller's callback once, then freed. For live capture it can instead
 * be handed on as soon as its TLS outcome is decided, while the connection
 * is still followed (and then never reported again). Nothing here reads
 * files or prints.
 */
#ifndef TLSSCOPE_ENGINE_H
#define TLSSCOPE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "decode.h"
#include "keylog.h"
#include "ts_stats.h"

struct engine_options {
	size_t memory_cap;       /* bytes of everything held (ts_budget.h); 0 = FLOW_DEFAULT_MEMORY_CAP */
	int idle_timeout_s;      /* 0 = FLOW_DEFAULT_IDLE_TIMEOUT_S */
	int handshake_timeout_s; /* 0 = FLOW_HANDSHAKE_IDLE_TIMEOUT_S */
	bool report_all;         /* report every TCP connection, not only TLS ones */
	/* Live capture: report a TLS connection once its outcome is decided (a
	 * failing alert, a close or reset before the handshake is over, or a
	 * finished handshake followed by client data, a client close or
	 * FLOW_DECIDE_GRACE_NS of quiet), not when it ends. The record then says
	 * end_reason "open"; the connection is still followed, unreported. */
	bool report_when_decided;
	const struct keylog *keylog; /* decrypt handshakes with it (NULL: none); kept by the caller */
};

/* Called once per finished connection. The record is valid only during the
 * call, unless the callback keeps it with conn_move(). */
typedef void (*engine_conn_fn)(struct conn *c, void *user);

struct engine;

struct engine *engine_new(const struct engine_options *opts, engine_conn_fn on_conn, void *user);
void engine_free(struct engine *e);

/* Which input the following packets come from (recorded in each connection). */
void engine_set_file(struct engine *e, uint32_t file_index);

/* One decoded packet, in capture order. */
void engine_packet(struct engine *e, const struct packet *p);

/* One captured frame of libpcap link type `dlt` (caplen bytes captured of
 * wirelen sent): decoded, counted, analysed. */
void engine_frame(struct engine *e, int dlt, int64_t ts_ns, const uint8_t *frame, size_t caplen,
                  size_t wirelen);

/* The clock moves on without a packet (live capture on a quiet interface,
 * wall-clock time in ns): idle connections expire and grace periods end. */
void engine_advance_time(struct engine *e, int64_t now_ns);

/* End of an input: every open connection is finished and reported. */
void engine_flush(struct engine *e);

const struct ts_stats *engine_stats(const struct engine *e);

/* Bytes of flow state held now, and the cap it is kept under (--memory-cap). */
size_t engine_memory(const struct engine *e);
size_t engine_memory_cap(const struct engine *e);
/* The run's memory budget (in the stats): the pipeline charges the parts it
 * owns (certificates, verdicts, output) here. */
struct ts_budget *engine_budget(struct engine *e);

#endif
