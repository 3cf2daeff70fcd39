#!/usr/bin/env python3
"""End-to-end test: each client's own trust store, real clients against real servers on loopback.

    trust_e2e.py TLSSCOPE OUTDIR

One openssl s_server per (TLS version, client) on ports 30600-30699 presents a chain under a private
root (tests/e2e/make_pki.sh: leaf + intermediate, root.pem not sent), TLS 1.2 and TLS 1.3 (the servers
write key logs, so tlsscope sees the TLS 1.3 certificate). Per scenario (what the clients were given:
SSL_CERT_FILE, SSL_CERT_DIR, NODE_EXTRA_CA_CERTS, node --use-openssl-ca, node's ca option, curl
--cacert, openssl -CAfile, Python's cafile, a Java truststore in JKS and PKCS#12), lo is captured while
every installed client connects once per version, then `TLSSCOPE analyze --json` runs with the same
scenario told in tlsscope's terms (--ssl-cert-file, --client node:extra-ca=FILE, ...). Asserted per
attempt: the real client failed <=> client_errors[client] is not null, with the same code
(run_e2e.compare); per record: trust-differs-by-client is raised <=> the real clients of that version
disagreed, and its fix names the failing clients' own switches. Every client's environment is built
here (SSL_CERT_FILE, SSL_CERT_DIR, NODE_EXTRA_CA_CERTS, NODE_OPTIONS unset unless the scenario sets
them); the machine's trust store is never changed.

Exit 0 when all agree, 1 otherwise (each disagreement named), 77 when lo cannot be captured or
openssl is missing. Missing clients (Go, Java, gnutls-cli) are skipped and named.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import lo_capture
import run_e2e

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = 30600
WWW = "www.example.test"
TIMEOUT = 10
VERSIONS = (("tls1.2", "-tls1_2"), ("tls1.3", "-tls1_3"))
CLIENTS = ("node", "openssl", "curl", "python", "java")
FAILS = []

# Scenario: name, what, env for every client, per-client settings, tlsscope flags ({root}, {other},
# {hashdir}, {jks}, {p12} are filled in).
SCENARIOS = [
    ("nothing-given", "no client was given the private root", {}, {}, []),
    ("ssl-cert-file", "every client runs with SSL_CERT_FILE=root.pem", {"SSL_CERT_FILE": "{root}"}, {},
     ["--ssl-cert-file", "{root}"]),
    ("ssl-cert-dir", "every client runs with SSL_CERT_DIR=a hashed directory holding root.pem",
     {"SSL_CERT_DIR": "{hashdir}"}, {}, ["--ssl-cert-dir", "{hashdir}"]),
    ("node-extra-ca", "every client runs with NODE_EXTRA_CA_CERTS=root.pem", {"NODE_EXTRA_CA_CERTS": "{root}"}, {},
     ["--client", "node:extra-ca={root}"]),
    ("node-use-openssl-ca", "SSL_CERT_FILE=root.pem, node --use-openssl-ca", {"SSL_CERT_FILE": "{root}"},
     {"node_args": ["--use-openssl-ca"]}, ["--ssl-cert-file", "{root}", "--client", "node:use-openssl-ca"]),
    ("node-ca-option", "NODE_EXTRA_CA_CERTS=root.pem, and node's ca option = other-root.pem",
     {"NODE_EXTRA_CA_CERTS": "{root}"}, {"node_ca": "{other}"},
     ["--client", "node:extra-ca={root}", "--client", "node:ca={other}"]),
    ("each-client-own-switch", "curl --cacert, openssl -CAfile, Python cafile=, Java trustStore (JKS) = root",
     {}, {"curl_cacert": "{root}", "openssl_cafile": "{root}", "python_cafile": "{root}", "java_truststore": "{jks}"},
     ["--client", "curl:cacert={root}", "--client", "openssl:cafile={root}", "--client", "python:cafile={root}",
      "--client", "java:truststore={jks}"]),
    ("java-pkcs12", "Java -Djavax.net.ssl.trustStore=a PKCS#12 store holding root.pem", {},
     {"java_truststore": "{p12}"}, ["--client", "java:truststore={p12}"]),
    ("ca-for-every-client", "every client given root.pem (tlsscope --ca)", {},
     {"node_ca": "{root}", "curl_cacert": "{root}", "openssl_cafile": "{root}", "python_cafile": "{root}",
      "java_truststore": "{jks}"}, ["--ca", "{root}"]),
]

PY_CLIENT = r"""
import json, socket, ssl, sys
port, host, cafile = int(sys.argv[1]), sys.argv[2], sys.argv[3] or None
r = {"client": "python", "port": port, "ok": False, "code": None, "message": None}
try:
    ctx = ssl.create_default_context(cafile=cafile)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=host) as s:
            r["ok"] = True
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
except Exception as e:
    if not r["ok"]:
        r["code"], r["message"] = type(e).__name__, str(e)
