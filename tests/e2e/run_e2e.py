#!/usr/bin/env python3
"""End-to-end test: tlsscope's client_errors against the real clients, on loopback.

    run_e2e.py TLSSCOPE OUTDIR [--write-actual FILE]

1. make_pki.sh builds a test PKI (openssl CLI) in a temporary directory;
2. tcpdump captures lo (ports 20000-20999) into OUTDIR/e2e.pcap;
3. real servers (openssl s_server, Node tls.createServer) present one case each;
4. real clients (Node, openssl s_client, curl, Python; Go and Java when installed) connect, each
   (case, client) pair on a server port of its own, so the capture's server port names the pair;
5. `TLSSCOPE analyze --json --ca root.pem OUTDIR/e2e.pcap`; for every attempt, the real client
   failed <=> client_errors[client] is not null, and when both fail the codes agree.

Exit 0 when every attempt agrees, 1 otherwise, 77 when lo cannot be captured (ctest's skip code).
OUTDIR keeps the evidence: e2e.pcap, root.pem (to re-run tlsscope), tlsscope.jsonl, actual.json,
table.txt, logs/. --write-actual FILE also writes the real clients' results as Markdown.
"""
import argparse
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

import lo_capture

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = 10          # seconds, per subprocess and per handshake
BATCH_TIMEOUT = 90    # seconds, for a batch client (Go, Java) doing every case in one process
BUILD_TIMEOUT = 120   # seconds, to compile the Go and Java clients
PORT_RANGES = (20000, 20200, 20400, 20600, 20800)  # candidate bases, all inside the capture filter

CLIENTS = ("node", "openssl", "curl", "python", "go", "java")
GOOD_CHAIN = "chain-int.pem"


class Case:
    def __init__(self, name, what, leaf, chain, servername, server="s_server", mode="serve", extra=()):
        self.name = name
        self.what = what
        self.leaf = leaf
        self.chain = chain
        self.servername = servername  # None: the client dials 127.0.0.1 and sends no SNI
        self.server = server
        self.mode = mode
        self.extra = list(extra)


WWW = "www.example.test"
CASES = [
    Case("good", "leaf+intermediate for www.example.test", "good", GOOD_CHAIN, WWW),
    Case("hostname-mismatch", "cert for www.example.test, client asks shop.example.test", "good", GOOD_CHAIN,
         "shop.example.test"),
    Case("wildcard-mismatch", "cert for *.example.test, client asks a.b.example.test", "wild", GOOD_CHAIN,
         "a.b.example.test"),
    Case("ip-not-in-san", "DNS-only cert, client dials 127.0.0.1 without SNI", "good", GOOD_CHAIN, None),
    Case("ip-san", "cert with IP:127.0.0.1, client dials 127.0.0.1 without SNI", "ip", GOOD_CHAIN, None),
    Case("cn-only", "CN=www.example.test, no subjectAltName", "cnonly", GOOD_CHAIN, WWW),
    Case("self-signed-leaf", "self-signed leaf", "selfsigned", None, WWW),
    Case("self-signed-in-chain", "leaf+intermediate+untrusted self-signed root", "other", "chain-other-root.pem",
         WWW),
    Case("unknown-issuer", "leaf+intermediate of a root the client lacks", "other", "chain-other.pem", WWW),
    Case("missing-intermediate", "leaf only (intermediate not sent)", "good", None, WWW),
    Case("expired", "leaf notAfter 2021-01-01", "expired", GOOD_CHAIN, WWW),
    Case("not-yet-valid", "leaf notBefore 2090-01-01", "notyet", GOOD_CHAIN, WWW),
    Case("client-auth-eku", "leaf with extendedKeyUsage clientAuth only", "clientauth", GOOD_CHAIN, WWW),
    Case("sni-reset", "Node SNICallback resets (RST) for a name other than www.example.test", "good", GOOD_CHAIN,
         "other.example.test", server="node", mode="sni-reset"),
    Case("sni-close", "Node SNICallback cb(err) (Node closes) for a name other than www.example.test", "good",
         GOOD_CHAIN, "other.example.test", server="node", mode="sni-close"),
    Case("sni-alert", "s_server -servername www.example.test -servername_fatal (unrecognized_name alert)", "good",
         GOOD_CHAIN, "other.example.test",
         extra=["-servername", WWW, "-servername_fatal", "-cert2", "{pki}/good.pem", "-key2", "{pki}/good.key"]),
    Case("no-shared-cipher", "s_server -cipher ECDHE-RSA-AES128-GCM-SHA256 with an ECDSA cert (handshake_failure)",
         "good", GOOD_CHAIN, WWW, extra=["-cipher", "ECDHE-RSA-AES128-GCM-SHA256"]),
]


