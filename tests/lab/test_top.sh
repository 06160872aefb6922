#!/usr/bin/env bash
# portier top in an 80x24 tmux inside a target namespace, driven by keys
# and read back with capture-pane: a new listener shows up (green) within
# 2 s; a chosen established connection is closed and its peer, in the
# scanner namespace, reads a reset; a chosen process is killed only after
# "y" ("n" leaves it alone); a port is blocked (nmap from the scanner sees
# it filtered) and the undo key opens it again; q quits with status 0.
# Every wait polls the screen or a file with a deadline; none is a bare
# sleep.
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
. "$PORTIER_SRC/tests/lab/lib_fw.sh"
. "$PORTIER_SRC/tests/lab/lib_local.sh"
need_tool tmux nmap nft

lab_target t1
ip4=${LAB_IP[t1]}
sock="$LAB_DIR/tmux.sock"
tm() { tmux -S "$sock" "$@"; }
trap 'tm kill-server 2>/dev/null; lab_cleanup' EXIT

screen() { tm capture-pane -p -t top; }

# wait_screen SECONDS WHAT PATTERN: until the screen matches (grep -E)
wait_screen() {
	local limit=$1 what=$2 pat=$3 i
	for ((i = 0; i < limit * 20; i++)); do
		screen | grep -qE -- "$pat" && return 0
		sleep 0.05
	done
	screen >&2
	lab_fail "$what: no '$pat' on the screen after ${limit}s"
}

# wait_gone SECONDS WHAT PATTERN: until the screen no longer matches
wait_gone() {
	local limit=$1 what=$2 pat=$3 i
	for ((i = 0; i < limit * 20; i++)); do
		screen | grep -qE -- "$pat" || return 0
		sleep 0.05
	done
	screen >&2
	lab_fail "$what: '$pat' still on the screen after ${limit}s"
}

# search TEXT: show only the rows matching TEXT (the cursor is on the first)
search() {
	tm send-keys -t top /
	wait_screen 5 "search prompt" '^/$'
	tm send-keys -t top -l "$1"
	tm send-keys -t top Enter
	wait_screen 5 "search '$1'" "/$1"
}

# alive PID: the process exists and is no zombie
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status"; }

# the server end of the connection to close, held by a process in t1
local_hold t1 srv "$LAB_BIN/lab-resetpeer" -s "$ip4:7000"

lab_in t1 tmux -S "$sock" -f /dev/null new-session -d -x 80 -y 24 -s top \
	"$PORTIER top; echo top-exited-\$?; sleep 600"
wait_screen 10 "first frame" '^portier top +[0-9]+ sockets'
wait_screen 5 "header" '^PROTO STATE +LOCAL +REMOTE +PID +PROGRAM +USER +UNIT +EXP +RISK'
wait_screen 5 "the server's listener" "^tcp +LISTEN +$ip4:7000 .*lab-re"
[ "$(tm display -p -t top '#{window_width}x#{window_height}')" = 80x24 ] ||
	lab_fail "the pane is not 80x24"
echo "ok: the first frame fits 80x24 with every column"

# ---- a new listener appears within 2 s, green -------------------------------
local_hold t1 new "$LAB_BIN/lab-sockhold" tcp:0.0.0.0:7200
t0=$(date +%s%N)
green="" ms=0
while [ "$ms" -le 2000 ]; do
	green=$(tm capture-pane -p -e -t top | grep -F '0.0.0.0:7200' || true)
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ -n "$green" ] && break
	sleep 0.05
done
[ -n "$green" ] && [ "$ms" -le 2000 ] ||
	{ screen >&2; lab_fail "new listener not shown within 2 s (${ms} ms)"; }
grep -qE $'\e\\[([0-9;]*;)?32(;[0-9;]*)?m' <<<"$green" ||
	lab_fail "the new row is not green: $(cat -v <<<"$green")"
echo "ok: a new listener is shown after ${ms} ms, in green"

