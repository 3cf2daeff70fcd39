#!/usr/bin/env python3
"""`tlsscope analyze --keylog` on a QUIC capture, end to end through the CLI.

Usage: quic_keylog_cli.py TLSSCOPE CORPUS_DIR

nDPI__quic-v2.pcapng (QUIC v2, picotls) with its key log: the Handshake
packets are opened, the server's certificate is in the record as for TLS 1.3
over TCP (leaf CN as tshark reads it in TRUTH_keylog.tsv), the diagnosis runs
on it (the certificate does not name the SNI "test"), and `decryption` says
matched. Then the ways a key log can fail, each with the note TCP gives:
none (no decryption object), no entry for the client random, a server secret
that is wrong, a server secret that is missing. 77 when the corpus is missing.
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tlsscope_run import run  # noqa: E402

CAPTURE = "nDPI__quic-v2.pcapng"
bad = 0


def expect(cond, what):
    global bad
    print("%s %s" % ("ok  " if cond else "FAIL", what))
    bad += not cond


def quic_record(tool, capture, keylog):
    cmd = [tool, "analyze", "--json", "--json-detail", "full", "--fail-on", "never"] + (["--keylog", keylog] if keylog else []) + [capture]
    res = run(cmd, allowed=(0,), text=True, timeout=120)
    recs = [o for o in map(json.loads, res.stdout.splitlines())
            if o.get("type") == "connection" and o.get("transport") == "quic"]
    if len(recs) != 1:
        print("FAIL %d QUIC connections in %s, want 1" % (len(recs), capture))
        sys.exit(1)
    return recs[0]


def truth_row(corpus):
    with open(os.path.join(corpus, "TRUTH_keylog.tsv")) as fh:
        lines = [l.rstrip("\n").split("\t") for l in fh if l.strip()]
    return next(r for r in (dict(zip(lines[0], l)) for l in lines[1:]) if r["file"] == CAPTURE and r["proto"] == "quic")


def rewrite(src, dst, fn):
    """Copy the key log src to dst, each line through fn (None drops it)."""
    with open(src) as fi, open(dst, "w") as fo:
        for line in fi:
            out = fn(line.rstrip("\n").split(" "))
            if out is not None:
                fo.write(" ".join(out) + "\n")


def flip(fields):
    if fields[0] == "SERVER_HANDSHAKE_TRAFFIC_SECRET":
        fields[2] = ("0" if fields[2][0] != "0" else "1") + fields[2][1:]
    return fields


def main():
    tool, corpus = sys.argv[1], sys.argv[2]
    capture = os.path.join(corpus, CAPTURE)
    keys = capture + ".keys"
    if not os.path.exists(capture) or not os.path.exists(keys):
        print("corpus not found at %s: skipped" % corpus)
        return 77
    row = truth_row(corpus)

    rec = quic_record(tool, capture, keys)
    dec = rec["decryption"] or {}
    expect(dec.get("keylog") == "matched" and dec.get("note") is None, "decryption matched: %s" % json.dumps(dec))
    expect(dec.get("records_decrypted", {}).get("server", 0) > 0 and dec["records_decrypted"]["client"] > 0,
           "Handshake packets opened from both sides")
    expect(rec["certificates_state"] == "visible", "certificates_state %s" % rec["certificates_state"])
    leaf = (rec["certificates"] or [{}])[0]
    expect(str(rec["certificates_total"]) == row["n_certs"] and (leaf.get("subject_cn") or ["-"])[0] == row["leaf_cn"],
           "%s certificate(s), leaf CN %s; tshark: %s, %s" % (rec["certificates_total"], leaf.get("subject_cn"),
                                                              row["n_certs"], row["leaf_cn"]))
    codes = [f["code"] for f in rec.get("findings") or []]
    expect("hostname-mismatch" in codes and "certificate-not-visible" not in codes,
           "the diagnosis ran on the chain: %s" % ",".join(codes))
    expect(any(e["event"] == "certificate" and e.get("decrypted") for e in rec["timeline"]),
           "the Certificate is in the timeline, marked decrypted")

    rec = quic_record(tool, capture, None)
    codes = [f["code"] for f in rec.get("findings") or []]
    expect(rec["decryption"] is None and rec["certificates_state"] == "encrypted"
           and "certificate-not-visible" in codes, "without a key log: as before (certificates encrypted)")

    with tempfile.TemporaryDirectory() as tmp:
        other = os.path.join(corpus, "zeek__tls12-decryption.pcap.keys")
        if os.path.exists(other):
            dec = quic_record(tool, capture, other)["decryption"] or {}
            expect(dec.get("keylog") == "not_found" and "no line" in (dec.get("note") or ""),
                   "another capture's key log: %s" % json.dumps(dec))
        wrong = os.path.join(tmp, "wrong.keys")
        rewrite(keys, wrong, flip)
        rec = quic_record(tool, capture, wrong)
        dec = rec["decryption"] or {}
        expect(dec.get("keylog") == "failed" and "server record did not decrypt" in (dec.get("note") or "")
               and rec["certificates_state"] == "encrypted", "a wrong server secret: %s" % json.dumps(dec))
        missing = os.path.join(tmp, "missing.keys")
        rewrite(keys, missing, lambda f: None if f[0] == "SERVER_HANDSHAKE_TRAFFIC_SECRET" else f)
        dec = quic_record(tool, capture, missing)["decryption"] or {}
        expect(dec.get("keylog") == "failed" and "lacks a secret" in (dec.get("note") or "")
               and dec["records_decrypted"]["client"] > 0, "no server secret: %s" % json.dumps(dec))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
