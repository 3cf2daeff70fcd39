/*
 * test_decode.c - decode_frame() on frames built here byte by byte, on every
 * truncation of them, and on real captures from ../shared/corpus/public.
 *
 * Each frame handed to the decoder is copied into a heap buffer of exactly
 * caplen bytes, so AddressSanitizer sees any read past the capture.
 */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "decode.h"
#include "ts_limits.h"

/* ---- frame builder ---------------------------------------------------- */

/* Length fields that cover "everything after me", patched by fb_finish(). */
enum fix_kind { FIX_IPV4_TOTAL, FIX_IPV6_PLEN, FIX_UDP_LEN, FIX_PPPOE_LEN };

struct fb {
	uint8_t b[2048];
	size_t len;
	size_t fix_off[32];
	enum fix_kind fix_kind[32];
	unsigned nfix;
};

static void fb_reset(struct fb *f)
{
	f->len = 0;
	f->nfix = 0;
}

static void put8(struct fb *f, unsigned v)
{
	if (f->len >= sizeof(f->b)) {
		fprintf(stderr, "frame builder overflow\n");
		abort();
	}
	f->b[f->len++] = (uint8_t)v;
}

static void put16(struct fb *f, unsigned v)
{
	put8(f, v >> 8);
	put8(f, v);
}

