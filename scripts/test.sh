#!/usr/bin/env bash
# Set up, build and run the whole test suite: once as a normal build, once
# under AddressSanitizer + UndefinedBehaviorSanitizer, then each libFuzzer
# harness for a bounded time (FUZZ_SECONDS, default 60; 0 skips fuzzing).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)

echo "== normal build =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs" >/dev/null
(cd build && ctest --output-on-failure -j"$jobs")

echo "== ASan + UBSan build =="
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTLSSCOPE_SANITIZE=ON -DCMAKE_C_COMPILER=clang >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$jobs")

fuzz_seconds=${FUZZ_SECONDS:-60}
if [ "$fuzz_seconds" -gt 0 ]; then
	echo "== fuzzing, ${fuzz_seconds}s per harness =="
	cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DTLSSCOPE_FUZZ=ON -DCMAKE_C_COMPILER=clang >/dev/null
	cmake --build build-fuzz -j"$jobs" >/dev/null
	(cd build-fuzz && FUZZ_SECONDS="$fuzz_seconds" ctest --output-on-failure -L fuzz)
fi
