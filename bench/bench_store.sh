#!/usr/bin/env bash
# bench_store.sh - portier snapshot: wall time and peak memory at many
# sockets, with the executables' hash cache cold (a new store) and warm (the
# next snapshot), beside `ss -tlnp` (the listeners with their owners, which
# is the socket part of a snapshot) for scale.
#
# Two loads, each in a network namespace this script creates:
#   - lab-sockfill N: N TCP sockets on loopback (connections plus 8
#     listeners per worker): the socket table is large, the snapshot small;
#   - a python3 process holding L TCP listeners on 127.0.0.1: every socket
#     goes into the snapshot (L rows written, L events at the first diff).
#
#   PORTIER=build/portier bench/bench_store.sh
#   BENCH_STORE_FILL=50000 BENCH_STORE_LISTEN=20000 BENCH_RUNS=5 ...
# Only loopback inside the namespaces is touched.
set -euo pipefail
PORTIER=${PORTIER:?set PORTIER to the portier binary}
LAB_BIN=${LAB_BIN:-$(dirname "$PORTIER")/tests}
FILL=${BENCH_STORE_FILL:-50000}
LISTEN=${BENCH_STORE_LISTEN:-20000}
RUNS=${BENCH_RUNS:-5}

. "$(dirname "$0")/../tests/need.sh"
. "$(dirname "$0")/lib_ns.sh"
[ "$(id -u)" = 0 ] || need_skip "bench_store: needs root (a network namespace)"
need_tool ss python3
[ -x "$LAB_BIN/lab-sockfill" ] || { echo "bench_store: $LAB_BIN/lab-sockfill not built"; exit 1; }
[ -x /usr/bin/time ] || need_skip "bench_store: /usr/bin/time missing"

ns=""
holder=""
holders=()
dir=$(mktemp -d /tmp/portier-bench-store.XXXXXX)
chmod 700 "$dir"
drop_ns() { bench_ns_drop "$ns" $holder "${holders[@]}"; holder=""; holders=(); ns=""; }
trap 'drop_ns; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM
in_ns() { ip netns exec "$ns" "$@"; }

# wall seconds and peak KB of one run: "S KB"
measure() { in_ns /usr/bin/time -f '%e %M' "$@" 2>&1 >/dev/null | tail -1; }


# run LABEL: the snapshot cold, then warm RUNS times, and ss -tlnp
run() {
	local label=$1 store="$dir/$1/portier.db" cold warm=() wmem=() ssr=() r x
	mkdir -m 700 "$dir/$1"
	cold=$(measure "$PORTIER" snapshot -q --store "$store")
	for ((r = 0; r < RUNS; r++)); do
		x=$(measure "$PORTIER" snapshot -q --store "$store")
		warm+=("${x% *}"); wmem+=("${x#* }")
		x=$(measure ss -tlnp)
		ssr+=("${x% *}")
	done
	printf '%-26s %9s %10s %12s %10s %10s %9s\n' "$label" \
		"$(in_ns ss -Htan | wc -l)" "$(in_ns ss -Htln | wc -l)" \
		"${cold% *}" "$(bench_median "${warm[@]}")" \
		"$(awk -v k="$(bench_median "${wmem[@]}")" 'BEGIN {printf "%.1f", k / 1024}')" \
		"$(bench_median "${ssr[@]}")"
	[ "$(in_ns "$PORTIER" history --list --store "$store" | wc -l)" = $((RUNS + 1)) ] \
		|| { echo "bench_store: snapshots missing in $store"; exit 1; }
	printf '%-26s store %s after %d snapshots\n' "" "$(du -h "$store" | cut -f1)" $((RUNS + 1))
}

new_ns() {
	ns="ptbstore$$-$1"
	ip netns add "$ns"
	ip -n "$ns" link set lo up
}

printf '%-26s %9s %10s %12s %10s %10s %9s\n' load sockets listeners \
	"cold (s)" "warm (s)" "peak (MB)" "ss -tlnp"

new_ns fill
bench_sockfill "$ns" "$FILL" "$dir"
holder=$BENCH_FILL
run "sockfill $FILL"
drop_ns

new_ns listen
# Listeners in processes of at most 10,000 each (the descriptor limit).
left=$LISTEN; k=0
while [ "$left" -gt 0 ]; do
	chunk=$(( left < 10000 ? left : 10000 ))
	setsid ip netns exec "$ns" python3 -c '
import resource, socket, sys, time
n = int(sys.argv[1])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(n + 100, hard), hard))
socks = []
for i in range(n):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    socks.append(s)
open(sys.argv[2], "w").write("ready\n")
time.sleep(1e6)' "$chunk" "$dir/ready.$k" > "$dir/listen.$k.log" 2>&1 < /dev/null &
	holders+=($!)
	bench_wait_ready "$dir/ready.$k" "${holders[-1]}" "$dir/listen.$k.log"
	left=$((left - chunk)); k=$((k + 1))
done
run "$LISTEN listeners"
drop_ns
