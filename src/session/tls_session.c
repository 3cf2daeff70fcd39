/*
 * tls_session.c - applies what the TLS record layer finds to the connection
 * record: hellos, certificates, alerts, the timeline, roles, and when each
 * side's handshake is over as far as a passive observer can tell.
 *
 * What the wire shows after the keys change is only record types and
 * lengths, so a few rules are heuristics, documented in docs/json.md:
 *  - TLS <= 1.2: a side's handshake is over when it has sent
 *    ChangeCipherSpec and an encrypted handshake record (its Finished);
 *  - TLS 1.3: the server's first encrypted record starts its encrypted flight,
 *    the client's first encrypted record is its Finished, unless it has the
 *    exact size of an encrypted alert (2 bytes + content type + a 16-byte
 *    tag = 19, or 11 with CCM_8's 8-byte tag: how a TLS 1.3 client rejects a
 *    certificate) or, after early data, of EndOfEarlyData (21); later
 *    records are application data.
 */
#include <stdlib.h>
#include <string.h>

#include "tls_handshake.h"
#include "tls_names.h"
#include "tls_session.h"
#include "tls_session_decrypt.h"

/* Sizes of TLS 1.3 records whose content the wire does not show (RFC 8446 5.2):
 * inner plaintext + 1 content-type byte + AEAD tag (16, or 8 for CCM_8);
 * TLS13_ALERT_RECORD is in conn.h, where the diagnosis reads it too. */
#define TLS13_END_OF_EARLY_DATA_RECORD (4 + 1 + 16)

static bool negotiated_tls13(const struct conn *c)
{
	return conn_is_tls13(c);
}

/* A timeline entry; marked when it was only seen by decrypting. */
static void add_event(struct flow *f, uint8_t dir, enum conn_event_type type, uint16_t detail)
{
	struct conn *c = &f->conn;
	uint16_t before = c->event_count;
	conn_add_event(c, f->now_ns, dir, type, detail);
	if (c->event_count > before)
		c->events[before].decrypted = f->in_decrypted;
}

static void add_alert(struct flow *f, uint8_t dir, bool encrypted, bool inferred, uint8_t level, uint8_t desc)
{
	struct conn *c = &f->conn;
	c->alert_total++;
	if (c->alert_count < TLS_MAX_ALERTS) {
		struct conn_alert *a = &c->alerts[c->alert_count++];
		a->ts_ns = f->now_ns;
		a->dir = dir;
		a->encrypted = encrypted;
		a->inferred = inferred;
		a->decrypted = encrypted && f->in_decrypted;
		a->level = level;
		a->description = desc;
		a->stage = (uint8_t)conn_current_stage(c);
	}
	if (encrypted && !f->in_decrypted)
		add_event(f, dir, EV_ENCRYPTED_ALERT, 0);
	else
		add_event(f, dir, EV_ALERT, (uint16_t)(level << 8 | desc));
}

/* The decrypted record was not application data (a tls_decrypt_hooks handler). */
static void not_application_data(struct flow *f, uint8_t dir)
{
	struct conn *c = &f->conn;
	struct flow_decrypt *d = f->dec;
	struct conn_side *s = &c->side[dir];
	s->app_data_bytes -= d->record_app_bytes[dir];
	d->record_app_bytes[dir] = 0;
	if (!d->record_first_app[dir])
		return;
	d->record_first_app[dir] = false;
	s->app_data = false;
	for (uint16_t i = c->event_count; i-- > 0;) {
		if (c->events[i].dir == dir && c->events[i].type == EV_APPLICATION_DATA) {
			memmove(&c->events[i], &c->events[i + 1],
			        (size_t)(c->event_count - i - 1) * sizeof(c->events[0]));
			c->event_count--;
			c->event_total--;
			break;
		}
	}
}

/* A decrypted alert (a tls_decrypt_hooks handler). */
static void decrypted_alert(struct flow *f, uint8_t dir, uint8_t level, uint8_t desc, uint16_t header_alert)
{
	struct conn *c = &f->conn;
	if (!header_alert || header_alert > c->alert_count || c->alerts[header_alert - 1].dir != dir) {
		add_alert(f, dir, true, false, level, desc);
		return;
	}
	/* The record's header already counted an encrypted alert: now its content is known. */
	struct conn_alert *a = &c->alerts[header_alert - 1];
	a->level = level;
	a->description = desc;
	a->decrypted = true;
	a->inferred = false;
	for (uint16_t i = c->event_count; i-- > 0;) {
		struct conn_event *e = &c->events[i];
		if (e->dir == dir && e->type == EV_ENCRYPTED_ALERT) {
			e->type = EV_ALERT;
			e->detail = (uint16_t)(level << 8 | desc);
			e->decrypted = true;
			break;
		}
	}
}

