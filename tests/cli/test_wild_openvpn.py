#!/usr/bin/env python3
"""TLS inside OpenVPN (issue 14), on the real openvpn 2.6 loopback captures of tests/wild/ (see
make_captures.py), compared with tshark's OpenVPN dissector (told the port with -d, and for
tls-auth the HMAC size, as a user of Wireshark must):

  - each tunnel is one record whose TLS fields (SNI, version, cipher, certificate count, alerts)
    are tshark's (corpus_compare.py's fields), over UDP (transport "udp") and TCP;
  - the certificates of both sides (OpenVPN authenticates the client too) are the ones tshark
    shows, by SHA-256 and subject;
  - the OpenVPN layer: control and data packets per direction as tshark counts opcodes, and the
    control channel's wrap as made (plain, tls-auth with a 32-byte HMAC, tls-crypt);
  - tls-crypt: tshark decodes no TLS handshake, tlsscope reports the tunnel as tls-crypt and
    reads no TLS out of it;
  - the reliability layer on the same real bytes, rewritten: every control datagram sent twice
    and two of the client's out of order give the same record (counted as retransmitted and
    reordered); one lost gives a record that says so;
  - every line validates against the schema.

Usage: test_wild_openvpn.py TLSSCOPE REPO_DIR WORKDIR
"""
import base64
import hashlib
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import Checks, read_pcap, write_pcap  # noqa: E402
from wildcheck import Wild  # noqa: E402

TOOL, REPO, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
check = Checks()
wild = Wild(TOOL, WORK, check)
try:
    import jsonschema
    from cryptography import x509
except ImportError:
    print("SKIP: the Python packages jsonschema and cryptography are needed (python3-jsonschema, python3-cryptography)")
    sys.exit(77)
validator = jsonschema.Draft202012Validator(json.load(open(os.path.join(REPO, "docs", "tlsscope.schema.json"))))

TLS_AUTH_PREFS = ["-o", "openvpn.tls_auth_detection_override:TRUE", "-o", "openvpn.tls_auth:TRUE",
                  "-o", "openvpn.tls_auth_hmac_size:32"]
# name: (transport, port, wrap, hmac_bytes, extra tshark options)
CAPTURES = {
    "openvpn-udp": ("udp", 1194, "plain", None, []),
    "openvpn-tcp": ("tcp", 31202, "plain", None, []),
    "openvpn-tls-auth": ("udp", 31201, "tls-auth", 32, TLS_AUTH_PREFS),
    "openvpn-bad-ca": ("udp", 31204, "plain", None, []),
}
DATA_OPCODES = {6, 9}  # P_DATA_V1, P_DATA_V2


def tshark_args(transport, port, extra):
    return ["-d", "%s.port==%d,openvpn" % (transport, port)] + extra


