#!/usr/bin/env python3
"""The HTML report (--html) in a real browser.

Usage: test_html.py TLSSCOPE PCAPS_DIR ARTIFACT_DIR

Runs tlsscope once on every sample capture (real OpenSSL handshakes) plus a
hand-made capture whose SNI is an HTML injection attempt, with --html,
--json-file and the text report together. Checks that the page fetches
nothing, then loads it in headless Chromium (chromium-driver + selenium):
no console errors, one table row per connection of the JSON output of the
same run, ladder and certificate cards for known-bad captures, sorting,
filtering and the problems-only toggle work, the injected SNI is text, and
the page does not overflow a narrow window. Screenshots at 1280x800 and
420x900 go to ARTIFACT_DIR.
"""
import glob
from html.parser import HTMLParser
import json
import os
import re
import struct
import subprocess
import sys
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tlsscope_run import run as run_tlsscope  # noqa: E402
import headless_chromium  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import hello_then_reset  # noqa: E402
from test_progress import make_large  # noqa: E402

TOOL, PCAPS, ART = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
SKIP = 77
failures = []
# Spaces would be written as \x20 (conn_wire_text), so the payload needs none.
HOSTILE_SNI = b'"><img/src=x/onerror=window.__xss=1><script>window.__xss=2</script>.example.test'


def check(what, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + what + ("" if cond else "  " + str(detail)))
    if not cond:
        failures.append(what)


def hostile_capture(path):
    # 2026-03-01 00:00:01.5, within the sample captures' span
    hello_then_reset(path, HOSTILE_SNI, ("10.9.0.1", 41000), ("10.9.0.2", 443), 1772323200 * 10**9 + 1500 * 10**6)


class Fetches(HTMLParser):
    """Every way a page could fetch something, as the browser's parser sees the tags."""

    def __init__(self):
        super().__init__()
        self.bad, self.style = [], False

    def handle_starttag(self, tag, attrs):
        if tag in ("link", "iframe", "object", "embed", "img", "base", "frame", "audio", "video", "source"):
            self.bad.append("<%s>" % tag)
        for k, v in attrs:
            if k in ("src", "href", "action", "poster", "srcset", "data", "xlink:href", "formaction") \
                    and v and not v.startswith("#"):
                self.bad.append("%s %s=%s" % (tag, k, v))
            if k == "style" and v and re.search(r"url\(|@import", v, re.I):
                self.bad.append("%s style=%s" % (tag, v))
        self.style = tag == "style"

    def handle_data(self, data):
        if self.style and re.search(r"url\(|@import", data, re.I):
            self.bad.append("<style> with url() or @import")
        self.style = False


def self_contained(html):
    p = Fetches()
    p.feed(html)
    return p.bad