def log(msg=""):
    print(msg, flush=True)


def clean_env():
    env = dict(os.environ)
    for k in list(env):
        if k.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy") or k.startswith("SSL_CERT") \
                or k in ("NODE_EXTRA_CA_CERTS", "NODE_OPTIONS", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE"):
            del env[k]
    env["GOPROXY"] = "off"
    env["GOTOOLCHAIN"] = "local"
    env["GO111MODULE"] = "off"
    return env


ENV = clean_env()


def run(cmd, timeout=TIMEOUT, **kw):
    """subprocess.run with a timeout; a timeout becomes returncode None."""
    try:
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, env=ENV,
                              **kw)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(cmd, None, e.stdout or b"", e.stderr or b"")


def first_line(b):
    for line in (b.decode("utf-8", "replace") if isinstance(b, bytes) else b).splitlines():
        if line.strip():
            return line.strip()
    return ""


def versions():
    v = {}
    r = run(["node", "--version"])
    v["node"] = first_line(r.stdout) if r.returncode == 0 else "missing"
    r = run(["openssl", "version"])
    v["openssl"] = first_line(r.stdout)
    r = run(["curl", "--version"])
    v["curl"] = first_line(r.stdout) if r.returncode == 0 else "missing"
    v["python"] = "Python %s (%s)" % (sys.version.split()[0], ssl.OPENSSL_VERSION)
    if shutil.which("go"):
        v["go"] = first_line(run(["go", "version"]).stdout)
    if shutil.which("java"):
        r = run(["java", "-version"])
        v["java"] = first_line(r.stderr) or first_line(r.stdout)
    return v


# ------------------------------------------------------------------ ports and processes

def listening_ports():
    ports = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    if parts[3] == "0A":  # LISTEN
                        ports.add(int(parts[1].rsplit(":", 1)[1], 16))
        except OSError:
            pass
    return ports


def port_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def wait_listening(ports, procs, deadline):
    """Wait (without connecting: a probe would be a connection in the capture) until every port listens."""
    ports = set(ports)
    while True:
        missing = ports - listening_ports()
        if not missing:
            return None
        for name, p in procs:
            if p.poll() is not None:
                return "%s exited with status %s before listening" % (name, p.returncode)
        if time.monotonic() > deadline:
            return "ports %s not listening after %d s" % (sorted(missing), TIMEOUT)
        time.sleep(0.05)