def tshark_fields(path, args, fields):
    cmd = ["tshark", "-n", "-r", path, *args, "-Y", "openvpn", "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout
    return [dict(zip(fields, l.split("\t"))) for l in out.splitlines()]


def tshark_openvpn(path, transport, port, args):
    """(packets {(from_server, data): n}, certificates {from_server: [(sha256, subject)]}) as tshark sees them."""
    rows = tshark_fields(path, args, ["%s.srcport" % transport, "openvpn.opcode", "tls.handshake.certificate"])
    counts, certs = {}, {False: [], True: []}
    for r in rows:
        from_server = r["%s.srcport" % transport] == str(port)
        for op in filter(None, r["openvpn.opcode"].split(",")):
            key = (from_server, int(op, 16) in DATA_OPCODES)
            counts[key] = counts.get(key, 0) + 1
        for h in filter(None, r["tls.handshake.certificate"].split(",")):
            der = bytes.fromhex(h.replace(":", ""))
            subject = x509.load_der_x509_certificate(der).subject.rfc4514_string()
            certs[from_server].append((hashlib.sha256(der).hexdigest(), subject))
    return counts, certs


def our_certs(rec, key):
    """(sha256, subject) of the certificates of a full record, the subject read from its DER."""
    out = []
    for c in rec.get(key) or []:
        der = base64.b64decode(c["der_base64"])
        out.append((c["der_sha256"], x509.load_der_x509_certificate(der).subject.rfc4514_string()))
    return out


def validate(name, path):
    r = subprocess.run([TOOL, "analyze", "--json", path], capture_output=True, text=True, timeout=60)
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    bad = [e.message[:300] for l in lines for e in validator.iter_errors(l)]
    check(name + ": every compact line valid against the schema", lines and not bad, "; ".join(bad[:3]))


records = {}
for name, (transport, port, wrap, hmac, extra) in CAPTURES.items():
    path = os.path.join(REPO, "tests", "wild", name + ".pcap")
    if not os.path.exists(path):
        print("SKIP: %s missing" % path)
        sys.exit(77)
    args = tshark_args(transport, port, extra)
    conns, _ = wild.against_tshark(name, path, tshark_args=args, transport=transport)
    if len(conns) != 1:
        continue
    rec = records[name] = conns[0]
    check(name + ": transport " + transport, rec["transport"] == transport, rec["transport"])
    vpn = rec["openvpn"] or {}
    check(name + ": control channel " + wrap, (vpn.get("control_channel"), vpn.get("hmac_bytes")) == (wrap, hmac),
          str(vpn))
    counts, certs = tshark_openvpn(path, transport, port, args)
    ours = {(False, False): vpn.get("client_control_packets"), (True, False): vpn.get("server_control_packets"),
            (False, True): vpn.get("client_data_packets"), (True, True): vpn.get("server_data_packets")}
    want = {k: counts.get(k, 0) for k in ours}
    check(name + ": control and data packets per side as tshark's opcodes", ours == want, "%s (tshark %s)" % (ours, want))
    check(name + ": nothing lost, retransmitted or malformed",
          [vpn.get(k) for k in ("retransmitted", "reordered", "lost", "malformed")] == [0, 0, 0, 0], str(vpn))
    check(name + ": server certificates as tshark's", our_certs(rec, "certificates") == certs[True],
          "%s (tshark %s)" % (our_certs(rec, "certificates"), certs[True]))
    check(name + ": client certificates as tshark's", our_certs(rec, "client_certificates") == certs[False],
          "%s (tshark %s)" % (our_certs(rec, "client_certificates"), certs[False]))
    validate(name, path)

# What each capture shows beyond the comparison (so that a capture made wrong cannot pass).
if "openvpn-udp" in records:
    check("openvpn-udp: TLS 1.2 with both chains in clear",
          records["openvpn-udp"]["version"] == "TLSv1.2" and records["openvpn-udp"]["certificates_total"] == 2
          and records["openvpn-udp"]["client_certificates_total"] == 2)
if "openvpn-tls-auth" in records:
    check("openvpn-tls-auth: TLS 1.3 established", records["openvpn-tls-auth"]["version"] == "TLSv1.3"
          and records["openvpn-tls-auth"]["established"])
if "openvpn-bad-ca" in records:
    rec = records["openvpn-bad-ca"]
    check("openvpn-bad-ca: the server's flight is unanswered (openvpn drops the client's alert)",
          rec["outcome"] == "incomplete" and rec["certificates_total"] == 2 and not rec["alerts"], rec["outcome"])

# tls-crypt: the control channel is encrypted; nothing of it is read as TLS.
path = os.path.join(REPO, "tests", "wild", "openvpn-tls-crypt.pcap")
args = tshark_args("tcp", 31203, ["-o", "openvpn.tls_crypt:TRUE"])
hs = [r for r in tshark_fields(path, args, ["tls.handshake.type"]) if r["tls.handshake.type"]]
check("openvpn-tls-crypt: tshark decodes no TLS handshake", not hs, str(hs[:2]))
conns, _ = wild.analyze(path)
vpn = conns[0]["openvpn"] if len(conns) == 1 else None
check("openvpn-tls-crypt: one record, control channel tls-crypt",
      vpn is not None and vpn["control_channel"] == "tls-crypt", str(vpn))
if vpn:
    rec = conns[0]
    check("openvpn-tls-crypt: no TLS read out of the encrypted channel",
          rec["version"] is None and rec["server_name"] is None and rec["outcome"] == "not_tls"
          and rec["client"]["tls_records"] == 0 and rec["server"]["tls_records"] == 0 and vpn["malformed"] == 0,
          "%s %s" % (rec["version"], rec["outcome"]))
    counts, _ = tshark_openvpn(path, "tcp", 31203, args)
    ours = (vpn["client_control_packets"], vpn["server_control_packets"], vpn["client_data_packets"],
            vpn["server_data_packets"])
    want = (counts.get((False, False), 0), counts.get((True, False), 0), counts.get((False, True), 0),
            counts.get((True, True), 0))
    check("openvpn-tls-crypt: packets per side as tshark's opcodes", ours == want, "%s (tshark %s)" % (ours, want))
validate("openvpn-tls-crypt", path)


# The reliability layer, on the UDP capture's own datagrams rewritten.
def tls_fields(rec):
    return {k: rec[k] for k in ("server_name", "version", "cipher", "certificates_sha256", "certificates_total",
                                "client_certificates_sha256", "alerts")}


def ethertype_udp_payload(frame):
    """The UDP payload of an Ethernet/IPv4 frame (what make_captures.py's loopback capture holds)."""
    ihl = (frame[14] & 0x0f) * 4
    return frame[14 + ihl + 8:]


def rewritten(name, edit):
    src = os.path.join(REPO, "tests", "wild", "openvpn-udp.pcap")
    header, frames = read_pcap(src)
    out = os.path.join(WORK, name + ".pcap")
    write_pcap(out, header, edit(frames))
    r = subprocess.run([TOOL, "analyze", "--json", out], capture_output=True, text=True, timeout=60)
    recs = [json.loads(l) for l in r.stdout.splitlines() if '"type":"connection"' in l]
    check(name + ": one record", len(recs) == 1, str(len(recs)))
    return recs[0] if recs else None


def control_frames(frames):
    """Indexes of the frames that carry P_CONTROL_V1 (opcode 4) from the client (the sender of the first one)."""
    ctl = [i for i, fr in enumerate(frames) if len(fr[3]) > 42 and ethertype_udp_payload(fr[3])[0] >> 3 == 4]
    client_port = frames[ctl[0]][3][34:36]
    return [i for i in ctl if frames[i][3][34:36] == client_port], ctl


r = subprocess.run([TOOL, "analyze", "--json", os.path.join(REPO, "tests", "wild", "openvpn-udp.pcap")],
                   capture_output=True, text=True, timeout=60)
base = [json.loads(l) for l in r.stdout.splitlines() if '"type":"connection"' in l]
check("openvpn-udp: one record to compare the rewritten captures with", len(base) == 1, str(len(base)))
if len(base) == 1:
    def duplicate_and_swap(frames):
        client, ctl = control_frames(frames)
        out = []
        for i, fr in enumerate(frames):
            out.append(fr)
            if i in ctl:
                out.append(fr)  # a retransmission: the same datagram again
        a, b = out.index(frames[client[1]]), out.index(frames[client[2]])
        out[a], out[b] = out[b], out[a]  # the client's 2nd and 3rd TLS packets out of order
        return out

    rec = rewritten("openvpn-udp-retransmitted", duplicate_and_swap)
    if rec:
        vpn = rec["openvpn"]
        check("retransmitted and reordered: the same TLS as the capture", tls_fields(rec) == tls_fields(base[0]),
              "%s vs %s" % (tls_fields(rec), tls_fields(base[0])))
        _, frames = read_pcap(os.path.join(REPO, "tests", "wild", "openvpn-udp.pcap"))
        n_ctl = len(control_frames(frames)[1])
        check("retransmitted and reordered: counted", vpn["retransmitted"] == n_ctl and vpn["reordered"] >= 1
              and vpn["lost"] == 0, str(vpn))

    def lose_one(frames):
        client, _ = control_frames(frames)
        return [fr for i, fr in enumerate(frames) if i != client[1]]

    rec = rewritten("openvpn-udp-lost", lose_one)
    if rec:
        vpn = rec["openvpn"]
        check("a lost control packet: counted, the ClientHello and server's flight still read",
              vpn["lost"] == 1 and rec["server_name"] == base[0]["server_name"]
              and rec["certificates_sha256"] == base[0]["certificates_sha256"], str(vpn))

# The summary counts the tunnels; the text and HTML reports name the tunnel.
paths = [os.path.join(REPO, "tests", "wild", n + ".pcap") for n in list(CAPTURES) + ["openvpn-tls-crypt"]]
r = subprocess.run([TOOL, "analyze", "--json", *paths], capture_output=True, text=True, timeout=60)
lines = [json.loads(l) for l in r.stdout.splitlines()]
recs, summary = [o for o in lines if o["type"] == "connection"], lines[-1]
udp_packets = sum(o["client"]["packets"] + o["server"]["packets"] for o in recs if o["transport"] == "udp")
got = [summary.get(k) for k in ("openvpn_flows", "openvpn_udp_flows", "openvpn_connections", "openvpn_packets")]
check("summary: 5 tunnels, 3 over UDP, 4 with TLS read, the UDP ones' packets", got == [5, 3, 4, udp_packets], str(got))
path = os.path.join(REPO, "tests", "wild", "openvpn-bad-ca.pcap")
text = subprocess.run([TOOL, "analyze", path], capture_output=True, text=True, timeout=60).stdout
check("text: the tunnel named", "    tunnel       OpenVPN over UDP, control channel plain\n" in text)
check("text: the summary counts the tunnel", "OpenVPN tunnels 1 (over UDP 1), with TLS read 1\n" in text
      and "TCP connections 0, TLS 0," in text)
html_path = os.path.join(WORK, "bad-ca.html")
subprocess.run([TOOL, "analyze", "--html", html_path, path], capture_output=True, timeout=60)
html = open(html_path).read() if os.path.exists(html_path) else ""
check("html: the tunnel named", "tunnel</dt><dd>OpenVPN over UDP, control channel plain</dd>" in html)
check.exit()
