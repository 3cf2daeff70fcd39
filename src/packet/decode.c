/*
 * decode.c - from a libpcap link type down to TCP or UDP, for one frame.
 *
 * Every byte is read through struct rd (rd.h): a short or lying frame ends as
 * a skip reason, never as a read past caplen. Each layer hands the next one a
 * child reader bounded by the length its own header claims, so Ethernet
 * padding, trailers and bytes after a UDP datagram never reach the payload.
 *
 * Two lengths travel down from an IP header: the bytes present (the reader)
 * and the bytes the header says were sent (`wire`); they differ only when the
 * snap length cut the frame, and the payload reports both.
 *
 * Nesting is walked by recursion. Every step that can lead back to an outer
 * layer (a VLAN tag, an MPLS label, a tunnel) passes walk_enter(), so both
 * the nesting and the stack depth are bounded by DECODE_MAX_ENCAP_DEPTH.
 */
#include "decode.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Only the DLT_* numbers, which differ between BSDs; no libpcap code. */
#include <pcap/dlt.h>

#include "rd.h"
#include "ts_limits.h"

#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

/* EtherTypes (IEEE 802 Numbers registry); GRE and Geneve reuse them. */
enum {
	ETHERTYPE_IPV4 = 0x0800,
	ETHERTYPE_IPV6 = 0x86dd,
	ETHERTYPE_VLAN = 0x8100,      /* IEEE 802.1Q C-tag */
	ETHERTYPE_QINQ = 0x88a8,      /* IEEE 802.1ad S-tag */
	ETHERTYPE_QINQ_9100 = 0x9100, /* S-tag used before 802.1ad was assigned */
	ETHERTYPE_PPPOE_SESSION = 0x8864,
	ETHERTYPE_MPLS = 0x8847,
	ETHERTYPE_MPLS_MULTICAST = 0x8848,
	ETHERTYPE_TEB = 0x6558,            /* transparent Ethernet bridging: an Ethernet frame follows */
	ETHERTYPE_CISCO_METADATA = 0x8909, /* Cisco MetaData: the Security Group Tag (TrustSec) */
	ETHERTYPE_NSH = 0x894f,            /* Network Service Header, RFC 8300 */
	ETHERTYPE_PBB = 0x88e7,            /* IEEE 802.1ah backbone service instance tag */
	ETHERTYPE_MACSEC = 0x88e5,         /* IEEE 802.1AE */
	ETHERTYPE_ERSPAN_2 = 0x88be,       /* GRE protocol type of ERSPAN types I and II */
	ETHERTYPE_ERSPAN_3 = 0x22eb,       /* GRE protocol type of ERSPAN type III */
	ETHERTYPE_PPP = 0x880b,            /* GRE protocol type of PPP (PPTP, RFC 2637) */
	ETHERTYPE_MAX_LENGTH = 0x05dc,     /* up to here the field is an IEEE 802.3 length */
};

/* PPP DLL protocol numbers (IANA PPP numbers registry). */
enum {
	PPP_PROTO_IPV4 = 0x0021,
	PPP_PROTO_IPV6 = 0x0057,
	PPP_PROTO_COMPRESSED_LINK = 0x00fb, /* RFC 1962: compressed (or MPPE-encrypted) datagram */
	PPP_PROTO_COMPRESSED = 0x00fd,
};

/* IP protocol numbers (IANA); not IPPROTO_*, which <netinet/in.h> owns. */
enum {
	PROTO_HOPOPTS = 0,
	PROTO_IPIP = 4,
	PROTO_TCP = 6,
	PROTO_UDP = 17,
	PROTO_IPV6 = 41,
	PROTO_ROUTING = 43,
	PROTO_FRAGMENT = 44,
	PROTO_GRE = 47,
	PROTO_ESP = 50,
	PROTO_AH = 51,
	PROTO_DSTOPTS = 60,
	PROTO_L2TPV3 = 115, /* RFC 3931 section 4.1.1.1 */
};

/* AF_* values in DLT_NULL/DLT_LOOP headers: fixed by the capturing OS, not ours. */
enum {
	BSD_AF_INET = 2,
	BSD_AF_INET6_BSD = 24, /* NetBSD, OpenBSD, BSD/OS */
	BSD_AF_INET6_FREEBSD = 28,
	BSD_AF_INET6_DARWIN = 30,
};

enum {
	UDP_PORT_GTPU = 2152,      /* 3GPP TS 29.281 section 4.4.2.3 */
	UDP_PORT_VXLAN = 4789,     /* RFC 7348 section 5 */
	UDP_PORT_GENEVE = 6081,    /* RFC 8926 section 3.3 */
	UDP_PORT_VXLAN_GPE = 4790, /* draft-ietf-nvo3-vxlan-gpe section 3.3 */
	UDP_PORT_TEREDO = 3544,    /* RFC 4380 section 4 */
	UDP_PORT_L2TP = 1701,      /* RFC 2661 section 8.1 */
};

/* Next Protocol of NSH (RFC 8300 section 2.2) and VXLAN-GPE: one IANA registry. */
enum {
	NEXT_PROTO_IPV4 = 1,
	NEXT_PROTO_IPV6 = 2,
	NEXT_PROTO_ETHERNET = 3,
	NEXT_PROTO_NSH = 4,
	NEXT_PROTO_MPLS = 5,
};

enum {
	GTP_MSG_GPDU = 255, /* G-PDU: a user packet follows (3GPP TS 29.281 section 6.1) */
};

struct walk {
	struct packet *out;
	const uint8_t *cap_end; /* frame + caplen */
	unsigned nest;          /* tags, labels and tunnels crossed, against DECODE_MAX_ENCAP_DEPTH */
};

static enum decode_skip decode_ether(struct walk *w, struct rd *r);
static enum decode_skip decode_ethertype(struct walk *w, uint16_t type, struct rd *r);
static enum decode_skip decode_ipv4(struct walk *w, struct rd *r);
static enum decode_skip decode_ipv6(struct walk *w, struct rd *r);
static enum decode_skip decode_mpls(struct walk *w, struct rd *r);
static enum decode_skip decode_ppp_hdlc(struct walk *w, struct rd *r);

