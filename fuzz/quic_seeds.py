#!/usr/bin/env python3
"""Seeds for fuzz_quic: datagram lists in the harness's format (flags, 2-byte length, bytes).

Usage: quic_seeds.py OUT_DIR
Protected chunks are plaintext Initial frames the harness seals itself.
"""
import os
import struct
import sys


def chunk(flags, body):
    return struct.pack("!BH", flags, len(body)) + body


def crypto(offset, data):
    # CRYPTO frame (RFC 9000 §19.6) with 2-byte varints
    return b"\x06" + struct.pack("!HH", 0x4000 | offset, 0x4000 | len(data)) + data


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    hello = b"\x01\x00\x00\x08" + b"\x03\x03" + b"\x00" * 6          # a ClientHello header and a stub body
    server = b"\x02\x00\x00\x04" + b"\x03\x03\x00\x00"
    seeds = {
        # one ClientHello in one Initial, then the server's ACK, CRYPTO and a CONNECTION_CLOSE
        "hello": chunk(2, crypto(0, hello) + b"\x00" * 20)
        + chunk(3, b"\x02\x00\x00\x00\x00" + crypto(0, server) + b"\x01")
        + chunk(3, b"\x1c\x41\x28\x06\x03bad"),
        # the same ClientHello in three pieces, last first, across packets
        "scattered": chunk(2, crypto(8, hello[8:]) + b"\x01") + chunk(2, crypto(4, hello[4:8]))
        + chunk(2, crypto(0, hello[:4]) + b"\x03\x01\x00\x00\x00\x00\x00\x00"),
        # raw headers: Version Negotiation, a v2 long header cut short, a short header
        "raw": chunk(1, b"\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01")
        + chunk(0, b"\xd0\x6b\x33\x43\xcf\x08" + b"\x11" * 8 + b"\x00\x00\x44")
        + chunk(0, b"\x41" + b"\x00" * 30),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as fh:
            fh.write(data)


if __name__ == "__main__":
    main()
