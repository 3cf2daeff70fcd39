#!/usr/bin/env python3
"""Resumption, client certificates and proxies on real loopback runs (issue 10, sections 3, 4, 6).

    mtls_e2e.py TLSSCOPE OUTDIR

Real servers (openssl s_server; a small CONNECT proxy in this file) and real clients (openssl
s_client, curl, Node.js, Python) on 127.0.0.1, ports 31000-31399, captured on lo with tcpdump and
read by tlsscope with and without the clients' key log. Asserted:

- resumption: openssl s_client -sess_out, then -sess_in, against s_server (TLS 1.2 session ID, TLS 1.2
  ticket, TLS 1.3 PSK): the real client says "Reused"; the second connection is `resumed` by the
  right means, raises no certificate or chain finding, and (where the capture shows the session's
  origin: TLS 1.2 always, TLS 1.3 with the key log) `resumed_from` is the first connection's id with
  its chain fingerprints and verify result in `resumed_chain`.
- client certificates: `openssl s_server -Verify 1 -CAfile root.pem` (TLS 1.2 and 1.3) met by
  openssl s_client, curl, Node.js and Python with no certificate, a good one, one from a CA the
  server does not accept, an expired one and a server certificate (no clientAuth): the real client
  fails (or connects) as predicted, its error code is `client_errors`' (Node's `err.code`, curl's exit
  code and error line, openssl's reason, Python's class and reason), and the findings are
  client-certificate-missing (inferred from record sizes in TLS 1.3 without the key log),
  client-certificate-invalid and client-certificate-rejected; `certificate_request_details` names
  the CA the server asked for. A lax server (s_server -verify, no CA list) takes any certificate:
  only `--client-ca root.pem` shows the one from the other CA (client-certificate-invalid, warning).
- HTTPS through a CONNECT proxy (a small one in this file, on 127.0.0.1): curl -p -x and openssl
  s_client -proxy; the client-to-proxy connection carries `http_connect`, its expected host is the
  CONNECT line's (`expected_host_source` "connect"), a wrong name gives hostname-mismatch with
  curl's own error, and without SNI no ip-not-in-san is raised against the proxy's address.
- a server that accepts TCP and never answers: curl (--connect-timeout 2) and Python (timeout 2 s)
  give up; no-server-hello names it a handshake timeout and client_errors holds their errors
  (curl's code and line, Python's class).

Exit 0 when every assertion holds, 1 otherwise, 77 when lo cannot be captured or a tool is missing.
OUTDIR keeps the capture, the key log, the PKI's root and tlsscope's output.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import lo_capture
from run_e2e import ENV, stop, wait_listening

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = 31000
WWW = "www.example.test"
FAILS = []

# (port, s_server options, how the second connection resumes)
RESUME = ((BASE + 0, ["-tls1_2", "-no_ticket"], "session_id"),
          (BASE + 1, ["-tls1_2"], "ticket"),
          (BASE + 2, ["-tls1_3"], "psk"))


# Client certificate cases: (name, the certificate the clients present, the chain after it, finding codes
# that must be there with a readable alert (TLS 1.2, or TLS 1.3 with the key log), the alert)
MTLS = (("none", None, None, ["client-certificate-missing"], 40),
        ("good", "clientauth", "chain-int.pem", [], None),
        ("other-ca", "clientother", "chain-other.pem", ["client-certificate-invalid", "client-certificate-rejected"],
         48),
        ("expired", "clientexpired", "chain-int.pem", ["client-certificate-invalid", "client-certificate-rejected"],
         45),
        ("no-client-auth", "good", "chain-int.pem", ["client-certificate-invalid", "client-certificate-rejected"],
         43))
MTLS_PORTS = {"-tls1_2": BASE + 10, "-tls1_3": BASE + 11}
MTLS_CLIENTS = ("openssl", "curl", "node", "python")
# A server that asks for a certificate without naming CAs and takes any (s_server -verify): only
# --client-ca tells that the client's certificate is from a CA it should not be.
LAX_PORT = BASE + 12

NODE_CLIENT = r"""
const tls = require('tls'), fs = require('fs');
const [port, ca, keylog, cert, key] = process.argv.slice(1);
const o = {host: '127.0.0.1', port: +port, servername: 'www.example.test', ca: fs.readFileSync(ca)};
if (cert) { o.cert = fs.readFileSync(cert); o.key = fs.readFileSync(key); }
const s = tls.connect(o, () => { s.write('GET / HTTP/1.0\r\n\r\n'); });
s.on('keylog', line => fs.appendFileSync(keylog, line));
s.on('data', () => {});
s.on('end', () => { console.log('OK'); process.exit(0); });
s.on('error', e => { console.log(e.code + '\t' + e.message); process.exit(1); });
setTimeout(() => { console.log('TIMEOUT\t'); process.exit(2); }, 8000);
"""

PYTHON_CLIENT = r"""
import socket, ssl, sys
port, ca, keylog = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
ctx.keylog_filename = keylog
if len(sys.argv) > 4:
    ctx.load_cert_chain(sys.argv[4], sys.argv[5])
