"""What tests/fingerprint_compare.py and tests/starttls_test.py share: running tlsscope on a
capture (any abnormal end fails the test: tlsscope_run.py), ctest's skip code, and a command line of
the form MODE TLSSCOPE WHERE."""
import json
import re
import sys

from tlsscope_run import run


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(77)


def analyze(tlsscope, path, *options):
    """The connection records of `tlsscope analyze --json --json-detail full` on one capture (with their
    ClientHello, ServerHello and timeline), in order of id."""
    r = run([tlsscope, "analyze", "--json", "--json-detail", "full", "--no-summary", "--fail-on", "never"] + list(options) + [path],
            allowed=(0,), text=True, timeout=300)
    recs = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    return sorted((x for x in recs if x.get("type") == "connection"), key=lambda x: x["id"])


def run_modes(doc, modes):
    """sys.argv is MODE TLSSCOPE WHERE; modes maps MODE to a function of (tlsscope, where)."""
    if len(sys.argv) != 4 or sys.argv[1] not in modes:
        print(doc)
        return 2
    mode, tlsscope, where = sys.argv[1:]
    return modes[mode](tlsscope, where)


def text_blocks(tlsscope, path):
    """{connection id: its block} of the text report of one capture. Only connections with a
    finding get a block (healthy ones get one line), so callers check the blocks there are."""
    r = run([tlsscope, "analyze", "--fail-on", "never", path], allowed=(0,), text=True, timeout=300)
    blocks, current = {}, None
    for line in r.stdout.splitlines():
        m = re.match(r"#(\d+)  \d{4}-", line)
        if m:
            current = blocks.setdefault(int(m.group(1)), [])
        elif not line.startswith(" "):
            current = None
        if current is not None:
            current.append(line)
    return {k: "\n".join(v) + "\n" for k, v in blocks.items()}
