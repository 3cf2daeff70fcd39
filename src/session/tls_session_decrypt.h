/*
 * tls_session_decrypt.h - reading a flow's encrypted records with the key
 * log (tls_session_decrypt.c). The TLS and QUIC sessions call these; what a
 * decrypted record holds goes back through the hooks the caller passes, so
 * this module depends on no session.
 */
#ifndef TLSSCOPE_TLS_SESSION_DECRYPT_H
#define TLSSCOPE_TLS_SESSION_DECRYPT_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"

/* Where the contents of a decrypted record go (the TLS session's handlers). */
struct tls_decrypt_hooks {
	/* The sink for decrypted handshake messages. */
	void (*sink)(struct flow *f, struct tls_stream_sink *sink);
	/* The record was a handshake message or an alert, not the application
	 * data its header was taken for (TLS 1.3): take back what was counted. */
	void (*not_application_data)(struct flow *f, uint8_t dir);
	/* A decrypted alert; header_alert is 1 + the index of the alert its
	 * record's header added, or 0. */
	void (*alert)(struct flow *f, uint8_t dir, uint8_t level, uint8_t desc, uint16_t header_alert);
};

void tls_session_decrypt_start(struct flow *f); /* at the (non-HRR) ServerHello */
bool tls_session_decrypt_want(struct flow *f, uint8_t dir, uint8_t type, uint16_t length, bool encrypted,
                              uint16_t header_alert); /* at a record header: collect its body? */
void tls_session_decrypt_record(struct flow *f, const struct tls_decrypt_hooks *hooks, uint8_t dir,
                                const uint8_t hdr[5], const uint8_t *body, uint32_t len);
void tls_session_decrypt_finished(struct flow *f, uint8_t dir); /* a decrypted Finished: keys change */
void tls_session_decrypt_free(struct flow *f);
/* QUIC: a Handshake packet from `dir` did not open with the key log's secrets. */
void tls_session_decrypt_quic_failed(struct flow *f, uint8_t dir);

#endif
