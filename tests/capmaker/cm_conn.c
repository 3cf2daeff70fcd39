/*
 * cm_conn.c - one TLS connection made of two real OpenSSL endpoints talking
 * through memory BIOs.  Each call of cm_conn_step() moves the connection by
 * one flight (or one TCP control packet): the side whose turn it is runs,
 * whatever it wrote goes on the wire through cm_wire.c and into the peer's
 * read BIO.  Because it advances a flight at a time, several connections can
 * take turns and interleave in one capture.  When the connection ends, what
 * happened is checked against what the scenario expected (outcome, version,
 * alert), so a change in OpenSSL's behaviour breaks the build instead of
 * silently changing what a sample shows.
 */
#include "capmaker.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

enum phase {
	PH_SYN,
	PH_SYNACK,
	PH_ACK,
	PH_HANDSHAKE,
	PH_SERVER_RST,
	PH_REQUEST,
	PH_RESPONSE,
	PH_RENEGOTIATE,
	PH_CLIENT_RST,
	PH_EARLY_FIN,
	PH_CLOSE_CLIENT,
	PH_CLOSE_SERVER,
	PH_LAST_ACK,
	PH_FAIL_FIN,
	PH_FAIL_PEER,
	PH_FAIL_LAST_ACK,
	PH_DONE
};

#define TLS_CT_ALERT 21
#define TLS_CT_HANDSHAKE 22
#define TLS_HS_CLIENT_HELLO 1
#define TLS_HS_SERVER_HELLO 2
#define TLS_HS_CERTIFICATE 11
#define CUT_SNAP_BYTES 64 /* payload bytes kept of the snapped packet */

static const unsigned char alpn_offer[] = "\x02h2\x08http/1.1";
/* The request below is HTTP/1.1, so the server prefers it over h2. */
static const unsigned char alpn_pref[] = "\x08http/1.1\x02h2";

static const char *const side_name[2] = {"client", "server"};

static unsigned rd16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

void cm_spec_default(struct cm_conn_spec *sp)
{
	static const uint8_t c4[4] = {10, 0, 0, 1}, s4[4] = {10, 0, 0, 2};

	memset(sp, 0, sizeof *sp);
	memcpy(sp->caddr, c4, 4);
	memcpy(sp->saddr, s4, 4);
	sp->sport = 443;
	sp->mss = CM_MSS_ETHERNET;
	sp->sni = "www.example.test";
	sp->c_min = TLS1_2_VERSION;
	sp->c_max = TLS1_3_VERSION;
	sp->c_alpn = true;
	sp->seclevel = 2; /* Debian 12's built-in default */
	sp->s_min = TLS1_2_VERSION;
	sp->s_max = TLS1_2_VERSION;
	sp->leaf = CM_LEAF_WWW;
	sp->chain[0] = CM_ISSUING;
	sp->response_len = 1200;
	sp->close = CM_CLOSE_NOTIFY_FIN;
	sp->expect = CM_OUT_OK;
	sp->expect_version = TLS1_2_VERSION;
	sp->expect_alert = -1;
}

/* ---------------------------------------------------------- callbacks */

