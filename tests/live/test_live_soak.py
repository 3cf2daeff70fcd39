#!/usr/bin/env python3
"""Soak: `tlsscope live` under a bounded load keeps its memory flat and loses no connection.

    test_live_soak.py TLSSCOPE OUTDIR

Node clients make SOAK_CONNECTIONS handshakes (default 2500; 0 with SOAK_SECONDS for a run of that
length) against Node servers on lo (TLS 1.2 and 1.3, ports 23300-23399), 16 at a time; the first
SOAK_HOLD (default 800) stay open, idle, until the load ends, while tlsscope runs with
--memory-cap 1M. Every second tlsscope's RSS is read from /proc. Checks:
- every client connection (by client port) appears exactly once in the records, no id twice;
- every record is established with no error finding, and reported == records in the summary;
- the held connections outgrow the cap: some are ended live (evicted > 0), without a second record,
  and flow memory stays near the cap;
- memory is flat: the highest RSS in the last third of the load is at most the highest in the first
  third plus 2 MiB (or 10%).
Then --idle-timeout 1 with one idle connection: reported once, ended by the timeout while tlsscope
waits on a quiet interface (timed_out 1). Exit 77 where lo cannot be captured.
"""
import collections
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

from live_common import SKIP, e2e, free_base, log, port_filter, rss_kib, start_live_or_skip

HERE = os.path.dirname(os.path.abspath(__file__))
CONNECTIONS = int(os.environ.get("SOAK_CONNECTIONS", "2500"))
SECONDS = int(os.environ.get("SOAK_SECONDS", "90"))
HOLD = int(os.environ.get("SOAK_HOLD", "800"))
CONCURRENCY = 16
RSS_MARGIN_KIB = 2048

failures = []


def check(ok, what):
    log("%s %s" % ("ok  " if ok else "FAIL", what))
    if not ok:
        failures.append(what)


def sample_rss(pid, samples, stop):
    while not stop.is_set():
        kib = rss_kib(pid)
        if kib is None:
            return
        samples.append((time.monotonic(), kib))
        stop.wait(1.0)


def idle_check(tlsscope, pki, port):
    """--idle-timeout 1: an idle connection is reported once and ended while nothing is captured."""
    live, status = start_live_or_skip(tlsscope, ["-i", "lo", "-f", port_filter([port]), "--json",
                                                 "--ca", os.path.join(pki, "root.pem"), "--idle-timeout", "1"])
    if not live:
        check(False, "--idle-timeout run started")
        return
    ctx = ssl.create_default_context(cafile=os.path.join(pki, "root.pem"))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=e2e.WWW) as s:
            s.sendall(b"ping\n")
            s.recv(100)
            lp = s.getsockname()[1]
            got = live.wait_for(lambda r: r["client"]["port"] == lp, 3)
            time.sleep(3)  # quiet: only tlsscope's clock moves on
            live.stop()
            # close() after SIGINT sends no close_notify and no packet tlsscope could see
    objs = [json.loads(x) for x in live.lines() if x.startswith("{")]
    recs = [o for o in objs if o["type"] == "connection"]
    summary = objs[-1] if objs else {}
    check(got is not None and len(recs) == 1 and recs[0]["outcome"] == "established",
          "--idle-timeout 1: the idle connection reported once, established, while it was open")
    check(summary.get("timed_out") == 1 and summary.get("open_at_end") == 0,
          "--idle-timeout 1: ended by the timeout on a quiet interface (timed_out %s, open_at_end %s)"
          % (summary.get("timed_out"), summary.get("open_at_end")))


