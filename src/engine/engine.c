/*
 * engine.c - per-packet pipeline and the life cycle of connections.
 */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

#include "openvpn.h"
#include "openvpn_session.h"
#include "proxy_protocol.h"
#include "quic_session.h"
#include "tls_session.h"
#include "tls_session_decrypt.h"
#include "ts_limits.h"
#include "ts_time.h"

struct engine {
	struct engine_options opts;
	engine_conn_fn on_conn;
	void *user;
	struct flow_table table;
	struct ts_stats stats;
	size_t mem; /* all flow state */
	uint64_t next_id;
	uint32_t file_index;
	int64_t now_ns; /* latest capture time seen */
	int64_t next_expiry_ns;
	/* A run of frames past CAPTURE_TIME_JUMP_MAX_NS: the first one's time and how many agree with it. */
	int64_t jump_start_ns;
	unsigned jump_frames;
	/* Live: finished handshakes not yet settled, oldest first (they wait
	 * FLOW_DECIDE_GRACE_NS from handshake_done_ns, so FIFO is deadline order). */
	struct flow *grace_head, *grace_tail;
	size_t quic_flows;        /* live QUIC flows: short-header packets are looked up only if any */
	size_t openvpn_udp_flows; /* live OpenVPN-over-UDP flows: other datagrams are looked up only if any */
	size_t quic_mem;          /* their share of mem (the budget's quic part) */
	struct flow *quic_newest, *quic_oldest; /* live QUIC flows by activity, for eviction */
	uint8_t *quic_scratch; /* QUIC_SCRATCH_LEN bytes to decrypt packets in, made on first use */
};

struct engine *engine_new(const struct engine_options *opts, engine_conn_fn on_conn, void *user)
{
	struct engine *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	if (opts)
		e->opts = *opts;
	if (!e->opts.memory_cap)
		e->opts.memory_cap = FLOW_DEFAULT_MEMORY_CAP;
	if (e->opts.idle_timeout_s <= 0)
		e->opts.idle_timeout_s = FLOW_DEFAULT_IDLE_TIMEOUT_S;
	if (e->opts.handshake_timeout_s <= 0)
		e->opts.handshake_timeout_s = FLOW_HANDSHAKE_IDLE_TIMEOUT_S;
	if (e->opts.handshake_timeout_s > e->opts.idle_timeout_s)
		e->opts.handshake_timeout_s =
		    e->opts.idle_timeout_s; /* a shorter --idle-timeout applies to both */
	ts_budget_init(&e->stats.budget, e->opts.memory_cap);
	if (e->opts.keylog) {
		const struct keylog_stats *ks = keylog_stats(e->opts.keylog);
		ts_budget_set(&e->stats.budget, TS_BUDGET_KEYLOG, keylog_bytes(e->opts.keylog), ks->entries);
		ts_budget_count(&e->stats.budget, TS_BUDGET_KEYLOG_DROPPED, ks->dropped);
	}
	e->on_conn = on_conn;
	e->user = user;
	if (!flow_table_init(&e->table, 1024)) {
		free(e);
		return NULL;
	}
	return e;
}

void engine_set_file(struct engine *e, uint32_t file_index)
{
	e->file_index = file_index;
	e->stats.files++;
}

const struct ts_stats *engine_stats(const struct engine *e)
{
	return &e->stats;
}

size_t engine_memory(const struct engine *e)
{
	return e->mem;
}

size_t engine_memory_cap(const struct engine *e)
{
	return e->opts.memory_cap;
}

struct ts_budget *engine_budget(struct engine *e)
{
	return &e->stats.budget;
}

/* The flows part of the budget follows mem. */
static void budget_flows(struct engine *e)
{
	ts_budget_set(&e->stats.budget, TS_BUDGET_FLOWS, e->mem, e->table.count);
	ts_budget_set(&e->stats.budget, TS_BUDGET_QUIC, e->quic_mem, e->quic_flows);
}

static void quic_unlink(struct engine *e, struct flow *f)
{
	if (f->quic_newer)
		f->quic_newer->quic_older = f->quic_older;
	else
		e->quic_newest = f->quic_older;
	if (f->quic_older)
		f->quic_older->quic_newer = f->quic_newer;
	else
		e->quic_oldest = f->quic_newer;
	f->quic_newer = f->quic_older = NULL;
}