try:
    with socket.create_connection(("127.0.0.1", port), timeout=8) as raw:
        with ctx.wrap_socket(raw, server_hostname="www.example.test") as s:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            while s.recv(4096):
                pass
    print("OK")
except Exception as e:
    print("%s\t%s" % (type(e).__name__, e))
"""


PROXY_PORT, PROXIED_PORT = BASE + 20, BASE + 21
SILENT_PORT = BASE + 30


def listener(port):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(8)
    srv.settimeout(0.2)  # so that the loop sees stop_event
    return srv


def silent_server(port, stop_event):
    """Accepts, reads, never answers: the ClientHello waits until the client's timeout."""
    srv = listener(port)
    held = []
    while not stop_event.is_set():
        try:
            held.append(srv.accept()[0])
        except socket.timeout:
            pass
    for c in held:
        c.close()
    srv.close()


SILENT_PYTHON = r"""
import socket, ssl, sys
try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2) as raw:
        ssl.create_default_context().wrap_socket(raw, server_hostname="www.example.test")
    print("OK")
except Exception as e:
    print("%s\t%s" % (type(e).__name__, e))
"""


def run_silent():
    r = subprocess.run(["curl", "-q", "-sS", "--connect-timeout", "2", "-o", "/dev/null", "--resolve",
                        "%s:%d:127.0.0.1" % (WWW, SILENT_PORT), "https://%s:%d/" % (WWW, SILENT_PORT)],
                       capture_output=True, text=True, env=ENV, timeout=20)
    line = next((m.group(1) for m in map(re.compile(r"curl: \(\d+\) (.*)").match, r.stderr.splitlines()) if m), "")
    p = subprocess.run([sys.executable, "-c", SILENT_PYTHON, str(SILENT_PORT)], capture_output=True, text=True,
                       env=ENV, timeout=20)
    return {"curl": (str(r.returncode), line), "python": tuple(p.stdout.strip().split("\t", 1))}


def assess_silent(said, plain):
    conns = plain.get(SILENT_PORT, [])
    check("silent", "two connections (curl, python)", len(conns) == 2, len(conns))
    for client, j in zip(("curl", "python"), conns):
        case = "silent " + client
        first = j["findings"][0] if j["findings"] else {}
        check(case, "no-server-hello, error, said to be the client's handshake timeout",
              first.get("code") == "no-server-hello" and first.get("severity") == "error" and
              "handshake timeout" in first.get("message", ""), first)
        pred = j["client_errors"].get(client) or {}
        real = said[client]
        agree = (pred.get("code"), pred.get("message")) == real if client == "curl" else pred.get("code") == real[0]
        check(case, "client_errors.%s is what it printed (%s)" % (client, real), agree, pred)


