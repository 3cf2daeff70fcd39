"""Small helpers to write classic pcap files of hand-made TCP/IPv4 frames, and to edit real ones.

Used by the CLI tests to make hostile or odd captures on the fly; the sample
captures of real handshakes come from the capture maker (tests/capmaker).
"""
import functools
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
        return ok

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


# ---- TLS 1.3 draft handshakes (hand-made bytes, laid out as each draft defines them) ----

def tls_record(content_type, body, version=0x0303):
    return struct.pack(">BHH", content_type, version, len(body)) + body


def handshake_msg(msg_type, body):
    return bytes([msg_type]) + struct.pack(">I", len(body))[1:] + body


def extension(ext_type, body):
    return struct.pack(">HH", ext_type, len(body)) + body


def draft_number(version):
    """NN of a draft version 0x7fNN; Facebook's 0xfb17 / 0xfb1a are drafts 23 / 26; 0 for others."""
    if version >> 8 == 0x7f:
        return version & 0xff
    return {0xfb17: 23, 0xfb1a: 26}.get(version, 0)


def key_share_type(version):
    """key_share was extension 40 until draft 22, 51 from draft 23 (and in RFC 8446)."""
    n = draft_number(version)
    return 40 if n and n <= 22 else 51


def tls13_client_hello(sni, version, seed, padding=0):
    """A ClientHello offering one TLS 1.3 (draft) version in supported_versions (draft-ietf-tls-tls13-NN
    4.1.2), with a padding extension (RFC 7685) of `padding` bytes if not 0."""
    name = struct.pack(">BH", 0, len(sni)) + sni
    exts = (extension(0, struct.pack(">H", len(name)) + name)
            + extension(10, b"\x00\x02\x00\x1d")
            + extension(13, b"\x00\x04\x08\x04\x04\x03")
            + extension(key_share_type(version), struct.pack(">HHH", 36, 0x1d, 32) + bytes([seed]) * 32)
            + extension(43, b"\x02" + struct.pack(">H", version))
            + (extension(21, bytes(padding)) if padding else b""))
    body = (b"\x03\x03" + bytes([seed ^ 0x55]) * 32 + b"\x20" + bytes([seed]) * 32
            + b"\x00\x06\x13\x01\x13\x02\x13\x03" + b"\x01\x00" + struct.pack(">H", len(exts)) + exts)
    return tls_record(22, handshake_msg(1, body), 0x0301)


def tls13_server_hello(version, cipher, seed):
    """The ServerHello of a TLS 1.3 draft: drafts before 22 put the version in the version field and have
    no session id echo and no compression byte; from 22 on the final layout with supported_versions."""
    key_share = extension(key_share_type(version), struct.pack(">HH", 0x1d, 32) + bytes([seed ^ 0xaa]) * 32)
    random = bytes([seed ^ 0x33]) * 32
    n = draft_number(version)
    if version >> 8 == 0x7f and n < 22:
        body = struct.pack(">H", version) + random + struct.pack(">H", cipher) + struct.pack(">H", len(key_share)) + key_share
    else:
        exts = extension(43, struct.pack(">H", version)) + key_share
        body = (b"\x03\x03" + random + b"\x20" + bytes([seed]) * 32 + struct.pack(">HB", cipher, 0)
                + struct.pack(">H", len(exts)) + exts)
    return tls_record(22, handshake_msg(2, body))


def tls13_draft_connection(pcap, version, cipher, sni, port, seed):
    """One TLS 1.3 draft connection: hellos, the server's encrypted flight, the client's Finished, a request
    and a response, FIN from both."""
    c = Conn(pcap, cli=("10.9.0.1", port), srv=("10.9.0.2", 443), isn_c=1000 + seed, isn_s=90000 + seed)
    c.handshake()
    c.send("c", tls13_client_hello(sni, version, seed))
    flight = tls13_server_hello(version, cipher, seed)
    if draft_number(version) >= 22:
        flight += tls_record(20, b"\x01")  # the middlebox-compatibility CCS came with draft 22
    flight += tls_record(23, bytes([seed]) * 900)
    c.send("s", flight)
    c.send("c", tls_record(23, bytes([seed ^ 1]) * 53))
    c.send("c", tls_record(23, bytes([seed ^ 2]) * 120))
    c.send("s", tls_record(23, bytes([seed ^ 3]) * 400))
    c.close("c")


# (version, cipher suite) of each connection of pcaps/50-tls13-drafts.pcap
TLS13_DRAFT_CASES = [(0x7f12, 0x1302), (0x7f15, 0x1303), (0x7f16, 0x1301), (0x7f17, 0x1302), (0x7f1c, 0x1303),
                     (0xfb1a, 0x1301)]


def tls13_drafts_capture(path):
    """Deterministic capture of one connection per TLS 1.3 draft layout in TLS13_DRAFT_CASES."""
    p = Pcap(path)
    for i, (version, cipher) in enumerate(TLS13_DRAFT_CASES):
        tls13_draft_connection(p, version, cipher, b"draft%d.example.test" % draft_number(version), 41000 + i, i + 1)
    p.close()


