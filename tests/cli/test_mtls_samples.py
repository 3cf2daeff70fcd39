#!/usr/bin/env python3
"""Facts about the real-client sample captures in pcaps/real/ (MANIFEST.tsv there) (resumption, client certificates, a
CONNECT proxy), recorded on loopback by tests/e2e/mtls_e2e.py; this test needs no capture rights.

Usage: test_mtls_samples.py TLSSCOPE PCAPS_REAL_DIR
"""
import json
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tlsscope_run import run as run_tlsscope  # noqa: E402

TOOL, PCAPS = sys.argv[1], sys.argv[2]
CA = os.path.join(PCAPS, "ca", "root.pem")
failures = []


def analyze(name, *extra):
    r = run_tlsscope([TOOL, "analyze", "--json", "--ca", CA, *extra, os.path.join(PCAPS, name + ".pcap")],
                     capture_output=True, text=True, timeout=120)
    if r.returncode not in (0, 1):
        failures.append("%s: exit %d: %s" % (name, r.returncode, r.stderr.strip()))
        return []
    return [j for j in map(json.loads, r.stdout.splitlines()) if j["type"] == "connection"]


def keys(name):
    return ("--keylog", os.path.join(PCAPS, name + ".keys"))


def check(name, what, cond):
    print(("ok   " if cond else "FAIL ") + name + ": " + what)
    if not cond:
        failures.append(name + ": " + what)


def codes(c):
    return [f["code"] for f in c["findings"]]


def resumption():
    name = "38-resumption"
    for label, conns in (("no key log", analyze(name)), ("key log", analyze(name, *keys(name)))):
        check(name, "%s: six connections" % label, len(conns) == 6)
        if len(conns) != 6:
            continue
        for (full, again), how in zip((conns[0:2], conns[2:4], conns[4:6]), ("session_id", "ticket", "psk")):
            check(name, "%s: %s resumption after a full handshake" % (label, how),
                  (full["resumed"], again["resumed"], again["resumption"]) == (False, True, how))
            check(name, "%s: %s: no finding on the resumption" % (label, how), codes(again) == [])
            if how == "psk" and label == "no key log":
                check(name, "TLS 1.3 tickets are encrypted: resumed_from null", again["resumed_from"] is None)
                continue
            rc = again["resumed_chain"] or {}
            check(name, "%s: %s: resumed_from %d, its chain and verdict" % (label, how, full["id"]),
                  again["resumed_from"] == full["id"] and
                  rc.get("der_sha256") == [x["der_sha256"] for x in full["certificates"]] and
                  rc.get("verify_result") == "X509_V_OK" and rc.get("trusted") is True)


def client_certificates():
    name = "39-client-certificate-missing-tls13"
    plain, keyed = analyze(name), analyze(name, *keys(name))
    if len(plain) == 1 and len(keyed) == 1:
        p, k = plain[0], keyed[0]
        check(name, "inferred without the key log", codes(p)[:1] == ["client-certificate-missing"] and
              "Inferred" in p["findings"][0]["message"] and "tls13-server-rejected" in codes(p))
        check(name, "node's predicted code", (p["client_errors"]["node"] or {}).get("code") ==
              "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED")
        check(name, "read with the key log: the alert, the CA asked for",
              codes(k)[:2] == ["client-certificate-missing", "alert"] and k["alerts"][-1]["description"] ==
              "certificate_required" and (k["certificate_request_details"] or {}).get("certificate_authorities") ==
              ["CN=tlsscope e2e Root CA,O=tlsscope e2e"])
    else:
        check(name, "one connection", False)
    for name, alert, why in (("40-client-certificate-unknown-ca", "unknown_ca", "not among the CAs the server asked"),
                             ("41-client-certificate-expired", "certificate_expired", "expired on 2021-01-01"),
                             ("42-client-certificate-no-client-auth", "unsupported_certificate", "lacks clientAuth")):
        conns = analyze(name)
        if len(conns) != 1:
            check(name, "one connection", False)
            continue
        c = conns[0]
        check(name, "client-certificate-invalid (%s), then client-certificate-rejected, then the alert" % why,
              codes(c) == ["client-certificate-invalid", "client-certificate-rejected", "alert"] and
              why in c["findings"][0]["message"] and alert in c["findings"][1]["message"])
        check(name, "the server's alert is %s" % alert, c["alerts"][-1]["description"] == alert)


def connect_proxy():
    name = "43-https-connect-proxy"
    conns = analyze(name)
    check(name, "three tunnels", len(conns) == 3)
    if len(conns) != 3:
        return
    want = (("www.example.test", []), ("shop.example.test", ["hostname-mismatch"]), ("www.example.test", ["no-sni"]))
    for c, (host, first) in zip(conns, want):
        check(name, "CONNECT %s: expected from the CONNECT line" % host,
              (c["http_connect"] or {}).get("host") == host and c["expected_host"] == host and
              c["expected_host_source"] == "connect")
        check(name, "CONNECT %s: findings start %s" % (host, first), codes(c)[:len(first)] == first and
              "ip-not-in-san" not in codes(c))


resumption()
client_certificates()
connect_proxy()
print("%d failed" % len(failures))
sys.exit(1 if failures else 0)
