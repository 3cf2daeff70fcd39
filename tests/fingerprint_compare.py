#!/usr/bin/env python3
"""Check tlsscope's TLS fingerprints against outside references.

Usage:
  fingerprint_compare.py ja3 TLSSCOPE CORPUS_DIR
      JA3/JA3S against tshark's tls.handshake.ja3, ja3_full, ja3s, ja3s_full on
      every capture in CORPUS_DIR: every ClientHello and ServerHello tshark sees
      over TCP must have the same fingerprint (hash and text) in tlsscope's
      record of that connection, matched by client and server address and port
      (in order when a 4-tuple is reused), hellos in order: client_hello, then
      client_hello.second_hello; server_hello.hello_retry, then server_hello.
  fingerprint_compare.py ja4 TLSSCOPE CORPUS_DIR
      JA4 against FoxIO's published outputs for the ja4__* captures (below).

Exit 0 when everything agrees, 1 on any disagreement, 77 (skip) when tshark
or the corpus is missing.
"""
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict

from mode_script import analyze, run_modes, skip, text_blocks

# FoxIO's published JA4 values for captures of their repository that the public corpus also
# holds (file name there without the "ja4__" prefix), from the Rust implementation's test
# snapshots, github.com/FoxIO-LLC/ja4, rust/ja4/src/snapshots/ja4__insta@<capture>.snap
# (fields src_port and ja4). The JA4 specification is BSD-3-Clause; these are its outputs.
JA4_PUBLISHED = {
    "ja4__badcurveball.pcap": {55318: "t13d1615h2_46e7e9700bed_45f260be83e2"},
    # No SNI ("i"), after an HTTP CONNECT prelude.
    "ja4__https-connect.pcap": {54723: "t12i860500_e18388e7f3a3_a1e935682795"},
    # After a SOCKS prelude; one extension (SNI), so an empty c list: twelve zeros.
    "ja4__socks-https-example.pcap": {
        53554: "t10d230100_6a57a6f57151_000000000000",
        53555: "t10d230100_6a57a6f57151_000000000000",
        53556: "t10d230100_6a57a6f57151_000000000000",
    },
    # Chrome: h2, h1 (http/1.1), 00 (no ALPN, port 5228), and a 17-extension hello.
    "ja4__tls-handshake.pcapng": {
        50112: "t13d1516h2_8daaf6152771_e5627efa2ab1",
        50122: "t13d1516h1_8daaf6152771_e5627efa2ab1",
        50123: "t13d151400_8daaf6152771_de4a06bb82e3",
        50153: "t13d1517h1_8daaf6152771_6cdcb247c39b",
        50170: "t13d1516h2_8daaf6152771_e5627efa2ab1",
    },
}

# (file, client, server, which): why tshark's value is not the truth, with byte evidence.
TSHARK_WRONG = {}


def captures(corpus):
    return sorted(f for f in os.listdir(corpus) if f.endswith((".pcap", ".pcapng", ".cap")))


def endpoint(ip, port):
    return ("[%s]:%s" % (ip, port)) if ":" in ip else ("%s:%s" % (ip, port))


def our_hellos(rec):
    """[(ja3, ja3_string)] of the client hellos and of the server hellos, in order."""
    ch, sh = rec.get("client_hello"), rec.get("server_hello")
    client, server = [], []
    if ch:
        client.append((ch["ja3"], ch["ja3_string"]))
        if ch["second_hello"]:
            client.append((ch["second_hello"]["ja3"], ch["second_hello"]["ja3_string"]))
    if sh:
        if sh["hello_retry"]:
            server.append((sh["hello_retry"]["ja3s"], sh["hello_retry"]["ja3s_string"]))
        if sh.get("random") is not None:
            server.append((sh["ja3s"], sh["ja3s_string"]))
    return client, server


