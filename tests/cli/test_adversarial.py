"""Hostile captures at two sizes: memory stays under the cap, time grows at most linearly.

Every case of adversarial.py (half-open flows, holes, one-byte out-of-order
segments, huge length claims, many distinct certificates, huge certificates,
oversized certificates, flow-hash collisions, port reuse, QUIC Initials with
random DCIDs, timestamps going backwards, a key log of 10^6 lines) is written
at a size and at twice it, and read with --memory-cap 32M. For each run:

- peak RSS of the tlsscope child (wait4's ru_maxrss) is under the cap + 32 MiB;
- the summary's memory parts each peaked within their cap (plus one record or
  one connection's certificates, which always fit), and connections the case
  makes TLS are each reported once;
- CPU time (user + system of the child) at twice the size is at most 3 times
  that at the size (linear doubles; below 0.1 s counts as 0.1 s: noise); the
  key log runs at 300k and 10^6 lines, with the bound scaled the same way.

Oversized certificates are listed by fingerprint with parse_error "oversized:".
Prints each run's figures. Usage:

    test_adversarial.py TLSSCOPE WORKDIR SAMPLE_PCAP [--sanitized]

--sanitized (the ASan build): sizes a quarter, RSS not bounded (ASan's shadow
memory and quarantine are not tlsscope's), time still bounded.
"""
import hashlib
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import adversarial  # noqa: E402
from pcapgen import Checks  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tlsscope_run import load_lines  # noqa: E402

CAP_MIB = 32
# case -> (size, connections reported at size n: a function of n, or None when not checked);
# each runs at size and twice it, the key log at 300k and 10^6 lines (the file is read up to
# KEYLOG_MAX_FILE_BYTES, 64 MiB: about 380k lines)
CASES = {
    "half_open": (20000, None),
    "holes": (2000, None),
    "one_byte_ooo": (20000, None),
    "length_claims": (2000, lambda n: n),
    "many_certificates": (500, lambda n: n),
    "huge_certificates": (150, lambda n: n),
    "oversized_certificates": (20, lambda n: n + 1),
    "hash_collisions": (10000, None),
    "port_reuse": (2000, lambda n: n),
    "quic_initials": (20000, lambda n: n),
    "time_backwards": (2000, lambda n: n),
    "key_log": (300000, None),
}


def run(tlsscope, path, extra, out):
    """(CPU seconds, peak RSS MiB, summary) of one `tlsscope analyze --json` run."""
    argv = [tlsscope, "analyze", "--json", "--fail-on", "never", "--memory-cap", "%dM" % CAP_MIB] + extra + [path]
    with open(out, "wb") as fh, open(out + ".err", "wb") as err:
        proc = subprocess.Popen(argv, stdout=fh, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        sys.exit("%s failed (%d): %s" % (" ".join(argv), status, open(out + ".err").read()))
    with open(out, "rb") as fh:
        fh.seek(max(0, os.path.getsize(out) - (1 << 16)))
        summary = json.loads(fh.read().splitlines()[-1])
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, summary


def check_parts(check, name, summary):
    """Each part peaked within its cap, give or take what always fits (one record, one chain)."""
    mem = summary["memory"]
    slack = {"output": 1 << 20, "certificates": 4 << 20, "flows": 2 << 20, "quic": 64 << 10}
    over = ["%s %d > %d" % (p, v["peak_bytes"], v["cap_bytes"]) for p, v in mem.items()
            if isinstance(v, dict) and v["peak_bytes"] > v["cap_bytes"] + slack.get(p, 0)]
    check("%s: every memory part within its cap" % name, not over, "; ".join(over))


def check_oversized(check, out, n):
    """The 1025-name leaves are listed by the SHA-256 of their DER, unparsed; the 1024-name one parses."""
    records, _ = load_lines(open(out).read())
    leaves = {r["client"]["ip"]: r["certificates"][0] for r in records if r.get("certificates")}
    oversized = [c for c in leaves.values() if not c["parsed"] and (c.get("parse_error") or "").startswith("oversized:")]
    check("oversized: %d leaves past 1024 names listed unparsed, parse_error oversized" % n,
          len(oversized) == n, "%d of %d" % (len(oversized), len(leaves)))
    check("oversized: the 1024-name leaf is parsed", [c["parsed"] for c in leaves.values()].count(True) == 1)
    first = leaves.get(adversarial.addr(0, 11), {})
    check("oversized: listed by the SHA-256 of its DER",
          first.get("der_sha256") == hashlib.sha256(adversarial.oversized_leaf(0, 1025)).hexdigest())


def main():
    tlsscope, work, sample = sys.argv[1:4]
    sanitized = "--sanitized" in sys.argv[4:]
    os.makedirs(work, exist_ok=True)
    check = Checks()
    if not os.path.exists(sample):
        print("SKIP: %s missing" % sample)
        return 77
    for name, (size, reported) in CASES.items():
        if sanitized:
            size = max(size // 4, 10)
        figures = []
        sizes = (size, 10**6 if name == "key_log" and not sanitized else 2 * size)
        for n in sizes:
            path, extra = adversarial.write_case(name, work, n, sample)
            out = path + ".jsonl"
            cpu, rss, summary = run(tlsscope, path, extra, out)
            mem = summary["memory"]
            print("%s n=%d: CPU %.2f s, peak RSS %.1f MiB; %s" % (
                name, n, cpu, rss, ", ".join("%s peak %.1f MiB%s" % (
                    p, v["peak_bytes"] / 2**20, "".join(" %s %d" % (k, c) for k, c in v.items()
                                                       if k not in ("cap_bytes", "peak_bytes", "peak_count") and c))
                    for p, v in mem.items() if isinstance(v, dict) and v["peak_bytes"])))
            if not sanitized:
                check("%s n=%d: peak RSS %.1f MiB under %d MiB" % (name, n, rss, 2 * CAP_MIB), rss < 2 * CAP_MIB)
            check_parts(check, "%s n=%d" % (name, n), summary)
            if reported:
                check("%s n=%d: every connection reported once" % (name, n),
                      summary["reported"] == reported(n), "%d of %d" % (summary["reported"], reported(n)))
            if name == "oversized_certificates":
                check("%s n=%d: memory.certificates.oversized" % (name, n),
                      mem["certificates"]["oversized"] == n, str(mem["certificates"]["oversized"]))
                if n == size:
                    check_oversized(check, out, n)
            figures.append(cpu)
            for f in (path, out, out + ".err", path + ".keys"):
                if os.path.exists(f):
                    os.remove(f)
        ratio = max(figures[1], 0.1) / max(figures[0], 0.1)
        limit = 1.5 * sizes[1] / sizes[0]
        check("%s: CPU time x%.2f for %.1f times the input (at most %.1f)" % (name, ratio, sizes[1] / sizes[0], limit),
              ratio <= limit)
    check.exit()


if __name__ == "__main__":
    main()
