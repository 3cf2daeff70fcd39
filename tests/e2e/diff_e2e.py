#!/usr/bin/env python3
"""End-to-end test of `tlsscope diff`: a client that works and one that fails, against the same real
server on loopback, each run captured with tcpdump into its own file.

    diff_e2e.py TLSSCOPE SCHEMA OUTDIR

Case "sni": a Node server that resets the TCP connection for any SNI but www.example.test
(e2e_node.js, mode sni-reset). GOOD: curl --resolve www.example.test:PORT:127.0.0.1 with the test CA.
BAD: a Node.js client with servername shop.example.test. The diff must pair them by server, show
the SNI difference and the server's RST, and its verdict must name the SNI and the reset.

Case "ca": openssl s_server (TLS 1.2, leaf + intermediate). GOOD: openssl s_client -CAfile root.pem.
BAD: the same client trusting only another root: it aborts with an unknown_ca alert. The verdict
must say that the handshake was the same and the client rejected the certificate (unknown_ca).

Case "version": the same server and GOOD run; BAD: s_client -tls1_3, answered with a
protocol_version alert. The verdict must say the client offers only TLS 1.3 and name the alert.

Both --json outputs validate against SCHEMA; --html pages (kept in OUTDIR) hold both ladders. Ports come from 27000-27999; the capture filter names
only them. Exit 0 pass, 1 fail, 77 when lo cannot be captured or a tool is missing.
OUTDIR keeps the captures, root.pem and tlsscope's outputs.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lo_capture  # noqa: E402 - tcpdump on lo
import run_e2e as e2e  # noqa: E402 - the servers, clients and capture of the main end-to-end test

WWW = e2e.WWW
OTHER = "shop.example.test"
PORT_BASES = range(27100, 27900, 50)


def free_ports(n):
    for base in PORT_BASES:
        ports = [base + i for i in range(n)]
        if all(e2e.port_free(p) for p in ports):
            return ports
    return None


def captured(outdir, name, ports, attempt):
    """Run attempt() while tcpdump captures our ports into OUTDIR/NAME.pcap; (pcap, problem)."""
    pcap = os.path.join(outdir, name + ".pcap")
    bpf = "tcp and (%s)" % " or ".join("port %d" % p for p in ports)
    tlog = open(os.path.join(outdir, name + ".tcpdump.log"), "w+")
    proc, why = lo_capture.start(pcap, bpf, tlog, env=e2e.ENV)
    if proc is None:
        return None, "skip: cannot capture on lo (needs root or CAP_NET_RAW): %s" % why
    try:
        attempt()
        time.sleep(0.2)  # the last FIN or RST crosses
    finally:
        dropped = lo_capture.finish(proc, pcap, tlog)
    return pcap, ("tcpdump dropped %d packets" % dropped) if dropped else None


def tlsscope_diff(tool, outdir, name, good, bad, ca, schema):
    """Text and JSON of one diff, both kept in OUTDIR; (text, doc, problems)."""
    problems = []
    args = [tool, "diff", "--ca", ca, good, bad]
    r = e2e.run(args, timeout=60)
    text = r.stdout.decode("utf-8", "replace")
    with open(os.path.join(outdir, name + ".diff.txt"), "w") as f:
        f.write(text)
    if r.returncode != 0:
        problems.append("tlsscope diff exited %s: %s" % (r.returncode, e2e.first_line(r.stderr)))
    page = os.path.join(outdir, name + ".diff.html")
    r = e2e.run(args[:2] + ["--json", "--html", page] + args[2:], timeout=60)
    if not os.path.exists(page) or not os.path.getsize(page):
        problems.append("--html wrote no page")
    elif open(page, encoding="utf-8").read().count('class="ladder-svg"') != 2:
        problems.append("--html: the page does not hold the two handshake ladders")
    with open(os.path.join(outdir, name + ".diff.json"), "wb") as f:
        f.write(r.stdout)
    doc = None
    try:
        doc = json.loads(r.stdout)
    except ValueError as e:
        problems.append("--json is not JSON: %s" % e)
    if doc is not None:
        import jsonschema
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
        if errors:
            problems.append("--json does not validate: %s at %s" % (errors[0].message[:200], errors[0].json_path))
    return text, doc, problems


def field(pair, name):
    return next(f for f in pair["fields"] if f["name"] == name)


def only_pair(doc, problems):
    if doc is None:
        return None
    if len(doc["pairs"]) != 1:
        problems.append("%d pairs, expected 1 (unpaired: good %d, bad %d)" % (
            len(doc["pairs"]), len(doc["unpaired_good"]), len(doc["unpaired_bad"])))
        return None
    return doc["pairs"][0]


def case_sni(tool, outdir, pki, tmp, schema, port):
    """Node server resetting unknown names; curl (good) vs Node with another servername (bad)."""
    cfg = os.path.join(tmp, "node-server.json")
    with open(cfg, "w") as f:
        json.dump({"servers": [{"port": port, "mode": "sni-reset", "allow": WWW,
                                "key": os.path.join(pki, "good.key"), "cert": os.path.join(pki, "good.pem"),
                                "chain": os.path.join(pki, e2e.GOOD_CHAIN)}]}, f)
    srv = subprocess.Popen(["node", os.path.join(HERE, "e2e_node.js"), "server", cfg], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=e2e.ENV)
    procs = [("node server", srv)]
    problems = []
    try:
        err = e2e.wait_listening([port], procs, time.monotonic() + e2e.TIMEOUT)
        if err:
            return ["node server: " + err]
        good_case = e2e.Case("good", "", "good", e2e.GOOD_CHAIN, WWW)
        results = {}
        good, why = captured(outdir, "sni-good", [port],
                             lambda: results.update(good=e2e.curl_attempt(good_case, port, pki)))
        if why:
            return [why]
        attempts = os.path.join(tmp, "node-attempts.json")
        with open(attempts, "w") as f:
            json.dump({"ca": os.path.join(pki, "root.pem"),
                       "attempts": [{"case": "bad", "port": port, "servername": OTHER}]}, f)
        bad, why = captured(outdir, "sni-bad", [port], lambda: results.update(
            bad=e2e.run(["node", os.path.join(HERE, "e2e_node.js"), "client", attempts], timeout=30)))
        if why:
            return [why]
    finally:
        e2e.stop(procs)
    if not results["good"]["ok"]:
        problems.append("harness: curl failed against the server: %s" % results["good"].get("message"))
    node = [json.loads(line) for line in results["bad"].stdout.decode().splitlines() if line.startswith("{")]
    if not node or node[0]["ok"]:
        problems.append("harness: the Node client with servername %s did not fail: %s" % (OTHER, node))
    text, doc, probs = tlsscope_diff(tool, outdir, "sni", good, bad, os.path.join(pki, "root.pem"), schema)
    problems += probs
    p = only_pair(doc, problems)
    if p:
        sn = field(p, "server_name")
        if not (sn["differs"] and sn["good"] == WWW and sn["bad"] == OTHER):
            problems.append("server_name: %r" % sn)
        if p["paired_by"] != "server" or p["bad"]["server"]["port"] != port:
            problems.append("paired_by %s, server %s" % (p["paired_by"], p["bad"]["server"]))
        if field(p, "closed_by")["bad"] != "server_rst" or field(p, "outcome")["bad"] != \
                "server_reset_after_client_hello":
            problems.append("bad side: closed_by %s, outcome %s" % (field(p, "closed_by")["bad"],
                                                                   field(p, "outcome")["bad"]))
        if field(p, "outcome")["good"] not in ("established", "client_closed_after_handshake"):
            problems.append("good side: outcome %s" % field(p, "outcome")["good"])
        v = p["verdict"]
        if OTHER not in v or "reset" not in v:
            problems.append("verdict does not name the SNI and the reset: %r" % v)
    if "* server_name" not in text or "verdict:" not in text or "reset" not in text:
        problems.append("text lacks the server_name row or the verdict:\n" + text)
    return problems


def case_s_server(tool, outdir, pki, tmp, schema, port):
    """s_server (TLS 1.2 at most) with the test PKI; s_client trusting root.pem (good) vs the same client
    trusting another root (bad: "ca"), and vs s_client -tls1_3 (bad: "version")."""
    srv = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:%d" % port, "-no_tls1_3", "-www",
                            "-cert", os.path.join(pki, "good.pem"), "-key", os.path.join(pki, "good.key"),
                            "-cert_chain", os.path.join(pki, e2e.GOOD_CHAIN)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                           env=e2e.ENV)
    procs = [("s_server", srv)]
    results = {}

    def s_client(cafile, key, extra=()):
        r = e2e.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", WWW,
                     "-CAfile", os.path.join(pki, cafile), "-verify_return_error", "-ign_eof"] + list(extra),
                    input=("GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % WWW).encode())
        results[key] = r.returncode

    try:
        err = e2e.wait_listening([port], procs, time.monotonic() + e2e.TIMEOUT)
        if err:
            return ["s_server: " + err]
        good, why = captured(outdir, "ca-good", [port], lambda: s_client("root.pem", "good"))
        if why:
            return [why]
        bad, why = captured(outdir, "ca-bad", [port], lambda: s_client("other-root.pem", "bad"))
        if why:
            return [why]
        bad13, why = captured(outdir, "version-bad", [port], lambda: s_client("root.pem", "bad13", ["-tls1_3"]))
        if why:
            return [why]
    finally:
        e2e.stop(procs)
    problems = []
    if results["good"] != 0 or results["bad"] == 0 or results["bad13"] == 0:
        problems.append("harness: s_client exit status good %s, bad %s, bad -tls1_3 %s" % (
            results["good"], results["bad"], results["bad13"]))
    text, doc, probs = tlsscope_diff(tool, outdir, "ca", good, bad, os.path.join(pki, "root.pem"), schema)
    problems += probs
    p = only_pair(doc, problems)
    if p:
        if p["paired_by"] != "server_and_sni":
            problems.append("paired_by %s" % p["paired_by"])
        if field(p, "certificates")["differs"] or len(field(p, "certificates")["good"]) != 2:
            problems.append("certificates: %r" % field(p, "certificates"))
        if "client fatal unknown_ca" not in field(p, "alerts")["bad"] or field(p, "outcome")["bad"] != "client_alert":
            problems.append("bad side: alerts %s, outcome %s" % (field(p, "alerts")["bad"], field(p, "outcome")["bad"]))
        v = p["verdict"]
        if not v.startswith("same handshake; the failing client rejected the certificate (unknown_ca)"):
            problems.append("verdict: %r" % v)
    if "unknown_ca" not in text:
        problems.append("text lacks unknown_ca:\n" + text)

    text, doc, probs = tlsscope_diff(tool, outdir, "version", good, bad13, os.path.join(pki, "root.pem"), schema)
    problems += ["version: " + x for x in probs]
    p = only_pair(doc, problems)
    if p:
        sv = field(p, "client_hello.supported_versions")
        if not sv["differs"] or sv["bad"] != ["TLSv1.3"] or "TLSv1.2" not in sv["good"]:
            problems.append("version: supported_versions %r" % sv)
        if "server fatal protocol_version" not in field(p, "alerts")["bad"]:
            problems.append("version: bad alerts %s" % field(p, "alerts")["bad"])
        if p["verdict"] != "the failing client offers only TLSv1.3; the server answered with a protocol_version alert":
            problems.append("version: verdict %r" % p["verdict"])
    return problems


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    tool, schema_path, outdir = sys.argv[1:]
    for t in ("tcpdump", "openssl", "node", "curl"):
        if not shutil.which(t):
            print("skipped: %s not installed" % t)
            return 77
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        print("FAIL: the Python package jsonschema is missing (Debian: apt-get install python3-jsonschema)")
        return 1
    schema = json.load(open(schema_path))
    outdir = os.path.abspath(outdir)
    os.makedirs(outdir, exist_ok=True)
    ports = free_ports(2)
    if not ports:
        print("FAIL: no two free ports in 27100-27949")
        return 1
    tmp = tempfile.mkdtemp(prefix="tlsscope-diff-e2e-")
    try:
        pki = os.path.join(tmp, "pki")
        r = e2e.run(["sh", os.path.join(HERE, "make_pki.sh"), pki], timeout=60)
        if r.returncode != 0:
            print("FAIL: make_pki.sh: %s" % e2e.first_line(r.stderr))
            return 1
        shutil.copy(os.path.join(pki, "root.pem"), os.path.join(outdir, "root.pem"))
        failed = False
        started = time.time()
        for name, fn, port in (("sni", case_sni, ports[0]), ("s_server", case_s_server, ports[1])):
            problems = fn(tool, outdir, pki, tmp, schema, port)
            if problems and problems[0].startswith("skip:"):
                print("skipped: " + problems[0][5:].strip())
                return 77
            print("%s: %s" % (name, "PASS" if not problems else "FAIL"))
            for p in problems:
                print("  " + p)
            for txt in sorted(glob.glob(os.path.join(outdir, "*.diff.txt"))):
                if os.path.getmtime(txt) >= started:
                    with open(txt) as f:
                        print("  " + f.read().replace("\n", "\n  "))
            started = time.time()
            failed |= bool(problems)
        return 1 if failed else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
