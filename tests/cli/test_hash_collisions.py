"""Tables keyed by network data stay linear on inputs chosen to collide.

Two cases, each at several sizes, CPU time of the tlsscope child (user +
system, from wait4) minus that of a run on an empty input:

- flows: N half-open IPv6 connections whose 5-tuples all had the same
  32-bit hash under the old unkeyed flow hash (the second address word
  solved for it), 5k / 10k / 20k;
- key log: N CLIENT_RANDOM lines whose client randoms share their first
  8 bytes (all of the old key-log hash), 50k / 100k.

Linear time doubles with the size; the old code grew fourfold. The check
allows a ratio of 3 per doubling (generous for a loaded machine). Prints the
figures. Usage: test_hash_collisions.py TLSSCOPE WORKDIR SAMPLE_PCAP
"""
import os
import struct
import subprocess
import sys

M = 1 << 64
C1, C2 = 0x9e3779b97f4a7c15, 0xbf58476d1ce4e5b9


def old_mix(h, v):
    h ^= v * C1 % M
    h ^= h >> 29
    return h * C2 % M


def colliding_address(i):
    """16 address bytes whose old flow hash state after both words is the same for every i."""
    w0 = struct.unpack("<Q", b"\x20\x01\x0d\xb8" + struct.pack(">I", i))[0]
    s1 = old_mix(0x243f6a8885a308d3, w0)
    w1 = (s1 ^ 0x5eed) * pow(C1, -1, M) % M
    return struct.pack("<QQ", w0, w1)


SERVER = b"\xfe\x80" + bytes(13) + b"\x01"


def syn6(src, dst, sport, dport, seq):
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 65535, 0, 0)
    ip6 = struct.pack(">IHBB", 6 << 28, len(tcp), 6, 64) + src + dst
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x86\xdd" + ip6 + tcp


def write_flows(path, n):
    with open(path, "wb") as fh:
        fh.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        for i in range(n):
            f = syn6(colliding_address(i), SERVER, 40000, 443, i)
            fh.write(struct.pack("<IIII", 1767225600, i % 1000000, len(f), len(f)) + f)


def write_keylog(path, n):
    with open(path, "w") as fh:
        for i in range(n):
            fh.write("CLIENT_RANDOM %s%048x %s\n" % ("a5" * 8, i, "11" * 48))
        if not n:  # the empty-input baseline still needs one line to be a key log
            fh.write("CLIENT_RANDOM %s %s\n" % ("a5" * 32, "11" * 48))


def cpu_seconds(argv):
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(argv, stdout=null, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        sys.exit("%s failed: %s" % (" ".join(argv), proc.stderr.read().decode(errors="replace")))
    return usage.ru_utime + usage.ru_stime


def least_cpu_seconds(argv, runs=3):
    # The least of a few runs: another process on a loaded machine only ever adds time.
    return min(cpu_seconds(argv) for _ in range(runs))


def check_linear(name, sizes, argv_of, failed):
    base = least_cpu_seconds(argv_of(0))
    times = []
    for n in sizes:
        t = least_cpu_seconds(argv_of(n))
        times.append(t)
        print("%s: %d -> %.3f s CPU (%.3f s above an empty input)" % (name, n, t, t - base))
    for (n1, t1), (n2, t2) in zip(zip(sizes, times), zip(sizes[1:], times[1:])):
        # Below 50 ms the difference is noise: count it as 50 ms.
        ratio = max(t2 - base, 0.05) / max(t1 - base, 0.05)
        limit = 3.0 * n2 / n1 / 2
        print("%s: %d -> %d: ratio %.2f (at most %.2f)" % (name, n1, n2, ratio, limit))
        if ratio > limit:
            failed.append("%s: time grew %.2f times from %d to %d" % (name, ratio, n1, n2))


def main():
    tlsscope, work, sample = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(work, exist_ok=True)
    env_key = os.environ.get("TLSSCOPE_HASH_KEY")
    failed = []

    def flows(n):
        path = os.path.join(work, "collide-%d.pcap" % n)
        write_flows(path, n)
        return [tlsscope, "analyze", "--json", "--fail-on", "never", path]

    def keylog(n):
        path = os.path.join(work, "keylog-%d.txt" % n)
        write_keylog(path, n)
        return [tlsscope, "analyze", "--json", "--fail-on", "never", "--keylog", path, sample]

    check_linear("flows colliding under the old hash", [5000, 10000, 20000], flows, failed)
    check_linear("key log lines sharing 8 bytes", [50000, 100000], keylog, failed)
    if env_key:
        print("(TLSSCOPE_HASH_KEY fixed the hash key)")
    for f in failed:
        print("FAIL:", f)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
