#!/usr/bin/env python3
"""Hostile and broken input must give a clear message or a counted skip, never
a crash, a hang or unbounded memory.

Usage: test_bad_input.py TLSSCOPE WORKDIR
Each case builds its input in WORKDIR, runs tlsscope with a time limit, and
checks the exit status, the message and the JSON summary.
"""
import json
import os
import struct
import subprocess
import sys
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tlsscope_run import load_lines, run as run_tlsscope  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from pcapgen import Conn, Pcap, tcp_frame  # noqa: E402

TOOL, WORK = sys.argv[1], sys.argv[2]
os.makedirs(WORK, exist_ok=True)
failures = []


def run(args, stdin=None):
    try:
        r = run_tlsscope([TOOL] + args, capture_output=True, timeout=120, input=stdin)
    except subprocess.TimeoutExpired:
        return None
    return r


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + detail))
    if not cond:
        failures.append(name)


def summary(out):
    lines = [json.loads(l) for l in out.decode().splitlines() if l.strip()]
    return [l for l in lines if l["type"] == "connection"], lines[-1]


def path(n):
    return os.path.join(WORK, n)


# 1. not a capture at all
with open(path("notes.txt"), "w") as fh:
    fh.write("this is not a capture\n" * 10)
r = run(["analyze", path("notes.txt")])
check("text file: exit 2", r is not None and r.returncode == 2, str(r and r.returncode))
check("text file: one line naming the file", r is not None and r.stderr.decode().count("\n") == 1
      and "notes.txt" in r.stderr.decode(), r and r.stderr.decode())

# 2. empty file
open(path("empty.pcap"), "wb").close()
r = run(["analyze", path("empty.pcap")])
check("empty file: exit 2", r is not None and r.returncode == 2)

# 3. missing file
r = run(["analyze", path("does-not-exist.pcap")])
check("missing file: exit 2 naming it", r is not None and r.returncode == 2 and b"does-not-exist" in r.stderr)

# 4. unknown link type
p = Pcap(path("linktype.pcap"), linktype=147)
p.frame(b"\x00" * 60)
p.close()
r = run(["analyze", path("linktype.pcap")])
check("unknown link type: exit 2 naming the type", r is not None and r.returncode == 2 and b"147" in r.stderr,
      r and r.stderr.decode())

# 5. truncated capture: a record cut in the middle
p = Pcap(path("full.pcap"))
c = Conn(p)
c.handshake()
hello = b"\x03\x03" + b"\x11" * 32 + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00"
hs = b"\x01" + struct.pack(">I", len(hello))[1:] + hello
c.send("c", b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs)
c.send("s", b"\x15\x03\x03\x00\x02\x02\x28")
c.close("s")
p.close()
data = open(path("full.pcap"), "rb").read()
with open(path("cut.pcap"), "wb") as fh:
    fh.write(data[:len(data) - 30])
r = run(["analyze", "--json", "--json-detail", "full", "--fail-on", "never", path("cut.pcap")])  # its server alert is an error finding
ok = r is not None and r.returncode == 0
check("truncated capture: exit 0", ok, r and r.stderr.decode())
if ok:
    conns, s = summary(r.stdout)
    check("truncated capture: warning names the file", b"cut.pcap" in r.stderr and b"damaged or cut" in r.stderr)
    check("truncated capture: summary says truncated", s["files"][0]["truncated"] is True)
    check("truncated capture: the packets before the cut are analysed", len(conns) == 1
          and conns[0]["client_hello"] is not None)

# 6. garbage on port 443, both directions
p = Pcap(path("garbage443.pcap"))
c = Conn(p)
c.handshake()
seed = 12345
for i in range(50):
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    blob = bytes(((seed >> (k % 23)) + k * 7) & 0xff for k in range(700))
    c.send("c" if i % 2 else "s", blob)
c.close()
p.close()
r = run(["analyze", "--json", path("garbage443.pcap")])
ok = r is not None and r.returncode == 0
check("garbage on 443: exit 0", ok)
if ok:
    conns, s = summary(r.stdout)
    check("garbage on 443: reported as not_tls", len(conns) == 1 and conns[0]["outcome"] == "not_tls",
          str([c["outcome"] for c in conns]))

# 7. absurd TLS lengths: record longer than any TLS record, handshake claiming 16 MiB
p = Pcap(path("absurd.pcap"))
c = Conn(p)
c.handshake()
c.send("c", b"\x16\x03\x01\xff\xff\x01\xff\xff\xff" + b"\x41" * 1400)
for i in range(200):
    c.send("c", b"\x41" * 1400)
