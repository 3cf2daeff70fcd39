#!/usr/bin/env python3
"""`tlsscope live --json` writes the compact records `analyze` writes of the same packets.

    test_live_compact.py TLSSCOPE OUTDIR

Servers on 127.0.0.1 (ports 30400-30599): openssl s_server with the good chain over TLS 1.2, a
self-signed leaf over TLS 1.2, and the good chain over TLS 1.3. Clients: openssl s_client and curl,
each server visited more than once so that certificates repeat. `live --json --write PCAP` runs
throughout; then `analyze --json` reads PCAP. Both streams must hold the same certificate lines,
byte for byte, each once and before the first record naming it, and the same connection records,
matched by id, equal in every field except those a live record writes at its decision rather
than at the connection's end (LIVE_ONLY_AT_DECISION, the endpoints' COUNTERS_AT_DECISION) and `file` (the interface, not the capture).
Exit 77 where lo cannot be captured.
"""
import json
import os
import shutil
import sys
import tempfile
import time

from live_common import SKIP, e2e, free_base, log, make_pki, port_filter, s_server, start_live_or_skip

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tlsscope_run import load_lines  # noqa: E402

RECORD_WAIT = 10  # seconds for a record to appear after its client finished
# A live record is written when its outcome is decided (docs/json.md, Live capture); what happens
# after that (the close, late alerts, the last packets) is only in the offline record.
LIVE_ONLY_AT_DECISION = ("end_ts", "duration_ms", "end_reason", "closed_by", "alerts", "alerts_total")
COUNTERS_AT_DECISION = ("packets", "bytes", "tls_records", "application_data_bytes")  # of client and server
failures = []


def check(ok, what):
    log("%s %s" % ("ok  " if ok else "FAIL", what))
    if not ok:
        failures.append(what)


def comparable(rec):
    out = {k: v for k, v in rec.items() if k not in LIVE_ONLY_AT_DECISION and k != "file"}
    for side in ("client", "server"):
        out[side] = {k: v for k, v in rec[side].items() if k not in COUNTERS_AT_DECISION}
    return out


def certificate_lines(lines):
    return [line for line in lines if json.loads(line)["type"] == "certificate"]


def run(tlsscope, pki, ports, outdir):
    pcap = os.path.join(outdir, "live.pcap")
    ca = os.path.join(pki, "root.pem")
    live, status = start_live_or_skip(tlsscope, ["-i", "lo", "-f", port_filter(ports.values()), "--json",
                                                 "--ca", ca, "--write", pcap])
    if not live:
        return status
    good = e2e.Case("good", "", "good", e2e.GOOD_CHAIN, e2e.WWW)
    selfsigned = e2e.Case("self-signed-leaf", "", "selfsigned", None, e2e.WWW)
    plan = [(e2e.curl_attempt, good, ports["good12"]), (e2e.openssl_attempt, selfsigned, ports["self"]),
            (e2e.openssl_attempt, good, ports["good12"]), (e2e.curl_attempt, good, ports["good13"]),
            (e2e.curl_attempt, good, ports["good12"]), (e2e.openssl_attempt, selfsigned, ports["self"])]
    try:
        for n, (attempt, case, port) in enumerate(plan, 1):
            attempt(case, port, pki)
            got = live.wait_for(lambda r, n=n: len(live.records()) >= n, RECORD_WAIT)
            check(got is not None, "attempt %d (%s on port %d): its record while tlsscope runs" % (n, case.name, port))
        time.sleep(0.5)  # the last packets reach the --write file
    finally:
        rc = live.stop()
    check(rc == 0, "SIGINT: exit status 0 (got %s)" % rc)
    live_lines = [line for line in live.lines() if line.startswith("{")]
    with open(os.path.join(outdir, "live.jsonl"), "w") as f:
        f.write("\n".join(live_lines) + "\n")
    r = e2e.run([tlsscope, "analyze", "--json", "--fail-on", "never", "--ca", ca, pcap], timeout=60)
    check(r.returncode == 0, "--write file analysed offline (%s)" % e2e.first_line(r.stderr))
    offline_lines = r.stdout.decode().splitlines()
    with open(os.path.join(outdir, "offline.jsonl"), "w") as f:
        f.write("\n".join(offline_lines) + "\n")

    live_certs, offline_certs = certificate_lines(live_lines), certificate_lines(offline_lines)
    check(len(live_certs) >= 3, "live wrote certificate lines (%d: leaf, intermediate, self-signed)"
          % len(live_certs))
    check(sorted(live_certs) == sorted(offline_certs), "the same certificate lines, byte for byte")
    fps = [json.loads(line)["der_sha256"] for line in live_certs]
    check(len(fps) == len(set(fps)), "live: each certificate once")
    try:
        live_conns, _ = load_lines(live_lines)  # asserts each certificate line comes before its use
        offline_conns, _ = load_lines(offline_lines)
    except AssertionError as e:
        check(False, "a certificate line before the first record naming it: %s" % e)
        return 0
    check(len(live_conns) == len(plan), "one live record per attempt (%d)" % len(live_conns))
    named = sum(len(c["certificates_sha256"]) for c in live_conns)
    check(named > len(set(fps)), "records name certificates more often than they are written (%d > %d)"
          % (named, len(set(fps))))
    offline_by_id = {c["id"]: c for c in offline_conns}
    check(sorted(offline_by_id) == sorted(c["id"] for c in live_conns), "the same connections (ids)")
    for c in live_conns:
        o = offline_by_id.get(c["id"])
        if o is None:
            continue
        a, b = comparable(c), comparable(o)
        diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        check(not diff, "connection %d: live and offline records equal but for the decision-time fields%s"
              % (c["id"], " (differ: %s)" % diff if diff else ""))
    return 0


def start_servers(pki, ports, outdir):
    """The three s_servers, once the PKI is made; (procs, None) or (procs, why not)."""
    why = make_pki(pki)
    if why:
        return [], why
    procs = [s_server(pki, leaf, chain, port, extra, outdir)
             for leaf, chain, port, extra in (("good", e2e.GOOD_CHAIN, ports["good12"], ["-no_tls1_3"]),
                                              ("selfsigned", None, ports["self"], ["-no_tls1_3"]),
                                              ("good", e2e.GOOD_CHAIN, ports["good13"], []))]
    return procs, e2e.wait_listening(list(ports.values()), procs, time.monotonic() + e2e.TIMEOUT)


def main():
    tlsscope, outdir = sys.argv[1], os.path.abspath(sys.argv[2])
    os.makedirs(outdir, exist_ok=True)
    missing = [tool for tool in ("openssl", "curl") if not shutil.which(tool)]
    base = free_base(range(30400, 30600, 10), 3)
    if missing or base is None:
        log("skipped: %s not installed" % missing[0] if missing else "FAIL: no three free ports in 30400-30599")
        return SKIP if missing else 1
    ports = {"good12": base, "self": base + 1, "good13": base + 2}
    with tempfile.TemporaryDirectory(prefix="tlsscope-live-compact-") as tmp:
        procs, why = start_servers(os.path.join(tmp, "pki"), ports, outdir)
        try:
            status = 1 if why else run(tlsscope, os.path.join(tmp, "pki"), ports, outdir)
        finally:
            e2e.stop(procs)
    if why:
        log("FAIL: servers: %s" % why)
    log("%d failed" % len(failures))
    return status or (1 if failures else 0)


if __name__ == "__main__":
    sys.exit(main())