def main():
    tlsscope, outdir = sys.argv[1], os.path.abspath(sys.argv[2])
    os.makedirs(outdir, exist_ok=True)
    for tool in ("openssl", "node"):
        if not shutil.which(tool):
            log("skipped: %s not installed" % tool)
            return SKIP
    base = free_base(range(23300, 23400, 10), 2)
    if base is None:
        log("FAIL: no two free ports in 23300-23399")
        return 1
    ports = [base, base + 1]
    tmp = tempfile.mkdtemp(prefix="tlsscope-soak-")
    pki = os.path.join(tmp, "pki")
    procs = []
    live = None
    try:
        r = e2e.run(["sh", os.path.join(e2e.HERE, "make_pki.sh"), pki], timeout=60)
        if r.returncode != 0:
            log("FAIL: make_pki.sh: %s" % e2e.first_line(r.stderr))
            return 1
        chain = os.path.join(tmp, "good-chain.pem")
        with open(chain, "w") as f:
            for name in ("good.pem", e2e.GOOD_CHAIN):
                f.write(open(os.path.join(pki, name)).read())
        srv = subprocess.Popen(["node", os.path.join(HERE, "soak_node.js"), "server", str(ports[0]), str(ports[1]),
                                os.path.join(pki, "good.key"), chain],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=e2e.ENV)
        procs.append(("node server", srv))
        err = e2e.wait_listening(ports, procs, time.monotonic() + e2e.TIMEOUT)
        if err:
            log("FAIL: %s" % err)
            return 1

        # --snaplen 8192: in immediate mode each kernel ring frame takes a whole packet of the MTU, 64 KiB
        # on lo; smaller frames give the ring room for the bursts of a busy shared machine (the
        # handshake segments here are under 4 KiB).
        live, status = start_live_or_skip(tlsscope, ["-i", "lo", "-f", port_filter(ports), "--json",
                                                     "--ca", os.path.join(pki, "root.pem"),
                                                     "--memory-cap", "1M", "--snaplen", "8192"])
        if not live:
            return status
        samples = []
        stop = threading.Event()
        sampler = threading.Thread(target=sample_rss, args=(live.p.pid, samples, stop), daemon=True)
        sampler.start()
        t0 = time.monotonic()
        r = e2e.run(["node", os.path.join(HERE, "soak_node.js"), "client", os.path.join(pki, "root.pem"),
                     ",".join(map(str, ports)), str(CONNECTIONS), str(CONCURRENCY), str(HOLD), str(SECONDS)], timeout=SECONDS + 60)
        t_load = time.monotonic() - t0
        clients = []
        for line in r.stdout.decode().splitlines():
            lp, sp, res = line.split()
            clients.append((int(lp), int(sp), res))
        ok = [c for c in clients if c[2] == "ok"]
        log("  %d client connections in %.1f s (%d failed at the client)" % (len(clients), t_load,
                                                                          len(clients) - len(ok)))
        check(len(ok) >= min(CONNECTIONS or 1, 1000) and len(ok) == len(clients),
              "the load ran: every client connection succeeded")
        # Wait until every connection is reported (or 10 s), still capturing.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(live.records()) < len(clients):
            time.sleep(0.2)
        load_end = time.monotonic()
        stop.set()
        sampler.join(3)
        rc = live.stop()
        idle_check(tlsscope, pki, ports[0])
    finally:
        if live and live.p.poll() is None:
            live.stop()
        e2e.stop(procs)
        shutil.rmtree(tmp, ignore_errors=True)

    check(rc == 0, "SIGINT: exit 0 (got %s)" % rc)
    objs = [json.loads(x) for x in live.lines() if x.startswith("{")]
    conns = [o for o in objs if o["type"] == "connection"]
    summary = objs[-1] if objs and objs[-1]["type"] == "summary" else {}
    with open(os.path.join(outdir, "rss.tsv"), "w") as f:
        f.writelines("%.1f\t%d\n" % (t - t0, kib) for t, kib in samples)

    seen = collections.Counter(c["client"]["port"] for c in conns)
    want = collections.Counter(lp for lp, _, _ in clients)
    missing = sorted((want - seen).elements())
    extra = sorted((seen - want).elements())
    check(not missing and not extra, "every client connection appears exactly once (%d records; missing %s, "
          "extra %s)" % (len(conns), missing[:10], extra[:10]))
    check(len({c["id"] for c in conns}) == len(conns), "no record id twice")
    not_ok = [(c["client"]["port"], c["outcome"], [f["code"] for f in c["findings"] if f["severity"] == "error"])
              for c in conns if c["outcome"] != "established" or any(f["severity"] == "error" for f in c["findings"])]
    check(not not_ok, "every record established without error findings %s" % not_ok[:5])
    check(summary.get("reported") == len(conns), "summary reported %s == %d records" % (summary.get("reported"),
                                                                                        len(conns)))
    log("  summary: evicted %s, timed_out %s, memory_peak_bytes %s, connections_peak %s, capture %s"
        % (summary.get("evicted"), summary.get("timed_out"), summary.get("memory_peak_bytes"),
           summary.get("connections_peak"), summary.get("capture")))
    cap = summary.get("capture") or {}
    if cap.get("dropped_by_kernel") or cap.get("dropped_by_interface"):
        check("packets dropped so far" in live.stderr_text(), "the kernel dropped packets: warned on stderr")
    if HOLD:
        check(summary.get("evicted", 0) > 0, "--memory-cap 1M ended held connections live (evicted > 0)")
    check(summary.get("memory_peak_bytes", 1 << 30) <= (1 << 20) + (256 << 10),
          "flow memory stayed near the 1 MiB cap (peak %s)" % summary.get("memory_peak_bytes"))

    during = [kib for t, kib in samples if t <= load_end]
    if len(during) >= 6:
        third = len(during) // 3
        first, last = max(during[:third]), max(during[-third:])
        log("  RSS KiB: first third max %d, last third max %d, overall max %d (%d samples; %s)"
            % (first, last, max(during), len(during), os.path.join(outdir, "rss.tsv")))
        check(last <= first + max(RSS_MARGIN_KIB, first // 10), "memory flat: last third within the margin")
    else:
        check(False, "enough RSS samples (%d)" % len(during))
    log("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
