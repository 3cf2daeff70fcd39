#!/usr/bin/env bash
# Benchmark tlsscope against the libpcap floor, and its peers, on the shared kit's captures.
#
# Builds the kit's generator and floor from ../shared/bench (into build-release/bench-kit: the kit's
# folder may be read-only), makes the two reference captures if missing, builds tlsscope in Release
# mode, then runs, RUNS times (default 5) interleaved on each capture, output to /dev/null on a warm
# page cache:
#   floor     the kit's pcap-floor (a pcap_next_ex loop that only counts)
#   compact   tlsscope analyze --json --ca ROOT (the default, compact records)
#   full      the same with --json-detail full
#   ndpiReader -i FILE -v 2, ssldump -n -N -r FILE   where installed (Debian libndpi-bin, ssldump)
# and prints per tool the median wall and CPU (user + system) seconds, the CPU and wall ratios to
# the floor of the same run, the largest peak RSS, and the load average before and after.
# CALLGRIND=1 adds instruction counts (valgrind --tool=callgrind) of floor, compact and full on the
# handshake capture: the steady figure when the machine is busy.
#
# Usage: bench/run.sh [RUNS]    environment: PCAPS (default /tmp/bench-pcaps), KIT, EXTRA_ARGS, CALLGRIND
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
kit=${KIT:-../shared/bench}
pcaps=${PCAPS:-/tmp/bench-pcaps}
bin=build-release/bench-kit

command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian package 'time')"; exit 2; }
mkdir -p "$bin" "$pcaps"
[ "$bin/gen-tls-pcap" -nt "$kit/gen-tls-pcap.c" ] ||
	cc -std=c11 -O2 -Wall -Wextra -o "$bin/gen-tls-pcap" "$kit/gen-tls-pcap.c" -lssl -lcrypto
[ "$bin/pcap-floor" -nt "$kit/pcap-floor.c" ] ||
	cc -std=c11 -O2 -Wall -Wextra -o "$bin/pcap-floor" "$kit/pcap-floor.c" -lpcap
# The kit's two reference captures (its Makefile's options).
[ -s "$pcaps/handshake-20k.pcap" ] || "$bin/gen-tls-pcap" -n 20000 -b 2K -o "$pcaps/handshake-20k.pcap" \
	-t "$pcaps/handshake-20k.tsv" -R "$pcaps/handshake-20k.root.pem" >/dev/null
[ -s "$pcaps/bulk-2k.pcap" ] || "$bin/gen-tls-pcap" -n 2000 -b 512K -o "$pcaps/bulk-2k.pcap" \
	-t "$pcaps/bulk-2k.tsv" -R "$pcaps/bulk-2k.root.pem" >/dev/null
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j"$(nproc)" --target tlsscope >/dev/null

tools="floor compact full"
command -v ndpiReader >/dev/null && tools="$tools ndpiReader"
command -v ssldump >/dev/null && tools="$tools ssldump"

# The command line of one tool on capture $1 (root certificate $2).
command_of() {
	case $3 in
	floor) echo "$bin/pcap-floor $1" ;;
	compact) echo "build-release/tlsscope analyze --json --fail-on never --ca $2 ${EXTRA_ARGS:-} $1" ;;
	full) echo "build-release/tlsscope analyze --json --json-detail full --fail-on never --ca $2 ${EXTRA_ARGS:-} $1" ;;
	ndpiReader) echo "ndpiReader -i $1 -v 2" ;;
	ssldump) echo "ssldump -n -N -r $1" ;;
	esac
}

# "wall cpu rss_kib" of one run, output discarded. --fail-on never: the kit's captures hold
# broken certificates on purpose.
measure() {
	# shellcheck disable=SC2046
	/usr/bin/time -f '%e %U %S %M' -o "$tmp/time" $(command_of "$@") >/dev/null 2>&1 || true
	awk '{ printf "%s %.3f %s\n", $1, $2 + $3, $4 }' "$tmp/time"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)   ($(nproc) CPUs, $runs runs each, interleaved)"
for name in handshake-20k bulk-2k; do
	f=$pcaps/$name.pcap root=$pcaps/$name.root.pem
	cat "$f" >/dev/null # warm the page cache
	for t in $tools; do : >"$tmp/$t"; done
	for _ in $(seq "$runs"); do
		for t in $tools; do measure "$f" "$root" "$t" >>"$tmp/$t"; done
	done
	fl_cpu=$(cut -d' ' -f2 "$tmp/floor" | median)
	fl_wall=$(cut -d' ' -f1 "$tmp/floor" | median)
	printf '\n%s (%s MB)\n' "$name" "$(($(stat -c %s "$f") / 1000000))"
	printf '%-12s %9s %9s %9s %9s %9s\n' tool cpu_s cpu_ratio wall_s wall_ratio rss_MiB
	for t in $tools; do
		cpu=$(cut -d' ' -f2 "$tmp/$t" | median)
		wall=$(cut -d' ' -f1 "$tmp/$t" | median)
		rss=$(cut -d' ' -f3 "$tmp/$t" | sort -g | tail -1)
		awk -v t="$t" -v c="$cpu" -v w="$wall" -v fc="$fl_cpu" -v fw="$fl_wall" -v r="$rss" 'BEGIN {
			printf "%-12s %9.3f %8.2fx %9.3f %8.2fx %9.1f\n", t, c, (fc > 0 ? c / fc : 0), w,
			       (fw > 0 ? w / fw : 0), r / 1024 }'
	done
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)   (medians; RSS is the largest seen)"

if [ "${CALLGRIND:-0}" = 1 ] && command -v valgrind >/dev/null; then
	f=$pcaps/handshake-20k.pcap root=$pcaps/handshake-20k.root.pem
	echo
	echo "instructions (valgrind --tool=callgrind) on handshake-20k:"
	for t in floor compact full; do
		# shellcheck disable=SC2046
		valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" $(command_of "$f" "$root" "$t") \
			>/dev/null 2>"$tmp/cg.err" || true
		ir=$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$tmp/cg.err")
		[ "$t" = floor ] && fl_ir=$ir
		awk -v t="$t" -v i="$ir" -v f="$fl_ir" 'BEGIN { printf "%-12s %15d %8.2fx\n", t, i, (f > 0 ? i / f : 0) }'
	done
fi
