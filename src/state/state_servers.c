/*
 * state_servers.c - the state file read back as one row per server (see
 * state_servers.h; the tables are in docs/state.md).
 */
#include "state_servers.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state_store.h"

enum servers_stmt { Q_SERVERS, Q_CHAIN, Q_CHAINS_SEEN, Q_HOURLY, Q_CHANGES, Q_CHANGES_TOTAL, Q_COUNT };

/* %s: the chain's subject column, NULL in a version 1 file (read as it is, never upgraded here). */
static const char *const servers_sql[Q_COUNT] = {
    [Q_SERVERS] = "SELECT id, ip, port, sni, first_seen, last_seen, handshakes FROM server"
                  " ORDER BY ip, port, sni",
    [Q_CHAIN] = NULL, /* CHAIN_SQL: its columns depend on the file's version */
    [Q_CHAINS_SEEN] = "SELECT count(*) FROM chain WHERE server_id = ?1",
    [Q_HOURLY] = "SELECT kind, value, sum(count) AS n FROM hourly WHERE server_id = ?1"
                 " GROUP BY kind, value ORDER BY kind, n DESC, value",
    [Q_CHANGES] = NULL, /* CHANGES_SQL: the limit is a compile-time constant */
    [Q_CHANGES_TOTAL] = "SELECT count(*) FROM chain_change WHERE server_id = ?1",
};

struct servers_reader {
	sqlite3 *db;
	sqlite3_stmt *q[Q_COUNT];
	struct state_server row;
};

static const char *column_text(sqlite3_stmt *q, int col)
{
	const unsigned char *t = sqlite3_column_text(q, col);
	return t ? (const char *)t : "";
}

static void copy_text(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src);
}

/* "hex hex ..." into the bounded list. */
static void split_fingerprints(const char *text, struct state_fingerprints *out)
{
	memset(out, 0, sizeof(*out));
	const char *p = text;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, " ");
		if (out->n < STATE_CHAIN_FPS_MAX)
			snprintf(out->fp[out->n++], STATE_FP_HEX, "%.*s", (int)(len < 64 ? len : 64), p);
		out->total++;
		p += len;
	}
}

static void list_add(struct state_list *l, const char *value, uint64_t count)
{
	if (l->n == STATE_LIST_MAX) {
		l->folded += count; /* the rows come largest first: what does not fit is the smallest */
		return;
	}
	copy_text(l->v[l->n].value, sizeof(l->v[0].value), value);
	l->v[l->n++].count = count;
}

static struct state_list *list_of(struct state_server *s, const char *kind)
{
	static const struct {
		const char *kind;
		size_t offset;
	} lists[] = {
	    {"outcome", offsetof(struct state_server, outcomes)},
	    {"version", offsetof(struct state_server, versions)},
	    {"cipher", offsetof(struct state_server, ciphers)},
	    {"alpn", offsetof(struct state_server, alpn)},
	    {"client", offsetof(struct state_server, clients)},
	    {"finding", offsetof(struct state_server, findings)},
	    {"failure_cause", offsetof(struct state_server, failure_causes)},
	    {"failure_client", offsetof(struct state_server, failure_clients)},
	};
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (!strcmp(kind, lists[i].kind))
			return (struct state_list *)((char *)s + lists[i].offset);
	return NULL; /* a kind of a later version: not shown */
}

static int64_t single_int(sqlite3_stmt *q, int64_t id)
{
	sqlite3_bind_int64(q, 1, id);
	int64_t v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_reset(q);
	return v;
}