static void check_done(struct flow *f)
{
	struct conn *c = &f->conn;
	if (c->handshake_done)
		return;
	struct conn_side *cli = &c->side[c->client_dir], *srv = &c->side[c->client_dir ^ 1];
	bool done;
	if (negotiated_tls13(c))
		done = srv->encrypted_handshake && cli->encrypted_handshake;
	else
		done = (cli->encrypted_handshake && srv->encrypted_handshake) ||
		       (cli->app_data && (srv->encrypted_handshake || srv->app_data));
	if (done) {
		c->handshake_done = true;
		c->handshake_done_ns = f->now_ns;
		cli->finished = srv->finished = true;
	}
}

void tls_session_free(struct flow *f)
{
	if (!f->starttls)
		return;
	free(f->starttls);
	f->starttls = NULL;
	f->mem -= 2 * sizeof(struct starttls_dir);
}

/* Plaintext before TLS: kept (capped) only for naming the upgrade protocol once TLS starts. */
static void on_prelude(void *ctx, uint8_t dir, const uint8_t *p, size_t n)
{
	struct flow *f = ctx;
	struct conn_side *s = &f->conn.side[dir];
	/* The first clear bytes say what answered a ClientHello instead of TLS (an HTTP server). */
	if (!s->is_tls && s->plain_head_len < sizeof(s->plain_head)) {
		size_t take = sizeof(s->plain_head) - s->plain_head_len;
		take = take < n ? take : n;
		memcpy(s->plain_head + s->plain_head_len, p, take);
		s->plain_head_len = (uint8_t)(s->plain_head_len + take);
	}
	if (f->conn.side[0].is_tls && f->conn.side[1].is_tls)
		return;
	if (!f->starttls) {
		f->starttls = calloc(2, sizeof(struct starttls_dir));
		if (!f->starttls) {
			conn_add_anomaly(&f->conn, ANOM_OUT_OF_MEMORY);
			return;
		}
		f->mem += 2 * sizeof(struct starttls_dir);
	}
	starttls_feed(&f->starttls[dir], p, n);
}

/* "CONNECT host:port" before the ClientHello: the name the client meant (an HTTPS proxy tunnel); an
 * XMPP stream header's `to`: the domain the client checks the certificate against. */
static void note_prelude_host(struct flow *f)
{
	struct conn *c = &f->conn;
	size_t len;
	if (c->prelude_host.len)
		return;
	if (starttls_http_connect(&f->starttls[0], &f->starttls[1], c->prelude_host.bytes,
	                          sizeof(c->prelude_host.bytes), &len, &c->connect_port))
		c->http_connect = true;
	else if (c->starttls != STARTTLS_XMPP ||
	         !starttls_xmpp_to(&f->starttls[0], &f->starttls[1], c->prelude_host.bytes,
	                           sizeof(c->prelude_host.bytes), &len))
		return;
	c->prelude_host.len = c->prelude_host.wire_len = (uint16_t)len;
}

static void mark_tls(struct flow *f, uint8_t dir)
{
	struct conn_side *s = &f->conn.side[dir];
	if (s->is_tls)
		return;
	s->is_tls = true;
	s->prelude_bytes = f->tls[dir].scanned;
	f->conn.is_tls = true;
	tls_stream_peer_is_tls(&f->tls[dir ^ 1]);
	/* This direction's prelude is complete now; the other's is as far as it will matter. */
	if (f->starttls) {
		enum starttls_proto p = starttls_detect(&f->starttls[0], &f->starttls[1]);
		if (p != STARTTLS_NONE)
			f->conn.starttls = (uint8_t)p;
		note_prelude_host(f);
		if (f->conn.side[dir ^ 1].is_tls)
			tls_session_free(f);
	}
}

