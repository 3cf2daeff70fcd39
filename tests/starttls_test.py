#!/usr/bin/env python3
"""STARTTLS detection on real sessions.

Usage:
  starttls_test.py corpus TLSSCOPE CORPUS_DIR
      The public corpus's STARTTLS captures (other projects' recordings of real
      sessions, named for their protocol) must give that protocol in `starttls`,
      with the handshake seen; every other connection of every capture in the
      corpus must give null (no false positives on HTTP CONNECT, SOCKS, ...). The
      XMPP capture sends no SNI: its expected host is the stream header's `to`, as tshark reads it.
  starttls_test.py loopback TLSSCOPE OUTDIR
      For each protocol, `openssl s_client -starttls PROTO` talks to a small
      Python server on 127.0.0.1 (ports 25000-25999) that speaks just enough of
      the protocol and then hands the socket to Python's ssl module (OpenSSL),
      TLS 1.2 so that the certificate is in clear; tcpdump captures lo with a
      filter on those ports. Each connection's record must name the protocol,
      carry the SNI s_client sent and the server's certificate, and be
      established (s_client then closes without data). NNTP's STARTTLS (answered 382) must give null.

Exit 0 on success, 1 on any failure, 77 (skip) when a tool, the corpus or
the right to capture on lo is missing. OUTDIR keeps the capture and output.
"""
import hashlib
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

from mode_script import analyze, run_modes, skip, text_blocks

TIMEOUT = 20  # seconds per s_client and per server step; the CI machine may be busy
HOST = "starttls.test"

# Captures of the public corpus and the protocol their file names (and TRUTH.tsv notes) give.
CORPUS_EXPECTED = {
    "nDPI__ftp-start-tls.pcap": "ftp",
    "suricata-verify__ldap-starttls__input.pcap": "ldap",
    "zeek__imap-starttls.pcap": "imap",
    "zeek__irc-starttls.pcap": "irc",
    "zeek__pop3-starttls.pcap": "pop3",
    "zeek__smtp-starttls.pcap": "smtp",
    "zeek__xmpp-starttls.pcap": "xmpp",
    # Not named for it, but tshark dissects the prelude: pgsql SSLRequest answered 'S' (port 5432) ...
    "zeek__psql-aws-ssl-require.pcap": "postgresql",
    # ... and a MySQL "Server Greeting proto=10 version=8.0.28" answered by "SSL Handshake" (port 3306).
    "zeek__tls-12-amazon-rds.pcap": "mysql",
}


def corpus_main(tlsscope, corpus):
    if not os.path.isdir(corpus):
        skip("no corpus at %s" % corpus)
    failures = checked = in_text = 0
    for f in sorted(os.listdir(corpus)):
        if not f.endswith((".pcap", ".pcapng")):
            continue
        want = CORPUS_EXPECTED.get(f)
        blocks = text_blocks(tlsscope, os.path.join(corpus, f)) if want else {}
        for r in analyze(tlsscope, os.path.join(corpus, f), "--no-diagnose"):
            checked += 1
            block = blocks.get(r["id"])
            if block is not None:
                in_text += 1
                if "    STARTTLS     %s: " % want not in block:
                    failures += 1
                    print("FAIL %s #%d: the text report does not name %s" % (f, r["id"], want))
            if r["starttls"] != want or (want and not r["client_hello"]):
                failures += 1
                print("FAIL %s: client port %d: starttls %r (want %r), prelude %d/%d bytes, client_hello %s"
                      % (f, r["client"]["port"], r["starttls"], want, r["client"]["prelude_bytes"],
                         r["server"]["prelude_bytes"], "seen" if r["client_hello"] else "missing"))
    failures += xmpp_expected_host(tlsscope, os.path.join(corpus, "zeek__xmpp-starttls.pcap"))
    missing = [f for f in CORPUS_EXPECTED if not os.path.exists(os.path.join(corpus, f))]
    for f in missing:
        failures += 1
        print("FAIL: %s is not in the corpus" % f)
    print("corpus: %d connections checked, %d STARTTLS captures (%d blocks of the text report), %d failures"
          % (checked, len(CORPUS_EXPECTED), in_text, failures))
    return 1 if failures or not in_text else 0


def xmpp_expected_host(tlsscope, path):
    """The XMPP client sent no SNI: the domain of its stream header's `to` (tshark's oracle: the
    first "to:" attribute of a client STREAM element) is the expected host, not the server's address."""
    if not os.path.exists(path) or not shutil.which("tshark"):
        return 0  # the missing file is counted by the caller; tshark is installed with the tests
    out = subprocess.run(["tshark", "-r", path, "-O", "xmpp", "-Y", "xmpp.stream and tcp.dstport == 5222"],
                         capture_output=True, text=True, timeout=120).stdout
    m = re.search(r"^\s+to: (\S+)", out, re.M)
    recs = analyze(tlsscope, path)
    got = [(r["expected_host"], r["expected_host_source"]) for r in recs]
    want = [(m.group(1) if m else None, "starttls")]
    if got != want or not m:
        print("FAIL %s: expected host %s, want %s (tshark)" % (os.path.basename(path), got, want))
        return 1
    print("ok  %s: expected host %s from the stream header, as tshark reads it"
          % (os.path.basename(path), m.group(1)))
    return 0


