#!/usr/bin/env bash
# Run one libFuzzer harness: replay the kept crash inputs, then fuzz for
# FUZZ_SECONDS from the seeds. Usage: run_fuzzer.sh BINARY NAME FUZZ_DIR SEED_DIR
set -euo pipefail
bin=$1 name=$2 dir=$3 seeds=$4
secs=${FUZZ_SECONDS:-60}
mkdir -p "$seeds"
if compgen -G "$dir/crashes/$name/*" >/dev/null; then
	"$bin" "$dir"/crashes/"$name"/*
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rc=0
"$bin" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -artifact_prefix="$work/" "$work" "$seeds" \
	>"$work/log" 2>&1 || rc=$?
tail -n 5 "$work/log"
if compgen -G "$work/crash-*" >/dev/null || compgen -G "$work/leak-*" >/dev/null || compgen -G "$work/timeout-*" >/dev/null; then
	mkdir -p "$dir/crashes/$name"
	cp "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$dir/crashes/$name/" 2>/dev/null || true
	echo "fuzzer found a problem; inputs copied to $dir/crashes/$name/"
	exit 1
fi
exit "$rc"
