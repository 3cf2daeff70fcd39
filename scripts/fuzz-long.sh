#!/usr/bin/env bash
# Long fuzzing: every libFuzzer harness for HOURS each (a fraction is fine: 0.02 = 72 s), in a fuzz
# build (build-fuzz, or $FUZZ_BUILD), FUZZ_PARALLEL harnesses at once (default 2). Seeds: the fuzz
# build's seeds (from pcaps/, tests/regress/, fuzz/data), plus the captures of pcaps/ and of
# ../shared/corpus/public (relative to the repository, as on CI) for the harnesses that read
# whole captures, and those converted for fuzz_engine. libFuzzer runs in fork mode and goes on past
# a crash; every crash, leak, timeout or out-of-memory input is copied to tests/regress/<harness>/,
# which the regress.replay test replays through that harness in every build. Exit 1 if any was found.
# Usage: scripts/fuzz-long.sh HOURS
set -euo pipefail
hours=${1:?usage: scripts/fuzz-long.sh HOURS}
cd "$(dirname "$0")/.."
secs=$(python3 -c 'import sys; print(max(1, round(float(sys.argv[1]) * 3600)))' "$hours")
build=${FUZZ_BUILD:-build-fuzz}
parallel=${FUZZ_PARALLEL:-2}
corpus=../shared/corpus/public
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DTLSSCOPE_FUZZ=ON -DCMAKE_C_COMPILER=clang >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
work=$build/fuzz-long
mkdir -p "$work"
extra_engine=$work/seeds-corpus/fuzz_engine
mkdir -p "$extra_engine"
if [ -d "$corpus" ]; then
	python3 fuzz/pcap_to_seed.py "$extra_engine" "$corpus"/*.pcap >/dev/null 2>&1 || true
else
	echo "fuzz-long: $corpus not found: seeding from pcaps/ only" >&2
fi

run_one() {
	local bin=$1 name
	name=$(basename "$bin")
	local seeds=("$build/fuzz/seeds/$name")
	case $name in
	fuzz_capture | fuzz_html) seeds+=(pcaps) && [ -d "$corpus" ] && seeds+=("$corpus") ;;
	fuzz_engine) seeds+=("$extra_engine") ;;
	esac
	local live=$work/corpus/$name art=$work/artifacts/$name/
	mkdir -p "$live" "$art" "${seeds[0]}"
	"$bin" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -max_total_time="$secs" \
		-max_len=262144 -rss_limit_mb=2048 -timeout=30 -artifact_prefix="$art" "$live" "${seeds[@]}" \
		>"$work/$name.log" 2>&1 || true
	echo "$name: $(grep '^#[0-9]*: cov' "$work/$name.log" | tail -1), corpus $(find "$live" -type f | wc -l) inputs"
}

running=0
for bin in "$build"/fuzz/fuzz_*; do
	[ -x "$bin" ] && [ -f "$bin" ] || continue
	run_one "$bin" &
	running=$((running + 1))
	if [ "$running" -ge "$parallel" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

found=0
for dir in "$work"/artifacts/*/; do
	name=$(basename "$dir")
	for f in "$dir"crash-* "$dir"leak-* "$dir"timeout-* "$dir"oom-*; do
		[ -f "$f" ] || continue
		mkdir -p "tests/regress/$name"
		cp "$f" "tests/regress/$name/"
		echo "fuzz-long: $name found $(basename "$f"): kept in tests/regress/$name/"
		found=1
	done
done
[ "$found" -eq 0 ] && echo "fuzz-long: no crash, leak, timeout or out-of-memory input in ${secs}s per harness"
exit "$found"
