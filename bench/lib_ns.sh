# bench/lib_ns.sh - what the benchmarks that fill a namespace with sockets
# share (bench_local.sh, bench_store.sh, bench_watch.sh, compare_rootkit.sh).
# Source it.

# bench_median N...: the median of the numbers
bench_median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# bench_ns_drop NS [PGID...]: end the process groups, every process left in
# namespace NS, and NS (NS may be ""). Best effort: a process that is
# already gone makes kill fail, which must not end a benchmark under set -e.
bench_ns_drop() {
	local ns=$1 pids pg; shift
	for pg in "$@"; do kill -- -"$pg" 2>/dev/null || :; done
	if [ -n "$ns" ]; then
		pids=$(ip netns pids "$ns" 2>/dev/null) || pids=""
		if [ -n "$pids" ]; then kill -KILL $pids 2>/dev/null || :; fi
		ip netns del "$ns" 2>/dev/null || :
	fi
}

# bench_wait_ready FILE PID LOG: until FILE says ready, PID still alive
# (else LOG is shown and the benchmark ends).
bench_wait_ready() {
	local i
	for ((i = 0; i < 600; i++)); do
		[ -s "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || { cat "$3"; exit 1; }
		sleep 0.1
	done
	echo "$3: not ready"; exit 1
}

# bench_sockfill NS N DIR: lab-sockfill N in namespace NS (its own process
# group, pid in BENCH_FILL), until it says it is ready (DIR/ready).
bench_sockfill() {
	rm -f "$3/ready"
	setsid ip netns exec "$1" "$LAB_BIN/lab-sockfill" -r "$3/ready" "$2" \
		> "$3/fill.log" 2>&1 < /dev/null &
	BENCH_FILL=$!
	bench_wait_ready "$3/ready" "$BENCH_FILL" "$3/fill.log"
}

# bench_lab_bin HELPER...: unless LAB_BIN is set (ctest sets it), build the
# lab helpers tests/lab/HELPER.c into a fresh LAB_BIN as lab-HELPER, the
# names tests/lab/lib.sh expects.  Needs $here (the source tree).
bench_lab_bin() {
	local h
	[ -n "${LAB_BIN:-}" ] && return 0
	LAB_BIN=$(mktemp -d)
	for h in "$@"; do
		cc -O2 -o "$LAB_BIN/lab-$h" "$here/tests/lab/$h.c"
	done
}

# bench_ratio A B: A / B with two decimals, or "-" if either is missing.
bench_ratio() {
	[ -n "${1:-}" ] && [ -n "${2:-}" ] || { echo "-"; return; }
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}