static void put32(struct fb *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

static void put_zeros(struct fb *f, size_t n)
{
	while (n--)
		put8(f, 0);
}

static void put_str(struct fb *f, const char *s)
{
	while (*s)
		put8(f, (uint8_t)*s++);
}

static void set16(struct fb *f, size_t off, unsigned v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

static void fixup(struct fb *f, enum fix_kind kind)
{
	f->fix_off[f->nfix] = f->len;
	f->fix_kind[f->nfix] = kind;
	f->nfix++;
}

/* Every pending length now runs to the current end of the frame. */
static void fb_finish(struct fb *f)
{
	for (unsigned i = 0; i < f->nfix; i++) {
		size_t off = f->fix_off[i];
		switch (f->fix_kind[i]) {
		case FIX_IPV4_TOTAL:
			set16(f, off + 2, (unsigned)(f->len - off));
			break;
		case FIX_IPV6_PLEN:
			set16(f, off + 4, (unsigned)(f->len - off - 40));
			break;
		case FIX_UDP_LEN:
			set16(f, off + 4, (unsigned)(f->len - off));
			break;
		case FIX_PPPOE_LEN:
			set16(f, off + 4, (unsigned)(f->len - off - 6));
			break;
		}
	}
	f->nfix = 0;
}

static void eth(struct fb *f, unsigned type)
{
	static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02};
	for (size_t i = 0; i < sizeof(macs); i++)
		put8(f, macs[i]);
	put16(f, type);
}

/* An 802.1Q tag body after a TPID: TCI, then the next EtherType. */
static void tag(struct fb *f, unsigned vid, unsigned next)
{
	put16(f, vid);
	put16(f, next);
}

static void put_v4(struct fb *f, const char *s)
{
	uint8_t a[4];
	if (inet_pton(AF_INET, s, a) != 1)
		abort();
	for (int i = 0; i < 4; i++)
		put8(f, a[i]);
}

static void put_v6(struct fb *f, const char *s)
{
	uint8_t a[16];
	if (inet_pton(AF_INET6, s, a) != 1)
		abort();
	for (int i = 0; i < 16; i++)
		put8(f, a[i]);
}

/* IPv4 with IHL `ihl`; the options are NOPs ended by EOL. */
static void ipv4_ihl(struct fb *f, unsigned proto, const char *src, const char *dst, unsigned ihl)
{
	fixup(f, FIX_IPV4_TOTAL);
	put8(f, 0x40 | ihl);
	put8(f, 0);
	put16(f, 0); /* total length, patched */
	put16(f, 0x1234);
	put16(f, 0x4000); /* DF */
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put_v4(f, src);
	put_v4(f, dst);
	for (unsigned i = 20; i < ihl * 4; i++)
		put8(f, i + 1 == ihl * 4 ? 0 : 1);
}

static void ipv4(struct fb *f, unsigned proto, const char *src, const char *dst)
{
	ipv4_ihl(f, proto, src, dst, 5);
}

static void ipv6(struct fb *f, unsigned next, const char *src, const char *dst)
{
	fixup(f, FIX_IPV6_PLEN);
	put32(f, 0x60012345);
	put16(f, 0); /* payload length, patched */
	put8(f, next);
	put8(f, 64);
	put_v6(f, src);
	put_v6(f, dst);
}

static void tcp_full(struct fb *f, unsigned sport, unsigned dport, uint32_t seq, uint32_t ack, unsigned flags,
                     unsigned window, unsigned doff)
{
	put16(f, sport);
	put16(f, dport);
	put32(f, seq);
	put32(f, ack);
	put8(f, doff << 4);
	put8(f, flags);
	put16(f, window);
	put16(f, 0);
	put16(f, 0);
	for (unsigned i = 20; i < doff * 4; i++)
		put8(f, 1); /* NOP options */
}

static void tcp(struct fb *f, unsigned sport, unsigned dport)
{
	tcp_full(f, sport, dport, 0x01020304, 0x05060708, TCP_PSH | TCP_ACK, 0xfaf0, 5);
}

static void udp(struct fb *f, unsigned sport, unsigned dport)
{
	fixup(f, FIX_UDP_LEN);
	put16(f, sport);
	put16(f, dport);
	put16(f, 0); /* length, patched */
	put16(f, 0);
}

static void pppoe_session(struct fb *f, unsigned ppp_proto)
{
	fixup(f, FIX_PPPOE_LEN);
	put8(f, 0x11);
	put8(f, 0);
	put16(f, 0x0042);
	put16(f, 0); /* length, patched */
	put16(f, ppp_proto);
}

/* ---- running the decoder ---------------------------------------------- */

struct result {
	enum decode_skip skip;
	struct packet p;
	size_t payload_off; /* payload - frame, when skip is NONE */
};

/* Decode the first caplen bytes of f from an exact-size heap copy. */
static struct result run_n(int dlt, const struct fb *f, size_t caplen)
{
	struct result res;
	uint8_t *copy = malloc(caplen ? caplen : 1);
	if (!copy)
		abort();
	memcpy(copy, f->b, caplen);
	res.p.ts_ns = 42;
	res.skip = decode_frame(dlt, copy, caplen, &res.p);
	res.payload_off = 0;
	CHECK_EQ(res.p.ts_ns, 42); /* the caller's field is left alone */
	if (res.skip == DECODE_SKIP_NONE) {
		uintptr_t base = (uintptr_t)copy, pl = (uintptr_t)res.p.payload;
		CHECK(pl >= base && pl + res.p.payload_len <= base + caplen);
		CHECK(res.p.payload_len <= res.p.payload_wire_len);
		res.payload_off = (size_t)(pl - base);
	}
	res.p.payload = NULL; /* the copy is gone */
	free(copy);
	return res;
}

static struct result run(int dlt, const struct fb *f)
{
	return run_n(dlt, f, f->len);
}

static const char *fmt(const struct ts_addr *a)
{
	static char bufs[4][64];
	static unsigned i;
	char *b = bufs[i++ % 4];
	return ts_addr_format(a, b, 64);
}

#define CHECK_FLOW(res, s, d, sp, dp, proto)                                                                 \
	do {                                                                                                 \
		CHECK_STR(decode_skip_name((res).skip), "none");                                             \
		CHECK_STR(fmt(&(res).p.src), (s));                                                           \
		CHECK_STR(fmt(&(res).p.dst), (d));                                                           \
		CHECK_EQ((res).p.sport, (sp));                                                               \
		CHECK_EQ((res).p.dport, (dp));                                                               \
		CHECK_EQ((res).p.ip_proto, (proto));                                                         \
	} while (0)

#define CHECK_SKIP(res, reason) CHECK_STR(decode_skip_name((res).skip), decode_skip_name(reason))

/*
 * Every caplen short of the whole frame: no crash (ASan would say), and
 * either a skip or the same packet with a shorter payload.
 */
static void sweep_truncations(int dlt, const struct fb *f)
{
	struct result full = run(dlt, f);
	CHECK_SKIP(full, DECODE_SKIP_NONE);
	size_t payload_end = full.payload_off + full.p.payload_len;
	for (size_t caplen = 0; caplen < f->len; caplen++) {
		struct result r = run_n(dlt, f, caplen);
		if (r.skip != DECODE_SKIP_NONE)
			continue;
		bool shorter = r.p.payload_len < full.p.payload_len;
		bool only_trailer_cut = caplen >= payload_end && r.p.payload_len == full.p.payload_len;
		CHECK(shorter || only_trailer_cut);
		CHECK_EQ(r.payload_off, full.payload_off);
		CHECK_EQ(r.p.payload_wire_len, full.p.payload_wire_len);
		CHECK_EQ(r.p.sport, full.p.sport);
		CHECK_EQ(r.p.dport, full.p.dport);
		CHECK(memcmp(&r.p.src, &full.p.src, sizeof(r.p.src)) == 0);
		CHECK_EQ(r.p.encap_depth, full.p.encap_depth);
	}
}

/* ---- frames shared by the positive tests and the truncation sweep ----- */

static void build_eth_ipv4_tcp(struct fb *f)
{
	fb_reset(f);
	eth(f, 0x0800);
	ipv4(f, 6, "192.0.2.1", "198.51.100.2");
	tcp(f, 49152, 443);
	put_str(f, "hello");
	fb_finish(f);
}

static void build_qinq_pppoe_ipv6_udp(struct fb *f)
{
	fb_reset(f);
	eth(f, 0x88a8);
	tag(f, 100, 0x8100);
	tag(f, 200, 0x8864);
	pppoe_session(f, 0x0057);
	ipv6(f, 17, "2001:db8::1", "2001:db8::2");
	udp(f, 5353, 443);
	put_str(f, "quic");
	fb_finish(f);
}

static void build_vxlan(struct fb *f)
{
	fb_reset(f);
	eth(f, 0x0800);
	ipv4(f, 17, "192.0.2.1", "192.0.2.2");
	udp(f, 51000, 4789);
	put32(f, 0x08000000); /* I flag */
	put32(f, 0x00123400); /* VNI 0x1234 */
	eth(f, 0x8100);
	tag(f, 7, 0x0800);
	ipv4(f, 6, "10.0.0.1", "10.0.0.2");
	tcp(f, 40000, 443);
	put_str(f, "inner");
	fb_finish(f);
}

static void build_geneve_ipv6(struct fb *f)
{
	fb_reset(f);
	eth(f, 0x86dd);
	ipv6(f, 17, "2001:db8::a", "2001:db8::b");
	udp(f, 51000, 6081);
	put8(f, 0x02); /* Ver 0, Opt Len 2 (8 bytes) */
	put8(f, 0);
	put16(f, 0x6558);
	put32(f, 0x00abcd00);
	put32(f, 0x01020304); /* one option: class, type, length 1 */
	put32(f, 0xdeadbeef);
	eth(f, 0x86dd);
	ipv6(f, 6, "fd00::1", "fd00::2");
	tcp(f, 40001, 443);
	put_str(f, "gen");
	fb_finish(f);
}

static void build_gre_cks(struct fb *f)
{
	fb_reset(f);
	eth(f, 0x0800);
	ipv4(f, 47, "192.0.2.1", "192.0.2.2");
	put16(f, 0xb000); /* C, K, S */
	put16(f, 0x86dd);
	put32(f, 0x00000000); /* checksum, reserved1 */
	put32(f, 0x0000002a); /* key */
	put32(f, 0x00000007); /* sequence */
	ipv6(f, 6, "2001:db8:1::1", "2001:db8:2::2");
	tcp(f, 1234, 993);
	put_str(f, "imap");
	fb_finish(f);
}

static void build_gtpu(struct fb *f)
{
	fb_reset(f);
	eth(f, 0x0800);
	ipv4(f, 17, "132.190.244.12", "151.121.185.44");
	udp(f, 2152, 2152);
	put8(f, 0x36); /* version 1, PT, E, S */
	put8(f, 255);  /* G-PDU */
	size_t len_at = f->len;
	put16(f, 0);
	put32(f, 0x013c5b74); /* TEID */
	put16(f, 1);          /* sequence number */
	put8(f, 0);           /* N-PDU number */
	put8(f, 0x85);        /* next: PDU session container */
	put8(f, 1);           /* 4 bytes */
	put16(f, 0x0009);
	put8(f, 0); /* no more */
	ipv4(f, 6, "192.168.147.177", "151.121.193.160");
	tcp(f, 58496, 443);
	put_str(f, "gtp");
	fb_finish(f);
	set16(f, len_at, (unsigned)(f->len - len_at - 6));
}

static void build_ipv6_ext(struct fb *f)
{
	fb_reset(f);
	eth(f, 0x86dd);
	ipv6(f, 0, "2001:db8::1", "2001:db8::2");
	put8(f, 60); /* hop-by-hop, 8 bytes, -> destination options */
	put8(f, 0);
	put_zeros(f, 6);
	put8(f, 43); /* destination options, 16 bytes, -> routing */
	put8(f, 1);
	put_zeros(f, 14);
	put8(f, 51); /* routing, 24 bytes, -> AH */
	put8(f, 2);
	put_zeros(f, 22);
	put8(f, 44); /* AH, (4 + 2) * 4 = 24 bytes, -> fragment */
	put8(f, 4);
	put_zeros(f, 22);
	put8(f, 6); /* atomic fragment, -> TCP */
	put8(f, 0);
	put16(f, 0);
	put32(f, 0x11223344);
	tcp(f, 2000, 443);
	put_str(f, "ext");
	fb_finish(f);
}

static void build_sll2_ipv4(struct fb *f)
{
	fb_reset(f);
	put16(f, 0x0800);
	put16(f, 0);
	put32(f, 3);
	put16(f, 1);
	put8(f, 4);
	put8(f, 6);
	put_zeros(f, 8);
	ipv4_ihl(f, 6, "192.168.64.6", "192.0.78.150", 7);
	tcp_full(f, 55058, 443, 1, 2, TCP_SYN, 64240, 10);
	fb_finish(f);
}

/* ---- the tests --------------------------------------------------------- */

static void test_names_and_links(void)
{
	CHECK_STR(decode_skip_name(DECODE_SKIP_NONE), "none");
	CHECK_STR(decode_skip_name(DECODE_SKIP_TRUNCATED), "truncated");
	CHECK_STR(decode_skip_name(DECODE_SKIP_NOT_IP), "not_ip");
	CHECK_STR(decode_skip_name(DECODE_SKIP_NOT_TCP_UDP), "not_tcp_udp");
	CHECK_STR(decode_skip_name(DECODE_SKIP_IP_FRAGMENT), "ip_fragment");
	CHECK_STR(decode_skip_name(DECODE_SKIP_BAD_IP_HEADER), "bad_ip_header");
	CHECK_STR(decode_skip_name(DECODE_SKIP_BAD_TCP_HEADER), "bad_tcp_header");
	CHECK_STR(decode_skip_name(DECODE_SKIP_ENCAP_DEPTH), "encap_depth");
	CHECK_STR(decode_skip_name(DECODE_SKIP_LINK_TYPE), "link_type");
	CHECK_STR(decode_skip_name(DECODE_SKIP_COUNT), "unknown");
	CHECK_STR(decode_skip_name((enum decode_skip)99), "unknown");

	static const int supported[] = {
	    DLT_NULL,      DLT_EN10MB, DLT_PPP,       DLT_RAW,        12,       14,       DLT_PPP_SERIAL,
	    DLT_PPP_ETHER, DLT_LOOP,   DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_IPV4, DLT_IPV6, DLT_C_HDLC};
	for (size_t i = 0; i < sizeof(supported) / sizeof(supported[0]); i++) {
		struct packet p;
		CHECK(decode_link_supported(supported[i]));
		/* A supported link type with no bytes is truncated, not unknown. */
		CHECK_SKIP((struct result){.skip = decode_frame(supported[i], NULL, 0, &p)},
		           DECODE_SKIP_TRUNCATED);
	}
	static const int unsupported[] = {-1, 6, DLT_IEEE802_11, DLT_IEEE802_11_RADIO, 1000};
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
		struct fb f;
		build_eth_ipv4_tcp(&f);
		CHECK(!decode_link_supported(unsupported[i]));
		CHECK_SKIP(run(unsupported[i], &f), DECODE_SKIP_LINK_TYPE);
	}
}