print(json.dumps(r))
"""


def log(msg=""):
    print(msg, flush=True)


def check(what, ok, detail=""):
    if not ok:
        FAILS.append("%s: %s" % (what, detail))
        log("FAIL %s: %s" % (what, detail))


def client_env(extra):
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("SSL_CERT") or k in ("NODE_EXTRA_CA_CERTS", "NODE_OPTIONS", "CURL_CA_BUNDLE",
                                             "REQUESTS_CA_BUNDLE", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS") \
                or k.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
            del env[k]
    env.update(extra)
    return env


def run(cmd, env, timeout=TIMEOUT, **kw):
    try:
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, env=env, **kw)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(cmd, None, e.stdout or b"", e.stderr or b"")


def attempt(client, port, settings, env, tmp, java_dir):
    """The real client's result: {client, port, ok, code, message[, causes]}."""
    base = {"case": "trust", "client": client, "port": port}
    if client == "node":
        cfg = os.path.join(tmp, "node-%d.json" % port)
        with open(cfg, "w") as f:
            json.dump({"ca": settings.get("node_ca"),
                       "attempts": [{"case": "trust", "port": port, "servername": WWW}]}, f)
        r = run(["node"] + settings.get("node_args", []) + [os.path.join(HERE, "e2e_node.js"), "client", cfg], env)
    elif client == "python":
        r = run([sys.executable, "-c", PY_CLIENT, str(port), WWW, settings.get("python_cafile", "")], env)
    elif client == "java":
        props = ["-Djavax.net.ssl.trustStore=" + settings["java_truststore"],
                 "-Djavax.net.ssl.trustStorePassword=changeit"] if settings.get("java_truststore") else []
        tsv = os.path.join(tmp, "java-%d.tsv" % port)
        with open(tsv, "w") as f:
            f.write("trust\t%d\t%s\n" % (port, WWW))
        r = run(["java"] + props + ["-cp", java_dir, "E2eClient", "-", tsv], env, timeout=60)
    elif client == "curl":
        cmd = ["curl", "-q", "-sS", "--noproxy", "*", "--max-time", str(TIMEOUT), "-o", "/dev/null",
               "--resolve", "%s:%d:127.0.0.1" % (WWW, port), "https://%s:%d/" % (WWW, port)]
        if settings.get("curl_cacert"):
            cmd[1:1] = ["--cacert", settings["curl_cacert"]]
        r = run(cmd, env, timeout=TIMEOUT + 2)
        if r.returncode == 0:
            return dict(base, ok=True, code=None, message=None)
        return dict(base, ok=False, code=str(r.returncode), message=run_e2e.first_line(r.stderr))
    else:  # openssl
        cmd = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", WWW, "-verify_hostname", WWW,
               "-verify_return_error", "-ign_eof"]
        if settings.get("openssl_cafile"):
            cmd += ["-CAfile", settings["openssl_cafile"]]
        r = run(cmd, env, input=b"GET / HTTP/1.0\r\n\r\n")
        out = r.stdout.decode("utf-8", "replace") + r.stderr.decode("utf-8", "replace")
        if r.returncode == 0:
            return dict(base, ok=True, code=None, message=None)
        import re
        m = re.search(r"verify error:num=(\d+):(.*)", out)
        if m:
            num = int(m.group(1))
            return dict(base, ok=False, code=run_e2e.X509_NAMES.get(num, "X509_V_ERR_%d" % num), message=m.group(0))
        return dict(base, ok=False, code="EXIT_%s" % r.returncode, message=run_e2e.first_line(r.stderr))
    for line in r.stdout.decode("utf-8", "replace").splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        obj.update(case="trust", client=client, port=port)
        return obj
    return dict(base, ok=False, code="HARNESS_ERROR",
                message="%s gave no result (exit %s: %s)" % (client, r.returncode, run_e2e.first_line(r.stderr)))


