#!/usr/bin/env bash
# bench_local.sh - portier local -tanp against ss -tanp, netstat -tanp and
# lsof -nP -iTCP, at 1,000 and 50,000 TCP sockets on loopback.
#
# The sockets are made by lab-sockfill (tests/lab/sockfill.c) inside a
# network namespace this script creates, so nothing else is counted and the
# TIME-WAIT sockets left behind vanish with the namespace.  Every tool runs
# inside that namespace (hyperfine itself runs there: no per-run
# `ip netns exec` overhead).  Prints, per size: the median wall time of each
# tool, its ratio to portier (how many times slower than portier), its peak
# memory (/usr/bin/time), and how many sockets each listed.
#
#   PORTIER=build/portier bench/bench_local.sh
#   BENCH_LOCAL_SIZES="1000 50000" BENCH_RUNS=10 ...
# Only loopback inside the namespace is touched.
set -euo pipefail
PORTIER=${PORTIER:?set PORTIER to the portier binary}
LAB_BIN=${LAB_BIN:-$(dirname "$PORTIER")/tests}
SIZES=${BENCH_LOCAL_SIZES:-"1000 50000"}
RUNS=${BENCH_RUNS:-10}

. "$(dirname "$0")/../tests/need.sh"
. "$(dirname "$0")/lib_ns.sh"
[ "$(id -u)" = 0 ] || need_skip "bench_local: needs root (a network namespace)"
need_tool ss netstat lsof python3
[ -x "$LAB_BIN/lab-sockfill" ] || { echo "bench_local: $LAB_BIN/lab-sockfill not built"; exit 1; }

ns=""
dir=$(mktemp -d /tmp/portier-bench-local.XXXXXX)
fill=""
# Teardown between sizes and on exit.
drop_ns() { bench_ns_drop "$ns" $fill; fill=""; ns=""; }
trap 'drop_ns; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM
in_ns() { ip netns exec "$ns" "$@"; }

# tool name, command line
names=(portier ss netstat lsof)
cmds=("$PORTIER local -tanp" "ss -tanp" "netstat -tanp" "lsof -nP -iTCP")


for n in $SIZES; do
	# a fresh namespace per size: no TIME-WAIT left from the last one
	ns="ptbench$$-$n"
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	bench_sockfill "$ns" "$n" "$dir"
	fill=$BENCH_FILL
	have=$(in_ns ss -Htan | wc -l)
	runs=$RUNS
	[ "$n" -ge 20000 ] && [ "$runs" -gt 5 ] && runs=5
	echo
	echo "== $have TCP sockets on loopback, median of $runs runs"

	declare -A med=() mem=() lines=()
	if command -v hyperfine >/dev/null; then
		args=()
		for k in "${!names[@]}"; do args+=(-n "${names[$k]}" "${cmds[$k]}"); done
		in_ns hyperfine -N --style none --warmup 1 --runs "$runs" \
			--export-json "$dir/h.json" "${args[@]}" > /dev/null
		while read -r name m; do med[$name]=$m; done < <(python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(r["command"], r["median"])' "$dir/h.json")
	else
		for k in "${!names[@]}"; do
			ts=()
			for ((r = 0; r < runs; r++)); do
				t0=$(date +%s.%N)
				in_ns ${cmds[$k]} > /dev/null 2>&1
				t1=$(date +%s.%N)
				ts+=("$(echo "$t1 - $t0" | bc)")
			done
			med[${names[$k]}]=$(bench_median "${ts[@]}")
		done
	fi
	for k in "${!names[@]}"; do
		mem[${names[$k]}]=$(in_ns /usr/bin/time -f %M ${cmds[$k]} 2>&1 >/dev/null | tail -1)
		lines[${names[$k]}]=$(in_ns ${cmds[$k]} 2>/dev/null | grep -cE 'ESTAB|LISTEN' || true)
	done
	printf '%-9s %12s %18s %12s %10s\n' tool "median (s)" "x slower than portier" "peak (MB)" sockets
	for name in "${names[@]}"; do
		ratio=$(awk -v a="${med[$name]}" -v b="${med[portier]}" 'BEGIN {printf "%.2f", a / b}')
		printf '%-9s %12.4f %18s %12.1f %10s\n' "$name" "${med[$name]}" "$ratio" \
			"$(awk -v k="${mem[$name]}" 'BEGIN {print k / 1024}')" "${lines[$name]}"
	done
	awk -v p="${med[portier]}" -v s="${med[ss]}" -v m="${mem[portier]}" -v n="$have" 'BEGIN {
		printf "verdict at %d sockets: portier %s ss -tanp (%.2fx), peak %.1f MB (target: under 64 MB)\n",
			n, (p < s ? "faster than" : "NOT faster than"), s / p, m / 1024
		# issue 13: watch and top poll this; with owners, at most a
		# quarter of ss -tanp'"'"'s time
		printf "portier local -tanp / ss -tanp at %d sockets: %.2f (issue 13 target <= 0.25: %s)\n",
			n, p / s, (p <= 0.25 * s ? "met" : "NOT met") }'
	unset med mem lines
	drop_ns
done