static void test_addr_format(void)
{
	struct ts_addr a = {{0}, 4};
	char buf[64];
	a.bytes[10] = a.bytes[11] = 0xff;
	a.bytes[12] = 192, a.bytes[13] = 0, a.bytes[14] = 2, a.bytes[15] = 1;
	CHECK_STR(ts_addr_format(&a, buf, sizeof(buf)), "192.0.2.1");

	static const struct {
		const char *in, *out;
	} v6[] = {
	    {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
	    {"0:0:0:0:0:0:0:0", "::"},
	    {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"}, /* RFC 5952 4.2.2: one 0 stays */
	    {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},    /* 4.2.3: first of equal runs */
	    {"2001:DB8::ABCD", "2001:db8::abcd"},             /* 4.3: lower case */
	};
	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		struct ts_addr b = {{0}, 6};
		if (inet_pton(AF_INET6, v6[i].in, b.bytes) != 1)
			abort();
		CHECK_STR(ts_addr_format(&b, buf, sizeof(buf)), v6[i].out);
	}
	a.family = 0;
	CHECK_STR(ts_addr_format(&a, buf, sizeof(buf)), "?");
	a.family = 4;
	CHECK_STR(ts_addr_format(&a, buf, 4), "?"); /* too small: no partial address */
	CHECK_STR(ts_addr_format(&a, buf, 0), "");
}

static void test_ether_ipv4_tcp(void)
{
	struct fb f;
	build_eth_ipv4_tcp(&f);
	struct result r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "192.0.2.1", "198.51.100.2", 49152, 443, 6);
	CHECK_EQ(r.p.src.family, 4);
	CHECK_EQ(r.p.src.bytes[10], 0xff);
	CHECK_EQ(r.p.src.bytes[11], 0xff);
	CHECK_EQ(r.p.src.bytes[0], 0);
	CHECK_EQ(r.p.seq, 0x01020304);
	CHECK_EQ(r.p.ack, 0x05060708);
	CHECK_EQ(r.p.tcp_flags, TCP_PSH | TCP_ACK);
	CHECK_EQ(r.p.window, 0xfaf0);
	CHECK_EQ(r.payload_off, 14 + 20 + 20);
	CHECK_EQ(r.p.payload_len, 5);
	CHECK_EQ(r.p.payload_wire_len, 5);
	CHECK_EQ(r.p.encap_depth, 0);
	CHECK(memcmp(f.b + r.payload_off, "hello", 5) == 0);
	sweep_truncations(DLT_EN10MB, &f);

	/* Snapped inside the payload: what is there, and what was sent. */
	r = run_n(DLT_EN10MB, &f, f.len - 2);
	CHECK_SKIP(r, DECODE_SKIP_NONE);
	CHECK_EQ(r.p.payload_len, 3);
	CHECK_EQ(r.p.payload_wire_len, 5);

	/* ECE and CWR come through with the rest of the flags byte. */
	fb_reset(&f);
	eth(&f, 0x0800);
	ipv4(&f, 6, "192.0.2.1", "198.51.100.2");
	tcp_full(&f, 1, 2, 0xffffffff, 0, 0xc2, 0, 5);
	fb_finish(&f);
	r = run(DLT_EN10MB, &f);
	CHECK_EQ(r.p.tcp_flags, 0xc2);
	CHECK_EQ(r.p.seq, 0xffffffffu);
	CHECK_EQ(r.p.payload_len, 0);
}

static void test_ether_padding(void)
{
	struct fb f;

	/* A bare ACK is 54 bytes; Ethernet pads it to 60, plus a 4-byte FCS. */
	fb_reset(&f);
	eth(&f, 0x0800);
	ipv4(&f, 6, "192.0.2.1", "198.51.100.2");
	tcp(&f, 49152, 443);
	fb_finish(&f);
	put_zeros(&f, 6);
	put32(&f, 0xdeadbeef);
	struct result r = run(DLT_EN10MB, &f);
	CHECK_SKIP(r, DECODE_SKIP_NONE);
	CHECK_EQ(r.p.payload_len, 0);
	CHECK_EQ(r.p.payload_wire_len, 0);

	/* Two payload bytes, then padding. */
	fb_reset(&f);
	eth(&f, 0x0800);
	ipv4(&f, 6, "192.0.2.1", "198.51.100.2");
	tcp(&f, 49152, 443);
	put_str(&f, "ab");
	fb_finish(&f);
	put_zeros(&f, 4);
	r = run(DLT_EN10MB, &f);
	CHECK_EQ(r.p.payload_len, 2);
	CHECK_EQ(r.p.payload_wire_len, 2);
	sweep_truncations(DLT_EN10MB, &f);

	/* IPv6 padding is trimmed by Payload Length the same way. */
	fb_reset(&f);
	eth(&f, 0x86dd);
	ipv6(&f, 17, "2001:db8::1", "2001:db8::2");
	udp(&f, 53, 53);
	put_str(&f, "x");
	fb_finish(&f);
	put_zeros(&f, 9);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "2001:db8::1", "2001:db8::2", 53, 53, 17);
	CHECK_EQ(r.p.payload_len, 1);
	CHECK_EQ(r.p.payload_wire_len, 1);

	/* PPPoE over Ethernet, padded: the IP length wins over the frame. */
	fb_reset(&f);
	eth(&f, 0x8864);
	pppoe_session(&f, 0x0021);
	ipv4(&f, 6, "1.1.1.1", "2.2.2.2");
	tcp(&f, 20394, 443);
	fb_finish(&f);
	put_zeros(&f, 12);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "1.1.1.1", "2.2.2.2", 20394, 443, 6);
	CHECK_EQ(r.p.payload_len, 0);
}

static void test_vlan(void)
{
	struct fb f;
	struct result r;
	static const unsigned tpids[] = {0x8100, 0x88a8, 0x9100};

	for (size_t i = 0; i < 3; i++) {
		fb_reset(&f);
		eth(&f, tpids[i]);
		tag(&f, 0x2064, 0x0800);
		ipv4(&f, 6, "192.0.2.7", "192.0.2.8");
		tcp(&f, 1000, 443);
		fb_finish(&f);
		r = run(DLT_EN10MB, &f);
		CHECK_FLOW(r, "192.0.2.7", "192.0.2.8", 1000, 443, 6);
		CHECK_EQ(r.payload_off, 18 + 40);
		CHECK_EQ(r.p.encap_depth, 0); /* tags are not tunnels */
	}

	/* Q-in-Q: 802.1ad outer, 802.1Q inner. */
	fb_reset(&f);
	eth(&f, 0x88a8);
	tag(&f, 10, 0x8100);
	tag(&f, 20, 0x86dd);
	ipv6(&f, 6, "2001:db8::7", "2001:db8::8");
	tcp(&f, 1000, 443);
	fb_finish(&f);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "2001:db8::7", "2001:db8::8", 1000, 443, 6);
	sweep_truncations(DLT_EN10MB, &f);

	/* DECODE_MAX_ENCAP_DEPTH tags pass; one more does not. */
	for (unsigned n = DECODE_MAX_ENCAP_DEPTH; n <= DECODE_MAX_ENCAP_DEPTH + 1; n++) {
		fb_reset(&f);
		eth(&f, 0x8100);
		for (unsigned i = 0; i < n; i++)
			tag(&f, i, i + 1 < n ? 0x8100 : 0x0800);
		ipv4(&f, 6, "192.0.2.7", "192.0.2.8");
		tcp(&f, 1000, 443);
		fb_finish(&f);
		r = run(DLT_EN10MB, &f);
		if (n == DECODE_MAX_ENCAP_DEPTH)
			CHECK_FLOW(r, "192.0.2.7", "192.0.2.8", 1000, 443, 6);
		else
			CHECK_SKIP(r, DECODE_SKIP_ENCAP_DEPTH);
	}

	/* A frame of nothing but tags ends at the cap, not at the end of the frame. */
	fb_reset(&f);
	eth(&f, 0x8100);
	for (unsigned i = 0; i < 200; i++)
		tag(&f, 1, 0x8100);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_ENCAP_DEPTH);
}

static void test_not_ip(void)
{
	struct fb f;

	fb_reset(&f);
	eth(&f, 0x0806); /* ARP */
	put_zeros(&f, 28);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_NOT_IP);

	fb_reset(&f);
	eth(&f, 0x002e); /* 802.3 length, LLC follows */
	put_zeros(&f, 46);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_NOT_IP);

	fb_reset(&f);
	eth(&f, 0x8863); /* PPPoE discovery */
	put_zeros(&f, 20);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_NOT_IP);

	fb_reset(&f);
	eth(&f, 0x0800);
	ipv4(&f, 1, "192.0.2.1", "192.0.2.2"); /* ICMP */
	put32(&f, 0x08000000);
	fb_finish(&f);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_NOT_TCP_UDP);

	fb_reset(&f);
	eth(&f, 0x86dd);
	ipv6(&f, 58, "2001:db8::1", "2001:db8::2"); /* ICMPv6 */
	put32(&f, 0x80000000);
	fb_finish(&f);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_NOT_TCP_UDP);

	fb_reset(&f);
	eth(&f, 0x86dd);
	ipv6(&f, 59, "2001:db8::1", "2001:db8::2"); /* No Next Header */
	fb_finish(&f);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_NOT_TCP_UDP);
}

