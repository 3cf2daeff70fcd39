#!/usr/bin/env python3
"""Turn Ethernet pcap files into fuzz_engine seeds (2-byte length + frame, repeated).

Usage: pcap_to_seed.py OUTDIR FILE.pcap...   (classic pcap, link type 1 only; others skipped)
"""
import os
import struct
import sys


def frames(path):
    with open(path, "rb") as fh:
        d = fh.read()
    if len(d) < 24:
        return None
    magic = d[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        bo = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        bo = ">"
    else:
        return None
    if struct.unpack(bo + "I", d[20:24])[0] != 1:
        return None
    off, out = 24, []
    while off + 16 <= len(d):
        incl = struct.unpack(bo + "I", d[off + 8:off + 12])[0]
        off += 16
        out.append(d[off:off + min(incl, 65535)])
        off += incl
    return out


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    for path in sys.argv[2:]:
        fr = frames(path)
        if not fr:
            continue
        blob = b"".join(struct.pack(">H", len(f)) + f for f in fr)
        with open(os.path.join(outdir, os.path.basename(path) + ".seed"), "wb") as fh:
            fh.write(blob)


if __name__ == "__main__":
    main()
