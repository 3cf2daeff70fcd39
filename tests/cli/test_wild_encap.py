#!/usr/bin/env python3
"""Link and tunnel layers (issue 14): real TLS handshakes from pcaps/ re-framed in each encapsulation
that captures on servers and taps show (tests/cli/encapgen.py), compared with tshark's view of the
same file field by field, as corpus_compare.py compares the corpus (SNI, version, cipher,
certificates, alerts, close), plus the innermost addresses. Then encapsulations tlsscope does not
decode are counted by name in the summary, and bounded: every prefix of a frame of each kind is
skipped cleanly.

Usage: test_wild_encap.py TLSSCOPE PCAPS_DIR WORKDIR
"""
import json
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import encapgen  # noqa: E402
import tshark_rows  # noqa: E402
from corpus_compare import compare, endpoint  # noqa: E402
from pcapgen import Checks  # noqa: E402
from tlsscope_run import abnormal  # noqa: E402

TOOL, PCAPS, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
check = Checks()


def analyze(path):
    r = subprocess.run([TOOL, "analyze", "--json", path], capture_output=True, text=True, timeout=120)
    why = abnormal(r.returncode, r.stdout + r.stderr, (0, 1))
    if why:
        check(path, False, why)
        return [], {}
    objs = [json.loads(l) for l in r.stdout.splitlines()]
    return [o for o in objs if o["type"] == "connection"], objs[-1]


if not tshark_rows.available():
    print("SKIP: tshark not installed")
    sys.exit(77)
os.makedirs(WORK, exist_ok=True)

# A frame of an Ethernet sample is at most 1514 bytes, and an 802.3 length at most 1500: LLC/SNAP
# (8 more bytes) wraps the sample written with MSS 536.
SAMPLE_FOR = {"llc_snap": "04-tls12-long-chain"}
for name, sample, build in encapgen.ENCAPSULATIONS:
    src = os.path.join(PCAPS, SAMPLE_FOR.get(name, sample) + ".pcap")
    if not os.path.exists(src):
        print("SKIP: %s missing" % src)
        sys.exit(77)
    path = os.path.join(WORK, name + ".pcap")
    encapgen.make(name, src, build, path)
    truth = tshark_rows.rows(path)
    conns, summary = analyze(path)
    check(name, len(truth) == 1 and len(conns) == 1,
          "tshark %d TLS stream(s), tlsscope %d record(s)" % (len(truth), len(conns)))
    if len(truth) != 1 or len(conns) != 1:
        continue
    row, rec = truth[0], conns[0]
    diffs = compare(row, rec)
    check(name + ": fields as tshark", not diffs, "sni %s, cipher %s, %s" % (row["sni"], row["cipher"], diffs or ""))
    ends = (endpoint(rec["client"]), endpoint(rec["server"]))
    check(name + ": inner endpoints as tshark", ends == (row["client"], row["server"]), "%s -> %s" % ends)
    check(name + ": no frame skipped", summary["skipped_total"] == 0 and summary["unsupported_encapsulations"] == {},
          str(summary["skipped"]))

# Encapsulations recognised but not decoded: named in the summary, never half-read.
sample = encapgen.ip_packets(os.path.join(PCAPS, "01-tls12-good.pcap"))
UNSUPPORTED = {
    "l2tpv3": lambda et, ip: encapgen.eth(0x0800, encapgen.ipv4(115, struct.pack(">I", 0x1234) + ip)),
    "ipsec_esp": lambda et, ip: encapgen.eth(0x0800, encapgen.ipv4(50, struct.pack(">II", 0x100, 1) + ip)),
    "macsec": lambda et, ip: encapgen.eth(0x88e5, b"\x2c\x00" + bytes(6) + ip),
    "gre_source_routing": lambda et, ip: encapgen.gre(et, ip, flags=0x4000),
    "gre_version": lambda et, ip: encapgen.gre(et, ip, flags=0x0002),
    "erspan_other": lambda et, ip: encapgen.gre(0x88be, struct.pack(">HHI", 0x3000, 7, 0) + ip, seq=1),
    "nsh_next_protocol": lambda et, ip: encapgen.eth(0x894f, struct.pack(">HBBI", (63 << 6) | 2, 2, 0x7f, 0) + ip),
    "ppp_compressed": lambda et, ip: encapgen.eth(0x0800, encapgen.ipv4(47, struct.pack(">HHHH", 0x2001, 0x880b, 4, 9)
                                                                       + b"\xff\x03\x00\xfd" + ip)),
}
for name, build in UNSUPPORTED.items():
    path = os.path.join(WORK, "unsupported-" + name + ".pcap")
    frames = [(sec, usec, build(et, ip)) for sec, usec, et, ip in sample]
    encapgen.write(path, frames)
    conns, summary = analyze(path)
    counted = summary.get("unsupported_encapsulations", {})
    check("unsupported " + name, counted == {name: len(frames)} and summary["skipped_total"] == len(frames)
          and not conns, "%s, skipped %s" % (counted, summary.get("skipped_total")))

# Bounded parsing: every prefix of one frame of each kind (the ClientHello's) is skipped or read,
# never read past; the sanitizer build runs this too.
prefixes = []
for name, sample_name, build in encapgen.ENCAPSULATIONS:
    pk = encapgen.ip_packets(os.path.join(PCAPS, sample_name + ".pcap"))
    f = build(pk[3][2], pk[3][3], 3)
    prefixes += [(1, i, f[:n]) for i, n in enumerate(range(0, len(f), 7))]
path = os.path.join(WORK, "prefixes.pcap")
encapgen.write(path, prefixes)
conns, summary = analyze(path)
check("every prefix of every kind handled", summary.get("packets") == len(prefixes), "%d frames" % len(prefixes))
check.exit()