static void quic_push_newest(struct engine *e, struct flow *f)
{
	f->quic_newer = NULL;
	f->quic_older = e->quic_newest;
	if (e->quic_newest)
		e->quic_newest->quic_newer = f;
	else
		e->quic_oldest = f;
	e->quic_newest = f;
}

struct delivery {
	struct flow *flow;
	uint8_t dir;
	struct tls_stream_sink sink;
};

/*
 * A PROXY protocol header (proxy_protocol.h) that a load balancer put before
 * the client's first bytes: read into the record and stripped, so the TLS
 * behind it starts the stream. Only a header whole in the first delivery is
 * taken (a load balancer writes it at once); otherwise the bytes go on as
 * they are. Returns the bytes to strip.
 */
static size_t strip_proxy_header(struct flow *f, uint8_t dir, const uint8_t *data, size_t len)
{
	const struct tls_stream *s = &f->tls[dir];
	struct conn *c = &f->conn;
	if (dir != c->client_dir || c->proxied.version || s->state != TLS_STREAM_DETECT || s->scanned ||
	    s->probe_have || s->records)
		return 0;
	struct proxy_header h;
	if (proxy_protocol_parse(data, len, &h) != PROXY_OK)
		return 0;
	c->proxied.version = h.version;
	c->proxied.has_address = h.has_address;
	if (h.has_address) {
		struct ts_addr *a = &c->proxied.addr;
		memset(a, 0, sizeof(*a));
		if (h.family == 4) {
			a->bytes[10] = a->bytes[11] = 0xff; /* ::ffff:a.b.c.d, as decode.h stores IPv4 */
			memcpy(a->bytes + 12, h.src, 4);
		} else {
			memcpy(a->bytes, h.src, 16);
		}
		a->family = h.family;
		c->proxied.port = h.src_port;
	}
	return h.length;
}

/* The first bytes of an untouched stream are an OpenVPN client's hard reset (behind its
 * 2-byte length, whole in this delivery): the flow is OpenVPN over TCP, on any port. */
static bool starts_openvpn(struct flow *f, uint8_t dir, const uint8_t *data, size_t len)
{
	const struct tls_stream *s = &f->tls[dir], *peer = &f->tls[dir ^ 1];
	if (f->conn.openvpn.seen || f->conn.proxied.version || s->state != TLS_STREAM_DETECT || s->scanned ||
	    s->probe_have || s->records || peer->scanned || peer->records ||
	    !openvpn_looks_like_start(data, len, true))
		return false;
	return openvpn_session_start(f, true);
}

static void deliver(void *ctx, const uint8_t *data, size_t len, unsigned flags)
{
	struct delivery *d = ctx;
	struct flow *f = d->flow;
	if (f->ovpn || starts_openvpn(f, d->dir, data, len)) {
		openvpn_session_stream(f, d->dir, data, len, flags & REASM_AFTER_GAP);
		return;
	}
	size_t strip = strip_proxy_header(f, d->dir, data, len);
	if (strip) {
		data += strip;
		len -= strip;
		flags |= REASM_SEGMENT_START; /* what the header wrapped starts here */
		if (!len)
			return;
	}
	tls_stream_feed(&f->tls[d->dir], data, len, flags & REASM_SEGMENT_START, flags & REASM_AFTER_GAP,
	                &d->sink, &f->mem);
}

/* Well-known ports of implicit TLS: a connection there that never spoke TLS is worth reporting. */
static bool tls_port(uint16_t port)
{
	switch (port) {
	case 443:
	case 465:
	case 563:
	case 636:
	case 853:
	case 989:
	case 990:
	case 992:
	case 993:
	case 994:
	case 995:
	case 5061:
	case 5223:
	case 8443:
		return true;
	default:
		return false;
	}
}

static bool worth_reporting(const struct engine *e, const struct conn *c)
{
	if (c->is_tls || c->openvpn.seen || e->opts.report_all)
		return true; /* an OpenVPN tunnel is worth a record even when tls-crypt hides its TLS */
	bool data = c->side[0].payload_bytes || c->side[1].payload_bytes;
	return data && (tls_port(c->side[0].port) || tls_port(c->side[1].port));
}

