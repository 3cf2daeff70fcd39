/*
 * proxy_protocol.h - the PROXY protocol header a load balancer writes before
 * a connection's own bytes (HAProxy's proxy-protocol.txt, versions 1 and 2).
 *
 * Owns recognising and reading one header at the start of a client's byte
 * stream: the text line of version 1 or the binary header of version 2 (its
 * TLVs are skipped, never kept). It reports the real client's address and
 * the header's length, so the caller can strip it before the TLS it wraps.
 */
#ifndef TLSSCOPE_PROXY_PROTOCOL_H
#define TLSSCOPE_PROXY_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROXY_V1_MAX_LEN 107 /* proxy-protocol.txt 2.1: the longest line, CRLF included */

enum proxy_result {
	PROXY_NOT = 0,   /* the bytes do not start a PROXY header */
	PROXY_PARTIAL,   /* they start one that does not end within them */
	PROXY_MALFORMED, /* signature right, the rest not a header */
	PROXY_OK
};

struct proxy_header {
	uint8_t version;          /* 1 or 2 */
	bool has_address;         /* false: v1 UNKNOWN, v2 LOCAL, or a family without IP addresses */
	uint8_t family;           /* 4 or 6 when has_address */
	uint8_t src[16], dst[16]; /* network order; 4 bytes used for IPv4 */
	uint16_t src_port, dst_port;
	size_t length; /* bytes of the header, to strip */
};

/* Read a PROXY header at the start of p[0..len). */
enum proxy_result proxy_protocol_parse(const uint8_t *p, size_t len, struct proxy_header *out);

#endif
