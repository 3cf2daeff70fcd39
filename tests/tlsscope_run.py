"""Running tlsscope from a test so that a crash can never read as a result.

A run that ends by a signal, with an exit status outside the ones the caller allows (docs/tlsscope.1,
EXIT STATUS: 0, 1 findings at or above --fail-on, 2 unusable input or usage; `diff`: 0 or 2), or with a
sanitizer report on stderr (ASan and UBSan exit 1, which would otherwise pass as "findings") stops the
test at once with exit 1. Every test script that runs tlsscope goes through run()."""
import json
import signal
import subprocess
import sys

ANALYZE_EXITS = (0, 1, 2)
DIFF_EXITS = (0, 2)
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def abnormal(returncode, stderr, allowed):
    """Why a finished run is abnormal, or None when it is one of the allowed outcomes."""
    err = stderr if isinstance(stderr, str) else (stderr or b"").decode("utf-8", "replace")
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = "signal %d" % -returncode
        return "killed by %s" % name
    if returncode not in allowed:
        return "exit status %d (allowed: %s)" % (returncode, ", ".join(map(str, sorted(allowed))))
    for mark in SANITIZER_MARKS:
        if mark in err:
            return "a sanitizer report (%s)" % mark
    return None


def run(cmd, allowed=ANALYZE_EXITS, **kwargs):
    """subprocess.run(cmd, capture_output=True, ...) that exits the test (1) on an abnormal end."""
    kwargs.setdefault("capture_output", True)
    r = subprocess.run(cmd, **kwargs)
    why = abnormal(r.returncode, r.stderr, allowed)
    if why:
        err = r.stderr if isinstance(r.stderr, str) else (r.stderr or b"").decode("utf-8", "replace")
        print("FAIL: %s: %s\n%s" % (" ".join(map(str, cmd)), why, err.strip()[-2000:]))
        sys.stdout.flush()
        sys.exit(1)
    return r


def _joined(cert_line):
    """A certificate line as the object --json-detail full writes inline: without type and ts."""
    return {k: v for k, v in cert_line.items() if k not in ("type", "ts")}


def load_lines(lines):
    """A run's JSON Lines (a string, or a list of lines or parsed objects) as (connections, others).

    Each connection of the compact form gets its certificates joined from the run's certificate
    lines: "certificates" and "client_certificates" become lists of the certificate objects, in
    chain order, exactly as --json-detail full writes them inline (a full record is left as it is).
    A fingerprint with no earlier certificate line is an error (AssertionError): the stream
    promises each certificate before the first connection that names it. `others` are the
    summary and error lines, in order."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    certs, conns, others = {}, [], []
    for line in lines:
        o = json.loads(line) if isinstance(line, str) else line
        if o.get("type") == "certificate":
            certs[o["der_sha256"]] = _joined(o)
        elif o.get("type") == "connection":
            o = dict(o)  # the caller's line stays as it was written
            for key in ("certificates", "client_certificates"):
                if key + "_sha256" in o:
                    missing = [s for s in o[key + "_sha256"] if s not in certs]
                    assert not missing, "connection %s names %s before its certificate line" % (
                        o.get("id"), missing)
                    o[key] = [certs[s] for s in o[key + "_sha256"]]
            conns.append(o)
        else:
            others.append(o)
    return conns, others