def tshark_hellos(path, frame_files=None):
    """{file: {(client, server): [(tcp.stream, [client (ja3, full)], [server (ja3s, full)])]}} from tshark.
    `frame_files` maps frame numbers to input files when `path` is several captures merged:
    [(last frame number, file)], in order."""
    fields = ["frame.number", "tcp.stream", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.srcport",
              "tcp.dstport", "tls.handshake.type", "tls.handshake.ja3", "tls.handshake.ja3_full",
              "tls.handshake.ja3s", "tls.handshake.ja3s_full"]
    cmd = ["tshark", "-n", "-r", path, "-Y", "tcp && (tls.handshake.type == 1 || tls.handshake.type == 2)",
           "-T", "json"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True)
    streams = {}
    for pkt in json.loads(out.stdout or "[]"):
        l = pkt["_source"]["layers"]
        get = lambda k: l.get(k, [])
        frame = int(get("frame.number")[0])
        name = os.path.basename(path)
        for last, fname in frame_files or []:
            if frame <= last:
                name = fname
                break
        # Both address families in a tunnel (6in4): keep both pairs, the record names one.
        pairs = []
        for fam in ("ip", "ipv6"):
            src, dst = get(fam + ".src"), get(fam + ".dst")
            if src and dst:
                pairs.append((endpoint(src[-1], get("tcp.srcport")[-1]), endpoint(dst[-1], get("tcp.dstport")[-1])))
        if not pairs:
            continue
        stream = int(get("tcp.stream")[-1])
        ja3, ja3f = get("tls.handshake.ja3"), get("tls.handshake.ja3_full")
        ja3s, ja3sf = get("tls.handshake.ja3s"), get("tls.handshake.ja3s_full")
        for t in get("tls.handshake.type"):
            if t == "1" and ja3:
                keys = tuple(pairs)
                s = streams.setdefault((name, keys, stream), [[], []])
                s[0].append((ja3.pop(0), ja3f.pop(0) if ja3f else None))
            elif t == "2" and ja3s:
                keys = tuple((b, a) for a, b in pairs)
                s = streams.setdefault((name, keys, stream), [[], []])
                s[1].append((ja3s.pop(0), ja3sf.pop(0) if ja3sf else None))
    by_file = defaultdict(lambda: defaultdict(list))
    for (name, keys, stream), (c, s) in sorted(streams.items(), key=lambda kv: kv[0][2]):
        by_file[name][keys].append((stream, c, s))
    return by_file


def merge_captures(corpus, files, out):
    """Concatenate what mergecap can read into one file, so that tshark starts once, not once
    per capture (its start-up is most of its time here). Returns ([(last frame, file)], the
    files left out because mergecap or capinfos cannot read them)."""
    left_out = []
    todo = list(files)
    while todo:
        r = subprocess.run(["mergecap", "-a", "-I", "none", "-w", out] + [os.path.join(corpus, f) for f in todo],
                           capture_output=True, text=True)
        if r.returncode == 0:
            break
        bad = [f for f in todo if '"%s"' % f in r.stderr or os.path.join(corpus, f) in r.stderr]
        if not bad:
            return [], files
        left_out += bad
        todo = [f for f in todo if f not in bad]
    r = subprocess.run(["capinfos", "-c", "-M", "-T", "-r"] + [os.path.join(corpus, f) for f in todo],
                       capture_output=True, text=True)
    counts = [line.split("\t") for line in r.stdout.splitlines() if "\t" in line]
    if r.returncode != 0 or len(counts) != len(todo):
        return [], files
    frame_files, last = [], 0
    for (name, n), f in zip(counts, todo):
        last += int(n)
        frame_files.append((last, f))
    return frame_files, left_out


