#!/usr/bin/env python3
"""`--state FILE`: the SQLite history, built from real handshakes on loopback.

    test_state.py TLSSCOPE OUTDIR

An openssl s_server (port 29600-29619, TLS 1.2 so the chain is visible) sends leaf+intermediate to
three openssl s_client handshakes; it is then swapped for one that sends the leaf alone, and two
more clients (which now fail: unable to get the issuer) connect. tcpdump captures the whole run
into one file and each phase into a file of its own. Checks:
- one analyze --state over the whole capture: no change finding before the swap; the first
  connection after it has chain-changed naming "intermediate missing now", and new-failure-mode;
  the file holds the two chains with their counts, one chain change, integrity ok;
- the two phase files analysed by two runs into one state give the same tables as the one run;
- a run over many copies of the capture killed with SIGKILL mid-run leaves a file that reopens
  with integrity_check ok, every table counting the same whole records, and tlsscope adds to it.
Exit 77 where lo cannot be captured or openssl is missing.
"""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "live"))
from live_common import SKIP, check, e2e, log, loopback_setup, make_pki, s_server, verdict  # noqa: E402
import lo_capture  # noqa: E402  (tests/e2e, on the path through live_common)

def analyze(tlsscope, state, pcaps, pki):
    r = subprocess.run([tlsscope, "analyze", "--json", "--fail-on", "never", "--state", state,
                        "--ca", os.path.join(pki, "root.pem")] + pcaps,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e2e.ENV, timeout=120)
    recs = [json.loads(line) for line in r.stdout.decode().splitlines() if line.startswith("{")]
    return r.returncode, [o for o in recs if o.get("type") == "connection"], r.stderr.decode()


def tables(path):
    """Every row of the history, without rowids, sorted: two histories compare as equal sets."""
    d = sqlite3.connect(path)
    try:
        out = {}
        for t in ("server", "chain", "chain_change", "failure_mode", "hourly"):
            cols = [c[1] for c in d.execute("PRAGMA table_info(%s)" % t) if c[1] != "id"]
            out[t] = sorted(d.execute("SELECT %s FROM %s" % (", ".join(cols), t)).fetchall())
        return out
    finally:
        d.close()


def codes(rec):
    return [f["code"] for f in rec.get("findings") or []]


def handshakes(port, pki, n):
    good = e2e.Case("good", "", "good", e2e.GOOD_CHAIN, e2e.WWW)
    return [e2e.openssl_attempt(good, port, pki) for _ in range(n)]


def capture_phases(port, pki, outdir):
    """whole.pcap, p1.pcap, p2.pcap; None where lo cannot be captured."""
    bpf = "tcp and port %d" % port
    logs = {n: open(os.path.join(outdir, n + ".log"), "w+") for n in ("whole", "p1", "p2")}
    whole, why = lo_capture.start(os.path.join(outdir, "whole.pcap"), bpf, logs["whole"], env=e2e.ENV)
    if whole is None:
        log("skipped: cannot capture on lo: %s" % why)
        return None
    procs = []
    try:
        for phase, chain, n in (("p1", e2e.GOOD_CHAIN, 3), ("p2", None, 2)):
            cap, why = lo_capture.start(os.path.join(outdir, phase + ".pcap"), bpf, logs[phase], env=e2e.ENV)
            srv = [s_server(pki, "good", chain, port, ["-no_tls1_3"], outdir)]
            err = e2e.wait_listening([port], srv, time.monotonic() + e2e.TIMEOUT)
            procs += srv
            results = handshakes(port, pki, n) if not err else []
            lo_capture.finish(cap, os.path.join(outdir, phase + ".pcap"), logs[phase])
            e2e.stop(srv)
            check(not err and len(results) == n, "%s: %d handshakes ran (%s)" % (phase, n, err))
            ok = [r["ok"] for r in results] if results and isinstance(results[0], dict) else []
            log("  %s clients ok: %s" % (phase, ok))
        lo_capture.finish(whole, os.path.join(outdir, "whole.pcap"), logs["whole"])
    finally:
        e2e.stop(procs)
        lo_capture.stop(whole)
    return [os.path.join(outdir, n + ".pcap") for n in ("whole", "p1", "p2")]


