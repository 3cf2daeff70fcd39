#!/usr/bin/env bash
# Benchmark tlsscope against the libpcap floor on the shared kit's captures.
#
# Builds ../shared/bench (generator and floor), makes the two reference
# captures if missing, builds tlsscope in Release mode, then runs the floor and
# `tlsscope analyze --json` interleaved RUNS times (default 5) on each capture,
# output to /dev/null, on a warm page cache. Prints median wall times, the
# ratio tlsscope/floor, and peak RSS (from /usr/bin/time). tlsscope runs with
# the full diagnosis on, trusting the kit's root (--ca ROOT.pem).
#
# Usage: bench/run.sh [RUNS]      environment: PCAPS (default /tmp/bench-pcaps), EXTRA_ARGS
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
kit=../shared/bench
pcaps=${PCAPS:-/tmp/bench-pcaps}

command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian package 'time')"; exit 2; }
make -s -C "$kit" >/dev/null
make -s -C "$kit" pcaps PCAPS="$pcaps" >/dev/null
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j"$(nproc)" --target tlsscope >/dev/null

# wall seconds and peak RSS (KiB) of one run, output discarded
measure() {
	/usr/bin/time -f '%e %M' -o /tmp/tlsscope-bench.time "$@" >/dev/null 2>/dev/null
	cat /tmp/tlsscope-bench.time
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

printf '%-22s %10s %10s %8s %12s %12s\n' capture floor_s tlsscope_s ratio floor_rss_MiB tlsscope_rss_MiB
for name in handshake-20k bulk-2k; do
	f=$pcaps/$name.pcap
	cat "$f" >/dev/null # warm the page cache
	: >/tmp/tlsscope-bench.floor
	: >/tmp/tlsscope-bench.ts
	for _ in $(seq "$runs"); do
		measure "$kit/pcap-floor" "$f" >>/tmp/tlsscope-bench.floor
		# shellcheck disable=SC2086
		# the kit's root as trust anchor, as a user with a private CA would give it; --fail-on never:
		# the kit's captures hold broken certificates on purpose, which would otherwise exit 1
		measure build-release/tlsscope analyze --json --fail-on never --ca "$pcaps/$name.root.pem" ${EXTRA_ARGS:-} "$f" \
			>>/tmp/tlsscope-bench.ts
	done
	fl=$(cut -d' ' -f1 /tmp/tlsscope-bench.floor | median)
	ts=$(cut -d' ' -f1 /tmp/tlsscope-bench.ts | median)
	flm=$(cut -d' ' -f2 /tmp/tlsscope-bench.floor | sort -g | tail -1)
	tsm=$(cut -d' ' -f2 /tmp/tlsscope-bench.ts | sort -g | tail -1)
	awk -v n="$name" -v fl="$fl" -v ts="$ts" -v flm="$flm" -v tsm="$tsm" 'BEGIN {
		printf "%-22s %10.3f %10.3f %8.2f %12.1f %12.1f\n", n, fl, ts, (fl > 0 ? ts / fl : 0), flm / 1024, tsm / 1024 }'
done
echo "(medians of $runs runs each, floor and tlsscope interleaved; RSS is the largest seen)"