static void test_pppoe(void)
{
	struct fb f;
	struct result r;

	fb_reset(&f);
	eth(&f, 0x8864);
	pppoe_session(&f, 0x0021);
	ipv4(&f, 6, "1.1.1.1", "2.2.2.2");
	tcp(&f, 20394, 443);
	put_str(&f, "tls");
	fb_finish(&f);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "1.1.1.1", "2.2.2.2", 20394, 443, 6);
	CHECK_EQ(r.payload_off, 14 + 8 + 20 + 20);
	CHECK_EQ(r.p.payload_len, 3);

	build_qinq_pppoe_ipv6_udp(&f);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "2001:db8::1", "2001:db8::2", 5353, 443, 17);
	CHECK_EQ(r.p.payload_len, 4);
	CHECK_EQ(r.p.payload_wire_len, 4);
	sweep_truncations(DLT_EN10MB, &f);

	/* LCP is PPPoE session traffic too, but not IP. */
	fb_reset(&f);
	eth(&f, 0x8864);
	pppoe_session(&f, 0xc021);
	put_zeros(&f, 8);
	fb_finish(&f);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_NOT_IP);

	/* A PPPoE version we do not know. */
	fb_reset(&f);
	eth(&f, 0x8864);
	pppoe_session(&f, 0x0021);
	ipv4(&f, 6, "1.1.1.1", "2.2.2.2");
	tcp(&f, 20394, 443);
	fb_finish(&f);
	f.b[14] = 0x21;
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_NOT_IP);

	/* IP claims 6 bytes more than PPPoE carries, and padding fills the frame
	 * (zeek__pppoe-over-qinq.pcap has such ACKs): those bytes were never
	 * sent, so they are neither payload nor a gap. */
	fb_reset(&f);
	eth(&f, 0x8864);
	pppoe_session(&f, 0x0021);
	ipv4(&f, 6, "1.1.1.1", "2.2.2.2");
	tcp(&f, 20394, 443);
	fb_finish(&f);
	set16(&f, 14 + 8 + 2, 46);
	put_zeros(&f, 6);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "1.1.1.1", "2.2.2.2", 20394, 443, 6);
	CHECK_EQ(r.p.payload_len, 0);
	CHECK_EQ(r.p.payload_wire_len, 0);
	/* Without the padding the capture may have been snapped: 6 bytes missing. */
	r = run_n(DLT_EN10MB, &f, f.len - 6);
	CHECK_EQ(r.p.payload_len, 0);
	CHECK_EQ(r.p.payload_wire_len, 6);

	/* DLT_PPP_ETHER: the PPPoE header with no Ethernet in front. */
	fb_reset(&f);
	pppoe_session(&f, 0x0021);
	ipv4(&f, 17, "100.64.0.1", "100.64.0.2");
	udp(&f, 4000, 443);
	put_str(&f, "q");
	fb_finish(&f);
	r = run(DLT_PPP_ETHER, &f);
	CHECK_FLOW(r, "100.64.0.1", "100.64.0.2", 4000, 443, 17);
	CHECK_EQ(r.p.payload_len, 1);
	sweep_truncations(DLT_PPP_ETHER, &f);
}

static void test_mpls(void)
{
	struct fb f;
	struct result r;

	/* Two labels, then IPv4. */
	fb_reset(&f);
	eth(&f, 0x8847);
	put32(&f, (100u << 12) | 0x40);
	put32(&f, (200u << 12) | 0x100 | 0x40);
	ipv4(&f, 6, "192.0.2.1", "192.0.2.2");
	tcp(&f, 5000, 443);
	fb_finish(&f);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "192.0.2.1", "192.0.2.2", 5000, 443, 6);
	CHECK_EQ(r.p.encap_depth, 0);
	sweep_truncations(DLT_EN10MB, &f);

	/* One label, a pseudowire control word, an Ethernet frame, IPv6. */
	fb_reset(&f);
	eth(&f, 0x8847);
	put32(&f, (16u << 12) | 0x100 | 0x40);
	put32(&f, 0x00000001);
	eth(&f, 0x86dd);
	ipv6(&f, 6, "2001:db8::1", "2001:db8::2");
	tcp(&f, 5000, 443);
	fb_finish(&f);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "2001:db8::1", "2001:db8::2", 5000, 443, 6);

	/* A stack that never ends stops at the cap. */
	fb_reset(&f);
	eth(&f, 0x8847);
	for (int i = 0; i < 50; i++)
		put32(&f, 0x40);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_ENCAP_DEPTH);

	/* Bottom of stack, then something that is neither IP nor a control word. */
	fb_reset(&f);
	eth(&f, 0x8847);
	put32(&f, 0x100 | 0x40);
	put32(&f, 0x50000000);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_NOT_IP);
}

static void test_sll(void)
{
	struct fb f;
	struct result r;

	fb_reset(&f);
	put16(&f, 0); /* to us */
	put16(&f, 1); /* ARPHRD_ETHER */
	put16(&f, 6);
	put_zeros(&f, 8);
	put16(&f, 0x0800);
	ipv4(&f, 6, "203.143.168.47", "185.18.76.170");
	tcp(&f, 55123, 6667);
	put_str(&f, "STARTTLS\r\n");
	fb_finish(&f);
	r = run(DLT_LINUX_SLL, &f);
	CHECK_FLOW(r, "203.143.168.47", "185.18.76.170", 55123, 6667, 6);
	CHECK_EQ(r.payload_off, 16 + 40);
	CHECK_EQ(r.p.payload_len, 10);
	sweep_truncations(DLT_LINUX_SLL, &f);

	/* SLL with IPv6. */
	fb_reset(&f);
	put16(&f, 4);   /* outgoing */
	put16(&f, 772); /* ARPHRD_LOOPBACK */
	put16(&f, 0);
	put_zeros(&f, 8);
	put16(&f, 0x86dd);
	ipv6(&f, 17, "::1", "::1");
	udp(&f, 42086, 4443);
	put_str(&f, "initial");
	fb_finish(&f);
	r = run(DLT_LINUX_SLL, &f);
	CHECK_FLOW(r, "::1", "::1", 42086, 4443, 17);
	CHECK_EQ(r.p.payload_len, 7);

	/* SLL with a non-IP protocol (netlink, ARP). */
	fb_reset(&f);
	put16(&f, 4);
	put16(&f, 824);
	put16(&f, 0);
	put_zeros(&f, 8);
	put16(&f, 0x0000);
	put_zeros(&f, 16);
	CHECK_SKIP(run(DLT_LINUX_SLL, &f), DECODE_SKIP_NOT_IP);

	/* SLL2, with IPv4 options and TCP options. */
	build_sll2_ipv4(&f);
	r = run(DLT_LINUX_SLL2, &f);
	CHECK_FLOW(r, "192.168.64.6", "192.0.78.150", 55058, 443, 6);
	CHECK_EQ(r.p.tcp_flags, TCP_SYN);
	CHECK_EQ(r.p.window, 64240);
	CHECK_EQ(r.payload_off, 20 + 28 + 40);
	CHECK_EQ(r.p.payload_len, 0);
	sweep_truncations(DLT_LINUX_SLL2, &f);
}

static void null_frame(struct fb *f, const uint8_t family[4], bool v6)
{
	fb_reset(f);
	for (int i = 0; i < 4; i++)
		put8(f, family[i]);
	if (v6)
		ipv6(f, 6, "::1", "::1");
	else
		ipv4(f, 6, "127.0.0.1", "127.0.0.1");
	tcp(f, 51607, 3001);
	fb_finish(f);
}

