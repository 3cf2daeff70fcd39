#!/usr/bin/env python3
"""test_tui.py TLSSCOPE PCAPS WORKDIR - `tlsscope tui` on the sample captures,
driven in tmux the way a person uses it.

What should be on screen is taken from `tlsscope analyze --json` of the same
files: the rows (SNI, severity, worst finding) in time order, the count of
problems, the finding, expected host and fix of the hostname-mismatch
capture, the certificates' SHA-256 for the export.
"""
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tuitest import Fail, Session, skip_without_tmux  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tlsscope_run import load_lines, run as run_tlsscope  # noqa: E402

SEVERITIES = ["info", "warning", "error", "critical"]


def truth(tlsscope, args):
    out = run_tlsscope([tlsscope, "analyze", "--json", *args], allowed=(0, 1)).stdout
    conns = load_lines(out.decode())[0]  # with their certificate lines joined
    conns.sort(key=lambda r: (r["ts"], r["id"]))  # the view's time order
    return conns


def worst(rec):
    f = rec.get("findings") or []
    return (f[0]["severity"], f[0]["code"]) if f else ("ok", "-")


def is_problem(rec):
    return any(SEVERITIES.index(f["severity"]) >= 1 for f in rec.get("findings") or [])


def list_rows(text):
    """The list's lines: between the column header and the status line (or the detail pane)."""
    lines = text.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("time (UTC)")) + 1
    rows = []
    for l in lines[start:]:
        if not re.match(r"\d\d:\d\d:\d\d\.\d{3} ", l):
            break
        rows.append(l)
    return rows


def line_colours(screen):
    """Each line's text and the foreground colour (SGR 30-39) its text starts in.
    tmux sends an attribute only when it changes, so the state runs across lines."""
    fg, out = 39, []
    for line in screen.splitlines():
        start_fg, plain, seen_text = None, "", False
        for part in re.split(r"(\x1b\[[0-9;]*m)", line):
            if part.startswith("\x1b["):
                for p in (part[2:-1] or "0").split(";"):
                    if p in ("0", ""):
                        fg = 39
                    elif p.isdigit() and 30 <= int(p) <= 39:
                        fg = int(p)
            else:
                if part and not seen_text:
                    start_fg, seen_text = fg, True
                plain += part
        out.append((plain, start_fg))
    return out


def check(cond, msg, screen=None):
    if not cond:
        raise Fail(msg + ("\nscreen:\n" + screen if screen is not None else ""))


