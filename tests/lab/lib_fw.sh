# tests/lab/lib_fw.sh - helpers for the firewall lab tests, sourced after
# lib.sh.  portier firewall only ever runs inside the target namespace
# (nftables is per network namespace), with its undo points in the test's
# own directory.

export PORTIER_STATE_DIR="$LAB_DIR/fw-state"
unset SSH_CONNECTION # the guard is tested on purpose, not by accident

# fw NAME ARGS...: portier firewall ARGS inside target NAME.
fw() { local name=$1; shift; lab_in "$name" "$PORTIER" firewall "$@"; }

# fw_ruleset NAME: the whole ruleset of NAME's namespace.
fw_ruleset() { lab_in "$1" nft list ruleset; }

# fw_scan PORTS ADDR [-6]: "PORT/STATE" per port as nmap -sS sees it from
# the scanner namespace, sorted by port, space separated.
fw_scan() {
	local ports=$1 addr=$2; shift 2
	lab_scan nmap -n -Pn -sS -T5 --max-retries 1 "$@" -p "$ports" \
		-oG - "$addr" |
		grep -o '[0-9]*/[a-z|]*/tcp' | cut -d/ -f1,2 | sort -n |
		tr '\n' ' ' | sed 's/ $//'
}

# fw_scan_udp PORTS ADDR [-6]: the same for a UDP scan (-sU).
fw_scan_udp() {
	local ports=$1 addr=$2; shift 2
	lab_scan nmap -n -Pn -sU -T5 --max-retries 1 "$@" -p "$ports" \
		-oG - "$addr" |
		grep -o '[0-9]*/[a-z|]*/udp' | cut -d/ -f1,2 | sort -n |
		tr '\n' ' ' | sed 's/ $//'
}

# fw_expect WHAT GOT WANT
fw_expect() {
	if [ "$2" != "$3" ]; then
		lab_fail "$1: got '$2', want '$3'"
	fi
	echo "ok: $1: $2"
}

# fw_check_script NAME ARGS...: the --dry-run script of ARGS passes nft -c.
fw_check_script() {
	local name=$1; shift
	local f="$LAB_DIR/check.$RANDOM.nft"
	fw "$name" "$@" --dry-run > "$f" 2>/dev/null ||
		lab_fail "portier firewall $* --dry-run failed"
	lab_in "$name" nft -c -f "$f" ||
		lab_fail "nft -c rejects the script of '$*'"
	echo "ok: nft -c accepts the script of: $*"
}
