#!/usr/bin/env python3
"""End-to-end test of --keylog: real clients write key logs, tlsscope must read the encrypted handshake.

    run_keylog.py TLSSCOPE OUTDIR

1. make_pki.sh builds the test PKI; tcpdump captures lo (ports 22000-22999) into OUTDIR/keylog.pcap;
2. one `openssl s_server` per case (TLS 1.3 with each of its three suites, a HelloRetryRequest,
   a self-signed leaf; TLS 1.2 with AES-GCM and ChaCha20-Poly1305), each on its own port;
3. real clients connect and write their key logs: `openssl s_client -keylogfile`, curl with
   SSLKEYLOGFILE, Node.js through the TLSSocket 'keylog' event (keylog_node.js);
4. `TLSSCOPE analyze --json --keylog ...` on the capture must show, per connection: the key log
   matched; the certificates the server was given (SHA-256 of the PKI's DER files); the handshake
   messages and alerts tshark decrypts with the same key log, in order, per side; a HelloRetryRequest
   where one was forced. Without --keylog the TLS 1.3 certificates must be "encrypted" and the
   self-signed leaf found only with the key log. A key log with a damaged secret, a truncated one
   and one from other connections must each give their per-connection note, never a crash.

Exit 0 when everything holds, 1 otherwise (one line per failure), 77 when lo cannot be captured or
openssl/tshark is missing. OUTDIR keeps keylog.pcap, the key logs and tlsscope's output.
"""
import hashlib
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time

import lo_capture
from run_e2e import ENV, HERE, TIMEOUT, log, port_free, run, stop, wait_listening
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tlsscope_run import run as run_tlsscope  # noqa: E402

PORT_BASES = (22100, 22300, 22500, 22700)
WWW = "www.example.test"
AES128, AES256, CHACHA = "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"


class Case:
    def __init__(self, name, client, suite=None, tls12_cipher=None, leaf="good", chain="chain-int.pem",
                 server_extra=(), client_extra=(), hrr=False, client_fails=False, finding=None, ocsp=False,
                 alert_from=None, certificate_request=False, renegotiate=False):
        self.name, self.client, self.suite, self.tls12_cipher = name, client, suite, tls12_cipher
        self.leaf, self.chain, self.hrr = leaf, chain, hrr
        self.server_extra, self.client_extra = list(server_extra), list(client_extra)
        self.client_fails, self.finding, self.ocsp = client_fails, finding, ocsp
        self.alert_from, self.certificate_request, self.renegotiate = alert_from, certificate_request, renegotiate


CASES = [
    Case("openssl-aes128", "openssl", suite=AES128),
    Case("curl-aes256", "curl", suite=AES256),
    Case("node-chacha20", "node", suite=CHACHA),
    # The client's only key share is X25519; the server takes P-256 only: it must ask again.
    Case("openssl-hrr", "openssl", suite=AES128, server_extra=["-groups", "P-256"],
         client_extra=["-groups", "X25519:P-256"], hrr=True),
    # Bad chain under TLS 1.3: the certificate, and the client's alert, are only visible with the key log.
    Case("openssl-selfsigned", "openssl", suite=AES256, leaf="selfsigned", chain=None, client_fails=True,
         finding="self-signed-leaf"),
    Case("node-selfsigned", "node", suite=AES128, leaf="selfsigned", chain=None, client_fails=True,
         finding="self-signed-leaf"),
    # Go's client rejects a certificate with an alert under its handshake keys: on the wire only an
    # encrypted 19-byte record; with the key log, the alert itself.
    Case("go-selfsigned", "go", suite=AES128, leaf="selfsigned", chain=None, client_fails=True,
         finding="self-signed-leaf", alert_from="client"),
    # The server asks for a client certificate (CertificateRequest, encrypted) and, given none, rejects
    # the client after its Finished with an alert under the server's application keys.
    Case("openssl-cert-required", "openssl", suite=AES128, server_extra=["-Verify", "1"], client_fails=None,
         alert_from="server", certificate_request=True),
    # A stapled OCSP response travels in the leaf's CertificateEntry in TLS 1.3: visible only with the key log.
    Case("openssl-ocsp", "openssl", suite=AES128, server_extra=["-status_file", "{pki}/good.ocsp.der"],
         client_extra=["-status"], ocsp=True),
    # TLS 1.2 with CLIENT_RANDOM: the encrypted Finished messages and the client's encrypted close_notify.
    Case("openssl-tls12-gcm", "openssl", tls12_cipher="ECDHE-ECDSA-AES128-GCM-SHA256"),
    Case("openssl-tls12-chacha20", "openssl", tls12_cipher="ECDHE-ECDSA-CHACHA20-POLY1305"),
    Case("curl-tls12-gcm256", "curl", tls12_cipher="ECDHE-ECDSA-AES256-GCM-SHA384"),
    # The client asks to renegotiate (s_client's "R" command): its new ClientHello travels encrypted,
    # and OpenSSL 3's server refuses with an encrypted no_renegotiation alert; the client gives up
    # with an encrypted handshake_failure.
    Case("openssl-tls12-renegotiation", "openssl", tls12_cipher="ECDHE-ECDSA-AES128-GCM-SHA256", client_fails=None,
         renegotiate=True),
]

