#!/usr/bin/env python3
"""TCP as real networks carry it (issues 14 and 11), compared with tshark as corpus_compare.py does:

  TCP Fast Open   tests/wild/tfo-accepted.pcap, tfo-ignored.pcap (real loopback captures, see
                  tests/wild/make_captures.py): the ClientHello in the SYN, taken by the server or
                  sent again after the handshake, is one connection with its SNI and one ClientHello.
  SYN-ACKs        pcaps/01-tls12-good.pcap with a second SYN-ACK of another sequence number put
                  before or after the real one: the server's stream follows the one the client
                  acknowledged.
  late packets    pcaps/38-late-data-after-reset.pcap: the server's close_notify after the client's
                  RST belongs to the connection (summary late_packets), no second record.

Usage: test_wild_tcp.py TLSSCOPE REPO_DIR WORKDIR
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import Checks, open_sample, write_pcap  # noqa: E402
from wildcheck import Wild  # noqa: E402

TOOL, REPO, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
check = Checks()
wild = Wild(TOOL, WORK, check)
analyze, against_tshark = wild.analyze, wild.against_tshark

for name in ("tfo-accepted", "tfo-ignored"):
    path = os.path.join(REPO, "tests", "wild", name + ".pcap")
    if not os.path.exists(path):
        print("SKIP: %s missing" % path)
        sys.exit(77)
    conns, summary = against_tshark(name, path)
    for c in conns:
        check(name + ": one ClientHello, read whole", (c["client_hello"] or {}).get("count") == 1
              and c["client"]["gap_bytes"] == 0 and c["client"]["prelude_bytes"] == 0
              and "capture_gap" not in c["anomalies"], str(c["anomalies"]))
    ch_bytes = 517  # the ClientHello the capture's SYN carries (tshark: tcp.len of frame 2)
    if name == "tfo-ignored":
        check(name + ": the ClientHello sent again is a retransmission", summary.get("duplicate_bytes") == ch_bytes,
              "duplicate_bytes %s" % summary.get("duplicate_bytes"))

# Several SYN-ACKs: a second one, 2^28 below the real ISN, before (the client acknowledges the
# later one) or after (it acknowledges the first) the real one.
header, frames = open_sample(os.path.join(REPO, "pcaps", "01-tls12-good.pcap"), WORK)
real = frames[1]
f = bytearray(real[3])
struct.pack_into(">I", f, 38, (struct.unpack_from(">I", f, 38)[0] - (1 << 28)) & 0xffffffff)  # TCP seq
other = [real[0], real[1], real[2], bytes(f)]
for name, order in (("synack-later-acked", [frames[0], other, real]),
                    ("synack-first-acked", [frames[0], real, other])):
    path = os.path.join(WORK, name + ".pcap")
    write_pcap(path, header, order + frames[2:])
    conns, _ = against_tshark(name, path)
    for c in conns:
        check(name + ": the server's stream whole", c["server"]["gap_bytes"] == 0 and c["outcome"] == "established",
              "gap %d, %s" % (c["server"]["gap_bytes"], c["outcome"]))

# A packet after the end (issue 11).
path = os.path.join(REPO, "pcaps", "38-late-data-after-reset.pcap")
# tshark keeps the late close_notify in the stream; tlsscope has reported the connection at the RST
# and counts the segment in the summary instead of opening a second record for it.
conns, summary = against_tshark("38-late-data-after-reset", path, {"alerts": ("encrypted@server", "-")})
check("38: late close_notify counted with the connection", summary.get("late_packets") == 1 and len(conns) == 1)
check.exit()
