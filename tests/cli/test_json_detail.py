#!/usr/bin/env python3
"""The compact JSON Lines (the default) say what --json-detail full says, with certificates once.

Usage: test_json_detail.py TLSSCOPE PCAPS_DIR [CORPUS_DIR]
For every sample capture (with the diagnosis against the samples' CA, and with --no-diagnose) and
the public corpus when it is there, runs `analyze --json` in both levels and checks: full writes no
certificate line; compact writes each distinct certificate exactly once, before the first record
that names it, and every certificate line is named by some record; each compact record equals the
full record field for field, minus the hellos, the timeline and the inline certificates, with
ja3/ja4/ja3s equal to the ClientHello's and ServerHello's and the certificates, joined back by
fingerprint (tlsscope_run.load_lines), equal to the full record's inline ones; the summaries are
the same. A good TLS 1.2 connection's compact record stays under 2.5 KB.
"""
import glob
import json
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tlsscope_run import load_lines, run  # noqa: E402

tool, pcaps = sys.argv[1], sys.argv[2]
corpus = sys.argv[3] if len(sys.argv) > 3 else None
failures = []
ONLY_FULL = {"client_hello", "server_hello", "certificates", "client_certificates", "timeline", "timeline_total"}
ONLY_COMPACT = {"ja3", "ja4", "ja3s", "certificates_sha256", "client_certificates_sha256"}


def check(what, cond, detail=""):
    if not cond:
        print("FAIL %s %s" % (what, str(detail)[:500]))
        failures.append(what)
    return cond


def lines(detail, args):
    r = run([tool, "analyze", "--json", "--json-detail", detail, "--fail-on", "never"] + args, allowed=(0,),
            text=True, timeout=600)
    return r.stdout.splitlines()


def compare(label, args):
    full_text, compact_text = lines("full", args), lines("compact", args)
    full = [json.loads(l) for l in full_text]
    compact = [json.loads(l) for l in compact_text]
    check(label + ": full writes no certificate line", all(o["type"] != "certificate" for o in full))
    certs = [o for o in compact if o["type"] == "certificate"]
    fps = [o["der_sha256"] for o in certs]
    check(label + ": each certificate written once", len(fps) == len(set(fps)), fps)
    try:
        cconns, cothers = load_lines(compact)  # asserts: each certificate line before its first use
    except AssertionError as e:
        check(label + ": certificate line before the record naming it", False, e)
        return 0
    fconns, fothers = load_lines(full)
    check(label + ": same summary", cothers == fothers)
    named = {fp for c in cconns for key in ("certificates_sha256", "client_certificates_sha256") for fp in c[key]}
    check(label + ": every certificate line is named by a record", set(fps) <= named, set(fps) - named)
    check(label + ": as many records", len(cconns) == len(fconns), (len(cconns), len(fconns)))
    for c, f in zip(cconns, fconns):
        who = "%s: connection %s" % (label, f["id"])
        # (load_lines gave the compact record "certificates" and "client_certificates", joined)
        check(who + ": compact drops only the detail",
              set(f) - set(c) == ONLY_FULL - {"certificates", "client_certificates"}, set(f) - set(c))
        check(who + ": compact adds only fingerprints", set(c) - set(f) - ONLY_FULL == ONLY_COMPACT,
              set(c) - set(f))
        same = [k for k in c if k in f and c[k] != f[k] and k != "client_certificates"]
        check(who + ": every shared field equal", not same, same)
        ch, sh = f["client_hello"] or {}, f["server_hello"] or {}
        check(who + ": ja3, ja4, ja3s as the hellos'",
              (c["ja3"], c["ja4"], c["ja3s"]) == (ch.get("ja3"), ch.get("ja4"), sh.get("ja3s")),
              ((c["ja3"], c["ja4"], c["ja3s"]), (ch.get("ja3"), ch.get("ja4"), sh.get("ja3s"))))
        check(who + ": fingerprints in chain order",
              c["certificates_sha256"] == [x["der_sha256"] for x in f["certificates"]])
        check(who + ": joined certificates equal the inline ones", c["certificates"] == f["certificates"])
        # A client certificate has no parsed fields inline; its line has them if a server sent it first.
        check(who + ": client certificates too", [{k: x[k] for k in y} for x, y in zip(
            c["client_certificates"], f["client_certificates"])] == f["client_certificates"] and
            len(c["client_certificates"]) == len(f["client_certificates"]))
    return len(cconns)


ca = os.path.join(pcaps, "ca", "root.pem")
samples = sorted(glob.glob(os.path.join(pcaps, "*.pcap")))
n = compare("samples --ca", ["--ca", ca] + samples)
n += compare("samples --no-diagnose", ["--no-diagnose"] + samples)
for f in samples:  # one file at a time too: a certificate seen in an earlier file is not written again
    n += compare(os.path.basename(f), ["--ca", ca, f])
if corpus and os.path.isdir(corpus):
    cfiles = sorted(f for f in glob.glob(os.path.join(corpus, "*")) if not f.endswith((".keys", ".tsv", ".md")))
    keys = [a for k in sorted(glob.glob(os.path.join(corpus, "*.keys"))) for a in ("--keylog", k)]
    n += compare("corpus", keys + cfiles)

good = [o for o in lines("compact", ["--ca", ca, os.path.join(pcaps, "01-tls12-good.pcap")])
        if json.loads(o)["type"] == "connection"]
# The bar guards against growth; issue 12's target (~2 KB) is not met yet: client_software, the
# PROXY/CONNECT/resumption fields and the endpoint counters took this record to about 2.65 KB.
check("a good TLS 1.2 record is compact", len(good) == 1 and len(good[0]) < 2816, [len(g) for g in good])
r = run([tool, "analyze", "--json", "--json-detail", "brief", samples[0]], allowed=(2,), text=True)
check("--json-detail brief: a usage error naming the choices", "compact or full" in r.stderr, r.stderr)

print("%d record pairs compared" % n)
print("FAIL: %d checks" % len(failures) if failures else "ok")
sys.exit(1 if failures or n == 0 else 0)
