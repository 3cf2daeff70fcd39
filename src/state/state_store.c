/*
 * state_store.c - the SQLite history of servers (see state_store.h; the
 * tables are described in docs/state.md).
 */
#include "state_store.h"

#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client_software.h"
#include "decode.h"
#include "tls_fingerprint.h"
#include "tls_names.h"

/* Text kept from a wire string (SNI, ALPN): longer ones are cut, unprintable bytes escaped as \xNN. */
#define STATE_MAX_WIRE_TEXT 256
/* Space-separated SHA-256 hex of every certificate kept: 65 bytes each. */
#define STATE_FINGERPRINTS_LEN (TLS_MAX_CERTS_PER_MSG * 65 + 1)
#define STATE_SANS_LEN 1024

static const char schema_sql[] =
    "CREATE TABLE schema_version(version INTEGER NOT NULL);"
    "CREATE TABLE server(id INTEGER PRIMARY KEY, ip TEXT NOT NULL, port INTEGER NOT NULL,"
    " sni TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
    " handshakes INTEGER NOT NULL, UNIQUE(ip, port, sni));"
    "CREATE TABLE chain(server_id INTEGER NOT NULL REFERENCES server(id), fingerprints TEXT NOT NULL,"
    " cert_count INTEGER NOT NULL, leaf_issuer TEXT, leaf_key_type TEXT, leaf_sans TEXT,"
    " leaf_not_after INTEGER, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
    " count INTEGER NOT NULL, leaf_subject TEXT, chain_not_after INTEGER,"
    " PRIMARY KEY(server_id, fingerprints));"
    "CREATE TABLE chain_change(server_id INTEGER NOT NULL REFERENCES server(id), at INTEGER NOT NULL,"
    " old_fingerprints TEXT NOT NULL, new_fingerprints TEXT NOT NULL, differs TEXT NOT NULL);"
    "CREATE TABLE failure_mode(server_id INTEGER NOT NULL REFERENCES server(id), mode TEXT NOT NULL,"
    " first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, count INTEGER NOT NULL,"
    " PRIMARY KEY(server_id, mode));"
    "CREATE TABLE hourly(server_id INTEGER NOT NULL REFERENCES server(id), hour INTEGER NOT NULL,"
    " kind TEXT NOT NULL, value TEXT NOT NULL, count INTEGER NOT NULL,"
    " PRIMARY KEY(server_id, hour, kind, value));";

enum state_stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_SERVER,
	ST_LAST_CHAIN,
	ST_CHAIN,
	ST_CHAIN_CHANGE,
	ST_FAILURE_MODE,
	ST_HOURLY,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_SERVER] =
        "INSERT INTO server(ip, port, sni, first_seen, last_seen, handshakes) VALUES(?1, ?2, ?3, ?4, "
        "?4, 1) ON CONFLICT(ip, port, sni) DO UPDATE SET first_seen = min(first_seen, ?4),"
        " last_seen = max(last_seen, ?4), handshakes = handshakes + 1 RETURNING id, handshakes",
    [ST_LAST_CHAIN] = "SELECT fingerprints, cert_count, leaf_issuer, leaf_key_type, leaf_sans FROM chain"
                      " WHERE server_id = ?1 ORDER BY last_seen DESC, rowid DESC LIMIT 1",
    [ST_CHAIN] =
        "INSERT INTO chain(server_id, fingerprints, cert_count, leaf_issuer, leaf_key_type, leaf_sans,"
        " leaf_not_after, first_seen, last_seen, count, leaf_subject, chain_not_after)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, 1, ?9, ?10)"
        " ON CONFLICT(server_id, fingerprints) DO UPDATE SET first_seen = min(first_seen, ?8),"
        " last_seen = max(last_seen, ?8), count = count + 1, leaf_subject = coalesce(leaf_subject, ?9),"
        " chain_not_after = coalesce(chain_not_after, ?10) RETURNING count",
    [ST_CHAIN_CHANGE] = "INSERT INTO chain_change(server_id, at, old_fingerprints, new_fingerprints, differs)"
                        " VALUES(?1, ?2, ?3, ?4, ?5)",
    [ST_FAILURE_MODE] =
        "INSERT INTO failure_mode(server_id, mode, first_seen, last_seen, count) VALUES(?1, ?2,"
        " ?3, ?3, 1) ON CONFLICT(server_id, mode) DO UPDATE SET first_seen = min(first_seen,"
        " ?3), last_seen = max(last_seen, ?3), count = count + 1 RETURNING count",
    [ST_HOURLY] = "INSERT INTO hourly(server_id, hour, kind, value, count) VALUES(?1, ?2, ?3, ?4, 1)"
                  " ON CONFLICT(server_id, hour, kind, value) DO UPDATE SET count = count + 1",
};