# Handshake message names in tlsscope's timeline, by type number (what tshark prints).
HS_TYPES = {"client_hello": 1, "server_hello": 2, "hello_retry_request": 2, "new_session_ticket": 4,
            "end_of_early_data": 5, "encrypted_extensions": 8, "certificate": 11, "server_key_exchange": 12,
            "certificate_request": 13, "server_hello_done": 14, "certificate_verify": 15,
            "client_key_exchange": 16, "finished": 20, "certificate_status": 22, "key_update": 24,
            "compressed_certificate": 25}


def pem_ders(path):
    """DER bytes of every certificate in a PEM file."""
    with open(path) as f:
        text = f.read()
    out, start = [], 0
    while True:
        b = text.find("-----BEGIN CERTIFICATE-----", start)
        if b < 0:
            return out
        e = text.index("-----END CERTIFICATE-----", b) + len("-----END CERTIFICATE-----")
        out.append(ssl.PEM_cert_to_DER_cert(text[b:e]))
        start = e


def client_attempt(case, port, pki, keylog):
    root = os.path.join(pki, "root.pem")
    if case.client == "openssl":
        cmd = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", WWW, "-CAfile", root,
               "-verify_return_error", "-keylogfile", keylog] + case.client_extra
        cmd += ["-tls1_2"] if case.tls12_cipher else ["-tls1_3"]
        if case.renegotiate:
            # "R" asks s_client to renegotiate; its input stays open a moment for the answer.
            p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 env=ENV)
            p.stdin.write(b"R\n")
            p.stdin.flush()
            time.sleep(1)
            try:  # communicate() closes the input: s_client then closes the connection
                out = p.communicate(timeout=TIMEOUT)[0]
            except subprocess.TimeoutExpired:
                p.kill()
                out = p.communicate()[0]
            return p.returncode == 0, out.decode("utf-8", "replace")
        r = run(cmd, input=b"")  # end of input: s_client closes with close_notify after the handshake
        return r.returncode == 0, (r.stdout + r.stderr).decode("utf-8", "replace")
    if case.client == "curl":
        env = dict(ENV, SSLKEYLOGFILE=keylog)
        cmd = ["curl", "-sS", "-o", "/dev/null", "--cacert", root, "--resolve", "%s:%d:127.0.0.1" % (WWW, port),
               "--tlsv1.2" if case.tls12_cipher else "--tlsv1.3", "--tls-max", "1.2" if case.tls12_cipher else "1.3",
               "https://%s:%d/" % (WWW, port)]
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT, env=env)
        except subprocess.TimeoutExpired:
            return False, "timeout"
        return r.returncode == 0, r.stderr.decode("utf-8", "replace")
    if case.client == "go":
        r = run([GO_CLIENT[0], str(port), WWW, root, keylog])
        return r.returncode == 0, r.stdout.decode("utf-8", "replace")
    r = run(["node", os.path.join(HERE, "keylog_node.js"), str(port), WWW, root, keylog])
    return r.returncode == 0, r.stdout.decode("utf-8", "replace")


GO_CLIENT = [None]  # path of the built Go client, when Go is installed


def build_go(tmp):
    if not shutil.which("go"):
        return
    exe = os.path.join(tmp, "keylog_client")
    r = run(["go", "build", "-o", exe, os.path.join(HERE, "keylog_go", "keylog_client.go")], timeout=120,
            cwd=os.path.join(HERE, "keylog_go"))
    if r.returncode == 0:
        GO_CLIENT[0] = exe
    else:
        log("note: the Go client did not build: %s" % r.stderr.decode("utf-8", "replace").strip()[:200])