/* An encapsulation we recognise and do not decode: skipped as `why`, named. */
static enum decode_skip unsupported(struct walk *w, enum decode_unsupported what, enum decode_skip why)
{
	w->out->unsupported = (uint8_t)what;
	return why;
}

/* One more tag, label or tunnel; false once the cap is reached. */
static bool walk_enter(struct walk *w)
{
	if (w->nest >= DECODE_MAX_ENCAP_DEPTH)
		return false;
	w->nest++;
	return true;
}

/* A tunnel also counts towards encap_depth, which the caller sees. */
static bool walk_enter_tunnel(struct walk *w)
{
	if (!walk_enter(w))
		return false;
	w->out->encap_depth++;
	return true;
}

/* A child over the next n bytes, or fewer if the capture ends first. */
static struct rd take_upto(struct rd *r, size_t n)
{
	size_t left = rd_left(r);
	return rd_sub(r, n < left ? n : left);
}

/* The next byte without consuming it; sets *ok to false if there is none. */
static uint8_t peek_u8(const struct rd *r, bool *ok)
{
	struct rd p = *r;
	uint8_t b = rd_u8(&p);
	*ok = !p.err;
	return b;
}

/*
 * The wire length of a layer whose header claims `claimed` bytes and whose
 * bytes are r. Claimed bytes past the end of r were cut by the snap length if
 * r runs to the end of the capture; otherwise an enclosing length field (PPPoE,
 * UDP, an outer IP header) says they were never sent, and tshark agrees.
 */
static size_t wire_len(const struct walk *w, const struct rd *r, size_t claimed)
{
	size_t left = rd_left(r);
	if (claimed <= left || r->p + r->len == w->cap_end)
		return claimed;
	return left;
}

static void addr_set_v4(struct ts_addr *a, const uint8_t *b)
{
	memset(a->bytes, 0, 10);
	a->bytes[10] = 0xff;
	a->bytes[11] = 0xff;
	memcpy(a->bytes + 12, b, 4);
	a->family = 4;
}

static void addr_set_v6(struct ts_addr *a, const uint8_t *b)
{
	memcpy(a->bytes, b, 16);
	a->family = 6;
}

/*
 * TCP header, RFC 9293 section 3.1:
 *   Source Port(16) Destination Port(16)
 *   Sequence Number(32)
 *   Acknowledgment Number(32)
 *   Data Offset(4) Rsrvd(4) Flags(8) Window(16)
 *   Checksum(16) Urgent Pointer(16)
 *   Options (Data Offset * 4 - 20) | data
 * `wire` is the segment length the IP header claims; r holds what was captured.
 */
static enum decode_skip decode_tcp(struct walk *w, struct rd *r, size_t wire)
{
	struct packet *out = w->out;

	/* The IP length, not the snap length, is too short for a header: a lie. */
	if (wire < 20)
		return DECODE_SKIP_BAD_TCP_HEADER;
	out->sport = rd_u16(r);
	out->dport = rd_u16(r);
	out->seq = rd_u32(r);
	out->ack = rd_u32(r);
	uint8_t data_offset = rd_u8(r) >> 4;
	out->tcp_flags = rd_u8(r);
	out->window = rd_u16(r);
	rd_skip(r, 4); /* checksum, urgent pointer: offload makes checksums wrong in captures */
	if (r->err)
		return DECODE_SKIP_TRUNCATED;
	size_t hl = (size_t)data_offset * 4;
	if (data_offset < 5 || hl > wire)
		return DECODE_SKIP_BAD_TCP_HEADER;
	if (!rd_skip(r, hl - 20))
		return DECODE_SKIP_TRUNCATED;
	out->ip_proto = PROTO_TCP;
	out->payload = r->p + r->off;
	out->payload_len = rd_left(r);
	out->payload_wire_len = wire - hl;
	return DECODE_SKIP_NONE;
}

/*
 * IEEE 802.2 LLC with a SNAP header, RFC 1042 (IP over IEEE 802 networks),
 * inside an 802.3 frame of `len` bytes:
 *   DSAP(8)=0xaa SSAP(8)=0xaa Control(8)=0x03 OUI(24)=0 EtherType(16) | payload
 * Any other LLC (spanning tree, CDP, NetBIOS) is not IP.
 */
static enum decode_skip decode_llc(struct walk *w, uint16_t len, struct rd *r)
{
	struct rd llc = take_upto(r, len);
	const uint8_t *h = rd_bytes(&llc, 6);
	uint16_t type = rd_u16(&llc);
	if (llc.err)
		return DECODE_SKIP_TRUNCATED;
	if (h[0] != 0xaa || h[1] != 0xaa || h[2] != 0x03 || h[3] || h[4] || h[5])
		return DECODE_SKIP_NOT_IP;
	return decode_ethertype(w, type, &llc);
}

/*
 * Ethernet II, IEEE 802.3 clause 3.2 / RFC 894:
 *   Destination(48) Source(48) EtherType(16) | payload
 * A type up to 0x05dc is an IEEE 802.3 length with 802.2 LLC behind it.
 */
static enum decode_skip decode_ether(struct walk *w, struct rd *r)
{
	rd_skip(r, 12);
	uint16_t type = rd_u16(r);
	if (r->err)
		return DECODE_SKIP_TRUNCATED;
	if (type <= ETHERTYPE_MAX_LENGTH)
		return decode_llc(w, type, r);
	return decode_ethertype(w, type, r);
}

/*
 * VXLAN header, RFC 7348 section 5, after UDP destination port 4789:
 *   Flags(8: R R R R I R R R) Reserved(24)
 *   VNI(24) Reserved(8) | inner Ethernet frame
 * The caller has checked the I flag.
 */
static enum decode_skip decode_vxlan(struct walk *w, struct rd *r)
{
	if (!rd_skip(r, 8))
		return DECODE_SKIP_TRUNCATED;
	if (!walk_enter_tunnel(w))
		return DECODE_SKIP_ENCAP_DEPTH;
	return decode_ether(w, r);
}

/*
 * Geneve header, RFC 8926 section 3.4, after UDP destination port 6081:
 *   Ver(2) Opt Len(6) O(1) C(1) Rsvd(6) Protocol Type(16)
 *   VNI(24) Reserved(8)
 *   Options (Opt Len * 4 bytes) | payload of Protocol Type (0x6558: Ethernet)
 * The caller has checked Ver is 0.
 */
