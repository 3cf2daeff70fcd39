"""One far-future frame among half-open connections must not stop idle expiry.

Generates N SYNs spread over 4 hours of capture time (every one a half-open
connection that the handshake idle timeout ends), with and without one frame
dated 2037 in the middle, at two sizes. With the frame, as many connections
time out as without it, the frame is counted in timestamps_out_of_window, and
the connections held at once stay those of about one timeout (not all of
them). Prints the figures: connections timed out, peak connections, peak
memory as tlsscope counts it and peak RSS.

Usage: test_capture_time.py TLSSCOPE WORKDIR
"""
import json
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import tcp_frame  # noqa: E402

START = 1767225600  # 2026-01-01
SPAN = 4 * 3600
FUTURE = 2114380800  # 2037-01-01


def write_capture(path, n, future):
    with open(path, "wb") as fh:
        fh.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        for i in range(n):
            us = START * 10**6 + i * SPAN * 10**6 // n
            if future and i == n // 2:
                f = tcp_frame("10.200.0.1", 1, "10.100.0.1", 443, 7, 0, 0x02)
                fh.write(struct.pack("<IIII", FUTURE, 0, len(f), len(f)) + f)
            f = tcp_frame("10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255), 40000 + i % 20000,
                          "10.100.0.1", 443, i, 0, 0x02)
            fh.write(struct.pack("<IIII", us // 10**6, us % 10**6, len(f), len(f)) + f)


def run(tlsscope, path):
    """The summary of `tlsscope analyze --json` (half-open connections are not TLS: not reported),
    with the peak RSS of the run in MiB."""
    with open(path + ".json", "wb") as out, open(path + ".err", "wb") as err:
        proc = subprocess.Popen([tlsscope, "analyze", "--json", path], stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        sys.exit("tlsscope failed (%s): %s" % (status, open(path + ".err").read()))
    with open(path + ".json") as fh:
        summary = json.loads(fh.read().splitlines()[-1])
    summary["rss_mib"] = usage.ru_maxrss / 1024
    return summary


def main():
    tlsscope, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    failed = []
    for n in (20000, 200000):
        figures = {}
        for future in (False, True):
            path = os.path.join(work, "half-open-%d%s.pcap" % (n, "-2037" if future else ""))
            write_capture(path, n, future)
            figures[future] = run(tlsscope, path)
        plain, odd = figures[False], figures[True]
        for name, s in (("plain", plain), ("one 2037 frame", odd)):
            print("%d half-open connections over 4 h, %s: timed out %d, peak %d connections, "
                  "memory_peak_bytes %d, peak RSS %.1f MiB, timestamps_out_of_window %d"
                  % (n, name, s["timed_out"], s["connections_peak"], s["memory_peak_bytes"], s["rss_mib"],
                     s["timestamps_out_of_window"]))
        if odd["timestamps_out_of_window"] != 1 or plain["timestamps_out_of_window"] != 0:
            failed.append("%d: the 2037 frame is counted once" % n)
        # Every connection but those of the last timeout period ends by the timeout.
        if plain["timed_out"] < n * 0.98 or odd["timed_out"] < plain["timed_out"]:
            failed.append("%d: connections time out with the 2037 frame as without it" % n)
        # The connections held at once are those of about one timeout (60 s + a scan second of 4 h).
        bound = 3 * n * 61 // SPAN + 10
        if odd["connections_peak"] > bound or odd["memory_peak_bytes"] > 2 * plain["memory_peak_bytes"]:
            failed.append("%d: peak %d connections, at most %d" % (n, odd["connections_peak"], bound))
    for f in failed:
        print("FAIL:", f)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
