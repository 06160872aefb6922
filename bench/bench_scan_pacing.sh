#!/usr/bin/env bash
# bench_scan_pacing.sh - portier -sS against nmap -sS on the two paths where
# pacing decides the wall time:
#
#   (a) a firewalled host: 3 listeners, an nftables input chain that accepts
#       only those 3 ports (and established traffic) and drops everything
#       else; all 65,535 ports; nmap -T5 (exactly 3 open, the rest filtered)
#   (b) a lossy, slow link: 40 ms delay and 10% loss in each direction
#       (80 ms RTT, about 19% of probe/answer pairs lost; the kernel here
#       has no netem, so tests/lab/lossy_link.c does what
#       "tc qdisc add dev X root netem delay 40ms loss 10%" on both ends
#       would, queue limit 1000 included), 10 listeners among ports
#       1-10000 (BENCH_NETEM_PORTS to change it); nmap -T4 (all 10 open)
#
# Prints wall time, open/closed/filtered counts and the wall-time ratio of
# each case.  Everything runs inside namespaces this script creates
# (tests/lab/lib.sh); nothing is sent anywhere else.  Needs root.
#
#   PORTIER=build/portier bash bench/bench_scan_pacing.sh
#   BENCH_SKIP="nmap-b" to leave out runs (names as printed).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export PORTIER_SRC=${PORTIER_SRC:-$here}
. "$here/bench/lib_ns.sh"
bench_lab_bin listen lossy_link
. "$here/tests/lab/lib.sh"
. "$here/tests/lab/lib_scan.sh"
lab_init
need_tool nmap nft /usr/bin/time
[ -x "$PORTIER" ] || { echo "bench_scan_pacing: PORTIER=$PORTIER is not executable" >&2; exit 2; }
d=$LAB_DIR
netem_ports=${BENCH_NETEM_PORTS:-1-10000}

# (a) the firewalled host
lab_target fw
ipa=${LAB_IP[fw]}
mapfile -t aports < <(lab_random_ports 3 1024 60000)
lab_walled fw "${aports[@]}"
truth_a=$(printf '%s\n' "${aports[@]}" | paste -sd' ')

# (b) the lossy link
lab_lossy_target lossy 40 10
ipb=${LAB_IP[lossy]}
hi=${netem_ports#*-}
mapfile -t bports < <(lab_random_ports 10 1 "$hi")
specs=(); for p in "${bports[@]}"; do specs+=("tcp:$p"); done
lab_listen lossy -a "$ipb" "${specs[@]}"
truth_b=$(printf '%s\n' "${bports[@]}" | paste -sd' ')

declare -A WALL GOT
run() { # NAME TRUTH CMD... (writes grepable output to $d/out.NAME)
	local name=$1 truth=$2 wall counts; shift 2
	if [[ " ${BENCH_SKIP:-} " == *" $name "* ]]; then return; fi
	lab_scan /usr/bin/time -f '%e' -o "$d/time.$name" "$@" \
		> "$d/log.$name" 2>&1 || echo "bench_scan_pacing: $name exited $?" >&2
	wall=$(tail -1 "$d/time.$name")
	counts=$(scan_gnmap_counts "$d/out.$name")
	WALL[$name]=$wall
	GOT[$name]=$(scan_gnmap_open "$d/out.$name")
	printf '%-10s wall %8ss  %s  all open found: %s\n' "$name" "$wall" \
		"$counts" "$([ "${GOT[$name]}" = "$truth" ] && echo yes || echo "NO (${GOT[$name]})")"
}

engine() { # NAME: portier's own counters for the run
	local f="$d/json.$1" k line=""
	[ -s "$f" ] || return 0
	for k in open closed filtered sent retransmits replies loss slowdowns; do
		line+=" $k $(scan_summary "$f" "$k")"
	done
	echo "           portier:$line"
}

echo "== (a) firewalled host $ipa, -p- (65,535 ports), open: $truth_a"
run portier-a "$truth_a" "$PORTIER" scan -sS -n -q -p- "$ipa" -oG "$d/out.portier-a" \
	-oJ "$d/json.portier-a"
engine portier-a
run nmap-a "$truth_a" nmap -n -Pn -sS -T5 -p- "$ipa" -oG "$d/out.nmap-a"

echo "== (b) 40 ms delay + 10% loss each way, $ipb, -p $netem_ports, open: $truth_b"
run portier-b "$truth_b" "$PORTIER" scan -sS -n -q -p "$netem_ports" "$ipb" \
	-oG "$d/out.portier-b" -oJ "$d/json.portier-b"
engine portier-b
run nmap-b "$truth_b" nmap -n -Pn -sS -T4 -p "$netem_ports" "$ipb" -oG "$d/out.nmap-b"

echo
echo "== ratios (wall time; <= 1 means portier is at least as fast)"
echo "(a) portier -sS / nmap -sS -T5: $(bench_ratio "${WALL[portier-a]:-}" "${WALL[nmap-a]:-}")"
echo "(b) portier -sS / nmap -sS -T4: $(bench_ratio "${WALL[portier-b]:-}" "${WALL[nmap-b]:-}")"
