"""What the tests of captures from the wild share (issue 14): tlsscope's records of a capture, and
their comparison with tshark's view of it (tests/tshark_rows.py) the way corpus_compare.py compares
the corpus's truth: SNI, version, cipher, certificates, alerts, close, and the endpoints."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import tshark_rows  # noqa: E402
from corpus_compare import compare, endpoint  # noqa: E402
from tlsscope_run import abnormal  # noqa: E402


class Wild:
    def __init__(self, tool, work, check):
        """Exits 77 (skipped) without tshark; makes the work directory."""
        if not tshark_rows.available():
            print("SKIP: tshark not installed")
            sys.exit(77)
        os.makedirs(work, exist_ok=True)
        self.tool, self.work, self.check = tool, work, check

    def analyze(self, path, *extra):
        """(connection records, summary) of `tlsscope analyze --json`; an abnormal end fails the check."""
        r = subprocess.run([self.tool, "analyze", "--json", "--json-detail", "full", *extra, path], capture_output=True, text=True,
                           timeout=120)
        why = abnormal(r.returncode, r.stdout + r.stderr, (0, 1))
        if why:
            self.check(path, False, why)
            return [], {}
        objs = [json.loads(l) for l in r.stdout.splitlines()]
        return [o for o in objs if o["type"] == "connection"], objs[-1]

    def against_tshark(self, name, path, allowed=None, tshark_args=(), transport="tcp"):
        """Every TLS stream tshark sees is one record with the same fields and endpoints, but for the
        differences in allowed ({field: (tshark, tlsscope)}); returns (records, summary)."""
        truth = tshark_rows.rows(path, tshark_args, transport)
        conns, summary = self.analyze(path)
        self.check(name + ": one record per tshark TLS stream", len(truth) == len(conns) and truth,
                   "tshark %d, tlsscope %d" % (len(truth), len(conns)))
        for row, rec in zip(truth, conns):
            ends = (endpoint(rec["client"]), endpoint(rec["server"]))
            diffs = {k: v for k, v in compare(row, rec).items() if (allowed or {}).get(k) != v}
            self.check("%s stream %s: fields as tshark" % (name, row["stream"]),
                       ends == (row["client"], row["server"]) and not diffs,
                       "%s -> %s, sni %s, cipher %s, certs %s %s" % (ends + (row["sni"], row["cipher"], row["n_certs"],
                                                                         diffs or "")))
        return conns, summary
