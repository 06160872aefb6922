#!/usr/bin/env bash
# Run every benchmark (bench/bench_*.sh) against the build in BUILD_DIR.
# Benchmarks run the peers side by side in one run and print ratios; they
# only ever send packets on loopback or in namespaces they create.
set -euo pipefail
build=${1:?usage: run-all.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
export PORTIER; PORTIER=$(cd "$build" && pwd)/portier
shopt -s nullglob
for b in "$here"/bench_*.sh; do
	echo "== $(basename "$b")"
	bash "$b"
done
