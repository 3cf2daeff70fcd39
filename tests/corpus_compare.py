#!/usr/bin/env python3
"""Compare tlsscope's JSON records with tshark's ground truth (TRUTH.tsv).

Usage: corpus_compare.py TLSSCOPE CORPUS_DIR [--proto tls|quic] [--known FILE] [--verbose]

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

Every field must agree. The only differences allowed are the ones listed in
corpus_known_differences.tsv (capture, stream, endpoints, field, both values
and why tshark is wrong, checked against the bytes). The test fails (exit 1)
on any difference not listed there, on a listed one that no longer occurs,
and at once on any abnormal end of tlsscope (tlsscope_run.py); 77 when the
corpus is missing.
"""
import json
import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tlsscope_run import run  # noqa: E402

KNOWN_DIFFERENCES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus_known_differences.tsv")


def known_differences(path, proto):
    """{(file, stream, client, server, field): (tshark, tlsscope, why)} of one protocol."""
    known = {}
    with open(path) as fh:
        lines = [l.rstrip("\n").split("\t") for l in fh if l.strip() and not l.startswith("#")]
    for l in lines[1:]:
        row = dict(zip(lines[0], l))
        if row["proto"] == proto:
            key = (row["file"], row["stream"], row["client"], row["server"], row["field"])
            known[key] = (row["tshark"], row["tlsscope"], row["why"])
    return known


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
    proto = "tls"
    known_path = KNOWN_DIFFERENCES
    for i, a in enumerate(sys.argv):
        if a == "--proto":
            proto = sys.argv[i + 1]
            args = [x for x in args if x != sys.argv[i + 1]]
        if a == "--known":  # another list (the self-test's)
            known_path = sys.argv[i + 1]
            args = [x for x in args if x != sys.argv[i + 1]]
    transport = "quic" if proto == "quic" else "tcp"
    tool, corpus = args[0], args[1]
    rows = tls_rows(corpus, "TRUTH.tsv", proto)
    if rows is None:
        return 77
    known = known_differences(known_path, proto)
    by_file = defaultdict(list)
    for r in rows:
        by_file[r["file"]].append(r)

    fields = ["sni", "version", "cipher", "certs", "alerts", "close"]
    field_bad = defaultdict(int)
    agree = disagree = 0
    unexpected = 0
    seen_known = set()
    for fname in sorted(by_file):
        path = os.path.join(corpus, fname)
        res = run([tool, "analyze", "--json", "--json-detail", "full", path], allowed=(0, 1), text=True, timeout=300)  # 1: error findings
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
            if not cands:
                diffs = {"missing": ("a %s connection" % proto.upper(), "none")}
            else:
                # prefer a record that saw a hello, in stream order
                cands.sort(key=lambda r: (r["client_hello"] is None and r["server_hello"] is None, r["id"]))
                rec = cands[0]
                used.add(id(rec))
                diffs = compare(row, rec)
                if swapped:
                    diffs["roles"] = ("client " + row["client"], "client " + endpoint(rec["client"]))
            if not diffs:
                agree += 1
                if verbose:
                    print("agree %s stream %s" % (fname, row["stream"]))
                continue
            disagree += 1
            print("DIFFER %s stream %s %s -> %s" % (fname, row["stream"], row["client"], row["server"]))
            for f, (t, o) in diffs.items():
                field_bad[f] += 1
                key = (fname, row["stream"], row["client"], row["server"], f)
                entry = known.get(key)
                if entry and entry[:2] == (str(t), str(o)):
                    seen_known.add(key)
                    print("    %-8s tshark=%s tlsscope=%s: known, tshark is wrong: %s" % (f, t, o, entry[2]))
                else:
                    unexpected += 1
                    print("    %-8s tshark=%s tlsscope=%s: NOT LISTED in %s"
                          % (f, t, o, os.path.basename(known_path)))
    stale = sorted(set(known) - seen_known)
    for key in stale:
        print("STALE %s stream %s %s -> %s field %s: listed as tshark=%s tlsscope=%s, no longer differs so"
              % (key + known[key][:2]))
    total = agree + disagree
    print()
    for f in fields + ["missing", "roles"]:
        if f in field_bad or f in fields:
            print("field %-8s agreement %d/%d" % (f, total - field_bad.get(f, 0), total))
    print("%s rows agreeing: %d/%d; %d field differences listed as tshark errors, %d not listed, %d listed "
          "but gone" % (proto, agree, total, len(seen_known), unexpected, len(stale)))
    return 0 if total and not unexpected and not stale else 1


if __name__ == "__main__":
    sys.exit(main())
