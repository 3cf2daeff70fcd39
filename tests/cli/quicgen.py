"""QUIC Initial packets made the way a sender makes them (RFC 9001 §5, RFC 9369 §3.3), for tests.

Protects hand-made Initials of QUIC v1, v2 and IETF drafts 23-34 around chosen
CRYPTO frames, builds Version Negotiation packets, and writes them as UDP
datagrams into a pcap (pcapgen.Pcap). Needs python3-cryptography for AES;
import() raises ImportError without it (the tests then skip).
"""
import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pcapgen import ETH_IPV4, ip4

V1, V2 = 0x00000001, 0x6b3343cf

SALTS = {  # RFC 9001 §5.2, RFC 9369 §3.3.1, draft-ietf-quic-tls-29 §5.2, -23 §5.2
    "v1": bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"),
    "v2": bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9"),
    "d29": bytes.fromhex("afbfec289993d24c9e9786f19c6111e04390a899"),
    "d23": bytes.fromhex("c3eef712c72ebb5a11a7d2432bb46365bef9f502"),
}


def salt(version):
    if version == V2:
        return SALTS["v2"]
    if version == V1 or version in (0xff000021, 0xff000022):
        return SALTS["v1"]
    if 0xff00001d <= version <= 0xff000020:
        return SALTS["d29"]
    if 0xff000017 <= version <= 0xff00001c:
        return SALTS["d23"]
    raise ValueError("no Initial salt for 0x%08x" % version)


def hkdf_expand_label(secret, label, length):
    info = struct.pack(">H", length) + bytes([6 + len(label)]) + b"tls13 " + label + b"\x00"
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(secret, block + info + bytes([i]), hashlib.sha256).digest()
        out += block
        i += 1
    return out[:length]


def initial_keys(version, dcid, server):
    initial = hmac.new(salt(version), dcid, hashlib.sha256).digest()
    secret = hkdf_expand_label(initial, b"server in" if server else b"client in", 32)
    p = b"quicv2 " if version == V2 else b"quic "
    return (hkdf_expand_label(secret, p + b"key", 16), hkdf_expand_label(secret, p + b"iv", 12),
            hkdf_expand_label(secret, p + b"hp", 16))


def varint(v):
    if v < 0x40:
        return bytes([v])
    if v < 0x4000:
        return struct.pack(">H", 0x4000 | v)
    return struct.pack(">I", 0x80000000 | v)


def crypto_frame(offset, data):
    return b"\x06" + varint(offset) + varint(len(data)) + data


def initial(version, dcid, scid, pn, frames, server, key_dcid, pad_to=0):
    """A protected Initial (4-byte packet number) carrying `frames`, keys from `key_dcid`; padded with
    PADDING frames so the packet is at least pad_to bytes."""
    key, iv, hp = initial_keys(version, key_dcid, server)
    type_bits = 1 if version == V2 else 0  # RFC 9369 §3.2
    head = bytes([0xc0 | type_bits << 4 | 3]) + struct.pack(">I", version) + bytes([len(dcid)]) + dcid
    head += bytes([len(scid)]) + scid + b"\x00"  # no token
    fixed = len(head) + 2 + 4 + 16
    if fixed + len(frames) < pad_to:
        frames += bytes(pad_to - fixed - len(frames))
    head += struct.pack(">H", 0x4000 | (4 + len(frames) + 16)) + struct.pack(">I", pn)
    nonce = bytes(a ^ b for a, b in zip(iv, bytes(4) + struct.pack(">Q", pn)))
    ct = AESGCM(key).encrypt(nonce, frames, head)
    enc = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
    mask = enc.update(ct[:16]) + enc.finalize()
    pkt = bytearray(head + ct)
    pkt[0] ^= mask[0] & 0x0f
    for i in range(4):
        pkt[len(head) - 4 + i] ^= mask[1 + i]
    return bytes(pkt)


def version_negotiation(dcid, scid, versions):
    """RFC 9000 §17.2.1: the server echoes the client's connection IDs swapped."""
    return (b"\xc5\x00\x00\x00\x00" + bytes([len(dcid)]) + dcid + bytes([len(scid)]) + scid
            + b"".join(struct.pack(">I", v) for v in versions))


def greased_probe(version, dcid, scid):
    """A client's long header of a greased version, filled to 1200 bytes (RFC 9000 §6, §14.1)."""
    head = b"\xc0" + struct.pack(">I", version) + bytes([len(dcid)]) + dcid + bytes([len(scid)]) + scid
    return head + bytes(1200 - len(head))


def udp_frame(src, sport, dst, dport, payload):
    udp = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, ip4(src), ip4(dst))
    return ETH_IPV4 + ip + udp
