/*
 * quic_session.c - applies what the QUIC packet layer finds to the
 * connection record: packet counts, connection IDs, roles, the TLS
 * handshake messages from CRYPTO frames (through the same handshake sink as
 * TCP, so hellos land in the same fields), CONNECTION_CLOSE as the alert
 * equivalent, with a key log the Handshake packets' messages (marked
 * decrypted, as TLS 1.3 records opened over TCP are), and when the
 * handshake is over as far as the wire shows:
 * both sides have sent a Handshake packet (the server's flight, the client's
 * Finished), or the server a Handshake packet and the client a 1-RTT one.
 */
#include <string.h>

#include "quic_session.h"
#include "tls_session.h"
#include "tls_session_decrypt.h"

/* RFC 9001 §4.8: CRYPTO_ERROR is 0x0100 + the TLS alert description. */
#define QUIC_CRYPTO_ERROR_FIRST 0x100u
#define QUIC_CRYPTO_ERROR_LAST 0x1ffu
#define TLS_ALERT_LEVEL_FATAL 2

static void check_established(struct flow *f)
{
	struct conn *c = &f->conn;
	if (c->handshake_done)
		return;
	struct conn_side *cli = &c->side[c->client_dir], *srv = &c->side[c->client_dir ^ 1];
	if (srv->encrypted_handshake && (cli->encrypted_handshake || c->quic.one_rtt[c->client_dir])) {
		c->handshake_done = true;
		c->handshake_done_ns = f->now_ns;
		cli->finished = srv->finished = true;
		/* Both hellos are behind us: the Initial CRYPTO buffers are done with. */
		quic_conn_close_space(f->quic, QUIC_SPACE_INITIAL, &f->mem);
	}
}

static void copy_cid(uint8_t *dst, uint8_t *dst_len, const struct quic_cid *cid)
{
	memcpy(dst, cid->b, cid->len);
	*dst_len = cid->len;
}

static void on_packet(void *ctx, uint8_t dir, const struct quic_packet_info *pi)
{
	struct flow *f = ctx;
	struct conn *c = &f->conn;
	struct conn_side *s = &c->side[dir];
	bool from_client = dir == c->client_dir;

	c->quic.packets[dir][pi->type]++;
	if (!c->quic.version && f->quic->version)
		c->quic.version = f->quic->version;
	switch (pi->type) {
	case QUIC_PKT_INITIAL:
	case QUIC_PKT_HANDSHAKE:
		if (pi->type == QUIC_PKT_INITIAL && from_client && pi->decrypted &&
		    !c->quic.client_dcid_set) {
			copy_cid(c->quic.client_initial_dcid, &c->quic.client_initial_dcid_len, &pi->dcid);
			c->quic.client_dcid_set = true;
		}
		/* the server's first long header names its connection ID */
		if (!from_client && !c->quic.server_scid_set) {
			copy_cid(c->quic.server_scid, &c->quic.server_scid_len, &pi->scid);
			c->quic.server_scid_set = true;
		}
		if (pi->type == QUIC_PKT_HANDSHAKE && pi->decrypted)
			c->decryption.records[dir]++; /* a QUIC packet is what a TLS record is over TCP */
		if (pi->type == QUIC_PKT_HANDSHAKE && !s->encrypted_handshake) {
			s->encrypted_handshake = true;
			conn_add_event(c, f->now_ns, dir, EV_ENCRYPTED_HANDSHAKE, 0);
			check_established(f);
		}
		break;
	case QUIC_PKT_ZERO_RTT:
	case QUIC_PKT_ONE_RTT:
		if (pi->type == QUIC_PKT_ONE_RTT)
			c->quic.one_rtt[dir] = true;
		if (!s->app_data) {
			s->app_data = true;
			/* detail 1: early data (0-RTT) */
			conn_add_event(c, f->now_ns, dir, EV_APPLICATION_DATA, pi->type == QUIC_PKT_ZERO_RTT);
		}
		check_established(f);
		break;
	case QUIC_PKT_RETRY:
		conn_add_event(c, f->now_ns, dir, EV_QUIC_RETRY, 0);
		break;
	case QUIC_PKT_VERSION_NEGOTIATION:
		conn_add_event(c, f->now_ns, dir, EV_QUIC_VERSION_NEGOTIATION, 0);
		if (!c->quic.vn_seen) {
			c->quic.vn_seen = true;
			c->quic.vn_total = (uint16_t)(pi->vn_count < UINT16_MAX ? pi->vn_count : UINT16_MAX);
			for (size_t i = 0; i < pi->vn_count && i < QUIC_MAX_VN_VERSIONS; i++) {
				const uint8_t *v = pi->vn_versions + 4 * i;
				c->quic.vn_versions[c->quic.vn_count++] = ((uint32_t)v[0] << 24) |
				                                          ((uint32_t)v[1] << 16) |
				                                          ((uint32_t)v[2] << 8) | v[3];
			}
		}
		break;
	default:
		break;
	}
}

