#!/usr/bin/env python3
"""A Certificate message cut short by a reset lists the certificates that arrived.

Usage: test_cert_cut.py TLSSCOPE PCAP SCHEMA WORKDIR

PCAP is a real sample capture whose server Certificate message spans many TCP
segments (pcaps/04-tls12-long-chain.pcap, MSS 536). It is copied up to a server
segment boundary inside that message, after at least one whole certificate and
before the last one, and the server then resets the connection. The whole
certificates before the cut are found here from the captured bytes (TLS records,
then the Certificate message, RFC 5246 7.4.2); tlsscope must list exactly those,
with their SHA-256 fingerprints, say the chain is truncated, and not guess a
missing intermediate.
"""
import hashlib
import json
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import Checks, open_sample, tcp_frame, tcp_payload, write_pcap  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tlsscope_run import load_lines  # noqa: E402

tool, src, schema_path, work = sys.argv[1:5]
check = Checks()
header, frames = open_sample(src, work)

# The server's stream, segment by segment: (frame index, stream offset of its end).
stream, ends, first_seq = b"", [], None
for i, (_, _, _, f) in enumerate(frames):
    t = tcp_payload(f)
    if not t or t[2] != 443:
        continue
    seq = struct.unpack_from(">I", f, t[0] + 4)[0]
    total = struct.unpack_from(">H", f, 16)[0]
    data = f[t[1]:14 + total]
    if first_seq is None:
        first_seq = seq
    if seq - first_seq != len(stream):
        continue  # a retransmission or reordering: not in this sample
    stream += data
    ends.append((i, len(stream)))

# Handshake bytes out of the TLS records, each mapped back to its stream offset.
hs, hs_at, off = b"", [], 0
while off + 5 <= len(stream):
    rtype, rlen = stream[off], struct.unpack_from(">H", stream, off + 3)[0]
    if rtype == 22:
        hs += stream[off + 5:off + 5 + rlen]
        hs_at += range(off + 5, off + 5 + rlen)
    if rtype == 20:
        break  # ChangeCipherSpec: what follows is encrypted
    off += 5 + rlen

# The Certificate message: where each certificate entry ends (as a stream offset).
certs, pos = [], 0
while pos + 4 <= len(hs):
    mtype, mlen = hs[pos], int.from_bytes(hs[pos + 1:pos + 4], "big")
    if mtype == 11:
        body = hs[pos + 4:pos + 4 + mlen]
        e = 3
        while e + 3 <= len(body):
            n = int.from_bytes(body[e:e + 3], "big")
            certs.append((hashlib.sha256(body[e + 3:e + 3 + n]).hexdigest(), hs_at[pos + 4 + e + 3 + n - 1] + 1))
            e += 3 + n
        break
    pos += 4 + mlen
check("the sample's Certificate message holds 3 or more certificates", len(certs) >= 3, str(len(certs)))
check.exit(only_if_failed=True)

# Cut at the last server segment boundary before the last certificate is whole.
cut = [(i, end) for i, end in ends if certs[0][1] <= end < certs[-1][1]]
check("a segment boundary lies between the first and the last certificate", bool(cut))
check.exit(only_if_failed=True)
cut_frame, cut_end = cut[-1]
arrived = [fp for fp, end in certs if end <= cut_end]
f = frames[cut_frame][3]
t = tcp_payload(f)
ip = lambda b: ".".join(str(x) for x in b)  # noqa: E731
ports = struct.unpack_from(">HH", f, t[0])
seq = struct.unpack_from(">I", f, t[0] + 4)[0] + (cut_end - ([0] + [e for i, e in ends if i < cut_frame])[-1])
ack = struct.unpack_from(">I", f, t[0] + 8)[0]
rst = tcp_frame(ip(f[26:30]), ports[0], ip(f[30:34]), ports[1], seq, ack, 0x14)
sec, usec = frames[cut_frame][0], frames[cut_frame][1]
path = os.path.join(work, "certificate-cut-by-reset.pcap")
write_pcap(path, header, frames[:cut_frame + 1] + [[sec, usec + 1, len(rst), rst]])


def run(p):
    out = subprocess.run([tool, "analyze", "--json", p], capture_output=True, text=True)
    lines = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
    return load_lines(lines)[0], lines  # the compact records, their certificates joined


orig, _ = run(src)
got, lines = run(path)
check("one record each", len(orig) == 1 and len(got) == 1)
check.exit(only_if_failed=True)
o, g = orig[0], got[0]
fps = [c["der_sha256"] for c in g["certificates"]]
print("cut after %d of %d certificates (stream byte %d)" % (len(arrived), len(certs), cut_end))
check("original: every certificate visible", o["certificates_state"] == "visible" and
      [c["der_sha256"] for c in o["certificates"]] == [fp for fp, _ in certs])
check("cut: the whole certificates that arrived are listed", fps == arrived, "%s vs %s" % (fps, arrived))
check("cut: certificates_total counts them", g["certificates_total"] == len(arrived))
check("cut: certificates_state truncated", g["certificates_state"] == "truncated", g["certificates_state"])
codes = [x["code"] for x in g["findings"]]
check("cut: no missing-intermediate or unknown-issuer guess",
      "missing-intermediate" not in codes and "unknown-issuer" not in codes, str(codes))
cut_off = [x for x in g["findings"] if x["code"] == "handshake-cut-off"]
check("cut: handshake-cut-off says the chain was cut in the Certificate message",
      bool(cut_off) and "Certificate message" in cut_off[0]["message"] and
      ("after %d whole certificate" % len(arrived)) in cut_off[0]["message"], str(cut_off))
check("cut: not a malformed certificate", g["anomalies"].get("malformed_certificate", 0) == 0, str(g["anomalies"]))
try:
    import jsonschema
    v = jsonschema.Draft202012Validator(json.load(open(schema_path)))
    errors = [e.message for line in lines for e in v.iter_errors(line)]
    check("cut: every line valid against the schema", not errors, str(errors[:3]))
except ImportError:
    print("note: python3-jsonschema missing, schema not checked here (cli.json_schema does)")

check.exit()
