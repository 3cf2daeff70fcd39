#!/usr/bin/env python3
"""`tlsscope live --metrics`: Prometheus text exposition scraped over loopback during a real capture.

    test_live_metrics.py TLSSCOPE OUTDIR

Two openssl s_servers on 127.0.0.1 (ports 30100-30119 of this test's range): one with the e2e PKI's
good chain, one with a leaf for www.example.test that expires 10 days from now (capture time is now
in a live run, so it gives expiry-soon). `tlsscope live -i lo --json --metrics 127.0.0.1:P` runs
while openssl s_client makes 3 good handshakes, 1 whose name does not match (it fails), and 2 with
the expiring leaf. The page is scraped with Python's urllib (a real HTTP client) after the records
are written: its Content-Type is the 0.0.4 format's, every line parses, and the counters equal
the handshakes made: by outcome, by finding code (hostname-mismatch 1, expiry-soon 2), by server and
version; packets received > 0, drop and memory series present. Other paths get 404, other methods
405, an oversized request 431; a bad --metrics value and a hostname are usage errors (exit 2).
Exit 77 where lo cannot be captured or openssl is missing.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from live_common import SKIP, e2e, free_base, log, make_pki, port_filter, s_server, start_live_or_skip

failures = []
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)$')


def check(ok, what):
    log("%s %s" % ("ok  " if ok else "FAIL", what))
    if not ok:
        failures.append(what)


def scrape(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.headers.get("Content-Type"), r.read().decode()


def parse(text):
    """{(name, frozenset(labels)): value}, and the lines that are not valid exposition."""
    samples, bad = {}, []
    for line in text.splitlines():
        if not line or line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        m = LINE.match(line)
        if not m:
            bad.append(line)
            continue
        labels = frozenset(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples, bad


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0)


def raw_request(port, data):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        got = b""
        while True:
            b = s.recv(65536)
            if not b:
                return got.decode("latin-1")
            got += b


def expiring_leaf(pki):
    """www.example.test under the e2e intermediate, valid from now for 10 days."""
    e2e.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", os.path.join(pki, "soon.key")])
    e2e.run(["openssl", "req", "-new", "-key", os.path.join(pki, "soon.key"), "-subj", "/CN=www.example.test",
             "-out", os.path.join(pki, "soon.csr")])
    r = e2e.run(["openssl", "x509", "-req", "-in", os.path.join(pki, "soon.csr"), "-CA", os.path.join(pki, "int.pem"),
                 "-CAkey", os.path.join(pki, "int.key"), "-set_serial", "0x3901", "-sha256", "-days", "10",
                 "-extfile", os.path.join(pki, "ext.cnf"), "-extensions", "leaf_good",
                 "-out", os.path.join(pki, "soon.pem")])
    return None if r.returncode == 0 else "openssl x509: %s" % e2e.first_line(r.stderr)


def folded_series(tlsscope):
    """More servers than METRICS_MAX_SERVER_SERIES (200): 210 listeners on 127.0.0.2..211 port FOLD_PORT
    that reset each connection after its ClientHello; the first 200 server series are kept, the other
    10 handshakes counted under server="other" and as folded."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
    from pcapgen import client_hello
    port = free_base(range(30120, 30199, 2), 2)  # the listeners' port, then the metrics port
    if port is None:
        check(False, "two free ports in 30120-30199")
        return
    listeners = []
    try:
        for i in range(210):
            ls = socket.socket()
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ls.bind(("127.0.0.%d" % (2 + i), port))
            ls.listen(4)
            listeners.append(ls)
    except OSError as e:
        check(False, "210 listeners on 127.0.0.2-211:%s: %s" % (port, e))
        return
    live, status = start_live_or_skip(tlsscope, ["-i", "lo", "-f", "tcp port %d" % port, "--json",
                                                 "--metrics", "127.0.0.1:%d" % (port + 1)])
    if not live:
        check(status == SKIP, "live for the folded series")
        return
    try:
        hello = client_hello(b"fold.example.test")
        for ls in listeners:
            # One at a time, each until its record is written (a loaded machine may drop a packet).
            for _ in range(3):
                before = len(live.records())
                c = socket.create_connection(ls.getsockname(), timeout=5)
                a, _ = ls.accept()
                c.sendall(hello)
                a.recv(65536)
                a.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                a.close()  # RST after the ClientHello
                c.close()
                deadline = time.monotonic() + 3
                while time.monotonic() < deadline and len(live.records()) == before:
                    time.sleep(0.01)
                if len(live.records()) > before:
                    break
        recs = [r for _, r in live.records()]
        n = len(recs)
        # What the cap must keep: the first 200 server and version pairs in the order they came.
        kept = []
        for r in recs:
            pair = ("%s:%d" % (r["server"]["ip"], r["server"]["port"]), r["version"] or "none")
            if pair not in kept and len(kept) < 200:
                kept.append(pair)
        folded = sum(1 for r in recs if ("%s:%d" % (r["server"]["ip"], r["server"]["port"]), r["version"] or "none")
                     not in kept)
        check(len(kept) == 200 and folded >= 1, "more servers than the cap recorded (%d records, %d folded)" % (n, folded))
        url = "http://127.0.0.1:%d/metrics" % (port + 1)
        samples, bad = parse(scrape(url)[2])
        series = [k for k in samples if k[0] == "tlsscope_server_handshakes_total"]
        other = value(samples, "tlsscope_server_handshakes_total", server="other", version="other")
        check(len(series) == 201 and other == folded and value(samples, "tlsscope_server_series_folded_total") == folded
              and all(value(samples, "tlsscope_server_handshakes_total", server=sv, version=v) > 0 for sv, v in kept),
              "the first 200 server series kept, the other %d handshakes folded into server=\"other\" "
              "(%d series, other %d)" % (folded, len(series), other))
        check(sum(samples[k] for k in series) == n, "the series still add up to every handshake")
    finally:
        live.stop()
        for ls in listeners:
            ls.close()


