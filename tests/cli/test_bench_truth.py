#!/usr/bin/env python3
"""Diagnosis against the benchmark kit's ground truth.

Usage: test_bench_truth.py TLSSCOPE GEN_TLS_PCAP WORKDIR [N]
       test_bench_truth.py TLSSCOPE --capture PCAP TSV ROOT.pem   (an existing kit capture)

Makes a capture of N (default 3000) connections with ../shared/bench's
generator (real OpenSSL handshakes; each connection's scenario written to a
TSV), analyses it with `--ca` set to the generator's root, and checks every
connection whose certificate travels in clear (TLS 1.2), plus every reset:

  scenario        finding that must be there          Node.js err.code
  good            no error-severity finding           null
  mismatch        hostname-mismatch | wildcard-...    ERR_TLS_CERT_ALTNAME_INVALID
  selfsigned      self-signed-leaf                    DEPTH_ZERO_SELF_SIGNED_CERT
  nointermediate  missing-intermediate                UNABLE_TO_VERIFY_LEAF_SIGNATURE
  expired         expired                             CERT_HAS_EXPIRED
  iphost          ip-not-in-san                       ERR_TLS_CERT_ALTNAME_INVALID
  reset           reset-after-client-hello            ECONNRESET

Any miss or false alarm fails the test; each is printed.
"""
import json
import os
import subprocess
import sys
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tlsscope_run import run as run_tlsscope  # noqa: E402

tool = sys.argv[1]
if sys.argv[2] == "--capture":
    pcap, tsv, root = sys.argv[3], sys.argv[4], sys.argv[5]
else:
    gen, work = sys.argv[2], sys.argv[3]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 3000
    if not os.path.exists(gen):
        print("skipped: the benchmark kit's generator is not there (%s)" % gen)
        sys.exit(77)
    os.makedirs(work, exist_ok=True)
    pcap, tsv, root = (os.path.join(work, x) for x in ("bench.pcap", "bench.tsv", "root.pem"))
    subprocess.run([gen, "-n", str(n), "-k", "ec", "-b", "1K", "-o", pcap, "-t", tsv, "-R", root], check=True,
                   stdout=subprocess.DEVNULL)

truth = {}
with open(tsv) as fh:
    cols = None
    for line in fh:
        if line.startswith("#id"):
            cols = line[1:].rstrip("\n").split("\t")
            continue
        if line.startswith("#") or not line.strip():
            continue
        row = dict(zip(cols, line.rstrip("\n").split("\t")))
        truth[(row["client"], row["server"])] = row

res = run_tlsscope([tool, "analyze", "--json", "--ca", root, pcap], capture_output=True, text=True)
if res.returncode not in (0, 1):  # 1: error findings, as expected here
    print("tlsscope failed:", res.stderr)
    sys.exit(1)

EXPECT = {
    "good": (set(), None),
    "mismatch": ({"hostname-mismatch", "wildcard-mismatch"}, "ERR_TLS_CERT_ALTNAME_INVALID"),
    "selfsigned": ({"self-signed-leaf"}, "DEPTH_ZERO_SELF_SIGNED_CERT"),
    "nointermediate": ({"missing-intermediate"}, "UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
    "expired": ({"expired"}, "CERT_HAS_EXPIRED"),
    "iphost": ({"ip-not-in-san"}, "ERR_TLS_CERT_ALTNAME_INVALID"),
    "reset": ({"reset-after-client-hello"}, "ECONNRESET"),
}
checked = bad = 0
by_scenario = {}
seen = set()
for line in res.stdout.splitlines():
    rec = json.loads(line)
    if rec["type"] != "connection":
        continue
    key = ("%s:%d" % (rec["client"]["ip"], rec["client"]["port"]), "%s:%d" % (rec["server"]["ip"], rec["server"]["port"]))
    row = truth.get(key)
    if not row:
        continue
    seen.add(key)
    scen = row["scenario"]
    if int(row["certs_in_clear"]) == 0 and scen != "reset":
        continue  # TLS 1.3: the chain is encrypted
    want_codes, want_node = EXPECT[scen]
    codes = {f["code"] for f in rec.get("findings", [])}
    errors = {f["code"] for f in rec.get("findings", []) if f["severity"] in ("error", "critical")}
    node = (rec.get("client_errors") or {}).get("node")
    node_code = node["code"] if node else None
    problems = []
    if want_codes and not (want_codes & codes):
        problems.append("missing finding %s (got %s)" % ("|".join(sorted(want_codes)), sorted(codes)))
    if scen == "good" and errors - {"client-rejected-certificate", "alert"}:
        problems.append("false alarm %s" % sorted(errors))
    if node_code != want_node:
        problems.append("node error %s, expected %s" % (node_code, want_node))
    checked += 1
    s = by_scenario.setdefault(scen, [0, 0])
    s[0] += 1
    if problems:
        bad += 1
        s[1] += 1
        if bad <= 40:
            print("WRONG id %s %s %s sni=%s: %s" % (row["id"], scen, key[1], row["sni"], "; ".join(problems)))
missing = [k for k, r in truth.items() if k not in seen]
for scen in sorted(by_scenario):
    print("%-15s checked %5d  wrong %d" % (scen, by_scenario[scen][0], by_scenario[scen][1]))
print("connections in the truth not reported: %d" % len(missing))
print("%d passed, %d failed" % (checked - bad, bad + len(missing)))
sys.exit(1 if bad or missing else 0)
