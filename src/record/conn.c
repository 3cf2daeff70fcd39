/*
 * conn.c - connection record bookkeeping and the outcome a connection had.
 */
#include "conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openvpn.h"

const char *conn_outcome_name(enum conn_outcome o)
{
	static const char *const names[OUTCOME_COUNT] = {
	    [OUTCOME_ESTABLISHED] = "established",
	    [OUTCOME_SERVER_RESET_AFTER_CLIENT_HELLO] = "server_reset_after_client_hello",
	    [OUTCOME_SERVER_CLOSED_AFTER_CLIENT_HELLO] = "server_closed_after_client_hello",
	    [OUTCOME_SERVER_ALERT] = "server_alert",
	    [OUTCOME_CLIENT_ALERT] = "client_alert",
	    [OUTCOME_CLIENT_CLOSED_AFTER_HANDSHAKE] = "client_closed_after_handshake",
	    [OUTCOME_INCOMPLETE] = "incomplete",
	    [OUTCOME_NOT_TLS] = "not_tls",
	};
	return (unsigned)o < OUTCOME_COUNT ? names[o] : "unknown";
}

const char *conn_event_name(enum conn_event_type t)
{
	static const char *const names[EV_COUNT] = {
	    [EV_SYN] = "syn",
	    [EV_SYN_ACK] = "syn_ack",
	    [EV_HANDSHAKE] = "handshake",
	    [EV_HELLO_RETRY_REQUEST] = "hello_retry_request",
	    [EV_CHANGE_CIPHER_SPEC] = "change_cipher_spec",
	    [EV_ENCRYPTED_HANDSHAKE] = "encrypted_handshake",
	    [EV_ALERT] = "alert",
	    [EV_ENCRYPTED_ALERT] = "encrypted_alert",
	    [EV_APPLICATION_DATA] = "application_data",
	    [EV_FIN] = "fin",
	    [EV_RST] = "rst",
	    [EV_RENEGOTIATION] = "renegotiation",
	    [EV_SSLV2_CLIENT_HELLO] = "sslv2_client_hello",
	    [EV_QUIC_RETRY] = "retry",
	    [EV_QUIC_VERSION_NEGOTIATION] = "version_negotiation",
	    [EV_QUIC_CONNECTION_CLOSE] = "connection_close",
	};
	return (unsigned)t < EV_COUNT ? names[t] : "unknown";
}

const char *conn_keylog_name(enum conn_keylog k)
{
	switch (k) {
	case CONN_KEYLOG_NONE:
		return NULL;
	case CONN_KEYLOG_MATCHED:
		return "matched";
	case CONN_KEYLOG_NOT_FOUND:
		return "not_found";
	case CONN_KEYLOG_FAILED:
		return "failed";
	}
	return NULL;
}

const char *conn_decrypt_note_text(enum conn_decrypt_note n)
{
	static const char *const text[DECRYPT_NOTE_COUNT] = {
	    [DECRYPT_NOTE_NONE] = NULL,
	    [DECRYPT_NOTE_NO_CLIENT_HELLO] =
	        "no ClientHello was captured, so there is no client random to look up in the key log",
	    [DECRYPT_NOTE_NO_ENTRY] =
	        "the key log has no line for this connection's client random (a key log "
	        "from another client or session)",
	    [DECRYPT_NOTE_MISSING_SECRET] =
	        "the key log lacks a secret this connection needs (CLIENT_RANDOM for "
	        "TLS 1.2; CLIENT_ and SERVER_HANDSHAKE_TRAFFIC_SECRET for TLS 1.3): "
	        "a truncated key log?",
	    [DECRYPT_NOTE_UNSUPPORTED_SUITE] =
	        "the negotiated cipher suite is not one tlsscope decrypts (AES-GCM "
	        "and ChaCha20-Poly1305 only)",
	    [DECRYPT_NOTE_BAD_SECRET] =
	        "the key log's secret does not have the length the cipher suite needs",
	    [DECRYPT_NOTE_SERVER_FAILED] =
	        "a server record did not decrypt with the key log's secret: a wrong "
	        "or damaged secret, or records lost from the capture",
	    [DECRYPT_NOTE_CLIENT_FAILED] =
	        "a client record did not decrypt with the key log's secret: a wrong "
	        "or damaged secret, or records lost from the capture",
	    [DECRYPT_NOTE_NO_TRAFFIC_SECRET] =
	        "the handshake was decrypted; the key log has no "
	        "CLIENT_/SERVER_TRAFFIC_SECRET_0, so alerts after it stay encrypted",
	};
	return (unsigned)n < DECRYPT_NOTE_COUNT ? text[n] : NULL;
}