/* What reassembly lost, into a record (the flow's own, or the copy reported early). */
static void record_reassembly(const struct flow *f, struct conn *c)
{
	for (uint8_t dir = 0; dir < 2; dir++) {
		c->side[dir].gaps = f->reasm[dir].gap_bytes;
		c->side[dir].overlap_mismatch_segments = f->reasm[dir].overlap_mismatch_segments;
		if (f->reasm[dir].gap_bytes)
			conn_add_anomaly(c, ANOM_CAPTURE_GAP);
		if (f->reasm[dir].limit_hits)
			c->anomalies[ANOM_OOO_LIMIT] += f->reasm[dir].limit_hits;
	}
}

static void grace_unlink(struct engine *e, struct flow *f)
{
	if (!f->in_grace)
		return;
	if (f->grace_prev)
		f->grace_prev->grace_next = f->grace_next;
	else
		e->grace_head = f->grace_next;
	if (f->grace_next)
		f->grace_next->grace_prev = f->grace_prev;
	else
		e->grace_tail = f->grace_prev;
	f->grace_prev = f->grace_next = NULL;
	f->in_grace = false;
}

static void grace_append(struct engine *e, struct flow *f)
{
	f->grace_prev = e->grace_tail;
	f->grace_next = NULL;
	if (e->grace_tail)
		e->grace_tail->grace_next = f;
	else
		e->grace_head = f;
	e->grace_tail = f;
	f->in_grace = true;
}

/* Handshake over, or reported: only record headers, FIN/RST and counters matter from here on. */
static void stop_buffering(struct flow *f)
{
	if (f->headers_only)
		return;
	f->headers_only = true;
	for (uint8_t i = 0; i < 2; i++) {
		tls_stream_headers_only(&f->tls[i], &f->mem);
		reasm_count_only(&f->reasm[i], &f->mem);
	}
}

/* Live: hand on the decided record now; the flow keeps its counters and
 * timeline (to end quietly later) but gives its hellos and certificates away. */
static void report_open(struct engine *e, struct flow *f)
{
	struct conn *c = &f->conn;
	struct conn rec;
	size_t before = f->mem;
	grace_unlink(e, f);
	f->mem -= conn_heap_bytes(c); /* counted in flow->mem */
	conn_move(&rec, c);
	c->server_certs.blob_len = c->client_certs.blob_len = 0;
	record_reassembly(f, &rec);
	conn_finish(&rec);
	rec.reported_open = true;
	f->reported = true;
	e->stats.reported++;
	e->stats.outcomes[rec.outcome]++;
	if (e->on_conn)
		e->on_conn(&rec, e->user);
	conn_release(&rec);
	stop_buffering(f);
	e->mem -= before - f->mem;
}

/* Live: report the flow if its outcome is settled, else wait for its grace. */
static void check_decided(struct engine *e, struct flow *f)
{
	const struct conn *c = &f->conn;
	if (f->reported)
		return;
	bool grace_over = c->handshake_done && e->now_ns - c->handshake_done_ns >= FLOW_DECIDE_GRACE_NS;
	if (conn_decided(c, grace_over))
		report_open(e, f);
	else if (c->handshake_done && !f->in_grace)
		grace_append(e, f);
}

static void end_graces(struct engine *e)
{
	while (e->grace_head && e->now_ns - e->grace_head->conn.handshake_done_ns >= FLOW_DECIDE_GRACE_NS)
		report_open(e, e->grace_head);
}

