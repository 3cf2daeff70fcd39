#!/usr/bin/env python3
"""Every tlsscope command in README.md, docs/guide.md and docs/tlsscope.1 is run (issue 16, item 7).

What counts as a documented command:
  - README.md and docs/guide.md: each line of a ```sh block that runs `build/tlsscope` or
    `tlsscope` (at its start, after `sudo`, `|` or `&&`; a command continued with a trailing `|`
    takes the next line too), and each inline code span that starts with `build/tlsscope `;
  - docs/tlsscope.1: the same for each line of an .EX/.EE block in EXAMPLES.
Documented output that must match:
  - in README.md, the `#   ` comment lines right after a command are lines of its output (a
    trailing `...` means "starts with");
  - in docs/guide.md, a plain ``` block right after a ```sh block of one command is its output:
    each of its non-empty lines must be one of the output's lines (trailing `...`: a prefix).
The commands run in a scratch directory where `build/tlsscope` is the binary under test, `pcaps`
is the sample captures, and the placeholder names of the docs are sample captures (see
PLACEHOLDERS). A command fails the test if it exits with 2 (usage or unusable input), with any
status above 2, or if its documented output is missing.

Not run (printed as "excluded" with the reason): `sudo` lines and `live -i` (root and a network
interface: tests/live covers live), `tui` (interactive: tests/tui covers it), and lines that
also run tcpdump or curl (root, network: tests/cli/test_capture_recipes.py runs README's).

usage: test_doc_examples.py TLSSCOPE REPO_DIR
"""
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Placeholder file names used by the docs -> the sample capture standing in for each.
PLACEHOLDERS = {
    "capture.pcap": "15-hostname-mismatch.pcap",
    "x.pcap": "15-hostname-mismatch.pcap",
    "a.pcap": "01-tls12-good.pcap",
    "b.pcapng": "02-tls13-good.pcap",
    "hs.pcap": "01-tls12-good.pcap",
    "handshake.pcap": "02-tls13-good.pcap",
    "day.pcap": "13-many-connections.pcap",
    "works.pcap": "01-tls12-good.pcap",
    "fails.pcap": "15-hostname-mismatch.pcap",
    "deploy.pcap": "01-tls12-good.pcap",
}
CA_NAMES = ("ca.pem", "private-root.pem")
# A well-formed NSS key log line (secrets of no connection in the samples).
KEYLOG_LINE = "CLIENT_HANDSHAKE_TRAFFIC_SECRET " + "11" * 32 + " " + "22" * 32 + "\n"


def runs_tlsscope(line):
    """A shell line that runs tlsscope (as a command, not only named in a comment)."""
    code = line.split(" # ")[0]
    return re.search(r"(^|\|\s*|&&\s*|\bsudo\s+)(build/)?tlsscope\s+[a-z-]", code) is not None


def markdown_commands(path):
    """(command, expected output lines, origin) of a Markdown file."""
    with open(path) as f:
        text = f.read()
    found = []
    blocks = list(re.finditer(r"^```(\w*)\n(.*?)^```\n", text, re.M | re.S))
    for i, b in enumerate(blocks):
        if b.group(1) != "sh":
            continue
        lines = b.group(2).splitlines()
        line_no = text[:b.start()].count("\n") + 2
        cmds = []
        j = 0
        while j < len(lines):
            line = lines[j]
            if runs_tlsscope(line):
                cmd, expect, k = line, [], j + 1
                while cmd.rstrip().endswith("|") and k < len(lines):
                    cmd += "\n" + lines[k]
                    k += 1
                while k < len(lines) and lines[k].startswith("#   "):
                    expect.append(lines[k][1:].strip())
                    k += 1
                cmds.append([cmd, expect, f"{os.path.basename(path)}:{line_no + j}"])
                j = k
            else:
                j += 1
        # A plain block straight after a one-command sh block is that command's output.
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if (len(cmds) == 1 and nxt and nxt.group(1) == "" and
                text[b.end():nxt.start()].strip() == ""):
            cmds[0][1] += [ln.strip() for ln in nxt.group(2).splitlines() if ln.strip()]
        found += [tuple(c) for c in cmds]
    # Inline spans, across Markdown's line breaks.
    for m in re.finditer(r"`(build/tlsscope [^`]+)`", text):
        line_no = text[:m.start()].count("\n") + 1
        found.append((re.sub(r"\s*\n\s*", " ", m.group(1)), [],
                      f"{os.path.basename(path)}:{line_no} (inline)"))
    return found