static enum decode_skip decode_geneve(struct walk *w, struct rd *r)
{
	uint8_t opt_len = rd_u8(r) & 0x3f;
	rd_skip(r, 1);
	uint16_t proto = rd_u16(r);
	rd_skip(r, 4);
	rd_skip(r, (size_t)opt_len * 4);
	if (r->err)
		return DECODE_SKIP_TRUNCATED;
	if (!walk_enter_tunnel(w))
		return DECODE_SKIP_ENCAP_DEPTH;
	if (proto == ETHERTYPE_TEB)
		return decode_ether(w, r);
	return decode_ethertype(w, proto, r);
}

/* What an NSH or VXLAN-GPE Next Protocol announces. */
static enum decode_skip decode_nsh(struct walk *w, struct rd *r);
static enum decode_skip decode_next_proto(struct walk *w, uint8_t next, struct rd *r)
{
	switch (next) {
	case NEXT_PROTO_IPV4:
		return decode_ipv4(w, r);
	case NEXT_PROTO_IPV6:
		return decode_ipv6(w, r);
	case NEXT_PROTO_ETHERNET:
		return decode_ether(w, r);
	case NEXT_PROTO_NSH:
		return decode_nsh(w, r);
	case NEXT_PROTO_MPLS:
		return decode_mpls(w, r);
	default:
		return unsupported(w, DECODE_UNSUPPORTED_NSH, DECODE_SKIP_NOT_IP);
	}
}

/*
 * Network Service Header, RFC 8300 section 2 (EtherType 0x894f, or a
 * VXLAN-GPE / NSH Next Protocol of 4):
 *   Ver(2)=0 O(1) U(1) TTL(6) Length(6, 4-octet words, whole header)
 *   U(4) MD Type(4) Next Protocol(8)
 *   Service Path Identifier(24) Service Index(8)
 *   context headers (Length * 4 - 8 bytes) | payload of Next Protocol
 */
static enum decode_skip decode_nsh(struct walk *w, struct rd *r)
{
	uint8_t b0 = rd_u8(r);
	uint8_t b1 = rd_u8(r);
	rd_skip(r, 1);
	uint8_t next = rd_u8(r);
	if (r->err)
		return DECODE_SKIP_TRUNCATED;
	size_t len = (size_t)(b1 & 0x3f) * 4;
	if ((b0 >> 6) != 0 || len < 8)
		return unsupported(w, DECODE_UNSUPPORTED_NSH, DECODE_SKIP_NOT_IP);
	if (!rd_skip(r, len - 4))
		return DECODE_SKIP_TRUNCATED;
	if (!walk_enter_tunnel(w))
		return DECODE_SKIP_ENCAP_DEPTH;
	return decode_next_proto(w, next, r);
}

/*
 * VXLAN-GPE header, draft-ietf-nvo3-vxlan-gpe section 3.1, after UDP
 * destination port 4790:
 *   R(2) Ver(2) I(1) P(1) B(1) O(1) Reserved(16) Next Protocol(8)
 *   VNI(24) Reserved(8) | payload of Next Protocol (Ethernet when P is clear)
 * The caller has checked Ver is 0 and I is set.
 */
static enum decode_skip decode_vxlan_gpe(struct walk *w, struct rd *r)
{
	uint8_t flags = rd_u8(r);
	rd_skip(r, 2);
	uint8_t next = rd_u8(r);
	rd_skip(r, 4);
	if (r->err)
		return DECODE_SKIP_TRUNCATED;
	if (!walk_enter_tunnel(w))
		return DECODE_SKIP_ENCAP_DEPTH;
	return decode_next_proto(w, (flags & 0x04) ? next : NEXT_PROTO_ETHERNET, r);
}

/*
 * Teredo, RFC 4380 section 5.1.1, on UDP port 3544 (either end): an IPv6
 * packet, after at most one of each of
 *   Authentication: 0x0001 ID-len(8) AU-len(8) Client ID Authentication value
 *                   Nonce(64) Confirmation(8)
 *   Origin indication: 0x0000 Obfuscated port(16) Obfuscated address(32)
 * Only a datagram that holds a whole IPv6 header whose length fits is taken
 * as Teredo; false leaves r alone, for plain UDP to that port.
 */
static bool teredo_ipv6(struct rd *r)
{
	struct rd t = *r;
	bool ok;
	uint8_t first = peek_u8(&t, &ok);
	if (ok && first == 0x00) {
		struct rd peek = t;
		rd_skip(&peek, 1);
		if (rd_u8(&peek) == 0x01) {
			rd_skip(&t, 2);
			uint8_t id_len = rd_u8(&t);
			uint8_t au_len = rd_u8(&t);
			rd_skip(&t, (size_t)id_len + au_len + 9);
		}
	}
	first = peek_u8(&t, &ok);
	if (ok && first == 0x00) {
		struct rd peek = t;
		rd_skip(&peek, 1);
		if (rd_u8(&peek) == 0x00)
			rd_skip(&t, 8);
	}
	struct rd ip6 = t;
	uint32_t ver = rd_u32(&ip6) >> 28;
	uint16_t plen = rd_u16(&ip6);
	if (t.err || ip6.err || ver != 6 || (size_t)plen + 40 > rd_left(&t))
		return false;
	*r = t;
	return true;
}

/*
 * L2TPv2 header, RFC 2661 section 3.1, on UDP port 1701 (either end):
 *   T(1) L(1) x x S(1) x O(1) P(1) x x x x Ver(4)=2
 *   [Length(16)] if L; Tunnel ID(16) Session ID(16)
 *   [Ns(16) Nr(16)] if S; [Offset Size(16) Offset pad] if O
 *   | a PPP frame (data messages, T clear)
 * The caller has checked Ver is 2 and T is clear.
 */
static enum decode_skip decode_l2tp(struct walk *w, struct rd *r)
{
	uint16_t flags = rd_u16(r);
	if (flags & 0x4000)
		rd_skip(r, 2);
	rd_skip(r, 4);
	if (flags & 0x0800)
		rd_skip(r, 4);
	if (flags & 0x0200) {
		uint16_t pad = rd_u16(r);
		rd_skip(r, pad);
	}
	if (r->err)
		return DECODE_SKIP_TRUNCATED;
	if (!walk_enter_tunnel(w))
		return DECODE_SKIP_ENCAP_DEPTH;
	return decode_ppp_hdlc(w, r);
}

