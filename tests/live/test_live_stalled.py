#!/usr/bin/env python3
"""A reader that stops reading costs records, never packets.

Usage: test_live_stalled.py TLSSCOPE WORKDIR
`tlsscope live --json` on lo (port 29150) with its standard output a pipe
nobody reads while 1500 real TLS handshakes run against openssl s_server
(clients: Python's ssl, i.e. OpenSSL, for speed). The pipe fills after a few
records and the 1024-record queue after that; the capture must go on. Then
the pipe is read: libpcap must report (almost) no kernel drops, the summary
must count the dropped records (and they with the records written must
account for every handshake), and stderr must have warned. Without capture
rights (root or CAP_NET_RAW + CAP_NET_ADMIN) or openssl: 77.
"""
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import lo_capture  # noqa: E402  (waits until a capture on lo listens)

TOOL, WORK = sys.argv[1], sys.argv[2]
PORT = 29150
HANDSHAKES = 1500
os.makedirs(WORK, exist_ok=True)
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)[:800]), flush=True)
    if not cond:
        failures.append(name)


if not shutil.which("openssl"):
    print("skip: no openssl command")
    sys.exit(77)
subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "key.pem", "-out", "cert.pem", "-subj", "/CN=stalled.test", "-addext",
                "subjectAltName=DNS:stalled.test", "-days", "30"], cwd=WORK, check=True, capture_output=True)

err = open(os.path.join(WORK, "live.err"), "w+")
# Nobody reads stdout until the traffic is over.
live, why = lo_capture.listen([TOOL, "live", "-i", "lo", "-f", "tcp port %d" % PORT, "--json"], err,
                              stdout=subprocess.PIPE)
if live is None:
    print("skip: cannot capture on lo: " + why)
    sys.exit(77)

env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
server = subprocess.Popen(["openssl", "s_server", "-accept", str(PORT), "-cert", "cert.pem", "-key", "key.pem",
                           "-quiet"], cwd=WORK, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(os.path.join(WORK, "cert.pem"))
ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # the certificate in clear: records of a few KiB
done = 0
try:
    deadline = time.monotonic() + 10
    while True:  # s_server listening
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    started = time.monotonic()
    for _ in range(HANDSHAKES):
        with socket.create_connection(("127.0.0.1", PORT), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="stalled.test") as tls:
                tls.sendall(b"ping\n")
        done += 1
    print("%d handshakes in %.1f s" % (done, time.monotonic() - started), flush=True)
finally:
    server.terminate()
    server.wait()
time.sleep(2)  # the last connections decided and their records offered
stalled_alive = live.poll() is None
live.send_signal(signal.SIGINT)
out, _ = live.communicate(timeout=120)
err.seek(0)
stderr = err.read()

check("live kept running while its output was stalled", stalled_alive)
lines = [json.loads(l) for l in out.decode().splitlines() if l.strip()]
conns = [l for l in lines if l.get("type") == "connection"]
summary = lines[-1] if lines else {}
cap = summary.get("capture", {})
print("records written %d, capture %s" % (len(conns), cap), flush=True)
check("the summary came last", summary.get("type") == "summary", summary)
check("records were dropped and counted", cap.get("records_dropped", 0) > 0, cap)
# A packet the kernel did drop (a loaded machine) can cost at most one connection.
check("written and dropped records account for every handshake",
      len(conns) + cap.get("records_dropped", 0) >= done - cap.get("dropped_by_kernel", 0), (len(conns), cap))
# lo counts each packet twice; a handshake here is about a dozen packets.
# A blocked capture loop loses most packets (94% before records could be dropped); a loaded
# machine or a sanitizer build may still lose a few.
check("the kernel dropped (almost) no packets", cap.get("received", 0) >= 10 * done
      and cap.get("dropped_by_kernel", 1) <= cap.get("received", 0) // 20, cap)
check("stderr warned of dropped records", "connection records dropped so far" in stderr, stderr)
sys.exit(1 if failures else 0)
