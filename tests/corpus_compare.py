#!/usr/bin/env python3
"""Compare tlsscope's JSON records with tshark's ground truth (TRUTH.tsv).

Usage: corpus_compare.py TLSSCOPE CORPUS_DIR [--proto tls|quic] [--min-agreement 0.99] [--verbose]

For every capture named in CORPUS_DIR/TRUTH.tsv, runs `TLSSCOPE analyze --json`
once, then matches each `tls` row of the truth (TLS over TCP; or with
--proto quic each `quic` row: one per UDP 5-tuple, tshark's udp.stream, whose
client and server are the UDP endpoints) to a connection record of the same
transport by client and server address and port (in stream order when a
4-tuple is reused), and compares:
  sni        the first ClientHello's server_name
  version    negotiated version
  cipher     negotiated cipher suite (by number)
  certs      number of certificates in the first server Certificate seen in
             clear, or that none was seen in clear
  alerts     every alert record, in order, as level/code@sender, or
             encrypted@sender (alerts tlsscope only infers from TLS 1.3
             record lengths are left out: tshark cannot see those)
  close      the first FIN or RST before the ServerHello, and whether the
             server reset the connection before it
A row agrees when every field agrees. Prints each disagreement, the
per-field agreement, and fails (exit 1) below the minimum row agreement.

Rows where tshark itself is wrong are listed in TSHARK_WRONG with the
evidence; they are reported but not counted.
"""
import json
import os
import subprocess
import sys
from collections import defaultdict

# (file, client, server): why tshark's row is not the truth.
TSHARK_WRONG = {
    ("nDPI__KakaoTalk_chat.pcap", "10.24.82.188:35503", "173.252.97.2:443"):
        "a second SYN-ACK with another ISN (frame 46) makes tshark take the real server flight for "
        "retransmissions; frame 91 carries 16 03 01 00 59 02 00 00 55 03 01: a TLS 1.0 ServerHello "
        "choosing 0xc007, followed by a Certificate (16 03 01 0c d9 0b)",
    ("nDPI__KakaoTalk_chat.pcap", "10.24.82.188:58964", "54.255.253.199:5223"):
        "tshark does not dissect port 5223 as TLS in the server direction; frame 347 starts "
        "16 03 01 06 b5 02 00 00 46 03 01: a TLS 1.0 ServerHello",
}

VERSION_MAP = {"SSLv2": "SSL2", "SSLv3": "SSL3"}


def our_version(v):
    if v is None:
        return "-"
    if v in VERSION_MAP:
        return VERSION_MAP[v]
    if v.startswith("TLSv"):
        return "TLS" + v[4:]
    if v.startswith("DTLSv"):
        return "DTLS" + v[5:]
    return v


def endpoint(e):
    ip = e["ip"]
    return ("[%s]:%d" % (ip, e["port"])) if ":" in ip else ("%s:%d" % (ip, e["port"]))


LEVELS = {"warning": 1, "fatal": 2}


def truth_alerts(s):
    if s == "-":
        return []
    out = []
    for a in s.split(";"):
        body, who = a.rsplit("@", 1)
        if body == "encrypted":
            out.append("encrypted@" + who)
            continue
        level, desc = body.split("/", 1)
        code = desc[desc.rfind("(") + 1:-1] if desc.endswith(")") else desc
        out.append("%s/%s@%s" % (level, code, who))
    return out


def our_alerts(rec):
    out = []
    for a in rec.get("alerts", []):
        if a.get("inferred"):
            continue
        if a["encrypted"] and not a.get("decrypted"):
            out.append("encrypted@" + a["from"])
        else:
            out.append("%s/%s@%s" % (a["level"], a["code"], a["from"]))
    return out


def our_close(rec):
    """(first_close_before_sh, srv_rst_before_sh) as the truth spells them."""
    first = "-"
    srv_rst = False
    for ev in rec.get("timeline", []):
        if ev["event"] == "server_hello" and ev["from"] == "server":
            break
        if ev["event"] in ("fin", "rst"):
            if first == "-":
                first = "%s_%s" % (ev["from"], ev["event"])
            if ev["event"] == "rst" and ev["from"] == "server":
                srv_rst = True
    return first, "yes" if srv_rst else "no"


def tls_rows(corpus, name, proto="tls"):
    """The rows of one protocol (`tls`: TLS over TCP, `quic`) of a truth table in the corpus, or None
    (said why) if it is missing."""
    path = os.path.join(corpus, name)
    if not os.path.exists(path):
        print("corpus not found at %s: nothing to compare (skipped)" % corpus)
        return None
    with open(path) as fh:
        lines = [l.rstrip("\n").split("\t") for l in fh if l.strip()]
    return [r for r in (dict(zip(lines[0], l)) for l in lines[1:]) if r["proto"] == proto]