static void on_role(void *ctx, uint8_t dir, enum quic_role role)
{
	struct flow *f = ctx;
	struct conn *c = &f->conn;
	/* Keys or packet types only a client (or server) uses: better than a
	 * port guess; a ClientHello, read right after, says the same. */
	if (c->role_source == ROLE_GUESSED)
		c->client_dir = role == QUIC_ROLE_CLIENT ? dir : (uint8_t)(dir ^ 1);
}

static void on_handshake(void *ctx, uint8_t dir, enum quic_space space, uint8_t msg_type, const uint8_t *body,
                         uint32_t len)
{
	struct flow *f = ctx;
	struct conn *c = &f->conn;
	struct tls_stream_sink tls;
	c->side[dir].is_tls = true;
	c->is_tls = true;
	tls_session_sink(f, &tls);
	/* Handshake packets are only opened with a key log's secrets. */
	f->in_decrypted = space == QUIC_SPACE_HANDSHAKE;
	tls.handshake(tls.ctx, dir, msg_type, body, len, len);
	f->in_decrypted = false;
}

static void on_close(void *ctx, uint8_t dir, bool application, uint64_t code, uint64_t frame_type,
                     const uint8_t *reason, size_t reason_len)
{
	struct flow *f = ctx;
	struct conn *c = &f->conn;
	struct conn_side *s = &c->side[dir];
	struct conn_quic *q = &c->quic;
	if (!q->close_seen) {
		q->close_seen = true;
		q->close_dir = dir;
		q->close_application = application;
		q->close_error_code = code;
		q->close_frame_type = frame_type;
		q->close_reason_wire_len = (uint16_t)(reason_len < UINT16_MAX ? reason_len : UINT16_MAX);
		q->close_reason_len =
		    (uint8_t)(reason_len < QUIC_MAX_CLOSE_REASON ? reason_len : QUIC_MAX_CLOSE_REASON);
		if (q->close_reason_len)
			memcpy(q->close_reason, reason, q->close_reason_len);
	}
	if (s->fin)
		return;
	/* A CONNECTION_CLOSE ends the sender's side as a FIN does. */
	s->fin = true;
	if (!s->close_ns)
		s->close_ns = f->now_ns;
	conn_add_event(c, f->now_ns, dir, EV_QUIC_CONNECTION_CLOSE, 0);
	if (!application && code >= QUIC_CRYPTO_ERROR_FIRST && code <= QUIC_CRYPTO_ERROR_LAST) {
		/* The TLS alert the stack would have sent over TCP. */
		struct tls_stream_sink tls;
		tls_session_sink(f, &tls);
		tls.alert(tls.ctx, dir, TLS_ALERT_LEVEL_FATAL, (uint8_t)(code - QUIC_CRYPTO_ERROR_FIRST));
	}
}

static void on_anomaly(void *ctx, uint8_t dir, enum quic_anomaly a)
{
	struct flow *f = ctx;
	struct conn *c = &f->conn;
	switch (a) {
	case QUIC_ANOM_UNDECRYPTABLE:
		c->quic.undecryptable++;
		conn_add_anomaly(c, ANOM_QUIC_UNDECRYPTABLE);
		break;
	case QUIC_ANOM_MALFORMED_PACKET:
		conn_add_anomaly(c, ANOM_QUIC_MALFORMED);
		break;
	case QUIC_ANOM_CRYPTO_LIMIT:
		conn_add_anomaly(c, ANOM_QUIC_CRYPTO_LIMIT);
		break;
	case QUIC_ANOM_UNKNOWN_VERSION:
		conn_add_anomaly(c, ANOM_QUIC_UNKNOWN_VERSION);
		break;
	case QUIC_ANOM_HANDSHAKE_UNDECRYPTABLE:
		tls_session_decrypt_quic_failed(f, dir);
		break;
	case QUIC_ANOM_NOMEM:
		conn_add_anomaly(c, ANOM_OUT_OF_MEMORY);
		break;
	case QUIC_ANOM_GREASED_VERSION:
		if (c->quic.greased_packets < UINT32_MAX)
			c->quic.greased_packets++;
		break;
	}
}

void quic_session_datagram(struct flow *f, uint8_t dir, const uint8_t *data, size_t len, uint8_t *scratch)
{
	struct quic_sink sink = {f, on_packet, on_role, on_handshake, on_close, on_anomaly};
	quic_conn_datagram(f->quic, dir, data, len, scratch, &sink, &f->mem);
	f->conn.quic.crypto_cut_bytes = f->quic->crypto_cut_bytes;
}
