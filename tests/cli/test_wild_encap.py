#!/usr/bin/env python3
"""Link and tunnel layers (issue 14): real TLS handshakes from pcaps/ re-framed in each encapsulation
that captures on servers and taps show (tests/cli/encapgen.py), compared with tshark's view of the
same file field by field, as corpus_compare.py compares the corpus (SNI, version, cipher,
certificates, alerts, close), plus the innermost addresses. Then encapsulations tlsscope does not
decode are counted by name in the summary, and bounded: every prefix of a frame of each kind is
skipped cleanly.

Usage: test_wild_encap.py TLSSCOPE PCAPS_DIR WORKDIR
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import encapgen  # noqa: E402
from pcapgen import Checks  # noqa: E402
from wildcheck import Wild  # noqa: E402

TOOL, PCAPS, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
check = Checks()
wild = Wild(TOOL, WORK, check)
analyze = wild.analyze

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
    conns, summary = wild.against_tshark(name, path)
    check(name + ": no frame skipped", summary.get("skipped_total") == 0 and summary.get("unsupported_encapsulations") == {},
          str(summary.get("skipped")))

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
