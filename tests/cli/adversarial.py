"""Deterministic hostile captures, one function per case: what an attacker would feed tlsscope.

Each case writes its capture (and any side file) for a size n into a work
folder and returns the extra tlsscope arguments it needs. Sizes are counts of
the case's unit (connections, segments, datagrams, lines). Nothing is random:
"random" connection IDs come from a seeded generator, so a case is the same
bytes every time. Run it alone to write every case at one size:

    python3 adversarial.py WORKDIR N [CASE...]
"""
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import Conn, Pcap, certificate, client_hello, server_hello_and_certificates, udp_frame  # noqa: E402
import test_hash_collisions  # noqa: E402


def addr(i, net=10):
    return "%d.%d.%d.%d" % (net, i >> 16 & 255, i >> 8 & 255, i & 255)


def half_open(path, n):
    """n SYNs, never answered."""
    p = Pcap(path)
    for i in range(n):
        Conn(p, cli=(addr(i), 40000 + i % 20000)).send("c", b"", flags=0x02)
    p.close()


def holes(path, n):
    """n connections whose ClientHello's first segment never arrives: the rest waits behind a hole."""
    p = Pcap(path)
    hello = client_hello(b"hole.example") * 4
    for i in range(n):
        c = Conn(p, cli=(addr(i), 41000))
        c.handshake()
        c.send("c", hello[100:], seq=c.seq["c"] + 100)
    p.close()


def one_byte_ooo(path, n):
    """One connection, n one-byte segments sent last first: each waits for the one before it."""
    p = Pcap(path)
    c = Conn(p)
    c.handshake()
    data = (client_hello(b"ooo.example") * (n // 60 + 1))[:n]
    for k in range(n - 1, -1, -1):
        c.send("c", data[k:k + 1], seq=c.seq["c"] + k)
    p.close()


def length_claims(path, n):
    """n connections whose one segment's handshake header claims a 16 MiB ClientHello."""
    claim = b"\x16\x03\x01" + struct.pack(">H", 16384) + b"\x01\xff\xff\xff\x03\x03" + bytes(89)
    p = Pcap(path)
    for i in range(n):
        c = Conn(p, cli=(addr(i), 42000))
        c.handshake()
        c.send("c", claim)
    p.close()


def tls_connection(p, i, ders, sni=b"many.example"):
    c = Conn(p, cli=(addr(i, 11), 43000 + i % 20000), srv=("10.250.0.1", 443))
    c.handshake()
    c.send("c", client_hello(sni))
    flight = server_hello_and_certificates(ders)
    for k in range(0, len(flight), 1400):
        c.send("s", flight[k:k + 1400])
    c.close("c", rst=True)


def many_certificates(path, n):
    """n TLS connections, each with a chain of 3 certificates no other connection sends."""
    p = Pcap(path)
    for i in range(n):
        ders = [certificate(i * 4 + k, "c%d-%d.many.example" % (i, k), "ca%d.many.example" % i,
                            sans=["c%d.many.example" % i]) for k in range(3)]
        tls_connection(p, i, ders)
    p.close()


def huge_certificates(path, n, names=900):
    """n TLS connections, each with a chain of 8 distinct certificates of ~19 KiB (900 names each,
    under X509_MAX_SAN_ENTRIES, so each is parsed): 150 KiB of DER per connection."""
    sans = tuple("n%05d.huge.example" % j for j in range(names))
    p = Pcap(path)
    for i in range(n):
        ders = [certificate(i * 8 + k, "h%d-%d.huge.example" % (i, k), "ca.huge.example", sans=sans)
                for k in range(8)]
        tls_connection(p, i, ders, b"n00000.huge.example")
    p.close()


def oversized_leaf(i, names):
    """Connection i's leaf in oversized_certificates: `names` subjectAltName entries."""
    sans = tuple("o%04d.big.example" % j for j in range(names))
    return certificate(i, "o0000.big.example", "ca.big.example", sans=sans)


def oversized_certificates(path, n):
    """n TLS connections whose leaf names one more than X509_MAX_SAN_ENTRIES (1025), and one
    whose leaf names exactly that many (1024): the first n are oversized, the last is parsed."""
    p = Pcap(path)
    for i, names in enumerate([1025] * n + [1024]):
        tls_connection(p, i, [oversized_leaf(i, names)], b"o0000.big.example")
    p.close()


def hash_collisions(path, n):
    """n half-open IPv6 flows that all collided under the old unkeyed flow hash (test_hash_collisions)."""
    test_hash_collisions.write_flows(path, n)


def port_reuse(path, n):
    """One 4-tuple opened n times: a new SYN (new ISN) and a ClientHello while the last is still open."""
    p = Pcap(path)
    for i in range(n):
        c = Conn(p, cli=("10.3.0.1", 44000), isn_c=1000 + i * 100000, isn_s=7 + i * 100000)
        c.handshake()
        c.send("c", client_hello(b"reuse.example"))
    p.close()


def quic_initials(path, n):
    """n QUIC v1 Initials (RFC 9000 17.2.2) from distinct clients with random 20-byte DCIDs, padded to
    1200 bytes: undecryptable garbage for every one but each a new connection to track."""
    rng = random.Random(11)
    p = Pcap(path)
    for i in range(n):
        dcid = bytes(rng.getrandbits(8) for _ in range(20))
        body = b"\xc3" + struct.pack(">I", 1) + bytes([20]) + dcid + b"\x08" + bytes(8) + b"\x00"
        body += struct.pack(">H", 0x4000 | (1200 - len(body) - 2)) + bytes(1200 - len(body) - 2)
        p.frame(udp_frame(addr(i, 12), 50000 + i % 10000, "10.251.0.1", 443, body), step_ns=20000)
    p.close()


def time_backwards(path, n):
    """n ClientHello connections whose timestamps go back a second each."""
    p = Pcap(path)
    p.ns += n * 10**9
    for i in range(n):
        c = Conn(p, cli=(addr(i, 13), 45000))
        for step in (c.handshake, lambda: c.send("c", client_hello(b"back.example")), lambda: c.close("s", True)):
            p.ns -= 10**9
            step()
    p.close()


def key_log(path, n, sample):
    """A key log of n CLIENT_RANDOM lines (none of them the sample's), read with a real capture."""
    with open(path + ".keys", "w") as fh:
        for i in range(n):
            fh.write("CLIENT_RANDOM %064x %s\n" % (i * 2654435761 + 1, "22" * 48))
    with open(sample, "rb") as src, open(path, "wb") as dst:
        dst.write(src.read())
    return ["--keylog", path + ".keys"]


CASES = {
    "half_open": half_open,
    "holes": holes,
    "one_byte_ooo": one_byte_ooo,
    "length_claims": length_claims,
    "many_certificates": many_certificates,
    "huge_certificates": huge_certificates,
    "oversized_certificates": oversized_certificates,
    "hash_collisions": hash_collisions,
    "port_reuse": port_reuse,
    "quic_initials": quic_initials,
    "time_backwards": time_backwards,
    "key_log": key_log,
}


def write_case(name, work, n, sample):
    """Write case `name` at size n under work; (capture path, extra tlsscope arguments)."""
    path = os.path.join(work, "%s-%d.pcap" % (name, n))
    fn = CASES[name]
    extra = fn(path, n, sample) if name == "key_log" else fn(path, n)
    return path, extra or []


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    sample = os.path.join(here, "..", "..", "pcaps", "02-tls13-good.pcap")
    os.makedirs(sys.argv[1], exist_ok=True)
    for case in sys.argv[3:] or CASES:
        print(write_case(case, sys.argv[1], int(sys.argv[2]), sample))
