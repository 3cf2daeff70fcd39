/*
 * flow.h - what the engine keeps per live TCP connection or QUIC flow: the
 * table node, the record being filled, and the per-direction reassembly and
 * TLS record-layer state (TCP) or the QUIC packet state (UDP). Private to
 * the engine and its TLS and QUIC glue.
 */
#ifndef TLSSCOPE_FLOW_H
#define TLSSCOPE_FLOW_H

#include "conn.h"
#include "quic.h"
#include "flow_table.h"
#include "starttls.h"
#include "tcp_reasm.h"
#include "tls_stream.h"

struct flow {
	struct flow_node node; /* first: a flow_node* is a flow* */
	size_t mem;            /* bytes this flow holds, the struct included */
	int64_t now_ns;        /* time of the packet being processed */
	bool headers_only;     /* handshake over (or reported): buffering stopped */
	bool reported;         /* live: the record was handed on while the connection went on */
	bool in_grace;         /* live: on the engine's list of handshakes waiting for their grace */
	struct flow *grace_prev, *grace_next;
	uint32_t last_ack[2];
	bool ack_seen[2];
	struct conn conn;
	struct reasm_dir reasm[2];
	struct tls_stream tls[2];
	struct quic_conn *quic; /* UDP flows only */
	struct starttls_dir *starttls; /* [2]: from the first plaintext byte until both directions are TLS or
					  the flow ends (776 bytes, counted in mem) */
};

/* The sink that applies what the record layer finds to flow->conn. */
void tls_session_sink(struct flow *f, struct tls_stream_sink *sink);

/* One UDP datagram of a QUIC flow, applied to flow->conn (src/quic_session.c).
 * `scratch` is QUIC_SCRATCH_LEN bytes the caller owns. */
void quic_session_datagram(struct flow *f, uint8_t dir, const uint8_t *data, size_t len, uint8_t *scratch);
/* Free what the TLS glue holds for the flow beyond the record (the STARTTLS preludes). */
void tls_session_free(struct flow *f);

#endif