def relay(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def proxy_one(conn):
    """An HTTP CONNECT proxy's work for one client: every host is 127.0.0.1."""
    head = b""
    while b"\r\n\r\n" not in head and len(head) < 8192:
        data = conn.recv(4096)
        if not data:
            conn.close()
            return
        head += data
    m = re.match(rb"CONNECT \[?([^\]\s]+?)\]?:(\d+) HTTP/1\.[01]\r\n", head)
    if not m:
        conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
        conn.close()
        return
    up = socket.create_connection(("127.0.0.1", int(m.group(2))), timeout=10)
    conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    t = threading.Thread(target=relay, args=(up, conn), daemon=True)
    t.start()
    relay(conn, up)
    t.join(10)
    conn.close()
    up.close()


def connect_proxy(port, stop_event):
    srv = listener(port)
    while not stop_event.is_set():
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        threading.Thread(target=proxy_one, args=(conn,), daemon=True).start()
    srv.close()


# (name, client, the host the client asks the proxy for)
PROXY_CASES = (("curl-good", "curl", WWW), ("curl-wrong-host", "curl", "shop.example.test"),
               ("openssl-no-sni", "openssl", WWW))


def run_proxied(pki, keylog):
    said = {}
    ca = os.path.join(pki, "root.pem")
    for name, client, host in PROXY_CASES:
        if client == "curl":
            r = subprocess.run(["curl", "-q", "-sS", "--max-time", "8", "-o", "/dev/null", "--cacert", ca, "-p", "-x",
                                "http://127.0.0.1:%d" % PROXY_PORT, "https://%s:%d/" % (host, PROXIED_PORT)],
                               capture_output=True, text=True, env=ENV, timeout=20)
            line = next((m.group(1) for m in map(re.compile(r"curl: \(\d+\) (.*)").match, r.stderr.splitlines())
                         if m), "")
            said[name] = (r.returncode, line)
        else:
            r = subprocess.run(["openssl", "s_client", "-proxy", "127.0.0.1:%d" % PROXY_PORT, "-connect",
                                "%s:%d" % (host, PROXIED_PORT), "-noservername", "-CAfile", ca, "-ign_eof"],
                               input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True, env=ENV, timeout=20)
            said[name] = (r.returncode, "")
        print("  proxy %-16s %s" % (name, said[name]), flush=True)
    return said


def assess_proxied(said, plain):
    tunnels = plain.get(PROXY_PORT, [])
    if len(tunnels) != len(PROXY_CASES):
        check("proxy", "%d client-to-proxy connections" % len(PROXY_CASES), False, len(tunnels))
        return
    for (name, client, host), j in zip(PROXY_CASES, tunnels):
        case = "proxy " + name
        rc, line = said[name]
        wrong = host != WWW
        check(case, "the real client %s" % ("fails" if wrong else "connects"), (rc != 0) == wrong, said[name])
        check(case, "http_connect names %s:%d" % (host, PROXIED_PORT),
              j.get("http_connect") == {"host": host, "port": PROXIED_PORT}, j.get("http_connect"))
        check(case, "expected_host %s from the CONNECT line" % host,
              (j.get("expected_host"), j.get("expected_host_source")) == (host, "connect"),
              (j.get("expected_host"), j.get("expected_host_source")))
        found = [f["code"] for f in j["findings"]]
        if wrong:
            check(case, "hostname-mismatch first", found[:1] == ["hostname-mismatch"], found)
            pred = j["client_errors"].get("curl") or {}
            check(case, "curl: predicted %s %r" % (rc, line), (pred.get("code"), pred.get("message")) ==
                  (str(rc), line), pred)
        else:
            check(case, "no finding above info (no ip-not-in-san against the proxy)",
                  all(f["severity"] == "info" for f in j["findings"]), found)


def check(name, what, ok, detail=""):
    print("%s %s: %s%s" % ("ok  " if ok else "FAIL", name, what, "" if ok else "  [%s]" % (detail,)), flush=True)
    if not ok:
        FAILS.append(name)


def s_server(port, pki, leaf, *extra):
    cmd = ["openssl", "s_server", "-accept", "127.0.0.1:%d" % port, "-cert", os.path.join(pki, leaf + ".pem"),
           "-key", os.path.join(pki, leaf + ".key"), "-cert_chain", os.path.join(pki, "chain-int.pem"), "-www",
           *extra]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                            env=ENV)


def s_client(port, pki, keylog, *extra):
    """One openssl s_client run sending a request; (exit status, everything it printed)."""
    cmd = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", WWW, "-CAfile",
           os.path.join(pki, "root.pem"), "-verify_return_error", "-ign_eof", "-keylogfile", keylog, *extra]
    r = subprocess.run(cmd, input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True, env=ENV, timeout=20)
    return r.returncode, (r.stdout + r.stderr).decode("utf-8", "replace")


def analyze(tool, pcap, ca, *extra):
    r = subprocess.run([tool, "analyze", "--json", "--json-detail", "full", "--ca", ca, *extra, pcap], capture_output=True, text=True,
                       timeout=60)
    return [j for j in (json.loads(x) for x in r.stdout.splitlines() if x.startswith("{"))
            if j.get("type") == "connection"]