static void on_record(void *ctx, uint8_t dir, uint8_t type, uint16_t version, uint16_t length, bool encrypted)
{
	struct flow *f = ctx;
	struct conn *c = &f->conn;
	struct conn_side *s = &c->side[dir];

	mark_tls(f, dir);
	s->tls_records++;
	uint16_t alerts_before = c->alert_count;
	uint64_t app_bytes_before = s->app_data_bytes;
	bool app_before = s->app_data;

	switch (type) {
	case TLS_CT_CHANGE_CIPHER_SPEC:
		if (!s->ccs)
			conn_add_event(c, f->now_ns, dir, EV_CHANGE_CIPHER_SPEC, 0);
		s->ccs = true;
		/* In TLS 1.3 the CCS is a no-op kept for middleboxes; before any
		 * ServerHello only a TLS 1.3 client sends one. When the ServerHello
		 * may have been lost in a hole, the handshake records after a CCS
		 * are taken as encrypted: read as clear they would be noise. */
		if ((c->server_hello && !negotiated_tls13(c)) ||
		    (!c->server_hello && conn_handshake_gapped(c)))
			tls_stream_set_encrypted(&f->tls[dir]);
		break;
	case TLS_CT_ALERT:
		if (encrypted)
			add_alert(f, dir, true, false, 0, 0);
		break;
	case TLS_CT_HANDSHAKE:
		if (!encrypted)
			break;
		if (!s->encrypted_handshake) {
			s->encrypted_handshake = true;
			conn_add_event(c, f->now_ns, dir, EV_ENCRYPTED_HANDSHAKE, 0);
		} else if (c->handshake_done && !c->renegotiation) {
			/* TLS <= 1.2: a handshake record after both Finished messages
			 * is a renegotiation (HelloRequest or ClientHello). */
			c->renegotiation = true;
			conn_add_event(c, f->now_ns, dir, EV_RENEGOTIATION, 0);
		}
		check_done(f);
		break;
	case TLS_CT_APPLICATION_DATA: {
		bool handshake_record = false;
		if (negotiated_tls13(c) && !s->encrypted_handshake) {
			bool is_client = dir == c->client_dir;
			if (is_client && s->app_data && length == TLS13_END_OF_EARLY_DATA_RECORD)
				break; /* EndOfEarlyData closes the early data; Finished follows */
			if (is_client &&
			    (length == TLS13_ALERT_RECORD || length == TLS13_ALERT_RECORD_CCM8)) {
				add_alert(f, dir, true, true, 0, 0);
				break;
			}
			s->encrypted_handshake = true;
			s->first_encrypted_len = length;
			handshake_record = true;
			conn_add_event(c, f->now_ns, dir, EV_ENCRYPTED_HANDSHAKE, 0);
		} else if (negotiated_tls13(c) && dir != c->client_dir &&
		           !c->side[c->client_dir].encrypted_handshake) {
			handshake_record = true; /* still the server's encrypted flight */
		}
		if (!handshake_record) {
			s->app_data_bytes += length;
			if (!s->app_data) {
				/* detail 1: early data, sent before any ServerHello */
				uint16_t early =
				    c->client_hello_count && !c->server_hello && dir == c->client_dir;
				conn_add_event(c, f->now_ns, dir, EV_APPLICATION_DATA, early);
			}
			s->app_data = true;
		}
		check_done(f);
		break;
	}
	default:
		break;
	}
	if (f->dec) {
		/* What the header made of this record, to be undone if its content says otherwise. */
		f->dec->record_app_bytes[dir] = (uint16_t)(s->app_data_bytes - app_bytes_before);
		f->dec->record_first_app[dir] = !app_before && s->app_data;
		if (tls_session_decrypt_want(f, dir, type, length, encrypted,
		                             c->alert_count > alerts_before ? c->alert_count : 0))
			tls_stream_collect_record(&f->tls[dir]);
	}
}

static void set_client(struct conn *c, uint8_t dir, uint8_t source)
{
	if (c->role_source >= source)
		return;
	c->client_dir = dir;
	c->role_source = source;
}

/* Keep a copy of the certificates of one Certificate message; `truncated`: the
 * stream ended inside it, and only the whole certificates before the end count. */
