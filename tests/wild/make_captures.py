#!/usr/bin/env python3
"""Write the real loopback captures of tests/wild/ (issue 14): TCP Fast Open, PROXY protocol, OpenVPN.

Usage (root): unshare -n python3 tests/wild/make_captures.py OUTDIR [tcp] [openvpn]
(tcp: the TCP Fast Open and PROXY protocol captures; no group named: all of them)
Runs in a network namespace of its own, so the machine's TCP Fast Open setting is never touched:
it brings lo up, sets net.ipv4.tcp_fastopen in the namespace, captures lo with tcpdump, and runs
real TLS handshakes between Python's ssl module (OpenSSL) clients and servers on ports
31400-31420:
  tfo-accepted.pcap   the ClientHello rides in the SYN and the server takes it (the SYN-ACK
                      acknowledges it): the listener has TCP_FASTOPEN
  tfo-ignored.pcap    the ClientHello rides in the SYN, the listener has no TCP_FASTOPEN: the
                      SYN-ACK acknowledges only the SYN, and the client sends the ClientHello again
  proxy-v1.pcap       a load balancer's PROXY protocol v1 line (TCP4), then TLS
  proxy-v2.pcap       PROXY protocol v2 (binary, TCP over IPv4, with an ALPN and an authority TLV),
                      then TLS; and a v2 LOCAL header (a health check: no address) before another
  proxy-v2-ipv6.pcap  PROXY protocol v2 carrying IPv6 addresses
The PROXY headers are written by the client (as HAProxy's send-proxy does); the server reads the
header and then does TLS on the same connection.
The OpenVPN captures are a real openvpn 2.6 server and client in point-to-point TLS mode with
--dev null (no tun device), a throwaway PKI made with the openssl CLI (EC P-256: small captures):
  openvpn-udp.pcap        UDP on the IANA port 1194, TLS 1.2, no tls-auth
  openvpn-tcp.pcap        TCP on port 31202 (2-byte length framing), TLS 1.2
  openvpn-tls-auth.pcap   UDP on port 31201 with --tls-auth (HMAC-SHA256: 32-byte HMACs), TLS 1.3
  openvpn-bad-ca.pcap     UDP on port 31204, TLS 1.2, the client does not trust the server's CA:
                          it answers the server's flight with an unknown_ca alert
  openvpn-tls-crypt.pcap  TCP on port 31203 with --tls-crypt: the control channel is encrypted
"""
import os
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

TCP_FASTOPEN_CONNECT = 30  # linux/tcp.h
NAME = "wild.example.test"


def sh(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_cert(work):
    key, crt = os.path.join(work, "k.pem"), os.path.join(work, "c.pem")
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", key, "-out", crt, "-days", "30", "-subj", "/CN=" + NAME, "-addext", "subjectAltName=DNS:" + NAME)
    return crt, key


def server_ctx(crt, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # the certificate in clear, for tshark to count
    return ctx


def client_ctx(crt):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(crt)
    return ctx


def read_proxy_header(conn):
    """Consume a PROXY v1 line or v2 header from conn (no more)."""
    first = conn.recv(16, socket.MSG_PEEK)
    if first.startswith(b"PROXY "):
        line = b""
        while not line.endswith(b"\r\n") and len(line) < 107:
            line += conn.recv(1)
        return
    hdr = b""
    while len(hdr) < 16:
        hdr += conn.recv(16 - len(hdr))
    left = struct.unpack(">H", hdr[14:16])[0]
    while left:
        left -= len(conn.recv(left))


def serve(ctx, port, tfo, proxy, count, ready):
    ls = socket.socket(socket.AF_INET6 if port >= 31410 else socket.AF_INET)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if tfo:
        ls.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 16)
    ls.bind(("::1" if ls.family == socket.AF_INET6 else "127.0.0.1", port))
    ls.listen(4)
    ls.settimeout(20)
    ready.set()
    for _ in range(count):
        conn, _ = ls.accept()
        if proxy:
            read_proxy_header(conn)
        with ctx.wrap_socket(conn, server_side=True) as t:
            t.sendall(t.recv(100).upper())
    ls.close()


def pump(sock, obj, inc, outg):
    """Drive an ssl.SSLObject over a connected socket: handshake, one request, its answer."""
    while True:
        try:
            obj.do_handshake()
            break
        except ssl.SSLWantReadError:
            if outg.pending:
                sock.sendall(outg.read())
            data = sock.recv(65536)
            if not data:
                raise ConnectionError("closed during the handshake")
            inc.write(data)
    obj.write(b"hello over tls")
    sock.sendall(outg.read())
    while True:
        try:
            obj.read(100)
            break
        except ssl.SSLWantReadError:
            inc.write(sock.recv(65536))


def client(ctx, port, tfo=False, prelude=b"", v6=False):
    """A TLS client; with tfo its first flight (the ClientHello) is sent with the SYN (MSG_FASTOPEN)."""
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    addr = ("::1" if v6 else "127.0.0.1", port)
    s = socket.socket(fam)
    s.settimeout(10)
    inc, outg = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, outg, server_hostname=NAME)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outg.read()
    if tfo:
        s.sendto(prelude + hello, socket.MSG_FASTOPEN, addr)
    else:
        s.connect(addr)
        s.sendall(prelude + hello)
    pump(s, obj, inc, outg)
    s.close()