def main():
    if len(sys.argv) != 3:
        log(__doc__)
        return 2
    tlsscope, outdir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    for tool in ("openssl", "tcpdump"):
        if not shutil.which(tool):
            log("skipped: %s not installed" % tool)
            return SKIP
    port, tmp = loopback_setup(outdir, range(29600, 29620), "tlsscope-state-")
    if port is None:
        return 1
    pki = os.path.join(tmp, "pki")
    try:
        err = make_pki(pki)
        if err:
            log("FAIL: %s" % err)
            return 1
        caps = capture_phases(port, pki, outdir)
        if caps is None:
            return SKIP
        whole, p1, p2 = caps

        one = os.path.join(outdir, "one.db")
        rc, recs, err = analyze(tlsscope, one, [whole], pki)
        recs.sort(key=lambda r: r["id"])
        check(rc == 0 and len(recs) == 5, "one run: 5 connections, exit 0 (%d, %s) %s" % (len(recs), rc, err))
        if len(recs) == 5:
            check(all("chain-changed" not in codes(r) for r in recs[:3]), "no chain-changed before the swap")
            cc = [f for f in recs[3]["findings"] if f["code"] == "chain-changed"]
            check(len(cc) == 1 and "intermediate missing now" in cc[0]["message"],
                  "first connection after the swap: chain-changed, intermediate missing now (%s)" % cc)
            check("new-failure-mode" in codes(recs[3]), "... and new-failure-mode (%s)" % codes(recs[3]))
            check("chain-changed" not in codes(recs[4]) and "new-failure-mode" not in codes(recs[4]),
                  "the second failing connection is no longer new (%s)" % codes(recs[4]))
        d = sqlite3.connect(one)
        check(d.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity_check ok")
        check(d.execute("PRAGMA journal_mode").fetchone()[0] == "wal", "WAL mode")
        check(d.execute("SELECT version FROM schema_version").fetchall() == [(2,)], "schema version 2")
        chains = d.execute("SELECT cert_count, count FROM chain ORDER BY first_seen").fetchall()
        check(chains == [(2, 3), (1, 2)], "two chains: leaf+intermediate x3, leaf alone x2 (%s)" % chains)
        ch = d.execute("SELECT differs FROM chain_change").fetchall()
        check(len(ch) == 1 and "intermediate missing now" in ch[0][0], "one chain change recorded (%s)" % ch)
        outcome = d.execute("SELECT sum(count) FROM hourly WHERE kind = 'outcome'").fetchone()[0]
        failed = d.execute("SELECT sum(count) FROM hourly WHERE kind = 'failure_client'").fetchone()[0]
        check(outcome == 5 and failed == 2, "outcomes counted 5, failures by client 2 (%s, %s)" % (outcome, failed))
        families = d.execute("SELECT value, sum(count) FROM hourly WHERE kind = 'failure_client' GROUP BY value").fetchall()
        check(families == [("openssl", 2)], "the failures' client family is the client software, openssl (%s)" % families)
        d.close()

        # A day's files replayed one run each build the same history as one run over all.
        split = os.path.join(outdir, "split.db")
        analyze(tlsscope, split, [p1], pki)
        analyze(tlsscope, split, [p2], pki)
        a, b = tables(one), tables(split)
        check(a == b, "two runs (one per file) give the same tables as one run%s" %
              "".join("\n  %s: %s != %s" % (t, a[t], b[t]) for t in a if a[t] != b[t]))

        # SIGKILL mid-run: the file reopens intact, with whole records only.
        killed = os.path.join(outdir, "killed.db")
        many = [whole] * 4000
        p = subprocess.Popen([tlsscope, "analyze", "--json", "--state", killed, "--ca",
                              os.path.join(pki, "root.pem")] + many,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=e2e.ENV)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and p.poll() is None:
            if os.path.exists(killed + "-wal") and os.path.getsize(killed + "-wal") > 256 * 1024:
                break
            time.sleep(0.02)
        running = p.poll() is None
        p.kill()
        p.wait()
        check(running, "the run was still going when it was killed")
        d = sqlite3.connect(killed)
        check(d.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "after SIGKILL: integrity_check ok")
        n_srv = d.execute("SELECT sum(handshakes) FROM server").fetchone()[0] or 0
        n_out = d.execute("SELECT sum(count) FROM hourly WHERE kind = 'outcome'").fetchone()[0] or 0
        n_chain = d.execute("SELECT sum(count) FROM chain").fetchone()[0] or 0
        check(0 < n_srv < 5 * len(many) and n_srv == n_out == n_chain,
              "after SIGKILL: whole records only (%d handshakes, %d outcomes, %d chains)" % (n_srv, n_out, n_chain))
        d.close()
        rc, recs, err = analyze(tlsscope, killed, [whole], pki)
        d = sqlite3.connect(killed)
        after = d.execute("SELECT sum(handshakes) FROM server").fetchone()[0] or 0
        d.close()
        check(rc == 0 and after == n_srv + 5, "tlsscope reopens it and adds 5 (%s -> %s, %s)" % (n_srv, after, err))

        # Not a state file: refused with the reason, exit 2.
        bogus = os.path.join(outdir, "bogus.db")
        with open(bogus, "w") as f:
            f.write("not sqlite\n" * 100)
        rc, _, err = analyze(tlsscope, bogus, [whole], pki)
        check(rc == 2 and "--state" in err, "a file that is not SQLite: exit 2 with the reason (%s)" % err.strip())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return verdict()


if __name__ == "__main__":
    sys.exit(main())
