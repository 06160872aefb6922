#!/usr/bin/env bash
# Run every libFuzzer harness in BUILD_DIR for FUZZ_SECONDS (default 20),
# starting from its seeds in tests/data/fuzz/<name>/.  A crash fails the run
# and leaves the input in fuzz-out/<name>/ (make it a unit-test fixture).
set -euo pipefail
build=${1:?usage: run-all.sh BUILD_DIR}
seconds=${FUZZ_SECONDS:-20}
src=$(cd "$(dirname "$0")/.." && pwd)
status=0
shopt -s nullglob
harnesses=("$build"/fuzz/fuzz_*)
[ ${#harnesses[@]} -gt 0 ] || { echo "fuzz: no harnesses in $build/fuzz" >&2; exit 1; }
for h in "${harnesses[@]}"; do
	[ -x "$h" ] || continue
	name=$(basename "$h"); name=${name#fuzz_}
	corpus="$build/fuzz-corpus/$name"; out="$src/fuzz-out/$name"
	mkdir -p "$corpus" "$out"
	seeds="$src/tests/data/fuzz/$name"
	[ -d "$seeds" ] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
	echo "== fuzz $name for ${seconds}s"
	if ! "$h" -max_total_time="$seconds" -print_final_stats=1 \
		-artifact_prefix="$out/" "$corpus" > "$build/fuzz-$name.log" 2>&1; then
		echo "fuzz $name: FAILED, see $build/fuzz-$name.log and $out" >&2
		tail -30 "$build/fuzz-$name.log" >&2
		status=1
	else
		grep -E 'stat::number_of_executed_units|Done' "$build/fuzz-$name.log" | tail -2
	fi
done
exit $status