static void test_null_loop(void)
{
	struct fb f;
	static const struct {
		int dlt;
		uint8_t family[4];
		bool v6;
	} cases[] = {
	    {DLT_NULL, {2, 0, 0, 0}, false}, /* little-endian capturing host */
	    {DLT_NULL, {0, 0, 0, 2}, false}, /* big-endian capturing host */
	    {DLT_NULL, {24, 0, 0, 0}, true}, /* NetBSD/OpenBSD AF_INET6 */
	    {DLT_NULL, {28, 0, 0, 0}, true}, /* FreeBSD */
	    {DLT_NULL, {30, 0, 0, 0}, true}, /* macOS */
	    {DLT_NULL, {0, 0, 0, 30}, true}, /* big-endian macOS (PowerPC) */
	    {DLT_LOOP, {0, 0, 0, 2}, false}, /* network order */
	    {DLT_LOOP, {0, 0, 0, 24}, true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		null_frame(&f, cases[i].family, cases[i].v6);
		struct result r = run(cases[i].dlt, &f);
		if (cases[i].v6)
			CHECK_FLOW(r, "::1", "::1", 51607, 3001, 6);
		else
			CHECK_FLOW(r, "127.0.0.1", "127.0.0.1", 51607, 3001, 6);
		CHECK_EQ(r.payload_off, 4 + (cases[i].v6 ? 40 : 20) + 20);
	}
	sweep_truncations(DLT_NULL, &f);

	static const uint8_t af_ipx[4] = {23, 0, 0, 0};
	null_frame(&f, af_ipx, false);
	CHECK_SKIP(run(DLT_NULL, &f), DECODE_SKIP_NOT_IP);
	static const uint8_t af_linux_inet6[4] = {10, 0, 0, 0};
	null_frame(&f, af_linux_inet6, true);
	CHECK_SKIP(run(DLT_NULL, &f), DECODE_SKIP_NOT_IP);
}

static void test_raw(void)
{
	struct fb v4, v6;
	struct result r;

	fb_reset(&v4);
	ipv4(&v4, 6, "10.0.0.1", "10.0.0.2");
	tcp(&v4, 55001, 443);
	put_str(&v4, "ch");
	fb_finish(&v4);
	fb_reset(&v6);
	ipv6(&v6, 6, "2001:db8::1", "2001:db8::2");
	tcp(&v6, 55001, 443);
	fb_finish(&v6);

	static const int raw[] = {DLT_RAW, 12, 14};
	for (size_t i = 0; i < 3; i++) {
		r = run(raw[i], &v4);
		CHECK_FLOW(r, "10.0.0.1", "10.0.0.2", 55001, 443, 6);
		CHECK_EQ(r.payload_off, 40);
		CHECK_EQ(r.p.payload_len, 2);
		r = run(raw[i], &v6);
		CHECK_FLOW(r, "2001:db8::1", "2001:db8::2", 55001, 443, 6);
	}
	sweep_truncations(DLT_RAW, &v4);
	sweep_truncations(DLT_RAW, &v6);

	r = run(DLT_IPV4, &v4);
	CHECK_FLOW(r, "10.0.0.1", "10.0.0.2", 55001, 443, 6);
	r = run(DLT_IPV6, &v6);
	CHECK_FLOW(r, "2001:db8::1", "2001:db8::2", 55001, 443, 6);
	/* The link type promises a version; the packet must keep it. */
	CHECK_SKIP(run(DLT_IPV4, &v6), DECODE_SKIP_BAD_IP_HEADER);
	CHECK_SKIP(run(DLT_IPV6, &v4), DECODE_SKIP_BAD_IP_HEADER);

	v4.b[0] = 0x55; /* version 5 */
	CHECK_SKIP(run(DLT_RAW, &v4), DECODE_SKIP_BAD_IP_HEADER);
}

static void ppp_frame(struct fb *f, const uint8_t *prefix, size_t n, bool v6)
{
	fb_reset(f);
	for (size_t i = 0; i < n; i++)
		put8(f, prefix[i]);
	if (v6)
		ipv6(f, 17, "2001:db8::1", "2001:db8::2");
	else
		ipv4(f, 17, "193.167.0.100", "193.167.100.100");
	udp(f, 40084, 443);
	put_str(f, "ppp");
	fb_finish(f);
}

static void test_ppp(void)
{
	struct fb f;
	static const struct {
		int dlt;
		uint8_t prefix[4];
		size_t n;
		bool v6;
	} cases[] = {
	    {DLT_PPP, {0x00, 0x21}, 2, false},             /* no address/control */
	    {DLT_PPP, {0xff, 0x03, 0x00, 0x21}, 4, false}, /* RFC 1662 framing */
	    {DLT_PPP, {0xff, 0x03, 0x00, 0x57}, 4, true},
	    {DLT_PPP, {0x21}, 1, false}, /* protocol field compressed */
	    {DLT_PPP_SERIAL, {0xff, 0x03, 0x00, 0x21}, 4, false},
	    {DLT_PPP_SERIAL, {0xff, 0x03, 0x57}, 3, true},
	    {DLT_PPP_SERIAL, {0x00, 0x57}, 2, true},
	    {DLT_PPP_SERIAL, {0x0f, 0x00, 0x08, 0x00}, 4, false}, /* Cisco HDLC */
	    {DLT_PPP_SERIAL, {0x8f, 0x00, 0x86, 0xdd}, 4, true},
	    {DLT_C_HDLC, {0x0f, 0x00, 0x86, 0xdd}, 4, true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ppp_frame(&f, cases[i].prefix, cases[i].n, cases[i].v6);
		struct result r = run(cases[i].dlt, &f);
		if (cases[i].v6)
			CHECK_FLOW(r, "2001:db8::1", "2001:db8::2", 40084, 443, 17);
		else
			CHECK_FLOW(r, "193.167.0.100", "193.167.100.100", 40084, 443, 17);
		CHECK_EQ(r.payload_off, cases[i].n + (cases[i].v6 ? 40 : 20) + 8);
		CHECK_EQ(r.p.payload_len, 3);
		sweep_truncations(cases[i].dlt, &f);
	}

	static const uint8_t lcp[] = {0xff, 0x03, 0xc0, 0x21};
	ppp_frame(&f, lcp, sizeof(lcp), false);
	CHECK_SKIP(run(DLT_PPP, &f), DECODE_SKIP_NOT_IP);
	static const uint8_t cdp[] = {0x8f, 0x00, 0x20, 0x00};
	ppp_frame(&f, cdp, sizeof(cdp), false);
	CHECK_SKIP(run(DLT_C_HDLC, &f), DECODE_SKIP_NOT_IP);
}

static void test_ipv4_header(void)
{
	struct fb f;
	struct result r;

	/* Options: IHL 6 and the largest, 15. */
	for (unsigned ihl = 6; ihl <= 15; ihl += 9) {
		fb_reset(&f);
		eth(&f, 0x0800);
		ipv4_ihl(&f, 6, "192.0.2.1", "192.0.2.2", ihl);
		tcp(&f, 1111, 443);
		put_str(&f, "opt");
		fb_finish(&f);
		r = run(DLT_EN10MB, &f);
		CHECK_FLOW(r, "192.0.2.1", "192.0.2.2", 1111, 443, 6);
		CHECK_EQ(r.payload_off, 14 + ihl * 4 + 20);
		CHECK_EQ(r.p.payload_len, 3);
		sweep_truncations(DLT_EN10MB, &f);
	}

	build_eth_ipv4_tcp(&f);
	size_t ip = 14;

	/* IHL below 5. */
	for (unsigned ihl = 0; ihl < 5; ihl++) {
		f.b[ip] = (uint8_t)(0x40 | ihl);
		CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_BAD_IP_HEADER);
	}
	/* IHL past Total Length. */
	f.b[ip] = 0x4f;
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_BAD_IP_HEADER);
	/* IHL past the captured bytes while Total Length agrees: cut short. */
	set16(&f, ip + 2, 80);
	r = run_n(DLT_EN10MB, &f, 14 + 40);
	CHECK_SKIP(r, DECODE_SKIP_TRUNCATED);
	build_eth_ipv4_tcp(&f);

	/* Version 6 behind EtherType 0x0800. */
	f.b[ip] = 0x65;
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_BAD_IP_HEADER);
	build_eth_ipv4_tcp(&f);

	/* Total Length below the header. */
	set16(&f, ip + 2, 19);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_BAD_IP_HEADER);
	/* Total Length leaving less than a TCP header: the lengths lie. */
	set16(&f, ip + 2, 30);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_BAD_TCP_HEADER);
	/* Total Length past the capture: the frame was snapped. */
	set16(&f, ip + 2, 1500);
	r = run(DLT_EN10MB, &f);
	CHECK_SKIP(r, DECODE_SKIP_NONE);
	CHECK_EQ(r.p.payload_len, 5);
	CHECK_EQ(r.p.payload_wire_len, 1500 - 40);
	/* Total Length 0 (Linux GSO): the captured bytes are the packet. */
	set16(&f, ip + 2, 0);
	r = run(DLT_EN10MB, &f);
	CHECK_SKIP(r, DECODE_SKIP_NONE);
	CHECK_EQ(r.p.payload_len, 5);
	CHECK_EQ(r.p.payload_wire_len, 5);
	build_eth_ipv4_tcp(&f);

	/* Fragments: MF, an offset, both; DF alone is a whole packet. */
	set16(&f, ip + 6, 0x2000);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_IP_FRAGMENT);
	set16(&f, ip + 6, 0x00b9);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_IP_FRAGMENT);
	set16(&f, ip + 6, 0x2001);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_IP_FRAGMENT);
	set16(&f, ip + 6, 0x0000);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_NONE);
	set16(&f, ip + 6, 0x4000);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_NONE);
}

