/*
 * tls_session_decrypt.c - reading a connection's encrypted handshake with
 * the key log: which secrets apply, which records are opened, when the keys
 * change, and what the record says about it (conn->decryption).
 *
 * Nothing here runs without a key log, and with one only for connections
 * whose client random it holds. Per direction:
 *  - TLS 1.3: from the ServerHello, every record is opened with the
 *    handshake traffic secret until that side's Finished; then the
 *    *_TRAFFIC_SECRET_0 keys open up to TLS_DECRYPT_LATE_RECORDS short
 *    records (NewSessionTicket, alerts: which side rejected, and why).
 *  - TLS 1.2: from the ChangeCipherSpec, the master secret's keys open the
 *    Finished, then encrypted alerts and handshake records (renegotiation)
 *    within the same caps; application data only advances the sequence.
 * Decrypted handshake bytes go back through the record layer's message
 * reassembly to the same handlers as cleartext ones, so a Certificate read
 * this way fills the record exactly as a TLS 1.2 one does.
 *  - QUIC has no records: the handshake traffic secrets go to the packet
 *    layer (quic_conn_set_handshake_secrets()), which opens the Handshake
 *    packets itself and hands their CRYPTO messages to the same handlers
 *    (src/session/quic_session.c); 1-RTT packets are not opened.
 */
#include <stdlib.h>
#include <string.h>

#include "tls_handshake.h"
#include "tls_session_decrypt.h"

static void set_failed(struct conn *c, enum conn_decrypt_note note)
{
	c->decryption.keylog = CONN_KEYLOG_FAILED;
	if (!c->decryption.note)
		c->decryption.note = (uint8_t)note;
}

static bool start13(struct flow *f, struct flow_decrypt *d, const struct keylog_entry *e)
{
	struct conn *c = &f->conn;
	const struct keylog_secret *cs = &e->secret[KEYLOG_CLIENT_HANDSHAKE_TRAFFIC_SECRET];
	const struct keylog_secret *ss = &e->secret[KEYLOG_SERVER_HANDSHAKE_TRAFFIC_SECRET];
	uint8_t cd = c->client_dir, sd = conn_server_dir(c);
	bool any = false;
	if (ss->len && tls_decrypt_init13(&d->dir[sd], d->suite, ss->v, ss->len)) {
		d->phase[sd] = KEY_PHASE_HANDSHAKE;
		any = true;
	}
	if (cs->len && tls_decrypt_init13(&d->dir[cd], d->suite, cs->v, cs->len)) {
		d->phase[cd] = KEY_PHASE_HANDSHAKE;
		any = true;
	}
	/* A client that rejects the certificate may never write under its handshake
	 * keys (OpenSSL then logs no CLIENT_HANDSHAKE_TRAFFIC_SECRET): a missing
	 * secret is a failure only once that side sends an encrypted record. */
	d->missing[cd] = !cs->len;
	d->missing[sd] = !ss->len;
	if ((cs->len && d->phase[cd] == KEY_PHASE_OFF) || (ss->len && d->phase[sd] == KEY_PHASE_OFF))
		set_failed(c, DECRYPT_NOTE_BAD_SECRET);
	if (!any && !c->decryption.note)
		set_failed(c, DECRYPT_NOTE_MISSING_SECRET);
	return any;
}

static bool start12(struct flow *f, struct flow_decrypt *d, const struct keylog_entry *e)
{
	struct conn *c = &f->conn;
	const struct keylog_secret *ms = &e->secret[KEYLOG_CLIENT_RANDOM];
	uint8_t cd = c->client_dir, sd = conn_server_dir(c);
	if (!ms->len) {
		set_failed(c, DECRYPT_NOTE_MISSING_SECRET);
		return false;
	}
	if (!tls_decrypt_init12(&d->dir[cd], &d->dir[sd], d->suite, ms->v, ms->len, c->client_hello->random,
	                        c->server_hello->random)) {
		set_failed(c, DECRYPT_NOTE_BAD_SECRET);
		return false;
	}
	d->phase[cd] = d->phase[sd] = KEY_PHASE_HANDSHAKE;
	return true;
}

