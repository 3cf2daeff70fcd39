/*
 * cm_wire.c - the capture side of capmaker: the classic pcap file format
 * (written by hand, little-endian, microsecond timestamps), the link headers
 * (Ethernet, Ethernet + 802.1Q, Linux cooked v1), IPv4/IPv6 and TCP with
 * valid checksums, and how two TCP endpoints would put a byte stream on the
 * wire: 3-way handshake with the MSS option, MSS-sized segments with PSH on
 * the last, delayed ACKs, FIN and RST.  Two deliberate damages live here
 * too, because they are about segments, not TLS: out-of-order delivery with
 * retransmissions, and a capture that stops inside a flight.
 */
#include "capmaker.h"

#include <string.h>

#define TH_FIN 0x01u
#define TH_SYN 0x02u
#define TH_RST 0x04u
#define TH_PSH 0x08u
#define TH_ACK 0x10u

#define SNAPLEN 262144u    /* what tcpdump writes by default */
#define FRAME_MAX 2048u    /* link 18 + IPv6 40 + TCP 24 + MSS <= 1460 */
#define BURST_GAP_US 1000u /* between segments of one flight */
#define TURN_GAP_US 6000u  /* when the other side (or flow) speaks: a few ms */

static const uint8_t client_mac[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
static const uint8_t server_mac[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x02};

static void be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, v >> 16);
	be16(p + 2, v & 0xffff);
}

/* pcap is written in the byte order of the writer; we fix little-endian so
 * the files are the same whatever machine makes them. */
static void le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
	le16(p, v & 0xffff);
	le16(p + 2, v >> 16);
}

/* RFC 1071 ones' complement sum over big-endian 16-bit words. */
static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	for (; n > 1; p += 2, n -= 2)
		s += (uint32_t)p[0] << 8 | p[1];
	if (n)
		s += (uint32_t)p[0] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

void cm_pcap_open(struct cm_pcap *w, const char *path, uint32_t linktype, uint16_t vlan)
{
	uint8_t h[24];

	memset(w, 0, sizeof *w);
	w->path = path;
	w->linktype = linktype;
	w->vlan = vlan;
	w->f = fopen(path, "wb");
	if (!w->f)
		cm_die("cannot create %s", path);
	le32(h, 0xa1b2c3d4u); /* microsecond resolution */
	le16(h + 4, 2);
	le16(h + 6, 4);
	le32(h + 8, 0);  /* thiszone: UTC */
	le32(h + 12, 0); /* sigfigs */
	le32(h + 16, SNAPLEN);
	le32(h + 20, linktype);
	if (fwrite(h, sizeof h, 1, w->f) != 1)
		cm_die("write error on %s", path);
}

void cm_pcap_close(struct cm_pcap *w)
{
	if (fclose(w->f) != 0)
		cm_die("write error on %s", w->path);
	w->f = NULL;
}

static void pcap_record(struct cm_pcap *w, const void *flow, int side, const uint8_t *frame, uint32_t len,
                        uint32_t caplen)
{
	uint8_t h[16];
	uint64_t t;

	if (w->packets) {
		bool burst = flow == w->last_flow && side == w->last_side;
		w->t_us += burst ? BURST_GAP_US : TURN_GAP_US;
	}
	w->last_flow = flow;
	w->last_side = side;
	t = w->t_us;
	le32(h, (uint32_t)(CM_EPOCH + (int64_t)(t / 1000000)));
	le32(h + 4, (uint32_t)(t % 1000000));
	le32(h + 8, caplen);
	le32(h + 12, len);
	if (fwrite(h, sizeof h, 1, w->f) != 1 || fwrite(frame, caplen, 1, w->f) != 1)
		cm_die("write error on %s", w->path);
	w->packets++;
}

/* Link header for a packet sent by side; returns its length. */
static size_t link_header(const struct cm_pcap *w, uint8_t *p, int side, bool v6)
{
	const uint8_t *src = side == CM_CLIENT ? client_mac : server_mac;
	const uint8_t *dst = side == CM_CLIENT ? server_mac : client_mac;
	uint32_t ethertype = v6 ? 0x86dd : 0x0800;
	size_t n = 0;

	if (w->linktype == CM_LINKTYPE_LINUX_SLL) {
		/* Captured on the client: its own packets are "outgoing" (4), the
		 * server's are "to us" (0); the address is the sender's. */
		be16(p, side == CM_CLIENT ? 4 : 0);
		be16(p + 2, 1); /* ARPHRD_ETHER */
		be16(p + 4, 6);
		memset(p + 6, 0, 8);
		memcpy(p + 6, src, 6);
		be16(p + 14, ethertype);
		return 16;
	}
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	n = 12;
	if (w->vlan) {
		be16(p + n, 0x8100);
		be16(p + n + 2, w->vlan & 0x0fff); /* priority 0, DEI 0 */
		n += 4;
	}
	be16(p + n, ethertype);
	return n + 2;
}

