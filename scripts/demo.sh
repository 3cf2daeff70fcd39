#!/usr/bin/env bash
# Set up, build, and run tlsscope on the bundled sample captures in pcaps/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target tlsscope >/dev/null
exec build/tlsscope analyze "$@" pcaps/*.pcap