static void test_ipv6_ext(void)
{
	struct fb f;
	struct result r;

	build_ipv6_ext(&f);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "2001:db8::1", "2001:db8::2", 2000, 443, 6);
	CHECK_EQ(r.payload_off, 14 + 40 + 8 + 16 + 24 + 24 + 8 + 20);
	CHECK_EQ(r.p.payload_len, 3);
	CHECK_EQ(r.p.payload_wire_len, 3);
	sweep_truncations(DLT_EN10MB, &f);

	/* The same chain with a real fragment header: first fragment, M set. */
	size_t frag = 14 + 40 + 8 + 16 + 24 + 24;
	set16(&f, frag + 2, 0x0001);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_IP_FRAGMENT);
	/* Last fragment: offset set, M clear. */
	set16(&f, frag + 2, 0x0010);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_IP_FRAGMENT);
	/* Reserved bits alone do not make a fragment. */
	set16(&f, frag + 2, 0x0006);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_NONE);

	/* Just a fragment header after IPv6. */
	fb_reset(&f);
	eth(&f, 0x86dd);
	ipv6(&f, 44, "2001:db8::1", "2001:db8::2");
	put8(&f, 17);
	put8(&f, 0);
	put16(&f, 0x0001);
	put32(&f, 7);
	udp(&f, 1, 2);
	fb_finish(&f);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_IP_FRAGMENT);

	/* DECODE_MAX_IPV6_EXT_HEADERS pass; one more is refused. */
	for (unsigned n = DECODE_MAX_IPV6_EXT_HEADERS; n <= DECODE_MAX_IPV6_EXT_HEADERS + 1; n++) {
		fb_reset(&f);
		eth(&f, 0x86dd);
		ipv6(&f, 60, "2001:db8::1", "2001:db8::2");
		for (unsigned i = 0; i < n; i++) {
			put8(&f, i + 1 < n ? 60 : 6);
			put8(&f, 0);
			put_zeros(&f, 6);
		}
		tcp(&f, 3, 4);
		fb_finish(&f);
		r = run(DLT_EN10MB, &f);
		if (n == DECODE_MAX_IPV6_EXT_HEADERS)
			CHECK_FLOW(r, "2001:db8::1", "2001:db8::2", 3, 4, 6);
		else
			CHECK_SKIP(r, DECODE_SKIP_BAD_IP_HEADER);
	}

	/* An extension header longer than Payload Length. */
	fb_reset(&f);
	eth(&f, 0x86dd);
	ipv6(&f, 0, "2001:db8::1", "2001:db8::2");
	put8(&f, 6);
	put8(&f, 10); /* 88 bytes */
	put_zeros(&f, 6);
	tcp(&f, 3, 4);
	fb_finish(&f);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_BAD_IP_HEADER);
	/* ... but not past it, only past the capture: truncated. */
	set16(&f, 14 + 4, 200);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_TRUNCATED);

	/* Version 4 behind EtherType 0x86dd. */
	build_ipv6_ext(&f);
	f.b[14] = 0x45;
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_BAD_IP_HEADER);
}

static void test_tcp_header(void)
{
	struct fb f;
	struct result r;
	size_t th = 14 + 20;

	/* Data offset 8 (12 option bytes), payload after the options. */
	fb_reset(&f);
	eth(&f, 0x0800);
	ipv4(&f, 6, "192.0.2.1", "192.0.2.2");
	tcp_full(&f, 80, 8080, 1, 1, TCP_ACK, 1, 8);
	put_str(&f, "data");
	fb_finish(&f);
	r = run(DLT_EN10MB, &f);
	CHECK_EQ(r.payload_off, th + 32);
	CHECK_EQ(r.p.payload_len, 4);
	CHECK_EQ(r.p.payload_wire_len, 4);

	/* Data offset below 5. */
	for (unsigned doff = 0; doff < 5; doff++) {
		f.b[th + 12] = (uint8_t)(doff << 4);
		CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_BAD_TCP_HEADER);
	}
	/* Data offset past the segment the IP header describes (36 bytes). */
	f.b[th + 12] = 0xa0;
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_BAD_TCP_HEADER);
	f.b[th + 12] = 0xf0;
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_BAD_TCP_HEADER);
	/* Exactly the segment: an empty payload. */
	f.b[th + 12] = 0x90;
	r = run(DLT_EN10MB, &f);
	CHECK_SKIP(r, DECODE_SKIP_NONE);
	CHECK_EQ(r.p.payload_len, 0);
	/* Within the segment but past the snap length: cut short. */
	set16(&f, 14 + 2, 20 + 60);
	f.b[th + 12] = 0xf0;
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_TRUNCATED);
}

static void test_udp(void)
{
	struct fb f;
	struct result r;
	size_t uh = 14 + 20;

	fb_reset(&f);
	eth(&f, 0x0800);
	ipv4(&f, 17, "192.0.2.1", "192.0.2.2");
	udp(&f, 53, 5353);
	put_str(&f, "abcdef");
	fb_finish(&f);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "192.0.2.1", "192.0.2.2", 53, 5353, 17);
	CHECK_EQ(r.payload_off, uh + 8);
	CHECK_EQ(r.p.payload_len, 6);
	CHECK_EQ(r.p.seq, 0);
	CHECK_EQ(r.p.tcp_flags, 0);

	/* UDP Length shorter than the IP payload: UDP wins. */
	set16(&f, uh + 4, 8 + 2);
	r = run(DLT_EN10MB, &f);
	CHECK_EQ(r.p.payload_len, 2);
	CHECK_EQ(r.p.payload_wire_len, 2);
	/* Below its own header, or past the IP payload. */
	set16(&f, uh + 4, 7);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_BAD_TCP_HEADER);
	set16(&f, uh + 4, 8 + 7);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_BAD_TCP_HEADER);
	/* 0 (a jumbogram's): the IP length stands. */
	set16(&f, uh + 4, 0);
	r = run(DLT_EN10MB, &f);
	CHECK_EQ(r.p.payload_len, 6);
	/* IP says fewer bytes than a UDP header. */
	set16(&f, 14 + 2, 20 + 4);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_BAD_TCP_HEADER);
}

