"""tshark's view of the TLS-over-TCP connections of one capture, as rows of the corpus truth table.

rows(pcap, tshark_args, transport) runs tshark once and gives one dict per TCP stream that carries a
ClientHello or a ServerHello, with the columns of TRUTH.tsv that corpus_compare.compare() reads
(client, server, stream, sni, version, cipher, cert_cleartext, n_certs, alerts,
first_close_before_sh, srv_rst_before_sh). Tests of generated captures compare tlsscope's records
with these rows the way corpus_compare.py does with the corpus's truth. Addresses are the innermost
IP header's, as tshark's last ip/ipv6 layer gives them. With transport "udp" the streams are UDP
5-tuples (TLS in OpenVPN over UDP: `-d udp.port==N,openvpn`); they have no close columns.
"""
import shutil
import subprocess

FIELDS = ["frame.number", "tcp.stream", "frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "tcp.srcport", "tcp.dstport", "tcp.flags.syn", "tcp.flags.ack", "tcp.flags.fin", "tcp.flags.reset",
          "tls.handshake.type", "tls.handshake.extensions_server_name", "tls.handshake.ciphersuite",
          "tls.handshake.version", "tls.handshake.extensions.supported_version", "tls.handshake.certificate_length",
          "tls.record.content_type", "tls.alert_message.level", "tls.alert_message.desc",
          "udp.stream", "udp.srcport", "udp.dstport"]

VERSIONS = {0x0300: "SSL3", 0x0301: "TLS1.0", 0x0302: "TLS1.1", 0x0303: "TLS1.2", 0x0304: "TLS1.3"}
LEVEL_NAMES = {"1": "warning", "2": "fatal"}


def available():
    return shutil.which("tshark") is not None


def _list(v):
    return [x for x in v.split(",") if x] if v else []


def _endpoint(ip, port):
    return ("[%s]:%s" % (ip, port)) if ":" in ip else ("%s:%s" % (ip, port))


def _innermost(p):
    """(source, destination) address of the innermost IP layer of a packet."""
    protos = p["frame.protocols"].split(":")
    last4 = max([i for i, x in enumerate(protos) if x == "ip"], default=-1)
    last6 = max([i for i, x in enumerate(protos) if x == "ipv6"], default=-1)
    if last6 > last4:
        return _list(p["ipv6.src"])[-1], _list(p["ipv6.dst"])[-1]
    return _list(p["ip.src"])[-1], _list(p["ip.dst"])[-1]


def packets(pcap, tshark_args=(), transport="tcp"):
    cmd = ["tshark", "-n", "-r", pcap, *tshark_args, "-Y", transport, "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout
    pkts = [dict(zip(FIELDS, line.split("\t"))) for line in out.splitlines()]
    if transport == "udp":  # the UDP columns under the TCP names rows() reads; no flags
        for p in pkts:
            for f in ("stream", "srcport", "dstport"):
                p["tcp." + f] = p["udp." + f]
            for f in ("syn", "ack", "fin", "reset"):
                p["tcp.flags." + f] = "0"
    return pkts


def rows(pcap, tshark_args=(), transport="tcp"):
    streams = {}
    for p in packets(pcap, tshark_args, transport):
        streams.setdefault(int(p["tcp.stream"]), []).append(p)
    out = []
    for stream, pkts in sorted(streams.items()):
        ch = [p for p in pkts if "1" in _list(p["tls.handshake.type"])]
        sh = [p for p in pkts if "2" in _list(p["tls.handshake.type"])]
        if not ch and not sh:
            continue
        syn = [p for p in pkts if p["tcp.flags.syn"] in ("1", "True") and p["tcp.flags.ack"] in ("0", "False")]
        first = syn[0] if syn else (ch[0] if ch else None)
        if first is None:  # a ServerHello only: its receiver is the client
            s, c = _innermost(sh[0])
            cport, sport = sh[0]["tcp.dstport"], sh[0]["tcp.srcport"]
        else:
            c, s = _innermost(first)
            cport, sport = first["tcp.srcport"], first["tcp.dstport"]

        def from_client(p):
            return _innermost(p)[0] == c and p["tcp.srcport"] == cport

        row = {"stream": str(stream), "client": _endpoint(c, cport), "server": _endpoint(s, sport)}
        row["sni"] = (_list(ch[0]["tls.handshake.extensions_server_name"]) or ["-"])[0] if ch else "-"
        row["version"], row["cipher"] = "-", "-"
        if sh:
            sel = _list(sh[0]["tls.handshake.extensions.supported_version"])
            legacy = _list(sh[0]["tls.handshake.version"])
            v = int(sel[-1], 16) if sel else int(legacy[-1], 16)
            row["version"] = VERSIONS.get(v, hex(v))
            row["cipher"] = "(%s)" % _list(sh[0]["tls.handshake.ciphersuite"])[0]
        certs = [p for p in pkts if "11" in _list(p["tls.handshake.type"]) and not from_client(p)]
        row["cert_cleartext"] = "yes" if certs else "no"
        row["n_certs"] = str(len(_list(certs[0]["tls.handshake.certificate_length"]))) if certs else "-"
        alerts = []
        for p in pkts:
            who = "client" if from_client(p) else "server"
            levels, descs = _list(p["tls.alert_message.level"]), _list(p["tls.alert_message.desc"])
            for lv, d in zip(levels, descs):
                alerts.append("%s/%s@%s" % (LEVEL_NAMES.get(lv, lv), d, who))
            encrypted = _list(p["tls.record.content_type"]).count("21") - len(levels)
            alerts += ["encrypted@" + who] * max(encrypted, 0)
        row["alerts"] = ";".join(alerts) or "-"
        close, srv_rst = "-", "no"
        for p in pkts:
            if sh and p is sh[0]:
                break
            who = "client" if from_client(p) else "server"
            for flag, name in (("tcp.flags.fin", "fin"), ("tcp.flags.reset", "rst")):
                if p[flag] in ("1", "True"):
                    if close == "-":
                        close = "%s_%s" % (who, name)
                    if name == "rst" and who == "server":
                        srv_rst = "yes"
        row["first_close_before_sh"], row["srv_rst_before_sh"] = close, srv_rst
        out.append(row)
    return out