const char *conn_stage_name(enum conn_stage s)
{
	switch (s) {
	case STAGE_BEFORE_SERVER_HELLO:
		return "before_server_hello";
	case STAGE_HANDSHAKE:
		return "handshake";
	case STAGE_AFTER_HANDSHAKE:
		return "after_handshake";
	}
	return "unknown";
}

const char *conn_anomaly_name(enum conn_anomaly a)
{
	static const char *const names[ANOM_COUNT] = {
	    [ANOM_RECORD_TOO_LONG] = "record_too_long",
	    [ANOM_HANDSHAKE_TOO_LONG] = "handshake_message_too_long",
	    [ANOM_MALFORMED_CLIENT_HELLO] = "malformed_client_hello",
	    [ANOM_MALFORMED_SERVER_HELLO] = "malformed_server_hello",
	    [ANOM_MALFORMED_CERTIFICATE] = "malformed_certificate",
	    [ANOM_MALFORMED_HANDSHAKE] = "malformed_handshake",
	    [ANOM_OOO_LIMIT] = "out_of_order_limit",
	    [ANOM_CAPTURE_GAP] = "capture_gap",
	    [ANOM_CERT_LIMIT] = "certificate_limit",
	    [ANOM_EVENTS_DROPPED] = "timeline_events_dropped",
	    [ANOM_RECORD_SYNC_LOST] = "record_sync_lost",
	    [ANOM_EVICTED] = "evicted",
	    [ANOM_SNAPPED] = "snapped_segment",
	    [ANOM_OUT_OF_MEMORY] = "out_of_memory",
	    [ANOM_QUIC_UNDECRYPTABLE] = "quic_undecryptable",
	    [ANOM_QUIC_MALFORMED] = "quic_malformed",
	    [ANOM_QUIC_CRYPTO_LIMIT] = "quic_crypto_limit",
	    [ANOM_QUIC_UNKNOWN_VERSION] = "quic_unknown_version",
	};
	return (unsigned)a < ANOM_COUNT ? names[a] : "unknown";
}

const char *conn_role_source_name(uint8_t s)
{
	switch (s) {
	case ROLE_FROM_SYN:
		return "syn";
	case ROLE_FROM_CLIENT_HELLO:
		return "client_hello";
	case ROLE_FROM_SERVER_HELLO:
		return "server_hello";
	default:
		return "guessed";
	}
}

uint16_t conn_version(const struct conn *c)
{
	return c->server_hello ? tls_server_hello_version(c->server_hello) : 0;
}

bool tls_version_is_13(uint16_t v)
{
	return v == 0x0304 || (v >> 8) == 0x7f || (v >> 8) == 0xfb;
}

bool conn_handshake_gapped(const struct conn *c)
{
	return c->side[0].handshake_gaps || c->side[1].handshake_gaps;
}

bool conn_is_tls13(const struct conn *c)
{
	return c->server_hello && tls_version_is_13(conn_version(c));
}

void conn_add_event(struct conn *c, int64_t ts_ns, uint8_t dir, enum conn_event_type type, uint16_t detail)
{
	c->event_total++;
	if (c->event_count >= CONN_MAX_EVENTS) {
		c->anomalies[ANOM_EVENTS_DROPPED]++;
		return;
	}
	struct conn_event *e = &c->events[c->event_count++];
	e->ts_ns = ts_ns;
	e->type = (uint8_t)type;
	e->dir = dir;
	e->detail = detail;
}

void conn_add_anomaly(struct conn *c, enum conn_anomaly a)
{
	c->anomalies[a]++;
}

enum conn_stage conn_current_stage(const struct conn *c)
{
	if (c->handshake_done)
		return STAGE_AFTER_HANDSHAKE;
	if (c->server_hello)
		return STAGE_HANDSHAKE;
	return STAGE_BEFORE_SERVER_HELLO;
}

