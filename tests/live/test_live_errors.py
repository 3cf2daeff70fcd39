#!/usr/bin/env python3
"""`tlsscope live` says plainly why it cannot capture, and stops cleanly on its limits and signals.

    test_live_errors.py TLSSCOPE

- without capture rights (run as `nobody` through setpriv when we are root): exit 2 and one line
  naming the interface, "permission denied", and the capabilities and setcap command that fix it;
- an interface that does not exist: exit 2, named, and `tlsscope live --list` suggested;
- a filter that does not compile: exit 2, the filter quoted with libpcap's message;
- a --write file that cannot be created: exit 2, the file named;
- --list names lo; no -i: exit 2;
- --duration 1 stops by itself, --count N after N packets, SIGTERM like SIGINT: exit 0 and a summary.
The checks that need capture rights are skipped (77 when none could run) without them.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from live_common import SKIP, Live, e2e, free_base, log, start_live_or_skip

failures = []


def check(ok, what):
    log("%s %s" % ("ok  " if ok else "FAIL", what))
    if not ok:
        failures.append(what)


def run(cmd, timeout=20):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=e2e.ENV)


def one_line_error(r, *needles):
    lines = r.stderr.strip().splitlines()
    return r.returncode == 2 and len(lines) == 1 and all(n in lines[0] for n in needles)


def unprivileged(tlsscope):
    """Run as nobody from a copy every user can execute; None when that cannot be arranged."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or not setpriv:
        return None
    d = tempfile.mkdtemp(prefix="tlsscope-live-")
    os.chmod(d, 0o755)
    exe = os.path.join(d, "tlsscope")
    shutil.copy(tlsscope, exe)
    os.chmod(exe, 0o755)
    try:
        return run([setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all", exe, "live",
                    "-i", "lo", "-f", "tcp port 23999"])
    finally:
        shutil.rmtree(d, ignore_errors=True)


def summary_of(live):
    objs = [json.loads(x) for x in live.lines() if x.startswith("{")]
    return objs[-1] if objs and objs[-1]["type"] == "summary" else None


def main():
    tlsscope = sys.argv[1]

    r = unprivileged(tlsscope) if os.geteuid() == 0 else run([tlsscope, "live", "-i", "lo", "-f", "tcp port 23999"])
    if r is None:
        log("skip: no setpriv to drop root for the permission check")
    else:
        log("  unprivileged: %s" % r.stderr.strip())
        check(one_line_error(r, "cannot capture on lo", "permission denied", "CAP_NET_RAW", "CAP_NET_ADMIN",
                             "setcap cap_net_raw,cap_net_admin=eip"),
              "without capture rights: exit 2, one line saying what is missing and how to grant it")

    r = run([tlsscope, "live"])
    check(one_line_error(r, "needs an interface", "--list"), "no -i: exit 2, says -i is needed")
    r = run([tlsscope, "live", "--list"])
    check(r.returncode == 0 and any(x.split()[0] == "lo" for x in r.stdout.splitlines() if x.strip()),
          "--list: exit 0, lo listed")
    r = run([tlsscope, "live", "-i", "lo", "--count", "0"])
    check(one_line_error(r, "--count", "'0'"), "--count 0: exit 2, the value named")

    # The rest needs capture rights.
    live, status = start_live_or_skip(tlsscope, ["-i", "lo", "-f", "tcp port 23999", "--json"])
    if not live:
        if status == SKIP and not failures:
            log("(the checks above passed; the rest need capture rights)")
        return 1 if failures else status
    rc = live.stop(signal.SIGTERM)
    s = summary_of(live)
    check(rc == 0 and s is not None and "capture" in s, "SIGTERM: exit 0 and the summary with capture counters")

    r = run([tlsscope, "live", "-i", "nosuch0", "-f", "tcp"])
    log("  no such interface: %s" % r.stderr.strip())
    check(one_line_error(r, "nosuch0", "tlsscope live --list"), "no such interface: exit 2, named, --list suggested")
    r = run([tlsscope, "live", "-i", "lo", "-f", "tcp port"])
    log("  bad filter: %s" % r.stderr.strip())
    check(one_line_error(r, "'tcp port'", "syntax error"), "bad filter: exit 2, the filter quoted with libpcap's message")
    r = run([tlsscope, "live", "-i", "lo", "--write", "/nonexistent-dir/x.pcap"])
    check(one_line_error(r, "--write /nonexistent-dir/x.pcap"), "unwritable --write: exit 2, the file named")

    t0 = time.monotonic()
    r = run([tlsscope, "live", "-i", "lo", "-f", "tcp port 23999", "--duration", "1", "--json"])
    took = time.monotonic() - t0
    last = r.stdout.strip().splitlines()[-1:] or ["{}"]
    check(r.returncode == 0 and json.loads(last[0]).get("type") == "summary" and took < 5,
          "--duration 1: stops by itself after %.1f s, exit 0, summary" % took)

    base = free_base(range(23900, 23990, 10), 1)
    if base is None:
        check(False, "a free port in 23900-23989 for --count")
        return 1
    srv = socket.socket()
    srv.bind(("127.0.0.1", base))
    srv.listen(8)
    live = Live(tlsscope, ["-i", "lo", "-f", "tcp port %d" % base, "--count", "3", "--json"])
    if live.wait_listening() is None:
        for _ in range(3):  # each connect: SYN, SYN+ACK, ACK, then FINs: more than 3 packets
            c = socket.create_connection(("127.0.0.1", base))
            c.close()
        try:
            live.p.wait(10)
        except subprocess.TimeoutExpired:
            pass
    rc = live.stop()
    s = summary_of(live)
    check(rc == 0 and s is not None and s["packets"] == 3, "--count 3: stops after 3 packets, exit 0 (got %s, %s)"
          % (rc, s and s["packets"]))
    srv.close()
    log("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
