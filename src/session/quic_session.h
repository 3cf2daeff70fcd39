/*
 * quic_session.h - QUIC datagrams applied to the connection record
 * (quic_session.c): what the engine calls for a UDP flow.
 */
#ifndef TLSSCOPE_QUIC_SESSION_H
#define TLSSCOPE_QUIC_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"

/* One UDP datagram of a QUIC flow, applied to flow->conn.
 * `scratch` is QUIC_SCRATCH_LEN bytes the caller owns. */
void quic_session_datagram(struct flow *f, uint8_t dir, const uint8_t *data, size_t len, uint8_t *scratch);

#endif