/*
 * GTP-U header, 3GPP TS 29.281 section 5.1, after UDP destination port 2152:
 *   Version(3)=1 PT(1)=1 Spare(1) E(1) S(1) PN(1) Message Type(8) Length(16)
 *   TEID(32)
 *   [Sequence Number(16) N-PDU Number(8) Next Extension Header Type(8)]  if E, S or PN
 *   extension headers (section 5.2), while the type before is not 0:
 *     Length(8, 4-octet units, itself included) Contents Next Extension Header Type(8)
 *   T-PDU (Length counts everything after TEID): IPv4 or IPv6 by version nibble
 * The caller has checked Version and PT. Mobile core captures carry all user
 * traffic this way.
 */
static enum decode_skip decode_gtpu(struct walk *w, struct rd *r)
{
	uint8_t flags = rd_u8(r);
	uint8_t type = rd_u8(r);
	uint16_t len = rd_u16(r);
	rd_skip(r, 4);
	if (r->err)
		return DECODE_SKIP_TRUNCATED;
	if (type != GTP_MSG_GPDU)
		return DECODE_SKIP_NOT_IP; /* echo, error indication, end marker */
	struct rd body = take_upto(r, len);
	if (flags & 0x07) {
		rd_skip(&body, 3);
		uint8_t next = rd_u8(&body);
		/* Each header is at least 4 bytes, and the cap is shared with IPv6's. */
		for (unsigned n = 0; next != 0 && !body.err; n++) {
			if (n == DECODE_MAX_IPV6_EXT_HEADERS)
				return DECODE_SKIP_NOT_IP;
			uint8_t units = rd_u8(&body);
			if (body.err)
				break;
			if (units == 0)
				return DECODE_SKIP_NOT_IP;
			rd_skip(&body, (size_t)units * 4 - 2);
			next = rd_u8(&body);
		}
		if (body.err)
			return DECODE_SKIP_TRUNCATED;
	}
	if (!walk_enter_tunnel(w))
		return DECODE_SKIP_ENCAP_DEPTH;
	bool ok;
	uint8_t first = peek_u8(&body, &ok);
	if (!ok)
		return DECODE_SKIP_TRUNCATED;
	switch (first >> 4) {
	case 4:
		return decode_ipv4(w, &body);
	case 6:
		return decode_ipv6(w, &body);
	default:
		return DECODE_SKIP_NOT_IP; /* 5G Ethernet or unstructured PDU sessions */
	}
}

/*
 * UDP header, RFC 768:
 *   Source Port(16) Destination Port(16) Length(16) Checksum(16) | data
 * Length covers header and data and may be shorter than the IP payload; 0 is
 * only legal in an IPv6 jumbogram (RFC 2675 section 4), where IP says it all.
 */
static enum decode_skip decode_udp(struct walk *w, struct rd *r, size_t wire)
{
	struct packet *out = w->out;

	if (wire < 8)
		return DECODE_SKIP_BAD_TCP_HEADER;
	uint16_t sport = rd_u16(r);
	uint16_t dport = rd_u16(r);
	uint16_t len = rd_u16(r);
	rd_skip(r, 2);
	if (r->err)
		return DECODE_SKIP_TRUNCATED;
	if (len != 0) {
		if (len < 8 || len > wire)
			return DECODE_SKIP_BAD_TCP_HEADER;
		wire = len;
	}
	struct rd data = take_upto(r, wire - 8);

	/* A tunnel port whose first byte does not fit is just UDP to that port. */
	if (dport == UDP_PORT_VXLAN || dport == UDP_PORT_GENEVE || dport == UDP_PORT_GTPU) {
		bool ok;
		uint8_t first = peek_u8(&data, &ok);
		if (!ok)
			return DECODE_SKIP_TRUNCATED;
		if (dport == UDP_PORT_VXLAN && (first & 0x08))
			return decode_vxlan(w, &data);
		if (dport == UDP_PORT_GENEVE && (first >> 6) == 0)
			return decode_geneve(w, &data);
		if (dport == UDP_PORT_GTPU && (first & 0xf0) == 0x30)
			return decode_gtpu(w, &data);
	}
	if (dport == UDP_PORT_VXLAN_GPE) {
		bool ok;
		uint8_t first = peek_u8(&data, &ok);
		if (ok && (first & 0x38) == 0x08)
			return decode_vxlan_gpe(w, &data);
	}
	if (sport == UDP_PORT_TEREDO || dport == UDP_PORT_TEREDO) {
		if (teredo_ipv6(&data)) {
			if (!walk_enter_tunnel(w))
				return DECODE_SKIP_ENCAP_DEPTH;
			return decode_ipv6(w, &data);
		}
	}
	if (sport == UDP_PORT_L2TP || dport == UDP_PORT_L2TP) {
		struct rd peek = data;
		uint16_t flags = rd_u16(&peek);
		if (!peek.err && (flags & 0x000f) == 2 && !(flags & 0x8000))
			return decode_l2tp(w, &data);
		if (!peek.err && (flags & 0x000f) == 3)
			return unsupported(w, DECODE_UNSUPPORTED_L2TPV3, DECODE_SKIP_NOT_IP);
	}
	out->sport = sport;
	out->dport = dport;
	out->ip_proto = PROTO_UDP;
	out->payload = data.p + data.off;
	out->payload_len = rd_left(&data);
	out->payload_wire_len = wire - 8;
	return DECODE_SKIP_NONE;
}

