#!/bin/sh
# check_deterministic.sh CAPMAKER WORKDIR
#
# capmaker must write the same bytes on every run, and a capture written on
# its own must equal the same capture written together with all the others
# (randomness is reseeded per capture).  Leaves WORKDIR behind on failure so
# the differing files can be inspected.
set -eu

maker=$1
work=$2

rm -rf "$work"
mkdir -p "$work"
"$maker" -o "$work/a" >/dev/null
"$maker" -o "$work/b" >/dev/null

# An empty output would compare equal to itself: check there is something.
n=$(ls "$work/a" | grep -c '\.pcap$' || true)
m=$(grep -vc '^#' "$work/a/MANIFEST.tsv" || true)
if [ "$n" -lt 1 ] || [ "$n" -ne "$m" ]; then
    echo "capmaker wrote $n captures but $m manifest lines" >&2
    exit 1
fi

diff -rq "$work/a" "$work/b"

# Captures from the middle of the table, written alone.
"$maker" -o "$work/c" 13 07 34 >/dev/null
for f in "$work"/c/*.pcap "$work"/c/ca/*.pem; do
    cmp "$f" "$work/a/${f#"$work"/c/}"
done

echo "capmaker: $n captures byte-identical across runs and when written alone"
rm -rf "$work"