/* End a connection: drain what reassembly still holds, report (unless it was already), free. */
static void flow_end(struct engine *e, struct flow *f)
{
	struct conn *c = &f->conn;
	size_t before = f->mem;
	grace_unlink(e, f);
	for (uint8_t dir = 0; dir < 2; dir++) {
		struct delivery d = {f, dir, {0}};
		tls_session_sink(f, &d.sink);
		if (f->reasm[dir].queue)
			reasm_drain(&f->reasm[dir], deliver, &d, &f->mem);
		openvpn_session_flush(f, dir);
		if (!f->quic)
			tls_stream_end(&f->tls[dir],
			               &d.sink); /* a Certificate cut by a reset: what arrived */
	}
	for (uint8_t dir = 0; dir < 2; dir++) {
		e->stats.gap_bytes += f->reasm[dir].gap_bytes;
		e->stats.duplicate_bytes += f->reasm[dir].dup_bytes;
		e->stats.overlap_mismatch_segments += f->reasm[dir].overlap_mismatch_segments;
	}
	record_reassembly(f, c);
	conn_finish(c);
	if (c->is_tls)
		e->stats.tls_connections++;
	if (c->is_tls && f->quic)
		e->stats.quic_connections++;
	if (c->openvpn.seen) {
		bool udp = c->transport == CONN_TRANSPORT_UDP;
		e->stats.openvpn_flows++;
		e->stats.openvpn_udp_flows += udp;
		e->stats.openvpn_connections += c->is_tls;
		e->stats.openvpn_udp_connections += c->is_tls && udp;
	}
	for (int i = 0; i < ANOM_COUNT; i++)
		e->stats.anomalies[i] += c->anomalies[i];
	if (!f->reported && worth_reporting(e, c)) {
		e->stats.reported++;
		e->stats.outcomes[c->outcome]++;
		e->stats.keylog[c->decryption.keylog & 3]++;
		if (e->on_conn)
			e->on_conn(c, e->user);
	}
	for (uint8_t dir = 0; dir < 2; dir++) {
		reasm_free(&f->reasm[dir], &f->mem);
		tls_stream_free(&f->tls[dir], &f->mem);
	}
	if (f->quic) {
		quic_conn_free(f->quic, &f->mem);
		free(f->quic);
		f->mem -= sizeof(*f->quic);
		e->quic_flows--;
		e->quic_mem -= before;
		quic_unlink(e, f);
	}
	if (f->conn.transport == CONN_TRANSPORT_UDP)
		e->openvpn_udp_flows--;
	tls_session_free(f);
	tls_session_decrypt_free(f);
	openvpn_session_free(f);
	f->mem -= c->server_certs.blob_len + c->client_certs.blob_len;
	conn_release(c);
	e->mem -= before;
	flow_table_remove(&e->table, &f->node);
	free(f);
	budget_flows(e);
}

static struct flow *flow_new(struct engine *e, const struct packet *p, const struct flow_key *key,
                             uint32_t hash, bool from_lo)
{
	struct flow *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->node.key = *key;
	f->node.hash = hash;
	f->node.lo_is_dir0 = from_lo;
	f->mem = sizeof(*f);
	f->keylog = e->opts.keylog;
	struct conn *c = &f->conn;
	c->id = ++e->next_id;
	c->file_index = e->file_index;
	c->first_ts_ns = c->last_ts_ns = p->ts_ns;
	c->side[0].addr = p->src;
	c->side[0].port = p->sport;
	c->side[1].addr = p->dst;
	c->side[1].port = p->dport;
	/* Until a SYN or a hello says otherwise, the side on the lower port is the server. */
	c->client_dir = p->dport < p->sport ? 0 : (p->sport < p->dport ? 1 : 0);
	c->role_source = ROLE_GUESSED;
	tls_stream_init(&f->tls[0], 0);
	tls_stream_init(&f->tls[1], 1);
	flow_table_insert(&e->table, &f->node);
	e->mem += f->mem;
	e->stats.connections++;
	if (e->table.count > e->stats.flows_peak)
		e->stats.flows_peak = e->table.count;
	return f;
}

static void expire_idle(struct engine *e)
{
	int64_t hs = (int64_t)e->opts.handshake_timeout_s * 1000000000LL;
	int64_t idle = (int64_t)e->opts.idle_timeout_s * 1000000000LL;
	int64_t shortest = hs < idle ? hs : idle;
	/* Oldest activity first: past the first flow idle for less than the
	 * shorter timeout, none can be due. */
	struct flow_node *n = flow_table_oldest(&e->table);
	while (n && e->now_ns - n->last_ts_ns > shortest) {
		struct flow_node *next = n->lru_next;
		struct flow *f = (struct flow *)n;
		int64_t limit = f->conn.handshake_done ? idle : hs;
		if (e->now_ns - n->last_ts_ns > limit) {
			f->conn.timed_out = true;
			e->stats.timed_out++;
			flow_end(e, f);
		}
		n = next;
	}
}

static void evict(struct engine *e, struct flow *f, enum ts_budget_reason why)
{
	conn_add_anomaly(&f->conn, ANOM_EVICTED);
	e->stats.evicted++;
	ts_budget_count(&e->stats.budget, why, 1);
	flow_end(e, f);
}