c.close()
p.close()
r = run(["analyze", "--json", path("absurd.pcap")])
ok = r is not None and r.returncode == 0
check("absurd lengths: exit 0", ok)
if ok:
    conns, s = summary(r.stdout)
    a = conns[0]["anomalies"] if conns else {}
    check("absurd lengths: record_too_long counted", a.get("record_too_long", 0) >= 1, str(a))
    check("absurd lengths: handshake_message_too_long counted", a.get("handshake_message_too_long", 0) >= 1, str(a))

# 8. a 16 MiB ClientHello claim fed in full-size records: memory stays bounded
p = Pcap(path("huge-ch.pcap"))
c = Conn(p)
c.handshake()
body_left = 0xffffff
first = True
while body_left > 0:
    n = min(16384 - (4 if first else 0), body_left)
    rec = (b"\x01\xff\xff\xff" if first else b"") + b"\x42" * n
    c.send("c", b"\x16\x03\x01" + struct.pack(">H", len(rec)) + rec)
    body_left -= n
    first = False
c.close()
p.close()
# --fail-on never: the client closes unanswered (a no-server-hello error); the point is the input
r = run(["analyze", "--json", "--fail-on", "never", path("huge-ch.pcap")])
ok = r is not None and r.returncode == 0
check("16 MiB ClientHello: exit 0", ok)
if ok:
    conns, s = summary(r.stdout)
    check("16 MiB ClientHello: flow memory bounded (< 2 MiB)", s["memory_peak_bytes"] < 2 << 20,
          str(s["memory_peak_bytes"]))
    check("16 MiB ClientHello: cut and counted",
          conns and conns[0]["anomalies"].get("handshake_message_too_long", 0) == 1, str(conns and conns[0]["anomalies"]))

# 9. a flood of out-of-order segments that never fill their gap
p = Pcap(path("ooo-flood.pcap"))
c = Conn(p)
c.handshake()
base = c.seq["c"]
for i in range(20000):
    c.send("c", b"\x43" * 100, seq=base + 1000 + i * 200)  # every other 100-byte slot: never in order
c.close()
p.close()
r = run(["analyze", "--json", "--all", path("ooo-flood.pcap")])
ok = r is not None and r.returncode == 0
check("out-of-order flood: exit 0, no hang", ok)
if ok:
    conns, s = summary(r.stdout)
    check("out-of-order flood: memory bounded (< 2 MiB)", s["memory_peak_bytes"] < 2 << 20, str(s["memory_peak_bytes"]))
    check("out-of-order flood: limit counted", s["anomalies"]["out_of_order_limit"] >= 1, str(s["anomalies"]))

