"""What tests/fingerprint_compare.py and tests/starttls_test.py share: running tlsscope on a
capture, ctest's skip code, and a command line of the form MODE TLSSCOPE WHERE."""
import json
import subprocess
import sys


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(77)


def analyze(tlsscope, path, *options):
    """The connection records of `tlsscope analyze --json` on one capture, in order of id."""
    r = subprocess.run([tlsscope, "analyze", "--json", "--no-summary", "--fail-on", "never"] + list(options) +
                       [path], capture_output=True, text=True, timeout=300)
    recs = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    return sorted((x for x in recs if x.get("type") == "connection"), key=lambda x: x["id"])


def run_modes(doc, modes):
    """sys.argv is MODE TLSSCOPE WHERE; modes maps MODE to a function of (tlsscope, where)."""
    if len(sys.argv) != 4 or sys.argv[1] not in modes:
        print(doc)
        return 2
    mode, tlsscope, where = sys.argv[1:]
    return modes[mode](tlsscope, where)