static void test_tunnels(void)
{
	struct fb f;
	struct result r;

	/* IPv4 in IPv4 (RFC 2003). */
	fb_reset(&f);
	eth(&f, 0x0800);
	ipv4(&f, 4, "192.0.2.1", "192.0.2.2");
	ipv4(&f, 6, "10.0.0.1", "10.0.0.2");
	tcp(&f, 40000, 443);
	fb_finish(&f);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "10.0.0.1", "10.0.0.2", 40000, 443, 6);
	CHECK_EQ(r.p.encap_depth, 1);
	sweep_truncations(DLT_EN10MB, &f);

	/* The inner header claims more than the outer one carries: not sent. */
	fb_reset(&f);
	eth(&f, 0x0800);
	ipv4(&f, 4, "192.0.2.1", "192.0.2.2");
	ipv4(&f, 6, "10.0.0.1", "10.0.0.2");
	tcp(&f, 40000, 443);
	put_str(&f, "abcd");
	fb_finish(&f);
	set16(&f, 14 + 2, 20 + 20 + 20 + 2);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "10.0.0.1", "10.0.0.2", 40000, 443, 6);
	CHECK_EQ(r.p.payload_len, 2);
	CHECK_EQ(r.p.payload_wire_len, 2);

	/* IPv6 in IPv4 (6in4, RFC 4213). */
	fb_reset(&f);
	eth(&f, 0x0800);
	ipv4(&f, 41, "174.3.73.24", "184.105.255.26");
	ipv6(&f, 6, "2001:470:1f17:13f::2", "2a03:2880::2");
	tcp(&f, 53234, 443);
	put_str(&f, "x");
	fb_finish(&f);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "2001:470:1f17:13f::2", "2a03:2880::2", 53234, 443, 6);
	CHECK_EQ(r.p.src.family, 6);
	CHECK_EQ(r.p.encap_depth, 1);
	CHECK_EQ(r.p.payload_len, 1);
	sweep_truncations(DLT_EN10MB, &f);

	/* IPv4 in IPv6. */
	fb_reset(&f);
	eth(&f, 0x86dd);
	ipv6(&f, 4, "2001:db8::1", "2001:db8::2");
	ipv4(&f, 17, "10.1.1.1", "10.2.2.2");
	udp(&f, 1, 443);
	fb_finish(&f);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "10.1.1.1", "10.2.2.2", 1, 443, 17);
	CHECK_EQ(r.p.src.family, 4);
	CHECK_EQ(r.p.encap_depth, 1);

	/* GRE, no optional fields. */
	fb_reset(&f);
	eth(&f, 0x0800);
	ipv4(&f, 47, "192.0.2.1", "192.0.2.2");
	put16(&f, 0x0000);
	put16(&f, 0x0800);
	ipv4(&f, 6, "10.0.0.1", "10.0.0.2");
	tcp(&f, 40000, 443);
	fb_finish(&f);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "10.0.0.1", "10.0.0.2", 40000, 443, 6);
	CHECK_EQ(r.p.encap_depth, 1);
	CHECK_EQ(r.payload_off, 14 + 20 + 4 + 20 + 20);
	/* The same as PPTP's version 1, and with the RFC 1701 routing bit. */
	set16(&f, 14 + 20, 0x0001);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_NOT_IP);
	set16(&f, 14 + 20, 0x4000);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_NOT_IP);
	/* GRE carrying something that is not IP. */
	set16(&f, 14 + 20, 0x0000);
	set16(&f, 14 + 20 + 2, 0x880b);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_NOT_IP);

	/* GRE with checksum, key and sequence, carrying IPv6. */
	build_gre_cks(&f);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "2001:db8:1::1", "2001:db8:2::2", 1234, 993, 6);
	CHECK_EQ(r.payload_off, 14 + 20 + 16 + 40 + 20);
	CHECK_EQ(r.p.payload_len, 4);
	CHECK_EQ(r.p.encap_depth, 1);
	sweep_truncations(DLT_EN10MB, &f);

	/* GRE transparent Ethernet bridging. */
	fb_reset(&f);
	eth(&f, 0x0800);
	ipv4(&f, 47, "192.0.2.1", "192.0.2.2");
	put16(&f, 0x2000); /* K */
	put16(&f, 0x6558);
	put32(&f, 99);
	eth(&f, 0x8100);
	tag(&f, 5, 0x0800);
	ipv4(&f, 6, "172.16.0.1", "172.16.0.2");
	tcp(&f, 40000, 443);
	fb_finish(&f);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "172.16.0.1", "172.16.0.2", 40000, 443, 6);
	CHECK_EQ(r.p.encap_depth, 1);
	sweep_truncations(DLT_EN10MB, &f);

	/* VXLAN. */
	build_vxlan(&f);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "10.0.0.1", "10.0.0.2", 40000, 443, 6);
	CHECK_EQ(r.p.encap_depth, 1);
	CHECK_EQ(r.payload_off, 14 + 20 + 8 + 8 + 18 + 20 + 20);
	CHECK_EQ(r.p.payload_len, 5);
	sweep_truncations(DLT_EN10MB, &f);
	/* Without the I flag it is only UDP to port 4789. */
	f.b[14 + 20 + 8] = 0x00;
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "192.0.2.1", "192.0.2.2", 51000, 4789, 17);
	CHECK_EQ(r.p.encap_depth, 0);
	CHECK_EQ(r.payload_off, 14 + 20 + 8);

	/* Geneve with an option, Ethernet inside, IPv6 both sides. */
	build_geneve_ipv6(&f);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "fd00::1", "fd00::2", 40001, 443, 6);
	CHECK_EQ(r.p.encap_depth, 1);
	CHECK_EQ(r.payload_off, 14 + 40 + 8 + 16 + 14 + 40 + 20);
	CHECK_EQ(r.p.payload_len, 3);
	sweep_truncations(DLT_EN10MB, &f);
	/* Version 1 is not Geneve as we know it: plain UDP. */
	f.b[14 + 40 + 8] = 0x42;
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "2001:db8::a", "2001:db8::b", 51000, 6081, 17);

	/* Geneve carrying IPv4 directly. */
	fb_reset(&f);
	eth(&f, 0x0800);
	ipv4(&f, 17, "192.0.2.1", "192.0.2.2");
	udp(&f, 51000, 6081);
	put16(&f, 0x0000);
	put16(&f, 0x0800);
	put32(&f, 0x00000100);
	ipv4(&f, 17, "10.9.9.9", "10.8.8.8");
	udp(&f, 3333, 443);
	put_str(&f, "quic");
	fb_finish(&f);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "10.9.9.9", "10.8.8.8", 3333, 443, 17);
	CHECK_EQ(r.p.payload_len, 4);
	CHECK_EQ(r.p.encap_depth, 1);

	/* GTP-U with a sequence number and a PDU session container extension. */
	build_gtpu(&f);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "192.168.147.177", "151.121.193.160", 58496, 443, 6);
	CHECK_EQ(r.p.encap_depth, 1);
	CHECK_EQ(r.payload_off, 14 + 20 + 8 + 8 + 4 + 4 + 20 + 20);
	CHECK_EQ(r.p.payload_len, 3);
	CHECK_EQ(r.p.payload_wire_len, 3);
	sweep_truncations(DLT_EN10MB, &f);
	/* An extension header of length 0 would never end. */
	f.b[14 + 20 + 8 + 12] = 0;
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_NOT_IP);
	/* Echo request: GTP-U, but no user packet. */
	build_gtpu(&f);
	f.b[14 + 20 + 8 + 1] = 1;
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_NOT_IP);
	/* Not GTP version 1: plain UDP to port 2152. */
	build_gtpu(&f);
	f.b[14 + 20 + 8] = 0x48;
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "132.190.244.12", "151.121.185.44", 2152, 2152, 17);
	/* GTP Length shorter than the inner packet: bytes never sent. */
	build_gtpu(&f);
	set16(&f, 14 + 20 + 8 + 2, 8 + 20 + 20 + 1);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "192.168.147.177", "151.121.193.160", 58496, 443, 6);
	CHECK_EQ(r.p.payload_len, 1);
	CHECK_EQ(r.p.payload_wire_len, 1);

	/* Nested: GRE, then VXLAN, then IP-in-IP. */
	fb_reset(&f);
	eth(&f, 0x0800);
	ipv4(&f, 47, "192.0.2.1", "192.0.2.2");
	put16(&f, 0);
	put16(&f, 0x0800);
	ipv4(&f, 17, "198.18.0.1", "198.18.0.2");
	udp(&f, 1, 4789);
	put32(&f, 0x08000000);
	put32(&f, 0x00000100);
	eth(&f, 0x0800);
	ipv4(&f, 4, "10.0.0.1", "10.0.0.2");
	ipv4(&f, 6, "10.10.0.1", "10.10.0.2");
	tcp(&f, 7, 443);
	fb_finish(&f);
	r = run(DLT_EN10MB, &f);
	CHECK_FLOW(r, "10.10.0.1", "10.10.0.2", 7, 443, 6);
	CHECK_EQ(r.p.encap_depth, 3);
	sweep_truncations(DLT_EN10MB, &f);

	/* IP-in-IP DECODE_MAX_ENCAP_DEPTH deep passes; one more does not. */
	for (unsigned n = DECODE_MAX_ENCAP_DEPTH; n <= DECODE_MAX_ENCAP_DEPTH + 1; n++) {
		fb_reset(&f);
		eth(&f, 0x0800);
		for (unsigned i = 0; i < n; i++)
			ipv4(&f, 4, "192.0.2.1", "192.0.2.2");
		ipv4(&f, 6, "10.0.0.1", "10.0.0.2");
		tcp(&f, 1, 443);
		fb_finish(&f);
		r = run(DLT_EN10MB, &f);
		if (n == DECODE_MAX_ENCAP_DEPTH) {
			CHECK_FLOW(r, "10.0.0.1", "10.0.0.2", 1, 443, 6);
			CHECK_EQ(r.p.encap_depth, DECODE_MAX_ENCAP_DEPTH);
		} else {
			CHECK_SKIP(r, DECODE_SKIP_ENCAP_DEPTH);
		}
	}

	/* Tags and tunnels share the cap: 6 tags + 3 tunnels is one too many. */
	for (unsigned tags = 5; tags <= 6; tags++) {
		fb_reset(&f);
		eth(&f, 0x8100);
		for (unsigned i = 0; i < tags; i++)
			tag(&f, i, i + 1 < tags ? 0x8100 : 0x0800);
		ipv4(&f, 4, "192.0.2.1", "192.0.2.2");
		ipv4(&f, 4, "192.0.2.3", "192.0.2.4");
		ipv4(&f, 41, "192.0.2.5", "192.0.2.6");
		ipv6(&f, 6, "2001:db8::1", "2001:db8::2");
		tcp(&f, 1, 443);
		fb_finish(&f);
		r = run(DLT_EN10MB, &f);
		if (tags == 5)
			CHECK_EQ(r.p.encap_depth, 3);
		else
			CHECK_SKIP(r, DECODE_SKIP_ENCAP_DEPTH);
	}

	/* A tunnelled fragment is still a fragment. */
	fb_reset(&f);
	eth(&f, 0x0800);
	ipv4(&f, 4, "192.0.2.1", "192.0.2.2");
	ipv4(&f, 6, "10.0.0.1", "10.0.0.2");
	tcp(&f, 40000, 443);
	fb_finish(&f);
	set16(&f, 14 + 20 + 6, 0x2000);
	CHECK_SKIP(run(DLT_EN10MB, &f), DECODE_SKIP_IP_FRAGMENT);
}

