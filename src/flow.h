/*
 * flow.h - what the engine keeps per live TCP connection: the table node,
 * the record being filled, and the per-direction reassembly and TLS
 * record-layer state. Private to the engine and its TLS glue.
 */
#ifndef TLSSCOPE_FLOW_H
#define TLSSCOPE_FLOW_H

#include "conn.h"
#include "flow_table.h"
#include "starttls.h"
#include "tcp_reasm.h"
#include "tls_stream.h"

struct flow {
	struct flow_node node; /* first: a flow_node* is a flow* */
	size_t mem;            /* bytes this flow holds, the struct included */
	int64_t now_ns;        /* time of the packet being processed */
	bool headers_only;     /* handshake over: buffering stopped */
	uint32_t last_ack[2];
	bool ack_seen[2];
	struct conn conn;
	struct reasm_dir reasm[2];
	struct tls_stream tls[2];
	struct starttls_dir *starttls; /* [2]: from the first plaintext byte until both directions are TLS or
					  the flow ends (776 bytes, counted in mem) */
};

/* The sink that applies what the record layer finds to flow->conn. */
void tls_session_sink(struct flow *f, struct tls_stream_sink *sink);

/* Free what the TLS glue holds for the flow beyond the record (the STARTTLS preludes). */
void tls_session_free(struct flow *f);

#endif
