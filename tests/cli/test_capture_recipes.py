#!/usr/bin/env python3
"""The capture recipes of README.md, run for real on lo (issue 16, item 2).

1. `tcpdump ... -U -w - | tlsscope analyze -` with a real openssl s_server/s_client handshake,
   then Ctrl-C (SIGINT to the pipeline's process group, as a terminal sends it): tlsscope must
   write the report of what it read (the connection, the summary) and exit with its usual status
   (1: the self-signed certificate is an error finding), not die with 130.
2. The same with SIGTERM sent to tlsscope alone while tcpdump keeps writing.
3. README's CI recipe (tcpdump to a file, curl, kill %1, analyze) run as written, only the port
   changed to this test's: the file must hold the handshake.
4. An input with no connection at all: a warning on stderr and exit 1 (0 with --fail-on never).

usage: test_capture_recipes.py TLSSCOPE REPO_DIR. Exits 77 without tcpdump, openssl, curl or the
right to capture on lo.
"""
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

PORT = 28443  # this test's own port (other loopback tests use other ranges)
TIMEOUT = 20


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(77)


def fail(why):
    print(f"FAIL: {why}")
    sys.exit(1)


def make_pki(d):
    """A private CA and a leaf for shop.example.test (ca.pem, leaf.pem, leaf.key)."""
    def run(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "30", "-subj", "/CN=recipe test CA")
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=shop.example.test")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:shop.example.test\n")
    run("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "leaf.pem", "-days", "30", "-extfile", "ext.cnf")


def start_server(d, cert="leaf.pem", key="leaf.key"):
    srv = subprocess.Popen(["openssl", "s_server", "-quiet", "-accept", str(PORT), "-cert", cert,
                            "-key", key, "-www"], cwd=d, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{PORT}"],
                           input=b"", capture_output=True, timeout=TIMEOUT)
        if b"CONNECTED" in r.stdout:
            return srv
        time.sleep(0.1)
    srv.kill()
    fail("openssl s_server did not start")


def client(d, name="shop.example.test"):
    # TLS 1.2: the certificate is visible without a key log, so the untrusted CA is a finding.
    subprocess.run(["openssl", "s_client", "-tls1_2", "-connect", f"127.0.0.1:{PORT}",
                    "-servername", name],
                   cwd=d, input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True, timeout=TIMEOUT)


def wait_listening(errfile):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        with open(errfile, errors="replace") as f:
            text = f.read()
        if "listening on" in text:
            return
        if "permission" in text.lower() or "Operation not permitted" in text:
            skip(f"cannot capture on lo: {text.strip()}")
        time.sleep(0.05)
    skip("tcpdump did not start listening on lo")


def pipeline(tlsscope, d, how):
    """README's standard-input recipe on lo, stopped by `how`: 'ctrl-c' or 'sigterm'."""
    out, err = os.path.join(d, f"{how}.out"), os.path.join(d, f"{how}.err")
    # The recipe: tcpdump -i IFACE -s 0 -U -w - PORTFILTER | tlsscope analyze -
    rcfile = os.path.join(d, f"{how}.rc")
    # The recipe: tcpdump -i IFACE -s 0 -U -w - FILTER | tlsscope analyze -  (rc kept as it ends)
    cmd = (f"tcpdump -i lo -s 0 -U -w - 'tcp port {PORT}' 2>{d}/{how}.tcpdump | "
           f"{{ {tlsscope} analyze - >{out} 2>{err}; echo $? >{rcfile}; }}")
    with open(os.path.join(d, f"{how}.tcpdump"), "w"):
        pass
    sh = subprocess.Popen(["bash", "-c", cmd], start_new_session=True)
    try:
        wait_listening(os.path.join(d, f"{how}.tcpdump"))
        client(d)
        time.sleep(1.0)  # tcpdump -U writes each packet at once; let the pipe carry them
        if how == "ctrl-c":
            os.killpg(sh.pid, signal.SIGINT)  # the terminal's Ctrl-C: the whole foreground group
        else:
            pid = subprocess.run(["pgrep", "-s", str(sh.pid), "-x", os.path.basename(tlsscope)],
                                 capture_output=True, text=True).stdout.split()
            if not pid:
                fail("tlsscope of the pipeline not found")
            os.kill(int(pid[0]), signal.SIGTERM)  # tlsscope alone; tcpdump keeps writing
        deadline = time.monotonic() + TIMEOUT
        while not (os.path.exists(rcfile) and os.path.getsize(rcfile)):
            if time.monotonic() > deadline:
                fail(f"{how}: tlsscope did not end after the signal")
            time.sleep(0.05)
    finally:
        try:
            os.killpg(sh.pid, signal.SIGINT)
        except ProcessLookupError:
            pass
        sh.wait(TIMEOUT)
    with open(os.path.join(d, f"{how}.rc")) as f:
        rc = int(f.read().strip() or -1)
    with open(out) as f:
        report = f.read()
    with open(err) as f:
        stderr = f.read()
    # The leaf's CA is not trusted (no --ca): an error finding, so the usual status is 1.
    if rc != 1:
        fail(f"{how}: tlsscope exited {rc}, not 1 (stderr: {stderr!r})\n{report}")
    if "== summary ==" not in report or f"127.0.0.1:{PORT}" not in report:
        fail(f"{how}: no summary or no connection to port {PORT} in the report:\n{report}")
    if "shop.example.test" not in report:
        fail(f"{how}: the SNI is not in the report:\n{report}")
    if how == "sigterm" and "interrupted" not in stderr:
        fail(f"{how}: no word on stderr that reading was interrupted: {stderr!r}")
    print(f"ok: {how}: report of {len(report.splitlines())} lines, exit {rc}")


def readme_ci_recipe(repo):
    """README's CI block, from the README itself (so the test follows the text)."""
    with open(os.path.join(repo, "README.md")) as f:
        text = f.read()
    m = re.search(r"```sh\n(tcpdump -i lo [^`]*?)```", text)
    if not m:
        fail("README.md: the CI recipe (tcpdump -i lo ... hs.pcap) is not found")
    return m.group(1)


def ci_recipe(tlsscope, repo, d):
    script = readme_ci_recipe(repo).replace("8443", str(PORT)).replace("build/tlsscope", tlsscope)
    env = dict(os.environ)
    for var in ("SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE"):
        env.pop(var, None)
    r = subprocess.run(["bash", "-c", script], cwd=d, capture_output=True, text=True,
                       timeout=60, env=env)
    frames = subprocess.run([tlsscope, "analyze", "--json", "hs.pcap"], cwd=d,
                            capture_output=True, text=True)
    if '"server_name":"shop.example.test"' not in frames.stdout.replace(" ", ""):
        fail(f"CI recipe: hs.pcap does not hold the handshake (recipe exit {r.returncode}, "
             f"stderr {r.stderr!r})")
    # The certificate is right (trusted CA, right name): the recipe's analyze exits 0.
    if r.returncode != 0:
        fail(f"CI recipe: exit {r.returncode} on a good deployment:\n{r.stdout}\n{r.stderr}")
    print("ok: README's CI recipe captured the handshake, exit 0")


def empty_input(tlsscope, d):
    path = os.path.join(d, "empty.pcap")
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    r = subprocess.run([tlsscope, "analyze", path], capture_output=True, text=True)
    if r.returncode != 1 or "no connection in 0 frames" not in r.stderr:
        fail(f"empty input: exit {r.returncode}, stderr {r.stderr!r}")
    r = subprocess.run([tlsscope, "analyze", "--fail-on", "never", path], capture_output=True,
                       text=True)
    if r.returncode != 0 or "no connection" not in r.stderr:
        fail(f"empty input with --fail-on never: exit {r.returncode}, stderr {r.stderr!r}")
    print("ok: an input without connections warns and exits 1 (0 with --fail-on never)")


def main():
    if len(sys.argv) != 3:
        fail("usage: test_capture_recipes.py TLSSCOPE REPO_DIR")
    tlsscope, repo = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="tlsscope-recipes-") as d:
        empty_input(tlsscope, d)
        for tool in ("tcpdump", "openssl", "curl", "pgrep"):
            if not shutil.which(tool):
                skip(f"{tool} is not installed")
        make_pki(d)
        srv = start_server(d)
        try:
            pipeline(tlsscope, d, "ctrl-c")
            pipeline(tlsscope, d, "sigterm")
            ci_recipe(tlsscope, repo, d)
        finally:
            srv.kill()
            srv.wait()


if __name__ == "__main__":
    main()
