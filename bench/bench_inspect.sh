#!/usr/bin/env bash
# bench_inspect.sh - how long `portier inspect PORT` takes on a busy host:
# 10,000 extra processes and 50,000 TCP sockets (lab-sockfill) in a network
# namespace this script creates, with a planted listener on 45576 whose
# binary sits in a temporary directory.  The target of issue 14 is under
# one second.  The files read are the real host's (/etc, the dpkg
# database, /tmp): PORTIER_ROOT is not set, as on a real investigation.
#
# Prints the median wall time (hyperfine, or a timed loop without it) of
#   portier inspect 45576 --json              (everything)
#   portier inspect 45576 --json --no-hidden  (without the cross-check)
#
#   PORTIER=build/portier bench/bench_inspect.sh
#   BENCH_PROCS=10000 BENCH_SOCKS=50000 BENCH_RUNS=5 ...
# Only loopback inside the namespace is touched.
set -euo pipefail
PORTIER=${PORTIER:?set PORTIER to the portier binary}
LAB_BIN=${LAB_BIN:-$(dirname "$PORTIER")/tests}
PROCS=${BENCH_PROCS:-10000}
SOCKS=${BENCH_SOCKS:-50000}
RUNS=${BENCH_RUNS:-5}

. "$(dirname "$0")/../tests/need.sh"
[ "$(id -u)" = 0 ] || need_skip "bench_inspect: needs root (a network namespace)"
for h in lab-sockfill lab-listen; do
	[ -x "$LAB_BIN/$h" ] || { echo "bench_inspect: $LAB_BIN/$h not built"; exit 1; }
done

ns="ptbenchinsp$$"
dir=$(mktemp -d /tmp/portier-bench-inspect.XXXXXX)
groups=()
cleanup() {
	local g pids
	for g in "${groups[@]}"; do kill -KILL -- -"$g" 2>/dev/null || :; done
	pids=$(ip netns pids "$ns" 2>/dev/null) || pids=""
	if [ -n "$pids" ]; then kill -KILL $pids 2>/dev/null || :; fi
	ip netns del "$ns" 2>/dev/null || :
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
in_ns() { ip netns exec "$ns" "$@"; }
wait_file() {
	local i
	for ((i = 0; i < 1200; i++)); do [ -s "$1" ] && return 0; sleep 0.1; done
	echo "bench_inspect: $2 did not start"; cat "$dir"/*.log; exit 1
}

ip netns add "$ns"
ip -n "$ns" link set lo up
# the planted listener first: 45576 lies in the ephemeral range the
# connections of lab-sockfill take their ports from
mkdir -p "$dir/.x"
cp "$LAB_BIN/lab-listen" "$dir/.x/sksocks"
setsid ip netns exec "$ns" "$dir/.x/sksocks" -r "$dir/sk.ready" tcp:45576 \
	> "$dir/sk.log" 2>&1 < /dev/null &
groups+=($!)
wait_file "$dir/sk.ready" "the planted listener"
setsid ip netns exec "$ns" "$LAB_BIN/lab-sockfill" -r "$dir/fill.ready" \
	"$SOCKS" > "$dir/fill.log" 2>&1 < /dev/null &
groups+=($!)
wait_file "$dir/fill.ready" lab-sockfill
# the extra processes: sleepers in one process group
setsid bash -c 'for ((i = 0; i < '"$PROCS"'; i++)); do sleep 3600 & done
	echo ready > '"$dir/procs.ready"'; wait' > /dev/null 2>&1 < /dev/null &
groups+=($!)
wait_file "$dir/procs.ready" "the sleepers"

pids=(/proc/[0-9]*); nprocs=${#pids[@]} # a glob: ls fails when a process exits mid-listing
nsocks=$(in_ns ss -Htan | wc -l)
echo "== inspect 45576: $nprocs processes on the host, $nsocks TCP sockets in the namespace, median of $RUNS runs"
# one checked run first: the exit code and the answer
in_ns "$PORTIER" inspect 45576 --json > "$dir/out.json"
grep -q '"sksocks"' "$dir/out.json" || { echo "bench_inspect: wrong answer"; exit 1; }

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
for variant in "" "--no-hidden"; do
	if command -v hyperfine > /dev/null; then
		in_ns hyperfine -N --style none --warmup 1 --runs "$RUNS" \
			--export-json "$dir/h.json" \
			"$PORTIER inspect 45576 --json $variant" > /dev/null
		ms=$(python3 -c 'import json,sys; print("%.0f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$dir/h.json")
	else
		times=()
		for ((r = 0; r < RUNS; r++)); do
			t0=$(date +%s%N)
			in_ns "$PORTIER" inspect 45576 --json $variant > /dev/null
			times+=($((($(date +%s%N) - t0) / 1000000)))
		done
		ms=$(median "${times[@]}")
	fi
	printf '  portier inspect 45576 --json %-12s %6s ms\n' "$variant" "$ms"
done
# for scale: the owner lookup alone, as ss and portier local do it
for cmd in "ss -Htlnp sport = :45576" "$PORTIER local -tlnp --port 45576"; do
	t0=$(date +%s%N)
	in_ns $cmd > /dev/null
	printf '  %-44s %6s ms (one run)\n' "$cmd" $((($(date +%s%N) - t0) / 1000000))
done
