/*
 * decode.h - link, network and transport decode of one captured frame.
 *
 * Owns the walk from a libpcap link type down to TCP (or UDP): Ethernet with
 * 802.1Q/802.1ad tags, Linux SLL and SLL2, BSD NULL/LOOP, raw IPv4/IPv6, PPP,
 * PPPoE, 802.2 LLC/SNAP, Cisco MetaData (SGT), 802.1ah (PBB) and NSH; IPv4
 * (with options) and IPv6 (with extension headers); tunnels IPv4/IPv6-in-IP
 * (4in4, 6in4, 4in6, 6in6), GRE (with ERSPAN types I-III and PPTP's enhanced
 * GRE), VXLAN, VXLAN-GPE, Geneve, GTP-U, Teredo and L2TPv2. Encapsulations
 * seen but not decoded are named (enum decode_unsupported) so the caller can
 * count them. The addresses reported are those of
 * the innermost IP header. It copies nothing: the payload pointer points into
 * the frame. Frames it cannot use are answered with a skip reason, which the
 * caller counts.
 */
#ifndef TLSSCOPE_DECODE_H
#define TLSSCOPE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 address is stored as ::ffff:a.b.c.d so both families compare alike. */
struct ts_addr {
	uint8_t bytes[16];
	uint8_t family; /* 4 or 6 */
};

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20

struct packet {
	int64_t ts_ns; /* capture time, nanoseconds since the Unix epoch */
	struct ts_addr src, dst;
	uint16_t sport, dport;
	uint8_t ip_proto; /* 6 (TCP) or 17 (UDP) */
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint16_t window;
	const uint8_t *payload;  /* transport payload inside the frame */
	size_t payload_len;      /* bytes present in the capture */
	size_t payload_wire_len; /* bytes the IP header says were sent (>= payload_len when snapped) */
	uint8_t encap_depth;     /* tunnels crossed to reach the innermost IP header */
	uint8_t unsupported;     /* enum decode_unsupported: set only on a skipped frame */
};

/* Encapsulations recognised but not decoded: the frame is skipped with its
 * usual reason, and this names what stopped the decode. Keep
 * decode_unsupported_name() in step. */
enum decode_unsupported {
	DECODE_UNSUPPORTED_NONE = 0,
	DECODE_UNSUPPORTED_L2TPV3, /* IP protocol 115, or version 3 on UDP 1701: cookie sizes are configured
	                            */
	DECODE_UNSUPPORTED_IPSEC_ESP,      /* IP protocol 50: encrypted */
	DECODE_UNSUPPORTED_MACSEC,         /* EtherType 0x88e5 */
	DECODE_UNSUPPORTED_GRE_ROUTING,    /* RFC 1701 source routing (R bit) */
	DECODE_UNSUPPORTED_GRE_VERSION,    /* GRE versions other than 0 and PPTP's 1 */
	DECODE_UNSUPPORTED_ERSPAN,         /* an ERSPAN version or frame type other than Ethernet */
	DECODE_UNSUPPORTED_NSH,            /* an NSH or VXLAN-GPE next protocol we do not read */
	DECODE_UNSUPPORTED_PPP_COMPRESSED, /* PPP compressed or encrypted (CCP, MPPE), e.g. in PPTP */
	DECODE_UNSUPPORTED_COUNT
};

const char *decode_unsupported_name(enum decode_unsupported what);

/* Why a frame was not handed on. Keep decode_skip_name() in step. */
enum decode_skip {
	DECODE_SKIP_NONE = 0,
	DECODE_SKIP_TRUNCATED,      /* a header is cut short by the snap length or the frame */
	DECODE_SKIP_NOT_IP,         /* ARP, LLDP, ... */
	DECODE_SKIP_NOT_TCP_UDP,    /* ICMP, SCTP, ... */
	DECODE_SKIP_IP_FRAGMENT,    /* IP fragments are counted, not reassembled */
	DECODE_SKIP_BAD_IP_HEADER,  /* bad version, header length or total length */
	DECODE_SKIP_BAD_TCP_HEADER, /* data offset below 5 or past the segment */
	DECODE_SKIP_ENCAP_DEPTH,    /* more nested tags/tunnels than DECODE_MAX_ENCAP_DEPTH */
	DECODE_SKIP_LINK_TYPE,      /* the capture's link type is not supported */
	DECODE_SKIP_COUNT
};

const char *decode_skip_name(enum decode_skip reason);

/* True if decode_frame() understands this libpcap DLT_* link type. */
bool decode_link_supported(int dlt);

/*
 * Decode one frame of link type `dlt` (libpcap's DLT_* value as returned by
 * pcap_datalink()). On success fills *out (all but ts_ns, which the caller
 * sets) and returns DECODE_SKIP_NONE; otherwise returns why it was skipped.
 * Only TCP and UDP packets are reported.
 */
enum decode_skip decode_frame(int dlt, const uint8_t *frame, size_t caplen, struct packet *out);

/* "192.0.2.1" or "2001:db8::1" into buf (at least 46 bytes). */
const char *ts_addr_format(const struct ts_addr *a, char *buf, size_t buflen);

#endif
