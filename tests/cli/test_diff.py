#!/usr/bin/env python3
"""`tlsscope diff GOOD BAD` on the sample captures: facts from pcaps/MANIFEST.tsv must show in the
text and in the JSON, the JSON must validate against docs/tlsscope-diff.schema.json, the text must fit
the width, and unusable input must give exit status 2.

Usage: test_diff.py TLSSCOPE SCHEMA PCAPS_DIR
"""
import glob
import json
import os
import re
import sys
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tlsscope_run import DIFF_EXITS, run as run_tlsscope  # noqa: E402

try:
    import jsonschema
except ImportError:
    print("FAIL: the Python package jsonschema is missing (Debian: apt-get install python3-jsonschema)")
    sys.exit(1)

tool, schema_path, pcaps = sys.argv[1], sys.argv[2], sys.argv[3]
schema = json.load(open(schema_path))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
CA = ["--ca", os.path.join(pcaps, "ca", "root.pem")]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def run(args, env=None):
    e = dict(os.environ)
    e.pop("COLUMNS", None)
    e.update(env or {})
    return run_tlsscope([tool, "diff"] + args, allowed=DIFF_EXITS, text=True, timeout=120, env=e)


def diff_json(good, bad, extra=()):
    r = run(list(extra) + CA + ["--json", os.path.join(pcaps, good), os.path.join(pcaps, bad)])
    if not check(r.returncode == 0, "%s vs %s: exit %d: %s" % (good, bad, r.returncode, r.stderr.strip())):
        return None
    doc = json.loads(r.stdout)
    errors = list(validator.iter_errors(doc))
    check(not errors, "%s vs %s: JSON invalid: %s" % (good, bad, errors[0].message[:300] if errors else ""))
    return doc


def field(pair, name):
    return next(f for f in pair["fields"] if f["name"] == name)


def the_pair(doc, what):
    if doc is None or not check(len(doc["pairs"]) == 1, "%s: %d pairs, expected 1" % (what, len(doc["pairs"]))):
        return None
    return doc["pairs"][0]


# MANIFEST 06: the server resets right after a ClientHello for unknown.example.test (01: www.example.test).
p = the_pair(diff_json("01-tls12-good.pcap", "06-reset-after-client-hello.pcap"), "01 vs 06")
if p:
    sn = field(p, "server_name")
    check(sn["differs"] and sn["good"] == "www.example.test" and sn["bad"] == "unknown.example.test",
          "01 vs 06: server_name %r" % sn)
    check(field(p, "outcome")["bad"] == "server_reset_after_client_hello", "01 vs 06: outcome")
    check(field(p, "closed_by")["bad"] == "server_rst", "01 vs 06: closed_by")
    check(field(p, "version")["bad"] is None and field(p, "version")["good"] == "TLSv1.2", "01 vs 06: version")
    check("reset" in p["verdict"], "01 vs 06: verdict %r" % p["verdict"])
    check(p["differ_count"] == sum(f["differs"] for f in p["fields"]), "01 vs 06: differ_count")

# MANIFEST 03: no server_name extension.
p = the_pair(diff_json("01-tls12-good.pcap", "03-tls12-no-sni.pcap"), "01 vs 03")
if p:
    check(field(p, "server_name")["bad"] is None, "01 vs 03: server_name")
    check("server_name" in field(p, "client_hello.extensions")["good"]
          and "server_name" not in field(p, "client_hello.extensions")["bad"], "01 vs 03: extensions")
    check("no SNI" in p["verdict"], "01 vs 03: verdict %r" % p["verdict"])

# MANIFEST 23: only the leaf is sent (01 sends leaf + intermediate).
p = the_pair(diff_json("01-tls12-good.pcap", "23-missing-intermediate.pcap"), "01 vs 23")
if p:
    c = field(p, "certificates")
    check(c["differs"] and len(c["good"]) == 2 and len(c["bad"]) == 1 and c["bad"][0] == c["good"][0],
          "01 vs 23: certificates %r" % c)
    check(p["paired_by"] == "server_and_sni", "01 vs 23: paired_by %s" % p["paired_by"])
    check("intermediate" in p["verdict"], "01 vs 23: verdict %r" % p["verdict"])

# MANIFEST 09: the same handshake to 2001:db8::2: paired by name across addresses.
p = the_pair(diff_json("09-ipv6.pcap", "01-tls12-good.pcap"), "09 vs 01")
if p:
    check(p["paired_by"] == "server_name", "09 vs 01: paired_by %s" % p["paired_by"])

# MANIFEST 13: 20 connections, three names on one server: grouped, every group paired, nothing left.
doc = diff_json("13-many-connections.pcap", "13-many-connections.pcap")
if doc:
    check(doc["good"]["connections"] == 20 and doc["bad"]["connections"] == 20, "13: connections")
    check(sum(p["bad"]["connections"] for p in doc["pairs"]) == 20, "13: grouped connections")
    check(len(doc["pairs"]) < 20, "13: identical connections not grouped")
    check(all(p["differ_count"] == 0 for p in doc["pairs"]), "13: equal captures differ")
    check(not doc["unpaired_good"] and not doc["unpaired_bad"], "13: unpaired")
    names = {p["bad"]["server_name"] for p in doc["pairs"]}
    check(names == {"www.example.test", "api.example.test", "cdn.example.test"}, "13: names %s" % names)
