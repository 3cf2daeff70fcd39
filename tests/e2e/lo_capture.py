"""Capturing loopback with tcpdump for the end-to-end tests (run_e2e.py, run_keylog.py).

start(pcap, bpf, log_path) starts tcpdump on lo and waits until it listens: (process, None), or
(None, why) when lo cannot be captured (no root or CAP_NET_RAW: the caller skips with 77).
listen(cmd, log_file) does the same for any capturing command (`tlsscope live -i lo ...`).
finish(process, pcap, log_file) waits until the file stops growing, stops tcpdump and returns the
number of packets the kernel dropped.
"""
import os
import re
import signal
import subprocess
import time

TIMEOUT = 10  # seconds to start, and to drain


def _first_line(text):
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def start(pcap, bpf, log_file, env=None):
    # --immediate-mode: without it packets wait in a kernel block for up to a second and the
    # last ones are lost when tcpdump is stopped. In immediate mode each ring frame holds a whole
    # lo packet (64 KiB MTU): -B 65536 (KiB) gives ~1000 frames, more than a run's packets, so
    # a client's burst cannot overflow the ring while tcpdump waits for a CPU.
    return listen(["tcpdump", "-i", "lo", "-s", "0", "-B", "65536", "-U", "--immediate-mode", "-w", pcap, bpf],
                  log_file, env=env)


def listen(cmd, log_file, env=None, stdout=subprocess.DEVNULL):
    """Run cmd with its stderr in log_file (opened w+) until it says "listening on": (process, None),
    or (None, the first line it wrote) when it exited or did not listen in time."""
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=log_file, env=env)
    deadline = time.monotonic() + TIMEOUT
    while True:
        log_file.seek(0)
        text = log_file.read()
        if "listening on" in text:
            return proc, None
        if proc.poll() is not None or time.monotonic() > deadline:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            return None, _first_line(text)
        time.sleep(0.05)


def finish(proc, pcap, log_file):
    # -U writes per packet; wait until the file has stopped growing before stopping tcpdump.
    size, still_since, end = -1, time.monotonic(), time.monotonic() + TIMEOUT
    while time.monotonic() < end:
        now = os.path.getsize(pcap) if os.path.exists(pcap) else 0
        if now != size:
            size, still_since = now, time.monotonic()
        elif time.monotonic() - still_since >= 0.7:
            break
        time.sleep(0.1)
    stop(proc)
    log_file.seek(0)
    m = re.search(r"(\d+) packets? dropped by kernel", log_file.read())
    return int(m.group(1)) if m else 0


def stop(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