static int alpn_select(SSL *s, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
                       unsigned int inlen, void *arg)
{
	unsigned char *sel = NULL;
	(void)s;
	(void)arg;
	if (SSL_select_next_proto(&sel, outlen, alpn_pref, sizeof alpn_pref - 1, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

/* A server with one name, like a web server without a matching virtual
 * host: it warns with unrecognized_name(112) and carries on. */
static int servername_cb(SSL *s, int *al, void *arg)
{
	const struct cm_conn *k = arg;
	const char *name = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);

	if (name && strcmp(name, k->sp.s_only_name) != 0) {
		*al = SSL_AD_UNRECOGNIZED_NAME;
		return SSL_TLSEXT_ERR_ALERT_WARNING;
	}
	return SSL_TLSEXT_ERR_OK;
}

/* Session tickets carry the session's creation time, taken from the wall
 * clock, inside the encrypted ticket.  OpenSSL calls this just before it
 * encodes the session, so we put capture time there instead. */
static int pin_ticket_time(SSL *s, void *arg)
{
	const struct cm_conn *k = arg;
	SSL_SESSION *sess = SSL_get_session(s);

	if (!sess || !SSL_SESSION_set_time(sess, (long)(CM_EPOCH + (int64_t)(k->flow.w->t_us / 1000000))))
		return 0;
	return 1;
}

/* ---------------------------------------------------------- set-up */

static SSL_CTX *client_ctx(const struct cm_conn_spec *sp)
{
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());

	if (!c)
		cm_die("SSL_CTX_new (client)");
	SSL_CTX_set_security_level(c, sp->seclevel);
	if (!SSL_CTX_set_min_proto_version(c, sp->c_min) || !SSL_CTX_set_max_proto_version(c, sp->c_max))
		cm_die("client protocol versions");
	if (sp->c_ciphers && !SSL_CTX_set_cipher_list(c, sp->c_ciphers))
		cm_die("client cipher list %s", sp->c_ciphers);
	if (sp->c_groups && !SSL_CTX_set1_groups_list(c, sp->c_groups))
		cm_die("client groups %s", sp->c_groups);
	if (sp->c_alpn && SSL_CTX_set_alpn_protos(c, alpn_offer, sizeof alpn_offer - 1) != 0)
		cm_die("client ALPN");
	/* Nothing is loaded into the trust store: a verifying client trusts
	 * nobody.  Verification, if any, happens at capture time. */
	SSL_CTX_set_verify(c, sp->c_verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	X509_VERIFY_PARAM_set_time(SSL_CTX_get0_param(c), (time_t)CM_EPOCH);
	return c;
}

static SSL_CTX *server_ctx(struct cm_conn *k, const struct cm_pki *pki)
{
	const struct cm_conn_spec *sp = &k->sp;
	SSL_CTX *c = SSL_CTX_new(TLS_server_method());

	if (!c)
		cm_die("SSL_CTX_new (server)");
	SSL_CTX_set_security_level(c, sp->seclevel);
	if (!SSL_CTX_set_min_proto_version(c, sp->s_min) || !SSL_CTX_set_max_proto_version(c, sp->s_max))
		cm_die("server protocol versions");
	if (sp->s_ciphers && !SSL_CTX_set_cipher_list(c, sp->s_ciphers))
		cm_die("server cipher list %s", sp->s_ciphers);
	if (sp->s_groups && !SSL_CTX_set1_groups_list(c, sp->s_groups))
		cm_die("server groups %s", sp->s_groups);
	SSL_CTX_set_alpn_select_cb(c, alpn_select, NULL);
	if (sp->s_only_name) {
		SSL_CTX_set_tlsext_servername_callback(c, servername_cb);
		SSL_CTX_set_tlsext_servername_arg(c, k);
	}
	if (!SSL_CTX_set_session_ticket_cb(c, pin_ticket_time, NULL, k))
		cm_die("session ticket callback");
	/* Send exactly the chain the scenario lists, never one OpenSSL builds. */
	SSL_CTX_set_mode(c, SSL_MODE_NO_AUTO_CHAIN);
	if (sp->s_allow_reneg)
		SSL_CTX_set_options(c, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
	if (SSL_CTX_use_certificate(c, pki->cert[sp->leaf]) != 1 ||
	    SSL_CTX_use_PrivateKey(c, pki->key[sp->leaf]) != 1)
		cm_die("server certificate %d", (int)sp->leaf);
	for (size_t i = 0; i < sizeof sp->chain / sizeof sp->chain[0] && sp->chain[i]; i++)
		if (!SSL_CTX_add1_chain_cert(c, pki->cert[sp->chain[i]]))
			cm_die("server chain certificate %d", (int)sp->chain[i]);
	return c;
}

static void new_ssl(struct cm_conn *k, int side)
{
	SSL *s = SSL_new(k->ctx[side]);

	k->rbio[side] = BIO_new(BIO_s_mem());
	k->wbio[side] = BIO_new(BIO_s_mem());
	if (!s || !k->rbio[side] || !k->wbio[side])
		cm_die("SSL_new");
	SSL_set_bio(s, k->rbio[side], k->wbio[side]);
	k->ssl[side] = s;
}

void cm_conn_init(struct cm_conn *k, const struct cm_conn_spec *sp, struct cm_pcap *w,
                  const struct cm_pki *pki, uint64_t *rng)
{
	memset(k, 0, sizeof *k);
	k->sp = *sp;
	k->failed_side = -1;
	k->seen_alert = -1;
	k->phase = PH_SYN;
	k->turn = CM_CLIENT;
	cm_flow_init(&k->flow, w, sp->v6, sp->caddr, sp->saddr, sp->cport, sp->sport, sp->mss, rng);

	k->ctx[CM_CLIENT] = client_ctx(&k->sp);
	new_ssl(k, CM_CLIENT);
	SSL_set_connect_state(k->ssl[CM_CLIENT]);
	if (sp->sni && !SSL_set_tlsext_host_name(k->ssl[CM_CLIENT], sp->sni))
		cm_die("SNI %s", sp->sni);
	if (sp->c_verify && sp->sni && !SSL_set1_host(k->ssl[CM_CLIENT], sp->sni))
		cm_die("SSL_set1_host");

	if (sp->rst_after_hello)
		return; /* the server never gets as far as TLS */
	k->ctx[CM_SERVER] = server_ctx(k, pki);
	new_ssl(k, CM_SERVER);
	SSL_set_accept_state(k->ssl[CM_SERVER]);
}

/* ---------------------------------------------------------- wire bytes */

/* The first plaintext alert on the wire, to check against the scenario.
 * Encrypted alerts are longer than two bytes (or are application_data in
 * TLS 1.3) and are skipped. */
static void note_alert(struct cm_conn *k, const uint8_t *p, size_t n)
{
	for (size_t off = 0; n - off >= 5;) {
		size_t len = rd16(p + off + 3);
		if (len > n - off - 5)
			break;
		if (p[off] == TLS_CT_ALERT && len == 2 && k->seen_alert < 0)
			k->seen_alert = p[off + 6];
		off += 5 + len;
	}
}

/* Where to stop the capture: the last segment boundary that falls inside
 * the Certificate record of the server's first flight. */
static size_t certificate_cut(const uint8_t *p, size_t n, unsigned mss)
{
	for (size_t off = 0; n - off >= 6;) {
		size_t len = rd16(p + off + 3), end = off + 5 + len;
		if (len > n - off - 5)
			break;
		if (p[off] == TLS_CT_HANDSHAKE && p[off + 5] == TLS_HS_CERTIFICATE) {
			size_t full = (end - 1) / mss * mss;
			if (full <= off + 5)
				cm_die("no segment boundary inside the Certificate with MSS %u", mss);
			return full;
		}
		off = end;
	}
	cm_die("no Certificate record in the server's first flight");
}

/* Everything side's SSL wrote since last time goes on the wire and into the
 * peer.  Returns whether there was anything. */
static bool transmit(struct cm_conn *k, int side)
{
	size_t n = BIO_ctrl_pending(k->wbio[side]);
	uint8_t *buf, *wire;

	if (!n)
		return false;
	buf = malloc(n);
	wire = malloc(n);
	if (!buf || !wire)
		cm_die("out of memory");
	if (BIO_read(k->wbio[side], buf, (int)n) != (int)n)
		cm_die("BIO_read");
	memcpy(wire, buf, n);
	note_alert(k, wire, n);

	if (side == CM_SERVER && ++k->server_flights == 1 && k->sp.cut_in_certificate) {
		cm_flow_send_cut(&k->flow, side, wire, n, certificate_cut(wire, n, k->flow.mss),
		                 CUT_SNAP_BYTES);
		k->got = CM_OUT_CUT;
		k->phase = PH_DONE;
	} else {
		if (side == CM_SERVER && k->sp.reorder_server)
			cm_flow_send_reordered(&k->flow, side, wire, n);
		else
			cm_flow_send(&k->flow, side, wire, n);
		if (k->ssl[!side] && BIO_write(k->rbio[!side], buf, (int)n) != (int)n)
			cm_die("BIO_write");
	}
	free(buf);
	free(wire);
	return true;
}

/* Let side consume what it was given; application data is discarded. */
static void drain(struct cm_conn *k, int side)
{
	unsigned char buf[4096];
	int r, e;

	ERR_clear_error();
	while ((r = SSL_read(k->ssl[side], buf, sizeof buf)) > 0) {
	}
	e = SSL_get_error(k->ssl[side], r);
	if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_ZERO_RETURN)
		cm_die("SSL_read on the %s failed (%d)", side_name[side], e);
	ERR_clear_error();
}

static void write_all(struct cm_conn *k, int side, const char *p, size_t n)
{
	ERR_clear_error();
	if (SSL_write(k->ssl[side], p, (int)n) != (int)n)
		cm_die("SSL_write on the %s failed", side_name[side]);
}

static void send_request(struct cm_conn *k, const char *path)
{
	char host[INET6_ADDRSTRLEN + 2], req[512];
	int n;

	if (k->sp.sni) {
		snprintf(host, sizeof host, "%s", k->sp.sni);
	} else if (k->sp.v6) {
		char a[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, k->sp.saddr, a, sizeof a);
		snprintf(host, sizeof host, "[%s]", a);
	} else {
		inet_ntop(AF_INET, k->sp.saddr, host, sizeof host);
	}
	n = snprintf(req, sizeof req,
	             "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: capmaker/1\r\nAccept: */*\r\n\r\n", path,
	             host);
	write_all(k, CM_CLIENT, req, (size_t)n);
	transmit(k, CM_CLIENT);
	drain(k, CM_SERVER);
}

static void send_response(struct cm_conn *k)
{
	static const char line[] = "tlsscope sample response body, nothing to see here.\n";
	size_t body = k->sp.response_len, n;
	char *resp = malloc(body + 256);

	if (!resp)
		cm_die("out of memory");
	n = (size_t)snprintf(resp, 256,
	                     "HTTP/1.1 200 OK\r\nServer: capmaker\r\nContent-Type: text/plain\r\n"
	                     "Content-Length: %zu\r\n\r\n",
	                     body);
	for (size_t i = 0; i < body; i++)
		resp[n + i] = line[i % (sizeof line - 1)];
	write_all(k, CM_SERVER, resp, n + body);
	free(resp);
	transmit(k, CM_SERVER);
	drain(k, CM_CLIENT);
}

/* ---------------------------------------------------------- the steps */

static void handshake_done(struct cm_conn *k)
{
	int v = SSL_version(k->ssl[CM_CLIENT]);
	if (v != k->sp.expect_version)
		cm_die("negotiated version %04x, expected %04x", (unsigned)v, (unsigned)k->sp.expect_version);
	k->got = CM_OUT_OK;
	k->phase = k->sp.close == CM_CLOSE_CLIENT_FIN_EARLY ? PH_EARLY_FIN : PH_REQUEST;
}

static void handshake_flight(struct cm_conn *k)
{
	int s = k->turn;
	bool wrote;

	if (!k->hs_done[s]) {
		int r;
		ERR_clear_error();
		r = SSL_do_handshake(k->ssl[s]);
		if (r == 1)
			k->hs_done[s] = true;
		else if (SSL_get_error(k->ssl[s], r) != SSL_ERROR_WANT_READ)
			k->failed_side = s; /* its fatal alert is in the write BIO */
		ERR_clear_error();
	}
	wrote = transmit(k, s);
	if (k->phase == PH_DONE)
		return; /* the capture was cut */
	if (s == CM_CLIENT && k->sp.rst_after_hello) {
		k->phase = PH_SERVER_RST;
		return;
	}
	if (k->failed_side >= 0) {
		k->phase = PH_FAIL_FIN;
		return;
	}
	if (k->hs_done[CM_CLIENT] && k->hs_done[CM_SERVER]) {
		handshake_done(k);
		return;
	}
	k->idle = wrote ? 0 : k->idle + 1;
	if (k->idle > 2)
		cm_die("handshake stalled");
	k->turn = !s;
}

/* Client-initiated renegotiation (TLS 1.2): the client restarts the
 * handshake, the server answers from inside SSL_read; all of it encrypted
 * under the first handshake's keys. */
static void renegotiation_flight(struct cm_conn *k)
{
	SSL *c = k->ssl[CM_CLIENT];
	int r;

	ERR_clear_error();
	if (k->turn == CM_SERVER) {
		drain(k, CM_SERVER);
		if (!transmit(k, CM_SERVER))
			cm_die("server did not answer the renegotiation");
		k->turn = CM_CLIENT;
		return;
	}
	if (!k->reneg_started) {
		if (!SSL_renegotiate(c))
			cm_die("SSL_renegotiate");
		k->reneg_started = true;
	}
	r = SSL_do_handshake(c);
	if (r != 1 && SSL_get_error(c, r) != SSL_ERROR_WANT_READ)
		cm_die("renegotiation failed on the client");
	ERR_clear_error();
	transmit(k, CM_CLIENT);
	if (r == 1) {
		k->phase = PH_REQUEST;
		return;
	}
	k->turn = CM_SERVER;
}

bool cm_conn_step(struct cm_conn *k)
{
	struct cm_flow *f = &k->flow;

	switch ((enum phase)k->phase) {
	case PH_SYN:
		cm_flow_syn(f);
		k->phase = PH_SYNACK;
		break;
	case PH_SYNACK:
		cm_flow_synack(f);
		k->phase = PH_ACK;
		break;
	case PH_ACK:
		cm_flow_ack(f, CM_CLIENT);
		k->phase = PH_HANDSHAKE;
		break;
	case PH_HANDSHAKE:
		handshake_flight(k);
		break;
	case PH_SERVER_RST:
		cm_flow_rst(f, CM_SERVER);
		k->got = CM_OUT_RESET;
		k->phase = PH_DONE;
		break;
	case PH_REQUEST:
		send_request(k, k->requests++ ? "/after-renegotiation" : "/");
		k->phase = PH_RESPONSE;
		break;
	case PH_RESPONSE:
		send_response(k);
		if (k->sp.renegotiate && !k->reneg_started) {
			k->phase = PH_RENEGOTIATE;
			k->turn = CM_CLIENT;
		} else {
			k->phase = k->sp.close == CM_CLOSE_CLIENT_RST ? PH_CLIENT_RST : PH_CLOSE_CLIENT;
		}
		break;
	case PH_RENEGOTIATE:
		renegotiation_flight(k);
		break;
	case PH_CLIENT_RST:
		cm_flow_rst(f, CM_CLIENT);
		k->phase = PH_DONE;
		break;
	case PH_EARLY_FIN:
		/* What Node.js does when its certificate check fails after the
		 * handshake: destroy the socket, no close_notify, no data. */
		cm_flow_fin(f, CM_CLIENT);
		k->phase = PH_CLOSE_SERVER;
		break;
	case PH_CLOSE_CLIENT:
		ERR_clear_error();
		(void)SSL_shutdown(k->ssl[CM_CLIENT]);
		transmit(k, CM_CLIENT);
		cm_flow_fin(f, CM_CLIENT);
		k->phase = PH_CLOSE_SERVER;
		break;
	case PH_CLOSE_SERVER:
		if (k->sp.close == CM_CLOSE_NOTIFY_FIN) {
			drain(k, CM_SERVER);
			(void)SSL_shutdown(k->ssl[CM_SERVER]);
			transmit(k, CM_SERVER);
		}
		cm_flow_fin(f, CM_SERVER);
		k->phase = PH_LAST_ACK;
		break;
	case PH_LAST_ACK:
		cm_flow_ack(f, CM_CLIENT);
		k->phase = PH_DONE;
		break;
	case PH_FAIL_FIN:
		cm_flow_fin(f, k->failed_side);
		k->got = k->failed_side == CM_SERVER ? CM_OUT_SERVER_ALERT : CM_OUT_CLIENT_ALERT;
		k->phase = PH_FAIL_PEER;
		break;
	case PH_FAIL_PEER: {
		int peer = !k->failed_side;
		/* The peer reads the fatal alert, gives up silently and closes. */
		ERR_clear_error();
		(void)SSL_do_handshake(k->ssl[peer]);
		ERR_clear_error();
		transmit(k, peer);
		cm_flow_fin(f, peer);
		k->phase = PH_FAIL_LAST_ACK;
		break;
	}
	case PH_FAIL_LAST_ACK:
		cm_flow_ack(f, k->failed_side);
		k->phase = PH_DONE;
		break;
	case PH_DONE:
		break;
	}
	return k->phase == PH_DONE;
}

static const char *outcome_name(enum cm_outcome o)
{
	switch (o) {
	case CM_OUT_OK:
		return "handshake completed";
	case CM_OUT_SERVER_ALERT:
		return "server alert";
	case CM_OUT_CLIENT_ALERT:
		return "client alert";
	case CM_OUT_RESET:
		return "server reset";
	case CM_OUT_CUT:
		return "capture cut";
	}
	return "?";
}

void cm_conn_finish(struct cm_conn *k, const char *what)
{
	if (k->got != k->sp.expect)
		cm_die("%s: %s, expected %s", what, outcome_name(k->got), outcome_name(k->sp.expect));
	if (k->seen_alert != k->sp.expect_alert)
		cm_die("%s: first plaintext alert %d, expected %d", what, k->seen_alert, k->sp.expect_alert);
	for (int side = 0; side < 2; side++) {
		SSL_free(k->ssl[side]); /* and its BIOs */
		SSL_CTX_free(k->ctx[side]);
		k->ssl[side] = NULL;
		k->ctx[side] = NULL;
	}
}