/* One TCP segment from side.  The ACK field is what side has received in
 * order; sending it settles side's delayed ACK.  Only snap bytes of the
 * payload are captured when snap < len (a snaplen cut). */
static void packet(struct cm_flow *f, int side, unsigned flags, uint32_t seq, const uint8_t *data, size_t len,
                   size_t snap)
{
	uint8_t fr[FRAME_MAX];
	int peer = !side;
	size_t l2 = link_header(f->w, fr, side, f->v6);
	size_t l3 = f->v6 ? 40 : 20;
	size_t thl = (flags & TH_SYN) ? 24 : 20;
	uint8_t *ip = fr + l2, *th = ip + l3;
	size_t tcplen = thl + len;
	size_t alen = f->v6 ? 16 : 4;
	uint32_t s;

	if (l2 + l3 + tcplen > sizeof fr)
		cm_die("segment too large");

	if (f->v6) {
		be32(ip, 0x60000000u);
		be16(ip + 4, (uint32_t)tcplen);
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, f->addr[side], 16);
		memcpy(ip + 24, f->addr[peer], 16);
	} else {
		ip[0] = 0x45;
		ip[1] = 0;
		be16(ip + 2, (uint32_t)(20 + tcplen));
		be16(ip + 4, f->ipid[side]++);
		be16(ip + 6, 0x4000);                /* DF */
		ip[8] = side == CM_CLIENT ? 64 : 58; /* the server is a few hops away */
		ip[9] = 6;
		be16(ip + 10, 0);
		memcpy(ip + 12, f->addr[side], 4);
		memcpy(ip + 16, f->addr[peer], 4);
		be16(ip + 10, fold(sum16(0, ip, 20)));
	}

	be16(th, f->port[side]);
	be16(th + 2, f->port[peer]);
	be32(th + 4, seq);
	be32(th + 8, (flags & TH_ACK) ? f->rcv[side] : 0);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = (uint8_t)flags;
	be16(th + 14, (flags & TH_RST) ? 0 : 64240);
	be16(th + 16, 0);
	be16(th + 18, 0);
	if (flags & TH_SYN) {
		th[20] = 2; /* MSS option */
		th[21] = 4;
		be16(th + 22, f->mss);
	}
	if (len)
		memcpy(th + thl, data, len);

	/* pseudo-header (RFC 793 / RFC 8200 section 8.1), then the segment */
	s = sum16(0, f->addr[side], alen);
	s = sum16(s, f->addr[peer], alen);
	s += 6 + (uint32_t)tcplen;
	s = sum16(s, th, tcplen);
	be16(th + 16, fold(s));

	if (flags & TH_ACK)
		f->unacked[side] = 0;
	{
		size_t total = l2 + l3 + tcplen;
		size_t cap = snap < len ? total - len + snap : total;
		pcap_record(f->w, f, side, fr, (uint32_t)total, (uint32_t)cap);
	}
}

void cm_flow_init(struct cm_flow *f, struct cm_pcap *w, bool v6, const uint8_t *caddr, const uint8_t *saddr,
                  uint16_t cport, uint16_t sport, unsigned mss, uint64_t *rng)
{
	size_t alen = v6 ? 16 : 4;

	memset(f, 0, sizeof *f);
	f->w = w;
	f->v6 = v6;
	memcpy(f->addr[CM_CLIENT], caddr, alen);
	memcpy(f->addr[CM_SERVER], saddr, alen);
	f->port[CM_CLIENT] = cport;
	f->port[CM_SERVER] = sport;
	f->mss = mss;
	f->seq[CM_CLIENT] = (uint32_t)cm_next(rng);
	f->seq[CM_SERVER] = (uint32_t)cm_next(rng);
	f->ipid[CM_CLIENT] = (uint16_t)cm_next(rng);
	f->ipid[CM_SERVER] = (uint16_t)cm_next(rng);
}

void cm_flow_syn(struct cm_flow *f)
{
	packet(f, CM_CLIENT, TH_SYN, f->seq[CM_CLIENT]++, NULL, 0, SIZE_MAX);
	f->rcv[CM_SERVER] = f->seq[CM_CLIENT];
}

void cm_flow_synack(struct cm_flow *f)
{
	packet(f, CM_SERVER, TH_SYN | TH_ACK, f->seq[CM_SERVER]++, NULL, 0, SIZE_MAX);
	f->rcv[CM_CLIENT] = f->seq[CM_SERVER];
}

void cm_flow_ack(struct cm_flow *f, int side)
{
	packet(f, side, TH_ACK, f->seq[side], NULL, 0, SIZE_MAX);
}

void cm_flow_fin(struct cm_flow *f, int side)
{
	packet(f, side, TH_FIN | TH_ACK, f->seq[side]++, NULL, 0, SIZE_MAX);
	f->rcv[!side] = f->seq[side];
	f->unacked[!side]++;
}

void cm_flow_rst(struct cm_flow *f, int side)
{
	packet(f, side, TH_RST | TH_ACK, f->seq[side], NULL, 0, SIZE_MAX);
}