# ---------------------------------------------------------------- the plaintext side of each server

def read_until(sock, done):
    """Read a byte at a time (never into the TLS that follows) until done(bytes read so far)."""
    data = b""
    while not done(data):
        b = sock.recv(1)
        if not b:
            raise EOFError("peer closed in the plaintext phase")
        data += b
    return data


def read_line(sock):
    return read_until(sock, lambda d: d.endswith(b"\n"))


def read_exact(sock, n):
    return read_until(sock, lambda d: len(d) == n)


def read_to(sock, marker):
    return read_until(sock, lambda d: marker in d)


def smtp(s):
    s.sendall(b"220 %s ESMTP\r\n" % HOST.encode())
    read_line(s)  # EHLO
    s.sendall(b"250-%s\r\n250 STARTTLS\r\n" % HOST.encode())
    read_line(s)  # STARTTLS
    s.sendall(b"220 2.0.0 Ready to start TLS\r\n")


def imap(s):
    s.sendall(b"* OK IMAP4rev1 Service Ready\r\n")
    tag = read_line(s).split(b" ")[0]  # CAPABILITY
    s.sendall(b"* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n%s OK CAPABILITY completed\r\n" % tag)
    tag = read_line(s).split(b" ")[0]  # STARTTLS
    s.sendall(b"%s OK Begin TLS negotiation now\r\n" % tag)


def pop3(s):
    s.sendall(b"+OK POP3 server ready\r\n")
    read_line(s)  # STLS
    s.sendall(b"+OK Begin TLS negotiation\r\n")


def ftp(s):
    s.sendall(b"220 FTP server ready\r\n")
    read_line(s)  # AUTH TLS
    s.sendall(b"234 AUTH TLS successful\r\n")


def xmpp(s):
    read_to(s, b"version='1.0'>")
    s.sendall(b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
              b"xmlns:stream='http://etherx.jabber.org/streams' id='c2s1' from='%s' version='1.0'>"
              b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
              b"</stream:features>" % HOST.encode())
    read_to(s, b"/>")  # <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>
    s.sendall(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")


def postgres(s):
    read_exact(s, 8)  # SSLRequest
    s.sendall(b"S")


def mysql(s):
    # Protocol::HandshakeV10 offering CLIENT_SSL (0x0800) among the capabilities.
    body = (b"\x0a" + b"8.0.36-tlsscope\x00" + b"\x07\x00\x00\x00" + b"abcdefgh" + b"\x00" + b"\xff\xff" +
            b"\x21" + b"\x02\x00" + b"\xff\xc1" + b"\x15" + b"\x00" * 10 + b"ijklmnopqrst\x00" +
            b"caching_sha2_password\x00")
    s.sendall(len(body).to_bytes(3, "little") + b"\x00" + body)
    read_exact(s, 4 + 32)  # SSLRequest


def ldap(s):
    head = read_exact(s, 2)  # SEQUENCE, short-form length (a StartTLS request is 31 bytes)
    read_exact(s, head[1])
    # ExtendedResponse, messageID 1, resultCode success, empty matchedDN and diagnosticMessage.
    s.sendall(bytes([0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00]))


def irc(s):
    read_line(s)  # STARTTLS
    s.sendall(b":%s 670 * :STARTTLS successful, proceed with TLS handshake\r\n" % HOST.encode())


def nntp(s):
    s.sendall(b"200 news server ready\r\n")
    read_line(s)  # CAPABILITIES
    s.sendall(b"101 Capability list:\r\nVERSION 2\r\nSTARTTLS\r\n.\r\n")
    read_line(s)  # STARTTLS
    s.sendall(b"382 Continue with TLS negotiation\r\n")


# (s_client -starttls name, server, what tlsscope must say)
CASES = [
    ("smtp", smtp, "smtp"), ("imap", imap, "imap"), ("pop3", pop3, "pop3"), ("ftp", ftp, "ftp"),
    ("xmpp", xmpp, "xmpp"), ("postgres", postgres, "postgresql"), ("mysql", mysql, "mysql"),
    ("ldap", ldap, "ldap"), ("irc", irc, "irc"), ("nntp", nntp, None),
]


def serve_one(listener, prelude, ctx, errors, name):
    try:
        conn, _ = listener.accept()
        conn.settimeout(TIMEOUT)
        with conn:
            prelude(conn)
            tls = ctx.wrap_socket(conn, server_side=True)
            try:
                while tls.recv(1024):
                    pass
            except (ssl.SSLError, OSError):
                pass
    except Exception as e:  # reported, not raised: the thread has no one to raise to
        errors.append("%s server: %s" % (name, e))


def make_cert(tmp):
    key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "30", "-subj", "/CN=" + HOST,
                        "-addext", "subjectAltName=DNS:" + HOST], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("openssl req: " + r.stderr.strip())
    der = ssl.PEM_cert_to_DER_cert(open(cert).read())
    return key, cert, hashlib.sha256(der).hexdigest()


