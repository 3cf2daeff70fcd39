#!/usr/bin/env python3
"""Resumption, client certificates and proxies on real loopback runs (issue 10, sections 3, 4, 6).

    mtls_e2e.py TLSSCOPE OUTDIR

Real servers (openssl s_server; a small CONNECT proxy in this file) and real clients (openssl
s_client, curl, Node.js, Python) on 127.0.0.1, ports 31000-31399, captured on lo with tcpdump and
read by tlsscope with and without the clients' key log. Asserted:

- resumption: openssl s_client -sess_out, then -sess_in, against s_server (TLS 1.2 session ID, TLS 1.2
  ticket, TLS 1.3 PSK): the real client says "Reused"; the second connection is `resumed` by the
  right means, raises no certificate or chain finding, and (where the capture shows the session's
  origin: TLS 1.2 always, TLS 1.3 with the key log) `resumed_from` is the first connection's id with
  its chain fingerprints and verify result in `resumed_chain`.

Exit 0 when every assertion holds, 1 otherwise, 77 when lo cannot be captured or a tool is missing.
OUTDIR keeps the capture, the key log, the PKI's root and tlsscope's output.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import lo_capture
from run_e2e import ENV, stop, wait_listening

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = 31000
WWW = "www.example.test"
FAILS = []

# (port, s_server options, how the second connection resumes)
RESUME = ((BASE + 0, ["-tls1_2", "-no_ticket"], "session_id"),
          (BASE + 1, ["-tls1_2"], "ticket"),
          (BASE + 2, ["-tls1_3"], "psk"))


def check(name, what, ok, detail=""):
    print("%s %s: %s%s" % ("ok  " if ok else "FAIL", name, what, "" if ok else "  [%s]" % detail), flush=True)
    if not ok:
        FAILS.append(name)


def s_server(port, pki, leaf, *extra):
    cmd = ["openssl", "s_server", "-accept", "127.0.0.1:%d" % port, "-cert", os.path.join(pki, leaf + ".pem"),
           "-key", os.path.join(pki, leaf + ".key"), "-cert_chain", os.path.join(pki, "chain-int.pem"), "-www",
           *extra]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                            env=ENV)


def s_client(port, pki, keylog, *extra):
    """One openssl s_client run sending a request; (exit status, everything it printed)."""
    cmd = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", WWW, "-CAfile",
           os.path.join(pki, "root.pem"), "-verify_return_error", "-ign_eof", "-keylogfile", keylog, *extra]
    r = subprocess.run(cmd, input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True, env=ENV, timeout=20)
    return r.returncode, (r.stdout + r.stderr).decode("utf-8", "replace")


def analyze(tool, pcap, ca, *extra):
    r = subprocess.run([tool, "analyze", "--json", "--ca", ca, *extra, pcap], capture_output=True, text=True,
                       timeout=60)
    return [j for j in (json.loads(x) for x in r.stdout.splitlines() if x.startswith("{"))
            if j.get("type") == "connection"]


def by_port(conns):
    out = {}
    for c in conns:
        if (c.get("client_hello") or {}).get("count"):
            out.setdefault(c["server"]["port"], []).append(c)
    for v in out.values():
        v.sort(key=lambda j: j["ts"])
    return out


CHAIN_CODES = {"hostname-mismatch", "wildcard-mismatch", "ip-not-in-san", "cn-only", "self-signed-leaf",
               "self-signed-in-chain", "unknown-issuer", "missing-intermediate", "expired", "not-yet-valid",
               "chain-order", "weak-signature", "weak-key", "not-for-server-auth", "ca-as-leaf",
               "unparsable-certificate", "certificate-not-visible"}


def run_resumption(pki, keylog):
    said = {}
    for port, _, how in RESUME:
        sess = os.path.join(os.path.dirname(keylog), "sess-%d.pem" % port)
        said[port] = [s_client(port, pki, keylog, "-sess_out", sess), s_client(port, pki, keylog, "-sess_in", sess)]
    return said


def assess_resumption(said, plain, keyed):
    for port, _, how in RESUME:
        name = "resume-" + how
        (rc1, out1), (rc2, out2) = said[port]
        check(name, "the real client: a new session, then Reused", rc1 == 0 and rc2 == 0 and "\nNew," in out1
              and "\nReused," in out2, (rc1, rc2))
        for label, table in (("no key log", plain), ("key log", keyed)):
            conns = table.get(port, [])
            if len(conns) != 2:
                check(name, "%s: two connections" % label, False, len(conns))
                continue
            full, again = conns
            check(name, "%s: resumed by %s" % (label, how), (full["resumed"], again["resumed"],
                                                            again["resumption"]) == (False, True, how),
                  (full["resumed"], again["resumed"], again["resumption"]))
            codes = [f["code"] for f in again["findings"]]
            check(name, "%s: no certificate or chain finding on the resumption" % label,
                  not CHAIN_CODES.intersection(codes) and all(f["certificate"] is None for f in again["findings"]),
                  codes)
            origin_visible = how != "psk" or label == "key log"
            if not origin_visible:
                check(name, "%s: the TLS 1.3 tickets are encrypted: resumed_from null" % label,
                      again.get("resumed_from") is None, again.get("resumed_from"))
                continue
            check(name, "%s: resumed_from is the full handshake (%d)" % (label, full["id"]),
                  again.get("resumed_from") == full["id"], again.get("resumed_from"))
            rc = again.get("resumed_chain") or {}
            want = [c["der_sha256"] for c in full["certificates"]]
            check(name, "%s: resumed_chain carries the full handshake's chain" % label,
                  rc.get("der_sha256") == want and rc.get("certificates_total") == full["certificates_total"],
                  rc)
            check(name, "%s: ... and its verdict (%s)" % (label, (full.get("verification") or {}).get(
                "verify_result")), rc.get("verify_result") == (full.get("verification") or {}).get("verify_result")
                  and rc.get("trusted") is True, rc)


def main():
    tool, outdir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    for t in ("openssl", "tcpdump"):
        if not shutil.which(t):
            print("SKIP: %s not installed" % t)
            return 77
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    tmp = tempfile.mkdtemp(prefix="tlsscope-mtls-")
    pki = os.path.join(tmp, "pki")
    if subprocess.run(["sh", os.path.join(HERE, "make_pki.sh"), pki], env=ENV, capture_output=True).returncode:
        print("FAIL: make_pki.sh")
        return 1
    pcap = os.path.join(outdir, "mtls.pcap")
    keylog = os.path.join(outdir, "keylog.txt")
    open(keylog, "w").close()
    caplog = open(os.path.join(outdir, "tcpdump.log"), "w+")
    cap, why = lo_capture.start(pcap, "tcp portrange %d-%d" % (BASE, BASE + 399), caplog)
    if cap is None:
        print("SKIP: cannot capture lo: %s" % why)
        return 77
    procs = []
    try:
        for port, opts, _ in RESUME:
            procs.append(("resume-%d" % port, s_server(port, pki, "good", *opts)))
        err = wait_listening([p for p, _, _ in RESUME], procs, time.monotonic() + 10)
        if err:
            print("FAIL: %s" % err)
            return 1
        said = run_resumption(pki, keylog)
    finally:
        stop(procs)
        lo_capture.finish(cap, pcap, caplog)
    ca = os.path.join(pki, "root.pem")
    shutil.copy(ca, os.path.join(outdir, "root.pem"))
    plain, keyed = analyze(tool, pcap, ca), analyze(tool, pcap, ca, "--keylog", keylog)
    for name, conns in (("tlsscope.jsonl", plain), ("tlsscope-keylog.jsonl", keyed)):
        with open(os.path.join(outdir, name), "w") as f:
            f.writelines(json.dumps(c) + "\n" for c in conns)
    assess_resumption(said, by_port(plain), by_port(keyed))
    shutil.rmtree(tmp, ignore_errors=True)
    print("%d failed" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