def main():
    skip_without_tmux()
    tlsscope, pcaps, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    files = sorted(glob.glob(os.path.join(pcaps, "*.pcap")))
    args = ["--ca", os.path.join(pcaps, "ca", "root.pem"), *files]
    conns = truth(tlsscope, args)
    problems = [r for r in conns if is_problem(r)]
    command = " ".join([tlsscope, "tui", *args])
    sessions = []
    try:
        # --- 120x40: rows, colours, filter, details, export, report, problems only, sort, help, resize, quit
        s = Session(command, 120, 40, work)
        sessions.append(s)
        text = s.wait("read %d files" % len(files), why="all files read")
        check("%d connections, %d shown, problems %d" % (len(conns), len(conns), len(problems)) in text,
              "summary counts", text)
        rows = list_rows(text)
        check(len(rows) >= 30, "a screenful of rows", text)
        for line, rec in zip(rows, conns):
            sev, code = worst(rec)
            cells = line.split()
            check((rec.get("server_name") or "-") in cells, "row SNI of #%d: %s" % (rec["id"], line), text)
            check(sev in cells, "row severity of #%d: %s" % (rec["id"], line), text)
            check(code[:12] in line, "row finding of #%d: %s" % (rec["id"], line), text)
            # 120 columns hold a row whole: only an IPv6 endpoint may be cut ('~').
            if ":" not in rec["client"]["ip"]:
                check("~" not in line and (code == "-" or code in cells),
                      "row of #%d whole at 120 columns: %s" % (rec["id"], line), text)
        # Colours as the text report's: error red, warning yellow, healthy rows default.
        colours = line_colours(s.screen(escapes=True))
        for plain, fg in colours:
            if " hostname-mismatch" in plain:
                check(fg == 31, "error row in red (SGR %s): %s" % (fg, plain))
            if " cn-only" in plain:
                check(fg == 33, "warning row in yellow (SGR %s): %s" % (fg, plain))
            if re.search(r" ok +-$", plain):
                check(fg == 39, "healthy row in the default colour (SGR %s): %s" % (fg, plain))

        # At the end of the list, a filter that leaves fewer rows than the screen holds: all of
        # them drawn from the list's first line (the list once kept its old scroll position).
        s.keys("G")
        # (api: the www names fill more than a screen as samples are added)
        few = [r for r in conns if "api" in (r.get("server_name") or "")]
        s.keys("/")
        s.keys("C-u")
        s.type("api")
        s.keys("Enter")
        text = s.wait("%d shown," % len(few), why="the api filter applied")
        check(0 < len(few) <= 35 and len(list_rows(text)) == len(few),
              "after G and a filter, every row drawn (%d of %d)" % (len(list_rows(text)), len(few)), text)
        s.keys("/")
        s.keys("C-u")
        s.keys("Enter")
        s.wait("%d shown," % len(conns), why="the filter cleared")

        # Filter to the hostname-mismatch capture, open it.
        s.keys("/")
        s.type("shop")
        s.keys("Enter")
        want = [r for r in conns if "shop" in (r.get("server_name") or "")]
        text = s.wait("%d shown," % len(want), why="the filter applied")
        rows = list_rows(text)
        check(len(rows) == len(want) and all("shop.example.test" in r for r in rows), "filtered rows", text)
        rec = want[0]
        finding = rec["findings"][0]
        s.keys("Enter")
        text = s.wait("detail of #%d" % rec["id"])
        check("%s: " % finding["code"] in text, "finding code in the detail", text)
        check("expected  %s (from sni)" % rec["expected_host"] in text, "expected host in the detail", text)
        check(("fix: " + finding["fix"])[:60] in text, "fix in the detail", text)
        # At 120 columns the fix wraps at spaces: each of its words whole on one screen line.
        screen_words = set(w for line in text.splitlines() for w in line.split())
        split = [w for w in finding["fix"].split() if len(w) < 100 and w not in screen_words]
        check(len(finding["fix"]) > 120 and not split, "the fix wraps between words", split[:5])
        s.keys("G")
        text = s.wait("x expected %s matches none" % rec["expected_host"], why="the failed name comparison")
        check("DNS:www.example.test" in text, "SANs listed", text)

        # e: export the certificates, compare with openssl.
        s.keys("e", "C-u")
        s.type("certs-out")
        s.keys("Enter")
        n = len(rec["certificates"])
        s.wait("wrote %d certificates of #%d to certs-out/" % (n, rec["id"]))
        for cert in rec["certificates"]:
            pem = os.path.join(work, "certs-out", cert["der_sha256"] + ".pem")
            der = subprocess.run(["openssl", "x509", "-in", pem, "-outform", "DER"], stdout=subprocess.PIPE,
                                 check=True).stdout
            check(hashlib.sha256(der).hexdigest() == cert["der_sha256"], "exported PEM %s" % pem)
        check(os.path.exists(os.path.join(work, "certs-out", "index.tsv")), "index.tsv written")

        # Close the details, clear the filter, write the whole view as a report.
        s.keys("Escape")
        s.wait(lambda t: "detail of" not in t, why="the detail pane to close")
        s.keys("Escape")
        s.wait("%d connections, %d shown," % (len(conns), len(conns)), why="the filter cleared")
        s.keys("w", "C-u")
        s.type("view.txt")
        s.keys("Enter")
        s.wait("wrote %d connections to view.txt" % len(conns))
        report = open(os.path.join(work, "view.txt")).read()
        check(len(re.findall(r"^#\d+  ", report, re.M)) == len(conns), "one block per connection in the report")
        check("hostname-mismatch: " in report and "shop.example.test" in report, "report content")

        # f: problems only.
        s.keys("f")
        text = s.wait("%d shown," % len(problems), why="problems only")
        for line in list_rows(text):
            check(not re.search(r" (ok|info) ", line), "a healthy row under problems only: " + line, text)

        # s: sort by severity, worst first.
        s.keys("s")
        text = s.wait("sort: severity")
        top = max(SEVERITIES.index(worst(r)[0]) for r in problems)
        first = list_rows(text)[0]
        check(" %s " % SEVERITIES[top] in first, "worst first after s: " + first, text)

        # ?: help overlay, any key closes it.
        s.keys("?")
        s.wait("write the current view as a text report", why="the help")
        s.keys("x")
        s.wait(lambda t: "this help" not in t, why="the help to close")

        # Resize: 80x24 redraws, 60x20 is too small, back again.
        s.resize(80, 24)
        text = s.wait(lambda t: "time (UTC)" in t and len(t.splitlines()) <= 24 and "sort: severity" in t,
                      why="the 80x24 redraw")
        check(all(len(l) <= 80 for l in text.splitlines()), "lines fit 80 columns", text)
        s.resize(60, 20)
        s.wait(re.compile(r"terminal too small \(need 80.24, have 60.20\)"))
        s.resize(100, 30)
        s.wait("time (UTC)", why="the list after growing")

        s.keys("q")
        status, text = s.exit_status()
        check(status == 0, "q exits 0", text)
        check("time (UTC)" not in text, "terminal restored after q", text)

        # --- Started at 80x24 and without colours (TERM=vt100): rows readable, errors in bold.
        s = Session("TERM=vt100 " + command, 80, 24, work)
        sessions.append(s)
        text = s.wait("read %d files" % len(files))
        check(len(list_rows(text)) == 24 - 4, "a full list at 80x24", text)
        esc = s.screen(escapes=True)
        check("\x1b[31m" not in esc and "\x1b[1m" in esc, "no colours on vt100, bold instead")
        s.keys("q")
        status, text = s.exit_status()
        check(status == 0, "q exits 0 on vt100", text)

        # --- Started too small; Ctrl-C leaves cleanly (the alternate screen is gone).
        s = Session(command, 60, 20, work)
        sessions.append(s)
        s.wait(re.compile(r"terminal too small \(need 80.24, have 60.20\)"))
        s.keys("C-c")
        status, text = s.exit_status()
        check(status == 130 and "too small" not in text, "Ctrl-C restores the terminal", text)
    except Fail as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        for s in sessions:
            s.close()
    print("ok: %d connections checked on screen" % len(conns))
    return 0


if __name__ == "__main__":
    sys.exit(main())