def by_port(conns):
    out = {}
    for c in conns:
        if (c.get("client_hello") or {}).get("count"):
            out.setdefault(c["server"]["port"], []).append(c)
    for v in out.values():
        v.sort(key=lambda j: j["ts"])
    return out


def client_files(pki, tmp, leaf, chain):
    """(certificate file with its chain, key file) the clients are given, or (None, None)."""
    if not leaf:
        return None, None
    path = os.path.join(tmp, "%s-with-chain.pem" % leaf)
    with open(path, "w") as out:
        for part in (leaf + ".pem", chain):
            with open(os.path.join(pki, part)) as f:
                out.write(f.read())
    return path, os.path.join(pki, leaf + ".key")


def mtls_attempt(client, port, pki, tmp, keylog, leaf, chain):
    """One real client with (or without) a client certificate: (ok, code, message)."""
    cert, key = client_files(pki, tmp, leaf, chain)
    ca = os.path.join(pki, "root.pem")
    if client == "openssl":
        # s_client sends only the first certificate of -cert: the chain goes in -cert_chain
        extra = ["-cert", os.path.join(pki, leaf + ".pem"), "-key", key, "-cert_chain",
                 os.path.join(pki, chain)] if cert else []
        rc, out = s_client(port, pki, keylog, *extra)
        m = re.search(r"error:([0-9A-F]{8}):SSL routines:[^:]*:([^:]*):", out)
        if not m:
            return rc == 0, None, out.strip().splitlines()[-1] if out.strip() else ""
        return False, "SSL_R_" + re.sub(r"[^A-Za-z0-9]+", "_", m.group(2)).upper(), m.group(0)
    if client == "curl":
        cmd = ["curl", "-q", "-sS", "--noproxy", "*", "--max-time", "8", "-o", "/dev/null", "--cacert", ca,
               "--resolve", "%s:%d:127.0.0.1" % (WWW, port), "https://%s:%d/" % (WWW, port)]
        if cert:
            cmd += ["--cert", cert, "--key", key]
        r = subprocess.run(cmd, capture_output=True, text=True, env=dict(ENV, SSLKEYLOGFILE=keylog), timeout=20)
        line = next((m.group(1) for m in map(re.compile(r"curl: \(\d+\) (.*)").match, r.stderr.splitlines()) if m),
                    "")
        return r.returncode == 0, (str(r.returncode) if r.returncode else None), line
    script, runner = (NODE_CLIENT, "node") if client == "node" else (PYTHON_CLIENT, sys.executable)
    args = [str(port), ca, keylog] + ([cert, key] if cert else [])
    flag = "-e" if client == "node" else "-c"
    r = subprocess.run([runner, flag, script, *args], capture_output=True, text=True, env=ENV, timeout=20)
    out = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else "NO_OUTPUT\t" + r.stderr.strip()[:200]
    if out == "OK":
        return True, None, ""
    code, _, message = out.partition("\t")
    return False, code, message


def prediction_agrees(client, real_code, real_message, pred):
    """The real client's error against client_errors[client]: the code it prints, and for curl and
    Python the reason in its message."""
    if pred is None:
        return real_code is None
    if client == "curl":
        return pred["code"] == real_code and pred["message"] == real_message
    if client == "python":
        reason = re.search(r"\[SSL: [A-Z0-9_]+\]", real_message or "")
        return pred["code"] == real_code and bool(reason) and reason.group(0) in pred["message"]
    return pred["code"] == real_code


def run_mtls(pki, tmp, keylog):
    said = {}
    for version, port in MTLS_PORTS.items():
        for name, leaf, chain, _, _ in MTLS:
            for client in MTLS_CLIENTS:
                said[(version, name, client)] = mtls_attempt(client, port, pki, tmp, keylog, leaf, chain)
                print("  %-8s %-15s %-8s %s" % (version, name, client, said[(version, name, client)]), flush=True)
    return said


