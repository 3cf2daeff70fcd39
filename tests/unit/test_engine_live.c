/*
 * test_engine_live.c - the engine's live reporting (report_when_decided,
 * engine_advance_time) on real OpenSSL handshakes run in memory, each flight
 * sent as one TCP segment: a connection is reported once, as soon as its
 * outcome is decided, and never again; a finished handshake without client
 * data waits for its grace, also on a quiet clock; offline mode still
 * reports at the end.
 */
#include "check.h"
#include "engine.h"
#include "tls_pair.h"

#define MAX_FLIGHTS 32
#define MS 1000000LL

struct flight {
	uint8_t dir; /* 0: client to server */
	struct tls_bytes b;
};

struct conversation {
	struct flight f[MAX_FLIGHTS];
	size_t n;
};

/* One flight per run of bytes in one direction: each becomes one TCP segment. */
static void add_flight(void *user, uint8_t dir, const uint8_t *p, size_t n)
{
	struct conversation *cv = user;
	if (cv->n && cv->f[cv->n - 1].dir == dir) {
		tls_bytes_add(&cv->f[cv->n - 1].b, p, n);
	} else if (cv->n < MAX_FLIGHTS) {
		cv->f[cv->n] = (struct flight){dir, {0}};
		tls_bytes_add(&cv->f[cv->n++].b, p, n);
	}
}

/* A handshake, flight by flight (see tls_pair_converse). */
static bool converse(int version, bool client_verify, bool app, struct conversation *cv)
{
	return tls_pair_converse(version, "live.test", client_verify, app, add_flight, cv);
}

static void conversation_free(struct conversation *cv)
{
	for (size_t i = 0; i < cv->n; i++)
		free(cv->f[i].b.p);
	cv->n = 0;
}

/* What the engine reported. */
struct seen {
	int calls;
	enum conn_outcome outcome;
	bool open;
};

static void on_conn(struct conn *c, void *user)
{
	struct seen *s = user;
	s->calls++;
	s->outcome = c->outcome;
	s->open = c->reported_open;
}

/* One TCP connection 10.0.0.1:40000 -> 10.0.0.2:443 on a clock of 1 ms per packet. */
struct wire {
	struct engine *e;
	uint32_t seq[2];
	int64_t now;
};

