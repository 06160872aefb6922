#!/usr/bin/env bash
# bench_watch.sh - the CPU that `portier watch` takes on a busy host: a
# namespace holding N TCP sockets (lab-sockfill, as bench_local and
# bench_store fill it), the watch running there every INTERVAL seconds for
# SECONDS, and its CPU time (utime + stime of /proc/PID/stat) over that
# span as a share of one core.  Issue 13's target: at most 5% at 50,000
# sockets every 5 s.  The first round (the baseline, hashing every program
# once) is left out: the span starts after the watch's first notice.
#
#   PORTIER=build/portier bench/bench_watch.sh
#   BENCH_WATCH_FILL=50000 BENCH_WATCH_INTERVAL=5 BENCH_WATCH_SECONDS=60 ...
# Only loopback inside the namespace is touched.
set -euo pipefail
PORTIER=${PORTIER:?set PORTIER to the portier binary}
LAB_BIN=${LAB_BIN:-$(dirname "$PORTIER")/tests}
FILL=${BENCH_WATCH_FILL:-50000}
INTERVAL=${BENCH_WATCH_INTERVAL:-5}
SECONDS_=${BENCH_WATCH_SECONDS:-60}

. "$(dirname "$0")/../tests/need.sh"
. "$(dirname "$0")/lib_ns.sh"
[ "$(id -u)" = 0 ] || need_skip "bench_watch: needs root (a network namespace)"
need_tool ss
[ -x "$LAB_BIN/lab-sockfill" ] || { echo "bench_watch: $LAB_BIN/lab-sockfill not built"; exit 1; }

ns="ptbwatch$$"
fill=""
watch=""
dir=$(mktemp -d /tmp/portier-bench-watch.XXXXXX)
chmod 700 "$dir"
trap 'bench_ns_drop "$ns" $fill $watch; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM
in_ns() { ip netns exec "$ns" "$@"; }

ip netns add "$ns"
ip -n "$ns" link set lo up
bench_sockfill "$ns" "$FILL" "$dir"
fill=$BENCH_FILL
have=$(in_ns ss -Htan | wc -l)
listeners=$(in_ns ss -Htln | wc -l)

# CPU ticks (utime + stime) of a process
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

setsid ip netns exec "$ns" "$PORTIER" watch --store "$dir/portier.db" \
	--interval "$INTERVAL" > "$dir/events.jsonl" 2> "$dir/watch.err" < /dev/null &
watch=$!
for ((i = 0; i < 1200; i++)); do
	grep -q watching "$dir/watch.err" && break
	kill -0 "$watch" 2>/dev/null || { cat "$dir/watch.err"; exit 1; }
	sleep 0.05
done
grep -q watching "$dir/watch.err" || { echo "bench_watch: no first round in 60 s"; exit 1; }
t0=$(date +%s.%N)
c0=$(ticks "$watch")
sleep "$SECONDS_"
c1=$(ticks "$watch")
t1=$(date +%s.%N)
kill -0 "$watch" 2>/dev/null || { cat "$dir/watch.err"; echo "bench_watch: watch died"; exit 1; }
kill -TERM "$watch"
rc=0; wait "$watch" || rc=$?
[ "$rc" = 0 ] || { cat "$dir/watch.err"; echo "bench_watch: watch exited $rc on SIGTERM"; exit 1; }
watch=""
[ ! -s "$dir/events.jsonl" ] || { echo "bench_watch: events on a quiet host:"; cat "$dir/events.jsonl"; exit 1; }

hz=$(getconf CLK_TCK)
awk -v c="$((c1 - c0))" -v hz="$hz" -v t0="$t0" -v t1="$t1" -v n="$have" \
	-v l="$listeners" -v iv="$INTERVAL" 'BEGIN {
	cpu = c / hz; wall = t1 - t0; pct = 100 * cpu / wall
	printf "%d TCP sockets (%d listeners), a round every %d s for %.0f s\n", n, l, iv, wall
	printf "watch CPU: %.2f s = %.2f%% of one core (%.0f ms per round); target <= 5%%: %s\n",
		cpu, pct, 1000 * cpu / (wall / iv), (pct <= 5 ? "met" : "NOT met")
	}'