# 10. the global memory cap evicts and counts
p = Pcap(path("many.pcap"))
conns_made = []
for i in range(3000):
    c = Conn(p, cli=("10.2.%d.%d" % (i // 250, i % 250 + 1), 40000 + i % 1000))
    c.handshake()
    c.send("c", b"\x16\x03\x01\x00\x30\x01\x00\x01\x00" + b"\x11" * 43)  # a ClientHello still incomplete
p.close()
r = run(["analyze", "--json", "--memory-cap", "1M", path("many.pcap")])
ok = r is not None and r.returncode == 0
check("memory cap: exit 0", ok)
if ok:
    conns, s = summary(r.stdout)
    check("memory cap: evictions counted", s["evicted"] > 0, str(s["evicted"]))
    check("memory cap: peak near the cap", s["memory_peak_bytes"] < (1 << 20) + (64 << 10), str(s["memory_peak_bytes"]))
    check("memory cap: every connection still reported once", len(conns) == 3000, str(len(conns)))

# 11. standard input, and two files in one run
raw = open(path("full.pcap"), "rb").read()
r = run(["analyze", "--json", "--fail-on", "never", "-"], stdin=raw)
check("stdin: read and reported", r is not None and r.returncode == 0 and b'"file":"-"' in r.stdout)
r = run(["analyze", "--json", "--fail-on", "never", path("full.pcap"), path("garbage443.pcap")])
ok = r is not None and r.returncode == 0
if ok:
    conns, s = summary(r.stdout)
    check("two files: each connection names its file",
          sorted(os.path.basename(c["file"]) for c in conns) == ["full.pcap", "garbage443.pcap"])
    check("two files: both in the summary", len(s["files"]) == 2)
else:
    check("two files: exit 0", False)

# 12. nanosecond timestamps are kept as the file has them
p = Pcap(path("nano.pcap"), nanosecond=True)
c = Conn(p)
c.handshake()
c.send("c", b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs)
c.close()
p.close()
# --fail-on never: the client closes unanswered (a no-server-hello error); the point is the input
r = run(["analyze", "--json", "--fail-on", "never", path("nano.pcap")])
ok = r is not None and r.returncode == 0
if ok:
    conns, s = summary(r.stdout)
    check("nanosecond capture: 9 fractional digits, exact", conns and conns[0]["ts"] == "2026-01-01T00:00:00.001000123Z",
          conns and conns[0]["ts"])
    check("nanosecond capture: precision in the summary", s["files"][0]["timestamp_precision"] == "ns")
else:
    check("nanosecond capture: exit 0", False)
r = run(["analyze", "--json", "--fail-on", "never", path("full.pcap")])
conns, s = summary(r.stdout)
check("microsecond capture: 6 fractional digits", conns[0]["ts"] == "2026-01-01T00:00:00.001000Z", conns[0]["ts"])

# 13. bad arguments
r = run(["analyze"])
check("no file: exit 2", r is not None and r.returncode == 2)
r = run(["analyze", "--memory-cap", "lots", path("full.pcap")])
check("bad size: exit 2", r is not None and r.returncode == 2)
r = run(["frobnicate"])
check("unknown command: exit 2", r is not None and r.returncode == 2)

# 14. numbers: one strict parser, exit 2 and a line naming the option for each bad value
FULL = path("full.pcap")
for opt, val in [("--memory-cap", "-1"), ("--memory-cap", "-1M"), ("--memory-cap", "17592186044417M"),
                 ("--memory-cap", "0"), ("--memory-cap", "1k"), ("--memory-cap", "64Mx"),
                 ("--memory-cap", " 64M"), ("--memory-cap", "+64M"), ("--memory-cap", "99999999999999999999"),
                 ("--idle-timeout", "-5"), ("--idle-timeout", "0"), ("--idle-timeout", "10s"),
                 ("--idle-timeout", "18446744073709551617"), ("--idle-timeout", "0x10")]:
    r = run(["analyze", opt, val, FULL])
    err = r.stderr.decode() if r else ""
    check("%s %r: exit 2 with a message naming it" % (opt, val),
          r is not None and r.returncode == 2 and opt in err and repr(val)[1:-1] in err, err)
r = run(["analyze", "--json", "--fail-on", "never", "--memory-cap", "1M", "--idle-timeout", "604800", FULL])
check("--memory-cap 1M and --idle-timeout 604800 (the bounds) are taken", r is not None and r.returncode == 0,
      r and r.stderr.decode())
for sub, opt, val in [("diff", "--max-connections", "-1"), ("diff", "--max-connections", "0"),
                      ("live", "--count", "-1"), ("live", "--duration", "1e3"), ("live", "--snaplen", "70000x"),
                      ("live", "--count", "18446744073709551616")]:
    args = [sub, opt, val] + ([FULL, FULL] if sub == "diff" else ["-i", "lo"])
    r = run(args)
    err = r.stderr.decode() if r else ""
    check("%s %s %r: exit 2 with a message naming it" % (sub, opt, val),
          r is not None and r.returncode == 2 and opt in err, err)

# 15. argument files: regular files only, a size and a line cap
os.mkfifo(path("rules.fifo")) if not os.path.exists(path("rules.fifo")) else None
for what, target in [("a device", "/dev/zero"), ("a directory", WORK), ("a FIFO", path("rules.fifo"))]:
    r = run(["analyze", "--expect-file", target, FULL])
    err = r.stderr.decode() if r else ""
    check("--expect-file %s: refused at once, exit 2" % what,
          r is not None and r.returncode == 2 and what in err and "regular file" in err, err)
with open(path("long-line.rules"), "w") as fh:
    fh.write("a" * 100000 + "\n")
r = run(["analyze", "--expect-file", path("long-line.rules"), FULL])
check("--expect-file: a line past the cap is refused", r is not None and r.returncode == 2
      and "line longer than" in r.stderr.decode(), r and r.stderr.decode())
with open(path("huge.rules"), "w") as fh:
    for _ in range(5 * 1024 * 1024 // 64):
        fh.write("# " + "x" * 61 + "\n")
r = run(["analyze", "--expect-file", path("huge.rules"), FULL])
check("--expect-file: a file past the size cap is refused", r is not None and r.returncode == 2
      and "larger than 4 MiB" in r.stderr.decode(), r and r.stderr.decode())

# 16. files written never follow a symlink planted where they go
GOOD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "pcaps", "01-tls12-good.pcap")
victim = path("victim.txt")
with open(victim, "w") as fh:
    fh.write("precious\n")
exp = path("export-link")
if os.path.isdir(exp):
    for n in os.listdir(exp):
        os.unlink(os.path.join(exp, n))
else:
    os.mkdir(exp)
os.symlink(victim, os.path.join(exp, "index.tsv"))
r = run(["analyze", "--export-certs", exp, GOOD])
err = r.stderr.decode() if r else ""
check("--export-certs: a symlinked index.tsv is refused, exit 2",
      r is not None and r.returncode == 2 and "index.tsv" in err and "symbolic link" in err, err)
check("--export-certs: the symlink's target is untouched", open(victim).read() == "precious\n")
# A dangling symlink named as a certificate's file: the file it points to is never created.
r = run(["analyze", "--json", GOOD])
sha = load_lines(r.stdout.decode())[0][0]["certificates"][0]["der_sha256"]
os.unlink(os.path.join(exp, "index.tsv"))
dangling = path("created-through-symlink.pem")
os.symlink(dangling, os.path.join(exp, sha + ".pem"))
r = run(["analyze", "--export-certs", exp, GOOD])
err = r.stderr.decode() if r else ""
check("--export-certs: a dangling <sha256>.pem symlink is refused, exit 2",
      r is not None and r.returncode == 2 and sha + ".pem" in err and "symbolic link" in err, err)
check("--export-certs: nothing created through the dangling symlink", not os.path.exists(dangling))
check("--export-certs: the symlink is left as it was", os.path.islink(os.path.join(exp, sha + ".pem")))

# 17. an output that is an input is refused before anything is opened for writing
cap = path("same.pcap")
with open(GOOD, "rb") as src, open(cap, "wb") as dst:
    dst.write(src.read())
size = os.path.getsize(cap)
if os.path.exists(path("same-hard.pcap")):
    os.unlink(path("same-hard.pcap"))
os.link(cap, path("same-hard.pcap"))
if os.path.lexists(path("same-sym.pcap")):
    os.unlink(path("same-sym.pcap"))
os.symlink(cap, path("same-sym.pcap"))
os.makedirs(path("same-dir"), exist_ok=True)
if os.path.lexists(path("same-dir/index.tsv")):
    os.unlink(path("same-dir/index.tsv"))
os.link(cap, path("same-dir/index.tsv"))
for args in (["analyze", "-o", cap, cap], ["analyze", "-o", path("same-hard.pcap"), cap],
             ["analyze", "--json-file", path("same-sym.pcap"), cap], ["analyze", "--html", cap, cap],
             ["analyze", "--export-certs", path("same-dir"), cap],
             ["diff", "-o", cap, GOOD, cap], ["diff", "--html", path("same-sym.pcap"), cap, GOOD]):
    r = run(args)
    err = r.stderr.decode() if r else ""
    check("%s: refused, exit 2" % " ".join(a.replace(WORK + "/", "") for a in args),
          r is not None and r.returncode == 2 and "is the input file" in err, err)
    check("%s: the capture is untouched" % " ".join(a.replace(WORK + "/", "") for a in args),
          os.path.getsize(cap) == size)

# ... nor one of the files the options read (a rule file, a key log, a CA file)
rules = path("same.rules")
with open(rules, "w") as fh:
    fh.write("example.test\n")
for args in (["analyze", "--expect-file", rules, "-o", rules, cap],
             ["analyze", "--ca", rules, "--html", rules, cap],
             ["diff", "--expect-file", rules, "-o", rules, GOOD, cap],
             ["live", "-i", "lo", "--expect-file", rules, "--write", rules]):
    r = run(args)
    err = r.stderr.decode() if r else ""
    check("%s: refused, exit 2" % " ".join(a.replace(WORK + "/", "") for a in args),
          r is not None and r.returncode == 2 and "is the input file" in err, err)
    check("%s: the file is untouched" % " ".join(a.replace(WORK + "/", "") for a in args),
          open(rules).read() == "example.test\n")

print("%d passed, %d failed" % (0, len(failures)) if failures else "all bad-input checks passed")
sys.exit(1 if failures else 0)