# ---- close a chosen established connection: the peer reads a reset --------
ready="$LAB_DIR/peer.ready"
setsid ip netns exec "$LAB_SCANNER" "$LAB_BIN/lab-resetpeer" -r "$ready" \
	-c "$ip4:7000" > "$LAB_DIR/peer.log" 2>&1 < /dev/null &
LAB_PIDS+=($!)
for ((i = 0; i < 100; i++)); do [ -s "$ready" ] && break; sleep 0.05; done
[ -s "$ready" ] || lab_fail "the peer did not connect"
peer_port=$(awk '{print $3}' "$ready")
search "198.19.1.1:$peer_port"
wait_screen 5 "the connection's row" \
	"^tcp +ESTAB +$ip4:7000 +~?[0-9.]*:$peer_port .*lab-re"
wait_screen 5 "only that row" ' 1 shown'
tm send-keys -t top c
wait_screen 5 "close question" \
	"close tcp $ip4:7000 <-> 198.19.1.1:$peer_port .*\\[y/N\\]"
tm send-keys -t top y
# the closed row is red for one refresh (it is the selected one, and the
# only one the search shows)
red=""
for ((i = 0; i < 100; i++)); do
	red=$(tm capture-pane -p -e -t top | grep -F ":$peer_port" || true)
	grep -qE $'\e\\[([0-9;]*;)?31(;[0-9;]*)?m' <<<"$red" && break
	red=""
	sleep 0.05
done
[ -n "$red" ] || { screen >&2; lab_fail "the closed connection's row is never red"; }
for ((i = 0; i < 100; i++)); do
	grep -q . "$LAB_DIR/peer.log" && break
	sleep 0.05
done
[ "$(cat "$LAB_DIR/peer.log")" = reset ] ||
	lab_fail "the peer did not read a reset: $(cat "$LAB_DIR/peer.log")"
wait_screen 5 "closed message" "closed tcp $ip4:7000"
echo "ok: c + y closed the connection (its row red once); the peer read ECONNRESET"

# ---- kill a chosen process, only after y ---------------------------------
local_hold t1 victim "$LAB_BIN/lab-sockhold" tcp:0.0.0.0:7100
victim=$LOCAL_PID
search ":7100"
wait_screen 5 "the victim's row" "^tcp +LISTEN +0.0.0.0:7100 .* $victim +lab-so"
# z stops it, z again continues it
pstate() { awk '/^State:/ {print $2}' "/proc/$1/status"; }
tm send-keys -t top z
wait_screen 5 "stop question" "stop \\(SIGSTOP\\) pid $victim \\(lab-sockhold\\)\\? \\[y/N\\]"
tm send-keys -t top y
wait_screen 5 "stopped message" "sent STOP to pid $victim"
for ((i = 0; i < 100; i++)); do [ "$(pstate "$victim")" = T ] && break; sleep 0.05; done
[ "$(pstate "$victim")" = T ] || lab_fail "z + y did not stop pid $victim"
tm send-keys -t top z
wait_screen 5 "continue question" "continue \\(SIGCONT\\) pid $victim"
tm send-keys -t top y
wait_screen 5 "continued message" "sent CONT to pid $victim"
for ((i = 0; i < 100; i++)); do [ "$(pstate "$victim")" != T ] && break; sleep 0.05; done
[ "$(pstate "$victim")" != T ] || lab_fail "z + y did not continue pid $victim"
echo "ok: z + y stopped pid $victim, z + y again continued it"
tm send-keys -t top k
wait_screen 5 "kill question" "terminate \\(SIGTERM\\) pid $victim \\(lab-sockhold\\)\\? \\[y/N\\]"
tm send-keys -t top n
wait_screen 5 "cancelled" '^cancelled'
alive "$victim" || lab_fail "n killed the process"
tm send-keys -t top k
wait_screen 5 "kill question again" "terminate \\(SIGTERM\\) pid $victim"
tm send-keys -t top y
wait_screen 5 "sent message" "sent TERM to pid $victim"
for ((i = 0; i < 100; i++)); do alive "$victim" || break; sleep 0.05; done
alive "$victim" && lab_fail "pid $victim still runs after k + y"
wait_gone 5 "the killed listener's row" '0.0.0.0:7100'
echo "ok: k + n left pid $victim alone; k + y killed it and its row went"