/* Did `dir` end the connection with an alert? A cleartext fatal alert
 * before the handshake was over, or one after it from a side that never
 * sent application data; an encrypted alert (its level unknown unless the
 * key log opened it) only before the handshake was over, and only when no
 * handshake bytes were lost: a hole may have held the Finished messages,
 * and the alert be the close_notify of a connection that worked. */
static bool failed_by_alert(const struct conn *c, uint8_t dir)
{
	for (uint16_t i = 0; i < c->alert_count; i++) {
		const struct conn_alert *a = &c->alerts[i];
		if (a->dir != dir)
			continue;
		bool known = !a->encrypted || a->decrypted; /* its level is known */
		if (known && a->level == 2 && a->stage != STAGE_AFTER_HANDSHAKE)
			return true;
		if (known && a->level == 2 && !c->side[dir].app_data)
			return true;
		if (!known && a->stage != STAGE_AFTER_HANDSHAKE && !conn_handshake_gapped(c))
			return true;
	}
	return false;
}

/* Time of the client's first alert, or "never". */
static int64_t first_client_alert_ns(const struct conn *c)
{
	for (uint16_t i = 0; i < c->alert_count; i++)
		if (c->alerts[i].dir == c->client_dir)
			return c->alerts[i].ts_ns;
	return INT64_MAX;
}

bool conn_decided(const struct conn *c, bool grace_over)
{
	if (!c->is_tls)
		return false;
	if (failed_by_alert(c, 0) || failed_by_alert(c, 1))
		return true;
	if (!c->handshake_done)
		return c->closed;
	const struct conn_side *cli = conn_client(c);
	return cli->app_data || cli->fin || cli->rst || grace_over;
}

void conn_finish(struct conn *c)
{
	uint8_t cd = c->client_dir, sd = cd ^ 1;
	const struct conn_side *cli = &c->side[cd], *srv = &c->side[sd];

	if (!c->is_tls) {
		c->outcome = OUTCOME_NOT_TLS;
		return;
	}
	if (failed_by_alert(c, sd)) {
		c->outcome = OUTCOME_SERVER_ALERT;
		return;
	}
	/* A server that closes after the ClientHello makes OpenSSL and Java
	 * clients send an alert of their own (decode_error, handshake_failure):
	 * the server's close came first, and it is what failed. */
	/* No ServerHello seen is no ServerHello sent only if none of the server's bytes were lost. */
	bool server_closed_first =
	    srv->close_ns && (!cli->close_ns || srv->close_ns <= cli->close_ns) && !srv->handshake_gaps;
	if (c->client_hello_count && !c->server_hello && !c->hello_retry && server_closed_first &&
	    srv->close_ns <= first_client_alert_ns(c)) {
		c->outcome = srv->close_rst ? OUTCOME_SERVER_RESET_AFTER_CLIENT_HELLO
		                            : OUTCOME_SERVER_CLOSED_AFTER_CLIENT_HELLO;
		return;
	}
	if (failed_by_alert(c, cd)) {
		c->outcome = OUTCOME_CLIENT_ALERT;
		return;
	}
	if (c->handshake_done) {
		/* ... unless a hole in the client's stream may have held its data */
		if (!cli->app_data && (cli->fin || cli->rst) && !cli->handshake_gaps)
			c->outcome = OUTCOME_CLIENT_CLOSED_AFTER_HANDSHAKE;
		else
			c->outcome = OUTCOME_ESTABLISHED;
		return;
	}
	if (c->client_hello_count && !c->server_hello && !c->hello_retry && server_closed_first) {
		c->outcome = srv->close_rst ? OUTCOME_SERVER_RESET_AFTER_CLIENT_HELLO
		                            : OUTCOME_SERVER_CLOSED_AFTER_CLIENT_HELLO;
		return;
	}
	c->outcome = OUTCOME_INCOMPLETE;
}

void conn_release(struct conn *c)
{
	free(c->client_hello);
	free(c->client_hello2);
	free(c->server_hello);
	free(c->hello_retry);
	free(c->server_certs.blob);
	free(c->client_certs.blob);
	free(c->certificate_request_info);
	c->certificate_request_info = NULL;
	c->client_hello = c->client_hello2 = NULL;
	c->server_hello = c->hello_retry = NULL;
	c->server_certs.blob = c->client_certs.blob = NULL;
}