struct state_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_COUNT];
	bool in_batch;
	unsigned batch_records;
	int64_t batch_started; /* capture time of the batch's first record */
	unsigned long long records;
	char error[512];
};

/* The previous chain of a server, as read before this record's is counted. */
struct chain_row {
	char fingerprints[STATE_FINGERPRINTS_LEN];
	int cert_count;
	char issuer[512];
	char key_type[24];
	char sans[STATE_SANS_LEN];
};

static bool fail(struct state_store *st, const char *what)
{
	if (!st->error[0])
		snprintf(st->error, sizeof(st->error), "%s: %s", what, sqlite3_errmsg(st->db));
	return false;
}

/* Run a statement with its parameters bound; SQLITE_ROW leaves the row to read, then reset. */
static int step(struct state_store *st, enum state_stmt s)
{
	int rc = sqlite3_step(st->stmt[s]);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		fail(st, stmt_sql[s]);
	return rc;
}

static void done(struct state_store *st, enum state_stmt s)
{
	sqlite3_reset(st->stmt[s]);
	sqlite3_clear_bindings(st->stmt[s]);
}

static void copy_column(sqlite3_stmt *q, int col, char *dst, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(q, col);
	snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

/* Version 1 had no leaf_subject and chain_not_after: added empty, its chains keep NULL there. */
static const char upgrade_from_1_sql[] = "BEGIN IMMEDIATE;"
                                         "ALTER TABLE chain ADD COLUMN leaf_subject TEXT;"
                                         "ALTER TABLE chain ADD COLUMN chain_not_after INTEGER;"
                                         "UPDATE schema_version SET version = 2;"
                                         "COMMIT";

/* A version this build reads (an older one upgraded), a new file, or an error. */
static bool check_schema(struct state_store *st)
{
	sqlite3_stmt *q;
	int tables = -1, version = -1;
	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_master", -1, &q, NULL) != SQLITE_OK)
		return fail(st, "not a tlsscope state file");
	if (sqlite3_step(q) == SQLITE_ROW)
		tables = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (tables < 0)
		return fail(st, "not a tlsscope state file");
	if (tables == 0) {
		char sql[64];
		snprintf(sql, sizeof(sql), "INSERT INTO schema_version VALUES(%d)", STATE_SCHEMA_VERSION);
		if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(st->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			return fail(st, "creating the schema");
		return true;
	}
	if (sqlite3_prepare_v2(st->db, "SELECT version FROM schema_version", -1, &q, NULL) != SQLITE_OK) {
		snprintf(st->error, sizeof(st->error),
		         "a SQLite file, but not a tlsscope state file (no schema_version)");
		return false;
	}
	if (sqlite3_step(q) == SQLITE_ROW)
		version = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (version == 1) {
		if (sqlite3_exec(st->db, upgrade_from_1_sql, NULL, NULL, NULL) == SQLITE_OK)
			return true;
		fail(st, "upgrading the file from schema version 1");
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return false;
	}
	if (version != STATE_SCHEMA_VERSION) {
		snprintf(st->error, sizeof(st->error), "schema version %d; this tlsscope reads version %d",
		         version, STATE_SCHEMA_VERSION);
		return false;
	}
	return true;
}

struct state_store *state_store_open(const char *path, char *err, size_t errlen)
{
	struct state_store *st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	bool ok =
	    sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) == SQLITE_OK;
	if (!ok)
		fail(st, "cannot open");
	/* Another tlsscope on the same file waits a little rather than failing at once. */
	ok = ok && sqlite3_busy_timeout(st->db, 5000) == SQLITE_OK;
	ok = ok && check_schema(st);
	sqlite3_stmt *q = NULL;
	ok = ok && sqlite3_prepare_v2(st->db, "PRAGMA journal_mode=WAL", -1, &q, NULL) == SQLITE_OK &&
	     sqlite3_step(q) == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(q, 0), "wal");
	sqlite3_finalize(q);
	if (!ok && !st->error[0])
		fail(st, "cannot use WAL mode");
	/* NORMAL under WAL: a commit survives a crash of the process; only power loss may undo the last. */
	ok = ok && sqlite3_exec(st->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) == SQLITE_OK;
	for (int i = 0; ok && i < ST_COUNT; i++)
		if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st->stmt[i],
		                       NULL) != SQLITE_OK)
			ok = fail(st, "preparing the statements");
	if (!ok) {
		snprintf(err, errlen, "%s: %s", path, st->error[0] ? st->error : "cannot open");
		state_store_close(st);
		return NULL;
	}
	return st;
}

