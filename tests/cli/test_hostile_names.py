#!/usr/bin/env python3
"""Certificate names that attack the terminal never reach it raw.

Usage: test_hostile_names.py TLSSCOPE WORKDIR PCAPS
A leaf certificate whose CN and subjectAltName hold ESC[2J, an OSC title
sequence (ESC]0;...BEL), the C1 control CSI (0x9b, raw and as U+009B), a bidi
override (U+202E) and invalid UTF-8 is made with the openssl command; a real
openssl s_server/s_client handshake on loopback (port 29101) is captured by
`tlsscope live --write`, which also prints its live line. Then analyze text,
JSON and HTML, and diff text are made from that capture. No output may hold a
raw control byte, a C1 control, a bidi control or invalid UTF-8, and the
escaped names must be there to read. Capturing needs root or CAP_NET_RAW
(else 77, as without openssl).
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import lo_capture  # noqa: E402  (waits until a capture on lo listens)

TOOL, WORK, PCAPS = sys.argv[1], sys.argv[2], sys.argv[3]
PORT = 29101
os.makedirs(WORK, exist_ok=True)
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)[:600]))
    if not cond:
        failures.append(name)


def path(n):
    return os.path.join(WORK, n)


if not shutil.which("openssl"):
    print("skip: no openssl command")
    sys.exit(77)

CN = "evil\x1b[2J\x1b]0;pwned\x07\u009b31m\u202eexe".encode()
SAN = (b"DNS:host\x1b[2J.test,DNS:x\x1b]0;t\x07.test,DNS:c1\x9bm.test,"
       b"DNS:bidi\xe2\x80\xaegnp.test,DNS:bad\xff\xc3.test")
with open(path("leaf.cnf"), "wb") as fh:
    fh.write(b"[req]\ndistinguished_name=dn\nprompt=no\nstring_mask=utf8only\n[dn]\nCN=" + CN +
             b"\n[ext]\nsubjectAltName=" + SAN + b"\n")


def openssl(*args):
    r = subprocess.run(["openssl"] + list(args), capture_output=True, cwd=WORK)
    if r.returncode:
        print("openssl " + " ".join(args) + " failed: " + r.stderr.decode(errors="replace"))
        sys.exit(1)


ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=hostile names CA",
        "-days", "3650")
openssl("req", "-utf8", "-new", *ec, "-keyout", "leaf.key", "-out", "leaf.csr", "-config", "leaf.cnf")
openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "leaf.pem", "-days", "365", "-extfile", "leaf.cnf", "-extensions", "ext")

# The capture: tlsscope live on lo writes the pcap and prints its one line per connection.
pcap = path("hostile.pcap")
live, why = lo_capture.listen([TOOL, "live", "-i", "lo", "-f", "tcp port %d" % PORT, "--write", pcap,
                               "--color=never"], open(path("live.err"), "w+"), stdout=subprocess.PIPE)
if live is None:
    print("skip: cannot capture on lo: " + why)
    sys.exit(77)

env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
server = subprocess.Popen(["openssl", "s_server", "-accept", str(PORT), "-cert", "leaf.pem", "-key",
                           "leaf.key", "-naccept", "1", "-quiet"], cwd=WORK, env=env,
                          stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(0.5)
subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % PORT, "-servername", "host.test", "-tls1_2"],
               cwd=WORK, env=env, input=b"", capture_output=True, timeout=30)
try:
    server.wait(timeout=10)
except subprocess.TimeoutExpired:
    server.kill()
time.sleep(1)
live.send_signal(signal.SIGINT)
live_out, _ = live.communicate(timeout=30)

BAD_UNICODE = [chr(c) for c in range(0x80, 0xa0)] + ["\u061c", "\u200e", "\u200f", "\u2066", "\u2067",
                                                      "\u2068", "\u2069"] + \
    [chr(c) for c in range(0x202a, 0x202f)]


def clean(name, data):
    """No raw control byte (tab and newline aside), strict UTF-8, no C1 or bidi control."""
    raw = [b for b in data if (b < 0x20 and b not in (9, 10)) or b == 0x7f]
    check(name + ": no raw control byte", not raw, sorted(set(raw)))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        check(name + ": well-formed UTF-8", False, e)
        return ""
    bad = [hex(ord(c)) for c in text if c in BAD_UNICODE]
    check(name + ": no C1 or bidi control", not bad, bad)
    return text


def run(args):
    r = subprocess.run([TOOL] + args, capture_output=True, timeout=120)
    clean(" ".join(a for a in args if not a.startswith("/")) + " stderr", r.stderr)
    return r


live_text = clean("live line", live_out)
check("live: the connection's line was printed", "127.0.0.1" in live_text, live_text)
check("live: the mismatch names are there, escaped", "host\\x1b[2J.test" in live_text, live_text)

r = run(["analyze", "--color=never", pcap])
text = clean("analyze text", r.stdout)
check("analyze: exit 1 (the name does not match)", r.returncode == 1, r.returncode)
check("analyze: the names line, escaped", "DNS:host\\x1b[2J.test" in text, text)
check("analyze: the OSC title sequence, escaped", "x\\x1b]0;t\\x07.test" in text, text)
check("analyze: raw 0x9b and invalid UTF-8, escaped",
      "c1\\x9bm.test" in text and "bad\\xff\\xc3.test" in text, text)
check("analyze: the subject's U+009B and U+202E, escaped", "\\xc2\\x9b31m\\xe2\\x80\\xaeexe" in text, text)
check("analyze: the hostname mismatch was found", "hostname-mismatch" in text or "does NOT cover" in text,
      text)

r = run(["analyze", "--json", pcap])
clean("analyze JSON", r.stdout)
lines = [json.loads(l) for l in r.stdout.decode().splitlines()]
conn = next(l for l in lines if l.get("type") == "connection")
dns = conn["certificates"][0]["san"]["dns"]
check("JSON keeps the names (escaped the JSON way)",
      "host\x1b[2J.test" in dns and "bidi\u202egnp.test" in dns and "bad\\xff\\xc3.test" in dns, dns)

run(["analyze", "--html", path("hostile.html"), pcap])
with open(path("hostile.html"), "rb") as fh:
    clean("HTML report", fh.read())

good = os.path.join(PCAPS, "01-tls12-good.pcap")
r = run(["diff", good, pcap])
diff_text = clean("diff text", r.stdout)
check("diff: the leaf names, escaped", "\\x1b" in diff_text and "\x1b" not in diff_text, diff_text)
r = run(["diff", "--json", good, pcap])
clean("diff JSON", r.stdout)
run(["diff", "--html", path("diff.html"), good, pcap])
with open(path("diff.html"), "rb") as fh:
    clean("diff HTML", fh.read())

sys.exit(1 if failures else 0)
