"""Deterministic captures of real TLS handshakes inside link and tunnel layers.

The IP packets of a sample capture (a real OpenSSL handshake from
tests/capmaker, Ethernet) are taken one by one and re-framed in another
encapsulation; nothing inside the IP packet changes. Each builder below gives
the frame for one IP packet, with the field layout it writes and where the
layout is defined. Outer checksums are left 0: tshark does not check them by
default, and tlsscope never does.
"""
import struct

from pcapgen import read_pcap

MAC_A = b"\x02\x00\x00\x00\x00\x01"
MAC_B = b"\x02\x00\x00\x00\x00\x02"
OUTER4 = (bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2]))
OUTER6 = (bytes.fromhex("20010db8ffff00000000000000000001"), bytes.fromhex("20010db8ffff00000000000000000002"))


def ip_packets(path):
    """[(sec, usec, ethertype, IP packet)] of an Ethernet pcap."""
    _, frames = read_pcap(path)
    out = []
    for sec, usec, _, f in frames:
        etype = struct.unpack_from(">H", f, 12)[0]
        out.append((sec, usec, etype, f[14:]))
    return out


def eth(etype, payload, dst=MAC_B, src=MAC_A):
    return dst + src + struct.pack(">H", etype) + payload


def ipv4(proto, payload, addrs=OUTER4):
    """RFC 791 header, no options."""
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, 64, proto, 0,
                       addrs[0], addrs[1]) + payload


def ipv6(next_header, payload, addrs=OUTER6):
    """RFC 8200 header."""
    return struct.pack(">IHBB16s16s", 0x60000000, len(payload), next_header, 64, addrs[0], addrs[1]) + payload


def udp(sport, dport, payload):
    """RFC 768 header, checksum 0 (none, over IPv4)."""
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


def outer_udp(sport, dport, payload):
    return eth(0x0800, ipv4(17, udp(sport, dport, payload)))


def gre(proto, payload, flags=0, seq=None, key=None):
    """RFC 2784 / RFC 2890: flags and version, protocol type, [key], [sequence]."""
    if key is not None:
        flags |= 0x2000
    if seq is not None:
        flags |= 0x1000
    h = struct.pack(">HH", flags, proto)
    if key is not None:
        h += struct.pack(">I", key)
    if seq is not None:
        h += struct.pack(">I", seq)
    return eth(0x0800, ipv4(47, h + payload))


def inner_eth(etype, ip):
    return eth(etype, ip, dst=b"\x02\x00\x00\x00\x01\x02", src=b"\x02\x00\x00\x00\x01\x01")


# One builder per encapsulation: (name, the sample it wraps, function(ethertype, IP packet, index) -> frame).
def cisco_metadata(et, ip, i):
    # EtherType 0x8909: Version(8)=1 Length(8)=1 Option(16)=0x0001 (SGT) SGT(16) EtherType(16)
    return eth(0x8909, struct.pack(">BBHHH", 1, 1, 0x0001, 100 + i % 3, et) + ip)


def four_in_six(et, ip, i):
    return eth(0x86dd, ipv6(4, ip))  # RFC 2473: next header 4


def six_in_four(et, ip, i):
    return eth(0x0800, ipv4(41, ip))  # RFC 4213 section 3.5: protocol 41


def erspan_1(et, ip, i):
    return gre(0x88be, inner_eth(et, ip))  # type I: no sequence number, no ERSPAN header


def erspan_2(et, ip, i):
    # Ver(4)=1 VLAN(12)=0 COS(3) En(2) T(1) Session ID(10)=7 | Reserved(12) Index(20)
    hdr = struct.pack(">HHI", 0x1000, 7, 0)
    return gre(0x88be, hdr + inner_eth(et, ip), seq=i)


def erspan_3(et, ip, i):
    # Ver(4)=2 VLAN(12) | COS BSO T Session ID(10)=7 | Timestamp(32) | SGT(16) | P FT(5)=0 HwID(6) D Gra(2) O(1)=1
    # then the 8-byte platform-specific subheader that O announces
    hdr = struct.pack(">HHIHH", 0x2000, 7, 1000 + i, 0, 0x0001) + bytes(8)
    return gre(0x22eb, hdr + inner_eth(et, ip), seq=i)


def nsh(et, ip, i):
    # RFC 8300: Ver(2)=0 O U TTL(6)=63 Length(6)=2 | U(4) MD Type(4)=2 Next Protocol(8) | SPI(24) SI(8)
    nxt = 1 if et == 0x0800 else 2
    b0b1 = (63 << 6) | 2
    return eth(0x894f, struct.pack(">HBBI", b0b1, 2, nxt, (42 << 8) | 255) + ip)


def teredo(et, ip, i):
    # RFC 4380 section 5.1.1: an origin indication (0x0000, port, address, obfuscated) on server packets
    if i % 2:
        return outer_udp(3544, 40001, struct.pack(">HH4s", 0, 0xffff ^ 40001, bytes(4)) + ip)
    return outer_udp(40001, 3544, ip)