def free_ports(n):
    """n consecutive free ports in 25000-25999 (ours to use), starting at a random place."""
    base = 25000 + (os.getpid() % 90) * 10
    for start in list(range(base, 25990, 10)) + list(range(25000, base, 10)):
        socks = []
        try:
            for p in range(start, start + n):
                s = socket.socket()
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", p))
                s.listen(1)
                s.settimeout(TIMEOUT)
                socks.append(s)
            return socks
        except OSError:
            for s in socks:
                s.close()
    return None


def loopback_main(tlsscope, outdir):
    for tool in ("openssl", "tcpdump"):
        if not shutil.which(tool):
            skip("%s is not installed" % tool)
    os.makedirs(outdir, exist_ok=True)
    listeners = free_ports(len(CASES))
    if not listeners:
        print("FAIL: no free ports in 25000-25999")
        return 1
    ports = [l.getsockname()[1] for l in listeners]
    pcap = os.path.join(outdir, "starttls.pcap")
    tlog = open(os.path.join(outdir, "tcpdump.log"), "w+")
    filt = "tcp and portrange %d-%d" % (ports[0], ports[-1])
    # As in e2e/run_e2e.py: in immediate mode each ring frame holds a whole 64 KiB lo packet, so the
    # default 2 MiB ring holds ~32 of them; -B 65536 (KiB) keeps a busy machine from dropping any.
    tcpdump = subprocess.Popen(["tcpdump", "-i", "lo", "-s", "0", "-B", "65536", "-U", "--immediate-mode", "-w",
                                pcap, filt],
                               stdout=subprocess.DEVNULL, stderr=tlog)
    failures = []
    try:
        deadline = time.monotonic() + TIMEOUT
        while "listening on" not in open(tlog.name).read():
            if tcpdump.poll() is not None or time.monotonic() > deadline:
                skip("cannot capture on lo (needs root or CAP_NET_RAW): %s" % open(tlog.name).read().strip())
            time.sleep(0.05)
        with tempfile.TemporaryDirectory() as tmp:
            key, cert, cert_sha256 = make_cert(tmp)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # certificate in clear
            ctx.load_cert_chain(cert, key)
            errors = []
            for (name, prelude, _), listener in zip(CASES, listeners):
                t = threading.Thread(target=serve_one, args=(listener, prelude, ctx, errors, name), daemon=True)
                t.start()
                cmd = ["openssl", "s_client", "-starttls", name, "-connect", "127.0.0.1:%d" %
                       listener.getsockname()[1], "-servername", HOST, "-CAfile", cert, "-verify_return_error"]
                if name == "xmpp":
                    cmd += ["-xmpphost", HOST]
                try:
                    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                       timeout=TIMEOUT)
                except subprocess.TimeoutExpired:
                    failures.append("s_client -starttls %s: no end in %d s" % (name, TIMEOUT))
                    continue
                finally:
                    t.join(TIMEOUT)
                with open(os.path.join(outdir, "s_client-%s.log" % name), "w") as log:
                    log.write(r.stdout + r.stderr)
                if r.returncode != 0 or "Verify return code: 0 (ok)" not in r.stdout:
                    failures.append("s_client -starttls %s failed (%d): %s" %
                                    (name, r.returncode, (r.stderr.strip().splitlines() or [""])[-1]))
            failures += errors
        time.sleep(0.5)  # the last ACKs and FINs
    finally:
        tcpdump.terminate()
        tcpdump.wait(TIMEOUT)
        tlog.close()
        for l in listeners:
            l.close()
    dropped = re.search(r"(\d+) packets? dropped by kernel", open(tlog.name).read())
    if dropped and int(dropped.group(1)):
        failures.append("tcpdump dropped %s packets: the capture is incomplete" % dropped.group(1))
    recs = analyze(tlsscope, pcap)
    with open(os.path.join(outdir, "tlsscope.jsonl"), "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in recs)
    by_port = {r["server"]["port"]: r for r in recs}
    for (name, _, want), port in zip(CASES, ports):
        r = by_port.get(port)
        if not r:
            failures.append("%s: no record for port %d" % (name, port))
            continue
        got = {"starttls": r["starttls"], "sni": (r["client_hello"] or {}).get("server_names"),
               "cert": [c["der_sha256"] for c in r["certificates"]], "established": r["established"]}
        exp = {"starttls": want, "sni": [HOST], "cert": [cert_sha256], "established": True}
        if got != exp:
            failures.append("%s (port %d): got %s, want %s" % (name, port, got, exp))
        else:
            print("ok  %-8s starttls=%s, prelude %d/%d bytes, SNI and certificate seen"
                  % (name, want, r["client"]["prelude_bytes"], r["server"]["prelude_bytes"]))
    for f in failures:
        print("FAIL " + f)
    print("loopback: %d protocols, %d failures (capture and output in %s)" % (len(CASES), len(failures), outdir))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(run_modes(__doc__, {"corpus": corpus_main, "loopback": loopback_main}))
