#!/usr/bin/env python3
"""Which client made the connection: the ClientHello table, measured on the real clients.

    client_hellos.py TLSSCOPE OUTDIR [--write TABLE]

Every installed client (Node, openssl s_client, curl, Python's ssl, Java, gnutls-cli, Go) connects
once to an openssl s_server on 127.0.0.1 (ports 30700-30799) while lo is captured; tshark (the oracle)
reads each ClientHello's cipher suites, extension types, groups, signature algorithms and versions,
in wire order, GREASE values removed.

--write TABLE: write those as the table the library compiles in (src/analysis/client_software.tab).
Otherwise (ctest e2e.client_software) check that each client's fresh ClientHello still equals its
line in TABLE (default: the source tree's), naming the field that changed, and that
`TLSSCOPE analyze --json` names the client in `client_software` with confidence "high".
Exit 0 when all agree, 1 otherwise, 77 without capture rights, openssl or tshark; a missing client is
skipped and named.
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
TABLE = os.path.join(HERE, "..", "..", "src", "analysis", "client_software.tab")
BASE = 30700
WWW = "www.example.test"
FIELDS = ("ciphers", "extensions", "groups", "sigalgs", "versions")
TSHARK_FIELDS = ("tls.handshake.ciphersuite", "tls.handshake.extension.type", "tls.handshake.extensions_supported_group",
                 "tls.handshake.sig_hash_alg", "tls.handshake.extensions.supported_version",
                 "tls.handshake.sig_hash_alg_len", "tcp.dstport")
# Extensions an application or the moment decides (SNI, ALPN, padding to a length, resumption,
# a retry's cookie): left out of the table so the same client matches with or without them.
VARIABLE_EXTENSIONS = {0, 16, 21, 41, 42, 44}


def is_grease(v):
    return (v & 0x0f0f) == 0x0a0a and (v >> 8) == (v & 0xff)


def env():
    e = run_e2e.clean_env()
    e.pop("JAVA_TOOL_OPTIONS", None)
    return e


def run(cmd, **kw):
    try:
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30, env=env(), **kw)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(cmd, None, e.stdout or b"", e.stderr or b"")


def version_of(client):
    cmds = {"node": ["node", "--version"], "openssl": ["openssl", "version"], "curl": ["curl", "--version"],
            "python": [sys.executable, "-c", "import ssl,sys; print('Python %s OpenSSL/%s' % (sys.version.split()[0], "
                                             "ssl.OPENSSL_VERSION.split()[1]))"],
            "java": ["java", "-version"], "gnutls": ["gnutls-cli", "--version"], "go": ["go", "version"]}
    r = run(cmds[client])
    words = run_e2e.first_line(r.stdout or r.stderr).replace("\t", " ").split()
    if client == "node":
        return "node " + words[0]
    if client in ("curl", "openssl"):  # the program and the TLS library it ran on
        return " ".join(words[:2] + [w for w in words[2:] if w.startswith("OpenSSL/")])
    if client == "java":  # openjdk version "17.0.15" 2025-04-15
        return "%s %s" % (words[0], words[2].strip('"'))
    return " ".join(words[:4])


def connect(client, port, pki, tmp, java_dir):
    root = os.path.join(pki, "root.pem")
    if client == "node":
        cfg = os.path.join(tmp, "node.json")
        with open(cfg, "w") as f:
            json.dump({"ca": root, "attempts": [{"case": "hello", "port": port, "servername": WWW}]}, f)
        return run(["node", os.path.join(HERE, "e2e_node.js"), "client", cfg])
    if client == "openssl":
        return run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", WWW, "-CAfile", root],
                   input=b"Q\n")
    if client == "curl":
        return run(["curl", "-q", "-sS", "--noproxy", "*", "-o", "/dev/null", "--cacert", root, "--resolve",
                    "%s:%d:127.0.0.1" % (WWW, port), "https://%s:%d/" % (WWW, port)])
    if client == "python":
        code = ("import socket,ssl; c=ssl.create_default_context(cafile=%r); "
                "s=c.wrap_socket(socket.create_connection(('127.0.0.1',%d)),server_hostname=%r); s.close()"
                % (root, port, WWW))
        return run([sys.executable, "-c", code])
    if client == "java":
        tsv = os.path.join(tmp, "java.tsv")
        with open(tsv, "w") as f:
            f.write("hello\t%d\t%s\n" % (port, WWW))
        return run(["java", "-cp", java_dir, "E2eClient", root, tsv])
    if client == "gnutls":
        return run(["gnutls-cli", "--x509cafile", root, "--sni-hostname", WWW, "-p", str(port), "127.0.0.1"],
                   input=b"")
    raise ValueError(client)


def tshark_hellos(pcap):
    """{server port: {field: [values]}} for each first ClientHello."""
    cmd = ["tshark", "-r", pcap, "-Y", "tls.handshake.type == 1", "-T", "fields", "-E", "aggregator=,"]
    for f in TSHARK_FIELDS:
        cmd += ["-e", f]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60)
    out = {}
    for line in r.stdout.decode().splitlines():
        cols = line.split("\t")
        if len(cols) != len(TSHARK_FIELDS) or not cols[-1].isdigit():
            continue
        port = int(cols[-1])
        if port in out:
            continue
        # tshark lists signature_algorithms_cert (50) under the same field: keep signature_algorithms (13)
        exts = [int(x, 0) for x in cols[1].split(",") if x]
        lens = [int(x, 0) // 2 for x in cols[5].split(",") if x]
        sig = [int(x, 0) for x in cols[3].split(",") if x]
        order = [t for t in exts if t in (13, 50)]
        if 13 in order and len(lens) == len(order):
            at = sum(lens[:order.index(13)])
            sig = sig[at:at + lens[order.index(13)]]
        cols[3] = ",".join(str(v) for v in sig)
        vals = {}
        for name, col in zip(FIELDS, cols[:len(FIELDS)]):
            nums = [int(x, 0) for x in col.split(",") if x]
            nums = [v for v in nums if not is_grease(v)]
            if name == "extensions":
                nums = [v for v in nums if v not in VARIABLE_EXTENSIONS]
            vals[name] = nums
        out[port] = vals
    return out


def fmt_list(nums):
    return ",".join("%04x" % v for v in nums) or "-"


def read_table(path):
    rows = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            rows[cols[0]] = dict(zip(("name", "measured") + FIELDS, cols))
    return rows


def main():
    args = sys.argv[1:]
    write = None
    if "--write" in args:
        i = args.index("--write")
        write = args[i + 1]
        del args[i:i + 2]
    if len(args) != 2:
        print(__doc__)
        return 2
    tool, outdir = os.path.abspath(args[0]), os.path.abspath(args[1])
    os.makedirs(outdir, exist_ok=True)
    for t in ("openssl", "tshark", "tcpdump"):
        if not shutil.which(t):
            print("skipped: %s not installed" % t)
            return 77
    tmp = tempfile.mkdtemp(prefix="tlsscope-hellos-")
    procs, failures, skipped = [], [], []
    try:
        pki = os.path.join(tmp, "pki")
        subprocess.run(["sh", os.path.join(HERE, "make_pki.sh"), pki], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        java_dir = None
        clients = []
        for c, exe in (("node", "node"), ("openssl", "openssl"), ("curl", "curl"), ("python", None),
                       ("java", "java"), ("gnutls", "gnutls-cli"), ("go", "go")):
            if c == "go":
                skipped.append("go: %s" % ("not installed" if not shutil.which("go") else "no Go client here yet"))
                continue
            if exe and not shutil.which(exe):
                skipped.append("%s: %s not installed" % (c, exe))
                continue
            if c == "java":
                java_dir, why = run_e2e.build_java(tmp)
                if not java_dir:
                    skipped.append("java: " + why)
                    continue
            clients.append(c)
        ports = {c: BASE + i for i, c in enumerate(clients)}
        for c, port in ports.items():
            p = subprocess.Popen(["openssl", "s_server", "-accept", str(port), "-cert", os.path.join(pki, "good.pem"),
                                  "-key", os.path.join(pki, "good.key"), "-cert_chain",
                                  os.path.join(pki, "chain-int.pem"), "-www"],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 env=env())
            procs.append(("s_server:%d" % port, p))
        why = run_e2e.wait_listening(ports.values(), procs, time.monotonic() + 10)
        if why:
            print("harness: " + why)
            return 1
        pcap = os.path.join(outdir, "hellos.pcap")
        tlog = open(os.path.join(outdir, "tcpdump.log"), "w+")
        cap, why = lo_capture.start(pcap, "tcp portrange %d-%d" % (BASE, BASE + 99), tlog)
        if cap is None:
            print("skipped: cannot capture on lo (%s)" % why)
            return 77
        for c, port in ports.items():
            connect(c, port, pki, tmp, java_dir)
        time.sleep(0.2)
        lo_capture.finish(cap, pcap, tlog)
        hellos = tshark_hellos(pcap)
        lines = []
        for c, port in ports.items():
            h = hellos.get(port)
            if not h:
                failures.append("%s: no ClientHello captured on port %d" % (c, port))
                continue
            lines.append("\t".join([c, version_of(c)] + [fmt_list(h[f]) for f in FIELDS]))
        if write:
            with open(write, "w") as f:
                f.write("# Which client sent a ClientHello (src/analysis/client_software.h). Written by\n"
                        "# tests/e2e/client_hellos.py --write from the real clients on this machine; do not edit.\n"
                        "# Values hex, wire order, GREASE removed; extensions without %s.\n"
                        "# client\tmeasured on\t%s\n" % (",".join(str(v) for v in sorted(VARIABLE_EXTENSIONS)),
                                                        "\t".join(FIELDS)))
                f.write("\n".join(lines) + "\n")
            print("wrote %d clients to %s" % (len(lines), write))
        else:
            table = read_table(TABLE)
            for line in lines:
                cols = line.split("\t")
                c = cols[0]
                row = table.get(c)
                if row is None:
                    failures.append("%s: no line in %s (run with --write)" % (c, TABLE))
                    continue
                for f, v in zip(FIELDS, cols[2:]):
                    if row[f] != v:
                        failures.append("%s (%s): %s changed: table %s, now %s" % (c, cols[1], f, row[f], v))
            r = subprocess.run([tool, "analyze", "--json", "--json-detail", "full", "--no-diagnose", pcap], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env())
            seen = {}
            for line in r.stdout.decode().splitlines():
                rec = json.loads(line)
                if rec.get("type") == "connection" and rec.get("client_hello"):
                    seen.setdefault(rec["server"]["port"], rec.get("client_software"))
            for c, port in ports.items():
                sw = seen.get(port)
                got = (sw or {}).get("name")
                print("%-8s %-12s %s" % (c, got, (sw or {}).get("confidence")))
                if got != c or sw.get("confidence") != "high":
                    failures.append("%s: tlsscope says %s" % (c, json.dumps(sw)))
    finally:
        run_e2e.stop(procs)
        shutil.rmtree(tmp, ignore_errors=True)
    for s in skipped:
        print("skipped client " + s)
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