static void keep_certificates(struct conn *c, struct conn_cert_list *list, const uint8_t *body, uint32_t len,
                              uint32_t wire_len, bool tls13, bool truncated, size_t *mem)
{
	struct tls_cert_view views[TLS_MAX_CERTS_PER_MSG];
	size_t count = 0, total = 0;
	enum ts_status st =
	    tls_certificate_parse(body, len, tls13, views, TLS_MAX_CERTS_PER_MSG, &count, &total);
	if (st != TS_OK && !truncated) /* a message that ended early claims more than it holds */
		conn_add_anomaly(c, ANOM_MALFORMED_CERTIFICATE);
	if (list->present && list->total > 0)
		return; /* keep the first non-empty chain */
	list->present = true;
	if (tls13 && count && views[0].ext && list == &c->server_certs) {
		/* TLS 1.3 staples the OCSP response and SCTs in the leaf's entry (RFC 8446 4.4.2.1). */
		struct tls_cert_entry_ext ext;
		if (tls_cert_entry_extensions_parse(views[0].ext, views[0].ext_len, &ext) != TS_OK)
			conn_add_anomaly(c, ANOM_MALFORMED_CERTIFICATE);
		if (ext.ocsp) {
			c->certificate_status = true;
			c->ocsp_response_len = ext.ocsp_len;
		}
		c->scts_stapled = ext.sct_count;
	}
	list->total = (uint16_t)(total < UINT16_MAX ? total : UINT16_MAX);
	list->truncated = truncated;
	/* a message cut at the cap holds more than we saw */
	list->cut = total > count || (!truncated && wire_len > len);

	size_t bytes = 0, keep = 0;
	for (; keep < count && bytes + views[keep].len <= TLS_MAX_CERT_BYTES; keep++)
		bytes += views[keep].len;
	if (keep < count)
		list->cut = true;
	if (list->cut)
		conn_add_anomaly(c, ANOM_CERT_LIMIT);
	free(list->blob);
	*mem -= list->blob_len;
	list->blob = NULL;
	list->blob_len = 0;
	list->count = 0;
	if (bytes == 0)
		return;
	list->blob = malloc(bytes);
	if (!list->blob)
		return;
	uint32_t off = 0;
	for (size_t i = 0; i < keep; i++) {
		memcpy(list->blob + off, views[i].der, views[i].len);
		list->certs[i].off = off;
		list->certs[i].len = views[i].len;
		off += views[i].len;
	}
	list->blob_len = off;
	list->count = (uint16_t)keep;
	*mem += off;
}

static void *alloc_hello(size_t size, size_t *mem)
{
	void *p = calloc(1, size);
	if (p)
		*mem += size;
	return p;
}

static void on_client_hello(struct flow *f, uint8_t dir, struct tls_client_hello *ch)
{
	struct conn *c = &f->conn;
	set_client(c, dir, ROLE_FROM_CLIENT_HELLO);
	c->client_hello_count++;
	if (ch->malformed & ~(unsigned)TLS_HELLO_LIST_CUT) /* a cut list is our limit, not their fault */
		conn_add_anomaly(c, ANOM_MALFORMED_CLIENT_HELLO);
	if (c->handshake_done && !c->renegotiation) {
		c->renegotiation = true;
		add_event(f, dir, EV_RENEGOTIATION, 0);
	}
	if (!c->client_hello)
		c->client_hello = ch;
	else if (!c->client_hello2)
		c->client_hello2 = ch;
	else {
		free(ch);
		f->mem -= sizeof(*ch);
	}
}

/* What the server asked of a client certificate; a second request (renegotiation, TLS 1.3
 * post-handshake authentication) is not kept. */
static void keep_certificate_request(struct flow *f, const uint8_t *body, uint32_t len)
{
	struct conn *c = &f->conn;
	if (c->certificate_request_info)
		return;
	struct tls_certificate_request *cr = alloc_hello(sizeof(*cr), &f->mem);
	if (!cr) {
		conn_add_anomaly(c, ANOM_OUT_OF_MEMORY);
		return;
	}
	if (tls_certificate_request_parse(body, len, negotiated_tls13(c), cr) != TS_OK) {
		conn_add_anomaly(c, ANOM_MALFORMED_HANDSHAKE);
		free(cr);
		f->mem -= sizeof(*cr);
		return;
	}
	c->certificate_request_info = cr;
}

/* A ticket the server issued: a later connection that resumes with it links back here. */
static void keep_ticket(struct conn *c, const uint8_t *body, uint32_t len)
{
	uint64_t h;
	if (tls_new_session_ticket_parse(body, len, negotiated_tls13(c), &h) != TS_OK) {
		conn_add_anomaly(c, ANOM_MALFORMED_HANDSHAKE);
		return;
	}
	if (h && c->ticket_count < CONN_MAX_TICKETS)
		c->tickets_issued[c->ticket_count++] = h;
}