static void send_segment(struct wire *w, uint8_t dir, uint8_t flags, const uint8_t *payload, size_t len)
{
	struct packet p = {0};
	p.ts_ns = w->now;
	w->now += MS;
	p.src.family = p.dst.family = 4;
	p.src.bytes[0] = p.dst.bytes[0] = 10;
	p.src.bytes[3] = (uint8_t)(dir ? 2 : 1);
	p.dst.bytes[3] = (uint8_t)(dir ? 1 : 2);
	p.sport = dir ? 443 : 40000;
	p.dport = dir ? 40000 : 443;
	p.ip_proto = 6;
	p.tcp_flags = flags;
	p.seq = w->seq[dir];
	p.ack = w->seq[dir ^ 1];
	p.payload = payload;
	p.payload_len = p.payload_wire_len = len;
	w->seq[dir] += (uint32_t)len + ((flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
	engine_packet(w->e, &p);
}

static struct engine *start(struct wire *w, struct seen *s, bool live)
{
	struct engine_options o = {.report_when_decided = live};
	memset(s, 0, sizeof(*s));
	*w = (struct wire){
	    .e = engine_new(&o, on_conn, s), .seq = {1000, 5000}, .now = 1700000000LL * 1000 * MS};
	send_segment(w, 0, TCP_SYN, NULL, 0);
	send_segment(w, 1, TCP_SYN | TCP_ACK, NULL, 0);
	send_segment(w, 0, TCP_ACK, NULL, 0);
	return w->e;
}

static void send_flights(struct wire *w, const struct conversation *cv, size_t from, size_t to)
{
	for (size_t i = from; i < to && i < cv->n; i++)
		send_segment(w, cv->f[i].dir, TCP_ACK | TCP_PSH, cv->f[i].b.p, cv->f[i].b.len);
}

static void close_both(struct wire *w)
{
	send_segment(w, 0, TCP_FIN | TCP_ACK, NULL, 0);
	send_segment(w, 1, TCP_FIN | TCP_ACK, NULL, 0);
}

/* TLS 1.2 with a request: decided at the client's first application data, not before, and once. */
static void test_established_at_client_data(void)
{
	struct conversation cv = {0};
	CHECK(converse(TLS1_2_VERSION, false, true, &cv));
	CHECK(cv.n >= 5 && cv.f[cv.n - 2].dir == 0 && cv.f[cv.n - 1].dir == 1);
	struct wire w;
	struct seen s;
	start(&w, &s, true);
	send_flights(&w, &cv, 0, cv.n - 2); /* the handshake: over, but the client has said nothing yet */
	CHECK_EQ(s.calls, 0);
	send_flights(&w, &cv, cv.n - 2, cv.n - 1); /* the request */
	CHECK_EQ(s.calls, 1);
	CHECK_EQ(s.outcome, OUTCOME_ESTABLISHED);
	CHECK(s.open);
	send_flights(&w, &cv, cv.n - 1, cv.n);
	close_both(&w);
	engine_flush(w.e);
	CHECK_EQ(s.calls, 1); /* the close ended it quietly */
	CHECK_EQ(engine_stats(w.e)->reported, 1);
	CHECK_EQ(engine_stats(w.e)->outcomes[OUTCOME_ESTABLISHED], 1);
	CHECK_EQ(engine_stats(w.e)->tls_connections, 1);
	engine_free(w.e);

	/* Offline: the same packets are reported when the connection closes. */
	start(&w, &s, false);
	send_flights(&w, &cv, 0, cv.n);
	CHECK_EQ(s.calls, 0);
	close_both(&w);
	CHECK_EQ(s.calls, 1);
	CHECK_EQ(s.outcome, OUTCOME_ESTABLISHED);
	CHECK(!s.open);
	engine_free(w.e);
	conversation_free(&cv);
}

/* TLS 1.3 without a request: the grace runs on the clock, also when no packet comes. */
static void test_grace_on_quiet_clock(void)
{
	struct conversation cv = {0};
	CHECK(converse(TLS1_3_VERSION, false, false, &cv));
	struct wire w;
	struct seen s;
	start(&w, &s, true);
	send_flights(&w, &cv, 0, cv.n);
	CHECK_EQ(s.calls, 0);
	engine_advance_time(w.e, w.now + 500 * MS);
	CHECK_EQ(s.calls, 0);
	engine_advance_time(w.e, w.now + 1100 * MS);
	CHECK_EQ(s.calls, 1);
	CHECK_EQ(s.outcome, OUTCOME_ESTABLISHED);
	CHECK(s.open);
	/* Past the idle timeout (300 s) it ends, still without a second report. */
	engine_advance_time(w.e, w.now + 302000 * MS);
	CHECK_EQ(engine_stats(w.e)->timed_out, 1);
	CHECK_EQ(s.calls, 1);
	CHECK_EQ(engine_stats(w.e)->reported, 1);
	engine_free(w.e);
	conversation_free(&cv);
}

/* A client that rejects the certificate: decided at its alert, before the close. */
static void test_client_alert(void)
{
	struct conversation cv = {0};
	CHECK(!converse(TLS1_2_VERSION, true, false, &cv));
	CHECK(cv.n >= 3 && cv.f[cv.n - 1].dir == 0);
	struct wire w;
	struct seen s;
	start(&w, &s, true);
	send_flights(&w, &cv, 0, cv.n - 1);
	CHECK_EQ(s.calls, 0);
	send_flights(&w, &cv, cv.n - 1, cv.n); /* the alert */
	CHECK_EQ(s.calls, 1);
	CHECK_EQ(s.outcome, OUTCOME_CLIENT_ALERT);
	CHECK(s.open);
	send_segment(&w, 0, TCP_FIN | TCP_ACK, NULL, 0);
	send_segment(&w, 1, TCP_RST, NULL, 0);
	CHECK_EQ(s.calls, 1);
	engine_free(w.e);
	conversation_free(&cv);
}

/* A server that resets after the ClientHello: decided and ended by the same packet. */
static void test_reset_after_client_hello(void)
{
	struct conversation cv = {0};
	converse(TLS1_3_VERSION, false, false, &cv);
	struct wire w;
	struct seen s;
	start(&w, &s, true);
	send_flights(&w, &cv, 0, 1);
	CHECK_EQ(s.calls, 0);
	send_segment(&w, 1, TCP_RST | TCP_ACK, NULL, 0);
	CHECK_EQ(s.calls, 1);
	CHECK_EQ(s.outcome, OUTCOME_SERVER_RESET_AFTER_CLIENT_HELLO);
	CHECK(!s.open); /* it ended: reported as any ended connection */
	engine_free(w.e);
	CHECK_EQ(s.calls, 1);
	conversation_free(&cv);
}

int main(void)
{
	test_established_at_client_data();
	test_grace_on_quiet_clock();
	test_client_alert();
	test_reset_after_client_hello();
	return check_report("test_engine_live");
}
