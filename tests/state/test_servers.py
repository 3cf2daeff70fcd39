#!/usr/bin/env python3
"""tlsscope servers: the estate report of a state file built from a day of captures.

Usage: test_servers.py TLSSCOPE PCAPS_DIR WORK_DIR [html]
(with html: the page in Chromium too; skipped, exit 77, when Chromium or selenium is missing)

The sample captures (real OpenSSL handshakes from tests/capmaker) are replayed file by file into
one state file, as a day of hourly captures would be; `servers --json` must then show, per server
(IP, port, SNI), the sums over the files of what each run's own JSON says: handshakes, failed
handshakes, versions, outcomes, failure causes; and the same rows as one run over all the files.
The chain of the expiring sample (38) gives its days to expiry at its last sighting. The HTML page
fetches nothing and, in headless Chromium (when installed), has one row per server, filters,
toggles problems only and opens a server's details.
"""
import collections
import json
import os
import re
import shutil
import sys
import time
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tlsscope_run import run as run_tlsscope  # noqa: E402
import headless_chromium  # noqa: E402

TOOL, PCAPS, WORK = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
BROWSE = sys.argv[4:] == ["html"]
CA = os.path.join(PCAPS, "ca", "root.pem")
# A day's captures: good ones, failures (alert, reset, name, missing intermediate, TLS 1.0), several
# names on one server (13), TLS 1.3 without a visible certificate, and a chain due for renewal.
DAY = ["01-tls12-good", "02-tls13-good", "05-tls12-alert", "06-reset-after-client-hello", "13-many-connections",
       "15-hostname-mismatch", "23-missing-intermediate", "32-tls10-obsolete", "38-expiring-leaf"]
failures = []


def check(what, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + what + ("" if cond else "  " + str(detail)[:2000]))
    if not cond:
        failures.append(what)


def tool(*args, ok=(0, 1)):
    r = run_tlsscope([TOOL, *args], capture_output=True, text=True, timeout=120)
    check("tlsscope %s exits %s" % (" ".join(args[:2]), ok), r.returncode in ok, r.stderr)
    return r


def servers_json(db):
    r = tool("servers", "--state", db, "--json", ok=(0,))
    return [json.loads(line) for line in r.stdout.splitlines()]


def key(ip, port, sni):
    return (ip, port, sni)


def expected_from_runs(db):
    """Each file in its own run into db; what the runs' JSON says, summed per server."""
    want = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
    for name in DAY:
        r = tool("analyze", "--json", "--ca", CA, "--state", db, os.path.join(PCAPS, name + ".pcap"))
        for line in r.stdout.splitlines():
            c = json.loads(line)
            if c["type"] != "connection":
                continue
            w = want[key(c["server"]["ip"], c["server"]["port"], c["server_name"])]
            w["handshakes"]["n"] += 1
            failed = not c["established"] or c["worst_severity"] in ("error", "critical")
            w["failed"]["n"] += failed
            w["outcomes"][c["outcome"]] += 1
            if c["version"]:
                w["versions"][c["version"]] += 1
            if failed:
                w["failures_by_cause"][c["findings"][0]["code"] if c["findings"] else c["outcome"]] += 1
    return want


def counts(lst):
    return collections.Counter({x["value"]: x["count"] for x in lst})