def analyze(tool, pcap, pki, keylogs, out_path):
    cmd = [tool, "analyze", "--json", "--json-detail", "full", "--fail-on", "never", "--ca", os.path.join(pki, "root.pem")]
    for k in keylogs:
        cmd += ["--keylog", k]
    r = run_tlsscope(cmd + [pcap], allowed=(0,), timeout=60, env=ENV)
    with open(out_path, "wb") as f:
        f.write(r.stdout)
    recs = {}
    for line in r.stdout.decode("utf-8", "replace").splitlines():
        o = json.loads(line)
        if o.get("type") == "connection":
            recs[o["server"]["port"]] = o
    return r.returncode, r.stderr.decode("utf-8", "replace"), recs


def tshark_view(pcap, keylog, port):
    """tshark's decrypted handshake types and alerts per side ("client"/"server") of one connection."""
    # -d: decode the port as TLS rather than trust tshark's heuristics on a port it does not know
    # (once, under load, they left a whole connection undissected). One retry if tshark shows
    # nothing at all: an empty view cannot be right, the ClientHello is in clear.
    for _ in range(2):
        r = run(["tshark", "-r", pcap, "-o", "tls.keylog_file:" + keylog, "-d", "tcp.port==%d,tls" % port,
                 "-Y", "tcp.port == %d && tls" % port,
                 "-T", "fields", "-E", "occurrence=a", "-e", "tcp.srcport", "-e", "tls.handshake.type",
                 "-e", "tls.alert_message.level", "-e", "tls.alert_message.desc"], timeout=60)
        if r.stdout.strip():
            break
    view = {"client": {"hs": [], "alerts": []}, "server": {"hs": [], "alerts": []}}
    for line in r.stdout.decode().splitlines():
        f = (line.split("\t") + ["", "", "", ""])[:4]
        side = view["server" if f[0] == str(port) else "client"]
        side["hs"] += [int(x) for x in f[1].split(",") if x]
        levels, descs = [x for x in f[2].split(",") if x], [x for x in f[3].split(",") if x]
        side["alerts"] += ["%s/%s" % ld for ld in zip(levels, descs)]
    return view


def our_view(rec):
    view = {"client": {"hs": [], "alerts": []}, "server": {"hs": [], "alerts": []}}
    for ev in rec["timeline"]:
        if ev["event"] in HS_TYPES:
            view[ev["from"]]["hs"].append(HS_TYPES[ev["event"]])
    for a in rec["alerts"]:
        if not a["encrypted"] or a["decrypted"]:
            view[a["from"]]["alerts"].append("%d/%d" % ({"warning": 1, "fatal": 2}.get(a["level"], 0), a["code"]))
    return view