/*
 * GRE header, RFC 2784 section 2.1 with the key and sequence fields of
 * RFC 2890 section 2:
 *   C(1) R(1) K(1) S(1) Reserved0(9) Ver(3) Protocol Type(16)
 *   [Checksum(16) Reserved1(16)]  if C
 *   [Key(32)]                     if K
 *   [Sequence Number(32)]         if S
 *   payload of Protocol Type (an EtherType; 0x6558: Ethernet)
 * Version 1 is PPTP's enhanced GRE (RFC 2637 section 4.1), carrying PPP:
 *   C(1)=0 R(1)=0 K(1)=1 S(1) s(1)=0 Recur(3) A(1) Flags(4) Ver(3)=1
 *   Protocol Type(16)=0x880b Payload Length(16) Call ID(16)
 *   [Sequence Number(32)] if S; [Acknowledgment Number(32)] if A | PPP frame
 * R is RFC 1701 source routing, which RFC 2784 dropped: not followed.
 * ERSPAN (draft-foschiano-erspan) mirrors an Ethernet frame after GRE:
 *   type I (0x88be, S clear): the frame follows at once
 *   type II (0x88be, S set): Ver(4)=1 VLAN(12) COS(3) En(2) T(1) Session ID(10)
 *                            Reserved(12) Index(20) | frame
 *   type III (0x22eb): Ver(4)=2 VLAN(12) COS(3) BSO(2) T(1) Session ID(10)
 *                      Timestamp(32) SGT(16) P(1) FT(5) Hw ID(6) D(1) Gra(2) O(1)
 *                      [platform specific subheader(64)] if O | frame (FT 0: Ethernet)
 */
static enum decode_skip decode_gre(struct walk *w, struct rd *r)
{
	uint16_t flags_ver = rd_u16(r);
	uint16_t proto = rd_u16(r);
	if (r->err)
		return DECODE_SKIP_TRUNCATED;
	if (flags_ver & 0x4000)
		return unsupported(w, DECODE_UNSUPPORTED_GRE_ROUTING, DECODE_SKIP_NOT_IP);
	if ((flags_ver & 0x0007) == 1 && proto == ETHERTYPE_PPP) {
		rd_skip(r, 4); /* payload length, call ID */
		if (flags_ver & 0x1000)
			rd_skip(r, 4);
		if (flags_ver & 0x0080)
			rd_skip(r, 4);
		if (r->err)
			return DECODE_SKIP_TRUNCATED;
		return decode_ppp_hdlc(w, r);
	}
	if ((flags_ver & 0x0007) != 0)
		return unsupported(w, DECODE_UNSUPPORTED_GRE_VERSION, DECODE_SKIP_NOT_IP);
	if (flags_ver & 0x8000)
		rd_skip(r, 4);
	if (flags_ver & 0x2000)
		rd_skip(r, 4);
	if (flags_ver & 0x1000)
		rd_skip(r, 4);
	if (r->err)
		return DECODE_SKIP_TRUNCATED;
	switch (proto) {
	case ETHERTYPE_TEB:
		return decode_ether(w, r);
	case ETHERTYPE_ERSPAN_2: {
		if (!(flags_ver & 0x1000))
			return decode_ether(w, r); /* type I */
		uint8_t ver = rd_u8(r) >> 4;
		rd_skip(r, 7);
		if (r->err)
			return DECODE_SKIP_TRUNCATED;
		if (ver != 1)
			return unsupported(w, DECODE_UNSUPPORTED_ERSPAN, DECODE_SKIP_NOT_IP);
		return decode_ether(w, r);
	}
	case ETHERTYPE_ERSPAN_3: {
		uint8_t ver = rd_u8(r) >> 4;
		rd_skip(r, 9);
		uint8_t ft = (uint8_t)(rd_u8(r) >> 2 & 0x1f);
		uint8_t last = rd_u8(r);
		if (last & 0x01)
			rd_skip(r, 8);
		if (r->err)
			return DECODE_SKIP_TRUNCATED;
		if (ver != 2 || ft != 0)
			return unsupported(w, DECODE_UNSUPPORTED_ERSPAN, DECODE_SKIP_NOT_IP);
		return decode_ether(w, r);
	}
	case ETHERTYPE_CISCO_METADATA:
		return DECODE_SKIP_NOT_IP; /* GRE's form of it differs from Ethernet's */
	default:
		return decode_ethertype(w, proto, r);
	}
}

/* What follows an IP header (or its IPv6 extension headers). */
static enum decode_skip decode_ip_proto(struct walk *w, uint8_t proto, struct rd *r, size_t wire)
{
	switch (proto) {
	case PROTO_TCP:
		return decode_tcp(w, r, wire);
	case PROTO_UDP:
		return decode_udp(w, r, wire);
	case PROTO_IPIP: /* RFC 2003 */
		if (!walk_enter_tunnel(w))
			return DECODE_SKIP_ENCAP_DEPTH;
		return decode_ipv4(w, r);
	case PROTO_IPV6: /* RFC 4213 section 3.5, and IPv6-in-IPv6 (RFC 2473) */
		if (!walk_enter_tunnel(w))
			return DECODE_SKIP_ENCAP_DEPTH;
		return decode_ipv6(w, r);
	case PROTO_GRE:
		if (!walk_enter_tunnel(w))
			return DECODE_SKIP_ENCAP_DEPTH;
		return decode_gre(w, r);
	case PROTO_ESP:
		return unsupported(w, DECODE_UNSUPPORTED_IPSEC_ESP, DECODE_SKIP_NOT_TCP_UDP);
	case PROTO_L2TPV3:
		return unsupported(w, DECODE_UNSUPPORTED_L2TPV3, DECODE_SKIP_NOT_TCP_UDP);
	default:
		return DECODE_SKIP_NOT_TCP_UDP;
	}
}

/*
 * IPv4 header, RFC 791 section 3.1:
 *   Version(4) IHL(4) TOS(8) Total Length(16)
 *   Identification(16) Flags(3: 0 DF MF) Fragment Offset(13)
 *   TTL(8) Protocol(8) Header Checksum(16)
 *   Source Address(32)
 *   Destination Address(32)
 *   Options (IHL * 4 - 20) | payload (Total Length - IHL * 4)
 */
