#!/usr/bin/env python3
"""`tlsscope live` on lo while real handshakes run: records stream out while it runs.

    test_live_loopback.py TLSSCOPE SCHEMA OUTDIR

Servers (ports 23100-23199): openssl s_server with a self-signed certificate, with a good chain
(TLS 1.2, and TLS 1.3), and a Node server that resets unknown SNI (tests/e2e). Clients: openssl
s_client, curl and Node. For each attempt, the connection's record must arrive while tlsscope is
still running, with the outcome and findings the attempt implies; SIGINT then gives the summary
(with libpcap's counters) and exit 0; every line validates against the JSON schema; the --write
capture, analysed offline, gives the same outcomes and findings; text mode prints one line per
connection with its findings under it. Exit 77 where lo cannot be captured.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from live_common import SKIP, e2e, free_base, log, port_filter, s_server, start_live_or_skip

RECORD_WAIT = 8  # seconds for a record to appear after its client finished

WWW = e2e.WWW
failures = []


def check(ok, what):
    log("%s %s" % ("ok  " if ok else "FAIL", what))
    if not ok:
        failures.append(what)


def codes(rec):
    return sorted(f["code"] for f in rec.get("findings") or [])


def errors(rec):
    return [f["code"] for f in rec.get("findings") or [] if f["severity"] in ("error", "critical")]


def start_servers(pki, ports, outdir):
    """s_server self-signed, good chain (1.2), good chain (1.3); the Node SNI-resetting server."""
    procs = []
    specs = [("selfsigned", None, ports["self"], ["-no_tls1_3"]),
             ("good", e2e.GOOD_CHAIN, ports["good12"], ["-no_tls1_3"]),
             ("good", e2e.GOOD_CHAIN, ports["good13"], [])]
    for leaf, chain, port, extra in specs:
        procs.append(s_server(pki, leaf, chain, port, extra, outdir))
    cfg = os.path.join(outdir, "node-servers.json")
    with open(cfg, "w") as f:
        json.dump({"servers": [{"port": ports["sni_reset"], "mode": "sni-reset", "allow": WWW,
                                "key": os.path.join(pki, "good.key"), "cert": os.path.join(pki, "good.pem"),
                                "chain": os.path.join(pki, e2e.GOOD_CHAIN)}]}, f)
    nlog = open(os.path.join(outdir, "node-server.log"), "w")
    procs.append(("node server", subprocess.Popen(["node", os.path.join(e2e.HERE, "e2e_node.js"), "server", cfg],
                                                  stdout=nlog, stderr=subprocess.STDOUT,
                                                  stdin=subprocess.DEVNULL, env=e2e.ENV)))
    err = e2e.wait_listening(list(ports.values()), procs, time.monotonic() + e2e.TIMEOUT)
    return procs, err


def attempt(client, case, port, pki, tmp):
    if client == "openssl":
        return e2e.openssl_attempt(case, port, pki)
    if client == "curl":
        return e2e.curl_attempt(case, port, pki)
    return e2e.batch_node([(case, port)], pki, tmp)[0]


def json_run(tlsscope, validator, pki, ports, outdir, tmp):
    pcap = os.path.join(outdir, "live.pcap")
    live, status = start_live_or_skip(tlsscope, ["-i", "lo", "-f", port_filter(ports.values()), "--json",
                                                 "--ca", os.path.join(pki, "root.pem"), "--write", pcap])
    if not live:
        return status
    good = e2e.Case("good", "", "good", e2e.GOOD_CHAIN, WWW)
    selfsigned = e2e.Case("self-signed-leaf", "", "selfsigned", None, WWW)
    unknown_sni = e2e.Case("sni-reset", "", "good", e2e.GOOD_CHAIN, "other.example.test")
    # (client, case, server port, the real client succeeds, outcome, a finding code that must be there)
    plan = [("openssl", selfsigned, ports["self"], False, "client_alert", "self-signed-leaf"),
            ("curl", good, ports["good12"], True, "established", None),
            ("node", good, ports["good12"], True, "established", None),
            ("openssl", unknown_sni, ports["sni_reset"], False, "server_reset_after_client_hello",
             "reset-after-client-hello"),
            ("curl", good, ports["good13"], True, "established", "certificate-not-visible"),
            # Node finishes a TLS 1.2 handshake, then checks the chain and closes without an alert.
            ("node", selfsigned, ports["self"], False, "client_closed_after_handshake", "self-signed-leaf")]
    claimed = set()
    live_by_port = {}
    try:
        for client, case, port, ok, outcome, code in plan:
            what = "%s -> %s (port %d)" % (client, case.name, port)
            res = attempt(client, case, port, pki, tmp)
            check(res["ok"] == ok, "%s: the real client %s (%s %s)" % (what, "succeeds" if ok else "fails",
                                                                      res.get("code"), res.get("message")))
            done = time.monotonic()
            got = live.wait_for(lambda r: r["server"]["port"] == port and r["id"] not in claimed, RECORD_WAIT)
            if not got:
                check(False, "%s: a record within %d s while tlsscope runs" % (what, RECORD_WAIT))
                continue
            t, rec = got
            claimed.add(rec["id"])
            live_by_port[rec["client"]["port"]] = rec
            check(live.p.poll() is None, "%s: record #%d written while tlsscope runs (%.2f s after the client)"
                  % (what, rec["id"], t - done))
            check(rec["outcome"] == outcome, "%s: outcome %s (got %s)" % (what, outcome, rec["outcome"]))
            if code:
                check(code in codes(rec), "%s: finding %s (got %s)" % (what, code, codes(rec)))
            if ok:
                check(not errors(rec), "%s: no error finding (got %s)" % (what, errors(rec)))
        time.sleep(0.5)
    finally:
        rc = live.stop()
    check(rc == 0, "SIGINT: exit status 0 (got %s)" % rc)
    lines = live.lines()
    objs = [json.loads(line) for line in lines if line.startswith("{")]
    conns = [o for o in objs if o["type"] == "connection"]
    summary = [o for o in objs if o["type"] == "summary"]
    check(len(summary) == 1 and objs[-1]["type"] == "summary", "SIGINT: the summary comes last")
    if summary:
        s = summary[0]
        cap = s.get("capture") or {}
        check(set(cap) == {"received", "dropped_by_kernel", "dropped_by_interface", "records_dropped"},
              "summary has libpcap's counters and the records dropped (%s)" % cap)
        check(cap.get("records_dropped") == 0, "no record dropped while the output is read (%s)" % cap)
        check(cap.get("received", 0) >= s["packets"] > 0, "received >= packets analysed > 0")
        check(s["reported"] == len(conns), "summary reported %s == %d records" % (s["reported"], len(conns)))
    ids = [c["id"] for c in conns]
    check(len(ids) == len(set(ids)), "no connection written twice")
    check(len(conns) == len(plan), "one record per attempt (%d for %d)" % (len(conns), len(plan)))
    bad = ["%s: %s" % (e.json_path, e.message[:200]) for o in objs for e in validator.iter_errors(o)]
    check(not bad, "every line validates against the schema %s" % bad[:3])
    with open(os.path.join(outdir, "live.jsonl"), "w") as f:
        f.write("\n".join(lines) + "\n")

    r = e2e.run([tlsscope, "analyze", "--json", "--fail-on", "never", "--ca", os.path.join(pki, "root.pem"), pcap],
                timeout=60)
    check(r.returncode == 0, "--write file analysed offline (%s)" % e2e.first_line(r.stderr))
    offline = {}
    for line in r.stdout.decode().splitlines():
        o = json.loads(line)
        if o["type"] == "connection":
            offline[o["client"]["port"]] = o
    check(set(offline) == set(live_by_port), "offline: the same connections (client ports)")
    for port, rec in live_by_port.items():
        o = offline.get(port)
        if o:
            check((o["outcome"], codes(o)) == (rec["outcome"], codes(rec)),
                  "client port %d: offline %s %s, live %s %s" % (port, o["outcome"], codes(o), rec["outcome"],
                                                                codes(rec)))
    return 0


def text_run(tlsscope, pki, ports):
    live, status = start_live_or_skip(tlsscope, ["-i", "lo", "-f", port_filter([ports["good12"], ports["self"]]),
                                                 "--ca", os.path.join(pki, "root.pem"), "--color=never"])
    if not live:
        return status
    good = e2e.Case("good", "", "good", e2e.GOOD_CHAIN, WWW)
    selfsigned = e2e.Case("self-signed-leaf", "", "selfsigned", None, WWW)
    try:
        e2e.curl_attempt(good, ports["good12"], pki)
        e2e.openssl_attempt(selfsigned, ports["self"], pki)
        deadline = time.monotonic() + RECORD_WAIT
        while time.monotonic() < deadline and not any(":%d " % ports["self"] in x for x in live.lines()):
            time.sleep(0.05)
        running = live.p.poll() is None
        text = "\n".join(live.lines())
    finally:
        rc = live.stop()
    lines = live.lines()
    log("  text output:\n    " + "\n    ".join(lines[:6]))
    good_line = [x for x in lines if ":%d " % ports["good12"] in x]
    self_line = [i for i, x in enumerate(lines) if ":%d " % ports["self"] in x]
    check(running and len(good_line) == 1 and "established" in good_line[0] and WWW in good_line[0],
          "text: one line for the good server, established, with its name, before SIGINT")
    check(len(self_line) == 1 and "client_alert" in lines[self_line[0]] and "self-signed-leaf" in text,
          "text: one line for the self-signed server, client_alert, self-signed-leaf")
    check(bool(self_line) and self_line[0] + 1 < len(lines) and lines[self_line[0] + 1].startswith("    ")
          and "self-signed-leaf:" in "\n".join(lines[self_line[0] + 1:self_line[0] + 6]),
          "text: the findings' messages indented under the line")
    check(rc == 0 and "== summary ==" in lines and any(x.startswith("capture: received") for x in lines),
          "text: SIGINT gives the summary with the capture counters, exit 0 (got %s)" % rc)
    return 0


def main():
    tlsscope, schema_path, outdir = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
    os.makedirs(outdir, exist_ok=True)
    for tool in ("openssl", "curl", "node"):
        if not shutil.which(tool):
            log("skipped: %s not installed" % tool)
            return SKIP
    try:
        import jsonschema
        validator = jsonschema.Draft202012Validator(json.load(open(schema_path)))
    except ImportError:
        log("FAIL: the Python package jsonschema is missing (Debian: apt-get install python3-jsonschema)")
        return 1
    base = free_base(range(23100, 23200, 10), 4)
    if base is None:
        log("FAIL: no four free ports in 23100-23199")
        return 1
    ports = {"self": base, "good12": base + 1, "good13": base + 2, "sni_reset": base + 3}
    tmp = tempfile.mkdtemp(prefix="tlsscope-live-")
    pki = os.path.join(tmp, "pki")
    procs = []
    try:
        r = e2e.run(["sh", os.path.join(e2e.HERE, "make_pki.sh"), pki], timeout=60)
        if r.returncode != 0:
            log("FAIL: make_pki.sh: %s" % e2e.first_line(r.stderr))
            return 1
        procs, err = start_servers(pki, ports, outdir)
        if err:
            log("FAIL: servers: %s" % err)
            return 1
        status = json_run(tlsscope, validator, pki, ports, outdir, tmp)
        if status == 0 and not failures:
            status = text_run(tlsscope, pki, ports)
        if status:
            return status
    finally:
        e2e.stop(procs)
        shutil.rmtree(tmp, ignore_errors=True)
    log("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