/* Past the flows part's cap the least recently active connection ends;
 * past the QUIC part's, the least recently active QUIC flow (a flood of
 * Initials from made-up addresses evicts itself, not the TCP connections). */
static void evict_for_memory(struct engine *e, struct flow *keep)
{
	const struct ts_budget *b = &e->stats.budget;
	struct flow_node *n;
	while (e->quic_mem > b->part[TS_BUDGET_QUIC].cap && e->quic_oldest && e->quic_oldest != keep)
		evict(e, e->quic_oldest, TS_BUDGET_QUIC_EVICTED);
	while (e->mem > b->part[TS_BUDGET_FLOWS].cap && (n = flow_table_oldest(&e->table)) != NULL &&
	       n != &keep->node)
		evict(e, (struct flow *)n, TS_BUDGET_FLOW_EVICTED);
}

static bool over_memory(const struct engine *e)
{
	const struct ts_budget *b = &e->stats.budget;
	return e->mem > b->part[TS_BUDGET_FLOWS].cap || e->quic_mem > b->part[TS_BUDGET_QUIC].cap;
}

/* A packet of the flow from `dir`: the clock and the side's counters. */
static struct conn_side *count_packet(struct flow *f, const struct packet *p, uint8_t dir)
{
	struct conn_side *s = &f->conn.side[dir];
	f->now_ns = p->ts_ns;
	f->conn.last_ts_ns = p->ts_ns;
	s->packets++;
	s->payload_bytes += p->payload_wire_len;
	return s;
}

/* The flow's memory changed while handling a packet: carry it to the total. */
static void account_memory(struct engine *e, const struct flow *f, size_t mem_before)
{
	e->mem += f->mem - mem_before;
	if (f->quic)
		e->quic_mem += f->mem - mem_before;
	if (e->mem > e->stats.memory_peak)
		e->stats.memory_peak = e->mem;
	budget_flows(e);
}

/* Start this direction's byte stream if nothing else has. */
static void start_stream(struct flow *f, uint8_t dir, const struct packet *p)
{
	struct reasm_dir *r = &f->reasm[dir];
	if (r->started)
		return;
	/* Picked up mid-stream: the peer's ACK says where this side's data starts,
	 * if it is just behind this segment (an earlier segment still on its way). */
	if (f->ack_seen[dir ^ 1]) {
		int32_t ahead = (int32_t)(p->seq - f->last_ack[dir ^ 1]);
		if (ahead > 0 && ahead < 65536) {
			reasm_start(r, f->last_ack[dir ^ 1]);
			return;
		}
	}
	reasm_start(r, p->seq);
}

/* A SYN-ACK from dir after the first one, with another ISN, before any data
 * from dir: the peer's next ACK decides between them (the latest one kept). */
static void note_synack(struct flow *f, uint8_t dir, uint32_t isn)
{
	const struct reasm_dir *r = &f->reasm[dir];
	if (r->started && r->next_seq != isn + 1 && !f->conn.side[dir].payload_bytes) {
		f->synack_alt = (uint8_t)(1 + dir);
		f->synack_alt_isn = isn;
	}
}

/* An ACK from dir: if it takes the peer's other SYN-ACK, the peer's stream
 * starts after that one. Decided by the first ACK after it. */
static void follow_acked_synack(struct flow *f, uint8_t dir, uint32_t ack)
{
	uint8_t peer = dir ^ 1;
	if (f->synack_alt != 1 + peer)
		return;
	f->synack_alt = 0;
	if (ack == f->synack_alt_isn + 1 && !f->conn.side[peer].payload_bytes)
		reasm_start(&f->reasm[peer], ack); /* nothing queued: the peer sent no data yet */
}