/* Wire bytes as bounded, printable text. */
static void wire_text(char *dst, size_t cap, const uint8_t *p, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 5 < cap; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			dst[o++] = (char)p[i];
		else
			o += (size_t)snprintf(dst + o, cap - o, "\\x%02x", p[i]);
	}
	dst[o] = 0;
}

static bool hourly(struct state_store *st, int64_t server, int64_t hour, const char *kind, const char *value)
{
	sqlite3_stmt *q = st->stmt[ST_HOURLY];
	sqlite3_bind_int64(q, 1, server);
	sqlite3_bind_int64(q, 2, hour);
	sqlite3_bind_text(q, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, value, -1, SQLITE_TRANSIENT);
	bool ok = step(st, ST_HOURLY) == SQLITE_DONE;
	done(st, ST_HOURLY);
	return ok;
}

/* Count the mode; true in *is_new when the server had never shown it. */
static bool failure_mode(struct state_store *st, int64_t server, int64_t at, const char *mode, bool *is_new)
{
	sqlite3_stmt *q = st->stmt[ST_FAILURE_MODE];
	sqlite3_bind_int64(q, 1, server);
	sqlite3_bind_text(q, 2, mode, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 3, at);
	bool ok = step(st, ST_FAILURE_MODE) == SQLITE_ROW;
	*is_new = ok && sqlite3_column_int64(q, 0) == 1;
	done(st, ST_FAILURE_MODE);
	return ok;
}

static void utc_text(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm))
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	else
		snprintf(buf, len, "%lld", (long long)t);
}

/* The chain's SHA-256s, space-separated: from the diagnosis's parsed certificates (hashed once per
 * distinct certificate) where it has them, else hashed here. */
static void fingerprints_of(const struct conn_cert_list *l, const struct diagnosis *dg, char *out)
{
	size_t o = 0;
	out[0] = 0;
	for (uint16_t i = 0; i < l->count; i++) {
		uint8_t md[EVP_MAX_MD_SIZE];
		unsigned mdlen = 0;
		if (dg && i < dg->cert_count && dg->certs[i]) {
			memcpy(md, dg->certs[i]->sha256, 32);
			mdlen = 32;
		} else if (!EVP_Digest(l->blob + l->certs[i].off, l->certs[i].len, md, &mdlen, EVP_sha256(),
		                       NULL)) {
			mdlen = 0;
		}
		if (o)
			out[o++] = ' ';
		for (unsigned k = 0; k < mdlen; k++)
			o += (size_t)snprintf(out + o, STATE_FINGERPRINTS_LEN - o, "%02x", md[k]);
	}
}

