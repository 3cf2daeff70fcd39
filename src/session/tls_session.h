/*
 * tls_session.h - the TLS glue between the record layer and the connection
 * record (tls_session.c): what the engine calls for a TCP flow.
 */
#ifndef TLSSCOPE_TLS_SESSION_H
#define TLSSCOPE_TLS_SESSION_H

#include "flow.h"

/* The sink that applies what the record layer finds to flow->conn. */
void tls_session_sink(struct flow *f, struct tls_stream_sink *sink);

/* Free what the TLS glue holds for the flow beyond the record (the STARTTLS preludes). */
void tls_session_free(struct flow *f);

#endif
