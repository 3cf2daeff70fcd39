"""What the live-capture tests share: running `tlsscope live` with its output read as it comes,
and the end-to-end test's PKI, servers and clients (tests/e2e/run_e2e.py), imported, not copied.

Ports: the live tests use 23000-23999 only, and every capture filter names its own ports, because
other tests capture on lo at the same time.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import run_e2e as e2e  # noqa: E402  (PKI, servers, clients, port helpers)

SKIP = 77


def log(msg=""):
    print(msg, flush=True)


failures = []


def check(ok, what):
    """Say one check's result; a failed one counts against verdict()."""
    log("%s %s" % ("ok  " if ok else "FAIL", what))
    if not ok:
        failures.append(what)


def verdict():
    """The exit status of the checks made so far, said: 1 if any failed, else 0."""
    if failures:
        log("%d check(s) failed" % len(failures))
        return 1
    log("all checks passed")
    return 0


def free_base(candidates, width):
    """The first base port b with b..b+width-1 all free on 127.0.0.1."""
    for b in candidates:
        if all(e2e.port_free(b + i) for i in range(width)):
            return b
    return None


def loopback_setup(outdir, ports, prefix):
    """outdir emptied, the first free port of ports, and a temporary directory (for the PKI):
    (port, tmpdir), or (None, None) after saying that no port was free."""
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    port = free_base(ports, 1)
    if port is None:
        log("FAIL: no free port in %d-%d" % (ports[0], ports[-1]))
        return None, None
    return port, tempfile.mkdtemp(prefix=prefix)


def port_filter(ports):
    return "tcp and (%s)" % " or ".join("port %d" % p for p in ports)


class Live:
    """`tlsscope live ARGS`, its stdout and stderr collected line by line with their arrival time."""

    def __init__(self, tlsscope, args):
        self.cmd = [tlsscope, "live"] + list(args)
        self.p = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e2e.ENV)
        self.out = []   # (monotonic time, line)
        self.err = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._read, args=(self.p.stdout, self.out), daemon=True),
                        threading.Thread(target=self._read, args=(self.p.stderr, self.err), daemon=True)]
        for t in self.threads:
            t.start()

    def _read(self, stream, into):
        for raw in iter(stream.readline, b""):
            with self.lock:
                into.append((time.monotonic(), raw.decode("utf-8", "replace").rstrip("\n")))

    def stderr_text(self):
        with self.lock:
            return "\n".join(line for _, line in self.err)

    def lines(self):
        with self.lock:
            return [line for _, line in self.out]

    def wait_listening(self, timeout=10):
        """None once tlsscope says it listens; else why not (its stderr, or a timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "listening on" in self.stderr_text():
                return None
            if self.p.poll() is not None:
                for t in self.threads:
                    t.join(2)
                return self.stderr_text() or "exited with status %s" % self.p.returncode
            time.sleep(0.05)
        return "not listening after %d s" % timeout

    def records(self):
        """The connection objects written so far (JSON mode), with their arrival times."""
        got = []
        with self.lock:
            lines = list(self.out)
        for t, line in lines:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if obj.get("type") == "connection":
                got.append((t, obj))
        return got

    def wait_for(self, pred, timeout):
        """The first record satisfying pred, waiting up to timeout seconds; None if none came."""
        deadline = time.monotonic() + timeout
        while True:
            for t, rec in self.records():
                if pred(rec):
                    return t, rec
            if time.monotonic() > deadline or self.p.poll() is not None:
                return None
            time.sleep(0.05)

    def stop(self, sig=signal.SIGINT, timeout=15):
        """Send sig and wait; the exit status, or None if it had to be killed."""
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None
        for t in self.threads:
            t.join(5)
        return self.p.returncode


def s_server(pki, leaf, chain, port, extra, logdir):
    """openssl s_server -www on 127.0.0.1:port with PKI leaf (and chain); a (name, Popen) for e2e.stop."""
    cmd = ["openssl", "s_server", "-accept", "127.0.0.1:%d" % port, "-www",
           "-cert", os.path.join(pki, leaf + ".pem"), "-key", os.path.join(pki, leaf + ".key")] + extra
    if chain:
        cmd += ["-cert_chain", os.path.join(pki, chain)]
    slog = open(os.path.join(logdir, "s_server-%d.log" % port), "w")
    return ("s_server %d" % port, subprocess.Popen(cmd, stdout=slog, stderr=subprocess.STDOUT,
                                                   stdin=subprocess.DEVNULL, env=e2e.ENV))


def make_pki(pki):
    """The e2e test PKI in pki (tests/e2e/make_pki.sh); None, or why it could not be made."""
    r = e2e.run(["sh", os.path.join(e2e.HERE, "make_pki.sh"), pki], timeout=60)
    return None if r.returncode == 0 else "make_pki.sh: %s" % e2e.first_line(r.stderr)


def start_live_or_skip(tlsscope, args):
    """A running Live, or (None, SKIP) when this machine does not let us capture on lo."""
    live = Live(tlsscope, args)
    why = live.wait_listening()
    if why is None:
        return live, None
    live.stop()
    if "permission denied" in why:
        log("skipped: cannot capture on lo (needs root or CAP_NET_RAW and CAP_NET_ADMIN)")
        log("  tlsscope: %s" % why.strip())
        return None, SKIP
    log("FAIL: tlsscope live did not start: %s" % why.strip())
    return None, 1


def rss_kib(pid):
    """Resident set size of a process in KiB (VmRSS), or None once it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None