/* QUIC (RFC 9001 §4.1.4): each side's Handshake packets are under its handshake traffic secret. */
static void start_quic(struct flow *f, const struct keylog_entry *e)
{
	struct conn *c = &f->conn;
	const struct keylog_secret *cs = &e->secret[KEYLOG_CLIENT_HANDSHAKE_TRAFFIC_SECRET];
	const struct keylog_secret *ss = &e->secret[KEYLOG_SERVER_HANDSHAKE_TRAFFIC_SECRET];
	if (!cs->len && !ss->len) {
		set_failed(c, DECRYPT_NOTE_MISSING_SECRET);
		return;
	}
	/* A side without its secret fails only once it sends a Handshake packet
	 * (tls_session_decrypt_quic_failed()), as over TCP. */
	enum ts_status st = TS_MALFORMED;
	if (!cs->len || !ss->len || cs->len == ss->len)
		st = quic_conn_set_handshake_secrets(f->quic, c->server_hello->cipher_suite,
		                                     cs->len ? cs->v : NULL, ss->len ? ss->v : NULL,
		                                     cs->len ? cs->len : ss->len);
	if (st == TS_UNSUPPORTED)
		set_failed(c, DECRYPT_NOTE_UNSUPPORTED_SUITE);
	else if (st != TS_OK)
		set_failed(c, DECRYPT_NOTE_BAD_SECRET);
}

void tls_session_decrypt_quic_failed(struct flow *f, uint8_t dir)
{
	struct conn *c = &f->conn;
	enum quic_role role = dir == c->client_dir ? QUIC_ROLE_CLIENT : QUIC_ROLE_SERVER;
	if (c->decryption.keylog != CONN_KEYLOG_MATCHED)
		return; /* already failed: the first reason stands */
	if (!f->quic->keys[QUIC_SPACE_HANDSHAKE][role].valid)
		set_failed(c, DECRYPT_NOTE_MISSING_SECRET);
	else if (role == QUIC_ROLE_CLIENT)
		set_failed(c, DECRYPT_NOTE_CLIENT_FAILED);
	else
		set_failed(c, DECRYPT_NOTE_SERVER_FAILED);
}

void tls_session_decrypt_start(struct flow *f)
{
	struct conn *c = &f->conn;
	if (f->dec || f->in_decrypted || c->decryption.keylog != CONN_KEYLOG_NONE || !c->server_hello)
		return;
	if (!c->client_hello || c->client_hello->sslv2_format) {
		c->decryption.keylog = CONN_KEYLOG_NOT_FOUND;
		c->decryption.note = DECRYPT_NOTE_NO_CLIENT_HELLO;
		return;
	}
	const struct keylog_entry *e = keylog_find(f->keylog, c->client_hello->random);
	if (!e) {
		c->decryption.keylog = CONN_KEYLOG_NOT_FOUND;
		c->decryption.note = DECRYPT_NOTE_NO_ENTRY;
		return;
	}
	c->decryption.keylog = CONN_KEYLOG_MATCHED;
	uint16_t version = tls_server_hello_version(c->server_hello);
	bool tls13 = version == 0x0304; /* drafts used other labels: not read */
	if (f->quic) {
		if (tls13)
			start_quic(f, e);
		else
			set_failed(c, DECRYPT_NOTE_UNSUPPORTED_SUITE);
		return;
	}
	const EVP_MD *md;
	if ((!tls13 && version != 0x0303) ||
	    tls_decrypt_suite(c->server_hello->cipher_suite, tls13, &md) == TLS_AEAD_NONE) {
		set_failed(c, DECRYPT_NOTE_UNSUPPORTED_SUITE);
		return;
	}
	struct flow_decrypt *d = calloc(1, sizeof(*d));
	if (!d) {
		conn_add_anomaly(c, ANOM_OUT_OF_MEMORY);
		return;
	}
	d->keys = e;
	d->tls13 = tls13;
	d->suite = c->server_hello->cipher_suite;
	if (!(tls13 ? start13(f, d, e) : start12(f, d, e))) {
		for (int i = 0; i < 2; i++)
			tls_decrypt_clear(&d->dir[i]);
		free(d);
		return;
	}
	f->dec = d;
	f->mem += sizeof(*d);
}

void tls_session_decrypt_free(struct flow *f)
{
	struct flow_decrypt *d = f->dec;
	if (!d)
		return;
	for (int i = 0; i < 2; i++)
		tls_decrypt_clear(&d->dir[i]);
	f->mem -= sizeof(*d) + d->plain_cap;
	free(d->plain);
	free(d);
	f->dec = NULL;
}

static void stop_dir(struct flow_decrypt *d, uint8_t dir)
{
	d->phase[dir] = KEY_PHASE_OFF;
	tls_decrypt_clear(&d->dir[dir]);
}

