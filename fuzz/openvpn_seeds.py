#!/usr/bin/env python3
"""Seeds for fuzz_openvpn from the real OpenVPN captures of tests/wild/: the payloads of each
capture as the harness's chunks (direction byte, 2-byte length, bytes), after a first byte that
says TCP (stream bytes, fed in 7-byte pieces) or UDP (one datagram per chunk).

Usage: openvpn_seeds.py OUT_DIR FILE.pcap...   (Ethernet/IPv4 captures; the UDP probes to 31419 left out)
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcap_to_seed import frames  # noqa: E402

PROBE_PORT = 31419


def payloads(path):
    """(is_tcp, [(direction, payload)]) of the capture's IPv4 TCP/UDP packets with a payload."""
    out, first_src, tcp = [], None, False
    for f in frames(path) or []:
        if len(f) < 34 or f[12:14] != b"\x08\x00":
            continue
        ihl, proto = (f[14] & 0x0f) * 4, f[23]
        l4 = 14 + ihl
        sport, dport = struct.unpack_from("!HH", f, l4)
        if proto == 17 and PROBE_PORT not in (sport, dport):
            body = f[l4 + 8:]
        elif proto == 6:
            tcp = True
            total = struct.unpack_from("!H", f, 16)[0]
            body = f[l4 + (f[l4 + 12] >> 4) * 4:14 + total]
        else:
            continue
        if not body:
            continue
        first_src = first_src or sport
        out.append((0 if sport == first_src else 1, body))
    return tcp, out


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for path in sys.argv[2:]:
        tcp, chunks = payloads(path)
        seed = bytes([(6 << 1) | 1 if tcp else 0])
        seed += b"".join(struct.pack("!BH", d, len(b)) + b for d, b in chunks)
        with open(os.path.join(out, os.path.basename(path).replace(".pcap", ".seed")), "wb") as fh:
            fh.write(seed)


if __name__ == "__main__":
    main()