doc = diff_json("13-many-connections.pcap", "01-tls12-good.pcap", ["--max-connections", "5"])
if doc:
    check(doc["good"]["connections"] == 5 and doc["good"]["not_compared"] == 15, "13: --max-connections")

# Every sample against the good one: exit 0 and valid JSON whatever it finds.
for f in sorted(glob.glob(os.path.join(pcaps, "*.pcap"))):
    diff_json("01-tls12-good.pcap", os.path.basename(f))

# Text: differing fields marked, side by side within COLUMNS; --all-fields shows every field.
g, b = os.path.join(pcaps, "01-tls12-good.pcap"), os.path.join(pcaps, "06-reset-after-client-hello.pcap")
for width in ("60", "100", "160"):
    r = run(CA + [g, b], {"COLUMNS": width})
    check(r.returncode == 0, "text exit %d" % r.returncode)
    lines = r.stdout.splitlines()
    check(all(len(line) <= int(width) for line in lines if not line.lstrip().startswith(("GOOD", "BAD"))),
          "COLUMNS=%s: a line is wider: %r" % (width, max(lines, key=len)))
    sn = [line for line in lines if line.startswith("* server_name")]
    check(sn and "www.example.test" in sn[0] and "unknown.example.te" in sn[0].split("|")[1],
          "text: server_name row %r" % sn)
    check(any(line.strip().startswith("verdict:") for line in lines), "text: no verdict")
same = [os.path.join(pcaps, "13-many-connections.pcap")] * 2
r = run(CA + same)
check("client_hello." not in r.stdout and "every field is equal" in r.stdout, "text: equal fields shown")
r = run(CA + ["--all-fields"] + same)
for name in ("server_name", "client_hello.cipher_suites", "client_hello.key_share_groups", "certificates",
             "outcome", "findings"):
    check(name in r.stdout, "--all-fields: %s missing" % name)

# --html: the verdict prominent, the differing fields, both ladders; a hostile SNI stays text.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import hello_then_reset  # noqa: E402
import tempfile  # noqa: E402
from html.parser import HTMLParser  # noqa: E402

HOSTILE_SNI = b'"><img/src=x/onerror=window.__xss=1><script>window.__xss=2</script>.example.test'


class Page(HTMLParser):
    """What the diff page shows: tags seen, the verdicts' text, ladders, rows of the field tables."""

    def __init__(self):
        super().__init__()
        self.tags, self.verdicts, self.ladders, self.fields = [], [], 0, []
        self.in_verdict = self.in_field = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        self.in_verdict = tag == "p" and a.get("class") == "verdict"
        self.in_field = tag == "td" and a.get("class") == "f"
        if tag == "svg" and "ladder-svg" in (a.get("class") or ""):
            self.ladders += 1
        for k, v in attrs:
            if k in ("src", "href") and v and not v.startswith("#"):
                self.tags.append("FETCH %s=%s" % (k, v))

    def handle_data(self, data):
        if self.in_verdict:
            self.verdicts.append(data)
        if self.in_field:
            self.fields.append(data)
        self.in_verdict = self.in_field = False


with tempfile.TemporaryDirectory() as tmp:
    hostile = os.path.join(tmp, "hostile.pcap")
    # 01's server reached with a ClientHello naming markup, answered with a RST.
    hello_then_reset(hostile, HOSTILE_SNI, ("10.0.0.1", 41000), ("10.0.0.2", 443))
    page_path = os.path.join(tmp, "diff.html")
    r = run(CA + ["--html", page_path, g, hostile])
    check(r.returncode == 0, "--html: exit %d: %s" % (r.returncode, r.stderr))
    rj = run(CA + ["--json", g, hostile])
    doc = json.loads(rj.stdout) if rj.returncode == 0 else None
    if check(os.path.exists(page_path) and doc and len(doc["pairs"]) == 1, "--html: no page or no pair"):
        html = open(page_path, encoding="utf-8").read()
        page = Page()
        page.feed(html)
        check("img" not in page.tags and page.tags.count("script") == 1, "--html: markup from the SNI became tags")
        check("__xss" not in "".join(re.findall(r"<script>(.*?)</script>", html, re.S)),
              "--html: the SNI reached the script")
        check(not [t for t in page.tags if t.startswith("FETCH")], "--html: the page fetches something")
        check(page.verdicts == [doc["pairs"][0]["verdict"]],
              "--html: verdict %r, JSON %r" % (page.verdicts, doc["pairs"][0]["verdict"]))
        check(page.ladders == 2, "--html: %d ladders for one pair" % page.ladders)
        differing = [f["name"] for f in doc["pairs"][0]["fields"] if f["differs"]]
        check(page.fields[:len(differing)] == differing, "--html: field rows %s, JSON %s" % (page.fields, differing))
        check(len(page.fields) == len(doc["pairs"][0]["fields"]), "--html: not every field on the page")
        check(doc["pairs"][0]["bad"]["server_name"] == HOSTILE_SNI.decode(),
              "--html: bad server_name %r" % doc["pairs"][0]["bad"]["server_name"])

# Unusable input: exit 2 with one line on stderr.
for args in ([g], [g, b, g], [g, "/nonexistent.pcap"], ["--bogus", g, b], ["-", "-"],
             ["--max-connections", "0", g, b]):
    r = run(args)
    check(r.returncode == 2 and r.stderr.strip(), "%s: exit %d, stderr %r" % (args, r.returncode, r.stderr))

for f in failures:
    print("FAIL:", f)
print("%d failures" % len(failures))
sys.exit(1 if failures else 0)
