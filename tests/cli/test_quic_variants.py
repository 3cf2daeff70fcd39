#!/usr/bin/env python3
"""QUIC versions and CRYPTO layouts real captures carry, read as tshark reads them.

Usage: test_quic_variants.py TLSSCOPE WORKDIR

Writes one capture with one QUIC connection (UDP 5-tuple) per case, the
Initials protected as a sender protects them (quicgen.py):
  vn       a greased-version probe (0x1a2a3a4a), the server's Version
           Negotiation (v1, v2, draft-29 and a greased entry), then v1 Initials
  v2       QUIC v2 (RFC 9369: other salt, labels and packet type bits)
  draft29  draft-29 (0xff00001d), draft-29 salt
  draft27  draft-27 (0xff00001b), draft-23 salt
  split    v1, the ClientHello in 7 CRYPTO frames in 7 packets sent out of
           order with one retransmitted, the ServerHello in 2 packets, reversed
For each, tlsscope's record must agree with tshark on the QUIC version, the
SNI and the ServerHello's cipher; the Version Negotiation list must be
tshark's quic.supported_version list; the greased probe is counted in
greased_version_packets and raises no quic_unknown_version; no CRYPTO byte
is cut and no anomaly is raised. Exits 77 without tshark or
python3-cryptography.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import Checks, Pcap, analyze_json, tls13_client_hello, tls13_server_hello, tshark_rows  # noqa: E402

try:
    import quicgen as q
except ImportError:
    print("SKIP: python3-cryptography is not installed")
    sys.exit(77)

tool, work = sys.argv[1], sys.argv[2]
check = Checks()
os.makedirs(work, exist_ok=True)
path = os.path.join(work, "quic-variants.pcap")
CLI, SRV = "10.7.0.1", "10.7.0.2"
GREASE, VN_OFFER = 0x1a2a3a4a, [q.V1, q.V2, 0xff00001d, 0x4a5a6a7a]
CASES = [("vn", q.V1, 0x1301), ("v2", q.V2, 0x1302), ("draft29", 0xff00001d, 0x1303), ("draft27", 0xff00001b, 0x1301),
         ("split", q.V1, 0x1302)]


def hellos(i, cipher):
    ch = tls13_client_hello(b"quic%d.example.test" % i, 0x0304, 0x40 + i, padding=700 if i == 4 else 0)[5:]
    sh = tls13_server_hello(0x0304, cipher, 0x40 + i)[5:]
    return ch, sh


def write_capture():
    p = Pcap(path)
    for i, (name, version, cipher) in enumerate(CASES):
        port = 42000 + i
        send = lambda who, d: p.frame(q.udp_frame(CLI, port, SRV, 443, d) if who == "c" else
                                      q.udp_frame(SRV, 443, CLI, port, d))
        dcid, cscid, sscid = bytes([0xd0 + i]) * 8, bytes([0xc0 + i]) * 4, bytes([0x50 + i]) * 6
        ch, sh = hellos(i, cipher)
        if name == "vn":
            send("c", q.greased_probe(GREASE, bytes([0xee]) * 8, cscid))
            send("s", q.version_negotiation(cscid, bytes([0xee]) * 8, VN_OFFER))
        if name != "split":
            send("c", q.initial(version, dcid, cscid, 0, q.crypto_frame(0, ch), False, dcid, 1200))
            send("s", q.initial(version, cscid, sscid, 0, q.crypto_frame(0, sh), True, dcid))
            continue
        cut = [0, 90, 200, 310, 420, 560, 690, len(ch)]
        pieces = [q.crypto_frame(cut[k], ch[cut[k]:cut[k + 1]]) for k in range(7)]
        for pn, k in enumerate([3, 0, 6, 1, 5, 2, 2, 4]):  # piece 2 twice: a retransmission
            send("c", q.initial(version, dcid, cscid, pn, pieces[k], False, dcid, 1200))
        half = len(sh) // 2
        send("s", q.initial(version, cscid, sscid, 0, q.crypto_frame(half, sh[half:]), True, dcid))
        send("s", q.initial(version, cscid, sscid, 1, q.crypto_frame(0, sh[:half]), True, dcid))
    p.close()


write_capture()
rows = tshark_rows(path, "quic", ["udp.srcport", "udp.dstport", "quic.version", "quic.supported_version",
                                  "tls.handshake.extensions_server_name", "tls.handshake.type",
                                  "tls.handshake.ciphersuite"])
tshark = {}
for sport, dport, versions, offered, sni, hs_types, suites in rows:
    t = tshark.setdefault(int(dport if sport == "443" else sport), {"versions": set(), "vn": None, "sni": None,
                                                                   "cipher": None})
    t["versions"] |= {int(v, 16) for v in versions.split(",") if v and int(v, 16) not in (0, GREASE)}
    if offered:
        t["vn"] = ["0x%08x" % int(v, 16) for v in offered.split(",")]
    if sni:
        t["sni"] = sni
    if "2" in hs_types.split(",") and suites:
        t["cipher"] = int(suites.split(",")[-1], 16)

recs, _ = analyze_json(tool, path)
ours = {c["client"]["port"]: c for c in recs if c["transport"] == "quic"}
for i, (name, version, cipher) in enumerate(CASES):
    port, t, c = 42000 + i, tshark.get(42000 + i), ours.get(42000 + i)
    if not check(name + ": tshark and tlsscope each see the connection", t is not None and c is not None):
        continue
    qo = c["quic"]
    check(name + ": tshark reads the version written", t["versions"] == {version}, str(t["versions"]))
    check(name + ": version is tshark's", qo["version_id"] == "0x%08x" % version, qo["version_id"])
    check(name + ": SNI is tshark's", c["server_name"] == t["sni"] == "quic%d.example.test" % i,
          "%s %s" % (c["server_name"], t["sni"]))
    got_cipher = c["server_hello"]["cipher_id"] if c["server_hello"] else None
    check(name + ": cipher is tshark's", got_cipher == t["cipher"] == cipher, "%s %s" % (got_cipher, t["cipher"]))
    check(name + ": nothing cut, no anomaly", qo["crypto_bytes_cut"] == 0 and c["anomalies"] == {},
          "%s %s" % (qo["crypto_bytes_cut"], c["anomalies"]))
    if name == "vn":
        want = ["0x%08x" % v for v in VN_OFFER]
        check("vn: offered versions are tshark's", qo["version_negotiation"] == t["vn"] == want,
              "%s %s" % (qo["version_negotiation"], t["vn"]))
        check("vn: the list's length", qo["version_negotiation_total"] == len(VN_OFFER))
        check("vn: the greased probe counted", qo["greased_version_packets"] == 1, str(qo["greased_version_packets"]))
        check("vn: one Version Negotiation from the server", qo["server_packets"]["version_negotiation"] == 1)
    else:
        check(name + ": no Version Negotiation", qo["version_negotiation"] is None and qo["greased_version_packets"] == 0)
    if name == "split":
        check("split: every client Initial opened", qo["client_packets"]["initial"] == 8 and
              qo["undecryptable_packets"] == 0, str(qo["client_packets"]))
check.exit()
