/*
 * resume_link.h - which earlier connection of the run created the session a
 * resumed handshake reuses.
 *
 * Owns the run's table of sessions: every full handshake registers its TLS
 * <= 1.2 session ID and the tickets its server issued (NewSessionTicket: in
 * clear in TLS 1.2, decrypted with a key log in TLS 1.3), with the chain it
 * showed and that chain's verdict. A resumption (no Certificate) looks up the
 * ticket it echoes (SessionTicket extension, TLS 1.3 PSK identity) or the
 * session ID, and carries the origin's chain and verdict. Bounded: the
 * oldest sessions are forgotten first (RESUME_MAX_SESSIONS). Records arrive in
 * the order connections end, so an origin must end before its resumption
 * does (it does when a client resumes a session after closing the first).
 */
#ifndef TLSSCOPE_RESUME_LINK_H
#define TLSSCOPE_RESUME_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "conn.h"
#include "trust.h"

#define RESUME_MAX_CHAIN 4 /* fingerprints carried: the leaf and the certificates after it */

/* What a resumed connection inherits from the handshake that created its session. */
struct resume_origin {
	uint64_t conn_id;   /* 0: not found */
	uint8_t cert_count; /* fingerprints kept (0: that handshake's chain was not visible either) */
	uint16_t cert_total;
	uint8_t sha256[RESUME_MAX_CHAIN][32]; /* of the certificates as sent, in wire order */
	bool chain_checked;
	bool trusted;
	char verify_result[64]; /* X509_V_OK or X509_V_ERR_* */
};

struct resume_links;

struct resume_links *resume_links_new(void);
void resume_links_free(struct resume_links *rl);

/*
 * Look up a resumed connection's origin (out->conn_id 0 when the capture
 * does not show it), then register the sessions `c` makes available: a full
 * handshake with its own chain (`verdict` NULL when its certificates were not
 * checked), a resumption with the origin it carries on. Sessions of
 * connections that did not complete their handshake are not registered.
 */
void resume_links_note(struct resume_links *rl, const struct conn *c, const struct x509_cert *const *certs,
                       size_t cert_count, const struct chain_verdict *verdict, struct resume_origin *out);

#endif
