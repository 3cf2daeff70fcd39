#!/usr/bin/env python3
"""Handshakes with holes: what the capture missed is unknown, nothing is inferred from it.

Usage: test_handshake_gaps.py TLSSCOPE PCAPS_DIR WORKDIR

From real sample captures (TLS 1.2, TLS 1.3, a long chain in MSS-536
segments, a client's unknown_ca alert) one capture is made per TCP data
segment, without that segment: a hole in the ClientHello, the ServerHello,
the middle of a Certificate, the ChangeCipherSpec, a Finished, the first
request, an alert. For each, tlsscope's view is compared with tshark's view of
the same file:
  - every alert tshark shows (cleartext level/description, or encrypted) is
    one tlsscope lists, from the same side, and no other (in any order: the
    segments after a hole are read when reassembly gives up on it);
  - the ServerHello's cipher and the SNI are tshark's (or both unseen);
  - a record whose handshake had a hole (handshake_gaps > 0) carries the
    finding handshake-gap and none that reads a failure from what is missing
    (client-rejected-certificate, tls13-client-rejected, tls13-server-rejected,
    no-server-hello, handshake-cut-off, client-certificate-missing), and its
    outcome is an alert only when tshark shows a fatal cleartext alert;
  - handshake-gap is raised only when handshake_gaps > 0.
Exits 77 without tshark or the samples.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import Checks, analyze_json, open_sample, tcp_payload, tshark_rows, write_pcap  # noqa: E402

tool, pcaps, work = sys.argv[1], sys.argv[2], sys.argv[3]
SAMPLES = ["01-tls12-good", "02-tls13-good", "04-tls12-long-chain", "14-client-alert-unknown-ca"]
ABSENCE = {"client-rejected-certificate", "tls13-client-rejected", "tls13-server-rejected", "no-server-hello",
           "handshake-cut-off", "client-certificate-missing"}
check = Checks()


def tshark_view(path):
    """(alerts as [(side, level, desc) or (side, 'encrypted')], cipher or None, sni or None)."""
    rows = tshark_rows(path, "tls", ["tcp.srcport", "tls.record.content_type", "tls.alert_message.level",
                                     "tls.alert_message.desc", "tls.handshake.type", "tls.handshake.ciphersuite",
                                     "tls.handshake.extensions_server_name"], ["-o", "tcp.analyze_sequence_numbers:TRUE"])
    alerts, cipher, sni = [], None, None
    for sport, types, levels, descs, hs_types, suites, names in rows:
        side = "server" if sport == "443" else "client"
        clear = list(zip(levels.split(","), descs.split(","))) if descs else []
        alerts += [(side, int(l), int(d)) for l, d in clear]
        alerts += [(side, "encrypted")] * (types.split(",").count("21") - len(clear))
        hs = hs_types.split(",") if hs_types else []
        if "2" in hs and cipher is None and suites:
            cipher = int(suites.split(",")[-1], 16)  # the ServerHello's (a ClientHello in the same packet lists more)
        if "1" in hs and sni is None and names:
            sni = names.split(",")[0]
    return alerts, cipher, sni


def our_alerts(c):
    out = []
    for a in c["alerts"]:
        if a.get("inferred"):
            continue  # read from a TLS 1.3 record's size: tshark cannot see those
        level = {"warning": 1, "fatal": 2}.get(a["level"], a["level"])
        out.append((a["from"], "encrypted") if a["encrypted"] else (a["from"], level, a["code"]))
    return sorted(out, key=str)


cases = 0
for name in SAMPLES:
    header, frames = open_sample(os.path.join(pcaps, name + ".pcap"), work)
    data = [i for i, f in enumerate(frames) if tcp_payload(f[3]) and len(f[3]) > tcp_payload(f[3])[1]]
    for i in data:
        label = "%s without frame %d" % (name, i + 1)
        path = os.path.join(work, "%s-hole%d.pcap" % (name, i + 1))
        write_pcap(path, header, frames[:i] + frames[i + 1:])
        recs, _ = analyze_json(tool, path)
        if not check(label + ": one record", len(recs) == 1, str(len(recs))):
            continue
        c = recs[0]
        cases += 1
        alerts, cipher, sni = tshark_view(path)
        alerts.sort(key=str)  # segments held behind a hole are read late: compare as sets
        check(label + ": alerts are tshark's", our_alerts(c) == alerts, "%s vs tshark %s" % (our_alerts(c), alerts))
        ours_cipher = c["server_hello"]["cipher_id"] if c["server_hello"] else None
        check(label + ": cipher is tshark's", ours_cipher == cipher, "%s vs %s" % (ours_cipher, cipher))
        check(label + ": SNI is tshark's", c["server_name"] == sni, "%s vs %s" % (c["server_name"], sni))
        codes = {f["code"] for f in c["findings"]}
        gaps = c["client"]["handshake_gaps"] + c["server"]["handshake_gaps"]
        check(label + ": handshake-gap only with handshake_gaps", ("handshake-gap" in codes) == (gaps > 0),
              "%d %s" % (gaps, sorted(codes)))
        if gaps:
            check(label + ": nothing read from what is missing", not codes & ABSENCE, str(sorted(codes & ABSENCE)))
            fatal_clear = any(len(a) == 3 and a[1] == 2 for a in alerts)
            check(label + ": an alert outcome only with a fatal alert tshark shows",
                  c["outcome"] not in ("client_alert", "server_alert") or fatal_clear, c["outcome"])
check("holes tried", cases >= 30, str(cases))
check.exit()