/* Everything of one server but its server-table columns. */
static bool read_details(struct servers_reader *r, int64_t id)
{
	struct state_server *s = &r->row;
	sqlite3_stmt *q = r->q[Q_CHAIN];
	sqlite3_bind_int64(q, 1, id);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		s->has_chain = true;
		split_fingerprints(column_text(q, 0), &s->chain);
		s->chain.total = (size_t)sqlite3_column_int(q, 1);
		copy_text(s->leaf_subject, sizeof(s->leaf_subject), column_text(q, 2));
		copy_text(s->leaf_issuer, sizeof(s->leaf_issuer), column_text(q, 3));
		copy_text(s->leaf_key_type, sizeof(s->leaf_key_type), column_text(q, 4));
		s->leaf_not_after = sqlite3_column_int64(q, 5);
		s->chain_expires =
		    sqlite3_column_type(q, 6) == SQLITE_NULL ? s->leaf_not_after : sqlite3_column_int64(q, 6);
		s->chain_last_seen = sqlite3_column_int64(q, 7);
		s->chain_count = (uint64_t)sqlite3_column_int64(q, 8);
	}
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return false;
	s->chains_seen = (uint64_t)single_int(r->q[Q_CHAINS_SEEN], id);

	q = r->q[Q_HOURLY];
	sqlite3_bind_int64(q, 1, id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct state_list *l = list_of(s, column_text(q, 0));
		uint64_t n = (uint64_t)sqlite3_column_int64(q, 2);
		if (l)
			list_add(l, column_text(q, 1), n);
		if (l == &s->failure_causes)
			s->failures += n; /* one failure_cause per failed handshake */
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return false;

	q = r->q[Q_CHANGES];
	sqlite3_bind_int64(q, 1, id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && s->change_count < STATE_CHANGES_MAX) {
		struct state_chain_change *ch = &s->changes[s->change_count++];
		ch->at = sqlite3_column_int64(q, 0);
		split_fingerprints(column_text(q, 1), &ch->old_chain);
		split_fingerprints(column_text(q, 2), &ch->new_chain);
		copy_text(ch->differs, sizeof(ch->differs), column_text(q, 3));
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return false;
	s->changes_total = (uint64_t)single_int(r->q[Q_CHANGES_TOTAL], id);
	return true;
}

/* The schema version, -1 when the file is not a tlsscope state file. */
static int file_version(sqlite3 *db)
{
	sqlite3_stmt *q;
	int version = -1;
	if (sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &q, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		version = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return version;
}

/* Literal formats, so the compiler checks their arguments. */
#define CHAIN_SQL                                                                                            \
	"SELECT fingerprints, cert_count, %s, leaf_issuer, leaf_key_type, leaf_not_after, %s,"               \
	" last_seen, count FROM chain WHERE server_id = ?1 ORDER BY last_seen DESC, rowid DESC LIMIT 1"
#define CHANGES_SQL                                                                                          \
	"SELECT at, old_fingerprints, new_fingerprints, differs FROM"                                        \
	" (SELECT rowid, * FROM chain_change WHERE server_id = ?1 ORDER BY at DESC, rowid DESC"              \
	" LIMIT %d) ORDER BY at, rowid"

static bool prepare(struct servers_reader *r, int version)
{
	for (int i = 0; i < Q_COUNT; i++) {
		char sql[512];
		if (i == Q_CHAIN)
			snprintf(sql, sizeof(sql), CHAIN_SQL, version >= 2 ? "leaf_subject" : "NULL",
			         version >= 2 ? "chain_not_after" : "NULL");
		else if (i == Q_CHANGES)
			snprintf(sql, sizeof(sql), CHANGES_SQL, STATE_CHANGES_MAX);
		else
			snprintf(sql, sizeof(sql), "%s", servers_sql[i]);
		if (sqlite3_prepare_v2(r->db, sql, -1, &r->q[i], NULL) != SQLITE_OK)
			return false;
	}
	return true;
}

bool state_servers_read(const char *path, state_server_fn fn, void *user, char *err, size_t errlen)
{
	err[0] = 0;
	struct servers_reader *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	bool ok = sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK;
	int version = ok ? file_version(r->db) : -1;
	if (ok && version < 0) {
		snprintf(err, errlen, "%s: not a tlsscope state file", path);
		ok = false;
	} else if (ok && (version < 1 || version > STATE_SCHEMA_VERSION)) {
		snprintf(err, errlen, "%s: schema version %d; this tlsscope reads versions 1 to %d", path,
		         version, STATE_SCHEMA_VERSION);
		ok = false;
	}
	ok = ok && sqlite3_busy_timeout(r->db, 5000) == SQLITE_OK && prepare(r, version);
	sqlite3_stmt *q = ok ? r->q[Q_SERVERS] : NULL;
	int rc = SQLITE_DONE;
	bool stopped = false; /* by fn */
	while (ok && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct state_server *s = &r->row;
		memset(s, 0, sizeof(*s));
		int64_t id = sqlite3_column_int64(q, 0);
		copy_text(s->ip, sizeof(s->ip), column_text(q, 1));
		s->port = sqlite3_column_int(q, 2);
		copy_text(s->sni, sizeof(s->sni), column_text(q, 3));
		s->first_seen = sqlite3_column_int64(q, 4);
		s->last_seen = sqlite3_column_int64(q, 5);
		s->handshakes = (uint64_t)sqlite3_column_int64(q, 6);
		if (!read_details(r, id)) {
			ok = false;
			break;
		}
		if (!fn(s, user)) {
			stopped = true;
			break;
		}
	}
	if (ok && !stopped && rc != SQLITE_DONE)
		ok = false;
	if (!ok && !err[0])
		snprintf(err, errlen, "%s: %s", path, r->db ? sqlite3_errmsg(r->db) : "cannot open");
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(r->q[i]);
	sqlite3_close(r->db);
	free(r);
	return ok && !stopped;
}

int64_t state_server_days_left(const struct state_server *s)
{
	int64_t left = s->chain_expires - s->chain_last_seen;
	return left >= 0 ? left / 86400 : -((-left + 86399) / 86400);
}