static enum decode_skip decode_ipv4(struct walk *w, struct rd *r)
{
	uint8_t ver_ihl = rd_u8(r);
	rd_skip(r, 1);
	uint16_t total = rd_u16(r);
	rd_skip(r, 2);
	uint16_t frag = rd_u16(r);
	rd_skip(r, 1);
	uint8_t proto = rd_u8(r);
	rd_skip(r, 2); /* checksum: offload leaves it wrong in captures, so it is not checked */
	const uint8_t *src = rd_bytes(r, 4);
	const uint8_t *dst = rd_bytes(r, 4);
	if (r->err)
		return DECODE_SKIP_TRUNCATED;
	size_t hl = (size_t)(ver_ihl & 0x0f) * 4;
	if ((ver_ihl >> 4) != 4 || hl < 20)
		return DECODE_SKIP_BAD_IP_HEADER;
	/* Total Length 0 is what Linux GSO (BIG TCP) hands to the capture for
	 * packets over 64 KiB; like Zeek, take the captured bytes then. */
	if (total != 0 && total < hl)
		return DECODE_SKIP_BAD_IP_HEADER;
	if (!rd_skip(r, hl - 20))
		return DECODE_SKIP_TRUNCATED;
	if ((frag & 0x2000) || (frag & 0x1fff))
		return DECODE_SKIP_IP_FRAGMENT;
	addr_set_v4(&w->out->src, src);
	addr_set_v4(&w->out->dst, dst);
	size_t wire = wire_len(w, r, total != 0 ? total - hl : rd_left(r));
	struct rd body = take_upto(r, wire);
	return decode_ip_proto(w, proto, &body, wire);
}

/*
 * IPv6 header, RFC 8200 section 3:
 *   Version(4) Traffic Class(8) Flow Label(20)
 *   Payload Length(16) Next Header(8) Hop Limit(8)
 *   Source Address(128)
 *   Destination Address(128) | extension headers, upper layer
 * Extension headers followed (at most DECODE_MAX_IPV6_EXT_HEADERS):
 *   Hop-by-Hop, Routing, Destination Options (RFC 8200 sections 4.3-4.6):
 *     Next Header(8) Hdr Ext Len(8, 8-octet units after the first 8) data
 *   Fragment (RFC 8200 section 4.5):
 *     Next Header(8) Reserved(8) Fragment Offset(13) Res(2) M(1) Identification(32)
 *   AH (RFC 4302 section 2):
 *     Next Header(8) Payload Len(8, 4-octet units minus 2) ...
 */
static enum decode_skip decode_ipv6(struct walk *w, struct rd *r)
{
	uint32_t ver_tc_flow = rd_u32(r);
	uint16_t plen = rd_u16(r);
	uint8_t next = rd_u8(r);
	rd_skip(r, 1);
	const uint8_t *src = rd_bytes(r, 16);
	const uint8_t *dst = rd_bytes(r, 16);
	if (r->err)
		return DECODE_SKIP_TRUNCATED;
	if ((ver_tc_flow >> 28) != 6)
		return DECODE_SKIP_BAD_IP_HEADER;
	addr_set_v6(&w->out->src, src);
	addr_set_v6(&w->out->dst, dst);
	/* Payload Length 0: a jumbogram (RFC 2675) or Linux BIG TCP; take the captured bytes. */
	size_t wire = wire_len(w, r, plen != 0 ? plen : rd_left(r));
	struct rd body = take_upto(r, wire);

	for (unsigned n = 0;; n++) {
		if (next != PROTO_HOPOPTS && next != PROTO_ROUTING && next != PROTO_DSTOPTS &&
		    next != PROTO_FRAGMENT && next != PROTO_AH)
			break;
		/* No skip reason of its own: an endless chain is treated as a bad header. */
		if (n == DECODE_MAX_IPV6_EXT_HEADERS)
			return DECODE_SKIP_BAD_IP_HEADER;
		struct rd peek = body;
		rd_skip(&peek, 1);
		uint8_t ext_len = rd_u8(&peek);
		if (peek.err)
			return DECODE_SKIP_TRUNCATED;
		size_t hl;
		if (next == PROTO_FRAGMENT)
			hl = 8;
		else if (next == PROTO_AH)
			hl = ((size_t)ext_len + 2) * 4;
		else
			hl = ((size_t)ext_len + 1) * 8;
		if (hl > wire)
			return DECODE_SKIP_BAD_IP_HEADER;
		struct rd ext = rd_sub(&body, hl);
		uint8_t ext_next = rd_u8(&ext);
		if (next == PROTO_FRAGMENT) {
			rd_skip(&ext, 1);
			uint16_t off_m = rd_u16(&ext);
			/* Offset 0 and M clear is an atomic fragment (RFC 6946): whole. */
			if (!ext.err && (off_m & 0xfff9) != 0)
				return DECODE_SKIP_IP_FRAGMENT;
		}
		if (ext.err)
			return DECODE_SKIP_TRUNCATED;
		wire -= hl;
		next = ext_next;
	}
	return decode_ip_proto(w, next, &body, wire);
}

/*
 * MPLS label stack entry, RFC 3032 section 2.1:
 *   Label(20) TC(3) S(1) TTL(8)
 * repeated until S (bottom of stack). Nothing names the payload: the first
 * nibble says IPv4 or IPv6, and 0 is the pseudowire control word of RFC 4385
 * section 3 (0000 Flags(4) FRG(2) Length(6) Sequence(16)) before an Ethernet
 * frame (RFC 4448), the guess tcpdump and Suricata make too.
 */
static enum decode_skip decode_mpls(struct walk *w, struct rd *r)
{
	uint32_t entry;
	do {
		if (!walk_enter(w))
			return DECODE_SKIP_ENCAP_DEPTH;
		entry = rd_u32(r);
		if (r->err)
			return DECODE_SKIP_TRUNCATED;
	} while (!(entry & 0x100));
	bool ok;
	uint8_t first = peek_u8(r, &ok);
	if (!ok)
		return DECODE_SKIP_TRUNCATED;
	switch (first >> 4) {
	case 4:
		return decode_ipv4(w, r);
	case 6:
		return decode_ipv6(w, r);
	case 0:
		if (!rd_skip(r, 4))
			return DECODE_SKIP_TRUNCATED;
		return decode_ether(w, r);
	default:
		return DECODE_SKIP_NOT_IP;
	}
}

/*
 * PPP protocol field, RFC 1661 section 2; one byte when Protocol-Field-
 * Compression (section 6.5) is on, which an odd first byte gives away:
 *   Protocol(8 or 16) | information
 */