bool tls_session_decrypt_want(struct flow *f, uint8_t dir, uint8_t type, uint16_t length, bool encrypted,
                              uint16_t header_alert)
{
	struct flow_decrypt *d = f->dec;
	if (d->phase[0] == KEY_PHASE_OFF && d->phase[1] == KEY_PHASE_OFF) {
		/* Both sides done: free the keys now (never while a record is being read). */
		tls_session_decrypt_free(f);
		return false;
	}
	d->record_alert[dir] = header_alert;
	if (d->missing[dir] && encrypted && (!d->tls13 || type == TLS_CT_APPLICATION_DATA)) {
		d->missing[dir] = false;
		set_failed(&f->conn, DECRYPT_NOTE_MISSING_SECRET);
	}
	if (d->phase[dir] == KEY_PHASE_OFF)
		return false;
	if (type == TLS_CT_CHANGE_CIPHER_SPEC && !d->tls13 && d->dir[dir].seq > 0) {
		stop_dir(d, dir); /* a renegotiation's new keys come from a new master secret */
		return false;
	}
	/* TLS 1.3 protects everything as application_data (RFC 8446 5.2); a
	 * middlebox ChangeCipherSpec and cleartext alerts are not protected. */
	if (!encrypted || (d->tls13 && type != TLS_CT_APPLICATION_DATA))
		return false;
	if (d->phase[dir] == KEY_PHASE_LATE) {
		/* TLS 1.3 hides alerts among application data: only short records can be one. TLS 1.2
		 * shows the type: its alerts and renegotiation handshakes, whatever their size. */
		bool wanted =
		    d->tls13 ? length <= TLS_DECRYPT_LATE_RECORD_LEN : type != TLS_CT_APPLICATION_DATA;
		if (!wanted) {
			tls_decrypt_skip(&d->dir[dir]);
			return false;
		}
		if (++d->late_records[dir] > TLS_DECRYPT_LATE_RECORDS) {
			stop_dir(d, dir);
			return false;
		}
	}
	return true;
}

void tls_session_decrypt_finished(struct flow *f, uint8_t dir)
{
	struct flow_decrypt *d = f->dec;
	if (!d || d->phase[dir] != KEY_PHASE_HANDSHAKE)
		return;
	if (d->tls13) {
		/* The next record of this side is under its application traffic secret (RFC 8446 7.1). */
		bool client = dir == f->conn.client_dir;
		const struct keylog_secret *s =
		    &d->keys
		         ->secret[client ? KEYLOG_CLIENT_TRAFFIC_SECRET_0 : KEYLOG_SERVER_TRAFFIC_SECRET_0];
		if (!s->len || !tls_decrypt_init13(&d->dir[dir], d->suite, s->v, s->len)) {
			stop_dir(d, dir);
			if (!f->conn.decryption.note)
				f->conn.decryption.note = DECRYPT_NOTE_NO_TRAFFIC_SECRET;
			return;
		}
	}
	d->phase[dir] = KEY_PHASE_LATE;
}

void tls_session_decrypt_record(struct flow *f, const struct tls_decrypt_hooks *hooks, uint8_t dir,
                                const uint8_t hdr[5], const uint8_t *body, uint32_t len)
{
	struct flow_decrypt *d = f->dec;
	struct conn *c = &f->conn;
	if (!d || d->phase[dir] == KEY_PHASE_OFF)
		return;
	if (len > d->plain_cap) {
		uint8_t *p = realloc(d->plain, len);
		if (!p) {
			conn_add_anomaly(c, ANOM_OUT_OF_MEMORY);
			stop_dir(d, dir);
			return;
		}
		f->mem += len - d->plain_cap;
		d->plain = p;
		d->plain_cap = len;
	}
	size_t n = 0;
	uint8_t type = 0;
	if (tls_decrypt_record(&d->dir[dir], hdr, body, len, d->plain, &n, &type) != TLS_DECRYPT_OK) {
		set_failed(c, dir == c->client_dir ? DECRYPT_NOTE_CLIENT_FAILED : DECRYPT_NOTE_SERVER_FAILED);
		stop_dir(d, dir);
		return;
	}
	c->decryption.records[dir]++;
	uint16_t header_alert = d->record_alert[dir];
	struct tls_stream_sink sink;
	hooks->sink(f, &sink);
	f->in_decrypted = true;
	if (type != TLS_CT_APPLICATION_DATA && d->tls13)
		hooks->not_application_data(f, dir);
	switch (type) {
	case TLS_CT_HANDSHAKE:
		tls_stream_feed_decrypted_handshake(&f->tls[dir], d->plain, n, &sink, &f->mem);
		break;
	case TLS_CT_ALERT:
		for (size_t i = 0; i + 1 < n; i += 2) {
			hooks->alert(f, dir, d->plain[i], d->plain[i + 1], header_alert);
			header_alert = 0;
		}
		break;
	default:
		break; /* application data: not looked at */
	}
	f->in_decrypted = false;
}
