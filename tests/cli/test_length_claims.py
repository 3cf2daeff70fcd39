"""Handshake length claims are charged for what arrives, not what they claim.

Before a real TLS 1.3 handshake (pcaps/02-tls13-good.pcap), N connections
each send one 100-byte segment whose handshake header claims a 16 MiB
ClientHello, and stay open. Under --memory-cap 16M, with N = 400 (400 claims
charged at the 256 KiB handshake cap would be 100 MiB), nothing is evicted
and the real connection is reported exactly as when it is alone. Prints the
memory figures. Usage: test_length_claims.py TLSSCOPE SAMPLE_PCAP WORKDIR
"""
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import Conn, Pcap  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tlsscope_run import load_lines  # noqa: E402

CLAIMS = 400


def read_frames(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    assert magic in (0xa1b2c3d4, 0xa1b23c4d), "little-endian classic pcap expected"
    scale = 1 if magic == 0xa1b23c4d else 1000
    off, frames = 24, []
    while off + 16 <= len(data):
        sec, frac, caplen, wirelen = struct.unpack("<IIII", data[off:off + 16])
        frames.append((sec * 10**9 + frac * scale, data[off + 16:off + 16 + caplen], wirelen))
        off += 16 + caplen
    return frames


def claim():
    """A record of 100 bytes whose handshake header says a 16 MiB ClientHello follows."""
    body = b"\x01\xff\xff\xff" + b"\x03\x03" + bytes(90)
    return b"\x16\x03\x01" + struct.pack(">H", 16384) + body[:95]


def analyze(tlsscope, path):
    out = subprocess.run([tlsscope, "analyze", "--json", "--memory-cap", "16M", path],
                         capture_output=True, check=False)
    if out.returncode not in (0, 1):
        sys.exit("tlsscope failed: %s" % out.stderr.decode(errors="replace"))
    conns, others = load_lines(out.stdout.decode())  # certificates joined to their records
    return conns + [x for x in others if x.get("type") == "error"], others[-1]


def main():
    tlsscope, sample, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    real = read_frames(sample)
    path = os.path.join(work, "claims.pcap")
    p = Pcap(path)
    p.ns = real[0][0] - 10 * 10**9
    for i in range(CLAIMS):
        c = Conn(p, cli=("10.77.%d.%d" % (i >> 8, i & 255), 41000), srv=("10.78.0.1", 443))
        c.handshake()
        c.send("c", claim())
    for ts, data, wirelen in real:
        p.fh.write(struct.pack("<IIII", ts // 10**9, ts % 10**9 // 1000, len(data), wirelen) + data)
    p.close()

    alone, _ = analyze(tlsscope, sample)
    mixed, summary = analyze(tlsscope, path)
    print("%d claims of 16 MiB: memory_peak_bytes %d, evicted %d, handshake_message_too_long %d"
          % (CLAIMS, summary["memory_peak_bytes"], summary["evicted"],
             summary["anomalies"]["handshake_message_too_long"]))
    failed = []
    if summary["anomalies"]["handshake_message_too_long"] != CLAIMS:
        failed.append("every claim counted as handshake_message_too_long")
    if summary["evicted"] != 0:
        failed.append("connections were evicted")
    if summary["memory_peak_bytes"] > CLAIMS * 16 * 1024:
        failed.append("peak %d bytes: more than 16 KiB per claim" % summary["memory_peak_bytes"])
    real_rec = [r for r in mixed if r["server"]["ip"] != "10.78.0.1"]

    def facts(r):
        return {k: r.get(k) for k in ("outcome", "tls", "certificates", "server_name", "findings")}

    if len(real_rec) != len(alone) or [facts(r) for r in real_rec] != [facts(r) for r in alone]:
        failed.append("the real handshake is not reported as when alone")
    for f in failed:
        print("FAIL:", f)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