def man_commands(path):
    with open(path) as f:
        text = f.read()
    start = text.index(".SH EXAMPLES")
    end = text.index(".SH ", start + 4)
    section = text[start:end]
    found = []
    for m in re.finditer(r"^\.EX\n(.*?)^\.EE", section, re.M | re.S):
        lines = m.group(1).splitlines()
        line_no = text[:start + m.start()].count("\n") + 2
        j = 0
        while j < len(lines):
            if runs_tlsscope(lines[j]):
                cmd, k = lines[j], j + 1
                while cmd.rstrip().endswith("|") and k < len(lines):
                    cmd += "\n" + lines[k]
                    k += 1
                # roff escapes of the man page back to the characters typed
                cmd = cmd.replace("\\-", "-").replace("\\(aq", "'").replace("\\e", "\\")
                found.append((cmd, [], f"tlsscope.1:{line_no + j}"))
                j = k
            else:
                j += 1
    return found


def excluded(cmd):
    if cmd.lstrip().startswith("sudo") or re.search(r"\bsudo\b", cmd):
        return "needs root"
    if re.search(r"\blive\s+(-i|--interface)\b", cmd):
        return "live capture on an interface (root, network): tests/live"
    if re.search(r"\btui\b", cmd.split("|")[0]):
        return "interactive curses view: tests/tui"
    if re.search(r"\bNAME\b", cmd):
        return "a template (NAME stands for any sample capture)"
    if re.search(r"\b(tcpdump|curl)\b", cmd):
        return "tcpdump/curl: root and network (tests/cli/test_capture_recipes.py)"
    return None


def scratch(tlsscope, repo):
    d = tempfile.mkdtemp(prefix="tlsscope-docs-")
    os.makedirs(os.path.join(d, "build"))
    os.symlink(tlsscope, os.path.join(d, "build", "tlsscope"))
    os.symlink(os.path.join(repo, "pcaps"), os.path.join(d, "pcaps"))
    for name, sample in PLACEHOLDERS.items():
        shutil.copy(os.path.join(repo, "pcaps", sample), os.path.join(d, name))
    with open(os.path.join(repo, "pcaps", PLACEHOLDERS["day.pcap"]), "rb") as f, \
            gzip.open(os.path.join(d, "day.pcap.gz"), "wb") as g:
        g.write(f.read())
    for name in CA_NAMES:
        shutil.copy(os.path.join(repo, "pcaps", "ca", "root.pem"), os.path.join(d, name))
    with open(os.path.join(d, "keys.log"), "w") as f:
        f.write(KEYLOG_LINE)
    return d


def matches(expect, output_lines):
    want = expect.rstrip()
    if want.endswith("..."):
        prefix = want[:-3].rstrip()
        return any(line.startswith(prefix) for line in output_lines)
    return want in output_lines


def main():
    if len(sys.argv) != 3:
        print("usage: test_doc_examples.py TLSSCOPE REPO_DIR")
        return 2
    tlsscope, repo = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    if not shutil.which("jq"):
        print("SKIP: jq is not installed (the docs' pipelines use it)")
        return 77
    commands = (markdown_commands(os.path.join(repo, "README.md")) +
                markdown_commands(os.path.join(repo, "docs", "guide.md")) +
                man_commands(os.path.join(repo, "docs", "tlsscope.1")))
    d = scratch(tlsscope, repo)
    env = dict(os.environ, PATH=os.path.join(d, "build") + os.pathsep + os.environ["PATH"],
               NO_COLOR="1", COLUMNS="100")  # the width README's diff output was written at
    for var in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        env.pop(var, None)
    failures, ran = [], 0
    try:
        for cmd, expect, origin in commands:
            why = excluded(cmd)
            if why:
                print(f"excluded {origin}: {cmd.splitlines()[0]}  ({why})")
                continue
            ran += 1
            # pipefail: a usage error of tlsscope is not hidden by the jq after it
            r = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=d, env=env,
                               capture_output=True, text=True, timeout=120)
            lines = [ln.strip() for ln in r.stdout.splitlines()]
            missing = [e for e in expect if not matches(e, lines)]
            if r.returncode not in (0, 1) or missing:
                failures.append(origin)
                print(f"FAIL {origin}: {cmd}\n  exit {r.returncode}; stderr: {r.stderr.strip()[:400]}")
                for e in missing:
                    print(f"  documented output not printed: {e}")
            else:
                print(f"ok {origin}: exit {r.returncode}, {len(expect)} documented lines matched: "
                      f"{cmd.splitlines()[0]}")
    finally:
        shutil.rmtree(d, ignore_errors=True)
    if ran < 10:
        print(f"FAIL: only {ran} commands found: has the docs' convention changed?")
        return 1
    print(f"{ran} documented commands run, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
