#!/usr/bin/env python3
"""corpus_compare.py must be able to fail: run it against stand-ins for tlsscope that go wrong.

Usage: corpus_compare_selftest.py TLSSCOPE CORPUS_DIR WORK_DIR

Each stand-in is a small shell script in WORK_DIR that runs the real tlsscope except on one capture:
  crash    dies by SIGSEGV on nDPI__KakaoTalk_chat.pcap      -> exit 1, "killed by SIGSEGV"
  asan     prints an AddressSanitizer report and exits 1     -> exit 1, "a sanitizer report"
  sni      changes the server_name of another capture's row   -> exit 1, "NOT LISTED"
  exit3    exits 3 (not a documented status) on one capture  -> exit 1, "exit status 3"
and with the real tlsscope but one listed difference too many -> exit 1, "no longer differs".
Exit 0 when every one of them fails as it should, 1 otherwise, 77 when the corpus is missing."""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VICTIM = "nDPI__KakaoTalk_chat.pcap"
SNI_VICTIM = "ja4__badcurveball.pcap"  # its one connection sends an SNI
STANDINS = {
    "crash": (VICTIM, 'kill -SEGV $$', "killed by SIGSEGV"),
    "asan": (VICTIM, 'echo "==1==ERROR: AddressSanitizer: heap-buffer-overflow" >&2; exit 1',
             "a sanitizer report"),
    "sni": (SNI_VICTIM, '"$TOOL" "$@" | sed \'0,/"server_name":"[^"]*"/s//"server_name":"x.example"/\'; '
            'exit "${PIPESTATUS[0]}"', "NOT LISTED"),
    "exit3": (VICTIM, "exit 3", "exit status 3"),
}


def standin(work, name, victim, action):
    path = os.path.join(work, name + ".sh")
    with open(path, "w") as fh:
        fh.write('#!/bin/bash\nTOOL=%s\ncase "$*" in *%s*) %s ;; esac\nexec "$TOOL" "$@"\n'
                 % (os.path.abspath(sys.argv[1]), victim, action))
    os.chmod(path, 0o755)
    return path


def compare(tool, corpus, known=None):
    cmd = [sys.executable, os.path.join(HERE, "corpus_compare.py"), tool, corpus]
    if known:
        cmd += ["--known", known]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    tool, corpus, work = sys.argv[1:]
    if not all(os.path.exists(os.path.join(corpus, f)) for f in ("TRUTH.tsv", VICTIM, SNI_VICTIM)):
        print("SKIP: no corpus at %s" % corpus)
        return 77
    os.makedirs(work, exist_ok=True)
    bad = 0
    cases = [(name, standin(work, name, victim, action), None, want)
             for name, (victim, action, want) in STANDINS.items()]
    known = os.path.join(work, "known_plus_one.tsv")
    shutil.copy(os.path.join(HERE, "corpus_known_differences.tsv"), known)
    with open(known, "a") as fh:
        fh.write("tls\t%s\t0\t192.0.2.1:1\t192.0.2.2:443\tsni\t-\tx.example\ta difference that never occurs\n"
                 % VICTIM)
    cases.append(("stale", tool, known, "no longer differs"))
    for name, t, k, want in cases:
        r = compare(t, corpus, k)
        ok = r.returncode == 1 and want in r.stdout
        print("%s %-6s corpus_compare.py exited %d%s" % ("ok  " if ok else "FAIL", name, r.returncode,
                                                        "" if ok else ", output lacks %r" % want))
        bad += not ok
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
