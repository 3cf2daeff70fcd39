#!/usr/bin/env python3
"""With the key logs the corpus ships, tlsscope must see the certificates tshark sees.

Usage: corpus_keylog_compare.py TLSSCOPE CORPUS_DIR [--verbose]

CORPUS_DIR/TRUTH_keylog.tsv is tshark's view of the key-logged captures with
their keys. For every `tls` (TLS over TCP) and `quic` row, runs
`TLSSCOPE analyze --json --keylog FILE.keys FILE` and compares, for the
connection with the row's client and server:
  sni, version, cipher   as in corpus_compare.py
  cert_visible           a server Certificate was read (certificates_state visible/cut)
  n_certs                certificates in it
  leaf_cn, leaf_san_dns  the leaf's subject CN and DNS subjectAltNames, in order
  leaf_issuer            the leaf's issuer (RDNs compared as a set: tshark writes them
                         in the other order)
  leaf_self_issued       issuer == subject
  chain_linked           each certificate's issuer is the next one's subject
  client_cert            the client sent a non-empty Certificate
  alerts                 every alert as level/code@sender, decrypted ones included
  decryption             "matched" wherever tshark decrypted the certificate
QUIC rows are matched to `transport: "quic"` records (a capture may hold both, e.g.
Chrome's TCP and QUIC connections to one server); over QUIC the certificate comes from
the Handshake packets opened with the key log. The ja4__chrome-cloudflare-quic rows agree
on "no certificate" for another reason: the server sent a CompressedCertificate (RFC 8879),
which neither tshark nor tlsscope decompresses (certificates_state "compressed").
Rows marked pcapng_secrets_ignored come from a pcapng whose Decryption Secrets
Block tshark was told to ignore: the .keys file beside it is the key log both use.
Every row must agree (exit 1 otherwise); 77 when the corpus is missing.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tlsscope_run import run  # noqa: E402
from corpus_compare import endpoint, our_alerts, our_version, tls_rows, truth_alerts  # noqa: E402


def rdns(dn):
    """A DN as a set of attribute=value strings (commas escaped with a backslash stay inside a value)."""
    if dn in (None, "-"):
        return None
    return frozenset(p.strip() for p in re.split(r"(?<!\\),", dn))


def yes_no(b):
    return "yes" if b else "no"


def facts(rec):
    """What the truth's certificate columns say, from one tlsscope record."""
    certs = rec.get("certificates") or []
    visible = rec["certificates_state"] in ("visible", "cut")
    out = {"cert_visible": yes_no(visible), "client_cert": yes_no(rec.get("client_certificates_total", 0) > 0)}
    if not visible or not certs:
        for k in ("n_certs", "leaf_cn", "leaf_san_dns", "leaf_self_issued", "chain_linked"):
            out[k] = "-"
        out["leaf_issuer"] = None
        return out
    leaf = certs[0]
    out["n_certs"] = str(rec["certificates_total"])
    out["leaf_cn"] = (leaf.get("subject_cn") or ["-"])[0]
    out["leaf_san_dns"] = ",".join(leaf["san"]["dns"]) if leaf.get("san") and leaf["san"]["dns"] else "-"
    out["leaf_issuer"] = rdns(leaf.get("issuer"))
    out["leaf_self_issued"] = yes_no(leaf.get("self_issued"))
    if len(certs) < 2:
        out["chain_linked"] = "-"
    else:
        out["chain_linked"] = yes_no(all(rdns(certs[i]["issuer"]) == rdns(certs[i + 1]["subject"])
                                         for i in range(len(certs) - 1)))
    return out


def compare(row, rec):
    diffs = {}
    sni = rec["server_name"] if rec["server_name"] is not None else "-"
    if sni != row["sni"]:
        diffs["sni"] = (row["sni"], sni)
    if our_version(rec["version"]) != row["version"]:
        diffs["version"] = (row["version"], rec["version"])
    tc = row["cipher"]
    if tc != "-" and (rec["server_hello"] or {}).get("cipher_id") != int(tc[tc.rfind("(") + 1:-1], 16):
        diffs["cipher"] = (tc, rec["cipher"])
    f = facts(rec)
    want = {"cert_visible": row["cert_visible_with_keys"], "n_certs": row["n_certs"], "leaf_cn": row["leaf_cn"],
            "leaf_san_dns": row["leaf_san_dns"], "leaf_issuer": rdns(row["leaf_issuer"]),
            "leaf_self_issued": row["leaf_self_issued"], "chain_linked": row["chain_linked"],
            "client_cert": row["client_cert"]}
    for k, v in want.items():
        if f[k] != v:
            diffs[k] = (v, f[k])
    ta, oa = truth_alerts(row["alerts"]), our_alerts(rec)
    if ta != oa:
        diffs["alerts"] = (";".join(ta) or "-", ";".join(oa) or "-")
    return diffs


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    verbose = "--verbose" in sys.argv
    tool, corpus = args[0], args[1]
    rows = tls_rows(corpus, "TRUTH_keylog.tsv")
    if rows is None:
        return 77
    rows += tls_rows(corpus, "TRUTH_keylog.tsv", "quic")
    agree = 0
    decrypted_rows = 0
    for row in rows:
        path = os.path.join(corpus, row["file"])
        keys = path + ".keys"
        res = run([tool, "analyze", "--json", "--json-detail", "full", "--fail-on", "never", "--keylog", keys, path], allowed=(0,),
                  text=True, timeout=300)
        recs = [o for o in map(json.loads, res.stdout.splitlines()) if o.get("type") == "connection"]
        transport = "quic" if row["proto"] == "quic" else "tcp"
        cands = [r for r in recs if (endpoint(r["client"]), endpoint(r["server"])) == (row["client"], row["server"])
                 and r.get("transport", "tcp") == transport]
        if not cands:
            print("DISAGREE %s %s -> %s: no such connection" % (row["file"], row["client"], row["server"]))
            continue
        rec = sorted(cands, key=lambda r: r["id"])[int(row["stream"]) if int(row["stream"]) < len(cands) else 0]
        diffs = compare(row, rec)
        dec = rec.get("decryption") or {}
        if row["cert_visible_with_keys"] == "yes" and dec.get("keylog") != "matched":
            diffs["decryption"] = ("matched", dec.get("keylog"))
        if dec.get("keylog") == "matched":
            decrypted_rows += 1
        if diffs:
            print("DISAGREE %s stream %s %s -> %s (decryption: %s)" % (row["file"], row["stream"], row["client"],
                                                                     row["server"], json.dumps(dec)))
            for k, (t, o) in diffs.items():
                print("    %-16s tshark=%s tlsscope=%s" % (k, t, o))
        else:
            agree += 1
            if verbose:
                print("agree %s stream %s (decryption: %s)" % (row["file"], row["stream"], json.dumps(dec)))
    print("rows agreeing: %d/%d (%d decrypted with the key log)" % (agree, len(rows), decrypted_rows))
    return 0 if rows and agree == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
