#!/usr/bin/env python3
"""`analyze` shows progress on stderr when stderr is a terminal, and never in a pipe (issue 16, 6).

A large capture is made from pcaps/13-many-connections.pcap, its frames repeated 40 times
(12,560 frames, each copy a second later, so the connections stay apart). Run with stderr on a
pty, the progress line ("tlsscope: FILE:  NN% (N frames)") must appear and be cleared at the end;
with stderr in a pipe there must be none. The report on stdout must be the same both ways.

usage: test_progress.py TLSSCOPE PCAPS_DIR
"""
import os
import pty
import struct
import subprocess
import sys
import tempfile

COPIES = 40


def make_large(src, dst):
    with open(src, "rb") as f:
        data = f.read()
    header, body = data[:24], data[24:]
    assert struct.unpack("<I", header[:4])[0] == 0xa1b2c3d4, "a little-endian pcap"
    records, off = [], 0
    while off + 16 <= len(body):
        sec, usec, incl, orig = struct.unpack("<IIII", body[off:off + 16])
        records.append((sec, usec, orig, body[off + 16:off + 16 + incl]))
        off += 16 + incl
    span = records[-1][0] - records[0][0] + 1
    with open(dst, "wb") as f:
        f.write(header)
        for copy in range(COPIES):
            for sec, usec, orig, frame in records:
                f.write(struct.pack("<IIII", sec + copy * span, usec, len(frame), orig) + frame)
    return len(records) * COPIES


def run_with_pty_stderr(cmd):
    """stdout to a pipe, stderr on a pty: what the person at the terminal would see."""
    master, slave = pty.openpty()
    out_file = tempfile.TemporaryFile()  # a file: a full stdout pipe would stall the child
    p = subprocess.Popen(cmd, stdout=out_file, stderr=slave)
    os.close(slave)
    err = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the pty
            break
        if not chunk:
            break
        err += chunk
    p.wait()
    os.close(master)
    out_file.seek(0)
    out = out_file.read()
    return p.returncode, out, err.decode(errors="replace")


def main():
    tlsscope, pcaps = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="tlsscope-progress-") as d:
        big = os.path.join(d, "large.pcap")
        frames = make_large(os.path.join(pcaps, "13-many-connections.pcap"), big)
        cmd = [tlsscope, "analyze", "--no-summary", big]
        rc, out_tty, err_tty = run_with_pty_stderr(cmd)
        piped = subprocess.run(cmd, capture_output=True)
        if f"tlsscope: {big}:" not in err_tty or "% (" not in err_tty:
            print(f"FAIL: no progress on a terminal for {frames} frames: {err_tty!r}")
            return 1
        if not err_tty.rstrip("\r\n").endswith("\x1b[K"):
            print(f"FAIL: the progress line is not cleared at the end: {err_tty[-80:]!r}")
            return 1
        if b"%" in piped.stderr or b"\r" in piped.stderr:
            print(f"FAIL: progress in a pipe: {piped.stderr!r}")
            return 1
        if out_tty != piped.stdout or rc != piped.returncode:
            print("FAIL: the report differs with stderr on a terminal")
            return 1
        if out_tty.count(b"\n#") < COPIES * 20 // 2:
            print("FAIL: the large capture's connections are not in the report")
            return 1
        print(f"ok: progress on a pty ({err_tty.count('%')} updates for {frames} frames), none in a pipe")
    return 0


if __name__ == "__main__":
    sys.exit(main())
