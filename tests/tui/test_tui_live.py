#!/usr/bin/env python3
"""test_tui_live.py TLSSCOPE WORKDIR - `tlsscope live -i lo --tui` in tmux while real handshakes run.

Two openssl s_server on loopback (ports 28400-28599): a self-signed leaf, and a good chain from the
test PKI (tests/e2e/make_pki.sh). While the view runs, openssl s_client and curl connect; each
connection's row must appear before anyone quits, with its SNI, and the self-signed finding on the
bad server's row (a / filter on the finding's name leaves that row alone); Enter shows the finding and its fix; the summary bar names the interface and a
packet count; q exits 0 with the terminal restored. The --write capture, analysed
offline, gives the same connections with the same worst findings as the rows. Exit 77 without tmux,
openssl, curl or the right to capture on lo.
"""
import json
import os
import re
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "live"))
from live_common import SKIP, e2e, free_base, port_filter, s_server  # noqa: E402
from test_tui import check, list_rows, worst  # noqa: E402
from tuitest import EXIT_MARK, Fail, Session, skip_without_tmux  # noqa: E402

WWW = e2e.WWW


def row_for(text, port):
    """The list row of the connection to server port `port` (one is expected)."""
    rows = [r for r in list_rows(text) if "127.0.0.1:%d " % port in r]
    return rows[0] if len(rows) == 1 else None


def wait_row(s, port, why):
    return s.wait(lambda t: row_for(t, port) is not None, 10, why)


def run(tlsscope, work, pki, ports):
    pcap = os.path.join(work, "live.pcap")
    command = " ".join([tlsscope, "live", "-i", "lo", "-f", "'%s'" % port_filter(ports.values()), "--tui",
                        "--ca", os.path.join(pki, "root.pem"), "--write", pcap])
    s = Session(command, 120, 40, work)
    try:
        text = s.wait(lambda t: "live on lo:" in t or EXIT_MARK in t, 10, "the view to start")
        if EXIT_MARK in text:
            if "permission denied" in text:
                print("SKIP: cannot capture on lo (needs root or CAP_NET_RAW and CAP_NET_ADMIN)")
                return SKIP
            raise Fail("live --tui did not start:\n" + text)

        good = e2e.Case("good", "", "good", e2e.GOOD_CHAIN, WWW)
        selfsigned = e2e.Case("self-signed-leaf", "", "selfsigned", None, WWW)
        res = e2e.curl_attempt(good, ports["good"], pki)
        check(res["ok"], "curl to the good server succeeds: %s" % res)
        text = wait_row(s, ports["good"], "the good connection's row while live runs")
        row = row_for(text, ports["good"])
        check(WWW in row.split() and " established " in row and " ok " in row, "good row: " + row, text)
        res = e2e.openssl_attempt(selfsigned, ports["self"], pki)
        check(not res["ok"], "s_client refuses the self-signed server: %s" % res)
        text = wait_row(s, ports["self"], "the self-signed connection's row while live runs")
        row = row_for(text, ports["self"])
        check(WWW in row.split() and " client alert " in row and " error " in row, "self-signed row: " + row, text)
        check("self-signed-leaf 1" in text, "self-signed-leaf counted in the summary bar", text)

        # The summary bar: the interface and libpcap's count, refreshed while it runs.
        text = s.wait(re.compile(r"live on lo: [1-9]\d* packets received, 0 dropped"), 5, "the packet count")
        check("2 connections, 2 shown" in text, "two connections in the summary bar", text)

        # / filters; Enter shows the finding and its fix.
        s.keys("/")
        s.type("self-signed")
        s.keys("Enter")
        text = s.wait("1 shown,", why="the filter applied")
        rows = list_rows(text)
        check(len(rows) == 1 and "127.0.0.1:%d " % ports["self"] in rows[0],
              "the filter matches the finding: only the self-signed server's row", text)
        s.keys("Enter")
        text = s.wait(lambda t: "detail of #" in t and "self-signed-leaf: " in t and "fix: " in t, 10,
                      "the finding and its fix in the detail")
        s.keys("Escape")
        s.wait(lambda t: "detail of" not in t, why="the detail pane to close")
        s.keys("Escape")
        text = s.wait("2 connections, 2 shown,", why="the filter cleared")
        shown = {p: row_for(text, p) for p in ports.values()}

        s.keys("q")
        status, text = s.exit_status(15)
        check(status == 0, "q exits 0", text)
        check("time (UTC)" not in text and "== summary ==" in text, "terminal restored, then the summary", text)
    finally:
        s.close()

    # The saved packets, offline: the same connections, the same worst finding as on screen.
    r = e2e.run([tlsscope, "analyze", "--json", "--fail-on", "never", "--ca", os.path.join(pki, "root.pem"), pcap],
                timeout=30)
    check(r.returncode == 0, "--write capture analysed offline (%s)" % e2e.first_line(r.stderr))
    conns = [o for o in map(json.loads, r.stdout.decode().splitlines()) if o["type"] == "connection"]
    check(len(conns) == 2, "offline: two connections (got %d)" % len(conns))
    for rec in conns:
        row = shown.get(rec["server"]["port"]) or ""
        sev, code = worst(rec)
        check("127.0.0.1:%d " % rec["client"]["port"] in row and sev in row.split() and code[:12] in row,
              "offline #%d (%s %s) as on screen: %s" % (rec["id"], sev, code, row))
    return 0


def main():
    skip_without_tmux()
    for tool in ("openssl", "curl"):
        if not shutil.which(tool):
            print("SKIP: %s is not installed" % tool)
            return SKIP
    tlsscope, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    base = free_base(range(28400, 28600, 10), 2)
    if base is None:
        print("FAIL: no two free ports in 28400-28599")
        return 1
    ports = {"self": base, "good": base + 1}
    pki = os.path.join(work, "pki")
    procs = []
    started = time.monotonic()
    try:
        r = e2e.run(["sh", os.path.join(e2e.HERE, "make_pki.sh"), pki], timeout=60)
        if r.returncode != 0:
            print("FAIL: make_pki.sh: %s" % e2e.first_line(r.stderr))
            return 1
        procs = [s_server(pki, "selfsigned", None, ports["self"], ["-no_tls1_3"], work),
                 s_server(pki, "good", e2e.GOOD_CHAIN, ports["good"], ["-no_tls1_3"], work)]
        err = e2e.wait_listening(list(ports.values()), procs, time.monotonic() + e2e.TIMEOUT)
        if err:
            print("FAIL: servers: %s" % err)
            return 1
        status = run(tlsscope, work, pki, ports)
    except Fail as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        e2e.stop(procs)
    if status == 0:
        print("ok: live --tui on lo, %.1f s" % (time.monotonic() - started))
    return status


if __name__ == "__main__":
    sys.exit(main())