static void test_truncation_sweeps(void)
{
	struct fb f;
	build_qinq_pppoe_ipv6_udp(&f);
	sweep_truncations(DLT_EN10MB, &f);
	build_ipv6_ext(&f);
	sweep_truncations(DLT_EN10MB, &f);
	build_sll2_ipv4(&f);
	sweep_truncations(DLT_LINUX_SLL2, &f);
	/* A frame of length 0 for every link type. */
	for (int dlt = -2; dlt < 300; dlt++) {
		struct packet p;
		enum decode_skip s = decode_frame(dlt, NULL, 0, &p);
		CHECK(s == DECODE_SKIP_TRUNCATED || s == DECODE_SKIP_LINK_TYPE);
		CHECK_EQ(s == DECODE_SKIP_TRUNCATED, decode_link_supported(dlt));
	}
}

/* ---- real captures ----------------------------------------------------- */

struct capture_expect {
	const char *file;
	int dlt;
	unsigned tcp, udp;       /* TCP and UDP packets tshark shows (outside ICMP) */
	unsigned long tcp_bytes; /* sum of tshark's tcp.len over those */
	/* one packet that must be among them */
	const char *src, *dst;
	unsigned sport, dport;
	unsigned encap_depth;
};

static void check_capture(const char *dir, const struct capture_expect *e)
{
	char path[512];
	char errbuf[PCAP_ERRBUF_SIZE];
	snprintf(path, sizeof(path), "%s/%s", dir, e->file);
	pcap_t *pc = pcap_open_offline(path, errbuf);
	CHECK(pc != NULL);
	if (!pc) {
		fprintf(stderr, "%s: %s\n", path, errbuf);
		return;
	}
	int dlt = pcap_datalink(pc);
	CHECK_EQ(dlt, e->dlt);
	CHECK(decode_link_supported(dlt));

	unsigned tcp_count = 0, udp_count = 0, found = 0;
	unsigned long tcp_bytes = 0;
	struct pcap_pkthdr *h;
	const u_char *data;
	while (pcap_next_ex(pc, &h, &data) == 1) {
		struct packet p;
		if (decode_frame(dlt, data, h->caplen, &p) != DECODE_SKIP_NONE)
			continue;
		if (p.ip_proto == 6) {
			tcp_count++;
			tcp_bytes += p.payload_wire_len;
		} else {
			udp_count++;
		}
		if (strcmp(fmt(&p.src), e->src) == 0 && strcmp(fmt(&p.dst), e->dst) == 0 &&
		    p.sport == e->sport && p.dport == e->dport && p.encap_depth == e->encap_depth)
			found++;
	}
	pcap_close(pc);
	if (tcp_count + udp_count == 0 || !found || tcp_count != e->tcp || udp_count != e->udp ||
	    tcp_bytes != e->tcp_bytes)
		fprintf(stderr, "%s: tcp %u udp %u tcp bytes %lu, matching packets %u\n", e->file, tcp_count,
		        udp_count, tcp_bytes, found);
	CHECK(tcp_count + udp_count > 0);
	CHECK(found > 0);
	CHECK_EQ(tcp_count, e->tcp);
	CHECK_EQ(udp_count, e->udp);
	CHECK_EQ(tcp_bytes, e->tcp_bytes);
}

static void test_captures(const char *dir)
{
	/* Expected numbers from tshark 4.x on the same files:
	 *   tshark -r FILE -Y '(tcp || udp) && !icmp && !icmpv6' -T fields -e tcp.len */
	static const struct capture_expect caps[] = {
	    {"zeek__geneve-47101.pcap", DLT_EN10MB, 24, 0, 23892, "192.168.0.107", "145.40.68.75", 45474, 443,
	     1},
	    {"nDPI__6in4tunnel.pcap", DLT_EN10MB, 75, 4, 23597, "2001:470:1f17:13f:3e97:eff:fe73:4dec",
	     "2a03:2880:1010:6f03:face:b00c:0:2", 53234, 443, 1},
	    {"zeek__pppoe-over-qinq.pcap", DLT_EN10MB, 86, 0, 34520, "1.1.1.1", "2.2.2.2", 20394, 443, 0},
	    {"nDPI__whois.pcapng", DLT_EN10MB, 23, 0, 4920, "10.17.34.139", "10.17.51.8", 64016, 4343, 0},
	    {"nDPI__quic-v2.pcapng", DLT_LINUX_SLL, 0, 19, 0, "::1", "::1", 42086, 4443, 0},
	    {"zeek__irc-starttls.pcap", DLT_LINUX_SLL, 20, 0, 2816, "203.143.168.47", "185.18.76.170", 55123,
	     6667, 0},
	    {"zeek__openjdk-25.0.2-zeek.org.pcap", DLT_LINUX_SLL2, 6, 0, 3377, "192.168.64.6", "192.0.78.150",
	     55058, 443, 0},
	    {"nDPI__selfsigned.pcap", DLT_NULL, 20, 0, 2634, "127.0.0.1", "127.0.0.1", 51607, 3001, 0},
	    {"zeek__ml-dsa-44-cert.pcap", DLT_RAW, 5, 0, 4175, "10.0.0.1", "10.0.0.2", 55001, 443, 0},
	    {"suricata-verify__linktype-228__flow-test-01.pcap", DLT_IPV4, 7, 0, 164, "192.168.0.2",
	     "192.168.0.1", 15057, 443, 0},
	    {"nDPI__ja3_lots_of_cipher_suites_2_anon.pcap", DLT_EN10MB, 27, 0, 4144, "192.168.147.177",
	     "151.121.193.160", 58496, 443, 1}, /* GTP-U */
	    {"zeek__quic-go_quic-go__handshake.pcap", DLT_PPP, 0, 9, 0, "193.167.0.100", "193.167.100.100",
	     40084, 443, 0},
	};
	struct stat st;
	if (!dir || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		check_skip("test_decode",
		           "no corpus directory given (argv[1]) or found: capture checks not run");
		return;
	}
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		check_capture(dir, &caps[i]);
}

/* argv[1]: the public capture corpus (CMake passes TLSSCOPE_CORPUS). */
int main(int argc, char **argv)
{
	test_names_and_links();
	test_addr_format();
	test_ether_ipv4_tcp();
	test_ether_padding();
	test_vlan();
	test_not_ip();
	test_pppoe();
	test_mpls();
	test_sll();
	test_null_loop();
	test_raw();
	test_ppp();
	test_ipv4_header();
	test_ipv6_ext();
	test_tcp_header();
	test_udp();
	test_tunnels();
	test_truncation_sweeps();
	test_captures(argc > 1 ? argv[1] : NULL);
	return check_report("test_decode");
}
