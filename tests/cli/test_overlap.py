#!/usr/bin/env python3
"""Overlapping retransmissions with other bytes are counted, the first bytes win.

Usage: test_overlap.py TLSSCOPE PCAP WORKDIR

PCAP is a real sample capture (Ethernet, IPv4, classic pcap). It is copied with
two extra frames right after the server's first data segment: that segment
again with one payload byte flipped (must count as one overlap_mismatch_segment
of the server), and the client's first data segment again unchanged (an equal
retransmission: not counted). The certificates and findings must not change.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import Checks, fix_tcp_checksum, open_sample, tcp_payload, write_pcap  # noqa: E402

tool, src, work = sys.argv[1], sys.argv[2], sys.argv[3]
check = Checks()


def run(path):
    out = subprocess.run([tool, "analyze", "--json", "--json-detail", "full", path], capture_output=True, text=True)
    lines = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
    recs = [l for l in lines if l.get("type") == "connection"]
    summary = [l for l in lines if l.get("type") == "summary"]
    return recs, summary[0] if summary else {}


header, frames = open_sample(src, work)
server_at = client_at = None
for i, (_, _, _, f) in enumerate(frames):
    t = tcp_payload(f)
    if not t:
        continue
    if t[2] == 443 and server_at is None:
        server_at = i
    if t[2] != 443 and client_at is None:
        client_at = i
check("the sample has client and server data", server_at is not None and client_at is not None)
check.exit(only_if_failed=True)

forged = bytearray(frames[server_at][3])
_, payload, _ = tcp_payload(bytes(forged))
forged[payload + 20] ^= 0x55  # inside the first server record, past its header
forged = fix_tcp_checksum(bytes(forged))
sec, usec = frames[server_at][0], frames[server_at][1]
edited = frames[:server_at + 1] + [[sec, usec, len(forged), forged],
                                   [sec, usec, frames[client_at][2], frames[client_at][3]]] + frames[server_at + 1:]
path = os.path.join(work, "overlap-mismatch.pcap")
write_pcap(path, header, edited)

orig, orig_sum = run(src)
got, got_sum = run(path)
check("one record each", len(orig) == 1 and len(got) == 1, "%d %d" % (len(orig), len(got)))
check.exit(only_if_failed=True)
o, g = orig[0], got[0]
check("original: nothing counted", o["client"]["overlap_mismatch_segments"] == 0 and
      o["server"]["overlap_mismatch_segments"] == 0 and orig_sum.get("overlap_mismatch_segments") == 0)
check("server: the forged retransmission counted once", g["server"]["overlap_mismatch_segments"] == 1,
      str(g["server"]["overlap_mismatch_segments"]))
check("client: the equal retransmission not counted", g["client"]["overlap_mismatch_segments"] == 0,
      str(g["client"]["overlap_mismatch_segments"]))
check("summary counts it", got_sum.get("overlap_mismatch_segments") == 1, str(got_sum.get("overlap_mismatch_segments")))
check("both retransmissions were dropped as duplicates",
      got_sum["duplicate_bytes"] - orig_sum["duplicate_bytes"] ==
      len(frames[server_at][3]) - tcp_payload(frames[server_at][3])[1] +
      len(frames[client_at][3]) - tcp_payload(frames[client_at][3])[1])
for key in ("certificates", "certificates_state", "outcome", "findings", "server_hello", "client_hello"):
    check("first bytes won: %s unchanged" % key, o[key] == g[key])

check.exit()
