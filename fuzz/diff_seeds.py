#!/usr/bin/env python3
"""Seeds for fuzz_diff: two captures in one input (a 2-byte big-endian length,
the GOOD capture, the BAD capture), from pairs of the sample captures: each
capture against the next one, and the first against each, where both fit the
fuzzer's 64 KiB. Usage: diff_seeds.py OUT_DIR CAPTURE..."""
import os
import sys

MAX_SEED = 65536


def main():
    out, paths = sys.argv[1], sorted(sys.argv[2:])
    os.makedirs(out, exist_ok=True)
    blobs = [open(p, "rb").read() for p in paths]
    pairs = set(zip(range(len(blobs)), range(1, len(blobs))))
    pairs |= {(0, i) for i in range(1, len(blobs))}
    for good, bad in sorted(pairs):
        a, b = blobs[good], blobs[bad]
        if len(a) > 0xFFFF or 2 + len(a) + len(b) > MAX_SEED:
            continue
        name = "%s--%s" % (os.path.basename(paths[good]), os.path.basename(paths[bad]))
        with open(os.path.join(out, name), "wb") as f:
            f.write(len(a).to_bytes(2, "big") + a + b)


if __name__ == "__main__":
    main()
