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
import struct
import subprocess
import sys

tool, src, work = sys.argv[1], sys.argv[2], sys.argv[3]
if not os.path.exists(src):
    print("SKIP: %s missing" % src)
    sys.exit(77)
os.makedirs(work, exist_ok=True)
failed = []


def check(what, ok, detail=""):
    print("%s: %s %s" % ("ok" if ok else "FAIL", what, detail))
    if not ok:
        failed.append(what)


def read_pcap(path):
    data = open(path, "rb").read()
    if struct.unpack_from("<I", data, 0)[0] != 0xa1b2c3d4 or struct.unpack_from("<I", data, 20)[0] != 1:
        print("SKIP: %s is not a little-endian Ethernet pcap" % path)
        sys.exit(77)
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


def run(path):
    out = subprocess.run([tool, "analyze", "--json", path], capture_output=True, text=True)
    lines = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
    recs = [l for l in lines if l.get("type") == "connection"]
    summary = [l for l in lines if l.get("type") == "summary"]
    return recs, summary[0] if summary else {}


header, frames = read_pcap(src)
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
if failed:
    sys.exit(1)

forged = bytearray(frames[server_at][3])
_, payload, _ = tcp_payload(bytes(forged))
forged[payload + 20] ^= 0x55  # inside the first server record, past its header
forged = fix_tcp_checksum(bytes(forged))
sec, usec = frames[server_at][0], frames[server_at][1]
edited = frames[:server_at + 1] + [[sec, usec, len(forged), forged],
                                   [sec, usec, frames[client_at][2], frames[client_at][3]]] + frames[server_at + 1:]
path = os.path.join(work, "overlap-mismatch.pcap")
with open(path, "wb") as fh:
    fh.write(header)
    for sec, usec, wirelen, f in edited:
        fh.write(struct.pack("<IIII", sec, usec, len(f), wirelen) + f)

orig, orig_sum = run(src)
got, got_sum = run(path)
check("one record each", len(orig) == 1 and len(got) == 1, "%d %d" % (len(orig), len(got)))
if failed:
    sys.exit(1)
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

sys.exit(1 if failed else 0)