static enum decode_skip decode_ppp_proto(struct walk *w, struct rd *r)
{
	bool ok;
	uint8_t first = peek_u8(r, &ok);
	if (!ok)
		return DECODE_SKIP_TRUNCATED;
	uint16_t proto = (first & 1) ? rd_u8(r) : rd_u16(r);
	if (r->err)
		return DECODE_SKIP_TRUNCATED;
	switch (proto) {
	case PPP_PROTO_IPV4:
		return decode_ipv4(w, r);
	case PPP_PROTO_IPV6:
		return decode_ipv6(w, r);
	case PPP_PROTO_COMPRESSED:
	case PPP_PROTO_COMPRESSED_LINK:
		return unsupported(w, DECODE_UNSUPPORTED_PPP_COMPRESSED, DECODE_SKIP_NOT_IP);
	default:
		return DECODE_SKIP_NOT_IP; /* LCP, IPCP, CCP, ... */
	}
}

/*
 * PPPoE session stage, RFC 2516 section 4 (EtherType 0x8864, or the whole
 * frame for DLT_PPP_ETHER):
 *   Ver(4)=1 Type(4)=1 Code(8)=0 Session ID(16) Length(16) | PPP frame (Length bytes)
 */
static enum decode_skip decode_pppoe(struct walk *w, struct rd *r)
{
	uint8_t ver_type = rd_u8(r);
	uint8_t code = rd_u8(r);
	rd_skip(r, 2);
	uint16_t len = rd_u16(r);
	if (r->err)
		return DECODE_SKIP_TRUNCATED;
	if (ver_type != 0x11 || code != 0)
		return DECODE_SKIP_NOT_IP;
	struct rd ppp = take_upto(r, len);
	return decode_ppp_proto(w, &ppp);
}

/*
 * PPP as DLT_PPP / DLT_PPP_SERIAL capture it (https://www.tcpdump.org/linktypes.html):
 *   [Address(8)=0xff Control(8)=0x03]  RFC 1662 section 3.1, absent under ACFC
 *   Protocol | information             as decode_ppp_proto
 * or Cisco HDLC (RFC 1547 section 4.3.1, also DLT_C_HDLC):
 *   Address(8)=0x0f or 0x8f Control(8)=0x00 EtherType(16) | payload
 * Neither 0x0f nor 0x8f is a protocol byte we decode, so the forms never clash.
 */
static enum decode_skip decode_ppp_hdlc(struct walk *w, struct rd *r)
{
	struct rd peek = *r;
	uint8_t address = rd_u8(&peek);
	uint8_t control = rd_u8(&peek);
	if (!peek.err && address == 0xff && control == 0x03) {
		rd_skip(r, 2);
		return decode_ppp_proto(w, r);
	}
	if (!peek.err && (address == 0x0f || address == 0x8f) && control == 0x00) {
		rd_skip(r, 2);
		uint16_t type = rd_u16(r);
		if (r->err)
			return DECODE_SKIP_TRUNCATED;
		return decode_ethertype(w, type, r);
	}
	return decode_ppp_proto(w, r);
}

/*
 * What an EtherType announces. Tags that end in another EtherType are peeled
 * here, each one nesting level (which also ends a frame of endless tags):
 *   802.1Q / 802.1ad (IEEE 802.1Q section 9.6), TPID 0x8100, 0x88a8 or 0x9100:
 *     PCP(3) DEI(1) VID(12) EtherType(16)
 *   Cisco MetaData (0x8909; as Wireshark's packet-cisco-metadata.c reads it):
 *     Version(8) Length(8) Option type/length(16) SGT(16) EtherType(16)
 * 802.1ah (PBB, 0x88e7, IEEE 802.1Q section 9.7) is a tag before a whole
 * customer Ethernet frame:
 *   PCP(3) DEI(1) UCA(1) Res(3) I-SID(24) | C-DA(48) C-SA(48) EtherType(16)
 */
static enum decode_skip decode_ethertype(struct walk *w, uint16_t type, struct rd *r)
{
	while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_9100 ||
	       type == ETHERTYPE_CISCO_METADATA) {
		if (!walk_enter(w))
			return DECODE_SKIP_ENCAP_DEPTH;
		rd_skip(r, type == ETHERTYPE_CISCO_METADATA ? 6 : 2);
		type = rd_u16(r);
		if (r->err)
			return DECODE_SKIP_TRUNCATED;
	}
	switch (type) {
	case ETHERTYPE_IPV4:
		return decode_ipv4(w, r);
	case ETHERTYPE_IPV6:
		return decode_ipv6(w, r);
	case ETHERTYPE_PPPOE_SESSION:
		return decode_pppoe(w, r);
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MULTICAST:
		return decode_mpls(w, r);
	case ETHERTYPE_NSH:
		return decode_nsh(w, r);
	case ETHERTYPE_PBB:
		if (!walk_enter(w))
			return DECODE_SKIP_ENCAP_DEPTH;
		if (!rd_skip(r, 4))
			return DECODE_SKIP_TRUNCATED;
		return decode_ether(w, r);
	case ETHERTYPE_MACSEC:
		return unsupported(w, DECODE_UNSUPPORTED_MACSEC, DECODE_SKIP_NOT_IP);
	default:
		return DECODE_SKIP_NOT_IP; /* ARP, LLDP, PPPoE discovery, ... */
	}
}

/*
 * Linux cooked capture v1, https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html:
 *   Packet Type(16) ARPHRD Type(16) Address Length(16) Address(64) Protocol(16) | payload
 * Protocol is an EtherType for the link types that carry IP (for ARPHRD_IPGRE
 * a GRE protocol type, which is one too); the rest fall out as not IP.
 */
static enum decode_skip decode_sll(struct walk *w, struct rd *r)
{
	rd_skip(r, 14);
	uint16_t proto = rd_u16(r);
	if (r->err)
		return DECODE_SKIP_TRUNCATED;
	return decode_ethertype(w, proto, r);
}

/*
 * Linux cooked capture v2, https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html:
 *   Protocol(16) Reserved(16) Interface Index(32) ARPHRD Type(16)
 *   Packet Type(8) Address Length(8) Address(64) | payload
 */
static enum decode_skip decode_sll2(struct walk *w, struct rd *r)
{
	uint16_t proto = rd_u16(r);
	rd_skip(r, 18);
	if (r->err)
		return DECODE_SKIP_TRUNCATED;
	return decode_ethertype(w, proto, r);
}