def ja3_main(tlsscope, corpus):
    for tool in ("tshark", "mergecap", "capinfos"):
        if not shutil.which(tool):
            skip("%s is not installed (apt-get install tshark)" % tool)
    files = captures(corpus)
    records = {f: analyze(tlsscope, os.path.join(corpus, f), "--all", "--no-diagnose") for f in files}
    # tshark follows a TCP conversation by its addresses and ports alone: a capture sharing one
    # with another capture cannot go into the merged file (tshark would take it for retransmissions).
    owners = defaultdict(set)
    for f, recs in records.items():
        for r in recs:
            owners[frozenset((endpoint(r["client"]["ip"], r["client"]["port"]),
                              endpoint(r["server"]["ip"], r["server"]["port"])))].add(f)
    shared = set().union(*(o for o in owners.values() if len(o) > 1))
    truth = {}
    with tempfile.TemporaryDirectory() as tmp:
        merged = [f for f in files if f not in shared]
        frame_files, alone = merge_captures(corpus, merged, os.path.join(tmp, "all.pcapng"))
        if frame_files:
            truth.update(tshark_hellos(os.path.join(tmp, "all.pcapng"), frame_files))
        alone = sorted(set(alone) | shared)
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            for per_file in pool.map(lambda f: tshark_hellos(os.path.join(corpus, f)), alone):
                truth.update(per_file)
    hellos = agree = bad = excused = 0
    for f in files:
        ours = defaultdict(list)
        for r in records[f]:
            ours[(endpoint(r["client"]["ip"], r["client"]["port"]),
                  endpoint(r["server"]["ip"], r["server"]["port"]))].append(r)
        for keys, streams in truth.get(f, {}).items():
            key = next((k for k in keys if k in ours), keys[0])
            mine = ours.get(key, [])
            for i, (stream, tc, ts) in enumerate(streams):
                rec = mine[i] if i < len(mine) else None
                oc, os_ = our_hellos(rec) if rec else ([], [])
                for which, theirs, our in (("ClientHello", tc, oc), ("ServerHello", ts, os_)):
                    for n, t in enumerate(theirs):
                        hellos += 1
                        o = our[n] if n < len(our) else None
                        if o == t:
                            agree += 1
                            continue
                        why = TSHARK_WRONG.get((f, key[0], key[1], "%s %d" % (which, n + 1)))
                        if why:
                            excused += 1
                            print("excused: %s stream %d %s %d: %s" % (f, stream, which, n + 1, why))
                            continue
                        bad += 1
                        print("DISAGREE %s stream %d %s -> %s, %s %d:\n  tshark   %s\n  tlsscope %s"
                              % (f, stream, key[0], key[1], which, n + 1, t, o))
    print("JA3/JA3S: %d hellos in %d captures, %d agree, %d disagree, %d excused as tshark errors"
          % (hellos, len(files), agree, bad, excused))
    if hellos == 0:
        print("FAIL: tshark reported no hello at all")
        return 1
    return 1 if bad else 0


def ja4_main(tlsscope, corpus):
    checked = bad = in_text = 0
    for f, want in sorted(JA4_PUBLISHED.items()):
        path = os.path.join(corpus, f)
        if not os.path.exists(path):
            skip("%s is not in the corpus" % path)
        got, blocks = {}, text_blocks(tlsscope, path)
        for r in analyze(tlsscope, path):
            if r.get("client_hello"):
                got[r["client"]["port"]] = r["client_hello"]["ja4"]
                block = blocks.get(r["id"])
                if block is not None:
                    in_text += 1
                    if "    JA4          %s\n" % r["client_hello"]["ja4"] not in block:
                        bad += 1
                        print("MISSING in the text report of %s #%d: JA4 line" % (f, r["id"]))
        for port, ja4 in sorted(want.items()):
            checked += 1
            if got.get(port) != ja4:
                bad += 1
                print("DISAGREE %s client port %d: FoxIO %s, tlsscope %s" % (f, port, ja4, got.get(port)))
    print("JA4: %d published values checked, %d connection blocks of the text report, %d disagree"
          % (checked, in_text, bad))
    return 1 if bad or not in_text else 0


def corpus_dir(main):
    def run(tlsscope, corpus):
        if not os.path.isdir(corpus):
            skip("no corpus at %s" % corpus)
        return main(tlsscope, corpus)
    return run


if __name__ == "__main__":
    sys.exit(run_modes(__doc__, {"ja3": corpus_dir(ja3_main), "ja4": corpus_dir(ja4_main)}))