/* A new flight from side while the peer still owes an ACK for the last one:
 * the peer's delayed-ACK timer has fired by now. */
static void settle_peer(struct cm_flow *f, int side)
{
	if (f->unacked[!side])
		cm_flow_ack(f, !side);
}

/* The peer acknowledges every second full segment (RFC 1122 4.2.3.2); the
 * rest waits for its next packet or the next flight. */
static void deliver_in_order(struct cm_flow *f, int side, size_t len)
{
	int peer = !side;
	f->seq[side] += (uint32_t)len;
	f->rcv[peer] = f->seq[side];
	if (++f->unacked[peer] == 2)
		cm_flow_ack(f, peer);
}

void cm_flow_send(struct cm_flow *f, int side, const uint8_t *p, size_t n)
{
	settle_peer(f, side);
	for (size_t off = 0; off < n;) {
		size_t len = n - off < f->mss ? n - off : f->mss;
		unsigned flags = TH_ACK | (off + len == n ? TH_PSH : 0);
		packet(f, side, flags, f->seq[side], p + off, len, SIZE_MAX);
		deliver_in_order(f, side, len);
		off += len;
	}
}

#define REORDER_MAX 64

/* The flight's segments arrive out of order: 1, 0, then 1 again (a
 * retransmission), then a retransmission that overlaps the second half of
 * 0 and the first half of 1 with the same bytes, then the remaining
 * segments pairwise swapped.  The receiver ACKs every arrival with what it
 * holds in order, so holes show as duplicate ACKs.  Every byte is in the
 * capture at least once. */
void cm_flow_send_reordered(struct cm_flow *f, int side, const uint8_t *p, size_t n)
{
	struct piece {
		size_t off, len;
	} plan[2 * REORDER_MAX + 4];
	size_t seg_off[REORDER_MAX], seg_len[REORDER_MAX];
	bool have[REORDER_MAX] = {false};
	size_t nseg = 0, np = 0;
	uint32_t base = f->seq[side];
	int peer = !side;

	for (size_t off = 0; off < n; off += f->mss) {
		if (nseg == REORDER_MAX)
			cm_die("flight too long to reorder");
		seg_off[nseg] = off;
		seg_len[nseg] = n - off < f->mss ? n - off : f->mss;
		nseg++;
	}
	if (nseg < 2) {
		cm_flow_send(f, side, p, n);
		return;
	}
	plan[np++] = (struct piece){seg_off[1], seg_len[1]};
	plan[np++] = (struct piece){seg_off[0], seg_len[0]};
	plan[np++] = (struct piece){seg_off[1], seg_len[1]};
	plan[np++] = (struct piece){seg_len[0] / 2, seg_len[0] - seg_len[0] / 2 + seg_len[1] / 2};
	for (size_t i = 2; i < nseg; i += 2) {
		if (i + 1 < nseg)
			plan[np++] = (struct piece){seg_off[i + 1], seg_len[i + 1]};
		plan[np++] = (struct piece){seg_off[i], seg_len[i]};
	}

	settle_peer(f, side);
	for (size_t k = 0; k < np; k++) {
		size_t end = plan[k].off + plan[k].len, inorder = 0;
		unsigned flags = TH_ACK | (end == n ? TH_PSH : 0);
		packet(f, side, flags, base + (uint32_t)plan[k].off, p + plan[k].off, plan[k].len, SIZE_MAX);
		for (size_t i = 0; i < nseg; i++) /* pieces start on segment bounds or inside 0 */
			if (seg_off[i] >= plan[k].off && seg_off[i] + seg_len[i] <= end)
				have[i] = true;
		for (size_t i = 0; i < nseg && have[i]; i++)
			inorder = seg_off[i] + seg_len[i];
		f->rcv[peer] = base + (uint32_t)inorder;
		cm_flow_ack(f, peer);
	}
	f->seq[side] = base + (uint32_t)n;
	if (f->rcv[peer] != f->seq[side])
		cm_die("reordered flight left a hole");
}

/* The capture stops inside this flight: the first `full` bytes go out as
 * usual (full is a multiple of the MSS), the next segment is on the wire in
 * full but only `snap` bytes of its payload were captured, and nothing
 * follows. */
void cm_flow_send_cut(struct cm_flow *f, int side, const uint8_t *p, size_t n, size_t full, size_t snap)
{
	size_t len;

	if (full == 0 || full % f->mss || full >= n)
		cm_die("bad cut point");
	settle_peer(f, side);
	for (size_t off = 0; off < full; off += f->mss) {
		packet(f, side, TH_ACK, f->seq[side], p + off, f->mss, SIZE_MAX);
		deliver_in_order(f, side, f->mss);
	}
	len = n - full < f->mss ? n - full : f->mss;
	packet(f, side, TH_ACK | (full + len == n ? TH_PSH : 0), f->seq[side], p + full, len,
	       snap < len ? snap : len - 1);
}
