# tests/lab/lib_guard.sh - helpers of the guard lab tests, sourced after
# tests/lab/lib.sh.  The guard runs inside the target namespace only (its
# nftables table lives and dies with that namespace); scanners run in the
# scanner namespace from extra lab addresses of their own, one per scan, so
# that one scan's block does not hide the next scan.
#
#   guard_lab_init               lab_init; skipped without nmap or nft
#   guard_start NAME [ARGS...]   portier guard --json in target NAME, alerts
#                                in $GUARD_ALERTS, state in $LAB_DIR/state
#   guard_src IDX                add 198.19.1.(10+IDX) and fd70:7:1::(10+IDX)
#                                to the scanner's side of target 1's link
#   guard_wait_alert SRC [SECS]  the first alert line for source SRC
#   guard_wait_alert_n SRC N [SECS]  the N-th one
#   guard_stop                   SIGTERM, wait; guard.err moves to .old
#   guard_in_set NAME ADDR       is ADDR in block4/block6 of target NAME?
#   guard_events TYPE            event lines of TYPE ("restore") so far
#   guard_field JSON FIELD       one top-level field of an alert line

GUARD_ALERTS=""
GUARD_PID=""

# guard_lab_init: lab_init, and skip (77) without nmap or nft.
guard_lab_init() {
	lab_init
	command -v nmap >/dev/null || { echo "nmap missing; skipped"; exit 77; }
	command -v nft >/dev/null || { echo "nft missing; skipped"; exit 77; }
}

guard_start() {
	local name=$1; shift
	GUARD_ALERTS="$LAB_DIR/alerts.jsonl"
	mkdir -p "$LAB_DIR/state"
	setsid ip netns exec "${LAB_NS[$name]}" env PORTIER_STATE_DIR="$LAB_DIR/state" \
		"$PORTIER" guard --json --alert-file "$GUARD_ALERTS" "$@" \
		>> "$LAB_DIR/guard.out" 2>> "$LAB_DIR/guard.err" < /dev/null &
	GUARD_PID=$!
	LAB_PIDS+=("$GUARD_PID")
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q "watching" "$LAB_DIR/guard.err" 2>/dev/null && return 0
		kill -0 "$GUARD_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$LAB_DIR/guard.err" >&2
	lab_fail "portier guard did not start"
}

# The process id of portier itself (not the ip netns exec wrapper).
guard_real_pid() {
	pgrep -f -n -s "$GUARD_PID" -- "guard --json" || echo "$GUARD_PID"
}

guard_src() {
	local idx=$1 dev="${LAB_ID}s1"
	ip -n "$LAB_SCANNER" addr add "198.19.1.$((10 + idx))/24" dev "$dev" 2>/dev/null || true
	ip -n "$LAB_SCANNER" addr add "fd70:7:1::$((10 + idx))/64" dev "$dev" nodad 2>/dev/null || true
	GUARD_SRC4="198.19.1.$((10 + idx))"
	GUARD_SRC6="fd70:7:1::$((10 + idx))"
}

guard_wait_alert() {
	guard_wait_alert_n "$1" 1 "${2:-20}"
}

guard_field() {
	python3 -c 'import json,sys; v=json.loads(sys.argv[1]).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}

# The drop counter of guard's block rule for a family (4 or 6).
guard_drops() {
	lab_in "$1" nft list chain inet portier_guard input 2>/dev/null \
		| awk -v f="@block$2" '$0 ~ f { for (i = 1; i <= NF; i++) if ($i == "packets") print $(i + 1) }'
}

# median of the numbers on stdin
guard_median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# guard_stop: SIGTERM to portier guard, wait for it to exit (it writes its
# checkpoint on the way out); its stderr so far moves to guard.err.old so
# that the next guard_start waits for the new process's "watching".
guard_stop() {
	local pid i
	pid=$(guard_real_pid)
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && lab_fail "portier guard did not stop on SIGTERM"
	wait "$GUARD_PID" 2>/dev/null || true
	cat "$LAB_DIR/guard.err" >> "$LAB_DIR/guard.err.old" 2>/dev/null || true
	: > "$LAB_DIR/guard.err"
}

# guard_wait_alert_n SRC N [SECS]: the N-th alert line for source SRC.
guard_wait_alert_n() {
	local src=$1 n=$2 limit=${3:-20} i line
	for ((i = 0; i < limit * 10; i++)); do
		line=$(grep -F "\"source\":\"$src\"" "$GUARD_ALERTS" 2>/dev/null | grep -F '"type":"scan"' | sed -n "${n}p" || true)
		if [ -n "$line" ]; then
			echo "$line"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# guard_in_set NAME ADDR: is ADDR an element of block4/block6 in NAME?
guard_in_set() {
	local set=block4 out
	[[ $2 == *:* ]] && set=block6
	# read it whole first: with pipefail, grep -q quitting early would
	# fail the pipeline on nft's SIGPIPE
	out=$(lab_in "$1" nft list set inet portier_guard "$set" 2>/dev/null) || return 1
	grep -qF -- "$2" <<<"$out"
}

# guard_events TYPE: the event lines of that type ("restore") so far.
guard_events() {
	grep -F "\"type\":\"$1\"" "$GUARD_ALERTS" 2>/dev/null || true
}