def l2tp_v2(et, ip, i):
    # RFC 2661 section 3.1: T=0 L=1 S=0 O=0 Ver=2, Length, Tunnel ID, Session ID | PPP (ff 03, protocol)
    ppp = b"\xff\x03" + struct.pack(">H", 0x0021 if et == 0x0800 else 0x0057) + ip
    hdr = struct.pack(">HHHH", 0x4002, 8 + len(ppp), 11, 22)
    return outer_udp(1701, 1701, hdr + ppp)


def llc_snap(et, ip, i):
    # IEEE 802.3 length, then RFC 1042: DSAP aa SSAP aa control 03, OUI 000000, EtherType
    body = b"\xaa\xaa\x03\x00\x00\x00" + struct.pack(">H", et) + ip
    return MAC_B + MAC_A + struct.pack(">H", len(body)) + body


def mpls(et, ip, i):
    # RFC 3032: Label(20)=16000 TC(3) S(1)=1 TTL(8)=64
    return eth(0x8847, struct.pack(">I", (16000 << 12) | 0x100 | 64) + ip)


def pppoe(et, ip, i):
    # RFC 2516 section 4: Ver/Type 0x11, Code 0, Session ID, Length | PPP protocol
    ppp = struct.pack(">H", 0x0021 if et == 0x0800 else 0x0057) + ip
    return eth(0x8864, struct.pack(">BBHH", 0x11, 0, 0x1234, len(ppp)) + ppp)


def gre_ip(et, ip, i):
    return gre(et, ip, key=5)


def pptp(et, ip, i):
    # RFC 2637 section 4.1: flags K=1 S=1 Ver=1, protocol 0x880b, payload length, call ID, sequence | PPP
    ppp = b"\xff\x03" + struct.pack(">H", 0x0021) + ip
    h = struct.pack(">HHHHI", 0x3001, 0x880b, len(ppp), 9, i)
    return eth(0x0800, ipv4(47, h + ppp))


def vxlan(et, ip, i):
    # RFC 7348 section 5: flags 0x08 (I), VNI
    return outer_udp(50000 + i % 7, 4789, struct.pack(">II", 0x08000000, 100 << 8) + inner_eth(et, ip))


def vxlan_gpe(et, ip, i):
    # draft-ietf-nvo3-vxlan-gpe: flags 0x0c (I, P), next protocol 1 (IPv4), VNI
    return outer_udp(50000 + i % 7, 4790, struct.pack(">II", 0x0c000001, 100 << 8) + ip)


def geneve(et, ip, i):
    # RFC 8926 section 3.4: Ver 0, Opt Len 1 (4 bytes of options), protocol 0x6558, VNI; one option
    opt = struct.pack(">HBB", 0x0101, 0x01, 0) + b""  # class, type, length 0 words
    return outer_udp(50000 + i % 7, 6081, struct.pack(">BBHI", 1, 0, 0x6558, 100 << 8) + opt + inner_eth(et, ip))


def pbb(et, ip, i):
    # IEEE 802.1ah I-TAG: PCP DEI UCA Res(8) I-SID(24), then the customer frame
    return eth(0x88e7, struct.pack(">I", 0x00010203) + inner_eth(et, ip))


ENCAPSULATIONS = [
    ("cisco_metadata", "01-tls12-good", cisco_metadata),
    ("4in6", "01-tls12-good", four_in_six),
    ("6in4", "09-ipv6", six_in_four),
    ("erspan_type1", "01-tls12-good", erspan_1),
    ("erspan_type2", "01-tls12-good", erspan_2),
    ("erspan_type3", "01-tls12-good", erspan_3),
    ("nsh", "01-tls12-good", nsh),
    ("teredo", "09-ipv6", teredo),
    ("l2tpv2", "01-tls12-good", l2tp_v2),
    ("llc_snap", "01-tls12-good", llc_snap),
    ("mpls", "01-tls12-good", mpls),
    ("pppoe", "01-tls12-good", pppoe),
    ("gre", "01-tls12-good", gre_ip),
    ("pptp", "01-tls12-good", pptp),
    ("vxlan", "01-tls12-good", vxlan),
    ("vxlan_gpe", "01-tls12-good", vxlan_gpe),
    ("geneve", "01-tls12-good", geneve),
    ("pbb", "01-tls12-good", pbb),
]


def write(path, frames):
    """A little-endian microsecond pcap of Ethernet frames [(sec, usec, frame)]."""
    with open(path, "wb") as fh:
        fh.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        for sec, usec, f in frames:
            fh.write(struct.pack("<IIII", sec, usec, len(f), len(f)) + f)


def make(name, sample_path, build, path):
    write(path, [(sec, usec, build(et, ip, i)) for i, (sec, usec, et, ip) in enumerate(ip_packets(sample_path))])