/*
 * BSD loopback, https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html:
 *   Family(32) | IP packet
 * in the capturing host's byte order for DLT_NULL, big-endian for DLT_LOOP.
 * That host may not be this one, so, as tcpdump does, the order that leaves
 * the upper half zero wins; that reads DLT_LOOP right as well.
 */
static enum decode_skip decode_null(struct walk *w, struct rd *r)
{
	const uint8_t *b = rd_bytes(r, 4);
	if (!b)
		return DECODE_SKIP_TRUNCATED;
	uint32_t family = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	if (family & 0xffff0000u)
		family = (uint32_t)b[3] | (uint32_t)b[2] << 8 | (uint32_t)b[1] << 16 | (uint32_t)b[0] << 24;
	switch (family) {
	case BSD_AF_INET:
		return decode_ipv4(w, r);
	case BSD_AF_INET6_BSD:
	case BSD_AF_INET6_FREEBSD:
	case BSD_AF_INET6_DARWIN:
		return decode_ipv6(w, r);
	default:
		return DECODE_SKIP_NOT_IP;
	}
}

/* Raw IP (DLT_RAW): the version nibble is all there is to go by. */
static enum decode_skip decode_raw(struct walk *w, struct rd *r)
{
	bool ok;
	uint8_t first = peek_u8(r, &ok);
	if (!ok)
		return DECODE_SKIP_TRUNCATED;
	switch (first >> 4) {
	case 4:
		return decode_ipv4(w, r);
	case 6:
		return decode_ipv6(w, r);
	default:
		return DECODE_SKIP_BAD_IP_HEADER;
	}
}

enum decode_skip decode_frame(int dlt, const uint8_t *frame, size_t caplen, struct packet *out)
{
	/* ts_ns belongs to the caller; everything after it is ours to reset. */
	memset((char *)out + offsetof(struct packet, src), 0, sizeof(*out) - offsetof(struct packet, src));
	struct walk w = {out, frame ? frame + caplen : NULL, 0};
	struct rd r = rd_init(frame, caplen);

	switch (dlt) {
	case DLT_EN10MB:
		return decode_ether(&w, &r);
	case DLT_LINUX_SLL:
		return decode_sll(&w, &r);
	case DLT_LINUX_SLL2:
		return decode_sll2(&w, &r);
	case DLT_NULL:
	case DLT_LOOP:
		return decode_null(&w, &r);
	case DLT_RAW:
#if DLT_RAW != 14 && DLT_PPP_BSDOS != 14 && DLT_LOOP != 14
	case 14: /* BSD/OS and OpenBSD's DLT_RAW, met in captures from there */
#endif
#if DLT_RAW != 12 && DLT_LOOP != 12
	case 12: /* DLT_RAW everywhere but OpenBSD */
#endif
		return decode_raw(&w, &r);
	case DLT_IPV4:
		return decode_ipv4(&w, &r);
	case DLT_IPV6:
		return decode_ipv6(&w, &r);
	case DLT_PPP:
	case DLT_PPP_SERIAL:
	case DLT_C_HDLC:
		return decode_ppp_hdlc(&w, &r);
	case DLT_PPP_ETHER:
		return decode_pppoe(&w, &r);
	default:
		return DECODE_SKIP_LINK_TYPE;
	}
}

bool decode_link_supported(int dlt)
{
	/* One list of link types: the switch above. An empty frame of a known
	 * type is merely truncated. */
	struct packet scratch;
	return decode_frame(dlt, NULL, 0, &scratch) != DECODE_SKIP_LINK_TYPE;
}

const char *decode_skip_name(enum decode_skip reason)
{
	switch (reason) {
	case DECODE_SKIP_NONE:
		return "none";
	case DECODE_SKIP_TRUNCATED:
		return "truncated";
	case DECODE_SKIP_NOT_IP:
		return "not_ip";
	case DECODE_SKIP_NOT_TCP_UDP:
		return "not_tcp_udp";
	case DECODE_SKIP_IP_FRAGMENT:
		return "ip_fragment";
	case DECODE_SKIP_BAD_IP_HEADER:
		return "bad_ip_header";
	case DECODE_SKIP_BAD_TCP_HEADER:
		return "bad_tcp_header";
	case DECODE_SKIP_ENCAP_DEPTH:
		return "encap_depth";
	case DECODE_SKIP_LINK_TYPE:
		return "link_type";
	case DECODE_SKIP_COUNT:
		break;
	}
	return "unknown";
}

const char *decode_unsupported_name(enum decode_unsupported what)
{
	switch (what) {
	case DECODE_UNSUPPORTED_NONE:
		return "none";
	case DECODE_UNSUPPORTED_L2TPV3:
		return "l2tpv3";
	case DECODE_UNSUPPORTED_IPSEC_ESP:
		return "ipsec_esp";
	case DECODE_UNSUPPORTED_MACSEC:
		return "macsec";
	case DECODE_UNSUPPORTED_GRE_ROUTING:
		return "gre_source_routing";
	case DECODE_UNSUPPORTED_GRE_VERSION:
		return "gre_version";
	case DECODE_UNSUPPORTED_ERSPAN:
		return "erspan_other";
	case DECODE_UNSUPPORTED_NSH:
		return "nsh_next_protocol";
	case DECODE_UNSUPPORTED_PPP_COMPRESSED:
		return "ppp_compressed";
	case DECODE_UNSUPPORTED_COUNT:
		break;
	}
	return "unknown";
}

const char *ts_addr_format(const struct ts_addr *a, char *buf, size_t buflen)
{
	if (!buf || buflen == 0)
		return "";
	socklen_t n = buflen < INET6_ADDRSTRLEN ? (socklen_t)buflen : INET6_ADDRSTRLEN;
	const char *s = NULL;
	if (a && a->family == 4)
		s = inet_ntop(AF_INET, a->bytes + 12, buf, n);
	else if (a && a->family == 6)
		s = inet_ntop(AF_INET6, a->bytes, buf, n); /* glibc and the BSDs follow RFC 5952 */
	if (!s)
		snprintf(buf, buflen, "?");
	return buf;
}