static void on_handshake(void *ctx, uint8_t dir, uint8_t type, const uint8_t *body, uint32_t len,
                         uint32_t wire_len)
{
	struct flow *f = ctx;
	struct conn *c = &f->conn;
	bool from_server = dir != c->client_dir;

	switch (type) {
	case TLS_HS_CLIENT_HELLO: {
		add_event(f, dir, EV_HANDSHAKE, type);
		struct tls_client_hello *ch = alloc_hello(sizeof(*ch), &f->mem);
		if (!ch)
			return;
		if (tls_client_hello_parse(body, len, ch) != TS_OK)
			ch->malformed |= TLS_HELLO_TRUNCATED;
		if (!c->client_hello)
			c->record_version = f->tls[dir].rec_version; /* the record that carried it */
		on_client_hello(f, dir, ch);
		return;
	}
	case TLS_HS_SERVER_HELLO: {
		struct tls_server_hello *sh = alloc_hello(sizeof(*sh), &f->mem);
		if (!sh)
			return;
		enum ts_status st = tls_server_hello_parse(body, len, sh);
		if (st != TS_OK || (sh->malformed & ~(unsigned)TLS_HELLO_LIST_CUT))
			conn_add_anomaly(c, ANOM_MALFORMED_SERVER_HELLO);
		set_client(c, dir ^ 1, ROLE_FROM_SERVER_HELLO);
		c->server_hello_count++;
		struct tls_server_hello **slot =
		    sh->is_hello_retry_request ? &c->hello_retry : &c->server_hello;
		add_event(f, dir, sh->is_hello_retry_request ? EV_HELLO_RETRY_REQUEST : EV_HANDSHAKE, type);
		if (*slot && f->in_decrypted) {
			/* A renegotiation read with the key log: the record keeps the first handshake. */
			free(sh);
			f->mem -= sizeof(*sh);
			return;
		}
		if (*slot) {
			free(*slot);
			f->mem -= sizeof(**slot);
		}
		*slot = sh;
		if (f->keylog && !sh->is_hello_retry_request)
			tls_session_decrypt_start(f);
		return;
	}
	default:
		break;
	}

	add_event(f, dir, EV_HANDSHAKE, type);
	if (f->in_decrypted && type == TLS_HS_FINISHED)
		tls_session_decrypt_finished(f, dir);
	if (wire_len > len && type != TLS_HS_CERTIFICATE)
		return; /* cut at the cap: only certificates are worth reading partly */
	switch (type) {
	case TLS_HS_CERTIFICATE:
		keep_certificates(c, from_server ? &c->server_certs : &c->client_certs, body, len, wire_len,
		                  negotiated_tls13(c), false, &f->mem);
		break;
	case TLS_HS_CERTIFICATE_REQUEST:
		c->certificate_request = true;
		if (from_server)
			keep_certificate_request(f, body, len);
		break;
	case TLS_HS_NEW_SESSION_TICKET:
		if (from_server)
			keep_ticket(c, body, len);
		break;
	case TLS_HS_COMPRESSED_CERTIFICATE:
		if (from_server)
			c->certificate_compressed = true;
		break;
	case TLS_HS_FINISHED:
		if (from_server && f->in_decrypted)
			c->decryption.server_flight_read = true;
		break;
	case TLS_HS_SERVER_HELLO_DONE:
		if (from_server)
			c->server_hello_done = true;
		break;
	case TLS_HS_CERTIFICATE_STATUS: {
		uint8_t status_type = 0;
		uint32_t rlen = 0;
		enum ts_status st = tls_certificate_status_parse(body, len, &status_type, &rlen);
		if (st == TS_OK) {
			c->certificate_status = true;
			c->ocsp_response_len = rlen;
		} else if (st == TS_MALFORMED) {
			conn_add_anomaly(
			    c, ANOM_MALFORMED_HANDSHAKE); /* an unknown status_type is not an error */
		}
		break;
	}
	case TLS_HS_SERVER_KEY_EXCHANGE:
		if (c->server_hello && tls_server_key_exchange_parse(body, len, c->server_hello->cipher_suite,
		                                                     &c->ske_group, &c->ske_dh_bits) != TS_OK)
			conn_add_anomaly(c, ANOM_MALFORMED_HANDSHAKE);
		break;
	default:
		break;
	}
}

