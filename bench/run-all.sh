#!/usr/bin/env bash
# Run every benchmark (bench/bench_*.sh) against the build in BUILD_DIR.
# Benchmarks run the peers side by side in one run and print ratios; they
# only ever send packets on loopback or in namespaces they create.
set -euo pipefail
build=${1:?usage: run-all.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
export PORTIER; PORTIER=$(cd "$build" && pwd)/portier
shopt -s nullglob
status=0
for b in "$here"/bench_*.sh; do
	echo "== $(basename "$b")"
	rc=0
	bash "$b" || rc=$?
	case $rc in
	0) ;;
	77) echo "   (skipped: see the reason above)" ;;
	*) echo "$(basename "$b") failed with exit code $rc" >&2; status=1 ;;
	esac
done
exit $status
