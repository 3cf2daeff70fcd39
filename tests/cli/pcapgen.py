"""Small helpers to write classic pcap files of hand-made TCP/IPv4 frames, and to edit real ones.

Used by the CLI tests to make hostile or odd captures on the fly; the sample
captures of real handshakes come from the capture maker (tests/capmaker).
"""
import struct

ETH_IPV4 = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def tcp_frame(src, sport, dst, dport, seq, ack=0, flags=0x18, payload=b""):
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff, 5 << 4, flags, 65535, 0, 0)
    total = 20 + len(tcp) + len(payload)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0, ip4(src), ip4(dst))
    return ETH_IPV4 + ip + tcp + payload


def read_pcap(path):
    """(file header, [[sec, usec, wire length, frame bytes], ...]) of a little-endian Ethernet pcap (frames None if not one)."""
    data = open(path, "rb").read()
    if struct.unpack_from("<I", data, 0)[0] != 0xa1b2c3d4 or struct.unpack_from("<I", data, 20)[0] != 1:
        return data[:24], None
    frames, off = [], 24
    while off + 16 <= len(data):
        sec, usec, caplen, wirelen = struct.unpack_from("<IIII", data, off)
        frames.append([sec, usec, wirelen, data[off + 16:off + 16 + caplen]])
        off += 16 + caplen
    return data[:24], frames


def tcp_payload(frame):
    """(offset of the TCP header, offset of the payload, source port) of an IPv4 TCP frame, or None."""
    if frame[12:14] != b"\x08\x00" or frame[23] != 6:
        return None
    ip_len = (frame[14] & 0x0f) * 4
    tcp = 14 + ip_len
    total = struct.unpack_from(">H", frame, 16)[0]
    payload = tcp + (frame[tcp + 12] >> 4) * 4
    if 14 + total <= payload:
        return None
    return tcp, payload, struct.unpack_from(">H", frame, tcp)[0]


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(">%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def fix_tcp_checksum(frame):
    tcp, _, _ = tcp_payload(frame)
    total = struct.unpack_from(">H", frame, 16)[0]
    seg = bytearray(frame[tcp:14 + total])
    seg[16:18] = b"\0\0"
    pseudo = frame[26:34] + struct.pack(">BBH", 0, 6, len(seg))
    seg[16:18] = struct.pack(">H", csum(pseudo + bytes(seg)))
    return frame[:tcp] + bytes(seg) + frame[14 + total:]


def open_sample(path, work):
    """read_pcap() of a sample capture to edit; exits 77 (skipped) if it is missing or not one."""
    import os
    import sys
    if not os.path.exists(path):
        print("SKIP: %s missing" % path)
        sys.exit(77)
    header, frames = read_pcap(path)
    if frames is None:
        print("SKIP: %s is not a little-endian Ethernet pcap" % path)
        sys.exit(77)
    os.makedirs(work, exist_ok=True)
    return header, frames


class Checks:
    """Named predicates, printed as they are checked; exit() fails if any did not hold."""

    def __init__(self):
        self.failed = []

    def __call__(self, what, ok, detail=""):
        print("%s: %s %s" % ("ok" if ok else "FAIL", what, detail))
        if not ok:
            self.failed.append(what)

    def exit(self, only_if_failed=False):
        import sys
        if self.failed or not only_if_failed:
            sys.exit(1 if self.failed else 0)


def write_pcap(path, header, frames):
    with open(path, "wb") as fh:
        fh.write(header)
        for sec, usec, wirelen, f in frames:
            fh.write(struct.pack("<IIII", sec, usec, len(f), wirelen) + f)


class Pcap:
    def __init__(self, path, linktype=1, snaplen=262144, nanosecond=False):
        self.fh = open(path, "wb")
        self.nano = nanosecond
        magic = 0xa1b23c4d if nanosecond else 0xa1b2c3d4
        self.fh.write(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype))
        self.ns = 1767225600 * 10**9  # 2026-01-01, kept in integer nanoseconds

    def frame(self, data, orig_len=None, step_ns=1000123):
        self.ns += step_ns
        sec, frac = divmod(self.ns, 10**9)
        self.fh.write(struct.pack("<IIII", sec, frac if self.nano else frac // 1000, len(data), orig_len or len(data)))
        self.fh.write(data)

    def close(self):
        self.fh.close()


class Conn:
    """A TCP connection that writes its packets into a Pcap."""

    def __init__(self, pcap, cli=("10.1.0.1", 40000), srv=("10.1.0.2", 443), isn_c=1000, isn_s=50000):
        self.p, self.cli, self.srv = pcap, cli, srv
        self.seq = {"c": isn_c, "s": isn_s}

    def handshake(self):
        c, s = self.cli, self.srv
        self.p.frame(tcp_frame(c[0], c[1], s[0], s[1], self.seq["c"], 0, 0x02))
        self.p.frame(tcp_frame(s[0], s[1], c[0], c[1], self.seq["s"], self.seq["c"] + 1, 0x12))
        self.seq["c"] += 1
        self.seq["s"] += 1
        self.p.frame(tcp_frame(c[0], c[1], s[0], s[1], self.seq["c"], self.seq["s"], 0x10))

    def send(self, who, payload, seq=None, advance=True, flags=0x18):
        a, b = (self.cli, self.srv) if who == "c" else (self.srv, self.cli)
        other = "s" if who == "c" else "c"
        q = self.seq[who] if seq is None else seq
        self.p.frame(tcp_frame(a[0], a[1], b[0], b[1], q, self.seq[other], flags, payload))
        if advance and seq is None:
            self.seq[who] += len(payload)

    def close(self, who="c", rst=False):
        self.send(who, b"", flags=0x14 if rst else 0x11)
        if not rst:
            self.send("s" if who == "c" else "c", b"", flags=0x11)


def client_hello(sni):
    """A TLS 1.2 ClientHello record (RFC 5246 7.4.1.2) with one server_name (RFC 6066 3)."""
    name = struct.pack(">BH", 0, len(sni)) + sni
    ext = struct.pack(">HHH", 0, len(name) + 2, len(name)) + name
    body = (b"\x03\x03" + bytes(32) + b"\x00" + struct.pack(">H", 2) + b"\xc0\x2f" + b"\x01\x00"
            + struct.pack(">H", len(ext)) + ext)
    hs = b"\x01" + struct.pack(">I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs


def hello_then_reset(path, sni, cli, srv, ns=None):
    """A capture of one connection: TCP handshake, a ClientHello for sni, the server's RST."""
    p = Pcap(path)
    if ns is not None:
        p.ns = ns
    c = Conn(p, cli=cli, srv=srv)
    c.handshake()
    c.send("c", client_hello(sni))
    c.close("s", rst=True)
    p.close()