def stop(procs):
    for _, p in procs:
        if p.poll() is None:
            p.terminate()
    end = time.monotonic() + 3
    for _, p in procs:
        try:
            p.wait(max(0.1, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def pcap_server_ports(path):
    """TCP ports in 20000-20999 seen in a pcap (Ethernet or cooked, IPv4): to tell capture loss from a
    missing tlsscope record."""
    import struct
    ports = set()
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return ports
    if len(data) < 24:
        return ports
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    l2 = {1: 14, 113: 16, 276: 20}.get(linktype)
    off = 24
    while l2 is not None and off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        ip = pkt[l2:]
        if len(ip) >= 20 and ip[0] >> 4 == 4 and ip[9] == 6:
            ihl = (ip[0] & 15) * 4
            if len(ip) >= ihl + 4:
                for port in struct.unpack(">HH", ip[ihl:ihl + 4]):
                    if 20000 <= port <= 20999:
                        ports.add(port)
    return ports


# ------------------------------------------------------------------ X509_V_ERR names

X509_V_ERR_FALLBACK = {
    0: "X509_V_OK", 2: "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT", 7: "X509_V_ERR_CERT_SIGNATURE_FAILURE",
    9: "X509_V_ERR_CERT_NOT_YET_VALID", 10: "X509_V_ERR_CERT_HAS_EXPIRED",
    18: "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT", 19: "X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN",
    20: "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY", 21: "X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    24: "X509_V_ERR_INVALID_CA", 26: "X509_V_ERR_INVALID_PURPOSE", 27: "X509_V_ERR_CERT_UNTRUSTED",
    28: "X509_V_ERR_CERT_REJECTED", 62: "X509_V_ERR_HOSTNAME_MISMATCH", 63: "X509_V_ERR_EMAIL_MISMATCH",
    64: "X509_V_ERR_IP_ADDRESS_MISMATCH", 66: "X509_V_ERR_EE_KEY_TOO_SMALL", 67: "X509_V_ERR_CA_KEY_TOO_SMALL",
    68: "X509_V_ERR_CA_MD_TOO_WEAK",
}


def x509_v_err_names():
    names = dict(X509_V_ERR_FALLBACK)
    for hdr in ("/usr/include/openssl/x509_vfy.h", "/usr/local/include/openssl/x509_vfy.h"):
        try:
            with open(hdr) as f:
                for m in re.finditer(r"#\s*define\s+(X509_V_(?:ERR_\w+|OK))\s+(\d+)\b", f.read()):
                    names[int(m.group(2))] = m.group(1)
            break
        except OSError:
            pass
    return names


X509_NAMES = x509_v_err_names()


# ------------------------------------------------------------------ clients

def result(case, client, port, ok, code=None, message=None, local_port=None, **extra):
    r = {"case": case.name, "client": client, "port": port, "local_port": local_port, "ok": ok,
         "code": code, "message": message}
    r.update(extra)
    return r


def curl_attempt(case, port, pki):
    host = case.servername or "127.0.0.1"
    cmd = ["curl", "-q", "-sS", "--noproxy", "*", "--max-time", str(TIMEOUT), "-o", "/dev/null",
           "-w", "%{local_port}", "--cacert", os.path.join(pki, "root.pem")]
    if case.servername:
        cmd += ["--resolve", "%s:%d:127.0.0.1" % (host, port)]
    cmd.append("https://%s:%d/" % (host, port))
    r = run(cmd, timeout=TIMEOUT + 2)
    lp = r.stdout.decode().strip()
    lp = int(lp) if lp.isdigit() and int(lp) else None
    if r.returncode == 0:
        return result(case, "curl", port, True, local_port=lp)
    if r.returncode is None:
        return result(case, "curl", port, False, "TIMEOUT", "no answer in %d s" % TIMEOUT, lp)
    msg = ""
    for line in r.stderr.decode("utf-8", "replace").splitlines():
        m = re.match(r"curl: \((\d+)\) (.*)", line)
        if m:
            msg = m.group(2)
            break
    return result(case, "curl", port, False, str(r.returncode), msg or first_line(r.stderr), lp)


OPENSSL_ERR_LINE = re.compile(r"error:([0-9A-F]{8}):([^:]*):([^:]*):([^:]*):[^:]*:\d+:?(.*)")


def openssl_attempt(case, port, pki):
    cmd = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-CAfile", os.path.join(pki, "root.pem"),
           "-verify_return_error", "-ign_eof"]
    if case.servername:
        cmd += ["-servername", case.servername, "-verify_hostname", case.servername]
    else:
        cmd += ["-noservername", "-verify_ip", "127.0.0.1"]
    host = case.servername or "127.0.0.1"
    r = run(cmd, timeout=TIMEOUT, input=("GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % host).encode())
    out = r.stdout.decode("utf-8", "replace") + "\n" + r.stderr.decode("utf-8", "replace")
    if r.returncode == 0:
        return result(case, "openssl", port, True)
    if r.returncode is None:
        return result(case, "openssl", port, False, "TIMEOUT", "no answer in %d s" % TIMEOUT)
    m = re.search(r"verify error:num=(\d+):(.*)", out)
    if m:
        num = int(m.group(1))
        return result(case, "openssl", port, False, X509_NAMES.get(num, "X509_V_ERR_%d" % num),
                      "verify error:num=%d:%s" % (num, m.group(2).strip()))
    m = re.search(r"(read|write):errno=(\d+)", out)
    if m:
        code = {104: "ECONNRESET", 32: "EPIPE"}.get(int(m.group(2)), "errno=" + m.group(2))
        return result(case, "openssl", port, False, code, m.group(0))
    for line in out.splitlines():
        m = OPENSSL_ERR_LINE.search(line)
        if m and m.group(2) == "SSL routines":
            reason = m.group(4)
            code = "SSL_R_" + re.sub(r"[^A-Za-z0-9]+", "_", reason).upper()
            msg = "error:%s:SSL routines:%s:%s" % (m.group(1), m.group(3), reason)
            if m.group(5):
                msg += ":" + m.group(5).strip(":")
            return result(case, "openssl", port, False, code, msg)
    return result(case, "openssl", port, False, "EXIT_%s" % r.returncode, first_line(r.stderr))


def python_attempt(case, port, pki):
    ctx = ssl.create_default_context(cafile=os.path.join(pki, "root.pem"))
    host = case.servername or "127.0.0.1"
    lp = None
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
            lp = raw.getsockname()[1]
            with ctx.wrap_socket(raw, server_hostname=host) as s:
                try:  # like a real HTTPS client: one request, read the answer
                    s.sendall(("GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % host).encode())
                    while s.recv(4096):
                        pass
                except OSError:
                    pass  # the handshake succeeded; what follows is not the point
        return result(case, "python", port, True, local_port=lp)
    except Exception as e:  # noqa: BLE001 - the class is what we record
        extra = {}
        if isinstance(e, ssl.SSLCertVerificationError):
            extra = {"verify_code": e.verify_code, "verify_message": e.verify_message}
        return result(case, "python", port, False, type(e).__name__, str(e), lp, **extra)


def batch_node(cases_ports, pki, tmp):
    path = os.path.join(tmp, "node-attempts.json")
    with open(path, "w") as f:
        json.dump({"ca": os.path.join(pki, "root.pem"),
                   "attempts": [{"case": c.name, "port": p, "servername": c.servername} for c, p in cases_ports]}, f)
    r = run(["node", os.path.join(HERE, "e2e_node.js"), "client", path],
            timeout=TIMEOUT * len(cases_ports) + 5)
    return parse_batch("node", r, cases_ports)


def batch_go(cases_ports, pki, tmp, exe):
    path = os.path.join(tmp, "go-attempts.json")
    with open(path, "w") as f:
        json.dump({"ca": os.path.join(pki, "root.pem"),
                   "attempts": [{"case": c.name, "port": p, "servername": c.servername or ""}
                                for c, p in cases_ports]}, f)
    return parse_batch("go", run([exe, path], timeout=BATCH_TIMEOUT), cases_ports)


def batch_java(cases_ports, pki, tmp, classdir):
    path = os.path.join(tmp, "java-attempts.tsv")
    with open(path, "w") as f:
        for c, p in cases_ports:
            f.write("%s\t%d\t%s\n" % (c.name, p, c.servername or ""))
    r = run(["java", "-cp", classdir, "E2eClient", os.path.join(pki, "root.pem"), path], timeout=BATCH_TIMEOUT)
    return parse_batch("java", r, cases_ports)


def parse_batch(client, r, cases_ports):
    got = {}
    for line in r.stdout.decode("utf-8", "replace").splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        got[obj["port"]] = obj
    out = []
    for c, p in cases_ports:
        if p in got:
            out.append(got[p])
        else:
            why = "timed out" if r.returncode is None else "exit %s: %s" % (r.returncode, first_line(r.stderr))
            out.append(result(c, client, p, False, "HARNESS_ERROR", "%s client gave no result (%s)" % (client, why)))
    return out


def build_go(tmp):
    if not shutil.which("go"):
        return None, "go not installed"
    exe = os.path.join(tmp, "e2e_go")
    r = run(["go", "build", "-o", exe, os.path.join(HERE, "e2e_client.go")], timeout=BUILD_TIMEOUT, cwd=tmp)
    if r.returncode != 0:
        return None, "go build failed: %s" % first_line(r.stderr)
    return exe, None


def build_java(tmp):
    if not (shutil.which("java") and shutil.which("javac")):
        return None, "java/javac not installed"
    d = os.path.join(tmp, "java")
    os.makedirs(d, exist_ok=True)
    r = run(["javac", "-d", d, os.path.join(HERE, "E2eClient.java")], timeout=BUILD_TIMEOUT)
    if r.returncode != 0:
        return None, "javac failed: %s" % first_line(r.stderr)
    return d, None


# ------------------------------------------------------------------ comparison

def norm(s):
    s = re.sub(r"[^A-Z0-9]+", "_", (s or "").upper()).strip("_")
    for prefix in ("X509_V_ERR_", "ERR_SSL_", "SSL_R_", "SSL_"):
        if s.startswith(prefix):
            s = s[len(prefix):]
    for prefix in ("SSLV3_ALERT_", "TLSV1_ALERT_", "TLSV1_"):
        if s.startswith(prefix):
            s = s[len(prefix):]
    return s


GO_ALIASES = {"tls.alert": "tls.AlertError"}


def compare(a, pred):
    """(agree, note) for one attempt: a = the real client's result, pred = client_errors[client]."""
    if a["code"] == "HARNESS_ERROR":
        return False, "harness error: " + a["message"]
    if a["ok"] and pred is None:
        return True, ""
    if a["ok"]:
        return False, "the real client connected, tlsscope predicts %s" % pred.get("code")
    if pred is None:
        return False, "the real client failed with %s, tlsscope predicts success" % a["code"]
    client, code, pcode = a["client"], a["code"], pred.get("code")
    if client in ("node", "curl", "python"):
        ok = code == pcode
    elif client == "openssl":
        if code.startswith("X509_V_ERR_") or (pcode or "").startswith("X509_V_ERR_"):
            ok = code == pcode
        else:  # handshake and socket failures: the same reason in other words is enough
            na, np_ = norm(code), norm(pcode)
            ma, mp = norm(a.get("message")), norm(pred.get("message"))
            ok = bool(na and np_) and (na in np_ or np_ in na or na in mp or np_ in ma)
    elif client == "go":
        ok = GO_ALIASES.get(code, code) == GO_ALIASES.get(pcode, pcode)
    elif client == "java":
        classes = [code] + [c.split(":", 1)[0] for c in a.get("causes", [])]
        ok = pcode in classes
    else:
        ok = code == pcode
    return ok, "" if ok else "codes differ: real %s, predicted %s" % (code, pcode)


def fmt(code, message):
    if code is None:
        return "ok"
    message = " ".join((message or "").split())
    return "%s: %s" % (code, message) if message else str(code)


def fmt_actual(a):
    s = fmt(a["code"], a["message"]) if not a["ok"] else "ok"
    if a.get("causes"):
        s += " [causes: %s]" % " <- ".join(a["causes"])
    return s


# ------------------------------------------------------------------ main

def write_actual_md(path, vers, actual, active):
    lines = ["# Real clients on loopback: what each reports per case",
             "",
             "Generated by `tests/e2e/run_e2e.py` (`--write-actual`); do not edit by hand. Every server speaks",
             "TLS 1.2 at most (the certificate must be visible to tlsscope). The trust store of every client is",
             "the test root only (`root.pem`, the file given to `tlsscope --ca`). `ok` = the client connected.",
             "",
             "Versions:",
             ""]
    for k, v in vers.items():
        lines.append("- %s: `%s`" % (k, v))
    lines += ["", "Cases:", "", "| case | server | client asks |", "| --- | --- | --- |"]
    for c in CASES:
        lines.append("| %s | %s | %s |" % (c.name, c.what, c.servername or "127.0.0.1 (no SNI)"))
    lines += ["", "| case | client | code | message |", "| --- | --- | --- | --- |"]
    for c in CASES:
        for cl in active:
            a = actual.get((c.name, cl))
            if a is None:
                continue
            msg = " ".join((a["message"] or "").split()) if not a["ok"] else ""
            if a.get("causes"):
                msg += " [causes: %s]" % " <- ".join(a["causes"])
            lines.append("| %s | %s | %s | %s |" % (c.name, cl, "ok" if a["ok"] else "`%s`" % a["code"],
                                                   msg.replace("|", "\\|")))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tlsscope")
    ap.add_argument("outdir")
    ap.add_argument("--write-actual", metavar="FILE", help="also write the real clients' results as Markdown")
    args = ap.parse_args()
    started = time.monotonic()
    outdir = os.path.abspath(args.outdir)
    os.makedirs(os.path.join(outdir, "logs"), exist_ok=True)

    for tool in ("openssl", "tcpdump"):
        if not shutil.which(tool):
            log("skipped: %s not installed" % tool if tool == "openssl"
                else "skipped: cannot capture on lo (needs root or CAP_NET_RAW; tcpdump not installed)")
            return 77

    tmp = tempfile.mkdtemp(prefix="tlsscope-e2e-")
    pki = os.path.join(tmp, "pki")
    procs = []       # every server we started: stopped in finally
    tcpdump = None
    try:
        # Capture first: when lo cannot be captured, skip before building anything.
        pcap = os.path.join(outdir, "e2e.pcap")
        tlog = open(os.path.join(outdir, "logs", "tcpdump.log"), "w+")
        tcpdump, why = lo_capture.start(pcap, "tcp and portrange 20000-20999", tlog, env=ENV)
        if tcpdump is None:
            log("skipped: cannot capture on lo (needs root or CAP_NET_RAW)")
            log("  tcpdump: %s" % why)
            return 77

        r = run(["sh", os.path.join(HERE, "make_pki.sh"), pki], timeout=60)
        if r.returncode != 0:
            log("FAIL: make_pki.sh: %s" % (first_line(r.stderr) or r.returncode))
            return 1
        shutil.copy(os.path.join(pki, "root.pem"), os.path.join(outdir, "root.pem"))

        # Optional clients: skipped quietly when not installed.
        skipped = {}
        if not shutil.which("node"):
            skipped["node"] = "node not installed"
        if not shutil.which("curl"):
            skipped["curl"] = "curl not installed"
        go_exe, why = build_go(tmp)
        if why:
            skipped["go"] = why
        java_dir, why = build_java(tmp)
        if why:
            skipped["java"] = why
        active = [c for c in CLIENTS if c not in skipped]
        if any(c.server == "node" for c in CASES) and "node" in skipped:
            log("FAIL: the sni-* cases need node for their server")
            return 1

        base = next((b for b in PORT_RANGES
                     if all(port_free(b + 10 * i + j) for i in range(len(CASES)) for j in range(len(CLIENTS)))),
                    None)
        if base is None:
            log("FAIL: no free block of ports in 20000-20999 on 127.0.0.1")
            return 1

        def port(ci, client):
            return base + 10 * ci + CLIENTS.index(client)

        # The Node server serves every node case for every client from one process.
        node_servers = []
        for ci, c in enumerate(CASES):
            if c.server == "node":
                for cl in active:
                    node_servers.append({"port": port(ci, cl), "mode": c.mode, "allow": WWW,
                                         "key": os.path.join(pki, c.leaf + ".key"),
                                         "cert": os.path.join(pki, c.leaf + ".pem"),
                                         "chain": os.path.join(pki, c.chain) if c.chain else None})
        if node_servers:
            cfg = os.path.join(tmp, "node-servers.json")
            with open(cfg, "w") as f:
                json.dump({"servers": node_servers}, f)
            nlog = open(os.path.join(outdir, "logs", "node-server.log"), "w")
            p = subprocess.Popen(["node", os.path.join(HERE, "e2e_node.js"), "server", cfg],
                                 stdout=nlog, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=ENV)
            procs.append(("node server", p))
            err = wait_listening([s["port"] for s in node_servers], procs, time.monotonic() + TIMEOUT)
            if err:
                log("FAIL: node server: %s" % err)
                return 1

        t_setup = time.monotonic() - started
        # One phase per client: its s_servers up, its attempts in order, its servers down.
        actual = {}
        for cl in active:
            phase = []
            for ci, c in enumerate(CASES):
                if c.server != "s_server":
                    continue
                pt = port(ci, cl)
                cmd = ["openssl", "s_server", "-accept", "127.0.0.1:%d" % pt,
                       "-cert", os.path.join(pki, c.leaf + ".pem"), "-key", os.path.join(pki, c.leaf + ".key"),
                       "-no_tls1_3", "-www"]
                if c.chain:
                    cmd += ["-cert_chain", os.path.join(pki, c.chain)]
                cmd += [x.replace("{pki}", pki) for x in c.extra]
                slog = open(os.path.join(outdir, "logs", "s_server-%s-%s.log" % (c.name, cl)), "w")
                p = subprocess.Popen(cmd, stdout=slog, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=ENV)
                slog.close()
                phase.append(("s_server %s/%s" % (c.name, cl), p))
            procs.extend(phase)
            err = wait_listening([port(ci, cl) for ci, c in enumerate(CASES) if c.server == "s_server"], phase,
                                 time.monotonic() + TIMEOUT)
            if err:
                log("FAIL: %s" % err)
                return 1
            cps = [(c, port(ci, cl)) for ci, c in enumerate(CASES)]
            if cl == "node":
                results = batch_node(cps, pki, tmp)
            elif cl == "go":
                results = batch_go(cps, pki, tmp, go_exe)
            elif cl == "java":
                results = batch_java(cps, pki, tmp, java_dir)
            else:
                fn = {"curl": curl_attempt, "openssl": openssl_attempt, "python": python_attempt}[cl]
                results = [fn(c, p, pki) for c, p in cps]
            for r_ in results:
                actual[(r_["case"], cl)] = r_
            time.sleep(0.2)  # let the last FINs cross before the servers go
            stop(phase)
            procs = [x for x in procs if x not in phase]

        t_clients = time.monotonic() - started - t_setup
        dropped = lo_capture.finish(tcpdump, pcap, tlog)
        tcpdump = None
        stop(procs)
        procs = []

        with open(os.path.join(outdir, "actual.json"), "w") as f:
            json.dump([actual[k] for k in sorted(actual)], f, indent=1)
        vers = versions()
        if args.write_actual:
            write_actual_md(args.write_actual, vers, actual, active)

        # tlsscope.
        records, problem = {}, None
        if not (os.path.isfile(args.tlsscope) and os.access(args.tlsscope, os.X_OK)):
            problem = "tlsscope not found or not executable: %s" % args.tlsscope
        else:
            r = run([args.tlsscope, "analyze", "--json", "--ca", os.path.join(pki, "root.pem"), pcap], timeout=60)
            with open(os.path.join(outdir, "tlsscope.jsonl"), "wb") as f:
                f.write(r.stdout)
            if r.returncode not in (0, 1):  # 1: error findings (--fail-on default)
                problem = "tlsscope exited with %s: %s" % (r.returncode, first_line(r.stderr))
            for line in r.stdout.decode("utf-8", "replace").splitlines():
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                if obj.get("type") == "connection":
                    records.setdefault((obj.get("server") or {}).get("port"), []).append(obj)

        # Table.
        out = []
        emit = out.append
        emit("tlsscope e2e: %d cases x %d clients (%s)%s" % (
            len(CASES), len(active), ", ".join(active),
            "; skipped: " + "; ".join("%s (%s)" % kv for kv in skipped.items()) if skipped else ""))
        emit("versions: " + "; ".join("%s %s" % kv for kv in vers.items()))
        emit("")
        rows, problems, findings, outcomes = [], [], {}, {}
        captured = pcap_server_ports(pcap)
        missing_ce = False
        for ci, c in enumerate(CASES):
            for cl in active:
                a = actual[(c.name, cl)]
                pt = port(ci, cl)
                recs = records.get(pt, [])
                pred_txt, verdict, note = "-", "DISAGREE", ""
                if problem:
                    note = problem
                elif not recs:
                    note = "no tlsscope record with server.port %d%s" % (
                        pt, "" if pt in captured else " (and the capture has no packet of that port: capture loss)")
                else:
                    rec = recs[0]
                    if len(recs) > 1:
                        note = "%d records for server port %d; the first is used. " % (len(recs), pt)
                    lp = (rec.get("client") or {}).get("port")
                    if a.get("local_port") and lp and a["local_port"] != lp:
                        note += "record client.port %s but the client used %s. " % (lp, a["local_port"])
                    findings.setdefault(c.name, {})[cl] = [f.get("code") for f in rec.get("findings") or []]
                    outcomes.setdefault(c.name, {})[cl] = rec.get("outcome")
                    ce = rec.get("client_errors")
                    if not isinstance(ce, dict) or cl not in ce:
                        missing_ce = True
                        note += "client_errors%s missing from the tlsscope record" % (
                            "" if not isinstance(ce, dict) else "." + cl)
                    else:
                        pred = ce[cl]
                        pred_txt = "ok" if pred is None else fmt(pred.get("code"), pred.get("message"))
                        agree, why = compare(a, pred)
                        verdict = "AGREE" if agree else "DISAGREE"
                        note += why
                rows.append((c.name, cl, verdict, fmt_actual(a), pred_txt))
                if verdict != "AGREE":
                    problems.append("DISAGREE %s/%s (port %d): %s | real: %s | predicted: %s" % (
                        c.name, cl, pt, note.strip(), fmt_actual(a), pred_txt))
        w0 = max(len(r_[0]) for r_ in rows)
        emit("%-*s  %-7s  %-8s  %s" % (w0, "case", "client", "verdict", "actual  ||  predicted"))
        for case_, cl, verdict, act, pred in rows:
            emit("%-*s  %-7s  %-8s  actual:    %s" % (w0, case_, cl, verdict, act))
            emit("%-*s  %-7s  %-8s  predicted: %s" % (w0, "", "", "", pred))
        emit("")
        emit("findings per case (codes from each client's connection):")
        for c in CASES:
            per = findings.get(c.name, {})
            if not per:
                emit("  %-22s (no record)" % c.name)
                continue
            common = set.intersection(*(set(v) for v in per.values()))
            base_codes = [x for x in next(iter(per.values())) if x in common]
            extra = ["%s+%s" % (cl, ",".join(x for x in v if x not in common))
                     for cl, v in per.items() if any(x not in common for x in v)]
            emit("  %-22s %s%s" % (c.name, ", ".join(base_codes) or "(none)",
                                   ("   [" + "; ".join(extra) + "]") if extra else ""))
            oc = outcomes.get(c.name, {})
            if len(set(oc.values())) == 1:
                emit("  %-22s   outcome: %s" % ("", next(iter(oc.values()))))
            else:
                emit("  %-22s   outcome: %s" % ("", ", ".join("%s=%s" % kv for kv in oc.items())))
        emit("")
        if dropped:
            emit("FAIL: tcpdump reports %d packets dropped by kernel: records may be missing or wrong "
                 "(harness problem, not a tlsscope one)" % dropped)
        if problem:
            emit("FAIL: " + problem)
        if missing_ce:
            emit("FAIL: this tlsscope build writes no client_errors (or not for every client)")
        for p in problems:
            emit(p)
        agree_n = sum(1 for r_ in rows if r_[2] == "AGREE")
        emit("")
        emit("%d of %d attempts agree; %s (%.1f s: setup %.1f, clients %.1f)" % (
            agree_n, len(rows), "PASS" if agree_n == len(rows) else "FAIL", time.monotonic() - started, t_setup,
            t_clients))
        text = "\n".join(out)
        log(text)
        with open(os.path.join(outdir, "table.txt"), "w") as f:
            f.write(text + "\n")
        return 0 if agree_n == len(rows) and not dropped else 1
    finally:
        lo_capture.stop(tcpdump)
        stop(procs)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