static void sans_of(const struct x509_cert *x, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = 0;
	for (size_t i = 0; x && i < x->san_dns.count && o + 2 < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%s", o ? "," : "", x->san_dns.v[i]);
	for (size_t i = 0; x && i < x->san_ip_count && o + 2 < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%s", o ? "," : "", x->san_ip[i].text);
	if (o >= cap)
		out[cap - 1] = 0;
}

/* What differs between the old chain and this one, as a comma-separated list. */
static void chain_differs(const struct chain_row *old, const struct chain_row *now, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = 0;
	if (strcmp(old->issuer, now->issuer))
		o += (size_t)snprintf(out + o, cap - o, "%sissuer", o ? ", " : "");
	if (o < cap && strcmp(old->key_type, now->key_type))
		o += (size_t)snprintf(out + o, cap - o, "%skey type", o ? ", " : "");
	if (o < cap && strcmp(old->sans, now->sans))
		o += (size_t)snprintf(out + o, cap - o, "%sSANs", o ? ", " : "");
	if (o < cap && old->cert_count >= 2 && now->cert_count < 2)
		snprintf(out + o, cap - o, "%sintermediate missing now", o ? ", " : "");
	if (!out[0])
		snprintf(out, cap, "certificate (same issuer, key type and SANs: a renewal)");
}

/* The chain: counted; a chain this server never showed, after another, is a change. */
static bool count_chain(struct state_store *st, int64_t server, int64_t at, const struct conn *c,
                        struct diagnosis *dg)
{
	static struct chain_row old, now; /* one thread per store; too large for the stack many times over */
	const struct x509_cert *leaf = dg && dg->cert_count ? dg->certs[0] : NULL;
	memset(&now, 0, sizeof(now));
	fingerprints_of(&c->server_certs, dg, now.fingerprints);
	now.cert_count = c->server_certs.count;
	snprintf(now.issuer, sizeof(now.issuer), "%s", leaf && leaf->issuer ? leaf->issuer : "");
	snprintf(now.key_type, sizeof(now.key_type), "%s", leaf ? leaf->key_type : "");
	sans_of(leaf, now.sans, sizeof(now.sans));

	sqlite3_stmt *q = st->stmt[ST_LAST_CHAIN];
	sqlite3_bind_int64(q, 1, server);
	int rc = step(st, ST_LAST_CHAIN);
	bool had_chain = rc == SQLITE_ROW;
	if (had_chain) {
		copy_column(q, 0, old.fingerprints, sizeof(old.fingerprints));
		old.cert_count = sqlite3_column_int(q, 1);
		copy_column(q, 2, old.issuer, sizeof(old.issuer));
		copy_column(q, 3, old.key_type, sizeof(old.key_type));
		copy_column(q, 4, old.sans, sizeof(old.sans));
	}
	done(st, ST_LAST_CHAIN);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return false;

	q = st->stmt[ST_CHAIN];
	sqlite3_bind_int64(q, 1, server);
	sqlite3_bind_text(q, 2, now.fingerprints, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 3, now.cert_count);
	if (leaf) {
		sqlite3_bind_text(q, 4, now.issuer, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 5, now.key_type, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 6, now.sans, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 7, leaf->not_after);
		if (leaf->subject)
			sqlite3_bind_text(q, 9, leaf->subject, -1, SQLITE_STATIC);
	}
	int64_t first_expiry = 0; /* the day the chain stops verifying: the earliest notAfter sent */
	for (size_t i = 0; dg && i < dg->cert_count; i++)
		if (dg->certs[i]->parsed && (!first_expiry || dg->certs[i]->not_after < first_expiry))
			first_expiry = dg->certs[i]->not_after;
	if (first_expiry)
		sqlite3_bind_int64(q, 10, first_expiry);
	sqlite3_bind_int64(q, 8, at);
	bool ok = step(st, ST_CHAIN) == SQLITE_ROW;
	bool is_new = ok && sqlite3_column_int64(q, 0) == 1;
	done(st, ST_CHAIN);
	if (!ok || !is_new || !had_chain)
		return ok;

	char differs[160];
	chain_differs(&old, &now, differs, sizeof(differs));
	q = st->stmt[ST_CHAIN_CHANGE];
	sqlite3_bind_int64(q, 1, server);
	sqlite3_bind_int64(q, 2, at);
	sqlite3_bind_text(q, 3, old.fingerprints, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, now.fingerprints, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, differs, -1, SQLITE_STATIC);
	ok = step(st, ST_CHAIN_CHANGE) == SQLITE_DONE;
	done(st, ST_CHAIN_CHANGE);
	struct finding *f = dg ? diagnosis_add_finding(dg, "chain-changed", SEV_WARNING) : NULL;
	if (f) {
		snprintf(
		    f->message, sizeof(f->message),
		    "the server's certificate chain changed: leaf %.16s... now, %.16s... before; differs: %s",
		    now.fingerprints, old.fingerprints, differs);
		snprintf(f->fix, sizeof(f->fix), "%s",
		         now.cert_count < 2 && old.cert_count >= 2
		             ? "the new chain lacks the intermediate the old one sent: configure the server "
		               "to send "
		               "the leaf with its intermediate certificates (the full chain file)"
		             : "if the change was not planned, find which deployment installed it; clients "
		               "that pin "
		               "the old key or issuer fail against the new chain");
	}
	return ok;
}

/* The failure modes: each warning-or-worse finding and each client error. Those a known server never
 * showed become one new-failure-mode finding. */
static bool count_failure_modes(struct state_store *st, int64_t server, int64_t at, bool known_server,
                                struct diagnosis *dg)
{
	char modes[DIAG_MAX_FINDINGS + CLIENT_COUNT][128];
	char fresh[DIAG_TEXT - 128] = ""; /* the message keeps room for its own words and the time */
	size_t n = 0, o = 0;
	for (size_t i = 0; i < dg->finding_count; i++)
		if (dg->findings[i].severity >= SEV_WARNING)
			snprintf(modes[n++], sizeof(modes[0]), "finding %s", dg->findings[i].code);
	for (int k = 0; k < CLIENT_COUNT; k++)
		if (dg->clients[k].fails)
			snprintf(modes[n++], sizeof(modes[0]), "client %s %s",
			         tls_client_name((enum tls_client)k), dg->clients[k].code);
	for (size_t i = 0; i < n; i++) {
		bool is_new;
		if (!failure_mode(st, server, at, modes[i], &is_new))
			return false;
		if (is_new && known_server && o < sizeof(fresh))
			o += (size_t)snprintf(fresh + o, sizeof(fresh) - o, "%s%s", o ? ", " : "", modes[i]);
	}
	struct finding *f = o ? diagnosis_add_finding(dg, "new-failure-mode", SEV_WARNING) : NULL;
	if (f) {
		char when[32];
		utc_text(at, when, sizeof(when));
		snprintf(f->message, sizeof(f->message),
		         "first seen on this server at %s (its earlier handshakes never showed it): %s", when,
		         fresh);
		snprintf(
		    f->fix, sizeof(f->fix),
		    "look at what changed on the server or its clients just before %s; the other findings of "
		    "this connection give the fix",
		    when);
	}
	return true;
}

static bool count_record(struct state_store *st, const struct conn *c, struct diagnosis *dg)
{
	const struct conn_side *srv = &c->side[c->client_dir ? 0 : 1];
	const struct tls_client_hello *ch = c->client_hello;
	const struct tls_server_hello *sh = c->server_hello;
	int64_t at = c->first_ts_ns / 1000000000LL;
	int64_t hour = at - at % 3600;
	char ip[64], sni[STATE_MAX_WIRE_TEXT], text[STATE_MAX_WIRE_TEXT];
	ts_addr_format(&srv->addr, ip, sizeof(ip));
	sni[0] = 0;
	if (ch && ch->sni_count)
		wire_text(sni, sizeof(sni), ch->sni[0].bytes, ch->sni[0].len);

	sqlite3_stmt *q = st->stmt[ST_SERVER];
	sqlite3_bind_text(q, 1, ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, srv->port);
	sqlite3_bind_text(q, 3, sni, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, at);
	bool ok = step(st, ST_SERVER) == SQLITE_ROW;
	int64_t server = ok ? sqlite3_column_int64(q, 0) : 0;
	bool known_server = ok && sqlite3_column_int64(q, 1) > 1;
	done(st, ST_SERVER);
	if (!ok)
		return false;

	/* The failure modes first: a chain-changed finding is not itself a failure mode. */
	if (dg && !count_failure_modes(st, server, at, known_server, dg))
		return false;
	if (c->server_certs.count && !count_chain(st, server, at, c, dg))
		return false;

	ok = hourly(st, server, hour, "outcome", conn_outcome_name(c->outcome));
	uint16_t version = conn_version(c);
	if (ok && version) {
		char vbuf[24];
		ok = hourly(st, server, hour, "version", tls_version_name(version, vbuf, sizeof(vbuf)));
	}
	if (ok && sh) {
		const char *name = tls_cipher_suite_name(sh->cipher_suite);
		snprintf(text, sizeof(text), "0x%04x", sh->cipher_suite);
		ok = hourly(st, server, hour, "cipher", name ? name : text);
	}
	if (ok && sh && sh->has_alpn) {
		wire_text(text, sizeof(text), sh->alpn.bytes, sh->alpn.len);
		ok = hourly(st, server, hour, "alpn", text);
	}
	/* The client family: the client software named from the ClientHello, else its JA4. */
	struct client_software own;
	const struct client_software *sw = &own;
	if (dg)
		sw = &dg->software;
	else
		client_software_identify(ch, &own);
	char ja4[TLS_FP_JA4_LEN] = "unknown";
	const char *family = ja4;
	if (ch && sw->confidence != CLIENT_CONFIDENCE_NONE)
		family = sw->name;
	else if (ch && !tls_ja4(ch, c->transport == CONN_TRANSPORT_QUIC ? TLS_FP_QUIC : TLS_FP_TCP, ja4))
		snprintf(ja4, sizeof(ja4), "unknown");
	if (ok)
		ok = hourly(st, server, hour, "client", family);
	/* A failure: no finished handshake, or a finding a client fails on. */
	bool failed = !c->handshake_done || (dg && dg->finding_count && dg->worst >= SEV_ERROR);
	if (ok && failed) {
		ok = hourly(st, server, hour, "failure_cause",
		            dg && dg->finding_count ? dg->findings[0].code : conn_outcome_name(c->outcome));
		ok = ok && hourly(st, server, hour, "failure_client", family);
	}
	for (size_t i = 0; ok && dg && i < dg->finding_count; i++)
		ok = hourly(st, server, hour, "finding", dg->findings[i].code);
	return ok;
}

bool state_store_add(struct state_store *st, const struct conn *c, struct diagnosis *dg)
{
	if (st->error[0])
		return false;
	if (!c->is_tls)
		return true;
	int64_t at = c->first_ts_ns / 1000000000LL;
	if (!st->in_batch) {
		if (step(st, ST_BEGIN) != SQLITE_DONE) {
			done(st, ST_BEGIN);
			return false;
		}
		done(st, ST_BEGIN);
		st->in_batch = true;
		st->batch_records = 0;
		st->batch_started = at;
	}
	/* A savepoint per record: a record that fails half-way leaves nothing of itself behind. */
	if (sqlite3_exec(st->db, "SAVEPOINT record", NULL, NULL, NULL) != SQLITE_OK)
		return fail(st, "SAVEPOINT");
	if (!count_record(st, c, dg)) {
		sqlite3_exec(st->db, "ROLLBACK TO record; RELEASE record", NULL, NULL, NULL);
		return false;
	}
	if (sqlite3_exec(st->db, "RELEASE record", NULL, NULL, NULL) != SQLITE_OK)
		return fail(st, "RELEASE");
	st->records++;
	if (++st->batch_records >= STATE_BATCH_RECORDS || at - st->batch_started >= STATE_BATCH_SECONDS)
		return state_store_flush(st);
	return true;
}

bool state_store_flush(struct state_store *st)
{
	if (!st->in_batch)
		return !st->error[0];
	st->in_batch = false;
	bool ok = step(st, ST_COMMIT) == SQLITE_DONE;
	done(st, ST_COMMIT);
	return ok && !st->error[0];
}

const char *state_store_error(const struct state_store *st)
{
	return st->error[0] ? st->error : NULL;
}

unsigned long long state_store_records(const struct state_store *st)
{
	return st->records;
}

bool state_store_close(struct state_store *st)
{
	if (!st)
		return true;
	bool ok = !st->db || state_store_flush(st);
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	free(st);
	return ok;
}