static void on_alert(void *ctx, uint8_t dir, uint8_t level, uint8_t description)
{
	struct flow *f = ctx;
	add_alert(f, dir, false, false, level, description);
}

static void on_sslv2_client_hello(void *ctx, uint8_t dir, const uint8_t *body, uint32_t len)
{
	struct flow *f = ctx;
	struct conn *c = &f->conn;
	mark_tls(f, dir);
	c->sslv2_client_hello = true;
	conn_add_event(c, f->now_ns, dir, EV_SSLV2_CLIENT_HELLO, TLS_HS_CLIENT_HELLO);
	struct tls_client_hello *ch = alloc_hello(sizeof(*ch), &f->mem);
	if (!ch)
		return;
	if (tls_client_hello_parse_sslv2(body, len, ch) != TS_OK)
		ch->malformed |= TLS_HELLO_TRUNCATED;
	if (!c->client_hello)
		c->record_version = 0x0002;
	on_client_hello(f, dir, ch);
}

static void on_anomaly(void *ctx, uint8_t dir, enum tls_stream_anomaly a)
{
	struct flow *f = ctx;
	switch (a) {
	case TLS_ANOM_RECORD_TOO_LONG:
		conn_add_anomaly(&f->conn, ANOM_RECORD_TOO_LONG);
		break;
	case TLS_ANOM_BAD_RECORD_HEADER:
		conn_add_anomaly(&f->conn, ANOM_RECORD_SYNC_LOST);
		break;
	case TLS_ANOM_HANDSHAKE_TOO_LONG:
		conn_add_anomaly(&f->conn, ANOM_HANDSHAKE_TOO_LONG);
		break;
	case TLS_ANOM_NOMEM:
		conn_add_anomaly(&f->conn, ANOM_OUT_OF_MEMORY);
		break;
	}
}

static void on_record_body(void *ctx, uint8_t dir, const uint8_t hdr[5], const uint8_t *body, uint32_t len)
{
	static const struct tls_decrypt_hooks hooks = {
	    .sink = tls_session_sink, .not_application_data = not_application_data, .alert = decrypted_alert};
	tls_session_decrypt_record(ctx, &hooks, dir, hdr, body, len);
}

/* The stream ended inside a handshake message: only a Certificate's whole
 * certificates are worth keeping (the other messages are useless in part). */
static void on_handshake_partial(void *ctx, uint8_t dir, uint8_t type, const uint8_t *body, uint32_t len,
                                 uint32_t wire_len)
{
	struct flow *f = ctx;
	struct conn *c = &f->conn;
	if (type != TLS_HS_CERTIFICATE)
		return;
	struct conn_cert_list *list = dir != c->client_dir ? &c->server_certs : &c->client_certs;
	if (list->present && list->total > 0)
		return; /* an earlier whole chain stays */
	size_t total = 0;
	(void)tls_certificate_parse(body, len, negotiated_tls13(c), NULL, 0, NULL, &total);
	if (total == 0)
		return; /* not one whole certificate arrived: as if none was seen */
	keep_certificates(c, list, body, len, wire_len, negotiated_tls13(c), true, &f->mem);
}

/* A hole in the stream (capture loss). It counts while the handshake's
 * outcome rests on what each side sent: before the handshake was over, and
 * in the client's stream until its first application data (a client that
 * closes without sending any reads as one that rejected the server). */
static void on_gap(void *ctx, uint8_t dir)
{
	struct flow *f = ctx;
	struct conn *c = &f->conn;
	struct conn_side *s = &c->side[dir];
	bool open_question = !c->handshake_done || (dir == c->client_dir && !s->app_data);
	if (open_question && s->handshake_gaps < UINT32_MAX)
		s->handshake_gaps++;
}

void tls_session_sink(struct flow *f, struct tls_stream_sink *sink)
{
	sink->gap = on_gap;
	sink->handshake_partial = on_handshake_partial;
	sink->record_body = on_record_body;
	sink->ctx = f;
	sink->record = on_record;
	sink->handshake = on_handshake;
	sink->alert = on_alert;
	sink->sslv2_client_hello = on_sslv2_client_hello;
	sink->anomaly = on_anomaly;
	sink->prelude = on_prelude;
}
