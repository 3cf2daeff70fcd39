#!/usr/bin/env python3
"""Real QUIC handshakes on loopback, captured with tcpdump, read by tlsscope, checked against tshark.

Usage: quic_loopback.py TLSSCOPE OUT_DIR

ngtcp2's example server and client (Debian's ngtcp2-server / ngtcp2-client,
GnuTLS flavour: gtlsserver, gtlsclient) make five connections on 127.0.0.1,
UDP ports in 26400-26499:
  plain   a QUIC v1 handshake and one HTTP/3 request
  retry   the server validates the address first (-V): a Retry packet, then the
          client's second Initial with a new connection ID
  alert   client and server share no cipher suite: the server answers the
          ClientHello with CONNECTION_CLOSE CRYPTO_ERROR (0x100 + alert)
  keyed   as plain, the client writing a key log (GnuTLS honours SSLKEYLOGFILE):
          read again with --keylog, the certificate comes out of the
          Handshake packets
  chacha  the same with TLS_CHACHA20_POLY1305_SHA256 (ChaCha20 header
          protection, RFC 9001 §5.4.4)
tshark is the oracle for what is on the wire (SNI, ALPN, cipher, connection
IDs, packet types, the CONNECTION_CLOSE code); the scenario says how each
connection must end. Exits 77 when a tool or the capture right is missing.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tlsscope_run import run as run_tlsscope  # noqa: E402

TLS13_ONLY = "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:"


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def free_ports(n):
    """n UDP ports in 26400-26499 that nobody holds now."""
    found = []
    for port in range(26400, 26500):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind(("127.0.0.1", port))
            found.append(port)
        except OSError:
            pass
        finally:
            s.close()
        if len(found) == n:
            return found
    skip("no free UDP ports in 26400-26499")


def tshark_rows(pcap, fields, display_filter="quic"):
    cmd = ["tshark", "-r", pcap, "-Y", display_filter, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [dict(zip(fields, line.split("\t"))) for line in out.splitlines()]


def main():
    tool, out = sys.argv[1], sys.argv[2]
    for t in ("gtlsserver", "gtlsclient", "tcpdump", "tshark", "openssl"):
        if not shutil.which(t):
            skip("%s not installed (Debian: ngtcp2-server, ngtcp2-client, tcpdump, tshark, openssl)" % t)
    if os.geteuid() != 0:
        skip("capturing on lo needs root")
    os.makedirs(out, exist_ok=True)
    key, cert = os.path.join(out, "key.pem"), os.path.join(out, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "30", "-subj", "/CN=quic.test",
                    "-addext", "subjectAltName=DNS:quic.test"], check=True, capture_output=True)
    p_plain, p_retry, p_alert, p_keyed, p_chacha = free_ports(5)
    servers = [
        ["gtlsserver", "-q", "127.0.0.1", str(p_plain), key, cert],
        ["gtlsserver", "-q", "-V", "127.0.0.1", str(p_retry), key, cert],
        ["gtlsserver", "-q", "--ciphers=" + TLS13_ONLY + "+AES-128-GCM", "127.0.0.1", str(p_alert), key, cert],
        ["gtlsserver", "-q", "127.0.0.1", str(p_keyed), key, cert],
        ["gtlsserver", "-q", "127.0.0.1", str(p_chacha), key, cert],
    ]
    keylog = os.path.join(out, "keys.log")
    if os.path.exists(keylog):
        os.remove(keylog)
    pcap = os.path.join(out, "quic.pcap")
    procs = [subprocess.Popen(s, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=out) for s in servers]
    bpf = " or ".join("udp port %d" % p for p in (p_plain, p_retry, p_alert, p_keyed, p_chacha))
    dump = subprocess.Popen(["tcpdump", "-i", "lo", "-s", "0", "-U", "-w", pcap, bpf],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(1.0)
        if dump.poll() is not None:
            skip("tcpdump could not capture on lo: " + dump.stderr.read().decode(errors="replace").strip())
        client = ["gtlsclient", "-q", "--exit-on-all-streams-close", "--timeout=3s"]
        runs = {
            "plain": client + ["127.0.0.1", str(p_plain), "https://quic.test/"],
            "retry": client + ["127.0.0.1", str(p_retry), "https://quic.test/"],
            "alert": client + ["--ciphers=" + TLS13_ONLY + "+AES-256-GCM", "127.0.0.1", str(p_alert),
                               "https://quic.test/"],
        }
        for name, cmd in runs.items():
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=out, timeout=20)
        keyed_env = dict(os.environ, SSLKEYLOGFILE=keylog)
        for port, extra in ((p_keyed, []), (p_chacha, ["--ciphers=" + TLS13_ONLY + "+CHACHA20-POLY1305"])):
            subprocess.run(client + extra + ["127.0.0.1", str(port), "https://quic.test/"], env=keyed_env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=out, timeout=20)
        time.sleep(1.0)
    finally:
        dump.terminate()
        dump.wait()
        for p in procs:
            p.terminate()
            p.wait()

    res = run_tlsscope([tool, "analyze", "--json", "--json-detail", "full", pcap], allowed=(0, 1), text=True, timeout=120)
    with open(os.path.join(out, "tlsscope.json"), "w") as fh:
        fh.write(res.stdout)
    recs = [json.loads(l) for l in res.stdout.splitlines()]
    conns = {r["server"]["port"]: r for r in recs if r["type"] == "connection"}
    failures = []

    def check(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            failures.append(what)

    # the oracle: tshark's view of each server port
    hello = tshark_rows(pcap, ["udp.dstport", "udp.srcport", "tls.handshake.type",
                               "tls.handshake.extensions_server_name", "tls.handshake.extensions_alpn_str",
                               "tls.handshake.ciphersuite"], "tls.handshake.type == 1 || tls.handshake.type == 2")
    longs = tshark_rows(pcap, ["udp.srcport", "udp.dstport", "quic.long.packet_type", "quic.dcid", "quic.scid"],
                        "quic.long.packet_type")
    closes = tshark_rows(pcap, ["udp.srcport", "quic.cc.error_code", "quic.cc.error_code.tls_alert"],
                         "quic.cc.error_code")

    for port in (p_plain, p_retry, p_alert):
        c = conns.get(port)
        check(c is not None, "port %d: a connection record" % port)
        if c is None:
            continue
        ch = [h for h in hello if h["udp.dstport"] == str(port) and "1" in h["tls.handshake.type"].split(",")]
        sh = [h for h in hello if h["udp.srcport"] == str(port) and "2" in h["tls.handshake.type"].split(",")]
        check(c["transport"] == "quic" and c["quic_version"] == "1", "port %d: transport quic, version 1" % port)
        check(bool(ch) and c["server_name"] == ch[0]["tls.handshake.extensions_server_name"],
              "port %d: SNI %r as tshark reads it" % (port, c["server_name"]))
        check(bool(ch) and (c["client_hello"] or {}).get("alpn") == ch[0]["tls.handshake.extensions_alpn_str"].split(","),
              "port %d: ClientHello ALPN %r as tshark reads it" % (port, (c["client_hello"] or {}).get("alpn")))
        client_initials = [l for l in longs if l["udp.dstport"] == str(port) and l["quic.long.packet_type"].split(",")[0] == "0"]
        check(bool(client_initials) and c["quic"]["client_initial_dcid"] == client_initials[0]["quic.dcid"].split(",")[0].replace(":", ""),
              "port %d: client_initial_dcid is the DCID of the first client Initial" % port)
        if port in (p_plain, p_retry):
            want = int(sh[0]["tls.handshake.ciphersuite"], 0) if sh else None
            check(c["server_hello"] is not None and c["server_hello"].get("cipher_id") == want,
                  "port %d: cipher 0x%04x as tshark reads it" % (port, want or 0))
            check(c["established"] and c["outcome"] == "established", "port %d: established" % port)
            check(c["certificates_state"] == "encrypted" and
                  any(f["code"] == "certificate-not-visible" for f in c["findings"]),
                  "port %d: certificate encrypted, said so" % port)
        retries = [l for l in longs if l["udp.srcport"] == str(port) and "3" in l["quic.long.packet_type"].split(",")]
        check(c["quic"]["server_packets"]["retry"] == len(retries),
              "port %d: %d Retry packets, as tshark counts them" % (port, len(retries)))
        if port == p_retry:
            check(len(retries) >= 1 and any(e["event"] == "retry" and e["from"] == "server" for e in c["timeline"]),
                  "retry: a Retry from the server on the timeline")
        if port == p_alert:
            cc = [x for x in closes if x["udp.srcport"] == str(port)]
            code = int(cc[0]["quic.cc.error_code"], 0) if cc else None
            check(code is not None and 0x100 <= code <= 0x1ff, "alert: tshark sees CRYPTO_ERROR from the server")
            close = c["quic"]["connection_close"] or {}
            check(close.get("from") == "server" and close.get("error_code") == code,
                  "alert: connection_close from the server with tshark's code %s" % code)
            check(c["outcome"] == "server_alert" and not c["established"], "alert: outcome server_alert")
            check([(a["level"], a["code"], a["from"]) for a in c["alerts"]] ==
                  [("fatal", (code or 0) - 0x100, "server")], "alert: the alert is the CRYPTO_ERROR's")

    # With the client's key log: the certificate out of the Handshake packets, for both suites.
    res = run_tlsscope([tool, "analyze", "--json", "--json-detail", "full", "--keylog", keylog, pcap], allowed=(0, 1), text=True, timeout=120)
    check(res.returncode in (0, 1) and os.path.exists(keylog), "--keylog %s: read (exit %d)" % (keylog, res.returncode))
    keyed = {r["server"]["port"]: r for r in map(json.loads, res.stdout.splitlines()) if r["type"] == "connection"}
    for port, suite in ((p_keyed, None), (p_chacha, 0x1303)):
        c = keyed.get(port) or {}
        sh = [h for h in hello if h["udp.srcport"] == str(port) and "2" in h["tls.handshake.type"].split(",")]
        want = int(sh[0]["tls.handshake.ciphersuite"], 0) if sh else None
        got = (c.get("server_hello") or {}).get("cipher_id")
        check(got == want and (suite is None or got == suite),
              "port %d: cipher 0x%04x, tshark 0x%04x" % (port, got or 0, want or 0))
        dec = c.get("decryption") or {}
        check(dec.get("keylog") == "matched" and dec.get("note") is None, "port %d: decryption %s" % (port, dec))
        leaf = (c.get("certificates") or [{}])[0]
        check(c.get("certificates_state") == "visible" and leaf.get("subject_cn") == ["quic.test"]
              and (leaf.get("san") or {}).get("dns") == ["quic.test"],
              "port %d: the certificate (CN quic.test) read from the Handshake packets" % port)
        check(c.get("established") and not any(f["code"] == "certificate-not-visible" for f in c.get("findings", [])),
              "port %d: established, the chain diagnosed" % port)
    check(((keyed.get(p_plain) or {}).get("decryption") or {}).get("keylog") == "not_found",
          "plain: not in the key log, said so")
    if failures:
        print("%d checks failed; evidence in %s" % (len(failures), out))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
