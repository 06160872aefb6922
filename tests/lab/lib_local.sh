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