def v2_header(command, family, src, dst, sport, dport, tlvs=b""):
    """PROXY protocol v2 (haproxy proxy-protocol.txt section 2.2)."""
    addr = src + dst + struct.pack(">HH", sport, dport) if family else b""
    body = addr + tlvs
    return (b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x20 | command, family]) + struct.pack(">H", len(body)) + body)


def tlv(kind, value):
    return bytes([kind]) + struct.pack(">H", len(value)) + value


PROBE_PORT = 31419


def probe_until_written(cap, out, min_size):
    """Send probe datagrams until the capture file is larger than min_size: every packet before
    the probe has been written then."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    deadline = time.monotonic() + 20
    while not (os.path.exists(out) and os.path.getsize(out) > min_size):
        if cap.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("tcpdump is not capturing")
        probe.sendto(b"probe", ("127.0.0.1", PROBE_PORT))
        time.sleep(0.05)
    probe.close()


def capture(out, port_filter, run):
    """Capture lo into out while run() runs, between two probe datagrams (UDP to PROBE_PORT, left
    in the file): tcpdump's "listening" comes before it captures."""
    cap = subprocess.Popen(["tcpdump", "-i", "lo", "--immediate-mode", "-U", "-s", "0", "-w", out,
                            "(%s) or udp port %d" % (port_filter, PROBE_PORT)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        probe_until_written(cap, out, 24)
        run()
        probe_until_written(cap, out, os.path.getsize(out))
    finally:
        cap.terminate()
        cap.wait(10)


def with_server(ctx, port, tfo, proxy, count, fn):
    ready = threading.Event()
    th = threading.Thread(target=serve, args=(ctx, port, tfo, proxy, count, ready))
    th.start()
    ready.wait(10)
    fn()
    th.join(20)


def make_vpn_pki(work):
    """A throwaway CA, a server and a client certificate (the EKUs --remote-cert-tls checks),
    another CA the server's certificate is not from, and a tls-auth/tls-crypt key. Ten years, so
    the captures' handshakes are far from any expiry warning."""
    pki = {}
    for ca in ("ca", "other-ca"):
        pki[ca] = os.path.join(work, ca + ".crt")
        sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
           "-keyout", os.path.join(work, ca + ".key"), "-out", pki[ca], "-days", "3650",
           "-subj", "/CN=tlsscope OpenVPN test " + ca.upper())
    for name, eku in (("server", "serverAuth"), ("client", "clientAuth")):
        key, csr, crt, ext = (os.path.join(work, name + x) for x in (".key", ".csr", ".crt", ".ext"))
        sh("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
           "-out", csr, "-subj", "/CN=vpn-%s.example.test" % name)
        with open(ext, "w") as f:
            f.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=%s\n" % eku)
        sh("openssl", "x509", "-req", "-in", csr, "-CA", pki["ca"], "-CAkey", os.path.join(work, "ca.key"),
           "-CAcreateserial", "-out", crt, "-days", "3650", "-extfile", ext)
        pki[name] = (crt, key)
    pki["ta"] = os.path.join(work, "ta.key")
    sh("openvpn", "--genkey", "secret", pki["ta"])
    return pki


def wait_for_line(path, text, proc, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path, errors="replace") as f:
                if text in f.read():
                    return True
        if proc.poll() is not None:
            return False
        time.sleep(0.05)
    return False


def openvpn_pair(work, pki, proto, port, extra_server=(), extra_client=(), client_ca=None, expect=True):
    """A point-to-point TLS openvpn server and client on 127.0.0.1:port (--dev null), until the
    client says the tunnel is up (or, for a failing handshake, that TLS failed)."""
    common = ["openvpn", "--dev", "null", "--verb", "3", "--connect-retry-max", "1",
              "--hand-window", "10", "--tls-timeout", "1", "--ping", "1"]  # pings: data channel packets
    s_proto = {"udp": "udp", "tcp": "tcp-server"}[proto]
    c_proto = {"udp": "udp", "tcp": "tcp-client"}[proto]
    slog, clog = os.path.join(work, "s%d.log" % port), os.path.join(work, "c%d.log" % port)
    server = subprocess.Popen(common + ["--proto", s_proto, "--local", "127.0.0.1", "--lport", str(port),
                                        "--tls-server", "--ca", pki["ca"], "--cert", pki["server"][0],
                                        "--key", pki["server"][1], "--dh", "none"] + list(extra_server),
                              stdout=open(slog, "w"), stderr=subprocess.STDOUT)
    try:
        if not wait_for_line(slog, "link local (bound)" if proto == "udp" else "Listening for",
                             server):
            raise RuntimeError("openvpn server did not start: " + open(slog).read()[-400:])
        client = subprocess.Popen(common + ["--proto", c_proto, "--remote", "127.0.0.1", str(port), "--nobind",
                                            "--tls-client", "--ca", client_ca or pki["ca"],
                                            "--cert", pki["client"][0], "--key", pki["client"][1],
                                            "--remote-cert-tls", "server"] + list(extra_client),
                                  stdout=open(clog, "w"), stderr=subprocess.STDOUT)
        try:
            want = "Initialization Sequence Completed" if expect else "TLS Error"
            if not wait_for_line(clog, want, client):
                raise RuntimeError("openvpn client: no %r: %s" % (want, open(clog).read()[-600:]))
            time.sleep(2.5 if expect else 0.3)  # a few pings each way; the last acknowledgements
        finally:
            client.terminate()
            client.wait(10)
    finally:
        server.terminate()
        server.wait(10)


def openvpn_captures(out, work):
    pki = make_vpn_pki(work)
    tls12 = ("--tls-version-max", "1.2")  # the certificates in clear, for tshark to count
    runs = [
        ("openvpn-udp.pcap", "udp", 1194, tls12, tls12, None, True),
        ("openvpn-tcp.pcap", "tcp", 31202, tls12, tls12, None, True),
        ("openvpn-tls-auth.pcap", "udp", 31201, ("--tls-auth", pki["ta"], "0", "--auth", "SHA256"),
         ("--tls-auth", pki["ta"], "1", "--auth", "SHA256"), None, True),
        ("openvpn-bad-ca.pcap", "udp", 31204, tls12, tls12, pki["other-ca"], False),
        ("openvpn-tls-crypt.pcap", "tcp", 31203, ("--tls-crypt", pki["ta"]), ("--tls-crypt", pki["ta"]), None,
         True),
    ]
    for name, proto, port, xs, xc, client_ca, expect in runs:
        capture(os.path.join(out, name), "%s port %d" % (proto, port),
                lambda: openvpn_pair(work, pki, proto, port, xs, xc, client_ca, expect))


def main():
    out = os.path.abspath(sys.argv[1])
    groups = set(sys.argv[2:]) or {"tcp", "openvpn"}
    os.makedirs(out, exist_ok=True)
    sh("ip", "link", "set", "lo", "up")
    if "openvpn" in groups:
        openvpn_captures(out, tempfile.mkdtemp())
    if "tcp" not in groups:
        return
    # Client: send data in the SYN without a cookie (0x1 | 0x4); server: accept it without one
    # (0x2 | 0x200), but only on listeners that ask for TCP Fast Open.
    sh("sysctl", "-q", "-w", "net.ipv4.tcp_fastopen=%d" % (0x1 | 0x2 | 0x4 | 0x200))
    work = tempfile.mkdtemp()
    crt, key = make_cert(work)
    sctx, cctx = server_ctx(crt, key), client_ctx(crt)

    capture(os.path.join(out, "tfo-accepted.pcap"), "tcp port 31400",
            lambda: with_server(sctx, 31400, True, False, 1, lambda: client(cctx, 31400, tfo=True)))
    capture(os.path.join(out, "tfo-ignored.pcap"), "tcp port 31401",
            lambda: with_server(sctx, 31401, False, False, 1, lambda: client(cctx, 31401, tfo=True)))

    v1 = b"PROXY TCP4 198.51.100.7 192.0.2.10 51234 443\r\n"
    capture(os.path.join(out, "proxy-v1.pcap"), "tcp port 31402",
            lambda: with_server(sctx, 31402, False, True, 1, lambda: client(cctx, 31402, prelude=v1)))

    def v2_pair():
        tl = tlv(0x01, b"h2") + tlv(0x02, NAME.encode())
        client(cctx, 31403, prelude=v2_header(1, 0x11, bytes([203, 0, 113, 9]), bytes([192, 0, 2, 10]),
                                              40001, 443, tl))
        client(cctx, 31403, prelude=v2_header(0, 0x00, b"", b"", 0, 0))
    capture(os.path.join(out, "proxy-v2.pcap"), "tcp port 31403",
            lambda: with_server(sctx, 31403, False, True, 2, v2_pair))

    src6 = socket.inet_pton(socket.AF_INET6, "2001:db8:77::5")
    dst6 = socket.inet_pton(socket.AF_INET6, "2001:db8:1::443")
    capture(os.path.join(out, "proxy-v2-ipv6.pcap"), "tcp port 31410",
            lambda: with_server(sctx, 31410, False, True, 1,
                                lambda: client(cctx, 31410, v6=True,
                                               prelude=v2_header(1, 0x21, src6, dst6, 50505, 8443))))


if __name__ == "__main__":
    main()
