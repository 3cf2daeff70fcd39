#!/usr/bin/env python3
"""TLS 1.3 draft ServerHellos are read in the layout of their draft, as tshark reads them.

Usage: test_tls13_drafts.py TLSSCOPE SAMPLE WORKDIR

Writes one connection per draft layout (pcapgen.TLS13_DRAFT_CASES: drafts 18
and 21 without session id echo and compression byte, the version in the
version field; 22 with the final layout; 23 and 28 with key_share 51;
Facebook's 0xfb1a) and checks that SAMPLE (pcaps/50-tls13-drafts.pcap) is
exactly that capture. For every connection tlsscope's version and cipher
must be tshark's (tls.handshake.version / supported_version,
tls.handshake.ciphersuite) and the generator's, with no malformed ServerHello.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import TLS13_DRAFT_CASES, Checks, analyze_json, tls13_drafts_capture, tshark_rows  # noqa: E402

tool, sample, work = sys.argv[1], sys.argv[2], sys.argv[3]
check = Checks()
os.makedirs(work, exist_ok=True)
path = os.path.join(work, "tls13-drafts.pcap")
tls13_drafts_capture(path)
check("the sample is the generator's capture", os.path.exists(sample) and open(sample, "rb").read() == open(path, "rb").read())

rows = tshark_rows(path, "tls.handshake.type == 2",
                   ["tcp.srcport", "tcp.dstport", "tls.handshake.version", "tls.handshake.extensions.supported_version",
                    "tls.handshake.ciphersuite"])
tshark = {int(r[1]): (int(r[3] or r[2], 16), int(r[4], 16)) for r in rows}
check("tshark sees every ServerHello", len(tshark) == len(TLS13_DRAFT_CASES), str(tshark))

recs, _ = analyze_json(tool, path)
ours = {}
for c in recs:
    sh = c["server_hello"] or {}
    ours[c["client"]["port"]] = (c["version"], sh.get("cipher_id"), sh.get("malformed"), c["anomalies"])
for i, (version, cipher) in enumerate(TLS13_DRAFT_CASES):
    port = 41000 + i
    name = "TLSv1.3-draft%d" % (version & 0xff) if version >> 8 == 0x7f else "0x%04x" % version
    got = ours.get(port)
    check("0x%04x: tshark reads version and cipher as written" % version, tshark.get(port) == (version, cipher),
          str(tshark.get(port)))
    check("0x%04x: tlsscope's version and cipher are tshark's" % version,
          got is not None and got[:2] == (name, cipher), str(got))
    check("0x%04x: no malformed hello" % version, got is not None and got[2] == [] and got[3] == {}, str(got))
check.exit()