def compare(row, rec):
    diffs = {}
    sni = rec["server_name"] if rec["server_name"] is not None else "-"
    if sni != row["sni"]:
        diffs["sni"] = (row["sni"], sni)
    ver = our_version(rec["version"])
    if ver != row["version"]:
        diffs["version"] = (row["version"], ver)
    tc = row["cipher"]
    if tc == "-":
        oc = "-" if rec["server_hello"] is None or "cipher_id" not in rec["server_hello"] else rec["cipher"]
        if oc != "-":
            diffs["cipher"] = (tc, oc)
    else:
        want = int(tc[tc.rfind("(") + 1:-1], 16)
        got = (rec["server_hello"] or {}).get("cipher_id")
        if got != want:
            diffs["cipher"] = (tc, rec["cipher"])
    if row["cert_cleartext"] == "yes":
        got = rec["certificates_total"] if rec["certificates_state"] in ("visible", "cut") else None
        if str(got) != row["n_certs"]:
            diffs["certs"] = (row["n_certs"], got)
    elif rec["certificates_state"] in ("visible", "cut"):
        diffs["certs"] = ("none in clear", rec["certificates_total"])
    ta, oa = truth_alerts(row["alerts"]), our_alerts(rec)
    if ta != oa:
        diffs["alerts"] = (";".join(ta) or "-", ";".join(oa) or "-")
    fc, rst = our_close(rec)
    if (fc, rst) != (row["first_close_before_sh"], row["srv_rst_before_sh"]):
        diffs["close"] = ("%s/%s" % (row["first_close_before_sh"], row["srv_rst_before_sh"]), "%s/%s" % (fc, rst))
    return diffs


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    verbose = "--verbose" in sys.argv
    minimum = 0.99
    proto = "tls"
    for i, a in enumerate(sys.argv):
        if a == "--min-agreement":
            minimum = float(sys.argv[i + 1])
            args = [x for x in args if x != sys.argv[i + 1]]
        if a == "--proto":
            proto = sys.argv[i + 1]
            args = [x for x in args if x != sys.argv[i + 1]]
    transport = "quic" if proto == "quic" else "tcp"
    tool, corpus = args[0], args[1]
    rows = tls_rows(corpus, "TRUTH.tsv", proto)
    if rows is None:
        return 77
    by_file = defaultdict(list)
    for r in rows:
        by_file[r["file"]].append(r)

    fields = ["sni", "version", "cipher", "certs", "alerts", "close"]
    field_bad = defaultdict(int)
    agree = disagree = excluded = 0
    for fname in sorted(by_file):
        path = os.path.join(corpus, fname)
        res = subprocess.run([tool, "analyze", "--json", path], capture_output=True, text=True)
        if res.returncode not in (0, 1):  # 1: findings of error severity
            print("FAIL %s: tlsscope exited %d: %s" % (fname, res.returncode, res.stderr.strip()))
        recs = []
        for line in res.stdout.splitlines():
            o = json.loads(line)
            if o.get("type") == "connection" and o.get("transport") == transport:
                recs.append(o)
        index = defaultdict(list)
        for rec in recs:
            index[(endpoint(rec["client"]), endpoint(rec["server"]))].append(rec)
        used = set()
        for row in by_file[fname]:
            cands = [r for r in index.get((row["client"], row["server"]), []) if id(r) not in used]
            swapped = False
            if not cands:
                cands = [r for r in index.get((row["server"], row["client"]), []) if id(r) not in used]
                swapped = bool(cands)
            key = (fname, row["client"], row["server"])
            if not cands:
                diffs = {"missing": ("a %s connection" % proto.upper(), "none")}
                rec = None
            else:
                # prefer a record that saw a hello, in stream order
                cands.sort(key=lambda r: (r["client_hello"] is None and r["server_hello"] is None, r["id"]))
                rec = cands[0]
                used.add(id(rec))
                diffs = compare(row, rec)
                if swapped:
                    diffs["roles"] = ("client " + row["client"], "client " + endpoint(rec["client"]))
            if key in TSHARK_WRONG:
                excluded += 1
                print("TSHARK-WRONG %s %s -> %s: %s" % (fname, row["client"], row["server"], TSHARK_WRONG[key]))
                continue
            if diffs:
                disagree += 1
                for f in diffs:
                    field_bad[f] += 1
                print("DISAGREE %s stream %s %s -> %s" % (fname, row["stream"], row["client"], row["server"]))
                for f, (t, o) in diffs.items():
                    print("    %-8s tshark=%s tlsscope=%s" % (f, t, o))
            else:
                agree += 1
                if verbose:
                    print("agree %s stream %s" % (fname, row["stream"]))
    total = agree + disagree
    rate = agree / total if total else 0.0
    print()
    for f in fields + ["missing", "roles"]:
        if f in field_bad or f in fields:
            print("field %-8s agreement %d/%d" % (f, total - field_bad.get(f, 0), total))
    print("%s rows agreeing: %d/%d = %.2f%% (minimum %.2f%%), %d excluded as tshark errors"
          % (proto, agree, total, 100 * rate, 100 * minimum, excluded))
    return 0 if rate >= minimum else 1


if __name__ == "__main__":
    sys.exit(main())
