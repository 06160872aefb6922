#!/usr/bin/env bash
# portier watch on a lab host (issue 13): the daemon's events, its
# quietness under client traffic, and its resumption after kill -9.
#  - Listeners on 7201 (127.0.0.1), 7202, 7203 in a namespace; watch
#    --interval 1 takes its baseline.  Then a new listener (7204), 7201
#    moved to 0.0.0.0, 7202's binary replaced and restarted, 7203 stopped:
#    exactly NEW 7204, REBOUND 7201, BINARY_MODIFIED 7202, GONE 7203, each
#    within 2 intervals (the event's ts_ms against the time the change was
#    complete).  The changes are made while the watcher is stopped
#    (SIGSTOP): a move or a restart takes a stop and a start, and no
#    snapshot may fall between the two halves (it would rightly see GONE
#    and NEW).  That is what makes the test deterministic.
#  - 300 short-lived TCP connections and UDP client sockets over 3 s: no
#    event.
#  - kill -9, then 7201 stopped and 7205 started while it is down; the
#    restarted watch (with an --exec hook) reports exactly GONE 7201 and
#    NEW 7205, numbered after the first four: no event repeated, none lost.
#    The hook saw each event on stdin and in its environment.
#  - SIGTERM stops it with exit 0.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_local.sh"
lab_init
need_tool jq
need_tool python3

lab_target t1
local_programs a b c d e
sys_dir=$LOCAL_SYS
store=$LOCAL_STORE
INTERVAL=1

now_ms() { date +%s%3N; }
wait_gone() { local_wait_gone "$@"; }

# start_watch OUT [ARGS...]: portier watch in t1, stdout to OUT, stderr to
# OUT.err; returns once its first round is done (its notice on stderr).
WATCH=""
start_watch() {
	local out=$1 i; shift
	setsid ip netns exec "${LAB_NS[t1]}" "$PORTIER" watch --store "$store" \
		--interval "$INTERVAL" "$@" > "$out" 2> "$out.err" < /dev/null &
	WATCH=$!
	LAB_PIDS+=("$WATCH")
	for ((i = 0; i < 400; i++)); do
		grep -q "watching" "$out.err" && return 0
		kill -0 "$WATCH" 2> /dev/null || { cat "$out.err"; lab_fail "portier watch exited"; }
		sleep 0.05
	done
	cat "$out.err"
	lab_fail "portier watch did not take its first snapshot in 20 s"
}

# wait_events OUT N: until OUT holds N lines (at most 10 intervals).
wait_events() {
	local i
	for ((i = 0; i < INTERVAL * 200; i++)); do
		[ "$(grep -c . "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	cat "$1" "$1.err" >&2
	lab_fail "expected $2 events in $1, got $(grep -c . "$1")"
}

# "EVENT PORT" of each line of OUT, sorted.
events() { jq -r '"\(.event) \((.after // .before).port)"' "$1" | sort; }

# freeze/thaw: stop the watcher so that no snapshot sees half a change.
freeze() { kill -STOP "$WATCH"; }
thaw() { kill -CONT "$WATCH"; }

local_four_start t1

# a server that accepts (and closes) every connection, for client traffic
lab_bg t1 acceptor python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 7210))
s.listen(128)
while True:
    s.accept()[0].close()'
lab_wait_port t1 tcp 7210

out1="$LAB_DIR/watch1.jsonl"
start_watch "$out1"
sleep "$INTERVAL"
[ ! -s "$out1" ] || lab_fail "events with nothing changed: $(cat "$out1")"

# ---- the four changes --------------------------------------------------------
t_freeze=$(now_ms)
freeze
local_four_change t1
t_change=$(now_ms)
thaw

wait_events "$out1" 4
sleep "$INTERVAL"
cat "$out1"
got=$(events "$out1")
want=$(printf '%s\n' "BINARY_MODIFIED 7202" "GONE 7203" "NEW 7204" "REBOUND 7201" | sort)
[ "$got" = "$want" ] || lab_fail "events: got '$got', want '$want'"
jq -s -e 'map(select(.event == "REBOUND"))[0] | .before.addr == "127.0.0.1" and .after.addr == "0.0.0.0"' \
	"$out1" > /dev/null || lab_fail "REBOUND lacks its addresses"