# ---- block a port, scan it, undo ----------------------------------------
local_hold t1 blk "$LAB_BIN/lab-sockhold" tcp:0.0.0.0:7300
fw_expect "7300 before" "$(fw_scan 7300 "$ip4")" "7300/open"
tm send-keys -t top u
wait_screen 5 "undo with nothing blocked" 'nothing blocked in this session'
search ":7300"
wait_screen 5 "the row to block" '^tcp +LISTEN +0.0.0.0:7300 '
tm send-keys -t top b
wait_screen 5 "block question" 'block tcp/7300 in the firewall .*\[y/N\]'
tm send-keys -t top y
wait_screen 10 "blocked message" 'blocked 7300/tcp \(u undoes it\)'
fw_expect "7300 blocked" "$(fw_scan 7300 "$ip4")" "7300/filtered"
rules=$(lab_in t1 nft list table inet portier)
grep -q 'elements = { 7300 }' <<<"$rules" || lab_fail "no rule for 7300 in: $rules"
tm send-keys -t top u
wait_screen 5 "undo question" "undo 'close 7300/tcp'\\? \\[y/N\\]"
tm send-keys -t top y
wait_screen 10 "undone message" 'undone: close 7300/tcp'
fw_expect "7300 after undo" "$(fw_scan 7300 "$ip4")" "7300/open"
echo "ok: b + y blocked 7300 (filtered to a scan); u + y opened it again"

# ---- without CAP_NET_ADMIN: close and block say what is missing ----------
ready2="$LAB_DIR/peer2.ready"
setsid ip netns exec "$LAB_SCANNER" "$LAB_BIN/lab-resetpeer" -r "$ready2" \
	-c "$ip4:7000" > "$LAB_DIR/peer2.log" 2>&1 < /dev/null &
LAB_PIDS+=($!)
for ((i = 0; i < 100; i++)); do [ -s "$ready2" ] && break; sleep 0.05; done
[ -s "$ready2" ] || lab_fail "the second peer did not connect"
port2=$(awk '{print $3}' "$ready2")
tm kill-session -t top
lab_in t1 tmux -S "$sock" -f /dev/null new-session -d -x 80 -y 24 -s top \
	"setpriv --inh-caps=-net_admin --bounding-set=-net_admin $PORTIER top --search 198.19.1.1:$port2; echo top-exited-\$?; sleep 600"
wait_screen 10 "the unprivileged top's row" "^tcp +ESTAB +$ip4:7000 .*:$port2 "
tm send-keys -t top c
wait_screen 5 "close question" "close tcp $ip4:7000 <-> 198.19.1.1:$port2"
tm send-keys -t top y
wait_screen 5 "close refused" 'cannot close it: closing a connection needs CAP_NET_ADMIN'
tm send-keys -t top b
wait_screen 5 "block question" 'block tcp/7000 in the firewall'
tm send-keys -t top y
wait_screen 10 "block refused" 'block failed: .*CAP_NET_ADMIN'
[ ! -s "$LAB_DIR/peer2.log" ] || lab_fail "the peer saw: $(cat "$LAB_DIR/peer2.log")"
rules=$(lab_in t1 nft list ruleset)
! grep -q 'table inet portier' <<<"$rules" || lab_fail "a block without privileges: $rules"
echo "ok: without CAP_NET_ADMIN, c and b say so and change nothing"

# ---- the kb pane and quitting --------------------------------------------
tm send-keys -t top i
wait_screen 5 "info pane" '^portier info 7000/tcp'
tm send-keys -t top Escape
wait_gone 5 "info pane closed" '^portier info 7000/tcp'
tm send-keys -t top q
wait_screen 5 "quit" '^top-exited-0'
echo "ok: i shows portier info's text; q quits with status 0"