def assess_mtls(said, plain, keyed):
    for version, port in MTLS_PORTS.items():
        for label, table in (("no key log", plain), ("key log", keyed)):
            conns = table.get(port, [])
            want = len(MTLS) * len(MTLS_CLIENTS)
            if len(conns) != want:
                check("mtls %s" % version, "%s: %d connections" % (label, want), False, len(conns))
                continue
            it = iter(conns)
            for name, leaf, _, codes, alert in MTLS:
                for client in MTLS_CLIENTS:
                    j = next(it)
                    case = "mtls %s %s %s" % (version, name, client)
                    ok, code, message = said[(version, name, client)]
                    check(case, "the real client %s" % ("connects" if not codes else "fails"), ok == (not codes),
                          (code, message))
                    found = [f["code"] for f in j["findings"]]
                    readable = version == "-tls1_2" or label == "key log"
                    if readable:
                        for want_code in codes:
                            check(case, "%s: finding %s" % (label, want_code), want_code in found, found)
                        if not codes:
                            check(case, "%s: no finding above info" % label,
                                  all(f["severity"] == "info" for f in j["findings"]), found)
                        cr = j.get("certificate_request_details") or {}
                        check(case, "%s: certificate_request_details names the root" % label,
                              cr.get("certificate_authorities") == ["CN=tlsscope e2e Root CA,O=tlsscope e2e"] and
                              cr.get("certificate_authorities_total") == 1, cr)
                    elif name == "none":
                        first = j["findings"][0] if j["findings"] else {}
                        check(case, "%s: client-certificate-missing first, said to be inferred" % label,
                              first.get("code") == "client-certificate-missing" and
                              "Inferred" in first.get("message", ""), found)
                    if readable or name == "none":
                        pred = j["client_errors"].get(client)
                        check(case, "%s: client_errors.%s is what the client printed" % (label, client),
                              prediction_agrees(client, code, message, pred), "real %s %r, predicted %s" %
                              (code, message, pred))


def assess_client_ca(said, plain, with_client_ca):
    name = "client-ca"
    check(name, "the lax server takes the certificate from the other CA", said[0], said)
    j, k = (plain.get(LAX_PORT) or [{}])[0], (with_client_ca.get(LAX_PORT) or [{}])[0]
    check(name, "without --client-ca: no CA list, no finding", not j.get("findings") and
          (j.get("certificate_request_details") or {}).get("certificate_authorities_total") == 0, j.get("findings"))
    f = [x for x in k.get("findings", []) if x["code"] == "client-certificate-invalid"]
    check(name, "with --client-ca: client-certificate-invalid, a warning (the server went on), naming OpenSSL's "
          "result", len(f) == 1 and f[0]["severity"] == "warning" and
          "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY" in f[0]["message"], f)


CHAIN_CODES = {"hostname-mismatch", "wildcard-mismatch", "ip-not-in-san", "cn-only", "self-signed-leaf",
               "self-signed-in-chain", "unknown-issuer", "missing-intermediate", "expired", "not-yet-valid",
               "chain-order", "weak-signature", "weak-key", "not-for-server-auth", "ca-as-leaf",
               "unparsable-certificate", "certificate-not-visible"}


def run_resumption(pki, keylog):
    said = {}
    for port, _, how in RESUME:
        sess = os.path.join(os.path.dirname(keylog), "sess-%d.pem" % port)
        said[port] = [s_client(port, pki, keylog, "-sess_out", sess), s_client(port, pki, keylog, "-sess_in", sess)]
    return said


def assess_resumption(said, plain, keyed):
    for port, _, how in RESUME:
        name = "resume-" + how
        (rc1, out1), (rc2, out2) = said[port]
        check(name, "the real client: a new session, then Reused", rc1 == 0 and rc2 == 0 and "\nNew," in out1
              and "\nReused," in out2, (rc1, rc2))
        for label, table in (("no key log", plain), ("key log", keyed)):
            conns = table.get(port, [])
            if len(conns) != 2:
                check(name, "%s: two connections" % label, False, len(conns))
                continue
            full, again = conns
            check(name, "%s: resumed by %s" % (label, how), (full["resumed"], again["resumed"],
                                                            again["resumption"]) == (False, True, how),
                  (full["resumed"], again["resumed"], again["resumption"]))
            codes = [f["code"] for f in again["findings"]]
            check(name, "%s: no certificate or chain finding on the resumption" % label,
                  not CHAIN_CODES.intersection(codes) and all(f["certificate"] is None for f in again["findings"]),
                  codes)
            origin_visible = how != "psk" or label == "key log"
            if not origin_visible:
                check(name, "%s: the TLS 1.3 tickets are encrypted: resumed_from null" % label,
                      again.get("resumed_from") is None, again.get("resumed_from"))
                continue
            check(name, "%s: resumed_from is the full handshake (%d)" % (label, full["id"]),
                  again.get("resumed_from") == full["id"], again.get("resumed_from"))
            rc = again.get("resumed_chain") or {}
            want = [c["der_sha256"] for c in full["certificates"]]
            check(name, "%s: resumed_chain carries the full handshake's chain" % label,
                  rc.get("der_sha256") == want and rc.get("certificates_total") == full["certificates_total"],
                  rc)
            check(name, "%s: ... and its verdict (%s)" % (label, (full.get("verification") or {}).get(
                "verify_result")), rc.get("verify_result") == (full.get("verification") or {}).get("verify_result")
                  and rc.get("trusted") is True, rc)