size_t conn_heap_bytes(const struct conn *c)
{
	return (c->client_hello ? sizeof(*c->client_hello) : 0) +
	       (c->client_hello2 ? sizeof(*c->client_hello2) : 0) +
	       (c->server_hello ? sizeof(*c->server_hello) : 0) +
	       (c->hello_retry ? sizeof(*c->hello_retry) : 0) +
	       (c->certificate_request_info ? sizeof(*c->certificate_request_info) : 0) +
	       c->server_certs.blob_len + c->client_certs.blob_len;
}

void conn_move(struct conn *dst, struct conn *src)
{
	*dst = *src;
	src->client_hello = src->client_hello2 = NULL;
	src->certificate_request_info = NULL;
	src->server_hello = src->hello_retry = NULL;
	src->server_certs.blob = src->client_certs.blob = NULL;
	src->server_certs.count = src->client_certs.count = 0;
}

const char *conn_proxied_text(const struct conn *c, char *out, size_t outlen)
{
	if (!outlen)
		return "";
	out[0] = '\0';
	if (!c->proxied.version)
		return out;
	if (!c->proxied.has_address) {
		snprintf(out, outlen, "none named (PROXY protocol v%u)", c->proxied.version);
		return out;
	}
	char ip[64];
	ts_addr_format(&c->proxied.addr, ip, sizeof(ip));
	snprintf(out, outlen,
	         c->proxied.addr.family == 6 ? "[%s]:%u (PROXY protocol v%u)" : "%s:%u (PROXY protocol v%u)",
	         ip, c->proxied.port, c->proxied.version);
	return out;
}

const char *conn_openvpn_text(const struct conn *c, char *out, size_t outlen)
{
	if (!outlen)
		return "";
	out[0] = '\0';
	const struct conn_openvpn *o = &c->openvpn;
	if (!o->seen)
		return out;
	const char *wrap = openvpn_wrap_name((enum openvpn_wrap)o->wrap);
	bool encrypted = o->wrap == OPENVPN_WRAP_TLS_CRYPT || o->wrap == OPENVPN_WRAP_TLS_CRYPT_V2;
	char hmac[32] = "";
	if (o->wrap == OPENVPN_WRAP_TLS_AUTH)
		snprintf(hmac, sizeof(hmac), " (%u-byte HMAC)", o->hmac_len);
	snprintf(out, outlen, "OpenVPN over %s, control channel %s%s%s",
	         c->transport == CONN_TRANSPORT_UDP ? "UDP" : "TCP", wrap ? wrap : "not recognised", hmac,
	         encrypted ? ": encrypted, its TLS cannot be read" : "");
	return out;
}

void conn_wire_text(const uint8_t *b, size_t n, char *out, size_t outlen)
{
	size_t o = 0;
	if (!outlen)
		return;
	for (size_t i = 0; i < n && o + 5 < outlen; i++) {
		if (b[i] > 0x20 && b[i] < 0x7f && b[i] != '\\')
			out[o++] = (char)b[i];
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", b[i]);
	}
	out[o < outlen ? o : outlen - 1] = 0;
}

const char *conn_certificates_state(const struct conn *c)
{
	const struct conn_side *srv = conn_server(c);
	if (c->server_certs.present)
		return c->server_certs.truncated ? "truncated" : c->server_certs.cut ? "cut" : "visible";
	if (c->certificate_compressed)
		return "compressed";
	if (conn_is_tls13(c) && !c->decryption.server_flight_read)
		return "encrypted";
	if (conn_is_tls13(c))
		return "not_sent"; /* the decrypted flight had no Certificate: a resumption (PSK) */
	/* "not sent" only if the server's flight went on without one (ServerHelloDone,
	 * or ChangeCipherSpec in a resumption); otherwise we just did not see it */
	if (c->server_hello && (c->server_hello_done || srv->ccs))
		return "not_sent";
	return "not_seen";
}

const char *conn_resumption(const struct conn *c)
{
	const struct tls_client_hello *ch = c->client_hello;
	const struct tls_server_hello *sh = c->server_hello;
	if (!ch || !sh)
		return NULL;
	if (sh->has_pre_shared_key)
		return "psk";
	if (conn_is_tls13(c) || !sh->session_id_len || sh->session_id_len != ch->session_id_len ||
	    memcmp(sh->session_id, ch->session_id, sh->session_id_len) || c->server_certs.present)
		return NULL;
	return ch->session_ticket_len ? "ticket" : "session_id";
}
