/*
 * flow.h - what the engine keeps per live TCP connection or QUIC flow: the
 * table node, the record being filled, and the per-direction reassembly and
 * TLS record-layer state (TCP) or the QUIC packet state (UDP). Private to
 * the engine and its TLS and QUIC glue; their functions are declared in
 * tls_session.h, tls_session_decrypt.h and quic_session.h.
 */
#ifndef TLSSCOPE_FLOW_H
#define TLSSCOPE_FLOW_H

#include "conn.h"
#include "quic.h"
#include "flow_table.h"
#include "starttls.h"
#include "keylog.h"
#include "tcp_reasm.h"
#include "tls_decrypt.h"
#include "tls_stream.h"

/* Where a direction is in reading encrypted records with the key log. */
enum flow_key_phase {
	KEY_PHASE_OFF = 0,   /* no keys, or given up */
	KEY_PHASE_HANDSHAKE, /* until this side's Finished: every record is opened */
	KEY_PHASE_LATE       /* after it: a few short records (tickets, alerts) */
};

/* Decryption state of a flow whose client random is in the key log
 * (allocated only then; freed once both sides are done). */
struct flow_decrypt {
	const struct keylog_entry *keys;
	struct tls_decrypt_dir dir[2];
	uint8_t phase[2];         /* enum flow_key_phase */
	uint16_t late_records[2]; /* records read in KEY_PHASE_LATE */
	uint16_t record_alert[2]; /* 1 + index of the alert the current record's header added, or 0 */
	bool missing[2];          /* no secret for this side: a failure once it sends an encrypted record */
	uint16_t record_app_bytes[2]; /* what the current record's header added to app_data_bytes */
	bool record_first_app[2];     /* ... and whether it was taken as this side's first application data */
	bool tls13;
	uint16_t suite;
	uint8_t *plain; /* plaintext of the record being read */
	uint32_t plain_cap;
};

struct openvpn_flow;

struct flow {
	struct flow_node node; /* first: a flow_node* is a flow* */
	size_t mem;            /* bytes this flow holds, the struct included */
	int64_t now_ns;        /* time of the packet being processed */
	bool headers_only;     /* handshake over (or reported): buffering stopped */
	bool reported;         /* live: the record was handed on while the connection went on */
	bool in_grace;         /* live: on the engine's list of handshakes waiting for their grace */
	struct flow *grace_prev, *grace_next;
	struct flow *quic_newer, *quic_older; /* QUIC flows only: the engine's list by activity */
	uint32_t last_ack[2];
	bool ack_seen[2];
	struct conn conn;
	struct reasm_dir reasm[2];
	struct tls_stream tls[2];
	struct quic_conn *quic;        /* UDP flows only */
	struct openvpn_flow *ovpn;     /* OpenVPN flows only (openvpn_session.c) */
	struct starttls_dir *starttls; /* [2]: from the first plaintext byte until both directions are TLS or
	                                  the flow ends (776 bytes, counted in mem) */
	const struct keylog *keylog;   /* from the engine options; NULL: no decryption */
	struct flow_decrypt *dec;
	bool in_decrypted; /* handshake messages being delivered came out of decryption */
	/* A SYN-ACK with another sequence number than the first one (a
	 * middlebox, a server answering a retransmitted SYN anew), until the
	 * peer's next ACK says which one it took: 0, or 1 + its direction. */
	uint8_t synack_alt;
	uint16_t syn_data_len; /* payload of the first SYN (TCP Fast Open), up to 65535 */
	uint32_t synack_alt_isn;
};

#endif