def usage_errors(tlsscope):
    for bad in ("127.0.0.1:0", "localhost:30119", "127.0.0.1:http", "[::1"):
        r = subprocess.run([tlsscope, "live", "-i", "lo", "--metrics", bad], capture_output=True, text=True, timeout=30)
        check(r.returncode == 2 and "--metrics" in r.stderr, "--metrics %s: a usage error (exit %d)" % (bad, r.returncode))


def main():
    if len(sys.argv) != 3:
        log(__doc__)
        return 2
    tlsscope, outdir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    if not shutil.which("openssl"):
        log("skipped: openssl not installed")
        return SKIP
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    base = free_base(range(30100, 30118, 3), 3)
    if base is None:
        log("FAIL: no 3 free ports in 30100-30119")
        return 1
    good_port, soon_port, metrics_port = base, base + 1, base + 2
    tmp = tempfile.mkdtemp(prefix="tlsscope-metrics-")
    pki = os.path.join(tmp, "pki")
    procs, live = [], None
    try:
        err = make_pki(pki) or expiring_leaf(pki)
        if err:
            log("FAIL: %s" % err)
            return 1
        procs.append(s_server(pki, "good", e2e.GOOD_CHAIN, good_port, ["-no_tls1_3"], outdir))
        procs.append(s_server(pki, "soon", e2e.GOOD_CHAIN, soon_port, ["-no_tls1_3"], outdir))
        err = e2e.wait_listening([good_port, soon_port], procs, time.monotonic() + e2e.TIMEOUT)
        if err:
            log("FAIL: %s" % err)
            return 1
        live, status = start_live_or_skip(tlsscope, ["-i", "lo", "-f", port_filter([good_port, soon_port]), "--json",
                                                     "--metrics", "127.0.0.1:%d" % metrics_port,
                                                     "--ca", os.path.join(pki, "root.pem")])
        if not live:
            return status
        check("metrics on http://127.0.0.1:%d/metrics" % metrics_port in live.stderr_text(), "says where it serves")
        url = "http://127.0.0.1:%d/metrics" % metrics_port
        st, ctype, text = scrape(url)
        samples, bad = parse(text)
        check(st == 200 and value(samples, "tlsscope_handshakes_total", outcome="established") == 0,
              "a scrape before any handshake: 200, no handshakes")
        good = e2e.Case("good", "", "good", e2e.GOOD_CHAIN, e2e.WWW)
        mismatch = e2e.Case("mismatch", "", "good", e2e.GOOD_CHAIN, "shop.example.test")
        for _ in range(3):
            e2e.openssl_attempt(good, good_port, pki)
        e2e.openssl_attempt(mismatch, good_port, pki)
        for _ in range(2):
            e2e.openssl_attempt(good, soon_port, pki)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(live.records()) < 6:
            time.sleep(0.05)
        recs = [r for _, r in live.records()]
        check(len(recs) == 6, "6 records written (%d)" % len(recs))
        # The records are counted before they are written: a scrape now sees them all.
        st, ctype, text = scrape(url)
        open(os.path.join(outdir, "metrics.txt"), "w").write(text)
        samples, bad = parse(text)
        check(st == 200 and ctype == "text/plain; version=0.0.4; charset=utf-8", "200, Content-Type %s" % ctype)
        check(not bad, "every line is valid exposition (%s)" % bad[:3])
        outcomes = {}
        for r in recs:
            outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
        check(all(value(samples, "tlsscope_handshakes_total", outcome=o) == n for o, n in outcomes.items())
              and sum(v for (n, _), v in samples.items() if n == "tlsscope_handshakes_total") == len(recs),
              "handshakes by outcome = the records' outcomes %s" % outcomes)
        codes = {}
        for r in recs:
            for f in r["findings"]:
                codes[f["code"]] = codes.get(f["code"], 0) + 1
        check(codes.get("hostname-mismatch") == 1 and codes.get("expiry-soon") == 2,
              "the records: one hostname-mismatch, two expiry-soon (%s)" % codes)
        check(all(value(samples, "tlsscope_findings_total", code=c) == n for c, n in codes.items())
              and sum(v for (n, _), v in samples.items() if n == "tlsscope_findings_total") == sum(codes.values()),
              "findings by code = the records' findings")
        check(value(samples, "tlsscope_server_handshakes_total", server="127.0.0.1:%d" % good_port, version="TLSv1.2") == 4
              and value(samples, "tlsscope_server_handshakes_total", server="127.0.0.1:%d" % soon_port,
                        version="TLSv1.2") == 2, "handshakes by server and version: 4 and 2")
        check(value(samples, "tlsscope_server_series_folded_total") == 0, "nothing folded into server=\"other\"")
        check(value(samples, "tlsscope_packets_received_total") > 0, "packets received counted")
        check(("tlsscope_packets_dropped_total", frozenset({("by", "kernel")})) in samples
              and ("tlsscope_records_dropped_total", frozenset()) in samples, "drop counters present")
        check(value(samples, "tlsscope_memory_bytes", part="flows_cap") == 256 << 20
              and value(samples, "tlsscope_memory_bytes", part="metrics") > 0, "memory gauges by part")
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/other" % metrics_port, timeout=10)
            check(False, "another path: 404")
        except urllib.error.HTTPError as e:
            check(e.code == 404, "another path: 404 (%d)" % e.code)
        check(raw_request(metrics_port, b"POST /metrics HTTP/1.0\r\n\r\n").startswith("HTTP/1.0 405"), "POST: 405")
        check(raw_request(metrics_port, b"GET /metrics HTTP/1.0\r\nX: " + b"a" * 8000 + b"\r\n\r\n")
              .startswith("HTTP/1.0 431"), "an oversized request: 431")
        check(scrape(url)[0] == 200, "still serving after the bad requests")
        st = live.stop()
        check(st == 0, "SIGINT: exit 0 (%s)" % st)
        usage_errors(tlsscope)
        folded_series(tlsscope)
    finally:
        if live and live.p.poll() is None:
            live.stop()
        e2e.stop(procs)
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        log("%d check(s) failed" % len(failures))
        return 1
    log("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