def tshark_rows(path, display_filter, fields, extra=()):
    """tshark's view of a capture: one list of field values per matching packet; exits 77 without tshark."""
    import shutil
    import subprocess
    import sys
    if not shutil.which("tshark"):
        print("SKIP: tshark not installed")
        sys.exit(77)
    cmd = ["tshark", "-r", path, "-Y", display_filter, "-T", "fields", *extra]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def analyze_json(tool, path, *extra):
    """(connection records, summary) of `tlsscope analyze --json --json-detail full` (every field inline)."""
    import json
    import subprocess
    out = subprocess.run([tool, "analyze", "--json", "--json-detail", "full", *extra, path], capture_output=True,
                         text=True)
    lines = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
    return [l for l in lines if l.get("type") == "connection"], next((l for l in lines if l.get("type") == "summary"), {})


def udp_frame(src, sport, dst, dport, payload):
    udp = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0)
    total = 20 + len(udp) + len(payload)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 17, 0, ip4(src), ip4(dst))
    return ETH_IPV4 + ip + udp + payload


def handshake_records(msgs):
    """Handshake messages (type, body) as TLS 1.2 records of at most 2^14 bytes (RFC 5246 6.2.1)."""
    stream = b"".join(bytes([t]) + struct.pack(">I", len(b))[1:] + b for t, b in msgs)
    return b"".join(b"\x16\x03\x03" + struct.pack(">H", len(stream[i:i + 16384])) + stream[i:i + 16384]
                    for i in range(0, len(stream), 16384))


def server_hello_and_certificates(ders):
    """A TLS 1.2 ServerHello (RFC 5246 7.4.1.3) and a Certificate message (7.4.2) carrying ders, as records."""
    hello = b"\x03\x03" + bytes(32) + b"\x00" + b"\xc0\x2f" + b"\x00" + b"\x00\x00"
    certs = b"".join(struct.pack(">I", len(d))[1:] + d for d in ders)
    return handshake_records([(2, hello), (11, struct.pack(">I", len(certs))[1:] + certs)])


def der(tag, content):
    """One DER TLV (X.690 8.1): tag byte, definite length, content."""
    n = len(content)
    if n < 128:
        return bytes([tag]) + bytes([n]) + content
    size = (n.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + n.to_bytes(size, "big") + content


def der_oid(dotted):
    parts = [int(x) for x in dotted.split(".")]
    out = bytes([40 * parts[0] + parts[1]])
    for v in parts[2:]:
        enc = [v & 0x7f]
        while v > 127:
            v >>= 7
            enc.insert(0, 0x80 | (v & 0x7f))
        out += bytes(enc)
    return der(0x06, out)


# The P-256 base point (SEC 2 2.4.2): a valid public key that needs no key generation.
P256_G = bytes.fromhex("04" "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
                       "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")


@functools.lru_cache(maxsize=64)
def subject_alt_name(sans):
    """The subjectAltName extension (RFC 5280 4.2.1.6) of dNSNames, made once per list."""
    gens = b"".join(der(0x82, s.encode()) for s in sans)
    return der(0x30, der_oid("2.5.29.17") + der(0x04, der(0x30, gens)))


def certificate(serial, cn, issuer_cn, sans=(), extra_extensions=0, extension_bytes=16):
    """A DER X.509 v3 certificate (RFC 5280 4.1) libcrypto parses: ECDSA P-256 key, dNSName SANs,
    extra_extensions private non-critical extensions of extension_bytes each. The signature is
    not a real one (nothing here is meant to verify); serial makes each certificate distinct."""
    def name(text):
        return der(0x30, der(0x31, der(0x30, der_oid("2.5.4.3") + der(0x0c, text.encode()))))
    ecdsa_sha256 = der(0x30, der_oid("1.2.840.10045.4.3.2"))
    spki = der(0x30, der(0x30, der_oid("1.2.840.10045.2.1") + der_oid("1.2.840.10045.3.1.7"))
               + der(0x03, b"\x00" + P256_G))
    exts = b""
    if sans:
        exts += subject_alt_name(tuple(sans))
    for i in range(extra_extensions):
        exts += der(0x30, der_oid("1.3.6.1.4.1.55555.%d" % (i + 1)) + der(0x04, der(0x04, bytes(extension_bytes))))
    tbs = der(0x30, der(0xa0, der(0x02, b"\x02")) + der(0x02, b"\x01" + serial.to_bytes(8, "big")) + ecdsa_sha256
              + name(issuer_cn) + der(0x30, der(0x17, b"250101000000Z") + der(0x17, b"350101000000Z"))
              + name(cn) + spki + (der(0xa3, der(0x30, exts)) if exts else b""))
    signature = der(0x03, b"\x00" + der(0x30, der(0x02, b"\x01" * 32) + der(0x02, b"\x02" * 32)))
    return der(0x30, tbs + ecdsa_sha256 + signature)