def replay_day():
    db = os.path.join(WORK, "day.db")
    want = expected_from_runs(db)
    rows = servers_json(db)
    got = {key(r["ip"], r["port"], r["sni"]): r for r in rows}
    check("one row per server of the runs (%d)" % len(want), set(got) == set(want), sorted(set(got) ^ set(want)))
    check("every row is a server object", all(r["type"] == "server" for r in rows))
    check("rows in the order of IP, port and SNI",
          [key(r["ip"], r["port"], r["sni"] or "") for r in rows] == sorted(key(r["ip"], r["port"], r["sni"] or "")
                                                                           for r in rows))
    for k, w in sorted(want.items(), key=lambda kv: str(kv[0])):
        r = got.get(k)
        if not r:
            continue
        name = "%s:%d %s" % k
        check(name + ": handshakes = sum over the files (%d)" % w["handshakes"]["n"], r["handshakes"] == w["handshakes"]["n"],
              r["handshakes"])
        check(name + ": failed = sum over the files (%d)" % w["failed"]["n"], r["failed"] == w["failed"]["n"], r["failed"])
        check(name + ": success rate", abs(r["success_rate"] - (1 - w["failed"]["n"] / w["handshakes"]["n"])) < 1e-4,
              r["success_rate"])
        check(name + ": outcomes", counts(r["outcomes"]) == w["outcomes"], r["outcomes"])
        check(name + ": versions", counts(r["versions"]) == w["versions"], r["versions"])
        check(name + ": failures by cause", counts(r["failures_by_cause"]) == w["failures_by_cause"],
              r["failures_by_cause"])
        check(name + ": failures by client add up", sum(x["count"] for x in r["failures_by_client"]) == w["failed"]["n"],
              r["failures_by_client"])

    www = got.get(key("10.0.0.2", 443, "www.example.test"))
    if www:
        ch = www["chain"]
        # 13-many-connections runs a second longer than the other samples (all start 2026-03-01 00:00):
        # at capture time its chain is the one seen last.
        check("www: the chain seen last (13's, at 00:00:01), 59 whole days before its notAfter",
              ch and ch["last_seen"] == "2026-03-01T00:00:01.000000Z" and ch["expires"] == "2026-04-30T00:00:00.000000Z"
              and ch["days_to_expiry"] == 59 and ch["certificates"] == 2 and len(ch["fingerprints"]) == 2
              and ch["leaf_subject"] == "CN=www.example.test,O=tlsscope Test PKI"
              and ch["leaf_issuer"] == "CN=tlsscope Test Issuing CA,O=tlsscope Test PKI", ch)
        check("www: chain changes in order (the leaf alone in 23, then the expiring leaf of 38)",
              [c["differs"] for c in www["chain_changes"]] == [
                  "intermediate missing now", "certificate (same issuer, key type and SANs: a renewal)"]
              and www["chain_changes_total"] == 2 and www["chains_seen"] == 3, www["chain_changes"])
        check("www: expiry-soon counted among its findings", counts(www["findings"])["expiry-soon"] == 1, www["findings"])

    # One run over all the files builds the same rows.
    one = os.path.join(WORK, "one.db")
    tool("analyze", "--json", "--ca", CA, "--state", one, *[os.path.join(PCAPS, n + ".pcap") for n in DAY])
    check("one run over the day = the day file by file", servers_json(one) == rows)
    return db, rows


def expiring_chain():
    """The expiring leaf seen last: its days to expiry and the chain's first expiry; for the
    intermediate that expires first (39), the chain's expiry is the intermediate's."""
    db = os.path.join(WORK, "expiring.db")
    for name in ("01-tls12-good", "38-expiring-leaf"):
        tool("analyze", "--ca", CA, "--state", db, os.path.join(PCAPS, name + ".pcap"))
    ch = servers_json(db)[0]["chain"]
    check("38 seen last: 12 days to expiry (2026-03-13)", ch["days_to_expiry"] == 12
          and ch["expires"] == ch["leaf_not_after"] == "2026-03-13T00:00:00.000000Z", ch)
    text = tool("servers", "--state", db, ok=(0,)).stdout
    check("text: the expiring chain is a problem, renew now", "[problem]" in text and "(renew now)" in text, text)
    check("--expiry-warn 12: not within 12 days", "[problem]" not in
          tool("servers", "--state", db, "--expiry-warn", "12", ok=(0,)).stdout)
    db = os.path.join(WORK, "intermediate.db")
    tool("analyze", "--ca", CA, "--state", db, os.path.join(PCAPS, "39-expiring-intermediate.pcap"))
    ch = servers_json(db)[0]["chain"]
    check("39: the chain expires with its intermediate, before the leaf", ch["expires"] == "2026-03-21T00:00:00.000000Z"
          and ch["leaf_not_after"] == "2026-04-30T00:00:00.000000Z" and ch["days_to_expiry"] == 20, ch)