def main():
    tool, outdir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    for t in ("openssl", "tcpdump", "curl", "node"):
        if not shutil.which(t):
            print("SKIP: %s not installed" % t)
            return 77
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    tmp = tempfile.mkdtemp(prefix="tlsscope-mtls-")
    pki = os.path.join(tmp, "pki")
    if subprocess.run(["sh", os.path.join(HERE, "make_pki.sh"), pki], env=ENV, capture_output=True).returncode:
        print("FAIL: make_pki.sh")
        return 1
    pcap = os.path.join(outdir, "mtls.pcap")
    keylog = os.path.join(outdir, "keylog.txt")
    open(keylog, "w").close()
    caplog = open(os.path.join(outdir, "tcpdump.log"), "w+")
    cap, why = lo_capture.start(pcap, "tcp portrange %d-%d" % (BASE, BASE + 399), caplog)
    if cap is None:
        print("SKIP: cannot capture lo: %s" % why)
        return 77
    procs, stop_event = [], threading.Event()
    try:
        for port, opts, _ in RESUME:
            procs.append(("resume-%d" % port, s_server(port, pki, "good", *opts)))
        for version, port in MTLS_PORTS.items():
            procs.append(("mtls%s" % version, s_server(port, pki, "good", version, "-Verify", "1", "-CAfile",
                                                       os.path.join(pki, "root.pem"), "-verify_return_error")))
        procs.append(("lax", s_server(LAX_PORT, pki, "good", "-tls1_2", "-verify", "1")))
        procs.append(("proxied", s_server(PROXIED_PORT, pki, "good", "-tls1_2")))
        proxy = threading.Thread(target=connect_proxy, args=(PROXY_PORT, stop_event), daemon=True)
        proxy.start()
        silent = threading.Thread(target=silent_server, args=(SILENT_PORT, stop_event), daemon=True)
        silent.start()
        err = wait_listening([p for p, _, _ in RESUME] + list(MTLS_PORTS.values()) +
                             [LAX_PORT, PROXIED_PORT, PROXY_PORT, SILENT_PORT], procs, time.monotonic() + 10)
        if err:
            print("FAIL: %s" % err)
            return 1
        said = run_resumption(pki, keylog)
        mtls_said = run_mtls(pki, tmp, keylog)
        lax_said = mtls_attempt("openssl", LAX_PORT, pki, tmp, keylog, "clientother", "chain-other.pem")
        proxy_said = run_proxied(pki, keylog)
        silent_said = run_silent()
    finally:
        stop(procs)
        stop_event.set()
        lo_capture.finish(cap, pcap, caplog)
    ca = os.path.join(pki, "root.pem")
    shutil.copy(ca, os.path.join(outdir, "root.pem"))
    plain, keyed = analyze(tool, pcap, ca), analyze(tool, pcap, ca, "--keylog", keylog)
    for name, conns in (("tlsscope.jsonl", plain), ("tlsscope-keylog.jsonl", keyed)):
        with open(os.path.join(outdir, name), "w") as f:
            f.writelines(json.dumps(c) + "\n" for c in conns)
    assess_resumption(said, by_port(plain), by_port(keyed))
    assess_mtls(mtls_said, by_port(plain), by_port(keyed))
    assess_proxied(proxy_said, by_port(plain))
    assess_silent(silent_said, by_port(plain))
    assess_client_ca(lax_said, by_port(plain), by_port(analyze(tool, pcap, ca, "--client-ca", ca)))
    shutil.rmtree(tmp, ignore_errors=True)
    print("%d failed" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
