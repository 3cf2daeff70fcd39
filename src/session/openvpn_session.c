/*
 * openvpn_session.c - OpenVPN packets of a flow to its TLS record layer and
 * its record: the control channel's wrap is learned from the first control
 * packet that shows it (a hard reset); only the first TLS session (its key
 * id) is read, a renegotiation's packets are counted.
 */
#include "openvpn_session.h"

#include <stdlib.h>

#include "openvpn.h"
#include "tls_session.h"

struct openvpn_flow {
	struct openvpn_layout layout;
	bool tcp;
	bool key_set;
	uint8_t key_id; /* the TLS session read */
	struct openvpn_framer framer[2];
	struct openvpn_reorder reorder[2];
};

struct packet_ctx {
	struct flow *flow;
	uint8_t dir;
};

bool openvpn_session_start(struct flow *f, bool tcp)
{
	if (f->ovpn)
		return true;
	f->ovpn = calloc(1, sizeof(*f->ovpn));
	if (!f->ovpn) {
		conn_add_anomaly(&f->conn, ANOM_OUT_OF_MEMORY);
		return false;
	}
	f->mem += sizeof(*f->ovpn);
	f->ovpn->tcp = tcp;
	f->conn.openvpn.seen = true;
	return true;
}

/* In-order TLS bytes of the control channel: to the record layer, each packet's as a segment. */
static void on_tls_bytes(void *ctx, const uint8_t *p, size_t len, bool after_gap)
{
	const struct packet_ctx *x = ctx;
	struct flow *f = x->flow;
	if (!len)
		return; /* a hard reset carries none */
	struct tls_stream_sink sink = {0};
	tls_session_sink(f, &sink);
	tls_stream_feed(&f->tls[x->dir], p, len, true, after_gap, &sink, &f->mem);
}

static void sum_reliability(struct flow *f)
{
	struct conn_openvpn *o = &f->conn.openvpn;
	const struct openvpn_reorder *r = f->ovpn->reorder;
	uint64_t dup = r[0].duplicates + r[1].duplicates, ooo = r[0].reordered + r[1].reordered;
	uint64_t lost = r[0].dropped + r[1].dropped + r[0].too_far + r[1].too_far;
	o->retransmitted = dup < UINT32_MAX ? (uint32_t)dup : UINT32_MAX;
	o->reordered = ooo < UINT32_MAX ? (uint32_t)ooo : UINT32_MAX;
	o->lost = lost < UINT32_MAX ? (uint32_t)lost : UINT32_MAX;
}

static void count(uint32_t *n)
{
	if (*n < UINT32_MAX)
		(*n)++;
}

/* One whole packet of dir, or (whole false) the opcode byte of one the framer skipped. */
static void on_packet(void *ctx, const uint8_t *p, size_t len, bool whole)
{
	const struct packet_ctx *x = ctx;
	struct flow *f = x->flow;
	struct openvpn_flow *v = f->ovpn;
	struct conn *c = &f->conn;
	struct conn_openvpn *o = &c->openvpn;
	uint8_t opcode = len ? p[0] >> 3 : 0;
	if (!len || !openvpn_opcode_name(opcode)) {
		count(&o->malformed);
		return;
	}
	if (!openvpn_opcode_is_control(opcode)) {
		count(&o->data_packets[x->dir]);
		return;
	}
	count(&o->control_packets[x->dir]);
	if (!whole) {
		count(&o->malformed); /* a control packet past OPENVPN_MAX_CONTROL_PACKET */
		return;
	}
	if (openvpn_opcode_is_client_reset(opcode) && c->role_source < ROLE_FROM_SYN) {
		c->client_dir = x->dir; /* the tunnel's first packet: its sender is the client */
		c->role_source = ROLE_FROM_CLIENT_HELLO;
	}
	if (v->layout.wrap == OPENVPN_WRAP_UNKNOWN) {
		v->layout = openvpn_detect_layout(p, len, openvpn_opcode_is_hard_reset(opcode));
		o->wrap = v->layout.wrap;
		o->hmac_len = v->layout.hmac_len;
		if (v->layout.wrap == OPENVPN_WRAP_UNKNOWN) {
			count(&o->malformed);
			return;
		}
	}
	struct openvpn_packet pk;
	if (openvpn_packet_parse(p, len, v->layout, &pk) != TS_OK) {
		count(&o->malformed);
		return;
	}
	if (!pk.readable || !pk.has_message_id)
		return; /* tls-crypt: encrypted; P_ACK_V1: no TLS bytes */
	if (!v->key_set) {
		v->key_set = true;
		v->key_id = pk.key_id;
	}
	if (pk.key_id != v->key_id) {
		count(&o->other_key_packets);
		return;
	}
	if (openvpn_reorder_add(&v->reorder[x->dir], pk.message_id, pk.payload, pk.payload_len, on_tls_bytes,
	                        ctx, &f->mem) != TS_OK)
		conn_add_anomaly(c, ANOM_OUT_OF_MEMORY);
	sum_reliability(f);
}

void openvpn_session_stream(struct flow *f, uint8_t dir, const uint8_t *data, size_t len, bool after_gap)
{
	struct openvpn_flow *v = f->ovpn;
	struct packet_ctx x = {f, dir};
	if (after_gap)
		openvpn_framer_lost(&v->framer[dir]); /* the packet boundaries are lost with the bytes */
	if (openvpn_framer_feed(&v->framer[dir], data, len, on_packet, &x, &f->mem) != TS_OK)
		conn_add_anomaly(&f->conn, ANOM_OUT_OF_MEMORY);
}

void openvpn_session_datagram(struct flow *f, uint8_t dir, const uint8_t *data, size_t len, bool snapped)
{
	struct packet_ctx x = {f, dir};
	if (snapped) {
		conn_add_anomaly(&f->conn,
		                 ANOM_SNAPPED); /* its TLS bytes are cut: left to the reorder's gap */
		count(&f->conn.openvpn.malformed);
		return;
	}
	on_packet(&x, data, len, true);
}

void openvpn_session_flush(struct flow *f, uint8_t dir)
{
	if (!f->ovpn)
		return;
	struct packet_ctx x = {f, dir};
	openvpn_reorder_flush(&f->ovpn->reorder[dir], on_tls_bytes, &x, &f->mem);
	sum_reliability(f);
}

void openvpn_session_free(struct flow *f)
{
	struct openvpn_flow *v = f->ovpn;
	if (!v)
		return;
	for (int dir = 0; dir < 2; dir++) {
		openvpn_framer_free(&v->framer[dir], &f->mem);
		openvpn_reorder_free(&v->reorder[dir], &f->mem);
	}
	free(v);
	f->ovpn = NULL;
	f->mem -= sizeof(*v);
}
