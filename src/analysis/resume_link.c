/*
 * resume_link.c - the run's sessions, for linking resumptions (see resume_link.h).
 */
#include "resume_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ts_limits.h"
#include "x509_cert.h"

enum session_kind { SESSION_ID = 1, SESSION_TICKET };

struct session {
	uint8_t kind; /* enum session_kind, 0: free */
	uint64_t key; /* tls_ticket_hash() of the session ID or the ticket */
	struct resume_origin origin;
};

struct resume_links {
	struct session *ring; /* RESUME_MAX_SESSIONS, made on the first registration */
	size_t next;          /* where the next one goes, over the oldest */
};

struct resume_links *resume_links_new(void)
{
	return calloc(1, sizeof(struct resume_links));
}

void resume_links_free(struct resume_links *rl)
{
	if (!rl)
		return;
	free(rl->ring);
	free(rl);
}

/* The newest session under that key: a key reused later (a server's session ID cache
 * restarted) means the later handshake. */
static const struct session *find(const struct resume_links *rl, enum session_kind kind, uint64_t key)
{
	if (!rl->ring || !key)
		return NULL;
	for (size_t n = 1; n <= RESUME_MAX_SESSIONS; n++) {
		const struct session *s =
		    &rl->ring[(rl->next + RESUME_MAX_SESSIONS - n) % RESUME_MAX_SESSIONS];
		if (s->kind == kind && s->key == key)
			return s;
	}
	return NULL;
}

static void put(struct resume_links *rl, enum session_kind kind, uint64_t key, const struct resume_origin *o)
{
	if (!key)
		return;
	if (!rl->ring) {
		rl->ring = calloc(RESUME_MAX_SESSIONS, sizeof(*rl->ring));
		if (!rl->ring)
			return; /* no links then: every resumption reads as one whose origin was not seen */
	}
	struct session *s = &rl->ring[rl->next];
	rl->next = (rl->next + 1) % RESUME_MAX_SESSIONS;
	s->kind = (uint8_t)kind;
	s->key = key;
	s->origin = *o;
}

/* The handshake's own chain, as the origin its sessions carry. */
static void own_origin(const struct conn *c, const struct x509_cert *const *certs, size_t cert_count,
                       const struct chain_verdict *verdict, struct resume_origin *o)
{
	memset(o, 0, sizeof(*o));
	o->conn_id = c->id;
	o->cert_total = c->server_certs.total;
	for (size_t i = 0; i < cert_count && o->cert_count < RESUME_MAX_CHAIN; i++)
		memcpy(o->sha256[o->cert_count++], certs[i]->sha256, 32);
	if (verdict) {
		o->chain_checked = true;
		o->trusted = verdict->trusted;
		snprintf(o->verify_result, sizeof(o->verify_result), "%s", verdict->verify_error_name);
	}
}

static const struct session *lookup(const struct resume_links *rl, const struct conn *c, const char *how)
{
	const struct tls_client_hello *ch = c->client_hello;
	if (!strcmp(how, "psk"))
		return find(rl, SESSION_TICKET, ch->psk_identity_hash);
	if (!strcmp(how, "ticket"))
		return find(rl, SESSION_TICKET, ch->session_ticket_hash);
	return find(rl, SESSION_ID, tls_ticket_hash(ch->session_id, ch->session_id_len));
}

void resume_links_note(struct resume_links *rl, const struct conn *c, const struct x509_cert *const *certs,
                       size_t cert_count, const struct chain_verdict *verdict, struct resume_origin *out)
{
	memset(out, 0, sizeof(*out));
	if (!rl || !c->client_hello || !c->server_hello)
		return;
	const char *how = conn_resumption(c);
	struct resume_origin mine;
	if (how) {
		const struct session *s = lookup(rl, c, how);
		if (s)
			*out = s->origin;
		mine = *out;
		mine.conn_id =
		    c->id; /* a ticket issued now names this connection, with the chain carried on */
	} else {
		own_origin(c, certs, cert_count, verdict, &mine);
	}
	if (!c->handshake_done)
		return; /* a server keeps no session of a handshake that did not finish */
	const struct tls_server_hello *sh = c->server_hello;
	if (!how && !conn_is_tls13(c) && sh->session_id_len)
		put(rl, SESSION_ID, tls_ticket_hash(sh->session_id, sh->session_id_len), &mine);
	for (uint8_t i = 0; i < c->ticket_count; i++)
		put(rl, SESSION_TICKET, c->tickets_issued[i], &mine);
}
