#!/usr/bin/env python3
"""`tlsscope live` and SIGHUP: the --json-file is reopened (logrotate), the run goes on, and the
summary still comes at SIGINT.

    test_live_sighup.py TLSSCOPE OUTDIR

An openssl s_server on 127.0.0.1 (port 29500-29509) with the e2e PKI's good chain; openssl
s_client handshakes with it while `live -i lo --json --json-file F` runs. After the first record,
F is renamed as logrotate does and SIGHUP sent: the process must still run, the second record
must land in a new F (and not in the renamed one), a SIGHUP with nothing to write must not stop it
either, and SIGINT then gives exit 0 and the summary on stdout and in F. In text mode without
--json-file, SIGHUP must not end the run either. Exit 77 where lo cannot be captured.
"""
import json
import os
import shutil
import signal
import sys
import time

from live_common import (SKIP, check, e2e, log, loopback_setup, make_pki, port_filter, s_server,
                         start_live_or_skip, verdict)

def json_lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def wait_file_records(path, n, timeout=8):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = [o for o in json_lines(path) if o.get("type") == "connection"]
        if len(got) >= n:
            return got
        time.sleep(0.05)
    return [o for o in json_lines(path) if o.get("type") == "connection"]


def still_running(live, secs=0.5):
    time.sleep(secs)
    return live.p.poll() is None


def main():
    if len(sys.argv) != 3:
        log(__doc__)
        return 2
    tlsscope, outdir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    if not shutil.which("openssl"):
        log("skipped: openssl not installed")
        return SKIP
    port, tmp = loopback_setup(outdir, range(29500, 29510), "tlsscope-sighup-")
    if port is None:
        return 1
    pki = os.path.join(tmp, "pki")
    procs = []
    live = None
    try:
        err = make_pki(pki)
        if err:
            log("FAIL: %s" % err)
            return 1
        procs.append(s_server(pki, "good", e2e.GOOD_CHAIN, port, ["-no_tls1_3"], outdir))
        err = e2e.wait_listening([port], procs, time.monotonic() + e2e.TIMEOUT)
        if err:
            log("FAIL: %s" % err)
            return 1
        good = e2e.Case("good", "", "good", e2e.GOOD_CHAIN, e2e.WWW)
        jf = os.path.join(outdir, "live.jsonl")
        live, status = start_live_or_skip(tlsscope, ["-i", "lo", "-f", port_filter([port]), "--json",
                                                     "--json-file", jf, "--ca", os.path.join(pki, "root.pem")])
        if not live:
            return status
        e2e.openssl_attempt(good, port, pki)
        first = wait_file_records(jf, 1)
        check(len(first) == 1, "first record in --json-file (%d)" % len(first))
        rotated = jf + ".1"
        os.rename(jf, rotated)
        live.p.send_signal(signal.SIGHUP)
        check(still_running(live), "SIGHUP does not stop live")
        e2e.openssl_attempt(good, port, pki)
        second = wait_file_records(jf, 1)
        check(len(second) == 1, "after SIGHUP the next record goes to a new --json-file (%d)" % len(second))
        old = [o for o in json_lines(rotated) if o.get("type") == "connection"]
        check(len(old) == 1 and old[0]["id"] == first[0]["id"],
              "the rotated file keeps only the record written before SIGHUP")
        check(bool(second) and bool(first) and second[0]["id"] != first[0]["id"], "the new file holds the new record")
        live.p.send_signal(signal.SIGHUP)
        check(still_running(live), "a second SIGHUP (nothing to write) does not stop live")
        st = live.stop(signal.SIGINT)
        check(st == 0, "SIGINT after SIGHUPs: exit 0 (%s)" % st)
        out = [json.loads(line) for line in live.lines() if line.startswith("{")]
        check(sum(o.get("type") == "connection" for o in out) == 2, "stdout has both records")
        check(bool(out) and out[-1].get("type") == "summary", "stdout ends with the summary")
        filed = json_lines(jf)
        check(bool(filed) and filed[-1].get("type") == "summary", "the reopened --json-file ends with the summary")
        check("Terminated" not in live.stderr_text() and "Hangup" not in live.stderr_text(), "no signal death")

        # Text mode, no --json-file: SIGHUP is not a hangup that kills the run.
        live, status = start_live_or_skip(tlsscope, ["-i", "lo", "-f", port_filter([port]),
                                                     "--ca", os.path.join(pki, "root.pem")])
        if not live:
            return status
        live.p.send_signal(signal.SIGHUP)
        check(still_running(live), "text mode: SIGHUP does not stop live")
        st = live.stop(signal.SIGINT)
        check(st == 0, "text mode: SIGINT after SIGHUP gives exit 0 (%s)" % st)
        check(any("packets" in line for line in live.lines()), "text mode: the summary is printed")
    finally:
        if live and live.p.poll() is None:
            live.stop()
        e2e.stop(procs)
        shutil.rmtree(tmp, ignore_errors=True)
    return verdict()


if __name__ == "__main__":
    sys.exit(main())
