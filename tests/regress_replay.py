"""Replay every kept input: fuzz crashes through their harness, captures through the CLI.

    regress_replay.py BIN_DIR TLSSCOPE SOURCE_DIR

- tests/regress/<harness>/* and fuzz/crashes/<harness>/* (libFuzzer's crash-,
  leak-, timeout-, oom- files, kept by scripts/fuzz-long.sh or by hand) run
  through BIN_DIR/replay_<harness> (the harness with fuzz/replay_main.c):
  it must exit 0 with no sanitizer report;
- every capture (pcap or pcapng by its magic) anywhere under tests/regress/
  runs through `tlsscope analyze --json`: exit 0 or 1 (findings), no
  sanitizer report, every line JSON.
Names a kept input whose harness does not exist (a renamed harness) as a failure.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "cli"))
from pcapgen import Checks  # noqa: E402

CAPTURE_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d", b"\x0a\x0d\x0d\x0a")
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer")


def clean(stderr):
    return not any(m in stderr for m in SANITIZER_MARKS)


def main():
    bin_dir, tlsscope, src = sys.argv[1:4]
    check = Checks()
    replayed = 0
    for root in (os.path.join(src, "tests", "regress"), os.path.join(src, "fuzz", "crashes")):
        for harness in sorted(os.listdir(root)) if os.path.isdir(root) else []:
            folder = os.path.join(root, harness)
            if not os.path.isdir(folder):
                continue
            files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
            if not files:
                continue
            binary = os.path.join(bin_dir, "replay_" + harness)
            if not os.path.exists(binary):
                check("%s: a harness named %s replays it" % (folder, harness), False)
                continue
            r = subprocess.run([binary] + files, capture_output=True, text=True, timeout=600)
            check("%s: %d inputs through %s" % (os.path.relpath(folder, src), len(files), harness),
                  r.returncode == 0 and clean(r.stderr), r.stderr[-2000:] if r.returncode else "")
            replayed += len(files)
    regress = os.path.join(src, "tests", "regress")
    for dirpath, _, names in sorted(os.walk(regress)):
        for name in sorted(names):
            path = os.path.join(dirpath, name)
            with open(path, "rb") as fh:
                if fh.read(4) not in CAPTURE_MAGICS:
                    continue
            r = subprocess.run([tlsscope, "analyze", "--json", "--fail-on", "never", path],
                               capture_output=True, text=True, timeout=600)
            lines_ok = True
            for line in r.stdout.splitlines():
                try:
                    json.loads(line)
                except ValueError:
                    lines_ok = False
            check("%s through the CLI" % os.path.relpath(path, src),
                  r.returncode in (0, 1) and clean(r.stderr) and lines_ok and r.stdout,
                  "exit %d %s" % (r.returncode, r.stderr[-2000:]))
            replayed += 1
    print("%d kept inputs replayed" % replayed)
    check.exit()


if __name__ == "__main__":
    main()