def main():
    os.makedirs(ART, exist_ok=True)
    hostile = os.path.join(ART, "hostile-sni.pcap")
    hostile_capture(hostile)
    page, jsonl = os.path.join(ART, "report.html"), os.path.join(ART, "report.jsonl")
    captures = sorted(glob.glob(os.path.join(PCAPS, "*.pcap"))) + [hostile]
    r = run_tlsscope([TOOL, "analyze", "--ca", os.path.join(PCAPS, "ca", "root.pem"), "--html", page,
                        "--json-file", jsonl, *captures], capture_output=True, text=True, timeout=120)
    check("tlsscope exits 0 or 1 (findings)", r.returncode in (0, 1), r.stderr)
    check("the text report still goes to stdout", "== summary ==" in r.stdout and "hostname-mismatch" in r.stdout)
    objs = [json.loads(line) for line in open(jsonl)]
    conns = [o for o in objs if o["type"] == "connection"]
    check("the JSON file has its summary", objs and objs[-1]["type"] == "summary")
    html = open(page, encoding="utf-8").read()
    check("page is HTML5 with a viewport", html.startswith("<!DOCTYPE html>") and 'name="viewport"' in html)
    bad = self_contained(html)
    check("no fetch: no src/href/url()/import/link naming a resource", not bad, bad[:5])
    check("CSP forbids every fetch", "default-src 'none'" in html)
    check("the hostile SNI is escaped in the source", "<img" not in html and "&lt;img" in html)

    by_code = {}
    for c in conns:
        for f in c["findings"]:
            by_code.setdefault(f["code"], set()).add(c["id"])
    problems = [c for c in conns if c["worst_severity"] in ("warning", "error", "critical")]

    # The roll-up (text): one group per (worst finding, server, name, client: the software named, else
    # the address), counts adding up to
    # the connections with a problem, each example one of the group's connections.
    text_groups = {}
    for c in problems:
        f = c["findings"][0]
        software = (c.get("client_software") or {}).get("name")
        key = (f["code"], c["server"]["ip"], software if software not in (None, "unknown") else c["client"]["ip"])
        text_groups[key] = text_groups.get(key, 0) + 1
    m = re.search(r"== roll-up: (\d+) connections with problems", r.stdout)
    check("text roll-up heads the report with the problem count",
          m and int(m.group(1)) == len(problems), m and m.group(1))
    rows = re.findall(r"^  (warning|error|critical)\s+(\d+)  (\S+)\s+(\S+) (.+?)\s+(\S+)\s+#(\d+)$",
                      r.stdout, re.M)
    by_id = {c["id"]: c for c in conns}
    ok_examples = all(int(ex) in by_id and by_id[int(ex)]["findings"][0]["code"] == cause
                      for _, _, cause, _, _, _, ex in rows)
    check("text roll-up: its rows name real example connections of their cause", rows and ok_examples,
          rows[:3])
    shown = sum(int(n) for _, n, *_ in rows)
    check("text roll-up: the largest groups shown (counts within the problems)",
          0 < shown <= len(problems) and int(rows[0][1]) == max(text_groups.values()), shown)

    def conn_of(capture, code=None):
        want = os.path.join(PCAPS, capture)
        for c in conns:
            if c["file"] == want and (code is None or code in by_code and c["id"] in by_code[code]):
                return c["id"]
        return None

    mismatch = conn_of("15-hostname-mismatch.pcap", "hostname-mismatch")
    reset = conn_of("06-reset-after-client-hello.pcap", "reset-after-client-hello")
    check("JSON names the known-bad connections", mismatch is not None and reset is not None)

    d, By, why = headless_chromium.start("--hide-scrollbars", "--window-size=1280,800", "--force-color-profile=srgb")
    if not d:
        print("SKIP: " + why)
        return SKIP
    try:
        browse(d, By, page, conns, by_code, problems, mismatch, reset)
        browse_large(d, By)
    finally:
        d.quit()
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("all HTML report checks passed; screenshots in %s" % ART)
    return 0


