/*
 * ts_stats.h - the run's counters: what was read, what was skipped and why,
 * and how often each limit was hit. The summary output prints all of them.
 */
#ifndef TLSSCOPE_STATS_H
#define TLSSCOPE_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "decode.h"
#include "ts_budget.h"

struct ts_stats {
	uint64_t files;
	uint64_t packets;        /* records read from the captures */
	uint64_t captured_bytes; /* bytes of those records */
	uint64_t skipped[DECODE_SKIP_COUNT];
	uint64_t udp_packets;      /* UDP packets decoded */
	uint64_t quic_packets;     /* of which belonged to a QUIC flow */
	uint64_t quic_flows;       /* QUIC flows tracked (also in `connections`) */
	uint64_t quic_connections; /* QUIC flows in which a TLS handshake message was read */
	uint64_t openvpn_packets;  /* UDP packets of an OpenVPN flow */
	uint64_t openvpn_flows;    /* OpenVPN tunnels (TCP connections or UDP flows, also in `connections`) */
	uint64_t openvpn_udp_flows;       /* ... of them over UDP */
	uint64_t openvpn_connections;     /* ... in which TLS was read */
	uint64_t openvpn_udp_connections; /* ... of them over UDP */
	uint64_t stray_packets;           /* TCP control packets of no live connection (after a close) */
	uint64_t connections;             /* TCP connections, QUIC flows and OpenVPN UDP flows tracked */
	uint64_t tls_connections;         /* of which TLS was found in */
	uint64_t reported;                /* records handed to the outputs */
	uint64_t outcomes[OUTCOME_COUNT];
	uint64_t timed_out;                /* ended by the idle timeout (capture time) */
	uint64_t evicted;                  /* ended early because the memory cap was reached */
	uint64_t open_at_end;              /* still open when their capture file ended */
	uint64_t timestamps_out_of_window; /* frames read at the running time (ts_limits.h, Capture time) */
	uint64_t keylog[4]; /* reported connections by enum conn_keylog (index 0: not looked up) */
	uint64_t anomalies[ANOM_COUNT];     /* summed over all connections */
	uint64_t gap_bytes;                 /* TCP bytes never seen */
	uint64_t duplicate_bytes;           /* TCP bytes seen more than once */
	uint64_t overlap_mismatch_segments; /* TCP segments overlapping delivered bytes with other bytes */
	size_t memory_peak;                 /* peak bytes of flow state */
	size_t flows_peak;                  /* peak live connections */
	uint64_t late_packets;              /* TCP data or SYN-ACKs of a connection closed moments before */
	uint64_t unsupported_encap[DECODE_UNSUPPORTED_COUNT]; /* skipped frames by what stopped the decode */
	struct ts_budget budget; /* every part of what the run held (ts_budget.h) */
};

#endif