def finding_codes(rec):
    return {f["code"] for f in (rec.get("findings") or [])}


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 1
    tool, outdir = sys.argv[1], os.path.abspath(sys.argv[2])
    os.makedirs(outdir, exist_ok=True)
    for t in ("openssl", "tcpdump", "tshark"):
        if not shutil.which(t):
            log("skipped: %s not installed" % t)
            return 77
    tmp = tempfile.mkdtemp(prefix="tlsscope-keylog-")
    build_go(tmp)
    active = [c for c in CASES if (GO_CLIENT[0] if c.client == "go" else shutil.which(c.client))]
    for c in CASES:
        if c not in active:
            log("note: case %s skipped: %s not installed" % (c.name, c.client))
    base = next((b for b in PORT_BASES if all(port_free(b + i) for i in range(len(CASES)))), None)
    if base is None:
        log("FAIL: no free block of ports in 22000-22999 on 127.0.0.1")
        shutil.rmtree(tmp, ignore_errors=True)
        return 1
    pki = os.path.join(tmp, "pki")
    pcap = os.path.join(outdir, "keylog.pcap")
    tlog = open(os.path.join(outdir, "tcpdump.log"), "w+")
    tcpdump, procs, failures = None, [], []

    def fail(msg):
        failures.append(msg)
        log("FAIL: " + msg)

    try:
        tcpdump, why = lo_capture.start(pcap, "tcp and portrange %d-%d" % (base, base + len(CASES) - 1), tlog, ENV)
        if tcpdump is None:
            log("skipped: cannot capture on lo (needs root or CAP_NET_RAW): %s" % why)
            return 77
        r = run(["sh", os.path.join(HERE, "make_pki.sh"), pki], timeout=60)
        if r.returncode != 0:
            log("FAIL: make_pki.sh failed")
            return 1
        # An OCSP response for the good leaf, signed by its issuer, for the server to staple.
        r = run(["openssl", "ocsp", "-issuer", "int.pem", "-cert", "good.pem", "-index", "ca-index.txt",
                 "-rsigner", "int.pem", "-rkey", "int.key", "-CA", "int.pem", "-ndays", "30",
                 "-respout", "good.ocsp.der"], cwd=pki)
        if r.returncode != 0:
            log("FAIL: openssl ocsp could not make a response")
            return 1
        for i, c in enumerate(active):
            port = base + CASES.index(c)
            cmd = ["openssl", "s_server", "-accept", "127.0.0.1:%d" % port, "-www",
                   "-cert", os.path.join(pki, c.leaf + ".pem"), "-key", os.path.join(pki, c.leaf + ".key")]
            if c.chain:
                cmd += ["-cert_chain", os.path.join(pki, c.chain)]
            cmd += ["-tls1_2", "-cipher", c.tls12_cipher] if c.tls12_cipher else ["-tls1_3", "-ciphersuites", c.suite]
            slog = open(os.path.join(outdir, "s_server-%s.log" % c.name), "w")
            extra = [x.replace("{pki}", pki) for x in c.server_extra]
            procs.append((c.name, subprocess.Popen(cmd + extra, stdout=slog, stderr=subprocess.STDOUT,
                                                   stdin=subprocess.DEVNULL, env=ENV)))
            slog.close()
        err = wait_listening([base + CASES.index(c) for c in active], procs, time.monotonic() + TIMEOUT)
        if err:
            log("FAIL: %s" % err)
            return 1
        keylogs = {}
        for c in active:
            port = base + CASES.index(c)
            kl = os.path.join(outdir, "%s.keys" % c.name)
            if os.path.exists(kl):
                os.unlink(kl)
            ok, out = client_attempt(c, port, pki, kl)
            keylogs[c.name] = kl
            log("%-24s port %d: client %s" % (c.name, port, "connected" if ok else "failed (%s)" % out.strip()
                                                                        .splitlines()[-1:]))
            if c.client_fails is not None and ok == c.client_fails:
                fail("%s: the client %s, expected it to %s" % (c.name, "connected" if ok else "failed",
                                                              "fail" if c.client_fails else "connect"))
            if not os.path.exists(kl) or os.path.getsize(kl) == 0:
                fail("%s: the client wrote no key log" % c.name)
        time.sleep(0.3)  # the last FINs
        dropped = lo_capture.finish(tcpdump, pcap, tlog)
        tcpdump = None
        stop(procs)
        procs = []
        if dropped:
            fail("tcpdump dropped %d packets" % dropped)

        present = [keylogs[c.name] for c in active if os.path.exists(keylogs[c.name])]
        status, stderr, with_keys = analyze(tool, pcap, pki, present, os.path.join(outdir, "with-keylog.jsonl"))
        if status != 0:
            fail("tlsscope --keylog exited %d: %s" % (status, stderr.strip()[:300]))
        _, _, without = analyze(tool, pcap, pki, [], os.path.join(outdir, "without-keylog.jsonl"))

        for c in active:
            port = base + CASES.index(c)
            rec, bare = with_keys.get(port), without.get(port)
            if not rec or not bare:
                fail("%s: no connection record for port %d" % (c.name, port))
                continue
            dec = rec["decryption"] or {}
            if dec.get("keylog") != "matched":
                fail("%s: decryption %s" % (c.name, json.dumps(rec["decryption"])))
            want = [hashlib.sha256(d).hexdigest() for d in pem_ders(os.path.join(pki, c.leaf + ".pem"))]
            if c.chain:
                want += [hashlib.sha256(d).hexdigest() for d in pem_ders(os.path.join(pki, c.chain))]
            got = [x["der_sha256"] for x in rec["certificates"]]
            if rec["certificates_state"] != "visible" or got != want:
                fail("%s: certificates %s %s, the server was given %s" % (c.name, rec["certificates_state"], got,
                                                                         want))
            if rec["ocsp_stapled"] != c.ocsp or (not c.tls12_cipher and bare["ocsp_stapled"]):
                fail("%s: ocsp_stapled %s with the key log, %s without" % (c.name, rec["ocsp_stapled"],
                                                                         bare["ocsp_stapled"]))
            if bool((rec["server_hello"] or {}).get("hello_retry_request")) != c.hrr:
                fail("%s: hello_retry_request %s" % (c.name, (rec["server_hello"] or {}).get("hello_retry_request")))
            theirs, ours = tshark_view(pcap, keylogs[c.name], port), our_view(rec)
            if theirs != ours:
                fail("%s: handshake messages and alerts differ from tshark's with the key log:\n"
                     "    tshark   %s\n    tlsscope %s" % (c.name, theirs, ours))
            if not c.client_fails and not any(a["decrypted"] for a in rec["alerts"]):
                fail("%s: no alert was decrypted (each side closes with an encrypted close_notify)" % c.name)
            if c.alert_from and not any(a["decrypted"] and a["from"] == c.alert_from and a["level"] == "fatal"
                                        for a in rec["alerts"]):
                fail("%s: no fatal alert from the %s was decrypted" % (c.name, c.alert_from))
            if c.alert_from and any(a["decrypted"] for a in bare["alerts"]):
                fail("%s: an alert decrypted without the key log" % c.name)
            renegotiated_hello = any(e["event"] == "client_hello" and e.get("decrypted") for e in rec["timeline"])
            if c.renegotiate and not (rec["renegotiation"] and renegotiated_hello):
                fail("%s: the renegotiation's ClientHello was not read (renegotiation %s)" % (c.name,
                                                                                           rec["renegotiation"]))
            if rec["certificate_request"] != c.certificate_request or bare["certificate_request"]:
                fail("%s: certificate_request %s with the key log, %s without" % (
                    c.name, rec["certificate_request"], bare["certificate_request"]))
            if c.finding and c.finding not in finding_codes(rec):
                fail("%s: no %s finding with the key log (%s)" % (c.name, c.finding, sorted(finding_codes(rec))))
            if c.finding and c.finding in finding_codes(bare):
                fail("%s: %s found without the key log" % (c.name, c.finding))
            if not c.tls12_cipher:
                if bare["certificates_state"] != "encrypted" or "certificate-not-visible" not in finding_codes(bare):
                    fail("%s: without the key log: certificates %s, findings %s" % (
                        c.name, bare["certificates_state"], sorted(finding_codes(bare))))
            log("%-24s ok: %d certificates, messages %s" % (c.name, len(got), ours))

        # Damaged key logs: the first TLS 1.3 case's key log with its handshake secrets changed, cut in
        # the middle of its CLIENT_HANDSHAKE_TRAFFIC_SECRET line, and another case's key log for it.
        first = next((c for c in active if not c.tls12_cipher), None)
        other = next((c for c in active if c is not first and not c.tls12_cipher), None)
        if first:
            port = base + CASES.index(first)
            with open(keylogs[first.name]) as f:
                lines = f.read().splitlines()
            bad = [ln[:-1] + ("0" if ln[-1] != "0" else "1") if "HANDSHAKE_TRAFFIC_SECRET" in ln else ln for ln in lines]
            damaged = os.path.join(outdir, "damaged.keys")
            with open(damaged, "w") as f:
                f.write("\n".join(bad) + "\n")
            truncated = os.path.join(outdir, "truncated.keys")
            cut = next(i for i, ln in enumerate(lines) if ln.startswith("CLIENT_HANDSHAKE_TRAFFIC_SECRET"))
            with open(truncated, "w") as f:
                f.write("\n".join(lines[:cut]) + "\n" + lines[cut][:len(lines[cut]) // 2])
            # (what, key log, decryption.keylog, words in its note, certificates_state): the truncated
            # key log still holds the server's handshake secret, so the certificate is read.
            trials = [("damaged", damaged, "failed", "did not decrypt", "encrypted"),
                      ("truncated", truncated, "failed", "truncated", "visible")]
            if other:
                trials.append(("other connections'", keylogs[other.name], "not_found", "no line", "encrypted"))
            for what, path, state, words, certs in trials:
                status, stderr, recs = analyze(tool, pcap, pki, [path], os.path.join(outdir, "%s.jsonl" % what[:5]))
                rec = recs.get(port)
                dec = (rec or {}).get("decryption") or {}
                if status not in (0, 1) or not rec:
                    fail("%s key log: tlsscope exited %d: %s" % (what, status, stderr.strip()[:200]))
                elif dec.get("keylog") != state or words not in (dec.get("note") or ""):
                    fail("%s key log: decryption %s, expected %s with a note about '%s'" % (what, json.dumps(dec),
                                                                                          state, words))
                elif rec["certificates_state"] != certs:
                    fail("%s key log: certificates %s" % (what, rec["certificates_state"]))
                else:
                    log("%-24s ok: %s key log -> %s: %s" % (first.name, what, state, dec.get("note")))
    finally:
        lo_capture.stop(tcpdump)
        stop(procs)
        shutil.rmtree(tmp, ignore_errors=True)
    log("%d cases, %d failures" % (len(active), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