static void tcp_packet(struct engine *e, const struct packet *p)
{
	struct flow_key key;
	bool from_lo;
	flow_key_of(p, &key, &from_lo);
	uint32_t hash = flow_key_hash(&key);
	struct flow *f = (struct flow *)flow_table_lookup(&e->table, &key, hash);
	bool syn_only = (p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;

	if (f && syn_only) {
		/* A new SYN on a tuple still open: port reuse, unless it repeats the
		 * first SYN (whose data, with TCP Fast Open, has been delivered). */
		uint8_t dir = flow_dir(&f->node, from_lo);
		struct conn_side *s = &f->conn.side[dir];
		bool retransmit =
		    s->syn && f->reasm[dir].started &&
		    (f->syn_data_len ? f->reasm[dir].next_seq == p->seq + 1 + f->syn_data_len
		                     : f->reasm[dir].next_seq == p->seq + 1 && !s->payload_bytes);
		if (!retransmit) {
			f->conn.port_reused = true;
			flow_end(e, f);
			f = NULL;
		}
	}
	if (!f) {
		if ((p->tcp_flags & TCP_RST) || (!(p->tcp_flags & TCP_SYN) && p->payload_len == 0)) {
			e->stats.stray_packets++;
			return;
		}
		/* Data or a SYN-ACK of a connection that has just closed: in flight
		 * when it ended, not a new connection (which would begin with a SYN). */
		if (!syn_only && flow_table_lingering(&e->table, &key, hash, p->ts_ns)) {
			e->stats.late_packets++;
			return;
		}
		if (syn_only)
			flow_table_unlinger(&e->table, &key, hash);
		f = flow_new(e, p, &key, hash, from_lo);
		if (!f)
			return;
	}

	uint8_t dir = flow_dir(&f->node, from_lo);
	struct conn *c = &f->conn;
	size_t mem_before = f->mem;
	struct conn_side *s = count_packet(f, p, dir);

	if (p->tcp_flags & TCP_SYN) {
		bool ack = p->tcp_flags & TCP_ACK;
		if (!s->syn) {
			s->syn = true;
			conn_add_event(c, p->ts_ns, dir, ack ? EV_SYN_ACK : EV_SYN, 0);
		}
		if (c->role_source < ROLE_FROM_SYN) {
			c->client_dir = ack ? dir ^ 1 : dir;
			c->role_source = ROLE_FROM_SYN;
		}
		if (ack)
			note_synack(f, dir, p->seq);
		if (!f->reasm[dir].started)
			reasm_start(&f->reasm[dir], p->seq + 1);
	}
	if (p->payload_len) {
		struct delivery d = {f, dir, {0}};
		tls_session_sink(f, &d.sink);
		start_stream(f, dir, p);
		struct reasm_dir *r = &f->reasm[dir];
		/* Data in a SYN (TCP Fast Open, RFC 7413) starts after the SYN's own
		 * sequence number. */
		uint32_t seq = p->seq + ((p->tcp_flags & TCP_SYN) ? 1u : 0u);
		if (syn_only && !f->syn_data_len)
			f->syn_data_len = p->payload_wire_len < 65535 ? (uint16_t)p->payload_wire_len : 65535;
		reasm_segment(r, seq, p->payload, p->payload_len, deliver, &d, &f->mem);
		if (p->payload_wire_len > p->payload_len) {
			/* Snapped by the capture: the rest of the segment is lost for good. */
			conn_add_anomaly(c, ANOM_SNAPPED);
			if (reasm_skip_snapped(r, seq + (uint32_t)p->payload_len,
			                       seq + (uint32_t)p->payload_wire_len))
				tls_stream_bytes_lost(&f->tls[dir]);
		}
	}
	if (p->tcp_flags & TCP_ACK) {
		if (!(p->tcp_flags & TCP_SYN))
			follow_acked_synack(f, dir, p->ack);
		f->last_ack[dir] = p->ack;
		f->ack_seen[dir] = true;
	}
	if ((p->tcp_flags & (TCP_FIN | TCP_RST)) && !c->closed) {
		c->closed = true;
		c->first_close_dir = dir;
		c->first_close_rst = (p->tcp_flags & TCP_RST) != 0;
	}
	if ((p->tcp_flags & (TCP_FIN | TCP_RST)) && !s->close_ns) {
		s->close_ns = p->ts_ns;
		s->close_rst = (p->tcp_flags & TCP_RST) != 0;
	}
	if ((p->tcp_flags & TCP_FIN) && !s->fin) {
		s->fin = true;
		conn_add_event(c, p->ts_ns, dir, EV_FIN, 0);
	}
	if ((p->tcp_flags & TCP_RST) && !s->rst) {
		s->rst = true;
		conn_add_event(c, p->ts_ns, dir, EV_RST, 0);
	}
	if (c->handshake_done)
		stop_buffering(f);
	account_memory(e, f, mem_before);

	if (s->rst || (c->side[0].fin && c->side[1].fin)) {
		flow_end(e, f);
		flow_table_linger(&e->table, &key, hash, p->ts_ns);
		return;
	}
	flow_table_touch(&e->table, &f->node, p->ts_ns);
	if (e->opts.report_when_decided)
		check_decided(e, f);
	if (over_memory(e))
		evict_for_memory(e, f);
}

/* Start a QUIC flow: the flow, its packet state, and the engine's scratch buffer. */
static struct flow *quic_flow_new(struct engine *e, const struct packet *p, const struct flow_key *key,
                                  uint32_t hash, bool from_lo)
{
	if (!e->quic_scratch && !(e->quic_scratch = malloc(QUIC_SCRATCH_LEN)))
		return NULL;
	struct quic_conn *q = malloc(sizeof(*q));
	if (!q)
		return NULL;
	struct flow *f = flow_new(e, p, key, hash, from_lo);
	if (!f) {
		free(q);
		return NULL;
	}
	quic_conn_init(q);
	f->quic = q;
	f->mem += sizeof(*q);
	e->mem += sizeof(*q);
	e->quic_mem += f->mem;
	quic_push_newest(e, f);
	f->conn.transport = CONN_TRANSPORT_QUIC;
	e->quic_flows++;
	e->stats.quic_flows++;
	return f;
}

/* OpenVPN's IANA port: there a capture that starts mid-tunnel is read from any control packet. */
#define OPENVPN_UDP_PORT 1194

/* Could this datagram start an OpenVPN flow? A client's hard reset on any port; on
 * OPENVPN_UDP_PORT any control packet whose layout is recognised. */
static bool openvpn_udp_may_start(const struct packet *p)
{
	if (openvpn_looks_like_start(p->payload, p->payload_len, false))
		return true;
	if (p->sport != OPENVPN_UDP_PORT && p->dport != OPENVPN_UDP_PORT)
		return false;
	return openvpn_detect_layout(p->payload, p->payload_len, false).wrap != OPENVPN_WRAP_UNKNOWN;
}

static struct flow *openvpn_udp_flow_new(struct engine *e, const struct packet *p, const struct flow_key *key,
                                         uint32_t hash, bool from_lo)
{
	struct flow *f = flow_new(e, p, key, hash, from_lo);
	if (!f)
		return NULL;
	size_t before = f->mem;
	openvpn_session_start(f, false);
	e->mem += f->mem - before;
	f->conn.transport = CONN_TRANSPORT_UDP;
	e->openvpn_udp_flows++;
	return f;
}

/* A datagram of an OpenVPN flow. */
static void openvpn_datagram(struct engine *e, struct flow *f, const struct packet *p, uint8_t dir)
{
	size_t mem_before = f->mem;
	count_packet(f, p, dir);
	openvpn_session_datagram(f, dir, p->payload, p->payload_len, p->payload_wire_len > p->payload_len);
	if (f->conn.handshake_done)
		stop_buffering(f);
	account_memory(e, f, mem_before);
	flow_table_touch(&e->table, &f->node, p->ts_ns);
	if (over_memory(e))
		evict_for_memory(e, f);
}

static void udp_packet(struct engine *e, const struct packet *p)
{
	e->stats.udp_packets++;
	/* Most UDP is not QUIC or OpenVPN: decide from the first bytes before any
	 * flow state. A QUIC short header (no version to check; its fixed bit may
	 * be greased, RFC 9287) or an OpenVPN data packet can only belong to a
	 * flow we already follow. OpenVPN's first byte (opcode << 3) is below
	 * 0x80, QUIC's long header above it. */
	bool may_start = quic_may_start(p->payload, p->payload_len);
	bool vpn_start = !may_start && p->payload_len && openvpn_udp_may_start(p);
	if (!may_start && !vpn_start && ((!e->quic_flows && !e->openvpn_udp_flows) || p->payload_len == 0))
		return;
	struct flow_key key;
	bool from_lo;
	flow_key_of(p, &key, &from_lo);
	uint32_t hash = flow_key_hash(&key);
	struct flow *f = (struct flow *)flow_table_lookup(&e->table, &key, hash);
	if (!f) {
		if (vpn_start)
			f = openvpn_udp_flow_new(e, p, &key, hash, from_lo);
		else if (may_start)
			f = quic_flow_new(e, p, &key, hash, from_lo);
		if (!f)
			return;
	}
	if (f->ovpn) {
		e->stats.openvpn_packets++;
		openvpn_datagram(e, f, p, flow_dir(&f->node, from_lo));
		return;
	}
	if (!f->quic)
		return;
	e->stats.quic_packets++;
	uint8_t dir = flow_dir(&f->node, from_lo);
	struct conn *c = &f->conn;
	size_t mem_before = f->mem;
	count_packet(f, p, dir);
	quic_session_datagram(f, dir, p->payload, p->payload_len, e->quic_scratch);
	account_memory(e, f, mem_before);
	if (c->side[0].fin && c->side[1].fin) {
		flow_end(e, f); /* CONNECTION_CLOSE from both sides */
		return;
	}
	quic_unlink(e, f);
	quic_push_newest(e, f);
	flow_table_touch(&e->table, &f->node, p->ts_ns);
	if (over_memory(e))
		evict_for_memory(e, f);
}

/* Work that waits on the clock: grace periods (live), idle expiry. */
static void clock_moved(struct engine *e)
{
	end_graces(e);
	if (e->now_ns >= e->next_expiry_ns) {
		expire_idle(e);
		e->next_expiry_ns = e->now_ns + FLOW_EXPIRY_SCAN_INTERVAL_NS;
	}
}

void engine_packet(struct engine *e, const struct packet *p)
{
	if (p->ts_ns > e->now_ns)
		e->now_ns = p->ts_ns;
	if (p->ip_proto == 6)
		tcp_packet(e, p);
	else
		udp_packet(e, p);
	clock_moved(e);
}

void engine_advance_time(struct engine *e, int64_t now_ns)
{
	if (now_ns > e->now_ns)
		e->now_ns = now_ns;
	clock_moved(e);
}

/* The time a decoded frame is analysed at: its own, unless it cannot be
 * represented or lies far ahead of the running clock without enough frames
 * after it agreeing (ts_limits.h, Capture time); then the running time. */
static int64_t frame_time(struct engine *e, int64_t ts_ns)
{
	if (ts_ns == TS_TIME_INVALID) {
		e->stats.timestamps_out_of_window++;
		return e->now_ns;
	}
	if (!e->now_ns || ts_ns - e->now_ns <= CAPTURE_TIME_JUMP_MAX_NS) {
		e->jump_frames = 0;
		return ts_ns;
	}
	if (!e->jump_frames || ts_ns < e->jump_start_ns ||
	    ts_ns - e->jump_start_ns > CAPTURE_TIME_JUMP_MAX_NS) {
		e->jump_start_ns = ts_ns;
		e->jump_frames = 0;
	}
	if (++e->jump_frames >= CAPTURE_TIME_JUMP_CONFIRM) {
		e->jump_frames = 0;
		return ts_ns;
	}
	e->stats.timestamps_out_of_window++;
	return e->now_ns;
}

void engine_frame(struct engine *e, int dlt, int64_t ts_ns, const uint8_t *frame, size_t caplen,
                  size_t wirelen)
{
	struct packet p;
	e->stats.packets++;
	e->stats.captured_bytes += caplen;
	enum decode_skip why = decode_frame(dlt, frame, caplen, &p);
	if (why != DECODE_SKIP_NONE) {
		e->stats.skipped[why < DECODE_SKIP_COUNT ? why : DECODE_SKIP_TRUNCATED]++;
		if (p.unsupported < DECODE_UNSUPPORTED_COUNT)
			e->stats.unsupported_encap[p.unsupported]++; /* index 0: nothing named */
		return;
	}
	p.ts_ns = frame_time(e, ts_ns);
	/* Only a frame the capture cut short can be missing payload; an IP length
	 * past the end of a whole frame is a lie (or offload), not lost bytes. */
	if (caplen >= wirelen)
		p.payload_wire_len = p.payload_len;
	engine_packet(e, &p);
}

void engine_flush(struct engine *e)
{
	struct flow_node *n;
	while ((n = flow_table_oldest(&e->table)) != NULL) {
		struct flow *f = (struct flow *)n;
		f->conn.capture_ended = true;
		e->stats.open_at_end++;
		flow_end(e, f);
	}
	/* The next input has its own clock. */
	e->now_ns = 0;
	e->next_expiry_ns = 0;
	e->jump_frames = 0;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	engine_flush(e);
	flow_table_destroy(&e->table);
	free(e->quic_scratch);
	free(e);
}