# within 2 intervals of the change, as the events' own clock says
while read -r port ts; do
	lat=$((ts - t_change))
	lab_log "$port: reported $lat ms after the change"
	[ "$lat" -le $((2 * INTERVAL * 1000)) ] || lab_fail "port $port reported $lat ms after its change"
	# (a round frozen after it began may see the change: its ts is older)
	[ "$ts" -ge $((t_freeze - INTERVAL * 1000)) ] || lab_fail "port $port reported before its change ($lat ms)"
done < <(jq -r '"\((.after // .before).port) \(.ts_ms)"' "$out1")
[ "$(jq -r .seq "$out1" | tr '\n' ' ')" = "1 2 3 4 " ] || lab_fail "seq is not 1..4: $(jq -r .seq "$out1")"

# ---- client traffic: no event --------------------------------------------------
t0=$(now_ms)
lab_expect 0 lab_in t1 python3 -c '
import socket, time
for i in range(300):
    c = socket.create_connection(("127.0.0.1", 7210), timeout=5)
    c.close()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"x", ("127.0.0.1", 9))
    u.close()
    time.sleep(0.01)'
[ $(($(now_ms) - t0)) -ge $((2 * INTERVAL * 1000)) ] || lab_fail "the client traffic took less than 2 intervals"
sleep $((2 * INTERVAL))
[ "$(grep -c . "$out1")" = 4 ] || lab_fail "events for client connections: $(tail -n +5 "$out1")"

# ---- kill -9, a change while it is down, a restart ------------------------------
kill -KILL -- "-$WATCH"
while kill -0 "$WATCH" 2> /dev/null; do sleep 0.05; done
kill -TERM -- "-$LOCAL_PG_A2"
wait_gone t1 7201
local_hold t1 e "$sys_dir/svc-e" tcp:0.0.0.0:7205
hook="$LAB_DIR/hook.sh"
cat > "$hook" <<EOF
#!/bin/sh
echo "\$PORTIER_SEQ \$PORTIER_EVENT \$PORTIER_PROTO \$PORTIER_PORT \$(cat)" >> "$LAB_DIR/hook.txt"
EOF
chmod 755 "$hook"
out2="$LAB_DIR/watch2.jsonl"
start_watch "$out2" --json --exec "$hook"
wait_events "$out2" 2
sleep $((2 * INTERVAL))
cat "$out2"
got=$(events "$out2")
want=$(printf '%s\n' "GONE 7201" "NEW 7205" | sort)
[ "$got" = "$want" ] || lab_fail "after the restart: got '$got', want '$want'"
[ "$(cat "$out1" "$out2" | jq -r .seq | tr '\n' ' ')" = "1 2 3 4 5 6 " ] \
	|| lab_fail "seq over both runs is not 1..6: $(cat "$out1" "$out2" | jq -r .seq)"
# the hook: one run per event, the same event in its environment and stdin
[ "$(grep -c . "$LAB_DIR/hook.txt")" = 2 ] || lab_fail "hook runs: $(cat "$LAB_DIR/hook.txt")"
while read -r seq ev proto port json; do
	[ "$proto" = tcp ] || lab_fail "hook: PORTIER_PROTO '$proto'"
	jq -e --argjson s "$seq" --arg e "$ev" --argjson p "$port" \
		'.seq == $s and .event == $e and (.after // .before).port == $p' <<<"$json" > /dev/null \
		|| lab_fail "hook: environment ($seq $ev $port) and stdin ($json) disagree"
done < "$LAB_DIR/hook.txt"
# the store holds the events with their snapshots, all delivered
lab_expect 0 lab_in t1 "$PORTIER" history --store "$store" 7205 > "$LAB_DIR/hist.txt"
grep -q "NEW  *tcp 0.0.0.0:7205" "$LAB_DIR/hist.txt" || lab_fail "history lacks NEW 7205: $(cat "$LAB_DIR/hist.txt")"

# ---- SIGTERM: a clean stop ------------------------------------------------------
kill -TERM "$WATCH"
rc=0; wait "$WATCH" || rc=$?
[ "$rc" = 0 ] || lab_fail "portier watch exited $rc on SIGTERM"
lab_log "ok"
