#!/usr/bin/env python3
"""Every JSON line tlsscope writes must validate against docs/tlsscope.schema.json.

Usage: test_schema.py TLSSCOPE SCHEMA PCAPS_DIR [CORPUS_DIR]
Runs `analyze --json` over every sample capture (with the diagnosis, with
--no-diagnose, with --all) and over the public corpus when it is there, each
in both --json-detail levels (compact: connection and certificate lines;
full: connection lines with everything inline), and validates each line with the jsonschema package (Debian: python3-jsonschema).
"""
import glob
import json
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tlsscope_run import run as run_tlsscope  # noqa: E402

try:
    import jsonschema
except ImportError:
    print("FAIL: the Python package jsonschema is missing (Debian: apt-get install python3-jsonschema)")
    sys.exit(1)

tool, schema_path, pcaps = sys.argv[1], sys.argv[2], sys.argv[3]
corpus = sys.argv[4] if len(sys.argv) > 4 else None
schema = json.load(open(schema_path))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
seen_decryption = False

files = sorted(glob.glob(os.path.join(pcaps, "*.pcap")))
runs = [["--ca", os.path.join(pcaps, "ca", "root.pem")], ["--no-diagnose"], ["--all"],
        ["--ca", os.path.join(pcaps, "ca", "root.pem"), "--expect", "10.0.0.2=www.example.test,api.example.test"]]
inputs = [(extra, files) for extra in runs]
if corpus and os.path.isdir(corpus):
    cfiles = sorted(f for f in glob.glob(os.path.join(corpus, "*")) if not f.endswith((".keys", ".tsv", ".md")))
    inputs.append(([], cfiles))
    # With every key log the corpus ships: decrypted alerts, timelines and the decryption object.
    keys = sorted(glob.glob(os.path.join(corpus, "*.keys")))
    if keys:
        inputs.append(([a for k in keys for a in ("--keylog", k)], cfiles))

lines = bad = 0
kinds = {"compact": set(), "full": set()}
for (extra, fs), detail in [(i, d) for i in inputs for d in kinds]:
    r = run_tlsscope([tool, "analyze", "--json", "--json-detail", detail, "--fail-on", "never"] + extra + fs,
                     allowed=(0,), text=True, timeout=600)
    for line in r.stdout.splitlines():
        lines += 1
        obj = json.loads(line)
        seen_decryption |= bool(obj.get("decryption"))
        kinds[detail].add(obj["type"] + ("" if obj["type"] != "connection" else
                                         " full" if "timeline" in obj else " compact"))
        errors = list(validator.iter_errors(obj))
        if errors:
            bad += 1
            if bad <= 20:
                e = errors[0]
                print("INVALID (%s) %s: %s" % (" ".join(extra) or "default", e.json_path, e.message[:300]))
if corpus and glob.glob(os.path.join(corpus, "*.keys")) and not seen_decryption:
    print("FAIL: no record with a decryption object, though key logs were given")
    bad += 1
# Each level writes its own kinds of line: a schema that let either through in the other's place
# would not notice the wrong level.
for detail, want in (("compact", {"connection compact", "certificate", "summary"}),
                     ("full", {"connection full", "summary"})):
    if kinds[detail] != want:
        print("FAIL: --json-detail %s wrote %s, not %s" % (detail, sorted(kinds[detail]), sorted(want)))
        bad += 1
print("%d lines checked against %s" % (lines, os.path.basename(schema_path)))
print("%d passed, %d failed" % (lines - bad, bad))
sys.exit(1 if bad or lines == 0 else 0)
