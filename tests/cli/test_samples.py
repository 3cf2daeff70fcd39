#!/usr/bin/env python3
"""Facts that must hold about tlsscope's JSON for the sample captures in pcaps/.

Usage: test_samples.py TLSSCOPE PCAPS_DIR
The captures are real OpenSSL handshakes written by tests/capmaker; each check
below states what a person reading the capture in Wireshark would see.
Predicates, not whole-output diffs: field order or new fields do not break them.
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tlsscope_run import abnormal, load_lines, run as run_tlsscope  # noqa: E402

TOOL, PCAPS = sys.argv[1], sys.argv[2]
failures = []


def analyze(name, *extra):
    path = os.path.join(PCAPS, name + ".pcap")
    r = run_tlsscope([TOOL, "analyze", "--json", "--json-detail", "full", *extra, path], capture_output=True, text=True, timeout=120)
    if r.returncode not in (0, 1):  # 1: findings at or above --fail-on (default error)
        failures.append("%s: exit %d: %s" % (name, r.returncode, r.stderr.strip()))
        return [], {}
    objs = [json.loads(l) for l in r.stdout.splitlines()]
    return [o for o in objs if o["type"] == "connection"], objs[-1]


def check(name, what, cond):
    print(("ok   " if cond else "FAIL ") + name + ": " + what)
    if not cond:
        failures.append(name + ": " + what)


def events(c, who=None):
    return [e["event"] for e in c["timeline"] if who is None or e["from"] == who]


def one(name):
    conns, summary = analyze(name)
    check(name, "exactly one connection", len(conns) == 1)
    return (conns[0] if conns else None), summary


def certs_consistent(c):
    for cert in c["certificates"]:
        der = base64.b64decode(cert["der_base64"])
        if hashlib.sha256(der).hexdigest() != cert["der_sha256"] or len(der) != cert["der_length"]:
            return False
        if der[0] != 0x30:  # a DER SEQUENCE
            return False
    return True


def good_tls12(name, c):
    check(name, "SNI www.example.test", c["server_name"] == "www.example.test")
    check(name, "TLSv1.2 negotiated", c["version"] == "TLSv1.2")
    check(name, "a cipher suite", c["cipher"] is not None and c["cipher"].startswith("TLS_"))
    check(name, "established", c["outcome"] == "established" and c["established"] is True)
    check(name, "leaf + intermediate in clear", c["certificates_state"] == "visible" and c["certificates_total"] == 2
          and len(c["certificates"]) == 2)
    check(name, "certificate bytes match their SHA-256", certs_consistent(c))
    check(name, "roles from the SYN", c["roles_from"] == "syn" and c["server"]["port"] == 443)
    ev = events(c)
    for e in ("syn", "syn_ack", "client_hello", "server_hello", "certificate", "server_hello_done",
              "change_cipher_spec", "encrypted_handshake", "application_data", "fin"):
        check(name, "timeline has " + e, e in ev)
    check(name, "client hello before server hello", ev.index("client_hello") < ev.index("server_hello"))
    check(name, "both sides sent application data",
          "application_data" in events(c, "client") and "application_data" in events(c, "server"))
    check(name, "no bytes lost", c["client"]["gap_bytes"] == 0 and c["server"]["gap_bytes"] == 0)
    check(name, "timeline times do not go back", all(
        a["rel_ms"] <= b["rel_ms"] for a, b in zip(c["timeline"], c["timeline"][1:])))


c, s = one("01-tls12-good")
if c:
    good_tls12("01-tls12-good", c)
    check("01-tls12-good", "ALPN offered h2 and http/1.1", c["client_hello"]["alpn"][:2] == ["h2", "http/1.1"])
    check("01-tls12-good", "server_name in the extension list",
          "server_name" in [e["name"] for e in c["client_hello"]["extensions"]])
    check("01-tls12-good", "closed with FIN", c["end_reason"] == "closed")
    ref01 = c

c, s = one("02-tls13-good")
if c:
    check("02", "TLSv1.3", c["version"] == "TLSv1.3")
    check("02", "certificate encrypted, said so", c["certificates_state"] == "encrypted" and c["certificates"] == [])
    check("02", "established", c["outcome"] == "established")
    check("02", "supported_versions offers TLSv1.3", "TLSv1.3" in c["client_hello"]["supported_versions"])
    check("02", "both sides' encrypted flights seen",
          "encrypted_handshake" in events(c, "client") and "encrypted_handshake" in events(c, "server"))
    check("02", "key share group in ServerHello", c["server_hello"]["key_share_group"] is not None)

c, s = one("03-tls12-no-sni")
if c:
    check("03", "no SNI", c["server_name"] is None and c["client_hello"]["server_names"] == [])
    check("03", "established with a visible chain", c["outcome"] == "established" and c["certificates_total"] >= 1)

c, s = one("04-tls12-long-chain")
if c:
    check("04", "3 or more certificates kept, all consistent",
          c["certificates_total"] >= 3 and len(c["certificates"]) == c["certificates_total"] and certs_consistent(c))
    check("04", "a large leaf (RSA-4096) kept whole", max(x["der_length"] for x in c["certificates"]) > 1100)
    check("04", "established", c["outcome"] == "established")

c, s = one("05-tls12-alert")
if c:
    check("05", "outcome server_alert", c["outcome"] == "server_alert")
    a = c["alerts"][0] if c["alerts"] else {}
    check("05", "fatal handshake_failure(40) from the server before ServerHello",
          a.get("from") == "server" and a.get("level") == "fatal" and a.get("code") == 40
          and a.get("description") == "handshake_failure" and a.get("stage") == "before_server_hello")
    check("05", "no ServerHello", c["server_hello"] is None)

c, s = one("06-reset-after-client-hello")
if c:
    check("06", "outcome server_reset_after_client_hello", c["outcome"] == "server_reset_after_client_hello")
    check("06", "SNI unknown.example.test", c["server_name"] == "unknown.example.test")
    check("06", "closed by server RST", c["closed_by"] == "server_rst")

c, s = one("07-tls12-reordered")
if c:
    good_tls12("07-tls12-reordered", c)
    check("07", "duplicates were seen and dropped", s["duplicate_bytes"] > 0)
    if "ref01" in globals():
        check("07", "same certificates as the in-order capture",
              [x["der_sha256"] for x in c["certificates"]] == [x["der_sha256"] for x in ref01["certificates"]])

c, s = one("08-truncated-mid-handshake")
if c:
    check("08", "outcome incomplete", c["outcome"] == "incomplete")
    check("08", "ServerHello seen", c["server_hello"] is not None)
    check("08", "certificate not complete", c["certificates_state"] != "visible")
    check("08", "snapped segment counted", c["anomalies"].get("snapped_segment", 0) >= 1)

c, s = one("09-ipv6")
if c:
    check("09", "IPv6 addresses", c["client"]["ip"] == "2001:db8::1" and c["server"]["ip"] == "2001:db8::2")
    check("09", "established", c["outcome"] == "established" and c["certificates_total"] >= 1)

c, s = one("10-vlan")
if c:
    check("10", "TLS 1.3 through an 802.1Q tag", c["version"] == "TLSv1.3" and c["outcome"] == "established")

c, s = one("11-sll")
if c:
    check("11", "TLS 1.2 over Linux cooked capture", c["version"] == "TLSv1.2" and c["outcome"] == "established")
    check("11", "link type in the summary", s["files"][0]["link_type"] == "LINUX_SLL")

c, s = one("12-hrr")
if c:
    check("12", "HelloRetryRequest seen", c["server_hello"]["hello_retry_request"] is True
          and "hello_retry_request" in events(c, "server"))
    check("12", "two ClientHellos", c["client_hello"]["count"] == 2)
    check("12", "retry asks for secp256r1", (c["server_hello"]["hello_retry"] or {}).get("group") == "secp256r1")
    check("12", "established in TLS 1.3", c["outcome"] == "established" and c["version"] == "TLSv1.3")

conns, s = analyze("13-many-connections")
check("13", "20 connections", len(conns) == 20)
check("13", "3 server names", len({c["server_name"] for c in conns}) == 3)
check("13", "some closed by the client's RST", any(c["closed_by"] == "client_rst" for c in conns))
check("13", "all established", all(c["outcome"] == "established" for c in conns))
check("13", "both TLS versions", {c["version"] for c in conns} == {"TLSv1.2", "TLSv1.3"})
check("13", "connection ids unique", len({c["id"] for c in conns}) == 20)

c, s = one("14-client-alert-unknown-ca")
if c:
    a = [x for x in c["alerts"] if x["from"] == "client"]
    check("14", "fatal unknown_ca(48) from the client", a and a[0]["level"] == "fatal" and a[0]["code"] == 48)
    check("14", "outcome client_alert", c["outcome"] == "client_alert")

c, s = one("31-sni-ip-literal")
if c:
    check("31", "SNI is the literal 10.0.0.2", c["server_name"] == "10.0.0.2")

c, s = one("32-tls10-obsolete")
if c:
    check("32", "TLSv1.0 negotiated", c["version"] == "TLSv1.0")

c, s = one("33-weak-cipher-null")
if c:
    check("33", "NULL-encryption suite chosen", c["cipher"] == "TLS_ECDHE_RSA_WITH_NULL_SHA")

c, s = one("34-client-renegotiation")
if c:
    check("34", "renegotiation noted", c["renegotiation"] is True and "renegotiation" in events(c))

c, s = one("35-client-close-no-data-tls12")
if c:
    check("35", "client closed after the handshake", c["outcome"] == "client_closed_after_handshake")
c, s = one("36-client-close-no-data-tls13")
if c:
    check("36", "client closed after the handshake (TLS 1.3)", c["outcome"] == "client_closed_after_handshake")

c, s = one("37-warning-unrecognized-name")
if c:
    a = c["alerts"][0] if c["alerts"] else {}
    check("37", "warning unrecognized_name(112) from the server",
          a.get("level") == "warning" and a.get("code") == 112 and a.get("from") == "server")
    check("37", "the handshake went on", c["outcome"] == "established")

# ---- diagnosis: with the sample PKI's root as the only trust anchor, every
# capture gets the finding it was made for, the Node.js error a real client
# prints, and nothing else of error severity (no false alarms).
CA = os.path.join(PCAPS, "ca", "root.pem")
DIAG = {
    # capture: (finding codes that must be there, Node.js err.code or None)
    "01-tls12-good": (set(), None),
    "04-tls12-long-chain": (set(), None),
    "03-tls12-no-sni": ({"no-sni", "ip-not-in-san"}, "ERR_TLS_CERT_ALTNAME_INVALID"),
    "05-tls12-alert": ({"alert"}, "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE"),
    "06-reset-after-client-hello": ({"reset-after-client-hello"}, "ECONNRESET"),
    "14-client-alert-unknown-ca": ({"client-rejected-certificate", "self-signed-leaf", "alert"}, "DEPTH_ZERO_SELF_SIGNED_CERT"),
    "15-hostname-mismatch": ({"hostname-mismatch"}, "ERR_TLS_CERT_ALTNAME_INVALID"),
    "16-wildcard-mismatch": ({"wildcard-mismatch"}, "ERR_TLS_CERT_ALTNAME_INVALID"),
    "17-ip-not-in-san": ({"ip-not-in-san", "no-sni"}, "ERR_TLS_CERT_ALTNAME_INVALID"),
    "18-ip-in-san": ({"no-sni"}, None),
    "19-cn-only": ({"cn-only"}, None),
    "20-self-signed-leaf": ({"self-signed-leaf"}, "DEPTH_ZERO_SELF_SIGNED_CERT"),
    "21-self-signed-root-in-chain": ({"chain-order"}, None),  # its extra root is unrelated: the chain verifies
    "22-unknown-issuer": ({"unknown-issuer"}, "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"),
    "23-missing-intermediate": ({"missing-intermediate"}, "UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
    "24-expired-leaf": ({"expired"}, "CERT_HAS_EXPIRED"),
    "25-not-yet-valid-leaf": ({"not-yet-valid"}, "CERT_NOT_YET_VALID"),
    "26-chain-order-wrong": ({"chain-order"}, None),
    "27-sha1-signed-leaf": ({"weak-signature"}, "CA_MD_TOO_WEAK"),
    "28-rsa1024-leaf": ({"weak-key"}, None),
    "29-eku-client-auth-only": ({"not-for-server-auth"}, "INVALID_PURPOSE"),
    "30-ca-cert-as-leaf": ({"ca-as-leaf"}, None),
    "31-sni-ip-literal": ({"sni-is-ip-literal"}, None),
    "32-tls10-obsolete": ({"obsolete-version"}, None),
    "33-weak-cipher-null": ({"weak-cipher"}, None),
    "34-client-renegotiation": ({"client-renegotiation"}, None),
    "35-client-close-no-data-tls12": ({"client-rejected-certificate", "self-signed-leaf"}, "DEPTH_ZERO_SELF_SIGNED_CERT"),
    # TLS 1.3 without a key log: the close after the Finished is the client's rejection (issue 16).
    "36-client-close-no-data-tls13": ({"tls13-client-rejected", "certificate-not-visible"}, None),
    "02-tls13-good": ({"certificate-not-visible"}, None),
    "38-expiring-leaf": ({"expiry-soon"}, None),
    "39-expiring-intermediate": ({"expiry-soon"}, None),
}
for name, (want, node) in sorted(DIAG.items()):
    conns, s = analyze(name, "--ca", CA)
    if len(conns) != 1:
        check(name, "one connection with --ca", False)
        continue
    c = conns[0]
    codes = [f["code"] for f in c["findings"]]
    check(name, "findings %s" % sorted(want), set(codes) == want)
    got = (c["client_errors"]["node"] or {}).get("code")
    check(name, "Node.js would report %s" % node, got == node)
    sev = [f["severity"] for f in c["findings"]]
    check(name, "findings sorted worst first", sev == sorted(sev, key=["critical", "error", "warning", "info"].index))
    check(name, "every finding has a message and a fix", all(f["message"] and f["fix"] for f in c["findings"]))
    check(name, "no fix turns verification off", not any(
        bad in (f["fix"] or "") for f in c["findings"]
        for bad in ("rejectUnauthorized", "NODE_TLS_REJECT_UNAUTHORIZED", "-k ", "--insecure", "verify=False")))

c = analyze("01-tls12-good", "--ca", CA)[0][0]
check("01 diag", "expected host from SNI", c["expected_host"] == "www.example.test" and c["expected_host_source"] == "sni")
check("01 diag", "trusted at capture time, built leaf-intermediate-store",
      c["verification"]["trusted"] and c["verification"]["built_chain"] == [0, 1, "store"])
check("01 diag", "leaf parsed with its SANs", c["certificates"][0]["san"]["dns"][:1] == ["www.example.test"]
      and c["certificates"][0]["subject_cn"] == ["www.example.test"])
check("01 diag", "every client would connect", all(v is None for v in c["client_errors"].values()))
skipped = []
if os.path.exists("/etc/ssl/certs/ca-certificates.crt"):
    c = analyze("01-tls12-good")[0][0]
    check("01 system store", "the private root is unknown to the system store",
          "unknown-issuer" in [f["code"] for f in c["findings"]])
else:
    skipped.append("01 system store: no system CA bundle (/etc/ssl/certs/ca-certificates.crt)")
c = analyze("15-hostname-mismatch", "--ca", CA)[0][0]
check("15 diag", "Node's message names host and altnames",
      c["client_errors"]["node"]["message"] == "Hostname/IP does not match certificate's altnames: Host: "
      "shop.example.test. is not in the cert's altnames: DNS:www.example.test, DNS:example.test")
check("15 diag", "curl exit 60", c["client_errors"]["curl"]["code"] == "60")
c = analyze("15-hostname-mismatch", "--ca", CA, "--expect", "10.0.0.2=www.example.test")[0][0]
check("15 rule", "a rule overrides the SNI", c["expected_host"] == "www.example.test"
      and c["expected_host_source"] == "rule")
check("15 rule", "unknown-sni when the SNI is not an expected name",
      "unknown-sni" in [f["code"] for f in c["findings"]] and "hostname-mismatch" not in [f["code"] for f in c["findings"]])
c = analyze("19-cn-only", "--ca", CA)[0][0]
check("19 diag", "CN fallback: Go and browsers refuse, Node accepts",
      c["hostname_match"]["go"] == "match_cn" and c["client_errors"]["go"] is not None and c["client_errors"]["node"] is None)
c = analyze("24-expired-leaf", "--ca", CA)[0][0]
check("24 diag", "says by how long it had expired", "10 days" in [f for f in c["findings"] if f["code"] == "expired"][0]["message"])


# expiry-soon: judged at the capture time (2026-03-01), never today's date; the window is --expiry-warn DAYS.
def expiry_soon(name, *extra):
    return [f for f in analyze(name, "--ca", CA, *extra)[0][0]["findings"] if f["code"] == "expiry-soon"]


f = expiry_soon("38-expiring-leaf")
check("38 diag", "expiry-soon on the leaf, 12 days before its notAfter 2026-03-13",
      len(f) == 1 and f[0]["certificate"] == 0 and f[0]["severity"] == "warning"
      and "2026-03-13" in f[0]["message"] and "12 days" in f[0]["message"])
check("38 diag", "the fix says renew before the date", f and "Renew the certificate before 2026-03-13" in f[0]["fix"])
check("38 --expiry-warn", "12 days: not within 12 days; 13: within", not expiry_soon("38-expiring-leaf", "--expiry-warn", "12")
      and len(expiry_soon("38-expiring-leaf", "--expiry-warn", "13")) == 1)
check("38 --expiry-warn 0", "off", not expiry_soon("38-expiring-leaf", "--expiry-warn", "0"))
f = expiry_soon("39-expiring-intermediate")
check("39 diag", "expiry-soon on the intermediate that expires before the leaf",
      len(f) == 1 and f[0]["certificate"] == 1 and "2026-03-21" in f[0]["message"] and "2026-04-30" in f[0]["message"]
      and "20 days" in f[0]["message"] and "Before 2026-03-21" in f[0]["fix"])
check("39 --expiry-warn", "20 days: none; 21: the intermediate",
      not expiry_soon("39-expiring-intermediate", "--expiry-warn", "20")
      and [x["certificate"] for x in expiry_soon("39-expiring-intermediate", "--expiry-warn", "21")] == [1])
f = expiry_soon("01-tls12-good", "--expiry-warn", "61")
check("01 --expiry-warn 61", "the leaf valid 60 more days at the capture time warns in a 61-day window",
      len(f) == 1 and f[0]["certificate"] == 0 and "60 days" in f[0]["message"])
check("--expiry-warn bad", "a bad value is a usage error (exit 2)",
      run_tlsscope([TOOL, "analyze", "--expiry-warn", "soon", os.path.join(PCAPS, "38-expiring-leaf.pcap")],
                   capture_output=True, timeout=60).returncode == 2)
c = analyze("23-missing-intermediate", "--ca", CA)[0][0]
check("23 diag", "shows the AIA caIssuers URL", "http://ca.example.test/issuing.crt" in c["findings"][0]["message"])

# 50: the root is in the machine's store (--system-ca-add), not in Node's bundled roots (issue 10).
for label, env in (("node's bundle", None), ("the Mozilla stand-in", "")):
    saved = os.environ.get("TLSSCOPE_NODE")
    if env is not None:
        os.environ["TLSSCOPE_NODE"] = env
    conns, _ = analyze("50-private-root-node-closes", "--system-ca-add", CA)
    if saved is None:
        os.environ.pop("TLSSCOPE_NODE", None)
    else:
        os.environ["TLSSCOPE_NODE"] = saved
    c = conns[0] if conns else {"findings": [], "client_errors": {}}
    codes = [f["code"] for f in c["findings"]]
    fails = sorted(k for k, v in c["client_errors"].items() if v)
    check("50 " + label, "trust-differs-by-client, then the client's rejection",
          codes == ["trust-differs-by-client", "client-rejected-certificate"])
    check("50 " + label, "only Node fails, with UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
          fails == ["node"] and c["client_errors"]["node"]["code"] == "UNABLE_TO_GET_ISSUER_CERT_LOCALLY")
    fix = next((f["fix"] for f in c["findings"] if f["code"] == "trust-differs-by-client"), "")
    check("50 " + label, "the fix is Node's own switch", "NODE_EXTRA_CA_CERTS=" in fix and "--use-openssl-ca" in fix
          and "rejectUnauthorized" not in fix)
c = analyze("50-private-root-node-closes", "--system-ca-add", CA, "--client", "node:extra-ca=" + CA)[0][0]
check("50 node:extra-ca", "every client trusts it: no trust-differs-by-client, no client error",
      "trust-differs-by-client" not in [f["code"] for f in c["findings"]]
      and not any(c["client_errors"].values()))
c = analyze("50-private-root-node-closes", "--ca", CA)[0][0]
check("50 --ca", "--ca is every client's trust: they agree", "trust-differs-by-client" not in [f["code"] for f in c["findings"]])
r = run_tlsscope([TOOL, "analyze", "--json", "--client", "java:truststore=/nonexistent",
                  os.path.join(PCAPS, "50-private-root-node-closes.pcap")], capture_output=True, text=True, timeout=60)
check("50 java:truststore", "an unreadable truststore is refused at start (exit 2, named)",
      r.returncode == 2 and "java:truststore=/nonexistent" in r.stderr)
r = run_tlsscope([TOOL, "analyze", "--client", "node:cacert=x", os.path.join(PCAPS, "01-tls12-good.pcap")],
                 capture_output=True, text=True, timeout=60)
check("--client node:cacert", "an option of another client is refused, naming Node's own",
      r.returncode == 2 and "extra-ca=FILE" in r.stderr)

c = analyze("15-hostname-mismatch", "--no-diagnose")[0][0]
check("15 --no-diagnose", "records only: no diagnosis fields, certificates without parsed fields",
      "findings" not in c and "client_errors" not in c and "subject" not in c["certificates"][0]
      and c["certificates_total"] == 2)

# --json-file beside the text report, and --export-certs
import tempfile
with tempfile.TemporaryDirectory() as tmp:
    jf, xd = os.path.join(tmp, "out.jsonl"), os.path.join(tmp, "certs")
    files = [os.path.join(PCAPS, n + ".pcap") for n in ("01-tls12-good", "13-many-connections", "20-self-signed-leaf")]
    r = run_tlsscope([TOOL, "analyze", "--ca", CA, "--json-file", jf, "--export-certs", xd] + files,
                     capture_output=True, text=True, timeout=120)
    check("json-file", "exit 1 (a self-signed leaf is an error) and the text report on stdout", r.returncode == 1 and "== summary ==" in r.stdout)
    objs = [json.loads(l) for l in open(jf)] if os.path.exists(jf) else []
    conns = load_lines(objs)[0]  # the compact records, their certificate lines joined
    check("json-file", "22 connections and a summary in the file", len(conns) == 22 and objs[-1]["type"] == "summary")
    pems = sorted(f for f in os.listdir(xd) if f.endswith(".pem")) if os.path.isdir(xd) else []
    want = sorted({c["der_sha256"] + ".pem" for o in conns for c in o["certificates"]})
    check("export-certs", "one PEM per distinct certificate, named by SHA-256", pems == want and len(pems) > 0)
    ok = True
    for f in pems:
        text = open(os.path.join(xd, f)).read()
        b64 = "".join(l for l in text.splitlines() if not l.startswith("-----"))
        ok = ok and text.startswith("-----BEGIN CERTIFICATE-----\n") and \
            hashlib.sha256(base64.b64decode(b64)).hexdigest() + ".pem" == f and \
            all(len(l) <= 64 for l in text.splitlines())
    check("export-certs", "each PEM holds exactly the certificate its name says", ok)
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(xd, "index.tsv"))][1:] \
        if os.path.exists(os.path.join(xd, "index.tsv")) else []
    check("export-certs", "the index maps every connection's certificates to the files",
          len(rows) == sum(len(o["certificates"]) for o in conns) and all(row[7] + ".pem" in pems for row in rows))
r = run_tlsscope([TOOL, "analyze", "--export-certs", "/dev/null/x", os.path.join(PCAPS, "01-tls12-good.pcap")],
                 capture_output=True, text=True, timeout=60)
check("export-certs", "an unusable directory: exit 2 naming it", r.returncode == 2 and "/dev/null/x" in r.stderr)

# exit status for CI: 1 when a finding reaches --fail-on (default error), 0 otherwise, 2 for bad input
def status(name, *extra):
    return run_tlsscope([TOOL, "analyze", "--ca", CA, *extra, os.path.join(PCAPS, name + ".pcap")],
                        capture_output=True, timeout=60).returncode
check("fail-on", "a good capture exits 0", status("01-tls12-good") == 0)
check("fail-on", "a hostname mismatch exits 1", status("15-hostname-mismatch") == 1)
check("fail-on", "--fail-on critical lets an error pass", status("15-hostname-mismatch", "--fail-on", "critical") == 0)
check("fail-on", "--fail-on never", status("15-hostname-mismatch", "--fail-on", "never") == 0)
check("fail-on", "a warning (cn-only) passes by default", status("19-cn-only") == 0)
check("fail-on", "--fail-on warning catches it", status("19-cn-only", "--fail-on", "warning") == 1)
check("fail-on", "a bad value exits 2", status("01-tls12-good", "--fail-on", "sometimes") == 2)
check("fail-on", "unusable input exits 2 even with findings",
      run_tlsscope([TOOL, "analyze", "--ca", CA, os.path.join(PCAPS, "15-hostname-mismatch.pcap"), "/nonexistent.pcap"],
                   capture_output=True, timeout=60).returncode == 2)

# the text report: summary first, problems worst first, healthy ones in one line, colour only on request
def text(*args):
    return run_tlsscope([TOOL, "analyze", "--ca", CA, *args], capture_output=True, text=True, timeout=60).stdout
files = [os.path.join(PCAPS, n + ".pcap") for n in ("01-tls12-good", "19-cn-only", "23-missing-intermediate", "06-reset-after-client-hello")]
out = text(*files)
check("text", "opens with the summary", out.startswith("== summary =="))
check("text", "findings counted by code in the summary", "  error    missing-intermediate         1" in out)
check("text", "servers with the most problems", "servers with the most problems:" in out)
p_err, p_warn = out.find("missing-intermediate: "), out.find("cn-only: ")
check("text", "errors before warnings", 0 < p_err < p_warn)
check("text", "the healthy connection in one line", "== healthy connections ==\n#1 " in out
      and out.rstrip().endswith("established"))
check("text", "no colour when piped", "\033[" not in out)
check("text", "--color=always colours severities", "\033[31merror" in text("--color=always", *files))
out = text("--problems-only", *files)
check("text", "--problems-only hides the healthy ones", "== healthy connections ==" not in out and "cn-only: " in out)
check("text", "--no-summary", not text("--no-summary", *files).startswith("== summary =="))

# the connection block: the chain as a tree against the expected host, the handshake as a ladder
mismatch = os.path.join(PCAPS, "15-hostname-mismatch.pcap")
out = text(mismatch)
jc = analyze("15-hostname-mismatch", "--ca", CA)[0][0]
leaf = jc["certificates"][0]
check("text", "the chain names the leaf's subject and SANs from the certificate",
      "[0] " + leaf["subject"] in out and ", ".join("DNS:" + n for n in leaf["san"]["dns"]) in out)
check("text", "the leaf's names are set against the expected host",
      "does NOT cover the expected " + jc["expected_host"] in out)
check("text", "each certificate shows its issuer and a fingerprint prefix",
      "`- issued by " + leaf["issuer"] in out and "sha256 " + leaf["der_sha256"][:12] in out)
ladder = [l for l in out.splitlines() if "client ---->" in l or "client <----" in l]
check("text", "one ladder line per burst, directions from the timeline",
      ladder and ladder[0].split()[-1] == jc["timeline"][0]["event"]
      and any("server_hello" in l and "<----" in l for l in ladder))

# width: wrapped to the terminal's columns on a terminal, whole lines in a pipe
def on_terminal(cols, *args):
    import fcntl, pty, struct, termios
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, cols, 0, 0))
    p = subprocess.Popen([TOOL, "analyze", "--color=never", "--ca", CA, *args], stdout=slave, stderr=slave,
                         env=dict(os.environ, COLUMNS="", NO_COLOR="1"))
    os.close(slave)
    chunks = []
    while True:
        try:
            b = os.read(master, 65536)
        except OSError:
            break
        if not b:
            break
        chunks.append(b)
    p.wait(timeout=60)
    os.close(master)
    why = abnormal(p.returncode, b"".join(chunks), (0, 1))
    if why:
        sys.exit("FAIL tlsscope on a terminal: %s" % why)
    return b"".join(chunks).decode().replace("\r\n", "\n")
tty = on_terminal(72, mismatch)
fix = next(f["fix"] for f in jc["findings"] if f["code"] == "hostname-mismatch")
block = tty.split("== connections with problems", 1)[1]  # the summary names files: paths do not wrap
check("width", "no line of the block wider than a 72-column terminal", max(len(l) for l in block.splitlines()) <= 72)
check("width", "a wrapped fix still reads whole",
      fix in " ".join(l.strip() for l in tty.split("fix: ", 1)[1].split("\n    clients")[0].splitlines()))
check("width", "a pipe gets the fix on one line", "fix: " + fix + "\n" in out)

c, s = one("38-late-data-after-reset")
if c:
    check("38", "the client's RST ended it", c["end_reason"] == "reset" and c["closed_by"] == "client_rst")
    check("38", "established", c["outcome"] == "established")
    check("38", "the server's close_notify after the RST is late, its FIN stray",
          s["late_packets"] == 1 and s["stray_packets"] == 1)
for name in ("01-tls12-good", "13-many-connections"):
    check(name, "nothing late", analyze(name)[1]["late_packets"] == 0)

# every sample capture: analyzable, valid JSON, at least one TLS connection
for f in sorted(os.listdir(PCAPS)):
    if f.endswith(".pcap"):
        conns, s = analyze(f[:-5])
        check(f, "at least one TLS connection", any(c["client_hello"] or c["server_hello"] for c in conns))

for why in skipped:
    print("SKIP " + why)
print("%d checks failed" % len(failures) if failures else "all sample-capture checks passed")
sys.exit(1 if failures else 77 if skipped else 0)