def make_stores(pki, tmp):
    """A hashed directory and Java truststores (JKS and PKCS#12) holding only root.pem."""
    root = os.path.join(pki, "root.pem")
    hashdir = os.path.join(tmp, "hashed")
    os.makedirs(hashdir)
    shutil.copy(root, os.path.join(hashdir, "root.pem"))
    subprocess.run(["openssl", "rehash", hashdir], check=True, stdout=subprocess.DEVNULL)
    stores = {"root": root, "other": os.path.join(pki, "other-root.pem"), "hashdir": hashdir}
    for kind, ext in (("JKS", "jks"), ("PKCS12", "p12")):
        path = os.path.join(tmp, "truststore." + ext)
        if shutil.which("keytool"):
            subprocess.run(["keytool", "-importcert", "-noprompt", "-alias", "private-root", "-file", root,
                            "-keystore", path, "-storetype", kind, "-storepass", "changeit"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stores[ext] = path
    return stores


def fill(v, stores):
    if isinstance(v, list):
        return [fill(x, stores) for x in v]
    if isinstance(v, dict):
        return {k: fill(x, stores) for k, x in v.items()}
    return v.format(**stores)


def start_servers(pki, tmp, outdir):
    procs, keylogs, ports = [], [], {}
    for vi, (vname, vflag) in enumerate(VERSIONS):
        for ci, client in enumerate(CLIENTS):
            port = BASE + 10 * vi + ci
            keylog = os.path.join(tmp, "server-%d.keys" % port)
            keylogs.append(keylog)
            ports[(vname, client)] = port
            logf = open(os.path.join(outdir, "logs", "server-%d.log" % port), "w")
            p = subprocess.Popen(["openssl", "s_server", "-accept", str(port), "-cert", os.path.join(pki, "good.pem"),
                                  "-key", os.path.join(pki, "good.key"), "-cert_chain",
                                  os.path.join(pki, "chain-int.pem"), "-www", vflag, "-keylogfile", keylog],
                                 stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                                 env=client_env({}))
            procs.append(("s_server:%d" % port, p))
    why = run_e2e.wait_listening(ports.values(), procs, time.monotonic() + TIMEOUT)
    return procs, keylogs, ports, why


def assess(scenario, what, results, records, ports):
    by_port = {}
    for rec in records:
        if rec.get("type", "connection") == "connection" and rec.get("server"):
            by_port.setdefault(rec["server"]["port"], rec)
    for vname, _ in VERSIONS:
        got = [a for a in results if a["version"] == vname]
        differ = len({a["ok"] for a in got}) > 1
        for a in got:
            tag = "%s/%s/%s" % (scenario, vname, a["client"])
            rec = by_port.get(a["port"])
            if rec is None:
                check(tag, False, "no tlsscope record for port %d" % a["port"])
                continue
            pred = (rec.get("client_errors") or {}).get(a["client"])
            ok, note = run_e2e.compare(a, pred)
            check(tag, ok, note + " (real: %s)" % run_e2e.fmt_actual(a))
            codes = [f["code"] for f in rec.get("findings", [])]
            check(tag + " trust-differs-by-client", ("trust-differs-by-client" in codes) == differ,
                  "real clients %s, finding %s" % ("disagree" if differ else "agree",
                                                   "raised" if "trust-differs-by-client" in codes else "absent"))
            if differ and "trust-differs-by-client" in codes:
                fix = next(f["fix"] for f in rec["findings"] if f["code"] == "trust-differs-by-client")
                for b in got:
                    if not b["ok"]:
                        word = {"node": "Node.js", "java": "keytool", "curl": "curl", "openssl": "openssl",
                                "python": "Python"}[b["client"]]
                        check(tag + " fix", word in fix, "the fix does not name %s's switch: %s" % (b["client"], fix))
                check(tag + " fix", "insecure" not in fix and "rejectUnauthorized" not in fix
                      and "verify=False" not in fix, "the fix turns verification off: " + fix)


def main():
    if len(sys.argv) != 3:
        log(__doc__)
        return 2
    tool, outdir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    os.makedirs(os.path.join(outdir, "logs"), exist_ok=True)
    if not shutil.which("openssl") or not shutil.which("tcpdump"):
        log("skipped: openssl or tcpdump not installed")
        return 77
    tmp = tempfile.mkdtemp(prefix="tlsscope-trust-")
    procs = []
    try:
        pki = os.path.join(tmp, "pki")
        subprocess.run(["sh", os.path.join(HERE, "make_pki.sh"), pki], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        stores = make_stores(pki, tmp)
        active, skipped = [], {}
        java_dir = None
        for c in CLIENTS:
            if c == "java":
                java_dir, why = run_e2e.build_java(tmp)
                if not java_dir or not shutil.which("keytool"):
                    skipped[c] = why or "keytool not installed"
                    continue
            elif c != "python" and not shutil.which(c):
                skipped[c] = "%s not installed" % c
                continue
            active.append(c)
        for c in ("go", "gnutls-cli"):
            skipped[c] = "not part of this test (%s)" % ("not installed" if not shutil.which(c)
                                                        else "no per-client trust case for it yet")
        procs, keylogs, ports, why = start_servers(pki, tmp, outdir)
        if why:
            log("harness: " + why)
            return 1
        for name, what, env, settings, flags in SCENARIOS:
            env, settings, flags = fill(env, stores), fill(settings, stores), fill(flags, stores)
            pcap = os.path.join(outdir, "%s.pcap" % name)
            tlog = open(os.path.join(outdir, "logs", "tcpdump-%s.log" % name), "w+")
            cap, why = lo_capture.start(pcap, "tcp portrange %d-%d" % (BASE, BASE + 99), tlog)
            if cap is None:
                log("skipped: cannot capture on lo (%s)" % why)
                return 77
            results = []
            for vname, _ in VERSIONS:
                for c in active:
                    a = attempt(c, ports[(vname, c)], settings, client_env(env), tmp, java_dir)
                    a["version"] = vname
                    results.append(a)
            time.sleep(0.2)  # the last FINs
            dropped = lo_capture.finish(cap, pcap, tlog)
            if dropped:
                check(name, False, "%d packets dropped by the kernel" % dropped)
            merged = os.path.join(outdir, "%s.keys" % name)  # the servers' key logs so far (comments dropped)
            with open(merged, "w") as out:
                for k in keylogs:
                    if os.path.exists(k):
                        with open(k) as f:
                            out.writelines(line for line in f if line.strip() and not line.startswith("#"))
            cmd = [tool, "analyze", "--json", "--keylog", merged] + flags + [pcap]
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=client_env({}))
            with open(os.path.join(outdir, "%s.jsonl" % name), "wb") as f:
                f.write(r.stdout)
            records = [json.loads(line) for line in r.stdout.decode().splitlines() if line.strip()]
            if r.returncode not in (0, 1) or not records:
                check(name, False, "tlsscope exit %s: %s" % (r.returncode, run_e2e.first_line(r.stderr)))
            log("%-24s %s" % (name, what))
            for a in results:
                log("    %-7s %-8s real %-60s predicted %s" % (
                    a["version"], a["client"], run_e2e.fmt_actual(a)[:60],
                    next(((rec.get("client_errors") or {}).get(a["client"]) or {"code": "ok"}
                          for rec in records if rec.get("server", {}).get("port") == a["port"]), {}).get("code")))
            assess(name, what, results, records, ports)
        for c, why in sorted(skipped.items()):
            log("skipped client %s: %s" % (c, why))
    finally:
        run_e2e.stop(procs)
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILS:
        log("%d disagreements" % len(FAILS))
        return 1
    log("all agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