def browse_large(d, By):
    """More connections than the page details (HTML_MAX_CONNS) and than one page of rows: the filter
    must count every match and page through all of them (it once showed 119 of 498)."""
    big, page = os.path.join(ART, "large.pcap"), os.path.join(ART, "large.html")
    make_large(os.path.join(PCAPS, "13-many-connections.pcap"), big)
    jsonl = os.path.join(ART, "large.jsonl")
    r = subprocess.run([TOOL, "analyze", "--ca", os.path.join(PCAPS, "ca", "root.pem"), "--html", page,
                        "--json-file", jsonl, "-o", os.devnull, big], capture_output=True, text=True,
                       timeout=300)
    conns = [json.loads(line) for line in open(jsonl)]
    conns = [c for c in conns if c["type"] == "connection"]
    check("large: tlsscope exits 0 or 1", r.returncode in (0, 1), r.stderr)
    d.get("file://" + page)
    want = sorted(c["id"] for c in conns if c["server"]["ip"] == "10.0.0.2")
    q = d.find_element(By.ID, "q")
    d.execute_script("var q=document.getElementById('q');q.value='10.0.0.2';q.dispatchEvent(new Event('input'));")
    check("large: more matches than a page (%d)" % len(want), len(want) > 500)
    check("large: the counter counts every match", d.find_element(By.ID, "shown").text == str(len(want)),
          d.find_element(By.ID, "shown").text)
    seen, largest = [], 0
    for _ in range(len(want) // 500 + 2):
        ids = visible_ids(d)
        largest = max(largest, len(ids))
        seen += ids
        nxt = d.find_element(By.ID, "next")
        if nxt.get_attribute("disabled") is not None:
            break
        nxt.click()
    check("large: a page holds 500 rows (HTML_TABLE_PAGE)", largest == 500, largest)
    check("large: paging reaches every match exactly once", sorted(seen) == want, (len(seen), len(want)))
    check("large: the pager says where it is", "of %d" % ((len(want) + 499) // 500) in
          d.find_element(By.ID, "page").text, d.find_element(By.ID, "page").text)
    q.clear()
    severe = [e for e in d.get_log("browser") if e.get("level") == "SEVERE"]
    check("large: no console errors", not severe, severe[:3])


def viewport(d, w, h):
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": False})


def visible_ids(d):
    return d.execute_script(
        "return Array.from(document.querySelectorAll('#conns tbody tr')).filter(r=>!r.hidden)"
        ".map(r=>+r.getAttribute('data-id'));")


def browse(d, By, page, conns, by_code, problems, mismatch, reset):
    viewport(d, 1280, 800)
    d.get("file://" + page)
    check("the page loaded", d.title == "tlsscope report", d.title)
    log = d.get_log("browser")
    severe = [e for e in log if e.get("level") == "SEVERE"]
    check("no console errors (SEVERE)", not severe, severe[:3])
    check("the page script ran: no fetch blocked, no injected script", d.execute_script("return !window.__xss;"))
    rows = d.find_elements(By.CSS_SELECTOR, "#conns tbody tr")
    check("table rows = connections in the JSON (%d)" % len(conns), len(rows) == len(conns), len(rows))
    check("charts drawn: outcomes, findings, timeline",
          len(d.find_elements(By.CSS_SELECTOR, ".charts svg")) == 3)
    check("no image element came from the hostile SNI", not d.find_elements(By.TAG_NAME, "img"))
    check("the hostile SNI shows as text",
          d.execute_script("return document.querySelector('#conns').textContent.indexOf('<img')>=0;"))
    d.save_screenshot(os.path.join(ART, "html-report-1280x800.png"))

    # The hostname mismatch: ladder, chain cards, the expected name next to the SANs, findings with clients.
    sec = d.find_element(By.ID, "c%d" % mismatch)
    check("hostname-mismatch: ladder SVG with both lanes",
          len(sec.find_elements(By.CSS_SELECTOR, "svg.ladder-svg line.lane")) == 2)
    labels = [t.get_attribute("textContent") for t in sec.find_elements(By.CSS_SELECTOR, "svg.ladder-svg text.l")]
    check("hostname-mismatch: ladder shows client_hello and certificate",
          "client_hello" in labels and "certificate" in labels, labels)
    check("hostname-mismatch: a card per certificate sent (2)", len(sec.find_elements(By.CSS_SELECTOR, ".cert")) == 2)
    want = sec.find_elements(By.CSS_SELECTOR, ".host.bad .chip.want")
    check("hostname-mismatch: expected name highlighted as not matched",
          want and want[0].get_attribute("textContent") == "shop.example.test")
    sans = [e.get_attribute("textContent") for e in sec.find_elements(By.CSS_SELECTOR, ".cert .chip")]
    check("hostname-mismatch: the SANs it failed to match are shown",
          "www.example.test" in sans and "example.test" in sans, sans)
    text = sec.get_attribute("textContent")
    check("hostname-mismatch: finding, fix and a client error",
          "hostname-mismatch" in text and "Fix:" in text and "ERR_TLS_CERT_ALTNAME_INVALID" in text)

    # Every endpoint label of every ladder inside its SVG (an IPv6 server address was cut off).
    clipped = d.execute_script(
        "var bad=[];document.querySelectorAll('svg.ladder-svg').forEach(function(svg){"
        "var w=svg.viewBox.baseVal.width;svg.querySelectorAll('text.ep').forEach(function(t){"
        "var b=t.getBBox();if(b.x<0||b.x+b.width>w+0.5)bad.push(t.textContent+' '+b.x+'+'+b.width);});});"
        "return bad;")
    labels = d.execute_script("return document.querySelectorAll('svg.ladder-svg text.ep').length;")
    check("ladders: %d endpoint labels, none outside its SVG" % labels, labels >= 2 and not clipped, clipped[:5])
    check("ladders: an IPv6 endpoint is among them (09-ipv6.pcap)",
          d.execute_script("return Array.prototype.some.call(document.querySelectorAll('svg.ladder-svg text.ep'),"
                           "function(t){return t.textContent.indexOf('[')===0;});"))

    # The roll-up (HTML): above the table, each example a link to a connection on the page.
    links = d.execute_script("return Array.prototype.map.call(document.querySelectorAll("
                             "'#rollup-table a'),function(a){return a.getAttribute('href');});")
    check("HTML roll-up: rows whose examples link to connections on the page",
          links and all(d.execute_script("return !!document.getElementById(%r);" % l[1:]) for l in links),
          links[:5])
    check("HTML roll-up: before the connection table", d.execute_script(
        "var a=document.getElementById('rollup'),b=document.getElementById('connections');"
        "return !!a&&!!(a.compareDocumentPosition(b)&Node.DOCUMENT_POSITION_FOLLOWING);"))

    rst = d.find_element(By.ID, "c%d" % reset)
    check("reset after ClientHello: RST marked in the ladder",
          len(rst.find_elements(By.CSS_SELECTOR, "svg.ladder-svg g.ev.rst")) == 1)

    # Clicking a row opens and shows that connection.
    d.execute_script("document.querySelector('#conns tr[data-id=\"%d\"] td:nth-child(3)').click();" % mismatch)
    check("a row click opens its connection",
          d.execute_script("return document.getElementById('c%d').open && location.hash==='#c%d';"
                           % (mismatch, mismatch)))
    d.execute_script("document.getElementById('c%d').scrollIntoView();" % mismatch)
    d.save_screenshot(os.path.join(ART, "html-report-detail-1280x800.png"))

    # Sorting by the "#" header: ascending, then descending.
    d.execute_script("window.scrollTo(0,0);")
    th = d.find_element(By.CSS_SELECTOR, "#conns thead th:nth-child(1)")
    th.click()
    ids = visible_ids(d)
    check("sort by # ascending", ids == sorted(c["id"] for c in conns), ids[:8])
    th.click()
    check("sort by # descending", visible_ids(d) == sorted((c["id"] for c in conns), reverse=True))
    d.find_element(By.CSS_SELECTOR, "#conns thead th:nth-child(8)").click()
    sev = {"info": 1, "warning": 2, "error": 3, "critical": 4, None: 0}
    order = {c["id"]: sev[c["worst_severity"]] for c in conns}
    got = [order[i] for i in visible_ids(d)]
    check("sort by worst finding", got == sorted(got), got)

    # Filtering: a finding code (in data-f, not visible text), then an address.
    q = d.find_element(By.ID, "q")
    q.send_keys("hostname-mismatch")
    check("filter by finding code", sorted(visible_ids(d)) == sorted(by_code["hostname-mismatch"]), visible_ids(d))
    q.clear()
    q.send_keys("10.9.0.1")
    hostile_ids = [c["id"] for c in conns if c["client"]["ip"] == "10.9.0.1"]
    check("filter by client IP", hostile_ids and visible_ids(d) == hostile_ids, visible_ids(d))
    d.execute_script("var q=document.getElementById('q');q.value='';q.dispatchEvent(new Event('input'));")
    check("empty filter shows every row", len(visible_ids(d)) == len(conns))
    d.find_element(By.ID, "po").click()
    check("problems only", sorted(visible_ids(d)) == sorted(c["id"] for c in problems), len(visible_ids(d)))
    check("the counter follows", d.find_element(By.ID, "shown").text == str(len(problems)))
    d.find_element(By.ID, "po").click()
    check("problems only off again", len(visible_ids(d)) == len(conns))

    # A narrow window: nothing wider than the window (the table scrolls inside its box).
    viewport(d, 420, 900)
    d.get("file://" + page)
    over = d.execute_script("return document.documentElement.scrollWidth - window.innerWidth;")
    check("narrow window: no page-wide horizontal scrolling", over <= 0, over)
    d.save_screenshot(os.path.join(ART, "html-report-420x900.png"))
    d.execute_script("var s=document.getElementById('c%d');s.open=true;s.scrollIntoView();" % mismatch)
    d.save_screenshot(os.path.join(ART, "html-report-detail-420x900.png"))
    severe = [e for e in d.get_log("browser") if e.get("level") == "SEVERE"]
    check("still no console errors", not severe, severe[:3])


if __name__ == "__main__":
    sys.exit(main())
