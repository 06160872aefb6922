# tests/lab/lib_local.sh - helpers of the portier local/audit lab tests;
# source after lib.sh.

# local_hold NAME LABEL PROGRAM ARGS...: run a socket holder (lab-sockhold
# or lab-closewait, or a copy of one) in target NAME with -r READY, and wait
# until it says it is ready.  Its pid (the one that wrote "ready") goes in
# LOCAL_PID.
local_hold() {
	local name=$1 label=$2 prog=$3 i; shift 3
	local ready="$LAB_DIR/$label.ready"
	lab_bg "$name" "$label" "$prog" -r "$ready" "$@"
	for ((i = 0; i < 400; i++)); do
		if [ -s "$ready" ]; then
			LOCAL_PID=$(awk '{print $2}' "$ready")
			return 0
		fi
		sleep 0.05
	done
	cat "$LAB_DIR/$label.log" >&2 || true
	lab_fail "$label did not get ready: $prog $*"
}

# local_overlay LINE...: a user knowledge-base overlay (XDG_CONFIG_HOME)
# with the given 10-field lines, so verdicts do not depend on the built-in
# entries of the ports a test uses.
local_overlay() {
	export XDG_CONFIG_HOME="$LAB_DIR/xdg"
	mkdir -p "$XDG_CONFIG_HOME/portier"
	printf '%s\n' "$@" > "$XDG_CONFIG_HOME/portier/ports.tsv"
}

# local_programs NAME...: a copy of lab-sockhold per NAME as
# $LOCAL_SYS/svc-NAME, in a private system-like directory (removed on
# exit), so that every listener has its own program path; and a private
# state directory for a store, $LOCAL_STORE.
local_programs() {
	local p
	[ -x "$LAB_BIN/lab-sockhold" ] || lab_fail "lab-sockhold not built (LAB_BIN=$LAB_BIN)"
	LOCAL_SYS=$(mktemp -d /var/lib/portier-lab.XXXXXX)
	trap 'lab_cleanup; rm -rf "$LOCAL_SYS"' EXIT
	for p in "$@"; do cp "$LAB_BIN/lab-sockhold" "$LOCAL_SYS/svc-$p"; done
	mkdir -m 700 "$LAB_DIR/state"
	LOCAL_STORE="$LAB_DIR/state/portier.db"
}

# local_wait_gone NAME PORT: until nothing listens on tcp/PORT in NAME (a
# killed holder's socket closes a moment after the signal).
local_wait_gone() {
	local i
	for ((i = 0; i < 200; i++)); do
		lab_in "$1" ss -H -tln "sport = :$2" | grep -q . || return 0
		sleep 0.05
	done
	lab_fail "tcp/$2 in $1 still listening 10 s after its holder was killed"
}

# The four changes of issue 13 in target NAME, with the programs of
# local_programs a b c d.  local_four_start NAME: svc-a on 127.0.0.1:7201,
# svc-b and svc-c on 0.0.0.0:7202 and :7203.  local_four_change NAME: a new
# listener svc-d on 7204 (its group in LOCAL_PG_D), 7201 moved to 0.0.0.0
# (LOCAL_PG_A2), svc-b rebuilt at the same path and restarted, 7203
# stopped: NEW, REBOUND, BINARY_MODIFIED, GONE.
local_four_start() {
	local_hold "$1" a "$LOCAL_SYS/svc-a" tcp:127.0.0.1:7201
	LOCAL_PG_A=${LAB_PIDS[-1]}
	local_hold "$1" b "$LOCAL_SYS/svc-b" tcp:0.0.0.0:7202
	LOCAL_PG_B=${LAB_PIDS[-1]}
	local_hold "$1" c "$LOCAL_SYS/svc-c" tcp:0.0.0.0:7203
	LOCAL_PG_C=${LAB_PIDS[-1]}
}
local_four_change() {
	local port
	local_hold "$1" d "$LOCAL_SYS/svc-d" tcp:0.0.0.0:7204
	LOCAL_PG_D=${LAB_PIDS[-1]}
	kill -TERM -- "-$LOCAL_PG_A" "-$LOCAL_PG_B" "-$LOCAL_PG_C"
	for port in 7201 7202 7203; do local_wait_gone "$1" "$port"; done
	local_hold "$1" a2 "$LOCAL_SYS/svc-a" tcp:0.0.0.0:7201
	LOCAL_PG_A2=${LAB_PIDS[-1]}
	# a new build at the same path: the old file replaced by another
	cp "$LAB_BIN/lab-sockhold" "$LOCAL_SYS/svc-b.new"
	printf 'rebuilt' >> "$LOCAL_SYS/svc-b.new"
	mv "$LOCAL_SYS/svc-b.new" "$LOCAL_SYS/svc-b"
	local_hold "$1" b2 "$LOCAL_SYS/svc-b" tcp:0.0.0.0:7202
}