def version_1_file():
    """A file of schema version 1 (no leaf_subject, chain_not_after): read as it is, upgraded by a write."""
    import sqlite3
    db = os.path.join(WORK, "v1.db")
    tool("analyze", "--ca", CA, "--state", db, os.path.join(PCAPS, "39-expiring-intermediate.pcap"))
    con = sqlite3.connect(db)
    con.executescript("ALTER TABLE chain DROP COLUMN leaf_subject; ALTER TABLE chain DROP COLUMN chain_not_after;"
                      "UPDATE schema_version SET version = 1;")
    con.close()
    ch = servers_json(db)[0]["chain"]
    check("version 1: read, without subject, the leaf's notAfter as the expiry",
          ch["leaf_subject"] is None and ch["expires"] == ch["leaf_not_after"] == "2026-04-30T00:00:00.000000Z", ch)
    tool("analyze", "--ca", CA, "--state", db, os.path.join(PCAPS, "39-expiring-intermediate.pcap"))
    con = sqlite3.connect(db)
    version = con.execute("SELECT version FROM schema_version").fetchall()
    integrity = con.execute("PRAGMA integrity_check").fetchall()
    con.close()
    row = servers_json(db)[0]
    check("version 1: upgraded to 2 by analyze --state, its rows kept", version == [(2,)] and integrity == [("ok",)]
          and row["handshakes"] == 2 and row["chain"]["expires"] == "2026-03-21T00:00:00.000000Z", (version, row))


def text_and_errors(db, rows):
    r = tool("servers", "--state", db, ok=(0,))
    blocks = [b for b in r.stdout.split("\n\n") if b.strip()]
    check("text: one block per server", len(blocks) == len(rows), len(blocks))
    shop = [b for b in blocks if "shop.example.test" in b.splitlines()[0]]
    check("text: the failing name is a problem with its cause",
          shop and "[problem]" in shop[0] and "hostname-mismatch 1" in shop[0], shop)
    missing = tool("servers", "--state", os.path.join(WORK, "missing.db"), ok=(2,))
    check("a missing state file: exit 2 with a message", "--state" in missing.stderr, missing.stderr)
    notdb = os.path.join(WORK, "not.db")
    with open(notdb, "w") as f:
        f.write("not sqlite\n")
    tool("servers", "--state", notdb, ok=(2,))
    tool("servers", ok=(2,))


def html(db, rows):
    page = os.path.join(WORK, "servers.html")
    tool("servers", "--state", db, "--html", page, "-o", os.devnull, ok=(0,))
    text = open(page, encoding="utf-8").read()
    check("HTML: fetches nothing (no src/href to a resource, no <link>)",
          not re.search(r"<(link|img|iframe|object|embed|base)\b|\bsrc=|href=\"(?!#)", text, re.I))
    check("HTML: a Content-Security-Policy that forbids any fetch", "default-src 'none'" in text)
    problems = sum(1 for r in rows if r["failed"] or (r["chain"] and r["chain"]["days_to_expiry"] is not None
                                                        and r["chain"]["days_to_expiry"] < 30))
    d, By, why = headless_chromium.start("--window-size=1280,800")
    if not d:
        print("SKIP: " + why)
        return False
    try:
        d.get("file://" + page)
        logs = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
        check("HTML: no console errors", not logs, logs)
        trs = d.find_elements(By.CSS_SELECTOR, "#conns tbody tr")
        check("HTML: one table row per server (%d)" % len(rows), len(trs) == len(rows), len(trs))
        shown = lambda: d.find_element(By.ID, "shown").text  # noqa: E731
        d.execute_script("var q=document.getElementById('q');q.value='shop.example';q.dispatchEvent(new Event('input'));")
        visible = [t for t in trs if t.is_displayed()]
        check("HTML: the filter leaves the one matching server", shown() == "1" and len(visible) == 1
              and "shop.example.test" in visible[0].text, shown())
        d.execute_script("var q=document.getElementById('q');q.value='';q.dispatchEvent(new Event('input'));")
        d.find_element(By.ID, "po").click()
        check("HTML: problems only (%d)" % problems, shown() == str(problems), shown())
        d.find_element(By.ID, "po").click()
        row = next(t for t in trs if "www.example.test" in t.text)
        row.click()
        det = d.find_element(By.ID, "c" + row.get_attribute("data-id"))
        for _ in range(100):  # the page opens it on hashchange: wait for that, 10 s at most
            if det.get_property("open"):
                break
            time.sleep(0.1)
        check("HTML: a click opens the server's details with its chain changes",
              det.get_property("open") and "Chain changes" in det.get_attribute("textContent")
              and "intermediate missing now" in det.get_attribute("textContent"), det.get_attribute("textContent"))
        d.save_screenshot(os.path.join(WORK, "servers.png"))
    finally:
        d.quit()
    return True


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    db, rows = replay_day()
    expiring_chain()
    version_1_file()
    text_and_errors(db, rows)
    browsed = html(db, rows) if BROWSE else True
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    return 0 if browsed else 77


sys.exit(main())
