/*
 * openvpn_session.h - TLS carried in an OpenVPN control channel, applied to
 * the connection record (openvpn_session.c): what the engine calls for a
 * TCP or UDP flow that is OpenVPN.
 *
 * OpenVPN packets (dissectors/openvpn.h) are cut from the TCP stream or
 * taken one per datagram; the control channel's TLS bytes are put back in
 * message packet-id order and fed to the flow's TLS record layer
 * (tls_stream, tls_session), as if they had come over TCP; the tunnel's own
 * packets are counted in conn.openvpn.
 */
#ifndef TLSSCOPE_OPENVPN_SESSION_H
#define TLSSCOPE_OPENVPN_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"

/* The flow is OpenVPN from now on (`tcp`: length-prefixed packets in the stream). */
bool openvpn_session_start(struct flow *f, bool tcp);

/* TCP: stream bytes of one direction, in order; `after_gap`: bytes before them were lost. */
void openvpn_session_stream(struct flow *f, uint8_t dir, const uint8_t *data, size_t len, bool after_gap);

/* UDP: one datagram's payload (`snapped`: the capture cut it short). */
void openvpn_session_datagram(struct flow *f, uint8_t dir, const uint8_t *data, size_t len, bool snapped);

/* The flow ends: TLS bytes still held out of order go to the record layer after a gap. */
void openvpn_session_flush(struct flow *f, uint8_t dir);

void openvpn_session_free(struct flow *f);

#endif
